from django.apps import AppConfig


class PeerReviewConfig(AppConfig):
    name = "peerreview"

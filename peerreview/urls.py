from django.urls import path

from peerreview import views

app_name = "peerreview"

urlpatterns = [
    path("reviews/", views.review_list, name="review-list"),
    path("reviews/new/", views.review_create, name="review-create"),
    path("reviews/<int:pk>/", views.review_detail, name="review-detail"),
    path("reviews/<int:pk>/scope/", views.review_scope, name="review-scope"),
    path("reviews/<int:pk>/renew/", views.review_renew, name="review-renew"),
    path("reviews/<int:pk>/move/<str:name>/", views.review_move, name="review-move"),
    path("reviews/<int:pk>/panel/invite/", views.assignment_invite, name="assignment-invite"),
    path("reviews/<int:pk>/self-assessment/", views.self_assessment, name="self-assessment"),
    path("reviews/<int:pk>/evidence/new/", views.evidence_upload, name="evidence-upload"),
    path("reviews/<int:pk>/visit/", views.review_visit, name="review-visit"),
    path("reviews/<int:pk>/moderation/", views.review_moderation, name="review-moderation"),
    path("reviews/<int:pk>/findings/new/", views.finding_create, name="finding-create"),
    path("reviews/<int:pk>/replies/", views.review_replies, name="review-replies"),
    path("reviews/<int:pk>/outcome/", views.review_outcome, name="review-outcome"),
    path("reviews/<int:pk>/publish/", views.review_publish, name="review-publish"),
    path("reviews/<int:pk>/actions/new/", views.action_create, name="action-create"),
    path("reviews/<int:pk>/refer/", views.review_refer, name="review-refer"),
    path("reviews/<int:pk>/appeal/", views.review_appeal, name="review-appeal"),
    path("reviews/<int:pk>/response/", views.review_response, name="review-response"),
    path("reviews/<int:pk>/consent/", views.review_consent, name="review-consent"),
    path("consents/<int:pk>/withdraw/", views.consent_withdraw, name="consent-withdraw"),
    path("reviews/<int:pk>/report/", views.review_report, name="review-report"),
    path("assignments/<int:pk>/", views.assignment_respond, name="assignment-respond"),
    path("assignments/<int:pk>/score/", views.assignment_score, name="assignment-score"),
    path("assignments/<int:pk>/move/<str:name>/", views.assignment_move, name="assignment-move"),
    path("assignments/<int:pk>/appoint-lead/", views.assignment_appoint_lead, name="assignment-appoint-lead"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence-download"),
    path("findings/<int:pk>/agree/", views.finding_agree, name="finding-agree"),
    path("replies/<int:pk>/decide/", views.reply_decide, name="reply-decide"),
    path("extensions/<int:pk>/decide/", views.extension_decide, name="extension-decide"),
    path("actions/<int:pk>/move/<str:name>/", views.action_move, name="action-move"),
    path("public/reviews/<int:pk>/", views.public_report, name="public-report"),
    path("register/", views.award_register, name="award-register"),
]

"""Lifeboat casework. For now only the referral that opens a case (the case lifecycle is issue 5)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.audit import audited_history
from core.models import TimeStamped
from organisations.models import Organisation


class Referral(TimeStamped):
    class Source(models.TextChoices):
        CASEWORKER = "caseworker", "Caseworker"
        FUNDER = "funder", "Funder"
        CVS = "cvs", "CVS or support body"
        SELF = "self", "The organisation itself"
        PEER_REVIEW = "peer_review", "Peer review"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="referrals")
    source = models.CharField(max_length=20, choices=Source.choices)
    source_reference = models.CharField(max_length=100, blank=True, help_text="e.g. the peer review it came from")
    concerns = models.TextField()
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = audited_history()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Referral of {self.organisation} ({self.get_source_display()})"

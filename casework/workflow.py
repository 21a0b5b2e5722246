"""Lifeboat operations. Only referral exists so far; the case lifecycle arrives with issue 5."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from casework.models import Referral
from core import audit
from organisations.models import Organisation


def refer_organisation(
    organisation: Organisation, *, by: Any, source: str, concerns: str, source_reference: str = "", role: str = ""
) -> Referral:
    """Open a lifeboat referral. Side effects: history row, audit event "refer"."""
    if not concerns.strip():
        raise ValidationError({"concerns": "Describe the concerns that led to this referral."})
    with transaction.atomic():
        referral = Referral(
            organisation=organisation,
            source=source,
            concerns=concerns.strip(),
            source_reference=source_reference,
            referred_by=by,
        )
        referral._history_user = by
        referral._change_reason = "refer"
        referral.save()
        audit.append(referral, action="refer", actor=by, role=role, payload={"source_reference": source_reference})
    return referral

"""Lifeboat grants in the 360Giving Standard's spreadsheet columns (one row per grant).

Column titles follow the standard's flat (CSV) template. The recipient is identified by its
org-id (GB-CHC-…, GB-COH-…); the funder, the identifier prefix and the programme come from
settings. Refused grants were never awarded and are left out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from casework.models import Grant

COLUMNS = [
    "Identifier",
    "Title",
    "Description",
    "Currency",
    "Amount Awarded",
    "Amount Disbursed",
    "Award Date",
    "Recipient Org:Identifier",
    "Recipient Org:Name",
    "Recipient Org:Charity Number",
    "Recipient Org:Company Number",
    "Funding Org:Identifier",
    "Funding Org:Name",
    "Grant Programme:Title",
    "Last Modified",
]


def awarded(grants: QuerySet[Grant]) -> QuerySet[Grant]:
    """The grants that were awarded, with what their rows read, in one query each."""
    return (
        grants.filter(state__in=Grant.AWARDED)
        .select_related("turnaround__case__organisation")
        .prefetch_related("tranches")
        .order_by("award_date", "pk")
    )


def row(grant: Grant) -> dict[str, Any]:
    organisation = grant.turnaround.case.organisation
    disbursed = grant.amount_paid
    if grant.state == Grant.State.CLAWED_BACK and grant.clawback_amount:
        disbursed = max(disbursed - grant.clawback_amount, Decimal(0))
    return {
        "Identifier": f"{settings.LIFEBOAT_360G_PREFIX}-{grant.pk}",
        "Title": grant.title,
        "Description": grant.purpose,
        "Currency": Grant.CURRENCY,
        "Amount Awarded": f"{grant.amount:.2f}",
        "Amount Disbursed": f"{disbursed:.2f}",
        "Award Date": grant.award_date.isoformat() if grant.award_date else "",
        # Without a register number, 360Giving asks for an identifier under the publisher's prefix.
        "Recipient Org:Identifier": organisation.org_id or f"{settings.LIFEBOAT_360G_PREFIX}-org-{organisation.pk}",
        "Recipient Org:Name": organisation.name,
        "Recipient Org:Charity Number": organisation.charity_number,
        "Recipient Org:Company Number": organisation.company_number,
        "Funding Org:Identifier": settings.LIFEBOAT_FUNDER_ORG_ID,
        "Funding Org:Name": settings.LIFEBOAT_FUNDER_NAME,
        "Grant Programme:Title": settings.LIFEBOAT_GRANT_PROGRAMME,
        "Last Modified": grant.updated_at.isoformat(timespec="seconds"),
    }


def to_csv(grants: Iterable[Grant]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for grant in grants:
        writer.writerow(_safe(row(grant)))
    return buffer.getvalue()


def _safe(values: dict[str, Any]) -> dict[str, Any]:
    # A cell starting with = + - @ is a formula to a spreadsheet: text typed by people is quoted.
    typed = ("Title", "Description", "Recipient Org:Name")
    return {k: "'" + v if k in typed and str(v)[:1] in ("=", "+", "-", "@") else v for k, v in values.items()}

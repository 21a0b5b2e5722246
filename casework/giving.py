"""Lifeboat grants in the 360Giving Standard's spreadsheet columns (one row per grant).

Column titles follow the standard's flat (CSV) template. The recipient is identified by its
org-id (GB-CHC-…, GB-COH-…); the funder, the identifier prefix and the programme come from
settings. Refused grants were never awarded and are left out. The published file (`publishable`)
holds only grants whose recipient consented to publication (`Case.grants_publishable`): naming a
lifeboat recipient would otherwise reveal an organisation in difficulty. Beneficiary Location is
the London area(s) the recipient serves (ONS codes); Planned Dates run from the award to the last
milestone a tranche is tied to.
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

LONDON_REGION_CODE = "E12000007"  # ONS code of the London region
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
    "Beneficiary Location:Name",
    "Beneficiary Location:Geographic Code",
    "Beneficiary Location:Geographic Code Type",
    "Planned Dates:Start Date",
    "Planned Dates:End Date",
    "Planned Dates:Duration (months)",
    "Last Modified",
]


def awarded(grants: QuerySet[Grant]) -> QuerySet[Grant]:
    """The grants that were awarded, with what their rows read, in one query each."""
    return (
        grants.filter(state__in=Grant.AWARDED)
        .select_related("turnaround__case__organisation")
        .prefetch_related("tranches__milestone", "turnaround__case__organisation__boroughs")
        .order_by("award_date", "pk")
    )


def publishable(grants: QuerySet[Grant]) -> QuerySet[Grant]:
    """The awarded grants whose recipient consented to publication: the only ones a published file holds."""
    return awarded(grants.filter(turnaround__case__grants_publishable=True))


def _location(boroughs: list[Any]) -> dict[str, str]:
    # One location per row: the borough when the recipient serves one, otherwise London as a region.
    if len(boroughs) == 1:
        name, code, kind = boroughs[0].name, boroughs[0].ons_code, "LONB"
    elif boroughs:
        name, code, kind = "London", LONDON_REGION_CODE, "RGN"
    else:
        name = code = kind = ""
    return {
        "Beneficiary Location:Name": name,
        "Beneficiary Location:Geographic Code": code,
        "Beneficiary Location:Geographic Code Type": kind,
    }


def _planned(grant: Grant) -> tuple[str, str, str]:
    start = grant.award_date
    ends = [t.milestone.due_on for t in grant.tranches.all() if t.milestone.due_on]
    end = max(ends) if ends else None
    if not (start and end and end >= start):
        return (start.isoformat() if start else "", "", "")
    months = (end.year - start.year) * 12 + end.month - start.month + (1 if end.day >= start.day else 0)
    return start.isoformat(), end.isoformat(), str(max(months, 1))


def row(grant: Grant) -> dict[str, Any]:
    organisation = grant.turnaround.case.organisation
    disbursed = grant.amount_paid
    boroughs = list(organisation.boroughs.all())
    start, end, months = _planned(grant)
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
        **_location(boroughs),
        "Planned Dates:Start Date": start,
        "Planned Dates:End Date": end,
        "Planned Dates:Duration (months)": months,
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

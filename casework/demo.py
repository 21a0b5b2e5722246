"""Demo lifeboat cases in every state of the parent case, through casework.workflow."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from casework import workflow
from casework.models import Case
from organisations.models import Organisation, User

# The order a case passes through on its way to archived.
PATH = [
    "referred",
    "screening",
    "triage",
    "awaiting_decision",
    "active",
    "closing_review",
    "closed",
    "follow_up",
    "archived",
]
SIDE = {"declined": "triage", "withdrawn": "active", "on_hold": "active", "escalated": "active"}
CONCERNS = [
    "Lost its main council contract; three months of cash left.",
    "Chair and treasurer resigned together; no quorate board.",
    "Trustees want to close and pass the food bank to a neighbour.",
]


def _health(case: Case, n: int) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "annual_income": Decimal(180000 + 20000 * n),
        "annual_expenditure": Decimal(230000),
        "free_reserves": Decimal(15000 + 5000 * n),
        "cash_at_bank": Decimal(20000 - 1000 * n),
        "weekly_net_cash": [-2500 + 300 * (w % 3) for w in range(13)],
        "largest_funder_percent": 55 - n,
        "overdue_filings": n % 4 == 0,
        "governance_concerns": n % 3 == 1,
        "safeguarding_concerns": False,
        "finances_as_of": today - datetime.timedelta(days=20),
        "finances_source": "Management accounts",
        "forecast_as_of": today - datetime.timedelta(days=7),
        "forecast_source": "Treasurer's 13-week forecast",
        "governance_as_of": today - datetime.timedelta(days=7),
        "governance_source": "Meeting with the chair",
    }


def _walk(case: Case, target: str, n: int, caseworker: User, panel: User) -> Case:
    for stage in PATH[1 : PATH.index(target) + 1]:
        case = Case.objects.get(pk=case.pk)
        if stage == "screening":
            workflow.record_screening(
                case,
                by=caseworker,
                identity_confirmed=True,
                conflict_note="",
                latest_accounts_on=timezone.localdate() - datetime.timedelta(days=240),
            )
            case = workflow.move_case(Case.objects.get(pk=case.pk), "screen", by=caseworker)
        elif stage == "triage":
            case = workflow.move_case(case, "start_triage", by=caseworker)
        elif stage == "awaiting_decision":
            workflow.record_health_check(case, by=caseworker, **_health(case, n))
            case = workflow.submit_triage(Case.objects.get(pk=case.pk), by=caseworker)
        elif stage == "active":
            pathway = case.health_check.assess()[1]
            workflow.choose_pathway(
                case,
                by=panel,
                pathway=pathway,
                board_consent_on=timezone.localdate(),
                board_consent_note="Board resolution, minuted.",
            )
            case = workflow.approve_case(Case.objects.get(pk=case.pk), by=panel)
        elif stage == "closing_review":
            workflow.record_outcome(
                case, by=caseworker, outcome="stabilised", note="Thirteen weeks of runway and a new funder in place."
            )
            case = workflow.move_case(Case.objects.get(pk=case.pk), "propose_closure", by=caseworker)
        elif stage == "closed":
            case = workflow.move_case(case, "close", by=panel)
        elif stage == "follow_up":
            case = workflow.move_case(case, "start_follow_up", by=caseworker)
        elif stage == "archived":
            case = workflow.move_case(case, "archive", by=caseworker)
    return case


def seed(*, caseworker: User, panel: User, organisations: list[Organisation]) -> list[Case]:
    cases = []
    targets = [*PATH, *SIDE]
    for n, target in enumerate(targets):
        organisation = organisations[n % len(organisations)]
        referral = workflow.refer_organisation(
            organisation, by=caseworker, source="cvs", concerns=CONCERNS[n % len(CONCERNS)], role="caseworker"
        )
        case = workflow.open_case(referral, by=caseworker)
        if target in SIDE:
            case = _walk(case, SIDE[target], n, caseworker, panel)
            moves = {
                "declined": ("decline", {"signposting": "The local CVS's funding advice surgery."}),
                "withdrawn": ("withdraw", {"signposting": "Their umbrella body's governance helpline."}),
                "on_hold": ("hold", {"until": timezone.localdate() + datetime.timedelta(days=30)}),
                "escalated": ("escalate", {"kind": "regulator_inquiry"}),
            }
            name, extra = moves[target]
            case = workflow.move_case(case, name, by=caseworker, reason="Demo: recorded for the example.", **extra)
        else:
            case = _walk(case, target, n, caseworker, panel)
        cases.append(case)
    return cases

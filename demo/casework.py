"""Demo lifeboat cases in every state of the parent case and of each pathway, through
casework.workflow (never by setting states)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from casework import workflow
from casework.models import Case, Closure, RegisterItem
from demo import evidence
from organisations import workflow as organisations_workflow
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
    "Trustees want to close and pass their main service to a neighbour.",
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


def _walk(case: Case, target: str, n: int, caseworker: User, panel: User, partners: list[Organisation]) -> Case:
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
            recommended = case.health_check.assess()[1]
            # Cases that go on to close were closures (their pathway is walked to its exit below).
            pathway = "closure" if PATH.index(target) > PATH.index("active") else recommended
            workflow.choose_pathway(
                case,
                by=panel,
                pathway=pathway,
                reason="" if pathway == recommended else "The trustees had already resolved to close.",
                board_consent_on=timezone.localdate(),
                board_consent_note="Board resolution, minuted.",
            )
            case = workflow.approve_case(Case.objects.get(pk=case.pk), by=panel)
        elif stage == "closing_review":
            walk_closure(case.closure, "dissolved", caseworker=caseworker, panel=panel, partners=partners)
            workflow.record_outcome(
                case, by=caseworker, outcome="closed_orderly", note="Services and staff passed to neighbours."
            )
            case = workflow.move_case(Case.objects.get(pk=case.pk), "propose_closure", by=caseworker)
        elif stage == "closed":
            case = workflow.move_case(case, "close", by=panel)
        elif stage == "follow_up":
            case = workflow.move_case(case, "start_follow_up", by=caseworker)
        elif stage == "archived":
            case = workflow.move_case(case, "archive", by=caseworker)
    return case


def seed(
    *, caseworker: User, panel: User, organisations: list[Organisation], partners: list[Organisation]
) -> list[Case]:
    """Cases in every parent state, then closures in every closure state. `partners` are the
    organisations that take on services, staff and funds."""
    cases = []
    targets = [*PATH, *SIDE]
    for n, target in enumerate(targets):
        organisation = organisations[n % len(organisations)]  # one case per group, not several
        referral = workflow.refer_organisation(
            organisation, by=caseworker, source="cvs", concerns=CONCERNS[n % len(CONCERNS)], role="caseworker"
        )
        case = workflow.open_case(referral, by=caseworker)
        if target in SIDE:
            case = _walk(case, SIDE[target], n, caseworker, panel, partners)
            moves = {
                "declined": ("decline", {"signposting": "The local CVS's funding advice surgery."}),
                "withdrawn": ("withdraw", {"signposting": "Their umbrella body's governance helpline."}),
                "on_hold": ("hold", {"until": timezone.localdate() + datetime.timedelta(days=30)}),
                "escalated": ("escalate", {"kind": "regulator_inquiry"}),
            }
            name, extra = moves[target]
            case = workflow.move_case(case, name, by=caseworker, reason="Demo: recorded for the example.", **extra)
        else:
            case = _walk(case, target, n, caseworker, panel, partners)
        cases.append(case)
    rest = organisations[len(targets) :] or organisations
    cases += seed_closures(caseworker=caseworker, panel=panel, organisations=rest, partners=partners)
    rest = rest[len(CLOSURE_PATH) + 1 :] or organisations
    seed_pathways(caseworker=caseworker, panel=panel, organisations=rest)
    _mark_status(caseworker)
    return cases


def _mark_status(by: User) -> None:
    """Record what the cases imply for the organisations: dissolved once the regulator confirms
    removal, in difficulty while a case is open. (Nothing in the demo reviews a dissolved body.)"""
    gone = {"dissolved", "post_closure"}
    finished = {"declined", "withdrawn", "closed", "follow_up", "archived"}
    for case in Case.objects.select_related("organisation").order_by("pk"):
        closure = Closure.objects.filter(case=case).first()
        if (closure is not None and closure.state in gone) or case.state in {"closed", "follow_up", "archived"}:
            status = Organisation.Status.DISSOLVED
        elif case.state in finished:
            continue
        else:
            status = Organisation.Status.IN_DIFFICULTY
        if case.organisation.status != status and case.organisation.status != Organisation.Status.DISSOLVED:
            organisations_workflow.update_organisation(case.organisation, by=by, status=status)


# --- Orderly closure --------------------------------------------------------------------------------
CLOSURE_PATH = [
    "decision_pending",
    "decision_made",
    "planning",
    "winding_down",
    "final_accounts",
    "regulator_filing",
    "dissolved",
    "post_closure",
]
# What a closing group ran, so that no two closures hand the same thing to the same neighbour:
# (service passed on, service that ends, restricted fund, asset, post that transfers, post made
# redundant, contract, creditor, and where the users of the ended service are signposted).
PROFILES = [
    (
        "Food bank",
        "Benefits advice drop-in",
        "Food bank grant balance",
        ("vehicle", "Delivery van", 4500),
        "Food bank coordinator",
        "Advice worker",
        "Warehouse lease",
        "Wholesale supplier",
        "the borough's advice service, with a warm handover list",
    ),
    (
        "Saturday school",
        "Parents' English class",
        "Tuition grant balance",
        ("equipment", "Laptops and projector", 1200),
        "Head teacher",
        "Class assistant",
        "Church hall hire",
        "Exam board fees",
        "the adult learning service's ESOL classes",
    ),
    (
        "Lunch club for older people",
        "Minibus outings",
        "Healthy ageing grant balance",
        ("vehicle", "Accessible minibus", 9800),
        "Lunch club organiser",
        "Minibus driver",
        "Community centre kitchen hire",
        "Catering supplier",
        "the council's community transport scheme",
    ),
    (
        "Youth football sessions",
        "Summer holiday camp",
        "Holiday activities grant balance",
        ("equipment", "Kit and goalposts", 900),
        "Youth worker",
        "Sessional coach",
        "Pitch booking contract",
        "Coach hire firm",
        "the borough's holiday activities programme",
    ),
    (
        "Refugee welcome drop-in",
        "Immigration advice clinic",
        "Resettlement grant balance",
        ("equipment", "Donated laptops", 800),
        "Drop-in coordinator",
        "Caseworker",
        "Office sublease",
        "Interpreting agency",
        "a regulated immigration adviser nearby",
    ),
    (
        "Community garden",
        "Cooking workshops",
        "Growing spaces grant balance",
        ("equipment", "Polytunnel and tools", 2100),
        "Garden coordinator",
        "Sessional cook",
        "Allotment licence",
        "Seed and compost supplier",
        "the neighbourhood's food growing network",
    ),
]

# Which profile fits a group, from the words in its name (the rest take one in turn).
KEYWORDS = [
    (("Pantry", "Kitchen", "Supper", "Mutual Aid", "Laundry", "Traders"), 0),
    (("School", "Sewing", "Poetry"), 1),
    (("Lunch", "Older", "Pensioners", "Elders", "Dementia", "Carers", "Coffee"), 2),
    (("Youth", "Cricket", "Boxing", "Theatre", "Radio", "Rowing", "Bike"), 3),
    (("Refugee", "Welcome", "Advice", "Speakers", "Parents", "Tenants", "Drop-in"), 4),
    (("Growing", "Garden", "Angling", "Walking", "Repair"), 5),
]


def _near(organisation: Organisation, partners: list[Organisation]) -> list[Organisation]:
    """Partners that serve one of the organisation's boroughs, so transfers stay local."""
    mine = set(organisation.boroughs.values_list("pk", flat=True))
    return [p for p in partners if mine & set(p.boroughs.values_list("pk", flat=True))] or partners


def _registers(closure: Closure, caseworker: User, panel: User, partners: list[Organisation]) -> None:
    """A realistic register: services, staff and a restricted fund go to neighbours; the rest is
    sold, paid, filed or closed, the bank account last. What the group ran and who takes it on vary
    by case (PROFILES, and partners serving the same boroughs). The transfers and leaving dates have
    already passed, so that later stages can complete them "today" (never before they take effect)."""
    today = timezone.localdate()
    organisation = closure.case.organisation
    funders = [p for p in partners if p.kind == Organisation.Kind.FUNDER] or partners
    # Services pass to bodies that run services: community anchors, CVSs and active groups.
    takers = {"community_anchor", "cvs", "cvs_volunteer_centre", "volunteer_centre", "frontline_group"}
    local = _near(organisation, [p for p in partners if p.kind in takers and p.status == "active"])
    n = closure.case.pk
    a = local[n % len(local)]
    # Assets and funds go only where the law lets them (a charity's to a charity, a CIC's to an
    # asset-locked body): RegisterItem's recipient rule.
    heirs = [p for p in local if p.may_take_assets_of(organisation)] or [
        p for p in partners if p.may_take_assets_of(organisation)
    ]
    heir, second_heir = heirs[n % len(heirs)], heirs[(n + 1) % len(heirs)]
    funder = funders[n % len(funders)]
    profile = next((i for words, i in KEYWORDS if any(w in organisation.name for w in words)), n % len(PROFILES))
    service, ended, fund, (asset_kind, asset, asset_value), moving, leaving, lease, creditor, signpost = PROFILES[
        profile
    ]
    common = {"owner": caseworker, "due_on": today + datetime.timedelta(days=30)}
    items = [
        {
            "register": "service",
            "kind": "service",
            "name": service,
            "outcome": "transferred",
            "destination": a,
            "go_live_on": today - datetime.timedelta(days=5),
        },
        {
            "register": "service",
            "kind": "service",
            "name": ended,
            "outcome": "ended",
            "destination_note": f"Users signposted to {signpost}.",
        },
        {
            "register": "fund",
            "kind": "restricted",
            "name": fund,
            "value": Decimal(1500 + 700 * (n % 9)),
            "outcome": "transferred",
            "destination": heir,
            "funder": funder,
            "funder_consent": "Funder's email, minuted",
        },
        {
            "register": "fund",
            "kind": "unrestricted",
            "name": "General reserves",
            "value": Decimal(800 + 450 * (n % 7)),
            "outcome": "spent",
            "destination_note": "Final salaries and closure costs.",
        },
        {
            "register": "asset",
            "kind": asset_kind,
            "name": asset,
            "value": Decimal(asset_value),
            "outcome": "transferred",
            "destination": heir,
            "destination_note": "Accepted by the receiving trustees.",
        },
        {
            "register": "asset",
            "kind": "domain",
            "name": "Website domain",
            "outcome": "transferred",
            "destination": second_heir,
            "destination_note": f"Redirects to {second_heir.name}'s page about the {service.lower()}.",
        },
        {
            "register": "employee",
            "kind": "employee",
            "name": moving,
            "outcome": "tupe",
            "destination": a,
            "eli_sent_on": today - datetime.timedelta(days=40),
            "transfer_on": today - datetime.timedelta(days=5),
        },
        {
            "register": "employee",
            "kind": "employee",
            "name": leaving,
            "outcome": "redundancy",
            "notice_on": today - datetime.timedelta(days=35),
            "leaving_on": today - datetime.timedelta(days=5),
        },
        {
            "register": "contract",
            "kind": "contract",
            "name": lease,
            "outcome": "terminated",
            "reference": "Notice served under the break clause",
        },
        {
            "register": "creditor",
            "kind": "creditor",
            "name": creditor,
            "value": Decimal(250 + 120 * (n % 8)),
            "outcome": "paid",
            "reference": f"BACS {4000 + n:04d}",
        },
        {
            "register": "filing",
            "kind": "filing",
            "name": "Information Commissioner",
            "outcome": "filed",
            "reference": "Registration cancelled",
        },
        {"register": "asset", "kind": "bank_account", "name": "Current account", "outcome": "closed"},
    ]
    for fields in items:
        workflow.save_item(closure, by=caseworker, **common, **fields)
    restricted = closure.items.get(kind="restricted")
    workflow.mark_compatible(
        restricted, by=panel, note=f"{heir.name} runs similar work for the same area; the purposes match."
    )


def _settle_all(closure: Closure, caseworker: User) -> None:
    today = timezone.localdate()
    for item in sorted(closure.items.all(), key=lambda i: i.kind == RegisterItem.Kind.BANK_ACCOUNT):
        item = workflow.save_item(closure, by=caseworker, item=RegisterItem.objects.get(pk=item.pk), completed_on=today)
        item = workflow.move_item(item, "agree", by=caseworker)
        workflow.move_item(item, "complete", by=caseworker)


def walk_closure(
    closure: Closure, target: str, *, caseworker: User, panel: User, partners: list[Organisation]
) -> Closure:
    """Take a closure through its stages up to `target`, as the case team and the panel would."""
    today = timezone.localdate()
    for stage in CLOSURE_PATH[1 : CLOSURE_PATH.index(target) + 1]:
        closure = Closure.objects.get(pk=closure.pk)
        if stage == "decision_made":
            workflow.update_closure(
                closure,
                by=caseworker,
                part="decision",
                options_note="Merger and a transfer of undertakings considered; a neighbour takes on the main service.",
                balance_sheet_solvent=True,
                cash_flow_solvent=True,
                solvency_tested_on=today,
                dissolution_clause="Clause 21 of the constitution: to a charity with similar objects.",
                trustee_resolution_on=today,
                members_resolution_on=today,
            )
            workflow.add_document(
                closure.case,
                by=caseworker,
                slot="board_resolution",
                title="Resolution to close",
                dated_on=today,
                upload=evidence.pdf("resolution"),
            )
            closure = workflow.move_closure(closure, "decide", by=caseworker)
        elif stage == "planning":
            closure = workflow.move_closure(closure, "plan", by=caseworker)
            _registers(closure, caseworker, panel, partners)
        elif stage == "winding_down":
            workflow.update_closure(
                closure,
                by=caseworker,
                part="winding_down",
                staff_timeline="One post transfers with the main service; the other ends after notice.",
                safeguarding_handover="None open; historic records with the chair.",
                data_disposition="Client records transferred with consent; the rest deleted.",
                records_custodian="The chair of trustees",
            )
            closure = workflow.move_closure(closure, "wind_down", by=panel)
        elif stage == "final_accounts":
            _settle_all(closure, caseworker)
            closure = workflow.move_closure(Closure.objects.get(pk=closure.pk), "finish_winding_down", by=caseworker)
        elif stage == "regulator_filing":
            workflow.add_document(
                closure.case,
                by=caseworker,
                slot="final_accounts",
                title="Final accounts",
                dated_on=today,
                upload=evidence.pdf("final-accounts"),
            )
            workflow.update_closure(closure, by=caseworker, part="filing", final_accounts_approved_on=today)
            closure = workflow.move_closure(closure, "file", by=caseworker)
        elif stage == "dissolved":
            workflow.add_document(
                closure.case,
                by=caseworker,
                slot="dissolution",
                title="Regulator's removal confirmation",
                dated_on=today,
                upload=evidence.pdf("removal"),
            )
            workflow.update_closure(
                closure,
                by=caseworker,
                part="filing",
                # Companies Act 2006 ss.1003-1006: nothing traded for three months before applying,
                # no proceedings pending, copies sent within 7 days, and the Gazette's two months run.
                last_trading_on=today - datetime.timedelta(days=170),
                no_other_activities=True,
                no_pending_proceedings=True,
                dissolution_reference="Removed from the register of charities",
                dissolution_filed_on=today - datetime.timedelta(days=70),
                parties_notified_on=today - datetime.timedelta(days=70),
                gazette_notice_on=today - datetime.timedelta(days=65),
                dissolved_on=today,
            )
            closure = workflow.move_closure(closure, "dissolve", by=panel)
        elif stage == "post_closure":
            closure = workflow.move_closure(closure, "after_closure", by=caseworker)
    return closure


def seed_closures(
    *, caseworker: User, panel: User, organisations: list[Organisation], partners: list[Organisation]
) -> list[Case]:
    """One active closure case in each closure state, and one on the insolvent route."""
    cases = []
    for n, target in enumerate([*CLOSURE_PATH, "insolvent_route"]):
        organisation = organisations[n % len(organisations)]
        referral = workflow.refer_organisation(
            organisation, by=caseworker, source="self", concerns=CONCERNS[2], role="caseworker"
        )
        case = _walk(workflow.open_case(referral, by=caseworker), "awaiting_decision", n, caseworker, panel, partners)
        recommended = case.health_check.assess()[1]
        workflow.choose_pathway(
            case,
            by=panel,
            pathway="closure",
            reason="" if recommended == "closure" else "The trustees have resolved to close.",
            board_consent_on=timezone.localdate(),
            board_consent_note="Board resolution, minuted.",
        )
        case = workflow.approve_case(Case.objects.get(pk=case.pk), by=panel)
        if target == "insolvent_route":
            workflow.update_closure(
                case.closure,
                by=caseworker,
                part="decision",
                balance_sheet_solvent=False,
                cash_flow_solvent=False,
                solvency_tested_on=timezone.localdate(),
            )
            workflow.move_closure(
                case.closure,
                "go_insolvent",
                by=caseworker,
                reason="Both solvency tests failed.",
                practitioner="Demo Insolvency LLP",
            )
        else:
            walk_closure(case.closure, target, caseworker=caseworker, panel=panel, partners=partners)
        cases.append(case)
    return cases


# --- Turnaround and interim management: a case in every state of each pathway -------------------
def _active_on(pathway: str, organisation: Organisation, n: int, caseworker: User, panel: User) -> Case:
    referral = workflow.refer_organisation(
        organisation, by=caseworker, source="cvs", concerns=CONCERNS[n % len(CONCERNS)], role="caseworker"
    )
    case = _walk(workflow.open_case(referral, by=caseworker), "awaiting_decision", n, caseworker, panel, [])
    workflow.choose_pathway(
        case,
        by=panel,
        pathway=pathway,
        reason="Demo: the panel's choice after meeting the board.",
        board_consent_on=timezone.localdate(),
        board_consent_note="Board resolution, minuted.",
    )
    return workflow.approve_case(Case.objects.get(pk=case.pk), by=panel)


def _turnaround_to(target: str, case: Case, caseworker: User, panel: User) -> Any:
    from casework import pathways
    from casework.models import Grant, Turnaround

    today = timezone.localdate()
    record = case.pathway_record
    order = [s.value for s in Turnaround.State]

    def reached(state: str) -> bool:
        return order.index(target) >= order.index(state)

    if not reached("plan_drafted"):
        pathways.update_turnaround(record, by=caseworker, causes_of_distress="Lost its main council contract.")
        return record
    workflow.add_document(
        case,
        by=caseworker,
        slot="cash_forecast",
        title="13-week cash forecast",
        dated_on=today,
        upload=evidence.cash_forecast(),
    )
    pathways.update_turnaround(
        record,
        by=caseworker,
        causes_of_distress="Lost its main council contract; costs did not fall with income.",
        solvency_retested_on=today,
        solvency_note="Solvent on both tests, narrowly.",
        board_approved_plan_on=today,
        expert_help="Cranfield Trust volunteer: finance systems review, 3 months.",
    )
    cut = pathways.add_milestone(
        record,
        by=caseworker,
        title="Costs cut to match income",
        measure="Monthly costs under £15,000",
        owner_name="Treasurer",
        due_on=today + datetime.timedelta(days=45),
    )
    pathways.add_milestone(
        record,
        by=caseworker,
        title="Second funder secured",
        measure="A signed grant letter",
        owner_name="Chair",
        due_on=today + datetime.timedelta(days=90),
    )
    record = pathways.move_turnaround(record, "draft_plan", by=caseworker)
    if not reached("plan_approved"):
        return record
    record = pathways.move_turnaround(record, "approve_plan", by=panel)
    pathways.request_grant(record, by=caseworker, title="Bid writer", purpose="Fees for a bid writer", amount=2500)
    if not reached("implementing"):
        return record
    record = pathways.move_turnaround(record, "implement", by=caseworker)
    grant = pathways.request_grant(
        record, by=caseworker, title="Finance system", purpose="A cloud finance system and training", amount=8000
    )
    grant = pathways.approve_grant(grant, by=panel, declaration="None.")
    pathways.update_milestone(cut, by=caseworker, evidence_note="October management accounts", evidence_on=today)
    first = pathways.add_tranche(grant, by=caseworker, milestone=cut, amount=5000)
    pathways.release_tranche(first, by=caseworker)
    if reached("review"):
        record = pathways.move_turnaround(Turnaround.objects.get(pk=record.pk), "review", by=caseworker)
        if target == "review":
            pathways.move_grant(
                Grant.objects.get(pk=grant.pk),
                "claw_back",
                by=panel,
                reason="Demo: the money was spent on salaries, not the system.",
                clawback_amount=5000,
            )
    if reached("stabilised"):
        second = pathways.add_tranche(Grant.objects.get(pk=grant.pk), by=caseworker, milestone=cut, amount=3000)
        pathways.release_tranche(second, by=caseworker)
        grant = pathways.move_grant(Grant.objects.get(pk=grant.pk), "monitor", by=caseworker)
        pathways.record_monitoring(grant, by=caseworker, note="System live; the treasurer closes the month in a week.")
        pathways.move_grant(Grant.objects.get(pk=grant.pk), "close", by=caseworker)
        for bid in Grant.objects.filter(turnaround=record, state=Grant.State.REQUESTED):
            pathways.move_grant(bid, "refuse", by=panel, reason="Demo: a second funder now pays for it.")
        pathways.update_turnaround(
            Turnaround.objects.get(pk=record.pk),
            by=caseworker,
            runway_weeks=16,
            reserves_months=3,
            reserves_policy_months=3,
            going_concern_reaffirmed_on=today,
            filings_up_to_date=True,
        )
        record = pathways.move_turnaround(Turnaround.objects.get(pk=record.pk), "stabilise", by=caseworker)
    if reached("exited"):
        record = pathways.move_turnaround(record, "exit", by=caseworker)
    return record


def _interim_to(target: str, case: Case, caseworker: User, panel: User) -> Any:
    from casework import pathways
    from casework.models import Interim

    today = timezone.localdate()
    record = case.pathway_record
    order = [s.value for s in Interim.State]

    def reached(state: str) -> bool:
        return order.index(target) >= order.index(state)

    def fresh() -> Interim:
        return Interim.objects.get(pk=record.pk)

    pathways.update_interim(
        record,
        by=caseworker,
        need="The chief executive left suddenly; the board cannot run the charity day to day.",
        scope="Run the charity, stabilise the finances, prepare for a permanent appointment.",
        deliverables="A balanced budget; a board-approved recruitment plan; a handover file.",
        duration_months=6,
        day_rate=450,
        budget_source="Lifeboat fund, interim budget line",
        board_sponsor="" if target == "need_identified" else "Priya Shah, chair",
    )
    if not reached("brief_agreed"):
        return record
    record = pathways.move_interim(fresh(), "agree_brief", by=panel)
    if not reached("sourcing"):
        return record
    record = pathways.move_interim(record, "source", by=caseworker)
    chosen = pathways.add_candidate(
        record,
        by=caseworker,
        name="Alex Morgan",
        summary="Former CEO of a London CVS; available now.",
        day_rate=450,
        conflict_note="None found.",
        conflict_checked_on=today,
        references_checked_on=today,
    )
    pathways.add_candidate(record, by=caseworker, name="Sam Okafor", summary="Interim finance director.", day_rate=500)
    pathways.choose_candidate(fresh(), by=caseworker, candidate=chosen)
    if not reached("matched"):
        return fresh()
    record = pathways.move_interim(fresh(), "match", by=caseworker)
    if not reached("contracted"):
        return record
    record = pathways.move_interim(record, "contract", by=caseworker)
    if not reached("in_post"):
        return record
    workflow.add_document(
        case,
        by=caseworker,
        slot="agreement",
        title="Signed placement agreement",
        dated_on=today,
        upload=evidence.pdf("agreement"),
    )
    pathways.update_interim(fresh(), by=caseworker, start_on=today, reporting_line="The chair, every fortnight")
    record = pathways.move_interim(fresh(), "start_placement", by=caseworker)
    if not reached("review"):
        return record
    record = pathways.move_interim(record, "review", by=caseworker)
    if target == "review":
        return record
    pathways.record_interim_review(
        fresh(), by=caseworker, held_on=today, continue_placement=False, note="Budget balanced; ready to hand over."
    )
    record = pathways.move_interim(fresh(), "hand_over", by=caseworker)
    if not reached("ended"):
        return record
    workflow.add_document(
        case,
        by=caseworker,
        slot="exit_report",
        title="Exit report",
        dated_on=today,
        upload=evidence.pdf("exit-report"),
    )
    pathways.update_interim(
        fresh(),
        by=caseworker,
        done_summary="Budget balanced; two posts restructured.",
        left_for_permanent="The five-year strategy.",
        in_progress="Two funding bids, documented in the handover file.",
        permanent_ceo_status="recruiting",
        sponsor_signed_off_on=today,
    )
    return pathways.move_interim(fresh(), "end", by=caseworker)


def seed_pathways(*, caseworker: User, panel: User, organisations: list[Organisation]) -> list[Any]:
    """A turnaround case in every turnaround state (grants requested, paying, clawed back and closed)
    and an interim case in every placement state. Returns the pathway records."""
    from casework.models import Interim, Turnaround

    records = []
    targets = [("turnaround", s.value) for s in Turnaround.State] + [("interim", s.value) for s in Interim.State]
    for n, (pathway, target) in enumerate(targets):
        case = _active_on(pathway, organisations[n % len(organisations)], n, caseworker, panel)
        walk = _turnaround_to if pathway == "turnaround" else _interim_to
        records.append(walk(target, case, caseworker, panel))
    implementing = next(r for r in records if isinstance(r, Turnaround) and r.state == Turnaround.State.IMPLEMENTING)
    _organisation_takes_part(implementing, caseworker=caseworker)
    return records


# The demo login of an organisation taking part in its own case (README's demo logins).
SPONSOR_LOGIN = ("sponsor", "Sunita Sponsor")


def _organisation_takes_part(record: Any, *, caseworker: User) -> None:
    """The group on the implementing turnaround gets a contact who is also its nominated responsible
    person (its board sponsor for the lifeboat): it signs off the milestone with evidence and
    consents to telling one funder, leaving the rest for a person to try."""
    from django.contrib.auth.hashers import make_password

    from casework import pathways
    from core.audit import current_actor
    from demo.organisations import DEMO_DOMAIN
    from organisations.backends import DEMO_PASSWORD
    from organisations.models import Membership

    by = current_actor() or caseworker  # the demo's set-up administrator grants the roles
    organisation = record.case.organisation
    local, name = SPONSOR_LOGIN
    sponsor = organisations_workflow.create_person(
        by=by, email=f"{local}@{DEMO_DOMAIN}", full_name=name, password_hash=make_password(DEMO_PASSWORD)
    )
    organisations_workflow.grant_membership(sponsor, organisation, Membership.Role.CONTACT, by=by, job_title="Chair")
    organisations_workflow.grant_membership(sponsor, organisation, Membership.Role.RESPONSIBLE_PERSON, by=by)
    sponsor.__dict__.pop("current_memberships", None)
    for milestone in record.milestones.all():
        if milestone.takes_sign_off:
            pathways.sign_off_milestone(milestone, by=sponsor)
    funder = Organisation.objects.filter(kind=Organisation.Kind.FUNDER).order_by("name").first()
    if funder is not None:
        workflow.give_funder_consent(
            record.case, by=sponsor, funders=[funder], note="Agreed at the board meeting; minuted."
        )

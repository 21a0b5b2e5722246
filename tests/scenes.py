"""Small worlds built through the real workflow functions, shared by several test modules."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from standards import spreadsheet, workflow

SHEET = (
    "Theme,Theme description,Standard code,Standard title,Standard description,Standard guidance,Indicator,Evidence prompts\n"
    "Need,Knowing the sector,1.1,We know who is out there,,Include informal groups,We keep a directory,A dated list\n"
    "Need,Knowing the sector,1.1,We know who is out there,,Include informal groups,We map gaps,Ward map\n"
    "Voice,Speaking up,2.1,We represent fairly,,,We consult before speaking,Records\n"
)


def standards_scene(*, steward, owner, commenter, slug: str = "scene") -> dict:
    """A framework whose version 1 is in an open consultation with one comment, and a second
    framework whose version 1 is still a draft."""
    today = timezone.localdate()
    framework = workflow.create_framework(
        by=steward, name=f"Scene framework {slug}", slug=slug, purpose="Testing.", owners=[owner]
    )
    version = framework.versions.get()
    workflow.import_version(version, spreadsheet.read(SHEET.encode(), "scene.csv"), by=steward)
    workflow.update_version_details(
        version,
        by=steward,
        summary="",
        consultation_opens_on=today - datetime.timedelta(days=1),
        consultation_closes_on=today + datetime.timedelta(days=10),
    )
    version = workflow.open_consultation(version, by=steward)
    comment = workflow.add_comment(version, by=commenter, kind="concern", text="Too many standards.")
    draft_framework = workflow.create_framework(
        by=steward, name=f"Draft framework {slug}", slug=f"draft-{slug}", purpose="Not yet public.", owners=[owner]
    )
    return {"framework": framework, "version": version, "comment": comment, "draft": draft_framework.versions.get()}


def published_version(*, steward, owner, commenter):
    """A published version of the scene framework."""
    scene = standards_scene(steward=steward, owner=owner, commenter=commenter)
    version = scene["version"]
    workflow.close_consultation_early(version, by=steward, reason="Enough")
    workflow.answer_comment(scene["comment"], by=steward, answer="accepted", response="Done.")
    return workflow.publish_version(version, by=steward)


def review_in_desk_review(*, version, organisation, coordinator, lead, peer, contact) -> dict:
    """A review at desk review: panel accepted, self-assessment submitted, one draft finding,
    one piece of evidence, and a reply, an extension request and an action made directly."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from peerreview import workflow as pr
    from peerreview.models import Action, ExtensionRequest, Reply

    review = pr.create_review(organisation, version, by=coordinator, scope="Everything.")
    review = pr.start_self_assessment(review, by=coordinator)
    lead_assignment = pr.invite_reviewer(review, lead, by=coordinator, role="lead")
    peer_assignment = pr.invite_reviewer(review, peer, by=coordinator)
    lead_assignment = pr.accept_assignment(lead_assignment, by=lead, declaration=True)
    pr.accept_assignment(peer_assignment, by=peer, declaration=True)
    indicators = list(review.indicators_in_scope())
    evidence = pr.add_evidence(
        review,
        by=contact,
        title="Annual report",
        dated_on=timezone.localdate(),
        indicators=indicators[:1],
        upload=SimpleUploadedFile("report.pdf", b"%PDF-1.4 annual report", content_type="application/pdf"),
        content_type="application/pdf",
    )
    for indicator in indicators:
        pr.save_self_rating(
            review,
            indicator,
            by=contact,
            rating=3,
            commentary="Yes.",
            no_evidence=True,
            no_evidence_note="Not written down.",
        )
    pr.save_position_statement(review, by=contact, text="Where we are.")
    pr.submit_self_assessment(review, by=contact)
    review = pr.start_desk_review(review.__class__.objects.get(pk=review.pk), by=coordinator)
    finding = pr.add_finding(
        review, by=lead, kind="strength", text="Trusted by groups.", standards=list(review.standards_in_scope()[:1])
    )
    reply = Reply.objects.create(
        finding=finding, kind="b_fact", text="Wrong year.", evidence=evidence, replied_by=contact
    )
    extension = ExtensionRequest.objects.create(
        review=review, requested_by=contact, working_days=5, reason="Board meets late."
    )
    action = Action.objects.create(
        review=review,
        text="Date the directory.",
        owner="CEO",
        due_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    consent = pr.give_consent(review, by=contact, kind="publish")
    return {
        "review": review,
        "consent": consent,
        "lead_assignment": lead_assignment,
        "evidence": evidence,
        "finding": finding,
        "reply": reply,
        "extension": extension,
        "action": action,
    }


def quality_panel_peer(name: str = "Quentin Panel"):
    """An accredited reviewer from a member body of their own, with a two-year term on the quality panel."""
    from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

    organisation = OrganisationFactory(name=f"{name}'s CVS")
    person = UserFactory(full_name=name)
    MembershipFactory(person=person, organisation=organisation, role="reviewer")
    today = timezone.localdate()
    MembershipFactory(
        person=person,
        organisation=organisation,
        role="quality_panel",
        starts_on=today - datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=730),
    )
    return person


def nominate_responsible_person(contact, organisation):
    """Make `contact` the organisation's nominated responsible person (who signs off replies)."""
    from organisations.models import Membership
    from tests.factories import MembershipFactory

    if not Membership.objects.current().filter(person=contact, organisation=organisation, role="responsible_person"):
        MembershipFactory(person=contact, organisation=organisation, role="responsible_person")
    contact.__dict__.pop("current_memberships", None)


def published_review(*, version, organisation, coordinator, lead, peer, contact, funders=(), quality=None) -> dict:
    """A review taken from scoping to published through the workflow functions: both reviewers
    rate every standard 3, the panel agrees 3 ("Seen in the evidence and at the visit."), one
    strength is accepted by the organisation, the lead proposes "met", a quality panel member
    (`quality`, or a new one) assures and confirms it, and the report is shared with `funders`."""
    from peerreview import workflow as pr
    from peerreview.models import Assignment, Finding, Review

    review = pr.create_review(organisation, version, by=coordinator, scope="Everything.")
    review = pr.start_self_assessment(review, by=coordinator)
    assignments = [
        pr.invite_reviewer(review, lead, by=coordinator, role="lead"),
        pr.invite_reviewer(review, peer, by=coordinator),
    ]
    for assignment in assignments:
        pr.accept_assignment(assignment, by=assignment.reviewer, declaration=True)
    for indicator in review.indicators_in_scope():
        pr.save_self_rating(
            review,
            indicator,
            by=contact,
            rating=3,
            commentary="Yes.",
            no_evidence=True,
            no_evidence_note="Not written down.",
        )
    pr.save_position_statement(review, by=contact, text="Where we are.")
    pr.submit_self_assessment(review, by=contact)
    review = pr.start_desk_review(Review.objects.get(pk=review.pk), by=coordinator)
    standards = list(review.standards_in_scope().order_by("position"))
    for assignment in assignments:
        assignment = Assignment.objects.get(pk=assignment.pk)
        for standard in standards:
            pr.save_rating(assignment, standard, by=assignment.reviewer, rating=3, rationale="Seen.")
        pr.submit_assignment(assignment, by=assignment.reviewer)
    review = pr.move_review(Review.objects.get(pk=review.pk), "plan_visit", by=lead)
    review = pr.record_visit(review, by=lead, visit_date=timezone.localdate(), notes="Met the board.")
    review = pr.move_review(review, "start_moderation", by=lead)
    for standard in standards:
        pr.moderate_standard(review, standard, by=lead, rating=3, rationale="Seen in the evidence and at the visit.")
    finding = pr.add_finding(review, by=lead, kind="strength", text="Trusted by groups.", standards=standards[:1])
    pr.agree_finding(finding, by=lead)
    review = pr.move_review(review, "submit_for_quality_assurance", by=lead)
    quality = quality or quality_panel_peer()
    nominate_responsible_person(contact, organisation)
    review = pr.issue_draft(review, by=quality)
    pr.reply_to_finding(Finding.objects.get(pk=finding.pk), by=contact, kind="accept")
    pr.submit_replies(Review.objects.get(pk=review.pk), by=contact)
    review = pr.consider_replies(Review.objects.get(pk=review.pk), by=contact)
    pr.set_outcome(review, by=lead, outcome="met", rationale="A strong, trusted service.")
    review = pr.decide_outcome(Review.objects.get(pk=review.pk), by=quality)
    funders = list(funders)
    # The organisation consents; the coordinator publishes within that consent.
    for funder in funders:
        pr.give_consent(review, by=contact, kind="funder", funder=funder)
    if not funders:
        pr.give_consent(review, by=contact, kind="publish")
    review = pr.publish_review(
        review, by=coordinator, visibility="funders" if funders else "public", shared_with=funders
    )
    return {"review": review, "standards": standards, "finding": finding}


def case_awaiting_decision(*, caseworker, organisation) -> dict:
    """A lifeboat case triaged by `caseworker` and waiting for the panel, plus a referral with no case."""
    from decimal import Decimal

    from casework import workflow as cw

    referral = cw.refer_organisation(organisation, by=caseworker, source="cvs", concerns="Cash is running out.")
    case = cw.open_case(referral, by=caseworker)
    cw.record_screening(
        case, by=caseworker, identity_confirmed=True, conflict_note="", latest_accounts_on=timezone.localdate()
    )
    case = cw.move_case(cw.move_case(case, "screen", by=caseworker), "start_triage", by=caseworker)
    today = timezone.localdate()
    cw.record_health_check(
        case,
        by=caseworker,
        annual_income=Decimal(100000),
        annual_expenditure=Decimal(120000),
        free_reserves=Decimal(10000),
        cash_at_bank=Decimal(8000),
        weekly_net_cash=[-500] * 13,
        largest_funder_percent=40,
        finances_as_of=today,
        finances_source="Accounts",
        forecast_as_of=today,
        forecast_source="Forecast",
        governance_as_of=today,
        governance_source="Chair",
    )
    case = cw.submit_triage(case.__class__.objects.get(pk=case.pk), by=caseworker)
    waiting = cw.refer_organisation(organisation, by=caseworker, source="self", concerns="Asked for help.")
    return {"case": case, "waiting_referral": waiting}


def pdf_upload(name: str = "evidence.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"%PDF-1.4\n%test\n", content_type="application/pdf")


def closure_decided(closure, *, caseworker, panel_member):
    """Solvency passed, clause and resolution recorded, decided, planning."""
    from casework import workflow as cw

    today = timezone.localdate()
    cw.update_closure(
        closure,
        by=caseworker,
        part="decision",
        balance_sheet_solvent=True,
        cash_flow_solvent=True,
        solvency_tested_on=today,
        dissolution_clause="Clause 22 of the constitution",
        trustee_resolution_on=today,
        members_resolution_on=today,  # a CIO's members resolve too
    )
    closure = cw.move_closure(closure, "decide", by=caseworker)
    return cw.move_closure(closure, "plan", by=caseworker)


def closure_items(closure, *, caseworker, destination, funder):
    """One complete item in each register the plan needs (service, fund, asset) plus a bank account."""
    from casework import workflow as cw

    today = timezone.localdate()
    common = {"owner": caseworker, "due_on": today}
    return {
        "service": cw.save_item(
            closure,
            by=caseworker,
            register="service",
            kind="service",
            name="Advice drop-in",
            outcome="transferred",
            destination=destination,
            go_live_on=today,
            **common,
        ),
        "fund": cw.save_item(
            closure,
            by=caseworker,
            register="fund",
            kind="restricted",
            name="Youth grant balance",
            value=Decimal("4000"),
            outcome="returned",
            funder=funder,
            **common,
        ),
        "asset": cw.save_item(
            closure,
            by=caseworker,
            register="asset",
            kind="equipment",
            name="Laptops",
            outcome="transferred",
            destination=destination,
            destination_note="Accepted by letter",
            **common,
        ),
        "bank": cw.save_item(
            closure,
            by=caseworker,
            register="asset",
            kind="bank_account",
            name="Current account",
            outcome="closed",
            **common,
        ),
    }


def closure_dissolved(closure, *, caseworker, panel_member, destination, funder):
    """Drive a closure from decision_pending to dissolved with every register item resolved."""
    from casework import workflow as cw
    from casework.models import RegisterItem

    today = timezone.localdate()
    closure = closure_decided(closure, caseworker=caseworker, panel_member=panel_member)
    items = closure_items(closure, caseworker=caseworker, destination=destination, funder=funder)
    cw.update_closure(
        closure,
        by=caseworker,
        part="winding_down",
        staff_timeline="No staff; volunteers thanked.",
        collective_consultation="",
        creditors_declaration_on=None,
        safeguarding_handover="None open",
        data_disposition="Deleted, certificate on file",
        records_custodian="The chair",
    )
    closure = cw.move_closure(closure, "wind_down", by=panel_member)
    for key in ("service", "fund", "asset", "bank"):
        item = RegisterItem.objects.get(pk=items[key].pk)
        cw.save_item(closure, by=caseworker, item=item, completed_on=today)
        cw.move_item(RegisterItem.objects.get(pk=item.pk), "agree", by=caseworker)
        cw.move_item(RegisterItem.objects.get(pk=item.pk), "complete", by=caseworker)
    closure = cw.move_closure(closure, "finish_winding_down", by=caseworker)
    cw.add_document(
        closure.case, by=caseworker, slot="final_accounts", title="Final accounts", dated_on=today, upload=pdf_upload()
    )
    cw.update_closure(
        closure,
        by=caseworker,
        part="filing",
        final_accounts_approved_on=today,
        last_trading_on=today - datetime.timedelta(days=120),
        dissolution_reference="Removed from the register",
        dissolution_filed_on=today,
        dissolved_on=today,
    )
    closure = cw.move_closure(closure, "file", by=caseworker)
    cw.add_document(
        closure.case, by=caseworker, slot="dissolution", title="Removal letter", dated_on=today, upload=pdf_upload()
    )
    return cw.move_closure(closure, "dissolve", by=panel_member)


def case_in_closure_planning(*, caseworker, panel_member, organisation) -> dict:
    """An active closure case in planning, with one service on its register, a task and a document."""
    from casework import workflow as cw
    from casework.models import Case

    case = case_awaiting_decision(caseworker=caseworker, organisation=organisation)["case"]
    today = timezone.localdate()
    cw.choose_pathway(
        case,
        by=panel_member,
        pathway="closure",
        reason="The trustees have decided to close.",
        board_consent_on=today,
        board_consent_note="Board minutes",
    )
    case = cw.approve_case(Case.objects.get(pk=case.pk), by=panel_member)
    closure = closure_decided(case.closure, caseworker=caseworker, panel_member=panel_member)
    item = cw.save_item(
        closure, by=caseworker, register="service", kind="service", name="Lunch club", owner=caseworker, due_on=today
    )
    task = cw.add_task(case, by=caseworker, title="Write to the lunch club's users", due_on=today, assignee=caseworker)
    document = cw.add_document(
        case, by=caseworker, slot="board_resolution", title="Resolution", dated_on=today, upload=pdf_upload()
    )
    return {"closing_case": case, "closure": closure, "item": item, "task": task, "document": document}


def case_on_pathway(pathway: str, *, caseworker, panel, organisation):
    """A case active on `pathway` (chosen and approved by `panel`) with its pathway record started."""
    from casework import workflow as cw
    from casework.models import Case

    case = case_awaiting_decision(caseworker=caseworker, organisation=organisation)["case"]
    cw.choose_pathway(
        case,
        by=panel,
        pathway=pathway,
        reason="Chosen for the test.",
        board_consent_on=timezone.localdate(),
        board_consent_note="Board minutes.",
    )
    case = cw.approve_case(Case.objects.get(pk=case.pk), by=panel)
    return case.pathway_record


def attach(case, slot: str, *, by):
    """Attach a small PDF to one of the case's evidence slots."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from casework import workflow

    upload = SimpleUploadedFile(f"{slot}.pdf", b"%PDF-1.4 " + slot.encode(), content_type="application/pdf")
    return workflow.add_document(
        case, by=by, slot=slot, title=slot.replace("_", " ").capitalize(), dated_on=timezone.localdate(), upload=upload
    )


def approved_turnaround(*, caseworker, panel, organisation):
    """A turnaround whose plan the panel approved, with one milestone (no evidence yet)."""
    from casework import pathways

    today = timezone.localdate()
    record = case_on_pathway("turnaround", caseworker=caseworker, panel=panel, organisation=organisation)
    attach(record.case, "cash_forecast", by=caseworker)
    pathways.update_turnaround(
        record,
        by=caseworker,
        causes_of_distress="Lost the council contract.",
        solvency_retested_on=today,
        board_approved_plan_on=today,
        expert_help="none",
    )
    milestone = pathways.add_milestone(
        record,
        by=caseworker,
        title="New funder secured",
        measure="Signed grant letter",
        owner_name="The chair",
        due_on=today + datetime.timedelta(days=60),
    )
    record = pathways.move_turnaround(record, "draft_plan", by=caseworker)
    record = pathways.move_turnaround(record, "approve_plan", by=panel)
    return record, milestone


def pathway_scene(*, caseworker, organisation) -> dict:
    """For the permission matrix: a turnaround (plan approved) with a requested grant and an approved
    grant holding a planned tranche whose milestone has evidence, and an interim placement sourcing
    candidates. The approving panel member is someone other than the matrix's `panel_member`."""
    from casework import pathways
    from tests.factories import MembershipFactory

    panel = MembershipFactory(role="panel_member").person
    today = timezone.localdate()
    turnaround, milestone = approved_turnaround(caseworker=caseworker, panel=panel, organisation=organisation)
    pathways.update_milestone(milestone, by=caseworker, evidence_note="Grant letter", evidence_on=today)
    requested = pathways.request_grant(turnaround, by=caseworker, title="Bid writer", purpose="Fees", amount=1000)
    approved = pathways.request_grant(turnaround, by=caseworker, title="Systems", purpose="Finance system", amount=900)
    approved = pathways.approve_grant(approved, by=panel, declaration="none")
    tranche = pathways.add_tranche(approved, by=caseworker, milestone=milestone, amount=500)
    interim = case_on_pathway("interim", caseworker=caseworker, panel=panel, organisation=organisation)
    pathways.update_interim(
        interim,
        by=caseworker,
        scope="Lead the charity",
        deliverables="A budget",
        duration_months=6,
        day_rate=450,
        budget_source="Lifeboat fund",
        board_sponsor="The chair",
    )
    interim = pathways.move_interim(interim, "agree_brief", by=panel)
    interim = pathways.move_interim(interim, "source", by=caseworker)
    candidate = pathways.add_candidate(interim, by=caseworker, name="Alex Interim")
    return {
        "turnaround_case": turnaround.case,
        "milestone": milestone,
        "grant_requested": requested,
        "grant_approved": approved,
        "tranche": tranche,
        "interim_case": interim.case,
        "candidate": candidate,
    }

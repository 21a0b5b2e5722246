"""Who may see and act on lifeboat cases. Cases are confidential: only the case team, the panel and
administrators may know one exists (everyone else gets 404 and never sees it in a list)."""

from __future__ import annotations

from typing import Any

import rules

from organisations.models import Membership
from organisations.rules import is_administrator, is_caseworker, is_panel_member


def case_of(obj: Any) -> Any:
    """The case an object belongs to: the case itself, or a pathway record, register item, grant,
    task or document's `.case`. Every casework permission is decided on the case."""
    return getattr(obj, "case", obj) if obj is not None else None


@rules.predicate
def is_case_team(user: Any, obj: Any) -> bool:
    """The person owns the case or is on its team."""
    case = case_of(obj)
    if case is None or not user.is_authenticated:
        return False
    if case.owner_id == user.pk:
        return True
    # A list that asks this for every row prefetches the teams (`prefetch_related("case__team")`).
    team = getattr(case, "_prefetched_objects_cache", {}).get("team")
    if team is not None:
        return any(person.pk == user.pk for person in team)
    return case.team.filter(pk=user.pk).exists()


@rules.predicate
def triaged_it(user: Any, obj: Any) -> bool:
    """The person did the triage of this case."""
    case = case_of(obj)
    return case is not None and case.triaged_by_id == user.pk


@rules.predicate
def case_is_open(user: Any, obj: Any) -> bool:
    """The case is not closed, declined, withdrawn or archived."""
    case = case_of(obj)
    return case is not None and not case.is_read_only


rules.add_perm("casework.view_case", is_case_team | is_panel_member | is_administrator)
rules.add_perm("casework.add_case", is_caseworker)


@rules.predicate
def referral_is_waiting(user: Any, referral: Any) -> bool:
    """No case has been opened for the referral yet (asked without a referral: the waiting list)."""
    return referral is None or not type(referral).objects.filter(pk=referral.pk, case__isnull=False).exists()


@rules.predicate
def may_view_referral_case(user: Any, referral: Any) -> bool:
    """The person may see the case opened for this referral."""
    case = getattr(referral, "case", None) if referral is not None else None
    return case is not None and user.has_perm("casework.view_case", case)


# A waiting referral is the intake list of caseworkers, the panel and administrators; once a case
# is opened its concerns belong to the case, and only those who may see the case read them
# (issue #16: a caseworker on no team read every referral's concerns through the API).
rules.add_perm(
    "casework.view_referral",
    (is_caseworker | is_panel_member | is_administrator) & (referral_is_waiting | may_view_referral_case),
)
rules.add_perm("casework.work_case", is_case_team)
# Four eyes: the panel decides, never the person who triaged or runs the case.
rules.add_perm("casework.decide_case", is_panel_member & ~is_case_team & ~triaged_it)
rules.add_perm("casework.decide_or_work_case", is_case_team | (is_panel_member & ~triaged_it))
rules.add_perm("casework.approve_closure", is_panel_member & ~is_case_team)
rules.add_perm("casework.reopen_case", (is_panel_member & ~is_case_team) | is_administrator)
rules.add_perm("casework.write_case", is_case_team & case_is_open)
# Handing a case over (leave, workload, a conflict): the case team, or an administrator when the
# owner is away; never once the case is closed.
rules.add_perm("casework.reassign_case", (is_case_team | is_administrator) & case_is_open)
# Pathway approvals (a plan, a closure decision, dissolution): the panel, never the case team, so
# nobody approves their own plan or closure.
rules.add_perm("casework.approve_pathway", is_panel_member & ~is_case_team & case_is_open)


@rules.predicate
def asked_for_it(user: Any, item: Any) -> bool:
    """The person asked for this register item to be marked not applicable."""
    return item is not None and getattr(item, "na_requested_by_id", None) == user.pk


# A "not applicable" needs a second person: the case team or the panel, not whoever asked.
rules.add_perm("casework.approve_item", (is_case_team | is_panel_member) & ~asked_for_it & case_is_open)
rules.add_perm("casework.review_purposes", (is_case_team | is_panel_member) & case_is_open)


@rules.predicate
def is_consented_funder(user: Any, obj: Any) -> bool:
    """The person reads for a funder the organisation consented to tell about this case."""
    case = case_of(obj)
    if case is None or not user.is_authenticated or case.funder_consent_on is None:
        return False
    funders = user.organisations_with_role(Membership.Role.FUNDER_READER)
    return bool(funders) and case.shared_with_funders.filter(pk__in=funders).exists()


# A consented funder sees the case's summary page (state, pathway, outcome), never its file:
# notes, documents, tasks, registers and the decision log stay with view_case.
rules.add_perm("casework.view_case_summary", is_case_team | is_panel_member | is_administrator | is_consented_funder)


# --- Turnaround grants and interim placements ---------------------------------------------------
@rules.predicate
def requested_grant(user: Any, grant: Any) -> bool:
    """The person asked for this grant (they may never approve it: four eyes)."""
    return grant is not None and getattr(grant, "requested_by_id", None) == user.pk


@rules.predicate
def grant_needs_panel(user: Any, grant: Any) -> bool:
    """The organisation's grants with this one come above what a caseworker may approve
    (LIFEBOAT_GRANT_PANEL_THRESHOLD)."""
    return bool(getattr(grant, "needs_panel", False))


# Up to the threshold, anyone on the team or panel but the requester; above it, a panel member
# who is not on the case team.
rules.add_perm(
    "casework.approve_grant",
    case_is_open
    & ~requested_grant
    & ((~grant_needs_panel & (is_case_team | is_panel_member)) | (is_panel_member & ~is_case_team)),
)
# Withdrawing an approved grant nobody was paid (it is no longer needed): the team or the panel.
rules.add_perm("casework.withdraw_grant", (is_case_team | is_panel_member) & case_is_open)
rules.add_perm("casework.claw_back_grant", is_panel_member & ~is_case_team & case_is_open)
rules.add_perm("casework.release_tranche", is_case_team & case_is_open)
# The 360Giving export of every grant: the panel and administrators (a case's own grants export
# needs only casework.view_case).
rules.add_perm("casework.export_grants", is_panel_member | is_administrator)


# The permissions of decisions someone else makes for the case (the panel, or a second pair of
# eyes on the team): a move guarded by one of these waits for them, and casework.notices tells them.
DECISIONS = frozenset(
    {
        "casework.decide_case",
        "casework.approve_closure",
        "casework.approve_pathway",
        "casework.approve_item",
        "casework.approve_grant",
    }
)


# --- The organisation takes part in its own case (issue 17) --------------------------------------
@rules.predicate
def is_case_organisation_contact(user: Any, obj: Any) -> bool:
    """The person is a current contact (or the nominated responsible person) of the case's organisation."""
    case = case_of(obj)
    if case is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(
        user.has_role(Membership.Role.CONTACT, Membership.Role.RESPONSIBLE_PERSON, organisation=case.organisation_id)
    )


@rules.predicate
def is_case_organisation_sponsor(user: Any, obj: Any) -> bool:
    """The person is the nominated responsible person of the case's organisation: its board's
    sponsor for the lifeboat, who signs off the plan's milestones."""
    case = case_of(obj)
    if case is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.has_role(Membership.Role.RESPONSIBLE_PERSON, organisation=case.organisation_id))


@rules.predicate
def organisation_was_told(user: Any, obj: Any) -> bool:
    """The panel has decided the case, with the organisation's board consent on the record. Before
    that (a referral, screening, triage, a case declined or withdrawn before the decision) the
    organisation may not know it was referred (`Referral.organisation_knows`), so nothing shows."""
    case = case_of(obj)
    return case is not None and case.decided_by_id is not None and case.board_consent_on is not None


@rules.predicate
def document_is_shared_with_organisation(user: Any, document: Any) -> bool:
    """The document is in one of the evidence slots the organisation sees (every slot but "Other")."""
    return document is not None and getattr(document, "slot", None) in type(document).ORGANISATION_SLOTS


# The organisation's own people see their case once the panel has decided it (closed cases stay
# readable): plan, milestones, grants, shared documents, consent. Never notes, the decision log,
# the panel's reasons or the health check: those stay with casework.view_case.
rules.add_perm("casework.take_part_in_case", is_case_organisation_contact & organisation_was_told)
rules.add_perm(
    "casework.view_shared_document",
    is_case_organisation_contact & organisation_was_told & document_is_shared_with_organisation,
)
# Evidence into the organisation's slots, while the case is open.
rules.add_perm("casework.provide_evidence", is_case_organisation_contact & organisation_was_told & case_is_open)
# The board's sponsor signs off a milestone, never the case team on its behalf.
rules.add_perm("casework.sign_off_milestone", is_case_organisation_sponsor & organisation_was_told & case_is_open)
# The organisation gives or withdraws its consent to tell funders itself (withdrawing stays open to
# it after the case closes: casework.workflow.give_funder_consent).
rules.add_perm("casework.consent_case", is_case_organisation_contact & organisation_was_told)

"""Peers decide, the hub facilitates (issue 17): the quality panel, the appeals group and their
independence, conflicts that cannot be waived, and lifeboat referrals from a review.

Every rule is tried through the workflow function and through the page or the API."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from casework.models import Referral
from core.models import AuditEvent
from organisations.models import Borough, Membership
from peerreview import conflicts, queries, workflow
from peerreview.models import Appeal, Assignment, Finding, Review
from tests import scenes
from tests.factories import ConflictDeclarationFactory, MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.integration


@pytest.fixture
def published(published_version, reviewed_org, coordinator, lead_reviewer, reviewer, contact, quality_panel_member):
    return scenes.published_review(
        version=published_version,
        organisation=reviewed_org,
        coordinator=coordinator,
        lead=lead_reviewer,
        peer=reviewer,
        contact=contact,
        quality=quality_panel_member,
    )["review"]


def _fresh(review: Review) -> Review:
    return Review.objects.get(pk=review.pk)


# --- appeals --------------------------------------------------------------------------------------


def test_lodge_appeal_after_the_coordinator_moved_the_review_on(published, contact, appeals_member, coordinator):
    review = workflow.move_review(published, "start_action_planning", by=coordinator)
    assert review.state == "action_planning"
    appeal = workflow.lodge_appeal(review, by=contact, grounds="process", statement="The visit was cut short.")
    review = _fresh(review)
    assert (review.state, review.appealed_from, appeal.grounds) == ("appeal", "action_planning", "process")
    review = workflow.decide_appeal(review, by=appeals_member, uphold=False, reason="The method allows it.")
    appeal.refresh_from_db()
    assert (review.state, review.appealed_from) == ("action_planning", "")
    assert (appeal.decision, appeal.decided_by) == ("dismissed", appeals_member)


def test_appeal_window_closes_after_fifteen_working_days(published, contact, time_machine):
    time_machine.move_to(timezone.now() + datetime.timedelta(days=30))
    with pytest.raises(Exception, match="appeal window"):
        workflow.lodge_appeal(_fresh(published), by=contact, grounds="fact", statement="Wrong figures.")
    assert not Appeal.objects.exists()


@pytest.mark.parametrize(
    ("grounds", "statement", "message"),
    [
        ("taste", "We disagree.", "not a valid choice"),
        ("fact", "", "Say what went wrong"),
        ("fact", "word " * 501, "up to 500 words; this one has 501"),
    ],
)
def test_lodge_appeal_refuses_bad_input(published, contact, grounds, statement, message):
    with pytest.raises(ValidationError, match=message):
        workflow.lodge_appeal(published, by=contact, grounds=grounds, statement=statement)
    assert (_fresh(published).state, Appeal.objects.count()) == ("published", 0)


def test_only_an_appeals_member_with_no_earlier_part_decides(
    published, contact, coordinator, administrator, quality_panel_member, appeals_member
):
    workflow.lodge_appeal(published, by=contact, grounds="fact", statement="The figures are last year's.")
    # The quality panel member who assured the draft and confirmed the outcome also joins the appeals group.
    today = timezone.localdate()
    MembershipFactory(
        person=quality_panel_member,
        organisation=Membership.objects.get(person=quality_panel_member, role="quality_panel").organisation,
        role="appeals_group",
        ends_on=today + datetime.timedelta(days=365),
    )
    for person in (
        coordinator,
        administrator,
        contact,
        type(quality_panel_member).objects.get(pk=quality_panel_member.pk),
    ):
        with pytest.raises(PermissionDenied):
            workflow.decide_appeal(_fresh(published), by=person, uphold=True, reason="Agreed.")
    assert (_fresh(published).state, Appeal.objects.get().decision) == ("appeal", "")
    review = workflow.decide_appeal(_fresh(published), by=appeals_member, uphold=True, reason="Figures were old.")
    assert review.state == "reopened"


def test_an_appeals_member_who_decided_a_challenge_is_excluded(published, appeals_member, contact):
    reply = published.findings.get().reply
    reply.decided_by = appeals_member
    reply.save()
    workflow.lodge_appeal(published, by=contact, grounds="fact", statement="Wrong.")
    review = _fresh(published)
    assert not appeals_member.has_perm("peerreview.decide_appeal", review)
    # The report is public, so everyone may read it; the appeals group's own way in is closed to them.
    assert list(Review.objects.filter(queries._peer_panel_reviews(appeals_member, appeals_member.roles))) == []
    with pytest.raises(PermissionDenied):
        workflow.decide_appeal(review, by=appeals_member, uphold=False, reason="Stands.")


def test_appeal_page_and_decision_page(published, contact, appeals_member, coordinator, client_for):
    url = reverse("peerreview:review-appeal", args=[published.pk])
    assert client_for(coordinator).post(url, {"grounds": "fact", "statement": "x"}).status_code == 403
    page = client_for(contact).post(url, {"grounds": "process", "statement": "word " * 600})
    assert page.status_code == 200 and "up to 500 words" in page.content.decode()
    assert _fresh(published).state == "published"
    assert client_for(contact).post(url, {"grounds": "process", "statement": "Cut short."}).status_code == 302
    assert client_for(coordinator).post(url, {"uphold": "1", "reason": "Hub view."}).status_code == 403
    assert _fresh(published).state == "appeal"
    answer = client_for(appeals_member).post(url, {"uphold": "0", "reason": "The method allows a short visit."})
    assert answer.status_code == 302
    assert _fresh(published).state == "published"
    assert Appeal.objects.get().decision_reason == "The method allows a short visit."


def test_appeal_through_the_api(published, contact, appeals_member, coordinator, client_for):
    url = reverse("api:review-transition", args=[published.pk, "appeal"])
    bad = client_for(contact).post(url, {"reason": "Unfair.", "grounds": "taste"}, content_type="application/json")
    assert bad.status_code == 400
    ok = client_for(contact).post(url, {"reason": "Cut short.", "grounds": "process"}, content_type="application/json")
    assert (ok.status_code, ok.json()["state"]) == (200, "appeal")
    decide = reverse("api:review-transition", args=[published.pk, "dismiss_appeal"])
    refused = client_for(coordinator).post(decide, {"reason": "No."}, content_type="application/json")
    assert refused.status_code == 403
    done = client_for(appeals_member).post(decide, {"reason": "Stands."}, content_type="application/json")
    assert (done.status_code, done.json()["state"]) == (200, "published")


# --- the quality panel -----------------------------------------------------------------------------


def test_quality_panel_places_are_dated_terms_from_member_bodies(reviewer, administrator, hub, reviewer_org):
    from organisations import workflow as orgs

    with pytest.raises(ValidationError, match="term"):
        orgs.grant_membership(reviewer, reviewer_org, "quality_panel", by=administrator)
    funder = OrganisationFactory(kind="funder")
    ends = timezone.localdate() + datetime.timedelta(days=365)
    with pytest.raises(ValidationError, match="member body"):
        orgs.grant_membership(reviewer, funder, "quality_panel", by=administrator, ends_on=ends)
    outsider = MembershipFactory(organisation=reviewer_org, role="contact").person
    with pytest.raises(ValidationError, match="accredited peer reviewers"):
        orgs.grant_membership(outsider, reviewer_org, "quality_panel", by=administrator, ends_on=ends)
    term = orgs.grant_membership(reviewer, reviewer_org, "quality_panel", by=administrator, ends_on=ends)
    assert (term.role, term.ends_on) == ("quality_panel", ends)


def test_the_lead_proposes_the_outcome_on_the_page(
    published_version, reviewed_org, coordinator, lead_reviewer, client_for
):
    review = Review.objects.create(
        organisation=reviewed_org,
        framework_version=published_version,
        coordinator=coordinator,
        state="reply_consideration",
    )
    Assignment.objects.create(review=review, reviewer=lead_reviewer, role="lead", state="submitted")
    url = reverse("peerreview:review-outcome", args=[review.pk])
    data = {"outcome": "met", "rationale": "Strong."}
    assert client_for(coordinator).post(url, data).status_code == 403
    assert client_for(lead_reviewer).post(url, data).status_code == 302
    assert (_fresh(review).outcome, _fresh(review).outcome_rationale) == ("met", "Strong.")


def test_visibility_twin_matches_the_predicate(
    published_version, reviewed_org, coordinator, quality_panel_member, appeals_member
):
    reviews = {
        state: Review.objects.create(
            organisation=reviewed_org, framework_version=published_version, coordinator=coordinator, state=state
        )
        for state in ["desk_review", "moderation", "quality_assurance", "reply_consideration"]
    }
    other = OrganisationFactory(name="Conflicted CVS")
    ConflictDeclarationFactory(person=quality_panel_member, organisation=other, kind="consortium")
    reviews["conflicted"] = Review.objects.create(
        organisation=other, framework_version=published_version, coordinator=coordinator, state="quality_assurance"
    )
    for person in (quality_panel_member, appeals_member):
        by_rule = {r.pk for r in Review.objects.all() if person.has_perm("peerreview.view_review", r)}
        assert {r.pk for r in queries.reviews_visible_to(person)} == by_rule
    assert {r.pk for r in queries.reviews_visible_to(quality_panel_member)} == {
        reviews["quality_assurance"].pk,
        reviews["reply_consideration"].pk,
    }


# --- conflicts that cannot be waived -----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["employment", "trusteeship", "personal", "financial"])
def test_declared_role_or_personal_interest_cannot_be_waived(review, reviewer, reviewed_org, coordinator, kind):
    ConflictDeclarationFactory(person=reviewer, organisation=reviewed_org, kind=kind)
    with pytest.raises(ValidationError, match="cannot be waived"):
        workflow.invite_reviewer(review, reviewer, by=coordinator, waiver_reason="They are impartial.")
    assert not Assignment.objects.exists()


def test_the_organisations_own_contact_cannot_be_put_on_its_panel(review, reviewed_org, coordinator, client_for):
    insider = MembershipFactory(organisation=reviewed_org, role="contact").person
    MembershipFactory(person=insider, organisation=OrganisationFactory(), role="reviewer")
    assert [c.waivable for c in conflicts.check(insider, review)] == [False]
    url = reverse("peerreview:assignment-invite", args=[review.pk])
    page = client_for(coordinator).post(url, {"reviewer": insider.pk, "role": "peer", "waiver_reason": "Fine."})
    assert page.status_code == 200 and "cannot be waived" in page.content.decode()
    assert not Assignment.objects.exists()
    assert mail.outbox == []


def test_reciprocal_pair_in_the_same_year_is_found(review, reviewer, reviewer_org, reviewed_org, coordinator):
    their_reviewer = MembershipFactory(organisation=reviewed_org, role="reviewer").person
    review_of_reviewer_org = workflow.create_review(reviewer_org, review.framework_version, by=coordinator)
    Assignment.objects.create(review=review_of_reviewer_org, reviewer=their_reviewer, state="accepted")
    found = conflicts.check(reviewer, review)
    assert [(c.kind, c.waivable) for c in found] == [("reciprocal", True)]
    assert reviewed_org.pk in conflicts.conflicted_organisations(reviewer)
    with pytest.raises(ValidationError, match="waive these with a recorded reason"):
        workflow.invite_reviewer(review, reviewer, by=coordinator)
    assignment = workflow.invite_reviewer(review, reviewer, by=coordinator, waiver_reason="Different services.")
    assert assignment.conflicts_found == [{"kind": "reciprocal", "detail": found[0].detail, "waivable": True}]


def test_waivable_conflict_is_not_waived_by_someone_who_benefits(review, reviewer, reviewed_org, coordinator):
    camden = Borough.objects.get(ons_code="E09000007")
    reviewed_org.boroughs.add(camden)
    Membership.objects.get(person=reviewer).organisation.boroughs.add(camden)
    MembershipFactory(person=coordinator, organisation=reviewed_org, role="contact")
    coordinator = type(coordinator).objects.get(pk=coordinator.pk)
    with pytest.raises(PermissionDenied):
        workflow.invite_reviewer(review, reviewer, by=coordinator, waiver_reason="Same borough is fine.")
    assert not Assignment.objects.exists()


# --- lifeboat referral from a review ----------------------------------------------------------------


def test_referral_waits_for_agreed_findings_and_goes_through_the_coordinator(
    published_version, reviewed_org, coordinator, lead_reviewer, contact, django_capture_on_commit_callbacks
):
    def review_at(state, finding_state):
        review = Review.objects.create(
            organisation=reviewed_org, framework_version=published_version, coordinator=coordinator, state=state
        )
        Assignment.objects.create(review=review, reviewer=lead_reviewer, role="lead", state="submitted")
        Finding.objects.create(review=review, kind="development", text="Reserves low.", state=finding_state)
        return review

    during_desk_review = review_at("desk_review", "agreed")
    with pytest.raises(PermissionDenied):  # the lead cannot refer quietly
        workflow.refer_to_lifeboat(during_desk_review, by=lead_reviewer, concerns="Cash.")
    with pytest.raises(ValidationError, match="findings are agreed"):
        workflow.refer_to_lifeboat(during_desk_review, by=coordinator, concerns="Cash.")
    with pytest.raises(ValidationError, match="findings are agreed"):
        workflow.refer_to_lifeboat(review_at("right_of_reply", "draft"), by=coordinator, concerns="Cash.")
    assert not Referral.objects.exists()
    review = review_at("right_of_reply", "agreed")
    with django_capture_on_commit_callbacks(execute=True):
        referral = workflow.refer_to_lifeboat(review, by=coordinator, concerns="Reserves below one month.")
    assert referral.source_reference == f"peerreview.review:{review.pk}"
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([contact.email], "Your organisation has been referred to the lifeboat")
    ]
    event = AuditEvent.objects.get(action="refer_to_lifeboat")
    assert (event.payload["organisation_told"], event.actor) == (True, coordinator)


def test_referral_without_telling_needs_a_recorded_reason_the_panel_sees(
    published, coordinator, django_capture_on_commit_callbacks
):
    with pytest.raises(ValidationError, match="record the reason"):
        workflow.refer_to_lifeboat(published, by=coordinator, concerns="Cash.", withhold_grounds="safeguarding")
    with pytest.raises(ValidationError, match="safeguarding or a serious incident"):
        workflow.refer_to_lifeboat(
            published, by=coordinator, concerns="Cash.", withhold_grounds="awkward", withhold_reason="Awkward."
        )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        referral = workflow.refer_to_lifeboat(
            published,
            by=coordinator,
            concerns="Cash.",
            withhold_grounds="safeguarding",
            withhold_reason="A safeguarding investigation is open; telling the board could alert the subject.",
        )
    assert mail.outbox == []
    assert referral.concerns == (
        "Cash.\n\nThe organisation has not been told of this referral because of a safeguarding concern: "
        "A safeguarding investigation is open; telling the board could alert the subject."
    )


def test_referral_page_refuses_the_lead(published, lead_reviewer, coordinator, client_for):
    url = reverse("peerreview:review-refer", args=[published.pk])
    assert client_for(lead_reviewer).post(url, {"concerns": "Cash."}).status_code == 403
    assert not Referral.objects.exists()
    assert client_for(coordinator).post(url, {"concerns": "Cash.", "withhold_grounds": ""}).status_code == 302
    assert Referral.objects.count() == 1


# --- the reviewed body's rights ------------------------------------------------------------------------


def test_only_the_nominated_responsible_person_signs_off_replies(
    published_version, reviewed_org, coordinator, contact, client_for, administrator
):
    from organisations import workflow as orgs

    review = Review.objects.create(
        organisation=reviewed_org, framework_version=published_version, coordinator=coordinator, state="right_of_reply"
    )
    finding = Finding.objects.create(review=review, kind="strength", text="Trusted.", state="agreed")
    url = reverse("peerreview:review-replies", args=[review.pk])
    data = {"part": "replies", f"f{finding.pk}-kind": "accept", "submit": "1"}
    page = client_for(contact).post(url, data, follow=True)
    assert "signed off by your organisation&#x27;s nominated responsible person" in page.content.decode()
    assert _fresh(review).replies_submitted_at is None
    with pytest.raises(ValidationError, match="current contacts"):
        orgs.grant_membership(MembershipFactory().person, reviewed_org, "responsible_person", by=administrator)
    orgs.grant_membership(contact, reviewed_org, "responsible_person", by=administrator)
    assert client_for(contact).post(url, data).status_code == 302
    assert _fresh(review).replies_submitted_at is not None
    event = AuditEvent.objects.get(action="submit_replies")
    assert event.actor == contact


def test_who_may_read_the_report_is_on_the_record(published):
    from core.models import AuditEvent

    event = AuditEvent.objects.get(object_id=str(published.pk), action="choose_readers")
    assert event.payload["shared_with"] == []
    assert event.payload["changes"] in ({}, {"visibility": ["private", published.visibility]})

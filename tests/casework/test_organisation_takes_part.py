"""The organisation in difficulty takes part in its own lifeboat case (issue 17, point 6): its
contacts see the plan, milestones, grants and the documents in its own slots once the panel has
decided the case (never notes, the decision log, the panel's reasons or the health check), add
evidence, give or withdraw consent to tell funders, and its board sponsor signs off milestones.
Everyone else gets the 404 of a case that does not exist."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from casework import pathways, workflow
from casework.models import Case, CaseDocument, Milestone
from core.models import AuditEvent
from tests import scenes
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.integration
TODAY = timezone.localdate()


def _our(case: Case | int, page: str = "", *extra: object) -> str:
    """An address of the organisation's own case pages ("consent", "evidence", "sign-off", "document")."""
    name = f"casework:our-case-{page}" if page else "casework:our-case"
    return reverse(name, args=[getattr(case, "pk", case), *extra])


@pytest.fixture
def turnaround(caseworker, panel_member, reviewed_org):
    """The reviewed organisation's turnaround, plan approved, with evidence on its milestone, an
    approved grant with a planned tranche, a case note and a document only the team sees."""
    record, milestone = scenes.approved_turnaround(caseworker=caseworker, panel=panel_member, organisation=reviewed_org)
    pathways.update_milestone(milestone, by=caseworker, evidence_note="Grant letter from the trust", evidence_on=TODAY)
    grant = pathways.request_grant(record, by=caseworker, title="Finance system", purpose="New software", amount=900)
    grant = pathways.approve_grant(grant, by=panel_member, declaration="none")
    pathways.add_tranche(grant, by=caseworker, milestone=milestone, amount=450)
    workflow.add_note(record.case, by=caseworker, text="The treasurer sounded worried on the phone.")
    scenes.attach(record.case, "other", by=caseworker)
    return record


def _page(response, url: str) -> str:
    """A page as its reader sees it, apart from its own address and the per-render CSRF token."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode().replace(url, "U"))


def _sponsor(contact, organisation):
    scenes.nominate_responsible_person(contact, organisation)
    return contact


def test_a_contact_sees_plan_milestones_grants_but_not_the_case_file(turnaround, contact, client_for):
    case = turnaround.case
    client = client_for(contact)
    response = client.get(_our(case))
    assert response.status_code == 200
    page = response.content.decode()
    # The plan, its milestone and evidence, the grant and its tranche (money in pounds and pence).
    assert "New funder secured" in page and "Grant letter from the trust" in page
    assert "Finance system" in page and "£900.00" in page and "£450.00" in page
    assert "Turnaround" in page and case.stage_for_organisation in page
    assert "13-week cash forecast" in page  # a document in the organisation's own slot
    assert "None. The lifeboat's tasks are given to its case team" in page
    # Never the case file: notes, the referral's concerns, the panel's reasons, the health check.
    for secret in ["treasurer sounded worried", "Cash is running out", "Chosen for the test", "Other", "runway"]:
        assert secret not in page, secret
    assert "Decision log" not in page and "Health check" not in page and "risk" not in page.lower()
    # ... and the case team's own pages stay closed to the contact.
    other = case.documents.get(slot=CaseDocument.Slot.OTHER)
    for url in [
        reverse("casework:case-detail", args=[case.pk]),
        reverse("casework:case-timeline", args=[case.pk]),
        reverse("casework:decision-log-csv", args=[case.pk]),
        reverse("casework:turnaround", args=[case.pk]),
        reverse("casework:document-download", args=[other.pk]),
        _our(case, "document", other.pk),
    ]:
        assert client.get(url).status_code == 404, url
    forecast = case.documents.get(slot=CaseDocument.Slot.CASH_FORECAST)
    assert client.get(_our(case, "document", forecast.pk)).status_code == 200


def test_another_organisations_contact_and_an_outsider_get_the_404_of_a_missing_case(
    turnaround, outsider, caseworker, client_for
):
    case = turnaround.case
    stranger = MembershipFactory(role="contact", organisation=OrganisationFactory()).person
    missing = Case.objects.order_by("-pk").first().pk + 1000
    forecast = case.documents.get(slot=CaseDocument.Slot.CASH_FORECAST)
    for person in [stranger, outsider]:
        client = client_for(person)
        for url, absent in [
            (_our(case), _our(missing)),
            (_our(case, "consent"), _our(missing, "consent")),
            (_our(case, "evidence"), _our(missing, "evidence")),
            (_our(case, "document", forecast.pk), _our(missing, "document", forecast.pk)),
        ]:
            seen, unseen = client.get(url), client.get(absent)
            assert seen.status_code == unseen.status_code == 404, url
            assert _page(seen, url) == _page(unseen, absent)
            assert case.organisation.name not in seen.content.decode()
        home = client.get(reverse("home")).content.decode()
        assert "Your lifeboat case" not in home and _our(case) not in home
    # The organisation's page is the organisation's: its case team reads the case file instead.
    assert client_for(caseworker).get(_our(case)).status_code == 404


def test_nothing_shows_before_the_panel_decides(caseworker, panel_member, contact, reviewed_org, client_for):
    case = scenes.case_awaiting_decision(caseworker=caseworker, organisation=reviewed_org)["case"]
    case.referral.organisation_knows = True  # even an organisation that knows sees nothing yet
    case.referral.save()
    client = client_for(contact)
    assert not contact.has_perm("casework.take_part_in_case", case)
    assert client.get(_our(case)).status_code == 404
    assert "Your lifeboat case" not in client.get(reverse("home")).content.decode()

    declined = scenes.case_awaiting_decision(caseworker=caseworker, organisation=reviewed_org)["case"]
    declined = workflow.move_case(declined, "decline", by=panel_member, reason="Not for us", signposting="The CVS")
    assert client.get(_our(declined)).status_code == 404  # declined before any decision: never told

    workflow.choose_pathway(
        case,
        by=panel_member,
        pathway="turnaround",
        reason="As the health check says.",
        board_consent_on=TODAY,
        board_consent_note="Board minutes.",
    )
    assert client.get(_our(case)).status_code == 404  # chosen, not yet approved
    workflow.approve_case(Case.objects.get(pk=case.pk), by=panel_member)
    assert client.get(_our(case)).status_code == 200
    home = client.get(reverse("home")).content.decode()
    assert "Your lifeboat case" in home and _our(case) in home


def test_the_board_sponsor_signs_off_a_milestone_on_the_record(turnaround, contact, caseworker, client_for):
    case, sponsor = turnaround.case, _sponsor(contact, turnaround.case.organisation)
    milestone = turnaround.milestones.get()
    response = client_for(sponsor).post(_our(case, "sign-off", milestone.pk))
    assert response.status_code == 302
    milestone = Milestone.objects.get(pk=milestone.pk)
    assert milestone.signed_off_by == sponsor and milestone.signed_off_at is not None
    event = AuditEvent.objects.filter(object_type="casework.milestone", action="sign_off").get()
    assert event.actor_id == sponsor.pk and event.role == "responsible_person"
    assert event.payload["changes"]["signed_off_by_id"] == [None, sponsor.pk]
    page = client_for(sponsor).get(_our(case)).content.decode()
    assert f"Signed off by {sponsor.full_name}" in page
    team_page = client_for(caseworker).get(reverse("casework:turnaround", args=[case.pk])).content.decode()
    assert f"signed off by the board sponsor, {sponsor.full_name}" in team_page

    with pytest.raises(ValidationError, match="already signed off"):
        pathways.sign_off_milestone(milestone, by=sponsor)
    # New evidence needs signing off again: the case team's change voids it, on the record.
    pathways.update_milestone(milestone, by=caseworker, evidence_note="Two grant letters")
    milestone = Milestone.objects.get(pk=milestone.pk)
    assert milestone.signed_off_by is None and milestone.signed_off_at is None
    update = AuditEvent.objects.filter(object_type="casework.milestone", action="update").latest("id")
    assert "signing off again" in update.reason and "signed_off_by_id" in update.payload["changes"]


def test_sign_off_is_refused_to_anyone_but_the_board_sponsor(turnaround, contact, caseworker, panel_member, client_for):
    case = turnaround.case
    milestone = turnaround.milestones.get()
    # A contact who is not the nominated responsible person may see the case but not sign off.
    assert client_for(contact).post(_our(case, "sign-off", milestone.pk)).status_code == 403
    for person in [contact, caseworker, panel_member]:
        with pytest.raises(PermissionDenied, match="nominated responsible person"):
            pathways.sign_off_milestone(milestone, by=person)
    other_org = OrganisationFactory()
    elsewhere = MembershipFactory(role="contact", organisation=other_org).person
    _sponsor(elsewhere, other_org)
    assert client_for(elsewhere).post(_our(case, "sign-off", milestone.pk)).status_code == 404
    with pytest.raises(PermissionDenied):
        pathways.sign_off_milestone(milestone, by=elsewhere)
    # Nothing to sign off without evidence.
    sponsor = _sponsor(contact, case.organisation)
    bare = pathways.add_milestone(turnaround, by=caseworker, title="Reserves rebuilt", measure="3 months", due_on=TODAY)
    with pytest.raises(ValidationError, match="no dated evidence"):
        pathways.sign_off_milestone(bare, by=sponsor)
    assert not Milestone.objects.filter(signed_off_at__isnull=False).exists()


def test_the_contact_withdraws_funder_consent_on_the_record(turnaround, contact, caseworker, funder, client_for):
    case = turnaround.case
    funding_org = funder.memberships.get(role="funder_reader").organisation
    # Consent the caseworker took down from a letter says it was on the organisation's behalf.
    workflow.record_funder_consent(case, by=caseworker, funders=[funding_org], consent_on=TODAY, note="Chair's letter")
    on_behalf = AuditEvent.objects.filter(object_type="casework.case", action="funder_consent").latest("id")
    assert on_behalf.payload["on_behalf_of"] == case.organisation_id and "on behalf of" in on_behalf.reason
    assert client_for(funder).get(reverse("casework:case-detail", args=[case.pk])).status_code == 200

    client = client_for(contact)
    page = client.get(_our(case)).content.decode()
    assert funding_org.name in page and "Change or withdraw your consent" in page
    response = client.post(_our(case, "consent"), {"choice": "withdraw", "funders": [funding_org.pk]})
    assert response.status_code == 302
    case = Case.objects.get(pk=case.pk)
    assert case.funder_consent_on is None and not case.shared_with_funders.exists()
    assert not case.grants_publishable
    event = AuditEvent.objects.filter(object_type="casework.case", action="funder_consent").latest("id")
    assert event.actor_id == contact.pk and event.role == "contact" and event.payload["on_behalf_of"] is None
    assert event.payload["changes"]["shared_with_funders"] == [funding_org.name, ""]
    assert event.payload["changes"]["funder_consent_on"] == [TODAY.isoformat(), None]
    assert "withdrew" in event.reason
    assert client_for(funder).get(reverse("casework:case-detail", args=[case.pk])).status_code == 404

    # And gives it again, dated today, naming the funder.
    client.post(_our(case, "consent"), {"choice": "give", "funders": [funding_org.pk], "publish_grants": "on"})
    case = Case.objects.get(pk=case.pk)
    assert case.funder_consent_on == TODAY and list(case.shared_with_funders.all()) == [funding_org]
    assert case.grants_publishable
    assert client_for(funder).get(reverse("casework:case-detail", args=[case.pk])).status_code == 200


def test_funder_consent_keeps_its_rules_for_the_organisation_too(turnaround, contact, outsider, client_for):
    case = turnaround.case
    response = client_for(contact).post(_our(case, "consent"), {"choice": "give"})
    assert response.status_code == 200 and "Tick the funders" in response.content.decode()
    with pytest.raises(ValidationError, match="Only funders"):
        workflow.give_funder_consent(case, by=contact, funders=[case.organisation])
    stranger = MembershipFactory(role="contact", organisation=OrganisationFactory()).person
    for person in [stranger, outsider]:
        with pytest.raises(PermissionDenied, match="own contacts"):
            workflow.give_funder_consent(case, by=person, funders=[])
    assert not AuditEvent.objects.filter(object_type="casework.case", action="funder_consent").exists()


def test_the_contact_adds_evidence_into_the_organisations_own_slots(turnaround, contact, client_for):
    case = turnaround.case
    client = client_for(contact)
    form = client.get(_our(case, "evidence")).content.decode()
    assert 'value="board_resolution"' in form and 'value="other"' not in form
    upload = SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 minutes", content_type="application/pdf")
    response = client.post(
        _our(case, "evidence"),
        {"slot": "board_resolution", "title": "Board minutes", "dated_on": TODAY.isoformat(), "upload": upload},
    )
    assert response.status_code == 302
    document = case.documents.get(title="Board minutes")
    assert document.uploaded_by == contact and document.slot == "board_resolution"
    event = AuditEvent.objects.filter(object_type="casework.casedocument", object_id=str(document.pk)).get()
    assert event.action == "upload" and event.actor_id == contact.pk
    assert "Board minutes" in client.get(_our(case)).content.decode()
    with pytest.raises(ValidationError, match="your organisation's evidence slots"):
        workflow.add_document(case, by=contact, slot="other", title="x", dated_on=TODAY, upload=upload)
    stranger = MembershipFactory(role="contact", organisation=OrganisationFactory()).person
    with pytest.raises(PermissionDenied):
        workflow.add_document(case, by=stranger, slot="board_resolution", title="x", dated_on=TODAY, upload=upload)

import pytest
from django.core.exceptions import ValidationError

from core.models import AuditEvent
from organisations import workflow
from organisations.models import Borough, Membership, Organisation

pytestmark = pytest.mark.unit


def test_register_organisation_writes_history_and_audit(administrator):
    boroughs = list(Borough.objects.filter(ons_code__in=["E09000007", "E09000019"]))
    org = workflow.register_organisation(
        by=administrator, boroughs=boroughs, name="New CVS", kind="cvs", legal_form="cio", charity_number="1200000"
    )
    assert sorted(org.boroughs.values_list("ons_code", flat=True)) == ["E09000007", "E09000019"]
    assert org.history.last().history_change_reason == "create"
    assert {h.history_user for h in org.history.all()} == {administrator}
    event = AuditEvent.objects.get(object_type="organisations.organisation", object_id=str(org.pk))
    assert (event.action, event.actor, event.role) == ("create", administrator, "administrator")


def test_register_organisation_with_bad_numbers_changes_nothing(administrator):
    with pytest.raises(ValidationError):
        workflow.register_organisation(by=administrator, name="Bad", kind="cvs", legal_form="cio", charity_number="")
    assert Organisation.objects.filter(name="Bad").count() == 0
    assert AuditEvent.objects.count() == 0


def test_update_organisation_records_what_changed(administrator, reviewed_org):
    camden = Borough.objects.get(ons_code="E09000007")
    workflow.update_organisation(reviewed_org, by=administrator, boroughs=[camden], website="https://cvs.example.org/")
    event = AuditEvent.objects.get(action="update")
    assert event.payload["changes"]["website"] == ["", "https://cvs.example.org/"]
    assert event.payload["changes"]["boroughs"] == [[], ["E09000007"]]


def test_grant_and_end_membership(administrator, outsider, reviewed_org):
    membership = workflow.grant_membership(outsider, reviewed_org, Membership.Role.CONTACT, by=administrator)
    assert outsider.memberships.current().get() == membership
    workflow.end_membership(membership, by=administrator, reason="Left the organisation")
    assert outsider.memberships.current().count() == 0
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["grant", "end"]
    assert AuditEvent.objects.get(action="end").reason == "Left the organisation"


def test_declare_conflict_for_oneself_has_no_acting_role(reviewer, reviewed_org):
    workflow.declare_conflict(reviewer, reviewed_org, by=reviewer, kind="trusteeship", reason="Trustee")
    event = AuditEvent.objects.get(action="declare")
    assert (event.actor, event.role) == (reviewer, "")


def test_create_person_without_password_cannot_sign_in_until_reset(administrator):
    person = workflow.create_person(by=administrator, email="New.Person@Example.org", full_name="New Person")
    assert person.email == "new.person@example.org"
    assert not person.has_usable_password()

"""Changes made in the Django admin append audit events that say what changed (issue 15): the
superuser flag, roles and conflict-of-interest declarations included; a published framework's
scoring settings are read-only there."""

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.utils import timezone

from core import audit, words
from core.models import AuditEvent
from organisations.models import Membership, User
from tests.factories import FrameworkFactory, FrameworkVersionFactory, MembershipFactory

pytestmark = pytest.mark.integration


def _request(user):
    request = RequestFactory().post("/admin/")
    request.user = user
    return request


def test_the_superuser_flag_changed_in_the_admin_is_audited_with_old_and_new(administrator, outsider):
    user_admin = site._registry[User]
    outsider = User.objects.get(pk=outsider.pk)
    outsider.is_superuser = True
    user_admin.save_model(_request(administrator), outsider, form=None, change=True)
    event = audit.events_for(outsider).last()
    assert (event.action, event.actor, event.role) == ("admin_change", administrator, "administrator")
    assert event.payload["changes"] == {"is_superuser": [False, True]}
    assert words.describe_event(event) == ["Superuser status: no → yes"]


def test_a_role_added_and_removed_in_the_admin_is_audited(administrator, hub, outsider):
    membership_admin = site._registry[Membership]
    role = Membership(person=outsider, organisation=hub, role="caseworker", starts_on=timezone.localdate())
    membership_admin.save_model(_request(administrator), role, form=None, change=False)
    membership_admin.delete_model(_request(administrator), role)
    actions = list(AuditEvent.objects.filter(object_type="organisations.membership").values_list("action", flat=True))
    assert actions == ["admin_add", "admin_delete"]
    assert audit.verify()[1] is None


def test_an_unchanged_save_writes_no_event(administrator):
    membership = MembershipFactory(role="caseworker")
    before = AuditEvent.objects.count()
    site._registry[Membership].save_model(_request(administrator), membership, form=None, change=True)
    assert AuditEvent.objects.count() == before


def test_a_published_frameworks_limiter_is_read_only_in_the_admin(administrator):
    framework = FrameworkFactory()
    framework_admin = site._registry[type(framework)]
    assert "limiter_cap" not in framework_admin.get_readonly_fields(_request(administrator), framework)
    FrameworkVersionFactory(framework=framework, published=True)
    assert {"scoring_mode", "limiter_trigger", "limiter_cap"} <= set(
        framework_admin.get_readonly_fields(_request(administrator), framework)
    )

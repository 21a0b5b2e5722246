import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from standards import spreadsheet, workflow
from standards.models import Comment, FrameworkVersion, Standard
from tests.scenes import SHEET, standards_scene

pytestmark = pytest.mark.integration


@pytest.fixture
def scene(steward, hub, participant):
    return standards_scene(steward=steward, owner=hub, commenter=participant)


def url(name, version, *extra):
    return reverse(f"standards:{name}", args=[version.framework.slug, version.number, *extra])


def test_import_with_errors_lists_them_and_changes_nothing(scene, steward, client_for):
    draft = scene["draft"]
    events = AuditEvent.objects.count()
    bad = "Theme,Standard code,Standard title,Indicator\nNeed,1.1,,A\nNeed,,Title,B\n"
    response = client_for(steward).post(
        url("version-import", draft), {"file": SimpleUploadedFile("bad.csv", bad.encode(), "text/csv")}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Row 2, column “Standard title”: this cell is empty" in html
    assert "Row 3, column “Standard code”: this cell is empty" in html
    assert "nothing was imported" in html and "<title>Error: " in html
    assert Standard.objects.filter(version=draft).count() == 0
    assert AuditEvent.objects.count() == events


def test_import_replaces_a_draft(scene, steward, client_for):
    draft = scene["draft"]
    response = client_for(steward).post(
        url("version-import", draft), {"file": SimpleUploadedFile("good.csv", SHEET.encode(), "text/csv")}
    )
    assert response.status_code == 302
    assert list(draft.standards.values_list("code", flat=True)) == ["1.1", "2.1"]


def test_import_is_refused_once_the_version_has_left_draft(scene, steward, client_for):
    response = client_for(steward).get(url("version-import", scene["version"]))
    assert response.status_code == 403


def test_drafts_are_hidden_from_the_public_and_other_roles(scene, client, reviewer, client_for):
    draft = scene["draft"]
    assert client.get(url("version-detail", draft)).status_code == 404
    assert client_for(reviewer).get(url("version-detail", draft)).status_code == 404
    assert client.get(url("version-export", draft, "csv")).status_code == 404
    listing = client.get(reverse("standards:framework-list")).content.decode()
    assert "Scene framework" in listing and "Draft framework" not in listing


def test_export_is_a_download_with_neutralised_formulas(scene, steward, client):
    version = scene["version"]
    response = client.get(url("version-export", version, "csv"))
    assert response["Content-Disposition"] == 'attachment; filename="scene-v1.csv"'
    assert response.content.decode("utf-8-sig").splitlines()[0].startswith("Theme,Theme description,Standard code")


def test_participant_comments_and_the_steward_answers_publicly(scene, participant, steward, client_for, client):
    version = scene["version"]
    standard = version.standards.get(code="2.1")
    response = client_for(participant).post(
        url("comment-create", version),
        {
            "target": f"standard:{standard.pk}",
            "kind": "wording",
            "text": "Say “listen” not “consult”.",
            "show_name": "on",
        },
    )
    assert response.status_code == 302
    comment = Comment.objects.get(standard=standard)
    assert (comment.author, comment.show_name, comment.organisation_kind) == (participant, True, "cvs")
    response = client_for(steward).post(
        reverse("standards:comment-answer", args=[comment.pk]),
        {"answer": "accepted", "response": "Changed the wording."},
    )
    assert response.status_code == 302
    page = client.get(url("version-you-said", version)).content.decode()
    assert "Changed the wording." in page
    assert "Pia Participant" in page  # chose to be named
    assert page.count("Someone from a") == 1  # the scene's other comment stays anonymous


def test_a_comment_cannot_target_another_versions_part(scene, participant, steward, client_for):
    other = scene["draft"]
    workflow.import_version(other, spreadsheet.read(SHEET.encode(), "s.csv"), by=steward)
    foreign = other.standards.first()
    response = client_for(participant).post(
        url("comment-create", scene["version"]), {"target": f"standard:{foreign.pk}", "kind": "concern", "text": "x"}
    )
    assert response.status_code == 200
    assert Comment.objects.filter(standard=foreign).count() == 0


def test_people_without_a_consultee_role_cannot_comment(scene, caseworker, client_for):
    response = client_for(caseworker).post(
        url("comment-create", scene["version"]), {"target": "framework", "kind": "support", "text": "x"}
    )
    assert response.status_code == 403
    assert Comment.objects.count() == 1


def test_publish_is_explained_not_offered_while_comments_are_unanswered(scene, steward, client_for):
    version = scene["version"]
    client = client_for(steward)
    client.post(url("version-close-early", version), {"reason": "Enough responses."})
    page = client.get(url("version-detail", version)).content.decode()
    assert "is not possible yet" in page and "Every consultation comment has an answer." in page
    response = client.post(url("version-transition", version, "publish"), follow=True)
    assert "Every consultation comment has an answer" in response.content.decode()
    assert FrameworkVersion.objects.get(pk=version.pk).state == "consultation"


def test_publish_then_retire_needs_a_reason(scene, steward, client_for):
    version = scene["version"]
    client = client_for(steward)
    client.post(url("version-close-early", version), {"reason": "Enough."})
    workflow.answer_comment(scene["comment"], by=steward, answer="not_accepted", response="We need them all.")
    client.post(url("version-transition", version, "publish"))
    assert FrameworkVersion.objects.get(pk=version.pk).state == "published"
    response = client.post(url("version-transition", version, "retire"), {"reason": ""}, follow=True)
    assert "Give a reason" in response.content.decode()
    assert FrameworkVersion.objects.get(pk=version.pk).state == "published"
    client.post(url("version-transition", version, "retire"), {"reason": "Superseded by the regional framework."})
    assert FrameworkVersion.objects.get(pk=version.pk).state == "retired"
    assert AuditEvent.objects.filter(action="retire").get().reason == "Superseded by the regional framework."


def test_unknown_transition_name_is_404(scene, steward, client_for):
    assert client_for(steward).post(url("version-transition", scene["version"], "delete")).status_code == 404


def test_steward_of_another_organisation_cannot_manage(scene, client_for):
    from tests.factories import MembershipFactory

    other = MembershipFactory(role="steward").person
    assert client_for(other).get(url("version-edit", scene["version"])).status_code == 403
    assert client_for(other).get(reverse("standards:comment-answer", args=[scene["comment"].pk])).status_code == 404


def test_version_dates_must_make_sense(scene, steward, client_for):
    today = timezone.localdate()
    response = client_for(steward).post(
        url("version-edit", scene["version"]),
        {
            "summary": "",
            "consultation_opens_on": today.isoformat(),
            "consultation_closes_on": (today - datetime.timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "must close on or after the day it opens" in response.content.decode()


def test_changes_page_compares_with_the_previous_version(scene, steward, client, client_for):
    version = scene["version"]
    workflow.close_consultation_early(version, by=steward, reason="x")
    workflow.answer_comment(scene["comment"], by=steward, answer="accepted", response="ok")
    workflow.publish_version(FrameworkVersion.objects.get(pk=version.pk), by=steward)
    v2 = workflow.start_new_version(version.framework, by=steward)
    assert client.get(url("version-changes", v2)).status_code == 404  # drafts are not public
    response = client_for(steward).get(url("version-changes", v2))
    assert response.context["summary"] == {"unchanged": 2}
    assert "Compared with version 1" in response.content.decode()

"""The steward's and participant's home pages list what waits for them (issue 17): versions being
written or consulted on with the comments awaiting an answer; consultations open for comment."""

from __future__ import annotations

import pytest
from django.urls import reverse

from standards import workflow
from tests import scenes

pytestmark = pytest.mark.integration


@pytest.fixture
def scene(steward, hub, participant):
    return scenes.standards_scene(steward=steward, owner=hub, commenter=participant)


def test_the_steward_sees_unfinished_versions_and_unanswered_comments(scene, steward, client_for):
    page = client_for(steward).get(reverse("home")).content.decode()
    assert "Nothing is waiting for you" not in page.split("Standards you steward")[1].split("</section>")[0]
    assert "Scene framework scene, version 1" in page and "1 comment awaiting an answer" in page
    assert "Draft framework scene, version 1" in page  # a draft is the steward's work too
    workflow.answer_comment(scene["comment"], by=steward, answer="accepted", response="We cut two standards.")
    page = client_for(steward).get(reverse("home")).content.decode()
    assert "awaiting an answer" not in page


def test_a_participant_sees_open_consultations_and_never_drafts(scene, steward, participant, client_for):
    page = client_for(participant).get(reverse("home")).content.decode()
    version = scene["version"]
    assert reverse("standards:comment-create", args=[version.framework.slug, version.number]) in page
    assert f"open for comment until {version.consultation_closes_on:%-d %B %Y}" in page
    assert "Draft framework" not in page
    workflow.close_consultation_early(version, by=steward, reason="Enough heard.")
    page = client_for(participant).get(reverse("home")).content.decode()
    assert "open for comment until" not in page and "Nothing is waiting for you" in page

"""With tokens only, the case team takes an interim placement from sourcing to matched (candidates,
their checks, the choice) and records a placement review; outsiders get 404."""

from __future__ import annotations

import pytest
from django.utils import timezone

from casework import pathways
from tests import scenes

pytestmark = pytest.mark.integration
TODAY = timezone.localdate()


def test_candidates_choice_and_reviews_through_the_api(api_for, caseworker, panel_member, outsider, reviewed_org):
    interim = scenes.case_on_pathway("interim", caseworker=caseworker, panel=panel_member, organisation=reviewed_org)
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
    interim = pathways.move_interim(interim, "agree_brief", by=panel_member)
    interim = pathways.move_interim(interim, "source", by=caseworker)
    team, nobody = api_for(caseworker), api_for(outsider)
    url = f"/api/v1/interims/{interim.pk}/"

    first = team.post(f"{url}candidates/", {"name": "Alex Interim"}, format="json")
    assert first.status_code == 201, first.content
    team.post(f"{url}candidates/", {"name": "Sam Second"}, format="json")
    checked = team.patch(
        f"/api/v1/candidates/{first.json()['id']}/",
        {"conflict_note": "none", "conflict_checked_on": TODAY, "references_checked_on": TODAY},
        format="json",
    )
    assert checked.status_code == 200, checked.content
    assert len(team.get(f"{url}candidates/").json()) == 2

    assert team.post(f"{url}choose/", {"candidate": 999999}, format="json").status_code == 400
    chosen = team.post(f"{url}choose/", {"candidate": first.json()["id"]}, format="json")
    assert chosen.status_code == 200 and chosen.json()["chosen"] == first.json()["id"]
    matched = team.post(f"{url}transitions/match/", {}, format="json")
    assert matched.status_code == 200, matched.content
    assert matched.json()["state"] == "matched"

    assert team.get(f"{url}reviews/").json() == []
    assert nobody.get(f"{url}candidates/").status_code == 404
    assert nobody.post(f"{url}choose/", {"candidate": first.json()["id"]}, format="json").status_code == 404

"""Issue #16, items 1 and 2, as a sweep: signed in as every role, every intelligence table with
every single-area and single-kind filter (page, CSV and API) shows no lifeboat fact to anyone
outside the lifeboat; every API list filtered on an id the reader may not see answers exactly as
for an id that does not exist; "in difficulty" shows only inside the lifeboat; referrals with a
case are the case's; a dissolved organisation reads as dissolved."""

from __future__ import annotations

import csv
import html
import io

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse
from django_filters import ModelChoiceFilter, ModelMultipleChoiceFilter

from api.urls import router
from casework.models import Case, Referral
from core.models import AuditEvent
from organisations.models import Borough, Membership, Organisation
from reports import analytics, disclosure
from tests import scenes
from tests.conftest import ROLE_FIXTURES
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.integration

CITY = "E09000001"
LIFEBOAT_TABLES = [name for name, (_, _, policy) in analytics.TABLES.items() if policy.lifeboat]
# Cells only a lifeboat table row would print: every pathway, case state and outcome label.
LIFEBOAT_CELLS = [
    f">{html.escape(str(label))}</td>"
    for label in (*Case.State.labels, *Case.Outcome.labels, *Case.Pathway.labels, *Referral.Source.labels)
]


def _section(page: str, name: str) -> str:
    """The part of the intelligence page under one table's heading."""
    return page.split(f'id="{name}">', 1)[1].split("<h2", 1)[0]


@pytest.fixture
def case_owner(hub):  # a caseworker on the case; the `caseworker` fixture is on no team
    person = UserFactory(full_name="Tess Team", email="tess@example.org")
    MembershipFactory(person=person, organisation=hub, role=Membership.Role.CASEWORKER)
    return person


@pytest.fixture
def singled_out(case_owner):
    """The only community anchor serving the City of London, in difficulty, with a lifeboat case."""
    body = OrganisationFactory(
        name="City Anchor", kind=Organisation.Kind.COMMUNITY_ANCHOR, status=Organisation.Status.IN_DIFFICULTY
    )
    body.boroughs.set([Borough.objects.get(ons_code=CITY)])
    return {"organisation": body, **scenes.case_awaiting_decision(caseworker=case_owner, organisation=body)}


def _expected_withheld(query: dict[str, str]) -> str:
    size = analytics.population(analytics.Filters(borough=query.get("borough", ""), kind=query.get("kind", "")))
    return (
        disclosure.WITHHELD_POPULATION
        if size is not None and size < disclosure.THRESHOLD
        else disclosure.WITHHELD_CASES
    )


def _filters() -> list[dict[str, str]]:
    return [{"borough": code} for code in Borough.objects.values_list("ons_code", flat=True)] + [
        {"kind": kind} for kind in Organisation.Kind.values
    ]


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_no_lifeboat_fact_in_any_intelligence_table_for_any_filter(role, request, singled_out, client_for):
    person = request.getfixturevalue(role)
    client = client_for(person)
    if not person.has_perm("reports.view_intelligence"):
        urls = [reverse("reports:intelligence"), reverse("api:intelligence-list")]
        urls += [reverse("reports:intelligence-download", args=[name, "csv"]) for name in LIFEBOAT_TABLES]
        assert {client.get(url).status_code for url in urls} == {403}
        return
    if person.has_perm("reports.view_exact_lifeboat_figures"):  # the panel, administrators: exact
        api = client.get(reverse("api:intelligence-detail", args=["pipeline"]), {"borough": CITY}).json()
        assert api["rows"] == [["Not chosen yet", "Awaiting the panel's decision", 1]]
        return
    seen: dict[str, tuple] = {}
    for query in _filters():
        expected = _expected_withheld(query)
        page = client.get(reverse("reports:intelligence"), query).content.decode()
        api = {t["name"]: t for t in client.get(reverse("api:intelligence-list"), query).json()}
        downloads = [
            client.get(reverse("reports:intelligence-download", args=[name, "csv"]), query).content
            for name in LIFEBOAT_TABLES
        ]
        seen[str(query)] = (
            [cell for cell in LIFEBOAT_CELLS if cell in page],
            [expected in _section(page, name) for name in LIFEBOAT_TABLES],
            [(api[name]["withheld_reason"], api[name]["rows"]) for name in LIFEBOAT_TABLES],
            [list(csv.reader(io.StringIO(body.decode("utf-8-sig")))) for body in downloads],
        )
        assert seen[str(query)] == (
            [],
            [True] * len(LIFEBOAT_TABLES),
            [(expected, [])] * len(LIFEBOAT_TABLES),
            [[["note"], [expected]]] * len(LIFEBOAT_TABLES),
        ), query


def _fk_filters() -> list[tuple[str, str, object]]:
    """(list URL name, filter name, filter) for every foreign-key filter of every API list."""
    from api.filters import FilterBackend

    found = []
    for _, viewset, basename in router.registry:
        if not (getattr(viewset, "filterset_fields", None) or getattr(viewset, "filterset_class", None)):
            continue
        view = viewset(action="list")
        model = view.get_serializer_class().Meta.model
        klass = FilterBackend().get_filterset_class(view, model.objects.none())
        for name, filter_ in klass.base_filters.items():
            try:
                field = model._meta.get_field(filter_.field_name.split("__")[0])
            except FieldDoesNotExist:
                field = None
            if (field is not None and field.is_relation) or isinstance(
                filter_, ModelChoiceFilter | ModelMultipleChoiceFilter
            ):
                found.append((f"api:{basename}-list", name, filter_))
    return found


def test_no_api_filter_looks_up_the_related_row():
    from api.filters import IdFilter

    fk = _fk_filters()
    assert len(fk) >= 15  # case, closure, turnaround, grant, interim, review, organisation …
    assert {type(f) for _, name, f in fk if name != "borough"} == {IdFilter}


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_api_filters_on_hidden_ids_answer_as_for_missing_ids(role, request, singled_out, client_for):
    person = request.getfixturevalue(role)
    client = client_for(person)
    case = singled_out["case"]
    hidden = {
        "case": case.pk,
        "organisation": singled_out["organisation"].pk,
        "assignee": case.owner_id,
        "owner": case.owner_id,
    }
    differences = {}
    for url_name, name, _ in _fk_filters():
        if name == "borough":
            continue  # an ONS code: boroughs are public
        url = reverse(url_name)
        existing = client.get(url, {name: hidden.get(name, case.pk)})
        missing = client.get(url, {name: 2_000_000_000})
        malformed = client.get(url, {name: "x"})
        assert malformed.status_code in (400, 403), (url_name, name, malformed.status_code)
        if person.has_perm("casework.view_case", case) and name in ("case", "organisation", "assignee", "owner"):
            continue  # they may see the case: its rows are theirs to find
        if url_name == "api:referral-list" and person.has_perm(
            "casework.view_referral", singled_out["waiting_referral"]
        ):
            continue  # a referral with no case yet is on the caseworkers' intake list: theirs to find
        if (existing.status_code, existing.content) != (missing.status_code, missing.content):
            differences[(url_name, name)] = (existing.status_code, missing.status_code)
        assert existing.status_code != 400, (url_name, name)
    assert differences == {}


@pytest.mark.parametrize("role", [r for r in ROLE_FIXTURES if r not in ("panel_member", "administrator")])
def test_in_difficulty_is_not_shown_outside_the_lifeboat(role, request, singled_out, client_for):
    body = singled_out["organisation"]
    person = request.getfixturevalue(role)
    client = client_for(person)
    listing = client.get(reverse("organisations:organisation-list"), {"q": "City Anchor"}).content.decode()
    detail = client.get(body.get_absolute_url()).content.decode()
    api = client.get(reverse("api:organisation-detail", args=[body.pk])).json()
    active = [o["id"] for o in client.get(reverse("api:organisation-list"), {"status": "active"}).json()["results"]]
    asked = client.get(reverse("api:organisation-list"), {"status": "in_difficulty"})
    bogus = client.get(reverse("api:organisation-list"), {"status": "bogus"})
    assert (
        "In difficulty" in listing,
        "In difficulty" in detail,
        api["status"],
        body.pk in active,
        asked.status_code,
        bogus.status_code,
        asked.json()["fields"].keys() == bogus.json()["fields"].keys(),
    ) == (False, False, "active", True, 400, 400, True)


@pytest.mark.parametrize("role", ["panel_member", "administrator", "case_owner"])
def test_in_difficulty_is_shown_to_the_panel_administrators_and_the_case_team(role, request, singled_out, client_for):
    body = singled_out["organisation"]
    client = client_for(request.getfixturevalue(role))
    assert client.get(reverse("api:organisation-detail", args=[body.pk])).json()["status"] == "in_difficulty"
    assert "In difficulty" in client.get(body.get_absolute_url()).content.decode()


def test_a_referral_with_a_case_is_only_for_those_who_may_see_the_case(
    singled_out, caseworker, case_owner, panel_member, client_for
):
    referral = singled_out["case"].referral
    statuses = {
        name: (
            client_for(person).get(reverse("api:referral-detail", args=[referral.pk])).status_code,
            client_for(person).get(reverse("api:referral-detail", args=[2_000_000_000])).status_code,
        )
        for name, person in [("outside", caseworker), ("team", case_owner), ("panel", panel_member)]
    }
    assert statuses == {"outside": (404, 404), "team": (200, 404), "panel": (200, 404)}
    waiting = singled_out["waiting_referral"]  # not yet a case: the caseworkers' intake list
    assert client_for(caseworker).get(reverse("api:referral-detail", args=[waiting.pk])).status_code == 200


def test_a_confirmed_dissolution_marks_the_organisation_dissolved(caseworker, panel_member, reviewed_org, reviewer_org):
    closure = scenes.case_on_pathway("closure", caseworker=caseworker, panel=panel_member, organisation=reviewed_org)
    assert Organisation.objects.get(pk=reviewed_org.pk).status == Organisation.Status.ACTIVE
    scenes.closure_dissolved(
        closure,
        caseworker=caseworker,
        panel_member=panel_member,
        destination=reviewer_org,
        funder=OrganisationFactory(),
    )
    assert Organisation.objects.get(pk=reviewed_org.pk).status == Organisation.Status.DISSOLVED
    event = AuditEvent.objects.filter(object_type="organisations.organisation", action="update").latest("id")
    assert event.payload["changes"]["status"] == ["active", "dissolved"]

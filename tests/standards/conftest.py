"""Frameworks built the way people build them: through standards.workflow, owned by `hub`."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from organisations.models import Membership, Organisation
from standards import spreadsheet, workflow
from standards.models import Framework, FrameworkVersion, Indicator, Standard, Theme
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

# Two themes, three standards, five indicators; quotes, commas, line breaks and a formula-looking cell.
SAMPLE_CSV = """\
Theme,Theme description,Standard code,Standard title,Standard description,Standard guidance,Indicator,Evidence prompts
Understanding need,"How the body learns what local groups need, and from whom.",UN1,Knows its local groups,\
A current picture of groups.,Start from the groups you do not hear from.,\
Keeps an up-to-date map of local groups,"Directory of groups
Date of last review"
Understanding need,"How the body learns what local groups need, and from whom.",UN1,Knows its local groups,\
A current picture of groups.,Start from the groups you do not hear from.,Asks groups what they need every year,\
Survey results
Understanding need,"How the body learns what local groups need, and from whom.",UN2,Uses data well,,,\
"=Shares what it learns with groups and funders",
Voice and influence,,VI1,Takes groups' concerns to decision makers,,"Say ""no"" when you must.",\
Represents groups at the local strategic partnership,Minutes
Voice and influence,,VI1,Takes groups' concerns to decision makers,,"Say ""no"" when you must.",\
Reports back what changed,
"""


def sample_parsed() -> spreadsheet.ParsedVersion:
    return spreadsheet.read(SAMPLE_CSV.encode(), "sample.csv")


def content_of(version: FrameworkVersion) -> list[tuple]:
    """Everything a version says, in order: themes → standards → indicators."""
    return [
        (
            theme.title,
            theme.description,
            [
                (
                    standard.code,
                    standard.title,
                    standard.description,
                    standard.guidance,
                    [(i.text, i.evidence_prompts) for i in standard.indicators.order_by("position")],
                )
                for standard in theme.standards.order_by("position")
            ],
        )
        for theme in version.themes.order_by("position")
    ]


def content_rows(version: FrameworkVersion) -> dict[str, list[tuple]]:
    """Every content row with every column, to prove that a refused change changed nothing."""
    return {
        "themes": list(Theme.objects.filter(version=version).order_by("pk").values_list()),
        "standards": list(Standard.objects.filter(version=version).order_by("pk").values_list()),
        "indicators": list(Indicator.objects.filter(standard__version=version).order_by("pk").values_list()),
    }


def noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def other_org(db) -> Organisation:
    return OrganisationFactory(name="Another Hub", kind=Organisation.Kind.SPECIALIST_SUPPORT)


@pytest.fixture
def other_steward(other_org):
    """A steward, but of an organisation that owns none of the frameworks below."""
    person = UserFactory(full_name="Olga Otherwise", email="olga@example.org")
    MembershipFactory(person=person, organisation=other_org, role=Membership.Role.STEWARD)
    return person


@pytest.fixture
def framework(steward, hub) -> Framework:
    return workflow.create_framework(
        by=steward,
        name="Good Local Support",
        slug="good-local-support",
        purpose="What good local support for civil society looks like.",
        owners=[hub],
    )


@pytest.fixture
def draft(framework, steward) -> FrameworkVersion:
    """Version 1 in draft, with the sample content imported."""
    return workflow.import_version(framework.versions.get(number=1), sample_parsed(), by=steward)


def set_dates(version, by, opens, closes) -> FrameworkVersion:
    return workflow.update_version_details(
        version, by=by, summary="First version.", consultation_opens_on=opens, consultation_closes_on=closes
    )


@pytest.fixture
def consultation(draft, steward) -> FrameworkVersion:
    """Version 1 in consultation, open from a week ago for another fortnight."""
    today = timezone.localdate()
    set_dates(draft, steward, today - datetime.timedelta(days=7), today + datetime.timedelta(days=14))
    return workflow.open_consultation(draft, by=steward)


@pytest.fixture
def published_version(draft, steward) -> FrameworkVersion:
    """Version 1, published: consulted on a month ago for two weeks, then published today."""
    start = timezone.localdate() - datetime.timedelta(days=30)
    with time_machine.travel(noon(start), tick=False):
        set_dates(draft, steward, start, start + datetime.timedelta(days=14))
        opened = workflow.open_consultation(draft, by=steward)
    return workflow.publish_version(opened, by=steward)


@pytest.fixture
def retired_version(published_version, steward) -> FrameworkVersion:
    return workflow.retire_version(published_version, by=steward, reason="Superseded by the 2027 framework.")

"""Words for people (issue 20): no page of tests/pages.py shows a raw state, role or move code, and
money reads as pounds with thousands separators and the minus before the £."""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.template import Context, Template

from core.templatetags.words import event_words, pounds, role_label
from organisations.models import Membership
from tests.pages import collect
from tests.shared_scene import *  # noqa: F403 - the module's scene and cast (fixtures)


def _codes() -> set[str]:
    """Every state code of every state machine, and every role code, that has an underscore (codes
    like "active" are ordinary words; "awaiting_decision" is not)."""
    codes = {value for value in Membership.Role.values if "_" in value}
    for model in apps.get_models():
        try:
            field = model._meta.get_field("state")
        except Exception:  # noqa: BLE001, S112 - models without a state machine
            continue
        codes |= {str(value) for value, _ in field.choices or [] if "_" in str(value)}
    return codes


class _Text(HTMLParser):
    """The text a person reads: text nodes outside scripts and styles (attributes are not read)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


@pytest.mark.integration
def test_no_page_shows_a_raw_state_or_role_code(request, scene):  # noqa: F811
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _codes()), key=len, reverse=True)) + r")\b")
    pages = collect(request, scene)
    found = {}
    for page in pages:
        hits = sorted(set(pattern.findall(visible_text(page.html))))
        if hits:
            found[page.name] = hits
    assert found == {}
    assert len(pages) >= 60  # fewer means the page list broke, not that the words got better


@pytest.mark.unit
def test_the_raw_code_check_can_fail():
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, _codes())) + r")\b")
    assert pattern.findall(
        visible_text("<p>as panel_member: awaiting_decision</p><a href='x?state=on_hold'>x</a>")
    ) == [
        "panel_member",
        "awaiting_decision",
    ]


@pytest.mark.unit
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("4500.00"), "£4,500"),
        (Decimal("4500.5"), "£4,500.50"),
        (Decimal("-40000"), "\u2212£40,000"),
        (1234567.891, "£1,234,567.89"),
        (0, "£0"),
        (None, ""),
        ("not money", ""),
    ],
)
def test_pounds(value, expected):
    assert pounds(value) == expected


@pytest.mark.unit
def test_pounds_is_a_builtin_filter_everywhere():
    assert Template("{{ v|pounds }} {{ v|pounds:'pence' }}").render(Context({"v": 12})) == "£12 £12.00"


@pytest.mark.unit
def test_roles_and_moves_read_as_words():
    assert role_label("panel_member") == "Lifeboat panel member"

    class Event:
        object_type, action, source_state, target_state = (
            "casework.case",
            "submit_triage",
            "triage",
            "awaiting_decision",
        )

    assert event_words(Event()) == "Send to the panel: Triage → Awaiting the panel's decision"

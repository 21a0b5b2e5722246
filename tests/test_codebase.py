"""The codebase's own promises: the state diagrams in docs/ are the code's, no model change lacks
its migration, and no template or view spells out a state the model owns. (`make check` runs these
too, with ruff and the import contract.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]

# An object's state (or status) compared in any way: `x.state == "draft"`, `x.state != y`,
# `x.state in parts.filing`, `x.state not in (...)`, `x.state|in:...`.
_COMPARED = r"\.(?:state|status)\b\s*(?:==|!=|\bnot\s+in\b|\bin\b|\|\s*in\b)"
# A bare state against a literal, either way round: `state == "draft"`, `state in "..."`, `"draft" != state`.
_BARE_LITERAL = r"\bstate\s*(?:==|!=|\bnot\s+in\b|\bin\b)\s*[\[\(]?\s*['\"]|['\"]\s*(?:==|!=)\s*[\w.]*\bstate\b"
# A query naming states as strings: `.filter(state="submitted")`, `state__in=["closed", ...]`.
_QUERY_LITERAL = r"\bstate(?:__in)?\s*=\s*[\[\(]?\s*['\"]"

TEMPLATE_STATE = re.compile(f"{_COMPARED}|{_BARE_LITERAL}")
VIEW_STATE = re.compile(f"{_COMPARED}|{_BARE_LITERAL}|{_QUERY_LITERAL}")

# A move's name compared with a literal: `t.name == "decline"`, `name != 'hold'`, `"escalate" == name`,
# `name in ("decline", "withdraw")`, `m.t.name not in {"claw_back"}`. (`for name in ("a", "b")` is a loop.)
MOVE_NAME = re.compile(
    r"\bname\s*(?:==|!=)\s*['\"]"
    r"|['\"]\s*(?:==|!=)\s*[\w.]*\bname\b"
    r"|(?<!for )\bname\s+(?:not\s+)?in\s*[\[\(\{]\s*['\"]"
)


def _templates() -> list[Path]:
    return sorted((ROOT / "templates").rglob("*.html")) + sorted((ROOT / "templates").rglob("*.txt"))


def _views() -> list[Path]:
    apps = [p for p in ROOT.iterdir() if (p / "apps.py").exists()]
    found = {p for app in apps for p in [*app.glob("views*.py"), *app.glob("*_views.py")]}
    found |= set((ROOT / "api").rglob("*.py")) - set((ROOT / "api" / "migrations").rglob("*.py"))
    return sorted(found)


def state_comparisons(paths: list[Path], pattern: re.Pattern[str]) -> list[str]:
    """Every `file:line` where `pattern` finds a state decided outside its model or workflow."""
    found = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.search(line):
                name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                found.append(f"{name}:{number}: {line.strip()[:160]}")
    return found


def test_state_diagrams_match_the_code():
    call_command("draw_state_diagrams", "--check")


def test_every_model_change_has_its_migration(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_no_template_decides_on_a_state():
    """A page reads a predicate the model or workflow owns (`case.takes_screening`, `parts.filing`,
    `review.takes_findings`), never a state name, so a link cannot drift from the rule that refuses."""
    assert len(_templates()) > 100
    assert state_comparisons(_templates(), TEMPLATE_STATE) == []


def test_no_view_decides_on_a_state():
    """Views and the API ask the same predicates, and name states through the model's lists."""
    assert {"casework/views.py", "peerreview/views.py", "api/resources/reviews.py"} <= {
        str(p.relative_to(ROOT)) for p in _views()
    }
    assert state_comparisons(_views(), VIEW_STATE) == []


def test_no_template_or_view_names_a_move_to_decide_its_inputs():
    """A move's inputs are its form's (`custom={"inputs": …}` on the transition), rendered from the
    form and checked with it; its own page is `custom={"form": …}`. No page or view picks a move out
    by name to add a field, read one or send it elsewhere."""
    assert state_comparisons([*_templates(), *_views()], MOVE_NAME) == []


@pytest.mark.parametrize(
    "line",
    [
        '    {% if t.name == "decline" or t.name == "withdraw" %}<textarea name="signposting">',
        "{% if m.t.name == 'claw_back' %}",
        '    if name == "go_insolvent":  # needs the practitioner',
        '    if name in ("decline", "withdraw") and not signposting:',
        '    if name not in {"reinstate", "replace"}:',
        '    extra = {"practitioner": data["practitioner"]} if "go_insolvent" == name else {}',
    ],
)
def test_the_scan_finds_a_move_picked_out_by_name(tmp_path, line):
    path = tmp_path / "page.html"
    path.write_text(f"<p>ok</p>\n{line}\n", encoding="utf-8")
    assert state_comparisons([path], MOVE_NAME) == [f"{path}:2: {line.strip()}"]


@pytest.mark.parametrize(
    "line",
    [
        "{% if t.inputs %}{{ t.input_form }}{% endif %}",
        "    if name not in PANEL_MOVES:",
        '    disclosed = {name: table(name) for name in ("ratings", "coverage", "themes")}',
        '    own_page = known[name].custom.get("form")',
        '    path("lifeboat/cases/<int:pk>/move/<str:name>/", views.case_move, name="case-move"),',
    ],
)
def test_the_move_scan_lets_the_generic_code_through(tmp_path, line):
    path = tmp_path / "page.html"
    path.write_text(line, encoding="utf-8")
    assert state_comparisons([path], MOVE_NAME) == []


@pytest.mark.parametrize(
    ("line", "pattern"),
    [
        ('{% if can_work and record.state != "exited" %}', TEMPLATE_STATE),
        ("{% elif i.state == 'agreed' %}", TEMPLATE_STATE),
        ("{% if can_work and closure.state in parts.solvency %}", TEMPLATE_STATE),
        ('{% if "draft" == version.state %}', TEMPLATE_STATE),
        ('{% if org.status == "active" %}', TEMPLATE_STATE),
        ("{% if version.state|in:'draft,consultation' %}", TEMPLATE_STATE),
        ('    if review.state in ("scoping", "self_assessment"):', VIEW_STATE),
        ("    if version.state != FrameworkVersion.State.DRAFT:", VIEW_STATE),
        ("    editable = a.state not in WORKING", VIEW_STATE),
        ('        .exclude(state__in=["withdrawn", "cancelled"])', VIEW_STATE),
        ('        review.assignments.filter(state="submitted")', VIEW_STATE),
    ],
)
def test_the_scan_finds_a_state_decided_in_place(tmp_path, line, pattern):
    path = tmp_path / "page.html"
    path.write_text(f"<p>ok</p>\n{line}\n", encoding="utf-8")
    assert state_comparisons([path], pattern) == [f"{path}:2: {line.strip()}"]


@pytest.mark.parametrize(
    "line",
    [
        "{% if can_work and case.takes_screening %}",
        "{% if can_work and parts.filing %}",
        "{{ review.get_state_display }} {{ review|tag_colour }}",
        '<select class="govuk-select" id="state" name="state">{% for box in form.state %}',
        "{% if value == state %} selected{% endif %}",
        "    qs = Case.objects.filter(state__in=Case.OPEN)",
        "    assert response.status_code == 200",
        '    fields = ["id", "state", "transitions"]',
    ],
)
def test_the_scan_lets_a_predicate_through(tmp_path, line):
    path = tmp_path / "page.html"
    path.write_text(line, encoding="utf-8")
    assert state_comparisons([path], VIEW_STATE) == []

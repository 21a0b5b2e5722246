"""Accessibility in a real browser: axe-core finds no serious or critical WCAG 2.2 AA violation on any main
page (as the role that uses it) nor on any form shown with its errors; no page breaks the Content Security
Policy; and one whole form can be completed with the keyboard alone.

The page list is tests/pages.py. axe-core comes from `make test-tools` (node_modules/, git-ignored) and is
evaluated through the DevTools protocol, so it needs no exception in the page's Content Security Policy.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings

from organisations.models import ConflictDeclaration
from tests.conftest import ROLE_FIXTURES
from tests.pages import client_as, collect
from tests.shared_scene import PLACES, build_matrix_scene

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}"""


@pytest.fixture
def scene(request):
    """The matrix's scene, committed (the browser reads it through the live server), built per test."""
    return build_matrix_scene({name: request.getfixturevalue(name) for name in [*PLACES, *ROLE_FIXTURES]})


def _signed_in_page(browser, live_server, request, role: str, problems: list[str]):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900}, locale="en-GB")
    if role != "anonymous":
        session = client_as(request, role).cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return page


def _show_with_errors(page, url: str) -> None:
    """Submit the page's own form with every field left empty, as a person pressing the button would."""
    page.goto(url)
    token = page.locator("main input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    body = urlencode({"csrfmiddlewaretoken": token})

    def as_post(route) -> None:
        headers = route.request.headers | {"content-type": "application/x-www-form-urlencoded"}
        route.continue_(method="POST", post_data=body, headers=headers)

    page.route(f"**{url}", as_post)
    try:
        page.goto(url)
    finally:
        page.unroute(f"**{url}")
    page.locator(".govuk-error-summary").wait_for()


def test_no_serious_accessibility_violations_on_any_main_page(browser, live_server, request, scene):
    if not AXE.is_file():
        pytest.fail("axe-core is missing: run `make test-tools`.")
    pages = collect(request, scene)
    problems: list[str] = []
    tabs: dict[str, object] = {}
    violations = {}
    for p in pages:
        if p.role not in tabs:
            tabs[p.role] = _signed_in_page(browser, live_server, request, p.role, problems)
        tab = tabs[p.role]
        if p.method == "get":
            tab.goto(p.url)
        else:
            _show_with_errors(tab, p.url)
        tab.evaluate(AXE.read_text())
        serious = [v for v in tab.evaluate(RUN_AXE, WCAG_22_AA) if v["impact"] in ("serious", "critical")]
        if serious:
            violations[p.name] = serious
    for tab in tabs.values():
        tab.context.close()
    assert violations == {}
    assert problems == []  # Content Security Policy reports and script errors
    assert len(pages) >= 60
    print(f"axe: {len(pages)} pages checked, {sum(p.method == 'post' for p in pages)} of them forms with errors")


def _tab_to(page, element_id: str = "", *, text: str = "", limit: int = 80) -> None:
    """Press Tab until the element (by id, or by its text) has focus: it must be reachable by keyboard."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("[document.activeElement.id, document.activeElement.textContent.trim()]")
        if (element_id and focused[0] == element_id) or (text and focused[1] == text):
            return
    raise AssertionError(f"{element_id or text} is not reachable with the Tab key")


def test_declaring_an_interest_with_the_keyboard_alone(browser, live_server, request, reviewer, reviewed_org):
    problems: list[str] = []
    page = _signed_in_page(browser, live_server, request, "reviewer", problems)
    page.goto("/conflicts/new/")

    _tab_to(page, "id_organisation")
    page.keyboard.type(reviewed_org.name)  # a closed select picks the option whose label is typed
    _tab_to(page, "id_kind")
    page.keyboard.type("Trustee")
    _tab_to(page, "id_reason")
    page.keyboard.type("I sat on their board until last spring.")
    # The date fields keep their defaults ("since" today, no end): their segment order follows the
    # browser's own locale, so typed digits would mean different dates on different machines.
    _tab_to(page, "id_starts_on")
    _tab_to(page, text="Declare interest")
    page.keyboard.press("Enter")
    page.get_by_text("The interest has been recorded").wait_for()

    declaration = ConflictDeclaration.objects.get(person=reviewer)
    assert (declaration.organisation, declaration.kind, declaration.reason, declaration.ends_on) == (
        reviewed_org,
        "trusteeship",
        "I sat on their board until last spring.",
        None,
    )
    assert problems == []
    page.context.close()

"""Phones (issue 20): at 390 px no main page scrolls sideways, and the header's navigation is a
menu button that opens without JavaScript.

The page list is tests/pages.py (every GET page of the permission matrix, as the role that uses it).
"""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.conftest import ROLE_FIXTURES
from tests.pages import client_as, collect
from tests.shared_scene import PLACES, build_matrix_scene

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
# The elements that reach past the right edge (innermost first), to say what to fix.
OVERFLOWING = """(width) => Array.from(document.querySelectorAll("main *"))
  .filter(e => e.getBoundingClientRect().right > width + 1 && !Array.from(e.children).some(
     c => c.getBoundingClientRect().right > width + 1))
  .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? "." + String(e.className).split(" ").join(".") : "")
     + " " + Math.round(e.getBoundingClientRect().right))"""


@pytest.fixture
def scene(request):
    """The matrix's scene, committed (the browser reads it through the live server), built per test."""
    return build_matrix_scene({name: request.getfixturevalue(name) for name in [*PLACES, *ROLE_FIXTURES]})


def _phone(browser, live_server, request, role: str, *, javascript: bool = True):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, locale="en-GB", java_script_enabled=javascript
    )
    if role != "anonymous":
        session = client_as(request, role).cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def test_no_main_page_scrolls_sideways_at_390_px(browser, live_server, request, scene):  # noqa: F811
    pages = [p for p in collect(request, scene) if p.method == "get"]
    tabs: dict[str, object] = {}
    too_wide = {}
    for p in pages:
        if p.role not in tabs:
            tabs[p.role] = _phone(browser, live_server, request, p.role)
        tab = tabs[p.role]
        tab.goto(p.url)
        width = tab.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[p.name] = (width, tab.evaluate(OVERFLOWING, PHONE["width"]))
    assert too_wide == {}
    assert len(pages) >= 40  # fewer means the page list broke


def test_the_menu_opens_without_javascript(browser, live_server, request, caseworker):
    tab = _phone(browser, live_server, request, "caseworker", javascript=False)
    tab.goto("/lifeboat/")
    lifeboat = tab.locator(".app-nav__menu").get_by_role("link", name="Lifeboat")
    assert not lifeboat.is_visible()
    assert not tab.locator(".app-nav__list--wide").is_visible()
    tab.get_by_text("Menu", exact=True).click()
    assert lifeboat.is_visible()
    lifeboat.click()
    assert tab.locator("h1").inner_text() == "Lifeboat cases"

"""The main pages, in one place: every GET page in the permission matrix, seen by the role that uses it,
plus every form among them shown with its errors.

Accessibility (axe-core in Chromium), HTML validity (the Nu HTML Checker) and the security tests
iterate over this, so a URL added to `tests/test_permission_matrix.py` (which fails until it is)
is checked by all of them without further edits. `USED_BY` names the role for pages that several
roles may open but one of them works on; otherwise the first role in the cast that gets a 200.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.apps import apps
from django.db import connection
from django.test import Client

from tests.sessions import signed_in_client
from tests.test_permission_matrix import MATRIX, ROLES

USED_BY = {
    # Signing in and resetting a forgotten password happen before anyone is signed in.
    "password_reset": "anonymous",
    "password_reset_done": "anonymous",
    "password_reset_confirm": "anonymous",
    "password_reset_complete": "anonymous",
    "peerreview:self-assessment": "contact",
    "peerreview:evidence-upload": "contact",
    "peerreview:action-create": "contact",
    "peerreview:review-replies": "contact",
    "peerreview:finding-create": "lead_reviewer",
    "peerreview:review-visit": "lead_reviewer",
    "standards:comment-create": "participant",
    "standards:framework-create": "steward",
    "standards:version-edit": "steward",
    "standards:version-import": "steward",
    "standards:comment-answer": "steward",
    "organisations:organisation-edit": "contact",
    "reports:intelligence": "funder",
    "casework:case-list": "caseworker",
    "casework:case-detail": "caseworker",
}

# Addresses in the matrix that answer JSON, never a page, so never one of the main pages. Not even
# fetched: /health/ is an async view, which Django's test client cannot run in a thread where an
# event loop is running, as Playwright's sync API keeps one in the browser tests' thread.
NOT_PAGES = {"health"}


def acting_role(name: str, statuses: dict[str, int], *, shown: tuple[int, ...] = (200,)) -> str:
    """The role that uses the URL: USED_BY, else the first signed-in role whose status is in `shown`
    (a page shown; pass (200, 302) to include acting on a POST-only route), else anonymous."""
    if name in USED_BY and statuses[USED_BY[name]] in shown:
        return USED_BY[name]
    return next((r for r in ROLES if r != "anonymous" and statuses[r] in shown), "anonymous")


def client_as(request, role: str, **kwargs) -> Client:
    person = None if role == "anonymous" else request.getfixturevalue(role)
    return signed_in_client(request, person, **kwargs)


# Rows a request may write without changing anything that matters: the session, sign-in bookkeeping.
# A wrong two-factor code counts towards the device's throttling, like a wrong password in axes.
BOOKKEEPING = {
    "sessions.session",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
    "otp_static.staticdevice",
    "otp_totp.totpdevice",
}


def row_counts() -> dict[str, int]:
    """Rows in every model's table: equal before and after means a request changed nothing.

    One query for all the tables (a UNION of counts): the form sweeps call this twice for each of
    several hundred submissions, and a query per table made them the slowest tests in the suite."""
    tables = {
        m._meta.label_lower: m._meta.db_table
        for m in apps.get_models()
        if m._meta.label_lower not in BOOKKEEPING and m._meta.managed and not m._meta.proxy
    }
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(f"SELECT %s, COUNT(*) FROM {quote(table)}" for table in tables.values())
    with connection.cursor() as cursor:
        cursor.execute(sql, list(tables))
        return dict(cursor.fetchall())


@dataclass
class Page:
    name: str  # the URL name, with " (errors)" for a form shown with its errors
    role: str
    url: str
    method: str  # "get", or "post" for an empty form submission
    html: str


_FORM = re.compile(r"<form\b[^>]*>", re.IGNORECASE)
_ACTION = re.compile(r'\baction="([^"]*)"')


def _posts_to_itself(html: str, url: str) -> bool:
    """Whether the page's main content has a POST form that submits to the page's own address."""
    start = html.find("<main")
    main = html[start : html.find("</main>", start)] if start >= 0 else ""
    for tag in _FORM.findall(main):
        action = _ACTION.search(tag)
        if 'method="post"' in tag.lower() and (action is None or action.group(1) in ("", url)):
            return True
    return False


def collect(request, scene: dict) -> list[Page]:
    """Fetch every main page as its role with Django's test client; then submit each page's own form
    empty and keep those that come back with an error summary. Read-only pages first: an empty
    submission that turns out valid would change the scene."""
    pages: list[Page] = []
    for name, (method, build, statuses) in MATRIX.items():
        if method != "get" or name in NOT_PAGES:
            continue
        role = acting_role(name, statuses)
        url = build(scene)
        response = client_as(request, role).get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            pages.append(Page(name, role, url, "get", response.content.decode()))
    for page in list(pages):
        if _posts_to_itself(page.html, page.url):
            # A browser always sends the token, so the form is bound even with every field left empty.
            response = client_as(request, page.role).post(page.url, {"csrfmiddlewaretoken": "unchecked-here"})
            html = response.content.decode()
            if response.status_code == 200 and "govuk-error-summary" in html:
                pages.append(Page(f"{page.name} (errors)", page.role, page.url, "post", html))
    return pages

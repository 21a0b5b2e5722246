"""Security hardening, checked over every URL in the permission matrix so that new pages are covered.

- Every HTML page carries the Content Security Policy and holds no inline script, style or handler
  that the policy would block.
- GET changes nothing anywhere; POST without a CSRF token is refused everywhere and changes nothing.
- The demo password and development secret key do nothing when DEBUG is off; sign-in locks out.
- Production settings turn on secure cookies, HSTS and frame denial; dependencies are pinned.
"""

from __future__ import annotations

import json
import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from demo.organisations import DEMO_PASSWORD
from tests.factories import TEST_PASSWORD, UserFactory
from tests.pages import acting_role, client_as, row_counts
from tests.shared_scene import *  # noqa: F403 - the module's scene and cast (fixtures)
from tests.test_deploy import _manage
from tests.test_permission_matrix import MATRIX

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent

# A reader leaves "seen by" receipts on findings (DESIGN.md: read receipts); nothing else may change on GET.
READ_RECEIPTS = {"peerreview.seenreceipt"}


def _acting_role(name: str, statuses: dict[str, int]) -> str:
    # Someone who may act there: a page shown or a POST accepted, or (API) a write refused only on
    # its content or state, which still means the person may call it.
    return acting_role(name, statuses, shown=(200, 201, 204, 302, 400, 409))


class _InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block: inline scripts, styles and handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")


EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def _policy(header: str) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in (p.strip() for p in header.split(";")) if part}


def test_every_page_sends_the_policy_and_has_no_inline_code(request, scene):
    checked, problems = 0, {}
    for name, (method, build, statuses) in MATRIX.items():
        if method != "get":
            continue
        role = _acting_role(name, statuses)
        response = client_as(request, role).get(build(scene))
        policy = _policy(response.headers.get("Content-Security-Policy", ""))
        if {k: policy.get(k) for k in EXPECTED_CSP} != EXPECTED_CSP:
            problems[name] = f"policy {policy}"
            continue
        if response.status_code == 200 and response.headers["Content-Type"].startswith("text/html"):
            parser = _InlineCode()
            parser.feed(response.content.decode())
            if parser.found:
                problems[name] = sorted(set(parser.found))
            checked += 1
    assert problems == {}
    assert checked >= 30  # the matrix has this many HTML pages today; fewer means the loop broke


def test_error_pages_send_the_policy_too(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert _policy(response["Content-Security-Policy"])["script-src"] == "'self'"


def test_frames_sniffing_and_referrers_are_refused(client):
    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_get_changes_nothing_on_any_url(request, scene):
    changed = {}
    for name, (_method, build, statuses) in MATRIX.items():
        role = _acting_role(name, statuses)
        client = client_as(request, role)
        url = build(scene)
        before = row_counts()
        client.get(url)
        after = row_counts()
        diff = {k: after[k] - before[k] for k in before if after[k] != before[k] and k not in READ_RECEIPTS}
        if diff:
            changed[name] = diff
    assert changed == {}


def test_post_without_a_csrf_token_is_refused_on_every_url(request, scene):
    outcomes, tried = {}, 0
    for name, (_method, build, statuses) in MATRIX.items():
        role = _acting_role(name, statuses)
        client = client_as(request, role, enforce_csrf_checks=True)
        url = build(scene)  # some rows build their part of the scene on first use
        before = row_counts()
        # Plausible form data: a reason, a note, a name; without the token none of it may land.
        response = client.post(url, {"reason": "x", "text": "x", "name": "x", "username": "x"})
        tried += 1
        # 403 (CSRF refused), or 401 where the URL admits nobody by session to write at all.
        if response.status_code not in (401, 403) or row_counts() != before:
            outcomes[name] = response.status_code
    assert outcomes == {}
    assert tried == len(MATRIX)


def test_demo_password_signs_nobody_in_when_debug_is_off(db, settings):
    person = UserFactory(email="demo-login@example.org")
    person.set_password(DEMO_PASSWORD)
    person.save()
    form = {"username": person.email, "password": DEMO_PASSWORD}

    settings.DEBUG = False
    response = Client().post(reverse("login"), form)
    assert response.status_code == 200 and "_auth_user_id" not in Client().session
    assert "Enter a correct email address and password" in response.content.decode()

    settings.DEBUG = True
    assert Client().post(reverse("login"), form).status_code == 302


def test_an_ordinary_password_still_works_when_debug_is_off(db, settings):
    settings.DEBUG = False
    person = UserFactory(email="real@example.org")
    assert Client().post(reverse("login"), {"username": person.email, "password": TEST_PASSWORD}).status_code == 302


def test_sign_in_locks_out_after_repeated_failures(db, settings):
    person = UserFactory(email="target@example.org")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": person.email, "password": "wrong-guess-123456"})
    # Even the right password is refused now, with the lockout page rather than the form.
    response = client.post(reverse("login"), {"username": person.email, "password": TEST_PASSWORD})
    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("key", [django_settings.DEVELOPMENT_SECRET_KEY, "django-insecure-abc123"])
def test_production_refuses_a_development_secret_key(key):
    result = _manage("check", DJANGO_SECRET_KEY=key)
    assert result.returncode != 0
    assert "development key" in result.stderr


def test_production_settings_secure_cookies_hsts_and_frames():
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k) for k in "
        "['SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', "
        "'SESSION_COOKIE_HTTPONLY', 'X_FRAME_OPTIONS', 'DEBUG']}))"
    )
    result = _manage("shell", "-c", code, DJANGO_SECRET_KEY="a-long-random-production-key-" + "x" * 40)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SESSION_COOKIE_HTTPONLY": True,
        "X_FRAME_OPTIONS": "DENY",
        "DEBUG": False,
    }


def test_dependencies_are_pinned():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    loose = [d for d in declared if not re.fullmatch(r"[A-Za-z0-9_.\-]+(\[[a-z0-9,\-]+\])?==[0-9][0-9A-Za-z.]*", d)]
    assert loose == []

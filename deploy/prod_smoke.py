"""`make prod-smoke`: the production shape on this machine, without containers.

gunicorn with two workers and the mail worker, against PostgreSQL (a database of its own) and Redis,
with production settings (DEBUG off, JSON logs, the outbox, manifest static files). It signs in as a
coordinator (enrolling an authenticator app, as production asks coordinators for two-step sign-in),
starts a review's self-assessment, waits for the contact's email to reach a local SMTP sink through
the outbox and the worker, and checks /health/. Plain HTTP (DJANGO_SECURE=0): TLS is the
proxy's job and there is none here. Exit status 0 means every step passed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.cookiejar
import json
import os
import re
import secrets
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
BASE_DB = os.environ.get("SMOKE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/peerreview_smoke")
REDIS = os.environ.get("SMOKE_REDIS_URL", "redis://127.0.0.1:6379/9")
PASSWORD = "smoke-only-Passphrase-" + secrets.token_hex(4)

SETUP = """
from organisations.models import Membership, Organisation
from organisations.workflow import create_person, grant_membership, register_organisation
from peerreview import workflow as reviews
from tests import scenes
admin = None
hub = register_organisation(
    by=admin, name="Smoke hub", kind="specialist_support", legal_form="unincorporated"
)
org = register_organisation(by=admin, name="Smoke CVS", kind="cvs", legal_form="unincorporated")
def person(email, role, where):
    p = create_person(by=admin, email=email, full_name=email.split("@")[0].title(), password=PASSWORD)
    grant_membership(p, where, role, by=admin)
    return p
steward = person("steward@smoke.example", "steward", hub)
participant = person("participant@smoke.example", "participant", hub)
coordinator = person("coordinator@smoke.example", "coordinator", hub)
person("contact@smoke.example", "contact", org)
version = scenes.published_version(steward=steward, owner=hub, commenter=participant)
review = reviews.create_review(org, version, by=coordinator, scope="Smoke test.")
print("REVIEW", review.pk)
"""


class Sink:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def totp(secret: str, *, at: float | None = None) -> str:
    """The code an authenticator app shows for a base32 key (RFC 6238: SHA-1, 30 s, 6 digits)."""
    key = base64.b32decode(secret.replace(" ", "").upper())
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def step(text: str) -> None:
    print(f"[prod-smoke {time.strftime('%H:%M:%S')}] {text}", flush=True)


def fresh_database() -> None:
    import psycopg

    url = urllib.parse.urlparse(BASE_DB)
    name = url.path.lstrip("/")
    admin_url = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def redis_ping() -> None:
    url = urllib.parse.urlparse(REDIS)
    with socket.create_connection((url.hostname, url.port or 6379), timeout=3) as conn:
        conn.sendall(b"PING\r\n")
        assert conn.recv(16).startswith(b"+PONG"), "Redis did not answer PING"


def manage(env: dict, *args: str, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, **kwargs)
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def main() -> None:
    started = time.monotonic()
    sink = Sink()
    smtp_port, web_port = free_port(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port, server_hostname="localhost")
    controller.start()
    base = f"http://127.0.0.1:{web_port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")} | {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": BASE_DB,
        "REDIS_URL": REDIS,
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DJANGO_EMAIL_HOST": "127.0.0.1",
        "DJANGO_EMAIL_PORT": str(smtp_port),
        "SITE_URL": base,
        "GUNICORN_BIND": f"127.0.0.1:{web_port}",
        "GUNICORN_WORKERS": "2",
        "PASSWORD": PASSWORD,
    }
    processes: list[subprocess.Popen] = []
    try:
        step("PostgreSQL: a fresh database; Redis: ping")
        fresh_database()
        redis_ping()
        step("release steps: migrate")
        manage(env, "migrate", "--no-input")
        step("release steps: collectstatic")
        manage(env, "collectstatic", "--no-input", "-v", "0")
        step("a hub, a coordinator, an organisation with a contact, a review in scoping")
        out = manage(env, "shell", "-c", f"PASSWORD = {PASSWORD!r}\n{SETUP}").stdout
        review = int(re.search(r"REVIEW (\d+)", out).group(1))

        step("gunicorn (2 workers) and the worker")
        processes.append(
            subprocess.Popen([PY, "-m", "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi"], cwd=ROOT, env=env)
        )
        processes.append(subprocess.Popen([PY, "manage.py", "run_worker", "--sleep", "1"], cwd=ROOT, env=env))
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        for _ in range(60):
            try:
                opener.open(f"{base}/accounts/login/", timeout=5)
                break
            except OSError:
                time.sleep(1)
        else:
            sys.exit("gunicorn did not answer within a minute")

        def get(path: str) -> tuple[str, str]:
            response = opener.open(f"{base}{path}", timeout=30)
            return urllib.parse.urlparse(response.geturl()).path, response.read().decode()

        def post(path: str, data: dict, *, form_page: str | None = None) -> tuple[str, str]:
            """Submit like a browser: the CSRF token (and `data`) from the form on `form_page`."""
            _, page = get(form_page or path)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **data(page)}).encode()
            referer = f"{base}{form_page or path}"
            response = opener.open(
                urllib.request.Request(f"{base}{path}", data=body, headers={"Referer": referer}), timeout=30
            )
            return urllib.parse.urlparse(response.geturl()).path, response.read().decode()

        step("sign in as the coordinator")
        login = {"username": "coordinator@smoke.example", "password": PASSWORD}
        landed, _ = post("/accounts/login/", lambda page: login)
        # Production asks a coordinator for a second factor: enrol an authenticator as a person would.
        assert landed == "/accounts/two-factor/setup/", f"sign-in landed on {landed}, not the two-step set-up"
        step("two-step sign-in: enrol an authenticator app")

        def enrolment(page: str) -> dict:
            secret = re.search(r'<code id="two-factor-key">([^<]+)</code>', page).group(1)
            key = re.search(r'name="key" value="([^"]+)"', page).group(1)
            return {"key": key, "code": totp(secret)}

        landed, page = post("/accounts/two-factor/setup/", enrolment)
        assert 'id="recovery-codes"' in page, "two-step enrolment failed"

        step("start the self-assessment")
        review_path = f"/reviews/{review}/"
        landed, _ = get(review_path)
        assert landed == review_path, f"the review page sent the verified coordinator to {landed}"
        landed, page = post(f"/reviews/{review}/move/start_self_assessment/", lambda page: {}, form_page=review_path)
        assert landed == review_path, f"the move landed on {landed}"
        assert "Done: the review is now at" in page, "the move was not made"

        step("wait for the contact's email at the SMTP sink")
        for _ in range(60):
            if any("contact@smoke.example" in e.rcpt_tos for e in sink.messages):
                break
            time.sleep(1)
        else:
            sys.exit(f"no email reached the sink (got {len(sink.messages)})")
        assert b"Your self-assessment is open" in sink.messages[-1].content

        step("/health/")
        health = json.loads(opener.open(f"{base}/health/?format=json", timeout=30).read())
        assert all(v == "OK" for v in health.values()), health
        step(f"passed in {time.monotonic() - started:.0f} s: {len(sink.messages)} email(s), health {health}")
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        controller.stop()


if __name__ == "__main__":
    main()

"""Issue #16, item 5: limits hold across several gunicorn workers sharing Redis.

gunicorn starts with three single-threaded workers on a free port, against a copy of the test
database and Redis as the cache. Requests on separate connections, sent together so that every
worker takes some (the access log names the worker), show that wrong passwords spread over the
workers still lock the account at the limit, and that the API throttle allows its rate once, not
once per worker.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from api import tokens
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
REDIS = "redis://127.0.0.1:6379/13"
WORKERS = 3
THROTTLE = 4  # requests a minute for the API


def _redis_running() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS, socket_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure means: no Redis here
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url(tmp_path: Path) -> str:
    """The database the workers use: a file copy of the SQLite test database (it lives in memory),
    or the PostgreSQL test database itself (this test commits its rows: transactional_db)."""
    if connection.vendor == "sqlite":
        copy = tmp_path / "workers.sqlite3"
        connection.ensure_connection()
        target = __import__("sqlite3").connect(copy)
        connection.connection.backup(target)
        target.close()
        return f"sqlite:///{copy}"
    db = settings.DATABASES["default"]
    user = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def workers(transactional_db, tmp_path, contact):
    """gunicorn serving the test database with Redis; yields (base URL, the access log's path)."""
    _, secret = tokens.create_token(contact, name="across workers")
    port, log = _free_port(), tmp_path / "access.log"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(tmp_path),
        "REDIS_URL": REDIS,
        "CACHE_KEY_PREFIX": f"workers-test-{uuid.uuid4().hex}",  # apart from any other run
        "API_THROTTLE_RATE": f"{THROTTLE}/minute",
        "AXES_FAILURE_LIMIT": "5",
        "DJANGO_TWO_FACTOR": "0",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(WORKERS),
        "GUNICORN_THREADS": "1",  # one request at a time each: requests sent together spread out
    }
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi"]
    command += ["--access-logfile", str(log), "--access-logformat", "%(p)s %(s)s %(U)s", "--error-logfile", "-"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        import requests

        deadline = time.monotonic() + 20
        while True:
            try:
                if requests.get(f"{base}/accounts/login/", timeout=10).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or still loading
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start: {server.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)
        yield {"base": base, "log": log, "secret": secret, "email": contact.email}
    finally:
        server.terminate()
        server.wait(timeout=30)


def _together(calls: list) -> list:
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


def _workers_that_served(log: Path, path: str) -> set[str]:
    time.sleep(0.3)  # the access log is written after the response
    return {line.split()[0] for line in log.read_text().splitlines() if line.split()[2:3] == [path]}


@pytest.mark.skipif(not _redis_running(), reason="Redis is not running on 127.0.0.1:6379")
def test_lockout_and_throttle_hold_across_workers(workers):
    import requests

    base = workers["base"]
    # Sign-in: five wrong passwords, each on its own connection, spread over the workers.
    page = requests.get(f"{base}/accounts/login/", timeout=5)
    token = page.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]

    def sign_in(password: str):
        return lambda: requests.post(
            f"{base}/accounts/login/",
            data={"csrfmiddlewaretoken": token, "username": workers["email"], "password": password},
            cookies=page.cookies,
            headers={"Connection": "close"},
            allow_redirects=False,
            timeout=20,
        )

    wrong = _together([sign_in("not-the-password")] * 5)
    assert [r.status_code for r in wrong].count(302) == 0
    right = sign_in(TEST_PASSWORD)()
    assert right.status_code != 302 and "Too many sign-in attempts" in right.text
    assert len(_workers_that_served(workers["log"], "/accounts/login/")) >= 2

    # The API: the token's budget is THROTTLE a minute in all, not THROTTLE for each worker.
    def ask():
        return lambda: (
            requests.get(
                f"{base}/api/v1/boroughs/",
                headers={"Authorization": f"Bearer {workers['secret']}", "Connection": "close"},
                timeout=20,
            ).status_code
        )

    # All at once, spread over the workers: the count is one atomic counter in Redis. The budget is
    # counted per minute, so the burst is kept away from the turn of a minute.
    if 60 - time.time() % 60 < 5:
        time.sleep(6)
    codes = _together([ask()] * (THROTTLE * WORKERS))
    assert sorted(codes) == [200] * THROTTLE + [429] * (THROTTLE * WORKERS - THROTTLE)
    assert len(_workers_that_served(workers["log"], "/api/v1/boroughs/")) >= 2

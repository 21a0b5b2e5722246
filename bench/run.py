#!/usr/bin/env python
"""Page-latency and query-count benchmark for the main pages, at several data scales.

Run from the repository root (``make bench`` does it for you):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/peerreview_bench .venv/bin/python bench/run.py

For each scale the harness creates a throwaway database (``<name>_s<scale>`` on PostgreSQL, a
file under a temporary folder on SQLite), migrates it, loads ``seed_demo --scale N --seed 1``,
and then, in a fresh Python process, requests every main page in-process through the full
middleware stack with ``django.test.Client``. Each page gets 3 warm-up requests, one request
with the SQL captured (the query count), then ``--repeat`` timed requests. A "bare" view -- a
small template string rendered through the same middleware -- gives the floor each page is
compared with. Results go to bench/results.json and bench/RESULTS.md; the throwaway databases
are dropped at the end.

The exit status is non-zero only when something goes wrong (a page errors, a database cannot be
created...). Missed targets are reported in RESULTS.md, not by the exit status.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DB_URL = "postgres://postgres@127.0.0.1:5432/peerreview_bench"

ENV_DEFAULTS = {
    "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-any-real-deployment-0123456789",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECURE": "0",
    "DJANGO_STATIC_MANIFEST": "0",
    "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
}

# Targets (reported in RESULTS.md; missing them does not fail the run).
TARGET_MEDIAN_MS = 150.0  # at the largest scale
TARGET_RATIO = 4.0  # median / bare median
TARGET_PDF_MS = 1500.0
TARGET_PDF_RATIO = 1.3  # app / WeasyPrint alone on the same HTML
TARGET_INTEL_MS = 3000.0  # at the largest scale measured
TARGET_INTEL_MIB = 1024.0
WARMUP = 3

BARE = "bare"
# (key, label, login) -- the URL is resolved in the worker once the data exists.
PAGES = [
    # The main pages of issue #9 (home per role, peer review, lifeboat, intelligence).
    ("home", "Home / (coordinator)", "coordinator"),
    ("home_lead", "Home / (lead reviewer)", "lead"),
    ("home_reviewer", "Home / (peer reviewer)", "reviewer"),
    ("home_contact", "Home / (organisation contact)", "contact"),
    ("home_caseworker", "Home / (caseworker)", "caseworker"),
    ("home_panel", "Home / (lifeboat panel)", "panel"),
    ("home_funder", "Home / (funder)", "funder"),
    ("review_list", "Review list /reviews/", "coordinator"),
    ("review_list_page5", "Review list, page 5", "coordinator"),
    ("review_detail", "Review detail /reviews/<pk>/", "coordinator"),
    ("moderation", "Moderation /reviews/<pk>/moderation/", "coordinator"),
    ("case_list", "Case list /lifeboat/", "caseworker"),
    ("case_detail", "Case detail /lifeboat/cases/<pk>/", "caseworker"),
    ("closure_registers", "Closure registers /lifeboat/cases/<pk>/closure/", "caseworker"),
    ("intelligence", "Intelligence /intelligence/ (named)", "coordinator"),
    ("intelligence_funder", "Intelligence /intelligence/ (anonymised, funder)", "funder"),
    # Directory and audit pages (measured since the foundation).
    ("organisation_list", "Organisation list /organisations/", "coordinator"),
    ("organisation_detail", "Organisation detail /organisations/<pk>/", "coordinator"),
    ("organisation_detail_admin", "Organisation detail, as admin (with activity)", "admin"),
    ("borough_list", "Borough list /boroughs/", "coordinator"),
    ("borough_detail", "Borough detail /boroughs/<code>/", "coordinator"),
    ("person_list", "People list /people/", "coordinator"),
    ("person_detail", "Person detail /people/<pk>/", "coordinator"),
    ("conflict_list", "Conflicts /conflicts/", "coordinator"),
    ("audit_log", "Audit log /audit/", "admin"),
]
LABELS = {BARE: "Bare Django view (floor)", **{k: label for k, label, _ in PAGES}}


def _setdefault_env() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    for key, value in ENV_DEFAULTS.items():
        os.environ.setdefault(key, value)


# ---------------------------------------------------------------------------------------------
# Databases (parent process)
# ---------------------------------------------------------------------------------------------


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _pg_parts(url: str) -> tuple[dict[str, Any], str]:
    import environ

    cfg = environ.Env.db_url_config(url)
    if "postgres" not in cfg["ENGINE"] and "postgis" not in cfg["ENGINE"]:
        raise SystemExit(f"bench: unsupported database in DATABASE_URL: {cfg['ENGINE']}")
    return cfg, cfg["NAME"]


def _with_db_name(url: str, name: str) -> str:
    # Replace the path (the database name), keep any query string.
    head, sep, query = url.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{name}{sep}{query}"


def _pg_admin(cfg: dict[str, Any]) -> Any:
    import psycopg

    kwargs = {
        "dbname": "postgres",
        "user": cfg.get("USER") or None,
        "password": cfg.get("PASSWORD") or None,
        "host": cfg.get("HOST") or None,
        "port": cfg.get("PORT") or None,
    }
    return psycopg.connect(**{k: v for k, v in kwargs.items() if v not in (None, "")}, autocommit=True)


def _pg_recreate(cfg: dict[str, Any], name: str) -> None:
    from psycopg import sql

    with _pg_admin(cfg) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _pg_drop(cfg: dict[str, Any], name: str) -> None:
    from psycopg import sql

    with _pg_admin(cfg) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


# ---------------------------------------------------------------------------------------------
# Worker (one fresh process per scale): migrate, seed, measure
# ---------------------------------------------------------------------------------------------

_NUM = re.compile(r"\b\d+\b")
_STR = re.compile(r"'(?:[^']|'')*'")
_IN = re.compile(r"IN \((?:%s|\?|\d+|'[^']*')(?:, (?:%s|\?|\d+|'[^']*'))*\)")


def _shape(sql: str) -> str:
    """The query with its literals blanked, so that repeats of one query count as one shape."""
    sql = _STR.sub("'?'", sql)
    sql = _NUM.sub("?", sql)
    return _IN.sub("IN (...)", sql)


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    k = (len(ordered) - 1) * pct / 100.0
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _bench_urlconf() -> types.ModuleType:
    """A URLconf module: the project's URLs plus the bare view, mounted from this script."""
    from django.http import HttpRequest, HttpResponse
    from django.template import Context, Template
    from django.urls import path

    import config.urls

    template = Template("<!doctype html><title>bare</title><p>Hello {{ name }}, it is {{ today|date:'j F Y' }}.</p>")

    def bare_view(request: HttpRequest) -> HttpResponse:
        # Touches request.user, as every real page does (they are all @login_required), so the floor
        # includes the session and user loads every signed-in request pays for.
        return HttpResponse(template.render(Context({"name": request.user.get_username(), "today": dt.date.today()})))

    module = types.ModuleType("_bench_urls")
    module.urlpatterns = [path("__bench__/bare/", bare_view, name="bench-bare"), *config.urls.urlpatterns]
    sys.modules[module.__name__] = module
    return module


def _get(client: Any, url: str) -> Any:
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} returned {response.status_code} (expected 200)")
    return response


def _measure_all(targets: dict[str, tuple[Any, str]], repeat: int) -> dict[str, dict[str, Any]]:
    """Warm up and capture the SQL of every page, then time them in interleaved rounds.

    Round-robin (page A, B, C, ..., then again) rather than 30 of A then 30 of B: on a shared
    machine a burst of load from elsewhere then slows every page a little instead of one page a lot.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    results: dict[str, dict[str, Any]] = {}
    for key, (client, url) in targets.items():
        for _ in range(WARMUP):
            _get(client, url)
        # One request with the SQL captured (kept out of the timed loop: the debug cursor costs a little).
        with CaptureQueriesContext(connection) as captured:
            response = _get(client, url)
        sqls = [q["sql"] for q in captured.captured_queries]
        shapes = Counter(_shape(s) for s in sqls)
        results[key] = {
            "url": url,
            "queries": len(sqls),
            "bytes": len(response.content),
            "repeated_queries": [{"count": n, "sql": s} for s, n in shapes.most_common() if n > 1],
            "sql": sqls,
        }
    timings: dict[str, list[float]] = {key: [] for key in targets}
    gc.collect()
    for _ in range(repeat):
        for key, (client, url) in targets.items():
            start = time.perf_counter()
            _get(client, url)
            timings[key].append((time.perf_counter() - start) * 1000.0)
    for key, values in timings.items():
        results[key].update(
            median_ms=round(statistics.median(values), 3),
            p95_ms=round(_percentile(values, 95), 3),
            min_ms=round(min(values), 3),
        )
    return results


def _django(scale: int) -> None:
    _setdefault_env()
    sys.path.insert(0, str(REPO))
    import warnings

    # WhiteNoise warns that STATIC_ROOT has not been collected; the benchmark never fetches static files.
    warnings.filterwarnings("ignore", message="No directory at", module="whitenoise")
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()


def _seed(scale: int, *, lean: bool = False) -> dict[str, float]:
    from django.core.management import call_command

    t0 = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    t1 = time.perf_counter()
    call_command("seed_demo", scale=scale, seed=1, lean=lean, verbosity=0)
    t2 = time.perf_counter()
    _settle()
    print(f"bench[s{scale}]: migrate {t1 - t0:.1f}s, seed_demo {t2 - t1:.1f}s", file=sys.stderr, flush=True)
    return {"migrate": round(t1 - t0, 1), "seed_demo": round(t2 - t1, 1)}


def _settle() -> None:
    """Write the bulk load out of PostgreSQL's buffers before anything is timed, so that pages are
    measured in the steady state, not while the checkpointer flushes the seed (needs superuser;
    skipped without it)."""
    from django.db import DatabaseError, connection

    if connection.vendor != "postgresql":
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError as error:
        print(f"bench: no CHECKPOINT ({error}); timing right after the load", file=sys.stderr, flush=True)


def _database() -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection

    server_version = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server_version = cursor.fetchone()[0]
    elif connection.vendor == "sqlite":
        import sqlite3

        server_version = sqlite3.sqlite_version
    return {"vendor": connection.vendor, "version": server_version, "name": str(settings.DATABASES["default"]["NAME"])}


def _counts() -> dict[str, int]:
    from casework.models import Case
    from core.models import AuditEvent
    from peerreview.models import Finding, ModeratedRating, Review, ReviewerRating, SelfRating

    return {
        "reviews": Review.objects.count(),
        "ratings": SelfRating.objects.count() + ReviewerRating.objects.count() + ModeratedRating.objects.count(),
        "agreed_ratings": ModeratedRating.objects.count(),
        "findings": Finding.objects.count(),
        "cases": Case.objects.count(),
        "review_history_rows": Review.history.count(),
        "audit_events": AuditEvent.objects.count(),
    }


def worker(scale: int, repeat: int, out_file: Path, *, analytics_only: bool, throughput_seconds: int) -> None:
    _django(scale)
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    setup = _seed(scale, lean=analytics_only)
    if analytics_only:
        result = {
            "scale": scale,
            "lean": True,
            "database": _database(),
            "setup_seconds": setup,
            "data": _counts(),
        }
        connection.close()
        out_file.write_text(json.dumps(result, indent=2, default=str))
        return

    from casework.models import Case
    from demo.organisations import DEMO_DOMAIN
    from organisations.models import Borough, ConflictDeclaration, Membership, Organisation, User
    from peerreview.models import Review

    # Route requests through a URLconf that adds the bare view to the project's URLs.
    settings.ROOT_URLCONF = _bench_urlconf().__name__
    from django.urls import clear_url_caches, reverse

    clear_url_caches()

    logins = sorted({login for _k, _l, login in PAGES} | {"coordinator"})
    clients = {}
    for local in logins:
        client = Client()
        client.force_login(
            User.objects.get(email=f"{local}@{DEMO_DOMAIN}"), backend="organisations.backends.EmailBackend"
        )
        clients[local] = client

    # Detail pages: objects whose related rows grow with the scale, so that an N+1 shows up as
    # a growing query count. The same objects at every scale: the walked demo's (the newest rows;
    # the bulk history is dated in the past).
    contact_org = (
        Membership.objects.filter(person__email=f"contact@{DEMO_DOMAIN}", role=Membership.Role.CONTACT)
        .select_related("organisation")
        .get()
        .organisation
    )
    borough = Borough.objects.order_by("ons_code").first()
    person = User.objects.get(email=f"reviewer@{DEMO_DOMAIN}")
    review = Review.objects.filter(state="closed").order_by("-created_at").first()  # findings, replies, actions
    moderated = Review.objects.filter(state="quality_assurance").order_by("-created_at").first()
    case = Case.objects.filter(state="closing_review").order_by("-created_at").first()
    closing = Case.objects.filter(closure__state="winding_down").order_by("-created_at").first()
    urls = {
        BARE: reverse("bench-bare"),
        "home": reverse("home"),
        "home_lead": reverse("home"),
        "home_reviewer": reverse("home"),
        "home_contact": reverse("home"),
        "home_caseworker": reverse("home"),
        "home_panel": reverse("home"),
        "home_funder": reverse("home"),
        "review_list": reverse("peerreview:review-list"),
        "review_list_page5": reverse("peerreview:review-list") + "?page=5",
        "review_detail": reverse("peerreview:review-detail", args=[review.pk]),
        "moderation": reverse("peerreview:review-moderation", args=[moderated.pk]),
        "case_list": reverse("casework:case-list"),
        "case_detail": reverse("casework:case-detail", args=[case.pk]),
        "closure_registers": reverse("casework:closure", args=[closing.pk]),
        "intelligence": reverse("reports:intelligence"),
        "intelligence_funder": reverse("reports:intelligence"),
        "organisation_list": reverse("organisations:organisation-list"),
        "organisation_detail": reverse("organisations:organisation-detail", args=[contact_org.pk]),
        "organisation_detail_admin": reverse("organisations:organisation-detail", args=[contact_org.pk]),
        "borough_list": reverse("organisations:borough-list"),
        "borough_detail": reverse("organisations:borough-detail", args=[borough.ons_code]),
        "person_list": reverse("organisations:person-list"),
        "person_detail": reverse("organisations:person-detail", args=[person.pk]),
        "conflict_list": reverse("organisations:conflict-list"),
        "audit_log": reverse("audit-log"),
    }
    data = {
        "organisations": Organisation.objects.count(),
        "people": User.objects.count(),
        "memberships": Membership.objects.count(),
        "conflicts": ConflictDeclaration.objects.count(),
        **_counts(),
        "detail_organisation": contact_org.name,
        "detail_organisation_members": contact_org.memberships.current().count(),
        "detail_borough": f"{borough.name} ({borough.ons_code})",
        "detail_borough_organisations": borough.organisations.count(),
        "detail_person": person.email,
        "detail_review": str(review),
        "detail_case": str(case),
    }

    targets = {BARE: (clients["coordinator"], urls[BARE])}
    targets.update({key: (clients[login], urls[key]) for key, _label, login in PAGES})
    pages = _measure_all(targets, repeat)
    pages[BARE]["login"] = f"coordinator@{DEMO_DOMAIN}"
    for key, _label, login in PAGES:
        pages[key]["login"] = f"{login}@{DEMO_DOMAIN}"
    bare_median = pages[BARE]["median_ms"]
    for key, p in pages.items():
        p["ratio_to_bare"] = round(p["median_ms"] / bare_median, 2) if bare_median else None
        print(
            f"bench[s{scale}]: {key:<26} {p['median_ms']:8.2f} ms  {p['ratio_to_bare']:6.1f}x bare  "
            f"{p['queries']:3d} queries  {p['bytes'] // 1024:4d} KB",
            file=sys.stderr,
            flush=True,
        )

    pdf = _measure_pdf(review, repeat=max(5, min(repeat, 9)))
    throughput = None
    if throughput_seconds > 0:
        throughput = _measure_throughput(
            clients["coordinator"], {BARE: urls[BARE], "review_list": urls["review_list"]}, throughput_seconds
        )
    database = _database()
    connection.close()
    result = {
        "scale": scale,
        "database": database,
        "setup_seconds": setup,
        "data": data,
        "pages": pages,
        "pdf": pdf,
        "throughput": throughput,
    }
    out_file.write_text(json.dumps(result, indent=2, default=str))


# --- the assessment PDF ------------------------------------------------------------------------


def _measure_pdf(review: Any, repeat: int) -> dict[str, Any]:
    """The full assessment PDF as the app makes it (context from the snapshot, template, WeasyPrint
    in the limited child process), against WeasyPrint alone on the same finished HTML in-process."""
    from django.template.loader import render_to_string

    from reports import documents, pdf

    snapshot = review.snapshots.filter(kind="final").order_by("-version").first()
    template = "reports/pdf/assessment.html"

    def app() -> bytes:
        return pdf.render(template, documents.assessment_context(snapshot))

    html = render_to_string(template, documents.assessment_context(snapshot))

    def engine() -> bytes:
        return pdf.html_to_pdf(html)

    app(), engine()  # warm caches (fonts, stylesheet)
    times: dict[str, list[float]] = {"app": [], "engine": []}
    size = 0
    for _ in range(repeat):
        for key, fn in (("app", app), ("engine", engine)):
            start = time.perf_counter()
            out = fn()
            times[key].append((time.perf_counter() - start) * 1000.0)
            size = len(out)
    app_ms, engine_ms = statistics.median(times["app"]), statistics.median(times["engine"])
    result = {
        "review": str(review),
        "bytes": size,
        "runs": repeat,
        "app_median_ms": round(app_ms, 1),
        "app_p95_ms": round(_percentile(times["app"], 95), 1),
        "engine_median_ms": round(engine_ms, 1),
        "engine_p95_ms": round(_percentile(times["engine"], 95), 1),
        "ratio_to_engine": round(app_ms / engine_ms, 2),
    }
    print(f"bench: assessment PDF {result}", file=sys.stderr, flush=True)
    return result


# --- intelligence ------------------------------------------------------------------------------

HEADLINE_SQL = """
WITH latest AS (
    SELECT DISTINCT ON (organisation_id) id
    FROM peerreview_review
    WHERE published_at IS NOT NULL AND state NOT IN ('withdrawn', 'cancelled')
    ORDER BY organisation_id, published_at DESC
)
SELECT s.code, s.title, count(*) AS organisations,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY m.rating) AS median,
       percentile_cont(0.25) WITHIN GROUP (ORDER BY m.rating) AS lower_quartile,
       percentile_cont(0.75) WITHIN GROUP (ORDER BY m.rating) AS upper_quartile,
       count(*) FILTER (WHERE m.rating = 1) AS level_1,
       count(*) FILTER (WHERE m.rating = 2) AS level_2,
       count(*) FILTER (WHERE m.rating = 3) AS level_3,
       count(*) FILTER (WHERE m.rating = 4) AS level_4
FROM peerreview_moderatedrating m
JOIN latest ON latest.id = m.review_id
JOIN standards_standard s ON s.id = m.standard_id
GROUP BY s.code, s.title, s.position
ORDER BY s.position
"""


def _measure_intelligence(repeat: int) -> dict[str, Any]:
    """Every intelligence table as the page computes it (named figures: the larger work), its
    headline table (ratings by standard) alone, and one hand-written SQL aggregate giving the
    same headline table: median time, and peak memory of one full computation."""
    import resource
    import tracemalloc

    from django.db import connection

    from reports import analytics, disclosure

    filters = analytics.Filters()

    def full() -> dict[str, Any]:
        return {name: analytics.table(name, filters, reader=disclosure.EXACT).frame for name in analytics.TABLES}

    def headline() -> Any:
        return analytics.table("ratings", filters, reader=disclosure.EXACT).frame

    def sql() -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(HEADLINE_SQL)
            return cursor.fetchall()

    full(), headline()
    same = None
    if connection.vendor == "postgresql":
        rows = sql()
        df = headline()
        ours = [
            (
                r.code,
                r.standard,
                int(r.organisations),
                float(r.median),
                float(r.lower_quartile),
                float(r.upper_quartile),
            )
            + tuple(int(getattr(r, f"level_{n}")) for n in (1, 2, 3, 4))
            for r in df.itertuples()
        ]
        theirs = [(c, t, int(n), float(md), float(lq), float(uq), *map(int, lv)) for c, t, n, md, lq, uq, *lv in rows]
        same = sorted(ours) == sorted(theirs)
    times: dict[str, list[float]] = {"full": [], "headline": [], "sql": []}
    for _ in range(repeat):
        for key, fn in (("full", full), ("headline", headline), ("sql", sql)):
            if key == "sql" and connection.vendor != "postgresql":
                continue
            start = time.perf_counter()
            fn()
            times[key].append((time.perf_counter() - start) * 1000.0)
    gc.collect()
    tracemalloc.start()
    full()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    med = {k: round(statistics.median(v), 1) if v else None for k, v in times.items()}
    result = {
        "runs": repeat,
        "tables": list(analytics.TABLES),
        "full_median_ms": med["full"],
        "full_p95_ms": round(_percentile(times["full"], 95), 1),
        "headline_median_ms": med["headline"],
        "sql_median_ms": med["sql"],
        "full_ratio_to_sql": round(med["full"] / med["sql"], 1) if med["sql"] else None,
        "headline_ratio_to_sql": round(med["headline"] / med["sql"], 1) if med["sql"] else None,
        "sql_gives_the_same_table": same,
        "peak_python_allocations_mib": round(peak / 1024**2, 1),
        "process_max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(f"bench: intelligence {result}", file=sys.stderr, flush=True)
    return result


# --- throughput under concurrent load --------------------------------------------------------

THROUGHPUT_WORKERS = 3
THROUGHPUT_CONNECTIONS = 8


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wrk(url: str, cookie: str, seconds: int) -> dict[str, Any]:
    out = subprocess.run(  # noqa: S603 - a fixed local command line
        [
            shutil.which("wrk") or "wrk",
            "-t2",
            f"-c{THROUGHPUT_CONNECTIONS}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "--latency",
            "-H",
            f"Cookie: sessionid={cookie}",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {
        "requests_per_second": round(rps, 1),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "latency_p50_ms": round(float(p50.group(1)) * scale[p50.group(2)], 1) if p50 else None,
    }


def _measure_throughput(client: Any, urls: dict[str, str], seconds: int) -> dict[str, Any]:
    """Requests per second under `wrk` against gunicorn workers on the loopback, signed in."""
    if not shutil.which("wrk"):
        return {"skipped": "wrk is not installed (make bench installs it from Debian)"}
    import urllib.request

    port = _free_port()
    cookie = client.cookies["sessionid"].value
    env = {**os.environ, "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver"}
    server = subprocess.Popen(  # noqa: S603 - this repository's own app
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--chdir",
            str(REPO),
            "--workers",
            str(THROUGHPUT_WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "bench.wsgi:application",
        ],
        env=env,
        cwd=REPO,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(60):
            try:
                request = urllib.request.Request(  # noqa: S310 - loopback only
                    base + urls[BARE], headers={"Cookie": f"sessionid={cookie}"}
                )
                with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback only
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            return {"skipped": "gunicorn did not start"}
        result: dict[str, Any] = {
            "workers": THROUGHPUT_WORKERS,
            "connections": THROUGHPUT_CONNECTIONS,
            "seconds": seconds,
            "load_generator": "wrk (2 threads), on the same machine",
        }
        for key, path in urls.items():
            _wrk(base + path, cookie, 2)  # warm every worker
            result[key] = _wrk(base + path, cookie, seconds)
        bare = result[BARE]["requests_per_second"]
        result["review_list_ratio_to_bare"] = round(result["review_list"]["requests_per_second"] / bare, 2)
        print(f"bench: throughput {result}", file=sys.stderr, flush=True)
        return result
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


def _environment(vendor: str, version: str | None, repeat: int) -> dict[str, Any]:
    import django

    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "database_vendor": vendor,
        "database_version": version,
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "warmup_requests": WARMUP,
        "timed_requests": repeat,
    }


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def write_reports(
    out_dir: Path,
    runs: list[dict[str, Any]],
    environment: dict[str, Any],
    analytics_runs: list[dict[str, Any]] | None = None,
) -> list[str]:
    analytics_runs = analytics_runs or []
    scales = [r["scale"] for r in runs]
    by_scale = {r["scale"]: r for r in runs}
    lo, hi = min(scales), max(scales)
    keys = [BARE] + [k for k, _, _ in PAGES]

    # Queries flat between the smallest and largest scale?
    flat: dict[str, bool | None] = {}
    for key in keys:
        if lo == hi:
            flat[key] = None
        else:
            flat[key] = by_scale[lo]["pages"][key]["queries"] == by_scale[hi]["pages"][key]["queries"]

    missed: list[str] = []
    top = by_scale[hi]["pages"]
    for key in keys[1:]:
        page = top[key]
        if page["median_ms"] >= TARGET_MEDIAN_MS:
            missed.append(
                f"{LABELS[key]}: median {page['median_ms']:.1f} ms at scale {hi} (target < {TARGET_MEDIAN_MS:.0f} ms)"
            )
        if page["ratio_to_bare"] is not None and page["ratio_to_bare"] > TARGET_RATIO:
            missed.append(
                f"{LABELS[key]}: {page['ratio_to_bare']:.1f}× the bare view at scale {hi} "
                f"(target ≤ {TARGET_RATIO:.0f}×)"
            )
        if flat[key] is False:
            missed.append(
                f"{LABELS[key]}: queries grow with scale "
                f"({by_scale[lo]['pages'][key]['queries']} at scale {lo} → {page['queries']} at scale {hi})"
            )

    # The PDF, the intelligence computation and throughput.
    pdf = by_scale[hi].get("pdf")
    if pdf:
        if pdf["app_median_ms"] >= TARGET_PDF_MS:
            missed.append(f"Assessment PDF: median {pdf['app_median_ms']:.0f} ms (target < {TARGET_PDF_MS:.0f} ms)")
        if pdf["ratio_to_engine"] > TARGET_PDF_RATIO:
            missed.append(
                f"Assessment PDF: {pdf['ratio_to_engine']:.2f}× WeasyPrint alone (target ≤ {TARGET_PDF_RATIO}×)"
            )
    intelligence_runs = sorted([*runs, *analytics_runs], key=lambda r: r["scale"])
    top_intel = intelligence_runs[-1]
    intel = top_intel.get("intelligence")
    if intel:
        if intel["full_median_ms"] >= TARGET_INTEL_MS:
            missed.append(
                f"Intelligence at scale {top_intel['scale']}: median {intel['full_median_ms']:.0f} ms "
                f"(target < {TARGET_INTEL_MS:.0f} ms)"
            )
        if intel["process_max_rss_mib"] >= TARGET_INTEL_MIB:
            missed.append(
                f"Intelligence at scale {top_intel['scale']}: peak {intel['process_max_rss_mib']:.0f} MiB "
                f"(target < {TARGET_INTEL_MIB:.0f} MiB)"
            )
        if intel["sql_gives_the_same_table"] is False:
            missed.append("Intelligence: the hand-written SQL does not give the same headline table (check both)")

    # results.json: the figures, and the SQL of the captured request of each page.
    json_runs = {}
    for run in runs:
        json_runs[str(run["scale"])] = {
            "data": run["data"],
            "setup_seconds": run["setup_seconds"],
            "pages": {
                key: {
                    "url": p["url"],
                    "login": p["login"],
                    "median_ms": p["median_ms"],
                    "p95_ms": p["p95_ms"],
                    "min_ms": p["min_ms"],
                    "queries": p["queries"],
                    "ratio_to_bare": p["ratio_to_bare"],
                    "bytes": p["bytes"],
                    "queries_flat_between_scales": flat[key],
                    "repeated_queries": p["repeated_queries"],
                    "sql": p["sql"],
                }
                for key, p in run["pages"].items()
            },
        }
    payload = {
        "environment": environment,
        "targets": {
            "median_ms_below_at_largest_scale": TARGET_MEDIAN_MS,
            "max_ratio_to_bare": TARGET_RATIO,
            "queries_equal_between_scales": True,
        },
        "scales": json_runs,
        "pdf": {str(r["scale"]): r.get("pdf") for r in runs},
        "intelligence": {str(r["scale"]): r.get("intelligence") for r in intelligence_runs},
        "analytics_only_scales": {
            str(r["scale"]): {"data": r["data"], "setup_seconds": r["setup_seconds"]} for r in analytics_runs
        },
        "throughput": by_scale[hi].get("throughput"),
        "missed_targets": missed,
    }
    (out_dir / "results.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")

    # RESULTS.md
    lines = [
        "# Page benchmark",
        "",
        "Generated by `bench/run.py` (`make bench`). Each page is requested in-process through the full",
        "middleware stack with `django.test.Client`, signed in as a demo person: "
        "`admin@demo.example` for the audit log (and the admin view of an organisation), "
        "`coordinator@demo.example` for the rest.",
        f"Per page: {WARMUP} warm-up requests, one request with the SQL captured (the query count), then "
        f"{environment['timed_requests']} timed requests, taken in interleaved rounds (every page once per round). "
        "KB is the size of the HTML.",
        "",
        "**Figures are medians on a shared, noisy "
        f"{environment['cpu_count']}-core machine**: read them as orders of magnitude and compare pages "
        "with each other and with the bare view, not with other runs. Query counts are exact.",
        "",
        f"Environment: Python {environment['python']}, Django {environment['django']}, "
        f"{environment['database_vendor']} {environment['database_version'] or ''}, "
        f"{environment['cpu_count']} CPUs, {environment['date']}.",
        "",
        "## Targets",
        "",
        f"- every page under {TARGET_MEDIAN_MS:.0f} ms median at scale {hi};",
        f"- every page within {TARGET_RATIO:.0f}× the bare view (a small template string rendered through the "
        "same middleware, signed in, touching `request.user`);",
        f"- query counts equal between scales {lo} and {hi} (a count that grows is an N+1).",
        "",
    ]
    if missed:
        lines += ["**Missed targets:**", ""] + [f"- {m}" for m in missed] + [""]
    else:
        lines += ["All targets met.", ""]

    for run in runs:
        s = run["scale"]
        d = run["data"]
        lines += [
            f"## Scale {s}",
            "",
            f"{d['organisations']} organisations, {d['people']} people, {d['memberships']} roles, "
            f"{d['conflicts']} conflict declarations, {d['audit_events']} audit events. "
            f"Organisation detail: {d['detail_organisation']} ({d['detail_organisation_members']} current roles); "
            f"borough detail: {d['detail_borough']} ({d['detail_borough_organisations']} organisations); "
            f"person detail: {d['detail_person']}. "
            f"Set-up: migrate {run['setup_seconds']['migrate']} s, seed_demo {run['setup_seconds']['seed_demo']} s.",
            "",
            f"| Page | URL | Median ms | p95 ms | Queries | × bare | KB | Queries flat {lo}→{hi} |",
            "|---|---|---:|---:|---:|---:|---:|---|",
        ]
        for key in keys:
            p = run["pages"][key]
            if flat[key] is None:
                flat_cell = "—"
            elif flat[key]:
                flat_cell = "yes"
            else:
                flat_cell = (
                    f"**NO** ({by_scale[lo]['pages'][key]['queries']} → {by_scale[hi]['pages'][key]['queries']})"
                )
            lines.append(
                f"| {LABELS[key]} | `{p['url']}` | {_fmt(p['median_ms'])} | {_fmt(p['p95_ms'])} | {p['queries']} | "
                f"{_fmt(p['ratio_to_bare'])} | {p['bytes'] / 1024:.0f} | {flat_cell} |"
            )
        lines.append("")

    lines += [
        "## Assessment PDF",
        "",
        "The full assessment PDF as the app makes it (context from the frozen snapshot, template, WeasyPrint in "
        "the time- and memory-limited child process) against WeasyPrint alone on the same finished HTML in "
        "this process: the engine's floor. The download view also caches each file by the snapshot's "
        "fingerprint, so only a snapshot's first download pays this.",
        "",
        "| Scale | Review | App median ms | App p95 ms | WeasyPrint alone median ms | × engine | KB |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        p = run.get("pdf")
        if p:
            lines.append(
                f"| {run['scale']} | {p['review']} | {p['app_median_ms']:.0f} | {p['app_p95_ms']:.0f} | "
                f"{p['engine_median_ms']:.0f} | {p['ratio_to_engine']:.2f} | {p['bytes'] / 1024:.0f} |"
            )
    lines += [
        "",
        "## Intelligence",
        "",
        "Every table of `/intelligence/` computed as the page does (`reports.analytics.table`, named figures), "
        "the headline table (ratings by standard) alone, and one hand-written PostgreSQL aggregate "
        "(`HEADLINE_SQL` in bench/run.py: latest published review per organisation, `percentile_cont` "
        "medians and quartiles, counts per level) that gives the same headline table. Measured in a fresh "
        "process on the seeded database; peak memory is that process's maximum resident set (Django and "
        "all) and, separately, the peak of Python allocations during one full computation.",
        "",
        "| Scale | Reviews | All tables median ms | p95 ms | Headline median ms | SQL median ms | "
        "All ÷ SQL | Headline ÷ SQL | Same table | Peak RSS MiB | Peak allocations MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for run in intelligence_runs:
        i = run.get("intelligence")
        if i:
            lean = " (lean)" if run.get("lean") else ""
            lines.append(
                f"| {run['scale']}{lean} | {run['data']['reviews']} | {i['full_median_ms']:.0f} | "
                f"{i['full_p95_ms']:.0f} | {i['headline_median_ms']:.0f} | {_fmt(i['sql_median_ms'])} | "
                f"{_fmt(i['full_ratio_to_sql'])} | {_fmt(i['headline_ratio_to_sql'])} | "
                f"{ {True: 'yes', False: '**no**', None: '—'}[i['sql_gives_the_same_table']] } | "
                f"{i['process_max_rss_mib']:.0f} | {i['peak_python_allocations_mib']:.0f} |"
            )
    if analytics_runs:
        lines += [
            "",
            "Lean: `seed_demo --lean` leaves the per-indicator self-ratings and each reviewer's own ratings out of "
            "the bulk history (no intelligence table reads them); everything else is as at the page scales. "
            + "; ".join(
                f"scale {r['scale']}: {r['data']['reviews']} reviews, {r['data']['agreed_ratings']} agreed ratings, "
                f"{r['data']['audit_events']} audit events, seeded in {r['setup_seconds']['seed_demo']} s"
                for r in analytics_runs
            )
            + ".",
        ]
    tp = by_scale[hi].get("throughput")
    lines += ["", f"## Throughput at scale {hi}", ""]
    if not tp:
        lines += ["Not measured (`--throughput-seconds 0`).", ""]
    elif "skipped" in tp:
        lines += [f"Not measured: {tp['skipped']}.", ""]
    else:
        lines += [
            f"gunicorn with {tp['workers']} sync workers on the loopback, `wrk` with {tp['connections']} connections "
            f"for {tp['seconds']} s per URL (after a 2 s warm-up), signed in as the coordinator. The load generator "
            "runs on the same 2 cores, so read the ratio, not the absolute figures.",
            "",
            "| URL | Requests/s | p50 latency ms | Non-2xx |",
            "|---|---:|---:|---:|",
            f"| Bare view | {tp[BARE]['requests_per_second']:.0f} | {_fmt(tp[BARE]['latency_p50_ms'])} | "
            f"{tp[BARE]['non_2xx']} |",
            f"| Review list | {tp['review_list']['requests_per_second']:.0f} | "
            f"{_fmt(tp['review_list']['latency_p50_ms'])} | {tp['review_list']['non_2xx']} |",
            "",
            f"Review list throughput is {tp['review_list_ratio_to_bare']:.2f}× the bare view's.",
            "",
        ]

    growing = [k for k in keys if flat[k] is False]
    if growing:
        lines += [f"## Queries that repeat at scale {hi} on pages whose count grows", ""]
        for key in growing:
            lines += [f"### {LABELS[key]}", ""]
            for rq in top[key]["repeated_queries"]:
                lines += [f"{rq['count']}×", "", "```sql", rq["sql"], "```", ""]
    (out_dir / "RESULTS.md").write_text("\n".join(lines).rstrip() + "\n")
    return missed


# ---------------------------------------------------------------------------------------------
# Main (parent process)
# ---------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1,10", help="Comma-separated seed_demo scales (default 1,10).")
    parser.add_argument("--repeat", type=int, default=30, help="Timed requests per page (default 30).")
    parser.add_argument("--out", default="bench/", help="Folder for results.json and RESULTS.md (default bench/).")
    parser.add_argument("--keep-databases", action="store_true", help="Do not drop the throwaway databases.")
    parser.add_argument(
        "--analytics-scales",
        default="",
        help="Extra scales (e.g. 100) seeded lean and measured for the intelligence computation only.",
    )
    parser.add_argument(
        "--throughput-seconds",
        type=int,
        default=10,
        help="Seconds of wrk load per URL at the largest page scale (0 skips it; default 10).",
    )
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--analytics-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--intelligence-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--worker-out", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker is not None and args.intelligence_only:
        # A fresh process on an already seeded database, so that its peak memory is the computation's.
        _django(args.worker)
        Path(args.worker_out).write_text(json.dumps(_measure_intelligence(repeat=5), default=str))
        return 0
    if args.worker is not None:
        worker(
            args.worker,
            args.repeat,
            Path(args.worker_out),
            analytics_only=args.analytics_only,
            throughput_seconds=args.throughput_seconds,
        )
        return 0

    _setdefault_env()
    os.chdir(REPO)
    sys.path.insert(0, str(REPO))
    try:
        scales = sorted({int(s) for s in args.scales.split(",") if s.strip()})
        analytics_scales = sorted({int(s) for s in args.analytics_scales.split(",") if s.strip()} - set(scales))
    except ValueError:
        parser.error("--scales takes comma-separated whole numbers, e.g. 1,10")
    if not scales or min(scales) < 1 or args.repeat < 1:
        parser.error("--scales must be positive and --repeat at least 1")
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)

    base_url = os.environ.get("DATABASE_URL") or DEFAULT_DB_URL
    tmp = Path(tempfile.mkdtemp(prefix="peerreview-bench-"))
    created: list[str] = []
    pg_cfg: dict[str, Any] | None = None
    runs: list[dict[str, Any]] = []
    analytics_runs: list[dict[str, Any]] = []
    started = time.perf_counter()
    try:
        for scale in [*scales, *analytics_scales]:
            analytics_only = scale in analytics_scales
            if _is_sqlite(base_url):
                url = f"sqlite:///{tmp / f'bench_s{scale}.sqlite3'}"
            else:
                pg_cfg, base_name = _pg_parts(base_url)
                name = f"{base_name}_s{scale}"
                _pg_recreate(pg_cfg, name)
                created.append(name)
                url = _with_db_name(base_url, name)
            print(f"bench: scale {scale} on {url}", file=sys.stderr, flush=True)
            out_file = tmp / f"s{scale}.json"
            env = {**os.environ, "DATABASE_URL": url}
            cmd = [
                sys.executable,
                str(Path(__file__).resolve()),
                "--worker",
                str(scale),
                "--repeat",
                str(args.repeat),
                "--worker-out",
                str(out_file),
                "--throughput-seconds",
                str(args.throughput_seconds if scale == max(scales) else 0),
            ] + (["--analytics-only"] if analytics_only else [])
            proc = subprocess.run(cmd, env=env, cwd=REPO, check=False)  # noqa: S603 - this script, re-run
            if proc.returncode != 0:
                print(f"bench: scale {scale} failed (exit {proc.returncode})", file=sys.stderr)
                return 1
            run = json.loads(out_file.read_text())
            proc = subprocess.run(  # noqa: S603 - this script, re-run
                [sys.executable, str(Path(__file__).resolve()), "--worker", str(scale), "--intelligence-only"]
                + ["--worker-out", str(tmp / f"i{scale}.json")],
                env=env,
                cwd=REPO,
                check=False,
            )
            if proc.returncode != 0:
                print(f"bench: intelligence at scale {scale} failed (exit {proc.returncode})", file=sys.stderr)
                return 1
            run["intelligence"] = json.loads((tmp / f"i{scale}.json").read_text())
            (analytics_runs if analytics_only else runs).append(run)

        vendor = runs[0]["database"]["vendor"]
        environment = _environment(vendor, runs[0]["database"]["version"], args.repeat)
        missed = write_reports(out_dir, runs, environment, analytics_runs)

        # Show the SQL of growing pages at the largest scale, for whoever fixes the N+1.
        hi = runs[-1]
        lo = runs[0]
        for key in [BARE] + [k for k, _, _ in PAGES]:
            if len(runs) > 1 and lo["pages"][key]["queries"] != hi["pages"][key]["queries"]:
                print(
                    f"\nbench: {LABELS[key]}: {lo['pages'][key]['queries']} queries at scale {lo['scale']}, "
                    f"{hi['pages'][key]['queries']} at scale {hi['scale']}. SQL at scale {hi['scale']}:"
                )
                for i, sql in enumerate(hi["pages"][key]["sql"], 1):
                    print(f"  {i:3d}. {sql}")
        print(
            f"\nbench: wrote {out_dir / 'results.json'} and {out_dir / 'RESULTS.md'} "
            f"in {time.perf_counter() - started:.0f} s; {len(missed)} missed target(s)."
        )
        for m in missed:
            print(f"  - {m}")
        return 0
    finally:
        if pg_cfg is not None and not args.keep_databases:
            for name in created:
                try:
                    _pg_drop(pg_cfg, name)
                except Exception as error:  # noqa: BLE001 - report, keep dropping the others
                    print(f"bench: could not drop {name}: {error}", file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

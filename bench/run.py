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
WARMUP = 3

BARE = "bare"
# (key, label, login) -- the URL is resolved in the worker once the data exists.
PAGES = [
    ("home", "Home /", "coordinator"),
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


def worker(scale: int, repeat: int, out_file: Path) -> None:
    _setdefault_env()
    sys.path.insert(0, str(REPO))
    import warnings

    # WhiteNoise warns that STATIC_ROOT has not been collected; the benchmark never fetches static files.
    warnings.filterwarnings("ignore", message="No directory at", module="whitenoise")
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    t0 = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    t1 = time.perf_counter()
    call_command("seed_demo", scale=scale, seed=1, verbosity=0)
    t2 = time.perf_counter()
    print(f"bench[s{scale}]: migrate {t1 - t0:.1f}s, seed_demo {t2 - t1:.1f}s", file=sys.stderr, flush=True)

    from organisations.demo import DEMO_DOMAIN
    from organisations.models import Borough, ConflictDeclaration, Membership, Organisation, User

    # Route requests through a URLconf that adds the bare view to the project's URLs.
    settings.ROOT_URLCONF = _bench_urlconf().__name__
    from django.urls import clear_url_caches, reverse

    clear_url_caches()

    users = {local: User.objects.get(email=f"{local}@{DEMO_DOMAIN}") for local in ("coordinator", "admin")}
    clients = {}
    for local, user in users.items():
        client = Client()
        client.force_login(user, backend="organisations.backends.EmailBackend")
        clients[local] = client

    # Detail pages: objects whose related rows grow with the scale, so that an N+1 shows up as
    # a growing query count. The same objects at every scale (the seed is deterministic).
    contact_org = (
        Membership.objects.filter(person__email=f"contact@{DEMO_DOMAIN}", role=Membership.Role.CONTACT)
        .select_related("organisation")
        .get()
        .organisation
    )
    borough = Borough.objects.order_by("ons_code").first()
    person = User.objects.get(email=f"reviewer@{DEMO_DOMAIN}")
    urls = {
        BARE: reverse("bench-bare"),
        "home": reverse("home"),
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
    from core.models import AuditEvent

    data = {
        "organisations": Organisation.objects.count(),
        "people": User.objects.count(),
        "memberships": Membership.objects.count(),
        "conflicts": ConflictDeclaration.objects.count(),
        "audit_events": AuditEvent.objects.count(),
        "detail_organisation": contact_org.name,
        "detail_organisation_members": contact_org.memberships.current().count(),
        "detail_borough": f"{borough.name} ({borough.ons_code})",
        "detail_borough_organisations": borough.organisations.count(),
        "detail_person": person.email,
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

    server_version = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server_version = cursor.fetchone()[0]
    elif connection.vendor == "sqlite":
        import sqlite3

        server_version = sqlite3.sqlite_version
    connection.close()

    result = {
        "scale": scale,
        "database": {
            "vendor": connection.vendor,
            "version": server_version,
            "name": str(settings.DATABASES["default"]["NAME"]),
        },
        "setup_seconds": {"migrate": round(t1 - t0, 1), "seed_demo": round(t2 - t1, 1)},
        "data": data,
        "pages": pages,
    }
    out_file.write_text(json.dumps(result, indent=2))


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


def write_reports(out_dir: Path, runs: list[dict[str, Any]], environment: dict[str, Any]) -> list[str]:
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
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--worker-out", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker is not None:
        worker(args.worker, args.repeat, Path(args.worker_out))
        return 0

    _setdefault_env()
    os.chdir(REPO)
    sys.path.insert(0, str(REPO))
    try:
        scales = sorted({int(s) for s in args.scales.split(",") if s.strip()})
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
    started = time.perf_counter()
    try:
        for scale in scales:
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
            ]
            proc = subprocess.run(cmd, env=env, cwd=REPO, check=False)  # noqa: S603 - this script, re-run
            if proc.returncode != 0:
                print(f"bench: scale {scale} failed (exit {proc.returncode})", file=sys.stderr)
                return 1
            runs.append(json.loads(out_file.read_text()))

        vendor = runs[0]["database"]["vendor"]
        environment = _environment(vendor, runs[0]["database"]["version"], args.repeat)
        missed = write_reports(out_dir, runs, environment)

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

"""Pages that read across apps: the "your work" home page and the system audit log."""

from __future__ import annotations

import html
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from casework import queries as case_queries
from casework.models import Case, Task
from core import audit
from core.models import AuditEvent
from core.shortcuts import get_object_for_user
from core.types import AuthenticatedHttpRequest
from organisations import queries as org_queries
from organisations.models import Borough, Membership, Organisation
from peerreview import queries as review_queries
from peerreview.models import ReportSnapshot, Review
from reports import charts, documents, pdf
from standards import queries as standards_queries

Role = Membership.Role

# What each role will find on its home page, in plain words, until the feature exists.
ROLE_WORK = {
    Role.COORDINATOR: ("Reviews you coordinate", "Reviews to set up, panels to build, moderation and publication."),
    Role.LEAD_REVIEWER: ("Reviews you lead", "Panels you lead, visits to plan, findings to agree."),
    Role.REVIEWER: ("Your review invitations and scoring", "Invitations to accept or decline and ratings to submit."),
    Role.CONTACT: (
        "Your organisation's reviews",
        "Self-assessments to complete, findings to answer, actions to update.",
    ),
    Role.STEWARD: ("Standards you steward", "Draft frameworks, consultations and comments awaiting a response."),
    Role.PARTICIPANT: ("Consultations open for comment", "Draft standards you can comment on."),
    Role.CASEWORKER: ("Your lifeboat cases", "Referrals to screen, triage to complete, tasks due."),
    Role.PANEL_MEMBER: ("Decisions for the lifeboat panel", "Pathways, grants and closures awaiting approval."),
    Role.FUNDER_READER: ("Assessments and intelligence", "Published assessments of organisations you fund."),
    Role.ADMINISTRATOR: ("Administration", "People, organisations, roles and the audit trail."),
}


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    sections = [
        {"role": role, "title": title, "empty": empty}
        for role, (title, empty) in ROLE_WORK.items()
        if role in user.roles or (role == Role.ADMINISTRATOR and user.is_superuser)
    ]
    conflicts = org_queries.conflicts_visible_to(user).filter(person=user).current()
    work = {
        Role.REVIEWER: list(review_queries.assignments_for(user)),
        Role.CONTACT: [
            (r, review_queries.overdue(r))
            for r in review_queries.reviews_visible_to(user)
            .filter(organisation__in=user.organisations_with_role(Role.CONTACT))
            .exclude(state__in=[Review.State.CLOSED, *Review.STOPPED])
        ],
        Role.COORDINATOR: review_queries.pipeline() if user.has_role(Role.COORDINATOR) else [],
        Role.STEWARD: standards_queries.stewards_work(user) if user.has_role(Role.STEWARD) else [],
        Role.PARTICIPANT: standards_queries.consultations_open_to(user) if user.has_role(Role.PARTICIPANT) else [],
        Role.CASEWORKER: list(
            case_queries.cases_visible_to(user).filter(case_queries.on_team(user)).filter(state__in=Case.OPEN)[:30]
        )
        if user.has_role(Role.CASEWORKER)
        else [],
        # The panel's work is its approvals inbox (_lifeboat_work: "decisions").
        Role.FUNDER_READER: list(
            review_queries.reviews_visible_to(user)
            .filter(published_at__isnull=False)
            .exclude(state__in=Review.STOPPED)
            .order_by("-published_at")[:20]
        )
        if user.has_role(Role.FUNDER_READER)
        else [],
    }
    work[Role.LEAD_REVIEWER] = work[Role.REVIEWER]
    for section in sections:
        section["items"] = work.get(section["role"], [])
        partial_role = Role.REVIEWER if section["role"] == Role.LEAD_REVIEWER else section["role"]
        section["partial"] = f"reports/_work_{partial_role}.html"
        section.update(_lifeboat_work(user, section["role"]))
    if Role.LEAD_REVIEWER in user.roles and Role.REVIEWER in user.roles:
        sections = [s for s in sections if s["role"] != Role.LEAD_REVIEWER]
    return render(
        request,
        "reports/home.html",
        {"sections": sections, "memberships": user.current_memberships, "conflicts": conflicts},
    )


def _lifeboat_work(user: Any, role: str) -> dict[str, Any]:
    """Lifeboat work beyond the case list: my open tasks; whatever waits for my decision (the
    approvals inbox, oldest first); cases an organisation consented to share with my funder."""
    if role == Role.CASEWORKER:
        tasks = Task.objects.filter(assignee=user, done_at__isnull=True).select_related("case__organisation")
        return {"tasks": list(tasks[:30]), "decisions": case_queries.decisions_waiting_for(user)}
    if role == Role.PANEL_MEMBER:
        return {"decisions": case_queries.decisions_waiting_for(user)}
    if role == Role.FUNDER_READER:
        return {"shared_cases": list(case_queries.cases_shared_with(user)[:30])}
    if role == Role.CONTACT:
        return {"our_cases": list(case_queries.cases_of_own_organisation(user)[:30])}
    return {}


@login_required
def audit_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not request.user.has_perm("core.view_auditevent"):
        raise PermissionDenied
    qs = AuditEvent.objects.all()
    object_type = request.GET.get("type", "").strip()
    if object_type:
        qs = qs.filter(object_type=object_type)
    # Keyset pages ("older than event N", "newer than event N"): the trail only grows, so counting
    # it for numbered pages would read every event on every visit.
    before, after = _event_id(request.GET.get("before")), _event_id(request.GET.get("after"))
    if after is not None:
        events = list(qs.filter(id__gt=after).order_by("id")[: AUDIT_PAGE + 1])
        newer = events[AUDIT_PAGE:]
        events = events[:AUDIT_PAGE][::-1]
        older = events and qs.filter(id__lt=events[-1].id).exists()
    else:
        if before is not None:
            qs = qs.filter(id__lt=before)
        events = list(qs.order_by("-id")[: AUDIT_PAGE + 1])
        older, events = events[AUDIT_PAGE:], events[:AUDIT_PAGE]
        newer = before is not None and bool(events)
    return render(
        request,
        "reports/audit_log.html",
        {
            "events": events,
            "older_than": events[-1].id if older else None,
            "newer_than": events[0].id if newer else None,
            "types": audit.audited_types(),
            "object_type": object_type,
        },
    )


AUDIT_PAGE = 50


def _event_id(value: str | None) -> int | None:
    """A page boundary from the query string; anything that is not a positive whole number is ignored."""
    return int(value) if value and value.isdigit() and len(value) < 19 else None


# --- assessment PDFs and their verification ------------------------------------------------------------


@login_required
def assessment_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = get_object_for_user(
        request, Review.objects.select_related("organisation"), view_perm="peerreview.view_review", pk=pk
    )
    snapshot = review.snapshots.filter(kind="final").order_by("-version").first()
    if snapshot is None:
        raise Http404("This review has no published report yet.")
    try:
        data = pdf.cached(
            f"{snapshot.fingerprint}-{documents.LAYOUT}",
            "reports/pdf/assessment.html",
            documents.assessment_context(snapshot),
        )
    except pdf.RenderError:
        return HttpResponse(
            "Sorry, the PDF could not be made. Please try again later.",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(data, content_type="application/pdf")
    name = slugify(review.organisation.name)[:60]
    response["Content-Disposition"] = f'attachment; filename="assessment-{name}-v{snapshot.version}.pdf"'
    return response


def verify(request: HttpRequest, fingerprint: str) -> HttpResponse:
    """Public: is a document with this fingerprint genuine, and is it still the latest version?"""
    snapshot = (
        ReportSnapshot.objects.filter(fingerprint=fingerprint.lower(), kind="final")
        .select_related("review__organisation")
        .first()
    )
    if snapshot is None:
        return render(request, "reports/verify.html", {"fingerprint": fingerprint, "snapshot": None}, status=404)
    newer = ReportSnapshot.objects.filter(review=snapshot.review, kind="final", version__gt=snapshot.version).first()
    reopened = snapshot.review.report_in_question or snapshot.review.report_version > snapshot.version
    return render(
        request,
        "reports/verify.html",
        {
            "fingerprint": fingerprint,
            "snapshot": snapshot,
            "newer": newer,
            "reopened": reopened and not newer,
            "document_id": documents.document_id(snapshot),
            "data": snapshot.data,
        },
    )


# --- London intelligence ---------------------------------------------------------------------------------


def _intelligence_reader(request: HttpRequest) -> Any:
    """Checks access; returns what the reader may see exactly (reports.disclosure.Reader)."""
    from reports.disclosure import Reader

    if not request.user.has_perm("reports.view_intelligence"):
        raise PermissionDenied
    return Reader.of(request.user)


@login_required
def intelligence(request: AuthenticatedHttpRequest) -> HttpResponse:
    from reports import analytics  # pandas loads only where it is used (ruff TID253)

    reader = _intelligence_reader(request)
    filters = analytics.Filters.from_query(request.GET)
    size = analytics.population(filters)
    tables, frames = {}, {}
    for name, (title, *_rest) in analytics.TABLES.items():
        disclosed = analytics.table(name, filters, reader=reader, population_size=size)
        df = frames[name] = disclosed.frame
        tables[name] = {
            "title": title,
            "withheld": disclosed.withheld,
            "notes": disclosed.notes,
            "columns": [] if df is None else [c.replace("_", " ").capitalize() for c in df.columns],
            "rows": [] if df is None else _html_rows(disclosed),
        }
    coverage, ratings = frames["coverage"], frames["ratings"]  # the map and chart reuse the tables
    return render(
        request,
        "reports/intelligence.html",
        {
            "tables": tables,
            "anonymised": not reader.named,
            "rounded": not reader.lifeboat_insider,
            "filters": filters,
            "boroughs": Borough.objects.all(),
            "kinds": Organisation.Kind.choices,
            "map": _coverage_map(coverage) if coverage is not None else None,
            "legend": [(colour, text) for _, colour, text in COVERAGE_LEGEND] + [("#dee0e2", "figure withheld")],
            "chart": charts.bar_chart(
                [
                    (r.code, None if r.median is None or r.median != r.median else float(r.median))
                    for r in ratings.itertuples()
                ],
                maximum=4,
                title="Median agreed rating by standard",
                description="; ".join(
                    f"{r.code}: {r.median if r.median is not None else 'suppressed'}" for r in ratings.itertuples()
                )
                or "No published reviews",
            )
            if ratings is not None and not ratings.empty
            else None,
            "suppress_below": analytics.SUPPRESS_BELOW,
            "query": request.GET.urlencode(),
            "current_year": filters.year or timezone.localdate().year,
        },
    )


def _html_rows(disclosed: Any) -> list[SafeString]:
    """Each row's cells as HTML, built here rather than cell by cell in the template: the page
    holds thousands of cells, and a template loop per cell was a third of its time (issue #9).
    Text is escaped; whole numbers print as they are, everything else as the template would.
    A suppressed cell reads "fewer than 5"; a figure that is simply missing, a dash."""
    from reports import disclosure

    df = disclosed.frame

    def text(v: Any) -> str:
        if v is None or v != v:  # None or NaN: a missing figure
            return "—"
        if isinstance(v, str):
            return html.escape(v)
        if type(v) is int:
            return str(v)
        return html.escape(str(localize(v)))

    def cell(position: int, column: str, v: Any) -> str:
        if disclosed.is_marked(position, column):
            return f'<td class="govuk-table__cell app-suppressed">{disclosure.FEWER}</td>'
        return f'<td class="govuk-table__cell">{text(v)}</td>'

    names = list(df.columns)
    columns = [df[column].tolist() for column in names]  # plain Python values, column by column
    if not disclosed.marks:
        return [
            mark_safe("".join(f'<td class="govuk-table__cell">{text(v)}</td>' for v in row))  # noqa: S308 - escaped above
            for row in zip(*columns, strict=True)
        ]
    return [
        mark_safe("".join(cell(position, name, v) for name, v in zip(names, row, strict=True)))  # noqa: S308
        for position, row in enumerate(zip(*columns, strict=True))
    ]


# Upper bound (percent), fill, legend text. Text on every fill keeps a 4.5:1 contrast or better.
COVERAGE_LEGEND = [
    (0, "#f3f2f1", "none reviewed"),
    (33, "#d2e2f1", "up to a third"),
    (66, "#9bc2e6", "up to two thirds"),
    (100, "#5694ca", "more than two thirds"),
]


def _coverage_map(coverage: Any) -> Any:
    values = {}
    for row in coverage.itertuples():
        percent = row.coverage_percent
        shown = "" if percent is None or percent != percent else f"{percent:.0f}%"
        fill = "#dee0e2" if not shown else "#9bc2e6" if percent < 34 else "#5694ca" if percent < 67 else "#1d70b8"
        values[row.ons_code] = (row.area[:4], fill, f"{row.area}: {shown or 'no figure'} of support bodies reviewed")
    return charts.tile_map(
        values,
        title="Coverage of current peer reviews by area",
        description="Share of each area's support bodies with a current published review; "
        "the table below gives every figure.",
    )


@login_required
def intelligence_download(request: AuthenticatedHttpRequest, name: str, fmt: str) -> HttpResponse:
    from reports import analytics, disclosure

    reader = _intelligence_reader(request)
    if name not in analytics.TABLES or fmt not in ("csv", "xlsx"):
        raise Http404
    disclosed = analytics.table(name, analytics.Filters.from_query(request.GET), reader=reader)
    df = disclosure.for_download(disclosed)
    if fmt == "csv":
        response = HttpResponse(analytics.to_csv(df), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            analytics.to_xlsx(df, analytics.TABLES[name][0], notes=disclosed.notes or [disclosed.withheld]),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="london-{name}.{fmt}"'
    return response


@login_required
def annual_report(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    """The "state of local support in London" PDF for a year: anonymised figures for everyone."""
    from reports import analytics, disclosure

    _intelligence_reader(request)
    filters = analytics.Filters(year=analytics.check_year(year))
    public = disclosure.PUBLIC
    disclosed = {name: analytics.table(name, filters, reader=public) for name in ("ratings", "coverage", "themes")}
    disclosed["trends"] = analytics.table("trends", analytics.Filters(), reader=public)
    tables = {name: d.frame for name, d in disclosed.items()}
    context = {
        "year": year,
        "tables": {
            name: {
                "title": analytics.TABLES[name][0],
                "columns": [] if df is None else [c.replace("_", " ").capitalize() for c in df.columns],
                "rows": [] if df is None else df.astype(object).where(df.notna(), None).values.tolist(),
                "notes": disclosed[name].notes,
                "withheld": disclosed[name].withheld,
            }
            for name, df in tables.items()
        },
        "commentary": analytics.commentary(year, tables),
        "map": _coverage_map(tables["coverage"]) if tables["coverage"] is not None else None,
        "suppress_below": analytics.SUPPRESS_BELOW,
        "site_name": settings.SITE_NAME,
    }
    try:
        data = pdf.render("reports/pdf/annual.html", context)
    except pdf.RenderError:
        return HttpResponse(
            "Sorry, the PDF could not be made. Please try again later.",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="state-of-local-support-london-{year}.pdf"'
    return response


CASE_PDFS = {
    "summary": "Case summary for the panel",
    "closure": "Closure report",
    "decision-log": "Decision log",
}


@login_required
def case_pdf(request: AuthenticatedHttpRequest, pk: int, kind: str) -> HttpResponse:
    """A confidential case's summary, closure report (every register item and where it went) or
    decision log, as a PDF for the panel, the board or the regulator. Same visibility as the case."""
    if kind not in CASE_PDFS:
        raise Http404
    case = get_object_for_user(
        request, Case.objects.select_related("organisation", "owner"), view_perm="casework.view_case", pk=pk
    )
    if kind == "closure" and getattr(case, "closure", None) is None:
        raise Http404("This case has no closure.")
    context = documents.case_context(case, kind=kind, title=CASE_PDFS[kind], user=request.user)
    try:
        data = pdf.render("reports/pdf/case.html", context)
    except pdf.RenderError:
        return HttpResponse(
            "Sorry, the PDF could not be made. Please try again later.",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(data, content_type="application/pdf")
    name = slugify(case.organisation.name)[:60]
    response["Content-Disposition"] = f'attachment; filename="{kind}-{name}-case-{case.pk}.pdf"'
    return response

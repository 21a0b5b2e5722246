"""Pages that read across apps: the "your work" home page and the system audit log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify

from core.models import AuditEvent
from core.shortcuts import get_object_for_user
from organisations import queries as org_queries
from organisations.models import Membership
from peerreview import queries as review_queries
from peerreview.models import ReportSnapshot, Review
from reports import charts, pdf

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
def home(request: HttpRequest) -> HttpResponse:
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
            .exclude(state__in=["closed", "withdrawn", "cancelled"])
        ],
        Role.COORDINATOR: review_queries.pipeline() if user.has_role(Role.COORDINATOR) else [],
        Role.FUNDER_READER: list(
            review_queries.reviews_visible_to(user)
            .filter(published_at__isnull=False)
            .exclude(state__in=["withdrawn", "cancelled"])
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
    if Role.LEAD_REVIEWER in user.roles and Role.REVIEWER in user.roles:
        sections = [s for s in sections if s["role"] != Role.LEAD_REVIEWER]
    return render(
        request,
        "reports/home.html",
        {"sections": sections, "memberships": user.current_memberships, "conflicts": conflicts},
    )


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("core.view_auditevent"):
        raise PermissionDenied
    qs = AuditEvent.objects.order_by("-id")
    object_type = request.GET.get("type", "").strip()
    if object_type:
        qs = qs.filter(object_type=object_type)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    types = AuditEvent.objects.order_by().values_list("object_type", flat=True).distinct()
    return render(
        request, "reports/audit_log.html", {"page": page, "types": sorted(set(types)), "object_type": object_type}
    )


# --- assessment PDFs and their verification ------------------------------------------------------------


def _assessment_context(snapshot: ReportSnapshot, request: HttpRequest) -> dict[str, Any]:
    data = snapshot.data
    order = ["Strength", "Area for development", "Recommendation", "Condition"]
    headings = {
        "Strength": "Strengths",
        "Area for development": "Areas for development",
        "Recommendation": "Recommendations",
        "Condition": "Conditions",
    }
    sections = [(headings[k], [f for f in data["findings"] if f["kind"] == k]) for k in order]
    chart = charts.bar_chart(
        [(r["code"], r["rating"]) for r in data["ratings"]],
        maximum=max([4, *[r["rating"] for r in data["ratings"]]]),
        title="Agreed rating for each standard",
        description="; ".join(f"{r['code']}: {r['rating']}" for r in data["ratings"]) or "No ratings",
    )
    return {
        "data": data,
        "snapshot": snapshot,
        "sections": [(h, items) for h, items in sections if items],
        "chart": chart,
        "document_id": document_id(snapshot),
        "verify_url": settings.SITE_URL + reverse("reports:verify", args=[snapshot.fingerprint]),
        "site_name": settings.SITE_NAME,
    }


def document_id(snapshot: ReportSnapshot) -> str:
    return f"PRA-{snapshot.review_id:05d}-{snapshot.version}"


@login_required
def assessment_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_for_user(
        request, Review.objects.select_related("organisation"), view_perm="peerreview.view_review", pk=pk
    )
    snapshot = review.snapshots.filter(kind="final").order_by("-version").first()
    if snapshot is None:
        raise Http404("This review has no published report yet.")
    try:
        data = pdf.cached(snapshot.fingerprint, "reports/pdf/assessment.html", _assessment_context(snapshot, request))
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
    reopened = snapshot.review.state in ("reopened", "appeal") or snapshot.review.report_version > snapshot.version
    return render(
        request,
        "reports/verify.html",
        {
            "fingerprint": fingerprint,
            "snapshot": snapshot,
            "newer": newer,
            "reopened": reopened and not newer,
            "document_id": document_id(snapshot),
            "data": snapshot.data,
        },
    )

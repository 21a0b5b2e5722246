"""Pages that read across apps: the "your work" home page and the system audit log."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.models import AuditEvent
from organisations import queries as org_queries
from organisations.models import Membership
from peerreview import queries as review_queries

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

"""Turnaround and interim-management pages. Everything hangs off the case, so anyone who may not
see the case gets 404 for every page here, exactly as for the case itself."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from casework import forms, giving, pathways, workflow
from casework.models import Candidate, Case, Grant, Interim, Milestone, Tranche, Turnaround
from core import audit
from core.shortcuts import attempt, form_page, get_object_for_user
from core.types import AuthenticatedHttpRequest
from core.words import money
from core.workflow import available_transitions, blocked_transitions, move_inputs, moved_message

VIEW = "casework.view_case"
WORK = "casework.work_case"


def _turnaround(request: HttpRequest, pk: int, perm: str | None = None) -> Turnaround:
    qs = Turnaround.objects.select_related("case__organisation", "case__owner", "plan_approved_by")
    return get_object_for_user(request, qs, view_perm=VIEW, perm=perm, case_id=pk)


def _interim(request: HttpRequest, pk: int, perm: str | None = None) -> Interim:
    qs = Interim.objects.select_related("case__organisation", "case__owner", "chosen", "brief_agreed_by")
    return get_object_for_user(request, qs, view_perm=VIEW, perm=perm, case_id=pk)


# Moves made by an operation rather than a button (a grant is "paying" when a tranche is released).
INTERNAL = {"pay"}


def _moves(obj: Any, user: Any, url: str, *args: Any) -> dict[str, Any]:
    """The moves a person may make now (with their form's address) and those blocked, with why. A
    move with a page of its own (`custom={"form": …}`: a grant's approval) links to that page (GET)
    instead of posting to the generic move address, which refuses it."""
    moves = [
        {
            "t": t,
            "url": reverse(t.form, args=args) if t.form else reverse(url, args=[*args, t.name]),
            "page": bool(t.form),
        }
        for t in available_transitions(obj, user)
        if t.name not in INTERNAL
    ]
    blocked = [(t, why) for t, why in blocked_transitions(obj, user) if t.name not in INTERNAL]
    return {"moves": moves, "blocked": blocked}


def _documents(record: Any) -> Any:
    slots = pathways.PATHWAY_SLOTS[record.pathway]
    return record.case.documents.filter(slot__in=slots).select_related("uploaded_by")


def _events(record: Any) -> Any:
    return audit.events_for(record).order_by("-id")[:20]


# --- turnaround ---------------------------------------------------------------------------------
@login_required
def turnaround_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = _turnaround(request, pk)
    case, user = record.case, request.user
    grants = []
    for grant in record.grants.select_related("requested_by", "approved_by").prefetch_related("tranches__milestone"):
        tranches = [
            (t, bool(available_transitions(t, user)), [why for _, why in blocked_transitions(t, user)])
            for t in grant.tranches.all()
        ]
        grants.append(
            {
                "grant": grant,
                "tranches": tranches,
                **_moves(grant, user, "casework:grant-move", case.pk, grant.pk),
            }
        )
    return render(
        request,
        "casework/turnaround.html",
        {
            "case": case,
            "record": record,
            **_moves(record, user, "casework:turnaround-move", case.pk),
            "milestones": record.milestones.select_related("owner", "signed_off_by"),
            "grants": grants,
            "documents": _documents(record),
            "can_work": pathways.may_work(case, user),
            "threshold": settings.LIFEBOAT_GRANT_PANEL_THRESHOLD,
            "can_request_grant": record.is_running,
            "events": _events(record),
        },
    )


def _initial(obj: Any, form_class: type[Any]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in form_class.base_fields if hasattr(obj, name)}


@login_required
def turnaround_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = _turnaround(request, pk, perm=WORK)
    form = forms.TurnaroundForm(request.POST or None, initial=_initial(record, forms.TurnaroundForm))
    return form_page(
        request,
        "casework/case_form.html",
        form,
        {"case": record.case, "title": "Turnaround: diagnosis, plan and exit tests"},
        lambda d: pathways.update_turnaround(record, by=request.user, **d),
        "The turnaround is updated.",
        record,
    )


@login_required
@require_POST
def turnaround_move(request: AuthenticatedHttpRequest, pk: int, name: str) -> HttpResponse:
    record = _turnaround(request, pk)
    if name not in {t.name for t in record.get_all_state_transitions()}:
        raise Http404
    reason = request.POST.get("reason", "")
    attempt(
        request,
        lambda: pathways.move_turnaround(record, name, by=request.user, reason=reason),
        lambda moved: moved_message(moved, name, request.user),
    )
    return redirect(record)


@login_required
def pathway_evidence(request: AuthenticatedHttpRequest, pk: int, pathway: str) -> HttpResponse:
    record = (_turnaround if pathway == Case.Pathway.TURNAROUND else _interim)(request, pk, perm=WORK)
    slots = pathways.PATHWAY_SLOTS[record.pathway]
    form = forms.EvidenceForm(request.POST or None, request.FILES or None, slots=slots)
    return form_page(
        request,
        "casework/evidence_form.html",
        form,
        {"case": record.case, "title": "Attach a document"},
        lambda d: workflow.add_document(record.case, by=request.user, **d),
        "The document is attached.",
        record,
    )


@login_required
def milestone_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = _turnaround(request, pk, perm=WORK)
    form = forms.MilestoneForm(request.POST or None)
    return form_page(
        request,
        "casework/case_form.html",
        form,
        {"case": record.case, "title": "Add a milestone"},
        lambda d: pathways.add_milestone(record, by=request.user, **d),
        "The milestone is added.",
        record,
    )


@login_required
def milestone_edit(request: AuthenticatedHttpRequest, pk: int, mid: int) -> HttpResponse:
    qs = Milestone.objects.select_related("turnaround__case").filter(turnaround__case_id=pk)
    milestone = get_object_for_user(request, qs, view_perm=VIEW, perm=WORK, pk=mid)
    form = forms.MilestoneForm(request.POST or None, initial=_initial(milestone, forms.MilestoneForm))
    return form_page(
        request,
        "casework/case_form.html",
        form,
        {"case": milestone.case, "title": f"Milestone: {milestone.title}"},
        lambda d: pathways.update_milestone(milestone, by=request.user, **d),
        "The milestone is updated.",
        milestone.turnaround,
    )


def _grant(request: HttpRequest, pk: int, gid: int, perm: str | None = None) -> Grant:
    qs = Grant.objects.select_related("turnaround__case__organisation").filter(turnaround__case_id=pk)
    return get_object_for_user(request, qs, view_perm=VIEW, perm=perm, pk=gid)


@login_required
def grant_request(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = _turnaround(request, pk, perm=WORK)
    form = forms.GrantRequestForm(request.POST or None)
    return form_page(
        request,
        "casework/case_form.html",
        form,
        {"case": record.case, "title": "Ask for a small grant"},
        lambda d: pathways.request_grant(record, by=request.user, **d),
        "The grant is requested. Someone other than you approves it.",
        record,
    )


@login_required
def grant_approve(request: AuthenticatedHttpRequest, pk: int, gid: int) -> HttpResponse:
    grant = _grant(request, pk, gid, perm="casework.approve_grant")
    form = forms.GrantApprovalForm(request.POST or None)
    return form_page(
        request,
        "casework/case_form.html",
        form,
        {
            "case": grant.case,
            "title": f"Approve {grant.title}: {money(grant.amount)} "
            f"({money(grant.running_total)} with the organisation's other lifeboat grants)",
        },
        lambda d: pathways.approve_grant(grant, by=request.user, **d),
        "The grant is approved.",
        grant,
    )


@login_required
def grant_monitoring(request: AuthenticatedHttpRequest, pk: int, gid: int) -> HttpResponse:
    grant = _grant(request, pk, gid, perm=WORK)
    form = forms.MonitoringForm(request.POST or None, initial={"note": grant.monitoring_note})
    return form_page(
        request,
        "casework/case_form.html",
        form,
        {"case": grant.case, "title": f"Monitoring of {grant.title}"},
        lambda d: pathways.record_monitoring(grant, by=request.user, **d),
        "The monitoring is recorded.",
        grant,
    )


@login_required
@require_POST
def grant_move(request: AuthenticatedHttpRequest, pk: int, gid: int, name: str) -> HttpResponse:
    grant = _grant(request, pk, gid)
    generic = {t.name for t in grant.get_all_state_transitions() if not t.custom.get("form")} - INTERNAL
    if name not in generic:  # approval has its own page; paying happens when a tranche is released
        raise Http404

    def move() -> Any:
        inputs = move_inputs(grant, name, request.POST, by=request.user)  # the move's own form checks them
        return pathways.move_grant(grant, name, by=request.user, reason=request.POST.get("reason", ""), **inputs)

    attempt(request, move, lambda moved: moved_message(moved, name, request.user))
    return redirect(grant)


@login_required
def tranche_add(request: AuthenticatedHttpRequest, pk: int, gid: int) -> HttpResponse:
    grant = _grant(request, pk, gid, perm=WORK)
    form = forms.TrancheForm(request.POST or None, milestones=grant.turnaround.milestones.all())
    return form_page(
        request,
        "casework/case_form.html",
        form,
        {"case": grant.case, "title": f"Plan a tranche of {grant.title}"},
        lambda d: pathways.add_tranche(grant, by=request.user, **d),
        "The tranche is planned. Release it once its milestone has evidence.",
        grant,
    )


@login_required
@require_POST
def tranche_release(request: AuthenticatedHttpRequest, pk: int, tid: int) -> HttpResponse:
    qs = Tranche.objects.select_related("grant__turnaround__case").filter(grant__turnaround__case_id=pk)
    tranche = get_object_for_user(request, qs, view_perm=VIEW, pk=tid)
    attempt(
        request,
        lambda: pathways.release_tranche(
            tranche, by=request.user, **move_inputs(tranche, "release", request.POST, by=request.user)
        ),
        "The payment is released.",
    )
    return redirect(tranche.grant)


def _csv(content: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def grant_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = _turnaround(request, pk)
    rows = giving.awarded(Grant.objects.filter(turnaround=record))
    return _csv(giving.to_csv(rows), f"lifeboat-case-{pk}-grants-360giving.csv")


@login_required
def grant_export_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    # Like a case, the register of lifeboat grants does not exist for people who may not read it.
    if not request.user.has_perm("casework.export_grants"):
        raise Http404
    rows = giving.publishable(Grant.objects.all())
    return _csv(giving.to_csv(rows), f"lifeboat-grants-360giving-{timezone.localdate():%Y-%m-%d}.csv")


# --- interim management -------------------------------------------------------------------------
@login_required
def interim_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = _interim(request, pk)
    case, user = record.case, request.user
    return render(
        request,
        "casework/interim.html",
        {
            "case": case,
            "record": record,
            **_moves(record, user, "casework:interim-move", case.pk),
            "candidates": record.candidates.all(),
            "reviews": record.reviews.select_related("recorded_by"),
            "documents": _documents(record),
            "can_work": pathways.may_work(case, user),
            "next_review_due": record.next_review_due(),
            "events": _events(record),
        },
    )


@login_required
def interim_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = _interim(request, pk, perm=WORK)
    form = forms.InterimForm(request.POST or None, initial=_initial(record, forms.InterimForm))
    return form_page(
        request,
        "casework/case_form.html",
        form,
        {"case": record.case, "title": "Interim placement: brief, contract and exit report"},
        lambda d: pathways.update_interim(record, by=request.user, **d),
        "The placement is updated.",
        record,
    )


@login_required
@require_POST
def interim_move(request: AuthenticatedHttpRequest, pk: int, name: str) -> HttpResponse:
    record = _interim(request, pk)
    if name not in {t.name for t in record.get_all_state_transitions()}:
        raise Http404
    reason = request.POST.get("reason", "")
    attempt(
        request,
        lambda: pathways.move_interim(record, name, by=request.user, reason=reason),
        lambda moved: moved_message(moved, name, request.user),
    )
    return redirect(record)


@login_required
def candidate_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = _interim(request, pk, perm=WORK)
    form = forms.CandidateForm(request.POST or None)
    return form_page(
        request,
        "casework/case_form.html",
        form,
        {"case": record.case, "title": "Add a candidate"},
        lambda d: pathways.add_candidate(record, by=request.user, **d),
        "The candidate is recorded.",
        record,
    )


@login_required
def candidate_edit(request: AuthenticatedHttpRequest, pk: int, cid: int) -> HttpResponse:
    qs = Candidate.objects.select_related("interim__case").filter(interim__case_id=pk)
    candidate = get_object_for_user(request, qs, view_perm=VIEW, perm=WORK, pk=cid)
    form = forms.CandidateForm(request.POST or None, initial=_initial(candidate, forms.CandidateForm))
    return form_page(
        request,
        "casework/case_form.html",
        form,
        {"case": candidate.case, "title": f"Candidate: {candidate.name}"},
        lambda d: pathways.update_candidate(candidate, by=request.user, **d),
        "The candidate is updated.",
        candidate.interim,
    )


@login_required
@require_POST
def candidate_choose(request: AuthenticatedHttpRequest, pk: int, cid: int) -> HttpResponse:
    qs = Candidate.objects.select_related("interim__case").filter(interim__case_id=pk)
    candidate = get_object_for_user(request, qs, view_perm=VIEW, pk=cid)
    if not request.user.has_perm(WORK, candidate):
        raise PermissionDenied
    attempt(
        request,
        lambda: pathways.choose_candidate(candidate.interim, by=request.user, candidate=candidate),
        f"{candidate.name} is chosen.",
    )
    return redirect(candidate.interim)


@login_required
def interim_review_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = _interim(request, pk, perm=WORK)
    form = forms.InterimReviewForm(request.POST or None, initial={"held_on": timezone.localdate()})
    return form_page(
        request,
        "casework/case_form.html",
        form,
        {"case": record.case, "title": "Record a review of the placement"},
        lambda d: pathways.record_interim_review(record, by=request.user, **d),
        "The review is recorded.",
        record,
    )

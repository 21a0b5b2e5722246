"""Lifeboat pages. Cases are confidential: anyone outside the case team, the panel and the
administrators gets 404 for a case, and never sees it listed."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from casework import filters, forms, queries, workflow
from casework.models import Case, CaseDocument, Closure, HealthCheck, Referral, RegisterItem, Task
from core import audit, uploads, words
from core.shortcuts import attempt, form_page, get_object_for_user
from core.types import AuthenticatedHttpRequest
from core.workflow import available_transitions, blocked_transitions, move_inputs, moved_message
from standards.spreadsheet import neutralise

VIEW = "casework.view_case"
RISK_TAGS = {"red": "govuk-tag--red", "amber": "govuk-tag--orange", "green": "govuk-tag--green"}


def _case(request: HttpRequest, pk: int, perm: str | None = None, view_perm: str = VIEW) -> Case:
    qs = Case.objects.select_related("organisation", "owner", "referral", "triaged_by", "decided_by")
    return get_object_for_user(request, qs, view_perm=view_perm, perm=perm, pk=pk)


@login_required
def case_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not request.user.has_perm("casework.view_referral"):
        raise PermissionDenied
    caseload = filters.CaseFilter(request.GET, queryset=queries.caseload_visible_to(request.user), request=request)
    page = Paginator(caseload.qs, 25).get_page(request.GET.get("page"))
    for case in page.object_list:
        if case.risk_level:
            case.risk_label = HealthCheck.Risk(case.risk_level).label
            case.risk_tag = RISK_TAGS[case.risk_level]
    return render(
        request,
        "casework/case_list.html",
        {
            "page": page,
            "filter": caseload,
            "saved_views": [(label, urlencode(params, doseq=True)) for label, params in filters.SAVED_VIEWS],
            "today": timezone.localdate(),
            "referrals": queries.referrals_waiting(request.user)[:50],
            "can_add": request.user.has_perm("casework.add_case"),
        },
    )


@login_required
def referral_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not request.user.has_perm("casework.add_case"):
        raise PermissionDenied
    form = forms.ReferralForm(request.POST or None)
    return form_page(
        request,
        "casework/referral_form.html",
        form,
        {},
        lambda d: workflow.refer_organisation(d.pop("organisation"), by=request.user, role="caseworker", **d),
        "The referral is recorded. It waits at the top of the case list: open a case to start screening.",
        "casework:case-list",
    )


@login_required
def referral_dismiss(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    referral = get_object_for_user(
        request,
        queries.referrals_waiting(request.user),
        view_perm="casework.view_referral",
        perm="casework.add_case",
        pk=pk,
    )
    form = forms.DismissReferralForm(request.POST or None)
    return form_page(
        request,
        "casework/referral_dismiss.html",
        form,
        {"referral": referral},
        lambda d: workflow.dismiss_referral(referral, by=request.user, reason=d["reason"]),
        f"The referral of {referral.organisation.name} is dismissed; the reason is on its record. "
        "No case will be opened for it.",
        "casework:case-list",
    )


@login_required
def case_reassign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, perm="casework.reassign_case")
    form = forms.ReassignCaseForm(request.POST or None, case=case)
    return form_page(
        request,
        "casework/case_form.html",
        form,
        {"case": case, "title": "Hand the case over"},
        lambda d: workflow.reassign_case(case, by=request.user, **d),
        lambda moved: (
            f"{moved.owner.full_name} now owns the case and sees it under “My cases”. "
            "The handover and its reason are in the case's activity."
        ),
        case,
    )


@login_required
@require_POST
def case_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    referral = get_object_for_user(
        request, Referral, view_perm="casework.view_referral", perm="casework.add_case", pk=pk
    )
    opened: dict[str, Case] = {}
    if attempt(
        request,
        lambda: opened.setdefault("case", workflow.open_case(referral, by=request.user)),
        "The case is open, and you own it.",
    ):
        return redirect(opened["case"])
    return redirect("casework:case-list")


@login_required
def case_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, view_perm="casework.view_case_summary")
    user = request.user
    if not user.has_perm(VIEW, case):  # a funder the organisation consented to tell: the summary only
        return render(request, "casework/case_summary.html", {"case": case})
    check = getattr(case, "health_check", None)
    assessment = check.assess() if check else None
    return render(
        request,
        "casework/case_detail.html",
        {
            "case": case,
            "check": check,
            "assessment": assessment,
            "transitions": available_transitions(case, user),
            "blocked": blocked_transitions(case, user),
            "pathway_changes": case.pathway_changes.select_related("approved_by"),
            "notes": case.notes.select_related("author", "item")[:50],
            "events": audit.events_for(case).order_by("-id")[:30],
            "note_form": forms.NoteForm(case=case),
            "tasks": case.tasks.select_related("assignee", "done_by", "item"),
            "documents": case.documents.select_related("uploaded_by"),
            "can_work": user.has_perm("casework.work_case", case) and not case.is_read_only,
            "can_decide": user.has_perm("casework.decide_case", case),
            "obligations": case.unresolved_obligations() if not case.is_read_only else [],
            "can_reassign": user.has_perm("casework.reassign_case", case),
        },
    )


@login_required
@require_POST
def case_move(request: AuthenticatedHttpRequest, pk: int, name: str) -> HttpResponse:
    case = _case(request, pk)
    if name not in {t.name for t in case.get_all_state_transitions()}:
        raise Http404

    def move() -> Any:
        inputs = move_inputs(case, name, request.POST, by=request.user)  # the move's own form checks them
        return workflow.perform(case, name, by=request.user, reason=request.POST.get("reason", ""), **inputs)

    attempt(request, move, lambda moved: moved_message(moved, name, request.user))
    return redirect(case)


@login_required
def case_screening(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, perm="casework.work_case")
    form = forms.ScreeningForm(
        request.POST or None,
        initial={
            "identity_confirmed": case.identity_confirmed,
            "conflict_note": case.conflict_note,
            "latest_accounts_on": case.latest_accounts_on,
            "accounts_note": case.accounts_note,
        },
    )
    return form_page(
        request,
        "casework/case_form.html",
        form,
        {"case": case, "title": "Screening"},
        lambda d: workflow.record_screening(case, by=request.user, **d),
        "Screening recorded.",
        case,
    )


@login_required
def case_health_check(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, perm="casework.work_case")
    existing = getattr(case, "health_check", None)
    initial = {}
    if existing:
        initial = {f: getattr(existing, f) for f in forms.HealthCheckForm.base_fields if f != "weekly_net_cash"}
        initial["weekly_net_cash"] = ", ".join(str(v) for v in existing.weekly_net_cash)
    form = forms.HealthCheckForm(request.POST or None, initial=initial)
    return form_page(
        request,
        "casework/case_form.html",
        form,
        {"case": case, "title": "Triage health check"},
        lambda d: workflow.record_health_check(case, by=request.user, **d),
        "The health check is saved.",
        case,
    )


@login_required
def case_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, perm="casework.decide_case")
    check = getattr(case, "health_check", None)
    form = forms.DecisionForm(request.POST or None, recommended=check.assess()[1] if check else "")
    return form_page(
        request,
        "casework/case_form.html",
        form,
        {"case": case, "title": "Choose the pathway", "assessment": check.assess() if check else None},
        lambda d: workflow.choose_pathway(case, by=request.user, **d),
        "The pathway and the board's consent are recorded. Approve the case to start.",
        case,
    )


@login_required
def case_pathway(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, perm="casework.decide_case")
    form = forms.PathwayChangeForm(request.POST or None)
    return form_page(
        request,
        "casework/case_form.html",
        form,
        {"case": case, "title": "Change pathway"},
        lambda d: workflow.change_pathway(case, by=request.user, **d),
        "The pathway has changed; the earlier one stays in the history.",
        case,
    )


@login_required
def case_outcome(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, perm="casework.work_case")
    initial = {"outcome": case.outcome, "note": case.outcome_note, "unresolved_note": case.unresolved_note}
    form = forms.OutcomeForm(request.POST or None, initial=initial, case=case)
    return form_page(
        request,
        "casework/case_form.html",
        form,
        {"case": case, "title": "Record the outcome"},
        lambda d: workflow.record_outcome(case, by=request.user, **d),
        "The outcome is recorded.",
        case,
    )


@login_required
@require_POST
def case_note(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, perm="casework.work_case")
    form = forms.NoteForm(request.POST, case=case)
    if form.is_valid():
        attempt(
            request,
            lambda: workflow.add_note(case, by=request.user, **form.cleaned_data),
            "The note is saved.",
        )
    else:
        messages.error(request, "Write the note before saving it.")
    return redirect(case)


# --- Orderly closure -------------------------------------------------------------------------------
def _closure(request: HttpRequest, pk: int, perm: str | None = None) -> Closure:
    """The closure of case `pk` (404 when the case is hidden from the person or has no closure)."""
    case = _case(request, pk, perm=perm)
    closure = getattr(case, "closure", None)
    if closure is None:
        raise Http404
    return closure


def _item(request: HttpRequest, pk: int, perm: str | None = None) -> RegisterItem:
    qs = RegisterItem.objects.select_related("closure__case__organisation", "destination", "owner")
    return get_object_for_user(request, qs, view_perm=VIEW, perm=perm, pk=pk)


@login_required
def closure_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    closure = _closure(request, pk)
    case, user = closure.case, request.user
    related = ("destination", "funder", "owner", "compatibility_reviewed_by", "na_requested_by")
    prefetch_related_objects([closure], Prefetch("items", queryset=RegisterItem.objects.select_related(*related)))
    items = list(closure.items.all())  # the guards below read this same prefetched list
    for item in items:
        item.closure = closure
        item.moves = [t for t in available_transitions(item, user) if t.name not in workflow.ITEM_INTERNAL_MOVES]
    registers = [
        (value, label, [i for i in items if i.register == value]) for value, label in RegisterItem.Register.choices
    ]
    outstanding = [i for i in items if not i.is_resolved]
    return render(
        request,
        "casework/closure.html",
        {
            "case": case,
            "closure": closure,
            "registers": registers,
            "outstanding": outstanding,
            "outstanding_counts": closure.outstanding_counts(),
            "transitions": available_transitions(closure, user),
            "blocked": blocked_transitions(closure, user),
            "can_work": user.has_perm("casework.write_case", case) and closure.case_is_active(),
            "can_review": user.has_perm("casework.review_purposes", case) and closure.case_is_active(),
            "documents": case.documents.select_related("uploaded_by"),
            "parts": workflow.closure_parts_open(closure),
            # Dates changed after they were first recorded, shown where the panel approves.
            "redated": [
                (e, words.describe_event(e))
                for e in audit.events_for(closure).filter(action="update_closure", reason__startswith=workflow.REDATED)
            ],
        },
    )


@login_required
def closure_facts(request: AuthenticatedHttpRequest, pk: int, part: str) -> HttpResponse:
    if part not in workflow.CLOSURE_FACTS:
        raise Http404
    closure = _closure(request, pk, perm="casework.write_case")
    form = forms.closure_facts_form(part)(request.POST or None, instance=Closure.objects.get(pk=closure.pk))
    titles = {
        "decision": "The decision to close",
        "winding_down": "Winding down",
        "filing": "Final accounts and filing",
        "solvency": "Solvency re-test",
        "insolvency": "The insolvent route",
    }
    return form_page(
        request,
        "casework/case_form.html",
        form,
        {"case": closure.case, "title": titles[part]},
        lambda d: workflow.update_closure(closure, by=request.user, part=part, **d),
        "The closure details are saved.",
        closure,
    )


@login_required
@require_POST
def closure_move(request: AuthenticatedHttpRequest, pk: int, name: str) -> HttpResponse:
    closure = _closure(request, pk)
    if name not in {t.name for t in closure.get_all_state_transitions()}:
        raise Http404

    def move() -> Any:
        inputs = move_inputs(closure, name, request.POST, by=request.user)  # the move's own form checks them
        return workflow.move_closure(closure, name, by=request.user, reason=request.POST.get("reason", ""), **inputs)

    attempt(request, move, lambda moved: moved_message(moved, name, request.user))
    return redirect(closure)


@login_required
def item_form(
    request: HttpRequest, pk: int | None = None, register: str = "", item_pk: int | None = None
) -> HttpResponse:
    """Add an item to a register (pk is the case) or change one (item_pk)."""
    item = _item(request, item_pk, perm="casework.write_case") if item_pk else None
    closure = item.closure if item else _closure(request, pk, perm="casework.write_case")
    register = item.register if item else register
    if register not in RegisterItem.Register.values:
        raise Http404
    team = forms.case_team(closure.case)
    form = forms.RegisterItemForm(request.POST or None, instance=item, register=register, team=team)
    label = RegisterItem.Register(register).label.lower()
    return form_page(
        request,
        "casework/item_form.html",
        form,
        {"case": closure.case, "item": item, "title": f"{'Change' if item else 'Add to'} {label}"},
        lambda d: workflow.save_item(
            closure,
            by=request.user,
            item=RegisterItem.objects.get(pk=item.pk) if item else None,
            register=register,
            **d,
        ),
        "The register is updated.",
        f"{closure.get_absolute_url()}#register-{register}",
    )


@login_required
@require_POST
def item_move(request: AuthenticatedHttpRequest, pk: int, name: str) -> HttpResponse:
    item = _item(request, pk)
    if name not in {t.name for t in item.get_all_state_transitions()}:
        raise Http404
    attempt(
        request,
        lambda: workflow.move_item(item, name, by=request.user, reason=request.POST.get("reason", "")),
        "The register is updated.",
    )
    return redirect(f"{item.closure.get_absolute_url()}#item-{item.pk}")


@login_required
def item_compatible(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk, perm="casework.review_purposes")
    form = forms.CompatibilityForm(request.POST or None)
    return form_page(
        request,
        "casework/case_form.html",
        form,
        {"case": item.case, "title": f"Review the recipient's purposes: {item.name}"},
        lambda d: workflow.mark_compatible(item, by=request.user, note=d["note"]),
        "Your review of the recipient's purposes is recorded.",
        f"{item.closure.get_absolute_url()}#item-{item.pk}",
    )


# --- Tasks and documents -----------------------------------------------------------------------------
@login_required
def task_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, perm="casework.write_case")
    form = forms.TaskForm(request.POST or None, case=case, initial={"assignee": request.user})
    return form_page(
        request,
        "casework/case_form.html",
        form,
        {"case": case, "title": "Add a task"},
        lambda d: workflow.add_task(case, by=request.user, **d),
        "The task is added.",
        f"{case.get_absolute_url()}#tasks",
    )


@login_required
def task_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    task = get_object_for_user(
        request, Task.objects.select_related("case", "item"), view_perm=VIEW, perm="casework.write_case", pk=pk
    )
    case = task.case
    initial = {"title": task.title, "due_on": task.due_on, "assignee": task.assignee_id, "item": task.item_id}
    form = forms.TaskForm(request.POST or None, case=case, initial=initial)
    return form_page(
        request,
        "casework/case_form.html",
        form,
        {"case": case, "title": f"Change the task: {task.title}"},
        lambda d: workflow.change_task(task, by=request.user, **d),
        "The task is changed; the change is in the case's activity.",
        f"{case.get_absolute_url()}#tasks",
    )


@login_required
@require_POST
def task_done(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    task = get_object_for_user(
        request, Task.objects.select_related("case"), view_perm=VIEW, perm="casework.write_case", pk=pk
    )
    attempt(request, lambda: workflow.complete_task(task, by=request.user), "The task is done.")
    return redirect(f"{task.case.get_absolute_url()}#tasks")


@login_required
def document_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, perm="casework.write_case")
    form = forms.DocumentForm(request.POST or None, request.FILES or None, initial={"slot": request.GET.get("slot")})
    return form_page(
        request,
        "casework/case_form.html",
        form,
        {"case": case, "title": "Add a document"},
        lambda d: workflow.add_document(case, by=request.user, **d),
        "The document is filed.",
        f"{case.get_absolute_url()}#documents",
    )


@login_required
def document_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    document = get_object_for_user(request, CaseDocument.objects.select_related("case"), view_perm=VIEW, pk=pk)
    return uploads.download(document)


# --- Timeline and decision log -------------------------------------------------------------------------
@login_required
def case_timeline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Notes, moves, documents and register changes in one list, newest first."""
    case = _case(request, pk)
    events = list(queries.case_events(case))
    notes = {str(n.pk): n for n in case.notes.all()}
    documents = {str(d.pk): d for d in case.documents.all()}
    entries = [
        {
            "event": e,
            "what": words.action_words(e.action),
            "from": words.state_words(e.object_type, e.source_state),
            "to": words.state_words(e.object_type, e.target_state),
            "changes": words.describe_event(e),
            "note": notes.get(e.object_id) if e.object_type == "casework.casenote" else None,
            "document": documents.get(e.object_id) if e.object_type == "casework.casedocument" else None,
        }
        for e in reversed(events)
    ]
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    return render(request, "casework/timeline.html", {"case": case, "page": page})


@login_required
def decision_log_csv(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="decision-log-case-{case.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(queries.DECISION_LOG_COLUMNS)
    for row in queries.decision_log_rows(case):
        writer.writerow([neutralise(v) for v in row])
    return response


@login_required
def case_consent(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, perm="casework.write_case")
    form = forms.FunderConsentForm(
        request.POST or None,
        initial={
            "funders": case.shared_with_funders.all(),
            "consent_on": case.funder_consent_on,
            "note": case.funder_consent_note,
        },
    )
    return form_page(
        request,
        "casework/case_form.html",
        form,
        {"case": case, "title": "Funders the organisation agreed to tell"},
        lambda d: workflow.record_funder_consent(case, by=request.user, **d),
        "The organisation's consent is recorded.",
        case,
    )

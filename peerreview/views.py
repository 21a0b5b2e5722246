"""Peer review pages. Each view loads with get_object_for_user, validates a form, calls one workflow
function and redirects; refusals become plain messages (or form errors)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core import audit, uploads
from core.forms import apply_row_errors, apply_validation_error, error_items
from core.shortcuts import attempt, form_page, get_object_for_user
from core.types import AuthenticatedHttpRequest
from core.workflow import (
    FASTER_MESSAGE,
    ConcurrentTransition,
    RowErrors,
    TransitionNotAllowed,
    available_transitions,
    blocked_transitions,
    moved_message,
)
from peerreview import forms, queries, workflow
from peerreview.models import (
    Action,
    Assignment,
    Consent,
    Evidence,
    ExtensionRequest,
    Finding,
    Reply,
    ReportSnapshot,
    Review,
    SelfRating,
    spread_flags,
)

VIEW = "peerreview.view_review"


def _review(request: HttpRequest, pk: int, perm: str | None = None) -> Review:
    qs = Review.objects.select_related("organisation", "framework_version__framework", "coordinator")
    return get_object_for_user(request, qs, view_perm=VIEW, perm=perm, pk=pk)


def _assignment(request: HttpRequest, pk: int, perm: str | None = None) -> Assignment:
    assignment = get_object_for_user(
        request, Assignment.objects.select_related("review__organisation", "reviewer"), view_perm=VIEW, pk=pk
    )
    if perm and not request.user.has_perm(perm, assignment):
        raise PermissionDenied
    return assignment


def _all_valid(forms_to_check: list[Any]) -> bool:
    """Validate every form (not stopping at the first bad one), so every problem shows at once."""
    return all([form.is_valid() for form in forms_to_check])


def _unbound(form: Any, **kwargs: Any) -> Any:
    """A grid row nobody changed is neither sent nor checked: show it as it was."""
    return type(form)(prefix=form.prefix, initial=form.initial, **kwargs)


# --- lists and the review page ----------------------------------------------------------------------


@login_required
def review_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    qs = queries.reviews_visible_to(request.user)
    state = request.GET.get("state", "")
    if state in Review.State.values:
        qs = qs.filter(state=state)
    page = Paginator(queries.as_rows(qs).order_by("-created_at", "-pk"), 25).get_page(request.GET.get("page"))
    rows = [(r, queries.overdue(r)) for r in page.object_list]
    return render(
        request,
        "peerreview/review_list.html",
        {
            "page": page,
            "rows": rows,
            "states": Review.State.choices,
            "state": state,
            "can_add": request.user.has_perm("peerreview.add_review"),
        },
    )


@login_required
def review_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not request.user.has_perm("peerreview.add_review"):
        raise PermissionDenied
    form = forms.ReviewCreateForm(request.POST or None)
    created: dict[str, Review] = {}

    def act(data: dict[str, Any]) -> None:
        created["review"] = workflow.create_review(
            data["organisation"], data["framework_version"], by=request.user, scope=data["scope"]
        )

    if request.method == "POST" and form.is_valid():
        try:
            act(form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "The review is open in scoping. Agree the scope, then build the panel.")
            return redirect(created["review"])
    return render(request, "peerreview/review_form.html", {"form": form})


@login_required
def review_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    user = request.user
    assignments = list(review.assignments.select_related("reviewer").order_by("role", "created_at"))
    may_appoint = user.has_perm("peerreview.coordinate_assignment", review)
    panel = [
        (a, available_transitions(a, user, names=PANEL_MOVES), may_appoint and not workflow.lead_change_problem(a))
        for a in assignments
    ]
    findings = list(
        queries.findings_visible_to(user, review)
        .prefetch_related("standards", "receipts__person")
        .select_related("reply")
        .order_by("kind", "created_at")
    )
    for f in findings:
        f.review = review  # the rules ask each finding's review: the page's, not one query each
    if user.has_perm("peerreview.reply_finding", review) or user.has_perm("peerreview.write_findings", review):
        workflow.mark_seen(findings, by=user)
    can_panel = user.has_perm("peerreview.view_panel_work", review)
    result = (
        workflow.overall_result(review)
        if review.is_scored and user.has_perm("peerreview.view_result", review) and review.moderated_ratings.exists()
        else None
    )
    return render(
        request,
        "peerreview/review_detail.html",
        {
            "review": review,
            "assignments": assignments,
            "panel": panel,
            "panel_actions": any(moves or appointable for _, moves, appointable in panel),
            "agreeable": {f.pk for f in findings if available_transitions(f, user, names={"agree"})},
            "my_assignment": next((a for a in assignments if a.reviewer_id == user.pk and a.is_active), None),
            "findings": findings,
            "actions": [(a, available_transitions(a, user)) for a in review.actions.select_related("finding")],
            "evidence": review.evidence.all()
            if (can_panel or user.has_perm("peerreview.self_assess_review", review))
            else [],
            "extensions": review.extension_requests.order_by("-created_at"),
            "renewal": Review.objects.filter(previous_review=review).first(),
            "snapshots": review.snapshots.order_by("-version", "-created_at"),
            "transitions": available_transitions(review, user),
            "blocked": blocked_transitions(review, user),
            "overdue": queries.overdue(review),
            "result": result,
            "events": audit.events_for(review).order_by("-id")[:30] if can_panel else None,
            "perms": {
                name: user.has_perm(f"peerreview.{name}", review)
                for name in [
                    "coordinate_review",
                    "lead_review",
                    "assure_review",
                    "self_assess_review",
                    "write_findings",
                    "reply_finding",
                    "plan_actions",
                    "decide_reply",
                    "view_panel_work",
                    "propose_outcome",
                    "refer_review",
                    "respond_review",
                    "consent_review",
                ]
            },
        },
    )


@login_required
@require_POST
def review_move(request: AuthenticatedHttpRequest, pk: int, name: str) -> HttpResponse:
    review = _review(request, pk)
    known = {t.name: t for t in review.get_all_state_transitions()}
    if name not in known:
        raise Http404
    own_page = known[name].custom.get("form")  # publishing and appeals have a page of their own
    if own_page:
        return redirect(own_page, pk=review.pk)
    reason = request.POST.get("reason", "")
    try:
        workflow.perform_review_move(review, name, by=request.user, reason=reason)
    except PermissionDenied:
        raise
    except ConcurrentTransition:
        messages.error(request, FASTER_MESSAGE)
    except (TransitionNotAllowed, ValidationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", None) or [str(error)]))
    else:
        messages.success(request, f"Done: the review is now at “{Review.objects.get(pk=pk).get_state_display()}”.")
    return redirect(review)


@login_required
@require_POST
def review_renew(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk, perm="peerreview.coordinate_review")
    renewed: dict[str, Review] = {}
    if attempt(
        request,
        lambda: renewed.setdefault("review", workflow.renew_review(review, by=request.user)),
        "The renewal has started, pre-filled from this review.",
    ):
        return redirect(renewed["review"])
    return redirect(review)


@login_required
def review_scope(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk, perm="peerreview.coordinate_review")
    form = forms.ScopeForm(
        request.POST or None, review=review, initial={"scope": review.scope, "standards": review.in_scope.all()}
    )
    return form_page(
        request,
        "peerreview/review_scope.html",
        form,
        {"review": review},
        lambda d: workflow.update_scope(review, by=request.user, scope=d["scope"], standards=d["standards"]),
        "The scope has been saved.",
        review,
    )


# --- the panel ---------------------------------------------------------------------------------------


@login_required
def assignment_invite(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk, perm="peerreview.coordinate_review")
    form = forms.InviteForm(request.POST or None)
    return form_page(
        request,
        "peerreview/assignment_invite.html",
        form,
        {"review": review, "workload": queries.workload()[:15]},
        lambda d: workflow.invite_reviewer(
            review, d["reviewer"], by=request.user, role=d["role"], waiver_reason=d["waiver_reason"]
        ),
        "The invitation has been sent.",
        review,
    )


@login_required
def assignment_respond(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk, perm="peerreview.respond_assignment")
    accept_form = forms.AcceptForm(request.POST if request.POST.get("answer") == "accept" else None)
    decline_form = forms.ReasonForm(request.POST if request.POST.get("answer") == "decline" else None)
    if request.method == "POST":
        if request.POST.get("answer") == "accept" and accept_form.is_valid():
            if attempt(
                request,
                lambda: workflow.accept_assignment(assignment, by=request.user, **accept_form.cleaned_data),
                "Thank you: you are on the panel.",
            ):
                return redirect(assignment.review)
        elif (
            request.POST.get("answer") == "decline"
            and decline_form.is_valid()
            and attempt(
                request,
                lambda: workflow.decline_assignment(
                    assignment, by=request.user, reason=decline_form.cleaned_data["reason"]
                ),
                "You have declined. Thank you for letting us know.",
            )
        ):
            return redirect("home")
    form = accept_form if accept_form.is_bound else decline_form if decline_form.is_bound else None
    return render(
        request,
        "peerreview/assignment_respond.html",
        {
            "assignment": assignment,
            "review": assignment.review,
            "accept_form": accept_form,
            "decline_form": decline_form,
            "form": form,
        },
    )


# The assignment moves made from the review's panel table (accepting, declining and submitting
# have pages of their own).
PANEL_MOVES = frozenset({"reinstate", "replace", "return_for_work"})


@login_required
@require_POST
def assignment_move(request: AuthenticatedHttpRequest, pk: int, name: str) -> HttpResponse:
    assignment = _assignment(request, pk)
    if name not in PANEL_MOVES:
        raise Http404
    attempt(
        request,
        lambda: workflow.perform_assignment_move(
            assignment, name, by=request.user, reason=request.POST.get("reason", "")
        ),
        lambda moved: moved_message(moved, name, request.user),
    )
    return redirect(assignment.review)


@login_required
@require_POST
def assignment_appoint_lead(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk, perm="peerreview.coordinate_assignment")
    attempt(
        request,
        lambda: workflow.appoint_lead(assignment, by=request.user, reason=request.POST.get("reason", "")),
        f"{assignment.reviewer.full_name} now leads the review.",
    )
    return redirect(assignment.review)


@login_required
def assignment_score(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk, perm="peerreview.score_assignment")
    review = assignment.review
    standards = list(review.standards_in_scope().order_by("position").prefetch_related("indicators"))
    mine = {r.standard_id: r for r in assignment.ratings.all()}
    editable = assignment.desk_review_is_open
    rows = []
    for standard in standards:
        existing = mine.get(standard.pk)
        initial = {"rating": existing.rating if existing else None, "rationale": existing.rationale if existing else ""}
        data = request.POST if request.method == "POST" else None
        rows.append(
            (
                standard,
                forms.RatingForm(data, review=review, prefix=f"s{standard.pk}", initial=initial)
                if review.is_scored
                else None,
            )
        )
    notes_form = forms.NotesForm(request.POST or None, initial={"notes": assignment.notes})
    if request.method == "POST" and editable:
        sent = [(standard, form) for standard, form in rows if form is not None and form.has_changed()]
        rows = [(st, f if f is None or f.has_changed() else _unbound(f, review=review)) for st, f in rows]
        if _all_valid([notes_form, *(f for _, f in sent)]):
            try:
                workflow.save_desk_review(
                    assignment,
                    by=request.user,
                    rows=[{"standard": standard, **form.cleaned_data} for standard, form in sent],
                    notes=notes_form.cleaned_data["notes"],
                )
            except RowErrors as error:
                apply_row_errors([form for _, form in sent], error)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                if request.POST.get("submit") != "1":
                    messages.success(request, "Saved. Submit when every standard has a rating and a rationale.")
                    return redirect("peerreview:assignment-score", pk=assignment.pk)
                if attempt(
                    request,
                    lambda: workflow.submit_assignment(Assignment.objects.get(pk=assignment.pk), by=request.user),
                    "Your desk review is submitted. You can now see the others' ratings.",
                ):
                    return redirect(review)
                return redirect("peerreview:assignment-score", pk=assignment.pk)
    others = [r for r in workflow.ratings_visible_to(request.user, review) if r.assignment_id != assignment.pk]
    return render(
        request,
        "peerreview/assignment_score.html",
        {
            "assignment": assignment,
            "review": review,
            "rows": rows,
            "notes_form": notes_form,
            "editable": editable,
            "others": others,
            "error_items": error_items([*((workflow.standard_label(st), f) for st, f in rows), ("", notes_form)]),
        },
    )


# --- self-assessment and evidence --------------------------------------------------------------------


@login_required
def self_assessment(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    user = request.user
    can_edit = user.has_perm("peerreview.self_assess_review", review) and review.self_assessment_is_open
    if not (
        user.has_perm("peerreview.self_assess_review", review) or user.has_perm("peerreview.view_panel_work", review)
    ):
        raise PermissionDenied
    entries = {e.indicator_id: e for e in review.self_ratings.all()}
    indicators = list(
        review.indicators_in_scope().select_related("standard__theme").order_by("standard__position", "position")
    )
    data = request.POST if request.method == "POST" and can_edit else None
    rows = []
    for indicator in indicators:
        e = entries.get(indicator.pk)
        initial = (
            {
                "rating": e.rating,
                "commentary": e.commentary,
                "no_evidence": e.no_evidence,
                "no_evidence_note": e.no_evidence_note,
            }
            if e
            else {}
        )
        rows.append((indicator, forms.SelfRatingForm(data, review=review, prefix=f"i{indicator.pk}", initial=initial)))
    statement = forms.PositionStatementForm(data, initial={"position_statement": review.position_statement})
    if data is not None:
        sent = [(indicator, form) for indicator, form in rows if form.has_changed()]
        rows = [(i, f if f.has_changed() else _unbound(f, review=review)) for i, f in rows]
        if _all_valid([statement, *(f for _, f in sent)]):
            try:
                workflow.save_self_assessment(
                    review,
                    by=user,
                    rows=[{"indicator": indicator, **form.cleaned_data} for indicator, form in sent],
                    position_statement=statement.cleaned_data["position_statement"],
                )
            except RowErrors as error:
                apply_row_errors([form for _, form in sent], error)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                if request.POST.get("submit") != "1":
                    messages.success(request, "Saved. You can come back and finish later.")
                    return redirect("peerreview:self-assessment", pk=review.pk)
                if attempt(
                    request,
                    lambda: workflow.submit_self_assessment(Review.objects.get(pk=review.pk), by=user),
                    "Your self-assessment is submitted and frozen. Thank you.",
                ):
                    return redirect(review)
                return redirect("peerreview:self-assessment", pk=review.pk)
    evidence_by_indicator: dict[int, list[Evidence]] = {}
    for ev in review.evidence.prefetch_related("indicators"):
        for indicator in ev.indicators.all():
            evidence_by_indicator.setdefault(indicator.pk, []).append(ev)
    return render(
        request,
        "peerreview/self_assessment.html",
        {
            "review": review,
            "rows": [(i, f, evidence_by_indicator.get(i.pk, [])) for i, f in rows],
            "statement": statement,
            "can_edit": can_edit,
            "missing": workflow.missing_self_assessment(review),
            "error_items": error_items([*((workflow.indicator_label(i), f) for i, f in rows), ("", statement)]),
        },
    )


@login_required
def evidence_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    if not (
        request.user.has_perm("peerreview.self_assess_review", review)
        or request.user.has_perm("peerreview.write_findings", review)
    ):
        raise PermissionDenied
    form = forms.EvidenceForm(request.POST or None, request.FILES or None, review=review)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            _, content_type = uploads.check_upload(upload)
            workflow.add_evidence(
                review,
                by=request.user,
                title=form.cleaned_data["title"],
                upload=upload,
                dated_on=form.cleaned_data["dated_on"],
                indicators=form.cleaned_data["indicators"],
                content_type=content_type,
            )
        except ValidationError as error:
            form.add_error("file" if not hasattr(error, "error_dict") else None, error)
        else:
            messages.success(request, "The evidence has been added.")
            return redirect("peerreview:self-assessment", pk=review.pk)
    return render(request, "peerreview/evidence_form.html", {"form": form, "review": review})


@login_required
def evidence_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    evidence = get_object_for_user(request, Evidence.objects.select_related("review"), view_perm=VIEW, pk=pk)
    user = request.user
    if not (
        user.has_perm("peerreview.self_assess_review", evidence.review)
        or user.has_perm("peerreview.view_panel_work", evidence.review)
    ):
        raise Http404
    return uploads.download(evidence)


# --- visit, moderation, findings -----------------------------------------------------------------------


@login_required
def review_visit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk, perm="peerreview.lead_review")
    form = forms.VisitForm(request.POST or None, initial={"visit_date": review.visit_date, "notes": review.visit_notes})
    return form_page(
        request,
        "peerreview/review_visit.html",
        form,
        {"review": review},
        lambda d: workflow.record_visit(review, by=request.user, visit_date=d["visit_date"], notes=d["notes"]),
        "The visit is recorded.",
        review,
    )


@login_required
def review_moderation(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk, perm="peerreview.view_panel_work")
    if not review.ratings_revealed:
        messages.error(request, "Ratings are revealed at moderation, once every desk review is in.")
        return redirect(review)
    standards = list(review.standards_in_scope().order_by("position"))
    flags = spread_flags(review)
    submitted = list(
        review.assignments.filter(state=Assignment.State.SUBMITTED)
        .select_related("reviewer")
        .order_by("role")
        .prefetch_related("ratings")
    )
    ratings = {(r.assignment_id, r.standard_id): r for a in submitted for r in a.ratings.all()}
    self_ratings: dict[int, list[int]] = {}
    for entry in SelfRating.objects.filter(review=review, rating__isnull=False).select_related("indicator"):
        self_ratings.setdefault(entry.indicator.standard_id, []).append(entry.rating)
    moderated = {m.standard_id: m for m in review.moderated_ratings.all()}
    editable = review.moderation_is_open and request.user.has_perm("peerreview.judge_review", review)
    if request.method == "POST" and review.moderation_is_open and not editable:
        raise PermissionDenied(workflow.MODERATION_REFUSAL)
    data = request.POST if request.method == "POST" and editable else None
    rows = []
    for s in standards:
        m = moderated.get(s.pk)
        form = forms.ModerationForm(
            data,
            review=review,
            prefix=f"s{s.pk}",
            initial={"rating": m.rating, "rationale": m.rationale, "flag_note": m.flag_note} if m else {},
        )
        own = self_ratings.get(s.pk, [])
        rows.append(
            {
                "standard": s,
                "self": round(sum(own) / len(own), 1) if own else None,
                "ratings": [(a, ratings.get((a.pk, s.pk))) for a in submitted],
                "flag": flags.get(s.pk),
                "moderated": m,
                "form": form,
            }
        )
    if data is not None:
        sent = [row for row in rows if row["form"].has_changed()]
        for row in rows:
            if not row["form"].has_changed():
                row["form"] = _unbound(row["form"], review=review)
        if _all_valid([row["form"] for row in sent]):
            try:
                saved = workflow.moderate_standards(
                    review, by=request.user, rows=[{"standard": r["standard"], **r["form"].cleaned_data} for r in sent]
                )
            except RowErrors as error:
                apply_row_errors([row["form"] for row in sent], error)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, f"Saved {len(saved)} agreed rating{'s' if len(saved) != 1 else ''}.")
                return redirect("peerreview:review-moderation", pk=review.pk)
    result = workflow.overall_result(review) if review.is_scored else None
    return render(
        request,
        "peerreview/review_moderation.html",
        {
            "review": review,
            "rows": rows,
            "panel": submitted,
            "editable": editable,
            "result": result,
            "error_items": error_items((workflow.standard_label(row["standard"]), row["form"]) for row in rows),
        },
    )


@login_required
def finding_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk, perm="peerreview.write_findings")
    form = forms.FindingForm(request.POST or None, review=review)
    return form_page(
        request,
        "peerreview/finding_form.html",
        form,
        {"review": review},
        lambda d: workflow.add_finding(
            review, by=request.user, kind=d["kind"], text=d["text"], standards=d["standards"], evidence=d["evidence"]
        ),
        "The finding has been added as a draft.",
        review,
    )


@login_required
@require_POST
def finding_agree(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    finding = get_object_for_user(
        request, Finding.objects.select_related("review"), view_perm="peerreview.view_finding", pk=pk
    )
    attempt(request, lambda: workflow.agree_finding(finding, by=request.user), "The finding is agreed.")
    return redirect(finding.review)


# --- right of reply -------------------------------------------------------------------------------------


@login_required
def review_replies(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    user = request.user
    can_reply = user.has_perm("peerreview.reply_finding", review) and review.replies_are_open
    findings = list(
        queries.findings_visible_to(user, review)
        .exclude(state=Finding.State.WITHDRAWN)
        .select_related("reply")
        .prefetch_related("standards")
    )
    data = request.POST if request.method == "POST" and can_reply and request.POST.get("part") == "replies" else None
    rows = []
    for f in findings:
        r = getattr(f, "reply", None)
        initial = {"kind": r.kind, "text": r.text, "evidence": r.evidence_id} if r else {}
        rows.append(
            (f, forms.ReplyForm(data, review=review, prefix=f"f{f.pk}", initial=initial) if can_reply else None)
        )
    extension_form = forms.ExtensionForm(request.POST if request.POST.get("part") == "extension" else None)
    if data is not None:
        sent = [(finding, form) for finding, form in rows if form is not None and form.has_changed()]
        rows = [(f, form if form is None or form.has_changed() else _unbound(form, review=review)) for f, form in rows]
        if _all_valid([form for _, form in sent]):
            try:
                workflow.reply_to_findings(
                    review, by=user, rows=[{"finding": finding, **form.cleaned_data} for finding, form in sent]
                )
            except RowErrors as error:
                apply_row_errors([form for _, form in sent], error)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                if request.POST.get("submit") != "1":
                    messages.success(request, "Your replies are saved. Submit them before the deadline.")
                elif attempt(
                    request,
                    lambda: workflow.submit_replies(Review.objects.get(pk=review.pk), by=user),
                    "Your replies are submitted.",
                ):
                    return redirect(review)
                return redirect("peerreview:review-replies", pk=review.pk)
    if (
        extension_form.is_bound
        and extension_form.is_valid()
        and attempt(
            request,
            lambda: workflow.request_extension(review, by=user, **extension_form.cleaned_data),
            "Your request has been sent to the coordinator.",
        )
    ):
        return redirect("peerreview:review-replies", pk=review.pk)
    return render(
        request,
        "peerreview/review_replies.html",
        {
            "review": review,
            "rows": rows,
            "can_reply": can_reply,
            "can_sign_off": user.has_perm("peerreview.sign_off_replies", review),
            "extension_form": extension_form,
            "form": extension_form if extension_form.is_bound else None,
            "error_items": error_items((workflow.finding_label(f), form) for f, form in rows),
        },
    )


@login_required
def reply_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    reply = get_object_for_user(
        request, Reply.objects.select_related("finding__review"), view_perm=VIEW, perm="peerreview.decide_reply", pk=pk
    )
    form = forms.DecisionForm(request.POST or None, initial={"amended_text": reply.finding.text})
    return form_page(
        request,
        "peerreview/reply_decide.html",
        form,
        {"reply": reply, "review": reply.finding.review},
        lambda d: workflow.decide_reply(reply, by=request.user, **d),
        "The challenge has been decided.",
        reply.finding.review,
    )


@login_required
def extension_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    extension = get_object_for_user(
        request,
        ExtensionRequest.objects.select_related("review"),
        view_perm=VIEW,
        perm="peerreview.coordinate_review",
        pk=pk,
    )
    form = forms.ExtensionDecisionForm(request.POST or None)
    return form_page(
        request,
        "peerreview/extension_decide.html",
        form,
        {"extension": extension, "review": extension.review},
        lambda d: workflow.decide_extension(extension, by=request.user, **d),
        "The extension request has been decided.",
        extension.review,
    )


# --- outcome, publication, actions ------------------------------------------------------------------


@login_required
def review_outcome(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk, perm="peerreview.propose_outcome")
    form = forms.OutcomeForm(
        request.POST or None, initial={"outcome": review.outcome, "rationale": review.outcome_rationale}
    )
    result = workflow.overall_result(review) if review.is_scored else None
    return form_page(
        request,
        "peerreview/review_outcome.html",
        form,
        {"review": review, "result": result},
        lambda d: workflow.set_outcome(review, by=request.user, **d),
        "The proposed outcome is recorded. The quality panel confirms it when every challenge is decided.",
        review,
    )


@login_required
def review_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk, perm="peerreview.coordinate_review")
    form = forms.PublishForm(request.POST or None, obj=review, initial={"visibility": review.visibility})
    return form_page(
        request,
        "peerreview/review_publish.html",
        form,
        {"review": review},
        lambda d: workflow.publish_review(review, by=request.user, **d),
        "The report is published.",
        review,
    )


@login_required
def review_response(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The organisation's management response, published beside the report."""
    review = _review(request, pk, perm="peerreview.respond_review")
    form = forms.ManagementResponseForm(request.POST or None, initial={"text": review.management_response})
    return form_page(
        request,
        "peerreview/review_response.html",
        form,
        {"review": review},
        lambda d: workflow.save_management_response(review, by=request.user, **d),
        "Your management response is saved. It is published beside the report.",
        review,
    )


@login_required
def review_consent(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The organisation's consents to publish and to share with named funders: give and withdraw."""
    review = _review(request, pk, perm="peerreview.consent_review")
    form = forms.ConsentForm(request.POST or None)
    return form_page(
        request,
        "peerreview/review_consent.html",
        form,
        {"review": review, "consents": review.consents.select_related("funder", "given_by", "withdrawn_by")},
        lambda d: workflow.give_consent(review, by=request.user, **d),
        "Your consent is recorded.",
        reverse("peerreview:review-consent", args=[review.pk]),
    )


@login_required
@require_POST
def consent_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    consent = get_object_for_user(
        request, Consent.objects.select_related("review"), view_perm=VIEW, perm="peerreview.consent_review", pk=pk
    )
    attempt(
        request,
        lambda: workflow.withdraw_consent(consent, by=request.user, reason=request.POST.get("reason", "")),
        "Your consent is withdrawn.",
    )
    return redirect("peerreview:review-consent", pk=consent.review_id)


@login_required
def action_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk, perm="peerreview.plan_actions")
    form = forms.ActionForm(request.POST or None, review=review)
    return form_page(
        request,
        "peerreview/action_form.html",
        form,
        {"review": review},
        lambda d: workflow.add_action(review, by=request.user, **d),
        "The action has been added.",
        review,
    )


@login_required
@require_POST
def action_move(request: AuthenticatedHttpRequest, pk: int, name: str) -> HttpResponse:
    action = get_object_for_user(request, Action.objects.select_related("review"), view_perm=VIEW, pk=pk)
    if name not in forms.ACTION_MOVES:
        raise Http404
    attempt(
        request,
        lambda: workflow.move_action(action, name, by=request.user, reason=request.POST.get("reason", "")),
        "The action has been updated.",
    )
    return redirect(action.review)


@login_required
def review_refer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk, perm="peerreview.refer_review")
    form = forms.ReferralForm(request.POST or None)
    return form_page(
        request,
        "peerreview/review_refer.html",
        form,
        {"review": review},
        lambda d: workflow.refer_to_lifeboat(review, by=request.user, **d),
        "A lifeboat referral has been opened with this review's link.",
        review,
    )


@login_required
def review_appeal(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Lodge an appeal (the organisation) or decide it (an independent appeals group member)."""
    review = _review(request, pk)
    user = request.user
    if review.under_appeal:
        if not user.has_perm("peerreview.decide_appeal", review):
            raise PermissionDenied
        form: Any = forms.AppealDecisionForm(request.POST or None)

        def act(d: dict[str, Any]) -> Any:
            return workflow.decide_appeal(review, by=user, **d)

        done = "The appeal has been decided and the organisation told."
    else:
        if not user.has_perm("peerreview.appeal_review", review):
            raise PermissionDenied
        form = forms.AppealForm(request.POST or None)

        def act(d: dict[str, Any]) -> Any:
            return workflow.lodge_appeal(review, by=user, **d)

        done = "Your appeal has been lodged. A member of the appeals group with no part in the review decides it."
    return form_page(
        request,
        "peerreview/review_appeal.html",
        form,
        {"review": review, "appeal": review.appeals.first(), "open_window": review.within_appeal_window()},
        act,
        done,
        review,
    )


@login_required
def review_report(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    snapshots = ReportSnapshot.objects.filter(review=review).order_by("-version", "-created_at")
    user = request.user
    if not (
        user.has_perm("peerreview.view_panel_work", review) or user.has_perm("peerreview.self_assess_review", review)
    ):
        snapshots = snapshots.filter(kind="final")
    snapshot = snapshots.first()
    if snapshot is None:
        raise Http404
    return render(
        request,
        "peerreview/review_report.html",
        {
            "review": review,
            "snapshot": snapshot,
            "data": snapshot.data,
            "superseded": snapshots.filter(version__gt=snapshot.version).exists(),
        },
    )


# --- public pages (no sign-in) ------------------------------------------------------------------------


def public_report(request: HttpRequest, pk: int) -> HttpResponse:
    """A published report the organisation consented to make public, readable signed out."""
    review = get_object_or_404(queries.public_reviews().select_related("organisation"), pk=pk)
    snapshot = ReportSnapshot.objects.filter(review=review, kind="final").order_by("-version").first()
    if snapshot is None:
        raise Http404
    return render(
        request, "peerreview/public_report.html", {"review": review, "snapshot": snapshot, "data": snapshot.data}
    )


def award_register(request: HttpRequest) -> HttpResponse:
    """The public register of current quality awards."""
    return render(request, "peerreview/award_register.html", {"awards": queries.current_awards()})

"""The organisation's own part in its lifeboat case (issue 17): its contacts read the plan,
milestones, grants and the documents in its own evidence slots, add evidence, sign off milestones
(its board sponsor) and give or withdraw its consent to tell funders.

Never the case file: notes, the decision log, the panel's reasons and the health check stay with
casework.view_case. Anyone else gets 404 here, exactly as for a case that does not exist."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from casework import forms, pathways, workflow
from casework.models import Case, CaseDocument, Grant, Milestone, Tranche
from core import uploads
from core.shortcuts import attempt, form_page, get_object_for_user
from core.types import AuthenticatedHttpRequest
from organisations.models import Membership

TAKE_PART = "casework.take_part_in_case"


def _case(request: AuthenticatedHttpRequest, pk: int, perm: str | None = None) -> Case:
    qs = Case.objects.select_related("organisation", "owner")
    return get_object_for_user(request, qs, view_perm=TAKE_PART, perm=perm, pk=pk)


def _sponsors(case: Case) -> list[str]:
    """Who signs off the milestones: the organisation's nominated responsible people."""
    current = Membership.objects.current().filter(
        organisation=case.organisation_id, role=Membership.Role.RESPONSIBLE_PERSON
    )
    return [m.person.full_name for m in current.select_related("person")]


@login_required
def our_case(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    user = request.user
    turnaround = getattr(case, "turnaround", None)
    milestones: list[dict[str, Any]] = []
    grants: list[Grant] = []
    if turnaround is not None:
        may_sign = user.has_perm("casework.sign_off_milestone", case)
        for milestone in turnaround.milestones.select_related("signed_off_by", "turnaround"):
            milestones.append({"m": milestone, "may_sign_off": may_sign and milestone.takes_sign_off})
        tranches = Prefetch("tranches", queryset=Tranche.objects.select_related("milestone"))
        grants = list(turnaround.grants.prefetch_related(tranches))
    documents = case.documents.filter(slot__in=CaseDocument.ORGANISATION_SLOTS).select_related("uploaded_by")
    return render(
        request,
        "casework/our_case.html",
        {
            "case": case,
            "turnaround": turnaround,
            "milestones": milestones,
            "grants": grants,
            "documents": documents,
            "funders": case.shared_with_funders.order_by("name"),
            "sponsors": _sponsors(case),
            "may_consent": user.has_perm("casework.consent_case", case),
            "may_add_evidence": user.has_perm("casework.provide_evidence", case),
        },
    )


@login_required
def our_case_consent(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, perm="casework.consent_case")
    given = case.funder_consent_on is not None
    form = forms.OrganisationConsentForm(
        request.POST or None,
        initial={
            "choice": forms.OrganisationConsentForm.GIVE if given else None,
            "funders": case.shared_with_funders.all(),
            "publish_grants": case.grants_publishable,
        },
    )

    def give(data: dict[str, Any]) -> Case:
        return workflow.give_funder_consent(
            case, by=request.user, funders=data["funders"], publish_grants=data["publish_grants"], note=data["note"]
        )

    return form_page(
        request,
        "casework/our_case_form.html",
        form,
        {"case": case, "title": "Telling funders about your case", "submit": "Save our consent"},
        give,
        lambda c: "Your consent is recorded." if c.funder_consent_on else "Your consent is withdrawn.",
        lambda c: reverse("casework:our-case", args=[c.pk]),
    )


@login_required
def our_case_evidence(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, perm="casework.provide_evidence")
    slots = [slot for slot in CaseDocument.Slot if slot in CaseDocument.ORGANISATION_SLOTS]
    form = forms.EvidenceForm(request.POST or None, request.FILES or None, slots=slots)
    return form_page(
        request,
        "casework/our_case_form.html",
        form,
        {"case": case, "title": "Add evidence", "submit": "Attach"},
        lambda d: workflow.add_document(case, by=request.user, **d),
        "The document is attached. Your caseworker can see it now.",
        lambda _: reverse("casework:our-case", args=[case.pk]),
    )


@login_required
@require_POST
def our_case_sign_off(request: AuthenticatedHttpRequest, pk: int, mid: int) -> HttpResponse:
    case = _case(request, pk, perm="casework.sign_off_milestone")
    try:
        milestone = Milestone.objects.get(pk=mid, turnaround__case=case)
    except Milestone.DoesNotExist:
        raise Http404 from None
    attempt(
        request,
        lambda: pathways.sign_off_milestone(milestone, by=request.user),
        f"You signed off “{milestone.title}”.",
    )
    return redirect("casework:our-case", case.pk)


@login_required
def our_case_document(request: AuthenticatedHttpRequest, pk: int, did: int) -> FileResponse:
    document = get_object_for_user(
        request,
        CaseDocument.objects.select_related("case"),
        view_perm="casework.view_shared_document",
        pk=did,
        case_id=pk,
    )
    return uploads.download(document)

"""Organisations, boroughs, people, roles and conflict declarations: thin views over workflow.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_POST
from django_otp import user_has_device

from core import audit
from core.shortcuts import attempt, form_page, get_object_for_user
from core.types import AuthenticatedHttpRequest
from core.workflow import require
from organisations import queries, workflow
from organisations.forms import (
    ConflictDeclarationForm,
    EndForm,
    MembershipForm,
    OrganisationForm,
    PersonForm,
    SetPasswordForm,
)
from organisations.models import Borough, ConflictDeclaration, Membership, Organisation, User
from organisations.tokens import invitation_token

PAGE_SIZE = 25


def _require(request: HttpRequest, perm: str, obj: object = None) -> None:
    require(request.user, perm, obj)


@login_required
def organisation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    qs = Organisation.objects.search(request.GET.get("q", "")).prefetch_related(
        Prefetch("boroughs", queryset=Borough.objects.only("name", "ons_code"))
    )
    kind = request.GET.get("kind", "")
    if kind in Organisation.Kind.values:
        qs = qs.filter(kind=kind)
    status = request.GET.get("status", "")
    statuses = Organisation.statuses_for(request.user)
    if status not in dict(statuses):
        status = ""
    qs = qs.with_status(status, request.user)
    borough = request.GET.get("borough", "")
    if borough:
        qs = qs.filter(boroughs__ons_code=borough)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for organisation in page:
        organisation.shown_status = organisation.status_seen_by(request.user)
        organisation.shown_status_label = organisation.status_label_seen_by(request.user)
    return render(
        request,
        "organisations/organisation_list.html",
        {
            "page": page,
            "kinds": Organisation.Kind.choices,
            "statuses": statuses,
            "boroughs": Borough.objects.all(),
            "filters": {"q": request.GET.get("q", ""), "kind": kind, "status": status, "borough": borough},
        },
    )


@login_required
def organisation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_for_user(
        request, Organisation.objects.prefetch_related("boroughs"), view_perm="organisations.view_organisation", pk=pk
    )
    user = request.user
    members = None
    if user.has_perm("organisations.list_user") or user.has_perm("organisations.change_organisation", organisation):
        members = organisation.memberships.current().select_related("person").order_by("role", "person__full_name")
    events = audit.events_for(organisation).order_by("-id")[:20] if user.has_perm("core.view_auditevent") else None
    organisation.shown_status = organisation.status_seen_by(user)
    organisation.shown_status_label = organisation.status_label_seen_by(user)
    return render(
        request,
        "organisations/organisation_detail.html",
        {"organisation": organisation, "members": members, "events": events},
    )


@login_required
def organisation_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(request, "organisations.add_organisation")
    return form_page(
        request,
        "organisations/organisation_form.html",
        OrganisationForm(request.POST or None, can_change_status=True),
        {"organisation": None},
        lambda data: workflow.register_organisation(by=request.user, **data),
        lambda organisation: f"{organisation} has been added.",
        lambda organisation: organisation,
    )


@login_required
def organisation_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_for_user(
        request,
        Organisation,
        view_perm="organisations.view_organisation",
        perm="organisations.change_organisation",
        pk=pk,
    )
    can_change_status = request.user.has_perm("organisations.add_organisation")
    return form_page(
        request,
        "organisations/organisation_form.html",
        OrganisationForm(request.POST or None, instance=organisation, can_change_status=can_change_status),
        {"organisation": organisation},
        lambda data: workflow.update_organisation(Organisation.objects.get(pk=pk), by=request.user, **data),
        "The organisation's details have been saved.",
        organisation,
    )


@login_required
def borough_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    boroughs = Borough.objects.annotate(
        organisation_count=Count("organisations", distinct=True),
        support_body_count=Count(
            "organisations",
            filter=Q(organisations__kind__in=list(Organisation.SUPPORT_BODY_KINDS)),
            distinct=True,
        ),
    )
    return render(request, "organisations/borough_list.html", {"boroughs": boroughs})


@login_required
def borough_detail(request: AuthenticatedHttpRequest, ons_code: str) -> HttpResponse:
    borough = get_object_for_user(request, Borough, view_perm="organisations.view_borough", ons_code=ons_code)
    organisations = borough.organisations.order_by("name")
    return render(request, "organisations/borough_detail.html", {"borough": borough, "organisations": organisations})


@login_required
def person_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(request, "organisations.list_user")
    qs = queries.people_visible_to(request.user).prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.current().select_related("organisation"), to_attr="current")
    )
    text = request.GET.get("q", "").strip()
    if text:
        qs = qs.filter(Q(full_name__icontains=text) | Q(email__icontains=text))
    role = request.GET.get("role", "")
    if role in Membership.Role.values:
        qs = qs.filter(pk__in=Membership.objects.current().filter(role=role).values("person"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "organisations/person_list.html",
        {"page": page, "roles": Membership.Role.choices, "filters": {"q": text, "role": role}},
    )


@login_required
def person_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = get_object_for_user(request, User, view_perm="organisations.view_user", pk=pk)
    memberships = person.memberships.select_related("organisation").order_by("-starts_on")
    conflicts = queries.conflicts_visible_to(request.user).filter(person=person)
    return render(
        request,
        "organisations/person_detail.html",
        {"person": person, "memberships": memberships, "conflicts": conflicts, "end_form": EndForm()},
    )


@login_required
def person_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(request, "organisations.add_membership")
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = workflow.create_person(by=request.user, **form.cleaned_data)
        messages.success(
            request,
            f"{person} has been added and invited by email to choose a password. Give them a role next.",
        )
        return redirect("organisations:membership-add", pk=person.pk)
    return render(request, "organisations/person_form.html", {"form": form})


@login_required
@require_POST
def person_invite(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = get_object_for_user(
        request, User, view_perm="organisations.view_user", perm="organisations.add_membership", pk=pk
    )
    attempt(
        request,
        lambda: workflow.invite_person(person, by=request.user),
        f"An invitation has been sent to {person.email}. Any earlier link no longer works.",
    )
    return redirect(person)


@login_required
@require_POST
def person_invitation_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = get_object_for_user(
        request, User, view_perm="organisations.view_user", perm="organisations.add_membership", pk=pk
    )
    attempt(
        request,
        lambda: workflow.revoke_invitation(person, by=request.user),
        f"The invitation to {person.email} has been cancelled: its link no longer works.",
    )
    return redirect(person)


@login_required
def membership_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = get_object_for_user(
        request, User, view_perm="organisations.view_user", perm="organisations.add_membership", pk=pk
    )
    return form_page(
        request,
        "organisations/membership_form.html",
        MembershipForm(request.POST or None),
        {"person": person},
        lambda data: workflow.grant_membership(
            person,
            data["organisation"],
            data["role"],
            by=request.user,
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            job_title=data["job_title"],
        ),
        "The role has been given.",
        person,
    )


@login_required
@require_POST
def membership_end(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _require(request, "organisations.end_membership")
    membership = get_object_for_user(
        request,
        Membership.objects.select_related("person"),
        view_perm="organisations.end_membership",
        pk=pk,
    )
    form = EndForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter the end date as a real date, for example 2026-11-30.")
        return redirect(membership.person)
    attempt(
        request,
        lambda: workflow.end_membership(
            membership, by=request.user, ends_on=form.cleaned_data["ends_on"], reason=form.cleaned_data["reason"]
        ),
        f"The role “{membership.get_role_display()}” has been ended.",
    )
    return redirect(membership.person)


@login_required
def conflict_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    conflicts = queries.conflicts_visible_to(request.user)
    show = request.GET.get("show", "current")
    if show != "all":
        conflicts = conflicts.current()
    text = request.GET.get("q", "").strip()
    if text:
        conflicts = conflicts.filter(Q(person__full_name__icontains=text) | Q(organisation__name__icontains=text))
    page = Paginator(conflicts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "organisations/conflictdeclaration_list.html",
        {"page": page, "conflicts": page.object_list, "filters": {"q": text, "show": show}},
    )


@login_required
def conflict_declare(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(request, "organisations.add_conflictdeclaration")
    for_others = request.user.has_perm("organisations.declare_conflict_for_others")
    return form_page(
        request,
        "organisations/conflictdeclaration_form.html",
        ConflictDeclarationForm(request.POST or None, for_others=for_others),
        {},
        lambda data: workflow.declare_conflict(
            data.get("person") or request.user,
            data["organisation"],
            by=request.user,
            kind=data["kind"],
            reason=data["reason"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
        ),
        "The interest has been recorded. Panels will take it into account.",
        "organisations:conflict-list",
    )


@login_required
@require_POST
def conflict_end(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    declaration = get_object_for_user(
        request,
        ConflictDeclaration,
        view_perm="organisations.view_conflictdeclaration",
        perm="organisations.end_conflictdeclaration",
        pk=pk,
    )
    workflow.end_conflict(declaration, by=request.user)
    messages.success(request, "The interest has been marked as ended.")
    return redirect("organisations:conflict-list")


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """The invitation link: the invited person chooses their first password (the link then stops working)."""

    form_class = SetPasswordForm
    token_generator = invitation_token
    template_name = "registration/invitation_accept.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        workflow.accept_invitation(self.user, password=form.cleaned_data["new_password1"])
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return redirect(self.success_url)


# --- two-factor sign-in (organisations/two_factor.py) ----------------------------------------------
@login_required
def two_factor_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The step after the password: a code from the app or a recovery code."""
    from organisations import two_factor

    if not user_has_device(request.user):
        return redirect("two-factor-setup")
    form = two_factor.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.verify(request, form.cleaned_data["code"]):
            return redirect(two_factor.next_url(request))
        form.add_error("code", "That code is not right or has been used. Enter the code your app shows now.")
    status = 400 if form.errors else 200
    return render(request, "organisations/two_factor_verify.html", {"form": form}, status=status)


@login_required
def two_factor_setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Set up an authenticator app (before the first one, or again from a verified session)."""
    from organisations import two_factor

    if user_has_device(request.user) and not request.user.is_verified():
        return redirect("two-factor")  # a password alone must not replace the second factor
    form = two_factor.SetupForm(request.POST or None)
    if form.is_bound and form.is_valid():
        codes = two_factor.confirm_enrolment(request, form.cleaned_data["key"], form.cleaned_data["code"])
        if codes is not None:
            context = {"codes": codes, "next": two_factor.next_url(request)}
            return render(request, "organisations/two_factor_codes.html", context)
        form.add_error("code", "That code is not right. Enter the 6-digit code your app shows now.")
    key = getattr(form, "cleaned_data", {}).get("key", "")
    if not key:  # first visit, or the offered key expired: offer a new one
        key, signed = two_factor.new_key()
        form.data = form.data.copy()
        form.data["key"] = signed
        form.initial["key"] = signed
    context = {"form": form, "secret": two_factor.secret_of(key), "uri": two_factor.config_url(request.user, key)}
    return render(request, "organisations/two_factor_setup.html", context, status=400 if form.errors else 200)


@login_required
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, for a person with two-step sign-in on, after a current code."""
    from organisations import two_factor

    if not user_has_device(request.user):
        return redirect("two-factor-setup")
    form = two_factor.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.regenerate_recovery_codes(request, form.cleaned_data["code"])
        if codes is not None:
            context = {"codes": codes, "next": reverse("home"), "regenerated": True}
            return render(request, "organisations/two_factor_codes.html", context)
        form.add_error("code", "That code is not right or has been used. Enter the code your app shows now.")
    status = 400 if form.errors else 200
    return render(request, "organisations/two_factor_recovery_codes.html", {"form": form}, status=status)

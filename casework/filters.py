"""The caseload: search, filters and sorting for the case list, one FilterSet shared by the page
(`casework:case-list`) and the API (`/api/cases/`), so both answer the same question the same way.

It only ever narrows `queries.cases_visible_to(user)`: a filter can never show a hidden case, and
the choices it offers (owners, boroughs) are reference data, not facts about cases.
"""

from __future__ import annotations

import functools
from typing import Any

import django_filters
from django import forms
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from casework.models import Case, CaseDocument, CaseNote, HealthCheck, Task
from core.filters import IdFilter
from core.forms import GovukForm
from organisations.models import Borough, Membership, User

ME = "me"


def caseworkers() -> QuerySet[User]:
    """People who hold (or held) the caseworker role: the owners a case list may be filtered by."""
    people = Membership.objects.filter(role=Membership.Role.CASEWORKER).values("person_id")
    return User.objects.filter(pk__in=people).order_by("full_name")


def search_cases(qs: QuerySet[Case], text: str) -> QuerySet[Case]:
    """Cases whose organisation's name, referral concerns or outcome, notes or documents' titles
    match `text`. PostgreSQL: full-text search (English stemming, web-search syntax: "quoted
    phrases", -exclusions, or). Elsewhere (SQLite): every word must appear somewhere, any case."""
    text = text.strip()
    if not text:
        return qs
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        query = SearchQuery(text, search_type="websearch", config="english")

        def matching(model: Any, *fields: str, key: str = "case_id") -> QuerySet[Any]:
            vector = SearchVector(*fields, config="english")
            return model.objects.annotate(search=vector).filter(search=query).values(key)

        return qs.filter(
            Q(pk__in=matching(Case, "organisation__name", "referral__concerns", "outcome_note", key="pk"))
            | Q(pk__in=matching(CaseNote, "text"))
            | Q(pk__in=matching(CaseDocument, "title"))
        )
    for word in text.split():
        qs = qs.filter(
            Q(organisation__name__icontains=word)
            | Q(referral__concerns__icontains=word)
            | Q(outcome_note__icontains=word)
            | Q(pk__in=CaseNote.objects.filter(text__icontains=word).values("case_id"))
            | Q(pk__in=CaseDocument.objects.filter(title__icontains=word).values("case_id"))
        )
    return qs


def overdue_tasks() -> Exists:
    """The case has a task still open after its due date."""
    return Exists(Task.objects.filter(case=OuterRef("pk"), done_at__isnull=True, due_on__lt=timezone.localdate()))


class NullsLastOrdering(django_filters.OrderingFilter):
    """Sorting where blanks (no task due, no contact yet) come last either way, and ties keep the
    newest case first, so a page never shuffles between requests."""

    def filter(self, qs: QuerySet[Case], value: Any) -> QuerySet[Case]:
        if not value:
            return qs
        order = []
        for param in value:
            name = self.get_ordering_value(param)
            field = F(name.lstrip("-"))
            order.append(field.desc(nulls_last=True) if name.startswith("-") else field.asc(nulls_last=True))
        return qs.order_by(*order, "-created_at", "-pk")


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label="Search", max_length=200)
    state = django_filters.MultipleChoiceFilter(
        choices=Case.State.choices, label="Stage", widget=forms.CheckboxSelectMultiple
    )
    pathway = django_filters.ChoiceFilter(choices=Case.Pathway.choices, label="Pathway", empty_label="Any pathway")
    # By id, not by choice of caseworker: an id that is nobody's and one that is somebody's answer
    # alike (core.filters); the page still offers the caseworkers in a select.
    owner = IdFilter(method="filter_owner", label="Owner", keywords=[ME])
    borough = django_filters.ModelChoiceFilter(
        queryset=Borough.objects.order_by("name"),
        to_field_name="ons_code",
        method="filter_borough",
        label="Borough served",
        empty_label="Any borough",
    )
    risk = django_filters.ChoiceFilter(
        choices=[*HealthCheck.Risk.choices, ("none", "Not assessed yet")],
        method="filter_risk",
        label="Risk",
        empty_label="Any risk",
    )
    overdue = django_filters.ChoiceFilter(
        choices=[("true", "Only cases with overdue tasks"), ("false", "Only cases with none overdue")],
        method="filter_overdue",
        label="Overdue tasks",
        empty_label="Either",
    )
    ordering = NullsLastOrdering(
        fields=(
            ("created_at", "created_at"),
            ("state", "state"),
            ("organisation__name", "organisation"),
            ("owner__full_name", "owner"),
            ("risk_rank", "risk"),
            ("next_due", "next_due"),
            ("stage_since", "stage_since"),
            ("last_contact", "last_contact"),
        ),
        field_labels={
            "created_at": "Oldest first",
            "-created_at": "Newest first",
            "organisation": "Organisation (A to Z)",
            "-organisation": "Organisation (Z to A)",
            "owner": "Owner (A to Z)",
            "-owner": "Owner (Z to A)",
            "-risk": "Highest risk first",
            "risk": "Lowest risk first",
            "next_due": "Next due first",
            "-next_due": "Next due last",
            "stage_since": "Longest in stage first",
            "-stage_since": "Newest in stage first",
            "last_contact": "Longest since contact first",
            "-last_contact": "Latest contact first",
            "state": "Stage (A to Z)",
            "-state": "Stage (Z to A)",
        },
        label="Sort by",
        empty_label="Newest first",
    )

    # Kept from the API's earlier filters (not shown on the page).
    organisation = IdFilter(field_name="organisation", label="Organisation id")
    outcome = django_filters.ChoiceFilter(choices=Case.Outcome.choices, label="Outcome")

    class Meta:
        model = Case
        form = GovukForm
        fields = ["q", "state", "pathway", "owner", "borough", "risk", "overdue", "organisation", "outcome"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

        # Asked for only when the page draws the select, and then once (the widget reads its
        # choices more than once while rendering).
        @functools.cache
        def owners() -> list[tuple[str, str]]:
            return [("", "Anyone"), (ME, "Me"), *((str(p.pk), p.full_name) for p in caseworkers())]

        self.filters["owner"].extra["widget"] = forms.Select(choices=owners)

    def filter_search(self, qs: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return search_cases(qs, value)

    def filter_owner(self, qs: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        if value == ME:
            user = getattr(self.request, "user", None)
            return qs.filter(owner=user) if user is not None and user.is_authenticated else qs.none()
        return qs.filter(owner_id=value)

    def filter_borough(self, qs: QuerySet[Case], name: str, value: Borough | None) -> QuerySet[Case]:
        if value is None:
            return qs
        return qs.filter(organisation__in=value.organisations.values("pk"))

    def filter_risk(self, qs: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        if value == "none":
            return qs.filter(health_check__isnull=True)
        return qs.filter(health_check__risk=value)

    def filter_overdue(self, qs: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        if not value:
            return qs
        return qs.filter(overdue_tasks()) if value == "true" else qs.exclude(overdue_tasks())


# Saved views: links to the case list with the filters they stand for.
SAVED_VIEWS = [
    ("My cases", {"owner": ME}),
    ("Waiting on the panel", {"state": [Case.State.AWAITING_DECISION, Case.State.CLOSING_REVIEW]}),
    ("Overdue", {"overdue": "true", "ordering": "next_due"}),
]

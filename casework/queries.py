"""List-side twins of casework.rules."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Case as Switch
from django.db.models import CharField, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone

from casework.models import (
    Case,
    CaseNote,
    Closure,
    Grant,
    HealthCheck,
    Interim,
    Referral,
    RegisterItem,
    Task,
    Turnaround,
)
from casework.rules import DECISIONS
from core import words
from core.models import AuditEvent
from core.templatetags import words as labels
from core.workflow import may, move_label
from organisations.models import Membership
from organisations.rules import is_administrator, is_panel_member


def cases_visible_to(user: Any) -> QuerySet[Case]:
    """Twin of casework.view_case: the team's own cases; everything for the panel and administrators."""
    qs = Case.objects.select_related("organisation", "owner")
    if not user.is_authenticated:
        return qs.none()
    if is_administrator(user) or is_panel_member(user):
        return qs
    return qs.filter(on_team(user))


def caseload_visible_to(user: Any) -> QuerySet[Case]:
    """cases_visible_to(user) with the case list's columns, each one subquery (the row count never
    multiplies the queries): `risk_level` and `risk_rank` (high 3 … not assessed 0), `next_due`
    (the earliest open task), `stage_since` (when the case reached its stage), `last_contact` (the
    latest note's date of contact) and `has_overdue` (an open task past its date)."""
    open_tasks = Task.objects.filter(case=OuterRef("pk"), done_at__isnull=True)
    moved = AuditEvent.objects.filter(
        object_type="casework.case",
        object_id=Cast(OuterRef("pk"), output_field=CharField()),
        target_state=OuterRef("state"),
    ).order_by("-id")
    contact = (
        CaseNote.objects.filter(case=OuterRef("pk"))
        .annotate(day=Coalesce("contacted_on", TruncDate("created_at")))
        .order_by("-day")
    )
    risk = HealthCheck.Risk
    return cases_visible_to(user).annotate(
        risk_level=Coalesce("health_check__risk", Value("")),
        risk_rank=Switch(
            When(health_check__risk=risk.RED, then=Value(3)),
            When(health_check__risk=risk.AMBER, then=Value(2)),
            When(health_check__risk=risk.GREEN, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
        next_due=Subquery(open_tasks.order_by("due_on").values("due_on")[:1]),
        has_overdue=Exists(open_tasks.filter(due_on__lt=timezone.localdate())),
        stage_since=Coalesce(Subquery(moved.values("created_at")[:1]), "created_at"),
        last_contact=Subquery(contact.values("day")[:1]),
    )


@dataclass
class Waiting:
    """Something that waits for `user`'s decision: what, on which case, since when."""

    obj: Any
    case: Case
    moves: list[str]
    since: datetime.datetime

    @property
    def choices(self) -> str:
        return words.either(self.moves)

    @property
    def what(self) -> str:
        name = getattr(self.obj, "title", "") or getattr(self.obj, "name", "")
        noun = self.obj._meta.verbose_name
        return f"{noun.capitalize()} “{name}”" if name else noun.capitalize()


# Records that can wait for a decision, and the path from each to its case.
DECIDED_ON: list[tuple[type[Any], str]] = [
    (Case, ""),
    (Closure, "case"),
    (Turnaround, "case"),
    (Interim, "case"),
    (Grant, "turnaround__case"),
    (RegisterItem, "closure__case"),
]


def decisions_waiting_for(user: Any, limit: int = 30) -> list[Waiting]:
    """The approvals inbox: every record on an open case in a state a decision move leaves from
    (a move guarded by one of casework.rules.DECISIONS) that `user` may make, oldest first. The
    rules judge each row; one query per kind of record (and one for the teams), whatever the count."""
    open_cases = cases_visible_to(user).filter(state__in=Case.OPEN).values("pk")
    waiting = []
    for model, to_case in DECIDED_ON:
        moves = [t for t in model._meta.get_field("state").get_all_transitions(model) if t.permission in DECISIONS]
        prefix = f"{to_case}__" if to_case else ""
        entered = AuditEvent.objects.filter(
            object_type=f"{model._meta.app_label}.{model._meta.model_name}",
            object_id=Cast(OuterRef("pk"), output_field=CharField()),
            target_state=OuterRef("state"),
        ).order_by("-id")
        rows = (
            model.objects.filter(state__in={t.source for t in moves}, **{f"{prefix}pk__in": open_cases})
            .select_related(*([f"{to_case}__organisation"] if to_case else ["organisation"]))
            .prefetch_related(f"{prefix}team")
            .annotate(waiting_since=Coalesce(Subquery(entered.values("created_at")[:1]), "created_at"))
            .order_by("waiting_since", "pk")
        )
        if model is Grant:
            rows = rows.with_others_total()
        for obj in rows[:limit]:
            mine = [move_label(t) for t in moves if t.source == obj.state and may(t, obj, user)]
            if mine:
                case = obj if model is Case else obj.case
                waiting.append(Waiting(obj=obj, case=case, moves=mine, since=obj.waiting_since))
    return sorted(waiting, key=lambda w: w.since)[:limit]


def on_team(user: Any) -> Q:
    """Cases the person owns or works on (a subquery, not a join: no duplicate rows to remove)."""
    return Q(owner=user) | Q(pk__in=Case.team.through.objects.filter(user=user).values("case_id"))


def cases_shared_with(user: Any) -> QuerySet[Case]:
    """Twin of is_consented_funder: cases whose organisation consented to tell the person's funder."""
    if not user.is_authenticated:
        return Case.objects.none()
    funders = user.organisations_with_role(Membership.Role.FUNDER_READER)
    shared = Case.shared_with_funders.through.objects.filter(organisation__in=funders).values("case_id")
    return Case.objects.filter(funder_consent_on__isnull=False, pk__in=shared).select_related("organisation")


def cases_of_own_organisation(user: Any) -> QuerySet[Case]:
    """Twin of casework.take_part_in_case: the cases of the organisations the person is a contact
    (or the nominated responsible person) of, once the panel has decided them."""
    if not user.is_authenticated:
        return Case.objects.none()
    organisations = user.organisations_with_role(Membership.Role.CONTACT, Membership.Role.RESPONSIBLE_PERSON)
    return Case.objects.filter(
        organisation__in=organisations, decided_by__isnull=False, board_consent_on__isnull=False
    ).select_related("organisation")


def referrals_waiting(user: Any) -> QuerySet[Referral]:
    """Referrals no case has been opened for yet (for caseworkers, the panel and administrators)."""
    if not user.has_perm("casework.view_referral"):
        return Referral.objects.none()
    return Referral.objects.filter(case__isnull=True, dismissed_at__isnull=True).select_related(
        "organisation", "referred_by"
    )


def case_events(case: Case) -> QuerySet[AuditEvent]:
    """The decision log: every audit event on the case and on everything that belongs to it (its
    health check, notes, tasks, documents, pathway records and their registers), oldest first.
    Found generically from the model relations, so new pathway models join without changes here."""
    objects: dict[str, set[str]] = {"casework.case": {str(case.pk)}}
    if case.referral_id:
        objects["casework.referral"] = {str(case.referral_id)}

    def collect(parent: Any, depth: int) -> None:
        for rel in parent._meta.related_objects:
            model = rel.related_model
            if model._meta.app_label != "casework" or rel.name.startswith("historical"):
                continue
            if rel.one_to_one:
                child = getattr(parent, rel.get_accessor_name(), None)
                children = [child] if child is not None else []
            elif rel.one_to_many:
                children = list(getattr(parent, rel.get_accessor_name()).all())
            else:
                continue
            label = model._meta.label_lower
            for child in children:
                objects.setdefault(label, set()).add(str(child.pk))
                if depth < 2:
                    collect(child, depth + 1)

    collect(case, 1)
    match = Q(pk__in=[])
    for label, ids in objects.items():
        match |= Q(object_type=label, object_id__in=sorted(ids))
    return AuditEvent.objects.filter(match).select_related("actor").order_by("id")


DECISION_LOG_COLUMNS = [
    "When",
    "Who",
    "Role",
    "What",
    "Item",
    "From",
    "To",
    "Reason",
    "What changed",
    "Event id",
    "Event hash",
]


def decision_log_rows(case: Case) -> list[list[str]]:
    """The decision log as rows (shared by the CSV here and the PDF in reports), in words: roles,
    moves and states by their labels, never their codes, and what each event changed from what to
    what (`core.words`)."""
    return [
        [
            timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M"),
            e.actor_name or "System",
            labels.role_label(e.role),
            labels.action_label(e.object_type, e.action),
            e.object_repr,
            labels.state_label(e.object_type, e.source_state) if e.source_state else "",
            labels.state_label(e.object_type, e.target_state) if e.target_state else "",
            e.reason,
            "; ".join(words.describe_event(e)),
            str(e.pk),
            e.hash,
        ]
        for e in case_events(case)
    ]

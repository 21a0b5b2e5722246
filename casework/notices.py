"""Who must act next in the lifeboat is told by email, through the outbox, in the transaction of the
change that makes them needed (issue 19):

- a new referral: the lifeboat's caseworkers, who screen it;
- something waits for a decision (a case at the panel, a closing to approve, a dissolution to
  confirm, a turnaround plan, an interim brief, a grant, a "not applicable" request): everyone who
  may now make it. The moves are those whose permission is one of `casework.rules.DECISIONS`, and
  the rules say who may make them, so four eyes hold in the mail too (never the person asking);
- a decision made: the case's owner and team, except the person who made it;
- what was waiting only for edits (a closure plan, an interim brief) becoming complete: the
  deciders, once (`tell_deciders_when_ready`).

Subjects never name the organisation (mail is read on shared screens); bodies do, and only people
who may already see the case receive them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse

from casework.models import Case, Referral
from casework.rules import DECISIONS, case_of
from core.emails import queue_email
from core.words import either
from core.workflow import may, move_label, unmet_guards
from organisations.models import Membership, User


def _send(people: Iterable[Any], *, subject: str, body: str, path: str) -> str | None:
    emails = sorted({p.email for p in people if p.is_active and p.email})
    link = f"{getattr(settings, 'SITE_URL', '')}{path}"
    return queue_email("emails/casework/notice", emails, {"subject": subject, "body": body, "link": link})


def _people_with_role(role: str) -> list[Any]:
    return list(User.objects.filter(memberships__in=Membership.objects.current().filter(role=role)).distinct())


def _thing(obj: models.Model) -> str:
    """'the grant “Rent arrears”', 'the closure', 'the case'."""
    name = getattr(obj, "title", "") or getattr(obj, "name", "")
    noun = obj._meta.verbose_name
    return f"the {noun} “{name}”" if name else f"the {noun}"


def new_referral(referral: Referral) -> str | None:
    """Tell the caseworkers a referral is waiting to be screened (never its referrer)."""
    people = [p for p in _people_with_role(Membership.Role.CASEWORKER) if p.pk != referral.referred_by_id]
    return _send(
        people,
        subject="A new lifeboat referral is waiting",
        body=f"{referral.organisation.name} was referred on {referral.received_on:%-d %B %Y} "
        f"({referral.get_urgency_display().lower()}). Screen it and open a case, or dismiss it with a reason.",
        path=reverse("casework:case-list"),
    )


def decisions_waiting(obj: models.Model) -> list[Any]:
    """The decision moves from `obj`'s state. Their guards are not asked: what they still need is
    often the deciders' own part (the panel chooses the pathway before approving the case)."""
    state = obj.state  # type: ignore[attr-defined]
    moves = obj.get_all_state_transitions()  # type: ignore[attr-defined]
    return [t for t in moves if t.source in (state, "*") and t.permission in DECISIONS]


def ready(obj: models.Model) -> bool:
    """A decision move from `obj`'s state has every guard met: the deciders can make it now."""
    return any(not unmet_guards(obj, t) for t in decisions_waiting(obj))


def tell_deciders_when_ready(obj: models.Model, *, was_ready: bool, by: Any) -> str | None:
    """After an edit (not a move): tell the deciders once what they waited for is complete (a
    closure plan, an interim brief), not at every later edit."""
    return tell_deciders(obj, by=by) if not was_ready and ready(obj) else None


def tell_deciders(obj: models.Model, *, by: Any) -> str | None:
    """Tell everyone who may now decide on `obj` (but `by`) that it waits for them."""
    moves = decisions_waiting(obj)
    case = case_of(obj)
    if not moves or case is None:
        return None
    insiders = {*_people_with_role(Membership.Role.PANEL_MEMBER), case.owner, *case.team.all()}
    deciders = [p for p in insiders if p.pk != by.pk and any(may(t, obj, p) for t in moves)]
    return _send(
        deciders,
        subject="A lifeboat decision is waiting for you",
        body=f"{_thing(obj)[:1].upper()}{_thing(obj)[1:]} for {case.organisation.name} is waiting for you "
        f"to {either([move_label(t) for t in moves])}.",
        path=obj.get_absolute_url(),  # type: ignore[attr-defined]
    )


def tell_team_decided(obj: models.Model, t: Any, *, by: Any, case: Case) -> str | None:
    team = [p for p in {case.owner, *case.team.all()} if p.pk != by.pk]
    return _send(
        team,
        subject="A lifeboat decision has been made",
        body=f"{by.full_name or by.email} chose “{move_label(t)}” on {_thing(obj)} for {case.organisation.name}.",
        path=obj.get_absolute_url(),  # type: ignore[attr-defined]
    )


def on_move(sender: type[models.Model], *, obj: models.Model, name: str, source: str, by: Any, **_: Any) -> None:
    """core.workflow.moved, for casework's records: tell whoever the move makes needed."""
    if sender._meta.app_label != "casework":
        return
    case = case_of(obj)
    if case is None:
        return
    done = next((t for t in obj.get_all_state_transitions() if t.name == name and t.source == source), None)  # type: ignore[attr-defined]
    if done is not None and done.permission in DECISIONS:
        tell_team_decided(obj, done, by=by, case=case)
    tell_deciders(obj, by=by)

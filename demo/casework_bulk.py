"""Years of past lifeboat cases in bulk, for benchmarks at scale (`seed_demo --scale N`, N > 1).

The bulk twin of `casework.demo`: it writes the rows a walk through `casework.workflow` (and
`casework.pathways`) would leave -- referral, case, health check, pathway choice, notes, and for
every case that reached a decision its pathway record -- with `bulk_create`, plus a simple-history
row for every save the walk makes and an audit event for every act it records
(`core.audit.append_many`, the same hash chain). Most cases are long finished (archived, closed,
declined, withdrawn); an organisation has at most one open case.

Pathway records follow the case: a case that went on to close has its pathway at its exit (a
closure dissolved, or after closure once the case is in follow-up; about one closure in eight on
the insolvent route; a turnaround exited; an interim placement ended); a case still active, on
hold, escalated or withdrawn has it somewhere along the way. About two cases in five are closures
(the trustees had resolved to close), the rest take the health check's recommendation. Closures
from planning on carry their registers (services, assets, funds, employees, contracts, creditors,
filings, the bank account last), with £ values: proposed while planning, a mix of proposed, agreed
and completed while winding down, all completed from the final accounts on, each completed item
with a destination `RegisterItem.problems()` accepts. Turnarounds carry their milestones, interim
placements their candidates and the review that ended the placement.

Proportionate, not a replay of every click: each pathway move is one history row and one audit
event (with the facts recorded for it as a separate "update" row and event before it), a register
item is created, agreed and completed (its completion date recorded with the last move). Left
out: uploaded documents (the evidence slots the guards read), turnaround grants and tranches,
review tasks.
"""

from __future__ import annotations

import datetime
import functools
import random
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from casework.models import (
    Candidate,
    Case,
    CaseNote,
    Closure,
    HealthCheck,
    Interim,
    InterimReview,
    Milestone,
    PathwayChange,
    Referral,
    RegisterItem,
    Turnaround,
)
from core import audit
from demo import casework as demo
from organisations.models import Organisation, User

BATCH_CASES = 250
DAY_OF = {
    "referred": 0,
    "screening": 5,
    "triage": 12,
    "awaiting_decision": 30,
    "active": 45,
    "closing_review": 270,
    "closed": 300,
    "follow_up": 310,
    "archived": 420,
}
PANEL_MOVES = {"approve", "close", "choose_pathway"}
NOTES = [
    "Spoke with the chair: the board meets on Thursday to agree the cash-flow plan.",
    "Treasurer sent the 13-week forecast; two grants are late.",
]
CLOSURE_SHARE = 0.4  # cases whose trustees had resolved to close, whatever the health check said
INSOLVENT_SHARE = 0.12  # finished closures that took the insolvent route
# Where a pathway stops when the case did not get as far as its closing review.
MIDWAY = {
    "closure": ["decision_pending", "decision_made", "planning", "planning", "winding_down", "winding_down"]
    + ["winding_down", "final_accounts", "regulator_filing"],
    "turnaround": ["diagnosis", "plan_drafted", "plan_approved", "implementing", "implementing", "review"]
    + ["stabilised"],
    "interim": ["need_identified", "brief_agreed", "sourcing", "matched", "contracted", "in_post", "in_post"]
    + ["review", "handover"],
}
# The case's outcome, by where its pathway ended.
OUTCOMES = {
    "dissolved": {"outcome": "closed_orderly", "outcome_note": "Services and staff passed to neighbours."},
    "insolvent_route": {"outcome": "insolvent", "outcome_note": "The insolvency practitioner wound it up."},
    "exited": {"outcome": "stabilised", "outcome_note": "Thirteen weeks of runway and a new funder in place."},
    "ended": {"outcome": "stabilised", "outcome_note": "A permanent chief executive is in post."},
}


@functools.cache
def _transition(source: str, target: str) -> str:
    state_field = Case._meta.get_field("state")
    for t in state_field.get_all_transitions(Case):  # type: ignore[attr-defined]
        if t.source == source and t.target == target:
            return t.name
    raise LookupError(f"Case has no transition from {source} to {target}")


def _put(obj: Any, name: str, value: Any) -> None:
    # See peerreview.demo_bulk._put: a loader laying out rows before their first save.
    if name == "state":
        obj.__dict__["state"] = value
    else:
        setattr(obj, name, value)


def seed_history(*, caseworker: User, panel: User, rng: random.Random, cases: int) -> int:
    """Write `cases` past lifeboat cases across the organisations; return how many."""
    if cases <= 0:
        return 0
    organisations = list(Organisation.objects.exclude(kind__in=["funder", "public_body"]).order_by("pk"))
    busy = set(Case.objects.filter(state__in=Case.OPEN).values_list("organisation_id", flat=True))
    funders = list(Organisation.objects.filter(kind="funder").order_by("pk"))
    now = timezone.now()
    # The pathways draw from their own generator, seeded from `rng` without advancing it, so the
    # cases themselves come out as they always did for a given seed.
    twin = random.Random()
    twin.setstate(rng.getstate())
    pick = random.Random(twin.getrandbits(64))
    world = _World(caseworker, panel, organisations, funders, pick, now)
    finished = ["archived"] * 6 + ["follow_up", "closed", "declined", "withdrawn"]
    open_targets = ["referred", "screening", "triage", "awaiting_decision", "active", "closing_review", "on_hold"]
    rows: list[dict[str, Any]] = []
    written = 0
    for n in range(cases):
        organisation = organisations[(n * 7) % len(organisations)]
        if organisation.pk not in busy and rng.random() < 0.15:
            target = rng.choice(open_targets)
            busy.add(organisation.pk)
            created = now - datetime.timedelta(days=DAY_OF.get(target, 60) + rng.randint(1, 20))
        else:
            target = rng.choice(finished)
            created = now - datetime.timedelta(days=450 + rng.randint(0, 6 * 365))
        rows.append(_case(organisation, target, created, n, world))
        if len(rows) >= BATCH_CASES:
            written += _write(rows)
            rows = []
    written += _write(rows)
    return written


def _case(organisation: Organisation, target: str, created: datetime.datetime, n: int, world: _World) -> dict[str, Any]:
    caseworker, panel = world.caseworker, world.panel
    side = demo.SIDE.get(target)
    path = demo.PATH[: demo.PATH.index(side or target) + 1]
    who = {"caseworker": caseworker, "panel": panel}
    referral = Referral(
        organisation=organisation,
        source="cvs",
        concerns=demo.CONCERNS[n % len(demo.CONCERNS)],
        referred_by=caseworker,
        created_at=created,
        updated_at=created,
    )
    case = Case(referral=referral, organisation=organisation, owner=caseworker, created_at=created, updated_at=created)
    out: dict[str, Any] = {
        "referral": referral,
        "case": case,
        "case_history": [(created, "create", caseworker, "+", {})],
        "check": None,
        "pathway": None,
        "notes": [],
        "lives": [],
        "events": [
            (created, referral, {"action": "refer", "actor": caseworker, "role": "caseworker"}),
            (created, case, {"action": "create", "actor": caseworker, "role": "caseworker", "payload": "referral"}),
        ],
    }
    state = {"state": "referred"}

    def record(when: datetime.datetime, name: str, key: str, transition: bool, **changes: Any) -> None:
        source = state["state"]
        for k, v in changes.items():
            _put(case, k, v)
        if transition:
            state["state"] = changes["state"]
        case.updated_at = when
        out["case_history"].append((when, name, who[key], "~", dict(state, **changes)))
        role = "panel_member" if key == "panel" else "caseworker"
        payload = {"changes": {k: [None, str(v)] for k, v in changes.items() if k != "state"}}
        fields = {"source_state": source, "target_state": changes["state"]} if transition else {}
        out["events"].append(
            (when, case, {"action": name, "actor": who[key], "role": role, "payload": payload, **fields})
        )

    def at(stage: str) -> datetime.datetime:
        return created + datetime.timedelta(days=DAY_OF[stage])

    plan: dict[str, Any] = {}
    for stage in path[1:]:
        t = at(stage)
        name = _transition(state["state"], stage)
        if stage == "screening":
            record(
                t - datetime.timedelta(hours=2),
                "screening",
                "caseworker",
                False,
                identity_confirmed=True,
                conflict_declared_at=t - datetime.timedelta(hours=2),
                conflict_note="none declared",
                latest_accounts_on=(t - datetime.timedelta(days=240)).date(),
            )
            record(t, name, "caseworker", True, state=stage)
        elif stage == "awaiting_decision":
            fields = demo._health(case, n % 12)
            fields["weekly_net_cash"] = [str(v) for v in fields["weekly_net_cash"]]
            when = t - datetime.timedelta(days=2)
            check = HealthCheck(case=case, created_at=when, updated_at=when, **fields)
            risk, pathway, _ = check.assess()
            out["check"] = (check, when, risk, pathway)
            record(t, name, "caseworker", True, state=stage, triaged_by=caseworker)
        elif stage == "active":
            recommended = out["check"][3]
            pathway = Case.Pathway.CLOSURE if world.pick.random() < CLOSURE_SHARE else recommended
            plan = {"pathway": str(pathway), "exit": _exit_state(pathway, world.pick)}
            when = t - datetime.timedelta(hours=3)
            record(
                when,
                "choose_pathway",
                "panel",
                False,
                pathway=pathway,
                board_consent_on=when.date(),
                board_consent_note="Board resolution, minuted.",
            )
            reason = "As recommended." if pathway == recommended else "The trustees had already resolved to close."
            out["pathway"] = PathwayChange(
                case=case, to_pathway=pathway, reason=reason, approved_by=panel, changed_at=when
            )
            record(t, name, "panel", True, state=stage, decided_by=panel)
            for k, text in enumerate(NOTES):
                note_when = t + datetime.timedelta(days=10 * (k + 1))
                out["notes"].append(CaseNote(case=case, author=caseworker, text=text, created_at=note_when))
        elif stage == "closing_review":
            record(
                t - datetime.timedelta(days=1),
                "outcome",
                "caseworker",
                False,
                **OUTCOMES[plan["exit"]],
            )
            record(t, name, "caseworker", True, state=stage)
        elif stage == "closed":
            record(t, name, "panel", True, state=stage, closed_at=t)
        else:
            record(t, name, "caseworker", True, state=stage)
    if side is not None:
        t = at(side) + datetime.timedelta(days=7)
        extra = {
            "declined": {"signposting": "The local CVS's funding advice surgery."},
            "withdrawn": {"signposting": "Their umbrella body's governance helpline."},
            "on_hold": {"held_until": (timezone.now() + datetime.timedelta(days=30)).date()},
            "escalated": {"escalation": "regulator_inquiry"},
        }[target]
        record(t, _transition(side, target), "caseworker", True, state=target, **extra)
        out["events"][-1][2]["reason"] = "Demo: recorded for the example."
    if plan:
        start = at("active")
        if "closing_review" in path:  # the pathway reached its exit before the outcome was recorded
            until, state = at("closing_review") - datetime.timedelta(days=1, hours=1), plan["exit"]
        else:  # still on its way: active, on hold, escalated, or the organisation withdrew
            end = world.now if target == "active" else at("active") + datetime.timedelta(days=7)
            until, state = end - datetime.timedelta(hours=1), world.pick.choice(MIDWAY[plan["pathway"]])
        if state == "dissolved" and target in ("follow_up", "archived"):
            state = "post_closure"
        after = at("follow_up") + datetime.timedelta(days=1)
        builder = {"closure": _closure, "turnaround": _turnaround, "interim": _interim}[plan["pathway"]]
        out["lives"] = builder(case, state, start, until, after, n, world)
    return out


# --- pathway records ----------------------------------------------------------------------------------
class _World:
    """What every case's pathway draws on: the people, the organisations, the generator, now."""

    def __init__(
        self,
        caseworker: User,
        panel: User,
        organisations: list[Organisation],
        funders: list[Organisation],
        pick: random.Random,
        now: datetime.datetime,
    ) -> None:
        self.caseworker, self.panel, self.organisations = caseworker, panel, organisations
        self.funders, self.pick, self.now = funders, pick, now

    def by(self, key: str) -> tuple[User, str]:
        return (self.panel, "panel_member") if key == "panel" else (self.caseworker, "caseworker")

    def partner(self, organisation_id: int | None, k: int) -> Organisation:
        """Another organisation, to take on a service, staff or a fund."""
        others = [o for o in self.organisations if o.pk != organisation_id] or self.organisations
        return others[(k * 5 + 3) % len(others)]

    def heir(self, organisation_id: int, k: int) -> Organisation:
        """Another organisation the law lets take the closing one's assets and funds (a charity's go
        to a charity, a CIC's to an asset-locked body: RegisterItem's recipient rule)."""
        closing = next((o for o in self.organisations if o.pk == organisation_id), None)
        closing = closing or Organisation.objects.get(pk=organisation_id)
        heirs = [o for o in self.organisations if o.pk != organisation_id and o.may_take_assets_of(closing)]
        return heirs[(k * 5 + 3) % len(heirs)]


class _Life:
    """One object's bulk life: its saves (each a history row, with the fields it set so far) and
    the audit events they record. Values may be rows written later (a candidate chosen before it
    is saved): they are resolved to primary keys when the history is written."""

    LATER = {"chosen"}  # set on the row after the objects it points to are written

    def __init__(self, obj: Any, *, when: datetime.datetime, by: User, role: str, action: str, **payload: Any):
        self.obj, self.later = obj, {}
        self.saves: list[tuple[datetime.datetime, str, User, str, dict[str, Any]]] = [(when, action, by, "+", {})]
        self.events: list[tuple[datetime.datetime, Any, dict[str, Any]]] = [
            (when, obj, {"action": action, "actor": by, "role": role, "payload": payload})
        ]
        obj.created_at = obj.updated_at = when

    @property
    def state(self) -> str:
        return self.obj.__dict__.get("state") or type(self.obj)._meta.get_field("state").get_default()

    def _set(self, fields: dict[str, Any]) -> None:
        for name, value in fields.items():
            if name in self.LATER:
                self.later[name] = value
            else:
                _put(self.obj, name, value)

    def create(self, **fields: Any) -> _Life:
        """Fields the object was created with (its first history row shows them)."""
        self._set(fields)
        self.saves[0][4].update(fields)
        return self

    def update(self, when: datetime.datetime, action: str, key: str, world: _World, **fields: Any) -> None:
        by, role = world.by(key)
        self._set(fields)
        self.obj.updated_at = when
        self.saves.append((when, action, by, "~", fields))
        payload = {"changes": {name: ["", value] for name, value in fields.items()}}
        self.events.append((when, self.obj, {"action": action, "actor": by, "role": role, "payload": payload}))

    def move(
        self, when: datetime.datetime, name: str, target: str, key: str, world: _World, reason: str = "", **fields: Any
    ) -> None:
        by, role = world.by(key)
        source = self.state
        self._set({"state": target, **fields})
        self.obj.updated_at = when
        self.saves.append((when, name, by, "~", {"state": target, **fields}))
        payload = {"changes": {_attname(self.obj, k): [None, v] for k, v in fields.items()}}
        kw = {"action": name, "actor": by, "role": role, "payload": payload, "reason": reason}
        self.events.append((when, self.obj, {**kw, "source_state": source, "target_state": target}))

    def history(self) -> list[models.Model]:
        model = type(self.obj)
        names = {name for *_, fields in self.saves for name in fields}
        so_far = {name: model._meta.get_field(name).get_default() for name in names}
        rows = []
        for when, reason, by, kind, fields in self.saves:
            so_far.update(fields)
            values = {_attname(self.obj, k): getattr(v, "pk", v) for k, v in so_far.items()}
            values["updated_at"] = when
            # A field named like one of historical()'s own arguments (RegisterItem.kind) is set after.
            clashing = {k: values.pop(k) for k in ("when", "user", "reason", "kind") if k in values}
            row = audit.historical(self.obj, when=when, user=by, reason=reason, kind=kind, **values)
            for name, value in clashing.items():
                setattr(row, name, value)
            rows.append(row)
        return rows


def _attname(obj: Any, name: str) -> str:
    return type(obj)._meta.get_field(name).attname


def _plain(value: Any) -> Any:
    """A payload value as the audit trail keeps it: rows by primary key (once they are written)."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _exit_state(pathway: str, pick: random.Random) -> str:
    if pathway == Case.Pathway.CLOSURE:
        return "insolvent_route" if pick.random() < INSOLVENT_SHARE else "dissolved"
    return {"turnaround": "exited", "interim": "ended"}[pathway]


def _times(start: datetime.datetime, until: datetime.datetime, k: int) -> tuple[list[datetime.datetime], Any]:
    """k moments spread evenly after `start` and before `until`, and the step between them (the
    facts recorded for a move are recorded a fraction of a step before it)."""
    step = (until - start) / (k + 1)
    return [start + step * (i + 1) for i in range(k)], step


def _route(
    first: str,
    table: list[tuple[str, str, str]],
    state: str,
    start: datetime.datetime,
    until: datetime.datetime,
    beyond: tuple[str, ...] = (),
) -> tuple[list[tuple[str, str, str]], list[datetime.datetime], Any]:
    """The moves from `first` that reach `state`, one moment more than there are moves (the record's
    opening facts, or the registers' window after the last move) and the beat, an eighth of a step.
    `beyond`: states after the table's last move that take every move in it."""
    order = [first] + [target for _, target, _ in table] + list(beyond)
    moves = table[: order.index(state)]
    times, step = _times(start, until, len(moves) + 1)
    return moves, times, step / 8


def _start(model: type[models.Model], case: Case, start: datetime.datetime, world: _World) -> _Life:
    """The pathway record `workflow.start_pathway` creates when the panel approves (audited "start")."""
    by, role = world.by("panel")
    return _Life(model(case=case), when=start, by=by, role=role, action="start")


CLOSURE_MOVES = [
    ("decide", "decision_made", "caseworker"),
    ("plan", "planning", "caseworker"),
    ("wind_down", "winding_down", "panel"),
    ("finish_winding_down", "final_accounts", "caseworker"),
    ("file", "regulator_filing", "caseworker"),
    ("dissolve", "dissolved", "panel"),
]


def _closure(
    case: Case,
    state: str,
    start: datetime.datetime,
    until: datetime.datetime,
    after: datetime.datetime,
    n: int,
    world: _World,
) -> list[_Life]:
    """A closure walked to `state`, with its registers from planning on."""
    record = _start(Closure, case, start, world)
    if state == "insolvent_route":
        (when,), step = _times(start, until, 1)
        beat = step / 8
        decided = {"balance_sheet_solvent": False, "cash_flow_solvent": False, "solvency_tested_on": when.date()}
        record.update(when - beat, "update_closure", "caseworker", world, **decided)
        practitioner = {"insolvency_practitioner": "Demo Insolvency LLP"}
        reason = "Both solvency tests failed."
        record.move(when, "go_insolvent", state, "caseworker", world, reason=reason, **practitioner)
        return [record]
    moves, times, beat = _route("decision_pending", CLOSURE_MOVES, state, start, until, beyond=("post_closure",))
    lives = [record]
    for i, ((name, target, key), when) in enumerate(zip(moves, times, strict=False)):
        day = when.date()
        if target == "decision_made":
            record.update(
                when - beat,
                "update_closure",
                "caseworker",
                world,
                options_note="Merger and a transfer of undertakings considered; neighbours take the services.",
                balance_sheet_solvent=True,
                cash_flow_solvent=True,
                solvency_tested_on=day,
                dissolution_clause="Clause 21 of the constitution: to a charity with similar objects.",
                trustee_resolution_on=day,
                **({"members_resolution_on": day} if record.obj.members_resolution_needed() else {}),
            )
        elif target == "winding_down":
            record.update(
                when - beat,
                "update_closure",
                "caseworker",
                world,
                staff_timeline="Transferring staff go with their services; the others leave within a month.",
                safeguarding_handover="None open; historic records with the chair.",
                data_disposition="Client records transferred with consent; the rest deleted.",
                records_custodian="The chair of trustees",
            )
        elif target == "regulator_filing":
            record.update(when - beat, "update_closure", "caseworker", world, final_accounts_approved_on=day)
        elif target == "dissolved":
            record.update(
                when - beat,
                "update_closure",
                "caseworker",
                world,
                last_trading_on=day - datetime.timedelta(days=170),
                no_other_activities=True,
                no_pending_proceedings=True,
                dissolution_reference="Removed from the register of charities",
                dissolution_filed_on=day - datetime.timedelta(days=70),
                parties_notified_on=day - datetime.timedelta(days=70),
                gazette_notice_on=day - datetime.timedelta(days=65),
                dissolved_on=day,
            )
        extra = {"dissolution_approved_by": world.panel} if name == "dissolve" else {}
        record.move(when, name, target, key, world, **extra)
        if target == "planning":
            lives += _registers(record, state, when, times[i + 1], until, n, world)
    if state == "post_closure":
        record.move(after, "after_closure", "post_closure", "caseworker", world)
    return lives


def _registers(
    record: _Life,
    state: str,
    planned: datetime.datetime,
    settle_from: datetime.datetime,
    until: datetime.datetime,
    n: int,
    world: _World,
) -> list[_Life]:
    """The closure's register items, listed when planning starts and settled in the state `state` needs.

    Items are listed between `planned` and `settle_from` (the next move); while winding down some
    are agreed or completed; from the final accounts on, all are completed (the bank account last)."""
    pick, closure = world.pick, record.obj
    listed = planned + (settle_from - planned) / 4
    finished = state not in ("planning", "winding_down")
    # From the final accounts on, everything settled while winding down; otherwise up to `until`.
    window_end = settle_from + (until - settle_from) / 6 if finished else until
    lives = []
    specs = _items(closure.case.organisation_id, listed.date(), n, world)
    for k, fields in enumerate(specs):
        bank = fields["kind"] == RegisterItem.Kind.BANK_ACCOUNT
        if state == "planning":
            final = "proposed"
        elif state == "winding_down":
            final = pick.choice(["proposed", "agreed", "agreed"] if bank else ["proposed", "agreed", "completed"])
        else:
            final = "completed"
        if final == "proposed" and pick.random() < 0.4:
            fields = {key: fields[key] for key in ("register", "kind", "name", "value") if key in fields}
        # When it is agreed and completed, drawn before it is listed: a completed item's dates must
        # fit its completion.
        span = window_end - settle_from
        if final != "proposed":
            agreed = settle_from + span * (0.1 + 0.3 * pick.random())
            if final == "completed":
                done = window_end - span * 0.05 if bank else agreed + span * (0.1 + 0.4 * pick.random())
                fields = _in_effect_by(fields, done.date())
        owner = {"owner": world.caseworker, "due_on": listed.date() + datetime.timedelta(days=30)}
        by, role = world.by("caseworker")
        item = _Life(
            RegisterItem(closure=closure),
            when=listed + datetime.timedelta(minutes=k),
            by=by,
            role=role,
            action="create",
            fields=sorted([*fields, *owner]),
        ).create(**fields, **owner)
        lives.append(item)
        if item.obj.kind in RegisterItem.RESTRICTED_KINDS and item.obj.destination_id is not None:
            note = "Both serve the same wards with the same charitable purposes."
            item.update(
                listed + (settle_from - listed) / 2,
                "mark_compatible",
                "panel",
                world,
                compatibility_reviewed_by=world.panel,
                compatibility_note=note,
            )
        if final == "proposed":
            continue
        item.move(agreed, "agree", "agreed", "caseworker", world)
        if final == "completed":
            item.move(done, "complete", "completed", "caseworker", world, completed_on=done.date())
    return lives


ITEM_DATES = ("go_live_on", "eli_sent_on", "transfer_on", "notice_on", "leaving_on")


def _in_effect_by(fields: dict[str, Any], day: datetime.date) -> dict[str, Any]:
    """An item's dates, moved earlier together (keeping the notice and information periods
    before them) where it would otherwise take effect after `day`, the day it is completed: a
    completion is never before the item takes effect (`RegisterItem.completion_problems`)."""
    effective = RegisterItem(**fields).takes_effect()
    if effective is None or effective[0] <= day:
        return fields
    early = effective[0] - day
    return {key: value - early if key in ITEM_DATES and value else value for key, value in fields.items()}


def _items(organisation_id: int, on: datetime.date, n: int, world: _World) -> list[dict[str, Any]]:
    """One closure's register lines, each with a destination `RegisterItem.problems()` accepts."""
    pick = world.pick

    def money(low: int, high: int) -> Decimal:
        return Decimal(pick.randrange(low, high, 50))

    a = world.partner(organisation_id, n)
    heir, second_heir = world.heir(organisation_id, n), world.heir(organisation_id, n + 1)
    days = datetime.timedelta(days=1)
    items: list[dict[str, Any]] = [
        {
            "register": "service",
            "kind": "service",
            "name": "Food bank",
            "outcome": "transferred",
            "destination": a,
            "go_live_on": on + 45 * days,
        },
        {
            "register": "fund",
            "kind": "unrestricted",
            "name": "General reserves",
            "value": money(500, 20_000),
            "outcome": "spent",
            "destination_note": "Final salaries and closure costs.",
        },
        {
            "register": "asset",
            "kind": "equipment",
            "name": "Kitchen equipment",
            "value": money(200, 6_000),
            "outcome": "transferred",
            "destination": heir,
            "destination_note": "Accepted by the receiving trustees.",
        },
    ]
    if pick.random() < 0.7:
        items.append(
            {
                "register": "service",
                "kind": "service",
                "name": "Benefits advice drop-in",
                "outcome": "ended",
                "destination_note": "Users signposted to the borough's Citizens Advice, with a warm handover list.",
            }
        )
    if pick.random() < 0.8:
        restricted = {"register": "fund", "kind": "restricted", "name": "Grant balance", "value": money(1_000, 40_000)}
        if world.funders and pick.random() < 0.4:
            funder = world.funders[n % len(world.funders)]
            restricted |= {"outcome": "returned", "funder": funder, "destination_note": "Unspent balance repaid."}
        else:
            restricted |= {"outcome": "transferred", "destination": heir, "funder_consent": "Funder's email, minuted"}
        items.append(restricted)
    if pick.random() < 0.3:
        items.append(
            {
                "register": "fund",
                "kind": "designated",
                "name": "Building fund",
                "value": money(1_000, 15_000),
                "outcome": "transferred",
                "destination": second_heir,
                "destination_note": "Trustees' resolution to pass it to a charity with the same objects.",
            }
        )
    if pick.random() < 0.5:
        items.append(
            {
                "register": "asset",
                "kind": "vehicle",
                "name": "Delivery van",
                "value": money(1_500, 12_000),
                "outcome": "sold",
                "destination_note": "Sold at auction; proceeds to general reserves.",
            }
        )
    if pick.random() < 0.6:
        items.append(
            {
                "register": "asset",
                "kind": "domain",
                "name": "Website domain",
                "outcome": "transferred",
                "destination": second_heir,
                "destination_note": "Redirects to the new provider's page.",
            }
        )
    for k in range(pick.randint(1, 4)):
        if k == 0 or pick.random() < 0.5:
            items.append(
                {
                    "register": "employee",
                    "kind": "employee",
                    "name": f"Project worker {k + 1}",
                    "outcome": "tupe",
                    "destination": a,
                    "eli_sent_on": on,
                    "transfer_on": on + 35 * days,
                }
            )
        else:
            items.append(
                {
                    "register": "employee",
                    "kind": "employee",
                    "name": f"Support worker {k + 1}",
                    "outcome": "redundancy",
                    "notice_on": on,
                    "leaving_on": on + 30 * days,
                }
            )
    items += [
        {
            "register": "contract",
            "kind": "contract",
            "name": "Premises lease",
            "outcome": "terminated",
            "reference": "Break clause served",
        },
        {
            "register": "creditor",
            "kind": "creditor",
            "name": "Wholesale supplier",
            "value": money(100, 3_000),
            "outcome": "paid",
            "reference": f"BACS {pick.randrange(1000, 9999)}",
        },
        {
            "register": "filing",
            "kind": "filing",
            "name": "Information Commissioner",
            "outcome": "filed",
            "reference": "Registration cancelled",
        },
        {"register": "asset", "kind": "bank_account", "name": "Current account", "outcome": "closed"},
    ]
    return items


TURNAROUND_MOVES = [
    ("draft_plan", "plan_drafted", "caseworker"),
    ("approve_plan", "plan_approved", "panel"),
    ("implement", "implementing", "caseworker"),
    ("review", "review", "caseworker"),
    ("stabilise", "stabilised", "caseworker"),
    ("exit", "exited", "caseworker"),
]


def _turnaround(
    case: Case,
    state: str,
    start: datetime.datetime,
    until: datetime.datetime,
    after: datetime.datetime,
    n: int,
    world: _World,
) -> list[_Life]:
    """A turnaround walked to `state`, with the plan's two milestones once it is drafted."""
    record = _start(Turnaround, case, start, world)
    moves, times, beat = _route("diagnosis", TURNAROUND_MOVES, state, start, until)
    lives = [record]
    record.update(
        times[0],
        "update",
        "caseworker",
        world,
        causes_of_distress="Lost its main council contract; costs did not fall with income.",
    )
    milestones: list[_Life] = []
    for (name, target, key), when in zip(moves, times[1:], strict=False):
        day = when.date()
        extra: dict[str, Any] = {}
        if target == "plan_drafted":
            record.update(
                when - 2 * beat,
                "update",
                "caseworker",
                world,
                solvency_retested_on=day,
                solvency_note="Solvent on both tests, narrowly.",
                board_approved_plan_on=day,
                expert_help="A volunteer finance adviser: finance systems review, 3 months.",
            )
            by, role = world.by("caseworker")
            for k, (title, measure, owner) in enumerate(
                [
                    ("Costs cut to match income", "Monthly costs under £15,000", "Treasurer"),
                    ("Second funder secured", "A signed grant letter", "Chair"),
                ]
            ):
                milestone = _Life(
                    Milestone(turnaround=record.obj),
                    when=when - beat + datetime.timedelta(minutes=k),
                    by=by,
                    role=role,
                    action="create",
                    turnaround=record.obj,
                ).create(
                    title=title, measure=measure, owner_name=owner, due_on=day + datetime.timedelta(days=45 * k + 45)
                )
                milestones.append(milestone)
            lives += milestones
        elif target == "plan_approved":
            extra = {"plan_approved_by": world.panel}
        elif target in ("review", "stabilised"):
            k = 0 if target == "review" else 1
            evidence = ["Management accounts for the quarter", "The second funder's grant letter"][k]
            milestones[k].update(
                when - 2 * beat, "update", "caseworker", world, evidence_note=evidence, evidence_on=day
            )
            if target == "review":
                extra = {"last_reviewed_on": day}
            else:
                record.update(
                    when - beat,
                    "update",
                    "caseworker",
                    world,
                    runway_weeks=16,
                    reserves_months=Decimal(3),
                    reserves_policy_months=Decimal(3),
                    going_concern_reaffirmed_on=day,
                    filings_up_to_date=True,
                )
        elif target == "exited":
            record.update(when - beat, "update", "caseworker", world, exit_note="Stable for two quarters.")
        record.move(when, name, target, key, world, **extra)
    return lives


INTERIM_MOVES = [
    ("agree_brief", "brief_agreed", "panel"),
    ("source", "sourcing", "caseworker"),
    ("match", "matched", "caseworker"),
    ("contract", "contracted", "caseworker"),
    ("start_placement", "in_post", "caseworker"),
    ("review", "review", "caseworker"),
    ("hand_over", "handover", "caseworker"),
    ("end", "ended", "caseworker"),
]


def _interim(
    case: Case,
    state: str,
    start: datetime.datetime,
    until: datetime.datetime,
    after: datetime.datetime,
    n: int,
    world: _World,
) -> list[_Life]:
    """An interim placement walked to `state`, with two candidates once sourcing starts."""
    record = _start(Interim, case, start, world)
    moves, times, beat = _route("need_identified", INTERIM_MOVES, state, start, until)
    lives = [record]
    record.update(
        times[0],
        "update",
        "caseworker",
        world,
        need="The chief executive left suddenly; the board cannot run the charity day to day.",
        scope="Run the charity, stabilise the finances, prepare for a permanent appointment.",
        deliverables="A balanced budget; a board-approved recruitment plan; a handover file.",
        duration_months=6,
        day_rate=Decimal(450),
        budget_source="Lifeboat fund, interim budget line",
        board_sponsor="" if state == "need_identified" else "The chair of trustees",
    )
    by, role = world.by("caseworker")
    for (name, target, key), when in zip(moves, times[1:], strict=False):
        day = when.date()
        extra: dict[str, Any] = {}
        if target == "brief_agreed":
            extra = {"brief_agreed_by": world.panel}
        elif target == "in_post":
            record.update(
                when - beat, "update", "caseworker", world, start_on=day, reporting_line="The chair, every fortnight"
            )
        elif target == "review":
            extra = {"review_started_at": when}
        elif target == "handover":
            held = when - beat
            review = InterimReview(
                interim=record.obj,
                held_on=held.date(),
                continue_placement=False,
                note="Budget balanced; ready to hand over.",
                recorded_by=world.caseworker,
                recorded_at=held,
            )
            lives.append(_Life(review, when=held, by=by, role=role, action="review", continue_placement=False))
        elif target == "ended":
            record.update(
                when - beat,
                "update",
                "caseworker",
                world,
                done_summary="Budget balanced; two posts restructured.",
                left_for_permanent="The five-year strategy.",
                in_progress="Two funding bids, documented in the handover file.",
                permanent_ceo_status="recruiting",
                sponsor_signed_off_on=day,
            )
        record.move(when, name, target, key, world, **extra)
        if target == "sourcing":
            checked = {"conflict_note": "None found.", "conflict_checked_on": day, "references_checked_on": day}
            chosen = _Life(
                Candidate(interim=record.obj), when=when + beat, by=by, role=role, action="create", interim=record.obj
            ).create(
                name="Alex Morgan",
                summary="Former CEO of a London CVS; available now.",
                day_rate=Decimal(450),
                **checked,
            )
            other = _Life(
                Candidate(interim=record.obj),
                when=when + 2 * beat,
                by=by,
                role=role,
                action="create",
                interim=record.obj,
            ).create(name="Sam Okafor", summary="Interim finance director.", day_rate=Decimal(500))
            lives += [chosen, other]
            record.update(when + 3 * beat, "choose", "caseworker", world, chosen=chosen.obj)
    return lives


def _write(rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    events: list[tuple[datetime.datetime, Any, dict[str, Any]]] = []
    with transaction.atomic(), audit.keep_timestamps(Referral, Case, HealthCheck, CaseNote, *PATHWAY_ROWS):
        Referral.objects.bulk_create([r["referral"] for r in rows])
        Referral.history.model.objects.bulk_create(
            [
                audit.historical(
                    r["referral"], when=r["referral"].created_at, user=r["case"].owner, reason="refer", kind="+"
                )
                for r in rows
            ]
        )
        Case.objects.bulk_create([r["case"] for r in rows])
        history = []
        for r in rows:
            blank = {
                "state": "referred",
                "identity_confirmed": False,
                "conflict_declared_at": None,
                "conflict_note": "",
                "latest_accounts_on": None,
                "triaged_by_id": None,
                "pathway": "",
                "board_consent_on": None,
                "board_consent_note": "",
                "decided_by_id": None,
                "outcome": "",
                "outcome_note": "",
                "closed_at": None,
                "signposting": "",
                "held_until": None,
                "escalation": "",
            }
            for when, reason, user, kind, changes in r["case_history"]:
                for k, v in changes.items():
                    blank[f"{k}_id" if k in ("triaged_by", "decided_by") else k] = getattr(v, "pk", v)
                history.append(
                    audit.historical(
                        r["case"], when=when, user=user, reason=reason, kind=kind, updated_at=when, **blank
                    )
                )
        Case.history.model.objects.bulk_create(history, batch_size=2000)
        checks = [r["check"] for r in rows if r["check"]]
        HealthCheck.objects.bulk_create([c for c, *_ in checks])
        HealthCheck.history.model.objects.bulk_create(
            [audit.historical(c, when=w, user=c.case.owner, reason="health_check", kind="+") for c, w, _, _ in checks]
        )
        PathwayChange.objects.bulk_create([r["pathway"] for r in rows if r["pathway"]])
        notes = [n for r in rows for n in r["notes"]]
        for n in notes:
            n.updated_at = n.created_at
        CaseNote.objects.bulk_create(notes)
        CaseNote.history.model.objects.bulk_create(
            [audit.historical(n, when=n.created_at, user=n.author, reason="note", kind="+") for n in notes]
        )
        lives = [life for r in rows for life in r["lives"]]
        _write_lives(lives)
        for r in rows:
            for when, obj, kw in r["events"]:
                if kw.get("payload") == "referral":
                    kw["payload"] = {"referral": r["referral"].pk}
                elif obj is r["referral"]:
                    kw["payload"] = {"source_reference": ""}
                events.append((when, obj, kw))
            if r["check"]:
                c, w, risk, pathway = r["check"]
                events.append(
                    (
                        w,
                        c,
                        {
                            "action": "health_check",
                            "actor": r["case"].owner,
                            "role": "caseworker",
                            "payload": {"risk": risk, "recommended": pathway},
                        },
                    )
                )
            for n in r["notes"]:
                events.append((n.created_at, n, {"action": "note", "actor": n.author, "role": "caseworker"}))
        for life in lives:
            for when, obj, kw in life.events:
                events.append((when, obj, {**kw, "payload": _plain(kw["payload"])}))
        events.sort(key=lambda e: e[0])
        audit.append_many(audit.event_for(obj, action=kw.pop("action"), when=when, **kw) for when, obj, kw in events)
    return len(rows)


# Parents before children: each model's rows point only to rows of the models before it.
PATHWAY_ROWS = (Closure, Turnaround, Interim, RegisterItem, Milestone, Candidate, InterimReview)


def _write_lives(lives: list[_Life]) -> None:
    """Write the pathway records and their rows (the cases are written), then their history."""
    for model in PATHWAY_ROWS:
        model.objects.bulk_create([life.obj for life in lives if type(life.obj) is model], batch_size=1000)
    later = [life for life in lives if life.later]
    for life in later:
        for name, value in life.later.items():
            setattr(life.obj, name, value)
    for model in {type(life.obj) for life in later}:
        names = sorted({name for life in later for name in life.later})
        model.objects.bulk_update([life.obj for life in later if type(life.obj) is model], names, batch_size=1000)
    for model in PATHWAY_ROWS:
        model.history.model.objects.bulk_create(
            [row for life in lives if type(life.obj) is model for row in life.history()], batch_size=2000
        )

"""Years of past lifeboat cases in bulk, for benchmarks at scale (`seed_demo --scale N`, N > 1).

The bulk twin of `casework.demo`: it writes the rows a walk through `casework.workflow` would
leave -- referral, case, health check, pathway choice, notes -- with `bulk_create`, plus a
simple-history row for every save the walk makes and an audit event for every act it records
(`core.audit.append_many`, the same hash chain). Most cases are long finished (archived, closed,
declined, withdrawn); an organisation has at most one open case.

Closure registers (services, assets, employees, ...) are not written yet: they are being built in
casework now; add them here when they land.
"""

from __future__ import annotations

import datetime
import functools
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from casework import demo
from casework.models import Case, CaseNote, HealthCheck, PathwayChange, Referral
from core import audit
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
    now = timezone.now()
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
        rows.append(_case(organisation, target, created, n, caseworker, panel))
        if len(rows) >= BATCH_CASES:
            written += _write(rows)
            rows = []
    written += _write(rows)
    return written


def _case(
    organisation: Organisation, target: str, created: datetime.datetime, n: int, caseworker: User, panel: User
) -> dict[str, Any]:
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
            pathway = out["check"][3]
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
            out["pathway"] = PathwayChange(
                case=case, to_pathway=pathway, reason="As recommended.", approved_by=panel, changed_at=when
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
                outcome="stabilised",
                outcome_note="Thirteen weeks of runway and a new funder in place.",
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
    return out


def _write(rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    events: list[tuple[datetime.datetime, Any, dict[str, Any]]] = []
    with transaction.atomic(), audit.keep_timestamps(Referral, Case, HealthCheck, CaseNote):
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
        events.sort(key=lambda e: e[0])
        audit.append_many(audit.event_for(obj, action=kw.pop("action"), when=when, **kw) for when, obj, kw in events)
    return len(rows)

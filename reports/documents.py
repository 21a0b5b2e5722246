"""What each PDF says, as plain context: the assessment, the case summary, the closure report and
the decision log. Views load and check the objects; `pdf.render` turns the context into a file.

Everything a reader sees is in words: dates written out ("15 January 2027"), states by their
labels, money in pounds, and each audit event as a sentence.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from casework import queries as case_queries
from casework.models import Case, RegisterItem
from core.models import AuditEvent
from peerreview.models import ReportSnapshot
from reports import charts

# Part of the assessment's cache key: a change of layout renders published snapshots afresh.
LAYOUT = "layout-2"

# What each outcome means for a reader who has never seen the framework (funders, trustees).
OUTCOME_MEANINGS = {
    "Met": (
        "The panel of peers found that the organisation meets the framework's standards. Its action plan "
        "records the recommendations it has chosen to take up; a progress review follows."
    ),
    "Met with conditions": (
        "The organisation meets the framework's standards overall, on conditions: the actions listed under "
        "Conditions must be completed by their due dates. A progress review checks them, and the result "
        "stands while they are on track."
    ),
    "Not yet met": (
        "The organisation does not yet meet the framework's standards. This is not a finding of failure: "
        "the findings and the action plan say what is needed, and the organisation can be reviewed again "
        "when that work is done."
    ),
}


def long_date(value: Any, *, with_time: bool = False) -> str:
    """A date written out for people: "15 January 2027" (empty for nothing)."""
    if value in (None, "", "None"):
        return ""
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value) if len(value) > 10 else datetime.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        text = f"{local.day} {local:%B %Y}"
        return f"{text}, {local:%H:%M}" if with_time else text
    return f"{value.day} {value:%B %Y}"


def money(value: Decimal | int | float | None) -> str:
    """£1,250 or £1,250.50; empty for nothing."""
    if value is None:
        return ""
    value = Decimal(value)
    return f"£{value:,.0f}" if value == value.to_integral() else f"£{value:,.2f}"


# --- the assessment ------------------------------------------------------------------------------


def _scale(snapshot: ReportSnapshot) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The rating scale and limiter the result was reached under: from the snapshot when it kept
    them, else from the framework (snapshots made before the scale was kept in them)."""
    data = snapshot.data
    if "scale" in data:
        return data["scale"], data.get("rule") or {}
    framework = snapshot.review.framework_version.framework
    scale = [
        {"value": lv.value, "label": lv.label, "descriptor": lv.descriptor, "min_mean": str(lv.min_mean)}
        for lv in framework.levels.order_by("value")
    ]
    return scale, {"limiter_trigger": framework.limiter_trigger, "limiter_cap": framework.limiter_cap}


def rule_sentences(scale: list[dict[str, Any]], rule: dict[str, Any]) -> list[str]:
    """The overall-result rule in words, for this framework's scale and limiter."""
    if not scale:
        return []
    top = max(scale, key=lambda lv: lv["value"])
    sentences = [
        f"Each standard is rated on the scale below, from {min(lv['value'] for lv in scale)} to {top['value']}.",
        "The overall result starts from the mean of the standards' agreed ratings: it is the highest level "
        "whose band starts at or below that mean (the column \u201cband starts at\u201d).",
    ]
    trigger, cap = rule.get("limiter_trigger"), rule.get("limiter_cap")
    if trigger is not None and cap is not None:
        sentences.append(
            f"Then a limiter applies: while any standard is rated {trigger} or below, the overall result "
            f"cannot be above {cap}, however high the mean."
        )
    return sentences


def assessment_context(snapshot: ReportSnapshot) -> dict[str, Any]:
    data = snapshot.data
    order = ["Condition", "Strength", "Area for development", "Recommendation"]
    headings = {
        "Strength": "Strengths",
        "Area for development": "Areas for development",
        "Recommendation": "Recommendations",
        "Condition": "Conditions",
    }
    sections = [(headings[k], [f for f in data["findings"] if f["kind"] == k]) for k in order]
    scale, rule = _scale(snapshot) if data["framework"].get("scored") else ([], {})
    labels = {int(lv["value"]): lv["label"] for lv in scale}
    ratings = [{**r, "label": labels.get(r["rating"], "")} for r in data["ratings"]]
    top = max([4, *labels, *[r["rating"] for r in data["ratings"] if r["rating"] is not None]])
    chart = charts.bar_chart(
        [(r["code"], r["rating"]) for r in data["ratings"]],
        maximum=top,
        title="Agreed rating for each standard",
        description="; ".join(f"Standard {r['code']}: {r['rating']} ({r['label']})" for r in ratings) or "No ratings",
        ticks=[(value, f"{value} {label}") for value, label in sorted(labels.items())],
    )
    dates = data.get("dates", {})
    outcome = data.get("outcome", {}).get("value") or ""
    return {
        "data": data,
        "snapshot": snapshot,
        "published_on": long_date(snapshot.created_at),
        "outcome": outcome,
        "outcome_meaning": OUTCOME_MEANINGS.get(outcome, ""),
        "scale": scale,
        "rule": rule_sentences(scale, rule),
        "ratings": ratings,
        "sections": [(h, items) for h, items in sections if items],
        "actions": [{**a, "due": long_date(a.get("due"))} for a in data.get("actions", [])],
        "self_assessment_on": long_date(dates.get("self_assessment_submitted")),
        "visit_on": long_date(dates.get("visit")),
        "chart": chart,
        "document_id": document_id(snapshot),
        "verify_url": settings.SITE_URL + reverse("reports:verify", args=[snapshot.fingerprint]),
        "site_name": settings.SITE_NAME,
    }


def document_id(snapshot: ReportSnapshot) -> str:
    return f"PRA-{snapshot.review_id:05d}-{snapshot.version}"


# --- the decision log ----------------------------------------------------------------------------


def _state_labels(object_type: str) -> dict[str, str]:
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return {}
    state = getattr(model, "State", None)
    return dict(state.choices) if state is not None and hasattr(state, "choices") else {}


def _sentence(event: AuditEvent, labels: dict[str, str]) -> str:
    action = event.action.replace("_", " ")
    what = f"{action[:1].upper()}{action[1:]}: {event.object_repr}" if event.object_repr else action.capitalize()
    if event.source_state or event.target_state:
        source = labels.get(event.source_state, event.source_state.replace("_", " "))
        target = labels.get(event.target_state, event.target_state.replace("_", " "))
        if source and target and source != target:
            what += f", moved from \u201c{source}\u201d to \u201c{target}\u201d"
        elif target:
            what += f", now \u201c{target}\u201d"
    what += "."
    if event.reason:
        what += f" Reason: {event.reason}"
    return what


def decision_log(case: Case) -> list[dict[str, str]]:
    """The case's audit events as rows a board or regulator can read: when, who, what happened."""
    cache: dict[str, dict[str, str]] = {}
    rows = []
    for event in case_queries.case_events(case):
        labels = cache.setdefault(event.object_type, _state_labels(event.object_type))
        role = event.role.replace("_", " ")
        rows.append(
            {
                "when": long_date(event.created_at, with_time=True),
                "who": (event.actor_name or "The system") + (f" ({role})" if role else ""),
                "what": _sentence(event, labels),
                "event": f"#{event.pk} \u00b7 {event.hash[:12]}",
            }
        )
    return rows


# --- case summaries and the closure report -----------------------------------------------------------


def _turnaround(case: Case) -> dict[str, Any] | None:
    record = getattr(case, "turnaround", None)
    if record is None:
        return None
    milestones = list(record.milestones.select_related("owner").order_by("due_on", "pk"))
    grants = list(record.grants.select_related("approved_by").prefetch_related("tranches__milestone"))
    return {
        "record": record,
        "milestones": milestones,
        "grants": [
            {
                "grant": g,
                "amount": money(g.amount),
                "paid": money(sum((t.amount for t in g.tranches.all() if t.paid_on), Decimal(0))),
                "tranches": [
                    {"t": t, "amount": money(t.amount), "paid_on": long_date(t.paid_on)} for t in g.tranches.all()
                ],
            }
            for g in grants
        ],
        "exit_tests": _guards(record, "stabilise"),
    }


def _interim(case: Case) -> dict[str, Any] | None:
    record = getattr(case, "interim", None)
    if record is None:
        return None
    return {
        "record": record,
        "day_rate": money(record.day_rate),
        "candidates": list(record.candidates.order_by("pk")),
        "reviews": list(record.reviews.select_related("recorded_by").order_by("held_on", "pk")),
    }


def _guards(record: Any, transition_name: str) -> list[tuple[str, bool]]:
    """The tests a move waits for, each as its docstring's first line and whether it holds now."""
    for transition in record.get_all_state_transitions():
        if transition.name == transition_name:
            tests = []
            for condition in transition.conditions:
                doc = (condition.__doc__ or condition.__name__.replace("_", " ")).strip().splitlines()[0]
                if condition.__name__ == "case_is_active":
                    continue
                tests.append((doc, bool(condition(record))))
            return tests
    return []


def _registers(closure: Any) -> list[dict[str, Any]]:
    items = list(closure.items.select_related("destination", "funder", "compatibility_reviewed_by", "na_approved_by"))
    registers = []
    for value, label in RegisterItem.Register.choices:
        mine = [i for i in items if i.register == value]
        if not mine:
            continue
        values = [i.value for i in mine if i.value is not None]
        registers.append(
            {
                "label": label,
                "items": mine,
                "count": len(mine),
                "completed": sum(1 for i in mine if i.state == RegisterItem.State.COMPLETED),
                "total": money(sum(values, Decimal(0))) if values else "",
            }
        )
    return registers


def case_context(case: Case, *, kind: str, title: str, user: Any) -> dict[str, Any]:
    closure = getattr(case, "closure", None)
    check = getattr(case, "health_check", None)
    return {
        "kind": kind,
        "title": title,
        "case": case,
        "check": check,
        "assessment": check.assess() if check else None,
        "pathway_changes": case.pathway_changes.select_related("approved_by"),
        "turnaround": _turnaround(case) if kind == "summary" else None,
        "interim": _interim(case) if kind == "summary" else None,
        "closure": closure,
        "registers": _registers(closure) if closure and kind != "decision-log" else [],
        "log": decision_log(case) if kind == "decision-log" else [],
        "generated_at": long_date(timezone.now(), with_time=True),
        "generated_by": user,
        "site_name": settings.SITE_NAME,
    }

"""Operations on frameworks and versions: the same functions serve views, the admin and seeding.

State moves go through core.workflow.transition (locked, permission-checked, audited); other
operations save with a history reason and append an audit event in the same transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core import audit
from core.workflow import require as _require
from core.workflow import save_with_history as _save
from core.workflow import transition
from organisations.models import Organisation, User
from organisations.workflow import acting_role
from standards.models import (
    DEFAULT_LEVELS,
    Comment,
    Framework,
    FrameworkVersion,
    Indicator,
    RatingLevel,
    Standard,
    Theme,
)
from standards.rules import CONSULTEE_ROLES
from standards.spreadsheet import ParsedVersion

STEWARD_ROLES = ("steward", "administrator")


def create_framework(
    *,
    by: User,
    name: str,
    slug: str,
    purpose: str,
    owners: Iterable[Organisation],
    scoring_mode: str = Framework.ScoringMode.SCORED,
    limiter_trigger: int | None = 1,
    limiter_cap: int | None = 2,
) -> Framework:
    """Create a framework with the default four-level scale and an empty draft version 1.

    Side effects: history rows; audit events "create" for the framework and its first version.
    """
    if not by.has_perm("standards.add_framework"):
        raise PermissionDenied
    with transaction.atomic():
        framework = Framework(
            name=name,
            slug=slug,
            purpose=purpose,
            scoring_mode=scoring_mode,
            limiter_trigger=limiter_trigger if scoring_mode == Framework.ScoringMode.SCORED else None,
            limiter_cap=limiter_cap if scoring_mode == Framework.ScoringMode.SCORED else None,
        )
        framework.full_clean()
        _save(framework, by=by, reason="create")
        framework.owners.set(list(owners))
        if framework.is_scored:
            for value, label, descriptor, min_mean in DEFAULT_LEVELS:
                _save(
                    RatingLevel(
                        framework=framework,
                        value=value,
                        label=label,
                        descriptor=descriptor,
                        min_mean=Decimal(str(min_mean)),
                    ),
                    by=by,
                    reason="create",
                )
        audit.append(framework, action="create", actor=by, role=acting_role(by, *STEWARD_ROLES))
        version = FrameworkVersion(framework=framework, number=1)
        _save(version, by=by, reason="create")
        audit.append(version, action="create", actor=by, role=acting_role(by, *STEWARD_ROLES))
    return framework


def start_new_version(framework: Framework, *, by: User) -> FrameworkVersion:
    """Start the next draft as a copy of the latest version, with the crosswalk filled in.

    Side effects: history rows for every copied item; audit event "create" naming the source.
    """
    _require(by, "standards.change_framework", framework)
    with transaction.atomic():
        latest = framework.versions.select_for_update().order_by("-number").first()
        if latest is not None and latest.state == FrameworkVersion.State.DRAFT:
            raise ValidationError(
                "Version %(n)s is still a draft: finish it before starting another.", params={"n": latest.number}
            )
        version = FrameworkVersion(framework=framework, number=(latest.number + 1) if latest else 1, previous=latest)
        _save(version, by=by, reason="create")
        if latest is not None:
            _copy_content(latest, version, by=by)
        audit.append(
            version,
            action="create",
            actor=by,
            role=acting_role(by, *STEWARD_ROLES),
            payload={"copied_from": latest.number if latest else None},
        )
    return version


def _copy_content(source: FrameworkVersion, target: FrameworkVersion, *, by: User) -> None:
    for theme in source.themes.prefetch_related("standards__indicators"):
        new_theme = Theme(version=target, position=theme.position, title=theme.title, description=theme.description)
        _save(new_theme, by=by, reason="copy")
        for standard in theme.standards.all():
            new_standard = Standard(
                version=target,
                theme=new_theme,
                position=standard.position,
                code=standard.code,
                title=standard.title,
                description=standard.description,
                guidance=standard.guidance,
            )
            _save(new_standard, by=by, reason="copy")
            new_standard.continues.add(standard)
            for indicator in standard.indicators.all():
                _save(
                    Indicator(
                        standard=new_standard,
                        position=indicator.position,
                        text=indicator.text,
                        evidence_prompts=indicator.evidence_prompts,
                    ),
                    by=by,
                    reason="copy",
                )


def update_version_details(
    version: FrameworkVersion,
    *,
    by: User,
    summary: str,
    consultation_opens_on: datetime.date | None,
    consultation_closes_on: datetime.date | None,
) -> FrameworkVersion:
    """Change a version's summary and consultation dates (draft or consultation only)."""
    _require(by, "standards.manage_frameworkversion", version)
    if version.is_frozen:
        raise ValidationError("Published versions cannot be changed. Start a new version to make changes.")
    if consultation_opens_on and consultation_closes_on and consultation_closes_on < consultation_opens_on:
        raise ValidationError({"consultation_closes_on": "The consultation must close on or after the day it opens."})
    with transaction.atomic():
        before = (version.summary, version.consultation_opens_on, version.consultation_closes_on)
        version.summary = summary
        version.consultation_opens_on = consultation_opens_on
        version.consultation_closes_on = consultation_closes_on
        _save(version, by=by, reason="update")
        audit.append(
            version,
            action="update",
            actor=by,
            role=acting_role(by, *STEWARD_ROLES),
            payload={
                "before": [str(v) if v else "" for v in before],
                "after": [summary, str(consultation_opens_on or ""), str(consultation_closes_on or "")],
            },
        )
    return version


def import_version(version: FrameworkVersion, parsed: ParsedVersion, *, by: User) -> FrameworkVersion:
    """Replace a draft version's content with a validated spreadsheet, all or nothing.

    Standards whose code matches one of the previous version continue it in the crosswalk.
    Side effects: history rows; audit event "import" with the counts.
    """
    _require(by, "standards.manage_frameworkversion", version)
    if not version.is_draft:
        raise ValidationError("Only a draft version can be replaced from a spreadsheet.")
    with transaction.atomic():
        Indicator.objects.filter(standard__version=version).delete()
        Standard.objects.filter(version=version).delete()
        Theme.objects.filter(version=version).delete()
        earlier = version.previous if version.previous_id else None
        previous = {s.code: s for s in earlier.standards.all()} if earlier is not None else {}
        counts = {"themes": 0, "standards": 0, "indicators": 0}
        for t_pos, parsed_theme in enumerate(parsed.themes, start=1):
            theme = Theme(
                version=version, position=t_pos, title=parsed_theme.title, description=parsed_theme.description
            )
            _save(theme, by=by, reason="import")
            counts["themes"] += 1
            for parsed_standard in parsed_theme.standards:
                standard = Standard(
                    version=version,
                    theme=theme,
                    position=counts["standards"] + 1,
                    code=parsed_standard.code,
                    title=parsed_standard.title,
                    description=parsed_standard.description,
                    guidance=parsed_standard.guidance,
                )
                _save(standard, by=by, reason="import")
                counts["standards"] += 1
                if parsed_standard.code in previous:
                    standard.continues.add(previous[parsed_standard.code])
                for i_pos, parsed_indicator in enumerate(parsed_standard.indicators, start=1):
                    _save(
                        Indicator(
                            standard=standard,
                            position=i_pos,
                            text=parsed_indicator.text,
                            evidence_prompts="\n".join(parsed_indicator.evidence_prompts),
                        ),
                        by=by,
                        reason="import",
                    )
                    counts["indicators"] += 1
        audit.append(version, action="import", actor=by, role=acting_role(by, *STEWARD_ROLES), payload=counts)
    return version


def open_consultation(version: FrameworkVersion, *, by: User) -> FrameworkVersion:
    """Open the consultation (needs content and dates). Audited by the transition."""
    return transition(version, "open_consultation", by=by, role=acting_role(by, *STEWARD_ROLES))


def close_consultation_early(version: FrameworkVersion, *, by: User, reason: str) -> FrameworkVersion:
    """Stop accepting comments before the closing date. Side effects: audit event "close_early"."""
    _require(by, "standards.manage_frameworkversion", version)
    if not version.consultation_is_open():
        raise ValidationError("Only an open consultation can be closed.")
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason for closing the consultation early."})
    with transaction.atomic():
        version.consultation_closed_early_on = timezone.localdate()
        _save(version, by=by, reason="close_early")
        audit.append(version, action="close_early", actor=by, role=acting_role(by, *STEWARD_ROLES), reason=reason)
    return version


def publish_version(version: FrameworkVersion, *, by: User) -> FrameworkVersion:
    """Publish (consultation closed, every comment answered); the version it replaces is retired."""
    with transaction.atomic():
        published = transition(version, "publish", by=by, role=acting_role(by, *STEWARD_ROLES))
        older = FrameworkVersion.objects.filter(
            framework=version.framework_id, state=FrameworkVersion.State.PUBLISHED, number__lt=version.number
        )
        for old in older:
            transition(
                old,
                "retire",
                by=by,
                role=acting_role(by, *STEWARD_ROLES),
                reason=f"Replaced by version {version.number}.",
            )
    return published


def retire_version(version: FrameworkVersion, *, by: User, reason: str) -> FrameworkVersion:
    """Retire a published version: reviews already using it keep it; new reviews cannot pick it."""
    return transition(version, "retire", by=by, reason=reason, role=acting_role(by, *STEWARD_ROLES))


# The version moves a person makes, each through its own operation (withdrawing a consultation
# and the like happen inside other operations).
VERSION_MOVES = ("open_consultation", "publish", "retire")


def perform_version_move(version: FrameworkVersion, name: str, *, by: User, reason: str = "") -> FrameworkVersion:
    """Make version move `name` (one of VERSION_MOVES) through its operation, for the pages and the API alike."""
    if name == "open_consultation":
        return open_consultation(version, by=by)
    if name == "publish":
        return publish_version(version, by=by)
    if name == "retire":
        return retire_version(version, by=by, reason=reason)
    raise ValueError(f"No version move called {name!r}.")


def add_comment(
    version: FrameworkVersion,
    *,
    by: User,
    kind: str,
    text: str,
    show_name: bool = False,
    theme: Theme | None = None,
    standard: Standard | None = None,
    indicator: Indicator | None = None,
) -> Comment:
    """Comment during consultation on the framework or one of its parts. Side effects: audit "comment"."""
    _require(by, "standards.comment_frameworkversion", version)
    targets = [t for t in (theme, standard, indicator) if t is not None]
    if len(targets) > 1:
        raise ValidationError("Comment on one part at a time.")
    if targets and targets[0].owning_version().pk != version.pk:
        raise ValidationError("That part belongs to another version.")
    if not text.strip():
        raise ValidationError({"text": "Enter your comment."})
    membership = next((m for m in by.current_memberships if m.role in CONSULTEE_ROLES), None)
    organisation = membership.organisation if membership else None
    with transaction.atomic():
        comment = Comment(
            version=version,
            theme=theme,
            standard=standard,
            indicator=indicator,
            author=by,
            organisation=organisation,
            organisation_kind=organisation.kind if organisation else "",
            borough_codes=sorted(organisation.boroughs.values_list("ons_code", flat=True)) if organisation else [],
            kind=kind,
            text=text.strip(),
            show_name=show_name,
        )
        comment.full_clean()
        _save(comment, by=by, reason="comment")
        audit.append(
            comment,
            action="comment",
            actor=by,
            role=membership.role if membership else "",
            payload={"version": version.pk, "kind": kind},
        )
    return comment


def answer_comment(comment: Comment, *, by: User, answer: str, response: str) -> Comment:
    """The steward's answer ("you said, we did"). Side effects: audit event "answer"."""
    _require(by, "standards.answer_comment", comment.version)
    if comment.version.is_frozen:
        raise ValidationError("The version is published: its consultation answers are final.")
    if answer not in Comment.Answer.values or answer == Comment.Answer.UNANSWERED:
        raise ValidationError({"answer": "Choose whether the comment is accepted, partly accepted or not accepted."})
    if not response.strip():
        raise ValidationError({"response": "Explain what you did with this comment."})
    with transaction.atomic():
        comment.answer = answer
        comment.response = response.strip()
        comment.answered_by = by
        comment.answered_at = timezone.now()
        _save(comment, by=by, reason="answer")
        audit.append(
            comment, action="answer", actor=by, role=acting_role(by, *STEWARD_ROLES), payload={"answer": answer}
        )
    return comment

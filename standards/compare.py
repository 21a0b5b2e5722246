"""What changed between two versions, standard by standard, using the crosswalk.

A standard of the newer version is matched to the one(s) it `continues`; without a crosswalk
entry, to the standard with the same code. Unmatched standards are added or removed.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from standards.models import FrameworkVersion, Standard


@dataclass
class StandardChange:
    kind: str  # "added", "removed", "reworded", "moved", "reworded and moved", "unchanged"
    old: Standard | None
    new: Standard | None
    fields: list[tuple[str, SafeString, SafeString]] = field(default_factory=list)  # label, old, new (marked up)

    @property
    def changed(self) -> bool:
        return self.kind != "unchanged"


def _mark(old: str, new: str) -> tuple[SafeString, SafeString]:
    """Word-level diff with <del>/<ins>, escaped."""
    a, b = old.split(), new.split()
    left: list[str] = []
    right: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        old_words, new_words = escape(" ".join(a[i1:i2])), escape(" ".join(b[j1:j2]))
        if op == "equal":
            left.append(old_words)
            right.append(new_words)
        else:
            if old_words:
                left.append(f"<del>{old_words}</del>")
            if new_words:
                right.append(f"<ins>{new_words}</ins>")
    return mark_safe(" ".join(left)), mark_safe(" ".join(right))  # noqa: S308 - every part escaped above


def _indicator_text(standard: Standard) -> str:
    return "\n".join(f"{i.text} [{'; '.join(i.prompts)}]" for i in standard.indicators.all())


def _load(version: FrameworkVersion) -> list[Standard]:
    return list(
        version.standards.select_related("theme").prefetch_related("indicators", "continues").order_by("position")
    )


def compare(old: FrameworkVersion, new: FrameworkVersion) -> list[StandardChange]:
    """Every standard of either version, with what happened to it, in the newer version's order."""
    old_standards, new_standards = _load(old), _load(new)
    old_by_pk = {s.pk: s for s in old_standards}
    old_by_code = {s.code: s for s in old_standards}
    matched_old: set[int] = set()
    changes: list[StandardChange] = []
    for standard in new_standards:
        sources = [old_by_pk[s.pk] for s in standard.continues.all() if s.pk in old_by_pk]
        if not sources and standard.code in old_by_code:
            sources = [old_by_code[standard.code]]
        if not sources:
            changes.append(StandardChange("added", None, standard))
            continue
        source = sources[0]
        matched_old.update(s.pk for s in sources)
        fields = []
        for label, attr in [("Title", "title"), ("Description", "description"), ("Guidance", "guidance")]:
            before, after = getattr(source, attr), getattr(standard, attr)
            if before != after:
                fields.append((label, *_mark(before, after)))
        before, after = _indicator_text(source), _indicator_text(standard)
        if before != after:
            fields.append(("Indicators", *_mark(before, after)))
        moved = source.theme.title != standard.theme.title or source.code != standard.code
        if moved:
            fields.append(
                (
                    "Place",
                    *_mark(f"{source.code} in {source.theme.title}", f"{standard.code} in {standard.theme.title}"),
                )
            )
        reworded = any(label != "Place" for label, _, _ in fields)
        kind = (
            "reworded and moved"
            if reworded and moved
            else "reworded"
            if reworded
            else "moved"
            if moved
            else "unchanged"
        )
        change = StandardChange(kind, source, standard, fields)
        if len(sources) > 1:
            change.kind = "merged" if kind == "unchanged" else f"merged and {kind}"
        changes.append(change)
    for standard in old_standards:
        if standard.pk not in matched_old:
            changes.append(StandardChange("removed", standard, None))
    return changes


def summary(changes: list[StandardChange]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for change in changes:
        counts[change.kind] = counts.get(change.kind, 0) + 1
    return counts

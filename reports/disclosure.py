"""One disclosure policy for every aggregate figure (issue #16).

Every intelligence table, and so the page, its chart and map, the CSV and XLSX downloads, the
annual PDF and the API, passes through `disclose` with the reader it is for. It applies
statistical disclosure control:

- A reader who may see exact figures sees them: named peer-review figures for coordinators and
  administrators; exact lifeboat figures only for those who may see every case (the lifeboat panel
  and administrators). A coordinator, or a caseworker who is not on every case, is an outsider for
  lifeboat figures.
- A filter (an area, a kind of organisation) that narrows the directory to fewer than THRESHOLD
  organisations withholds the whole table and says so, instead of answering.
- Peer-review tables: a row resting on fewer than THRESHOLD organisations (or reviews) has its
  figures suppressed; a count within a row (how many organisations got each rating) below
  THRESHOLD is suppressed, and when that leaves a single hidden count that the row's total would
  give away, the next smallest is hidden too (secondary suppression).
- Lifeboat tables: the whole table is withheld unless it rests on at least THRESHOLD cases (the
  same words for none as for a few, so a narrow filter cannot tell them apart); rows resting on
  fewer than THRESHOLD cases are left out; counts are rounded to the nearest ROUND_TO and money
  to the nearest MONEY_ROUND_TO, so successive downloads cannot be differenced to single out a case.

Every suppressed cell is marked (`marks`) and every table says, in `notes`, what was done to it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

THRESHOLD = 5
ROUND_TO = 5
MONEY_ROUND_TO = 10_000
MARK = "[c]"  # a suppressed cell in downloads (the ONS convention: confidential)
FEWER = f"fewer than {THRESHOLD}"

NOTE_SUPPRESSED = (
    f"{MARK}: withheld because it rests on fewer than {THRESHOLD} organisations or cases, or because it "
    "would let a withheld figure be worked out from the others."
)
NOTE_ROUNDED = (
    f"Lifeboat figures are rounded to the nearest {ROUND_TO} (money to the nearest £{MONEY_ROUND_TO:,}) "
    "so that organisations cannot be singled out."
)
NOTE_ROWS_LEFT_OUT = f"Rows that rest on fewer than {THRESHOLD} cases are left out."
WITHHELD_POPULATION = (
    f"This selection covers fewer than {THRESHOLD} organisations, so its figures are not shown. "
    "Choose a wider area or every kind of organisation."
)
WITHHELD_CASES = f"Fewer than {THRESHOLD} lifeboat cases in this selection, so its figures are not shown."
WITHHELD_NAMES = "This table names organisations, so it is shown only to coordinators and administrators."


@dataclass(frozen=True)
class Reader:
    """What a reader may see exactly."""

    named: bool  # exact peer-review figures, and tables that name organisations
    lifeboat_insider: bool  # exact lifeboat figures

    @classmethod
    def of(cls, user: Any) -> Reader:
        return cls(
            named=user.has_perm("reports.view_named_intelligence"),
            lifeboat_insider=user.has_perm("reports.view_exact_lifeboat_figures"),
        )


PUBLIC = Reader(named=False, lifeboat_insider=False)  # the annual PDF: anonymised for everyone
EXACT = Reader(named=True, lifeboat_insider=True)  # benchmarks and tests of the computations only


@dataclass(frozen=True)
class Policy:
    """How one table is disclosed."""

    rests_on: str | None  # the column counting the organisations or cases each row rests on
    values: tuple[str, ...] = ()  # figures withheld with their row
    parts: tuple[str, ...] = ()  # counts that add up to rests_on (suppressed with secondary)
    lifeboat: bool = False
    counts: tuple[str, ...] = ()  # lifeboat counts, rounded for outsiders
    money: tuple[str, ...] = ()  # lifeboat money, rounded for outsiders
    names_organisations: bool = False


@dataclass
class Disclosed:
    """A table as one reader may see it."""

    frame: Any  # pandas.DataFrame, or None when the whole table is withheld
    withheld: str = ""  # why the whole table is withheld (shown instead of it)
    marks: set[tuple[int, str]] = field(default_factory=set)  # (row position, column) suppressed
    notes: list[str] = field(default_factory=list)

    def is_marked(self, row: int, column: str) -> bool:
        return (row, column) in self.marks


def round_to(value: Any, step: int) -> int:
    """Round half up to a multiple of step (Python's round() would round halves to even)."""
    return int(math.floor(float(value) / step + 0.5) * step)


def disclose(df: Any, policy: Policy, *, reader: Reader, population: int | None) -> Disclosed:
    """The table as `reader` may see it. `population`: how many organisations in the directory the
    filters select (None when nothing narrows the population: all of London)."""
    if policy.names_organisations:
        return Disclosed(df) if reader.named else Disclosed(None, withheld=WITHHELD_NAMES)
    exact = reader.lifeboat_insider if policy.lifeboat else reader.named
    if exact or policy.rests_on is None:
        return Disclosed(df)
    if population is not None and population < THRESHOLD:
        return Disclosed(None, withheld=WITHHELD_POPULATION)
    if policy.lifeboat:
        return _lifeboat(df, policy)
    return _suppress(df, policy)


def _lifeboat(df: Any, policy: Policy) -> Disclosed:
    rests_on = policy.rests_on
    assert rests_on is not None
    total = int(df[rests_on].sum()) if not df.empty else 0
    if total < THRESHOLD:
        return Disclosed(None, withheld=WITHHELD_CASES)
    kept = df[df[rests_on] >= THRESHOLD].reset_index(drop=True).copy()
    notes = [NOTE_ROUNDED]
    if len(kept) < len(df):
        notes.append(NOTE_ROWS_LEFT_OUT)
    for column in {rests_on, *policy.counts}:
        kept[column] = kept[column].map(lambda v: round_to(v, ROUND_TO)).astype("int64")
    for column in policy.money:
        kept[column] = kept[column].map(lambda v: float(round_to(v, MONEY_ROUND_TO)))
    return Disclosed(kept, notes=notes)


def _suppress(df: Any, policy: Policy) -> Disclosed:
    rests_on = policy.rests_on
    assert rests_on is not None
    out = df.copy().reset_index(drop=True)
    marks: set[tuple[int, str]] = set()
    for position, row in enumerate(out.to_dict("records")):
        if row[rests_on] < THRESHOLD:
            marks.update((position, column) for column in (rests_on, *policy.values, *policy.parts))
            continue
        parts = {column: row[column] for column in policy.parts}
        hidden = {column for column, n in parts.items() if 0 < n < THRESHOLD}
        if len(hidden) == 1:
            # One hidden count is the row's total less the others: hide the next smallest as well.
            others = sorted((n, column) for column, n in parts.items() if column not in hidden and n > 0)
            hidden.add(others[0][1] if others else rests_on)
        marks.update((position, column) for column in hidden)
    for column in {column for _, column in marks}:
        out[column] = out[column].astype("object")
    for position, column in marks:
        out.at[position, column] = None
    return Disclosed(out, marks=marks, notes=[NOTE_SUPPRESSED] if marks else [])


def for_download(disclosed: Disclosed) -> Any:
    """The table for a CSV or XLSX: suppressed cells marked, and a note on every row it applies to
    (or a single note when the whole table is withheld)."""
    import pandas as pd

    if disclosed.frame is None:
        return pd.DataFrame({"note": [disclosed.withheld]})
    out = disclosed.frame.copy()
    for column in {column for _, column in disclosed.marks}:
        out[column] = out[column].astype("object")
    for position, column in disclosed.marks:
        out.at[position, column] = MARK
    if disclosed.notes:
        marked_rows = {position for position, _ in disclosed.marks}
        table_notes = [n for n in disclosed.notes if n != NOTE_SUPPRESSED]
        out["note"] = [
            " ".join(([NOTE_SUPPRESSED] if position in marked_rows else []) + table_notes)
            for position in range(len(out))
        ]
    return out

"""One disclosure policy for every aggregate figure (issue #16).

Every intelligence table, and so the page, its chart and map, the CSV and XLSX downloads, the
annual PDF and the API, passes through `disclose` with the reader it is for. It applies
statistical disclosure control:

- A reader who may see exact figures sees them: named peer-review figures for coordinators and
  administrators; exact lifeboat figures only for those who may see every case (the lifeboat panel
  and administrators). A coordinator, or a caseworker who is not on every case, is an outsider for
  lifeboat figures.
- A filter (an area, a kind of organisation, a year) that narrows the population to fewer than
  THRESHOLD organisations withholds the whole table and says so, instead of answering.
- Peer-review tables: a row resting on fewer than THRESHOLD organisations (or reviews) has its
  figures suppressed; a count within a row (how many organisations got each rating) below
  THRESHOLD is suppressed (primary suppression). Then secondary suppression (`_protect`): every
  published total (a row's total, and, for a table narrowed to one kind of organisation, the same
  cell of the table for every kind) must leave each hidden cell it adds up to with at least two
  possible values, given what a reader knows of it (a count hidden for being small is 1 to 4 when
  zeros are shown, 0 to 4 otherwise; a hidden none counts as known, as the directory may tell).
  While one does not, the smallest figure shown in that total is hidden as well (the total itself
  when no other is left and it is in the same table), until no total gives a hidden cell away.
  A table narrowed to one kind is disclosed together with the tables for every other kind
  (`Breakdown`), so the same cells are hidden whichever kind is asked for, and the kinds' figures
  cannot be taken from the all-kinds table to recover one.
- Lifeboat tables: the whole table is withheld unless it rests on at least THRESHOLD cases (the
  same words for none as for a few, so a narrow filter cannot tell them apart); rows resting on
  fewer than THRESHOLD cases are left out; counts are rounded to a multiple of ROUND_TO and money
  to a multiple of MONEY_ROUND_TO, each figure on its own (`_random_round`): up or down at random,
  more often to the nearer multiple, but the same way every time for the same figure of the same
  cell. Rounding to the nearest would give the count away whenever it moves (20 becoming 25 means
  22 became 23); here the count at which a cell's figure moves differs from cell to cell and is
  unknowable without the site's secret key, and asking again gives the same answer, so successive
  downloads cannot be differenced or averaged to an exact change that singles out a case.

Every suppressed cell is marked (`marks`) and every table says, in `notes`, what was done to it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.crypto import salted_hmac

THRESHOLD = 5
ROUND_TO = 5
MONEY_ROUND_TO = 10_000
WEEKS_ROUND_TO = 4  # a lifeboat table's times (median weeks to close)
MARK = "[c]"  # a suppressed cell in downloads (the ONS convention: confidential)
FEWER = f"fewer than {THRESHOLD}"

NOTE_SUPPRESSED = (
    f"{MARK}: withheld because it rests on fewer than {THRESHOLD} organisations or cases, or because it "
    "would let a withheld figure be worked out from the others."
)
NOTE_ROUNDED = (
    f"Lifeboat figures are rounded up or down to a multiple of {ROUND_TO} (money to a multiple of "
    f"£{MONEY_ROUND_TO:,}, times to a multiple of {WEEKS_ROUND_TO} weeks) so that organisations cannot be "
    "singled out."
)
NOTE_ROWS_LEFT_OUT = f"Rows that rest on fewer than {THRESHOLD} cases are left out."
WITHHELD_POPULATION = (
    f"This selection covers fewer than {THRESHOLD} organisations, so its figures are not shown. "
    "Choose a wider area, every kind of organisation or every year."
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
    key: tuple[str, ...] = ()  # the columns naming a row, to match rows across a Breakdown


@dataclass(frozen=True)
class Breakdown:
    """A table narrowed to one value of a filter that splits the organisations (each is of one kind),
    with the same table for every value of it and for none: what a reader can ask for one by one."""

    chosen: str  # the value this table is for
    slices: dict[str, Any]  # every value -> its table (pandas.DataFrame), the chosen one included
    withheld: frozenset[str]  # values whose population is below THRESHOLD (their tables are withheld)
    total: Any  # the table with the filter cleared (its cells are the published totals)


@dataclass
class Disclosed:
    """A table as one reader may see it."""

    frame: Any  # pandas.DataFrame, or None when the whole table is withheld
    withheld: str = ""  # why the whole table is withheld (shown instead of it)
    marks: set[tuple[int, str]] = field(default_factory=set)  # (row position, column) suppressed
    notes: list[str] = field(default_factory=list)

    def is_marked(self, row: int, column: str) -> bool:
        return (row, column) in self.marks


def disclose(
    df: Any, policy: Policy, *, reader: Reader, population: int | None, breakdown: Breakdown | None = None
) -> Disclosed:
    """The table as `reader` may see it. `population`: how many organisations in the directory the
    filters select (None when nothing narrows the population: all of London). `breakdown`: when
    the table is one kind's, every kind's table and the all-kinds one (`df` is its chosen slice)."""
    if policy.names_organisations:
        return Disclosed(df) if reader.named else Disclosed(None, withheld=WITHHELD_NAMES)
    exact = reader.lifeboat_insider if policy.lifeboat else reader.named
    if exact or policy.rests_on is None:
        return Disclosed(df)
    if population is not None and population < THRESHOLD:
        return Disclosed(None, withheld=WITHHELD_POPULATION)
    if policy.lifeboat:
        return _lifeboat(df, policy)
    if breakdown is not None:
        return _suppress_breakdown(breakdown, policy)
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
    figures = {rests_on, *policy.counts, *policy.money, *policy.values}
    labels = [column for column in kept.columns if column not in figures]
    table = ",".join(kept.columns)  # which table: its columns
    steps = [(c, ROUND_TO) for c in sorted({rests_on, *policy.counts})]
    steps += [(c, MONEY_ROUND_TO) for c in policy.money] + [(c, WEEKS_ROUND_TO) for c in policy.values]
    for column, step in steps:
        kept[column] = [
            value
            if value is None or (isinstance(value, float) and math.isnan(value))
            else _random_round(value, step, cell=f"{table}|{column}|{'|'.join(str(row[c]) for c in labels)}")
            for value, row in zip(kept[column].tolist(), kept.to_dict("records"), strict=True)
        ]
    for column in (*policy.money, *policy.values):
        kept[column] = kept[column].astype("float64")
    return Disclosed(kept, notes=notes)


def _random_round(value: Any, step: int, *, cell: str) -> int:
    """`value` rounded down or up to a multiple of `step`: up with a chance equal to how far it is
    past the multiple below (so on average the figure is right), drawn from a keyed hash of the
    cell and the value, so the same figure of the same cell always rounds the same way."""
    low = math.floor(float(value) / step) * step
    past = float(value) / step - low / step
    if past == 0:
        return int(low)
    digest = salted_hmac("reports.disclosure.rounding", f"{cell}|{float(value):.2f}").digest()
    draw = int.from_bytes(digest[:8], "big") / 2**64
    return int(low + step if draw < past else low)


Cell = tuple[Any, Any, Any]  # (which table, row position, column)
UNBOUNDED = math.inf


def _suppress(df: Any, policy: Policy) -> Disclosed:
    return _suppress_slices({None: df}, policy, totals=None)[None]


def _suppress_breakdown(breakdown: Breakdown, policy: Policy) -> Disclosed:
    assert policy.key, "a breakdown matches rows by the policy's key"
    total = breakdown.total.reset_index(drop=True)
    shown_total = _suppress(total, policy)
    slices = {value: df for value, df in breakdown.slices.items()}
    disclosed = _suppress_slices(slices, policy, totals=(total, shown_total.marks), withheld=breakdown.withheld)
    return disclosed[breakdown.chosen]


def _suppress_slices(
    slices: dict[Any, Any],
    policy: Policy,
    *,
    totals: tuple[Any, set[tuple[int, str]]] | None,
    withheld: Iterable[Any] = (),
) -> dict[Any, Disclosed]:
    """Primary and secondary suppression of one table, or of several slices of one table whose
    cells add up to the cells of `totals` (the all-slices table and the cells hidden in it)."""
    rests_on = policy.rests_on
    assert rests_on is not None
    additive = (rests_on, *policy.parts)
    frames = {value: df.copy().reset_index(drop=True) for value, df in slices.items()}
    counts: dict[Cell, float] = {}
    bounds: dict[Cell, tuple[float, float]] = {}
    hidden: set[Cell] = set()
    rows: dict[Cell, tuple[Cell, ...]] = {}  # a row's total cell -> every cell of the row
    lines: list[tuple[Cell, tuple[Cell, ...]]] = []  # (total cell, the cells adding up to it)
    fixed: set[Cell] = set()  # cells of other tables: published unless hidden there, never hidden here
    withheld = set(withheld)
    for value, out in frames.items():
        for position, row in enumerate(out.to_dict("records")):
            cells = {column: (value, position, column) for column in (rests_on, *policy.values, *policy.parts)}
            total = cells[rests_on]
            rows[total] = tuple(cells.values())
            for column in additive:
                counts[cells[column]] = row[column]
            if value in withheld:
                hidden.update(cells.values())
                continue
            if row[rests_on] < THRESHOLD:  # the whole row: each of its counts is at most its total
                hidden.update(cells.values())
                bounds.update({cell: (0, THRESHOLD - 1) for cell in cells.values()})
                continue
            for column in policy.parts:
                if 0 < row[column] < THRESHOLD:  # zeros are shown, so a hidden count is 1 to 4
                    hidden.add(cells[column])
                    bounds[cells[column]] = (1, THRESHOLD - 1)
            lines.append((total, tuple(cells[column] for column in policy.parts)))
    if totals is not None:
        total_frame, total_marks = totals
        key = policy.key
        positions = {
            value: {tuple(r[k] for k in key): p for p, r in enumerate(out[list(key)].to_dict("records"))}
            for value, out in frames.items()
        }
        for position, row in enumerate(total_frame[list(key)].to_dict("records")):
            name = tuple(row[k] for k in key)
            for column in additive:
                cell = ("*", position, column)
                counts[cell] = total_frame.at[position, column]
                fixed.add(cell)
                if (position, column) in total_marks:
                    hidden.add(cell)
                members = tuple((value, positions[value][name], column) for value in frames if name in positions[value])
                lines.append((cell, members))
    _protect(counts, bounds, hidden, lines, rows, fixed)
    disclosed = {}
    for value, out in frames.items():
        if value in withheld:
            disclosed[value] = Disclosed(None, withheld=WITHHELD_POPULATION)
            continue
        marks = {(position, column) for (v, position, column) in hidden if v == value}
        for column in {column for _, column in marks}:
            out[column] = out[column].astype("object")
        for position, column in marks:
            out.at[position, column] = None
        disclosed[value] = Disclosed(out, marks=marks, notes=[NOTE_SUPPRESSED] if marks else [])
    return disclosed


def _protect(
    counts: dict[Cell, float],
    bounds: dict[Cell, tuple[float, float]],
    hidden: set[Cell],
    lines: list[tuple[Cell, tuple[Cell, ...]]],
    rows: dict[Cell, tuple[Cell, ...]],
    fixed: set[Cell],
) -> None:
    """Secondary suppression, in place: hide more cells until no published total (a line's total
    cell, when not hidden) lets a reader work out any hidden cell it adds up to exactly. Hiding a
    row's total hides its whole row."""

    def hide(cell: Cell) -> None:
        hidden.add(cell)
        hidden.update(rows.get(cell, ()))

    changed = True
    while changed:
        changed = False
        for total, members in lines:
            if total in hidden:
                continue  # not published: it gives nothing away
            inside = [m for m in members if m in hidden]
            if not inside:
                continue
            rest = counts[total] - sum(counts[m] for m in members if m not in hidden)
            # A reader may know a count is none (the directory lists no such organisation there).
            known = [(0.0, 0.0) if counts[m] == 0 else bounds.get(m, (0, UNBOUNDED)) for m in inside]
            if not _gives_away(rest, known):
                continue
            shown = [(counts[m], i, m) for i, m in enumerate(members) if m not in hidden and counts[m] > 0]
            if shown:
                hide(min(shown)[2])
            elif total not in fixed:
                hide(total)
            else:  # every cell of the total is hidden already; only hiding the other table's total would help
                continue
            changed = True


def _gives_away(rest: float, inside: list[tuple[float, float]]) -> bool:
    """Whether hidden cells with these (lowest, highest) possible values, adding up to `rest`,
    leave any of them a single possible value."""
    for i, (low, high) in enumerate(inside):
        others_low = sum(b[0] for j, b in enumerate(inside) if j != i)
        others_high = sum(b[1] for j, b in enumerate(inside) if j != i)
        if max(low, rest - others_high) >= min(high, rest - others_low):
            return True
    return False


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

"""The one disclosure policy (issue #16, item 1): thresholds, secondary suppression, rounding of
lifeboat figures for outsiders, filters that narrow the population, and marks with notes in the
page, the CSV, the XLSX and the API."""

from __future__ import annotations

import csv
import io
import itertools
import math

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from casework.models import Case
from organisations.models import Borough, Organisation
from reports import analytics, disclosure
from reports.disclosure import Policy, Reader
from tests import scenes
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.unit

RATINGS = Policy(
    rests_on="organisations", values=("median",), parts=("level_1", "level_2", "level_3", "level_4"), key=("code",)
)
PIPELINE = Policy("cases", lifeboat=True)
OUTSIDER = Reader(named=True, lifeboat_insider=False)  # a coordinator


def _frame(rows: list, columns: list[str]):
    import pandas as pd  # loaded where used (ruff TID253)

    return pd.DataFrame(rows, columns=columns)


def _ratings(*rows: tuple):
    return _frame(list(rows), ["code", "organisations", "median", "level_1", "level_2", "level_3", "level_4"])


def test_a_row_on_fewer_than_five_is_suppressed_whole():
    out = disclosure.disclose(_ratings(("1.1", 4, 3.0, 0, 1, 3, 0)), RATINGS, reader=disclosure.PUBLIC, population=None)
    assert out.frame.iloc[0].tolist() == ["1.1", None, None, None, None, None, None]
    assert out.marks == {(0, c) for c in ("organisations", "median", "level_1", "level_2", "level_3", "level_4")}
    assert out.notes == [disclosure.NOTE_SUPPRESSED]


def test_one_small_count_hides_the_next_smallest_so_the_total_cannot_give_it_away():
    out = disclosure.disclose(
        _ratings(("1.1", 12, 3.0, 0, 2, 4, 6)), RATINGS, reader=disclosure.PUBLIC, population=None
    )
    # level_2 (2) and level_3 (4) are both under five; level_4 (6) shown; 12 - 6 = 6 is two cells.
    assert out.frame.iloc[0].tolist() == ["1.1", 12, 3.0, 0, None, None, 6]
    single = disclosure.disclose(
        _ratings(("1.1", 12, 3.0, 0, 2, 5, 5)), RATINGS, reader=disclosure.PUBLIC, population=None
    )
    # Only level_2 is small: 12 - 5 - 5 would reveal it, so the next smallest (a 5) goes too.
    assert single.frame.iloc[0].tolist() == ["1.1", 12, 3.0, 0, None, None, 5]
    assert {c for _, c in single.marks} == {"level_2", "level_3"}


def test_hidden_counts_that_the_total_pins_down_hide_another():
    # 13 - 0 - 5 = 8 for two hidden counts of at most 4 each: both are 4.
    out = disclosure.disclose(
        _ratings(("1.1", 13, 3.0, 0, 4, 4, 5)), RATINGS, reader=disclosure.PUBLIC, population=None
    )
    assert out.frame.iloc[0].tolist() == ["1.1", 13, 3.0, 0, None, None, None]
    # 10 - 0 - 8 = 2 for two hidden counts of at least 1 each (zeros are shown): both are 1.
    ones = disclosure.disclose(
        _ratings(("1.1", 10, 3.0, 0, 1, 1, 8)), RATINGS, reader=disclosure.PUBLIC, population=None
    )
    assert ones.frame.iloc[0].tolist() == ["1.1", 10, 3.0, 0, None, None, None]


COVERAGE = Policy(rests_on="reviewed", values=("median",), key=("area",))


def _coverage(*rows: tuple):
    return _frame(list(rows), ["area", "reviewed", "median"])


def _by_kind(chosen: str, slices: dict, total, withheld=frozenset()):
    return disclosure.disclose(
        slices[chosen],
        COVERAGE,
        reader=disclosure.PUBLIC,
        population=None,
        breakdown=disclosure.Breakdown(chosen=chosen, slices=slices, withheld=withheld, total=total),
    )


def test_a_kind_table_hides_a_second_kind_so_the_all_kinds_table_gives_nothing_away():
    # Areas by kind: the all-kinds table (its totals) is shown, so Camden's 3 anchors would be 12 - 9.
    slices = {
        "anchor": _coverage(("Camden", 3, 2.0), ("Hackney", 10, 3.0)),
        "cvs": _coverage(("Camden", 9, 3.0), ("Hackney", 10, 2.0)),
    }
    total = _coverage(("Camden", 12, 3.0), ("Hackney", 20, 2.5))
    assert disclosure.disclose(total, COVERAGE, reader=disclosure.PUBLIC, population=None).marks == set()
    anchor, cvs = _by_kind("anchor", slices, total), _by_kind("cvs", slices, total)
    assert anchor.frame.values.tolist() == [["Camden", None, None], ["Hackney", 10, 3.0]]
    assert cvs.frame.values.tolist() == [["Camden", None, None], ["Hackney", 10, 2.0]]


def test_a_withheld_kind_cannot_be_recovered_from_the_others_and_the_total():
    slices = {"anchor": _coverage(("Camden", 6, 2.0)), "cvs": _coverage(("Camden", 9, 3.0))}
    total = _coverage(("Camden", 15, 3.0))
    cvs = _by_kind("cvs", slices, total, withheld=frozenset({"anchor"}))
    assert cvs.frame.values.tolist() == [["Camden", None, None]]
    assert _by_kind("anchor", slices, total, withheld=frozenset({"anchor"})).withheld == disclosure.WITHHELD_POPULATION


def test_counts_in_rows_and_across_kinds_protect_each_other():
    # A two-way table per kind (standards by rating) whose rows add up to their totals and whose
    # cells add up, across kinds, to the all-kinds table: every published total that holds a
    # hidden count holds another, so none is that total less the counts shown.
    slices = {
        "anchor": _ratings(("1.1", 12, 3.0, 0, 2, 5, 5), ("1.2", 12, 3.0, 0, 6, 6, 0)),
        "cvs": _ratings(("1.1", 20, 3.0, 5, 5, 5, 5), ("1.2", 20, 3.0, 5, 5, 5, 5)),
    }
    total = _ratings(("1.1", 32, 3.0, 5, 7, 10, 10), ("1.2", 32, 3.0, 5, 11, 11, 5))
    breakdown = {"chosen": "", "slices": slices, "withheld": frozenset(), "total": total}
    shown = {
        kind: disclosure.disclose(
            slices[kind],
            RATINGS,
            reader=disclosure.PUBLIC,
            population=None,
            breakdown=disclosure.Breakdown(**{**breakdown, "chosen": kind}),
        )
        for kind in slices
    }
    counts = ("organisations", "level_1", "level_2", "level_3", "level_4")
    for position in (0, 1):
        for kind in slices:  # each row's total
            hidden = [c for c in counts[1:] if shown[kind].is_marked(position, c)]
            assert len(hidden) != 1 or shown[kind].is_marked(position, "organisations"), (kind, position)
        for column in counts:  # each cell of the all-kinds table
            hidden = [kind for kind in slices if shown[kind].is_marked(position, column)]
            assert len(hidden) != 1, (position, column)
    assert shown["anchor"].is_marked(0, "level_2") and shown["cvs"].is_marked(0, "level_2")


def test_named_readers_see_review_figures_exactly_but_lifeboat_figures_rounded():
    frame = _ratings(("1.1", 4, 3.0, 0, 1, 3, 0))
    assert disclosure.disclose(frame, RATINGS, reader=OUTSIDER, population=None).frame.equals(frame)
    cases = _frame([("Turnaround", "Active", 7), ("Closure", "Closed", 3)], ["pathway", "state", "cases"])
    out = disclosure.disclose(cases, PIPELINE, reader=OUTSIDER, population=None)
    assert out.frame.values.tolist() in ([["Turnaround", "Active", 5]], [["Turnaround", "Active", 10]])
    assert len(out.frame) == 1  # the row of 3 is left out
    assert out.notes == [disclosure.NOTE_ROUNDED, disclosure.NOTE_ROWS_LEFT_OUT]
    insider = disclosure.disclose(cases, PIPELINE, reader=disclosure.EXACT, population=None)
    assert insider.frame.equals(cases)


@pytest.mark.parametrize("total", [0, 1, 4])
def test_fewer_than_five_cases_reads_the_same_as_none(total):
    cases = _frame([("Turnaround", "Active", total)] if total else [], ["pathway", "state", "cases"])
    out = disclosure.disclose(cases, PIPELINE, reader=OUTSIDER, population=None)
    assert (out.frame, out.withheld) == (None, disclosure.WITHHELD_CASES)


def _cases(n: int, state: str = "Active"):
    return _frame([("Turnaround", state, n)], ["pathway", "state", "cases"])


def _shown(n: int, state: str = "Active") -> int:
    return disclosure.disclose(_cases(n, state), PIPELINE, reader=OUTSIDER, population=None).frame["cases"][0]


def test_a_lifeboat_figure_rounds_the_same_way_every_time():
    # Asking again cannot average the rounding away.
    assert len({_shown(23) for _ in range(20)}) == 1
    assert _shown(23) in (20, 25) and _shown(25) == 25


def test_one_more_case_never_tells_the_count():
    """Week by week, a cell gains a case at a time. Its figure only ever moves by a multiple of 5,
    and the count at which 20 becomes 25 differs from cell to cell: rounding to the nearest would
    always move at 22 to 23, so the move would tell the reader the exact count."""
    moves = set()
    for state in [f"State {i}" for i in range(40)]:
        figures = [_shown(n, state) for n in range(15, 31)]
        assert all(f % 5 == 0 and abs(f - n) < 5 for f, n in zip(figures, range(15, 31), strict=True)), figures
        moves |= {n for n, (a, b) in enumerate(itertools.pairwise(figures), start=15) if (a, b) == (20, 25)}
    assert len(moves) > 1, moves


def test_money_rounds_to_ten_thousand_on_its_own():
    policy = Policy("cases", counts=("items",), money=("value_gbp",), lifeboat=True)
    frame = _frame([("Funds", "Returned", 6, 7, 4_000.0)], ["register", "where_it_went", "cases", "items", "value_gbp"])
    out = disclosure.disclose(frame, policy, reader=OUTSIDER, population=None).frame.iloc[0].tolist()
    assert out[:2] == ["Funds", "Returned"] and out[2] in (5, 10) and out[3] in (5, 10) and out[4] in (0.0, 10_000.0)


def test_a_filter_narrowing_below_five_organisations_says_so():
    frame = _ratings(("1.1", 9, 3.0, 0, 0, 9, 0))
    out = disclosure.disclose(frame, RATINGS, reader=disclosure.PUBLIC, population=4)
    assert (out.frame, out.withheld) == (None, disclosure.WITHHELD_POPULATION)


def test_downloads_mark_suppressed_cells_and_explain_them():
    out = disclosure.disclose(
        _ratings(("1.1", 4, 3.0, 0, 1, 3, 0), ("1.2", 9, 3.0, 0, 0, 9, 0)),
        RATINGS,
        reader=disclosure.PUBLIC,
        population=None,
    )
    rows = disclosure.for_download(out).values.tolist()
    assert rows == [
        ["1.1", "[c]", "[c]", "[c]", "[c]", "[c]", "[c]", disclosure.NOTE_SUPPRESSED],
        ["1.2", 9, 3.0, 0, 0, 9, 0, ""],
    ]


# --- through the page, downloads and API -------------------------------------------------------


@pytest.fixture
def singled_out(caseworker):
    """The only community anchor serving the City of London, with a lifeboat case."""
    city = Borough.objects.get(ons_code="E09000001")
    body = OrganisationFactory(name="City Anchor", kind=Organisation.Kind.COMMUNITY_ANCHOR)
    body.boroughs.set([city])
    scenes.case_awaiting_decision(caseworker=caseworker, organisation=body)
    return body


@pytest.mark.integration
def test_a_single_borough_and_kind_filter_never_shows_the_case(singled_out, funder, coordinator, client_for):
    query = "?borough=E09000001&kind=community_anchor"
    for person in (funder, coordinator):
        client = client_for(person)
        page = client.get(reverse("reports:intelligence") + query).content.decode()
        assert "Awaiting the panel" not in page
        assert disclosure.WITHHELD_POPULATION in page
        body = client.get(reverse("reports:intelligence-download", args=["pipeline", "csv"]) + query)
        assert list(csv.reader(io.StringIO(body.content.decode("utf-8-sig")))) == [
            ["note"],
            [disclosure.WITHHELD_POPULATION],
        ]
        api = client.get(reverse("api:intelligence-detail", args=["pipeline"]) + query).json()
        assert (api["withheld"], api["withheld_reason"], api["rows"]) == (True, disclosure.WITHHELD_POPULATION, [])


@pytest.mark.integration
def test_coordinators_outside_the_case_see_no_exact_lifeboat_count(singled_out, coordinator, panel_member):
    assert Case.objects.count() == 1
    coordinator_view = analytics.table("pipeline", analytics.Filters(), reader=Reader.of(coordinator))
    assert (coordinator_view.frame, coordinator_view.withheld) == (None, disclosure.WITHHELD_CASES)
    panel_view = analytics.table("pipeline", analytics.Filters(), reader=Reader.of(panel_member))
    assert panel_view.frame["cases"].tolist() == [1]


@pytest.mark.integration
def test_xlsx_has_the_marks_and_a_notes_sheet(funder, client_for, singled_out):
    xlsx = client_for(funder).get(reverse("reports:intelligence-download", args=["pipeline", "xlsx"])).content
    book = load_workbook(io.BytesIO(xlsx))
    assert book.sheetnames == ["Lifeboat cases by pathway and s", "Notes"]
    assert [[c.value for c in row] for row in book["Notes"].iter_rows()] == [["note"], [disclosure.WITHHELD_CASES]]


def test_a_lifeboat_time_is_rounded_too_so_one_more_case_cannot_move_it_exactly():
    """A median of weeks moves when one case closes: outsiders see it to a multiple of 4 weeks."""
    policy = Policy("cases", values=("median_weeks_to_close",), lifeboat=True)
    for weeks in (9.3, 17.0, 30.6):
        frame = _frame([("Closed in an orderly way", 8, weeks)], ["outcome", "cases", "median_weeks_to_close"])
        shown = disclosure.disclose(frame, policy, reader=OUTSIDER, population=None).frame.iloc[0].tolist()
        assert shown[2] % 4 == 0 and abs(shown[2] - weeks) < 4
        exact = disclosure.disclose(frame, policy, reader=disclosure.EXACT, population=None).frame
        assert exact["median_weeks_to_close"][0] == weeks
    frame = _frame([("Not recorded", 6, float("nan"))], ["outcome", "cases", "median_weeks_to_close"])
    assert math.isnan(disclosure.disclose(frame, policy, reader=OUTSIDER, population=None).frame.iloc[0, 2])

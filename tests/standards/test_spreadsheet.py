import csv
import io
import random
import re
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from core.models import AuditEvent
from standards import spreadsheet, workflow
from standards.models import Indicator, Standard, Theme
from standards.spreadsheet import COLUMNS, MAX_BYTES, MAX_ROWS, SpreadsheetError
from tests.factories import FrameworkFactory, FrameworkVersionFactory, IndicatorFactory, StandardFactory, ThemeFactory
from tests.standards.conftest import content_of, content_rows

pytestmark = pytest.mark.unit

HEADER = list(COLUMNS)
ROW = ["Voice", "", "V1", "Speaks up", "", "", "Represents groups", "Minutes"]


def csv_bytes(rows: list[list[str]], header: list[str] | None = None) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([header or HEADER, *rows])
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list[str]], themes: list[list[str]] | None = None, header: list[str] | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Indicators"
    for row in [header or HEADER, *rows]:
        sheet.append(row)
    if themes is not None:
        theme_sheet = workbook.create_sheet("Themes")
        for row in themes:
            theme_sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row(**changes: str) -> list[str]:
    values = dict(zip(HEADER, ROW, strict=True))
    values.update({heading.replace("_", " "): value for heading, value in changes.items()})
    return [values[h] for h in HEADER]


# --- round trip -----------------------------------------------------------------------------------


@pytest.fixture
def tricky(hub):
    """A draft whose text would trip up a spreadsheet: formulas, quotes, commas, line breaks, non-ASCII."""
    version = FrameworkVersionFactory(framework=FrameworkFactory(owners=[hub]))
    leadership = ThemeFactory(version=version, position=2, title="=Leadership", description="+ and resources")
    need = ThemeFactory(version=version, position=1, title="Understanding need", description="Who, what, “where”")
    s1 = StandardFactory(
        theme=need,
        position=1,
        code="UN-1",
        title="Knows its groups, large and small",
        description='Says "hello" to everyone',
        guidance="First line.\nSecond line, with a comma.",
    )
    IndicatorFactory(
        standard=s1, position=1, text="Keeps a map — café, mosque & lido 😀", evidence_prompts="Map\nNotes"
    )
    IndicatorFactory(standard=s1, position=2, text="@everyone is welcome", evidence_prompts='=HYPERLINK("x")\nList')
    s3 = StandardFactory(theme=leadership, position=2, code="L1", title="-1 is a bad score", guidance="@mention")
    IndicatorFactory(standard=s3, position=1, text="'=Already quoted by hand", evidence_prompts="'Tis a prompt")
    s2 = StandardFactory(theme=need, position=3, code="UN2", title="'Tis the season", description="-")
    IndicatorFactory(standard=s2, position=1, text="+44 20 7946 0000 answers", evidence_prompts="")
    IndicatorFactory(standard=s2, position=2, text="''Doubly quoted", evidence_prompts="-1\n+2\n@3")
    return version


def _round_trip(source, steward, hub, export, name):
    target = FrameworkVersionFactory(framework=FrameworkFactory(owners=[hub]))
    data = export(source)
    workflow.import_version(target, spreadsheet.read(data, name), by=steward)
    return target


@pytest.mark.parametrize(
    ("export", "name"), [(spreadsheet.export_csv, "v1.csv"), (spreadsheet.export_xlsx, "v1.xlsx")], ids=["csv", "xlsx"]
)
def test_export_then_import_gives_an_identical_version(tricky, steward, hub, export, name):
    copy = _round_trip(tricky, steward, hub, export, name)
    assert content_of(copy) == content_of(tricky)
    assert [t.title for t in copy.themes.all()] == ["Understanding need", "=Leadership"]
    assert list(copy.standards.values_list("code", flat=True)) == ["UN-1", "UN2", "L1"]


@pytest.mark.parametrize(
    ("export", "name"), [(spreadsheet.export_csv, "v1.csv"), (spreadsheet.export_xlsx, "v1.xlsx")], ids=["csv", "xlsx"]
)
def test_round_trip_of_an_imported_version_and_twice_over(draft, steward, hub, export, name):
    once = _round_trip(draft, steward, hub, export, name)
    twice = _round_trip(once, steward, hub, export, name)
    assert content_of(once) == content_of(draft) == content_of(twice)
    if name.endswith(".csv"):
        assert export(twice) == export(draft)  # byte for byte


def test_csv_export_is_utf8_with_a_bom_and_one_row_per_indicator(draft):
    data = spreadsheet.export_csv(draft)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == HEADER
    assert len(rows) - 1 == Indicator.objects.filter(standard__version=draft).count() == 5
    assert rows[1][:4] == [
        "Understanding need",
        "How the body learns what local groups need, and from whom.",
        "UN1",
        "Knows its local groups",
    ]
    assert rows[1][7] == "Directory of groups\nDate of last review"


def test_xlsx_export_has_indicator_and_theme_sheets(draft):
    workbook = load_workbook(io.BytesIO(spreadsheet.export_xlsx(draft)))
    assert workbook.sheetnames == ["Indicators", "Themes"]
    assert [c.value for c in workbook["Indicators"][1]] == HEADER
    assert workbook["Indicators"].max_row == 6
    assert [[c.value for c in r] for r in workbook["Themes"].iter_rows()] == [
        ["Theme", "Description"],
        ["Understanding need", "How the body learns what local groups need, and from whom."],
        ["Voice and influence", None],
    ]


# --- formula neutralising -------------------------------------------------------------------------

DANGEROUS = [
    "=Leadership",
    "+ and resources",
    "@everyone is welcome",
    "-1 is a bad score",
    "@mention",
    '=HYPERLINK("x")\nList',
    "+44 20 7946 0000 answers",
    "'=Already quoted by hand",
    "-",
]


def test_csv_export_neutralises_formula_cells(tricky):
    cells = [c for r in csv.reader(io.StringIO(spreadsheet.export_csv(tricky).decode("utf-8-sig"))) for c in r]
    for text in DANGEROUS:
        assert "'" + text in cells
        assert text not in cells
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
    assert "'Tis the season" in cells  # an apostrophe before ordinary text is left alone


def test_xlsx_export_neutralises_formula_cells(tricky):
    workbook = load_workbook(io.BytesIO(spreadsheet.export_xlsx(tricky)))
    cells = [c for sheet in workbook for r in sheet.iter_rows() for c in r if c.value is not None]
    assert all(c.data_type == "s" for c in cells)  # nothing is stored as a formula
    values = [c.value for c in cells]
    assert not [v for v in values if v.startswith(("=", "+", "-", "@"))]
    for text in ["=Leadership", "@everyone is welcome", "-1 is a bad score"]:
        assert "'" + text in values


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "'=1+1", "''=x", "'Tis", "'", "plain", "a=b"])
def test_neutralise_then_restore_gives_the_text_back(text):
    assert spreadsheet.restore(spreadsheet.neutralise(text)) == text
    assert not spreadsheet.neutralise(text).startswith(("=", "+", "-", "@"))


def test_import_restores_neutralised_cells(draft, steward):
    data = csv_bytes([row(Theme="'=Theme", Indicator="'@Groups"), row(Theme="'=Theme", Indicator="'-Tis")])
    parsed = spreadsheet.read(data, "x.csv")
    assert parsed.themes[0].title == "=Theme"
    assert [i.text for i in parsed.themes[0].standards[0].indicators] == ["@Groups", "-Tis"]


# --- bad inputs: each gives its plain message and changes nothing --------------------------------

NOT_A_SPREADSHEET = "This does not look like a spreadsheet. Upload a .csv or .xlsx file."
NOT_A_CSV = "This does not look like a CSV file. Upload a .csv or .xlsx file."
HEADINGS = ", ".join(HEADER)
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"


def _zip_of_other_things() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not a workbook")
    return buffer.getvalue()


BAD_INPUTS = {
    "missing header": (
        csv_bytes(
            [[c for h, c in zip(HEADER, ROW, strict=True) if h != "Standard code"]],
            header=[h for h in HEADER if h != "Standard code"],
        ),
        "x.csv",
        [f"Missing column heading: Standard code. The first row must name the columns: {HEADINGS}."],
    ),
    "missing headers": (
        csv_bytes([["Voice", "Represents groups"]], header=["Theme", "Indicator"]),
        "x.csv",
        [f"Missing column headings: Standard code, Standard title. The first row must name the columns: {HEADINGS}."],
    ),
    "no header at all (xlsx)": (
        xlsx_bytes([ROW], header=ROW),
        "x.xlsx",
        [
            f"Missing column headings: Theme, Standard code, Standard title, Indicator. The first row must name the "
            f"columns: {HEADINGS}."
        ],
    ),
    "heading twice": (
        csv_bytes([ROW + ["x"]], header=HEADER + ["Theme"]),
        "x.csv",
        ["Column heading used twice: Theme."],
    ),
    "duplicate standard code": (
        csv_bytes([row(), row(**{"Standard title": "Something else"})]),
        "x.csv",
        [
            "Row 3, column “Standard code”: duplicate standard code “V1” — row 2 already uses it for a different "
            "standard. Each standard needs its own code; rows of the same standard must repeat its theme, title, "
            "description and guidance exactly."
        ],
    ),
    "duplicate standard code in another theme": (
        csv_bytes([row(), row(), row(Theme="Partnership")]),
        "x.csv",
        [
            "Row 4, column “Standard code”: duplicate standard code “V1” — row 2 already uses it for a different "
            "standard. Each standard needs its own code; rows of the same standard must repeat its theme, title, "
            "description and guidance exactly."
        ],
    ),
    "empty required cell": (
        csv_bytes([row(), row(Indicator="   ")]),
        "x.csv",
        ["Row 3, column “Indicator”: this cell is empty; it must be filled in."],
    ),
    "empty required cell (xlsx)": (
        xlsx_bytes([row(), row(Theme="")]),
        "x.xlsx",
        ["Row 3, column “Theme”: this cell is empty; it must be filled in."],
    ),
    "unknown theme (xlsx Themes sheet)": (
        xlsx_bytes(
            [row(), row(Theme="Volunteering", **{"Standard code": "VO1"})],
            themes=[["Theme", "Description"], ["Voice", "Being heard"]],
        ),
        "x.xlsx",
        ["Row 3, column “Theme”: unknown theme “Volunteering”. Add it to the “Themes” sheet or correct the name."],
    ),
    "themes sheet without its heading (xlsx)": (
        xlsx_bytes([row()], themes=[["Voice", "Being heard"]]),
        "x.xlsx",
        [
            "The “Themes” sheet must start with a “Theme” heading (and optionally “Description”).",
            "Row 2, column “Theme”: unknown theme “Voice”. Add it to the “Themes” sheet or correct the name.",
        ],
    ),
    "text too long": (
        csv_bytes([row(**{"Standard title": "x" * 201})]),
        "x.csv",
        ["Row 2, column “Standard title”: the text is too long (201 characters; the limit is 200)."],
    ),
    "code too long (xlsx)": (
        xlsx_bytes([row(), row(**{"Standard code": "C" * 21})]),
        "x.xlsx",
        ["Row 3, column “Standard code”: the text is too long (21 characters; the limit is 20)."],
    ),
    "theme description differs": (
        csv_bytes([row(**{"Theme description": "One"}), row(**{"Theme description": "Two"})]),
        "x.csv",
        ["Row 3, column “Theme description”: differs from the description given for “Voice” earlier in the file."],
    ),
    "wrong encoding (latin-1)": (
        ",".join(HEADER).encode() + b"\nCaf\xe9,,C1,Caf\xe9 culture,,,Serves tea,\n",
        "x.csv",
        ["The file is not in UTF-8 text encoding. In your spreadsheet program, save it as “CSV UTF-8”."],
    ),
    "wrong encoding (utf-16)": (
        (",".join(HEADER) + "\n" + ",".join(ROW) + "\n").encode("utf-16"),
        "x.csv",
        ["The file is not in UTF-8 text encoding. In your spreadsheet program, save it as “CSV UTF-8”."],
    ),
    "file too large": (
        csv_bytes([row()]) + b"x" * MAX_BYTES,
        "x.csv",
        ["The file is too large: the limit is 2 MB."],
    ),
    "pdf named .xlsx": (PDF, "standards.xlsx", [NOT_A_SPREADSHEET]),
    "zip that is not a workbook named .xlsx": (_zip_of_other_things(), "standards.xlsx", [NOT_A_SPREADSHEET]),
    "pdf named .csv": (PDF, "standards.csv", [NOT_A_CSV]),
    "xlsx named .csv": (xlsx_bytes([row()]), "standards.csv", [NOT_A_CSV]),
    "random bytes named .csv": (random.Random(3).randbytes(4096), "standards.csv", [NOT_A_CSV]),
    "word document": (b"PK\x03\x04whatever", "standards.docx", [NOT_A_SPREADSHEET]),
    "no file name extension": (csv_bytes([row()]), "standards", [NOT_A_SPREADSHEET]),
    "empty file": (b"", "x.csv", ["The file is empty."]),
    "empty xlsx file": (b"", "x.xlsx", ["The file is empty."]),
    "blank lines only": (b"\n \r\n\n", "x.csv", ["The file is empty."]),
    "commas only": (b",,,\n,,,\n", "x.csv", ["The file has no rows."]),
    "headings and no rows": (csv_bytes([]), "x.csv", ["The file has headings but no indicator rows."]),
    "headings and no rows (xlsx)": (xlsx_bytes([]), "x.xlsx", ["The file has headings but no indicator rows."]),
}


def _counts() -> tuple[int, ...]:
    return (
        AuditEvent.objects.count(),
        Theme.history.count(),
        Standard.history.count(),
        Indicator.history.count(),
    )


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=list(BAD_INPUTS))
def test_bad_input_gives_its_plain_message_and_changes_nothing(draft, steward, case):
    data, name, expected = BAD_INPUTS[case]
    before, counts = content_rows(draft), _counts()
    with pytest.raises(SpreadsheetError) as raised:
        workflow.import_version(draft, spreadsheet.read(data, name), by=steward)  # how the upload page does it
    assert raised.value.problems == expected
    assert str(raised.value) == "; ".join(expected)
    assert content_rows(draft) == before
    assert _counts() == counts


def test_every_problem_is_listed_at_once_by_row_and_column():
    data = csv_bytes(
        [
            row(),
            row(Indicator=""),
            row(**{"Standard code": "", "Standard title": "T" * 300}),
            row(**{"Standard code": "V2", "Evidence prompts": "p" * 4001}),
        ]
    )
    with pytest.raises(SpreadsheetError) as raised:
        spreadsheet.read(data, "x.csv")
    problems = raised.value.problems
    assert problems == [
        "Row 3, column “Indicator”: this cell is empty; it must be filled in.",
        "Row 4, column “Standard code”: this cell is empty; it must be filled in.",
        "Row 4, column “Standard title”: the text is too long (300 characters; the limit is 200).",
        "Row 5, column “Evidence prompts”: the text is too long (4001 characters; the limit is 4000).",
    ]
    assert all(re.match(r"Row \d+, column “[^”]+”: ", p) for p in problems)


def test_rows_are_counted_as_the_spreadsheet_shows_them_even_after_blank_rows():
    data = csv_bytes([row(), ["", "", "", "", "", "", "", ""], row(Indicator="")])
    with pytest.raises(SpreadsheetError) as raised:
        spreadsheet.read(data, "x.csv")
    assert raised.value.problems == ["Row 4, column “Indicator”: this cell is empty; it must be filled in."]
    data = xlsx_bytes([row(), [], [], row(Theme="Nowhere")], themes=[["Theme"], [], ["Voice"], ["", "Orphan"]])
    with pytest.raises(SpreadsheetError) as raised:
        spreadsheet.read(data, "x.xlsx")
    assert raised.value.problems == [
        "“Themes” sheet, row 4, column “Theme”: this cell is empty.",
        "Row 5, column “Theme”: unknown theme “Nowhere”. Add it to the “Themes” sheet or correct the name.",
    ]


@pytest.fixture
def row_limit(monkeypatch):
    """A limit of 20 rows, so that the limit can be tested quickly."""
    monkeypatch.setattr(spreadsheet, "MAX_ROWS", 20)
    return 20


def _xlsx_with_a_far_row(limit: int) -> bytes:
    """Two rows at the top and one far below the row limit, which a partial read would drop."""
    workbook = Workbook()
    sheet = workbook.active
    for values in [HEADER, row()]:
        sheet.append(values)
    for column, value in enumerate(row(**{"Standard code": "V9"}), start=1):
        sheet.cell(row=limit + 100, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda limit: csv_bytes([row()] * (limit + 1)), "x.csv"),
        (lambda limit: xlsx_bytes([row()] * (limit + 1)), "x.xlsx"),
        (_xlsx_with_a_far_row, "x.xlsx"),  # refused, not imported in part
    ],
    ids=["csv", "xlsx", "xlsx with a row far below"],
)
def test_too_many_rows_are_refused_and_change_nothing(draft, steward, row_limit, make, name):
    before, counts = content_rows(draft), _counts()
    with pytest.raises(SpreadsheetError) as raised:
        workflow.import_version(draft, spreadsheet.read(make(row_limit), name), by=steward)
    assert raised.value.problems == ["The file has more than 20 rows."]
    assert (content_rows(draft), _counts()) == (before, counts)


def test_rows_up_to_the_limit_are_read(row_limit):
    assert spreadsheet.read(csv_bytes([row()] * row_limit), "x.csv").counts == (1, 1, row_limit)
    assert spreadsheet.read(xlsx_bytes([row()] * row_limit), "x.xlsx").counts == (1, 1, row_limit)


def test_blank_rows_do_not_count_towards_the_row_limit(row_limit):
    assert spreadsheet.read(csv_bytes([row()] + [[""] * 8] * (row_limit + 10)), "x.csv").counts == (1, 1, 1)


def test_the_real_row_limit():
    assert MAX_ROWS == 5000


def test_rows_of_the_same_standard_may_leave_description_and_guidance_blank():
    data = csv_bytes(
        [
            row(**{"Standard guidance": "Ask"}),
            row(Indicator="Reports back"),
        ]
    )
    (theme,) = spreadsheet.read(data, "x.csv").themes
    (standard,) = theme.standards
    assert (standard.guidance, [i.text for i in standard.indicators]) == ("Ask", ["Represents groups", "Reports back"])


def test_xlsx_themes_sheet_gives_descriptions_and_numbers_become_text():
    data = xlsx_bytes(
        [row(**{"Standard code": 1.0}), row(**{"Standard code": 2.5})],
        themes=[["Theme", "Description"], ["Voice", "Being heard"]],
    )
    (theme,) = spreadsheet.read(data, "X.XLSX").themes
    assert theme.description == "Being heard"
    assert [s.code for s in theme.standards] == ["1", "2.5"]


def test_csv_with_a_bom_and_crlf_line_endings_reads(draft):
    data = "\ufeff".encode() + csv_bytes([row()]).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    assert spreadsheet.read(data, "x.csv").counts == (1, 1, 1)


def test_a_file_at_the_size_limit_is_still_read():
    header = [*HEADER, "Notes"]  # columns the importer does not know are ignored
    base = len(csv_bytes([[*row(), ""]] * 20, header=header))
    each, rest = divmod(MAX_BYTES - base, 20)
    data = csv_bytes([[*row(), "n" * (each + (rest if i == 19 else 0))] for i in range(20)], header=header)
    assert len(data) == MAX_BYTES
    assert spreadsheet.read(data, "x.csv").counts == (1, 1, 20)
    with pytest.raises(SpreadsheetError, match="too large"):
        spreadsheet.read(data + b"n", "x.csv")

"""A framework version as a spreadsheet: one row per indicator, CSV or XLSX, both ways.

Import validates the whole file first and returns every problem by row and column in plain
words; nothing is written unless the file is clean (standards.workflow.import_version writes).
Export neutralises cells that a spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from dataclasses import dataclass, field

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# XLSX is a zip of XML: a small file can unpack to gigabytes (a 573 KB file held a worker for 100 s
# and 1 GB). The zip's directory states each part's unpacked size, so these are checked before
# anything is unpacked; the reader then stops at MAX_ROWS rows and MAX_COLUMNS columns per sheet.
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_PARTS = 200
MAX_RATIO = 100  # unpacked / packed, per part: real sheets compress about 5-20 times
MAX_COLUMNS = 30
MAX_THEME_ROWS = 500

# Column heading -> (attribute, required, maximum length)
COLUMNS = {
    "Theme": ("theme", True, 120),
    "Theme description": ("theme_description", False, 4000),
    "Standard code": ("code", True, 20),
    "Standard title": ("title", True, 200),
    "Standard description": ("description", False, 4000),
    "Standard guidance": ("guidance", False, 4000),
    "Indicator": ("indicator", True, 2000),
    "Evidence prompts": ("evidence_prompts", False, 4000),
}
INDICATOR_SHEET = "Indicators"
THEME_SHEET = "Themes"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ParsedIndicator:
    text: str
    evidence_prompts: list[str]


@dataclass
class ParsedStandard:
    code: str
    title: str
    description: str
    guidance: str
    indicators: list[ParsedIndicator] = field(default_factory=list)


@dataclass
class ParsedTheme:
    title: str
    description: str
    standards: list[ParsedStandard] = field(default_factory=list)


@dataclass
class ParsedVersion:
    themes: list[ParsedTheme]

    @property
    def counts(self) -> tuple[int, int, int]:
        standards = [s for t in self.themes for s in t.standards]
        return len(self.themes), len(standards), sum(len(s.indicators) for s in standards)


class SpreadsheetError(Exception):
    """The file cannot be imported; `problems` lists every reason, in plain words."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


# --- reading ----------------------------------------------------------------------------------------


def _read_csv(data: bytes) -> tuple[list[list[str]], None]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpreadsheetError(
            ["The file is not in UTF-8 text encoding. In your spreadsheet program, save it as “CSV UTF-8”."]
        ) from None
    if "\x00" in text:
        raise SpreadsheetError(["This does not look like a spreadsheet. Upload a .csv or .xlsx file."])
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise SpreadsheetError([f"The CSV file is malformed: {error}."]) from None
    return rows, None


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# What a damaged or hand-made XLSX can raise from inside openpyxl, zipfile, zlib and the XML parser
# (SyntaxError covers both ElementTree's and lxml's parse errors). Read lazily, so rows can raise too.
_DAMAGED = (InvalidFileException, zipfile.BadZipFile, zlib.error, KeyError, OSError, ValueError, EOFError, SyntaxError)


def _check_zip(data: bytes) -> None:
    """Refuse an archive that would unpack too large, before openpyxl unpacks any of it."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = archive.infolist()
        if len(parts) > MAX_PARTS:
            raise SpreadsheetError([f"The spreadsheet has too many parts ({len(parts)}); the limit is {MAX_PARTS}."])
        unpacked = sum(p.file_size for p in parts)
        too_dense = any(p.file_size > 1024 * 1024 and p.file_size > MAX_RATIO * max(p.compress_size, 1) for p in parts)
        if unpacked > MAX_UNPACKED_BYTES or too_dense:
            raise SpreadsheetError(
                [
                    f"The spreadsheet unpacks to more than the {MAX_UNPACKED_BYTES // (1024 * 1024)} MB allowed. "
                    "Remove unused sheets, rows and columns, or save it as CSV."
                ]
            )


def _read_xlsx(data: bytes) -> tuple[list[list[str]], list[list[str]] | None]:
    try:
        _check_zip(data)
        return _read_workbook(data)
    except _DAMAGED:
        raise SpreadsheetError(["This does not look like a spreadsheet. Upload a .csv or .xlsx file."]) from None


def _read_workbook(data: bytes) -> tuple[list[list[str]], list[list[str]] | None]:
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = workbook[INDICATOR_SHEET] if INDICATOR_SHEET in workbook.sheetnames else workbook.worksheets[0]
        rows = _sheet_rows(sheet, MAX_ROWS + 1, "rows")
        themes = None
        if THEME_SHEET in workbook.sheetnames:
            themes = _sheet_rows(workbook[THEME_SHEET], MAX_THEME_ROWS + 1, "rows in its Themes sheet")
    finally:
        workbook.close()
    return rows, themes


def _sheet_rows(sheet: object, limit: int, what: str) -> list[list[str]]:
    """At most `limit` rows of at most MAX_COLUMNS cells; more of either is refused, not cut off."""
    rows = []
    # No max_col: a value far to the right must be refused, not silently dropped. The unpacked-size
    # check bounds how many cells a sheet can hold at all.
    for row in sheet.iter_rows(values_only=True, max_row=limit + 1):  # type: ignore[attr-defined]
        if len(row) > MAX_COLUMNS and any(v not in (None, "") for v in row[MAX_COLUMNS:]):
            raise SpreadsheetError([f"The file has more than {MAX_COLUMNS} columns."])
        rows.append([_cell(v) for v in row[:MAX_COLUMNS]])
    if len(rows) > limit:  # the rest was not read: refuse rather than import part of the sheet
        raise SpreadsheetError([f"The file has more than {limit - 1} {what}."])
    return rows


def read(data: bytes, filename: str) -> ParsedVersion:
    """Validate and parse a spreadsheet; raise SpreadsheetError listing every problem."""
    if len(data) > MAX_BYTES:
        raise SpreadsheetError([f"The file is too large: the limit is {MAX_BYTES // (1024 * 1024)} MB."])
    if not data.strip():
        raise SpreadsheetError(["The file is empty."])
    is_zip = data[:4] == b"PK\x03\x04"
    name = filename.lower()
    if name.endswith(".xlsx"):
        if not is_zip:
            raise SpreadsheetError(["This does not look like a spreadsheet. Upload a .csv or .xlsx file."])
        rows, theme_rows = _read_xlsx(data)
    elif name.endswith(".csv") or name.endswith(".txt"):
        binary = b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff"))  # UTF-16 is text
        if is_zip or data[:5] == b"%PDF-" or binary:
            raise SpreadsheetError(["This does not look like a CSV file. Upload a .csv or .xlsx file."])
        rows, theme_rows = _read_csv(data)
    else:
        raise SpreadsheetError(["This does not look like a spreadsheet. Upload a .csv or .xlsx file."])
    return _parse(rows, theme_rows)


def _parse(rows: list[list[str]], theme_rows: list[list[str]] | None) -> ParsedVersion:
    # Keep each row's number as the spreadsheet shows it, blank rows included, for the messages.
    numbered = [(line, r) for line, r in enumerate(rows, start=1) if any(c.strip() for c in r)]
    if not numbered:
        raise SpreadsheetError(["The file has no rows."])
    header = [h.strip() for h in numbered[0][1]]
    missing = [h for h in COLUMNS if COLUMNS[h][1] and h not in header]
    if missing:
        raise SpreadsheetError(
            [
                f"Missing column heading{'s' if len(missing) > 1 else ''}: {', '.join(missing)}. "
                f"The first row must name the columns: {', '.join(COLUMNS)}."
            ]
        )
    duplicated = sorted({h for h in header if h and header.count(h) > 1})
    if duplicated:
        raise SpreadsheetError([f"Column heading used twice: {', '.join(duplicated)}."])
    if len(numbered) - 1 > MAX_ROWS:
        raise SpreadsheetError([f"The file has more than {MAX_ROWS} rows."])
    index = {h: header.index(h) for h in COLUMNS if h in header}

    problems: list[str] = []
    declared_themes = _declared_themes(theme_rows, problems)
    themes: dict[str, ParsedTheme] = {}
    standards: dict[str, tuple[str, ParsedStandard, int]] = {}
    for line, row in numbered[1:]:
        values: dict[str, str] = {}
        for heading, (attr, required, max_len) in COLUMNS.items():
            raw = restore(row[index[heading]]) if heading in index and index[heading] < len(row) else ""
            value = raw.strip() if attr != "evidence_prompts" else raw.strip("\n ")
            if required and not value:
                problems.append(f"Row {line}, column “{heading}”: this cell is empty; it must be filled in.")
            elif len(value) > max_len:
                problems.append(
                    f"Row {line}, column “{heading}”: the text is too long ({len(value)} characters; "
                    f"the limit is {max_len})."
                )
            values[attr] = value
        if not (values["theme"] and values["code"] and values["title"] and values["indicator"]):
            continue
        theme_title = values["theme"]
        if declared_themes is not None and theme_title not in declared_themes:
            problems.append(
                f"Row {line}, column “Theme”: unknown theme “{theme_title}”. "
                f"Add it to the “{THEME_SHEET}” sheet or correct the name."
            )
            continue
        theme = themes.get(theme_title)
        if theme is None:
            description = (declared_themes or {}).get(theme_title, values["theme_description"])
            theme = themes[theme_title] = ParsedTheme(theme_title, description)
        elif values["theme_description"] and theme.description and values["theme_description"] != theme.description:
            problems.append(
                f"Row {line}, column “Theme description”: differs from the description given for "
                f"“{theme_title}” earlier in the file."
            )
        code = values["code"]
        known = standards.get(code)
        if known is None:
            standard = ParsedStandard(code, values["title"], values["description"], values["guidance"])
            standards[code] = (theme_title, standard, line)
            theme.standards.append(standard)
        else:
            known_theme, standard, first_line = known
            if (known_theme, standard.title, standard.description, standard.guidance) != (
                theme_title,
                values["title"],
                values["description"] or standard.description,
                values["guidance"] or standard.guidance,
            ):
                problems.append(
                    f"Row {line}, column “Standard code”: duplicate standard code “{code}” — row {first_line} "
                    f"already uses it for a different standard. Each standard needs its own code; rows of the "
                    f"same standard must repeat its theme, title, description and guidance exactly."
                )
                continue
        prompts = [p.strip() for p in values["evidence_prompts"].splitlines() if p.strip()]
        standard.indicators.append(ParsedIndicator(values["indicator"], prompts))
    if problems:
        raise SpreadsheetError(problems)
    parsed = ParsedVersion(list(themes.values()))
    if not parsed.themes:
        raise SpreadsheetError(["The file has headings but no indicator rows."])
    return parsed


def _declared_themes(theme_rows: list[list[str]] | None, problems: list[str]) -> dict[str, str] | None:
    """The optional Themes sheet of an XLSX file: theme title → description, in order."""
    if theme_rows is None:
        return None
    rows = [(line, r) for line, r in enumerate(theme_rows, start=1) if any(c.strip() for c in r)]
    if not rows or rows[0][1][:1] != ["Theme"]:
        problems.append(f"The “{THEME_SHEET}” sheet must start with a “Theme” heading (and optionally “Description”).")
        return {}
    declared: dict[str, str] = {}
    for line, row in rows[1:]:
        title = row[0].strip()
        if title:
            declared[restore(title)] = restore(row[1]).strip() if len(row) > 1 else ""
        else:
            problems.append(f"“{THEME_SHEET}” sheet, row {line}, column “Theme”: this cell is empty.")
    return declared


# --- writing ----------------------------------------------------------------------------------------


def restore(value: str) -> str:
    """Undo `neutralise`, so that export then import gives back the same text."""
    return value[1:] if value.startswith("'") and value[1:].startswith((*FORMULA_STARTS, "'")) else value


def neutralise(value: str) -> str:
    """Stop a spreadsheet program from running a cell as a formula (quoting text `restore` would change)."""
    return "'" + value if value.startswith(FORMULA_STARTS) or restore(value) != value else value


def _rows(version: object) -> list[list[str]]:
    from standards.models import Theme  # local: keeps this module importable without app registry

    rows = [list(COLUMNS)]
    for theme in Theme.objects.filter(version=version).prefetch_related("standards__indicators").order_by("position"):
        for standard in theme.standards.all():
            for indicator in standard.indicators.all():
                rows.append(
                    [
                        theme.title,
                        theme.description,
                        standard.code,
                        standard.title,
                        standard.description,
                        standard.guidance,
                        indicator.text,
                        indicator.evidence_prompts,
                    ]
                )
    return [[neutralise(c) for c in row] for row in rows]


def export_csv(version: object) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(_rows(version))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def export_xlsx(version: object) -> bytes:
    from standards.models import Theme

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = INDICATOR_SHEET
    for row in _rows(version):
        sheet.append(row)
    themes = workbook.create_sheet(THEME_SHEET)
    themes.append(["Theme", "Description"])
    for theme in Theme.objects.filter(version=version).order_by("position"):
        themes.append([neutralise(theme.title), neutralise(theme.description)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

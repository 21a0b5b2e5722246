"""Bad input: every input either succeeds or gets a plain message, and a failed attempt changes nothing.

- Property-based (hypothesis): the standards spreadsheet importer on any bytes, on generated CSV and
  XLSX files and through its page; every form among the main pages (tests/pages.py) with generated
  values; the upload checks on any name and content.
- Hostile uploads through the evidence page: oversized, wrong type by content, traversal and control
  characters in names, empty — refused, nothing stored.
- Very long text, unusual Unicode and HTML in free text render escaped in pages, emails and PDFs.

`--hypothesis-show-statistics` prints how many examples each property ran. HYPOTHESIS_EXAMPLES
scales them (default 1: a few hundred in all, about a minute).
"""

from __future__ import annotations

import csv
import io
import os
import re
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from core import uploads
from core.emails import make_message
from core.middleware import NUL_MESSAGE
from standards import spreadsheet
from tests.pages import client_as, collect, row_counts
from tests.shared_scene import *  # noqa: F403 - the module's scene and cast (fixtures)

pytestmark = pytest.mark.integration

SCALE = int(os.environ.get("HYPOTHESIS_EXAMPLES", "1"))
# Examples share one database per test (function-scoped fixtures): each compares before and after itself.
PROPERTY = settings(
    max_examples=100 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,  # the same examples on every run and in CI: a failure is reproducible
    database=None,
)

# Examples run by the properties defined inside tests (not in --hypothesis-show-statistics).
INNER_EXAMPLES: dict[str, int] = {}


def is_plain(message: str) -> bool:
    """A message a person can read: words, no traceback, no Python or SQL internals."""
    markers = ("Traceback", "Error:", "Exception", "object at 0x", "IntegrityError", "NoneType", "SELECT ")
    return bool(message.strip()) and len(message) < 2000 and not any(m in message for m in markers)


# --- hostile text --------------------------------------------------------------------------------

HOSTILE = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "Smith & Sons <b>CVS</b>",
    "\u202eevil\u202c right-to-left override",
    "zero\u200bwidth\u200djoiner\ufeff",
    "Z\u0351\u0352\u0353a\u0354\u0355l\u0356g\u0357o",
    "emoji 🏳️‍🌈👩🏽‍🔧 and 中文 and العربية",
    "{{ settings.SECRET_KEY }} {% debug %}",
    '=HYPERLINK("http://example.invalid")',
    "W" * 5000,  # one very long word
]
free_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(min_size=0, max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=50).map(lambda s: s * 80),
)


# --- the spreadsheet importer --------------------------------------------------------------------

NAMES = st.sampled_from(["framework.csv", "framework.xlsx", "framework.txt", "framework.CSV", "x.pdf", "noext", ""])


@PROPERTY
@given(data=st.binary(max_size=3000), name=NAMES)
def test_spreadsheet_reads_any_bytes_or_says_why(data, name):
    try:
        parsed = spreadsheet.read(data, name)
    except spreadsheet.SpreadsheetError as error:
        assert error.problems and all(is_plain(p) for p in error.problems), error.problems
    else:
        assert parsed.themes


HEADINGS = list(spreadsheet.COLUMNS)
cell = st.one_of(st.just(""), st.sampled_from(["1.1", "1.2", "Need", "Voice", "We keep a list"]), free_text)


@st.composite
def good_sheets(draw) -> list[list[str]]:
    """A sheet that should import: the right headings, consistent standards, hostile but legal text."""
    rows = [HEADINGS]
    for _ in range(draw(st.integers(1, 6))):
        code = draw(st.sampled_from(["1.1", "1.2", "2.1"]))
        theme = {"1": "Need", "2": "Voice"}[code[0]]
        indicator = draw(free_text.filter(lambda t: t.strip() and len(t.strip()) <= 2000))
        rows.append([theme, "", code, f"Standard {code}", "", "", indicator, draw(st.sampled_from(["", "A list"]))])
    return rows


@st.composite
def sheets(draw) -> list[list[str]]:
    """Usually a sheet that should import; otherwise headings missing, repeated or added, and random cells."""
    if draw(st.booleans()):
        return draw(good_sheets())
    header = draw(
        st.one_of(
            st.just(HEADINGS),
            st.permutations(HEADINGS),
            st.lists(st.sampled_from([*HEADINGS, "Notes", ""]), max_size=10),
        )
    )
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=len(header) + 1), max_size=12))
    return [list(header), *rows]


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


@PROPERTY
@given(rows=sheets(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]))
def test_spreadsheet_reads_generated_csv_or_lists_every_problem(rows, encoding):
    try:
        data = _csv(rows).encode(encoding)
    except UnicodeEncodeError:
        assume(False)
    try:
        parsed = spreadsheet.read(data, "framework.csv")
    except spreadsheet.SpreadsheetError as error:
        assert error.problems and all(is_plain(p) for p in error.problems), error.problems
    else:
        # Whatever came in is within the limits the models hold.
        for theme in parsed.themes:
            assert theme.title and len(theme.title) <= 120
            for standard in theme.standards:
                assert standard.code and len(standard.code) <= 20 and standard.indicators


@settings(PROPERTY, max_examples=25 * SCALE)
@given(rows=sheets(), damage=st.one_of(st.none(), st.integers(min_value=0, max_value=4000)))
def test_spreadsheet_reads_generated_or_damaged_xlsx(rows, damage):
    book = Workbook()
    sheet = book.active
    sheet.title = spreadsheet.INDICATOR_SHEET
    for row in rows:
        # openpyxl refuses control characters in cells; a spreadsheet program could not write them either.
        sheet.append([re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", c) for c in row])
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    if damage is not None:
        data = data[: damage % len(data)] + bytes([data[damage % len(data)] ^ 0xFF]) + data[damage % len(data) + 1 :]
    try:
        spreadsheet.read(data, "framework.xlsx")
    except spreadsheet.SpreadsheetError as error:
        assert error.problems and all(is_plain(p) for p in error.problems), error.problems


def _standards_rows() -> dict[str, int]:
    from core.models import AuditEvent
    from standards.models import Indicator, Standard, Theme

    return {
        "themes": Theme.objects.count(),
        "standards": Standard.objects.count(),
        "indicators": Indicator.objects.count(),
        "audit": AuditEvent.objects.count(),
        "history": Standard.history.count(),
    }


def test_the_import_page_imports_all_or_nothing(steward, hub, participant, client_for):
    from tests.scenes import standards_scene

    draft = standards_scene(steward=steward, owner=hub, commenter=participant)["draft"]
    url = reverse("standards:version-import", args=[draft.framework.slug, draft.number])
    client = client_for(steward)
    outcomes = {"imported": 0, "refused": 0}

    @settings(PROPERTY, max_examples=40 * SCALE)
    @given(rows=sheets())
    def attempt(rows):
        INNER_EXAMPLES["import page"] = INNER_EXAMPLES.get("import page", 0) + 1
        before = _standards_rows()
        upload = SimpleUploadedFile("framework.csv", _csv(rows).encode(), content_type="text/csv")
        response = client.post(url, {"file": upload})
        if response.status_code == 302:
            outcomes["imported"] += 1
            return
        assert response.status_code == 200
        html = response.content.decode()
        assert "nothing was imported" in html or "govuk-error-summary" in html
        assert _standards_rows() == before
        outcomes["refused"] += 1

    attempt()
    assert outcomes["imported"] + outcomes["refused"] >= 10
    print(f"hypothesis: {sum(outcomes.values())} imports through the page ({outcomes})")


# --- every main form ------------------------------------------------------------------------------


class _FormFields(HTMLParser):
    """The fields of the main content's first form that posts to its own page."""

    def __init__(self) -> None:
        super().__init__()
        self.in_main = self.in_form = self.done = False
        self.fields: dict[str, dict] = {}
        self._select: str | None = None
        self.submit: tuple[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "main":
            self.in_main = True
        elif tag == "form" and self.in_main and not self.done and (a.get("method") or "").lower() == "post":
            self.in_form = not a.get("action")
        if not self.in_form:
            return
        name = a.get("name")
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            kind = (a.get("type") or "text").lower()
            if kind == "submit":
                self.submit = self.submit or (name, a.get("value") or "")
                return
            field = self.fields.setdefault(name, {"kind": kind, "options": []})
            if kind in ("radio", "checkbox", "hidden"):
                field["options"].append(a.get("value") or "on")
        elif tag == "textarea" and name:
            self.fields[name] = {"kind": "textarea", "options": []}
        elif tag == "select" and name:
            self.fields[name] = {"kind": "select", "options": [], "multiple": "multiple" in a}
            self._select = name
        elif tag == "option" and self._select:
            self.fields[self._select]["options"].append(a.get("value") or "")
        elif tag == "button" and name and (a.get("type") or "submit") == "submit":
            self.submit = self.submit or (name, a.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form" and self.in_form:
            self.in_form, self.done = False, True
        elif tag == "main":
            self.in_main = False


def _value(draw, field: dict):
    kind, options = field["kind"], field["options"]
    if kind == "file":
        content = draw(st.one_of(st.binary(max_size=200), st.just(b"%PDF-1.4 evidence"), st.just(b"")))
        return SimpleUploadedFile(draw(st.sampled_from(["a.pdf", "a.csv", "../a.pdf", "a.exe"])), content)
    if kind == "hidden":
        return options[0]
    if options and draw(st.integers(0, 4)) > 0:  # mostly offered choices, sometimes made-up ones
        if kind == "checkbox" or field.get("multiple"):
            return draw(st.lists(st.sampled_from(options), max_size=3, unique=True))
        return draw(st.sampled_from(options))
    if kind == "date":
        return draw(st.one_of(st.dates().map(str), st.sampled_from(["2026-02-30", "31/12/2026", "", "0000-00-00"])))
    if kind == "number":
        return draw(st.one_of(st.integers(-(10**12), 10**12).map(str), st.sampled_from(["", "1e309", "NaN", "½"])))
    if kind == "email":
        return draw(st.one_of(st.emails(), free_text))
    return draw(free_text)


def _texts(values: dict) -> list[str]:
    """Every text value of a POST (lists flattened; uploads left out)."""
    flat = [x for v in values.values() for x in (v if isinstance(v, list) else [v])]
    return [x for x in flat if isinstance(x, str)]


def _form_property(page, fields: dict, submit: tuple[str, str] | None, client):
    @settings(PROPERTY, max_examples=8 * SCALE)
    @given(data=st.data())
    def attempt(data):
        values = {name: _value(data.draw, field) for name, field in fields.items()}
        values = {k: v for k, v in values.items() if data.draw(st.integers(0, 9)) > 0}  # sometimes left out
        if submit:
            values[submit[0]] = submit[1]
        values["csrfmiddlewaretoken"] = "sent-by-every-browser"  # never an entirely empty POST
        INNER_EXAMPLES["forms"] = INNER_EXAMPLES.get("forms", 0) + 1
        before = row_counts()
        response = client.post(page.url, values)
        assert response.status_code in (200, 302, 400, 403, 404), (page.name, response.status_code)
        INNER_EXAMPLES[f"forms {response.status_code}"] = INNER_EXAMPLES.get(f"forms {response.status_code}", 0) + 1
        if response.status_code == 400:
            # A NUL byte is refused before any view runs (core.middleware): with that message, and only then.
            assert any("\x00" in v for v in _texts(values)), (page.name, response.content[:300])
            assert NUL_MESSAGE in response.content.decode(), page.name
            assert row_counts() == before, page.name
        if response.status_code == 200:
            html = response.content.decode()
            assert "govuk-error-summary" in html or "govuk-notification-banner" in html, page.name
            changed = {k: v for k, v in row_counts().items() if v != before[k]}
            assert changed == {}, (page.name, changed)

    return attempt


def test_every_main_form_accepts_or_explains_and_a_refusal_changes_nothing(request, scene):
    forms = [p for p in collect(request, scene) if p.method == "post"]
    assert len(forms) >= 20
    tried = 0
    for page in forms:
        parser = _FormFields()
        parser.feed(client_as(request, page.role).get(page.url).content.decode())
        if parser.fields:
            _form_property(page, parser.fields, parser.submit, client_as(request, page.role))()
            tried += 1
    assert tried >= 20
    outcomes = {k: v for k, v in INNER_EXAMPLES.items() if k.startswith("forms ")}
    print(f"hypothesis: {INNER_EXAMPLES.get('forms', 0)} submissions over {tried} forms {outcomes}")


def test_an_over_long_sign_in_address_gets_a_message_not_a_server_error(client):
    # Found by the form property on PostgreSQL: django-axes stored the address in a 255-character column.
    response = client.post(reverse("login"), {"username": "a" * 300 + "@example.org", "password": "x" * 20})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()


# --- uploads --------------------------------------------------------------------------------------

PDF = b"%PDF-1.7\n% real enough\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
HOSTILE_UPLOADS = [
    ("empty", "report.pdf", b"", "empty"),
    ("oversized", "report.pdf", PDF + b"0" * uploads.MAX_UPLOAD_BYTES, "too large"),
    ("png named pdf", "report.pdf", PNG, "does not match"),
    ("html named pdf", "report.pdf", b"<html><script>alert(1)</script></html>", "does not match"),
    ("executable named docx", "report.docx", b"MZ\x90\x00" + b"\x00" * 60, "does not match"),
    ("plain zip named docx", "report.docx", b"PK\x03\x04" + b"\x00" * 60, "does not match"),
    ("windows executable", "setup.exe", b"MZ\x90\x00", "not an accepted type"),
    ("svg with script", "chart.svg", b"<svg onload=alert(1)></svg>", "not an accepted type"),
    ("binary named csv", "figures.csv", b"a,b\n\x00\x01\x02", "does not match"),
]
HOSTILE_NAMES = [
    "../../../etc/cron.d/report.pdf",
    "..\\..\\windows\\report.pdf",
    "/etc/passwd.pdf",
    "report\x00.pdf",
    "report\r\nContent-Type: text/html.pdf",
    ".htaccess.pdf",
    ".pdf",
    "%2e%2e%2freport.pdf",
    "&#46;&#46;/report.pdf",
    "con.pdf",
    "a" * 300 + ".pdf",
]


def _stored_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize(("case", "name", "content", "message"), HOSTILE_UPLOADS, ids=[c[0] for c in HOSTILE_UPLOADS])
def test_hostile_uploads_are_refused_and_nothing_is_stored(case, name, content, message, scene, request, settings):
    review = scene["review"]
    client = client_as(request, "contact")
    before, files = row_counts(), _stored_files(settings)
    upload = SimpleUploadedFile("placeholder.pdf", content, content_type="application/pdf")
    upload.name = name  # as the browser (or an attacker) sent it, unsanitised
    response = client.post(
        reverse("peerreview:evidence-upload", args=[review.pk]),
        {"title": "Annual report", "file": upload, "dated_on": "2026-01-31"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and message in html, case
    assert row_counts() == before and _stored_files(settings) == files


def test_an_ordinary_upload_with_an_unusual_name_is_kept_under_a_safe_name(scene, request, settings):
    review = scene["review"]
    response = client_as(request, "contact").post(
        reverse("peerreview:evidence-upload", args=[review.pk]),
        {
            "title": "Jahresbericht",
            "file": SimpleUploadedFile("Jahresbericht für 2025 (final).pdf", PDF),
            "dated_on": "2026-01-31",
        },
    )
    assert response.status_code == 302
    evidence = review.evidence.get(title="Jahresbericht")
    assert re.fullmatch(r"evidence/review-\d+/\d+-Jahresbericht-f-r-2025-final-\.pdf", evidence.file.name)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_file_names_never_reach_outside_the_evidence_folder(name, scene, request, settings):
    """Django's upload parser keeps only a name's last part before our code sees it; whatever is left
    is either refused by name or stored under a safe name in the review's evidence folder."""
    review = scene["review"]
    before = set(_stored_files(settings))
    upload = SimpleUploadedFile("placeholder.pdf", PDF)
    upload.name = name
    response = client_as(request, "contact").post(
        reverse("peerreview:evidence-upload", args=[review.pk]),
        {"title": "Named", "file": upload, "dated_on": "2026-01-31"},
    )
    added = set(_stored_files(settings)) - before
    if response.status_code == 200:
        assert "govuk-error-summary" in response.content.decode() and added == set()
    else:
        assert response.status_code == 302 and len(added) == 1
        (path,) = added
        folder = str(settings.MEDIA_ROOT / "evidence" / f"review-{review.pk}") + "/"
        assert path.startswith(folder) and re.fullmatch(r"\d+-[A-Za-z0-9][A-Za-z0-9._-]*", path[len(folder) :]), path


@pytest.mark.parametrize("name", [n for n in HOSTILE_NAMES if not n.startswith(("%", "con", "aaa"))])
def test_the_upload_check_refuses_hostile_names_it_is_given(name):
    # Callers other than the browser form (an import, a future API) may pass a name as it came.
    with pytest.raises(ValidationError, match="file name is not allowed"):
        uploads.check_upload(_Upload(name, PDF))


class _Upload(io.BytesIO):
    def __init__(self, name: str, data: bytes) -> None:
        super().__init__(data)
        self.name, self.size = name, len(data)


@PROPERTY
@given(
    name=st.one_of(st.text(max_size=120), st.sampled_from(["a.pdf", "../a.pdf", "a.PDF", "a.pdf.exe", "a.tar.gz"])),
    head=st.sampled_from([b"", PDF, PNG, b"\xff\xd8\xff\xe0", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"]),
    tail=st.binary(max_size=200),
)
def test_upload_check_accepts_safely_or_says_why(name, head, tail):
    upload = _Upload(name, head + tail)
    try:
        safe, content_type = uploads.check_upload(upload)
    except ValidationError as error:
        assert all(is_plain(m) for m in error.messages), error.messages
    else:
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", safe) and ".." not in safe and len(safe) <= 100
        assert content_type in {*uploads.OFFICE.values(), *uploads.LEGACY_OFFICE.values()} | {
            "application/pdf",
            "image/png",
            "image/jpeg",
            "text/csv",
            "text/plain",
        }


# --- hostile text renders escaped -----------------------------------------------------------------

RAW_MARKUP = ["<script>", "<img src=x onerror", "<b>CVS</b>"]


@pytest.mark.parametrize("text", HOSTILE, ids=[f"hostile-{i}" for i in range(len(HOSTILE))])
def test_hostile_text_is_escaped_in_pages(text, scene, request):
    from casework import workflow as cw
    from peerreview import workflow as pr

    organisation = scene["review"].organisation
    organisation.name = text[:200]
    organisation.save()
    pr.add_finding(
        scene["review"],
        by=request.getfixturevalue("lead_reviewer"),
        kind="strength",
        text=text,
        standards=list(scene["review"].standards_in_scope()[:1]),
    )
    cw.add_note(scene["case"], by=request.getfixturevalue("caseworker"), text=text)
    pages = [
        ("coordinator", reverse("peerreview:review-detail", args=[scene["review"].pk])),
        ("coordinator", reverse("organisations:organisation-detail", args=[organisation.pk])),
        ("caseworker", reverse("casework:case-detail", args=[scene["case"].pk])),
        ("administrator", reverse("audit-log")),
    ]
    for role, url in pages:
        response = client_as(request, role).get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for raw in RAW_MARKUP:
            if raw in text:
                assert raw not in html, (url, raw)
        assert "{{ settings" not in html or "{{ settings" in text  # shown as typed, never evaluated
        assert "test-only-secret-key" not in html


@pytest.mark.parametrize("text", HOSTILE, ids=[f"hostile-{i}" for i in range(len(HOSTILE))])
def test_hostile_text_in_emails_is_escaped_in_html_and_plain_in_text_and_subject(text):
    message = make_message("emails/peerreview/notice", ["a@example.org"], _email_context(text))
    html = message.alternatives[0][0]
    for raw in RAW_MARKUP:
        if raw in text:
            assert raw not in html
    assert "\n" not in message.subject and "\r" not in message.subject
    assert "&lt;" not in message.subject and "&amp;" not in message.subject  # a subject is plain text
    if len(text) < 200:
        assert text.strip() in message.body  # the plain text part shows the words as typed
    message.message()  # headers encode without error (no header injection, any Unicode)


def test_every_email_subject_and_text_body_is_rendered_as_plain_text():
    """Subjects and text bodies are not HTML: escaping would show "&amp;" to the reader."""
    from pathlib import Path

    templates = Path(__file__).resolve().parent.parent / "templates" / "emails"
    plain = [*templates.rglob("*-subject.html"), *templates.rglob("*-body-text.html")]
    assert plain
    assert [p.name for p in plain if "{% autoescape off %}" not in p.read_text()] == []


def _email_context(text: str) -> dict:
    class Review:
        organisation = type("Org", (), {"name": text})()
        framework_version = "Local support v1"

    return {"subject": f"Reminder: {text}", "body": f"{text} is due on 1 May.", "review": Review(), "link": "/"}


OUTSIDE_THE_PDF_FONTS = {HOSTILE[6]}  # emoji: no font prints them (CJK and Arabic are covered by Noto)


def test_pdf_text_layer_keeps_chinese_and_latin_on_one_line():
    """Noto (Makefile) covers Chinese: it prints as itself and the line's text layer survives."""
    import io as _io

    from pypdf import PdfReader

    from reports import pdf

    data = pdf.html_to_pdf(
        "<html lang='en'><head><title>t</title></head><body><p>Hello and 中文 and Polska</p></body></html>"
    )
    text = " ".join(page.extract_text() for page in PdfReader(_io.BytesIO(data)).pages)
    assert "Hello" in text and "中文" in text and "Polska" in text


@pytest.mark.xfail(
    reason="Emoji have no glyphs in the PDF fonts (Liberation, Noto core and CJK): they print as boxes "
    "and break the text layer of their line. Needs a colour emoji font WeasyPrint can embed."
)
def test_pdf_text_layer_survives_characters_outside_the_fonts():
    import io as _io

    from pypdf import PdfReader

    from reports import pdf

    data = pdf.html_to_pdf(
        f"<html lang='en'><head><title>t</title></head><body><p>Hello {HOSTILE[6]}</p></body></html>"
    )
    text = " ".join(page.extract_text() for page in PdfReader(_io.BytesIO(data)).pages)
    assert "Hello" in text and "中文" in text


def test_hostile_text_in_a_pdf_is_shown_never_interpreted(reviewed_org, coordinator, funder, client_for):
    from peerreview.models import ReportSnapshot, Review
    from standards.models import Framework, FrameworkVersion
    from tests.reports.test_pdf import DATA, text_of

    framework = Framework.objects.create(name="F", slug="f", purpose="p")
    version = FrameworkVersion.objects.create(framework=framework, number=1, state="published")
    review = Review.objects.create(
        organisation=reviewed_org,
        framework_version=version,
        coordinator=coordinator,
        state="published",
        visibility="funders",
        published_at=timezone.now(),
        report_version=1,
    )
    review.shared_with.set([funder.current_memberships[0].organisation])
    hostile = " | ".join(h for h in HOSTILE[:8] if h not in OUTSIDE_THE_PDF_FONTS) + " " + "W" * 300
    data = {
        **DATA,
        "review": review.pk,
        "organisation": {**DATA["organisation"], "name": HOSTILE[2]},
        "findings": [{**DATA["findings"][0], "text": hostile}],
        "outcome": {"value": "Met", "rationale": HOSTILE[1]},
    }
    ReportSnapshot.objects.create(
        review=review,
        version=1,
        kind="final",
        data=data,
        fingerprint=ReportSnapshot.fingerprint_of(data),
        created_by=coordinator,
    )
    response = client_for(funder).get(reverse("reports:assessment-pdf", args=[review.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    assert "<script>alert('x')</script>" in text  # shown as typed: never run, never dropped as markup
    assert "<img src=x onerror=alert(1)>" in text

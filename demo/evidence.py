"""Demo evidence files that open in a viewer: small PDFs rendered with WeasyPrint and spreadsheets
written with openpyxl, instead of byte stubs that no reader can open.

Rendering a PDF takes a few hundred milliseconds, so each document is rendered once per run and
its bytes reused (`functools.cache`); every upload still gets its own file object and name.
"""

from __future__ import annotations

import functools
import io
from html import escape

from django.core.files.uploadedfile import SimpleUploadedFile

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A few lines of text per kind of document, the way a small charity would write it.
PDF_TEXT: dict[str, tuple[str, list[str]]] = {
    "annual-report": (
        "Annual report and accounts",
        [
            "Trustees' annual report and unaudited accounts for the year to 31 March.",
            "Income came from the local authority, two trusts and member subscriptions.",
            "We supported local groups with funding advice, governance training and volunteers.",
            "Approved by the board of trustees and signed on their behalf by the chair.",
        ],
    ),
    "resolution": (
        "Resolution of the board of trustees",
        [
            "At a quorate meeting the trustees resolved to close the charity in an orderly way.",
            "Services, staff and restricted funds are to pass to organisations with similar objects.",
            "The chair and treasurer are authorised to act for the board in the closure.",
        ],
    ),
    "final-accounts": (
        "Final accounts",
        [
            "Receipts and payments accounts to the date the charity stopped trading.",
            "All creditors paid; restricted funds transferred with the funders' consent.",
            "Independently examined and approved by the trustees.",
        ],
    ),
    "removal": (
        "Confirmation of removal from the register",
        [
            "The charity has been removed from the register of charities.",
            "Reason for removal: ceased to exist.",
        ],
    ),
    "agreement": (
        "Interim placement agreement",
        [
            "Agreement between the charity, the interim chief executive and the lifeboat hub.",
            "Six months at the agreed day rate, reporting to the chair every fortnight.",
            "Signed by the chair, the interim and the hub's caseworker.",
        ],
    ),
    "exit-report": (
        "Interim's exit report",
        [
            "Budget balanced and two posts restructured.",
            "Two funding bids in progress, documented in the handover file.",
            "The board is recruiting a permanent chief executive.",
        ],
    ),
}

_PAGE = """<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>{title}</title>
<style>@page {{ size: A4; margin: 25mm }} body {{ font-family: sans-serif; font-size: 11pt }}
h1 {{ font-size: 16pt }} .who {{ color: #444 }}</style></head>
<body><h1>{title}</h1>{paragraphs}
<p class="who">Demo document: fictional organisation, generated for the demo.</p></body></html>"""


@functools.cache
def pdf_bytes(kind: str) -> bytes:
    """A small, real PDF of the document `kind` (one of PDF_TEXT), rendered once per run (so it
    names no organisation: the case or review it is filed under does)."""
    from weasyprint import HTML  # slow to import: only when the demo needs it

    title, lines = PDF_TEXT[kind]
    html = _PAGE.format(
        title=escape(title),
        paragraphs="".join(f"<p>{escape(line)}</p>" for line in lines),
    )
    return bytes(HTML(string=html).write_pdf())


def pdf(kind: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{kind}.pdf", pdf_bytes(kind), content_type="application/pdf")


@functools.cache
def cash_forecast_bytes(opening: int) -> bytes:
    """A 13-week cash forecast as a real spreadsheet: receipts, payments and a running balance."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "13-week forecast"
    sheet.append(["Week", "Receipts (£)", "Payments (£)", "Net (£)", "Balance (£)"])
    balance = opening
    for week in range(1, 14):
        receipts = 3000 + 400 * (week % 4)
        payments = 4200 + 150 * (week % 3)
        balance += receipts - payments
        sheet.append([week, receipts, payments, receipts - payments, balance])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def cash_forecast(opening: int = 20000) -> SimpleUploadedFile:
    return SimpleUploadedFile("13-week-cash-forecast.xlsx", cash_forecast_bytes(opening), content_type=XLSX)


@functools.cache
def member_survey_bytes() -> bytes:
    """Member groups' survey results as a real spreadsheet: one row a question, counts per answer."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Survey results"
    sheet.append(["Question", "Very good", "Good", "Fair", "Poor", "Responses"])
    rows = [
        ("Help with funding bids", 18, 22, 7, 2),
        ("Governance and trustee training", 12, 19, 11, 4),
        ("Finding and keeping volunteers", 9, 21, 14, 5),
        ("Speaking up for groups to the council", 15, 17, 9, 6),
        ("Knowing what support exists locally", 8, 16, 17, 8),
    ]
    for question, *counts in rows:
        sheet.append([question, *counts, sum(counts)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def member_survey() -> SimpleUploadedFile:
    return SimpleUploadedFile("member-survey-results.xlsx", member_survey_bytes(), content_type=XLSX)

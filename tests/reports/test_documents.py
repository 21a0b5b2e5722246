"""Every PDF kind stands on its own: what a reader needs is in the text layer (pypdf), and the
pages are drawn (poppler renders them to images that are not blank)."""

import datetime
import io
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from casework import queries as case_queries
from peerreview.models import ReportSnapshot, Review
from reports import documents, pdf
from tests import scenes
from tests.reports.test_pdf import DATA

pytestmark = pytest.mark.integration

SCALE = [
    {"value": 1, "label": "Emerging", "descriptor": "Little in place yet.", "min_mean": "1.00"},
    {"value": 2, "label": "Developing", "descriptor": "Some in place, not yet reliable.", "min_mean": "1.75"},
    {"value": 3, "label": "Established", "descriptor": "In place and working.", "min_mean": "2.50"},
    {"value": 4, "label": "Leading", "descriptor": "Others learn from it.", "min_mean": "3.25"},
]


@pytest.fixture
def planning(caseworker, panel_member, reviewed_org):
    return scenes.case_in_closure_planning(caseworker=caseworker, panel_member=panel_member, organisation=reviewed_org)


def pages_of(data: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def ink(data: bytes, page: int = 1) -> float:
    """The share of a page that is not white, drawn by poppler (pdftoppm) at 30 dpi."""
    png = subprocess.run(
        ["pdftoppm", "-png", "-r", "30", "-f", str(page), "-l", str(page), "-"],
        input=data,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    histogram = Image.open(io.BytesIO(png)).convert("L").histogram()
    return 1 - sum(histogram[245:]) / sum(histogram)


def fonts_of(data: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in (page.get("/Resources") or {}).get("/Font", {}).values():
            names.add(str(font.get_object().get("/BaseFont")))
    return names


def _snapshot(review_org, coordinator, **changes) -> ReportSnapshot:
    from standards.models import Framework, FrameworkVersion

    framework = Framework.objects.create(name="Local Support", slug="local", purpose="p")
    version = FrameworkVersion.objects.create(framework=framework, number=2, state="published")
    review = Review.objects.create(
        organisation=review_org,
        framework_version=version,
        coordinator=coordinator,
        state="published",
        published_at=timezone.now(),
        report_version=1,
    )
    data = {**DATA, "review": review.pk, "scale": SCALE, "rule": {"limiter_trigger": 1, "limiter_cap": 2}, **changes}
    return ReportSnapshot.objects.create(
        review=review,
        version=1,
        kind="final",
        data=data,
        fingerprint=ReportSnapshot.fingerprint_of(data),
        created_by=coordinator,
    )


def test_the_assessment_explains_its_outcome_scale_and_rule_with_dates_in_words(reviewed_org, coordinator, settings):
    settings.SITE_URL = "https://quality.example.org"
    snapshot = _snapshot(reviewed_org, coordinator)
    data = pdf.render("reports/pdf/assessment.html", documents.assessment_context(snapshot))
    pages = pages_of(data)
    text = " ".join(pages)
    cover = pages[0]
    assert "Outcome: Met with conditions" in cover
    assert "on conditions: the actions listed under Conditions must be completed" in cover
    assert "2 – Developing" in cover
    # The scale, each level's meaning, and the rule with its limiter.
    for needle in ["Emerging", "Little in place yet.", "Leading", "Others learn from it.", "a mean of 3.25"]:
        assert needle in text, needle
    assert "while any standard is rated 1 or below, the overall result cannot be above 2" in text
    assert "3 – Established" in text and "2 – Developing" in text  # ratings in the table carry their level's name
    # Dates written out, never ISO.
    today = timezone.localdate()
    for needle in [f"published {today.day} {today:%B %Y}", "1 October 2026", "20 October 2026", "31 January 2027"]:
        assert needle in text, needle
    assert "2026-10-01" not in text and "2027-01-31" not in text
    # The verify link comes from SITE_URL; nothing points at a development address.
    assert "quality.example.org/verify/" in text.replace(" ", "")
    assert "127.0.0.1" not in text
    # No near-empty last page: the method section stays whole.
    assert len(pages[-1]) > 300, pages[-1]
    assert "Method" in pages[-1]
    # The chart and the cover are drawn, not blank.
    assert ink(data, 1) > 0.01
    chart_page = next(n for n, page in enumerate(pages, 1) if "Ratings by standard" in page)
    assert ink(data, chart_page) > 0.03


def test_the_assessment_states_no_outcome_meaning_for_a_narrative_review(reviewed_org, coordinator):
    snapshot = _snapshot(
        reviewed_org,
        coordinator,
        framework={"name": "Local Support", "version": 2, "scored": False},
        outcome={"value": "Not yet met", "rationale": "More to do."},
    )
    text = " ".join(pages_of(pdf.render("reports/pdf/assessment.html", documents.assessment_context(snapshot))))
    assert "Outcome: Not yet met" in text and "This is not a finding of failure" in text
    assert "How to read the ratings" not in text and "Emerging" not in text


def test_a_snapshot_without_its_scale_reads_the_frameworks(reviewed_org, coordinator):
    from standards.models import RatingLevel

    snapshot = _snapshot(reviewed_org, coordinator)
    data = {k: v for k, v in snapshot.data.items() if k not in ("scale", "rule")}
    ReportSnapshot.objects.filter(pk=snapshot.pk).delete()
    snapshot = ReportSnapshot.objects.create(
        review=snapshot.review,
        version=1,
        kind="final",
        data=data,
        fingerprint=ReportSnapshot.fingerprint_of(data),
        created_by=coordinator,
    )
    framework = snapshot.review.framework_version.framework
    RatingLevel.objects.create(framework=framework, value=1, label="Starting out", min_mean="1.00")
    RatingLevel.objects.create(framework=framework, value=2, label="Getting there", min_mean="1.50")
    context = documents.assessment_context(snapshot)
    assert [lv["label"] for lv in context["scale"]] == ["Starting out", "Getting there"]
    assert [r["label"] for r in context["ratings"]] == ["", "Getting there"]


def test_names_in_londons_scripts_print_with_fonts_that_cover_them(reviewed_org, coordinator):
    names = {
        "Bengali": "বাংলা মহিলা সমিতি",
        "Arabic": "جمعية الأمل",
        "Urdu": "انجمن اتحاد",
        "Chinese": "华人社区中心",
        "Polish": "Związek Polaków w Ealingu",
        "Somali": "Ururka Haweenka Soomaaliyeed",
    }
    snapshot = _snapshot(
        reviewed_org, coordinator, organisation={"name": " · ".join(names.values()), "org_id": "GB-CHC-1"}
    )
    data = pdf.render("reports/pdf/assessment.html", documents.assessment_context(snapshot))
    text = " ".join(pages_of(data))
    for script in ("Chinese", "Polish", "Somali"):
        assert names[script] in text, script
    # Bengali and Arabic are shaped (vowel signs reorder, letters join), so a text layer does not give
    # every word back letter for letter; the words without vowel signs do, and the fonts must be Noto.
    assert "বাংলা" in text and "মহিলা" in text
    fonts = " ".join(fonts_of(data)).replace("-", "")  # e.g. "/ABCDEF+Noto-Sans-Bengali-Bold"
    for family in ("NotoSansBengali", "NotoSansArabic", "NotoSansCJK"):
        assert family in fonts, (family, fonts)
    assert ink(data, 1) > 0.01


def test_the_decision_log_is_landscape_sentences_whose_rows_never_split(planning, caseworker, client_for):
    case = planning["closing_case"]
    response = client_for(caseworker).get(reverse("reports:case-pdf", args=[case.pk, "decision-log"]))
    assert response.status_code == 200
    data = response.content
    reader = PdfReader(io.BytesIO(data))
    pages = pages_of(data)
    events = list(case_queries.case_events(case))
    assert len(events) > 5
    log_pages = set()
    for event in events:
        marker = f"#{event.pk} ·"
        found = [n for n, page in enumerate(pages) if marker in page]
        assert len(found) == 1, (marker, found)
        row = documents.decision_log(case)[events.index(event)]
        # The whole row is on the page that holds its event number: the sentence's first and last words.
        words = row["what"].split()
        assert " ".join(words[:3]) in pages[found[0]] and words[-1] in pages[found[0]], row
        log_pages.add(found[0])
    for n in log_pages:
        box = reader.pages[n].mediabox
        assert box.width > box.height, f"page {n + 1} is not landscape"
    sentences = [r["what"] for r in documents.decision_log(case)]
    assert any("moved from “" in s for s in sentences), sentences
    assert [s for s in sentences if "_" in s] == []  # no raw codes
    assert ink(data, min(log_pages) + 1) > 0.01


def test_the_turnaround_summary_holds_plan_milestones_grants_tranches_and_exit_tests(
    caseworker, reviewed_org, client_for
):
    scene = scenes.pathway_scene(caseworker=caseworker, organisation=reviewed_org)
    case = scene["turnaround_case"]
    response = client_for(caseworker).get(reverse("reports:case-pdf", args=[case.pk, "summary"]))
    data = response.content
    text = " ".join(pages_of(data))
    for needle in [
        "Turnaround: plan approved",
        "Lost the council contract.",
        "New funder secured",
        "Measure: Signed grant letter",
        "The chair",
        "Grant letter",
        "Systems: £900, approved",
        "Bid writer: £1,000, requested",
        "£500",
        "Exit tests",
        "The cash runway is at least 13 weeks",
    ]:
        assert needle in text, needle
    assert "Decision log" not in text.split("decision log (a separate document)")[0]
    assert ink(data, 1) > 0.01


def test_the_interim_summary_holds_brief_candidates_and_reviews(caseworker, reviewed_org, client_for):
    scene = scenes.pathway_scene(caseworker=caseworker, organisation=reviewed_org)
    case = scene["interim_case"]
    data = client_for(caseworker).get(reverse("reports:case-pdf", args=[case.pk, "summary"])).content
    text = " ".join(pages_of(data))
    for needle in ["Interim management: sourcing", "Lead the charity", "A budget", "6 months", "£450", "Alex Interim"]:
        assert needle in text, needle
    assert "Not checked" in text and "No reviews yet." in text


def test_the_closure_report_has_declarations_totals_and_a_sign_off(planning, caseworker, client_for):
    case = planning["closing_case"]
    data = client_for(caseworker).get(reverse("reports:case-pdf", args=[case.pk, "closure"])).content
    pages = pages_of(data)
    text = " ".join(pages)
    for needle in [
        "Trustees' declaration on debts and liabilities",
        "Safeguarding handover",
        "Personal data",
        "Last traded",
        "Registers at a glance",
        "Sign-off",
        "Chair of trustees",
    ]:
        assert needle in text, needle
    assert "Sign-off" in pages[-1] and "Lifeboat panel member" in pages[-1]
    assert ink(data, 1) > 0.01


def test_long_date_writes_dates_out():
    assert documents.long_date("2027-01-15") == "15 January 2027"
    assert documents.long_date(datetime.date(2027, 1, 5)) == "5 January 2027"
    assert documents.long_date("2026-10-01 09:30:00+00:00") == "1 October 2026"
    assert documents.long_date("None") == "" and documents.long_date(None) == ""
    assert documents.money(1000) == "£1,000" and documents.money("12.5") == "£12.50"

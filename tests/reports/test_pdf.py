import http.server
import io
import threading
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from peerreview.models import ReportSnapshot, Review
from reports import pdf
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.integration


def text_of(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def listener():
    """A local HTTP server that records every request: nothing may reach it."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"stolen")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/hostname",
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.png",
        "https://example.org/a.css",
        "ftp://127.0.0.1/x",
        "file:///proc/self/environ",
    ],
)
def test_the_fetcher_refuses_anything_but_our_static_files(url):
    with pytest.raises(ValueError, match="Refused"):
        pdf.SafeFetcher().fetch(url)


def test_the_fetcher_serves_our_static_files_but_not_a_way_out_of_them(settings):
    static = Path(settings.STATICFILES_DIRS[0]).resolve()
    assert pdf.SafeFetcher().fetch((static / "reports" / "pdf.css").as_uri()) is not None
    with pytest.raises(ValueError, match="Refused"):
        pdf.SafeFetcher().fetch(static.as_uri() + "/../../../../etc/passwd")


def test_hostile_html_fetches_and_embeds_nothing(listener):
    base, hits = listener
    secret = Path("/etc/hostname").read_bytes().strip()
    hostile = f"""<html lang="en"><head><title>x</title>
      <link rel="attachment" href="file:///etc/hostname"><link rel="stylesheet" href="{base}/style.css">
      <style>@import url("file:///etc/passwd"); body {{ background: url("{base}/bg.png"); }}</style></head>
      <body><h1>Hostile</h1><img src="file:///etc/hostname" alt="x"><img src="{base}/pixel.png" alt="y">
      <a rel="attachment" href="file:///etc/hostname">attach</a><a rel="attachment" href="{base}/doc">remote</a>
      <object data="file:///etc/passwd"></object><iframe src="{base}/frame"></iframe></body></html>"""
    data = pdf.html_to_pdf_limited(hostile)
    reader = PdfReader(io.BytesIO(data))
    assert reader.attachments == {}
    assert hits == []
    assert secret not in data
    assert "Hostile" in text_of(data)


def test_a_render_that_takes_too_long_is_stopped(monkeypatch):
    monkeypatch.setattr(pdf, "TIME_LIMIT_SECONDS", 0.01)
    with pytest.raises(pdf.RenderError, match="longer than"):
        pdf.html_to_pdf_limited("<html><body>" + "<p>slow</p>" * 3000 + "</body></html>")


DATA = {
    "review": 0,
    "organisation": {"name": "Test <b>CVS</b>", "org_id": "GB-CHC-1111111"},
    "framework": {"name": "Local Support", "version": 2, "scored": True},
    "scope": "Everything",
    "panel": [{"name": "Len Lead", "role": "Lead reviewer"}],
    "dates": {"self_assessment_submitted": "2026-10-01", "visit": "2026-10-20"},
    "ratings": [
        {"code": "1.1", "title": "We know who is out there", "rating": 3, "rationale": "Directory seen."},
        {"code": "2.1", "title": "We represent fairly", "rating": 2, "rationale": "Some consultation."},
    ],
    "result": {"label": "2 – Developing", "mean": "2.50", "steps": ["2 standards rated; a mean of 2.50."]},
    "findings": [
        {
            "kind": "Strength",
            "text": "Trusted by groups <img src='file:///etc/hostname'>",
            "standards": ["1.1"],
            "state": "final",
            "reply": {"kind": "We accept this finding", "text": "", "decision": "", "reason": ""},
        },
        {
            "kind": "Recommendation",
            "text": "Date every directory entry.",
            "standards": ["1.1"],
            "state": "final",
            "reply": {
                "kind": "(C) Evidence existed",
                "text": "Dates shown since March.",
                "decision": "Partly accepted",
                "reason": "Not on every entry.",
            },
        },
    ],
    "outcome": {"value": "Met with conditions", "rationale": "Good core."},
    "actions": [{"text": "Add dates", "owner": "CEO", "due": "2027-01-31", "state": "Agreed"}],
}


@pytest.fixture
def published(reviewed_org, coordinator, funder):
    from standards.models import Framework, FrameworkVersion

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
    data = {**DATA, "review": review.pk}
    snapshot = ReportSnapshot.objects.create(
        review=review,
        version=1,
        kind="final",
        data=data,
        fingerprint=ReportSnapshot.fingerprint_of(data),
        created_by=coordinator,
    )
    return review, snapshot


def test_funder_downloads_a_tagged_pdf_holding_every_rating_finding_and_reply(published, funder, client_for):
    review, snapshot = published
    response = client_for(funder).get(reverse("reports:assessment-pdf", args=[review.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = response.content
    reader = PdfReader(io.BytesIO(data))
    assert "/StructTreeRoot" in reader.trailer["/Root"] and reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert reader.metadata.title == "Peer review assessment: Test <b>CVS</b>"
    text = text_of(data)
    for needle in [
        "We know who is out there",
        "We represent fairly",
        "Directory seen.",
        "Trusted by groups",
        "Date every directory entry.",
        "Dates shown since March.",
        "Partly accepted",
        "Not on every entry.",
        "Met with conditions",
        snapshot.fingerprint[:20],
        f"PRA-{review.pk:05d}-1",
        "Page 2 of",
    ]:
        assert needle in text, needle
    assert "<img src='file:///etc/hostname'>" in text  # user text is shown, never interpreted
    assert reader.attachments == {}


def test_the_same_snapshot_gives_the_same_file(published, funder, client_for):
    review, _ = published
    first = client_for(funder).get(reverse("reports:assessment-pdf", args=[review.pk])).content
    second = client_for(funder).get(reverse("reports:assessment-pdf", args=[review.pk])).content
    assert first == second


def test_people_who_may_not_see_the_review_get_404(published, outsider, client_for):
    review, _ = published
    other_funder = OrganisationFactory(kind="funder")
    from tests.factories import MembershipFactory

    stranger = MembershipFactory(organisation=other_funder, role="funder_reader").person
    for person in (outsider, stranger):
        assert client_for(person).get(reverse("reports:assessment-pdf", args=[review.pk])).status_code == 404


def test_verify_confirms_flags_superseded_and_refuses_unknown(published, client, coordinator):
    review, snapshot = published
    page = client.get(reverse("reports:verify", args=[snapshot.fingerprint]))
    assert page.status_code == 200 and "Genuine and current" in page.content.decode()
    data2 = {**snapshot.data, "report_version": 2}
    ReportSnapshot.objects.create(
        review=review,
        version=2,
        kind="final",
        data=data2,
        fingerprint=ReportSnapshot.fingerprint_of(data2),
        created_by=coordinator,
    )
    page = client.get(reverse("reports:verify", args=[snapshot.fingerprint])).content.decode()
    assert "out of date: version 2 replaces it" in page
    missing = client.get(reverse("reports:verify", args=["0" * 64]))
    assert missing.status_code == 404 and "may have been altered" in missing.content.decode()

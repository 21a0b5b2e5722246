"""Intelligence figures checked against numbers worked out by hand in the test."""

import csv
import html
import io
import statistics

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from organisations.models import Borough
from peerreview.models import Finding, ModeratedRating, Review
from reports import analytics, disclosure
from standards.models import Standard
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.integration


@pytest.fixture
def london(coordinator, published_version):
    """Seven organisations with published reviews; ratings chosen so the medians are known."""
    camden = Borough.objects.get(ons_code="E09000007")
    standards = list(Standard.objects.filter(version=published_version).order_by("position"))
    ratings_11 = [1, 2, 2, 3, 3, 4, 4]
    reviews = []
    for n, rating in enumerate(ratings_11):
        org = OrganisationFactory(name=f"=HYPERLINK CVS {n}" if n == 0 else f"CVS {n}", boroughs=[camden])
        review = Review.objects.create(
            organisation=org,
            framework_version=published_version,
            coordinator=coordinator,
            state="published",
            published_at=timezone.now(),
            outcome="met",
        )
        ModeratedRating.objects.create(review=review, standard=standards[0], rating=rating, rationale="r")
        ModeratedRating.objects.create(review=review, standard=standards[1], rating=3, rationale="r")
        if n < 3:
            finding = Finding.objects.create(review=review, kind="development", text="t", state="final")
            finding.standards.set([standards[1]])
        reviews.append(review)
    # An older review of the first organisation must not count: only the latest per organisation.
    old = Review.objects.create(
        organisation=reviews[0].organisation,
        framework_version=published_version,
        coordinator=coordinator,
        state="closed",
        published_at=timezone.now() - timezone.timedelta(days=800),
    )
    ModeratedRating.objects.create(review=old, standard=standards[0], rating=4, rationale="r")
    return {"reviews": reviews, "ratings": ratings_11, "standards": standards}


@pytest.fixture
def published_version(steward, hub, participant):
    from tests import scenes

    return scenes.published_version(steward=steward, owner=hub, commenter=participant)


def test_ratings_by_standard_match_hand_computed_figures(london):
    df = analytics.ratings_by_standard(analytics.Filters())
    row = df[df["code"] == "1.1"].iloc[0]
    values = london["ratings"]
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    assert (row["organisations"], row["median"], row["lower_quartile"], row["upper_quartile"]) == (
        7,
        statistics.median(values),
        q1,
        q3,
    )
    assert [row[f"level_{n}"] for n in (1, 2, 3, 4)] == [values.count(n) for n in (1, 2, 3, 4)]


def test_coverage_and_results_by_area(london):
    df = analytics.coverage_by_borough(analytics.Filters())
    camden = df[df["ons_code"] == "E09000007"].iloc[0]
    assert (camden["support_bodies"], camden["reviewed"], camden["coverage_percent"]) == (7, 7, 100)
    assert len(df) == 33


def test_development_themes_count_organisations(london):
    df = analytics.development_themes(analytics.Filters())
    assert df.iloc[0][["code", "findings", "organisations"]].tolist() == ["2.1", 3, 3]


def test_small_groups_are_suppressed_for_anonymised_readers(london):
    named = analytics.table("themes", analytics.Filters(), reader=disclosure.EXACT).frame
    anonymous = analytics.table("themes", analytics.Filters(), reader=disclosure.PUBLIC).frame
    assert named.iloc[0]["findings"] == 3
    assert anonymous.iloc[0]["findings"] is None and anonymous.iloc[0]["organisations"] is None
    ratings = analytics.table("ratings", analytics.Filters(), reader=disclosure.PUBLIC).frame
    assert ratings.iloc[0]["median"] == 3  # seven organisations: shown
    assert analytics.table("reciprocity", analytics.Filters(), reader=disclosure.PUBLIC).frame is None


def test_funder_page_and_download_agree_and_are_suppressed(london, funder, client_for):
    client = client_for(funder)
    page = client.get(reverse("reports:intelligence")).content.decode()
    assert "fewer than 5" in page and disclosure.WITHHELD_NAMES in page
    body = client.get(reverse("reports:intelligence-download", args=["themes", "csv"])).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert (rows[0]["code"], rows[0]["findings"], rows[0]["organisations"]) == ("2.1", "[c]", "[c]")
    assert rows[0]["note"] == disclosure.NOTE_SUPPRESSED


def test_downloads_neutralise_formulas_and_open_in_excel(london, coordinator, client_for):
    client = client_for(coordinator)
    body = client.get(reverse("reports:intelligence-download", args=["reciprocity", "csv"])).content.decode("utf-8-sig")
    assert "'=HYPERLINK CVS 0" in body
    xlsx = client.get(reverse("reports:intelligence-download", args=["ratings", "xlsx"])).content
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert [c.value for c in sheet[1]][:4] == ["code", "standard", "organisations", "median"]


def test_filters_narrow_the_figures(london):
    assert analytics.ratings_by_standard(analytics.Filters(borough="E09000001")).empty
    assert analytics.ratings_by_standard(analytics.Filters(year=timezone.now().year - 5)).empty


def test_coverage_percentages_are_suppressed_with_their_counts(london, reviewed_org):
    anonymous = analytics.table("coverage", analytics.Filters(), reader=disclosure.PUBLIC).frame
    camden = anonymous[anonymous["ons_code"] == "E09000007"].iloc[0]
    assert camden["reviewed"] == 7 and camden["coverage_percent"] == 100  # seven: shown
    barnet = anonymous[anonymous["ons_code"] == "E09000003"].iloc[0]
    assert barnet["reviewed"] is None and barnet["coverage_percent"] is None


def test_annual_report_pdf_states_facts_from_the_figures(london, funder, client_for):
    from pypdf import PdfReader

    year = timezone.now().year
    response = client_for(funder).get(reverse("reports:annual-report", args=[year]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(response.content)).pages)
    assert f"7 peer reviews were published in {year}." in text
    assert "Every standard had the same median rating (3)." in text  # 1.1: median of 1,2,2,3,3,4,4; 2.1: all 3
    assert "most often named" not in text  # three organisations: too few to state
    assert "CVS 1" not in text  # anonymised: no organisation names


def test_standard_trends_follow_the_crosswalk_across_versions(london, published_version, steward, coordinator):
    """Version 2 copies version 1 with the crosswalk filled in; a standard renamed in version 2
    still continues its version-1 line, so ratings from both versions form one line per year."""
    from standards import workflow as sw

    v2 = sw.start_new_version(published_version.framework, by=steward)
    renamed = Standard.objects.get(version=v2, code="1.1")
    Standard.objects.filter(pk=renamed.pk).update(code="1.1a", title="We know who is out there, and why")
    last_year = timezone.now() - timezone.timedelta(days=400)
    for rating in (2, 4):
        review = Review.objects.create(
            organisation=OrganisationFactory(),
            framework_version=v2,
            coordinator=coordinator,
            state="published",
            published_at=last_year,
        )
        ModeratedRating.objects.create(review=review, standard=renamed, rating=rating, rationale="r")
    df = analytics.standard_trends(analytics.Filters())
    line = df[df["code"] == "1.1a"]
    this_year, before = timezone.now().year, last_year.year
    by_year = {r.year: (r.organisations, r.median, r.framework_versions) for r in line.itertuples()}
    # this year: the seven version-1 reviews (the older one falls in its own year)
    assert by_year[this_year][0] == 7 and by_year[this_year][2] == "1"
    assert by_year[before] == (2, 3.0, "2")
    assert "1.1" not in set(df["code"])  # the version-1 standard is shown under its newest name


def test_two_reviews_published_at_the_same_instant_count_once(london, coordinator, published_version):
    first = london["reviews"][1]
    twin = Review.objects.create(
        organisation=first.organisation,
        framework_version=published_version,
        coordinator=coordinator,
        state="published",
        published_at=first.published_at,
    )
    ModeratedRating.objects.create(review=twin, standard=london["standards"][0], rating=1, rationale="r")
    latest = list(analytics.latest_reviews(analytics.Filters()).filter(organisation=first.organisation))
    assert latest == [twin]  # the later-created of the two, once
    row = analytics.ratings_by_standard(analytics.Filters()).set_index("code").loc["1.1"]
    assert row["organisations"] == 7


def test_one_kinds_area_count_cannot_be_worked_out_from_the_all_kinds_table(london, coordinator):
    """Two reviewed community anchors in Camden (of five in London): hidden for the anchors; and,
    since all kinds in Camden (9) less the CVSs (7) would give them, the CVSs' Camden count too."""
    camden, hackney = (Borough.objects.get(ons_code=c) for c in ("E09000007", "E09000012"))
    for n in range(5):
        anchor = OrganisationFactory(
            name=f"Anchor {n}", kind="community_anchor", boroughs=[camden if n < 2 else hackney]
        )
        if n < 2:
            Review.objects.create(
                organisation=anchor,
                framework_version=london["reviews"][0].framework_version,
                coordinator=coordinator,
                state="published",
                published_at=timezone.now(),
            )

    def camden_reviewed(kind: str) -> object:
        frame = analytics.table("coverage", analytics.Filters(kind=kind), reader=disclosure.PUBLIC).frame
        return frame[frame["ons_code"] == "E09000007"].iloc[0]["reviewed"]

    everyone = analytics.table("coverage", analytics.Filters(), reader=disclosure.PUBLIC).frame
    assert everyone[everyone["ons_code"] == "E09000007"].iloc[0]["reviewed"] == 9
    assert (camden_reviewed("community_anchor"), camden_reviewed("cvs")) == (None, None)
    exact = analytics.table("coverage", analytics.Filters(kind="cvs"), reader=disclosure.EXACT).frame
    assert exact[exact["ons_code"] == "E09000007"].iloc[0]["reviewed"] == 7


@pytest.fixture
def three_years_ago(london, coordinator):
    """Three organisations whose latest review came out three years ago: a year of three."""
    year = timezone.now().year - 3
    for n in range(3):
        Review.objects.create(
            organisation=OrganisationFactory(name=f"Old CVS {n}"),
            framework_version=london["reviews"][0].framework_version,
            coordinator=coordinator,
            state="published",
            published_at=timezone.make_aware(timezone.datetime(year, 6, 1)),
        )
    return year


@pytest.mark.parametrize("name", ["ratings", "coverage", "themes", "pipeline"])
def test_a_year_of_fewer_than_five_organisations_says_so_everywhere(name, three_years_ago, funder, client_for):
    client = client_for(funder)
    for year in (three_years_ago, three_years_ago - 1):  # three organisations, and none: the same words
        query = {"year": year}
        page = client.get(reverse("reports:intelligence"), query).content.decode()
        section = page.split(f'id="{name}">', 1)[1].split("<h2", 1)[0]
        body = client.get(reverse("reports:intelligence-download", args=[name, "csv"]), query).content
        xlsx = client.get(reverse("reports:intelligence-download", args=[name, "xlsx"]), query).content
        api = client.get(reverse("api:intelligence-detail", args=[name]), query).json()
        assert disclosure.WITHHELD_POPULATION in html.unescape(section), year
        assert list(csv.reader(io.StringIO(body.decode("utf-8-sig")))) == [["note"], [disclosure.WITHHELD_POPULATION]]
        notes = [[c.value for c in row] for row in load_workbook(io.BytesIO(xlsx))["Notes"].iter_rows()]
        assert notes == [["note"], [disclosure.WITHHELD_POPULATION]]
        assert (api["withheld"], api["withheld_reason"]) == (True, disclosure.WITHHELD_POPULATION)
    this_year = client.get(reverse("api:intelligence-detail", args=["ratings"]), {"year": timezone.now().year})
    assert this_year.json()["withheld"] is False  # seven organisations


def test_the_annual_report_for_a_year_of_three_withholds_its_figures(three_years_ago, funder, client_for):
    from pypdf import PdfReader

    response = client_for(funder).get(reverse("reports:annual-report", args=[three_years_ago]))
    assert response.status_code == 200
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "This selection covers fewer than 5 organisations" in text
    assert f"Fewer than 5 peer reviews were published in {three_years_ago}" in text

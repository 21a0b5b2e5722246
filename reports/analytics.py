"""London-wide intelligence with pandas, from a few aggregate queries (never row by row per review).

Every table is a DataFrame with plain column names, so the page, the charts and the CSV/XLSX
downloads show the same figures. `table` passes every one through `reports.disclosure.disclose`
for its reader: the one disclosure policy for pages, downloads, the annual PDF and the API.
"""

from __future__ import annotations

import datetime
import io
import math
import statistics
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
from django.core.exceptions import BadRequest
from django.db.models import Avg, Count, Exists, F, FloatField, Max, Min, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from organisations.models import Borough, Organisation
from peerreview.models import Assignment, Finding, ModeratedRating, Review
from reports import disclosure
from reports.disclosure import Breakdown, Disclosed, Policy, Reader
from standards.models import Framework, RatingLevel

SUPPRESS_BELOW = disclosure.THRESHOLD
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# Years a figure can be asked for (the API's year parameter has the same bounds).
MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_ID = 2**31 - 1  # the largest id an integer column holds on PostgreSQL


def check_year(year: int) -> int:
    """Refuse a year outside MIN_YEAR..MAX_YEAR with a message the 400 page shows."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise BadRequest(f"Choose a year between {MIN_YEAR} and {MAX_YEAR}.")
    return year


@dataclass(frozen=True)
class Filters:
    borough: str = ""  # ONS code
    kind: str = ""  # Organisation.Kind
    year: int | None = None  # year of publication
    framework: int | None = None

    @classmethod
    def from_query(cls, params: Any) -> Filters:
        """The filters a page or download asked for; BadRequest (a 400 page) for a year or framework
        number out of range, which would otherwise reach the database as a date it cannot hold."""
        year = params.get("year", "")
        framework = params.get("framework", "")
        if year.isdigit():
            check_year(int(year))
        if framework.isdigit() and int(framework) > MAX_ID:
            raise BadRequest("There is no such framework: choose one from the list.")
        return cls(
            borough=params.get("borough", "")
            if Borough.objects.filter(ons_code=params.get("borough", "")).exists()
            else "",
            kind=params.get("kind", "") if params.get("kind", "") in Organisation.Kind.values else "",
            year=int(year) if year.isdigit() else None,
            framework=int(framework) if framework.isdigit() else None,
        )


def default_framework() -> Framework | None:
    published = Review.objects.filter(framework_version__framework=OuterRef("pk"), published_at__isnull=False)
    return Framework.objects.filter(Exists(published), scoring_mode="scored").first()


def latest_reviews(filters: Filters) -> Any:
    """The latest published review of each organisation: one with no newer published review of the
    same organisation (an anti-join, five times faster on PostgreSQL than picking the newest per
    row with ORDER BY ... LIMIT 1). Two published at the same instant: the later-created one."""
    published = Review.objects.filter(published_at__isnull=False).exclude(state__in=["withdrawn", "cancelled"])
    newer = published.filter(organisation=OuterRef("organisation")).filter(
        Q(published_at__gt=OuterRef("published_at")) | Q(published_at=OuterRef("published_at"), pk__gt=OuterRef("pk"))
    )
    qs = published.filter(~Exists(newer))
    if filters.borough:
        qs = qs.filter(organisation__boroughs__ons_code=filters.borough)
    if filters.kind:
        qs = qs.filter(organisation__kind=filters.kind)
    if filters.year:
        qs = qs.filter(published_at__year=filters.year)
    if filters.framework:
        qs = qs.filter(framework_version__framework=filters.framework)
    return qs


def _mean_rating() -> Subquery:
    """Each review's mean agreed rating, as a correlated subquery read through the review index.

    Not a join grouped by review: PostgreSQL then groups every rating row by every selected
    column (the year expression included), three times slower at 2,000 reviews.
    """
    mean = (
        ModeratedRating.objects.filter(review=OuterRef("pk"))
        .order_by()
        .values("review")
        .annotate(mean=Avg("rating"))
        .values("mean")
    )
    return Subquery(mean, output_field=FloatField())


def _year_starts(qs: Any, field: str) -> list[tuple[int, datetime.datetime, datetime.datetime]]:
    """(year, first instant, first instant of the next year) in local time, for every year from
    the earliest to the latest `field` in qs: ranges to count in, instead of extracting the year
    of every row (a time-zone conversion per rating row)."""
    span = qs.aggregate(first=Min(field), last=Max(field))
    if span["first"] is None:
        return []
    first, last = (timezone.localtime(span[k]).year for k in ("first", "last"))
    starts = {y: timezone.make_aware(datetime.datetime(y, 1, 1)) for y in range(first, last + 2)}
    return [(y, starts[y], starts[y + 1]) for y in range(first, last + 1)]


def ratings_by_standard(filters: Filters) -> pd.DataFrame:
    """Agreed ratings per standard across organisations: count, median, quartiles, distribution."""
    columns = ["code", "standard", "organisations", "median", "lower_quartile", "upper_quartile"]
    columns += [f"level_{level}" for level in (1, 2, 3, 4)]
    # Ratings are small whole numbers: count them per standard and rating in SQL, so pandas sees
    # at most standards x levels rows however many organisations there are.
    counted = (
        ModeratedRating.objects.filter(review__in=latest_reviews(filters))
        .values_list("standard__code", "standard__title", "rating")
        .annotate(n=Count("pk"))
        .order_by()
    )
    per_standard: dict[tuple[str, str], Counter[int]] = {}
    for code, title, rating, n in counted:
        per_standard.setdefault((code, title), Counter())[rating] += n
    rows = [
        (code, title, counts.total(), _quantile_of_counts(counts, 0.5))
        + (_quantile_of_counts(counts, 0.25), _quantile_of_counts(counts, 0.75))
        + tuple(counts[level] for level in (1, 2, 3, 4))
        for (code, title), counts in sorted(per_standard.items(), key=lambda item: _code_key(item[0][0]))
    ]
    return pd.DataFrame(rows, columns=columns)


def _code_key(code: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in code.replace("-", ".").split("."))


def latest_levels(filters: Filters) -> dict[int, int | None]:
    """Each organisation's level from its latest published review: the highest level of the
    framework whose band starts at or below the review's mean agreed rating (None: no ratings, or
    below every band)."""
    rows = list(
        latest_reviews(filters)
        .annotate(mean_rating=_mean_rating())
        .values_list("organisation_id", "framework_version__framework_id", "mean_rating")
    )
    bands: dict[int, list[tuple[float, int]]] = {}
    for framework, value, start in RatingLevel.objects.filter(
        framework__in={framework for _, framework, _ in rows}
    ).values_list("framework", "value", "min_mean"):
        bands.setdefault(framework, []).append((float(start), value))
    levels: dict[int, int | None] = {}
    for organisation, framework, mean in rows:
        reached = [value for start, value in bands.get(framework, []) if mean is not None and start <= mean]
        levels[organisation] = max(reached) if reached else None
    return levels


def coverage_by_borough(filters: Filters) -> pd.DataFrame:
    """Support bodies per area, how many have a current published review, and their median level.

    Plain Python over a few hundred rows: pandas merges and groupings cost more than the work here.
    """
    kinds = [filters.kind] if filters.kind else list(Organisation.SUPPORT_BODY_KINDS)
    bodies = Borough.objects.annotate(
        support_bodies=Count("organisations", filter=Q(organisations__kind__in=kinds), distinct=True)
    ).values_list("ons_code", "name", "support_bodies")
    reviewed = Filters(kind=filters.kind, year=filters.year, framework=filters.framework)
    level_of = latest_levels(reviewed)
    links = Organisation.boroughs.through.objects.filter(
        organisation__in=latest_reviews(reviewed).values("organisation_id")  # a subquery, not 1,000s of ids
    ).values_list("organisation_id", "borough__ons_code")
    per_area: dict[str, list[float | None]] = {}
    for organisation, code in links:
        if organisation in level_of:
            level = level_of[organisation]
            per_area.setdefault(code, []).append(None if level is None else float(level))
    rows = []
    for code, area, support_bodies in bodies:
        if filters.borough and code != filters.borough:
            continue
        levels = per_area.get(code, [])
        percent = round(100 * len(levels) / support_bodies, 0) if support_bodies > 0 else math.nan
        rows.append((code, area, support_bodies, len(levels), _median(levels), percent))
    return pd.DataFrame(
        rows, columns=["ons_code", "area", "support_bodies", "reviewed", "median_level", "coverage_percent"]
    )


def development_themes(filters: Filters) -> pd.DataFrame:
    """Which standards areas for development and recommendations most often concern."""
    rows = (
        Finding.standards.through.objects.filter(
            finding__review__in=latest_reviews(filters),
            finding__kind__in=[Finding.Kind.DEVELOPMENT, Finding.Kind.RECOMMENDATION, Finding.Kind.CONDITION],
        )
        .values("standard__code", "standard__title", "standard__theme__title")
        .annotate(findings=Count("finding", distinct=True), organisations=Count("finding__review", distinct=True))
        .order_by("-findings", "standard__code")
    )
    return (
        pd.DataFrame.from_records(list(rows)).rename(
            columns={
                "standard__code": "code",
                "standard__title": "standard",
                "standard__theme__title": "theme",
            }
        )
        if rows
        else pd.DataFrame(columns=["code", "standard", "theme", "findings", "organisations"])
    )


def trends(filters: Filters) -> pd.DataFrame:
    """Published reviews per year, with the median of their mean agreed rating."""
    qs = (
        Review.objects.filter(published_at__isnull=False)
        .exclude(state__in=["withdrawn", "cancelled"])
        .annotate(mean_rating=_mean_rating())
        .values_list("published_at__year", "mean_rating", "framework_version__number")
    )
    if filters.kind:
        qs = qs.filter(organisation__kind=filters.kind)
    if filters.borough:
        qs = qs.filter(organisation__boroughs__ons_code=filters.borough)
    # A few thousand rows into a handful of years: plain Python beats pandas' group machinery here.
    years: dict[int, tuple[list[float | None], set[int]]] = {}
    for year, mean, version in qs:
        means, versions = years.setdefault(year, ([], set()))
        means.append(None if mean is None else float(mean))
        versions.add(version)
    rows = [
        (year, len(means), round(_median(means), 2), ", ".join(str(v) for v in sorted(versions)))
        for year, (means, versions) in sorted(years.items())
    ]
    return pd.DataFrame(rows, columns=["year", "reviews", "median_mean_rating", "framework_versions"])


def _median(values: list[float | None]) -> float:
    """The median of the values present (NaN when none is), as pandas' median skips missing ones."""
    present = [v for v in values if v is not None]
    return float(statistics.median(present)) if present else math.nan


def standard_trends(filters: Filters) -> pd.DataFrame:
    """Agreed ratings by year for each standard followed across framework versions: a standard and
    the ones it `continues` (the crosswalk) count as one line, named after its newest version."""
    from standards.models import Standard

    framework = filters.framework or getattr(default_framework(), "pk", None)
    columns = ["code", "standard", "year", "organisations", "median", "framework_versions"]
    if framework is None:
        return pd.DataFrame(columns=columns)
    standards = {
        pk: (code, title, version)
        for pk, code, title, version in Standard.objects.filter(version__framework=framework).values_list(
            "pk", "code", "title", "version__number"
        )
    }
    edges = Standard.continues.through.objects.filter(from_standard__version__framework=framework).values_list(
        "from_standard_id", "to_standard_id"
    )
    # Follow each standard forward to the newest standard continuing it: that is its line's name.
    successor = {older: newer for newer, older in edges}

    def newest(pk: int) -> int:
        seen = set()
        while pk in successor and pk not in seen:
            seen.add(pk)
            pk = successor[pk]
        return pk

    qs = ModeratedRating.objects.filter(
        standard__version__framework=framework, review__published_at__isnull=False
    ).exclude(review__state__in=["withdrawn", "cancelled"])
    if filters.kind:
        qs = qs.filter(review__organisation__kind=filters.kind)
    if filters.borough:
        qs = qs.filter(review__organisation__boroughs__ons_code=filters.borough)
    # Ratings are small whole numbers: count them per standard, year and rating in SQL, so pandas
    # sees at most standards × years × levels rows however many reviews there are. One count
    # column per year (a range on the timestamp) rather than grouping by each row's year.
    years = _year_starts(Review.objects.all(), "published_at")  # min/max through the index
    counted = (
        qs.values("standard_id", "rating")
        .annotate(
            **{
                f"y{year}": Count("pk", filter=Q(review__published_at__gte=start, review__published_at__lt=end))
                for year, start, end in years
            }
        )
        .order_by()
    )
    line_of = {pk: newest(pk) for pk in standards}
    version_of = {pk: version for pk, (_, _, version) in standards.items()}
    # Plain dictionaries, not a pandas group per (line, year): a few hundred small groups.
    groups: dict[tuple[int, int], tuple[Counter[int], set[int]]] = {}
    for r in counted:
        for year, _, _ in years:
            if r[f"y{year}"] and r["standard_id"] in line_of:
                counts, versions = groups.setdefault((line_of[r["standard_id"]], year), (Counter(), set()))
                counts[r["rating"]] += r[f"y{year}"]
                versions.add(version_of[r["standard_id"]])
    if not groups:
        return pd.DataFrame(columns=columns)
    rows = [
        (*standards[line][:2], year, counts.total(), _quantile_of_counts(counts, 0.5))
        + (", ".join(str(v) for v in sorted(versions)),)
        for (line, year), (counts, versions) in sorted(groups.items())
    ]
    rows.sort(key=lambda row: (_code_key(row[0]), row[2]))  # by code, then year (stable)
    return pd.DataFrame(rows, columns=columns)


def _quantile_of_counts(counts: Counter[int], q: float) -> float:
    """The q-quantile of values given as {value: how many times}, interpolated linearly between
    neighbours as numpy does by default (q=0.5: the median)."""
    ordered = sorted(counts)
    position = (counts.total() - 1) * q
    low = int(position)

    def nth(k: int) -> int:
        seen = 0
        for value in ordered:
            seen += counts[value]
            if k < seen:
                return value
        return ordered[-1]

    below, above = nth(low), nth(low + 1) if position > low else nth(low)
    return float(below + (above - below) * (position - low))


def reciprocity() -> pd.DataFrame:
    """Reviews each organisation's staff gave versus reviews it received (two aggregate queries)."""
    received = Review.objects.values("organisation__name").annotate(received=Count("pk"))
    given = (
        Assignment.objects.exclude(state__in=["declined", "replaced"])
        .filter(reviewer__memberships__role__in=["reviewer", "lead_reviewer"])
        .values(organisation_name=F("reviewer__memberships__organisation__name"))
        .annotate(given=Count("pk", distinct=True))
    )
    a = pd.DataFrame.from_records(list(received)).rename(columns={"organisation__name": "organisation"})
    b = pd.DataFrame.from_records(list(given)).rename(columns={"organisation_name": "organisation"})
    if a.empty and b.empty:
        return pd.DataFrame(columns=["organisation", "given", "received", "balance"])
    a = a if not a.empty else pd.DataFrame(columns=["organisation", "received"])
    b = b if not b.empty else pd.DataFrame(columns=["organisation", "given"])
    df = b.merge(a, on="organisation", how="outer").fillna(0)
    df["given"] = df["given"].astype(int)
    df["received"] = df["received"].astype(int)
    df["balance"] = df["given"] - df["received"]
    return df.sort_values(["balance", "organisation"]).reset_index(drop=True)[
        ["organisation", "given", "received", "balance"]
    ]


def lifeboat_referrals(filters: Filters) -> pd.DataFrame:
    """Lifeboat referrals by source (aggregates only: cases never appear one by one here)."""
    from casework.models import Referral

    rows = (
        Referral.objects.filter(_case_scope(filters))
        .values("source")
        .annotate(referrals=Count("pk"), latest=Max("created_at"))
        .order_by("source")
    )
    labels = dict(Referral.Source.choices)
    df = pd.DataFrame.from_records(list(rows))
    if df.empty:
        return pd.DataFrame(columns=["source", "referrals"])
    df["source"] = df["source"].map(labels)
    return df[["source", "referrals"]]


def _case_scope(filters: Filters) -> Q:
    q = Q()
    if filters.borough:
        q &= Q(organisation__boroughs__ons_code=filters.borough)
    if filters.kind:
        q &= Q(organisation__kind=filters.kind)
    return q


def lifeboat_pipeline(filters: Filters) -> pd.DataFrame:
    """Lifeboat cases by pathway and state (one aggregate query; cases never appear one by one)."""
    from casework.models import Case

    rows = (
        Case.objects.filter(_case_scope(filters))
        .values("pathway", "state")
        .annotate(cases=Count("pk"))
        .order_by("pathway", "state")
    )
    df = pd.DataFrame.from_records(list(rows), columns=["pathway", "state", "cases"])
    df["pathway"] = df["pathway"].map(lambda v: dict(Case.Pathway.choices).get(v, "Not chosen yet"))
    df["state"] = df["state"].map(dict(Case.State.choices))
    return df


def lifeboat_outcomes(filters: Filters) -> pd.DataFrame:
    """Closed cases by outcome, with the median weeks from the panel's decision to closing."""
    from casework.models import Case

    rows = (
        Case.objects.filter(_case_scope(filters), closed_at__isnull=False)
        .annotate(decided_at=Min("pathway_changes__changed_at"))
        .values("outcome", "decided_at", "closed_at")
    )
    by_outcome: dict[str, list[float | None]] = {}
    for row in rows:
        decided, closed = row["decided_at"], row["closed_at"]
        weeks = (closed - decided).days / 7 if decided is not None else None
        by_outcome.setdefault(row["outcome"], []).append(weeks)
    labels = dict(Case.Outcome.choices)
    out = [
        (labels.get(outcome, "Not recorded"), len(weeks), round(_median(weeks), 1))
        for outcome, weeks in sorted(by_outcome.items())
    ]
    return pd.DataFrame(out, columns=["outcome", "cases", "median_weeks_to_close"])


def lifeboat_redeployed(filters: Filters) -> pd.DataFrame:
    """What closures passed on: completed register items by register and destination, with their £
    value (services kept going, funds and assets redeployed, staff transferred)."""
    from casework.models import RegisterItem

    scope = _case_scope(filters)
    rows = (
        RegisterItem.objects.filter(state="completed", closure__case__in=_cases(scope))
        .values("register", "outcome")
        .annotate(cases=Count("closure__case", distinct=True), items=Count("pk"), value=Sum("value"))
        .order_by("register", "outcome")
    )
    df = pd.DataFrame.from_records(list(rows), columns=["register", "outcome", "cases", "items", "value"])
    df["register"] = df["register"].map(dict(RegisterItem.Register.choices))
    df["outcome"] = df["outcome"].map(dict(RegisterItem.Outcome.choices))
    df["value"] = df["value"].map(lambda v: float(v) if v is not None else 0.0)
    return df.rename(columns={"outcome": "where_it_went", "value": "value_gbp"})


def _cases(scope: Q) -> Any:
    from casework.models import Case

    return Case.objects.filter(scope).values("pk")


# --- the page's tables, for pages and downloads alike ---------------------------------------------------

TABLES: dict[str, tuple[str, Any, Policy]] = {
    "ratings": (
        "Ratings by standard",
        ratings_by_standard,
        Policy(
            rests_on="organisations",
            values=("median", "lower_quartile", "upper_quartile"),
            parts=("level_1", "level_2", "level_3", "level_4"),
            key=("code",),
        ),
    ),
    "coverage": (
        "Coverage and results by area",
        coverage_by_borough,
        Policy(rests_on="reviewed", values=("median_level", "coverage_percent"), key=("ons_code",)),
    ),
    "themes": (
        "Most common development themes",
        development_themes,
        Policy(rests_on="organisations", values=("findings",), key=("code",)),
    ),
    "trends": (
        "Reviews by year",
        trends,
        Policy(rests_on="reviews", values=("median_mean_rating",), key=("year",)),
    ),
    "standard_trends": (
        "Ratings by standard and year, across framework versions",
        standard_trends,
        Policy(rests_on="organisations", values=("median",), key=("code", "year")),
    ),
    "reciprocity": ("Reviews given and received", lambda f: reciprocity(), Policy(None, names_organisations=True)),
    "lifeboat": ("Lifeboat referrals by source", lifeboat_referrals, Policy("referrals", lifeboat=True)),
    "pipeline": ("Lifeboat cases by pathway and state", lifeboat_pipeline, Policy("cases", lifeboat=True)),
    "outcomes": (
        "Lifeboat outcomes and time to close",
        lifeboat_outcomes,
        Policy("cases", values=("median_weeks_to_close",), lifeboat=True),
    ),
    "redeployed": (
        "Services, funds, assets and staff passed on by closures",
        lifeboat_redeployed,
        Policy("cases", counts=("items",), money=("value_gbp",), lifeboat=True),
    ),
}


def population(filters: Filters) -> int | None:
    """How many organisations the filters select (None: all of London, nothing narrows it): those
    in the directory in the area and of the kind chosen; with a year, those of them whose latest
    published review came out that year (what the year-filtered tables rest on)."""
    if not (filters.borough or filters.kind or filters.year):
        return None
    if filters.year:
        return latest_reviews(filters).values("organisation").distinct().count()
    qs = Organisation.objects.all()
    if filters.borough:
        qs = qs.filter(boroughs__ons_code=filters.borough)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return qs.count()


def table(name: str, filters: Filters, *, reader: Reader, population_size: int | None | bool = False) -> Disclosed:
    """One intelligence table as the reader may see it, through the one disclosure policy.
    `population_size`: the `population(filters)` when the caller already has it."""
    title, build, policy = TABLES[name]
    if policy.names_organisations and not reader.named:
        return disclosure.disclose(None, policy, reader=reader, population=None)  # never computed
    size = population(filters) if population_size is False else population_size
    if size is not None and size < disclosure.THRESHOLD and not _exact_for(policy, reader):
        return disclosure.disclose(None, policy, reader=reader, population=size)  # never computed
    if filters.kind and policy.key and not _exact_for(policy, reader):
        # One kind's figures are disclosed with every other kind's, which add up to the all-kinds
        # table the same reader can see: so that no hidden cell is that table's less the others.
        breakdown = by_kind(build, filters)
        chosen = breakdown.slices[filters.kind]
        return disclosure.disclose(chosen, policy, reader=reader, population=size, breakdown=breakdown)
    return disclosure.disclose(build(filters), policy, reader=reader, population=size)


def by_kind(build: Any, filters: Filters) -> Breakdown:
    """The table for every kind of organisation and for all kinds, with the rest of `filters`."""
    kinds = {kind: replace(filters, kind=kind) for kind in Organisation.Kind.values}
    return Breakdown(
        chosen=filters.kind,
        slices={kind: build(narrowed) for kind, narrowed in kinds.items()},
        withheld=frozenset(k for k, narrowed in kinds.items() if (population(narrowed) or 0) < disclosure.THRESHOLD),
        total=build(replace(filters, kind="")),
    )


def _exact_for(policy: Policy, reader: Reader) -> bool:
    return reader.lifeboat_insider if policy.lifeboat else reader.named


def _safe_for_spreadsheets(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = out[column].dt.tz_convert("Europe/London").dt.tz_localize(None)
        elif out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v
            )
    return out


def to_csv(df: pd.DataFrame) -> bytes:
    return ("\ufeff" + _safe_for_spreadsheets(df).to_csv(index=False)).encode("utf-8")


def to_xlsx(df: pd.DataFrame, sheet: str, notes: list[str] | None = None) -> bytes:
    """One sheet of figures and, when anything was suppressed, rounded or withheld, a "Notes" sheet."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        _safe_for_spreadsheets(df).to_excel(writer, index=False, sheet_name=sheet[:31])
        if notes := [n for n in notes or [] if n]:
            pd.DataFrame({"note": notes}).to_excel(writer, index=False, sheet_name="Notes")
    return buffer.getvalue()


def commentary(year: int, tables: dict[str, pd.DataFrame]) -> list[str]:
    """Short sentences stating facts from the tables (no judgement beyond what the figures say)."""
    lines: list[str] = []
    trend = tables["trends"]
    row = trend[trend["year"] == year] if trend is not None and not trend.empty else None
    if row is None or row.empty:
        return [f"No peer review was published in {year}."]
    reviews = row.iloc[0]["reviews"]
    if reviews is None or reviews != reviews:  # suppressed
        return [f"Fewer than {SUPPRESS_BELOW} peer reviews were published in {year}, too few to describe."]
    lines.append(f"{reviews} peer review{'s were' if reviews != 1 else ' was'} published in {year}.")
    if any(tables[name] is None for name in ("ratings", "themes", "coverage")):
        return lines  # the year's organisations are too few: their figures are withheld
    ratings = tables["ratings"].dropna(subset=["median"]) if not tables["ratings"].empty else tables["ratings"]
    if not ratings.empty and ratings["median"].nunique() == 1:
        lines.append(f"Every standard had the same median rating ({ratings['median'].iloc[0]:g}).")
    elif not ratings.empty:
        top = ratings.sort_values(["median", "code"], ascending=[False, True]).iloc[0]
        low = ratings.sort_values(["median", "code"], ascending=[True, True]).iloc[0]
        lines.append(
            f"The highest median rating was for {top['code']} “{top['standard']}” ({top['median']:g}); "
            f"the lowest for {low['code']} “{low['standard']}” ({low['median']:g})."
        )
    themes = tables["themes"].dropna(subset=["findings"]) if not tables["themes"].empty else tables["themes"]
    if not themes.empty:
        first = themes.iloc[0]
        lines.append(
            f"The standard most often named in areas for development and recommendations was "
            f"{first['code']} “{first['standard']}” ({int(first['findings'])} findings)."
        )
    coverage = tables["coverage"]
    shown = coverage.dropna(subset=["reviewed"]) if not coverage.empty else coverage
    lines.append(
        f"{int((shown['reviewed'] > 0).sum())} of London's 33 areas have a support body with a current "
        f"published review{' among the areas whose figures can be shown' if len(shown) < 33 else ''}."
    )
    return lines

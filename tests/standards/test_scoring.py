from decimal import Decimal

import pytest

from standards.models import DEFAULT_LEVELS, Framework
from standards.scoring import aggregate
from tests.factories import FrameworkFactory

pytestmark = pytest.mark.unit


@pytest.fixture
def plain(db) -> Framework:
    """Default four levels, no limiter."""
    return FrameworkFactory(levels=True)


@pytest.fixture
def limited(db) -> Framework:
    """Default four levels; no overall level above 2 while any standard sits at 1."""
    return FrameworkFactory(levels=True, limiter_trigger=1, limiter_cap=2)


def _ratings(*values: int) -> dict[str, int]:
    return {f"S{i}": v for i, v in enumerate(values, start=1)}


def test_framework_factory_uses_the_default_levels(plain):
    assert [(lv.value, lv.label, lv.min_mean) for lv in plain.levels.order_by("value")] == [
        (value, label, Decimal(str(min_mean)).quantize(Decimal("0.01"))) for value, label, _, min_mean in DEFAULT_LEVELS
    ]


@pytest.mark.parametrize(
    ("values", "mean", "level"),
    [
        ((1, 1), "1.00", 1),
        ((1, 2), "1.50", 1),
        ((1, 2, 2), "1.67", 1),
        ((1, 2, 2, 2), "1.75", 2),  # exactly where band 2 starts
        ((2, 2), "2.00", 2),
        ((2, 3, 3, 2, 2, 2, 2, 3), "2.38", 2),
        ((2, 3), "2.50", 3),  # exactly where band 3 starts
        ((3, 3, 4), "3.33", 3),
        ((3, 4), "3.50", 4),  # exactly where band 4 starts
        ((4, 4, 4), "4.00", 4),
    ],
)
def test_mean_maps_to_a_band_of_the_default_levels(plain, values, mean, level):
    result = aggregate(plain, _ratings(*values))
    assert result.mean == Decimal(mean)
    assert result.level.value == level
    assert result.label == f"{level} – {result.level.label}"


def test_mean_is_rounded_half_up_to_two_places(plain):
    result = aggregate(plain, _ratings(1, 2, 2, 2, 2, 2, 2, 1))  # 14 / 8 = 1.75
    assert result.mean == Decimal("1.75")
    assert aggregate(plain, _ratings(1, 1, 2)).mean == Decimal("1.33")
    assert aggregate(plain, _ratings(2, 2, 1)).mean == Decimal("1.67")  # 1.666… rounds up


def test_explanation_mentions_the_numbers(plain):
    result = aggregate(plain, {"UN1": 2, "UN2": 3, "VI1": 2})
    assert result.steps == [
        "3 standards rated; the ratings add up to 7, a mean of 2.33.",
        "A mean of 2.33 falls in the band of level 2 (Developing), which starts at 1.75.",
        "Overall result: 2 – Developing.",
    ]


def test_limiter_caps_the_result(limited):
    result = aggregate(limited, {"UN1": 4, "UN2": 4, "VI1": 1, "VI2": 4})  # mean 3.25 → level 3
    assert result.mean == Decimal("3.25")
    assert result.level.value == 2
    assert result.steps[1] == "A mean of 3.25 falls in the band of level 3 (Established), which starts at 2.50."
    assert result.steps[2] == (
        "Limiter: VI1 is rated 1 or below, so the overall result cannot be above 2; it is capped at 2 (Developing)."
    )
    assert result.steps[-1] == "Overall result: 2 – Developing."


def test_limiter_names_every_low_standard(limited):
    result = aggregate(limited, {"A": 1, "B": 4, "C": 4, "D": 4, "E": 4, "F": 4, "G": 4, "H": 1})  # mean 3.25
    assert result.level.value == 2
    assert "A, H are rated 1 or below" in result.steps[2]


def test_limiter_is_not_applied_when_the_result_is_already_low_enough(limited):
    result = aggregate(limited, _ratings(1, 2, 2, 2))  # mean 1.75 → level 2, which is not above the cap
    assert result.level.value == 2
    assert result.steps[2] == "Limiter checked: S1 rated 1 or below, but the result is not above 2."
    assert not any(step.startswith("Limiter:") for step in result.steps)


def test_limiter_checked_with_no_low_standard(limited):
    result = aggregate(limited, _ratings(4, 4, 3))
    assert result.level.value == 4
    assert result.steps[2] == "Limiter checked: no standard is rated 1 or below."


def test_without_a_limiter_a_low_standard_does_not_cap(plain):
    result = aggregate(plain, _ratings(4, 4, 4, 1))  # mean 3.25
    assert result.level.value == 3
    assert not any("Limiter" in step for step in result.steps)


def test_missing_standards_give_no_result(limited):
    result = aggregate(limited, {"UN1": 3, "VI1": 4}, expected=["UN1", "UN2", "VI1", "VI2"])
    assert (result.level, result.mean, result.label) == (None, None, "No overall result")
    assert result.steps == ["Not every standard is rated yet: UN2, VI2 still to rate."]


def test_every_expected_standard_rated_gives_a_result(plain):
    assert aggregate(plain, {"UN1": 3, "VI1": 4}, expected=["VI1", "UN1"]).level.value == 4


def test_no_ratings_give_no_result(plain):
    result = aggregate(plain, {})
    assert (result.level, result.mean) == (None, None)
    assert result.steps == ["No standard has been rated."]


def test_narrative_framework_gives_no_grade(db):
    narrative = FrameworkFactory(narrative=True)
    result = aggregate(narrative, {"UN1": 4, "UN2": 4})
    assert (result.level, result.mean, result.label) == (None, None, "No overall result")
    assert result.steps == ["This framework is narrative only: it gives findings and no overall grade."]


def test_framework_without_a_scale_gives_no_result(db):
    result = aggregate(FrameworkFactory(), {"UN1": 2})
    assert result.level is None
    assert result.steps == ["The framework has no rating scale yet."]


@pytest.mark.parametrize("bad", [0, 5, -1])
def test_out_of_scale_ratings_raise(plain, bad):
    with pytest.raises(ValueError, match="Ratings outside the scale for: UN2"):
        aggregate(plain, {"UN1": 3, "UN2": bad})


def test_every_out_of_scale_rating_is_named(plain):
    with pytest.raises(ValueError, match="Ratings outside the scale for: A, C"):
        aggregate(plain, {"C": 9, "B": 2, "A": 0}, expected=["A", "B", "C", "D"])


def test_custom_scale_bands(db):
    three = FrameworkFactory(levels=[(1, "Red", 0), (2, "Amber", 1.5), (3, "Green", 2.6)])
    assert aggregate(three, _ratings(1, 2)).level.label == "Amber"
    assert aggregate(three, _ratings(3, 2, 3)).level.label == "Green"  # 2.67
    assert aggregate(three, _ratings(3, 2)).level.label == "Amber"  # 2.50


def test_a_cap_between_levels_caps_at_the_level_below_it(db):
    """The admin lets anyone set the scale and the cap; a cap that is not a level must still cap."""
    odd = FrameworkFactory(levels=[(1, "Low", 0), (3, "Middle", 2), (5, "High", 4)], limiter_trigger=1, limiter_cap=4)
    result = aggregate(odd, _ratings(1, 5, 5, 5, 5))  # mean 4.20 → High, above the cap of 4
    assert result.level.value == 3
    assert result.steps[2].endswith("so the overall result cannot be above 4; it is capped at 3 (Middle).")
    assert result.steps[-1] == "Overall result: 3 – Middle."


def test_a_cap_below_every_level_gives_the_lowest_level(db):
    framework = FrameworkFactory(levels=True, limiter_trigger=1, limiter_cap=0)
    result = aggregate(framework, _ratings(1, 4, 4, 4))
    assert (result.level.value, result.steps[-1]) == (1, "Overall result: 1 – Not yet in place.")

"""The overall result from standard ratings: computed here, once, and explained step by step.

Rule: take the mean of the standard ratings; the overall level is the highest level whose band
starts at or below that mean (RatingLevel.min_mean); then apply the framework's limiter ("no
overall level above 2 while any standard sits at 1"). Every step is kept as a sentence, so pages
and PDFs show how the result was reached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from standards.models import Framework, RatingLevel


@dataclass(frozen=True)
class Result:
    level: RatingLevel | None
    mean: Decimal | None
    steps: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.level.value} – {self.level.label}" if self.level else "No overall result"


def aggregate(framework: Framework, ratings: Mapping[str, int], *, expected: Sequence[str] | None = None) -> Result:
    """Overall result of `ratings` (standard code → level value) under `framework`'s rule.

    `expected` lists every standard code in scope; a result needs all of them rated.
    """
    if not framework.is_scored:
        return Result(None, None, ["This framework is narrative only: it gives findings and no overall grade."])
    levels = sorted(framework.levels.all(), key=lambda lv: lv.value)
    by_value = {lv.value: lv for lv in levels}
    if not levels:
        return Result(None, None, ["The framework has no rating scale yet."])
    unknown = sorted(code for code, value in ratings.items() if value not in by_value)
    if unknown:
        raise ValueError(f"Ratings outside the scale for: {', '.join(unknown)}")
    missing = sorted(set(expected or ()) - set(ratings))
    if missing:
        return Result(None, None, [f"Not every standard is rated yet: {', '.join(missing)} still to rate."])
    if not ratings:
        return Result(None, None, ["No standard has been rated."])

    values = [ratings[code] for code in sorted(ratings)]
    mean = (Decimal(sum(values)) / Decimal(len(values))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    steps = [f"{len(values)} standards rated; the ratings add up to {sum(values)}, a mean of {mean}."]
    level = max((lv for lv in levels if mean >= lv.min_mean), key=lambda lv: lv.value, default=levels[0])
    steps.append(
        f"A mean of {mean} falls in the band of level {level.value} ({level.label}), which starts at {level.min_mean}."
    )

    trigger, cap = framework.limiter_trigger, framework.limiter_cap
    if trigger is not None and cap is not None:
        low = sorted(code for code, value in ratings.items() if value <= trigger)
        if low and level.value > cap:
            # The highest level at or below the cap (the cap need not be a level of the scale).
            level = max((lv for lv in levels if lv.value <= cap), key=lambda lv: lv.value, default=levels[0])
            steps.append(
                f"Limiter: {', '.join(low)} {'is' if len(low) == 1 else 'are'} rated {trigger} or below, "
                f"so the overall result cannot be above {cap}; it is capped at {level.value} ({level.label})."
            )
        elif low:
            steps.append(
                f"Limiter checked: {', '.join(low)} rated {trigger} or below, but the result is not above {cap}."
            )
        else:
            steps.append(f"Limiter checked: no standard is rated {trigger} or below.")
    steps.append(f"Overall result: {level.value} – {level.label}.")
    return Result(level, mean, steps)

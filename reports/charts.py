"""Charts and maps as server-drawn SVG (no JavaScript): the same markup serves pages and PDFs.

Every chart carries a title and a description for assistive technology, and pages show the data
as a table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#d4351c", "#f47738", "#1d70b8", "#00703c"]  # one colour per rating level, low to high
GREY = "#b1b4b6"


def bar_chart(
    rows: Sequence[tuple[str, float | None]],
    *,
    maximum: float,
    title: str,
    description: str,
    ticks: Sequence[tuple[float, str]] = (),
) -> SafeString:
    """Horizontal bars: one per (label, value); `ticks` (value, name) draw the scale under them."""
    bar_h, gap, label_w, width = 18, 8, 70, 420
    axis_h = 34 if ticks else 0
    height = len(rows) * (bar_h + gap) + 10 + axis_h
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-title chart-desc" '
        f'width="{label_w + width + 40}" height="{height}" viewBox="0 0 {label_w + width + 40} {height}">',
        f'<title id="chart-title">{escape(title)}</title><desc id="chart-desc">{escape(description)}</desc>',
    ]
    bottom = 5 + len(rows) * (bar_h + gap)
    for value, name in ticks:
        x = label_w + round(width * float(value) / maximum)
        parts.append(f'<line x1="{x}" y1="0" x2="{x}" y2="{bottom}" stroke="{GREY}" stroke-width="0.5"/>')
        parts.append(
            f'<text x="{x}" y="{bottom + 12}" font-size="9" text-anchor="end" '
            f'font-family="Liberation Sans, Arial">{escape(f"{value:g}")}</text>'
        )
        parts.append(
            f'<text x="{x}" y="{bottom + 24}" font-size="8" text-anchor="end" fill="#505a5f" '
            f'font-family="Liberation Sans, Arial">{escape(name.split(" ", 1)[-1][:16])}</text>'
        )
    for n, (label, value) in enumerate(rows):
        y = 5 + n * (bar_h + gap)
        length = 0 if value is None else max(2, round(width * float(value) / maximum))
        colour = GREY if value is None else PALETTE[min(len(PALETTE) - 1, max(0, round(float(value)) - 1))]
        parts.append(
            f'<text x="0" y="{y + 13}" font-size="11" font-family="Liberation Sans, Arial">{escape(label)}</text>'
        )
        parts.append(f'<rect x="{label_w}" y="{y}" width="{length}" height="{bar_h}" fill="{colour}"/>')
        parts.append(
            f'<text x="{label_w + length + 4}" y="{y + 13}" font-size="11" font-family="Liberation Sans, Arial">'
            f"{'—' if value is None else escape(f'{value:g}')}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text node escaped above


# London's 33 areas as a tile grid (column, row): a recognisable shape without geographic data.
TILE_GRID = {
    "E09000010": (4, 0),
    "E09000003": (3, 1),
    "E09000014": (4, 1),
    "E09000031": (5, 1),
    "E09000015": (2, 1),
    "E09000026": (6, 1),
    "E09000017": (0, 2),
    "E09000005": (1, 2),
    "E09000007": (3, 2),
    "E09000019": (4, 2),
    "E09000012": (5, 2),
    "E09000025": (6, 2),
    "E09000002": (7, 2),
    "E09000016": (8, 2),
    "E09000009": (1, 3),
    "E09000013": (2, 3),
    "E09000020": (3, 3),
    "E09000033": (4, 3),
    "E09000001": (5, 3),
    "E09000030": (6, 3),
    "E09000011": (7, 3),
    "E09000004": (8, 3),
    "E09000018": (0, 3),
    "E09000027": (1, 4),
    "E09000032": (3, 4),
    "E09000022": (4, 4),
    "E09000028": (5, 4),
    "E09000023": (6, 4),
    "E09000006": (7, 4),
    "E09000021": (2, 5),
    "E09000024": (3, 5),
    "E09000029": (4, 5),
    "E09000008": (5, 5),
}


def tile_map(values: dict[str, tuple[str, str, str]], *, title: str, description: str) -> SafeString:
    """A tile per area: values maps ONS code -> (short label, fill colour, tooltip text)."""
    size, gap = 58, 4
    width, height = 9 * (size + gap), 6 * (size + gap)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="map-title map-desc" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f'<title id="map-title">{escape(title)}</title><desc id="map-desc">{escape(description)}</desc>',
    ]
    for code, (col, row) in TILE_GRID.items():
        label, fill, tip = values.get(code, (code[-2:], GREY, ""))
        x, y = col * (size + gap), row * (size + gap)
        parts.append(
            f'<g><title>{escape(tip)}</title><rect x="{x}" y="{y}" width="{size}" height="{size}" fill="{fill}"/>'
            f'<text x="{x + size / 2}" y="{y + size / 2 + 4}" font-size="11" text-anchor="middle" '
            f'font-family="Liberation Sans, Arial" fill="#0b0c0c">{escape(label)}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text node escaped above

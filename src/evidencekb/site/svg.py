"""A small SVG writer for forest plots: log-scaled ratio axis, null line at 1, CI whiskers, labels.

`forest_svg(plot)` returns one self-contained `<svg>` element (no blank lines, so Markdown passes it
through as raw HTML) with `<title>` and `<desc>`, `role="img"` and ids that contain "forest". The SVG
scales to its container (viewBox, width 100 %), so it reflows on a phone. Every text is escaped here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

WIDTH = 760
LABEL_WIDTH = 310  # left column: estimate label, n and time window
VALUE_WIDTH = 190  # right column: the estimate as text
ROW_HEIGHT = 40
TOP = 44
BOTTOM = 46
TICKS = (0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 10, 20, 50, 100)
MIN_TICK_GAP = 30  # px between tick labels


@dataclass(frozen=True)
class Estimate:
    label: str  # first line: what is estimated (study and/or outcome)
    detail: str  # second line: n and time window
    value: float
    lower: float | None
    upper: float | None
    value_text: str  # "0,58 (0,33–1,03)" or "2,98 (no CI)"


@dataclass(frozen=True)
class ForestPlot:
    id: str  # element id, must contain "forest"
    title: str
    description: str
    axis_label: str  # e.g. "Ratio (log scale); < 1 favours …"
    estimates: tuple[Estimate, ...]
    decimal_comma: bool = False  # tick labels "0,5" (Danish) or "0.5"


def _x(value: float, low: float, high: float) -> float:
    span = math.log10(high) - math.log10(low)
    left, right = LABEL_WIDTH, WIDTH - VALUE_WIDTH
    return left + (math.log10(value) - math.log10(low)) / span * (right - left)


def _domain(estimates: tuple[Estimate, ...]) -> tuple[float, float]:
    values = [1.0]
    for e in estimates:
        values += [v for v in (e.value, e.lower, e.upper) if v is not None and v > 0]
    low, high = min(values), max(values)
    low = max(t for t in TICKS if t <= low) if low >= TICKS[0] else low / 2
    high = min(t for t in TICKS if t >= high) if high <= TICKS[-1] else high * 2
    return low, high


def _num(value: float, comma: bool) -> str:
    text = f"{value:g}"
    return text.replace(".", ",") if comma else text


def forest_svg(plot: ForestPlot) -> str:
    """The plot as one `<svg>` element."""
    low, high = _domain(plot.estimates)
    height = TOP + ROW_HEIGHT * len(plot.estimates) + BOTTOM
    title_id, desc_id = f"{plot.id}-title", f"{plot.id}-desc"
    bottom = TOP + ROW_HEIGHT * len(plot.estimates)
    null = _x(1.0, low, high)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(plot.id)}" class="ekb-forest__svg" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" font-family="sans-serif" font-size="13">',
        f'<title id="{escape(title_id)}">{escape(plot.title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(plot.description)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        f'<line class="ekb-forest__null" x1="{null:.1f}" y1="{TOP - 8}" x2="{null:.1f}" y2="{bottom}" '
        'stroke="#444444" stroke-dasharray="4 3"/>',
        f'<line x1="{LABEL_WIDTH}" y1="{bottom}" x2="{WIDTH - VALUE_WIDTH}" y2="{bottom}" stroke="#444444"/>',
    ]
    last = -MIN_TICK_GAP
    for tick in (t for t in TICKS if low <= t <= high):
        x = _x(tick, low, high)
        if x - last < MIN_TICK_GAP and tick != 1:
            continue
        last = x
        parts.append(f'<line x1="{x:.1f}" y1="{bottom}" x2="{x:.1f}" y2="{bottom + 5}" stroke="#444444"/>'
                     f'<text x="{x:.1f}" y="{bottom + 18}" text-anchor="middle" fill="#222222">'
                     f"{escape(_num(tick, plot.decimal_comma))}</text>")
    parts.append(f'<text x="{(LABEL_WIDTH + WIDTH - VALUE_WIDTH) / 2:.1f}" y="{bottom + 38}" text-anchor="middle" '
                 f'fill="#222222">{escape(plot.axis_label)}</text>')
    for row, estimate in enumerate(plot.estimates):
        y = TOP + ROW_HEIGHT * row + ROW_HEIGHT / 2
        parts.append(f'<g class="ekb-forest__row"><text x="4" y="{y - 3:.1f}" fill="#111111">'
                     f"{escape(_fit(estimate.label, 46))}</text>"
                     f'<text x="4" y="{y + 13:.1f}" fill="#444444" font-size="11">'
                     f"{escape(_fit(estimate.detail, 56))}</text>")
        x = _x(estimate.value, low, high)
        if estimate.lower is not None and estimate.upper is not None:
            x1, x2 = _x(max(estimate.lower, low), low, high), _x(min(estimate.upper, high), low, high)
            stroke = 'stroke="#1a237e" stroke-width="2"'
            parts.append(f'<line class="ekb-forest__ci" x1="{x1:.1f}" y1="{y:.1f}" x2="{x2:.1f}" y2="{y:.1f}" '
                         f'{stroke}/>'
                         f'<line x1="{x1:.1f}" y1="{y - 5:.1f}" x2="{x1:.1f}" y2="{y + 5:.1f}" {stroke}/>'
                         f'<line x1="{x2:.1f}" y1="{y - 5:.1f}" x2="{x2:.1f}" y2="{y + 5:.1f}" {stroke}/>')
            marker = f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" fill="#1a237e"/>'
        else:  # no CI: an open diamond, and the value text says so
            marker = (f'<path d="M {x:.1f} {y - 7:.1f} L {x + 7:.1f} {y:.1f} L {x:.1f} {y + 7:.1f} '
                      f'L {x - 7:.1f} {y:.1f} Z" fill="#ffffff" stroke="#1a237e" stroke-width="2"/>')
        parts.append(marker + f'<text x="{WIDTH - VALUE_WIDTH + 8}" y="{y + 4:.1f}" fill="#111111">'
                     f"{escape(estimate.value_text)}</text></g>")
    parts.append("</svg>")
    return "".join(parts)


def _fit(text: str, limit: int) -> str:
    """Shorten a label to fit its column (the full text is in the table beside the plot)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

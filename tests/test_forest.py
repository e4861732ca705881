"""The forest-plot SVG writer: log scale, null line at 1, CI whiskers, a marker for a missing CI,
title/desc for screen readers, escaped text (the built plots are checked in test_site and test_browser)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from evidencekb.site.svg import LABEL_WIDTH, VALUE_WIDTH, WIDTH, Estimate, ForestPlot, forest_svg

SVG = "{http://www.w3.org/2000/svg}"


def _plot(*estimates: Estimate) -> ET.Element:
    plot = ForestPlot("forest-test", "Title <&>", "Description", "Ratio (log)", estimates, decimal_comma=True)
    text = forest_svg(plot)
    assert "\n\n" not in text, "a blank line would end the raw HTML block in Markdown"
    return ET.fromstring(text)


def test_a_plot_has_title_desc_role_and_forest_ids() -> None:
    svg = _plot(Estimate("A <b>", "n = 3", 0.5, 0.25, 1.0, "HR 0,5 (0,25–1)"))
    assert svg.get("id") == "forest-test" and svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "Title <&>" and svg.find(f"{SVG}desc").text == "Description"
    assert svg.get("aria-labelledby") == "forest-test-title forest-test-desc"
    assert "A <b>" in "".join(svg.itertext())  # text is escaped, not markup


def test_log_scale_puts_reciprocals_symmetric_around_the_null_line() -> None:
    svg = _plot(Estimate("low", "", 0.5, None, None, "0,5"), Estimate("high", "", 2.0, None, None, "2"))
    null = float(next(e for e in svg.iter(f"{SVG}line") if e.get("class") == "ekb-forest__null").get("x1"))
    centres = [float(re.search(r"M ([\d.]+)", p.get("d")).group(1)) for p in svg.iter(f"{SVG}path")]
    assert len(centres) == 2  # both without CI: open diamonds
    assert abs((null - centres[0]) - (centres[1] - null)) < 0.2
    assert LABEL_WIDTH <= min(centres) and max(centres) <= WIDTH - VALUE_WIDTH
    ticks = [t.text for t in svg.iter(f"{SVG}text")]
    assert "1" in ticks and "0,5" in ticks  # Danish decimal comma on the axis


def test_whiskers_span_the_confidence_interval() -> None:
    svg = _plot(Estimate("x", "", 1.0, 0.1, 10.0, "1 (0,1–10)"))
    ci = next(e for e in svg.iter(f"{SVG}line") if e.get("class") == "ekb-forest__ci")
    null = float(next(e for e in svg.iter(f"{SVG}line") if e.get("class") == "ekb-forest__null").get("x1"))
    left, right = float(ci.get("x1")), float(ci.get("x2"))
    assert left < null < right and abs((null - left) - (right - null)) < 0.2

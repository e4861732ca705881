"""Forest plots (placeholder until the SVG writer lands)."""

from __future__ import annotations

from evidencekb.site.context import PageContext


def study_forest(ctx: PageContext, study: str) -> str:
    return ""

"""Forest plots of the ratio estimates (IRR, HR), generated at build time as inline SVG.

One plot per study with ratio estimates (on studies/<slug>.md) and one per outcome category
(ekb:outcomeCategory) that several studies report a ratio for (on studies/index.md), each with the data
table beside it. Queries: forest.rq (which estimates, value, CI, outcome category) and study.rq (labels,
n, time window).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from evidencekb.site.context import PageContext
from evidencekb.site.svg import Estimate, ForestPlot, forest_svg
from evidencekb.site.text import attr, md, slug, table


def _float(value: object) -> float | None:
    return float(value) if value is not None else None  # type: ignore[arg-type]


def _size(ctx: PageContext, study: object, result: object) -> object:
    facts = ctx.facts("study")
    for group in facts.values(result, "group"):
        if facts.value(group, "sampleSize") is not None:
            return facts.value(group, "sampleSize")
    sizes = [facts.value(p, "sampleSize") for p in facts.values(study, "population")]
    return next((s for s in sizes if s is not None), None)


def _estimate(ctx: PageContext, row: dict[str, Any], with_study: bool) -> Estimate:
    facts, result, study = ctx.facts("study"), row["result"], row["study"]
    outcome = facts.text(result, "outcome", ctx.lang) or ctx.label(result)
    label = f"{ctx.label(study)}: {outcome}" if with_study else outcome
    size = _size(ctx, study, result)
    window = facts.text(result, "timeWindowText", ctx.lang) or ctx.t("forest.no_window")
    detail = " · ".join(x for x in (f"n = {size}" if size is not None else ctx.t("forest.no_n"), window) if x)
    value, lower, upper = _float(row["value"]), _float(row["lower"]), _float(row["upper"])
    measure = ctx.model.notation(row["measure"])
    if lower is not None and upper is not None:
        text = f"{measure} {ctx.num(row['value'])} ({ctx.num(row['lower'])}–{ctx.num(row['upper'])})"
    else:
        text = f"{measure} {ctx.num(row['value'])} ({ctx.t('forest.no_ci')})"
    return Estimate(label, detail, value or 0.0, lower, upper, text)


def _figure(ctx: PageContext, plot_id: str, title: str, estimates: list[Estimate]) -> str:
    missing = sum(1 for e in estimates if e.lower is None or e.upper is None)
    description = ctx.t("forest.description", n=len(estimates), title=title)
    if missing:
        description += " " + ctx.t("forest.missing_ci", n=missing)
    plot = ForestPlot(plot_id, title, description, ctx.t("forest.axis"), tuple(estimates), ctx.lang == "da")
    columns = [ctx.t(f"forest.columns.{c}") for c in ("estimate", "detail", "value")]
    data = table(columns, ([md(e.label), md(e.detail), md(e.value_text)] for e in estimates))
    note = f'<p class="ekb-caption" markdown>{md(ctx.t("forest.note_ci"))}</p>\n\n' if missing else ""
    box = f'<div class="ekb-forest" id="{plot_id}-figure" tabindex="0" role="region" aria-label="{attr(title)}">'
    return (f"{box}\n{forest_svg(plot)}\n</div>\n\n" + note
            + f'???+ info "{ctx.t("forest.data")}"\n\n' + "".join(f"    {line}\n" for line in data.splitlines())
            + "\n")


def study_forest(ctx: PageContext, study: str) -> str:
    """The forest plot of one study's ratio estimates ("" when it has none)."""
    rows = [r for r in ctx.model.rows_about("forest", "study", study)]
    seen: set[str] = set()
    rows = [r for r in rows if not (str(r["result"]) in seen or seen.add(str(r["result"])))]
    if not rows:
        return ""
    title = ctx.t("forest.study_title", study=ctx.label(study))
    return (f"## {ctx.t('forest.heading')}\n\n"
            + _figure(ctx, f"forest-study-{slug(study)}", title, [_estimate(ctx, r, False) for r in rows]))


def outcome_forests(ctx: PageContext) -> str:
    """One forest plot per outcome group that several studies report a ratio for."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in ctx.model.rows("forest"):
        if row["group"] is not None:
            groups[str(row["group"])].append(row)
    parts = []
    for key, rows in sorted(groups.items()):
        if len({str(r["study"]) for r in rows}) < 2:
            continue
        name = ctx.label(rows[0]["group"])
        title = ctx.t("forest.outcome_title", outcome=name)
        parts.append(f"### {md(name)}\n\n"
                     + _figure(ctx, f"forest-outcome-{slug(key)}", title, [_estimate(ctx, r, True) for r in rows]))
    if not parts:
        return ""
    return f"## {ctx.t('forest.outcomes_heading')}\n\n{ctx.t('forest.outcomes_lead')}\n\n" + "".join(parts)

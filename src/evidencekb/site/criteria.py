"""Start/stop criteria in words, and the decision flowchart generated from them (Mermaid).

The flowchart is built only from the structured criteria (population, therapy class, timing of an
ongoing immunoglobulin start, time window, IgG condition, infection requirement, action), so it
cannot drift from the rules that `evidencekb recommend` evaluates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from evidencekb import messages
from evidencekb.namespaces import ekb, unit
from evidencekb.site.model import SiteModel
from evidencekb.site.text import mermaid_label, number

#: Units whose names are in messages/site.toml (units.<local name>: symbol; units.<name>.one/.many: words)
_UNIT_WORDS = {unit.DAY: "DAY", unit.WK: "WK", unit.MO: "MO", unit.YR: "YR"}


def _t(key: str, lang: str, **values: object) -> str:
    return messages.text(f"site.{key}", lang, **values)


def unit_symbol(unit: object, lang: str = "da") -> str:
    """The unit as printed after a number ("g/L", "mdr."), from messages/site.toml [units]."""
    if unit is None:
        return ""
    name = str(unit).rsplit("/", 1)[-1]
    key = f"site.units.{name}"
    return messages.text(key, lang) if messages.has(key) else name


def _offset(value: object, unit: object, lang: str) -> str:
    text = number(value)
    name = _UNIT_WORDS.get(unit)  # type: ignore[call-overload]
    if name is None:
        return f"{text} {unit_symbol(unit, lang)}".strip()
    return f"{text} {_t(f'duration.{name}.one' if text == '1' else f'duration.{name}.many', lang)}"


def _facts(model: SiteModel):
    return model.facts("criterion")


def window_text(model: SiteModel, window: object, lang: str | None = None) -> str | None:
    """A time window in words from its structured bounds, e.g. "< 6 måneder efter …"."""
    if window is None:
        return None
    lang = lang or model.lang
    f = _facts(model)
    start, until = f.value(window, "fromOffset"), f.value(window, "untilOffset")
    from_incl = str(f.value(window, "fromInclusive") or "true").lower() == "true"
    until_incl = f.flag(window, "untilInclusive")
    start_text = _offset(start, f.value(window, "fromUnit"), lang) if start is not None else None
    until_text = _offset(until, f.value(window, "untilUnit"), lang) if until is not None else None
    if start is not None and float(start) == 0:
        start_text = None
    if start_text and until_text:
        bounds = f"{'' if from_incl else '> '}{start_text} – {'≤ ' if until_incl else '< '}{until_text}"
    elif until_text:
        bounds = f"{'≤' if until_incl else '<'} {until_text}"
    elif start_text:
        bounds = f"{'≥' if from_incl else '>'} {start_text}"
    else:
        bounds = ""
    event = f.value(window, "indexEvent")
    event_text = _t("criteria.after", lang, event=model.label(event, lang)) if event is not None else ""
    text = f"{bounds} {event_text}".strip()
    return text or f.text(window, "timeWindowText", lang)


def igg_text(model: SiteModel, condition: object, lang: str | None = None) -> str | None:
    """An IgG condition in words from comparator, threshold(s) and unit, e.g. "IgG < 4 g/L"."""
    if condition is None:
        return None
    lang = lang or model.lang
    f = _facts(model)
    comparator = str(f.value(condition, "comparator") or "")
    low, high = f.value(condition, "threshold"), f.value(condition, "upperThreshold")
    unit = unit_symbol(f.value(condition, "unit"), lang)
    if comparator == "between" and low is not None and high is not None:
        text = f"IgG {number(low)}–{number(high)} {unit}"
    elif low is not None:
        text = f"IgG {comparator} {number(low)} {unit}"
    else:
        text = model.label(condition, lang)
    normalised = f.value(condition, "normalisedThreshold")
    if normalised is not None and unit != "g/L":
        text += f" (= {number(normalised)} g/L)"
    if f.flag(condition, "measuredWithoutSubstitution"):
        text += f", {_t('criteria.off_substitution', lang)}"
    return text.strip()


def criterion_window(model: SiteModel, criterion: object) -> object:
    """The criterion's time window (stop criteria may state it as ekb:stopTiming)."""
    f = _facts(model)
    return f.value(criterion, "timeWindow") or f.value(criterion, "stopTiming")


def action_text(model: SiteModel, criterion: object, lang: str | None = None) -> str:
    lang = lang or model.lang
    f = _facts(model)
    text = model.label(f.value(criterion, "action"), lang) or model.label(criterion, lang)
    months = f.value(criterion, "reevaluationIntervalMonths")
    if months is not None:
        text += "; " + _t("criteria.reevaluate", lang, months=number(months))
    return text


#: (field, how several values are joined), in decision order
_LISTED_CONDITIONS = (
    ("population", " / "),
    ("therapyClass", " + "),
    ("igStartTiming", " / "),
    ("igStartBasis", " / "),
)


def conditions(model: SiteModel, criterion: object, kind: str, lang: str | None = None) -> list[str]:
    """The criterion's conditions in decision order (population → … → infections), absent ones left out."""
    lang = lang or model.lang
    f = _facts(model)
    parts: list[str] = []
    for name, joiner in _LISTED_CONDITIONS:
        labels = [model.label(value, lang) for value in f.values(criterion, name)]
        if labels:
            parts.append(joiner.join(labels))
    window = window_text(model, criterion_window(model, criterion), lang)
    if window:
        parts.append(window)
    igg = igg_text(model, f.value(criterion, "iggCondition"), lang)
    if not window and igg and kind == "start":
        parts.append(_t("criteria.any_time", lang))
    if igg:
        parts.append(igg)
    infection = f.value(criterion, "infectionRequirement")
    if infection is not None and not (kind == "stop" and infection == ekb["infection-none"]):
        if not (infection == ekb["infection-none"] and not igg):
            parts.append(model.label(infection, lang))
    return parts


def criterion_anchor(criterion: object) -> str:
    """The HTML id of a criterion on its publication's page (the criterion IRI's last segment), so that
    table marks can link to the criterion they are derived from."""
    return "criterion-" + str(criterion).rstrip("/").rsplit("/", 1)[-1].lower()


def rule_order(model: SiteModel, criteria: list[object]) -> dict[str, str]:
    """{criterion: its position in the order the rules are applied ("1" decides first)}, for criteria with
    a priority. Pages show this position, never the internal ekb:priority numbers (issue 18 §6); rules of
    equal priority share a position."""
    f = _facts(model)
    priorities = {str(c): f.value(c, "priority") for c in criteria}
    levels = sorted({float(p) for p in priorities.values() if p is not None}, reverse=True)
    rank = {level: str(i) for i, level in enumerate(levels, start=1)}
    return {c: rank[float(p)] for c, p in sorted(priorities.items()) if p is not None}


@dataclass
class _Node:
    label: str
    children: dict[str, _Node] = field(default_factory=dict)
    leaves: list[str] = field(default_factory=list)


def flowchart(model: SiteModel, criteria: list[tuple[object, str]], lang: str | None = None) -> str:
    """Mermaid source of the decision tree of `criteria` ((criterion, "start"|"stop") pairs)."""
    lang = lang or model.lang
    lines = ["flowchart LR"]
    counter = iter(range(1, 10_000))
    # Mermaid stacks unconnected subgraphs bottom-up in declaration order: declare "stop" first so
    # that "start" is drawn on top.
    for kind in ("stop", "start"):
        selected = [c for c, k in criteria if k == kind]
        if not selected:
            continue
        paths = [conditions(model, criterion, kind, lang) for criterion in selected]
        order = rule_order(model, selected)
        # Conditions every rule of this kind shares (e.g. both therapy classes) are said once, at the root.
        shared = [part for part in paths[0] if all(part in path for path in paths[1:])] if len(paths) > 1 else []
        root = _Node("\n".join([_t(f"criteria.{kind}", lang), *shared]))
        for criterion, path in zip(selected, paths, strict=True):
            node = root
            for part in (p for p in path if p not in shared):
                node = node.children.setdefault(part, _Node(part))
            leaf = action_text(model, criterion, lang)
            if str(criterion) in order:
                leaf += " (" + messages.text("site_method.criteria.order", lang, rank=order[str(criterion)]) + ")"
            node.leaves.append(leaf)
        lines.append(f"  subgraph {kind}_rules [\"{mermaid_label(_t(f'criteria.{kind}', lang))}\"]")
        lines.append("  direction LR")
        root_id = f"{kind}{next(counter)}"
        root_text = "<br>".join(mermaid_label(line) for line in root.label.split("\n"))
        lines.append(f"  {root_id}([\"{root_text}\"])")
        _emit(root, root_id, kind, lines, counter)
        lines.append("  end")
    lines.append("  classDef action fill:#e8f5e9,stroke:#2e7d32,color:#1b5e20")
    lines.append("  classDef stopaction fill:#fff3e0,stroke:#ef6c00,color:#e65100")
    return "\n".join(lines) + "\n"


def _emit(node: _Node, node_id: str, kind: str, lines: list[str], counter) -> None:
    for child in node.children.values():
        labels = [child.label]
        current = child
        # Collapse chains of single conditions into one box.
        while len(current.children) == 1 and not current.leaves:
            current = next(iter(current.children.values()))
            labels.append(current.label)
        child_id = f"{kind}{next(counter)}"
        text = "<br>".join(mermaid_label(label) for label in labels)
        lines.append(f"  {child_id}[\"{text}\"]")
        lines.append(f"  {node_id} --> {child_id}")
        _emit(current, child_id, kind, lines, counter)
    for leaf in node.leaves:
        leaf_id = f"{kind}{next(counter)}"
        css = "action" if kind == "start" else "stopaction"
        lines.append(f"  {leaf_id}[[\"{mermaid_label(leaf)}\"]]:::{css}")
        lines.append(f"  {node_id} --> {leaf_id}")

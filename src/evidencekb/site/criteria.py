"""Start/stop criteria in words, and the decision flowchart generated from them (Mermaid).

The flowchart is built only from the structured criteria (population, therapy class, timing of an
ongoing immunoglobulin start, time window, IgG condition, infection requirement, action), so it
cannot drift from the rules that `evidencekb recommend` evaluates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import URIRef

from evidencekb.namespaces import EKB, UNIT
from evidencekb.site.model import SiteModel
from evidencekb.site.text import mermaid_label, number

UNIT_NAMES = {
    "da": {UNIT.DAY: ("dag", "dage"), UNIT.WK: ("uge", "uger"), UNIT.MO: ("måned", "måneder"),
           UNIT.YR: ("år", "år")},
    "en": {UNIT.DAY: ("day", "days"), UNIT.WK: ("week", "weeks"), UNIT.MO: ("month", "months"),
           UNIT.YR: ("year", "years")},
}
UNIT_SYMBOLS = {UNIT["GM-PER-L"]: "g/L", UNIT["MilliGM-PER-DeciL"]: "mg/dL", UNIT.PERCENT: "%",
                UNIT.DAY: "dage", UNIT.WK: "uger", UNIT.MO: "mdr.", UNIT.YR: "år", UNIT["PER-YR"]: "per år",
                UNIT.UNITLESS: "", UNIT.NUM: "", UNIT["GM-PER-KiloGM"]: "g/kg"}
WORDS = {
    "da": {"after": "efter", "regardless_igg": "uanset IgG", "off_sub": "målt uden substitution",
           "any_time": "hele perioden", "priority": "prioritet", "every": "revurder hver",
           "months": "måned", "start": "Opstart", "stop": "Seponering", "reevaluate": "revurder hver"},
    "en": {"after": "after", "regardless_igg": "regardless of IgG", "off_sub": "measured off substitution",
           "any_time": "whole period", "priority": "priority", "every": "re-evaluate every",
           "months": "month", "start": "Start", "stop": "Stop", "reevaluate": "re-evaluate every"},
}


def unit_symbol(unit: object) -> str:
    if unit is None:
        return ""
    return UNIT_SYMBOLS.get(URIRef(str(unit)), str(unit).rsplit("/", 1)[-1])


def _offset(value: object, unit: object, lang: str) -> str:
    names = UNIT_NAMES[lang].get(URIRef(str(unit)) if unit is not None else None)  # type: ignore[arg-type]
    text = number(value)
    if not names:
        return f"{text} {unit_symbol(unit)}".strip()
    return f"{text} {names[0] if text == '1' else names[1]}"


def window_text(model: SiteModel, window: object, lang: str = "da") -> str | None:
    """A time window in words from its structured bounds, e.g. "< 6 måneder efter …"."""
    if window is None:
        return None
    start = model.value(window, EKB.fromOffset)
    until = model.value(window, EKB.untilOffset)
    from_incl = str(model.value(window, EKB.fromInclusive) or "true").lower() == "true"
    until_incl = str(model.value(window, EKB.untilInclusive) or "false").lower() == "true"
    start_text = _offset(start, model.value(window, EKB.fromUnit), lang) if start is not None else None
    until_text = _offset(until, model.value(window, EKB.untilUnit), lang) if until is not None else None
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
    event = model.value(window, EKB.indexEvent)
    event_text = f"{WORDS[lang]['after']} {model.label(event, lang)}" if event is not None else ""
    text = f"{bounds} {event_text}".strip()
    return text or model.text(window, EKB.timeWindowText)


def igg_text(model: SiteModel, condition: object, lang: str = "da") -> str | None:
    """An IgG condition in words from comparator, threshold(s) and unit, e.g. "IgG < 4 g/L"."""
    if condition is None:
        return None
    comparator = str(model.value(condition, EKB.comparator) or "")
    low = model.value(condition, EKB.threshold)
    high = model.value(condition, EKB.upperThreshold)
    unit = unit_symbol(model.value(condition, EKB.unit))
    if comparator == "between" and low is not None and high is not None:
        text = f"IgG {number(low)}–{number(high)} {unit}"
    elif low is not None:
        text = f"IgG {comparator} {number(low)} {unit}"
    else:
        text = model.label(condition, lang)
    normalised = model.value(condition, EKB.normalisedThreshold)
    if normalised is not None and unit != "g/L":
        text += f" (= {number(normalised)} g/L)"
    if str(model.value(condition, EKB.measuredWithoutSubstitution) or "").lower() == "true":
        text += f", {WORDS[lang]['off_sub']}"
    return text.strip()


def criterion_window(model: SiteModel, criterion: object) -> object:
    """The criterion's time window (stop criteria may state it as ekb:stopTiming)."""
    return model.value(criterion, EKB.timeWindow) or model.value(criterion, EKB.stopTiming)


def action_text(model: SiteModel, criterion: object, lang: str = "da") -> str:
    text = model.label(model.value(criterion, EKB.action), lang) or model.label(criterion, lang)
    months = model.value(criterion, EKB.reevaluationIntervalMonths)
    if months is not None:
        text += f"; {WORDS[lang]['reevaluate']} {number(months)}. {WORDS[lang]['months']}"
    return text


#: (predicate, how several values are joined), in decision order
_LISTED_CONDITIONS = (
    (EKB.population, " / "),
    (EKB.therapyClass, " + "),
    (EKB.igStartTiming, " / "),
    (EKB.igStartBasis, " / "),
)


def conditions(model: SiteModel, criterion: object, kind: str, lang: str = "da") -> list[str]:
    """The criterion's conditions in decision order (population → … → infections), absent ones left out."""
    words = WORDS[lang]
    parts: list[str] = []
    for predicate, joiner in _LISTED_CONDITIONS:
        labels = [model.label(value, lang) for value in model.values(criterion, predicate)]
        if labels:
            parts.append(joiner.join(labels))
    window = window_text(model, criterion_window(model, criterion), lang)
    if window:
        parts.append(window)
    igg = igg_text(model, model.value(criterion, EKB.iggCondition), lang)
    if not window and igg and kind == "start":
        parts.append(words["any_time"])
    if igg:
        parts.append(igg)
    infection = model.value(criterion, EKB.infectionRequirement)
    if infection is not None and not (kind == "stop" and infection == EKB["infection-none"]):
        if not (infection == EKB["infection-none"] and not igg):
            parts.append(model.label(infection, lang))
    return parts


@dataclass
class _Node:
    label: str
    children: dict[str, _Node] = field(default_factory=dict)
    leaves: list[str] = field(default_factory=list)


def flowchart(model: SiteModel, criteria: list[tuple[object, str]], lang: str = "da") -> str:
    """Mermaid source of the decision tree of `criteria` ((criterion, "start"|"stop") pairs)."""
    lines = ["flowchart LR"]
    counter = iter(range(1, 10_000))
    # Mermaid stacks unconnected subgraphs bottom-up in declaration order: declare "stop" first so
    # that "start" is drawn on top.
    for kind in ("stop", "start"):
        selected = [c for c, k in criteria if k == kind]
        if not selected:
            continue
        paths = [conditions(model, criterion, kind, lang) for criterion in selected]
        # Conditions every rule of this kind shares (e.g. both therapy classes) are said once, at the root.
        shared = [part for part in paths[0] if all(part in path for path in paths[1:])] if len(paths) > 1 else []
        root = _Node("\n".join([WORDS[lang][kind], *shared]))
        for criterion, path in zip(selected, paths, strict=True):
            node = root
            for part in (p for p in path if p not in shared):
                node = node.children.setdefault(part, _Node(part))
            leaf = action_text(model, criterion, lang)
            priority = model.value(criterion, EKB.priority)
            if priority is not None:
                leaf += f" ({WORDS[lang]['priority']} {number(priority)})"
            node.leaves.append(leaf)
        lines.append(f"  subgraph {kind}_rules [\"{mermaid_label(WORDS[lang][kind])}\"]")
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

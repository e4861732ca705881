"""Findings over the decision space — gap, overlap, boundary, disagreement — as JSON and as RDF.

* ``gap``: cells where no rule of the council fires and the answer comes from a default decision
  (ekb:DecisionDefault, data/patient-mapping.ttl: not stated by the addendum), or where the stop rule is
  not settled by the text (a source annotation names the closest rule).
* ``overlap``: cells where two matching council rules of equal ekb:priority give different decisions
  (the answer then rests on the order of their IRIs).
* ``boundary``: cut points of an ordered dimension at which the council's answer flips; the cell a
  patient exactly at the boundary falls in, the neighbouring cells, the rules that put the boundary
  there and the source annotations on them (where the wording is known to leave the boundary open).
* ``disagreement``: per secondary publication, the cells without an ongoing course where it and the
  council (both as `compare` reads them) give different start verdicts; stricter = less in favour of
  substitution than the council.

`evidencekb.revision.findings_rdf` gives the same findings as RDF.
"""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from typing import Any

from evidencekb import messages
from evidencekb.revision.cells import Cell, node_key
from evidencekb.revision.dimensions import DIMENSION_ORDER
from evidencekb.revision.evaluate import COUNCIL, VERDICT_RANK
from evidencekb.revision.model import Space

KINDS = ("gap", "overlap", "boundary", "disagreement")


def _label(space: Space, rule: str) -> str:
    return (space.rules.get(rule) or {}).get("label") or rule.rsplit("/", 1)[-1]


def _finding(kind: str, cells: list[str], rules: set[str], text: str, **extra: Any) -> dict[str, Any]:
    cells = sorted(set(cells))
    rules_sorted = sorted(r for r in rules if r)
    key = node_key(json.dumps([kind, cells, rules_sorted, sorted(extra.items(), key=str)], default=str))
    return {"id": f"{kind}-{key}", "kind": kind, "cells": cells, "rules": rules_sorted, "text": text, **extra}


def gaps(space: Space, lang: str) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str, str], list[Cell]] = defaultdict(list)
    for cell in space.cells:
        for side in ("start", "stop"):
            rule = cell.council["rule" if side == "start" else "stop_rule"]
            if (space.rules.get(rule) or {}).get("default"):
                groups[(side, rule, cell.council[side])].append(cell)
        if not cell.council.get("settled", True) and cell.council.get("annotation"):
            groups[("unsettled", str(cell.council["annotation"]), cell.council["stop"])].append(cell)
    out = []
    for (side, rule, decision), cells in sorted(groups.items()):
        if side == "unsettled":
            closest = cells[0].council["stop_rule"]
            text = messages.text("space.finding.gap-unsettled", lang, n=len(cells), note=_label(space, rule),
                                 decision=decision, closest=_label(space, closest))
            out.append(_finding("gap", [c.id for c in cells], {rule, closest}, text, decision=decision,
                                default=None, annotation=rule))
        else:
            text = messages.text(f"space.finding.gap-{side}", lang, n=len(cells), decision=decision,
                                 default=_label(space, rule), rule=rule)
            out.append(_finding("gap", [c.id for c in cells], {rule}, text, decision=decision, default=rule))
    return out


def overlaps(space: Space, lang: str) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str, tuple[str, ...]], list[Cell]] = defaultdict(list)
    for cell in space.cells:
        for side, matches in (("start", cell.start_matches), ("stop", cell.stop_matches)):
            by_priority: dict[Decimal, list[dict[str, str]]] = defaultdict(list)
            for match in matches:
                by_priority[Decimal(match["priority"])].append(match)
            for priority, rows in by_priority.items():
                if len({r["decision"] for r in rows}) > 1:
                    rules = tuple(sorted({r.get("governing") or r["rule"] for r in rows} | {r["rule"] for r in rows}))
                    groups[(side, str(priority), rules)].append(cell)
    out = []
    for (side, priority, rules), cells in sorted(groups.items()):
        decisions = sorted({r["decision"] for c in cells[:1] for r in (c.start_matches if side == "start"
                                                                         else c.stop_matches)
                            if str(Decimal(r["priority"])) == priority})
        text = messages.text("space.finding.overlap", lang, n=len(cells), side=side, priority=priority,
                             rules=", ".join(_label(space, r) for r in rules), decisions=", ".join(decisions))
        out.append(_finding("overlap", [c.id for c in cells], set(rules), text, priority=float(priority)))
    return out


def boundaries(space: Space, lang: str) -> list[dict[str, Any]]:
    out = []
    for name in ("days_since_therapy_start", "igg_g_per_l"):
        dim = space.dimensions[name]
        pieces = dim.pieces()
        index = {p.label: i for i, p in enumerate(pieces)}
        groups: dict[tuple, dict[int, Cell]] = defaultdict(dict)
        for cell in space.cells:
            others = tuple(cell.coordinates[d] for d in DIMENSION_ORDER if d != name)
            groups[others][index[cell.coordinates[name]]] = cell
        for value in sorted(dim.cuts):
            at = next((i for i, p in enumerate(pieces) if p.contains(value)), None)
            if at is None:
                continue
            sides = dim.cuts[value]
            neighbours = []
            if pieces[at].low == value and at > 0:
                neighbours.append(at - 1)
            if pieces[at].high == value and at + 1 < len(pieces):
                neighbours.append(at + 1)
            flipped: list[str] = []
            beside: set[str] = set()
            for row in groups.values():
                cell = row.get(at)
                if cell is None:
                    continue
                for n in neighbours:
                    other = row.get(n)
                    if other is not None and (other.council["start"], other.council["stop"]) != (
                            cell.council["start"], cell.council["stop"]):
                        flipped.append(cell.id)
                        beside.add(other.id)
            if not flipped:
                continue
            cut_rules = dim.cut_rules.get(value, set())
            council_rules = {r for r in cut_rules if (space.rules.get(r) or {}).get("issuer") == COUNCIL}
            rules = council_rules or set(cut_rules)
            annotations = {a for r in rules for a in (space.rules.get(r) or {}).get("annotations", ())}
            where = "own-cell" if len(sides) > 1 else next(iter(sides))
            text = messages.text(
                f"space.finding.boundary-{name}", lang, value=messages.number(value, lang),
                side=messages.text(f"space.side.{where}", lang), n=len(set(flipped)),
                rules=", ".join(_label(space, r) for r in sorted(rules)),
            )
            if annotations:
                text += " " + messages.text("space.finding.boundary-annotated", lang,
                                            notes="; ".join(_label(space, a) for a in sorted(annotations)))
            out.append(_finding("boundary", flipped, rules | annotations, text, dimension=name,
                                value=float(value) if name == "igg_g_per_l" else int(value), belongs_to=where,
                                neighbours=sorted(beside)))
    return out


def _comparable(cell: Cell) -> bool:
    return cell.coordinates["immunoglobulin"] == "none" and cell.council_verdict is not None


def disagreements(space: Space, lang: str) -> list[dict[str, Any]]:
    out = []
    for pub in sorted(space.publications):
        groups: dict[str, list[Cell]] = defaultdict(list)
        for cell in space.cells:
            source = cell.sources.get(pub)
            if not _comparable(cell) or source is None or source["verdict"] == "out-of-scope":
                continue
            theirs, ours = VERDICT_RANK.get(source["verdict"], 0), VERDICT_RANK.get(cell.council_verdict or "", 0)
            if theirs != ours:
                groups["stricter" if theirs < ours else "looser"].append(cell)
        for direction, cells in sorted(groups.items()):
            rules = {c.sources[pub]["criterion"] for c in cells} | {c.council["rule"] for c in cells}
            text = messages.text(f"space.finding.disagreement-{direction}", lang, source=space.publications[pub],
                                 n=len(cells))
            out.append(_finding("disagreement", [c.id for c in cells], rules, text, source=pub,
                                direction=direction))
    return out


def find_all(space: Space, lang: str = "en") -> list[dict[str, Any]]:
    found = gaps(space, lang) + overlaps(space, lang) + boundaries(space, lang) + disagreements(space, lang)
    return sorted(found, key=lambda f: (KINDS.index(f["kind"]), f["id"]))


def agreement(space: Space) -> dict[str, dict[str, int]]:
    """Per publication: cells compared (no ongoing course, source in scope), agreeing, stricter, looser."""
    out: dict[str, dict[str, int]] = {}
    for pub in sorted(space.publications):
        counts = {"agree": 0, "cells": 0, "stricter": 0, "looser": 0}
        for cell in space.cells:
            source = cell.sources.get(pub)
            if not _comparable(cell) or source is None or source["verdict"] == "out-of-scope":
                continue
            counts["cells"] += 1
            theirs, ours = VERDICT_RANK.get(source["verdict"], 0), VERDICT_RANK.get(cell.council_verdict or "", 0)
            counts["agree" if theirs == ours else ("stricter" if theirs < ours else "looser")] += 1
        out[pub] = counts
    return out

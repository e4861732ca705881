"""`evidencekb space`: every kind of patient the criteria tell apart, decided by the council and by every source.

The steps, one module each: `dimensions` (the partition, read from the criteria by queries/space/*.rq),
`cells` (one representative patient per cell), `evaluate` (the council by `recommend`, every publication by
`compare`'s query, batched), `findings` (gap / overlap / boundary / disagreement, and their RDF in
`findings_rdf`). This module puts them together.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from evidencekb.revision.cells import Cell
from evidencekb.revision.dimensions import Dimension, derive_dimensions, space_query
from evidencekb.revision.evaluate import COUNCIL, evaluate_cells, publications
from evidencekb.revision.findings import agreement, find_all
from evidencekb.revision.model import Space
from evidencekb.sparql.core import Engine
from evidencekb.sparql.engines import get_engine
from evidencekb.terms import Literal


def rule_info(engine: Engine | None = None, lang: str = "en") -> dict[str, dict[str, Any]]:
    """Label (in `lang`), default or not, issuer, priority, sections and annotations of every rule."""
    engine = engine or get_engine()
    info: dict[str, dict[str, Any]] = {}
    for row in engine.select(space_query("rules"), {"lang": Literal(lang)}).terms:
        entry = info.setdefault(str(row["rule"]), {"label": None, "default": False, "issuer": None,
                                                   "priority": None, "sections": set(), "annotations": set()})
        if row.get("label") is not None and entry["label"] is None:
            entry["label"] = str(row["label"])
        entry["default"] = entry["default"] or str(row.get("isDefault")).lower() in ("true", "1")
        if row.get("issuer") is not None:
            entry["issuer"] = str(row["issuer"])
        if row.get("priority") is not None:
            entry["priority"] = Decimal(str(row["priority"]))
        if row.get("section") is not None:
            entry["sections"].add(str(row["section"]))
        if row.get("annotation") is not None:
            entry["annotations"].add(str(row["annotation"]))
    return info


def decided_cells(endpoint: str | None = None, graph: str | None = None) -> tuple[dict[str, Dimension], list[Cell]]:
    """The partition and its cells, decided by the council and every source: the costly part of a space,
    the same in every language (the site builds it once for both)."""
    dims = derive_dimensions(get_engine(endpoint, graph))
    return dims, evaluate_cells(dims, endpoint, graph)


def build_space(endpoint: str | None = None, graph: str | None = None, lang: str = "en",
                decided: tuple[dict[str, Dimension], list[Cell]] | None = None) -> Space:
    """The decision space of the current project, with findings and agreement figures (`decided`: the
    result of `decided_cells` when it is already computed)."""
    engine = get_engine(endpoint, graph)
    dims, cells = decided or decided_cells(endpoint, graph)
    space = Space(dims, cells, rule_info(engine, lang))
    space.publications = {iri: pub["label"] or iri for iri, pub in publications(engine).items() if iri != COUNCIL}
    space.findings = find_all(space, lang)
    space.agreement = agreement(space)
    return space


def write_json(space: Space, path: Path | None = None) -> str:
    return json.dumps(space.to_json(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"

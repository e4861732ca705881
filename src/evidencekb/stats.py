"""Counts of nodes per class (`evidencekb stats`)."""

from __future__ import annotations

import json

from evidencekb.sparql.core import query_text
from evidencekb.sparql.engines import get_engine


def class_counts() -> list[tuple[str, str, int]]:
    """(class IRI, English label, number of nodes) for every evidencekb class in use."""
    result = get_engine().select(query_text("reports/class-counts"))
    return [(str(r["class"]), str(r["name"] or ""), int(r["count"])) for r in result.terms]


def format_counts(counts: list[tuple[str, str, int]], format_name: str = "text") -> str:
    if format_name == "json":
        return json.dumps({iri.split("#")[-1]: n for iri, _, n in counts}, indent=2)
    width = max((len(iri.split("#")[-1]) for iri, _, _ in counts), default=5)
    lines = [f"{'class'.ljust(width)}  count"]
    lines += [f"{iri.split('#')[-1].ljust(width)}  {n:5d}" for iri, _, n in counts]
    return "\n".join(lines)

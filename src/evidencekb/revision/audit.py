"""The findings of the decision space for `evidencekb audit`: computed from the rules of the current project
at audit time (the same as `evidencekb space`), as RDF, for the audit to add to the graph its checks read
(queries/audit/space-findings.rq). English text, so the report does not depend on a language.

`space_findings` gives pyoxigraph quads (`findings_triples`; no rdflib), which `checks.audit.with_extra` adds
to its copy of the store; `space_findings_graph` the same triples as an rdflib Graph (`findings_rdf`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evidencekb.revision.findings_triples import findings_quads
from evidencekb.revision.space import build_space

if TYPE_CHECKING:
    import pyoxigraph as ox
    from rdflib import Graph


def space_findings(endpoint: str | None = None, graph: str | None = None) -> list[ox.Quad]:
    return findings_quads(build_space(endpoint, graph, "en"), "en")


def space_findings_graph(endpoint: str | None = None, graph: str | None = None) -> Graph:
    from evidencekb.revision.findings_rdf import findings_graph  # rdflib

    return findings_graph(build_space(endpoint, graph, "en"), "en")

"""The findings of the decision space for `evidencekb audit`: computed from the rules of the current project
at audit time (the same as `evidencekb space`), as RDF (`findings_rdf`), for the audit to add to the graph its
checks read (queries/audit/space-findings.rq). English text, so the report does not depend on a language.
An rdflib Graph (built, not parsed: `findings_rdf`), which `checks.audit.with_extra` copies into its store."""

from __future__ import annotations

from rdflib import Graph

from evidencekb.revision.findings_rdf import findings_graph
from evidencekb.revision.space import build_space


def space_findings_graph(endpoint: str | None = None, graph: str | None = None) -> Graph:
    return findings_graph(build_space(endpoint, graph, "en"), "en")

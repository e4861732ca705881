"""Validate data against the project's SHACL shapes and whole-graph QC queries.

SHACL (`validators/*.ttl`, pyshacl) checks each node; the QC queries (`queries/qc/*.rq`) check
the graph as a whole and must return zero rows. Both report the same kind of finding.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import Graph, Namespace, URIRef
from rdflib.term import Node

from evidencekb import project
from evidencekb.namespaces import SH, bind_prefixes
from evidencekb.rdf.turtle import load_data, load_graph, load_ontology
from evidencekb.sparql.core import OxigraphEngine, query_header

SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
SHAPES = Namespace("https://w3id.org/evidencekb/shapes#")
# A node shape whose sh:or / sh:xone concerns one property names it with ekbsh:resultPath, because
# node-level results carry no sh:resultPath of their own (see validators/effect-estimate.ttl).
RESULT_PATH = SHAPES.resultPath


@dataclass(frozen=True)
class Finding:
    """One validation result: which node, which property, which rule, and why."""

    focus_node: str
    path: str
    constraint: str
    severity: str
    message: str
    value: str = ""
    shape: str = ""


@dataclass
class ValidationReport:
    findings: list[Finding]
    data_files: list[str]

    @property
    def conforms(self) -> bool:
        return not any(f.severity == "Violation" for f in self.findings)

    def to_json(self, max_findings: int | None = None) -> str:
        return json.dumps(
            {
                "conforms": self.conforms,
                "violations": sum(f.severity == "Violation" for f in self.findings),
                "results": [asdict(f) for f in self.findings[:max_findings]],
                "total_findings": len(self.findings),
                "data_files": self.data_files,
            },
            ensure_ascii=False,
            indent=2,
        )

    def to_text(self, max_findings: int | None = None) -> str:
        if not self.findings:
            return f"Conforms: {len(self.data_files)} data file(s), no violations."
        lines = []
        for f in self.findings[:max_findings]:
            where = f"{f.focus_node}" + (f"  {f.path}" if f.path else "")
            value = f"  (value: {f.value})" if f.value else ""
            lines.append(f"{f.severity.upper()}: {where}\n    {f.message}{value}\n    [{f.constraint}]")
        violations = sum(f.severity == "Violation" for f in self.findings)
        verdict = "Does not conform" if violations else "Conforms (with warnings)"
        if max_findings is not None and len(self.findings) > max_findings:
            lines.append(f"… {len(self.findings) - max_findings} more not shown (--max-violations N shows more)")
        lines.append(f"{verdict}: {violations} violation(s), {len(self.findings) - violations} other finding(s).")
        return "\n".join(lines)


def load_shapes() -> Graph:
    return load_graph([path for path in sorted(project.current().validators.glob("*.ttl"))])


def validate_graph(
    data: Graph, ontology: Graph | None = None, shapes: Graph | None = None, run_qc: bool = True
) -> list[Finding]:
    """SHACL + QC findings for a data graph (the ontology supplies class hierarchy and code lists).

    `run_qc=False` gives the SHACL findings alone (the shape tests compare those exactly).
    """
    ontology = ontology if ontology is not None else load_ontology()
    shapes = shapes if shapes is not None else load_shapes()
    merged = Graph()
    bind_prefixes(merged)
    merged.bind("ekbsh", SHAPES)
    merged += ontology
    merged += data
    _, report, _ = shacl_validate(
        merged,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    # Top-level results only: nested sh:detail results of sh:node / sh:or repeat the same problem.
    findings = [_finding(report, result, merged, shapes) for result in report.objects(None, SH.result)]
    if run_qc:
        findings += qc_findings(merged)
    return sorted(findings, key=lambda f: (f.severity != "Violation", f.focus_node, f.path, f.constraint))


def qc_findings(graph: Graph) -> list[Finding]:
    """Run every `queries/qc/*.rq`; each row it returns is a violation (zero rows = pass)."""
    engine = OxigraphEngine(graph)  # ~100x faster than rdflib for these whole-graph queries
    findings = []
    for path in sorted((project.current().queries / "qc").glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        header = query_header(text).splitlines()
        title = header[0].lstrip("# ").strip() if header else path.stem
        for row in engine.select(text).rows:
            findings.append(
                Finding(
                    focus_node=_short(graph, row.get("entity")),
                    path=_short(graph, row.get("property")),
                    constraint=f"qc:{path.stem}",
                    severity="Violation",
                    message=str(row.get("message") or title),
                    value=_short(graph, row.get("value")),
                )
            )
    return findings


def validate_paths(data_paths: Sequence[Path] | None = None) -> ValidationReport:
    """Validate the project's data (or the given files/folders instead), with ontology and shapes."""
    from evidencekb.rdf.turtle import turtle_files

    files = turtle_files(list(data_paths) if data_paths else [project.current().data])
    if data_paths:
        return ValidationReport(validate_graph(load_data(data_paths)), [str(f) for f in files])
    from evidencekb.rdf.cache import project_data, project_ontology  # parsed once, reused by tables and site

    return ValidationReport(validate_graph(project_data(), project_ontology()), [str(f) for f in files])


def _finding(report: Graph, result: Node, graph: Graph, shapes: Graph) -> Finding:
    def one(predicate: URIRef) -> Node | None:
        return report.value(result, predicate)

    severity = SEVERITIES.get(one(SH.resultSeverity), "Violation")
    path = one(SH.resultPath)
    if path is None and one(SH.sourceShape) is not None:
        path = shapes.value(one(SH.sourceShape), RESULT_PATH)
    return Finding(
        focus_node=_short(graph, one(SH.focusNode)),
        path=_short(graph, path),
        constraint=_short(graph, one(SH.sourceConstraintComponent)),
        severity=severity,
        message=str(one(SH.resultMessage) or ""),
        value=_short(graph, one(SH.value)),
        shape=_short(graph, one(SH.sourceShape)),
    )


def _short(graph: Graph, node: Node | None) -> str:
    if node is None:
        return ""
    if isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except Exception:
            return str(node)
    return str(node)

"""Validate data against the project's SHACL shapes and whole-graph QC queries.

SHACL (`validators/*.ttl`; pyshacl, or pyrudof with `engine="pyrudof"`, see `checks.shacl`) checks
each node; the QC queries (`queries/qc/*.rq`, `checks.qc`) check the graph as a whole and must
return zero rows, in a child process while pyshacl runs where they can (`checks.qc.QcInBackground`).
Both report the same kind of finding. Files are parsed once (`checks.dataset`).
A report keeps at most `max_findings` findings in memory, but always counts all of them.
"""

from __future__ import annotations

import heapq
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import NamespaceManager
from rdflib.term import Node

from evidencekb import messages, project
from evidencekb.checks.dataset import Dataset, dataset_from_graphs, load_dataset, turtle_files
from evidencekb.checks.qc import QcInBackground, Row, file_label, qc_rows
from evidencekb.checks.shacl import (
    ENGINES,
    RESULT_PATH,
    SHAPES,
    InversePath,
    Result,
    pyrudof_results,
    pyshacl_results,
)
from evidencekb.errors import InputError
from evidencekb.namespaces import bind_prefixes

__all__ = ["ENGINES", "Finding", "ValidationReport", "load_shapes", "qc_findings", "validate_graph", "validate_paths"]


@dataclass(frozen=True)
class Finding:
    """One validation result: which node, which property, which rule, and why (and in which file, if known)."""

    focus_node: str
    path: str
    constraint: str
    severity: str
    message: str
    value: str = ""
    shape: str = ""
    file: str = ""


def _order(f: Finding) -> tuple[bool, str, str, str, str, str, str]:
    return (f.severity != "Violation", f.focus_node, f.path, f.constraint, f.value, f.message, f.file)


@dataclass
class ValidationReport:
    """The findings (the first `max_findings` in report order), the count of all, and the files read."""

    findings: list[Finding]
    data_files: list[str]
    skipped_files: list[str] = field(default_factory=list)
    counts: dict[str, int] | None = None  # findings per severity; None = count `findings`

    @property
    def severity_counts(self) -> dict[str, int]:
        return self.counts if self.counts is not None else dict(Counter(f.severity for f in self.findings))

    @property
    def total(self) -> int:
        return sum(self.severity_counts.values())

    @property
    def violations(self) -> int:
        return self.severity_counts.get("Violation", 0)

    @property
    def conforms(self) -> bool:
        return self.violations == 0

    def to_json(self, max_findings: int | None = None) -> str:
        return json.dumps(
            {
                "conforms": self.conforms,
                "violations": self.violations,
                "results": [asdict(f) for f in self.findings[:max_findings]],
                "total_findings": self.total,
                "data_files": self.data_files,
                "skipped_files": self.skipped_files,
            },
            ensure_ascii=False,
            indent=2,
        )

    def to_text(self, max_findings: int | None = None, lang: str = "en") -> str:
        def say(key: str, **values: object) -> str:
            return messages.text(f"validate.report.{key}", lang, **values)

        lines = [say("skipped", path=path) for path in self.skipped_files]
        if not self.total:
            return "\n".join([say("conforms", files=len(self.data_files)), *lines])
        for f in self.findings[:max_findings]:
            where = f"{f.focus_node}" + (f"  {f.path}" if f.path else "")
            value = f"  (value: {f.value})" if f.value else ""
            source = f"  ({say('in_file', path=f.file)})" if f.file else ""
            lines.append(f"{f.severity.upper()}: {where}{source}\n    {f.message}{value}\n    [{f.constraint}]")
        shown = min(len(self.findings), max_findings) if max_findings is not None else len(self.findings)
        if shown < self.total:
            lines.append(say("more", hidden=self.total - shown, total=self.total))
        verdict = "does_not_conform" if self.violations else "conforms_with_warnings"
        lines.append(say(verdict, violations=self.violations, others=self.total - self.violations))
        return "\n".join(lines)


def load_shapes() -> Graph:
    """The project's shapes (`validators/*.ttl`) as written (pyshacl gets them lifted, see checks.shacl)."""
    files = turtle_files([project.current().validators]).turtle
    return load_dataset(files, []).graph()


def validate_dataset(
    dataset: Dataset,
    shapes: Graph | None = None,
    run_qc: bool = True,
    engine: str = "pyshacl",
    max_findings: int | None = None,
) -> tuple[list[Finding], dict[str, int]]:
    """SHACL (+ QC) findings on a parsed dataset: the first `max_findings` in report order and the counts."""
    with QcInBackground(dataset) if run_qc else nullcontext() as qc:  # the QC queries run meanwhile
        shapes = shapes if shapes is not None else load_shapes()
        names = _names(dataset.prefixes)
        if engine == "pyshacl":
            results = pyshacl_results(dataset.graph(), shapes)
        elif engine == "pyrudof":
            triples = (ox.Triple(q.subject, q.predicate, q.object) for q in dataset.store)
            results = pyrudof_results(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8"), shapes)
        else:
            raise InputError(f"unknown validation engine {engine!r} (use one of: {', '.join(ENGINES)})")
        findings: Iterable[Finding] = (_shacl_finding(result, shapes, names) for result in results)
        if qc is not None:
            findings = _chain(findings, _qc_findings(qc.rows(), names))
    counts: Counter[str] = Counter()

    def counted(items: Iterable[Finding]) -> Iterable[Finding]:
        for item in items:
            counts[item.severity] += 1
            yield item

    unique = counted(_unique(findings))
    if max_findings is None:
        kept = sorted(unique, key=_order)
    else:
        kept = heapq.nsmallest(max_findings, unique, key=_order)
    return kept, dict(counts)


def validate_graph(
    data: Graph,
    ontology: Graph | None = None,
    shapes: Graph | None = None,
    run_qc: bool = True,
    engine: str = "pyshacl",
) -> list[Finding]:
    """SHACL + QC findings for an already parsed data graph (the ontology supplies classes and code lists).

    `run_qc=False` gives the SHACL findings alone (the shape tests compare those exactly).
    """
    if ontology is None:
        ontology = load_dataset(turtle_files([project.current().ontology]).turtle, []).graph()
    findings, _ = validate_dataset(dataset_from_graphs(ontology, data), shapes, run_qc, engine)
    return findings


def qc_findings(dataset: Dataset | Graph, names: NamespaceManager | None = None) -> list[Finding]:
    """Run every `queries/qc/*.rq` on the dataset (or a merged graph); each row is a violation."""
    if isinstance(dataset, Graph):
        dataset = dataset_from_graphs(Graph(), dataset)
    return _qc_findings(qc_rows(dataset), names or _names(dataset.prefixes))


def _qc_findings(rows: Iterable[Row], names: NamespaceManager) -> list[Finding]:
    return [
        Finding(
            focus_node=_short(names, row.get("entity")),
            path=_short(names, row.get("property")),
            constraint=f"qc:{rule}",
            severity="Violation",
            message=str(row.get("message") or title),
            value=_short(names, row.get("value")),
            file=file_label(row.get("file")),
        )
        for rule, title, row in rows
    ]


def validate_paths(
    data_paths: Sequence[Path] | None = None, engine: str = "pyshacl", max_findings: int | None = None
) -> ValidationReport:
    """Validate the project's data (or the given files/folders instead), with ontology and shapes.

    Exit-2 errors (InputError): a path that does not exist, a file that is not Turtle, or no data
    files at all (an empty folder, or one without `.ttl` files).
    """
    current = project.current()
    files = turtle_files(list(data_paths) if data_paths else [current.data])
    if not files.turtle:
        skipped = "".join(f"\n  skipped: {path}" for path in files.skipped)
        given = ", ".join(str(p) for p in data_paths) if data_paths else str(current.data)
        raise InputError(messages.text("validate.report.no_files", "en", paths=given) + skipped)
    dataset = load_dataset(turtle_files([current.ontology]).turtle, files.turtle)
    if not any(True for _ in _data_triples(dataset)):
        names = ", ".join(str(path) for path in files.turtle)
        raise InputError(messages.text("validate.report.no_triples", "en", paths=names))
    findings, counts = validate_dataset(dataset, engine=engine, max_findings=max_findings)
    return ValidationReport(findings, [str(f) for f in files.turtle], [str(f) for f in files.skipped], counts)


def _data_triples(dataset: Dataset) -> Iterable[ox.Quad]:
    for name in dataset.data_graphs:
        yield from dataset.store.quads_for_pattern(None, None, None, name)


def _shacl_finding(result: Result, shapes: Graph, names: NamespaceManager) -> Finding:
    path = result.path
    if path is None and result.shape is not None:
        path = shapes.value(result.shape, RESULT_PATH)
    return Finding(
        focus_node=_short(names, result.focus),
        path=_short(names, path),
        constraint=_short(names, result.component),
        severity=result.severity,
        message=result.message,
        value=_short(names, result.value),
        shape=_short(names, result.shape),
    )


def _chain(*groups: Iterable[Finding]) -> Iterable[Finding]:
    for group in groups:
        yield from group


def _unique(findings: Iterable[Finding]) -> Iterable[Finding]:
    """Drop exact repeats (a property shape shared by two node shapes that target the same node)."""
    seen: set[int] = set()
    for finding in findings:
        key = hash(finding)
        if key not in seen:
            seen.add(key)
            yield finding


def _names(prefixes: dict[str, str]) -> NamespaceManager:
    graph = Graph()
    for prefix, namespace in prefixes.items():
        graph.bind(prefix, namespace, override=False)
    bind_prefixes(graph)
    graph.bind("ekbsh", SHAPES)
    return graph.namespace_manager


def _short(names: NamespaceManager, node: Node | InversePath | None) -> str:
    if node is None:
        return ""
    if isinstance(node, InversePath):
        return "^" + _short(names, node.iri)
    if isinstance(node, URIRef):
        try:
            return names.normalizeUri(node)
        except Exception:
            return str(node)
    return str(node)

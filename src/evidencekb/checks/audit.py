"""Source consistency audit: SPARQL checks in queries/audit/ that cross-check the addendum.

Each `queries/audit/<check>.rq` returns rows with at least ?finding (the node a finding is about)
and ?location (the section or table involved); optional ?entity, ?printed, ?expected, ?stated,
?counted, ?value, ?message add detail. Rows of one check and one ?finding are one finding.
Findings are information; `--strict` fails on findings not accepted in data/audit-accepted.ttl, except
those of checks whose header says `**Strict:** no` (reported for information only).

`extra` (a graph the caller computes, e.g. the findings of the decision space from `evidencekb.revision`:
an rdflib Graph or pyoxigraph quads) is added to the graph the checks run on, in a copy: the project's
shared store is not changed.

Everything is read through the engine (the checks, the accepted findings `queries/reports/audit-accepted.rq`,
the locations' labels `queries/reports/labels-da-en.rq`) as light terms: `evidencekb audit` queries the
process's one pyoxigraph store and never imports rdflib (the decision space's findings come as pyoxigraph
quads). rdflib appears only as the type of an `extra` graph or of a graph a caller (a test, the site build)
gives instead of the project's knowledge base.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from evidencekb import project
from evidencekb.namespaces import curie
from evidencekb.sparql.core import Engine, QueryResult, Term, query_header, query_text
from evidencekb.sparql.engines import get_engine, local_engine
from evidencekb.sparql.local import OxigraphEngine

if TYPE_CHECKING:
    from rdflib import Graph

DETAIL_VARIABLES = ("printed", "expected", "stated", "counted", "value", "number", "column", "kind")


@dataclass
class AuditFinding:
    check: str
    title: str
    finding: str
    message: str
    severity: str = "info"
    locations: list[str] = field(default_factory=list)
    location_labels: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)
    accepted: bool = False
    reason: str = ""
    #: False: reported for information, `--strict` does not fail on it (the check's header says **Strict:** no)
    strict: bool = True

    @property
    def new(self) -> bool:
        return self.strict and not self.accepted

    @property
    def key(self) -> tuple[str, str]:
        return (self.check, self.finding)


@dataclass(frozen=True)
class AuditCheck:
    name: str
    path: Path

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def title(self) -> str:
        header = query_header(self.text).splitlines()
        return header[0].lstrip("# ").strip() if header else self.name

    @property
    def finding_text(self) -> str:
        """The header's '**Finding:**' paragraph (it may wrap over several comment lines)."""
        header = query_header(self.text)
        if "**Finding:**" not in header:
            return self.title
        paragraph = header.split("**Finding:**", 1)[1].split("\n**", 1)[0]
        return " ".join(paragraph.split())

    @property
    def strict(self) -> bool:
        """False when the header says '**Strict:** no': its findings never fail `--strict`."""
        header = query_header(self.text)
        return not ("**Strict:**" in header and header.split("**Strict:**", 1)[1].strip().lower().startswith("no"))


def audit_checks(directory: Path | None = None) -> list[AuditCheck]:
    directory = directory or project.current().queries / "audit"
    return [AuditCheck(p.stem, p) for p in sorted(directory.glob("*.rq"))]


def run_check(check: AuditCheck, engine: Engine, labels: dict[str, str] | None = None) -> list[AuditFinding]:
    """Run one check and group its rows into findings (`labels`: `location_labels(engine)`, made if not given)."""
    result: QueryResult = engine.select(check.text)
    grouped: dict[str, AuditFinding] = {}
    values: dict[tuple[str, str], set[str]] = {}
    for row in result.terms:
        node = row.get("finding")
        if node is None:
            continue
        key = str(node)
        finding = grouped.get(key)
        if finding is None:
            message = str(row["message"]) if row.get("message") is not None else check.finding_text
            finding = grouped[key] = AuditFinding(check.name, check.title, key, message, strict=check.strict)
        _add_unique(finding.locations, row.get("location"))
        _add_unique(finding.entities, row.get("entity"))
        for name in DETAIL_VARIABLES:
            value = row.get(name)
            if value is not None:
                values.setdefault((key, name), set()).add(str(value))
    for (key, name), found in values.items():
        grouped[key].details[name] = ", ".join(sorted(found, key=_natural))  # every value, in a fixed order
    if grouped and labels is None:
        labels = location_labels(engine)
    for finding in grouped.values():
        finding.locations.sort()
        finding.entities.sort()
        finding.location_labels = [(labels or {}).get(iri) or curie(iri) for iri in finding.locations]
    return sorted(grouped.values(), key=lambda finding: finding.finding)


def _natural(text: str) -> tuple[int, int, str]:
    """Numbers in numeric order before other text, so reference lists read 4, 31, 33."""
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def accepted_findings(engine: Engine) -> dict[tuple[str, str], str]:
    """(check, finding node) → reason, from the ekb:AcceptedFinding nodes in data/."""
    rows = engine.select(query_text("reports/audit-accepted")).terms
    return {(str(row["check"]), str(row["finding"])): str(row["reason"] or "") for row in rows}


def location_labels(engine: Engine) -> dict[str, str]:
    """Node IRI → its Danish rdfs:label, else its English one (nodes with neither are left out)."""
    by_lang: dict[str, dict[str, str]] = {}
    for row in engine.select(query_text("reports/labels-da-en")).terms:
        by_lang.setdefault(str(row["node"]), {})[str(row["lang"])] = str(row["label"])
    return {node: found.get("da") or found.get("en") or "" for node, found in by_lang.items()}


def with_extra(engine: Engine, graph: Graph | None, extra: Graph | Sequence[ox.Quad]) -> Engine:
    """An engine over `engine`'s store (or `graph`) plus `extra` (an rdflib Graph, or pyoxigraph quads), in a
    new store."""
    store = ox.Store()
    base = getattr(engine, "store", None)
    if isinstance(base, ox.Store):
        store.extend(base.quads_for_pattern(None, None, None, None))
    elif graph is not None:
        store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    else:
        raise TypeError("with_extra needs an engine over a pyoxigraph store, or the graph it reads")
    if isinstance(extra, Sequence):
        store.extend(extra)
    else:
        store.load(extra.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return OxigraphEngine(store)


def collect_findings(graph: Graph | None = None, engine: Engine | None = None,
                     extra: Graph | Sequence[ox.Quad] | None = None) -> list[AuditFinding]:
    """Every finding of every check, marked accepted where data/audit-accepted.ttl says so; with `extra`,
    the checks run on the graph plus `extra`. The graph is `engine`'s, else `graph`'s, else the project's."""
    if engine is None:
        engine = local_engine(graph) if graph is not None else get_engine()
    if extra is not None:
        engine = with_extra(engine, graph, extra)
    accepted = accepted_findings(engine)
    labels = location_labels(engine)
    findings = []
    for check in audit_checks():
        for finding in run_check(check, engine, labels):
            if finding.key in accepted:
                finding.accepted, finding.reason = True, accepted[finding.key]
            findings.append(finding)
    return findings


def format_findings(findings: list[AuditFinding], format_name: str = "text") -> str:
    if format_name == "json":
        return json.dumps(
            {
                "findings": [asdict(f) for f in findings],
                "total": len(findings),
                "new": sum(f.new for f in findings),
                "information": sum(not f.strict for f in findings),
            },
            ensure_ascii=False,
            indent=2,
        )
    lines: list[str] = []
    current = None
    for finding in findings:
        if finding.check != current:
            current = finding.check
            count = sum(f.check == current for f in findings)
            lines.append(f"\n== {finding.title} ({current}: {count}) ==")
        where = ", ".join(finding.location_labels) or "—"
        status = "accepted" if finding.accepted else "NEW" if finding.strict else "information"
        lines.append(f"- [{status}] {where}: {finding.message}")
        if finding.details:
            lines.append("    " + "; ".join(f"{k}: {v}" for k, v in finding.details.items()))
        lines.append(f"    about: {', '.join(curie(e) for e in finding.entities) or curie(finding.finding)}")
    new = sum(f.new for f in findings)
    information = sum(not f.strict for f in findings)
    lines.append(f"\n{len(findings)} finding(s), {new} not in the accepted list (data/audit-accepted.ttl)"
                 + (f", {information} for information only (--strict ignores them)." if information else "."))
    return "\n".join(lines).lstrip("\n")


def run_audit(format_name: str = "text", strict: bool = False,
              extra: Graph | Sequence[ox.Quad] | None = None) -> tuple[str, int]:
    """The `evidencekb audit` command: the report text and the exit code (`extra`: see `collect_findings`)."""
    findings = collect_findings(extra=extra)
    exit_code = 1 if strict and any(f.new for f in findings) else 0
    return format_findings(findings, format_name), exit_code


def _add_unique(values: list[str], node: Term | None) -> None:
    if node is not None and str(node) not in values:
        values.append(str(node))

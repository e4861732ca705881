"""SHACL validation of the merged graph: pyshacl (the reference) or pyrudof (`--engine pyrudof`).

pyshacl re-validates every `sh:property` of a node shape once per focus node. `lift()` makes each
property shape of a targeted node shape a top-level shape with the node shape's targets, so
pyshacl validates it once for all focus nodes (2.0 s → 1 s on this project's shapes). The lifted
shape is the original node (no copy), so results still name the original shape, path and
component. Both engines' results become the same `(focus, path, component, severity)` records.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from evidencekb.errors import EvidenceKBError
from evidencekb.namespaces import SH

ENGINES = ("pyshacl", "pyrudof")
SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
SHAPES = Namespace("https://w3id.org/evidencekb/shapes#")
# A node shape whose sh:or / sh:xone concerns one property names it with ekbsh:resultPath, because
# node-level results carry no sh:resultPath of their own (see validators/effect-estimate.ttl).
RESULT_PATH = SHAPES.resultPath
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
# Shapes that use these need pyshacl's SHACL Advanced Features; otherwise `advanced=False` (faster).
ADVANCED = (SH.rule, SH.target, SH.expression, SH.condition, SH.SPARQLTarget, SH.SPARQLFunction, SH.JSFunction)
# Ways one shape refers to another: a node shape used like this must keep its sh:property links.
_REFERENCES = (SH.node, SH["not"], SH.qualifiedValueShape, SH.property)
_LISTS = (SH["or"], SH["and"], SH.xone)


@dataclass(frozen=True)
class Result:
    """One SHACL result as terms (from either engine)."""

    focus: Node | None
    path: Node | None
    component: Node | None
    severity: str
    message: str
    value: Node | None
    shape: Node | None


def lift(shapes: Graph) -> Graph:
    """A copy of `shapes` in which each targeted node shape's property shapes are top-level shapes.

    Skipped (left as they are): node shapes that other shapes refer to (sh:node, sh:or …, whose
    nested use needs the sh:property links), closed or deactivated node shapes (sh:closed reads the
    property paths), and node shapes that are classes (implicit class targets).
    """
    lifted = Graph()
    for prefix, namespace in shapes.namespaces():
        lifted.bind(prefix, namespace, override=False)
    lifted.addN((s, p, o, lifted) for s, p, o in shapes)
    referenced = {o for p in _REFERENCES for o in shapes.objects(None, p)}
    for p in _LISTS:
        for items in shapes.objects(None, p):
            referenced.update(Collection(shapes, items))
    for node_shape in {s for t in TARGETS for s in shapes.subjects(t, None)}:
        if (
            node_shape in referenced
            or (node_shape, SH.path, None) in shapes
            or shapes.value(node_shape, SH.closed) == Literal(True)
            or shapes.value(node_shape, SH.deactivated) == Literal(True)
            or {RDFS.Class, OWL.Class} & set(shapes.objects(node_shape, RDF.type))
        ):
            continue
        targets = [(t, o) for t in TARGETS for o in shapes.objects(node_shape, t)]
        for prop in list(shapes.objects(node_shape, SH.property)):
            lifted.remove((node_shape, SH.property, prop))
            lifted.add((prop, RDF.type, SH.PropertyShape))
            for predicate, target in targets:
                lifted.add((prop, predicate, target))
    return lifted


def needs_advanced(shapes: Graph) -> bool:
    return any((None, term, None) in shapes or (None, RDF.type, term) in shapes for term in ADVANCED)


def pyshacl_results(data: Graph, shapes: Graph) -> list[Result]:
    """Validate with pyshacl on the lifted shapes (top-level results only)."""
    from pyshacl import validate as shacl_validate

    _, report, _ = shacl_validate(
        data,
        shacl_graph=lift(shapes),
        inference="none",
        advanced=needs_advanced(shapes),
        allow_warnings=True,
    )
    # Top-level results only: nested sh:detail results of sh:node / sh:or repeat the same problem.
    results = []
    for result in report.objects(None, SH.result):
        def one(predicate: URIRef, result: Node = result) -> Node | None:
            return report.value(result, predicate)

        results.append(
            Result(
                focus=one(SH.focusNode),
                path=one(SH.resultPath),
                component=one(SH.sourceConstraintComponent),
                severity=SEVERITIES.get(one(SH.resultSeverity), "Violation"),  # type: ignore[arg-type]
                message=str(one(SH.resultMessage) or ""),
                value=one(SH.value),
                shape=one(SH.sourceShape),
            )
        )
    return results


def pyrudof_results(ntriples: str, shapes: Graph) -> list[Result]:
    """Validate with pyrudof (Rust): the same data as N-Triples, the original shapes."""
    try:
        import pyrudof
    except ImportError:
        raise EvidenceKBError("--engine pyrudof needs the package pyrudof (pip install pyrudof)") from None
    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    rudof.read_data(ntriples, format=pyrudof.RDFFormat.NTriples, reader_mode=pyrudof.ReaderMode.Strict)
    rudof.read_shacl(shapes.serialize(format="nt"), format=pyrudof.ShaclFormat.NTriples,
                     reader_mode=pyrudof.ReaderMode.Strict)
    report = rudof.validate_shacl()
    return [
        Result(
            focus=_term(entry.focus_node),
            path=_term(entry.path),
            component=_term(entry.constraint_component),
            severity=str(entry.severity),
            message=_message(entry.message),
            value=_term(entry.value),
            shape=_term(entry.source_shape),
        )
        for entry in report
    ]


def _term(text: str | None) -> Node | None:
    """pyrudof's printed terms as rdflib terms: IRI bare or in <>, `_:b` blank node, `"…"@lang` or
    `"…"^^<datatype>` literal (pyrudof does not escape quotes inside literals: the last quote ends it)."""
    if text is None:
        return None
    if text.startswith("_:"):
        return BNode(text[2:])
    if text.startswith('"') and text.count('"') >= 2:
        end = text.rindex('"')
        value, suffix = text[1:end], text[end + 1 :]
        if suffix.startswith("@"):
            return Literal(value, lang=suffix[1:])
        if suffix.startswith("^^"):
            return Literal(value, datatype=URIRef(suffix[2:].strip("<>")))
        return Literal(value)
    return URIRef(text.strip("<>"))


def _message(text: str | None) -> str:
    term = _term(text) if text else None
    return str(term) if term is not None else ""


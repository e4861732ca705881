"""SHACL validation of the merged graph: pyshacl (the reference) or pyrudof (`--engine pyrudof`).

pyshacl re-validates every `sh:property` of a node shape once per focus node. `lift()` makes each
property shape of a targeted node shape a top-level shape with the node shape's targets, so
pyshacl validates it once for all focus nodes (2.0 s → 1 s on this project's shapes). The lifted
shape is the original node (no copy), so results still name the original shape, path and
component. pyshacl also runs on a lean one-graph store (`rdf.onegraph`) and with the shortcuts of
`_shortcuts()` (no text descriptions, conformance-only nested shapes, parameter look-up by hash,
each constraint built once per shape, shape names formatted once): the same findings as plain
pyshacl on the shapes as written (tests/test_shacl_reference.py). Both engines' results become the
same `(focus, path, component, severity)` records.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from evidencekb.errors import EvidenceKBError
from evidencekb.namespaces import SH
from evidencekb.rdf.onegraph import one_graph

ENGINES = ("pyshacl", "pyrudof")
SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
SHAPES = Namespace("https://w3id.org/evidencekb/shapes#")
# A node shape whose sh:or / sh:xone concerns one property names it with ekbsh:resultPath, because
# node-level results carry no sh:resultPath of their own (see validators/effect-estimate.ttl).
RESULT_PATH = SHAPES.resultPath
SEVERITY = SH.resultSeverity
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
# Shapes that use these need pyshacl's SHACL Advanced Features; otherwise `advanced=False` (faster).
ADVANCED = (SH.rule, SH.target, SH.expression, SH.condition, SH.SPARQLTarget, SH.SPARQLFunction, SH.JSFunction)
# Ways one shape refers to another: a node shape used like this must keep its sh:property links.
_REFERENCES = (SH.node, SH["not"], SH.qualifiedValueShape, SH.property)
_LISTS = (SH["or"], SH["and"], SH.xone)


@dataclass(frozen=True)
class InversePath:
    """The SHACL path `[ sh:inversePath iri ]`, which both engines report in their own way."""

    iri: URIRef


@dataclass(frozen=True)
class Result:
    """One SHACL result as terms (from either engine)."""

    focus: Node | None
    path: Node | InversePath | None
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
    lifted = one_graph()
    for prefix, namespace in shapes.namespaces():
        lifted.bind(prefix, namespace, override=False)
    lifted.add_triples(shapes)
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
    """Validate with pyshacl on the lifted shapes; top-level results only.

    pyshacl's `validate()` turns every result into a report graph and a text report; with half a
    million results those took most of the memory. `_CompactValidator` keeps each result as one
    small `Result` instead (the same fields the report graph would hold).
    """
    from pyshacl.graph_abstraction import DataGraph

    validator = _compact_validator()(
        DataGraph.from_rdflib(data),
        shacl_graph=lift(shapes),
        options={"inference": "none", "advanced": needs_advanced(shapes), "allow_warnings": True},
    )
    with _shortcuts():
        _, results, _ = validator.run()
    return results


@contextmanager
def _shortcuts() -> Iterator[None]:
    """pyshacl writes a text description of every result, also of the results an `sh:or`/`sh:not`
    alternative produces and then discards (stringifying nodes: ~25 % of validation on our shapes). The
    descriptions only feed pyshacl's text report, which `_CompactValidator` never builds, so they are
    skipped while it runs (same results: tests/test_shapes.py, tests/test_validate_cli.py).

    Also, inside the shapes that `sh:or`, `sh:and`, `sh:not`, `sh:xone`, `sh:node` and
    `sh:qualifiedValueShape` check a value node against, only conformance counts: pyshacl builds
    their results in full (each with a generic message that stringifies nodes) and drops them. There
    pyshacl now runs with `abort_on_first` (a shape that failed one constraint has failed: its
    conformance is the same) and builds each result as its severity alone — what pyshacl reads of
    it (whether its severity is allowed). Results of the top-level shapes and their `sh:property`
    shapes are built as before.

    pyshacl also builds every constraint of a shape anew each time it validates the shape (once per
    value node inside `sh:or` …); `_Built` keeps one per shape. And it formats its debug messages,
    with the shape's name, whether or not they are logged; the names are formatted once.

    Same findings and messages on the shipped data, every fixture and every mutation
    (tests/test_shacl_reference.py and benchmarks/validate_bench.py compare with the unpatched pyshacl;
    tests/test_shapes.py with pyrudof).
    """
    import dataclasses

    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
    from pyshacl.constraints.constraint_component import ConstraintComponent
    from pyshacl.constraints.core.logical_constraints import (
        AndConstraintComponent,
        NotConstraintComponent,
        OrConstraintComponent,
        XoneConstraintComponent,
    )
    from pyshacl.constraints.core.shape_based_constraints import (
        NodeConstraintComponent,
        QualifiedValueShapeConstraintComponent,
    )
    from pyshacl.pytypes import SHACLExecutor
    from pyshacl.shape import Shape

    class Discarding(SHACLExecutor):
        """The executor of shapes whose results are dropped (only their conformance is read)."""

    depth = [0]  # > 0 while a shape whose results are dropped is being validated
    originals: list[tuple[type, str, object]] = []

    def patch(cls: type, name: str, function: object) -> None:
        originals.append((cls, name, cls.__dict__[name]))
        setattr(cls, name, function)

    def checks_conformance_only(evaluate):  # type: ignore[no-untyped-def]
        def run(self, executor, *args, **kwargs):  # type: ignore[no-untyped-def]
            if not isinstance(executor, Discarding):
                fields = {f.name: getattr(executor, f.name) for f in dataclasses.fields(executor)}
                executor = Discarding(**{**fields, "abort_on_first": True})
            return evaluate(self, executor, *args, **kwargs)
        return run

    validate_shape = Shape.validate

    def validate(self, executor, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not isinstance(executor, Discarding):
            return validate_shape(self, executor, *args, **kwargs)
        depth[0] += 1
        try:
            return validate_shape(self, executor, *args, **kwargs)
        finally:
            depth[0] -= 1

    names: dict[object, str] = {}
    shape_name = Shape.__str__

    def name(self):  # type: ignore[no-untyped-def]
        # pyshacl formats its debug messages (with the shape's name) whether or not they are logged
        text = names.get(self)
        if text is None:
            text = names[self] = shape_name(self)
        return text

    make_result = ConstraintComponent.make_v_result

    dropped = BNode()  # the node of every dropped result (pyshacl reads only its severity)

    def make_v_result(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if depth[0]:
            return "", dropped, [(dropped, SEVERITY, self.shape.severity)]
        return make_result(self, *args, **kwargs)

    shape_module = sys.modules[Shape.__module__]
    kept = getattr(shape_module, "CONSTRAINT_PARAMS", None)
    built = {cls: _Built(cls) for cls in set(CONSTRAINT_PARAMETERS_MAP.values())}
    shape_module.CONSTRAINT_PARAMS = (
        _Parameters(ALL_CONSTRAINT_PARAMETERS),
        {parameter: built[cls] for parameter, cls in CONSTRAINT_PARAMETERS_MAP.items()},
    )
    patch(ConstraintComponent, "make_v_result_description", lambda *args, **kwargs: "")
    patch(ConstraintComponent, "make_v_result", make_v_result)
    patch(Shape, "validate", validate)
    patch(Shape, "__str__", name)
    for component in (AndConstraintComponent, NotConstraintComponent, OrConstraintComponent, XoneConstraintComponent,
                      NodeConstraintComponent, QualifiedValueShapeConstraintComponent):
        patch(component, "evaluate", checks_conformance_only(component.__dict__["evaluate"]))
    try:
        yield
    finally:
        for cls, name, original in reversed(originals):
            setattr(cls, name, original)
        if kept is None:
            del shape_module.CONSTRAINT_PARAMS
        else:
            shape_module.CONSTRAINT_PARAMS = kept


class _Parameters(list):
    """pyshacl's list of constraint parameters, with `in` by hash: pyshacl asks `p in parameters` for every
    predicate of a shape each time it validates the shape (~17,000 times here), comparing term by term."""

    def __init__(self, items: list) -> None:
        super().__init__(items)
        self._members = frozenset(items)

    def __contains__(self, item: object) -> bool:
        return item in self._members


class _Built:
    """A constraint component class whose instances are built once per shape: pyshacl builds every
    component of a shape anew each time it validates the shape (~8,000 times here, re-reading the
    shapes graph: sh:in and sh:or lists …). A component only reads the shapes graph when it is built
    and never changes afterwards, so one instance per shape answers the same."""

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self._instances: dict[object, object] = {}

    def __call__(self, shape: object) -> object:
        instance = self._instances.get(shape)
        if instance is None:
            instance = self._instances[shape] = self.cls(shape)
        return instance


def _compact_validator() -> type:
    from pyshacl import Validator

    class _CompactValidator(Validator):
        @classmethod
        def create_validation_report(cls, sg, conforms: bool, results: list) -> tuple[list[Result], str]:
            return [_compact(sg, node, triples) for _, node, triples in results], ""

    return _CompactValidator


def _compact(sg: object, node: Node, triples: list) -> Result:
    """One pyshacl result (its report triples, objects as (graph, term) pairs) as a Result."""
    own: dict[Node, Node] = {}
    for subject, predicate, value in triples:
        if subject == node and predicate not in own:
            own[predicate] = value[1] if isinstance(value, tuple) else value
    shapes_graph = getattr(sg, "graph", sg)
    return Result(
        focus=own.get(SH.focusNode),
        path=_pyshacl_path(own.get(SH.resultPath), shapes_graph),
        component=own.get(SH.sourceConstraintComponent),
        severity=SEVERITIES.get(own.get(SH.resultSeverity), "Violation"),  # type: ignore[arg-type]
        message=str(own.get(SH.resultMessage) or ""),
        value=own.get(SH.value),
        shape=own.get(SH.sourceShape),
    )


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
            path=_pyrudof_path(entry.path),
            component=_term(entry.constraint_component),
            severity=str(entry.severity),
            message=_message(entry.message),
            value=_term(entry.value),
            shape=_term(entry.source_shape),
        )
        for entry in report
    ]


def _pyshacl_path(path: Node | None, *graphs: Graph) -> Node | InversePath | None:
    """A blank-node path as written in the shapes (only `sh:inversePath iri` is used here)."""
    if isinstance(path, BNode):
        for graph in graphs:
            inverse = graph.value(path, SH.inversePath)
            if isinstance(inverse, URIRef):
                return InversePath(inverse)
    return path


def _pyrudof_path(text: str | None) -> Node | InversePath | None:
    """pyrudof prints paths as text: `iri`, `^(iri)` for an inverse path."""
    if text and text.startswith("^(") and text.endswith(")") and "(" not in text[2:-1]:
        return InversePath(URIRef(text[2:-1].strip("<>")))
    return _term(text)


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


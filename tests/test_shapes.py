"""SHACL shapes (validators/*.ttl): coverage of the data, W3C-style fixtures, and mutations of shipped nodes.

* every class used in data/ has a node shape that targets it, and every literal-valued property
  used in data/ has a datatype constraint;
* tests/shapes/valid-minimal.ttl conforms; each tests/shapes/<Shape>-NNN.ttl, validated together
  with it, yields exactly the results listed in its `# expect:` lines (focus, path, component,
  severity — never message strings); every targeted shape has at least one such fixture;
* mutating shipped nodes (deleting a required property, retyping a literal) is reported with the
  node and the property;
* pyrudof (`validate --engine pyrudof`) gives the same (focus, path, component, severity) set as
  pyshacl on the shipped data and on every fixture.
"""

from __future__ import annotations

import random
import re
from functools import cache
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.namespace import XSD as _XSD

from evidencekb import project
from evidencekb.checks.validate import Finding, load_shapes, validate_graph
from evidencekb.namespaces import EKB, SH
from evidencekb.rdf.cache import project_ontology as ontology
from evidencekb.rdf.turtle import load_data, load_graph

FIXTURES = Path(__file__).parent / "shapes"
VALID = FIXTURES / "valid-minimal.ttl"
EXPECT = re.compile(r"^# expect:\s*(\S+)\s*\|\s*(\S+)\s*\|\s*(\S+)\s*\|\s*(\S+)\s*$")
NEGATIVE = sorted(p for p in FIXTURES.glob("*-[0-9][0-9][0-9].ttl"))


@cache
def shapes() -> Graph:
    return load_shapes()


@cache
def shipped() -> Graph:
    return load_data()


def _key(f: Finding) -> tuple[str, str, str, str]:
    return (f.focus_node, f.path or "-", f.constraint, f.severity)


def shacl(data: Graph, engine: str = "pyshacl") -> set[tuple[str, str, str, str]]:
    return {_key(f) for f in validate_graph(data, ontology(), shapes(), run_qc=False, engine=engine)}


@cache
def fixture_results(fixture: Path, engine: str = "pyshacl") -> frozenset[tuple[str, str, str, str]]:
    """SHACL results of a fixture validated together with valid-minimal.ttl (once per engine)."""
    return frozenset(shacl(load_graph([VALID] if fixture == VALID else [VALID, fixture]), engine))


# --- coverage ---------------------------------------------------------------------------------


def _targeted_classes() -> set[URIRef]:
    return {c for c in shapes().objects(None, SH.targetClass) if isinstance(c, URIRef)}


def test_every_class_in_data_has_a_shape() -> None:
    used = {c for c in shipped().objects(None, RDF.type) if isinstance(c, URIRef)}
    assert used, "no typed nodes in data/"
    missing = sorted(str(c) for c in used - _targeted_classes())
    assert not missing, f"classes used in data/ without a node shape (sh:targetClass) in validators/: {missing}"


def _datatype_paths() -> set[URIRef]:
    """Paths of property shapes that constrain the datatype (directly or through sh:or)."""
    g = shapes()
    found = set()
    for prop in g.subjects(SH.path, None):
        path = g.value(prop, SH.path)
        if not isinstance(path, URIRef):
            continue
        if g.value(prop, SH.datatype) is not None:
            found.add(path)
        for alternatives in g.objects(prop, SH["or"]):
            if any(g.value(member, SH.datatype) is not None for member in Collection(g, alternatives)):
                found.add(path)
    return found


def test_every_literal_property_in_data_has_a_datatype() -> None:
    used = {p for _, p, o in shipped() if isinstance(o, Literal)}
    missing = sorted(str(p) for p in used - _datatype_paths())
    assert not missing, f"literal-valued properties without sh:datatype in validators/: {missing}"


def test_every_targeted_shape_has_a_negative_fixture() -> None:
    g = shapes()
    targets = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
    targeted = {s for t in targets for s in g.subjects(t, None) if isinstance(s, URIRef)}
    names = {s.split("#")[-1] for s in targeted}
    covered = {p.stem.rsplit("-", 1)[0] for p in NEGATIVE}
    assert not names - covered, f"shapes without tests/shapes/<Shape>-NNN.ttl: {sorted(names - covered)}"


def test_every_shape_has_label_and_messages() -> None:
    g = shapes()
    named = {s for s in set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
             if isinstance(s, URIRef)}
    for shape in named:
        assert g.value(shape, RDFS.label) is not None, f"{shape} has no rdfs:label"
    owners = set(g.subjects(RDF.type, SH.NodeShape))
    checked = {p for owner in owners for p in g.objects(owner, SH.property)}
    checked |= set(g.subjects(RDF.type, SH.PropertyShape))
    for prop in checked:
        assert g.value(prop, SH.message) is not None, f"property shape on {g.value(prop, SH.path)} has no sh:message"
    for shape in g.subjects(SH.severity, SH.Warning):
        owner = shape if (shape, RDFS.comment, None) in g else g.value(None, SH.property, shape)
        assert "Advisory" in str(g.value(owner, RDFS.comment)), f"{shape}: a Warning must say why in rdfs:comment"


# --- fixtures ---------------------------------------------------------------------------------


def test_valid_minimal_conforms() -> None:
    findings = validate_graph(load_graph([VALID]), ontology(), shapes())
    assert findings == [], [(_key(f), f.message) for f in findings]


def _expected(path: Path) -> set[tuple[str, str, str, str]]:
    rows = {m.groups() for line in path.read_text(encoding="utf-8").splitlines() if (m := EXPECT.match(line))}
    assert rows, f"{path.name} has no '# expect:' line"
    return rows


@pytest.mark.parametrize("fixture", NEGATIVE, ids=[p.stem for p in NEGATIVE])
def test_negative_fixture(fixture: Path) -> None:
    assert fixture_results(fixture) == _expected(fixture)


# --- the two engines agree (pyshacl is the reference; `validate --engine pyrudof`) --------------------


@pytest.mark.parametrize("fixture", [VALID, *NEGATIVE], ids=[p.stem for p in [VALID, *NEGATIVE]])
def test_pyrudof_agrees_with_pyshacl_on_fixture(fixture: Path) -> None:
    assert fixture_results(fixture, "pyrudof") == fixture_results(fixture, "pyshacl")


def test_pyrudof_agrees_with_pyshacl_on_shipped_data() -> None:
    reference = shacl(shipped())
    assert reference, "expected the shipped data's advisory warnings"
    assert shacl(shipped(), "pyrudof") == reference


# --- mutations of shipped nodes -----------------------------------------------------------------

SAMPLE_PER_CLASS = 2
WRONG = {
    _XSD.integer: Literal("abc", datatype=_XSD.string),
    _XSD.decimal: Literal("abc", datatype=_XSD.string),
    _XSD.boolean: Literal("yes", datatype=_XSD.string),
    _XSD.gYear: Literal("2023", datatype=_XSD.string),
    _XSD.date: Literal("30. juli 2025", datatype=_XSD.string),
    _XSD.anyURI: Literal("abc", lang="da"),
}


def _wrong(value: Literal) -> Literal:
    """A literal of the wrong type for `value`: text loses its language tag, strings gain one, numbers become text."""
    if value.language:
        return Literal(str(value), datatype=_XSD.string)
    if value.datatype in (None, _XSD.string):
        return Literal(str(value), lang="da")
    return WRONG.get(value.datatype, Literal("abc", datatype=_XSD.string))


def _neighbourhood(data: Graph, nodes: set[URIRef]) -> Graph:
    """The mutated nodes' own triples, the triples pointing at them, and one hop out (types of values)."""
    graph = Graph()
    graph.namespace_manager = data.namespace_manager
    objects = set()
    for node in nodes:
        for p, o in data.predicate_objects(node):
            graph.add((node, p, o))
            objects.add(o)
        for s, p in data.subject_predicates(node):
            graph.add((s, p, node))
            objects.add(s)
    for other in objects - nodes:
        for p, o in data.predicate_objects(other):
            graph.add((other, p, o))
    return graph


def _superclasses(cls: URIRef) -> set[URIRef]:
    return set(ontology().transitive_objects(cls, RDFS.subClassOf))


def _required(cls: URIRef) -> set[URIRef]:
    """Simple paths the shapes require (sh:minCount / sh:qualifiedMinCount ≥ 1) on instances of cls."""
    g = shapes()
    required = set()
    for target in _superclasses(cls):
        for shape in g.subjects(SH.targetClass, target):
            if g.value(shape, SH.severity) == SH.Warning:
                continue
            for prop in g.objects(shape, SH.property):
                path = g.value(prop, SH.path)
                counts = [g.value(prop, SH.minCount), g.value(prop, SH.qualifiedMinCount)]
                if isinstance(path, URIRef) and any(c is not None and int(c) >= 1 for c in counts):
                    required.add(path)
    return required


def _mutations() -> list[tuple[URIRef, str, URIRef]]:
    """(node, 'delete'|'retype', property) for a sample of shipped nodes of every class."""
    data = shipped()
    rng = random.Random(20250730)
    mutations = []
    for cls in sorted({c for c in data.objects(None, RDF.type) if str(c).startswith(str(EKB))}):
        nodes = sorted(n for n in data.subjects(RDF.type, cls) if isinstance(n, URIRef))
        for node in rng.sample(nodes, min(SAMPLE_PER_CLASS, len(nodes))):
            for prop in sorted(_required(cls)):
                if (node, prop, None) in data:
                    mutations.append((node, "delete", prop))
            for prop in sorted({p for p, o in data.predicate_objects(node) if isinstance(o, Literal)}):
                if prop != RDFS.label or (EKB.shortName, None) not in data.predicate_objects(node):
                    mutations.append((node, "retype", prop))
    return mutations


def _batches(mutations: list[tuple[URIRef, str, URIRef]]) -> list[list[tuple[URIRef, str, URIRef]]]:
    """Pack mutations so that no node is mutated twice in one validation run."""
    batches: list[list[tuple[URIRef, str, URIRef]]] = []
    for mutation in mutations:
        for batch in batches:
            if all(m[0] != mutation[0] for m in batch):
                batch.append(mutation)
                break
        else:
            batches.append([mutation])
    return batches


def test_mutations_of_shipped_nodes_are_reported() -> None:
    data = shipped()
    short = data.namespace_manager.normalizeUri
    mutations = _mutations()
    assert len(mutations) > 100, "too few mutations: is data/ loaded?"
    missed = []
    for batch in _batches(mutations):
        graph = _neighbourhood(data, {node for node, _, _ in batch})
        for node, kind, prop in batch:
            if kind == "delete":
                graph.remove((node, prop, None))
            else:
                for value in list(graph.objects(node, prop)):
                    graph.remove((node, prop, value))
                    graph.add((node, prop, _wrong(value)))
        found = {(f.focus_node, f.path) for f in validate_graph(graph, ontology(), shapes(), run_qc=False)
                 if f.severity == "Violation"}
        missed += [f"{kind} {short(prop)} on {short(node)}" for node, kind, prop in batch
                   if (short(node), short(prop)) not in found]
    assert not missed, f"{len(missed)} mutation(s) not reported with node and path: {missed[:40]}"


def test_ontology_declares_no_owl_thing_instances() -> None:
    """Guard for the coverage test: typed data nodes are never typed with OWL/RDFS meta-classes."""
    meta = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, RDFS.Class}
    assert not {c for c in shipped().objects(None, RDF.type)} & meta, f"meta-classes typed in {project.current().data}"

"""How `validate` runs pyshacl (checks/shacl.py: property shapes lifted to top-level shapes,
`advanced=False`, a lean one-graph store, conformance-only nested shapes, no report graph) gives the
same findings — focus, path, component, severity, value AND message — as plain pyshacl on the shapes as
written (`pyshacl.validate`, `advanced=True`, rdflib's default store, the report graph), on the shipped
data and on every shape fixture (tests/shapes, each with valid-minimal.ttl).
`benchmarks/validate_bench.py compare` runs the same comparison on the mutation batches too."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from pyshacl import validate as plain_pyshacl
from rdflib import Graph

from evidencekb.checks.shacl import RESULT_PATH, SEVERITIES, _pyshacl_path, lift
from evidencekb.checks.validate import _short, load_shapes, validate_graph
from evidencekb.namespaces import SH
from evidencekb.rdf.cache import project_ontology
from evidencekb.rdf.turtle import load_data, load_graph

FIXTURES = Path(__file__).parent / "shapes"
VALID = FIXTURES / "valid-minimal.ttl"
CASES = [VALID, *sorted(FIXTURES.glob("*-[0-9][0-9][0-9].ttl"))]
Key = tuple[str, str, str, str, str, str]


@cache
def shapes() -> Graph:
    return load_shapes()


def reference(data: Graph) -> set[Key]:
    merged = Graph()
    merged.namespace_manager = data.namespace_manager
    merged += project_ontology()
    merged += data
    _, report, _ = plain_pyshacl(merged, shacl_graph=shapes(), inference="none", advanced=True, allow_warnings=True)
    names = merged.namespace_manager
    keys = set()
    for r in report.objects(None, SH.result):
        path = report.value(r, SH.resultPath) or shapes().value(report.value(r, SH.sourceShape), RESULT_PATH)
        path = _pyshacl_path(path, report, shapes())
        messages = sorted(str(m) for m in report.objects(r, SH.resultMessage))
        assert len(messages) == 1, messages  # one message per result: the comparison below is exact
        keys.add((_short(names, report.value(r, SH.focusNode)), _short(names, path) or "-",
                  _short(names, report.value(r, SH.sourceConstraintComponent)),
                  SEVERITIES[report.value(r, SH.resultSeverity)], _short(names, report.value(r, SH.value)),
                  messages[0]))
    return keys


def current(data: Graph) -> set[Key]:
    return {(f.focus_node, f.path or "-", f.constraint, f.severity, f.value, f.message)
            for f in validate_graph(data, project_ontology(), shapes(), run_qc=False)}


@pytest.mark.parametrize("fixture", CASES, ids=[p.stem for p in CASES])
def test_same_findings_as_plain_pyshacl_on_fixture(fixture: Path) -> None:
    data = load_graph([VALID] if fixture == VALID else [VALID, fixture])
    expected = reference(data)
    assert fixture == VALID or expected, f"{fixture.name}: the fixture should give findings"
    assert current(data) == expected


def test_same_findings_as_plain_pyshacl_on_shipped_data() -> None:
    data = load_data()
    expected = reference(data)
    assert expected, "expected the shipped data's advisory warnings"
    assert current(data) == expected


def test_lifting_moves_property_shapes_to_the_top_level() -> None:
    """The lifted shapes really differ from the written ones (else the tests above compare a thing with itself)."""
    written, lifted = shapes(), lift(shapes())
    assert len(set(lifted.subjects(SH.targetClass, None))) > len(set(written.subjects(SH.targetClass, None)))
    assert len(lifted) > len(written)

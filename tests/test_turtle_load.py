"""Commands that only query load Turtle with pyoxigraph: same triples as rdflib, same file:line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidencekb import project
from evidencekb.errors import InputError
from evidencekb.rdf.turtle import load_graph, load_store


def test_pyoxigraph_and_rdflib_load_the_same_triples() -> None:
    folders = [project.current().ontology, project.current().data]
    store, graph = load_store(folders), load_graph(folders)
    assert len(store) == len(graph) > 10_000
    iris = {str(q.subject.value) for q in store if type(q.subject).__name__ == "NamedNode"}
    assert iris == {str(s) for s in graph.subjects() if type(s).__name__ == "URIRef"}


@pytest.mark.parametrize("loader", [load_store, load_graph], ids=["pyoxigraph", "rdflib"])
def test_a_syntax_error_names_the_file_and_line(tmp_path: Path, loader) -> None:
    good = tmp_path / "a.ttl"
    good.write_text("@prefix ex: <http://e/> .\nex:a ex:b ex:c .\n", encoding="utf-8")
    bad = tmp_path / "b.ttl"
    bad.write_text('@prefix ex: <http://e/> .\nex:a ex:b ex:c .\nex:a ex:b "unterminated .\n', encoding="utf-8")
    with pytest.raises(InputError, match=rf"^{bad}:3: Turtle syntax error: .+\(fix the file"):
        loader([tmp_path])


def test_relative_iris_resolve_against_the_file(tmp_path: Path) -> None:
    path = tmp_path / "rel.ttl"
    path.write_text("<#a> <http://e/p> <other.ttl#b> .\n", encoding="utf-8")
    store = load_store([path])
    (quad,) = list(store)
    assert quad.subject.value == path.resolve().as_uri() + "#a"
    (triple,) = list(load_graph([path]))
    assert str(triple[0]) == quad.subject.value and str(triple[2]) == quad.object.value

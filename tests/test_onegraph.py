"""`rdf.onegraph.OneGraph` answers every pattern look-up exactly as rdflib's Graph on its SimpleMemory
store does (same items, same order), and counts its triples right through adds and removals."""

from __future__ import annotations

import random

import pytest
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.paths import MulPath, OneOrMore
from rdflib.plugins.stores.memory import SimpleMemory

from evidencekb.rdf.onegraph import OneGraph, one_graph


def graphs(seed: int) -> tuple[OneGraph, Graph, list]:
    rnd = random.Random(seed)
    nodes = [URIRef(f"https://example.org/n{i}") for i in range(12)] + [BNode(f"b{i}") for i in range(3)]
    predicates = [URIRef(f"https://example.org/p{i}") for i in range(4)]
    objects = [*nodes, Literal("x"), Literal("1", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer")),
               Literal("x", lang="da"), Literal("")]
    triples = [(rnd.choice(nodes), rnd.choice(predicates), rnd.choice(objects)) for _ in range(150)]
    fast, plain = one_graph(), Graph(store=SimpleMemory())
    fast.add_triples(triples[:100])  # the bulk path
    for triple in triples[100:]:  # and the one-by-one path
        fast.add(triple)
    for triple in triples:
        plain.add(triple)
    return fast, plain, [None, *nodes[:5], *predicates, *objects[-4:], URIRef("https://example.org/absent")]


def test_same_answers_in_the_same_order() -> None:
    for seed in range(5):
        fast, plain, terms = graphs(seed)
        assert len(fast) == len(plain)
        for s in terms:
            assert list(fast.predicate_objects(s)) == list(plain.predicate_objects(s))
            assert list(fast.predicate_objects(s, unique=True)) == list(plain.predicate_objects(s, unique=True))
            for p in terms:
                assert list(fast.objects(s, p)) == list(plain.objects(s, p))
                assert list(fast.subjects(s, p)) == list(plain.subjects(s, p))  # here: predicate, object
                assert list(fast.subject_objects(p)) == list(plain.subject_objects(p))
                for o in terms:
                    assert list(fast.triples((s, p, o))) == list(plain.triples((s, p, o))), (s, p, o)
                    assert ((s, p, o) in fast) == ((s, p, o) in plain)
        subject = next(iter(plain.subjects()))
        path = MulPath(next(iter(plain.predicates())), OneOrMore)
        assert sorted(fast.triples((subject, path, None))) == sorted(plain.triples((subject, path, None)))
        assert list(fast.objects([subject], None)) == list(plain.objects([subject], None))


def test_items_reads_an_rdf_list_as_rdflib_does() -> None:
    members = [URIRef("https://example.org/a"), Literal("b"), Literal(3)]
    fast, plain = one_graph(), Graph(store=SimpleMemory())
    loop, second = BNode("loop"), BNode("second")
    for graph in (fast, plain):
        Collection(graph, BNode("head"), members)
        for triple in ((loop, RDF.first, members[0]), (loop, RDF.rest, second),
                       (second, RDF.first, members[1]), (second, RDF.rest, loop)):  # back to its start
            graph.add(triple)
    assert list(fast.items(BNode("head"))) == list(plain.items(BNode("head"))) == members
    for graph in (fast, plain):
        with pytest.raises(ValueError, match="recursive"):
            list(graph.items(loop))


def test_length_through_adds_and_removals() -> None:
    fast, plain, _ = graphs(7)
    fast.add_triples(list(plain)[:20])  # nothing new
    assert len(fast) == len(plain)
    some = list(plain)[:30]
    for triple in some:
        fast.remove(triple)
        plain.remove(triple)
    assert len(fast) == len(plain)
    fast.add(some[0])
    plain.add(some[0])
    assert len(fast) == len(plain) and set(fast) == set(plain)

"""An rdflib graph on a lean store, for pyshacl: `one_graph()`.

rdflib's default store ("Memory") keeps, for every triple, the set of graphs it is in, and checks that
set on every look-up; pyshacl makes ~150,000 look-ups validating this project. A graph validated by
pyshacl is one graph, so `OneGraphStore` is rdflib's plain `SimpleMemory` (three dict indexes, no
per-triple contexts) that reports itself as context- and graph-aware (pyshacl wraps every data graph
in an rdflib Dataset, which insists on that) and keeps count of its triples instead of counting them on every `len()`.
Every look-up answers from the one graph, whatever context is asked for: use it for one graph only.

`OneGraph` is an rdflib `Graph` whose look-ups by pattern (`triples`, `objects`, `subjects`,
`predicate_objects`, `subject_objects`, and so `value`, `items`, `in`) read that store's indexes directly
instead of through rdflib's three layers of generators: the same answers in the same order, ≈3× faster
a look-up. `add_triples` fills the indexes in one loop (building the graph ≈2× faster than `addN`).
Building the graph and validating are faster (benchmarks/RESULTS.md, "validate").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import repeat
from typing import Any

from rdflib import RDF, Graph
from rdflib.paths import Path
from rdflib.plugins.stores.memory import SimpleMemory

_NONE: dict = {}  # an index entry that is not there (never written to)
_FIRST, _REST = RDF.first, RDF.rest


class OneGraphStore(SimpleMemory):
    """`SimpleMemory` holding one graph, acceptable to rdflib's Dataset (see the module docstring)."""

    context_aware = True
    graph_aware = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._size: int | None = 0  # None: not known (after a removal)

    @property
    def indexes(self) -> tuple[dict, dict, dict]:
        """SimpleMemory's own indexes: spo[s][p][o], pos[p][o][s], osp[o][s][p] (each value 1)."""
        return self._SimpleMemory__spo, self._SimpleMemory__pos, self._SimpleMemory__osp  # type: ignore[attr-defined]

    def add(self, triple: Any, context: Any, quoted: bool = False) -> None:
        if self._size is not None:
            s, p, o = triple
            self._size += o not in self.indexes[0].get(s, _NONE).get(p, _NONE)
        super().add(triple, context, quoted)

    def add_triples(self, triples: Iterable[tuple[Any, Any, Any]]) -> None:
        """Add many triples: what `add` does for each, in one loop (no events, no context; known triples skipped)."""
        spo, pos, osp = self.indexes
        added = 0
        for s, p, o in triples:
            objects = _inner(spo, s, p)
            if o in objects:
                continue
            objects[o] = 1
            added += 1
            _inner(pos, p, o)[s] = 1
            _inner(osp, o, s)[p] = 1
        if self._size is not None:
            self._size += added

    def remove(self, triple: Any, context: Any = None) -> None:
        self._size = None
        super().remove(triple, context)

    def __len__(self, context: Any = None) -> int:
        if self._size is None:  # SimpleMemory counts by iterating every triple: only after a removal
            self._size = super().__len__()
        return self._size

    def add_graph(self, graph: Any) -> None:  # one graph: nothing to register
        pass

    def remove_graph(self, graph: Any) -> None:
        raise NotImplementedError("OneGraphStore holds one graph")


def _inner(index: dict, first: Any, second: Any) -> dict:
    """index[first][second], made empty where missing (one of SimpleMemory's three-level indexes)."""
    by_second = index.get(first)
    if by_second is None:
        by_second = index[first] = {}
    found = by_second.get(second)
    if found is None:
        found = by_second[second] = {}
    return found


class OneGraph(Graph):
    """An rdflib Graph on a `OneGraphStore` whose pattern look-ups read the store's indexes directly.

    Each answers exactly what rdflib's `Graph` method answers (same items, same order, lazily); a
    property path, a list of nodes or `unique=True` goes to rdflib's own method.
    """

    def __init__(self, store: OneGraphStore | None = None, **kwargs: Any) -> None:
        store = store if store is not None else OneGraphStore()
        super().__init__(store=store, **kwargs)
        self._spo, self._pos, self._osp = store.indexes

    def add_triples(self, triples: Iterable[tuple[Any, Any, Any]]) -> None:
        self.store.add_triples(triples)  # type: ignore[attr-defined]

    def triples(self, triple: Any) -> Iterator[Any]:  # type: ignore[override]
        s, p, o = triple
        if isinstance(p, Path):
            return Graph.triples(self, triple)
        if s is not None:
            by_p = self._spo.get(s, _NONE)
            if p is not None:
                objects = by_p.get(p, _NONE)
                if o is not None:
                    return iter(((s, p, o),) if o in objects else ())
                return zip(repeat(s), repeat(p), objects)
            return self._subject_triples(s, by_p, o)
        if p is not None:
            by_o = self._pos.get(p, _NONE)
            if o is not None:
                return zip(by_o.get(o, _NONE), repeat(p), repeat(o))
            return ((s, p, o) for o, subjects in by_o.items() for s in subjects)
        if o is not None:
            return ((s, p, o) for s, predicates in self._osp.get(o, _NONE).items() for p in predicates)
        return ((s, p, o) for s, by_p in self._spo.items() for p, objects in by_p.items() for o in objects)

    @staticmethod
    def _subject_triples(s: Any, by_p: dict, o: Any) -> Iterator[Any]:
        for p, objects in by_p.items():
            if o is None:
                for each in objects:
                    yield s, p, each
            elif o in objects:
                yield s, p, o

    def objects(self, subject: Any = None, predicate: Any = None, unique: bool = False) -> Iterator[Any]:
        # type: ignore[override]
        if subject is not None and predicate is not None and not unique and not isinstance(subject, list) \
                and not isinstance(predicate, Path):
            return iter(self._spo.get(subject, _NONE).get(predicate, _NONE))
        return Graph.objects(self, subject, predicate, unique)

    def subjects(self, predicate: Any = None, object: Any = None, unique: bool = False) -> Iterator[Any]:
        # type: ignore[override]
        if predicate is not None and object is not None and not unique and not isinstance(object, list) \
                and not isinstance(predicate, Path):
            return iter(self._pos.get(predicate, _NONE).get(object, _NONE))
        return Graph.subjects(self, predicate, object, unique)

    def predicate_objects(self, subject: Any = None, unique: bool = False) -> Iterator[Any]:  # type: ignore[override]
        if subject is not None and not unique:
            return ((p, o) for p, objects in self._spo.get(subject, _NONE).items() for o in objects)
        return Graph.predicate_objects(self, subject, unique)

    def subject_objects(self, predicate: Any = None, unique: bool = False) -> Iterator[Any]:  # type: ignore[override]
        if predicate is not None and not unique and not isinstance(predicate, Path):
            return ((s, o) for o, subjects in self._pos.get(predicate, _NONE).items() for s in subjects)
        return Graph.subject_objects(self, predicate, unique)


    def items(self, list: Any) -> Iterator[Any]:  # noqa: A002 (rdflib's name)
        """rdflib's `items` (the members of an RDF list) without looking up rdf:first/rdf:rest by name each step."""
        chain = {list}
        while list:
            item = self.value(list, _FIRST)
            if item is not None:
                yield item
            list = self.value(list, _REST)
            if list in chain:
                raise ValueError("List contains a recursive rdf:rest reference")
            chain.add(list)


def one_graph() -> OneGraph:
    """An empty rdflib graph on a `OneGraphStore`."""
    return OneGraph()

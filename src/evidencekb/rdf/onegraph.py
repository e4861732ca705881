"""An rdflib graph on a lean store, for pyshacl: `one_graph()`.

rdflib's default store ("Memory") keeps, for every triple, the set of graphs it is in, and checks that
set on every look-up; pyshacl makes ~150,000 look-ups validating this project. A graph validated by
pyshacl is one graph, so `OneGraphStore` is rdflib's plain `SimpleMemory` (three dict indexes, no
per-triple contexts) that reports itself as context- and graph-aware (pyshacl wraps every data graph
in an rdflib Dataset, which insists on that) and counts its triples once instead of on every `len()`.
Every look-up answers from the one graph, whatever context is asked for: use it for one graph only.
Building the graph is ≈2× faster and pyshacl ≈10–15 % (benchmarks/RESULTS.md, "validate").
"""

from __future__ import annotations

from typing import Any

from rdflib import Graph
from rdflib.plugins.stores.memory import SimpleMemory


class OneGraphStore(SimpleMemory):
    """`SimpleMemory` holding one graph, acceptable to rdflib's Dataset (see the module docstring)."""

    context_aware = True
    graph_aware = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._size: int | None = None

    def add(self, triple: Any, context: Any, quoted: bool = False) -> None:
        self._size = None
        super().add(triple, context, quoted)

    def remove(self, triple: Any, context: Any = None) -> None:
        self._size = None
        super().remove(triple, context)

    def __len__(self, context: Any = None) -> int:
        if self._size is None:  # SimpleMemory counts by iterating every triple
            self._size = super().__len__()
        return self._size

    def add_graph(self, graph: Any) -> None:  # one graph: nothing to register
        pass

    def remove_graph(self, graph: Any) -> None:
        raise NotImplementedError("OneGraphStore holds one graph")


def one_graph() -> Graph:
    """An empty rdflib graph on a `OneGraphStore`."""
    return Graph(store=OneGraphStore())

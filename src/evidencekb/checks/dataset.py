"""What `validate` reads: the ontology and the data files, parsed once, each file kept apart.

Every Turtle file is parsed with pyoxigraph (≈20× faster than rdflib's parser) into a store
in which each file is its own named graph, named by the file's `file:` IRI, and the ontology's
files together form one graph named by the ontology folder's IRI. From that store come

* `graph()` — ontology + data as ONE rdflib graph (built once, no `+=`), for pyshacl;
* `store` / `graph_names` — for the QC queries (`checks.qc`), which see the merged graph as their
  default graph and the data files as named graphs, so a query can say which FILE a triple is in.

A syntax error names the file and line. `turtle_files()` also lists the files it skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from evidencekb.errors import InputError
from evidencekb.namespaces import bind_prefixes
from evidencekb.rdf.onegraph import one_graph
from evidencekb.rdf.terms import from_oxigraph, to_oxigraph

#: The named graph that holds the ontology's files in the QC queries' dataset (`GRAPH <…> { }`).
ONTOLOGY_GRAPH = "https://w3id.org/evidencekb/graph/ontology"
#: The named graph of data given as an already parsed graph (no file names known).
DATA_GRAPH = "https://w3id.org/evidencekb/graph/data"


@dataclass
class FileList:
    """Turtle files to read, and the files under the given folders that were not Turtle."""

    turtle: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)


def turtle_files(paths: Iterable[Path]) -> FileList:
    """Expand files and folders into sorted `.ttl` files; other files in folders are listed as skipped.

    A file given by name is read whatever its suffix; a missing path is an error (exit 2).
    """
    found = FileList()
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for candidate in sorted(p for p in path.rglob("*") if p.is_file()):
                hidden = any(part.startswith(".") for part in candidate.relative_to(path).parts)
                if candidate.suffix == ".ttl" and not hidden:
                    found.turtle.append(candidate)
                else:
                    found.skipped.append(candidate)
        elif path.is_file():
            found.turtle.append(path)
        else:
            raise InputError(f"{path}: no such file or folder (give Turtle files or folders that contain them)")
    return found


def _load(store: ox.Store, path: Path, graph: ox.NamedNode) -> dict[str, str]:
    """Load one Turtle file into `graph` of `store`; its prefixes. A syntax error names the file and line.

    The file is read twice: pyoxigraph's parser gives the prefixes (and the error, before anything is
    loaded), and `Store.load` the triples without making a Python object of each (≈2× faster).
    """
    base = path.resolve().as_uri()
    try:
        parser = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=base)
        for _ in parser:
            pass
        store.load(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=base, to_graph=graph)
    except SyntaxError as error:
        where = f":{error.lineno}" if error.lineno else ""
        reason = str(error.msg).split(": ", 1)[-1]
        raise InputError(f"{path}{where}: Turtle syntax error: {reason} (fix the file and run the command again)") \
            from None
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror or error})") from None
    return dict(parser.prefixes)


@dataclass
class Dataset:
    """The parsed files: a pyoxigraph store with one named graph per data file (see module docstring)."""

    store: ox.Store
    ontology_graph: ox.NamedNode
    data_graphs: list[ox.NamedNode]
    prefixes: dict[str, str]
    _graph: Graph | None = None

    @property
    def graph_names(self) -> list[ox.NamedNode]:
        return [self.ontology_graph, *self.data_graphs]

    def graph(self) -> Graph:
        """Ontology + data as one rdflib graph (what pyshacl validates), built on first use."""
        if self._graph is None:
            graph = one_graph()  # lean store: ≈2× faster to build, faster for pyshacl
            for prefix, namespace in self.prefixes.items():
                graph.bind(prefix, namespace, override=False)
            bind_prefixes(graph)
            convert = from_oxigraph
            graph.add_triples((convert(q.subject), convert(q.predicate), convert(q.object))
                              for q in self.store.quads_for_pattern(None, None, None))
            self._graph = graph
        return self._graph


def load_dataset(ontology_files: Sequence[Path], data_files: Sequence[Path]) -> Dataset:
    """Parse every file once: the ontology's into `ONTOLOGY_GRAPH`, each data file into its own graph."""
    store = ox.Store()
    prefixes: dict[str, str] = {}
    ontology_graph = ox.NamedNode(ONTOLOGY_GRAPH)
    data_graphs = []
    for path in ontology_files:
        prefixes.update(_load(store, path, ontology_graph))
    for path in data_files:
        name = ox.NamedNode(path.resolve().as_uri())
        prefixes.update(_load(store, path, name))
        data_graphs.append(name)
    return Dataset(store, ontology_graph, data_graphs, prefixes)


def dataset_from_graphs(ontology: Graph, data: Graph) -> Dataset:
    """The same view of graphs that are already parsed (no file names: the data is one graph)."""
    store = ox.Store()
    ontology_graph, data_graph = ox.NamedNode(ONTOLOGY_GRAPH), ox.NamedNode(DATA_GRAPH)
    for source, name in ((ontology, ontology_graph), (data, data_graph)):
        store.extend(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), name) for s, p, o in source)
    prefixes = {prefix: str(namespace) for prefix, namespace in data.namespaces()}
    merged = one_graph()
    for prefix, namespace in prefixes.items():
        merged.bind(prefix, namespace, override=False)
    bind_prefixes(merged)
    merged.add_triples(ontology)
    merged.add_triples(data)
    return Dataset(store, ontology_graph, [data_graph], prefixes, merged)

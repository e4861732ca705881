"""Load the knowledge base: the ontology plus data Turtle files, with clear errors on bad input.

Two loaders read the same files with the same base IRI (each file's `file:` URI):

* `load_store` — pyoxigraph, ~25× faster: what every command that only queries uses.
* `load_graph` — rdflib, for pyshacl (`validate`, `build`, `load`) and the rdflib reference engine.

A syntax error names the file and line in both (exit 2).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from evidencekb import project
from evidencekb.errors import InputError

if TYPE_CHECKING:
    import pyoxigraph
    from rdflib import Graph

_LINE_PATTERN = re.compile(r"at line (\d+)")
_REASON_PATTERN = re.compile(r"Bad syntax \(([^)]*)\)")


def turtle_files(paths: Iterable[Path]) -> list[Path]:
    """Expand files and folders into a sorted list of `.ttl` files; missing paths are an error."""
    found: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.ttl") if p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            raise InputError(f"{path}: no such file or folder (give Turtle files or folders that contain them)")
    return found


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror})") from None


def _syntax_error(path: Path, line: str, summary: str) -> InputError:
    return InputError(f"{path}{line}: Turtle syntax error: {summary} (fix the file and run the command again)")


def parse_turtle(graph: Graph, path: Path) -> None:
    """Parse one Turtle file into an rdflib `graph`; a syntax error names the file and line."""
    text = _read(path)
    try:
        graph.parse(data=text, format="turtle", publicID=path.resolve().as_uri())
    except Exception as error:  # rdflib raises several exception types for bad Turtle
        message = str(error)
        match = _LINE_PATTERN.search(message)
        line = f":{match.group(1)}" if match else ""
        reason = _REASON_PATTERN.search(message)
        raise _syntax_error(path, line, reason.group(1) if reason else " ".join(message.split())[:300]) from None


def load_turtle(store: pyoxigraph.Store, path: Path) -> None:
    """Parse one Turtle file into a pyoxigraph `store` (default graph); errors name the file and line."""
    import pyoxigraph as ox

    data = _read(path).encode("utf-8")
    try:
        store.load(data, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri())
    except SyntaxError as error:
        line = f":{error.lineno}" if error.lineno else ""
        summary = str(error.msg if error.msg else error)
        summary = re.sub(r"^Parser error (at|between) line \d+ column \d+( and line \d+ column \d+)?: ", "", summary)
        raise _syntax_error(path, line, " ".join(summary.split())[:300]) from None


def load_store(paths: Sequence[Path]) -> pyoxigraph.Store:
    """Parse every Turtle file found under `paths` into one in-memory pyoxigraph store."""
    import pyoxigraph as ox

    store = ox.Store()
    for path in turtle_files(paths):
        load_turtle(store, path)
    return store


def load_graph(paths: Sequence[Path]) -> Graph:
    """Parse every Turtle file found under `paths` into one rdflib graph."""
    from rdflib import Graph

    from evidencekb.namespaces import bind_prefixes

    graph = Graph()
    bind_prefixes(graph)
    for path in turtle_files(paths):
        parse_turtle(graph, path)
    return graph


def load_ontology() -> Graph:
    """The project's ontology and code lists."""
    return load_graph([project.current().ontology])


def load_data(data_paths: Sequence[Path] | None = None) -> Graph:
    """The data graph: the project's `data/` or the given files and folders instead."""
    return load_graph(list(data_paths) if data_paths else [project.current().data])

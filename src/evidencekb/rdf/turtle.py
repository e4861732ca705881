"""Load the knowledge base: the ontology plus data Turtle files, with clear errors on bad input."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from rdflib import Graph

from evidencekb import project
from evidencekb.errors import InputError
from evidencekb.namespaces import bind_prefixes

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


def parse_turtle(graph: Graph, path: Path) -> None:
    """Parse one Turtle file into `graph`; a syntax error names the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror})") from None
    try:
        graph.parse(data=text, format="turtle", publicID=path.resolve().as_uri())
    except Exception as error:  # rdflib raises several exception types for bad Turtle
        message = str(error)
        match = _LINE_PATTERN.search(message)
        line = f":{match.group(1)}" if match else ""
        reason = _REASON_PATTERN.search(message)
        summary = reason.group(1) if reason else " ".join(message.split())[:300]
        raise InputError(
            f"{path}{line}: Turtle syntax error: {summary} (fix the file and run the command again)"
        ) from None


def load_graph(paths: Sequence[Path]) -> Graph:
    """Parse every Turtle file found under `paths` into one graph."""
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

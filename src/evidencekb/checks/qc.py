"""Whole-graph QC: every `queries/qc/*.rq` must return zero rows; each row is a violation.

The queries run on pyoxigraph over the dataset of `checks.dataset`: the default graph is the
merge of ontology and data (so most rules simply match triples), and every data file is also a
named graph named by its `file:` IRI, the ontology being the graph `ONTOLOGY_GRAPH`. A rule that
projects `?file` (from `GRAPH ?file { … }`) gets that file named in its findings.

`validate` starts the queries with `QcInBackground` before it validates the shapes: as a job of
`evidencekb.parallel`, i.e. in a forked child process meanwhile where jobs run side by side (pyoxigraph
keeps Python's lock while it answers, so a thread would not run beside pyshacl), else right away in this
process. The rows are the same either way.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

import pyoxigraph as ox
from rdflib.term import Node

from evidencekb import parallel, project
from evidencekb.checks.dataset import Dataset
from evidencekb.rdf.terms import from_oxigraph
from evidencekb.sparql.core import query_header

Row = tuple[str, str, dict[str, Node | None]]  # rule name, title, the row's terms


def rule_files() -> list[Path]:
    return sorted((project.current().queries / "qc").glob("*.rq"))


def qc_rows(dataset: Dataset) -> Iterator[Row]:
    """(rule name, title, row) for every row any QC query returns on `dataset`."""
    for rule, title, row in _solutions(dataset):
        yield rule, title, {name: from_oxigraph(term) for name, term in row.items()}


def _solutions(dataset: Dataset) -> Iterator[tuple[str, str, dict[str, object]]]:
    """The rows as pyoxigraph terms."""
    everything = set(dataset.graph_names) == set(dataset.store.named_graphs()) and not any(
        True for _ in dataset.store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    names = dataset.graph_names
    for path in rule_files():
        text = path.read_text(encoding="utf-8")
        header = query_header(text).splitlines()
        title = header[0].lstrip("# ").strip() if header else path.stem
        if everything:  # the same default graph, ≈2× faster for the whole QC (Oxigraph plans it as one union)
            solutions = dataset.store.query(text, use_default_graph_as_union=True)
        else:
            solutions = dataset.store.query(text, default_graph=names, named_graphs=names)
        variables = [v.value for v in solutions.variables]
        for solution in solutions:
            yield path.stem, title, {name: solution[name] for name in variables}


class QcInBackground:
    """The QC rows of `dataset`, computed as a parallel job (module docstring).

    `rows()` gives what `list(qc_rows(dataset))` gives (a query's error is raised there); `close()` (or
    leaving the `with` block) stops a job whose rows were not asked for.
    """

    def __init__(self, dataset: Dataset) -> None:
        self._job = parallel.start(lambda: list(_solutions(dataset)), "QC queries")  # pyoxigraph terms pickle

    def __enter__(self) -> QcInBackground:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def rows(self) -> list[Row]:
        return [(rule, title, {name: from_oxigraph(term) for name, term in row.items()})
                for rule, title, row in self._job.result()]

    def close(self) -> None:
        self._job.stop()


def file_label(iri: Node | None) -> str:
    """A data file's graph IRI as a path the user can open (relative to the current folder if inside it)."""
    if iri is None:
        return ""
    parsed = urlparse(str(iri))
    if parsed.scheme != "file":
        return str(iri)
    path = unquote(parsed.path)
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return path
    return path if relative.startswith("..") else relative

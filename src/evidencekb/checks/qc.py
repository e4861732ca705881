"""Whole-graph QC: every `queries/qc/*.rq` must return zero rows; each row is a violation.

The queries run on pyoxigraph over the dataset of `checks.dataset`: the default graph is the
merge of ontology and data (so most rules simply match triples), and every data file is also a
named graph named by its `file:` IRI, the ontology being the graph `ONTOLOGY_GRAPH`. A rule that
projects `?file` (from `GRAPH ?file { … }`) gets that file named in its findings.

`validate` starts the queries with `QcInBackground` before it validates the shapes: on Linux, in a
single-threaded process, they run in a forked child process meanwhile (pyoxigraph keeps Python's
lock while it answers, so a thread would not run beside pyshacl), and their rows come back through
a pipe. Anywhere else, or if the child fails, the same queries run here when the rows are asked for:
the rows are the same either way.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

import pyoxigraph as ox
from rdflib.term import Node

from evidencekb import project
from evidencekb.checks.dataset import Dataset
from evidencekb.rdf.terms import from_oxigraph
from evidencekb.sparql.core import query_header

Row = tuple[str, str, dict[str, Node | None]]  # rule name, title, the row's terms
#: Set to any value to run the QC queries in the validating process itself (no child process).
NO_FORK = "EVIDENCEKB_QC_NO_FORK"


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
    """The QC rows of `dataset`, computed in a forked child process where that is safe (module docstring).

    `rows()` gives what `list(qc_rows(dataset))` gives; `close()` (or leaving the `with` block) stops a
    child whose rows were not asked for.
    """

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self._pid = 0
        self._pipe = -1
        if _may_fork():
            self._fork()

    def __enter__(self) -> QcInBackground:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _fork(self) -> None:
        try:
            read_end, write_end = os.pipe()
        except OSError:
            return
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            return
        if pid == 0:  # the child: answer, write, and leave without running anything of the parent's
            code = 1
            try:
                os.close(read_end)
                rows = [(rule, title, {name: _portable(term) for name, term in row.items()})
                        for rule, title, row in _solutions(self.dataset)]
                with os.fdopen(write_end, "wb") as pipe:
                    pipe.write(pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL))
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        self._pid, self._pipe = pid, read_end

    def rows(self) -> list[Row]:
        received = self._receive()
        if received is None:  # no child, or it failed: the same queries, here
            return list(qc_rows(self.dataset))
        return [(rule, title, {name: from_oxigraph(_term(value)) for name, value in row.items()})
                for rule, title, row in received]

    def _receive(self) -> list | None:
        if not self._pid:
            return None
        try:
            with os.fdopen(self._pipe, "rb") as pipe:
                self._pipe = -1
                data = pipe.read()
        finally:
            ok = self._wait() == 0
        if not ok:
            return None
        try:
            return pickle.loads(data)
        except Exception:
            return None

    def _wait(self) -> int:
        pid, self._pid = self._pid, 0
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status)

    def close(self) -> None:
        if self._pipe >= 0:
            os.close(self._pipe)
            self._pipe = -1
        if self._pid:
            try:
                os.kill(self._pid, signal.SIGKILL)
            except OSError:
                pass
            self._wait()


def _may_fork() -> bool:
    """Linux, not switched off, and one thread in the process (forking a threaded process is unsafe)."""
    if not sys.platform.startswith("linux") or os.environ.get(NO_FORK):
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def _portable(term: object) -> tuple[str, ...] | None:
    """A pyoxigraph term as plain strings (for the pipe); `_term` makes the same term again."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value)
    if isinstance(term, ox.BlankNode):
        return ("blank", term.value)
    if isinstance(term, ox.Literal):
        return ("literal", term.value, term.datatype.value, term.language or "")
    raise TypeError(f"unsupported RDF term {term!r}")  # the parent runs the queries itself and says why


def _term(value: tuple[str, ...] | None) -> object:
    if value is None:
        return None
    if value[0] == "iri":
        return ox.NamedNode(value[1])
    if value[0] == "blank":
        return ox.BlankNode(value[1])
    text, datatype, language = value[1:]
    return ox.Literal(text, language=language) if language else ox.Literal(text, datatype=ox.NamedNode(datatype))


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

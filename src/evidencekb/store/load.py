"""Load the knowledge base into a named graph on a SPARQL 1.1 endpoint, atomically.

`replace_graph` first checks that both endpoints answer (nothing is written otherwise), then:

* A graph whose update fits in `max_request_bytes` goes in ONE request:
  `DROP SILENT GRAPH <g> ; INSERT DATA { GRAPH <g> { … } }`.
* A larger graph (Oxigraph refuses request bodies over 128 MiB, ≈ 800 k triples) is sent in chunks
  into a fresh staging graph `<urn:evidencekb:staging:…>`, whose size is checked, and then swapped
  in by ONE `MOVE GRAPH <staging> TO GRAPH <g>` request. If a chunk fails, the staging graph is
  dropped and `<g>` is untouched.

A store that runs one request as one transaction (Oxigraph, Fuseki, GraphDB …) therefore never shows
readers of `<g>` a half-loaded graph: they see the old graph until the last request, then the new one.

A blank-node label is scoped to one request, so triples that share a blank node (directly or through
other blank nodes) always travel in the same chunk, and such chunks are sent without retry (a retry
after a lost answer would insert the blank nodes twice). Chunks of IRIs and literals are retried:
inserting the same triples again changes nothing.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rdflib import Graph

from evidencekb.errors import EndpointError, InputError
from evidencekb.sparql.core import update_text
from evidencekb.sparql.remote import (
    DEFAULT_TIMEOUT,
    check_graph_iri,
    count_triples,
    post_update,
)

#: Default size of one update request. Oxigraph's limit is 128 MiB; smaller requests also keep
#: each transaction's memory modest on other stores.
DEFAULT_MAX_REQUEST_BYTES = 32 * 1024 * 1024

_PARAMETER = "<urn:evidencekb:param:{}>"
_DATA_SLOT = "<urn:evidencekb:param:data> <urn:evidencekb:param:data> <urn:evidencekb:param:data> .\n"
_SUBJECT_BNODE = re.compile(r"^_:(\S+)\s")
_OBJECT_BNODE = re.compile(r'\s_:([^\s"<>]+)\s*\.\s*$')

Progress = Callable[[str], None]

@dataclass(frozen=True)
class Chunk:
    """Whole N-Triples lines for one INSERT DATA request."""

    text: str
    triples: int
    has_blank_nodes: bool


def graph_lines(graph: Graph) -> list[str]:
    """The graph as N-Triples lines (each ending in '\\n')."""
    return graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines(keepends=True)


def replace_graph(
    query_url: str,
    update_url: str,
    lines: Iterable[str],
    graph_iri: str,
    timeout: float = DEFAULT_TIMEOUT,
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
    progress: Progress | None = None,
) -> int:
    """Replace `<graph_iri>` with the N-Triples `lines` (one request, or chunks + MOVE); return its size."""
    graph_iri = check_graph_iri(graph_iri)
    say = progress or (lambda message: None)
    chunks = chunk_lines(lines, max_request_bytes - _wrapper_bytes(graph_iri))
    probe_endpoints(query_url, update_url, graph_iri, timeout)
    if len(chunks) <= 1:
        post_update(update_url, replace_graph_update(chunks[0].text if chunks else "", graph_iri), timeout)
        return _count_after_write(query_url, graph_iri, timeout)

    staging = f"urn:evidencekb:staging:{uuid.uuid4()}"
    sent = 0
    try:
        for number, chunk in enumerate(chunks, start=1):
            post_update(update_url, insert_data_update(chunk.text, staging), timeout, retry=not chunk.has_blank_nodes)
            sent += chunk.triples
            say(f"chunk {number}/{len(chunks)} sent ({sent:,} triples) into the staging graph <{staging}>")
        staged = count_triples(query_url, staging, timeout)
        if staged == 0 or staged > sent:
            raise EndpointError(
                f"the staging graph <{staging}> holds {staged:,} triples after {sent:,} were sent; "
                "nothing was swapped in"
            )
    except EndpointError as error:
        leftover = "" if _drop(update_url, staging, timeout) else f"; drop the leftover <{staging}> by hand"
        raise EndpointError(f"{error} — load aborted, <{graph_iri}> is unchanged{leftover}") from None

    say(f"swapping <{staging}> into <{graph_iri}> (one MOVE request)")
    try:
        # A MOVE copies every staged triple (and deletes the old ones) in one transaction: on Oxigraph it
        # takes about as long as all the chunks together, so it may wait `timeout` once per chunk.
        post_update(update_url, move_graph_update(staging, graph_iri), timeout * len(chunks), retry=False)
    except EndpointError as error:
        raise EndpointError(
            f"{error} — the final MOVE may not have run: <{graph_iri}> is either the old or the new graph, "
            f"never a mix; remove the leftover staging graph with `DROP SILENT GRAPH <{staging}>`"
        ) from None
    loaded = _count_after_write(query_url, graph_iri, timeout)
    if loaded != staged:
        raise EndpointError(f"<{graph_iri}> holds {loaded:,} triples after the MOVE, the staging graph held {staged:,}")
    return loaded


def chunk_lines(lines: Iterable[str], max_bytes: int) -> list[Chunk]:
    """Pack N-Triples lines into chunks of at most `max_bytes` (UTF-8), blank-node groups kept whole."""
    free: list[str] = []
    groups = _BlankNodeGroups()
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        line = line if line.endswith("\n") else line + "\n"
        labels = _blank_labels(line)
        if labels:
            groups.add(line, labels)
        else:
            free.append(line)

    packer = _Packer(max_bytes)
    for group in groups.lines():
        packer.add(group, has_blank_nodes=True)
    for line in free:
        packer.add([line], has_blank_nodes=False)
    return packer.chunks()


class _Packer:
    """Fills chunks in order; lines given together never straddle two chunks."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._done: list[Chunk] = []
        self._parts: list[str] = []
        self._bytes = 0
        self._triples = 0
        self._blank = False

    def add(self, lines: list[str], has_blank_nodes: bool) -> None:
        size = sum(len(line.encode("utf-8")) for line in lines)
        if size > self.max_bytes:
            what = f"{len(lines)} triples joined by blank nodes" if has_blank_nodes else "one triple"
            raise InputError(
                f"{what} need {size:,} bytes, more than one request may carry "
                f"({self.max_bytes:,}); raise --max-request-mb"
            )
        if self._bytes + size > self.max_bytes:
            self._flush()
        self._parts.extend(lines)
        self._bytes += size
        self._triples += len(lines)
        self._blank = self._blank or has_blank_nodes

    def _flush(self) -> None:
        if self._parts:
            self._done.append(Chunk("".join(self._parts), self._triples, self._blank))
        self._parts, self._bytes, self._triples, self._blank = [], 0, 0, False

    def chunks(self) -> list[Chunk]:
        self._flush()
        return self._done


class _BlankNodeGroups:
    """Union-find over blank-node labels: lines that share a blank node end up in one group."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}
        self._lines: list[tuple[str, str]] = []

    def _root(self, label: str) -> str:
        parent = self._parent.setdefault(label, label)
        while parent != label:
            grandparent = self._parent[parent]
            self._parent[label] = grandparent
            label, parent = parent, grandparent
        return label

    def add(self, line: str, labels: list[str]) -> None:
        roots = [self._root(label) for label in labels]
        for other in roots[1:]:
            self._parent[other] = roots[0]
        self._lines.append((labels[0], line))

    def lines(self) -> list[list[str]]:
        grouped: dict[str, list[str]] = {}
        for label, line in self._lines:
            grouped.setdefault(self._root(label), []).append(line)
        return list(grouped.values())


def _blank_labels(line: str) -> list[str]:
    labels = []
    subject = _SUBJECT_BNODE.match(line)
    if subject:
        labels.append(subject.group(1))
    obj = _OBJECT_BNODE.search(line)
    if obj:
        labels.append(obj.group(1))
    return labels


def store_update(name: str, graphs: dict[str, str], ntriples: str | None = None) -> str:
    """The update `queries/store/<name>.ru` with its graph parameters bound to checked IRIs.

    Each `<urn:evidencekb:param:KEY>` becomes the IRI term `<graphs[KEY]>` (refused unless it is an
    absolute IRI without delimiters, so it cannot change the update's structure); the N-Triples payload,
    serialised by code, takes the place of the `<urn:evidencekb:param:data>` triple.
    """
    lines = update_text(f"store/{name}").splitlines(keepends=True)
    text = "".join(lines[next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines)) :])
    if ntriples is not None:
        if _DATA_SLOT not in text:
            raise InputError(f"queries/store/{name}.ru has no data slot ({_DATA_SLOT.strip()})")
        before, after = text.split(_DATA_SLOT, 1)
    else:
        before, after = text, ""
    for key, iri in graphs.items():
        term = f"<{check_graph_iri(iri)}>"
        before, after = before.replace(_PARAMETER.format(key), term), after.replace(_PARAMETER.format(key), term)
    return before + (ntriples or "") + after if ntriples is not None else before


def replace_graph_update(ntriples: str, graph_iri: str) -> str:
    """One SPARQL Update request that empties the named graph and inserts the N-Triples into it."""
    return store_update("replace-graph", {"graph": graph_iri}, ntriples)


def insert_data_update(ntriples: str, graph_iri: str) -> str:
    return store_update("insert-data", {"graph": graph_iri}, ntriples)


def move_graph_update(source_iri: str, target_iri: str) -> str:
    """Replace the target with the source in one operation (no SILENT: a missing source is an error)."""
    return store_update("move-graph", {"source": source_iri, "graph": target_iri})


def drop_graph_update(graph_iri: str) -> str:
    return store_update("drop-graph", {"graph": graph_iri})


def probe_endpoints(query_url: str, update_url: str, graph_iri: str, timeout: float) -> None:
    """Check that both endpoints answer before anything is written (the update probe changes nothing)."""
    try:
        count_triples(query_url, graph_iri, timeout)
    except EndpointError as error:
        raise EndpointError(f"{error} — checked before writing: nothing was sent to {update_url}") from None
    try:
        post_update(update_url, drop_graph_update(f"urn:evidencekb:probe:{uuid.uuid4()}"), timeout)
    except EndpointError as error:
        raise EndpointError(f"{error} — checked before writing: <{graph_iri}> is unchanged") from None


def _count_after_write(query_url: str, graph_iri: str, timeout: float) -> int:
    try:
        return count_triples(query_url, graph_iri, timeout)
    except EndpointError as error:
        raise EndpointError(
            f"{error} — the update was sent and <{graph_iri}> has been replaced, but its size could not be "
            "read back to confirm it"
        ) from None


def _wrapper_bytes(graph_iri: str) -> int:
    return len(replace_graph_update("", graph_iri).encode("utf-8")) + 64


def _drop(update_url: str, graph_iri: str, timeout: float) -> bool:
    """Best-effort clean-up after a failed load: True when the graph is gone."""
    try:
        post_update(update_url, drop_graph_update(graph_iri), timeout)
    except EndpointError:
        return False
    return True

"""Load the knowledge base into a named graph on a SPARQL 1.1 endpoint, atomically.

`load_graph` first checks that both endpoints answer (nothing is written otherwise), then:

* A graph whose update fits in `max_request_bytes` goes in ONE request:
  `DROP SILENT GRAPH <g> ; INSERT DATA { GRAPH <g> { … } }`.
* A larger graph (Oxigraph refuses request bodies over 128 MiB, ≈ 800 k triples) is sent in chunks
  into a fresh staging graph `<urn:evidencekb:staging:…>`, whose size is checked, and then swapped
  in by ONE `MOVE GRAPH <staging> TO GRAPH <g>` request. If a chunk fails, the staging graph is
  dropped and `<g>` is untouched.

A store that runs one request as one transaction (Oxigraph, Fuseki, GraphDB …) therefore never shows
readers of `<g>` a half-loaded graph: they see the old graph until the last request, then the new one.

The request size adapts to the store: a request refused as too large or too complex (HTTP 413,
Virtuoso's SP030 "memory exhausted" / SP031 "exceeded 10000 lines", which stock Virtuoso 7.2 answers
above ~0.2 MB of N-Triples) is split in half and sent again, and the rest of the load continues at the
size that worked, down to `min_request_bytes`; the result reports that size. Refusals are compile
errors, so nothing of the refused request was written. A store that refuses blank nodes in INSERT DATA
(Virtuoso) gets those chunks as `INSERT { … } WHERE { }` templates, which create the same blank nodes.

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
from typing import TYPE_CHECKING

from evidencekb.errors import EndpointError, InputError
from evidencekb.sparql.core import update_text
from evidencekb.sparql.remote import (
    DEFAULT_TIMEOUT,
    BlankNodesRefused,
    RequestTooLarge,
    check_graph_iri,
    count_triples,
    post_update,
)

if TYPE_CHECKING:
    from rdflib import Graph

#: Default size of one update request. Oxigraph's limit is 128 MiB; smaller requests also keep
#: each transaction's memory modest on other stores.
DEFAULT_MAX_REQUEST_BYTES = 32 * 1024 * 1024
#: The smallest request a load splits down to when a store refuses bigger ones (Virtuoso 7.2 with its
#: stock settings takes ~0.2 MB of N-Triples in one INSERT DATA).
DEFAULT_MIN_REQUEST_BYTES = 16 * 1024

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


@dataclass(frozen=True)
class LoadResult:
    """What a load did: the graph's size read back, how many update requests carried data, and the
    largest request size that the store accepted (smaller than asked when the store refused bigger ones)."""

    triples: int
    requests: int
    request_bytes: int
    chunked: bool
    blank_nodes_as_template: bool = False


def load_graph(
    query_url: str,
    update_url: str,
    lines: Iterable[str],
    graph_iri: str,
    timeout: float = DEFAULT_TIMEOUT,
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
    progress: Progress | None = None,
    min_request_bytes: int = DEFAULT_MIN_REQUEST_BYTES,
) -> LoadResult:
    """Replace `<graph_iri>` with the N-Triples `lines`, adapting the request size to what the store takes.

    One request when the graph fits in `max_request_bytes`; else (or when the store refuses that request
    as too large) chunks into a staging graph and one MOVE. A chunk refused as too large (HTTP 413,
    Virtuoso SP030/SP031) is split and sent again, the rest follows at the smaller size, down to
    `min_request_bytes`; a chunk whose blank nodes are refused in INSERT DATA is sent as an INSERT
    template (`queries/store/insert-template.ru`). Any other failure drops the staging graph: `<g>` is
    unchanged.
    """
    graph_iri = check_graph_iri(graph_iri)
    say = progress or (lambda message: None)
    wrapper = _wrapper_bytes(graph_iri)
    limit = max_request_bytes
    min_request_bytes = min(min_request_bytes, max_request_bytes)  # an asked-for size below the floor is the floor
    chunks = chunk_lines(lines, limit - wrapper)
    probe_endpoints(query_url, update_url, graph_iri, timeout)
    as_template = False
    if len(chunks) <= 1:
        text = chunks[0].text if chunks else ""
        try:
            post_update(update_url, replace_graph_update(text, graph_iri), timeout)
            return LoadResult(_count_after_write(query_url, graph_iri, timeout), 1, limit, False)
        except RequestTooLarge as error:
            limit = _smaller_limit(limit, len(text.encode("utf-8")) + wrapper, min_request_bytes, error)
            say(f"the store refused one request of {_size(len(text.encode('utf-8')))} as too large; "
                f"sending chunks of at most {_size(limit)} into a staging graph")
        except BlankNodesRefused:
            as_template = True
            say("the store refused blank nodes in INSERT DATA; sending the graph in chunks, blank nodes as "
                "INSERT templates")
        chunks = chunk_lines(_lines_of(chunks), limit - wrapper)

    staging = f"urn:evidencekb:staging:{uuid.uuid4()}"
    sent = requests = 0
    pending = list(chunks)
    try:
        while pending:
            chunk = pending.pop(0)
            template = as_template and chunk.has_blank_nodes
            update = (insert_template_update if template else insert_data_update)(chunk.text, staging)
            try:
                post_update(update_url, update, timeout, retry=not chunk.has_blank_nodes)
            except RequestTooLarge as error:
                limit = _smaller_limit(limit, len(update.encode("utf-8")), min_request_bytes, error)
                try:
                    pending = chunk_lines(_lines_of([chunk, *pending]), limit - wrapper)
                except InputError as too_big:
                    raise EndpointError(f"{error} — and it cannot be split further: {too_big}") from None
                say(f"the store refused a request of {_size(len(update.encode('utf-8')))} as too large; "
                    f"splitting into requests of at most {_size(limit)}")
                continue
            except BlankNodesRefused:
                if as_template or not chunk.has_blank_nodes:
                    raise
                as_template = True
                pending.insert(0, chunk)
                say("the store refused blank nodes in INSERT DATA; sending them as INSERT templates")
                continue
            sent += chunk.triples
            requests += 1
            say(f"chunk {requests}/{requests + len(pending)} sent ({sent:,} triples, requests of at most "
                f"{_size(limit)}) into the staging graph <{staging}>")
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
        post_update(update_url, move_graph_update(staging, graph_iri), timeout * max(requests, 1), retry=False)
    except EndpointError as error:
        raise EndpointError(
            f"{error} — the final MOVE may not have run: <{graph_iri}> is either the old or the new graph, "
            f"never a mix; remove the leftover staging graph with `DROP SILENT GRAPH <{staging}>`"
        ) from None
    loaded = _count_after_write(query_url, graph_iri, timeout)
    if loaded != staged:
        raise EndpointError(f"<{graph_iri}> holds {loaded:,} triples after the MOVE, the staging graph held {staged:,}")
    return LoadResult(loaded, requests, limit, True, as_template)


def _smaller_limit(limit: int, refused_bytes: int, floor: int, error: EndpointError) -> int:
    """Half the refused request's size (never above the current limit), or an error below the floor."""
    smaller = min(limit, refused_bytes) // 2
    if smaller < floor:
        if limit <= floor:
            raise EndpointError(
                f"{error} — refused even at the smallest request size ({_size(floor)}); "
                "the store needs a larger limit for SPARQL requests"
            ) from None
        smaller = floor
    return smaller


def _lines_of(chunks: Iterable[Chunk]) -> list[str]:
    return [line for chunk in chunks for line in chunk.text.splitlines(keepends=True)]


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MiB" if n >= 1024 * 1024 else f"{max(n // 1024, 1):,} KiB"


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


def insert_template_update(ntriples: str, graph_iri: str) -> str:
    """INSERT { GRAPH <g> { … } } WHERE { }: for blank nodes where INSERT DATA may not carry them."""
    return store_update("insert-template", {"graph": graph_iri}, ntriples)


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

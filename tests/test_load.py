"""`evidencekb load`: chunked but atomic replacement of the named graph on an Oxigraph server."""

from __future__ import annotations

import json
import threading
import urllib.parse
import urllib.request

import pytest
from conftest_endpoint import Endpoint
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from evidencekb.cli import main
from evidencekb.errors import EndpointError, InputError
from evidencekb.sparql import remote as ep
from evidencekb.sparql.engines import get_engine
from evidencekb.store import load
from evidencekb.tables import TABLE_IDS, table_data

EX = "https://example.org/"
SMALL = 64 * 1024  # bytes per request: the project's data needs dozens of chunks


def _line(i: int) -> str:
    return f"<{EX}s{i}> <{EX}p> \"value {i}\" .\n"


# ---------------------------------------------------------------------------------------------
# Chunking (no server)
# ---------------------------------------------------------------------------------------------


def test_chunks_respect_the_size_limit_and_keep_every_line_once() -> None:
    lines = [_line(i) for i in range(1000)]
    chunks = load.chunk_lines(lines, 2000)
    assert len(chunks) > 10
    assert all(len(chunk.text.encode("utf-8")) <= 2000 for chunk in chunks)
    assert sorted("".join(chunk.text for chunk in chunks).splitlines(keepends=True)) == sorted(lines)
    assert sum(chunk.triples for chunk in chunks) == 1000
    assert not any(chunk.has_blank_nodes for chunk in chunks)


def test_triples_joined_by_blank_nodes_travel_together() -> None:
    chain = [
        f"<{EX}a> <{EX}p> _:b1 .\n",
        "_:b1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> _:b2 .\n",
        "_:b2 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> _:b3 .\n",
        '_:b3 <https://example.org/label> "ends like a blank node _:b9" .\n',
    ]
    other = [f"_:z <{EX}p> <{EX}o> .\n"]
    lines = [_line(i) for i in range(40)] + chain[:2] + [_line(i) for i in range(40, 80)] + chain[2:] + other
    chunks = load.chunk_lines(lines, 700)
    holding_chain = [chunk for chunk in chunks if "_:b1" in chunk.text or "_:b3" in chunk.text]
    assert len(holding_chain) == 1
    assert all(line in holding_chain[0].text for line in chain)
    assert holding_chain[0].has_blank_nodes
    assert sum(chunk.triples for chunk in chunks) == len(lines)


def test_comments_and_empty_lines_are_not_sent() -> None:
    chunks = load.chunk_lines(["# a comment\n", "\n", _line(1).rstrip("\n")], 10_000)
    assert [chunk.text for chunk in chunks] == [_line(1)]


def test_a_group_larger_than_one_request_is_a_clear_error() -> None:
    lines = [f"_:b <{EX}p{i}> \"{'x' * 50}\" .\n" for i in range(20)]
    with pytest.raises(InputError, match=r"20 triples joined by blank nodes .* raise --max-request-mb"):
        load.chunk_lines(lines, 500)


def test_max_request_size_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["load", "--endpoint", "http://x/q", "--update-endpoint", "http://x/u", "--max-request-mb", "0"])
    assert exit_info.value.code == 2
    assert "--max-request-mb: '0' must be a finite number greater than 0" in capsys.readouterr().err


def test_the_final_move_is_sent_once_with_time_for_every_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[tuple[str, float, bool]] = []
    monkeypatch.setattr(
        load, "post_update", lambda url, update, timeout=30.0, retry=True: sent.append((update, timeout, retry))
    )
    monkeypatch.setattr(load, "count_triples", lambda url, graph, timeout=30.0: 300)
    lines = [_line(i) for i in range(300)]
    result = load.load_graph("http://x/q", "http://x/u", lines, f"{EX}g", timeout=10, max_request_bytes=4000)
    assert result.triples == 300
    inserts = [entry for entry in sent if entry[0].startswith("INSERT DATA")]
    moves = [entry for entry in sent if entry[0].startswith("MOVE GRAPH <urn:evidencekb:staging:")]
    assert len(inserts) > 3 and all(timeout == 10 and retry for _, timeout, retry in inserts)
    assert moves == [(moves[0][0], 10 * len(inserts), False)]
    assert moves[0][0].endswith(f"TO GRAPH <{EX}g>\n")
    assert sent[-1] == moves[0]


# ---------------------------------------------------------------------------------------------
# Against the server
# ---------------------------------------------------------------------------------------------


def _graphs(endpoint: Endpoint) -> set[str]:
    """Every named graph on the server (no FROM: RemoteEngine would restrict the dataset)."""
    query = urllib.parse.urlencode({"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"})
    request = urllib.request.Request(f"{endpoint.query}?{query}", headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        data = json.load(response)
    return {row["g"]["value"] for row in data["results"]["bindings"]}


def _no_staging_left(endpoint: Endpoint) -> bool:
    return not any(g.startswith("urn:evidencekb:staging:") for g in _graphs(endpoint))


def _put(endpoint: Endpoint, graph_iri: str, graph: Graph) -> int:
    return load.load_graph(endpoint.query, endpoint.update, load.graph_lines(graph), graph_iri).triples


def _old_graph(size: int) -> Graph:
    graph = Graph()
    for i in range(size):
        graph.add((URIRef(f"{EX}old{i}"), RDFS.label, Literal(f"old {i}")))
    return graph


@pytest.mark.endpoint
def test_chunked_load_gives_the_same_graph_and_tables(
    loaded_endpoint: Endpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    """Loading the knowledge base again in small chunks replaces the graph with the same triples, and every
    table reads as locally. Into the same graph, not a second one: with two copies of the knowledge base on
    one Virtuoso its cost estimate doubles every per-subject lookup and refuses the tables
    (queries/README.md, rule 14)."""
    single = ep.count_triples(loaded_endpoint.query, ep.DEFAULT_GRAPH)
    code = main([
        "load", "--endpoint", loaded_endpoint.query, "--update-endpoint", loaded_endpoint.update,
        "--max-request-mb", str(SMALL / 1024 / 1024),
    ])
    captured = capsys.readouterr()
    assert code == 0
    assert "swapping <urn:evidencekb:staging:" in captured.err
    assert captured.err.count("load: chunk ") > 10
    assert ep.count_triples(loaded_endpoint.query, ep.DEFAULT_GRAPH) == single
    assert f"Loaded {single} triples" in captured.out
    assert _no_staging_left(loaded_endpoint)
    chunked = get_engine(loaded_endpoint.query)
    for table_id in TABLE_IDS:
        assert table_data(table_id, engine=chunked) == table_data(table_id), table_id


@pytest.mark.endpoint
def test_blank_node_structures_survive_chunking(sparql_server: Endpoint) -> None:
    graph = _old_graph(3000)
    head = URIRef(f"{EX}list-owner")
    items = [Literal(f"item {i}") for i in range(5)]
    node: BNode | URIRef = RDF.nil
    for item in reversed(items):
        cell = BNode()
        graph.add((cell, RDF.first, item))
        graph.add((cell, RDF.rest, node))
        node = cell
    graph.add((head, RDFS.seeAlso, node))
    graph_iri = f"{EX}blank-nodes"
    count = load.load_graph(
        sparql_server.query, sparql_server.update, load.graph_lines(graph), graph_iri, max_request_bytes=8 * 1024
    ).triples
    assert count == len(graph)
    rows = ep.RemoteEngine(sparql_server.query, graph_iri).select(
        f"SELECT (COUNT(?item) AS ?n) WHERE {{ <{head}> <{RDFS.seeAlso}>/<{RDF.rest}>*/<{RDF.first}> ?item }}"
    ).rows
    assert int(rows[0]["n"]) == len(items)
    ep.post_update(sparql_server.update, f"DROP SILENT GRAPH <{graph_iri}>")


@pytest.mark.endpoint
def test_a_failed_chunk_leaves_the_graph_unchanged_and_no_staging_graph(
    sparql_server: Endpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    graph_iri = f"{EX}unchanged"
    before = _put(sparql_server, graph_iri, _old_graph(50))
    real_post = ep.post_update
    calls: list[str] = []

    def failing_third_chunk(url: str, update: str, timeout: float = 30.0, retry: bool = True) -> None:
        calls.append(update.split("{", 1)[0])
        if len(calls) == 3:
            raise EndpointError(f"{url} answered HTTP 503: busy")
        real_post(url, update, timeout, retry)

    monkeypatch.setattr(load, "post_update", failing_third_chunk)
    new = Graph()
    for i in range(2000):
        new.add((URIRef(f"{EX}new{i}"), RDFS.label, Literal(f"new {i}")))
    with pytest.raises(EndpointError, match=f"load aborted, <{graph_iri}> is unchanged"):
        load.load_graph(
            sparql_server.query, sparql_server.update, load.graph_lines(new), graph_iri, max_request_bytes=8 * 1024
        )
    assert calls[-1].startswith("DROP SILENT GRAPH <urn:evidencekb:staging:")
    assert ep.count_triples(sparql_server.query, graph_iri) == before == 50
    assert _no_staging_left(sparql_server)
    real_post(sparql_server.update, f"DROP SILENT GRAPH <{graph_iri}>")


@pytest.mark.endpoint
def test_readers_see_the_old_or_the_new_graph_never_a_mix(sparql_server: Endpoint) -> None:
    if sparql_server.store == "virtuoso":
        pytest.skip("Virtuoso 7.2 does not isolate MOVE from concurrent readers: a clean-clone CI run saw "
                    "5,000 of 6,000 new triples mid-MOVE (README: Virtuoso section)")
    graph_iri = f"{EX}swap"
    old = _put(sparql_server, graph_iri, _old_graph(10))
    new = Graph()
    for i in range(6000):
        new.add((URIRef(f"{EX}new{i}"), RDFS.label, Literal(f"new {i}")))
    seen: set[int] = set()
    done = threading.Event()

    def reader() -> None:
        while not done.is_set():
            seen.add(ep.count_triples(sparql_server.query, graph_iri))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        loaded = load.load_graph(
            sparql_server.query, sparql_server.update, load.graph_lines(new), graph_iri, max_request_bytes=16 * 1024
        ).triples
    finally:
        done.set()
        thread.join()
    seen.add(ep.count_triples(sparql_server.query, graph_iri))
    assert loaded == 6000
    assert old in seen and loaded in seen
    assert seen <= {old, loaded}, f"a reader saw a partly loaded graph: {sorted(seen)}"
    ep.post_update(sparql_server.update, f"DROP SILENT GRAPH <{graph_iri}>")

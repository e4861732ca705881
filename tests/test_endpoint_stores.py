"""Every store of the parity suite (Oxigraph, Virtuoso): recommend and compare for every vignette, load
that adapts to what a store accepts, blank nodes read back as sent, and authentication (basic, digest)."""

from __future__ import annotations

import base64
import http.server
import io
import json
import sys
import threading
from collections.abc import Iterator
from datetime import date

import pytest
from conftest_endpoint import Endpoint, _virtuoso
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS
from test_recommend_vignettes import V

from evidencekb.cli import main
from evidencekb.errors import EndpointError
from evidencekb.sparql import remote as ep
from evidencekb.store import load

pytestmark = pytest.mark.endpoint

EX = "https://example.org/"
TODAY = date(2026, 6, 1)  # vignettes without an assessment date are assessed on this day, locally and remotely


@pytest.fixture(autouse=True)
def _no_retry_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ep, "RETRY_DELAYS", (0.0, 0.0))


# ---------------------------------------------------------------------------------------------
# recommend and compare: every vignette, the same answers as locally
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "da"])
def test_recommend_every_vignette_same_as_locally(loaded_endpoint: Endpoint, lang: str) -> None:
    from evidencekb.recommend.evaluate import recommender
    from evidencekb.recommend.patient import parse_patient

    def answers(engine: object) -> list[dict]:
        return engine.evaluate([engine.facts(parse_patient(v[1], TODAY)) for v in V], lang)

    local, remote = answers(recommender()), answers(recommender(loaded_endpoint.query))
    different = [v[0] for v, mine, theirs in zip(V, local, remote, strict=True) if mine != theirs]
    assert len(V) > 30
    assert not different, f"vignettes answered differently on {loaded_endpoint.store}: {different}"


def test_compare_every_vignette_same_as_locally(loaded_endpoint: Endpoint) -> None:
    from evidencekb.recommend.compare import compare_data

    different = [
        v[0] for v in V
        if compare_data(v[1], "en", endpoint=loaded_endpoint.query) != compare_data(v[1], "en")
    ]
    assert not different, f"vignettes compared differently on {loaded_endpoint.store}: {different}"


# ---------------------------------------------------------------------------------------------
# Load: adapts the request size, atomic, blank nodes as sent
# ---------------------------------------------------------------------------------------------


def test_default_load_reports_the_request_size_that_worked(sparql_server: Endpoint) -> None:
    """At the default settings: Oxigraph takes the graph in one request, Virtuoso in smaller chunks."""
    from evidencekb.rdf.cache import project_data, project_ontology

    merged = Graph()
    merged += project_ontology()
    merged += project_data()
    graph_iri = f"{EX}default-load"
    messages: list[str] = []
    result = load.load_graph(
        sparql_server.query, sparql_server.update, load.graph_lines(merged), graph_iri, progress=messages.append
    )
    assert result.triples == len(merged)
    if sparql_server.store == "virtuoso":
        assert result.chunked and result.request_bytes < 1024 * 1024
        assert any("refused" in message and "as too large" in message for message in messages)
    else:
        assert not result.chunked and result.requests == 1
    ep.post_update(sparql_server.update, f"DROP SILENT GRAPH <{graph_iri}>")


def test_graph_with_blank_nodes_reads_back_as_sent(sparql_server: Endpoint) -> None:
    graph = Graph()
    for i in range(300):
        graph.add((URIRef(f"{EX}s{i}"), RDFS.label, Literal(f"label {i}", lang="en")))
    for owner in range(3):
        node: BNode | URIRef = RDF.nil
        for i in range(4):
            cell = BNode()
            graph.add((cell, RDF.first, Literal(f"item {owner}.{i}")))
            graph.add((cell, RDF.rest, node))
            node = cell
        graph.add((URIRef(f"{EX}owner{owner}"), RDFS.seeAlso, node))
    graph.add((BNode(), RDFS.comment, Literal("a blank node alone")))
    graph_iri = f"{EX}read-back"
    result = load.load_graph(
        sparql_server.query, sparql_server.update, load.graph_lines(graph), graph_iri, max_request_bytes=4 * 1024
    )
    assert result.chunked and result.triples == len(graph)
    back = ep.RemoteEngine(sparql_server.query, graph_iri).run("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    read = Graph().parse(data="".join(f"{triple} .\n" for triple in back.triples), format="nt")
    assert isomorphic(read, graph)
    ep.post_update(sparql_server.update, f"DROP SILENT GRAPH <{graph_iri}>")


def test_refused_chunks_are_split_down_to_what_the_store_takes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A store refusing requests over 3,000 bytes (HTTP 413): every line arrives once, one MOVE at the end."""
    inserted: list[str] = []
    sent: list[str] = []

    def post_update(url: str, update: str, timeout: float = 30.0, retry: bool = True) -> None:
        sent.append(update.split("{", 1)[0].strip())
        if len(update.encode("utf-8")) > 3000:
            raise ep.RequestTooLarge(f"{url} answered HTTP 413: Request Entity Too Large")
        if update.startswith("INSERT DATA"):
            inserted.extend(line for line in update.splitlines() if line.startswith("<https://example.org/"))

    monkeypatch.setattr(load, "post_update", post_update)
    monkeypatch.setattr(load, "count_triples", lambda url, graph, timeout=30.0: len(inserted))
    lines = [f'<{EX}s{i}> <{EX}p> "value {i}" .\n' for i in range(400)]
    messages: list[str] = []
    result = load.load_graph(
        "http://x/q", "http://x/u", lines, f"{EX}g", progress=messages.append, min_request_bytes=1024
    )
    assert sorted(inserted) == sorted(line.rstrip("\n") for line in lines)
    assert result.chunked and result.request_bytes <= 3000 and result.triples == 400
    assert [s for s in sent if s.startswith("MOVE")] == [sent[-1]]
    assert any("splitting into requests of at most" in message for message in messages)


def test_refused_even_at_the_floor_is_a_clear_error_and_nothing_swapped(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[str] = []

    def post_update(url: str, update: str, timeout: float = 30.0, retry: bool = True) -> None:
        sent.append(update)
        if "INSERT" in update:
            raise ep.RequestTooLarge(f"{url} answered HTTP 400: Virtuoso 37000 Error SP030: memory exhausted")

    monkeypatch.setattr(load, "post_update", post_update)
    monkeypatch.setattr(load, "count_triples", lambda url, graph, timeout=30.0: 0)
    lines = [f'<{EX}s{i}> <{EX}p> "value {i}" .\n' for i in range(200)]
    with pytest.raises(EndpointError, match=r"refused even at the smallest request size .* is unchanged"):
        load.load_graph("http://x/q", "http://x/u", lines, f"{EX}g", min_request_bytes=2048)
    assert not any(update.startswith("MOVE") for update in sent)
    assert sent[-1].startswith("DROP SILENT GRAPH <urn:evidencekb:staging:")


def test_blank_nodes_refused_in_insert_data_go_as_templates(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[str] = []

    def post_update(url: str, update: str, timeout: float = 30.0, retry: bool = True) -> None:
        sent.append(update)
        if update.lstrip().startswith(("INSERT DATA", "DROP SILENT GRAPH <https")) and "_:" in update:
            raise ep.BlankNodesRefused(f"{url} answered HTTP 400: Blank node '_:b' is not allowed in a constant clause")

    monkeypatch.setattr(load, "post_update", post_update)
    monkeypatch.setattr(load, "count_triples", lambda url, graph, timeout=30.0: 3)
    lines = [f"<{EX}a> <{EX}p> _:b .\n", f'_:b <{EX}q> "x" .\n', f"<{EX}a> <{EX}r> <{EX}c> .\n"]
    result = load.load_graph("http://x/q", "http://x/u", lines, f"{EX}g")
    assert result.blank_nodes_as_template and result.triples == 3
    templates = [u for u in sent if u.startswith("INSERT {")]
    assert len(templates) == 1 and "_:b" in templates[0] and templates[0].rstrip().endswith("WHERE { }")


# ---------------------------------------------------------------------------------------------
# Errors: deterministic failures are not retried
# ---------------------------------------------------------------------------------------------


class _Store(http.server.BaseHTTPRequestHandler):
    status = 500
    body = b"Virtuoso 37000 Error SP031: SPARQL compiler: Internal error\n"
    challenge = ""
    requests: list[dict[str, str]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).requests.append(dict(self.headers))
        authorised = not self.challenge or self.headers.get("Authorization") == self.challenge
        status, body = (self.status, self.body) if authorised else (401, b"")
        self.send_response(status)
        if not authorised:
            self.send_header("WWW-Authenticate", 'Basic realm="SPARQL"')
        self.send_header("Content-Type", "application/sparql-results+json" if status == 200 else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _serve(**settings: object) -> Iterator[tuple[str, list[dict[str, str]]]]:
    handler = type("Store", (_Store,), {"requests": [], **settings})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql", handler.requests
    finally:
        server.shutdown()
        server.server_close()


def test_a_compile_error_answered_with_500_is_not_retried(capsys: pytest.CaptureFixture[str]) -> None:
    for url, requests in _serve():
        assert main(["query", "criteria-for-children", "--endpoint", url]) == 2
        assert "SP031" in capsys.readouterr().err
        assert len(requests) == 1


def test_basic_authentication_with_the_password_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token = "Basic " + base64.b64encode(b"reader:s3cret").decode()
    empty = json.dumps({"head": {"vars": ["n"]}, "results": {"bindings": [{"n": {"type": "literal", "value": "7"}}]}})
    empty = empty.encode()
    for url, requests in _serve(status=200, body=empty, challenge=token):
        assert main(["query", "criteria-for-children", "--endpoint", url, "--format", "json"]) == 2
        err = capsys.readouterr().err
        assert "not authorised" in err and "--user" in err
        monkeypatch.setenv("EVIDENCEKB_PASSWORD", "s3cret")
        assert main(["query", "criteria-for-children", "--endpoint", url, "--user", "reader", "--format", "json"]) == 0
        assert requests[-1].get("Authorization") == token
        monkeypatch.setenv("EVIDENCEKB_PASSWORD", "wrong")
        assert main(["query", "criteria-for-children", "--endpoint", url, "--user", "reader"]) == 2
        assert "not authorised as 'reader'" in capsys.readouterr().err


def test_password_is_never_an_option_and_required_without_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["query", "criteria-for-children", "--endpoint", "http://127.0.0.1:1/q", "--password", "x"])
    capsys.readouterr()
    monkeypatch.delenv("EVIDENCEKB_PASSWORD", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # no terminal to ask on
    assert main(["query", "criteria-for-children", "--endpoint", "http://127.0.0.1:1/q", "--user", "u"]) == 2
    assert "EVIDENCEKB_PASSWORD" in capsys.readouterr().err


@pytest.fixture(scope="module")
def virtuoso() -> Iterator[Endpoint]:
    yield from _virtuoso()


def test_digest_authentication_on_virtuoso_for_query_and_load(
    virtuoso: Endpoint, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert virtuoso.auth and virtuoso.user and virtuoso.password is not None, "EVIDENCEKB_TEST_VIRTUOSO_USER/PASSWORD"
    graph_iri = f"{EX}authenticated"
    assert main(["query", "criteria-for-children", "--endpoint", virtuoso.auth]) == 2
    assert "HTTP 401" in capsys.readouterr().err
    monkeypatch.setenv("EVIDENCEKB_PASSWORD", virtuoso.password)
    code = main(["load", "--endpoint", virtuoso.auth, "--update-endpoint", virtuoso.auth, "--user", virtuoso.user,
                 "--graph", graph_iri])
    out = capsys.readouterr().out
    assert code == 0 and "Loaded" in out
    assert main(["query", "criteria-for-children", "--format", "json", "--graph", graph_iri]) == 0
    local = capsys.readouterr().out
    assert main(["query", "criteria-for-children", "--format", "json", "--graph", graph_iri,
                 "--endpoint", virtuoso.auth, "--user", virtuoso.user]) == 0
    assert capsys.readouterr().out == local
    ep.post_update(virtuoso.update, f"DROP SILENT GRAPH <{graph_iri}>")


# ---------------------------------------------------------------------------------------------
# The endpoint engine's rewrites (no server)
# ---------------------------------------------------------------------------------------------


def _capture(monkeypatch: pytest.MonkeyPatch, answers: list[bytes]) -> list[str]:
    import urllib.parse

    sent: list[str] = []

    def fake_post(url: str, body: bytes, content_type: str, timeout: float, accept: str | None = None):
        sent.append(urllib.parse.parse_qs(body.decode())["query"][0])
        answer = answers.pop(0)
        if answer.startswith(b"!"):
            raise EndpointError(answer[1:].decode())
        return "application/sparql-results+json", answer

    monkeypatch.setattr(ep, "_post", fake_post)
    return sent


def test_a_bound_value_is_not_projected_by_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Virtuoso cannot sort rows that project a bound decimal (SR128): the engine fills the column itself."""
    answer = {"head": {"vars": ["rule"]}, "results": {"bindings": [{"rule": {"type": "uri", "value": f"{EX}r"}}]}}
    sent = _capture(monkeypatch, [json.dumps(answer).encode()])
    igg = Literal("2.5", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal"))
    query = f"SELECT ?rule ?igg WHERE {{ ?rule <{EX}max> ?max FILTER(?igg < ?max) }} ORDER BY ?rule"
    result = ep.RemoteEngine("http://x/sparql").select(query, {"igg": igg})
    assert result.variables == ["rule", "igg"]
    assert result.rows == [{"rule": URIRef(f"{EX}r"), "igg": igg}]
    projection = sent[0].split("WHERE", 1)[0]
    assert "?igg" not in projection and "?rule" in projection
    assert '"2.5"^^<http://www.w3.org/2001/XMLSchema#decimal>' in sent[0].split("WHERE", 1)[1]


def test_a_batch_refused_by_the_compiler_is_asked_row_by_row(monkeypatch: pytest.MonkeyPatch) -> None:
    from evidencekb.sparql.core import inline_values

    def answer(patient: str) -> bytes:
        row = {"patient": {"type": "literal", "value": patient}}
        return json.dumps({"head": {"vars": ["patient"]}, "results": {"bindings": [row]}}).encode()

    refused = b"!x answered HTTP 500: Virtuoso 37000 Error SQ156: Internal Optimized compiler error"
    sent = _capture(monkeypatch, [refused, answer("0"), answer("1"), answer("2")])
    query = f"SELECT ?patient WHERE {{ ?s <{EX}p> ?v }} GROUP BY ?patient"
    batch = inline_values(query, [{"patient": Literal(str(i)), "v": Literal(f"v{i}")} for i in range(3)])
    result = ep.RemoteEngine("http://x/sparql").select(batch)
    assert [str(row["patient"]) for row in result.rows] == ["0", "1", "2"]
    assert len(sent) == 4 and all(text.count('"v') == 1 for text in sent[1:])
    # any other failure is reported, not split
    _capture(monkeypatch, [b"!x answered HTTP 400: syntax error"])
    with pytest.raises(EndpointError, match="syntax error"):
        ep.RemoteEngine("http://x/sparql").select(batch)

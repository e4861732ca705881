"""`evidencekb query FILE`: every query form, the same locally and through an endpoint; no network
for local queries unless --allow-service; a hint when nothing is loaded."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest_endpoint import Endpoint

from evidencekb.cli import main
from evidencekb.namespaces import DEFAULT_GRAPH
from evidencekb.sparql.values import row_values, triple_values

PREFIXES = "PREFIX ekb: <https://w3id.org/evidencekb/ontology#>\nPREFIX kb: <https://w3id.org/evidencekb/id/>\n"
QUERIES = {
    "ask-true.rq": PREFIXES + "ASK { kb:addendum ?p ?o }",
    "ask-false.rq": PREFIXES + "ASK { kb:addendum ekb:noSuchProperty ?o }",
    # a FROM-like word and braces in a comment must not confuse anything: # FROM <x> WHERE {
    "construct.rq": PREFIXES + "# FROM <x> WHERE {\nCONSTRUCT { ?c ekb:threshold ?t } WHERE { ?c ekb:threshold ?t }",
    "describe.rq": PREFIXES + "DESCRIBE kb:addendum",
}


def _write(tmp_path: Path, name: str, text: str | None = None) -> str:
    path = tmp_path / name
    path.write_text(text if text is not None else QUERIES[name], encoding="utf-8")
    return str(path)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["query", *argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def _parsed(turtle: str) -> list[ox.Triple]:
    return [quad.triple for quad in ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE)]


def _triples(turtle: str) -> set[str]:
    return {str(quad.triple) for quad in ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE)}


def test_ask_prints_true_or_false(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, _write(tmp_path, "ask-true.rq")) == (0, "true\n", "")
    assert _run(capsys, _write(tmp_path, "ask-false.rq"))[:2] == (0, "false\n")
    assert _run(capsys, _write(tmp_path, "ask-true.rq"), "--format", "json")[1] == '{"boolean": true}\n'


def test_construct_and_describe_print_turtle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, _write(tmp_path, "construct.rq"))
    assert code == 0 and "@prefix ekb: <https://w3id.org/evidencekb/ontology#> ." in out
    assert len(_triples(out)) > 10
    code, out, _ = _run(capsys, _write(tmp_path, "describe.rq"))
    assert code == 0 and any("https://w3id.org/evidencekb/id/addendum" in t for t in _triples(out))


@pytest.mark.endpoint
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_form_same_locally_and_remotely(
    loaded_endpoint: Endpoint, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    path = _write(tmp_path, name)
    local = _run(capsys, path)
    remote = _run(capsys, path, "--endpoint", loaded_endpoint.query, "--timeout", "20")
    assert local[0] == remote[0] == 0
    if loaded_endpoint.store != "oxigraph":  # Virtuoso normalises literals: compare triples by meaning
        assert name.startswith(("ask", "construct", "describe"))
        if name.startswith("ask"):
            assert remote[1] == local[1]
        else:
            local_values, remote_values = triple_values(_parsed(local[1])), triple_values(_parsed(remote[1]))
            assert local_values <= remote_values if name.startswith("describe") else local_values == remote_values
    elif name.startswith("describe"):  # servers may describe more (e.g. blank-node closure): compare triples
        assert _triples(local[1]) <= _triples(remote[1])
    else:
        assert remote[1] == local[1]


@pytest.mark.endpoint
def test_the_tokenizer_bug_case_answers_right_through_the_endpoint(
    loaded_endpoint: Endpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    """FILTER(?v<?igg&&?w>?low): the old hand tokenizer read `<?igg&&?w>` as an IRI and left ?igg in
    place; in a UNION branch (evaluated before the top VALUES block joins) it was unbound: no rows."""
    from rdflib import Literal

    from evidencekb.sparql.engines import get_engine

    query = PREFIXES + (
        "SELECT ?c ?v ?igg ?low WHERE { { ?c ekb:threshold ?v . ?c ekb:threshold ?w . FILTER(?v<?igg&&?w>?low) }"
        " UNION { ?c a ekb:NoSuchClass } } ORDER BY ?c ?v"
    )
    bindings = {"igg": Literal(6), "low": Literal(2)}
    local = get_engine().select(query, bindings)
    assert local.rows, "some threshold lies between 2 and 6"
    remote = get_engine(loaded_endpoint.query).select(query, bindings)
    assert remote.variables == local.variables
    assert row_values(remote.rows) == row_values(local.rows)  # by meaning: Virtuoso returns "4"^^xsd:decimal as 4


def test_service_is_refused_locally_without_opening_a_socket(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[object] = []

    def no_socket(*args: object, **kwargs: object) -> None:
        opened.append(args)
        raise AssertionError("a local query opened a socket")

    monkeypatch.setattr(socket, "socket", no_socket)
    monkeypatch.setattr(socket, "create_connection", no_socket)
    for text in (
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "ASK { SERVICE SILENT <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "select * where { ?s ?p ?o . service <http://127.0.0.1:9/sparql> { ?s ?q ?r } } LIMIT 1",
    ):
        code, out, err = _run(capsys, _write(tmp_path, "service.rq", text))
        assert (code, out) == (2, "")
        assert "SERVICE" in err and "--allow-service" in err
    assert not opened
    # the word in a comment, a string or an IRI is not a SERVICE call
    text = "# SERVICE\nSELECT ?x WHERE { BIND('SERVICE' AS ?x) FILTER(?x != <http://e/SERVICE>) }"
    assert _run(capsys, _write(tmp_path, "word.rq", text))[:2] == (0, "x\n-------\nSERVICE\n(1 row)\n")


@pytest.mark.endpoint
def test_service_runs_with_allow_service(
    loaded_endpoint: Endpoint, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if loaded_endpoint.store == "virtuoso":
        pytest.skip("pyoxigraph's SERVICE client waits without a timeout for Virtuoso's answer (hangs)")
    text = (
        f"SELECT ?o WHERE {{ SERVICE <{loaded_endpoint.query}> "
        f"{{ GRAPH <{DEFAULT_GRAPH}> {{ <https://w3id.org/evidencekb/id/addendum> a ?o }} }} }} LIMIT 1"
    )
    path = _write(tmp_path, "service.rq", text)
    assert _run(capsys, path)[0] == 2
    code, out, _ = _run(capsys, path, "--allow-service")
    assert code == 0 and "(1 row)" in out


@pytest.mark.endpoint
def test_an_empty_graph_says_that_nothing_is_loaded(
    sparql_server: Endpoint, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (["criteria-for-children"], [_write(tmp_path, "ask-true.rq")]):
        code, out, err = _run(
            capsys, *argv, "--endpoint", sparql_server.query, "--graph", "https://example.org/nothing-here"
        )
        assert code == 2 and out == ""
        assert "nothing is loaded" in err and "evidencekb load" in err


class _Silent(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        time.sleep(2)

    def log_message(self, *args: object) -> None:
        pass


def test_timeout_bounds_every_request(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from evidencekb.sparql import remote

    monkeypatch.setattr(remote, "RETRY_DELAYS", (0.0, 0.0))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Silent)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/query"
        started = time.perf_counter()
        code, out, err = _run(capsys, "criteria-for-children", "--endpoint", url, "--timeout", "0.3")
        assert time.perf_counter() - started < 1.8  # 3 attempts of 0.3 s, not 3 × 2 s
    finally:
        server.shutdown()
    assert (code, out) == (2, "")
    assert "no answer within 0.3 s (raise --timeout" in err

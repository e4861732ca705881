"""A store that stops a query at its time limit and still sends the rows it had (Virtuoso's "anytime"
answers: 200 or 206 with `X-SQL-State`) must never be taken for the answer: retried, then an error.

A clean-clone CI run saw exactly this on a fresh stock Virtuoso under load: `criteria-by-time-window`
came back with 4 of its 18 rows and HTTP 200.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from evidencekb.errors import EndpointError
from evidencekb.sparql import remote
from evidencekb.sparql.remote import RemoteEngine

ROWS = {"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "a"}}]}}


def _server(answers: list[tuple[int, dict[str, str]]]) -> Iterator[tuple[str, list[int]]]:
    calls: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, headers = answers[min(len(calls), len(answers) - 1)]
            calls.append(status)
            body = json.dumps(ROWS).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql", calls
    finally:
        server.shutdown()
        server.server_close()


ANYTIME = {"X-SQL-State": "S1TAT",
           "X-SQL-Message": "RC...: Returning incomplete results, query interrupted by result timeout."}


@pytest.fixture(autouse=True)
def _no_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remote, "RETRY_DELAYS", (0.0, 0.0))


@pytest.mark.parametrize("answer", [(200, ANYTIME), (206, {})], ids=["200-with-x-sql-state", "206"])
def test_an_incomplete_answer_is_retried_then_refused(answer: tuple[int, dict[str, str]]) -> None:
    for url, calls in _server([answer]):
        with pytest.raises(EndpointError) as error:
            RemoteEngine(url).select("SELECT ?x WHERE { ?s ?p ?x }")
        assert "incomplete answer" in str(error.value)
        assert "MaxQueryExecutionTime" in str(error.value)
        assert len(calls) == 1 + len(remote.RETRY_DELAYS)


def test_a_complete_answer_after_an_incomplete_one_is_used() -> None:
    for url, calls in _server([(200, ANYTIME), (200, {})]):
        result = RemoteEngine(url).select("SELECT ?x WHERE { ?s ?p ?x }")
        assert [str(row["x"]) for row in result.terms] == ["a"]
        assert calls == [200, 200]

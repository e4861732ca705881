"""SPARQL 1.1 endpoints (Oxigraph and Virtuoso servers): load, parity with local runs, and clear failures."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest_endpoint import Endpoint, free_port
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDFS

from evidencekb.checks.validate import Finding
from evidencekb.cli import main
from evidencekb.errors import EvidenceKBError
from evidencekb.pipeline import load_validated
from evidencekb.questions import questions, run_question
from evidencekb.rdf.cache import knowledge_base
from evidencekb.sparql import remote as ep
from evidencekb.sparql.core import query_text
from evidencekb.sparql.engines import get_engine
from evidencekb.sparql.values import row_values
from evidencekb.store import load

pytestmark = pytest.mark.endpoint

EVIL = 'x" } ; DROP ALL ; #'
XSD_INTEGER = URIRef("http://www.w3.org/2001/XMLSchema#integer")
XSD_DECIMAL = URIRef("http://www.w3.org/2001/XMLSchema#decimal")
XSD_STRING = URIRef("http://www.w3.org/2001/XMLSchema#string")
#: Stores that return literals as they were loaded (Virtuoso normalises numbers and booleans).
LEXICAL_STORES = ("oxigraph",)


@pytest.fixture(autouse=True)
def _no_retry_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the bounded retry (3 attempts) but without the pauses between them."""
    monkeypatch.setattr(ep, "RETRY_DELAYS", (0.0, 0.0))


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    return err


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


def test_load_from_cli_reports_the_triples(sparql_server: Endpoint, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["load", "--endpoint", sparql_server.query, "--update-endpoint", sparql_server.update])
    out = capsys.readouterr().out
    assert code == 0
    count = ep.count_triples(sparql_server.query, ep.DEFAULT_GRAPH)
    assert count > 0
    assert f"Loaded {count} triples" in out
    assert ep.DEFAULT_GRAPH in out


def test_load_twice_is_idempotent(loaded_endpoint: Endpoint) -> None:
    first = ep.count_triples(loaded_endpoint.query, ep.DEFAULT_GRAPH)
    load_validated(loaded_endpoint.query, loaded_endpoint.update)
    second = ep.count_triples(loaded_endpoint.query, ep.DEFAULT_GRAPH)
    assert first == second
    assert abs(second - len(knowledge_base())) <= len(knowledge_base()) // 100  # literal canonicalisation only


def test_load_refuses_invalid_data(
    loaded_endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = ep.count_triples(loaded_endpoint.query, ep.DEFAULT_GRAPH)
    violation = Finding("kb:broken", "ekb:value", "sh:DatatypeConstraintComponent", "Violation", "not a decimal")
    monkeypatch.setattr(
        "evidencekb.checks.validate.validate_graph", lambda data, ontology=None, shapes=None: [violation]
    )
    monkeypatch.setattr(load, "post_update", lambda *a, **k: pytest.fail("an invalid graph must not be sent"))
    code = main(["load", "--endpoint", loaded_endpoint.query, "--update-endpoint", loaded_endpoint.update])
    err = _one_line_error(capsys)
    assert code == 1
    assert "evidencekb validate" in err and "1 violation" in err
    assert ep.count_triples(loaded_endpoint.query, ep.DEFAULT_GRAPH) == before


def test_one_update_request_replaces_the_graph() -> None:
    graph = Graph()
    graph.add((URIRef("https://example.org/a"), RDFS.label, Literal(EVIL)))
    update = load.replace_graph_update("".join(load.graph_lines(graph)), "https://example.org/g")
    assert update.startswith(
        "DROP SILENT GRAPH <https://example.org/g> ;\nINSERT DATA { GRAPH <https://example.org/g> {"
    )
    assert update.count("INSERT DATA") == 1


def test_loaded_text_with_quotes_and_braces_round_trips(loaded_endpoint: Endpoint) -> None:
    """Data text that looks like SPARQL is escaped in the update and does not touch other graphs."""
    before = ep.count_triples(loaded_endpoint.query, ep.DEFAULT_GRAPH)
    other = "https://w3id.org/evidencekb/test/injection"
    graph = Graph()
    graph.add((URIRef("https://example.org/a"), RDFS.label, Literal(EVIL)))
    graph.add((URIRef("https://example.org/a"), RDFS.comment, Literal("} } DROP ALL {\n'\"\"\"'", lang="en")))
    ep.post_update(loaded_endpoint.update, load.replace_graph_update("".join(load.graph_lines(graph)), other))
    rows = ep.RemoteEngine(loaded_endpoint.query, other).select(
        "SELECT ?p ?o WHERE { <https://example.org/a> ?p ?o } ORDER BY ?p"
    ).rows
    assert {(r["p"], r["o"]) for r in rows} == set(graph.predicate_objects(URIRef("https://example.org/a")))
    assert ep.count_triples(loaded_endpoint.query, ep.DEFAULT_GRAPH) == before
    ep.post_update(loaded_endpoint.update, f"DROP SILENT GRAPH <{other}>")


# ---------------------------------------------------------------------------------------------
# Same answers locally and through the endpoint
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [q.name for q in questions()])
def test_question_same_rows_locally_and_remotely(loaded_endpoint: Endpoint, name: str) -> None:
    text = query_text(f"questions/{name}")
    local = get_engine().select(text)
    remote = get_engine(loaded_endpoint.query).select(text)
    assert remote.variables == local.variables
    # by meaning on every store (Virtuoso returns "2.70"^^xsd:decimal as "2.7", "4"^^xsd:decimal as 4)
    assert row_values(remote.rows) == row_values(local.rows)
    if loaded_endpoint.store in LEXICAL_STORES:
        _same_terms_and_text(loaded_endpoint, name, local, remote)


def _same_terms_and_text(loaded_endpoint: Endpoint, name: str, local: object, remote: object) -> None:
    """A store that keeps literals as sent answers with the same terms and therefore the same text."""
    assert remote.rows == local.rows
    # typed literals and language tags survive, not only the text
    assert [[(type(v), getattr(v, "datatype", None), getattr(v, "language", None)) for v in r.values()]
            for r in remote.rows] == [
        [(type(v), getattr(v, "datatype", None), getattr(v, "language", None)) for v in r.values()]
        for r in local.rows
    ]
    for fmt in ("table", "csv", "json"):
        assert run_question(name, fmt, endpoint=loaded_endpoint.query) == run_question(name, fmt)


def test_every_table_same_locally_and_remotely(loaded_endpoint: Endpoint) -> None:
    try:
        from evidencekb.tables import TABLE_IDS, table_data
    except ImportError as error:
        pytest.fail(f"evidencekb.tables (TABLE_IDS, table_data) is not available yet: {error}")
    assert TABLE_IDS, "evidencekb.tables.TABLE_IDS is empty"
    remote = ep.RemoteEngine(loaded_endpoint.query)

    def outcome(table_id: str, engine: ep.RemoteEngine | None) -> object:
        """The table's data, or the error it gives (a table with no data yet must fail the same way)."""
        try:
            return table_data(table_id, engine=engine) if engine else table_data(table_id)
        except EvidenceKBError as error:
            return f"error: {error}"

    different = [t for t in TABLE_IDS if outcome(t, remote) != outcome(t, None)]
    assert not different, f"tables that differ through the endpoint: {different}"


def test_table_cli_same_json_through_the_endpoint(loaded_endpoint: Endpoint, capsys: pytest.CaptureFixture) -> None:
    try:
        from evidencekb.tables import TABLE_IDS
    except ImportError as error:
        pytest.fail(f"evidencekb.tables is not available yet: {error}")
    for table_id in TABLE_IDS:
        local_code = main(["table", table_id, "--format", "json"])
        local = capsys.readouterr()
        remote_code = main(["table", table_id, "--format", "json", "--endpoint", loaded_endpoint.query])
        remote = capsys.readouterr()
        assert (remote_code, remote.out, remote.err) == (local_code, local.out, local.err), table_id


def test_query_cli_through_the_endpoint(loaded_endpoint: Endpoint, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "criteria-for-children", "--format", "json"]) == 0
    local = capsys.readouterr().out
    assert main(["query", "criteria-for-children", "--format", "json", "--endpoint", loaded_endpoint.query]) == 0
    assert capsys.readouterr().out == local
    assert '"variables"' in local


def test_bound_value_with_quotes_and_braces_cannot_change_the_query(loaded_endpoint: Endpoint) -> None:
    engine = ep.RemoteEngine(loaded_endpoint.query)
    before = ep.count_triples(loaded_endpoint.query, ep.DEFAULT_GRAPH)
    echoed = engine.select("SELECT ?v (STRLEN(?v) AS ?n) WHERE { }", {"v": Literal(EVIL)}).rows
    assert echoed == [{"v": Literal(EVIL), "n": Literal(len(EVIL), datatype=XSD_INTEGER)}]
    # a real label bound together with the evil value: exactly the expected row, nothing else
    some_label = next(o for o in knowledge_base().objects(None, RDFS.label) if isinstance(o, Literal))
    query = "SELECT ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    assert engine.select(query, {"label": Literal(EVIL)}).rows == []
    found = engine.select(query, {"label": some_label}).rows
    assert found and all(row["s"] in set(knowledge_base().subjects(RDFS.label, some_label)) for row in found)
    assert ep.count_triples(loaded_endpoint.query, ep.DEFAULT_GRAPH) == before


# ---------------------------------------------------------------------------------------------
# Failures: one clear line, exit 2, no traceback
# ---------------------------------------------------------------------------------------------


def test_endpoint_down_gives_a_clear_message(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}/query"  # nothing listens on a port just released
    assert main(["query", "criteria-for-children", "--endpoint", url]) == 2
    err = _one_line_error(capsys)
    assert f"cannot reach {url}: connection refused — is the server running?" in err


def test_load_with_endpoint_down_gives_a_clear_message(capsys: pytest.CaptureFixture[str]) -> None:
    base = f"http://127.0.0.1:{free_port()}"
    assert main(["load", "--endpoint", f"{base}/query", "--update-endpoint", f"{base}/update"]) == 2
    assert "connection refused — is the server running?" in _one_line_error(capsys)


class _Answering(http.server.BaseHTTPRequestHandler):
    status = 500
    requests: list[str] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        type(self).requests.append(self.command)
        body = b"Internal failure: store is on fire\nsecond line of detail\n"
        self.send_response(self.status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


def _serve(status: int) -> Iterator[tuple[str, list[str]]]:
    handler = type(f"Answer{status}", (_Answering,), {"status": status, "requests": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.requests
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def failing_server() -> Iterator[tuple[str, list[str]]]:
    yield from _serve(500)


@pytest.fixture
def rejecting_server() -> Iterator[tuple[str, list[str]]]:
    yield from _serve(400)


def test_endpoint_answering_500_is_retried_then_reported(
    failing_server: tuple[str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    base, requests = failing_server
    assert main(["query", "criteria-for-children", "--endpoint", f"{base}/query"]) == 2
    err = _one_line_error(capsys)
    assert "HTTP 500" in err and "Internal failure: store is on fire" in err
    assert "second line" not in err
    assert len(requests) == 3  # bounded retry


def test_load_into_endpoint_answering_500_is_reported(
    failing_server: tuple[str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    base, requests = failing_server
    assert main(["load", "--endpoint", f"{base}/query", "--update-endpoint", f"{base}/update"]) == 2
    err = _one_line_error(capsys)
    assert f"{base}/query answered HTTP 500: Internal failure" in err
    assert "checked before writing: nothing was sent" in err
    assert requests == ["POST"] * 3  # the query endpoint is probed (with bounded retry) before any write


def test_endpoint_answering_400_is_not_retried(
    rejecting_server: tuple[str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    base, requests = rejecting_server
    assert main(["query", "criteria-for-children", "--endpoint", f"{base}/query"]) == 2
    assert "HTTP 400" in _one_line_error(capsys)
    assert len(requests) == 1


def test_bad_graph_iri_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["query", "criteria-for-children", "--endpoint", "http://127.0.0.1:1/query", "--graph", "not an iri"])
    assert code == 2
    assert "--graph" in _one_line_error(capsys)


# ---------------------------------------------------------------------------------------------
# Units: dataset clause and JSON term conversion
# ---------------------------------------------------------------------------------------------


def test_the_graph_is_chosen_by_the_protocol_unless_the_query_names_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[bytes] = []

    def fake_post(url: str, body: bytes, content_type: str, timeout: float, accept: str | None = None):
        sent.append(body)
        return "application/sparql-results+json", b'{"head": {"vars": []}, "results": {"bindings": []}}'

    monkeypatch.setattr(ep, "_post", fake_post)
    engine = ep.RemoteEngine("http://x.example/query", "https://g.example/x")
    engine.select("# rows from the graph\nSELECT * WHERE { ?s ?p ?o }")
    engine.select("SELECT * FROM <http://other/> WHERE { ?s ?p ?o }")
    assert b"default-graph-uri=https%3A%2F%2Fg.example%2Fx" in sent[0]
    assert b"default-graph-uri" not in sent[1]
    assert b"query=%23+rows+from+the+graph%0ASELECT" in sent[0]  # the query text is sent unchanged


def test_json_terms_match_local_terms() -> None:
    assert ep.json_term({"type": "uri", "value": "http://a/"}) == URIRef("http://a/")
    assert ep.json_term({"type": "literal", "value": "hej", "xml:lang": "da"}) == Literal("hej", lang="da")
    plain = ep.json_term({"type": "literal", "value": "s", "datatype": str(XSD_STRING)})
    assert plain == Literal("s") and plain.datatype is None
    number = ep.json_term({"type": "literal", "value": "5.90", "datatype": str(XSD_DECIMAL)})
    assert number.datatype == XSD_DECIMAL and str(number) == "5.90"
    assert isinstance(ep.json_term({"type": "bnode", "value": "b0"}), BNode)


def test_bound_value_reaches_filters_in_inner_groups(loaded_endpoint: Endpoint) -> None:
    """Local engines pre-bind values; the endpoint must give the same rows when a FILTER in a UNION uses one."""
    label = next(o for o in knowledge_base().objects(None, RDFS.label) if isinstance(o, Literal))
    query = (
        "SELECT DISTINCT ?s ?want WHERE {"
        " { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(STR(?l) = ?want) }"
        " UNION { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l FILTER(STR(?l) = ?want) } } ORDER BY ?s"
    )
    bindings = {"want": Literal(str(label))}
    local = get_engine().select(query, bindings)
    assert local.rows, "the label should be found locally"
    assert ep.RemoteEngine(loaded_endpoint.query).select(query, bindings) == local


# ---------------------------------------------------------------------------------------------
# recommend and compare: the same answers through the endpoint
# ---------------------------------------------------------------------------------------------


def _patients() -> list[dict[str, object]]:
    """Patients across the rules: adults and children, both therapy classes, IgG around the 4 g/L
    cut-off, with and without infections, before and after six months, on and off substitution."""
    patients = []
    for index, (age, therapy, igg, infections, assessed) in enumerate(
        (age, therapy, igg, infections, assessed)
        for age in (9, 62)
        for therapy in ("car-t", "bispecific")
        for igg in (2.5, 4.0, 5.5)
        for infections in (False, True)
        for assessed in ("2026-03-01", "2026-09-01")
    ):
        immunoglobulin: dict[str, object] = {"status": "none"}
        if index % 3 == 0:
            immunoglobulin = {
                "status": "ongoing", "start_date": "2026-02-01", "started_before_therapy": False,
                "start_basis": "infections" if infections else "igg-below-4",
            }
        patients.append({
            "age": age, "therapy": therapy, "therapy_start": "2026-01-15", "assessment_date": assessed,
            "igg": {"value": igg, "unit": "g/L", "during_ig_substitution": False},
            "severe_or_recurrent_bacterial_infections": infections, "immunoglobulin": immunoglobulin,
        })
    return patients


@pytest.mark.parametrize("lang", ["en", "da"])
def test_recommend_same_answers_locally_and_remotely(loaded_endpoint: Endpoint, lang: str) -> None:
    from evidencekb.recommend.evaluate import recommend_data

    if loaded_endpoint.store == "virtuoso" and lang == "da":
        pytest.skip("CI time: ~1 s a query on Virtuoso; Danish runs the same queries (test_endpoint_stores: vignettes)")

    patients = _patients()
    different = [
        patient for patient in patients
        if recommend_data(patient, lang, endpoint=loaded_endpoint.query) != recommend_data(patient, lang)
    ]
    assert len(patients) == 48
    assert not different, f"{len(different)} patients answered differently through the endpoint: {different[:2]}"


def test_compare_same_verdicts_locally_and_remotely(loaded_endpoint: Endpoint) -> None:
    from evidencekb.recommend.compare import compare_data

    for patient in _patients()[::5]:
        assert compare_data(patient, "en", endpoint=loaded_endpoint.query) == compare_data(patient, "en")


def test_recommend_cli_through_the_endpoint(
    loaded_endpoint: Endpoint, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "patient.json"
    path.write_text(json.dumps(_patients()[7]), encoding="utf-8")
    assert main(["recommend", str(path), "--format", "json"]) == 0
    local = capsys.readouterr().out
    assert main(["recommend", str(path), "--format", "json", "--endpoint", loaded_endpoint.query]) == 0
    assert capsys.readouterr().out == local
    assert json.loads(local)["start"]

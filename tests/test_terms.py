"""The light RDF terms (evidencekb.terms): written into queries as rdflib writes them, converted in one
place, the same answers through both views of a QueryResult — and `table` / `recommend` never load rdflib."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from evidencekb import terms
from evidencekb.rdf.terms import from_oxigraph, light, light_rows, to_oxigraph, to_rdflib
from evidencekb.sparql.core import QueryResult, query_text
from evidencekb.sparql.engines import get_engine

ROOT = Path(__file__).resolve().parent.parent

CASES = [
    (terms.URIRef("https://w3id.org/evidencekb/id/x"), rdflib.URIRef("https://w3id.org/evidencekb/id/x")),
    (terms.Literal("plain \"quoted\" \\ back"), rdflib.Literal("plain \"quoted\" \\ back")),
    (terms.Literal("tekst", lang="da"), rdflib.Literal("tekst", lang="da")),
    (terms.Literal(True), rdflib.Literal(True)),
    (terms.Literal(42), rdflib.Literal(42)),
    (terms.Literal(Decimal("3.20")), rdflib.Literal(Decimal("3.20"))),
    (terms.Literal(date(2026, 1, 15)), rdflib.Literal(date(2026, 1, 15))),
    (terms.Literal("0.5", datatype=terms.XSD_DECIMAL), rdflib.Literal("0.5", datatype=rdflib.XSD.decimal)),
]


@pytest.mark.parametrize("ours, theirs", CASES, ids=[repr(c[0]) for c in CASES])
def test_light_terms_match_rdflib(ours: terms.URIRef | terms.Literal, theirs: rdflib.term.Node) -> None:
    assert ours.n3() == theirs.n3()
    assert str(ours) == str(theirs)
    assert to_rdflib(ours) == theirs
    assert light(theirs) == ours
    assert to_oxigraph(ours) == to_oxigraph(theirs)
    assert light(to_oxigraph(ours)) == ours


def test_light_terms_are_type_strict() -> None:
    assert terms.URIRef("x") != terms.Literal("x")
    assert terms.Literal("x", lang="da") != terms.Literal("x", lang="en")
    assert terms.Literal("1", datatype=terms.XSD_INTEGER) != terms.Literal("1")
    assert len({terms.URIRef("x"), terms.URIRef("x"), terms.Literal("x")}) == 2
    with pytest.raises(TypeError):
        terms.Literal(1.5)


def test_multiline_literal_is_one_quoted_line() -> None:
    assert terms.Literal("a\nb\r").n3() == '"a\\nb\\r"'


def test_plain_string_literal_has_no_datatype() -> None:
    term = light(ox.Literal("s"))
    assert term.datatype is None and from_oxigraph(ox.Literal("s")) == rdflib.Literal("s")


def test_query_result_views_agree() -> None:
    engine = get_engine()
    result = engine.select(query_text("tables/table-3-1"), {"lang": terms.Literal("da")})
    rows = [{name: light(value) for name, value in row.items()} for row in result.rows]
    assert rows == result.terms and result.terms
    built = QueryResult(result.variables, result.rows)  # from rdflib terms (as the remote engine gives)
    assert built.terms == result.terms and built == result


def test_light_rows_never_mix_up_terms_that_look_alike() -> None:
    """light_rows converts each distinct term once and reuses it: terms with the same text but another kind,
    datatype or language (or lexical form of the same value) must still come out as themselves."""
    text = """SELECT ?a ?b WHERE { VALUES (?a ?b) {
        (<http://x/1> "http://x/1") ("1" "1"@da) ("1"@en 1) ("01"^^<http://www.w3.org/2001/XMLSchema#integer> 1.0)
        (1.00 UNDEF) (<http://x/1> "1") (true "true") } }"""
    solutions = list(ox.Store().query(text))
    expected = [{"a": light(s["a"]), "b": light(s["b"])} for s in solutions]
    for _ in range(2):  # the second time every term comes from the memo
        rows = light_rows(["a", "b"], solutions)
        assert rows == expected
        assert [(type(r["a"]), getattr(r["a"], "datatype", None), getattr(r["a"], "language", None))
                for r in rows] == [(type(e["a"]), getattr(e["a"], "datatype", None), getattr(e["a"], "language", None))
                                   for e in expected]
    assert type(rows[0]["a"]) is terms.URIRef and type(rows[0]["b"]) is terms.Literal and rows[4]["b"] is None
    assert rows[2]["b"].datatype == terms.URIRef(terms.XSD_INTEGER) and rows[1]["b"].language == "da"
    assert rows[1]["a"] != rows[2]["a"] and rows[0]["a"] != rows[0]["b"]


def test_a_values_block_writes_terms_that_look_alike_as_themselves() -> None:
    """values_block writes each distinct light term once and reuses the text: never for another term."""
    from evidencekb.sparql.core import values_block

    alike = [terms.URIRef("http://x/1"), terms.Literal("http://x/1"), terms.Literal("1"),
             terms.Literal("1", lang="da"), terms.Literal("1", datatype=terms.XSD_INTEGER),
             terms.Literal("1", datatype=terms.XSD_DECIMAL), rdflib.Literal("1", lang="en")]
    rows = [{"a": term, "b": term} for term in alike * 2]
    lines = values_block(rows).splitlines()[1:-1]
    assert lines == [f"({term.n3()} {term.n3()})" for term in alike * 2]
    assert len(set(lines)) == len(alike)


def test_both_kinds_of_bound_terms_give_the_same_answer() -> None:
    engine = get_engine()
    text = query_text("tables/table-3-1")
    assert engine.select(text, {"lang": terms.Literal("en")}).rows == engine.select(
        text, {"lang": rdflib.Literal("en")}).rows


def test_table_and_recommend_never_import_rdflib(tmp_path: Path) -> None:
    patient = tmp_path / "patient.json"
    patient.write_text(json.dumps({
        "age": 62, "therapy": "car-t", "therapy_start": "2026-01-15", "assessment_date": "2026-03-01",
        "igg": {"value": 3.2, "unit": "g/L"}, "severe_or_recurrent_bacterial_infections": False,
        "immunoglobulin": {"status": "none"}}), encoding="utf-8")
    commands = [["table", "3-1"], ["recommend", str(patient)], ["--help"]]
    assert _rdflib_use(commands) == [(False, 0)] * len(commands)


def _rdflib_use(argvs: list[list[str]]) -> list[tuple[bool, int]]:
    """Run the command lines one after another in a fresh process; after each: (is rdflib imported, how many
    times rdflib's Graph.parse ran so far). Parses are counted only when the first line is ["--count-parses"]
    (which imports rdflib up front, so the first answer is then always True)."""
    script = textwrap.dedent(f"""
        import contextlib, io, sys
        argvs = {argvs!r}
        counted = []
        if argvs[0] and argvs[0][0] == "--count-parses":
            import rdflib.graph
            original = rdflib.graph.Graph.parse
            def parse(self, *args, **kwargs):
                counted.append(1)
                return original(self, *args, **kwargs)
            rdflib.graph.Graph.parse = parse
            argvs = argvs[1:]
        from evidencekb.cli import main
        seen = []
        for argv in argvs:
            with contextlib.redirect_stdout(io.StringIO()):
                try:
                    main(argv)
                except SystemExit:
                    pass
            seen.append(("rdflib" in sys.modules, len(counted)))
        print(seen)
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True,
                          env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    return eval(done.stdout.strip())  # noqa: S307 – our own script's repr of a list of tuples


def test_query_why_stats_space_fhir_never_import_rdflib() -> None:
    """Commands that do not run pyshacl never parse with rdflib; these read light terms and never import it."""
    commands = [["why", "--list"], ["why", "council-start-igg-below-6", "--format", "json"],
                ["query", "--list"], ["query", "igg-cutoff-not-4", "--format", "json"],
                ["query", "criteria-for-children"], ["stats", "--format", "json"], ["space", "--format", "csv"],
                ["export", "--format", "fhir"], ["export", "--format", "turtle"], ["export", "--format", "jsonld"],
                ["export", "--format", "ntriples"], ["diff", ".", "."]]
    assert _rdflib_use(commands) == [(False, 0)] * len(commands)


def test_audit_never_imports_rdflib() -> None:
    """`audit` reads the knowledge base through pyoxigraph and adds the space findings as pyoxigraph quads."""
    assert _rdflib_use([["audit", "--format", "json"]]) == [(False, 0)]

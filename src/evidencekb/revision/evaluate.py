"""Deciding the cells: the council's answer from `recommend` (batched), each secondary publication's verdict
from `compare`'s query (queries/compare/start-criteria.rq, all cells in one query per chunk) read with compare's
rules (see `_verdict`; tests check both agree with `compare` itself), and the raw matches of the council's
start and stop rules (for the overlap findings)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from evidencekb.errors import EndpointError, EvidenceKBError
from evidencekb.namespaces import ekb
from evidencekb.recommend.batch import recommend_records
from evidencekb.recommend.evaluate import recommender
from evidencekb.recommend.facts import Facts
from evidencekb.recommend.patient import parse_patient
from evidencekb.revision.cells import Cell, make_cells, representative_patient
from evidencekb.revision.dimensions import Dimension, Piece
from evidencekb.sparql.core import Engine, Term, inline_values, query_text

#: cells per query when the sources are evaluated
CHUNK = 1000
#: compare's verdicts, most to least in favour of substitution (evidencekb.recommend.compare.VERDICT_RANK)
VERDICT_RANK = {"start": 2, "consider": 1, "do-not-start": 0}
COUNCIL = "https://w3id.org/evidencekb/id/addendum"


def _council_answers(patients: Sequence[dict[str, Any]], endpoint: str | None, graph: str | None) -> list[dict]:
    answers = list(recommend_records(list(enumerate(patients, start=1)), "en", endpoint, graph))
    for answer in answers:
        if "error" in answer:
            raise EvidenceKBError(
                f"the representative patient of a cell is not valid for recommend (patient {answer['line']}: "
                f"{answer['error']}); the knowledge base's codes do not fit the patient contract")
    return answers


def six_month_date(dims: dict[str, Dimension], endpoint: str | None = None, graph: str | None = None) -> date | None:
    """The council's phase boundary for the reference therapy start, as `recommend` computes it."""
    if not dims["population"].values or not dims["therapy_class"].values:
        return None
    probe = representative_patient(next(iter(dims["population"].values.values())),
                                   next(iter(dims["therapy_class"].values.values())),
                                   Piece(Decimal(0), True, Decimal(0), True, Decimal(0)),
                                   Piece(Decimal(0), True, Decimal(0), True, Decimal(1)),
                                   {"infections": False}, {"status": "none"})
    answer = _council_answers([probe], endpoint, graph)[0]
    return date.fromisoformat(answer["six_month_date"])


def cell_facts(cells: Sequence[Cell], endpoint: str | None = None, graph: str | None = None) -> list[Facts] | None:
    """Every cell's patient facts (`recommend`'s), made once and shared by the three evaluations; None when a
    representative patient does not parse (then each evaluation takes its own path, which reports the error
    as before)."""
    rec = recommender(endpoint, graph)
    try:
        return [rec.facts(parse_patient(cell.patient)) for cell in cells]
    except EndpointError:
        raise
    except Exception:  # noqa: BLE001 – evaluate_council's own path raises the error with the patient's number
        return None


def evaluate_council(cells: Sequence[Cell], endpoint: str | None = None, graph: str | None = None,
                     facts: Sequence[Facts] | None = None) -> None:
    """The council's start and stop decision for every cell (recommend, in batches; `facts`: `cell_facts`)."""
    answers: list[Any] | None = None
    if facts is not None:
        answers = recommender(endpoint, graph).evaluate_each(facts, "en", explain=False)
        if any(isinstance(answer, BaseException) for answer in answers):
            answers = None  # recommend_records words the error of that patient
    if answers is None:
        answers = _council_answers([c.patient for c in cells], endpoint, graph)
    for cell, answer in zip(cells, answers, strict=True):
        cell.council = {"start": answer["start"]["decision"], "stop": answer["stop"]["decision"],
                        "rule": answer["start"]["rule"], "stop_rule": answer["stop"]["rule"],
                        "settled": answer["stop"]["settled"]}
        if not answer["stop"]["settled"]:
            cell.council["annotation"] = answer["stop"].get("annotation")


def _compare_key(population: Term, therapy: Term, igg: Term, infections: Term, months: Term, exact: Term,
                 days: Term) -> tuple:
    return (str(population), str(therapy), Decimal(str(igg)), str(infections).lower() in ("true", "1"),
            int(str(months)), str(exact).lower() in ("true", "1"), int(str(days)))


def publications(engine: Engine) -> dict[str, dict[str, Any]]:
    pubs: dict[str, dict[str, Any]] = {}
    for row in engine.select(query_text("compare/publications")).terms:
        pub = pubs.setdefault(str(row["publication"]), {"classes": set(), "label": None})
        if row.get("therapyClass") is not None:
            pub["classes"].add(str(row["therapyClass"]))
        if row.get("label") is not None and pub["label"] is None:
            pub["label"] = str(row["label"])
    return pubs


def _verdict(pub: dict[str, Any], therapy_code: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A source's verdict from its criteria rows, by the rules of `evidencekb compare` (no disease given)."""
    if pub["classes"] and therapy_code not in pub["classes"]:
        return {"verdict": "out-of-scope", "criterion": None}
    relevant = [r for r in rows if str(r["status"]) not in ("population", "therapy")]
    if not relevant:
        return {"verdict": "out-of-scope", "criterion": None}
    met = [r for r in relevant if str(r["status"]) == "match" and r.get("verdict") is not None]
    if not met:
        return {"verdict": "do-not-start", "criterion": None}
    best = max(met, key=lambda r: (VERDICT_RANK.get(str(r["verdict"]), 0), str(r["rule"])))
    return {"verdict": str(best["verdict"]), "criterion": str(best["rule"])}


_KEY_VARIABLES = ("population", "therapyClass", "igg", "infections", "monthsSince", "exactMonths", "daysSince")
#: compare's rows that cannot decide a verdict (the patient is outside the criterion's population or therapy)
_NOT_DECIDING = ("population", "therapy")


def evaluate_sources(cells: Sequence[Cell], endpoint: str | None = None, graph: str | None = None,
                     facts: Sequence[Facts] | None = None) -> None:
    """Every publication's verdict for every cell: compare's query, one query per chunk of distinct patients
    (`facts`: `cell_facts`, made here when not given)."""
    rec = recommender(endpoint, graph)
    engine = rec.engine
    pubs = publications(engine)
    facts_of: dict[tuple, Any] = {}
    cell_keys: list[tuple] = []
    key_of: dict[str, tuple] = {}  # compare ignores the immunoglobulin course: one evaluation per rest of the patient
    for i, cell in enumerate(cells):
        rest = json.dumps({k: v for k, v in cell.patient.items() if k != "immunoglobulin"}, sort_keys=True)
        if rest not in key_of:
            made = facts[i] if facts is not None else rec.facts(parse_patient(cell.patient))
            b = made.start_bindings(0)
            key_of[rest] = _compare_key(*(b[name] for name in _KEY_VARIABLES))
            facts_of.setdefault(key_of[rest], made)
        cell_keys.append(key_of[rest])
    text = query_text("compare/start-criteria")
    rows_of: dict[tuple, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    keys = list(facts_of)
    for offset in range(0, len(keys), CHUNK):
        bindings = []
        for key in keys[offset: offset + CHUNK]:
            b = dict(facts_of[key].start_bindings(0))
            b.pop("patient")
            b.pop("igStatus")
            bindings.append(b)
        for row in engine.select(inline_values(text, bindings)).terms:
            if str(row["status"]) in _NOT_DECIDING:
                continue
            key = _compare_key(*(row[name] for name in _KEY_VARIABLES))  # type: ignore[arg-type]
            verdict = row.get("verdict")
            rows_of[key][str(row["publication"])].append(
                {"publication": str(row["publication"]), "rule": str(row["rule"]),
                 "verdict": str(verdict) if verdict is not None and str(verdict) else None,
                 "status": str(row["status"])})
    verdicts: dict[tuple, dict[str, dict[str, Any]]] = {}
    for key, made in facts_of.items():
        verdicts[key] = {iri: _verdict(pub, made.therapy_code, rows_of[key].get(iri, []))
                         for iri, pub in sorted(pubs.items())}
    for cell, key in zip(cells, cell_keys, strict=True):
        cell.council_verdict = verdicts[key].get(COUNCIL, {}).get("verdict")
        cell.sources = {iri: v for iri, v in verdicts[key].items() if iri != COUNCIL}


def _split(results: Term | None, names: tuple[str, ...]) -> list[dict[str, str]]:
    if results is None or not str(results):
        return []
    return [dict(zip(names, item.split("|"), strict=True)) for item in str(results).split(" ")]


def evaluate_matches(cells: Sequence[Cell], endpoint: str | None = None, graph: str | None = None,
                     facts: Sequence[Facts] | None = None) -> None:
    """Every council start rule (and, for an ongoing course, stop rule) that matches each cell: the raw
    rows of queries/recommend/start.rq and stop.rq, for the overlap findings (`facts`: `cell_facts`)."""
    rec = recommender(endpoint, graph)
    start_bindings = []
    stop_bindings = []
    stop_cells = []
    for i, cell in enumerate(cells):
        made = facts[i] if facts is not None else rec.facts(parse_patient(cell.patient))
        start_bindings.append(made.start_bindings(i))
        if made.course_timing is not None:
            stop_cells.append(i)
            stop_bindings.append({"patient": made.start_bindings(i)["patient"], "population": made.population,
                                  "therapyClass": made.therapy_class, "igStartTiming": made.course_timing,
                                  "igStartBasis": made.course_basis or ekb["basis-unspecified"]})
    for offset in range(0, len(cells), CHUNK):
        rows = rec.engine.select(inline_values(query_text("recommend/start"), start_bindings[offset: offset + CHUNK]))
        for row in rows.terms:
            cell = cells[int(str(row["patient"]))]
            cell.start_matches = [r for r in _split(row["results"], ("priority", "rule", "decision", "status"))
                                  if r["status"] == "match"]
    for offset in range(0, len(stop_bindings), CHUNK):
        rows = rec.engine.select(inline_values(query_text("recommend/stop"), stop_bindings[offset: offset + CHUNK]))
        for row in rows.terms:
            cell = cells[int(str(row["patient"]))]
            cell.stop_matches = _split(row["results"], ("priority", "rule", "governing", "decision", "settled"))



def evaluate_cells(dims: dict[str, Dimension], endpoint: str | None = None, graph: str | None = None,
                   sources: bool = True, matches: bool = True) -> list[Cell]:
    """The cells of `dims`, decided in the current project (council always; sources and matches on request)."""
    cells = make_cells(dims, six_month_date(dims, endpoint, graph))
    if not cells:
        return cells
    facts = cell_facts(cells, endpoint, graph)
    evaluate_council(cells, endpoint, graph, facts)
    if sources:
        evaluate_sources(cells, endpoint, graph, facts)
    if matches:
        evaluate_matches(cells, endpoint, graph, facts)
    return cells

"""Evaluate the council's section-4 start/stop rules for patients: two queries per chunk of patients.

The rules are data (data/council.ttl, data/patient-mapping.ttl) and the logic is SPARQL
(queries/recommend/start.rq, stop.rq): patient facts (`facts.Facts`) go in as one VALUES block per
chunk, every rule comes back with its status, and the highest ekb:priority among the matching rules
decides. This module builds the JSON answer (codes and IRIs) from those rows; `explain` words it.

A failure while evaluating one patient never costs the others: `Recommender.evaluate_each` falls
back to one patient at a time when a chunk fails, and returns that patient's exception in its place.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from evidencekb import messages, project
from evidencekb.errors import EndpointError, InputError
from evidencekb.namespaces import ekb
from evidencekb.recommend import explain as explanation
from evidencekb.recommend.facts import Facts, facts_of, row_id, shift
from evidencekb.recommend.patient import Patient, parse_patient
from evidencekb.recommend.records import load_json_file
from evidencekb.recommend.rules import RuleBook, RuleInfo, query, select_many
from evidencekb.sparql.core import Engine, Term
from evidencekb.sparql.engines import get_engine
from evidencekb.terms import URIRef

#: patients per VALUES block in one evaluation query
CHUNK = 2500
_NOT_CHECKED = ("population", "therapy", "ig-status")


class Recommender:
    """Evaluates patients on one engine; per-patient-invariant look-ups are cached in `rules`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.rules = RuleBook(engine)

    def facts(self, patient: Patient) -> Facts:
        return facts_of(self.rules, patient)

    def evaluate(self, all_facts: Sequence[Facts], lang: str = "en") -> list[dict[str, Any]]:
        """Answers for many patients; the first patient that fails raises its error."""
        answers = self.evaluate_each(all_facts, lang)
        for answer in answers:
            if isinstance(answer, BaseException):
                raise answer
        return answers  # type: ignore[return-value]

    def evaluate_each(self, all_facts: Sequence[Facts], lang: str = "en",
                      explain: bool = True) -> list[dict[str, Any] | Exception]:
        """An answer or the exception of each patient, in order (`explain=False`: without the explanation's
        sentences, for callers that read only the decisions, such as the decision space)."""
        results: list[dict[str, Any] | Exception] = []
        for offset in range(0, len(all_facts), CHUNK):
            chunk = all_facts[offset : offset + CHUNK]
            try:
                results.extend(self._evaluate_chunk(chunk, lang, explain))
            except EndpointError:
                raise
            except Exception as error:  # noqa: BLE001 – one patient's values broke the chunk: find which, alone
                if len(chunk) == 1:
                    results.append(error)
                    continue
                for facts in chunk:
                    try:
                        results.extend(self._evaluate_chunk([facts], lang, explain))
                    except EndpointError:
                        raise
                    except Exception as alone:  # noqa: BLE001 – that patient's error line
                        results.append(alone)
        return results

    def _evaluate_chunk(self, chunk: Sequence[Facts], lang: str,
                        explain: bool = True) -> list[dict[str, Any] | Exception]:
        start_rows = select_many(self.engine, query("start"), [f.start_bindings(i) for i, f in enumerate(chunk)])
        starts: list[list[dict[str, str]]] = [[] for _ in chunk]
        for row in start_rows.terms:
            starts[int(str(row["patient"]))] = _split(row["results"], ("priority", "rule", "decisionCode", "status"))
        chosen_start = [_best(rows, lambda r: r["status"] == "match") for rows in starts]
        stop_bindings = []
        for i, facts in enumerate(chunk):
            timing, basis = self._course(facts, chosen_start[i])
            stop_bindings.append({"patient": row_id(i),
                                  "population": facts.population, "therapyClass": facts.therapy_class,
                                  "igStartTiming": timing, "igStartBasis": basis})
        stops: list[list[dict[str, str]]] = [[] for _ in chunk]
        for row in select_many(self.engine, query("stop"), stop_bindings).terms:
            stops[int(str(row["patient"]))] = _split(
                row["results"], ("priority", "rule", "governing", "decisionCode", "settled"))
        chosen_stop = [_best(rows, lambda r: True) for rows in stops]
        cited = _cited_rules(starts, chosen_start, chosen_stop)
        cited.add(self.rules.boundary_window)
        if self.rules.recovery_rule:
            cited.add(self.rules.recovery_rule)
        self.rules.load(cited, lang)
        answers: list[dict[str, Any] | Exception] = []
        for i, facts in enumerate(chunk):
            try:
                answers.append(self._answer(facts, chosen_start[i], starts[i], chosen_stop[i], lang, explain))
            except EndpointError:
                raise
            except Exception as error:  # noqa: BLE001 – that patient's error line, the others are answered
                answers.append(error)
        return answers

    def _course(self, facts: Facts, start: dict[str, str] | None) -> tuple[URIRef, URIRef]:
        """The immunoglobulin course whose stop rule is wanted: the running one, or the one starting now."""
        if facts.course_timing is not None:
            return facts.course_timing, facts.course_basis or ekb["basis-unspecified"]
        basis = self.rules.hypothetical_basis(str(start["rule"]), facts.patient.infections) if start else None
        if basis is None:
            return ekb["timing-not-started"], ekb["basis-unspecified"]
        timing = ekb["timing-within-window"] if facts.within_first_window else ekb["timing-after-window"]
        return timing, basis

    def _answer(self, facts: Facts, start: dict[str, str] | None, checked: list[dict[str, str]],
                stop: dict[str, str] | None, lang: str, explain: bool = True) -> dict[str, Any]:
        if start is None or stop is None:
            raise InputError("the knowledge base gave no start or stop decision (are data/patient-mapping.ttl "
                             "and data/council.ttl loaded?)")
        p = facts.patient
        start_info = self.rules.info(start["rule"], lang)
        governing = stop["governing"]
        gov_info = self.rules.info(governing, lang)
        settled = stop["settled"].lower() == "true"
        answer: dict[str, Any] = {
            "population": facts.population_code,
            "phase": facts.phase,
            "six_month_date": facts.six_month_date.isoformat(),
            "igg_g_per_l": float(p.igg_g_per_l),
            "therapy": {"input": p.therapy, "class": facts.therapy_code,
                        "product": str(facts.product) if facts.product else None,
                        "product_name": facts.product_name},
            "assessment_date": p.assessment_date.isoformat(),
            "start": {"decision": start["decisionCode"], "decision_label": start_info.decision_labels.get(lang),
                      "rule": start["rule"],
                      "source": start_info.section(), "section": start_info.section(2)},
            "stop": {"decision": stop["decisionCode"], "decision_label": gov_info.decision_labels.get(lang),
                     "date": None, "rule": governing,
                     "source": gov_info.section(), "section": gov_info.section(2), "settled": settled},
        }
        if start_info.get("appliesToUrl") is not None:
            answer["start"]["base_guideline"] = {
                "iri": str(start_info.get("appliesTo")), "label": str(start_info.get("appliesToLabel") or ""),
                "url": str(start_info.get("appliesToUrl")), "part_of_source": False,
            }
        if start["decisionCode"] == "do-not-start":
            answer["start"]["checked"] = [
                {"rule": r["rule"], "result": r["status"]}
                for r in sorted(checked, key=lambda r: (-Decimal(r["priority"]), r["rule"]))
                if r["status"] not in _NOT_CHECKED and r["status"] != "match"
                and not self.rules.info(r["rule"], lang).is_default
            ]
        if not settled:
            answer["stop"]["closest_rule"] = governing
            answer["stop"]["annotation"] = stop["rule"]
            note = self.rules.info(stop["rule"], lang)
            answer["stop"]["note"] = note.label
            if note.get("alternative") is not None:
                answer["stop"]["alternative_rule"] = str(note.get("alternative"))
        _stop_dates(p, answer["stop"], gov_info)
        if explain:
            answer["explanation"] = explanation.sentences(self.rules, facts, answer, lang)
        return answer


def _stop_dates(p: Patient, stop: dict[str, Any], info: RuleInfo) -> None:
    """The stop date (and window) from the governing rule's stop timing, anchored on its index event."""
    index = info.get("stopIndex")
    if index is None:
        return
    if URIRef(str(index)) == ekb["event-therapy-start"]:
        anchor = p.therapy_start
    elif p.immunoglobulin.status == "ongoing" and p.immunoglobulin.start_date is not None:
        anchor = p.immunoglobulin.start_date
    else:
        anchor = p.assessment_date  # a start decided now starts on the assessment date
    begin = shift(anchor, info.get("stopFromOffset"), info.get("stopFromUnit"))
    stop["date"] = begin.isoformat()
    if info.get("stopUntilOffset") is not None:
        end = shift(anchor, info.get("stopUntilOffset"), info.get("stopUntilUnit"))
        stop["window"] = {"from": begin.isoformat(), "to": end.isoformat(), "ig_start": anchor.isoformat()}
    if info.get("reevaluationMonths") is not None:
        stop["reevaluation_interval_months"] = int(str(info.get("reevaluationMonths")))


def _split(results: Term | None, names: tuple[str, ...]) -> list[dict[str, str]]:
    """Rows of a GROUP_CONCAT'ed "a|b|c a|b|c" result (IRIs and codes contain neither space nor '|')."""
    if results is None or not str(results):
        return []
    return [dict(zip(names, item.split("|"), strict=True)) for item in str(results).split(" ")]


def _cited_rules(starts: list[list[dict[str, str]]], chosen_start: list[dict[str, str] | None],
                 chosen_stop: list[dict[str, str] | None]) -> set[str]:
    """The rules the answers of a chunk cite: chosen start and stop rules, every rule a "do not start" checked."""
    rules: set[str] = set()
    for checked, start, stop in zip(starts, chosen_start, chosen_stop, strict=True):
        if start is not None:
            rules.add(start["rule"])
            if start["decisionCode"] == "do-not-start":
                rules.update(row["rule"] for row in checked)
        if stop is not None:
            rules.update((stop["rule"], stop["governing"]))
    return rules


def _best(rows: list[dict[str, str]], accept: Callable[[dict[str, str]], bool]) -> dict[str, str] | None:
    """The accepted row with the highest priority (ties: the first IRI in order, for determinism)."""
    best = None
    for row in sorted(rows, key=lambda r: r["rule"]):
        if accept(row) and (best is None or Decimal(row["priority"]) > Decimal(best["priority"])):
            best = row
    return best


@cache
def _recommender(endpoint: str | None, graph: str | None, of: project.Project | None) -> Recommender:
    return Recommender(get_engine(endpoint, graph))


def recommender(endpoint: str | None = None, graph: str | None = None) -> Recommender:
    """The recommender of the current project (or of `endpoint`), made once per process and project."""
    return _recommender(endpoint, graph, None if endpoint else project.current())


def check_lang(lang: str) -> None:
    """Refuse a --lang the answers are not written in."""
    if lang not in messages.LANGUAGES:
        raise InputError(f"--lang: unknown language {lang!r} (accepted: {', '.join(messages.LANGUAGES)})")


def recommend_data(data: Any, lang: str = "en", endpoint: str | None = None, graph: str | None = None,
                   today: date | None = None) -> dict[str, Any]:
    """The answer (JSON-ready dict) for one patient record already parsed from JSON."""
    check_lang(lang)
    engine = recommender(endpoint, graph)
    return engine.evaluate([engine.facts(parse_patient(data, today))], lang)[0]


def recommend_file(path: Path, format: str = "text", lang: str = "en", endpoint: str | None = None,
                   graph: str | None = None) -> str:
    """One patient file answered as JSON or as text."""
    answer = recommend_data(load_json_file(path), lang, endpoint, graph)
    if format == "json":
        return json.dumps(answer, ensure_ascii=False, indent=2)
    return explanation.render_text(answer, lang)

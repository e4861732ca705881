"""`evidencekb recommend`: the council's section-4 start/stop decision for patients, with reasons.

The rules are data (data/council.ttl, data/patient-mapping.ttl) and the logic is SPARQL
(queries/recommend/*.rq). This module is glue: it validates the patient (`evidencekb.recommend.patient`), maps
the therapy and age to codes through the graph, computes the calendar facts SPARQL cannot (whole
months since therapy start, the six-month date clamped to the month's end, stop windows — all from
offsets read from the graph), binds them into the evaluation queries, and formats the answer.

Batch input (``--batch FILE.jsonl|FILE.csv --out RESULT.jsonl``): one patient per JSON line, or a CSV
with the header columns age, therapy, therapy_start, assessment_date, igg_value, igg_unit,
igg_during_ig_substitution, severe_or_recurrent_bacterial_infections, ig_status, ig_start_date,
ig_started_before_therapy, ig_start_basis, disease (empty cells = not given; an unknown column is
rejected, a row with more cells than the header is a bad row). Every output line is the JSON
answer plus ``"line"``; a bad row becomes ``{"line": n, "error": "..."}`` and is reported on stderr.
Exit 0 when every row was answered, 1 when any row failed.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta
from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from evidencekb import project
from evidencekb.errors import InputError
from evidencekb.namespaces import EKB, KB, UNIT
from evidencekb.recommend.patient import (
    CSV_COLUMNS,
    Patient,
    from_csv_row,
    load_json_file,
    parse_json_text,
    parse_patient,
)
from evidencekb.sparql.core import Engine, QueryResult, inline_values, query_text
from evidencekb.sparql.engines import get_engine

#: calendar units of the graph's time windows → relativedelta arguments (unit semantics, not rules)
_CALENDAR = {UNIT.MO: "months", UNIT.YR: "years", UNIT.DAY: "days", UNIT.WK: "weeks"}
#: patients per VALUES block in one evaluation query
CHUNK = 2500


def _q(name: str) -> str:
    return query_text(f"recommend/{name}")


def shift(start: date, offset: Node | None, unit: Node | None) -> date:
    """`start` moved by a graph offset (e.g. 6 unit:MO), clamped to the month's end by relativedelta."""
    if offset is None or unit is None:
        return start
    name = _CALENDAR.get(URIRef(str(unit)))
    if name is None:
        raise InputError(f"the knowledge base uses a time unit recommend cannot compute: {unit}")
    amount = Decimal(str(offset))
    if amount != amount.to_integral_value():
        raise InputError(f"the knowledge base uses a fractional time offset recommend cannot compute: {offset}")
    return start + relativedelta(**{name: int(amount)})


def months_between(start: date, end: date) -> tuple[int, bool]:
    """Whole calendar months n with start + n months ≤ end (clamped), and whether it lands on `end`."""
    delta = relativedelta(end, start)
    months = max(delta.years * 12 + delta.months - 1, 0)
    while start + relativedelta(months=months + 1) <= end:
        months += 1
    return months, start + relativedelta(months=months) == end


@dataclass
class Facts:
    """One validated patient with the codes and calendar facts the queries need."""

    patient: Patient
    population: URIRef
    population_code: str
    therapy_class: URIRef
    therapy_code: str
    product: URIRef | None
    product_name: str | None
    six_month_date: date
    phase: str
    months_since: int
    exact_months: bool
    days_since: int
    ig_status: URIRef
    course_timing: URIRef | None = None  # for an ongoing course
    course_basis: URIRef | None = None

    def start_bindings(self, row_id: int) -> dict[str, Node]:
        return {
            "patient": _literal(row_id),
            "population": self.population,
            "therapyClass": self.therapy_class,
            "igg": _decimal(self.patient.igg_g_per_l),
            "infections": _literal(self.patient.infections),
            "igStatus": self.ig_status,
            "monthsSince": _literal(self.months_since),
            "exactMonths": _literal(self.exact_months),
            "daysSince": _literal(self.days_since),
        }


@lru_cache(maxsize=65536)
def _literal(value: int | bool) -> Literal:
    return Literal(value)


@lru_cache(maxsize=65536)
def _decimal(value: Decimal) -> Literal:
    return Literal(value, datatype=XSD.decimal)


class Recommender:
    """Evaluates patients on one engine; per-patient-invariant query results are cached."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._therapy: dict[str, tuple[URIRef, str, URIRef | None, str | None]] = {}
        self._rule_info: dict[tuple[str, str], dict[str, Any]] = {}
        self._hypothetical: dict[str, URIRef | None] = {}
        self.boundary = self._phase_boundary()
        self.populations = self._populations()
        self.codes = self._codes()

    # --- graph look-ups (cached) ------------------------------------------------------------

    def _phase_boundary(self) -> dict[str, Node]:
        rows = self.engine.select(_q("phase-boundary")).rows
        if not rows:
            raise InputError("the knowledge base has no council start window with an end (data/council.ttl)")
        return rows[0]  # type: ignore[return-value]

    def _populations(self) -> list[tuple[URIRef, str, Decimal | None, Decimal | None]]:
        out = []
        for row in self.engine.select(_q("populations")).rows:
            low = Decimal(str(row["fromAge"])) if row.get("fromAge") is not None else None
            high = Decimal(str(row["belowAge"])) if row.get("belowAge") is not None else None
            out.append((URIRef(str(row["population"])), str(row["code"]), low, high))
        return out

    def _codes(self) -> dict[tuple[str, str], URIRef]:
        rows = self.engine.select(_q("codes")).rows
        return {(str(r["scheme"]).rsplit("#", 1)[-1], str(r["code"])): URIRef(str(r["concept"])) for r in rows}

    def code(self, scheme: str, notation: str) -> URIRef:
        try:
            return self.codes[(scheme, notation)]
        except KeyError:
            raise InputError(f"the knowledge base has no code {notation!r} in ekb:{scheme}") from None

    def resolve_therapy(self, text: str) -> tuple[URIRef, str, URIRef | None, str | None]:
        """Therapy text → (class, class code, product, product name), via the graph."""
        key = " ".join(text.split()).lower()
        if key not in self._therapy:
            rows = self.engine.select(_q("therapy-class"), {"input": Literal(key)}).rows
            classes = {str(r["therapyClass"]) for r in rows}
            if len(classes) != 1:
                names = list({str(r["name"]).lower(): str(r["name"])  # one spelling per name
                              for r in self.engine.select(_q("therapy-names")).rows}.values())
                problem = "unknown therapy" if not classes else "ambiguous therapy"
                raise InputError(
                    f"therapy: {problem} {text[:60]!r} (accepted: {', '.join(names[:2])} or a product name "
                    f"the knowledge base knows, e.g. {', '.join(names[2:12])}; case-insensitive)"
                )
            row = rows[0]
            product = URIRef(str(row["product"])) if row.get("product") is not None else None
            name = str(row["productName"]) if row.get("productName") is not None else None
            self._therapy[key] = (URIRef(str(row["therapyClass"])), str(row["classCode"]), product, name)
        return self._therapy[key]

    def rule_info(self, rule: str, lang: str) -> dict[str, Any]:
        if (rule, lang) not in self._rule_info:
            self.load_rule_info([rule], lang)
        return self._rule_info[(rule, lang)]

    def load_rule_info(self, rules: Iterable[str], lang: str) -> None:
        """Look up every rule not cached yet in ONE query (a query per rule reads all rules each time)."""
        wanted = sorted({rule for rule in rules if (rule, lang) not in self._rule_info})
        if not wanted:
            return
        bindings: list[dict[str, Node]] = [{"rule": URIRef(rule), "lang": Literal(lang)} for rule in wanted]
        rows_of: dict[str, list[dict[str, Node | None]]] = {rule: [] for rule in wanted}
        for row in self._select_many(_q("rule-info"), bindings).rows:
            rows_of[str(row["rule"])].append(row)
        for rule, rows in rows_of.items():
            info: dict[str, Any] = {"iri": rule, "sections": []}
            for row in rows:
                for name, value in row.items():
                    if value is not None and name not in info:
                        info[name] = value
                if row.get("section") is not None:
                    section = (str(row["section"]), str(row.get("sectionLabel") or row["sectionNotation"]),
                               str(row["sectionNotation"]))
                    if section not in info["sections"]:
                        info["sections"].append(section)
            info["isDefault"] = str(info.get("isDefault", "false")).lower() == "true"
            self._rule_info[(rule, lang)] = info

    def hypothetical_basis(self, start_rule: str) -> URIRef | None:
        if start_rule not in self._hypothetical:
            rows = self.engine.select(_q("hypothetical-start"), {"startRule": URIRef(start_rule)}).rows
            self._hypothetical[start_rule] = URIRef(str(rows[0]["igStartBasis"])) if rows else None
        return self._hypothetical[start_rule]

    # --- per patient ------------------------------------------------------------------------

    def facts(self, patient: Patient) -> Facts:
        population, population_code = self._population(patient.age)
        therapy_class, therapy_code, product, product_name = self.resolve_therapy(patient.therapy)
        six = shift(patient.therapy_start, self.boundary["untilOffset"], self.boundary["untilUnit"])
        months, exact = months_between(patient.therapy_start, patient.assessment_date)
        ig = patient.immunoglobulin
        facts = Facts(
            patient=patient,
            population=population,
            population_code=population_code,
            therapy_class=therapy_class,
            therapy_code=therapy_code,
            product=product,
            product_name=product_name,
            six_month_date=six,
            phase="within-6-months" if patient.assessment_date < six else "after-6-months",
            months_since=months,
            exact_months=exact,
            days_since=(patient.assessment_date - patient.therapy_start).days,
            ig_status=self.code("IgStatusScheme", ig.status),
        )
        if ig.status == "ongoing":
            assert ig.start_date is not None
            if ig.started_before_therapy:
                facts.course_timing = EKB["timing-before-therapy"]
            elif ig.start_date < six:
                facts.course_timing = EKB["timing-within-window"]
            else:
                facts.course_timing = EKB["timing-after-window"]
            if ig.start_basis is not None:
                facts.course_basis = self.code("IgStartBasisScheme", ig.start_basis)
            elif facts.course_timing == EKB["timing-within-window"] and population_code == "adult":
                raise InputError(
                    f"immunoglobulin.start_basis: required when immunoglobulin started within six months of "
                    f"therapy start (started {ig.start_date.isoformat()}, six-month date {six.isoformat()}); "
                    "accepted: igg-below-4, infections"
                )
            else:
                facts.course_basis = EKB["basis-unspecified"]
        return facts

    def _population(self, age: float) -> tuple[URIRef, str]:
        years = Decimal(str(age))
        for concept, code, low, high in self.populations:
            if (low is None or years >= low) and (high is None or years < high):
                return concept, code
        raise InputError(f"age: {age} matches no population code of the knowledge base")

    # --- evaluation -------------------------------------------------------------------------

    def _select_many(self, query: str, rows: Sequence[dict[str, Node]]) -> QueryResult:
        """Evaluate `query` for many patients at once: their values go in as one VALUES block."""
        return self.engine.select(inline_values(query, rows))

    def evaluate(self, all_facts: Sequence[Facts], lang: str = "en") -> list[dict[str, Any]]:
        """Answers for many patients: two queries per chunk of patients (start, then stop)."""
        answers: list[dict[str, Any]] = []
        for offset in range(0, len(all_facts), CHUNK):
            answers.extend(self._evaluate_chunk(all_facts[offset : offset + CHUNK], lang))
        return answers

    def _evaluate_chunk(self, chunk: Sequence[Facts], lang: str) -> list[dict[str, Any]]:
        start_rows = self._select_many(_q("start"), [f.start_bindings(i) for i, f in enumerate(chunk)]).rows
        starts: list[list[dict[str, str]]] = [[] for _ in chunk]
        for row in start_rows:
            starts[int(str(row["patient"]))] = _split(row["results"], ("priority", "rule", "decisionCode", "status"))
        chosen_start = [_best(rows, lambda r: r["status"] == "match") for rows in starts]
        stop_bindings = []
        for i, facts in enumerate(chunk):
            timing, basis = self._course(facts, chosen_start[i])
            stop_bindings.append({
                "patient": _literal(i),
                "population": facts.population,
                "therapyClass": facts.therapy_class,
                "igStartTiming": timing,
                "igStartBasis": basis,
            })
        stop_rows = self._select_many(_q("stop"), stop_bindings).rows
        stops: list[list[dict[str, str]]] = [[] for _ in chunk]
        for row in stop_rows:
            stops[int(str(row["patient"]))] = _split(
                row["results"], ("priority", "rule", "governing", "decisionCode", "settled")
            )
        chosen_stop = [_best(rows, lambda r: True) for rows in stops]
        self.load_rule_info(_cited_rules(str(self.boundary["window"]), starts, chosen_start, chosen_stop), lang)
        return [
            self._answer(facts, chosen_start[i], starts[i], chosen_stop[i], lang) for i, facts in enumerate(chunk)
        ]

    def _course(self, facts: Facts, start: dict[str, str] | None) -> tuple[URIRef, URIRef]:
        """The immunoglobulin course whose stop rule is wanted: the running one, or the one starting now."""
        if facts.course_timing is not None:
            return facts.course_timing, facts.course_basis or EKB["basis-unspecified"]
        basis = self.hypothetical_basis(str(start["rule"])) if start else None
        if basis is None:
            return EKB["timing-not-started"], EKB["basis-unspecified"]
        timing = EKB["timing-within-window"] if facts.phase == "within-6-months" else EKB["timing-after-window"]
        return timing, basis

    def _answer(
        self,
        facts: Facts,
        start: dict[str, str] | None,
        checked: list[dict[str, str]],
        stop: dict[str, str] | None,
        lang: str,
    ) -> dict[str, Any]:
        if start is None or stop is None:
            raise InputError("the knowledge base gave no start or stop decision (are data/patient-mapping.ttl "
                             "and data/council.ttl loaded?)")
        p = facts.patient
        start_info = self.rule_info(str(start["rule"]), lang)
        stop_rule = str(stop["rule"])
        governing = str(stop["governing"])
        gov_info = self.rule_info(governing, lang)
        settled = str(stop["settled"]).lower() == "true"
        answer: dict[str, Any] = {
            "population": facts.population_code,
            "phase": facts.phase,
            "six_month_date": facts.six_month_date.isoformat(),
            "igg_g_per_l": float(p.igg_g_per_l),
            "therapy": {
                "input": p.therapy,
                "class": facts.therapy_code,
                "product": str(facts.product) if facts.product else None,
                "product_name": facts.product_name,
            },
            "assessment_date": p.assessment_date.isoformat(),
            "start": {
                "decision": str(start["decisionCode"]),
                "rule": str(start["rule"]),
                "source": _first_section(start_info),
                "section": _first_section(start_info, 2),
            },
            "stop": {
                "decision": str(stop["decisionCode"]),
                "date": None,
                "rule": governing,
                "source": _first_section(gov_info),
                "section": _first_section(gov_info, 2),
                "settled": settled,
            },
        }
        if start_info.get("appliesToUrl") is not None:
            answer["start"]["base_guideline"] = {
                "iri": str(start_info["appliesTo"]),
                "label": str(start_info.get("appliesToLabel") or ""),
                "url": str(start_info["appliesToUrl"]),
                "part_of_source": False,
            }
        if str(start["decisionCode"]) == "do-not-start":
            answer["start"]["checked"] = [
                {"rule": str(r["rule"]), "result": str(r["status"])}
                for r in sorted(checked, key=lambda r: (-Decimal(r["priority"]), r["rule"]))
                if str(r["status"]) not in ("population", "therapy", "ig-status")
                and not self.rule_info(str(r["rule"]), lang)["isDefault"]
            ]
        if not settled:
            answer["stop"]["closest_rule"] = governing
            answer["stop"]["annotation"] = stop_rule
            answer["stop"]["note"] = str(self.rule_info(stop_rule, lang).get("label") or "")
        self._stop_dates(facts, answer["stop"], gov_info)
        answer["explanation"] = explain(self, facts, answer, lang)
        return answer

    def _stop_dates(self, facts: Facts, stop: dict[str, Any], info: dict[str, Any]) -> None:
        index = info.get("stopIndex")
        if index is None:
            return
        p = facts.patient
        if URIRef(str(index)) == EKB["event-therapy-start"]:
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
            stop["reevaluation_interval_months"] = int(str(info["reevaluationMonths"]))


def _split(results: Node | None, names: tuple[str, ...]) -> list[dict[str, str]]:
    """Rows of a GROUP_CONCAT'ed "a|b|c a|b|c" result (IRIs and codes contain neither space nor '|')."""
    if results is None or not str(results):
        return []
    return [dict(zip(names, item.split("|"), strict=True)) for item in str(results).split(" ")]


def _cited_rules(window: str, starts: list[list[dict[str, str]]], chosen_start: list[dict[str, str] | None],
                 chosen_stop: list[dict[str, str] | None]) -> set[str]:
    """The rules the answers of a chunk cite: chosen start and stop rules, every rule a "do not start" checked."""
    rules = {window}
    for checked, start, stop in zip(starts, chosen_start, chosen_stop, strict=True):
        if start is not None:
            rules.add(start["rule"])
            if start["decisionCode"] == "do-not-start":
                rules.update(row["rule"] for row in checked)
        if stop is not None:
            rules.update((stop["rule"], stop["governing"]))
    return rules


def _best(rows: list[dict[str, str]], accept: Any) -> dict[str, str] | None:
    """The accepted row with the highest priority (ties: the first IRI in order, for determinism)."""
    best = None
    for row in sorted(rows, key=lambda r: r["rule"]):
        if accept(row) and (best is None or Decimal(row["priority"]) > Decimal(best["priority"])):
            best = row
    return best


def _first_section(info: dict[str, Any], index: int = 0) -> str | None:
    sections = info.get("sections") or []
    return sections[0][index] if sections else None


def recommender(endpoint: str | None = None, graph: str | None = None) -> Recommender:
    return _recommender(endpoint, graph, project.current())


@cache
def _recommender(endpoint: str | None, graph: str | None, of: project.Project) -> Recommender:
    return Recommender(get_engine(endpoint, graph))


# --- public API used by the CLI --------------------------------------------------------------


def recommend_data(data: Any, lang: str = "en", endpoint: str | None = None, graph: str | None = None,
                   today: date | None = None) -> dict[str, Any]:
    """The answer (JSON-ready dict) for one patient record already parsed from JSON."""
    check_lang(lang)
    engine = recommender(endpoint, graph)
    facts = engine.facts(parse_patient(data, today))
    return engine.evaluate([facts], lang)[0]


def recommend_file(path: Path, format: str = "text", lang: str = "en", endpoint: str | None = None,
                   graph: str | None = None) -> str:
    answer = recommend_data(load_json_file(path), lang, endpoint, graph)
    if format == "json":
        return json.dumps(answer, ensure_ascii=False, indent=2)
    return render_text(answer, lang)


def check_lang(lang: str) -> None:
    """Refuse a --lang the answers are not written in."""
    if lang not in ("da", "en"):
        raise InputError(f"--lang: unknown language {lang!r} (accepted: da, en)")


def read_batch(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, record or InputError) for each row of a JSON Lines or CSV file."""
    suffix = Path(path).suffix.lower()
    try:
        handle = open(path, encoding="utf-8-sig", newline="")  # spreadsheets often write a byte-order mark
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror})") from None
    with handle:
        if suffix in (".jsonl", ".ndjson", ".json"):
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    yield number, parse_json_text(line, "row")
                except InputError as error:
                    yield number, error
        elif suffix == ".csv":
            reader = csv.DictReader(handle)
            missing = [c for c in ("age", "therapy", "therapy_start", "igg_value", "igg_unit")
                       if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(
                    f"{path}: CSV header lacks column(s) {', '.join(missing)} (columns: {', '.join(CSV_COLUMNS)})"
                )
            unknown = [c for c in (reader.fieldnames or []) if c not in CSV_COLUMNS and c.strip()]
            if unknown:
                raise InputError(
                    f"{path}: unknown CSV column(s) {', '.join(repr(c[:40]) for c in unknown)} "
                    f"(columns: {', '.join(CSV_COLUMNS)}; unknown columns are rejected, not ignored)"
                )
            for row in reader:
                surplus = row.pop(None, None)  # type: ignore[call-overload]  # cells beyond the header
                if surplus:
                    columns = len(reader.fieldnames or [])
                    yield reader.line_num, InputError(
                        f"row: {columns + len(surplus)} cells but the header has {columns} columns"
                    )
                    continue
                try:
                    yield reader.line_num, from_csv_row(row)
                except InputError as error:
                    yield reader.line_num, error
        else:
            raise InputError(f"{path}: unknown batch format {suffix or '(none)'!r} (accepted: .jsonl or .csv)")


def recommend_records(records: Iterable[tuple[int, Any]], lang: str = "en", endpoint: str | None = None,
                      graph: str | None = None, progress: Any = None,
                      today: date | None = None) -> Iterator[dict[str, Any]]:
    """Answer records (line, data) in order; a bad record yields {"line": n, "error": "..."}."""
    engine = recommender(endpoint, graph)
    pending: list[tuple[int, Facts | InputError]] = []

    def flush() -> Iterator[dict[str, Any]]:
        good = [f for _, f in pending if isinstance(f, Facts)]
        answers = iter(engine.evaluate(good, lang)) if good else iter(())
        for line, item in pending:
            if isinstance(item, InputError):
                yield {"line": line, "error": str(item)}
            else:
                yield {"line": line, **next(answers)}
        if progress is not None:
            progress.update(len(pending))
        pending.clear()

    for line, data in records:
        if isinstance(data, InputError):
            pending.append((line, data))
        else:
            try:
                pending.append((line, engine.facts(parse_patient(data, today))))
            except InputError as error:
                pending.append((line, error))
        if len(pending) >= CHUNK:
            yield from flush()
    yield from flush()


def recommend_batch(batch_path: Path, out_path: Path | None, endpoint: str | None = None,
                    graph: str | None = None, lang: str = "en", format: str = "json") -> int:
    """Answer every row of a batch file into `out_path` (JSON Lines, written atomically)."""
    from tqdm import tqdm

    if out_path is None:
        raise InputError("--out: missing (give --out RESULT.jsonl for --batch)")
    out_path = Path(out_path)
    failed = total = 0
    directory = out_path.parent if str(out_path.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"--out: folder {directory} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out, tqdm(
            desc="recommend", unit=" patients", file=sys.stderr, disable=None
        ) as bar:
            for record in recommend_records(read_batch(batch_path), lang, endpoint, graph, progress=bar):
                total += 1
                if "error" in record:
                    failed += 1
                    print(f"{batch_path}: line {record['line']}: {record['error']}", file=sys.stderr)
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        os.replace(tmp, out_path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    print(f"{total - failed} of {total} patients answered, {failed} failed → {out_path}", file=sys.stderr)
    return 1 if failed else 0


# --- explanation and text output ---------------------------------------------------------------

_TEXT = {
    "en": {
        "adult": "adult", "child": "child",
        "situation": "Patient: {population} aged {age}, {therapy} started {start}, assessed {assessed}: {phase_text} "
                     "(six-month date {six}; {cite})",
        "within": "within the first six months after therapy start",
        "after": "six months or later after therapy start, exactly six months counting as after",
        "start": "Start immunoglobulin: IgG {igg} g/L meets “{label}” ({cite})",
        "general-criteria": "The base guideline's general criteria for IgG < 6 g/L apply: "
                            "IgG {igg} g/L meets “{label}” ({cite})",
        "base": "The base SID guideline ({label}) is not part of this source and its criteria are not encoded here; "
                "see {url} ({cite})",
        "do-not-start": "Do not start: none of the council's start criteria is met ({cite})",
        "checked": "Checked “{label}”: {reason} ({cite})",
        "individual-assessment": "Children are not covered by the start and stop criteria: individual assessment "
                                 "({cite})",
        "already-on-ig": "Already on immunoglobulin (started {ig_start}): the start criteria do not apply, the stop "
                         "criteria do ({cite})",
        "stop-at-six-months": "Stop: attempt discontinuation on {date}, six months after therapy start ({cite})",
        "overdue": "The six-month date {date} has passed: discontinuation is due now ({cite})",
        "general-stop-rules": "General stop rules: attempt discontinuation {from_} to {to} (6–12 months after the "
                              "immunoglobulin start on {ig_start}) and, if continued, re-evaluate every "
                              "{months} months ({cite})",
        "stop-individual": "Stopping is an individual assessment for children ({cite})",
        "not-applicable": "No immunoglobulin and no start decided: stopping does not apply ({cite})",
        "unsettled": "Not settled by the text: {note}. Reported with the closest rule, “{closest}” ({cite})",
        "hypothetical": "If started now ({date}), this stop rule governs the course",
        "infections-note": "The patient also has severe or recurrent bacterial infections: section 4.1 attaches the "
                           "six-month stop to this start criterion, while section 4.2 words it for starts without "
                           "preceding infections; the six-month stop is reported ({cite})",
        "during": "The IgG was measured during immunoglobulin substitution: immune recovery (IgG > 4 g/L) can only "
                  "be judged on a value measured without substitution ({cite})",
        "reasons": {
            "window": "the assessment date is outside its time window",
            "window-cannot-tell": "its time window is not counted from therapy start, so it cannot be checked",
            "igg": "IgG {igg} g/L does not meet its IgG condition",
            "infection": "its infection requirement is not met",
            "infection-cannot-tell": "cannot tell whether its infection requirement is met",
            "match": "met",
        },
        "heading": {"start": "Start", "stop": "Stop", "why": "Explanation", "rule": "rule", "date": "date",
                    "window": "window", "open": "NOT SETTLED BY THE TEXT"},
    },
    "da": {
        "adult": "voksen", "child": "barn",
        "situation": "Patient: {population}, {age} år, {therapy} startet {start}, vurderet {assessed}: {phase_text} "
                     "(seksmånedersdato {six}; {cite})",
        "within": "inden for de første seks måneder efter behandlingsstart",
        "after": "seks måneder eller senere efter behandlingsstart, idet præcis seks måneder tæller som efter",
        "start": "Opstart immunglobulin: IgG {igg} g/L opfylder “{label}” ({cite})",
        "general-criteria": "Behandlingsvejledningens generelle kriterier for IgG < 6 g/L gælder: IgG {igg} g/L "
                            "opfylder “{label}” ({cite})",
        "base": "Behandlingsvejledningen ({label}) er ikke en del af denne kilde, og dens kriterier er ikke kodet "
                "her; se {url} ({cite})",
        "do-not-start": "Opstart ikke: ingen af Medicinrådets opstartskriterier er opfyldt ({cite})",
        "checked": "Kontrolleret “{label}”: {reason} ({cite})",
        "individual-assessment": "Børn er ikke omfattet af opstarts- og seponeringskriterierne: individuel "
                                 "vurdering ({cite})",
        "already-on-ig": "Allerede i behandling med immunglobulin (startet {ig_start}): opstartskriterierne gælder "
                         "ikke, seponeringskriterierne gør ({cite})",
        "stop-at-six-months": "Seponering: forsøg seponering {date}, seks måneder efter behandlingsstart ({cite})",
        "overdue": "Seksmånedersdatoen {date} er passeret: seponering bør forsøges nu ({cite})",
        "general-stop-rules": "Generelle seponeringskriterier: forsøg seponering {from_} til {to} (6-12 måneder "
                              "efter opstart af immunglobulin {ig_start}) og revurder ved fortsat behandling hver "
                              "{months}. måned ({cite})",
        "stop-individual": "Seponering beror på en individuel vurdering for børn ({cite})",
        "not-applicable": "Ingen immunglobulin og ingen opstart: seponering er ikke relevant ({cite})",
        "unsettled": "Ikke afklaret i teksten: {note}. Rapporteret med den nærmeste regel, “{closest}” ({cite})",
        "hypothetical": "Ved opstart nu ({date}) gælder denne seponeringsregel",
        "infections-note": "Patienten har også svære eller tilbagevendende bakterielle infektioner: afsnit 4.1 knytter "
                           "seponering efter seks måneder til dette opstartskriterium, mens afsnit 4.2 formulerer "
                           "den for opstart uden forudgående infektioner; seponering efter seks måneder rapporteres "
                           "({cite})",
        "during": "IgG er målt under immunglobulinsubstitution: immunrestitution (IgG > 4 g/L) kan kun vurderes "
                  "på en måling uden substitution ({cite})",
        "reasons": {
            "window": "vurderingsdatoen ligger uden for kriteriets tidsvindue",
            "window-cannot-tell": "tidsvinduet regnes ikke fra behandlingsstart og kan ikke kontrolleres",
            "igg": "IgG {igg} g/L opfylder ikke IgG-betingelsen",
            "infection": "infektionskravet er ikke opfyldt",
            "infection-cannot-tell": "kan ikke afgøre, om infektionskravet er opfyldt",
            "match": "opfyldt",
        },
        "heading": {"start": "Opstart", "stop": "Seponering", "why": "Begrundelse", "rule": "regel",
                    "date": "dato", "window": "vindue", "open": "IKKE AFKLARET I TEKSTEN"},
    },
}


def _cite(info: dict[str, Any], *extra: str) -> str:
    sections = info.get("sections") or []
    label = ", ".join(s[1] for s in sections) if sections else "?"
    return "; ".join([label, info["iri"], *extra])


def _num(value: Decimal | float) -> str:
    text = format(Decimal(str(value)).normalize(), "f")
    return text if "." in text else text + ".0"


def explain(rec: Recommender, facts: Facts, answer: dict[str, Any], lang: str) -> list[str]:
    """Sentences, each citing the section of the addendum and the IRI of the rule it rests on."""
    t = _TEXT[lang]
    p = facts.patient
    igg = _num(p.igg_g_per_l)
    sentences = []
    window_info = rec.rule_info(str(rec.boundary["window"]), lang)
    sentences.append(t["situation"].format(
        population=t[facts.population_code] if facts.population_code in t else facts.population_code,
        age=_num(p.age).removesuffix(".0"), therapy=facts.product_name or facts.therapy_code,
        start=p.therapy_start.isoformat(), assessed=p.assessment_date.isoformat(),
        phase_text=t["within"] if facts.phase == "within-6-months" else t["after"],
        six=facts.six_month_date.isoformat(), cite=_cite(window_info)))
    start = answer["start"]
    info = rec.rule_info(start["rule"], lang)
    label = str(info.get("label") or "")
    decision = start["decision"]
    if decision in ("start", "general-criteria"):
        sentences.append(t[decision].format(igg=igg, label=label, cite=_cite(info)))
        if "base_guideline" in start:
            base = start["base_guideline"]
            sentences.append(t["base"].format(label=base["label"], url=base["url"], cite=_cite(info)))
    elif decision == "do-not-start":
        sentences.append(t["do-not-start"].format(cite=_cite(info)))
        for item in start.get("checked", []):
            rule = rec.rule_info(item["rule"], lang)
            reason = t["reasons"].get(item["result"], item["result"]).format(igg=igg)
            sentences.append(t["checked"].format(label=str(rule.get("label") or ""), reason=reason,
                                                 cite=_cite(rule)))
    elif decision == "already-on-ig":
        ig_start = p.immunoglobulin.start_date.isoformat() if p.immunoglobulin.start_date else "?"
        sentences.append(t["already-on-ig"].format(ig_start=ig_start, cite=_cite(info)))
    elif decision == "individual-assessment":
        sentences.append(t["individual-assessment"].format(cite=_cite(info)))
    else:
        sentences.append(f"{decision}: {label} ({_cite(info)})")

    stop = answer["stop"]
    gov = rec.rule_info(stop["rule"], lang)
    hypothetical = p.immunoglobulin.status == "none" and stop["decision"] in ("stop-at-six-months",
                                                                            "general-stop-rules")
    prefix = t["hypothetical"].format(date=p.assessment_date.isoformat()) + ". " if hypothetical else ""
    if stop["decision"] == "stop-at-six-months":
        sentences.append(prefix + t["stop-at-six-months"].format(date=stop["date"], cite=_cite(gov)))
        if p.immunoglobulin.status == "ongoing" and stop["date"] and stop["date"] < p.assessment_date.isoformat():
            sentences.append(t["overdue"].format(date=stop["date"], cite=_cite(gov)))
        if p.infections and hypothetical:
            sentences.append(t["infections-note"].format(cite=_cite(gov, start["rule"])))
    elif stop["decision"] == "general-stop-rules":
        window = stop.get("window", {})
        sentences.append(prefix + t["general-stop-rules"].format(
            from_=window.get("from", "?"), to=window.get("to", "?"), ig_start=window.get("ig_start", "?"),
            months=stop.get("reevaluation_interval_months", "?"), cite=_cite(gov)))
    elif stop["decision"] == "individual-assessment":
        sentences.append(t["stop-individual"].format(cite=_cite(gov)))
    elif stop["decision"] == "not-applicable":
        sentences.append(t["not-applicable"].format(cite=_cite(gov)))
    if not stop["settled"]:
        note_info = rec.rule_info(stop["annotation"], lang)
        note = stop["note"]
        head, colon, rest = note.partition(": ")
        if colon and head.lower() in t["unsettled"].lower():  # "Not settled: …" after "Not settled by the text:"
            note = rest
        sentences.append(t["unsettled"].format(note=note, closest=str(gov.get("label") or ""),
                                               cite=_cite(note_info, stop["closest_rule"])))
    if p.igg_during_substitution:
        recovery = rec.rule_info(str(KB["council-stop-igg-recovery"]), lang)
        sentences.append(t["during"].format(cite=_cite(recovery)))
    return [s if s.endswith(".") else s + "." for s in sentences]


def render_text(answer: dict[str, Any], lang: str = "en") -> str:
    """A short human-readable report of one answer."""
    h = _TEXT[lang]["heading"]
    start, stop = answer["start"], answer["stop"]
    lines = [
        f"{answer['population']} · {answer['phase']} · six_month_date {answer['six_month_date']} · "
        f"IgG {_num(answer['igg_g_per_l'])} g/L",
        f"{h['start']}: {start['decision']}   ({h['rule']} {start['rule']})",
    ]
    stop_line = f"{h['stop']}: {stop['decision']}"
    if stop.get("date"):
        stop_line += f"   {h['date']} {stop['date']}"
    if stop.get("window"):
        stop_line += f"   {h['window']} {stop['window']['from']} – {stop['window']['to']}"
    stop_line += f"   ({h['rule']} {stop['rule']})"
    if not stop["settled"]:
        stop_line += f"   [{h['open']}]"
    lines.append(stop_line)
    lines.append(f"{h['why']}:")
    lines.extend(f"  - {sentence}" for sentence in answer["explanation"])
    return "\n".join(lines)

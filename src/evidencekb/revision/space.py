"""`evidencekb space`: every kind of patient the criteria tell apart, decided by the council and by every source.

Dimensions come from the graph (queries/space/*.rq), never from code:

* ``population`` and ``therapy_class`` — the codes any council or secondary criterion (or council
  default) names; a population's representative age is the middle of its age range
  (ekb:ageFromYears / ekb:ageBelowYears, open ranges closed at the oldest accepted age).
* ``days_since_therapy_start`` — every bound of a time window counted from therapy start; months and
  years are calendar months counted from a reference therapy start (`REFERENCE_THERAPY_START`), so
  each bound is a day count. A bound's inclusivity says on which side the boundary day lies.
* ``igg_g_per_l`` — every IgG threshold; the comparator says on which side the threshold value lies
  (``<`` and ``≥``: above; ``≤`` and ``>``: below; both kinds at one value: the value is a cell of its own).
* ``infections`` — false, and true when any criterion has an infection requirement.
* ``immunoglobulin`` — none, and an ongoing course for every immunoglobulin start timing × basis a
  stop rule, default or annotation names (combinations the calendar rules out — a course started
  after the six-month window while the assessment is still inside it — are no cell).

Each cell is the product of one piece per dimension and has one representative patient in the
`recommend` JSON contract. The council's answer comes from `recommend` (batched), each secondary
publication's verdict from `compare`'s query (queries/compare/start-criteria.rq, all cells in one query per
chunk) read with compare's rules (see `_verdict`; tests check both agree with `compare` itself).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta
from rdflib import Literal
from rdflib.term import Node

from evidencekb import project
from evidencekb.errors import EvidenceKBError, InputError
from evidencekb.namespaces import UNIT
from evidencekb.recommend.batch import recommend_records
from evidencekb.recommend.evaluate import recommender
from evidencekb.recommend.patient import MAX_AGE, START_BASES, parse_patient
from evidencekb.sparql.core import Engine, inline_values, query_text
from evidencekb.sparql.engines import get_engine

#: the therapy start of every representative patient (month lengths, hence day counts, depend on it)
REFERENCE_THERAPY_START = date(2026, 1, 15)
#: representative of the open top piece: this far above the highest cut point
OPEN_STEP = {"igg_g_per_l": Decimal(2), "days_since_therapy_start": Decimal(30)}
#: an immunoglobulin course started before therapy starts this many days before it
DAYS_BEFORE_THERAPY = 30
#: cells per query when the sources are evaluated
CHUNK = 1000
#: compare's verdicts, most to least in favour of substitution (evidencekb.recommend.compare.VERDICT_RANK)
VERDICT_RANK = {"start": 2, "consider": 1, "do-not-start": 0}
COUNCIL = "https://w3id.org/evidencekb/id/addendum"
DIMENSION_ORDER = ("population", "therapy_class", "days_since_therapy_start", "igg_g_per_l", "infections",
                   "immunoglobulin")
_COMPARATOR_SIDES = {"<": ("above",), "≥": ("above",), ">=": ("above",), "≤": ("below",), "<=": ("below",),
                     ">": ("below",)}
_MONTHS = {UNIT.MO: 1, UNIT.YR: 12}
_DAYS = {UNIT.DAY: 1, UNIT.WK: 7}


def space_query(name: str) -> str:
    """queries/space/<name>.rq of the current project, else of the installed copy (older revisions lack them)."""
    own = project.current().queries / "space" / f"{name}.rq"
    path = own if own.is_file() else project.BUNDLED_ROOT / "queries" / "space" / f"{name}.rq"
    if not path.is_file():
        raise InputError(f"no query named space/{name} (expected {own})")
    return path.read_text(encoding="utf-8")


# --- dimensions ---------------------------------------------------------------------------------


def _num(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


@dataclass(frozen=True)
class Piece:
    """One interval (or point) of an ordered dimension, with its representative value."""

    low: Decimal
    low_closed: bool
    high: Decimal | None
    high_closed: bool
    representative: Decimal

    @property
    def label(self) -> str:
        if self.high is not None and self.low == self.high:
            return f"[{_num(self.low)}]"
        high = "" if self.high is None else _num(self.high)
        return f"{'[' if self.low_closed else '('}{_num(self.low)},{high}{']' if self.high_closed else ')'}"

    def contains(self, value: Decimal) -> bool:
        above = value > self.low or (self.low_closed and value == self.low)
        below = self.high is None or value < self.high or (self.high_closed and value == self.high)
        return above and below


@dataclass
class Dimension:
    name: str
    rules: set[str] = field(default_factory=set)
    #: ordered dimensions: cut value → sides ("above"/"below") and what each cut rests on
    cuts: dict[Decimal, set[str]] = field(default_factory=dict)
    cut_details: dict[Decimal, list[dict[str, Any]]] = field(default_factory=dict)
    cut_rules: dict[Decimal, set[str]] = field(default_factory=dict)
    #: unordered dimensions: value label → representative facts
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    integer: bool = False

    @property
    def ordered(self) -> bool:
        return self.name in OPEN_STEP

    def add_cut(self, value: Decimal, sides: Iterable[str], rule: str, detail: dict[str, Any]) -> None:
        self.cuts.setdefault(value, set()).update(sides)
        self.cut_rules.setdefault(value, set()).add(rule)
        details = self.cut_details.setdefault(value, [])
        if detail not in details:
            details.append(detail)
        self.rules.add(rule)

    def pieces(self) -> list[Piece]:
        out: list[Piece] = []
        low, low_closed = Decimal(0), True
        for value in sorted(v for v in self.cuts if v >= 0):
            sides = self.cuts[value]
            if sides == {"above"}:
                self._add(out, low, low_closed, value, False)
                low, low_closed = value, True
            elif sides == {"below"}:
                self._add(out, low, low_closed, value, True)
                low, low_closed = value, False
            else:
                self._add(out, low, low_closed, value, False)
                self._add(out, value, True, value, True)
                low, low_closed = value, False
        self._add(out, low, low_closed, None, False)
        return out

    def _add(self, out: list[Piece], low: Decimal, low_closed: bool, high: Decimal | None, high_closed: bool) -> None:
        step = OPEN_STEP[self.name]
        if self.integer:
            first = low if low_closed else low + 1
            if high is None:
                out.append(Piece(low, low_closed, None, False, first + step))
                return
            last = high if high_closed else high - 1
            if last < first:
                return
            out.append(Piece(low, low_closed, high, high_closed, (first + last) // 2))
            return
        if high is None:
            out.append(Piece(low, low_closed, None, False, low + step))
        elif low == high:
            if low_closed and high_closed:
                out.append(Piece(low, True, high, True, low))
        else:
            out.append(Piece(low, low_closed, high, high_closed, (low + high) / 2))

    def labels(self) -> list[str]:
        return [p.label for p in self.pieces()] if self.ordered else list(self.values)

    def merge(self, other: Dimension) -> None:
        """Add `other`'s cut points, values and rules (the common refinement of two revisions)."""
        self.rules |= other.rules
        for value, sides in other.cuts.items():
            for detail in other.cut_details.get(value, []):
                for rule in other.cut_rules.get(value, set()):
                    self.add_cut(value, sides, rule, detail)
        for label, facts in other.values.items():
            self.values.setdefault(label, facts)
        self.values = dict(sorted(self.values.items(), key=lambda item: _value_order(self.name, item[0])))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.ordered:
            out["cut_points"] = [
                {"value": _json_number(v), "belongs_to": _belongs(self.cuts[v]),
                 "from": sorted(self.cut_details[v], key=lambda d: json.dumps(d, sort_keys=True)),
                 "rules": sorted(self.cut_rules[v])}
                for v in sorted(self.cuts)
            ]
            out["pieces"] = self.labels()
            if self.name == "days_since_therapy_start":
                out["reference_therapy_start"] = REFERENCE_THERAPY_START.isoformat()
        else:
            out["values"] = list(self.values)
        out["from_rules"] = sorted(self.rules)
        return out


def _belongs(sides: set[str]) -> str:
    return "own-cell" if len(sides) > 1 else ("above" if "above" in sides else "below")


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _value_order(dimension: str, label: str) -> tuple:
    if dimension == "infections":
        return (label == "yes",)
    if dimension == "immunoglobulin":
        return (label != "none", label)
    return (label,)


def _days(offset: Node, unit: Node) -> Decimal | None:
    amount = Decimal(str(offset))
    if unit in _MONTHS:
        months = amount * _MONTHS[unit]  # type: ignore[index]
        if months != months.to_integral_value():
            return None
        return Decimal((REFERENCE_THERAPY_START + relativedelta(months=int(months)) - REFERENCE_THERAPY_START).days)
    if unit in _DAYS:
        return amount * _DAYS[unit]  # type: ignore[index]
    return None


def derive_dimensions(engine: Engine | None = None) -> dict[str, Dimension]:
    """The dimensions of the decision space of the current project (or of `engine`'s graph)."""
    engine = engine or get_engine()
    dims = {name: Dimension(name) for name in DIMENSION_ORDER}
    dims["days_since_therapy_start"].integer = True

    igg = dims["igg_g_per_l"]
    for row in engine.select(space_query("igg-cut-points")).rows:
        rule, comparator = str(row["rule"]), str(row["comparator"])
        lower = Decimal(str(row["lower"])) if row.get("lower") is not None else None
        if lower is None:
            continue
        if comparator == "between":
            igg.add_cut(lower, ("above",), rule, {"comparator": "≥", "threshold": _json_number(lower)})
            if row.get("upper") is not None:
                upper = Decimal(str(row["upper"]))
                igg.add_cut(upper, ("below",), rule, {"comparator": "≤", "threshold": _json_number(upper)})
        elif comparator in _COMPARATOR_SIDES:
            igg.add_cut(lower, _COMPARATOR_SIDES[comparator], rule,
                        {"comparator": comparator, "threshold": _json_number(lower)})

    time = dims["days_since_therapy_start"]
    for row in engine.select(space_query("time-cut-points")).rows:
        days = _days(row["offset"], row["unit"])  # type: ignore[arg-type]
        if days is None:
            continue
        inclusive = str(row["inclusive"]).lower() in ("true", "1")
        bound = str(row["bound"])
        side = "above" if (bound == "from") == inclusive else "below"
        if days == 0 and side == "above":  # every assessment is on or after therapy start
            time.rules.add(str(row["rule"]))
            continue
        unit = str(row["unit"]).rsplit("/", 1)[-1]
        time.add_cut(days, (side,), str(row["rule"]),
                     {"bound": bound, "offset": _json_number(Decimal(str(row["offset"]))), "unit": unit,
                      "inclusive": inclusive,
                      "date": (REFERENCE_THERAPY_START + timedelta(days=int(days))).isoformat()})

    codes: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in engine.select(space_query("codes")).rows:
        dimension, rule = str(row["dimension"]), str(row["rule"])
        notation = str(row["notation"]) if row.get("notation") is not None else str(row["code"]).rsplit("#", 1)[-1]
        entry = codes[dimension].setdefault(notation, {"code": str(row["code"]), "rules": set()})
        entry["rules"].add(rule)
        for name in ("fromAge", "belowAge"):
            if row.get(name) is not None:
                entry[name] = Decimal(str(row[name]))

    for notation, entry in sorted(codes["population"].items()):
        if "fromAge" not in entry and "belowAge" not in entry:
            continue  # no age maps to it: no patient can be in it
        low = entry.get("fromAge", Decimal(0))
        high = entry.get("belowAge", Decimal(MAX_AGE))
        dims["population"].values[notation] = {"age": int((low + high) // 2)}
        dims["population"].rules |= entry["rules"]
    for notation, entry in sorted(codes["therapy_class"].items()):
        dims["therapy_class"].values[notation] = {"therapy": notation}
        dims["therapy_class"].rules |= entry["rules"]
    dims["infections"].values["no"] = {"infections": False}
    if codes["infections"]:
        dims["infections"].values["yes"] = {"infections": True}
        for entry in codes["infections"].values():
            dims["infections"].rules |= entry["rules"]

    ig = dims["immunoglobulin"]
    ig.values["none"] = {"status": "none"}
    timings = [t for t in sorted(codes["ig_timing"]) if t in _TIMINGS]
    bases = [b for b in sorted(codes["ig_basis"]) if b in START_BASES]
    if timings or codes["ig_status"]:
        for timing in timings or ["before-therapy"]:
            for basis in bases or [None]:
                label = f"ongoing/{timing}" + (f"/{basis}" if basis else "")
                ig.values[label] = {"status": "ongoing", "timing": timing, "basis": basis}
    for name in ("ig_timing", "ig_basis", "ig_status"):
        for entry in codes[name].values():
            ig.rules |= entry["rules"]
    return dims


_TIMINGS = ("before-therapy", "within-window", "after-window")


def merge_dimensions(*sets: dict[str, Dimension]) -> dict[str, Dimension]:
    """The common refinement of several revisions' dimensions."""
    merged = {name: Dimension(name, integer=(name == "days_since_therapy_start")) for name in DIMENSION_ORDER}
    for dims in sets:
        for name in DIMENSION_ORDER:
            merged[name].merge(dims[name])
    return merged


# --- cells -------------------------------------------------------------------------------------


@dataclass
class Cell:
    id: str
    coordinates: dict[str, str]
    patient: dict[str, Any]
    council: dict[str, Any] = field(default_factory=dict)
    council_verdict: str | None = None
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    start_matches: list[dict[str, str]] = field(default_factory=list)
    stop_matches: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "coordinates": self.coordinates, "patient": self.patient, "council": self.council,
                "sources": self.sources}


def cell_id(coordinates: dict[str, str]) -> str:
    short = {"days_since_therapy_start": "day", "igg_g_per_l": "igg", "infections": "infections",
             "immunoglobulin": "ig"}
    parts = []
    for name in DIMENSION_ORDER:
        value = coordinates[name]
        parts.append(f"{short[name]}{value}" if name in OPEN_STEP else
                     (f"{short[name]}-{value}" if name in short else value))
    return "/".join(parts)


def node_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def _patient(population: dict, therapy: dict, day: Piece, igg: Piece, infections: dict, ig: dict) -> dict[str, Any]:
    start = REFERENCE_THERAPY_START
    assessed = start + timedelta(days=int(day.representative))
    record: dict[str, Any] = {
        "age": population["age"],
        "therapy": therapy["therapy"],
        "therapy_start": start.isoformat(),
        "assessment_date": assessed.isoformat(),
        "igg": {"value": _json_number(igg.representative), "unit": "g/L", "during_ig_substitution": False},
        "severe_or_recurrent_bacterial_infections": infections["infections"],
        "immunoglobulin": {"status": "none"},
    }
    if ig["status"] == "ongoing":
        timing = ig["timing"]
        if timing == "before-therapy":
            course = {"start_date": (start - timedelta(days=DAYS_BEFORE_THERAPY)).isoformat(),
                      "started_before_therapy": True}
        elif timing == "within-window":
            course = {"start_date": start.isoformat(), "started_before_therapy": False}
        else:  # after-window: started on the assessment date
            course = {"start_date": assessed.isoformat(), "started_before_therapy": False}
        record["immunoglobulin"] = {"status": "ongoing", **course}
        if ig.get("basis"):
            record["immunoglobulin"]["start_basis"] = ig["basis"]
    return record


def make_cells(dims: dict[str, Dimension], six_month_date: date | None) -> list[Cell]:
    """Every feasible combination of one piece per dimension, with its representative patient."""
    pieces = {name: dims[name].pieces() for name in ("days_since_therapy_start", "igg_g_per_l")}
    cells = []
    for population, pop_facts in dims["population"].values.items():
        for therapy, therapy_facts in dims["therapy_class"].values.items():
            for day in pieces["days_since_therapy_start"]:
                assessed = REFERENCE_THERAPY_START + timedelta(days=int(day.representative))
                for igg in pieces["igg_g_per_l"]:
                    for infections, inf_facts in dims["infections"].values.items():
                        for ig, ig_facts in dims["immunoglobulin"].values.items():
                            if ig_facts.get("timing") == "after-window" and (
                                six_month_date is None or assessed < six_month_date):
                                continue  # a course started after the window needs an assessment after it
                            coordinates = {"population": population, "therapy_class": therapy,
                                           "days_since_therapy_start": day.label, "igg_g_per_l": igg.label,
                                           "infections": infections, "immunoglobulin": ig}
                            cells.append(Cell(cell_id(coordinates), coordinates,
                                              _patient(pop_facts, therapy_facts, day, igg, inf_facts, ig_facts)))
    return cells  # in dimension order: populations, classes, then time, IgG … ascending


# --- evaluation --------------------------------------------------------------------------------


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
    probe = _patient(next(iter(dims["population"].values.values())), next(iter(dims["therapy_class"].values.values())),
                     Piece(Decimal(0), True, Decimal(0), True, Decimal(0)),
                     Piece(Decimal(0), True, Decimal(0), True, Decimal(1)), {"infections": False}, {"status": "none"})
    answer = _council_answers([probe], endpoint, graph)[0]
    return date.fromisoformat(answer["six_month_date"])


def evaluate_council(cells: Sequence[Cell], endpoint: str | None = None, graph: str | None = None) -> None:
    """The council's start and stop decision for every cell (recommend, in batches)."""
    answers = _council_answers([c.patient for c in cells], endpoint, graph)
    for cell, answer in zip(cells, answers, strict=True):
        cell.council = {"start": answer["start"]["decision"], "stop": answer["stop"]["decision"],
                        "rule": answer["start"]["rule"], "stop_rule": answer["stop"]["rule"],
                        "settled": answer["stop"]["settled"]}
        if not answer["stop"]["settled"]:
            cell.council["annotation"] = answer["stop"].get("annotation")


def _compare_key(population: Node, therapy: Node, igg: Node, infections: Node, months: Node, exact: Node,
                 days: Node) -> tuple:
    return (str(population), str(therapy), Decimal(str(igg)), str(infections).lower() in ("true", "1"),
            int(str(months)), str(exact).lower() in ("true", "1"), int(str(days)))


def _publications(engine: Engine) -> dict[str, dict[str, Any]]:
    pubs: dict[str, dict[str, Any]] = {}
    for row in engine.select(query_text("compare/publications")).rows:
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
_SELECT = re.compile(r"^\s*SELECT\b", re.MULTILINE)


def _grouped(query: str, bindings: Sequence[dict[str, Node]]) -> str:
    """compare's query for many patients, unchanged, as a sub-select with the patients' VALUES block; the outer
    query keeps the rows that can decide a verdict and folds them into one row per patient (converting every
    row of every criterion into Python terms cost 4× the query)."""
    match = _SELECT.search(query)
    if match is None:
        raise InputError("queries/compare/start-criteria.rq has no SELECT")
    keys = " ".join(f"?{name}" for name in _KEY_VARIABLES)
    return (
        query[: match.start()]
        + f"SELECT {keys}\n"
        + '  (GROUP_CONCAT(CONCAT(STR(?publication), "|", STR(?rule), "|", COALESCE(STR(?verdict), ""), "|", '
        + 'STR(?status)); separator=" ") AS ?results)\nWHERE {\n{\n'
        + inline_values(query[match.start():], bindings)
        + '\n}\nFILTER(STR(?status) NOT IN ("population", "therapy"))\n}\nGROUP BY ' + keys + "\n"
    )


def evaluate_sources(cells: Sequence[Cell], endpoint: str | None = None, graph: str | None = None) -> None:
    """Every publication's verdict for every cell: compare's query, one query per chunk of distinct patients."""
    rec = recommender(endpoint, graph)
    engine = rec.engine
    pubs = _publications(engine)
    facts_of: dict[tuple, Any] = {}
    cell_keys: list[tuple] = []
    key_of: dict[str, tuple] = {}  # compare ignores the immunoglobulin course: one evaluation per rest of the patient
    for cell in cells:
        rest = json.dumps({k: v for k, v in cell.patient.items() if k != "immunoglobulin"}, sort_keys=True)
        if rest not in key_of:
            facts = rec.facts(parse_patient(cell.patient))
            b = facts.start_bindings(0)
            key_of[rest] = _compare_key(*(b[name] for name in _KEY_VARIABLES))
            facts_of.setdefault(key_of[rest], facts)
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
        for row in engine.select(_grouped(text, bindings)).rows:
            key = _compare_key(*(row[name] for name in _KEY_VARIABLES))  # type: ignore[arg-type]
            for item in _split(row["results"], ("publication", "rule", "verdict", "status")):
                rows_of[key][item["publication"]].append({**item, "verdict": item["verdict"] or None})
    verdicts: dict[tuple, dict[str, dict[str, Any]]] = {}
    for key, facts in facts_of.items():
        verdicts[key] = {iri: _verdict(pub, facts.therapy_code, rows_of[key].get(iri, []))
                         for iri, pub in sorted(pubs.items())}
    for cell, key in zip(cells, cell_keys, strict=True):
        cell.council_verdict = verdicts[key].get(COUNCIL, {}).get("verdict")
        cell.sources = {iri: v for iri, v in verdicts[key].items() if iri != COUNCIL}


def _split(results: Node | None, names: tuple[str, ...]) -> list[dict[str, str]]:
    if results is None or not str(results):
        return []
    return [dict(zip(names, item.split("|"), strict=True)) for item in str(results).split(" ")]


def evaluate_matches(cells: Sequence[Cell], endpoint: str | None = None, graph: str | None = None) -> None:
    """Every council start rule (and, for an ongoing course, stop rule) that matches each cell: the raw
    rows of queries/recommend/start.rq and stop.rq, for the overlap findings."""
    rec = recommender(endpoint, graph)
    start_bindings = []
    stop_bindings = []
    stop_cells = []
    from evidencekb.namespaces import EKB

    for i, cell in enumerate(cells):
        facts = rec.facts(parse_patient(cell.patient))
        start_bindings.append(facts.start_bindings(i))
        if facts.course_timing is not None:
            stop_cells.append(i)
            stop_bindings.append({"patient": facts.start_bindings(i)["patient"], "population": facts.population,
                                  "therapyClass": facts.therapy_class, "igStartTiming": facts.course_timing,
                                  "igStartBasis": facts.course_basis or EKB["basis-unspecified"]})
    for offset in range(0, len(cells), CHUNK):
        rows = rec.engine.select(inline_values(query_text("recommend/start"), start_bindings[offset: offset + CHUNK]))
        for row in rows.rows:
            cell = cells[int(str(row["patient"]))]
            cell.start_matches = [r for r in _split(row["results"], ("priority", "rule", "decision", "status"))
                                  if r["status"] == "match"]
    for offset in range(0, len(stop_bindings), CHUNK):
        rows = rec.engine.select(inline_values(query_text("recommend/stop"), stop_bindings[offset: offset + CHUNK]))
        for row in rows.rows:
            cell = cells[int(str(row["patient"]))]
            cell.stop_matches = _split(row["results"], ("priority", "rule", "governing", "decision", "settled"))


# --- the whole space ---------------------------------------------------------------------------


@dataclass
class Space:
    dimensions: dict[str, Dimension]
    cells: list[Cell]
    rules: dict[str, dict[str, Any]]
    findings: list[dict[str, Any]] = field(default_factory=list)
    agreement: dict[str, dict[str, int]] = field(default_factory=dict)
    publications: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "dimensions": [self.dimensions[name].to_json() for name in DIMENSION_ORDER],
            "cells": [cell.to_json() for cell in self.cells],
            "findings": self.findings,
            "agreement": self.agreement,
        }


def rule_info(engine: Engine | None = None, lang: str = "en") -> dict[str, dict[str, Any]]:
    """Label (in `lang`), default or not, issuer, priority, sections and annotations of every rule."""
    engine = engine or get_engine()
    info: dict[str, dict[str, Any]] = {}
    for row in engine.select(space_query("rules"), {"lang": Literal(lang)}).rows:
        entry = info.setdefault(str(row["rule"]), {"label": None, "default": False, "issuer": None,
                                                   "priority": None, "sections": set(), "annotations": set()})
        if row.get("label") is not None and entry["label"] is None:
            entry["label"] = str(row["label"])
        entry["default"] = entry["default"] or str(row.get("isDefault")).lower() in ("true", "1")
        if row.get("issuer") is not None:
            entry["issuer"] = str(row["issuer"])
        if row.get("priority") is not None:
            entry["priority"] = Decimal(str(row["priority"]))
        if row.get("section") is not None:
            entry["sections"].add(str(row["section"]))
        if row.get("annotation") is not None:
            entry["annotations"].add(str(row["annotation"]))
    return info


def evaluate_cells(dims: dict[str, Dimension], endpoint: str | None = None, graph: str | None = None,
                   sources: bool = True, matches: bool = True) -> list[Cell]:
    """The cells of `dims`, decided in the current project (council always; sources and matches on request)."""
    cells = make_cells(dims, six_month_date(dims, endpoint, graph))
    if not cells:
        return cells
    evaluate_council(cells, endpoint, graph)
    if sources:
        evaluate_sources(cells, endpoint, graph)
    if matches:
        evaluate_matches(cells, endpoint, graph)
    return cells


def build_space(endpoint: str | None = None, graph: str | None = None, lang: str = "en") -> Space:
    """The decision space of the current project, with findings and agreement figures."""
    from evidencekb.revision.findings import agreement, find_all

    engine = get_engine(endpoint, graph)
    dims = derive_dimensions(engine)
    cells = evaluate_cells(dims, endpoint, graph)
    space = Space(dims, cells, rule_info(engine, lang))
    space.publications = {iri: pub["label"] or iri for iri, pub in _publications(engine).items() if iri != COUNCIL}
    space.findings = find_all(space, lang)
    space.agreement = agreement(space)
    return space


def write_json(space: Space, path: Path | None = None) -> str:
    return json.dumps(space.to_json(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"

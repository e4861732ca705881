"""Patient → facts: the codes and calendar facts the evaluation queries need, computed from the graph.

Whole months since therapy start, the phase boundary date clamped to the month's end, the population
and therapy class codes, the immunoglobulin course's timing and basis. Every offset comes from the graph
(`RuleBook.boundary`); only calendar arithmetic lives here. `Facts.criteria_bindings()` is what any
criterion query needs (`compare` uses it as is), `Facts.start_bindings()` adds the row id and the
immunoglobulin status of the council's start query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from weakref import WeakKeyDictionary

from dateutil.relativedelta import relativedelta

from evidencekb import namespaces
from evidencekb.errors import InputError
from evidencekb.namespaces import ekb
from evidencekb.recommend.patient import Patient
from evidencekb.recommend.rules import RuleBook, query
from evidencekb.sparql.core import Term
from evidencekb.terms import XSD_DECIMAL, Literal, URIRef

#: RuleBook → (within code, after code): the phase codes, read once per rule book
_PHASE_CODES: WeakKeyDictionary[RuleBook, tuple[str, str]] = WeakKeyDictionary()

#: calendar units of the graph's time windows → relativedelta arguments (unit semantics, not rules)
_UNIT = namespaces.unit
_CALENDAR = {_UNIT.MO: "months", _UNIT.YR: "years", _UNIT.DAY: "days", _UNIT.WK: "weeks"}


def shift(start: date, offset: Term | Decimal | None, unit: Term | str | None) -> date:
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
    six_month_date: date  # the phase boundary: therapy start + the council's first window
    phase: str
    months_since: int
    exact_months: bool
    days_since: int
    ig_status: URIRef
    course_timing: URIRef | None = None  # for an ongoing course
    course_basis: URIRef | None = None

    @property
    def within_first_window(self) -> bool:
        """Whether the assessment falls before the phase boundary. Compare this, not `phase`: the phase code
        is data (the window's skos:notation) and may be renamed there."""
        return self.patient.assessment_date < self.six_month_date

    def criteria_bindings(self) -> dict[str, Term]:
        """The patient facts any start-criterion query binds (queries/compare/start-criteria.rq)."""
        return {
            "population": self.population,
            "therapyClass": self.therapy_class,
            "igg": decimal_term(self.patient.igg_g_per_l),
            "infections": _literal(self.patient.infections),
            "monthsSince": _literal(self.months_since),
            "exactMonths": _literal(self.exact_months),
            "daysSince": _literal(self.days_since),
        }

    def start_bindings(self, row: int) -> dict[str, Term]:
        """The row of queries/recommend/start.rq: the criteria facts, a row id and the Ig status."""
        return {"patient": row_id(row), **self.criteria_bindings(), "igStatus": self.ig_status}


@lru_cache(maxsize=65536)
def _literal(value: int | bool) -> Literal:
    return Literal(value)


def row_id(row: int) -> Literal:
    """The row id that ties a VALUES row to its result row."""
    return _literal(row)


def decimal_term(value: Decimal) -> Literal:
    """An xsd:decimal written in plain digits (never an exponent, which xsd:decimal does not allow)."""
    return _decimal_literal(format(value, "f"))


@lru_cache(maxsize=65536)
def _decimal_literal(digits: str) -> Literal:
    # cached by its text: equal Decimals (7.77, 7.770) must not share one literal's lexical form
    return Literal(digits, datatype=XSD_DECIMAL)


def phase_codes(rules: RuleBook) -> tuple[str, str]:
    """The codes `recommend` prints as the phase before and from the end of the council's first start
    window: the skos:notation of that window and of the window that starts where it ends
    (queries/recommend/phase-codes.rq; "within-6-months", "after-6-months" in the shipped data)."""
    if rules not in _PHASE_CODES:
        rows = rules.engine.select(query("phase-codes"), {"window": URIRef(rules.boundary_window)}).terms
        row = rows[0] if rows else {}
        within, after = row.get("within"), row.get("after")
        if within is None or after is None:
            raise InputError(
                f"data: the council's first start window <{rules.boundary_window}> and the start window that "
                "begins where it ends each need a skos:notation, the phase code recommend prints "
                '(e.g. skos:notation "within-6-months" / "after-6-months"); see data/council.ttl')
        _PHASE_CODES[rules] = (str(within), str(after))
    return _PHASE_CODES[rules]


def facts_of(rules: RuleBook, patient: Patient) -> Facts:
    """The facts of one patient; an unknown therapy or a missing start basis is an `InputError`."""
    population, population_code = rules.population(patient.age)
    therapy_class, therapy_code, product, product_name = rules.resolve_therapy(patient.therapy)
    boundary = shift(patient.therapy_start, rules.boundary["untilOffset"], rules.boundary["untilUnit"])
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
        six_month_date=boundary,
        phase=phase_codes(rules)[0 if patient.assessment_date < boundary else 1],
        months_since=months,
        exact_months=exact,
        days_since=(patient.assessment_date - patient.therapy_start).days,
        ig_status=rules.code("IgStatusScheme", ig.status),
    )
    if ig.status == "ongoing" and ig.start_date is not None:
        if ig.started_before_therapy:
            facts.course_timing = ekb["timing-before-therapy"]
        elif ig.start_date < boundary:
            facts.course_timing = ekb["timing-within-window"]
        else:
            facts.course_timing = ekb["timing-after-window"]
        if ig.start_basis is not None:
            facts.course_basis = rules.code("IgStartBasisScheme", ig.start_basis)
        elif facts.course_timing == ekb["timing-within-window"] and population_code == "adult":
            raise InputError(
                f"immunoglobulin.start_basis: required when immunoglobulin started within the council's first "
                f"start window (started {ig.start_date.isoformat()}, window ends {boundary.isoformat()}); "
                "accepted: igg-below-4, infections"
            )
        else:
            facts.course_basis = ekb["basis-unspecified"]
    return facts

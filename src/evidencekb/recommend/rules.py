"""What the graph says about the rules, looked up once per engine and cached.

`RuleBook` answers: the council's phase boundary (the end of the first start window), the population
codes by age, the codes patient input may use, which therapy class a therapy text names, and for each
rule its label, sections, stop timing, base guideline, decision label and condition nodes (IgG
thresholds with comparator and unit, time windows with offsets, units and index events) — everything
`explain` words its sentences from. Queries: queries/recommend/*.rq and queries/explain/*.rq.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from evidencekb.errors import InputError
from evidencekb.sparql.core import Engine, QueryResult, Term, inline_values, query_text
from evidencekb.sparql.values import boolean_of, decimal_of
from evidencekb.terms import Literal, URIRef


def query(name: str) -> str:
    return query_text(name if "/" in name else f"recommend/{name}")


@dataclass(frozen=True)
class Unit:
    """A unit as people read it (ontology/units.ttl): symbol and plural labels by language."""

    symbol: str | None
    labels: dict[str, str]


@dataclass(frozen=True)
class Window:
    """A time window node: offsets from an index event (units are QUDT IRIs)."""

    node: str
    index_event: str | None
    event_labels: dict[str, str]
    from_offset: Decimal | None
    from_unit: str | None
    from_inclusive: bool
    until_offset: Decimal | None
    until_unit: str | None
    until_inclusive: bool


@dataclass(frozen=True)
class IggCondition:
    node: str
    comparator: str
    threshold: Decimal
    upper: Decimal | None
    unit: str | None
    without_substitution: bool


@dataclass
class RuleInfo:
    """One rule as the answers and explanations need it."""

    iri: str
    label: str = ""
    sections: list[tuple[str, str, str]] = field(default_factory=list)  # (IRI, label, notation)
    is_default: bool = False
    values: dict[str, Term] = field(default_factory=dict)  # rule-info.rq's other columns
    decision_labels: dict[str, str] = field(default_factory=dict)
    igg: list[IggCondition] = field(default_factory=list)
    window: Window | None = None
    stop_window: Window | None = None

    def get(self, name: str) -> Term | None:
        return self.values.get(name)

    def section(self, index: int = 0) -> str | None:
        return self.sections[0][index] if self.sections else None


def select_many(engine: Engine, text: str, rows: list[dict[str, Term]]) -> QueryResult:
    """Evaluate `text` for many rows at once: their values go in as one VALUES block."""
    return engine.select(inline_values(text, rows))


def _decimal(node: Term | None) -> Decimal | None:
    return decimal_of(node)


def _true(node: Term | None, default: bool) -> bool:
    return boolean_of(node, default)


class RuleBook:
    """Graph look-ups for one engine; every answer is cached."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._therapy: dict[str, tuple[URIRef, str, URIRef | None, str | None]] = {}
        self._info: dict[tuple[str, str], RuleInfo] = {}
        self._hypothetical: dict[tuple[str, bool], URIRef | None] = {}
        self.boundary = self._phase_boundary()
        self.populations = self._populations()
        self.codes = self._codes()
        rows = engine.select(query("explain/recovery-criterion")).terms
        self.recovery_rule: str | None = str(rows[0]["rule"]) if rows else None
        self.units = self._units()
        self.why_lines = self._why_lines()

    def _why_lines(self) -> dict[str, dict[str, str]]:
        """Rule IRI → its one line of why: statement IRI, printed text, translation, section labels."""
        lines: dict[str, dict[str, str]] = {}
        for row in self.engine.select(query("explain/why-lines")).terms:
            lines.setdefault(str(row["rule"]), {name: str(value) for name, value in row.items() if value is not None})
        return lines

    def _units(self) -> dict[str, Unit]:
        units: dict[str, Unit] = {}
        for row in self.engine.select(query("explain/units")).terms:
            unit = units.setdefault(str(row["unit"]), Unit(str(row["symbol"]) if row.get("symbol") is not None
                                                           else None, {}))
            label = row.get("label")
            if isinstance(label, Literal) and label.language:
                unit.labels.setdefault(label.language, str(label))
        return units

    def _phase_boundary(self) -> dict[str, Term]:
        rows = self.engine.select(query("phase-boundary")).terms
        if not rows:
            raise InputError("the knowledge base has no council start window with an end (data/council.ttl)")
        return rows[0]  # type: ignore[return-value]

    @property
    def boundary_window(self) -> str:
        return str(self.boundary["window"])

    def _populations(self) -> list[tuple[URIRef, str, Decimal | None, Decimal | None]]:
        return [(URIRef(str(row["population"])), str(row["code"]), _decimal(row.get("fromAge")),
                 _decimal(row.get("belowAge"))) for row in self.engine.select(query("populations")).terms]

    def _codes(self) -> dict[tuple[str, str], URIRef]:
        rows = self.engine.select(query("codes")).terms
        return {(str(r["scheme"]).rsplit("#", 1)[-1], str(r["code"])): URIRef(str(r["concept"])) for r in rows}

    def code(self, scheme: str, notation: str) -> URIRef:
        try:
            return self.codes[(scheme, notation)]
        except KeyError:
            raise InputError(f"the knowledge base has no code {notation!r} in ekb:{scheme}") from None

    def population(self, age: float) -> tuple[URIRef, str]:
        years = Decimal(str(age))
        for concept, code, low, high in self.populations:
            if (low is None or years >= low) and (high is None or years < high):
                return concept, code
        raise InputError(f"age: {age} matches no population code of the knowledge base")

    def resolve_therapy(self, text: str) -> tuple[URIRef, str, URIRef | None, str | None]:
        """Therapy text → (class, class code, product, product name), via the graph."""
        key = " ".join(text.split()).lower()
        if key not in self._therapy:
            rows = self.engine.select(query("therapy-class"), {"input": Literal(key)}).terms
            classes = {str(r["therapyClass"]) for r in rows}
            if len(classes) != 1:
                names = list({str(r["name"]).lower(): str(r["name"])  # one spelling per name
                              for r in self.engine.select(query("therapy-names")).terms}.values())
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

    def hypothetical_basis(self, start_rule: str, infections: bool) -> URIRef | None:
        """The basis on which a start decided now under `start_rule` starts immunoglobulin (None: no course)."""
        key = (start_rule, infections)
        if key not in self._hypothetical:
            rows = self.engine.select(query("hypothetical-start"),
                                      {"startRule": URIRef(start_rule), "infections": Literal(infections)}).terms
            self._hypothetical[key] = URIRef(str(rows[0]["igStartBasis"])) if rows else None
        return self._hypothetical[key]

    # --- rules ----------------------------------------------------------------------------------

    def info(self, rule: str, lang: str) -> RuleInfo:
        if (rule, lang) not in self._info:
            self.load(rule_set=[rule], lang=lang)
        return self._info[(rule, lang)]

    def load(self, rule_set: Iterable[str], lang: str) -> None:
        """Look up every rule not cached yet in two queries (a query per rule reads all rules each time)."""
        wanted = sorted({rule for rule in rule_set if (rule, lang) not in self._info})
        if not wanted:
            return
        infos = {rule: RuleInfo(rule) for rule in wanted}
        bindings: list[dict[str, Term]] = [{"rule": URIRef(rule), "lang": Literal(lang)} for rule in wanted]
        for row in select_many(self.engine, query("rule-info"), bindings).terms:
            info = infos[str(row["rule"])]
            for name, value in row.items():
                if value is not None and name not in info.values:
                    info.values[name] = value
            if row.get("section") is not None:
                section = (str(row["section"]), str(row.get("sectionLabel") or row["sectionNotation"]),
                           str(row["sectionNotation"]))
                if section not in info.sections:
                    info.sections.append(section)
        conditions = [{"rule": URIRef(rule)} for rule in wanted]
        for row in select_many(self.engine, query("explain/rule-conditions"), conditions).terms:
            _add_condition(infos[str(row["rule"])], row)
        for info in infos.values():
            info.label = str(info.values.get("label") or "")
            info.is_default = _true(info.values.get("isDefault"), False)
            info.igg.sort(key=lambda c: c.node)
            self._info[(info.iri, lang)] = info


def _add_condition(info: RuleInfo, row: dict[str, Term | None]) -> None:
    part = str(row["part"])
    label = row.get("label")
    if part == "decision" and isinstance(label, Literal) and label.language:
        info.decision_labels.setdefault(label.language, str(label))
    elif part == "igg" and row.get("threshold") is not None:
        condition = IggCondition(
            node=str(row["node"]), comparator=str(row["comparator"]), threshold=decimal_of(row["threshold"]),
            upper=_decimal(row.get("upperThreshold")), unit=str(row["unit"]) if row.get("unit") else None,
            without_substitution=_true(row.get("withoutSubstitution"), False),
        )
        if condition not in info.igg:
            info.igg.append(condition)
    elif part in ("window", "stop"):
        current = info.window if part == "window" else info.stop_window
        labels = dict(current.event_labels) if current is not None else {}
        event_label = row.get("eventLabel")
        if isinstance(event_label, Literal) and event_label.language:
            labels.setdefault(event_label.language, str(event_label))
        window = Window(
            node=str(row["node"]),
            index_event=str(row["indexEvent"]) if row.get("indexEvent") is not None else None,
            event_labels=labels,
            from_offset=_decimal(row.get("fromOffset")),
            from_unit=str(row["fromUnit"]) if row.get("fromUnit") is not None else None,
            from_inclusive=_true(row.get("fromInclusive"), True),
            until_offset=_decimal(row.get("untilOffset")),
            until_unit=str(row["untilUnit"]) if row.get("untilUnit") is not None else None,
            until_inclusive=_true(row.get("untilInclusive"), True),
        )
        if part == "window":
            info.window = window
        else:
            info.stop_window = window


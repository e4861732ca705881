"""The dimensions of the decision space, read from the criteria in the graph (queries/space/*.rq), never from code.

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
  stop rule, default or annotation names (combinations the calendar rules out are no cell: see
  `evidencekb.revision.cells`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta

from evidencekb import project
from evidencekb.errors import InputError
from evidencekb.namespaces import unit as UNIT
from evidencekb.recommend.patient import MAX_AGE, START_BASES
from evidencekb.sparql.core import Engine, Term
from evidencekb.sparql.engines import get_engine

#: the therapy start of every representative patient (month lengths, hence day counts, depend on it)
REFERENCE_THERAPY_START = date(2026, 1, 15)
#: representative of the open top piece: this far above the highest cut point
OPEN_STEP = {"igg_g_per_l": Decimal(2), "days_since_therapy_start": Decimal(30)}
DIMENSION_ORDER = ("population", "therapy_class", "days_since_therapy_start", "igg_g_per_l", "infections",
                   "immunoglobulin")
#: the immunoglobulin start timings a cell can have (evidencekb.recommend's course timings)
TIMINGS = ("before-therapy", "within-window", "after-window")

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
                {"value": json_number(v), "belongs_to": _belongs(self.cuts[v]),
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


def json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _value_order(dimension: str, label: str) -> tuple:
    if dimension == "infections":
        return (label == "yes",)
    if dimension == "immunoglobulin":
        return (label != "none", label)
    return (label,)


def _days(offset: Term, unit: Term) -> Decimal | None:
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
    for row in engine.select(space_query("igg-cut-points")).terms:
        rule, comparator = str(row["rule"]), str(row["comparator"])
        lower = Decimal(str(row["lower"])) if row.get("lower") is not None else None
        if lower is None:
            continue
        if comparator == "between":
            igg.add_cut(lower, ("above",), rule, {"comparator": "≥", "threshold": json_number(lower)})
            if row.get("upper") is not None:
                upper = Decimal(str(row["upper"]))
                igg.add_cut(upper, ("below",), rule, {"comparator": "≤", "threshold": json_number(upper)})
        elif comparator in _COMPARATOR_SIDES:
            igg.add_cut(lower, _COMPARATOR_SIDES[comparator], rule,
                        {"comparator": comparator, "threshold": json_number(lower)})

    time = dims["days_since_therapy_start"]
    for row in engine.select(space_query("time-cut-points")).terms:
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
                     {"bound": bound, "offset": json_number(Decimal(str(row["offset"]))), "unit": unit,
                      "inclusive": inclusive,
                      "date": (REFERENCE_THERAPY_START + timedelta(days=int(days))).isoformat()})

    codes: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in engine.select(space_query("codes")).terms:
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
        dims["population"].values[notation] = {"age": int((low + high) // 2), "code": entry["code"]}
        dims["population"].rules |= entry["rules"]
    for notation, entry in sorted(codes["therapy_class"].items()):
        dims["therapy_class"].values[notation] = {"therapy": notation, "code": entry["code"]}
        dims["therapy_class"].rules |= entry["rules"]
    dims["infections"].values["no"] = {"infections": False}
    if codes["infections"]:
        dims["infections"].values["yes"] = {"infections": True}
        for entry in codes["infections"].values():
            dims["infections"].rules |= entry["rules"]

    ig = dims["immunoglobulin"]
    ig.values["none"] = {"status": "none"}
    timings = [t for t in sorted(codes["ig_timing"]) if t in TIMINGS]
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



def merge_dimensions(*sets: dict[str, Dimension]) -> dict[str, Dimension]:
    """The common refinement of several revisions' dimensions."""
    merged = {name: Dimension(name, integer=(name == "days_since_therapy_start")) for name in DIMENSION_ORDER}
    for dims in sets:
        for name in DIMENSION_ORDER:
            merged[name].merge(dims[name])
    return merged

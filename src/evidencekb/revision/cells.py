"""The cells of the decision space: every feasible combination of one piece per dimension, each with one
representative patient in the `recommend` JSON contract (with dates counted from the reference therapy start).
A cell records the decisions `evidencekb.revision.evaluate` fills in."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from evidencekb.revision.dimensions import (
    DIMENSION_ORDER,
    OPEN_STEP,
    REFERENCE_THERAPY_START,
    Dimension,
    Piece,
    json_number,
)

#: an immunoglobulin course started before therapy starts this many days before it
DAYS_BEFORE_THERAPY = 30


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


def representative_patient(population: dict, therapy: dict, day: Piece, igg: Piece, infections: dict,
                           ig: dict) -> dict[str, Any]:
    start = REFERENCE_THERAPY_START
    assessed = start + timedelta(days=int(day.representative))
    record: dict[str, Any] = {
        "age": population["age"],
        "therapy": therapy["therapy"],
        "therapy_start": start.isoformat(),
        "assessment_date": assessed.isoformat(),
        "igg": {"value": json_number(igg.representative), "unit": "g/L", "during_ig_substitution": False},
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
                            patient = representative_patient(pop_facts, therapy_facts, day, igg, inf_facts,
                                                             ig_facts)
                            cells.append(Cell(cell_id(coordinates), coordinates, patient))
    return cells  # in dimension order: populations, classes, then time, IgG … ascending

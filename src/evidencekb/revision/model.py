"""The decision space as a value: its dimensions, decided cells, rules, findings and agreement figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evidencekb.revision.cells import Cell
from evidencekb.revision.dimensions import DIMENSION_ORDER, Dimension


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

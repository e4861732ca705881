"""The decision space as a flat table (CSV or Markdown), one row per cell."""

from __future__ import annotations

import csv
import io
from typing import Any

from evidencekb import messages
from evidencekb.revision.dimensions import DIMENSION_ORDER
from evidencekb.revision.model import Space


def _short(iri: str | None) -> str:
    return "" if not iri else iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def rows(space: Space) -> tuple[list[str], list[list[str]]]:
    pubs = sorted(space.publications)
    header = ["cell", *DIMENSION_ORDER, "age", "assessment_date", "igg_value", "council_start", "council_stop",
              "council_rule", "council_stop_rule", *(_short(p) for p in pubs)]
    body = []
    for cell in space.cells:
        patient: dict[str, Any] = cell.patient
        body.append([
            cell.id, *(cell.coordinates[d] for d in DIMENSION_ORDER), str(patient["age"]), patient["assessment_date"],
            str(patient["igg"]["value"]), cell.council["start"], cell.council["stop"], _short(cell.council["rule"]),
            _short(cell.council["stop_rule"]),
            *((cell.sources.get(p) or {}).get("verdict") or "" for p in pubs),
        ])
    return header, body


def to_csv(space: Space) -> str:
    header, body = rows(space)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(body)
    return buffer.getvalue()


def to_markdown(space: Space, lang: str = "en") -> str:
    header, body = rows(space)
    header = [messages.text("space.table.heading", lang), *header[1:]]

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in body)
    return "\n".join(lines) + "\n"

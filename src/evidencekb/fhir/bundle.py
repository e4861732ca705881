"""The FHIR bundle being assembled: resources by (type, id), which graph node made which resource,
and the helpers every part of the export reads its query rows with.

The parts (`fhir.publications`, `fhir.evidence`, `fhir.assessments`, `fhir.plans`) each add one kind
of resource from their queries in queries/fhir/; `fhir.export` runs them in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from evidencekb.fhir.common import EBM_PROFILE, full_url
from evidencekb.fhir.criteria import Codes
from evidencekb.namespaces import kb
from evidencekb.sparql.core import Engine, query_text
from evidencekb.sparql.values import boolean_of

VERSION = "2025"
#: Bundle.timestamp: fixed (the addendum's issue year), so the export is reproducible
TIMESTAMP = "2025-01-01T00:00:00Z"
REFERENCE_NUMBER = "https://w3id.org/evidencekb/reference-number"
COUNCIL = str(kb.addendum)


def query_rows(engine: Engine, name: str) -> list[dict[str, Any]]:
    """The rows of queries/fhir/<name>.rq."""
    return [dict(row) for row in engine.select(query_text(f"fhir/{name}")).terms]


def flag(value: Any) -> bool | None:
    """A boolean the data may leave out (None)."""
    return None if value is None else boolean_of(value, False)


def text(value: Any) -> str | None:
    """A term as text, None kept (dropped from the resource by `clean`)."""
    return None if value is None else str(value)


def number(value: Any) -> float | int | None:
    """A numeric literal as a JSON number: an int when written without a decimal point."""
    if value is None:
        return None
    amount = Decimal(str(value))
    return int(amount) if amount == amount.to_integral_value() and "." not in str(value) else float(amount)


def clean(data: Any) -> Any:
    """Drop None values and empty lists/dicts (FHIR forbids empty elements)."""
    if isinstance(data, dict):
        cleaned = {k: clean(v) for k, v in data.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, [], {}, "")}
    if isinstance(data, list):
        return [c for c in (clean(v) for v in data) if c not in (None, [], {}, "")]
    return data


def notation_key(notation: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in notation.split("."))


def dedupe(rows: Sequence[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for row in rows:
        seen.setdefault(str(row[key]), row)
    return list(seen.values())


class Bundle:
    """Collects resources by (type, id) and builds the bundle."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.resources: dict[tuple[str, str], dict[str, Any]] = {}
        self.codes = Codes.from_rows(query_rows(engine, "patient-codes"))
        self.node: dict[str, tuple[str, str]] = {}  # graph IRI → (resource type, id) made from it
        self.labels: dict[str, str] = {}

    def add(self, resource: dict[str, Any], profile: str | None = None, canonical: bool = True) -> dict[str, Any]:
        kind, rid = resource["resourceType"], resource["id"]
        if canonical:
            resource.setdefault("url", full_url(kind, rid))
        if profile:
            resource["meta"] = {"profile": [EBM_PROFILE + profile]}
        self.resources[(kind, rid)] = resource
        return resource

    def bundle(self, timestamp: str) -> dict[str, Any]:
        entries = [{"fullUrl": full_url(kind, rid), "resource": clean(res)}
                   for (kind, rid), res in self.resources.items()]
        return {"resourceType": "Bundle", "id": "evidencekb-addendum", "type": "collection",
                "timestamp": timestamp, "entry": entries}

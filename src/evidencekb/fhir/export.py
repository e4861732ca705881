"""`evidencekb export --format fhir`: the addendum as an EBM-on-FHIR R5 Bundle (type collection).

Content comes from the SPARQL queries in queries/fhir/ (one per kind of resource); this module only
assembles resources from their rows. Ids are the local names of the graph's IRIs; canonical URLs and
`fullUrl`s are `https://w3id.org/evidencekb/fhir/<Type>/<id>`; every reference is relative (`Type/id`)
and resolves to an entry of the bundle.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from evidencekb.fhir import logic
from evidencekb.fhir.common import EBM_PROFILE, EXT_PRIORITY, full_url, local_id, reference
from evidencekb.namespaces import KB
from evidencekb.sparql.core import Engine, query_text
from evidencekb.sparql.engines import get_engine

VERSION = "2025"
COUNCIL = str(KB.addendum)


def _rows(engine: Engine, name: str) -> list[dict[str, Any]]:
    return [dict(row) for row in engine.select(query_text(f"fhir/{name}")).rows]


def _s(value: Any) -> str | None:
    return None if value is None else str(value)


def _dec(value: Any) -> float | int | None:
    if value is None:
        return None
    number = Decimal(str(value))
    return int(number) if number == number.to_integral_value() and "." not in str(value) else float(number)


def _clean(data: Any) -> Any:
    """Drop None values and empty lists/dicts (FHIR forbids empty elements)."""
    if isinstance(data, dict):
        cleaned = {k: _clean(v) for k, v in data.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, [], {}, "")}
    if isinstance(data, list):
        return [c for c in (_clean(v) for v in data) if c not in (None, [], {}, "")]
    return data


class Assembler:
    """Collects resources by (type, id) and builds the bundle."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.resources: dict[tuple[str, str], dict[str, Any]] = {}
        self.codes = logic.Codes.from_rows(_rows(engine, "patient-codes"))

    def add(self, resource: dict[str, Any], profile: str | None = None, canonical: bool = True) -> dict[str, Any]:
        kind, rid = resource["resourceType"], resource["id"]
        if canonical:
            resource.setdefault("url", full_url(kind, rid))
        if profile:
            resource["meta"] = {"profile": [EBM_PROFILE + profile]}
        self.resources[(kind, rid)] = resource
        return resource

    def bundle(self, timestamp: str) -> dict[str, Any]:
        entries = [{"fullUrl": full_url(kind, rid), "resource": _clean(res)}
                   for (kind, rid), res in self.resources.items()]
        return {"resourceType": "Bundle", "id": "evidencekb-addendum", "type": "collection",
                "timestamp": timestamp, "entry": entries}

    # --- PlanDefinitions --------------------------------------------------------------------

    def plans(self) -> None:
        rules = _dedupe(_rows(self.engine, "rules"), "rule")
        annotations = _rows(self.engine, "stop-annotations")
        hypothetical = {str(r["startRule"]): str(r["basisCode"]) for r in _rows(self.engine, "hypothetical-starts")}
        boundary = _rows(self.engine, "phase-boundary")[0]
        groups = logic.council_groups(self.codes, rules, annotations, hypothetical, boundary, COUNCIL)
        starts, stops = groups.starts, groups.stops
        decided = {c.iri for c, _ in starts} | {c.iri for c, _ in stops}
        background = [logic.Candidate(str(r["rule"]), str(r["rule"]), r, logic.own_start_condition(self.codes, r),
                                      Decimal(0))
                      for r in rules if str(r.get("issuer")) == COUNCIL and str(r["rule"]) not in decided]
        actions = [
            logic.group("Start", "start", [logic.action(self.codes, c, p) for c, p in starts], "exactly-one"),
            logic.group("Stop", "stop", [logic.action(self.codes, c, p) for c, p in stops], "exactly-one"),
        ]
        if background:
            actions.append(logic.group("Rationale (not a decision)", "background",
                                       [logic.action(self.codes, c, None) for c in background], "any"))
        self.add({
            "resourceType": "PlanDefinition", "id": "council-recommendation", "version": VERSION,
            "extension": [logic.variable_extension(name, text) for name, text in groups.variables],
            "name": "CouncilRecommendation", "title": self.title, "status": "active",
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/plan-definition-type",
                                 "code": "eca-rule"}]},
            "description": "Medicinrådet's start and stop criteria (section 4) with the default decisions of "
                           "evidencekb; conditions are FHIRPath over a patient Bundle.",
            "relatedArtifact": [{"type": "derived-from", "resource": full_url("Composition", "addendum")}],
            "action": actions,
        }, "recommendation-plan")
        by_issuer: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        for row in rules:
            if row.get("issuer") is not None and str(row["issuer"]) != COUNCIL:
                by_issuer[str(row["issuer"])].append(row)
        self.secondary_rules = by_issuer
        for issuer, issued in sorted(by_issuer.items()):
            groups = []
            for kind in ("start", "stop"):
                candidates = [logic.Candidate(str(r["rule"]), str(r["rule"]), r,
                                              logic.own_start_condition(self.codes, r), Decimal(0))
                              for r in issued if str(r["kind"]) == kind]
                if candidates:
                    groups.append(logic.group(kind.capitalize(), kind,
                                              [logic.action(self.codes, c, None) for c in candidates], "any"))
            pid = local_id(issuer)
            self.add({
                "resourceType": "PlanDefinition", "id": f"{pid}-criteria", "version": VERSION,
                "extension": [logic.variable_extension(name, text) for name, text in logic.FACTS],
                "name": "".join(p.capitalize() for p in pid.split("-")) + "Criteria",
                "title": f"Start and stop criteria of {self.labels.get(issuer, pid)}", "status": "active",
                "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/plan-definition-type",
                                     "code": "eca-rule"}]},
                "description": "Structured criteria of a secondary publication as encoded in the knowledge base; "
                               "every applicable action is reported (selectionBehavior any).",
                "relatedArtifact": [{"type": "derived-from", "resource": full_url("Citation", pid)}],
                "action": groups,
            }, "recommendation-plan")


def _dedupe(rows: Sequence[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for row in rows:
        seen.setdefault(str(row[key]), row)
    return list(seen.values())


def export_bundle(engine: Engine | None = None) -> dict[str, Any]:
    assembler = Assembler(engine or get_engine())
    assembler.title = "Immunoglobulin substitution after CAR-T and bispecific antibodies"
    assembler.labels = {}
    assembler.plans()
    return assembler.bundle("2025-01-01T00:00:00Z")


def export_text(engine: Engine | None = None) -> str:
    return json.dumps(export_bundle(engine), ensure_ascii=False, indent=2) + "\n"


__all__ = ["export_bundle", "export_text", "EXT_PRIORITY", "reference"]

"""The PlanDefinitions: the council's start/stop recommendation (one action per rule, FHIRPath conditions
from `fhir.logic`) and one plan of structured criteria per other issuer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from evidencekb.fhir import logic
from evidencekb.fhir.bundle import COUNCIL, VERSION, Bundle, dedupe, flag, query_rows
from evidencekb.fhir.common import local_id, reference
from evidencekb.fhir.criteria import is_true, own_start_condition
from evidencekb.fhir.fhirpath import FACTS, variable_extension
from evidencekb.fhir.selection import Candidate, ImpliedStart, council_groups


def plans(bundle: Bundle) -> None:
    rules = dedupe(query_rows(bundle.engine, "rules"), "rule")
    annotations = query_rows(bundle.engine, "stop-annotations")
    hypothetical = [ImpliedStart(str(r["startRule"]), str(r["basisCode"]), flag(r.get("whenInfections")))
                    for r in query_rows(bundle.engine, "hypothetical-starts")]
    boundary = query_rows(bundle.engine, "phase-boundary")[0]
    council = council_groups(bundle.codes, rules, annotations, hypothetical, boundary, COUNCIL)
    starts, stops = council.starts, council.stops
    decided = {c.iri for c, _ in starts} | {c.iri for c, _ in stops}
    background = [Candidate(str(r["rule"]), str(r["rule"]), r, own_start_condition(bundle.codes, r),
                                  Decimal(0))
                  for r in rules if str(r.get("issuer")) == COUNCIL and str(r["rule"]) not in decided]
    actions = [
        logic.group("Start", "start", [logic.action(bundle.codes, c, p) for c, p in starts], "exactly-one"),
        logic.group("Stop", "stop", [logic.action(bundle.codes, c, p) for c, p in stops], "exactly-one"),
    ]
    if background:
        actions.append(logic.group("Rationale (not a decision)", "background",
                                   [logic.action(bundle.codes, c, None) for c in background], "any"))
    bundle.add({
        "resourceType": "PlanDefinition", "id": "council-recommendation", "version": VERSION,
        "extension": [variable_extension(name, text) for name, text in council.variables],
        "name": "CouncilRecommendation", "status": "active",
        "title": "Medicinrådet: immunoglobulin substitution after CAR-T and bispecific antibodies (section 4)",
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/plan-definition-type",
                             "code": "eca-rule"}]},
        "description": "Medicinrådet's start and stop criteria (section 4) with the default decisions of "
                       "evidencekb; conditions are FHIRPath over a patient Bundle.",
        "relatedArtifact": [{"type": "derived-from", "resourceReference": reference("Composition", "addendum")}],
        "action": actions,
    }, "recommendation-plan")
    for row in rules:
        if str(row.get("issuer")) == COUNCIL or is_true(row.get("isDefault"), False):
            bundle.node[str(row["rule"])] = ("PlanDefinition", "council-recommendation")
    by_issuer: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rules:
        if row.get("issuer") is not None and str(row["issuer"]) != COUNCIL:
            by_issuer[str(row["issuer"])].append(row)
    for issuer, issued in sorted(by_issuer.items()):
        groups = []
        for kind in ("start", "stop"):
            candidates = [Candidate(str(r["rule"]), str(r["rule"]), r,
                                          own_start_condition(bundle.codes, r), Decimal(0))
                          for r in issued if str(r["kind"]) == kind]
            if candidates:
                groups.append(logic.group(kind.capitalize(), kind,
                                          [logic.action(bundle.codes, c, None) for c in candidates], "any"))
        pid = local_id(issuer)
        for row in issued:
            bundle.node[str(row["rule"])] = ("PlanDefinition", f"{pid}-criteria")
        bundle.add({
            "resourceType": "PlanDefinition", "id": f"{pid}-criteria", "version": VERSION,
            "extension": [variable_extension(name, text) for name, text in FACTS],
            "name": "".join(p.capitalize() for p in pid.split("-")) + "Criteria",
            "title": f"Start and stop criteria of {bundle.labels.get(issuer, pid)}", "status": "active",
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/plan-definition-type",
                                 "code": "eca-rule"}]},
            "description": "Structured criteria of a secondary publication as encoded in the knowledge base; "
                           "every applicable action is reported (selectionBehavior any).",
            "relatedArtifact": [{"type": "derived-from", "resourceReference": reference(*bundle.node[issuer])}]
            if issuer in bundle.node else [],
            "action": groups,
        }, "recommendation-plan")

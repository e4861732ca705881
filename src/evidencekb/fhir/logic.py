"""The start/stop rules of the graph as PlanDefinition actions with FHIRPath applicability conditions.

The parts, each with one job: `fhir.fhirpath` (patient facts as variables, boolean algebra, durations),
`fhir.criteria` (a rule's own conditions, generated from its condition nodes as `queries/fhir/rules.rq`
returns them — nothing names a rule), `fhir.selection` (exactly one action per council group, in
priority order, as `recommend` chooses) and this module: the `PlanDefinition.action` of a candidate and
the groups that hold them.
"""

from __future__ import annotations

from typing import Any

from evidencekb.fhir.common import DECISION_SYSTEM, EXT_PRIORITY, local_id
from evidencekb.fhir.criteria import Codes, infection, priority
from evidencekb.fhir.fhirpath import FALSE, TRUE, condition
from evidencekb.fhir.selection import Candidate
from evidencekb.namespaces import ekb


def action(codes: Codes, candidate: Candidate, preceding: str | None) -> dict[str, Any]:
    """A PlanDefinition.action for one candidate (its own condition, and exclusivity when in a group)."""
    row = candidate.row
    item: dict[str, Any] = {
        "linkId": local_id(candidate.iri),
        "title": str(row.get("label") or local_id(candidate.governing)),
        "definitionUri": candidate.governing,
        "condition": [condition(candidate.condition, "the rule's conditions (generated from the graph)")],
    }
    if row.get("verbatim") is not None:
        item["textEquivalent"] = str(row["verbatim"])
    code = row.get("decisionCode") or row.get("actionCode")
    if row.get("decisionCode") is not None:
        item["code"] = {"coding": [codes.coding(DECISION_SYSTEM, str(row["decisionCode"]))]}
    elif code is not None:
        item["code"] = {"coding": [codes.coding(str(ekb.ActionScheme), str(code))]}
    if row.get("priority") is not None:
        item["extension"] = [{"url": EXT_PRIORITY, "valueDecimal": float(priority(row))}]
    notes = []
    if row.get("additionalCondition") is not None:
        notes.append(f"additional condition: {row['additionalCondition']}")
    if infection(row) == FALSE and row.get("requirementCode") is not None:
        notes.append(f"infection requirement '{row['requirementCode']}' cannot be settled from a patient bundle")
    if notes:
        item["description"] = "; ".join(notes)
    if candidate.annotation is not None:
        note = candidate.annotation
        item["description"] = f"Not settled by the text: {note.get('label') or ''}. {note.get('comment') or ''}".strip()
        item["reason"] = [{"coding": [codes.coding(str(ekb.AnnotationKindScheme), str(note.get("kindCode")))]}]
        item["documentation"] = [{"type": "documentation", "resource": candidate.iri}]
    if preceding is not None and preceding != TRUE:
        item["condition"].append(condition(preceding, "selected: the first applicable action of the group in "
                                                      "priority order (%startDecision / %stopDecision)"))
    return item


def group(title: str, code: str, actions: list[dict[str, Any]], behaviour: str) -> dict[str, Any]:
    return {"linkId": code, "title": title, "groupingBehavior": "logical-group", "selectionBehavior": behaviour,
            "action": actions}

"""One Evidence per study result (statistic, estimates, certainty), with its EvidenceVariables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evidencekb.fhir.bundle import Bundle, dedupe, number, query_rows, text
from evidencekb.fhir.common import local_id, reference
from evidencekb.fhir.criteria import is_true


def evidence(bundle: Bundle) -> None:
    certainty = []
    for row in query_rows(bundle.engine, "certainty"):
        coding = [{"system": text(row["ratingScheme"]), "code": str(row["rating"]),
                   "display": text(row.get("ratingLabel"))}]
        if row.get("match") is not None:
            system, _, code = str(row["match"]).rpartition("#")
            coding.append({"system": system, "code": code})
        certainty.append({"description": text(row.get("verbatim")),
                          "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/certainty-type",
                                               "code": "Overall"}]},
                          "rating": {"coding": coding}})
    for row in dedupe(query_rows(bundle.engine, "study-results"), "result"):
        _one_evidence(bundle, row, certainty)


def _one_evidence(bundle: Bundle, row: Mapping[str, Any], certainty: list[dict[str, Any]]) -> None:
    rid = local_id(str(row["result"]))
    outcome = text(row.get("outcome")) or text(row.get("label"))
    category = []
    if row.get("outcomeCode") is not None:
        category.append({"definitionCodeableConcept": {"coding": [{
            "system": text(row.get("outcomeScheme")), "code": str(row["outcomeCode"]),
            "display": text(row.get("outcomeLabel"))}]}})
    bundle.add({"resourceType": "EvidenceVariable", "id": f"{rid}-outcome", "status": "active",
              "title": outcome, "description": outcome, "characteristic": category})
    variables = [_variable("measuredVariable", f"{rid}-outcome", outcome)]
    for role, key, label in (("exposure", "group", "groupLabel"),
                             ("referenceExposure", "comparedWith", "comparedLabel")):
        if row.get(key) is not None:
            vid = local_id(str(row[key]))
            bundle.add({"resourceType": "EvidenceVariable", "id": vid, "status": "active",
                      "title": text(row.get(label))})
            variables.append(_variable(role, vid, text(row.get(label))))
    statistic: dict[str, Any] = {"description": text(row.get("label"))}
    if row.get("measure") is not None:
        coding = [{"system": text(row.get("measureScheme")), "code": str(row["measure"]),
                   "display": text(row.get("measureLabel"))}]
        if row.get("measureMatch") is not None:
            base, _, code = str(row["measureMatch"]).rpartition("/")
            coding.append({"system": base, "code": code})
        statistic["statisticType"] = {"coding": coding}
    if row.get("value") is not None:
        quantity: dict[str, Any] = {"value": number(row["value"])}
        if row.get("unit") is not None:
            base, _, code = str(row["unit"]).rpartition("/")
            quantity.update(unit=code, system=base + "/", code=code)
        statistic["quantity"] = quantity
    if row.get("sampleSize") is not None:
        statistic["sampleSize"] = {"numberOfParticipants": int(str(row["sampleSize"]))}
    estimates: list[dict[str, Any]] = []
    if row.get("ciLower") is not None or row.get("ciUpper") is not None:
        bounds = {"low": row.get("ciLower"), "high": row.get("ciUpper")}
        estimate: dict[str, Any] = {
            "type": {"text": "confidence interval"}, "level": number(row.get("ciLevel")),
            "range": {k: {"value": number(v)} for k, v in bounds.items() if v is not None},
        }
        if is_true(row.get("ciUpperNotReached"), False):
            estimate["description"] = "upper bound not reached"
        estimates.append(estimate)
    if row.get("pValue") is not None:
        p_value: dict[str, Any] = {"value": number(row["pValue"])}
        if str(row.get("pComparator") or "=") in ("<", "<=", ">", ">="):
            p_value["comparator"] = str(row["pComparator"])
        estimates.append({"type": {"text": "p-value"}, "quantity": p_value})
    statistic["attributeEstimate"] = estimates
    study = str(row["study"])
    design = []
    if row.get("designConcept") is not None:
        code = text(row.get("design")) or local_id(str(row["designConcept"]))
        design.append({"coding": [{"system": text(row.get("designScheme")), "code": code,
                                   "display": text(row.get("designLabel"))}]})
    bundle.add({
        "resourceType": "Evidence", "id": rid, "status": "active", "title": text(row.get("label")),
        "citeAsReference": reference(*bundle.node[study]) if study in bundle.node else None,
        "description": text(row.get("verbatim")), "studyDesign": design,
        "synthesisType": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/synthesis-type",
                                      "code": "NotApplicable"}]},
        "variableDefinition": variables, "statistic": [statistic], "certainty": certainty,
    })
    bundle.node[str(row["result"])] = ("Evidence", rid)


def _variable(role: str, vid: str, description: str | None) -> dict[str, Any]:
    return {"description": description,
            "variableRole": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/variable-role",
                                         "code": role}]},
            "observed": reference("EvidenceVariable", vid)}

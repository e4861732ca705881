"""ArtifactAssessments: the council's reasons for its rules (RecommendationJustification, linked from
the rule's action) and the AGREE II appraisals of guidelines.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from evidencekb.fhir.bundle import Bundle, query_rows, text
from evidencekb.fhir.common import local_id, reference


def justifications(bundle: Bundle) -> None:
    """One ArtifactAssessment per justified council rule, linked from the rule's action."""
    rows = query_rows(bundle.engine, "justifications")
    by_rule: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_rule[str(row["rule"])].append(row)
    plan = bundle.resources.get(("PlanDefinition", "council-recommendation"))
    actions = {a["linkId"]: a for g in (plan or {}).get("action", []) for a in g.get("action", [])}
    for rule, group in by_rule.items():
        first = group[0]
        jid = local_id(str(first["justification"]))
        content: list[dict[str, Any]] = []
        statements: dict[str, dict[str, Any]] = {}
        for row in group:
            if row.get("statement") is None:
                continue
            key = f"{row['role']}|{row['statement']}"
            if key not in statements:
                statements[key] = {"informationType": "comment", "type": {"text": str(row["role"])},
                                   "summary": text(row.get("translation")) or text(row.get("verbatim")),
                                   "relatedArtifact": []}
                content.append(statements[key])
            cited = text(row.get("cites"))
            if cited in bundle.node:
                link = {"type": "citation", "resourceReference": reference(*bundle.node[cited])}
                if link not in statements[key]["relatedArtifact"]:
                    statements[key]["relatedArtifact"].append(link)
        follows = sorted({str(r["follows"]) for r in group if r.get("follows") is not None})
        if first.get("comment") is not None:
            content.insert(0, {"informationType": "comment", "type": {"text": "summary"},
                               "summary": str(first["comment"]),
                               "relatedArtifact": [{"type": "derived-from", "resourceReference": reference(
                                   *bundle.node[f])} for f in follows if f in bundle.node]})
        bundle.add({
            "resourceType": "ArtifactAssessment", "id": jid, "title": text(first.get("label")),
            "artifactReference": reference("PlanDefinition", "council-recommendation"),
            "content": content,
        }, "recommendation-justification", canonical=False)
        bundle.node[str(first["justification"])] = ("ArtifactAssessment", jid)
        action = actions.get(local_id(rule))
        if action is not None:
            action.setdefault("documentation", []).append(
                {"type": "justification", "resourceReference": reference("ArtifactAssessment", jid)})


def appraisals(bundle: Bundle) -> None:
    by_appraisal: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in query_rows(bundle.engine, "appraisals"):
        by_appraisal[str(row["appraisal"])].append(row)
    for iri, rows in by_appraisal.items():
        first = rows[0]
        publication = str(first["publication"])
        content = [{"informationType": "rating", "summary": text(first.get("ratingText")),
                    "type": {"text": "AGREE II overall assessment"},
                    "classifier": [{"coding": [{"system": text(first.get("ratingScheme")),
                                                "code": str(first["rating"]),
                                                "display": text(first.get("ratingLabel"))}]}]}]
        seen: set[str] = set()
        for row in rows:
            if row.get("finding") is None or str(row["finding"]) in seen:
                continue
            seen.add(str(row["finding"]))
            finding: dict[str, Any] = {"informationType": "comment", "type": {"text": str(row["findingKind"])},
                                       "summary": text(row.get("findingLabel")) or text(row.get("findingText"))}
            if row.get("domain") is not None:
                finding["classifier"] = [{"coding": [{"system": text(row.get("domainScheme")),
                                                      "code": str(row["domain"]),
                                                      "display": text(row.get("domainLabel"))}]}]
            content.append(finding)
        aid = local_id(iri)
        bundle.add({
            "resourceType": "ArtifactAssessment", "id": aid,
            "title": f"AGREE II appraisal of {text(first.get('publicationLabel')) or local_id(publication)}",
            "artifactReference": reference(*bundle.node[publication]),
            "content": content,
        }, "rating", canonical=False)
        bundle.node[iri] = ("ArtifactAssessment", aid)

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
from evidencekb.fhir.common import EBM_PROFILE, full_url, local_id, reference
from evidencekb.namespaces import KB
from evidencekb.sparql.core import Engine, query_text
from evidencekb.sparql.engines import get_engine

VERSION = "2025"
#: Bundle.timestamp: fixed (the addendum's issue year), so the export is reproducible
TIMESTAMP = "2025-01-01T00:00:00Z"
REFERENCE_NUMBER = "https://w3id.org/evidencekb/reference-number"
COUNCIL = str(KB.addendum)


def _rows(engine: Engine, name: str) -> list[dict[str, Any]]:
    return [dict(row) for row in engine.select(query_text(f"fhir/{name}")).rows]


def _flag(value: Any) -> bool | None:
    """A boolean the data may leave out (None)."""
    return None if value is None else str(value).lower() in ("true", "1")


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
        entries = [{"fullUrl": full_url(kind, rid), "resource": _clean(res)}
                   for (kind, rid), res in self.resources.items()]
        return {"resourceType": "Bundle", "id": "evidencekb-addendum", "type": "collection",
                "timestamp": timestamp, "entry": entries}

    # --- PlanDefinitions --------------------------------------------------------------------

    def plans(self) -> None:
        rules = _dedupe(_rows(self.engine, "rules"), "rule")
        annotations = _rows(self.engine, "stop-annotations")
        hypothetical = [logic.ImpliedStart(str(r["startRule"]), str(r["basisCode"]), _flag(r.get("whenInfections")))
                        for r in _rows(self.engine, "hypothetical-starts")]
        boundary = _rows(self.engine, "phase-boundary")[0]
        council = logic.council_groups(self.codes, rules, annotations, hypothetical, boundary, COUNCIL)
        starts, stops = council.starts, council.stops
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
            "extension": [logic.variable_extension(name, text) for name, text in council.variables],
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
            if str(row.get("issuer")) == COUNCIL or logic._true(row.get("isDefault"), False):
                self.node[str(row["rule"])] = ("PlanDefinition", "council-recommendation")
        by_issuer: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        for row in rules:
            if row.get("issuer") is not None and str(row["issuer"]) != COUNCIL:
                by_issuer[str(row["issuer"])].append(row)
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
            for row in issued:
                self.node[str(row["rule"])] = ("PlanDefinition", f"{pid}-criteria")
            self.add({
                "resourceType": "PlanDefinition", "id": f"{pid}-criteria", "version": VERSION,
                "extension": [logic.variable_extension(name, text) for name, text in logic.FACTS],
                "name": "".join(p.capitalize() for p in pid.split("-")) + "Criteria",
                "title": f"Start and stop criteria of {self.labels.get(issuer, pid)}", "status": "active",
                "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/plan-definition-type",
                                     "code": "eca-rule"}]},
                "description": "Structured criteria of a secondary publication as encoded in the knowledge base; "
                               "every applicable action is reported (selectionBehavior any).",
                "relatedArtifact": [{"type": "derived-from", "resourceReference": reference(*self.node[issuer])}]
                if issuer in self.node else [],
                "action": groups,
            }, "recommendation-plan")

    # --- Composition ------------------------------------------------------------------------

    def composition(self) -> None:
        doc = _rows(self.engine, "document")[0]
        publisher = local_id(str(doc["publisher"]))
        self.add({"resourceType": "Organization", "id": publisher, "name": _s(doc.get("publisherLabelDa")),
                  "alias": [_s(doc.get("publisherLabel"))]}, canonical=False)
        sections: dict[str, dict[str, Any]] = {}
        parents: dict[str, str] = {}
        entries: dict[str, set[str]] = defaultdict(set)
        for row in _rows(self.engine, "sections"):
            iri = str(row["section"])
            if iri not in sections:
                sections[iri] = {
                    "title": " ".join(x for x in (_s(row["notation"]), _s(row.get("titleEn"))) if x),
                    "code": {"coding": [{"system": full_url("CodeSystem", "addendum-sections"),
                                         "code": str(row["notation"])}], "text": _s(row.get("titleDa"))},
                }
                parents[iri] = str(row["parent"])
            node = _s(row.get("node"))
            if node in self.node and self.node[node] != ("Composition", "addendum"):
                entries[iri].add("/".join(self.node[node]))
        for iri, section in sections.items():
            section["entry"] = [{"reference": target} for target in sorted(entries[iri])]
        top = []
        for iri, section in sorted(sections.items(),
                                   key=lambda item: _notation_key(item[1]["code"]["coding"][0]["code"])):
            if parents[iri] in sections:
                sections[parents[iri]].setdefault("section", []).append(section)
            else:
                top.append(section)
        related = []
        if doc.get("amends") is not None:
            related.append({"type": "amends", "label": _s(doc.get("amendsLabel")),
                            "document": {"url": _s(doc.get("amendsUrl")), "title": _s(doc.get("amendsLabel"))}})
        self.add({
            "resourceType": "Composition", "id": "addendum", "version": VERSION, "status": "final",
            "language": _s(doc.get("language")), "type": {"text": "Clinical guideline addendum"},
            "date": _s(doc.get("issued")), "title": str(doc["title"]), "name": "Addendum",
            "author": [reference("Organization", publisher)], "relatesTo": related, "section": top,
        })

    # --- Citations --------------------------------------------------------------------------

    def citations(self) -> None:
        for row in _dedupe(_rows(self.engine, "references"), "work"):
            cid = local_id(str(row["work"]))
            identifiers = []
            if row.get("doi") is not None:
                identifiers.append({"system": "https://doi.org", "value": str(row["doi"])})
            if row.get("pmid") is not None:
                identifiers.append({"system": "https://pubmed.ncbi.nlm.nih.gov", "value": str(row["pmid"])})
            form: dict[str, Any] = {}
            if row.get("journal") is not None:
                form["publishedIn"] = {"title": str(row["journal"])}
            if row.get("year") is not None:
                form["articleDate"] = str(row["year"])
            if row.get("volumePages") is not None:
                form["pageString"] = str(row["volumePages"])
            artifact: dict[str, Any] = {"identifier": identifiers, "publicationForm": [form] if form else []}
            if row.get("title") is not None:
                language = _s(row.get("titleLang"))
                artifact["title"] = [{"text": str(row["title"]), "language": {
                    "coding": [{"system": "urn:ietf:bcp:47", "code": language}]} if language else None}]
            if row.get("firstAuthor") is not None:
                artifact["contributorship"] = {"complete": False, "entry": [
                    {"contributor": {"display": str(row["firstAuthor"])}, "rankingOrder": 1}]}
            profile = None
            if row.get("journal") is not None:
                profile = "journal-article-citation"
                artifact["classification"] = [{
                    "type": {"coding": [{"system": "http://hl7.org/fhir/cited-artifact-classification-type",
                                         "code": "knowledge-artifact-type"}]},
                    "classifier": [{"coding": [{"system": "http://hl7.org/fhir/citation-artifact-classifier",
                                                "code": "D016428", "display": "Journal Article"}]}]}]
            self.add({
                "resourceType": "Citation", "id": cid, "status": "active",
                "identifier": [{"system": REFERENCE_NUMBER, "value": str(row["number"])}],
                "title": str(row["shortName"]), "description": _s(row.get("label")),
                "classification": [{"type": {"text": "bibliographic status"},
                                    "classifier": [{"text": _s(row.get("statusLabel")) or _s(row.get("status"))}]}],
                "note": [{"text": str(row["note"])}] if row.get("note") is not None else [],
                "citedArtifact": artifact,
            }, profile)
            self.node[str(row["work"])] = ("Citation", cid)
            self.labels[str(row["work"])] = str(row["shortName"])

    # --- Evidence ---------------------------------------------------------------------------

    def evidence(self) -> None:
        certainty = []
        for row in _rows(self.engine, "certainty"):
            coding = [{"system": _s(row["ratingScheme"]), "code": str(row["rating"]),
                       "display": _s(row.get("ratingLabel"))}]
            if row.get("match") is not None:
                system, _, code = str(row["match"]).rpartition("#")
                coding.append({"system": system, "code": code})
            certainty.append({"description": _s(row.get("verbatim")),
                              "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/certainty-type",
                                                   "code": "Overall"}]},
                              "rating": {"coding": coding}})
        for row in _dedupe(_rows(self.engine, "study-results"), "result"):
            self._one_evidence(row, certainty)

    def _one_evidence(self, row: Mapping[str, Any], certainty: list[dict[str, Any]]) -> None:
        rid = local_id(str(row["result"]))
        outcome = _s(row.get("outcome")) or _s(row.get("label"))
        category = []
        if row.get("outcomeCode") is not None:
            category.append({"definitionCodeableConcept": {"coding": [{
                "system": _s(row.get("outcomeScheme")), "code": str(row["outcomeCode"]),
                "display": _s(row.get("outcomeLabel"))}]}})
        self.add({"resourceType": "EvidenceVariable", "id": f"{rid}-outcome", "status": "active",
                  "title": outcome, "description": outcome, "characteristic": category})
        variables = [_variable("measuredVariable", f"{rid}-outcome", outcome)]
        for role, key, label in (("exposure", "group", "groupLabel"),
                                 ("referenceExposure", "comparedWith", "comparedLabel")):
            if row.get(key) is not None:
                vid = local_id(str(row[key]))
                self.add({"resourceType": "EvidenceVariable", "id": vid, "status": "active",
                          "title": _s(row.get(label))})
                variables.append(_variable(role, vid, _s(row.get(label))))
        statistic: dict[str, Any] = {"description": _s(row.get("label"))}
        if row.get("measure") is not None:
            coding = [{"system": _s(row.get("measureScheme")), "code": str(row["measure"]),
                       "display": _s(row.get("measureLabel"))}]
            if row.get("measureMatch") is not None:
                base, _, code = str(row["measureMatch"]).rpartition("/")
                coding.append({"system": base, "code": code})
            statistic["statisticType"] = {"coding": coding}
        if row.get("value") is not None:
            quantity: dict[str, Any] = {"value": _dec(row["value"])}
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
                "type": {"text": "confidence interval"}, "level": _dec(row.get("ciLevel")),
                "range": {k: {"value": _dec(v)} for k, v in bounds.items() if v is not None},
            }
            if logic._true(row.get("ciUpperNotReached"), False):
                estimate["description"] = "upper bound not reached"
            estimates.append(estimate)
        if row.get("pValue") is not None:
            p_value: dict[str, Any] = {"value": _dec(row["pValue"])}
            if str(row.get("pComparator") or "=") in ("<", "<=", ">", ">="):
                p_value["comparator"] = str(row["pComparator"])
            estimates.append({"type": {"text": "p-value"}, "quantity": p_value})
        statistic["attributeEstimate"] = estimates
        study = str(row["study"])
        design = []
        if row.get("designConcept") is not None:
            code = _s(row.get("design")) or local_id(str(row["designConcept"]))
            design.append({"coding": [{"system": _s(row.get("designScheme")), "code": code,
                                       "display": _s(row.get("designLabel"))}]})
        self.add({
            "resourceType": "Evidence", "id": rid, "status": "active", "title": _s(row.get("label")),
            "citeAsReference": reference(*self.node[study]) if study in self.node else None,
            "description": _s(row.get("verbatim")), "studyDesign": design,
            "synthesisType": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/synthesis-type",
                                          "code": "NotApplicable"}]},
            "variableDefinition": variables, "statistic": [statistic], "certainty": certainty,
        })
        self.node[str(row["result"])] = ("Evidence", rid)

    # --- the council's reasons (RecommendationJustification) -----------------------------------

    def justifications(self) -> None:
        """One ArtifactAssessment per justified council rule, linked from the rule's action."""
        rows = _rows(self.engine, "justifications")
        by_rule: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            by_rule[str(row["rule"])].append(row)
        plan = self.resources.get(("PlanDefinition", "council-recommendation"))
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
                                       "summary": _s(row.get("translation")) or _s(row.get("verbatim")),
                                       "relatedArtifact": []}
                    content.append(statements[key])
                cited = _s(row.get("cites"))
                if cited in self.node:
                    link = {"type": "citation", "resourceReference": reference(*self.node[cited])}
                    if link not in statements[key]["relatedArtifact"]:
                        statements[key]["relatedArtifact"].append(link)
            follows = sorted({str(r["follows"]) for r in group if r.get("follows") is not None})
            if first.get("comment") is not None:
                content.insert(0, {"informationType": "comment", "type": {"text": "summary"},
                                   "summary": str(first["comment"]),
                                   "relatedArtifact": [{"type": "derived-from", "resourceReference": reference(
                                       *self.node[f])} for f in follows if f in self.node]})
            self.add({
                "resourceType": "ArtifactAssessment", "id": jid, "title": _s(first.get("label")),
                "artifactReference": reference("PlanDefinition", "council-recommendation"),
                "content": content,
            }, "recommendation-justification", canonical=False)
            self.node[str(first["justification"])] = ("ArtifactAssessment", jid)
            action = actions.get(local_id(rule))
            if action is not None:
                action.setdefault("documentation", []).append(
                    {"type": "justification", "resourceReference": reference("ArtifactAssessment", jid)})

    # --- AGREE II appraisals ----------------------------------------------------------------

    def appraisals(self) -> None:
        by_appraisal: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in _rows(self.engine, "appraisals"):
            by_appraisal[str(row["appraisal"])].append(row)
        for iri, rows in by_appraisal.items():
            first = rows[0]
            publication = str(first["publication"])
            content = [{"informationType": "rating", "summary": _s(first.get("ratingText")),
                        "type": {"text": "AGREE II overall assessment"},
                        "classifier": [{"coding": [{"system": _s(first.get("ratingScheme")),
                                                    "code": str(first["rating"]),
                                                    "display": _s(first.get("ratingLabel"))}]}]}]
            seen: set[str] = set()
            for row in rows:
                if row.get("finding") is None or str(row["finding"]) in seen:
                    continue
                seen.add(str(row["finding"]))
                finding: dict[str, Any] = {"informationType": "comment", "type": {"text": str(row["findingKind"])},
                                           "summary": _s(row.get("findingLabel")) or _s(row.get("findingText"))}
                if row.get("domain") is not None:
                    finding["classifier"] = [{"coding": [{"system": _s(row.get("domainScheme")),
                                                          "code": str(row["domain"]),
                                                          "display": _s(row.get("domainLabel"))}]}]
                content.append(finding)
            aid = local_id(iri)
            self.add({
                "resourceType": "ArtifactAssessment", "id": aid,
                "title": f"AGREE II appraisal of {_s(first.get('publicationLabel')) or local_id(publication)}",
                "artifactReference": reference(*self.node[publication]),
                "content": content,
            }, "rating", canonical=False)
            self.node[iri] = ("ArtifactAssessment", aid)


def _variable(role: str, vid: str, description: str | None) -> dict[str, Any]:
    return {"description": description,
            "variableRole": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/variable-role",
                                         "code": role}]},
            "observed": reference("EvidenceVariable", vid)}


def _notation_key(notation: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in notation.split("."))


def _dedupe(rows: Sequence[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for row in rows:
        seen.setdefault(str(row[key]), row)
    return list(seen.values())


def export_bundle(engine: Engine | None = None) -> dict[str, Any]:
    assembler = Assembler(engine or get_engine())
    assembler.citations()
    assembler.evidence()
    assembler.appraisals()
    assembler.plans()
    assembler.justifications()
    assembler.composition()  # last: its sections list the resources made above; first in the bundle
    composition = ("Composition", "addendum")
    assembler.resources = {composition: assembler.resources[composition],
                           **{k: v for k, v in assembler.resources.items() if k != composition}}
    return assembler.bundle(TIMESTAMP)


def export_text(engine: Engine | None = None) -> str:
    return json.dumps(export_bundle(engine), ensure_ascii=False, indent=2) + "\n"



"""The addendum as a Composition (its sections listing the resources made from their nodes) with its
publisher, and one Citation per cited work.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from evidencekb.fhir.bundle import REFERENCE_NUMBER, VERSION, Bundle, dedupe, notation_key, query_rows, text
from evidencekb.fhir.common import full_url, local_id, reference


def composition(bundle: Bundle) -> None:
    doc = query_rows(bundle.engine, "document")[0]
    publisher = local_id(str(doc["publisher"]))
    bundle.add({"resourceType": "Organization", "id": publisher, "name": text(doc.get("publisherLabelDa")),
              "alias": [text(doc.get("publisherLabel"))]}, canonical=False)
    sections: dict[str, dict[str, Any]] = {}
    parents: dict[str, str] = {}
    entries: dict[str, set[str]] = defaultdict(set)
    for row in query_rows(bundle.engine, "sections"):
        iri = str(row["section"])
        if iri not in sections:
            sections[iri] = {
                "title": " ".join(x for x in (text(row["notation"]), text(row.get("titleEn"))) if x),
                "code": {"coding": [{"system": full_url("CodeSystem", "addendum-sections"),
                                     "code": str(row["notation"])}], "text": text(row.get("titleDa"))},
            }
            parents[iri] = str(row["parent"])
        node = text(row.get("node"))
        if node in bundle.node and bundle.node[node] != ("Composition", "addendum"):
            entries[iri].add("/".join(bundle.node[node]))
    for iri, section in sections.items():
        section["entry"] = [{"reference": target} for target in sorted(entries[iri])]
    top = []
    for iri, section in sorted(sections.items(),
                               key=lambda item: notation_key(item[1]["code"]["coding"][0]["code"])):
        if parents[iri] in sections:
            sections[parents[iri]].setdefault("section", []).append(section)
        else:
            top.append(section)
    related = []
    if doc.get("amends") is not None:
        related.append({"type": "amends", "label": text(doc.get("amendsLabel")),
                        "document": {"url": text(doc.get("amendsUrl")), "title": text(doc.get("amendsLabel"))}})
    bundle.add({
        "resourceType": "Composition", "id": "addendum", "version": VERSION, "status": "final",
        "language": text(doc.get("language")), "type": {"text": "Clinical guideline addendum"},
        "date": text(doc.get("issued")), "title": str(doc["title"]), "name": "Addendum",
        "author": [reference("Organization", publisher)], "relatesTo": related, "section": top,
    })


def citations(bundle: Bundle) -> None:
    for row in dedupe(query_rows(bundle.engine, "references"), "work"):
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
            language = text(row.get("titleLang"))
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
        bundle.add({
            "resourceType": "Citation", "id": cid, "status": "active",
            "identifier": [{"system": REFERENCE_NUMBER, "value": str(row["number"])}],
            "title": str(row["shortName"]), "description": text(row.get("label")),
            "classification": [{"type": {"text": "bibliographic status"},
                                "classifier": [{"text": text(row.get("statusLabel")) or text(row.get("status"))}]}],
            "note": [{"text": str(row["note"])}] if row.get("note") is not None else [],
            "citedArtifact": artifact,
        }, profile)
        bundle.node[str(row["work"])] = ("Citation", cid)
        bundle.labels[str(row["work"])] = str(row["shortName"])

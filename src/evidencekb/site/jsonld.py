"""schema.org JSON-LD for the site's pages (embedded in <head> by site/overrides/main.html).

The JSON text is safe inside a <script> element: `<`, `>` and `&` are written as \\u escapes.
"""

from __future__ import annotations

import json
from typing import Any

from rdflib.namespace import DCTERMS

from evidencekb.namespaces import EKB
from evidencekb.site.model import SiteModel

CONTEXT = "https://schema.org"


def dumps(data: dict[str, Any]) -> str:
    """JSON that cannot close the <script> element it is embedded in."""
    text = json.dumps(data, ensure_ascii=True, sort_keys=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _org(model: SiteModel, iri: object) -> dict[str, Any]:
    return {"@type": "Organization", "@id": str(iri), "name": model.label(iri)}


def _doi_url(model: SiteModel, iri: object) -> str | None:
    doi = model.value(iri, EKB.doi)
    if doi is not None and model.value(iri, EKB.bibliographicStatus) == EKB["bib-verified"]:
        return f"https://doi.org/{doi}"
    return None


def recommendation(model: SiteModel, criterion: object) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@type": "MedicalGuidelineRecommendation",
        "@id": str(criterion),
        "name": model.label(criterion),
    }
    verbatim = model.text(criterion, EKB.verbatim)
    if verbatim:
        data["description"] = verbatim
    return data


def guideline(model: SiteModel, iri: object, criteria: list[object]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "MedicalGuideline",
        "@id": str(iri),
        "name": model.title(iri) or model.label(iri),
        "inLanguage": "da",
    }
    body = model.value(iri, EKB.issuingBody)
    if body is not None:
        data["publisher"] = _org(model, body)
    issued = model.value(iri, DCTERMS.issued)
    if issued is not None:
        data["guidelineDate"] = str(issued)
    if criteria:
        data["hasPart"] = [recommendation(model, c) for c in criteria]
    return data


def study(model: SiteModel, iri: object) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": ["MedicalObservationalStudy", "MedicalStudy"],
        "@id": str(iri),
        "name": model.label(iri),
    }
    design = model.value(iri, EKB.studyDesign)
    if design is not None:
        data["description"] = model.label(design, "en")
    conditions = [{"@type": "MedicalCondition", "name": model.label(d)} for d in model.values(iri, EKB.diseaseArea)]
    if conditions:
        data["healthCondition"] = conditions
    therapies = [{"@type": "Drug", "name": model.label(t)} for t in model.values(iri, EKB.studiedTherapy)]
    if therapies:
        data["studySubject"] = therapies
    data["citation"] = article(model, iri, context=False)
    return data


def article(model: SiteModel, iri: object, context: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {"@type": "ScholarlyArticle", "@id": str(iri), "name": model.label(iri)}
    if context:
        data = {"@context": CONTEXT, **data}
    title = model.value(iri, DCTERMS.title)
    if title is not None:
        data["headline"] = str(title)
    year = model.value(iri, EKB.publicationYear)
    if year is not None:
        data["datePublished"] = str(year)
    body = model.value(iri, EKB.issuingBody)
    if body is not None:
        data["publisher"] = _org(model, body)
    author = model.value(iri, EKB.firstAuthor)
    if author is not None:
        data["author"] = {"@type": "Person", "name": str(author)}
    url = _doi_url(model, iri)
    if url:
        data["sameAs"] = url
    return data


def simple(model: SiteModel, iri: object, schema_type: str) -> dict[str, Any]:
    return {"@context": CONTEXT, "@type": schema_type, "@id": str(iri), "name": model.label(iri)}

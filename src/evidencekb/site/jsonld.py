"""schema.org JSON-LD for the site's pages (embedded in <head> by site/overrides/main.html).

Facts come from the same named queries as the pages (guideline.rq, criterion.rq, citation.rq, study.rq,
report.rq). The JSON text is safe inside a <script> element: `<`, `>` and `&` are written as \\u escapes.
"""

from __future__ import annotations

import json
from typing import Any

from evidencekb.namespaces import ekb
from evidencekb.site.model import SiteModel

CONTEXT = "https://schema.org"


def dumps(data: dict[str, Any]) -> str:
    """JSON that cannot close the <script> element it is embedded in."""
    text = json.dumps(data, ensure_ascii=True, sort_keys=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _org(model: SiteModel, iri: object) -> dict[str, Any]:
    return {"@type": "Organization", "@id": str(iri), "name": model.label(iri)}  # type: ignore[arg-type]


def recommendation(model: SiteModel, criterion: object) -> dict[str, Any]:
    data: dict[str, Any] = {"@type": "MedicalGuidelineRecommendation", "@id": str(criterion),
                            "name": model.label(criterion)}  # type: ignore[arg-type]
    verbatim = model.facts("criterion").text(criterion, "verbatim", model.lang)
    if verbatim:
        data["description"] = verbatim
    return data


def guideline(model: SiteModel, iri: object, criteria: list[object]) -> dict[str, Any]:
    facts = model.facts("guideline")
    data: dict[str, Any] = {"@context": CONTEXT, "@type": "MedicalGuideline", "@id": str(iri),
                            "name": model.title(iri) or model.label(iri), "inLanguage": model.lang}  # type: ignore[arg-type]
    body = facts.value(iri, "issuingBody")
    if body is not None:
        data["publisher"] = _org(model, body)
    issued = facts.value(iri, "issued")
    if issued is not None:
        data["guidelineDate"] = str(issued)
    if criteria:
        data["hasPart"] = [recommendation(model, c) for c in criteria]
    return data


def study(model: SiteModel, iri: object) -> dict[str, Any]:
    facts = model.facts("study")
    data: dict[str, Any] = {"@context": CONTEXT, "@type": ["MedicalObservationalStudy", "MedicalStudy"],
                            "@id": str(iri), "name": model.label(iri), "inLanguage": model.lang}  # type: ignore[arg-type]
    design = facts.value(iri, "studyDesign")
    if design is not None:
        data["description"] = model.label(design)
    conditions = [{"@type": "MedicalCondition", "name": model.label(d)} for d in facts.values(iri, "diseaseArea")]
    if conditions:
        data["healthCondition"] = conditions
    therapies = [{"@type": "Drug", "name": model.label(t)} for t in facts.values(iri, "studiedTherapy")]
    if therapies:
        data["studySubject"] = therapies
    data["citation"] = article(model, iri, context=False)
    return data


def article(model: SiteModel, iri: object, context: bool = True) -> dict[str, Any]:
    facts = model.facts("citation")
    data: dict[str, Any] = {"@type": "ScholarlyArticle", "@id": str(iri), "name": model.label(iri)}  # type: ignore[arg-type]
    if context:
        data = {"@context": CONTEXT, **data, "inLanguage": model.lang}
    title = facts.value(iri, "title")
    if title is not None:
        data["headline"] = str(title)
    year = facts.value(iri, "publicationYear")
    if year is not None:
        data["datePublished"] = str(year)
    body = model.facts("report").value(iri, "issuingBody")
    if body is not None:
        data["publisher"] = _org(model, body)
    author = facts.value(iri, "firstAuthor")
    if author is not None:
        data["author"] = {"@type": "Person", "name": str(author)}
    doi = facts.value(iri, "doi")
    if doi is not None and facts.value(iri, "bibliographicStatus") == ekb["bib-verified"]:
        data["sameAs"] = f"https://doi.org/{doi}"
    return data


def simple(model: SiteModel, iri: object, schema_type: str) -> dict[str, Any]:
    return {"@context": CONTEXT, "@type": schema_type, "@id": str(iri), "name": model.label(iri),  # type: ignore[arg-type]
            "inLanguage": model.lang}

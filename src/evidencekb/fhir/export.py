"""`evidencekb export --format fhir`: the addendum as an EBM-on-FHIR R5 Bundle (type collection).

Content comes from the SPARQL queries in queries/fhir/ (one per kind of resource); the modules beside
this one only assemble resources from their rows (`fhir.bundle` collects them; `fhir.publications`,
`fhir.evidence`, `fhir.assessments`, `fhir.plans` add one kind each). Ids are the local names of the
graph's IRIs; canonical URLs and `fullUrl`s are `https://w3id.org/evidencekb/fhir/<Type>/<id>`; every
reference is relative (`Type/id`) and resolves to an entry of the bundle.
"""

from __future__ import annotations

import json
from typing import Any

from evidencekb.fhir import assessments, evidence, plans, publications
from evidencekb.fhir.bundle import TIMESTAMP, Bundle
from evidencekb.sparql.core import Engine
from evidencekb.sparql.engines import get_engine


def export_bundle(engine: Engine | None = None) -> dict[str, Any]:
    """The Bundle as JSON data: resources added in dependency order, the Composition first."""
    bundle = Bundle(engine or get_engine())
    publications.citations(bundle)
    evidence.evidence(bundle)
    assessments.appraisals(bundle)
    plans.plans(bundle)
    assessments.justifications(bundle)
    publications.composition(bundle)  # last: its sections list the resources made above; first in the bundle
    composition = ("Composition", "addendum")
    bundle.resources = {composition: bundle.resources[composition],
                        **{k: v for k, v in bundle.resources.items() if k != composition}}
    return bundle.bundle(TIMESTAMP)


def export_text(engine: Engine | None = None) -> str:
    return json.dumps(export_bundle(engine), ensure_ascii=False, indent=2) + "\n"

"""Identifiers, code systems and extension URLs shared by the FHIR export and the patient mapping.

Canonical URLs live under the project's base IRI (`https://w3id.org/evidencekb/`): a resource of type T
with id I has the canonical URL and `fullUrl` `https://w3id.org/evidencekb/fhir/T/I`, so the relative
reference `T/I` inside the bundle resolves to it. A code of the knowledge base's vocabulary is coded
with its SKOS concept scheme's IRI as the system and its `skos:notation` as the code.
"""

from __future__ import annotations

import re

from evidencekb.namespaces import ekb, kb

FHIR_BASE = "https://w3id.org/evidencekb/fhir/"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ATC = "http://www.whocc.no/atc"
#: LOINC 2465-3: IgG [Mass/volume] in Serum or Plasma
IGG_LOINC = "2465-3"
#: ATC J06BA: immunoglobulins, normal human
IG_ATC = "J06BA"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
ADHERENCE = "http://hl7.org/fhir/CodeSystem/medication-statement-adherence"
EBM_PROFILE = "http://hl7.org/fhir/uv/ebm/StructureDefinition/"

#: Extensions this project defines (URLs under the base IRI).
EXT_STARTED_BEFORE_THERAPY = FHIR_BASE + "StructureDefinition/ig-started-before-therapy"
EXT_PRIORITY = FHIR_BASE + "StructureDefinition/rule-priority"
#: Observation.component code: was the IgG measured during immunoglobulin substitution?
DURING_SUBSTITUTION_SYSTEM = FHIR_BASE + "CodeSystem/patient-facts"
DURING_SUBSTITUTION_CODE = "igg-during-ig-substitution"

#: UCUM units an IgG value may have, with the factor to g/L (a unit conversion, not a clinical threshold).
IGG_UNITS = {"g/L": 1, "mg/dL": 100}


def scheme(name: str) -> str:
    """The FHIR code system of an ekb concept scheme (its IRI)."""
    return str(ekb[name])


THERAPY_SYSTEM = scheme("TherapyClassScheme")
BASIS_SYSTEM = scheme("IgStartBasisScheme")
INFECTION_SYSTEM = scheme("InfectionRequirementScheme")
DECISION_SYSTEM = scheme("DecisionScheme")
#: The code of the patient flag `severe_or_recurrent_bacterial_infections` (ekb:InfectionRequirementScheme)
INFECTION_CODE = "severe-or-recurrent-bacterial"
#: Immunoglobulin status notation → MedicationStatement.adherence code
ADHERENCE_OF_STATUS = {"ongoing": "taking", "none": "not-taking"}

_ID = re.compile(r"[^A-Za-z0-9\-.]")


def local_id(iri: str) -> str:
    """A FHIR id from an IRI of the knowledge base (its local name, at most 64 characters)."""
    text = str(iri)
    for base in (str(kb), str(ekb)):
        if text.startswith(base):
            text = text[len(base):]
            break
    else:
        text = text.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return _ID.sub("-", text)[:64]


def full_url(resource_type: str, resource_id: str) -> str:
    return f"{FHIR_BASE}{resource_type}/{resource_id}"


def reference(resource_type: str, resource_id: str) -> dict[str, str]:
    return {"reference": f"{resource_type}/{resource_id}"}

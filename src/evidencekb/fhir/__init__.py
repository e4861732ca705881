"""FHIR R5: the addendum as an EBM-on-FHIR Bundle, patients to and from FHIR, and the start/stop rules as
PlanDefinitions with FHIRPath conditions generated from the graph.

* `export` — the Bundle: `bundle` collects resources; `publications` (Composition, Citations),
  `evidence` (Evidence, EvidenceVariables), `assessments` (justifications, AGREE II appraisals) and
  `plans` (PlanDefinitions) each add one kind from their queries in queries/fhir/.
* the rules as FHIRPath: `fhirpath` (patient facts, boolean algebra, durations), `criteria` (a rule's
  own conditions), `selection` (exactly one action per council group), `logic` (the actions and groups).
* `patient` — a patient record to and from a FHIR Bundle; `common` — ids, code systems, extension URLs.
"""

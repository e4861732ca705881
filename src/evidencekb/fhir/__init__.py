"""FHIR R5: the addendum as an EBM-on-FHIR Bundle (`export`), patients to and from FHIR (`patient`), and
the start/stop rules as PlanDefinitions with FHIRPath conditions generated from the graph (`logic`)."""

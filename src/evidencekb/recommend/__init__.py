"""Patients in, decisions out: the council's section-4 start/stop rules, explained, and compare across sources.

One job per module, each depending only on those above it:

* `patient` — the patient model: declarative field tables (no pydantic at start-up) into a
  `Patient`, field-named errors.
* `records` — patient records from text: strict JSON (duplicate keys, surrogates, deep nesting refused)
  and CSV rows (header with known, unique, named columns).
* `rules` — graph look-ups, cached per engine: phase boundary, population and input codes, therapy
  names, and each rule's label, sections, decision label and condition nodes.
* `facts` — patient → the codes and calendar facts the queries bind.
* `evaluate` — the start/stop queries for chunks of patients and the JSON answer (codes, IRIs).
* `explain` — the wording (messages/recommend.toml, numbers from the graph) and the text report.
* `batch` — `--batch` input and output: each row on its own, safe `--out`, progress.
* `compare` — every source's verdict for one patient.
"""

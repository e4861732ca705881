"""Checks on the graph: `validate` (SHACL shapes + QC queries) and the addendum's self-audit.

dataset  parse ontology + data once (pyoxigraph), one named graph per data file, one rdflib graph for pyshacl
shacl    pyshacl (reference, property shapes lifted to top level) or pyrudof; results as plain records
qc       queries/qc/*.rq on the dataset (zero rows = pass; a rule may name the data file), as a parallel job
         (evidencekb.parallel: forked) while the shapes are checked
validate the report: findings, counts, skipped files; `evidencekb validate` calls `validate_paths`
audit    the addendum checked against itself
"""

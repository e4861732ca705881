"""The whole rule space and what a revision changes: `evidencekb space` and `evidencekb diff`.

One job per module:

dimensions    the partition: cut points and codes read from the graph by queries/space/*.rq
cells         one representative patient per cell (the `recommend` JSON contract)
evaluate      the council's answer (`recommend`, batched) and every publication's (`compare`'s query)
model         the `Space` value; space: `build_space` puts the steps together
findings      gap / overlap / boundary / disagreement findings and agreement figures (JSON)
findings_triples  the findings as triples of light terms (ontology/space.ttl); audit: them as pyoxigraph
              quads for `evidencekb audit`; findings_rdf: them as an rdflib Graph (`space --format turtle`)
render, page  the flat table (CSV/Markdown) and the site pages (agreement, "What changed")
workspace     a project folder or git revision as the current project; diff: what a revision changes
"""

"""The whole rule space and what a revision changes: `evidencekb space` and `evidencekb diff`.

`space` (evidencekb.revision.space) partitions patients into the kinds the encoded criteria can tell
apart — cut points and codes read from the graph by queries/space/*.rq — and decides one representative
patient per cell with the council's logic (`recommend`) and every secondary publication's start
criteria (`compare`'s query). `findings` turns the cells into gap / overlap / boundary / disagreement
findings (JSON and RDF). `diff` compares two revisions of a project: entities, table cells, decision
cells and, optionally, a batch of patients.
"""

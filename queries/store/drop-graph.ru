# # Drop a graph if it exists
# **Does:** removes <urn:evidencekb:param:graph>, silently if it is absent. `evidencekb load` uses it to
# clean up a failed staging graph, and on a fresh random IRI as a probe that the update endpoint
# answers (it changes nothing).
DROP SILENT GRAPH <urn:evidencekb:param:graph>

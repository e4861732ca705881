# # Swap the staging graph in
# **Does:** replaces <urn:evidencekb:param:graph> with the staging graph <urn:evidencekb:param:source>
# in one operation. No SILENT: a missing staging graph is an error, not an empty knowledge base.
MOVE GRAPH <urn:evidencekb:param:source> TO GRAPH <urn:evidencekb:param:graph>

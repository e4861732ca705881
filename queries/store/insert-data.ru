# # Add one chunk of triples to a (staging) graph
# **Does:** inserts the N-Triples of one chunk into <urn:evidencekb:param:graph> (the staging graph of a
# load too large for one request); `evidencekb load` puts the chunk in place of the
# <urn:evidencekb:param:data> triple.
INSERT DATA { GRAPH <urn:evidencekb:param:graph> {
<urn:evidencekb:param:data> <urn:evidencekb:param:data> <urn:evidencekb:param:data> .
} }

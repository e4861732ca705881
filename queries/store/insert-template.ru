# # Add one chunk of triples that holds blank nodes, where INSERT DATA may not carry them
# **Does:** inserts the N-Triples of one chunk into <urn:evidencekb:param:graph> as the template of an
# INSERT … WHERE { } (one solution: each blank-node label becomes ONE new blank node, shared by the
# chunk's triples, exactly as INSERT DATA would). `evidencekb load` uses it for chunks with blank nodes
# after a store refused them in INSERT DATA (Virtuoso: "Blank node … is not allowed in a constant clause");
# the triples that share a blank node always travel in one chunk, so the graph read back is the graph sent.
INSERT { GRAPH <urn:evidencekb:param:graph> {
<urn:evidencekb:param:data> <urn:evidencekb:param:data> <urn:evidencekb:param:data> .
} } WHERE { }

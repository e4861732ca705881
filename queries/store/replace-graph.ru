# # Replace a named graph in one request
# **Does:** empties the knowledge base's named graph and inserts the new triples, in ONE request (one
# transaction on Oxigraph, Fuseki, GraphDB …): readers see the old graph or the new one, never a mix.
# `evidencekb load` binds <urn:evidencekb:param:graph> to the graph IRI (`--graph`) and puts the
# N-Triples in place of the <urn:evidencekb:param:data> triple.
DROP SILENT GRAPH <urn:evidencekb:param:graph> ;
INSERT DATA { GRAPH <urn:evidencekb:param:graph> {
<urn:evidencekb:param:data> <urn:evidencekb:param:data> <urn:evidencekb:param:data> .
} }

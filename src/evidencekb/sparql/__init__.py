"""SPARQL: query files and their headers, local engines (pyoxigraph, rdflib), the remote engine."""

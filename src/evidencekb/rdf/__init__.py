"""Turtle in: the project's files loaded with file-and-line errors — into one pyoxigraph store for
every command that only queries, into rdflib graphs only where pyshacl or rdflib itself needs them.

* `turtle` — the two loaders; `cache` — the project's knowledge base, once per process;
* `terms` — RDF terms between pyoxigraph, rdflib and the light terms of `evidencekb.terms` (one place).
"""

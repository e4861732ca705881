"""Turtle in: the project's files loaded with file-and-line errors — into one pyoxigraph store for
every command that only queries, into rdflib graphs only where pyshacl or rdflib itself needs them."""

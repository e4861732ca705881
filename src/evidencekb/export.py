"""Serialise the merged knowledge base."""

from evidencekb.namespaces import PREFIXES
from evidencekb.rdf.cache import knowledge_base

FORMATS = {"turtle": "turtle", "jsonld": "json-ld", "ntriples": "nt"}


def export_graph(format_name: str) -> str:
    """The ontology + data graph as Turtle, JSON-LD (compacted with the project's prefixes) or N-Triples."""
    options = {}
    if format_name == "jsonld":
        options = {"context": {prefix: str(ns) for prefix, ns in PREFIXES.items()}, "auto_compact": True}
    text = knowledge_base().serialize(format=FORMATS[format_name], **options)
    return text if text.endswith("\n") else text + "\n"

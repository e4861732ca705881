"""Serialise the merged knowledge base."""

from evidencekb.engines import knowledge_base

FORMATS = {"turtle": "turtle", "jsonld": "json-ld", "ntriples": "nt"}


def export_graph(format_name: str) -> str:
    """The ontology + data graph as Turtle, JSON-LD or N-Triples text."""
    text = knowledge_base().serialize(format=FORMATS[format_name])
    return text if text.endswith("\n") else text + "\n"

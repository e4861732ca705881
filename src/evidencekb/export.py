"""Serialise the merged knowledge base, byte-identical across runs on unchanged data.

pyoxigraph writes every format, from the process's one store (`evidencekb.rdf.cache.knowledge_store`):
rdflib is not imported. Determinism is ours: blank nodes get canonical labels (RDFC-1.0, through
`pyoxigraph.Dataset.canonicalize`), triples are written in a fixed order (subject, `rdf:type` first,
predicate, object), and the prefixes in alphabetical order. JSON-LD is pyoxigraph's expanded form
compacted with the project's prefixes only (`_compact_jsonld`). The export says which version of
evidencekb made it (a `dcat:Dataset` node with `owl:versionInfo`). `serialize` is the one
Turtle/JSON-LD/N-Triples writer; the site's downloads use it too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache

import pyoxigraph as ox

from evidencekb import __version__
from evidencekb.namespaces import PREFIXES, curie
from evidencekb.rdf.cache import knowledge_store

FORMATS = {"turtle": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD, "ntriples": ox.RdfFormat.N_TRIPLES}
DATASET = PREFIXES["kb"] + "knowledge-base"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_DCAT_DATASET = "http://www.w3.org/ns/dcat#Dataset"
_VERSION_INFO = "http://www.w3.org/2002/07/owl#versionInfo"
_SOURCE = "http://purl.org/dc/terms/source"


def export_graph(format_name: str) -> str:
    """The ontology + data graph as Turtle, JSON-LD (compacted with the project's prefixes) or N-Triples."""
    dataset = ox.NamedNode(DATASET)
    about = [
        ox.Triple(dataset, ox.NamedNode(RDF_TYPE), ox.NamedNode(_DCAT_DATASET)),
        ox.Triple(dataset, ox.NamedNode(_VERSION_INFO), ox.Literal(__version__)),
        ox.Triple(dataset, ox.NamedNode(_SOURCE), ox.NamedNode(PREFIXES["kb"] + "addendum")),
    ]
    return serialize([*(quad.triple for quad in knowledge_store()), *about], format_name)


def serialize(triples: Iterable[ox.Triple] | ox.Store, format_name: str) -> str:
    """`triples` (or a store's default graph) as `format_name` (a key of FORMATS): canonical blank
    nodes, a fixed order of triples and prefixes."""
    return serialize_formats(triples, [format_name])[format_name]


def serialize_formats(triples: Iterable[ox.Triple] | ox.Store, format_names: Iterable[str]) -> dict[str, str]:
    """The same graph in several formats (ordered once): format name → text."""
    ordered = _canonical_order(triples)
    out = {}
    for name in format_names:
        if name == "jsonld":
            out[name] = _compact_jsonld(ox.serialize(ordered, format=ox.RdfFormat.JSON_LD).decode("utf-8"))
        elif name == "ntriples":
            out[name] = ox.serialize(ordered, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
        else:
            out[name] = _turtle(ordered)
    return out


def _canonical_order(triples: Iterable[ox.Triple] | ox.Store) -> list[ox.Triple]:
    found = (
        [quad.triple for quad in triples.quads_for_pattern(None, None, None, ox.DefaultGraph())]
        if isinstance(triples, ox.Store)
        else list(triples)
    )
    if any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in found):
        dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in found)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        found = [quad.triple for quad in dataset]
    return sorted(found, key=lambda t: (str(t.subject), t.predicate.value != RDF_TYPE, t.predicate.value,
                                        str(t.object)))


def _turtle(ordered: list[ox.Triple]) -> str:
    """Turtle with the prefixes sorted (pyoxigraph writes them in hash order) and a blank line per subject."""
    body = ox.serialize(ordered, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES).decode("utf-8").splitlines()
    lines = [f"@prefix {prefix}: <{iri}> ." for prefix, iri in sorted(PREFIXES.items())]
    for line in body:
        if line.startswith("@prefix "):
            continue
        if not line.startswith(("\t", " ")):
            lines.append("")
        lines.append(line)
    return "\n".join(lines) + "\n"


def _compact_jsonld(expanded: str) -> str:
    """pyoxigraph's expanded JSON-LD of the ordered triples, compacted with a context of the project's
    prefixes only (JSON-LD 1.1 compaction for that context: compact IRIs, `@type` for `rdf:type`, plain
    strings, single values unwrapped); nodes ordered by `@id`, keys sorted, values in the triples' order."""
    short = cache(curie)

    def value_of(value: dict[str, str]) -> object:
        if len(value) == 1 and "@id" in value:
            return {"@id": short(value["@id"])}
        if len(value) == 1 and "@value" in value:
            return value["@value"]  # an xsd:string literal
        if "@type" in value:
            return {**value, "@type": short(value["@type"])}
        return value

    def one_or_many(values: list[object]) -> object:
        return values[0] if len(values) == 1 else values

    nodes = []
    for node in json.loads(expanded):
        compacted: dict[str, object] = {"@id": short(node["@id"])}
        for key, values in node.items():
            if key == "@id":
                continue
            if key == RDF_TYPE and all(len(v) == 1 and "@id" in v for v in values):
                compacted["@type"] = one_or_many([short(v["@id"]) for v in values])
            else:
                compacted[short(key)] = one_or_many([value_of(v) for v in values])
        nodes.append(dict(sorted(compacted.items())))
    document = {"@context": dict(sorted(PREFIXES.items())), "@graph": sorted(nodes, key=lambda n: str(n["@id"]))}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"

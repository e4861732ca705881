"""What the site generator reads from the graph: labels, node properties and page addresses.

All reading goes through the queries in `queries/site/`; this module only indexes their rows.
Language choice: Danish (the source language) first, then untagged text, then English.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from evidencekb.namespaces import EKB, KB, PREFIXES
from evidencekb.site.text import slug
from evidencekb.sparql.core import Engine, QueryResult, query_text

# Folder of each kind of entity page (relative to the docs root).
PAGE_FOLDERS = {
    "study": "studies",
    "report": "reports",
    "product": "therapies",
    "therapy-class": "therapies",
    "antigen": "therapies",
    "disease": "diseases",
    "organisation": "organisations",
}

LANG_ORDER = ("da", "", "en")


def pick_text(values: list[Node], lang: str = "da") -> str | None:
    """The literal in the preferred language: `lang`, then untagged, then any other."""
    literals = [v for v in values if isinstance(v, Literal)]
    if not literals:
        return None
    order = (lang, "", "da", "en")
    for wanted in order:
        for value in literals:
            if (value.language or "") == wanted:
                return str(value)
    return str(literals[0])


def other_language(values: list[Node], lang: str = "da") -> str | None:
    """The English text when the preferred text is Danish and an English variant exists (else None)."""
    main = pick_text(values, lang)
    for value in values:
        if isinstance(value, Literal) and value.language == "en" and str(value) != main:
            return str(value)
    return None


def curie(iri: str) -> str:
    """A short name for an IRI (kb:dima-2025) for places where no label exists."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(str(namespace)):
            return f"{prefix}:{iri[len(str(namespace)):]}"
    return iri


@dataclass
class Page:
    iri: str
    kind: str
    path: str  # docs-relative Markdown path, e.g. "studies/dima-2025.md"


@dataclass
class SiteModel:
    """The graph seen through the site queries, with a page address for every entity that has one."""

    engine: Engine
    graph: Graph
    lang: str = "da"
    _nodes: dict[str, dict[str, list[Node]]] = field(default_factory=dict)
    _grouped: dict[str, dict[str, list[dict[str, Node | None]]]] = field(default_factory=dict)

    def select(self, name: str, **bindings: Node) -> QueryResult:
        return self.engine.select(query_text(f"site/{name}"), bindings or None)

    def rows_about(self, name: str, key: str, iri: object) -> list[dict[str, Node | None]]:
        """The rows of `queries/site/<name>.rq` whose ?`key` is `iri`, in the query's order.

        The query runs once over the whole graph and its rows are indexed by ?`key`: one query per page
        would scan the graph once per page (quadratic at scale).
        """
        if name not in self._grouped:
            groups: dict[str, list[dict[str, Node | None]]] = defaultdict(list)
            for row in self.select(name).rows:
                groups[str(row[key])].append(row)
            self._grouped[name] = groups
        return self._grouped[name].get(str(iri), [])

    # ----------------------------------------------------------------- labels
    @cached_property
    def _labels(self) -> dict[str, dict[str, list[Node]]]:
        labels: dict[str, dict[str, list[Node]]] = defaultdict(lambda: defaultdict(list))
        for row in self.select("labels").rows:
            labels[str(row["entity"])][str(row["kind"])].append(row["label"])
        return labels

    def label(self, iri: Node | str | None, lang: str | None = None) -> str:
        """The entity's name: short name for publications, else label, title, notation, finally a CURIE."""
        if iri is None:
            return ""
        if isinstance(iri, Literal):
            return str(iri)
        kinds = self._labels.get(str(iri), {})
        for kind in ("label", "title", "short", "acronym", "notation"):
            text = pick_text(kinds.get(kind, []), lang or self.lang)
            if text:
                return text
        return curie(str(iri))

    def english_label(self, iri: Node | str | None) -> str | None:
        kinds = self._labels.get(str(iri), {}) if iri is not None else {}
        for kind in ("label", "title"):
            text = other_language(kinds.get(kind, []), self.lang)
            if text:
                return text
        return None

    def short(self, iri: Node | str) -> str:
        """A compact name: ekb:shortName, acronym or notation when present, else the label."""
        kinds = self._labels.get(str(iri), {})
        for kind in ("short", "acronym"):
            text = pick_text(kinds.get(kind, []), self.lang)
            if text:
                return text
        return self.label(iri)

    def title(self, iri: Node | str) -> str | None:
        return pick_text(self._labels.get(str(iri), {}).get("title", []), self.lang)

    # ------------------------------------------------------------ node values
    def node(self, iri: Node | str) -> dict[str, list[Node]]:
        """Every property of `iri` with its values (cached; one query per node)."""
        key = str(iri)
        if key not in self._nodes:
            values: dict[str, list[Node]] = defaultdict(list)
            for row in self.select("node", node=URIRef(key)).rows:
                values[str(row["property"])].append(row["value"])
            self._nodes[key] = values
        return self._nodes[key]

    def values(self, iri: Node | str | None, prop: URIRef) -> list[Node]:
        if iri is None or not isinstance(iri, URIRef | str):
            return []
        return sorted(self.node(iri).get(str(prop), []), key=_sort_key)

    def value(self, iri: Node | str | None, prop: URIRef) -> Node | None:
        found = self.values(iri, prop)
        return found[0] if found else None

    def text(self, iri: Node | str | None, prop: URIRef) -> str | None:
        return pick_text(self.values(iri, prop), self.lang)

    def text_en(self, iri: Node | str | None, prop: URIRef) -> str | None:
        return other_language(self.values(iri, prop), self.lang)

    def texts(self, iri: Node | str | None, prop: URIRef) -> list[str]:
        """All literals of `prop` in the preferred language (or untagged)."""
        found = self.values(iri, prop)
        preferred = [str(v) for v in found if isinstance(v, Literal) and (v.language or "") in (self.lang, "")]
        return preferred or [str(v) for v in found if isinstance(v, Literal)]

    def is_a(self, iri: Node | str, cls: URIRef) -> bool:
        from rdflib.namespace import RDF

        return cls in self.values(iri, RDF.type)

    # ------------------------------------------------------------------ pages
    @cached_property
    def pages(self) -> dict[str, Page]:
        """IRI → page for every entity that gets its own page (slug of the IRI's last segment)."""
        pages: dict[str, Page] = {}
        used: set[str] = set()
        for row in self.select("pages").rows:
            iri, kind = str(row["entity"]), str(row["kind"])
            if iri in pages:
                continue
            base = f"{PAGE_FOLDERS[kind]}/{slug(iri)}"
            path, n = f"{base}.md", 2
            while path in used or path.endswith("/index.md"):
                path, n = f"{base}-{n}.md", n + 1
            used.add(path)
            pages[iri] = Page(iri, kind, path)
        return pages

    def of_kind(self, kind: str) -> list[Page]:
        pages = [p for p in self.pages.values() if p.kind == kind]
        return sorted(pages, key=lambda p: (self._order_key(p.iri), self.label(p.iri).lower()))

    def _order_key(self, iri: str) -> tuple[int, int]:
        number = self.value(iri, EKB.referenceNumber)
        return (0, int(number)) if number is not None else (1, 0)

    @cached_property
    def table_pages(self) -> dict[str, str]:
        """Table IRI → docs path of its page ("tables/3-1.md")."""
        return {str(row["table"]): f"tables/{slug(str(row['notation']))}.md" for row in self.select("tables").rows}

    @cached_property
    def links(self) -> list[tuple[str, str, str]]:
        return [(str(r["source"]), str(r["relation"]), str(r["target"])) for r in self.select("links").rows]

    def linked(self, relation: str, target: str | None = None, source: str | None = None) -> list[str]:
        """Sources linked to `target` by `relation`, or targets of `source`."""
        if target is not None:
            return sorted({s for s, r, t in self.links if r == relation and t == target})
        return sorted({t for s, r, t in self.links if r == relation and s == source})


def _sort_key(term: Node) -> tuple[str, str]:
    return (type(term).__name__, str(term))


ADDENDUM = KB.addendum

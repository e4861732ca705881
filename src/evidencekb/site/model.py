"""What the site generator reads from the graph: labels, facts and page addresses.

All reading goes through the named queries in `queries/site/` (and the council's rules through
`why.council_rules`), read as light terms (`evidencekb.terms`, `QueryResult.terms`). Each query runs once
per build over the whole graph; this module only indexes its rows. Fact queries (`study.rq`, `report.rq`,
`criterion.rq`, `citation.rq`, …) return `?node ?field ?value` rows, where ?field is the local name of the
property the query lists, so `grep -r ciLower queries/site src/evidencekb/site` leads from a fact to its page.

Language choice for a text: the page's language, then untagged text, then Danish, then English.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from evidencekb import why
from evidencekb.namespaces import curie
from evidencekb.site.text import slug
from evidencekb.sparql.core import Engine, QueryResult, query_text
from evidencekb.sparql.core import Term as Node
from evidencekb.terms import Literal

# Folder of each kind of entity page (relative to the docs root of a language).
PAGE_FOLDERS = {
    "study": "studies",
    "report": "reports",
    "product": "therapies",
    "therapy-class": "therapies",
    "antigen": "therapies",
    "disease": "diseases",
    "organisation": "organisations",
}

__all__ = ["Facts", "Page", "SiteModel", "curie", "pick_literal", "pick_text"]


def pick_literal(values: list[Node], lang: str = "da") -> Literal | None:
    """The literal in the preferred language: `lang`, then untagged, then Danish, then English, then any."""
    literals = [v for v in values if isinstance(v, Literal)]
    if not literals:
        return None
    for wanted in (lang, "", "da", "en"):
        for value in literals:
            if (value.language or "") == wanted:
                return value
    return literals[0]


def pick_text(values: list[Node], lang: str = "da") -> str | None:
    found = pick_literal(values, lang)
    return str(found) if found is not None else None


def _sort_key(term: Node) -> tuple[str, str]:
    return (type(term).__name__, str(term))


class Facts:
    """The rows of one fact query, indexed as node → field → values (sorted, for stable pages)."""

    def __init__(self, rows: list[dict[str, Node | None]]) -> None:
        index: dict[str, dict[str, list[Node]]] = defaultdict(lambda: defaultdict(list))
        for row in rows:
            if row["value"] is not None:
                index[str(row["node"])][str(row["field"])].append(row["value"])
        for fields in index.values():
            for values in fields.values():
                values.sort(key=_sort_key)
        self._index = index

    def values(self, node: object, name: str) -> list[Node]:
        if node is None:
            return []
        fields = self._index.get(str(node))
        return list(fields.get(name, [])) if fields else []

    def value(self, node: object, name: str) -> Node | None:
        found = self.values(node, name)
        return found[0] if found else None

    def text(self, node: object, name: str, lang: str) -> str | None:
        return pick_text(self.values(node, name), lang)

    def literal(self, node: object, name: str, lang: str) -> Literal | None:
        return pick_literal(self.values(node, name), lang)

    def texts(self, node: object, name: str, lang: str) -> list[str]:
        """All literals of `name` in `lang` (or untagged); else all literals."""
        found = [v for v in self.values(node, name) if isinstance(v, Literal)]
        preferred = [str(v) for v in found if (v.language or "") in (lang, "")]
        return preferred or [str(v) for v in found]

    def flag(self, node: object, name: str) -> bool:
        return str(self.value(node, name) or "").lower() == "true"

    def nodes(self) -> list[str]:
        return list(self._index)


@dataclass(frozen=True)
class Page:
    iri: str
    kind: str
    path: str  # docs-relative Markdown path, e.g. "studies/dima-2025.md"


@dataclass
class SiteModel:
    """The graph seen through the site queries, with a page address for every entity that has one."""

    engine: Engine
    lang: str = "da"
    _facts: dict[str, Facts] = field(default_factory=dict)
    _grouped: dict[str, dict[str, list[dict[str, Node | None]]]] = field(default_factory=dict)
    _rows: dict[str, list[dict[str, Node | None]]] = field(default_factory=dict)

    def select(self, name: str, **bindings: Node) -> QueryResult:
        """The rows of `queries/site/<name>.rq`, with `bindings` bound as terms."""
        return self.engine.select(query_text(f"site/{name}"), bindings or None)

    def facts(self, name: str) -> Facts:
        """The `?node ?field ?value` rows of `queries/site/<name>.rq`, run once per build."""
        if name not in self._facts:
            self._facts[name] = Facts(self.select(name).terms)
        return self._facts[name]

    def rows(self, name: str) -> list[dict[str, Node | None]]:
        """All rows of `queries/site/<name>.rq`, run once per build."""
        if name not in self._rows:
            self._rows[name] = self.select(name).terms
        return self._rows[name]

    def rows_about(self, name: str, key: str, iri: object) -> list[dict[str, Node | None]]:
        """The rows of `queries/site/<name>.rq` whose ?`key` is `iri`, in the query's order.

        The query runs once over the whole graph and its rows are indexed by ?`key`: one query per page
        would scan the graph once per page (quadratic at scale).
        """
        if name not in self._grouped:
            groups: dict[str, list[dict[str, Node | None]]] = defaultdict(list)
            for row in self.rows(name):
                groups[str(row[key])].append(row)
            self._grouped[name] = groups
        return self._grouped[name].get(str(iri), [])

    @cached_property
    def council_rules(self) -> list[dict[str, object]]:
        """The council's rules (`why.council_rules`: queries/why/rules.rq), read once per build and language."""
        return why.council_rules(self.engine)

    # ----------------------------------------------------------------- labels
    @cached_property
    def _labels(self) -> dict[str, dict[str, list[Node]]]:
        labels: dict[str, dict[str, list[Node]]] = defaultdict(lambda: defaultdict(list))
        for row in self.select("labels").terms:
            labels[str(row["entity"])][str(row["kind"])].append(row["label"])
        return labels

    def has_label(self, iri: object) -> bool:
        return iri is not None and str(iri) in self._labels

    def label(self, iri: Node | str | None, lang: str | None = None) -> str:
        """The entity's name: label, title, short name, acronym, notation, finally a CURIE."""
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

    def short(self, iri: Node | str) -> str:
        """A compact name: ekb:shortName or acronym when present, else the label."""
        kinds = self._labels.get(str(iri), {})
        for kind in ("short", "acronym"):
            text = pick_text(kinds.get(kind, []), self.lang)
            if text:
                return text
        return self.label(iri)

    def notation(self, iri: Node | str) -> str:
        """skos:notation ("IRR", "HR") when present, else the label."""
        return pick_text(self._labels.get(str(iri), {}).get("notation", []), self.lang) or self.label(iri)

    def title(self, iri: Node | str) -> str | None:
        return pick_text(self._labels.get(str(iri), {}).get("title", []), self.lang)

    def other_names(self, iri: Node | str) -> list[str]:
        """skos:altLabel values in the page's language (or untagged)."""
        values = [v for v in self._labels.get(str(iri), {}).get("alt", []) if isinstance(v, Literal)]
        return sorted({str(v) for v in values if (v.language or "") in (self.lang, "")})

    # ------------------------------------------------------------------ pages
    @cached_property
    def pages(self) -> dict[str, Page]:
        """IRI → page for every entity that gets its own page (slug of the IRI's last segment)."""
        pages: dict[str, Page] = {}
        used: set[str] = set()
        for row in self.select("pages").terms:
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
        number = self.facts("citation").value(iri, "referenceNumber")
        return (0, int(number)) if number is not None else (1, 0)

    @cached_property
    def table_pages(self) -> dict[str, str]:
        """Table IRI → docs path of its page ("tables/3-1.md")."""
        return {str(row["table"]): f"tables/{slug(str(row['notation']))}.md" for row in self.select("tables").terms}

    @cached_property
    def table_ids(self) -> dict[str, str]:
        """Table notation ("3-1") → table IRI."""
        return {str(row["notation"]): str(row["table"]) for row in self.select("tables").terms}

    @cached_property
    def links(self) -> list[tuple[str, str, str]]:
        return [(str(r["source"]), str(r["relation"]), str(r["target"])) for r in self.select("links").terms]

    def linked(self, relation: str, target: str | None = None, source: str | None = None) -> list[str]:
        """Sources linked to `target` by `relation`, or targets of `source`."""
        if target is not None:
            return sorted({s for s, r, t in self.links if r == relation and t == target})
        return sorted({t for s, r, t in self.links if r == relation and s == source})

"""The immutable context every page is generated in, and the links and snippets pages share.

A page is a function `page(ctx, …) -> str` of a frozen `PageContext`: the model (graph through the site
queries), the table source, the audit, the page's language and the docs path of the page being written
(`here`, which relative links start from). `ctx.at(path)` gives the context of another page.
"""

from __future__ import annotations

import html
import json
import posixpath
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from evidencekb import messages
from evidencekb.site import jsonld
from evidencekb.site.model import Facts, SiteModel
from evidencekb.site.tables import TableSource
from evidencekb.site.text import attr, link, md, number, table


def rel(from_path: str, to_path: str) -> str:
    """A Markdown link target from one docs page to another docs file."""
    return posixpath.relpath(to_path, posixpath.dirname(from_path) or ".")


def html_rel(from_path: str, to_path: str) -> str:
    """A URL for raw HTML (not rewritten by MkDocs): relative to the page's built directory URL.

    With `use_directory_urls`, `query.md` is served at `query/` and `a/index.md` at `a/`.
    """
    page_dir = posixpath.dirname(from_path) if posixpath.basename(from_path) == "index.md" else from_path[:-3]
    return posixpath.relpath(to_path, page_dir or ".")


def front_matter(title: str, data: dict[str, Any] | None = None, **flags: Any) -> str:
    """YAML front matter (JSON scalars are valid YAML). The title is HTML-escaped: themes print it raw."""
    lines = ["---", f"title: {json.dumps(html.escape(title))}"]
    if data is not None:
        lines.append(f"jsonld: {json.dumps(jsonld.dumps(data))}")
    for key, value in flags.items():
        lines.append(f"{key}: {json.dumps(value)}")
    lines.append("---")
    return "\n".join(lines) + "\n\n"


@dataclass(frozen=True)
class PageContext:
    model: SiteModel
    tables: TableSource
    audit: Callable[[], list[Any]] | None = None
    #: The decision space in a language (`revision.space.build_space`), shared by the languages of a build.
    space: Callable[[str], Any] | None = None
    here: str = "index.md"

    @property
    def lang(self) -> str:
        return self.model.lang

    def at(self, path: str) -> PageContext:
        """The context of the page at docs path `path`."""
        return replace(self, here=path)

    # ----------------------------------------------------------------- words
    def t(self, key: str, **values: object) -> str:
        """The interface string `site.<key>` (messages/site.toml) in the page's language."""
        return messages.text(f"site.{key}", self.lang, **values)

    def num(self, value: object) -> str:
        """A number from the graph as readers write it in the page's language ("0,59" in Danish)."""
        text = number(value)
        return text.replace(".", ",") if self.lang == "da" else text

    def facts(self, name: str) -> Facts:
        return self.model.facts(name)

    def say(self, facts: str, node: object, name: str) -> str:
        """The text of field `name` of `node` (fact query `facts`) as Markdown; text in another language than
        the page's (Danish printed text on an English page) is marked with its language for readers and
        screen readers."""
        return self.marked(self.facts(facts).literal(node, name, self.lang))

    def marked(self, literal: object) -> str:
        """An escaped literal, inside <span lang="…"> when its language is not the page's."""
        if literal is None:
            return ""
        lang = getattr(literal, "language", None)
        text = md(literal)
        if lang and lang != self.lang and text:
            return f'<span lang="{attr(lang)}">{text}</span>'
        return text

    def label(self, iri: object) -> str:
        return self.model.label(iri)  # type: ignore[arg-type]

    # ----------------------------------------------------------------- links
    def to(self, path: str) -> str:
        return rel(self.here, path)

    def html_to(self, path: str) -> str:
        return html_rel(self.here, path)

    def ref(self, iri: object, label: str | None = None) -> str:
        """A link to the entity's page, or its escaped name when it has none."""
        if iri is None:
            return ""
        text = label if label is not None else self.model.label(iri)  # type: ignore[arg-type]
        page = self.model.pages.get(str(iri))
        if page is not None:
            return link(text, self.to(page.path))
        table_page = self.model.table_pages.get(str(iri))
        if table_page is not None:
            return link(text, self.to(table_page))
        return md(text)

    def refs(self, iris: Iterable[Any], sep: str = ", ") -> str:
        return sep.join(self.ref(i) for i in iris)

    def labels(self, iris: Iterable[Any]) -> str:
        return ", ".join(md(self.model.label(i)) for i in iris)

    def provenance(self, iri: object, compact: bool = False) -> str:
        """Where a fact comes from; `compact` moves the fine locator into a tooltip (for tables)."""
        facts = self.facts("provenance")
        text = ", ".join(self.ref(p) for p in facts.values(iri, "wasDerivedFrom"))
        locator = facts.text(iri, "sourceLocator", self.lang)
        if locator and compact:
            return f'<span class="ekb-locator" title="{attr(locator)}">{text}</span>'
        if locator:
            text += f" ({md(locator)})"
        return text

    def fact_table(self, rows: list[tuple[str, str]]) -> str:
        """A two-column table of (field name key in site.fields, Markdown value); empty values left out."""
        kept = [(self.t(f"fields.{key}"), value) for key, value in rows if value]
        if not kept:
            return ""
        return table([self.t("fields.field"), self.t("fields.value")], ([md(n), v] for n, v in kept))

    def none(self) -> str:
        """The line shown where the data has nothing for a section."""
        return f"_{self.t('common.none')}_\n"

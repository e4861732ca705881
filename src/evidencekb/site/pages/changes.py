"""The page "Hvad er ændret" / "What changed" (`evidencekb site build --since REV`): `evidencekb diff` of REV
against the project being built, as `evidencekb.revision.page.changes_page` renders it, with links to the
pages of the entities and council rules that have one. Without --since the site has no such page."""

from __future__ import annotations

from typing import Any

from evidencekb.revision.page import CHANGES, PAGE_CSS, changes_page
from evidencekb.site.context import PageContext, front_matter
from evidencekb.site.pages.common import page_link

PATH = "changes.md"


def title(lang: str) -> str:
    return CHANGES[lang]["title"]


def changes(ctx: PageContext, result: dict[str, Any]) -> str:
    ctx = ctx.at(PATH)
    text = changes_page(result, ctx.lang, page_link(ctx))
    body = text.split("\n", 1)[1] if text.startswith("# ") else text  # the title comes from the front matter
    return (front_matter(title(ctx.lang), search={"exclude": True}) + f"# {title(ctx.lang)}\n" + body
            + f"\n<style>\n{PAGE_CSS}\n</style>\n")


def pages(ctx: PageContext, result: dict[str, Any] | None) -> dict[str, str]:
    return {} if result is None else {PATH: changes(ctx, result)}

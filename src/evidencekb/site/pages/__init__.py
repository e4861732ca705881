"""One module per page kind; each page is a function of an immutable `PageContext`.

`build_pages(ctx, intro)` returns {docs path: Markdown} for one language. Page → queries feeding it:
see site/README.md ("Where each page's facts come from").
"""

from __future__ import annotations

from evidencekb.site.context import PageContext
from evidencekb.site.pages import calculator, cite, entities, home, other, reports, rules, studies, tables


def build_pages(ctx: PageContext, intro: str) -> dict[str, str]:
    out = {"index.md": home.home(ctx, intro)}
    for module in (tables, studies, reports, entities, rules, other, cite, calculator):
        out.update(module.pages(ctx))
    return out

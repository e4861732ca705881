"""The in-browser SPARQL page: example competency questions and the query form (Oxigraph WebAssembly)."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass

from evidencekb import project
from evidencekb.site.jsonld import dumps
from evidencekb.sparql.core import query_header


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    description: str
    query: str


def examples() -> list[Example]:
    """queries/site/example-*.rq, then the named competency questions of queries/questions/ if present.

    A question in queries/questions/ with the same name as a site example replaces it.
    """
    files = sorted((project.current().queries / "site").glob("example-*.rq"))
    questions = project.current().queries / "questions"
    files += sorted(questions.glob("*.rq")) if questions.is_dir() else []
    found: dict[str, Example] = {}
    for path in files:
        text = path.read_text(encoding="utf-8")
        header = query_header(text).splitlines()
        title = header[0].lstrip("# ").strip() if header else path.stem
        description = " ".join(line for line in header[1:] if line).strip()
        name = path.stem.removeprefix("example-")
        found.pop(name, None)  # a named competency question replaces the site's example of the same name
        found[name] = Example(name, title, description, text)
    return list(found.values())


def query_widget(graph_url: str, script_url: str, items: list[Example], pages_url: str = "",
                 root_url: str = "", words: dict[str, str] | None = None) -> str:
    """The HTML of the query form. Example texts travel as JSON (escaped for a <script> element).

    `pages_url` is the IRI → page map (assets/ekb-pages.json) and `root_url` the site root, both relative
    to the page: result IRIs with a page become links to it. `words` are the interface strings in the
    page's language (examples, run, loading, loaded, rows, triples, error, load_failed); the script reads
    them from data-words.
    """
    words = words or {"examples": "Example questions", "run": "Run", "loading": "Loading the graph …"}
    buttons = "".join(
        f'<li><button type="button" class="ekb-example" data-example="{i}" '
        f'data-name="{html.escape(e.name, quote=True)}">'
        f"{html.escape(e.title)}</button></li>"
        for i, e in enumerate(items)
    )
    payload = dumps({"examples": [e.__dict__ for e in items]})
    first = html.escape(items[0].query) if items else ""
    return (
        f'<div class="ekb-query" id="ekb-query" data-graph="{html.escape(graph_url, quote=True)}" '
        f'data-pages="{html.escape(pages_url, quote=True)}" data-root="{html.escape(root_url, quote=True)}" '
        f'data-words="{html.escape(json.dumps(words, ensure_ascii=False), quote=True)}">\n'
        f'<p><strong>{html.escape(words["examples"])}</strong></p>\n<ul class="ekb-examples">{buttons}</ul>\n'
        '<p id="ekb-example-description" class="ekb-description"></p>\n'
        f'<textarea id="ekb-sparql" rows="16" spellcheck="false" aria-label="SPARQL">{first}</textarea>\n'
        '<p><button type="button" id="ekb-run" class="md-button md-button--primary" disabled>'
        f'{html.escape(words["run"])}</button> '
        f'<span id="ekb-status" role="status">{html.escape(words["loading"])}</span></p>\n'
        '<div id="ekb-results"></div>\n'
        "</div>\n"
        f'<script type="application/json" id="ekb-examples">{payload}</script>\n'
        f'<script type="module" src="{html.escape(script_url, quote=True)}"></script>\n'
    )


def examples_json(items: list[Example]) -> str:
    return json.dumps([e.__dict__ for e in items], ensure_ascii=False, indent=2)

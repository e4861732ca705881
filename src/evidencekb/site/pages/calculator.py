"""The calculator page (`calculator.md`): the council's answer for one patient, computed in the browser.

The page is a form with the patient contract's field names (recommend/patient.py) and a script,
`assets/ekb-calculator.js`, that loads the published graph into Oxigraph (WebAssembly) and runs the SAME
query files as `evidencekb recommend` (queries/recommend/*.rq, queries/explain/*.rq), copied here into
`assets/calculator/queries/` at build time. Besides the files the build writes `assets/calculator/queries.json`:
for each query, where its variables and groups are (`evidencekb.sparql.bind.query_facts`, rdflib's SPARQL
grammar; offsets in UTF-16 code units, as JavaScript counts), so the script binds a value exactly as
`bind_terms` does for a remote endpoint, and many-row bindings as a VALUES block like `inline_values`.
The sentences are the message catalogue's (recommend.toml, calculator.toml), exported to the page as JSON.

Parsing the query files with rdflib's grammar costs ~1.2 s of CPU a build, for maps that change only when a
query file (or the code that maps it) changes: the maps are kept in `build/cache/` (`binding_maps`), by the
SHA-256 of each query text, for this module's and `sparql/bind.py`'s code and rdflib's and pyparsing's
versions. A query whose text is not in the cache is parsed; a cache that cannot be read is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import os
import re
import sys
import tempfile
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from evidencekb import messages, project
from evidencekb.recommend.patient import MAX_AGE, MAX_IGG_G_PER_L
from evidencekb.site.context import PageContext, front_matter
from evidencekb.site.pages.common import rule_iris, rule_path
from evidencekb.sparql import bind
from evidencekb.sparql.bind import query_facts

PAGE = "calculator.md"
QUERY_FOLDERS = ("recommend", "explain")  # what evidencekb.recommend runs (rules.py, evaluate.py)
ASSETS = "assets/calculator"
SCRIPT = "assets/ekb-calculator.js"
CATALOGUES = ("recommend", "calculator")  # exported to the page in its language
STYLE = (  # the form reflows on a phone: one column, controls never wider than the screen
    "<style>.ekb-calc-form fieldset{border:1px solid var(--md-default-fg-color--lighter);margin:0 0 1em;"
    "padding:.5em 1em;min-width:0}.ekb-calc-field{display:flex;flex-wrap:wrap;gap:.25em .75em;"
    "align-items:center;margin:.5em 0}.ekb-calc-field label{flex:1 1 14em}.ekb-calc-field input:not([type=checkbox]),"
    ".ekb-calc-field select{flex:1 1 12em;max-width:100%;min-width:0;padding:.3em;font:inherit;"
    "border:1px solid var(--md-default-fg-color--light);border-radius:.2em;background:var(--md-default-bg-color)}"
    ".ekb-calc-check label{flex:1 1 0}.ekb-calc-error{flex-basis:100%;color:#b00020;font-weight:600}"
    ".ekb-calc-errors{border-left:4px solid #b00020;padding:.25em 1em;margin:0 0 1em}"
    ".ekb-calc-result{overflow-wrap:anywhere}.ekb-calc-decisions dt{font-weight:700}"
    ".ekb-calc-decisions dd{margin:0 0 .5em}.ekb-calc-hint{margin:.25em 0;font-size:.9em}"
    # the theme's hover/focus colour (accent on white) is below WCAG contrast: keep the primary colours
    ".md-typeset .ekb-calc-form .md-button--primary:is(:hover,:focus){"
    "background-color:var(--md-primary-fg-color--dark);"
    "border-color:var(--md-primary-fg-color--dark);color:var(--md-primary-bg-color);outline:2px solid "
    "var(--md-default-fg-color);outline-offset:2px}</style>"
)


def _utf16(text: str, position: int) -> int:
    return len(text[:position].encode("utf-16-le")) // 2


def query_files() -> dict[str, str]:
    """'<folder>/<name>' → the text of every query file the recommender may run."""
    root = project.current().queries
    return {f"{folder}/{path.stem}": path.read_text(encoding="utf-8")
            for folder in QUERY_FOLDERS for path in sorted((root / folder).glob("*.rq"))}


def binding_map(name: str, text: str) -> dict[str, Any]:
    """Where the query's variables and groups are (for binding one row of values in the browser)."""
    facts = query_facts(text)
    if facts.text != text:  # a \\u escape: the positions refer to another text
        raise ValueError(f"queries/{name}.rq: unicode escapes are not supported by the calculator")
    return {
        "form": facts.form,
        "where": None if facts.where is None else _utf16(text, facts.where),
        "groups": [_utf16(text, p) for p in facts.groups],
        "occurrences": [{"name": o.name, "start": _utf16(text, o.start), "end": _utf16(text, o.end),
                         "keep": o.keep, "assigned": o.assigned, "computed": o.computed}
                        for o in facts.occurrences],
    }


def cache_path() -> Path:
    """Where the binding maps of earlier builds are kept (the project's build folder)."""
    return project.current().build / "cache" / "calculator-binding-maps.json"


@cache
def _code_version() -> str:
    """What a map depends on besides its query's text: the code that computes it and rdflib's grammar."""
    digest = hashlib.sha256()
    for module in (bind, sys.modules[__name__]):
        digest.update(Path(module.__file__ or "").read_bytes())
    digest.update(" ".join(metadata.version(name) for name in ("rdflib", "pyparsing")).encode())
    return digest.hexdigest()


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read_cache(path: Path) -> dict[str, Any]:
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(stored, dict) or stored.get("version") != _code_version():
        return {}
    maps = stored.get("maps")
    return maps if isinstance(maps, dict) else {}


def _write_cache(path: Path, maps: dict[str, Any]) -> None:
    """Write the cache atomically (a build running beside this one reads the old or the new file); a build
    folder that cannot be written only costs the next build the parse."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    except OSError:
        return
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({"version": _code_version(), "maps": maps}, out, ensure_ascii=False)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def binding_maps(files: dict[str, str]) -> dict[str, dict[str, Any]]:
    """name → `binding_map(name, text)` of each query file: from the cache when its text is there, else
    parsed (and the cache rewritten with the maps of these files only)."""
    path = cache_path()
    stored = _read_cache(path)
    keys = {name: _text_key(text) for name, text in files.items()}
    maps = {name: stored[key] if key in stored else binding_map(name, files[name]) for name, key in keys.items()}
    if set(stored) != set(keys.values()):
        _write_cache(path, {keys[name]: found for name, found in maps.items()})
    return maps


def catalogue(lang: str) -> dict[str, str]:
    """The page's sentences: every entry of the exported catalogues in `lang` (English where missing)."""
    return {key: entry.get(lang) or entry["en"] for key, entry in messages.catalogue().items()
            if key.split(".", 1)[0] in CATALOGUES}


def _t(ctx: PageContext, key: str, **values: object) -> str:
    return messages.text(f"calculator.{key}", ctx.lang, **values)


def _label(ctx: PageContext, name: str, control: str, hint: str = "") -> str:
    text = html.escape(_t(ctx, f"field.{name}"))
    error = f'<span class="ekb-calc-error" id="error-{name}" data-field="{name}" hidden></span>'
    return (f'<div class="ekb-calc-field" data-for="{name}"><label for="calc-{name}">{text}</label>{hint}'
            f"{control}{error}</div>")


def _input(name: str, kind: str = "text", extra: str = "") -> str:
    return (f'<input id="calc-{name}" name="{name}" type="{kind}" aria-describedby="error-{name}"{extra}>')


def _select(ctx: PageContext, name: str, options: list[tuple[str, str]]) -> str:
    items = "".join(f'<option value="{html.escape(v, quote=True)}">{html.escape(text)}</option>'
                    for v, text in options)
    return f'<select id="calc-{name}" name="{name}" aria-describedby="error-{name}">{items}</select>'


def _check(ctx: PageContext, name: str) -> str:
    text = html.escape(_t(ctx, f"field.{name}"))
    error = f'<span class="ekb-calc-error" id="error-{name}" data-field="{name}" hidden></span>'
    return (f'<div class="ekb-calc-field ekb-calc-check" data-for="{name}">'
            f'<input id="calc-{name}" name="{name}" type="checkbox" value="true" aria-describedby="error-{name}">'
            f'<label for="calc-{name}">{text}</label>{error}</div>')


def form(ctx: PageContext) -> str:
    opt = lambda key: _t(ctx, f"option.{key}")  # noqa: E731
    patient = "".join([
        _label(ctx, "age", _input("age", extra=' inputmode="decimal" autocomplete="off"')),
        _label(ctx, "therapy", _input("therapy", extra=' list="calc-therapies" autocomplete="off" value="car-t"')),
        '<datalist id="calc-therapies"></datalist>',
        _label(ctx, "therapy_start", _input("therapy_start", "date")),
        _label(ctx, "assessment_date", _input("assessment_date", "date")),
        _check(ctx, "severe_or_recurrent_bacterial_infections"),
    ])
    igg = "".join([
        _label(ctx, "igg_value", _input("igg_value", extra=' inputmode="decimal" autocomplete="off"')),
        _label(ctx, "igg_unit", _select(ctx, "igg_unit", [("g/L", "g/L"), ("mg/dL", "mg/dL")])),
        _check(ctx, "during_ig_substitution"),
    ])
    ig = "".join([
        _label(ctx, "ig_status", _select(ctx, "ig_status", [("none", opt("none")), ("ongoing", opt("ongoing"))])),
        f'<p class="ekb-calc-hint" id="calc-ongoing-hint">{html.escape(_t(ctx, "page.ongoing_hint"))}</p>',
        '<div id="calc-ongoing">',
        _label(ctx, "ig_start_date", _input("ig_start_date", "date")),
        _check(ctx, "ig_started_before_therapy"),
        _label(ctx, "ig_start_basis", _select(ctx, "ig_start_basis", [
            ("", opt("basis-none")), ("igg-below-4", opt("igg-below-4")), ("infections", opt("infections"))])),
        "</div>",
    ])
    fieldset = lambda key, body: (f'<fieldset class="ekb-calc-group"><legend>{html.escape(_t(ctx, key))}</legend>'  # noqa: E731
                                  f"{body}</fieldset>")
    return (
        '<form id="ekb-calc-form" class="ekb-calc-form" novalidate>'
        '<div id="ekb-calc-errors" class="ekb-calc-errors" role="alert" hidden></div>'
        + fieldset("page.patient", patient) + fieldset("page.igg", igg) + fieldset("page.immunoglobulin", ig)
        + '<p><button type="submit" id="ekb-calc-submit" class="md-button md-button--primary" disabled>'
        + html.escape(_t(ctx, "page.submit")) + "</button> "
        + f'<span id="ekb-calc-status" role="status">{html.escape(_t(ctx, "page.loading"))}</span></p>'
        + "</form>"
    )


def page(ctx: PageContext) -> str:
    ctx = ctx.at(PAGE)
    rules = {iri: ctx.html_to(rule_path(iri)).removesuffix(".md") + "/" for iri in sorted(rule_iris(ctx))}
    config = {"lang": ctx.lang, "graph": ctx.html_to("downloads/evidencekb.ttl"),
              "queries": ctx.html_to(f"{ASSETS}/queries.json"), "rules": rules,
              "limits": {"age": str(MAX_AGE), "igg": str(MAX_IGG_G_PER_L)}}
    payload = json.dumps({"messages": catalogue(ctx.lang), "config": config}, ensure_ascii=False)
    payload = payload.replace("<", "\\u003c")  # never closes the <script> element
    lead = re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(_t(ctx, "page.lead")))
    result = ('<section id="ekb-calc-result" class="ekb-calc-result" aria-live="polite" hidden>'
              f'<h2 id="ekb-calc-answer">{html.escape(_t(ctx, "page.answer"))}</h2>'
              '<dl class="ekb-calc-decisions"></dl>'
              f'<h3>{html.escape(_t(ctx, "page.explanation"))}</h3><ol class="ekb-calc-explanation"></ol>'
              f'<h3>{html.escape(_t(ctx, "page.rules"))}</h3><ul class="ekb-calc-rules"></ul>'
              "</section>")
    return (front_matter(_t(ctx, "page.title"), hide=["toc"]) + f"# {html.escape(_t(ctx, 'page.heading'))}\n\n"
            + STYLE + "\n"
            + f'<div class="ekb-calc" id="ekb-calc">\n<p>{lead}</p>\n'
            + form(ctx) + "\n" + result + "\n"
            + f'<p class="ekb-calc-note">{html.escape(_t(ctx, "page.disclaimer"))}</p>\n</div>\n'
            + f'<script type="application/json" id="ekb-calc-data">{payload}</script>\n'
            + f'<script type="module" src="{html.escape(ctx.html_to(SCRIPT), quote=True)}"></script>\n')


def pages(ctx: PageContext) -> dict[str, str]:
    """The page, the query files it runs and where their variables are."""
    files = query_files()
    maps = binding_maps(files)
    out = {PAGE: page(ctx)}
    index = {}
    for name, text in files.items():
        out[f"{ASSETS}/queries/{name}.rq"] = text
        index[name] = {"file": f"queries/{name}.rq", **maps[name]}
    out[f"{ASSETS}/queries.json"] = json.dumps(index, ensure_ascii=False, indent=0)
    return out

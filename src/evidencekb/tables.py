"""Regenerate the addendum's tables (3-1, 3-2, 8-1 … 8-7) from the graph (`evidencekb table`).

Each table has one query, `queries/tables/table-<id>.rq`, that returns one solution per printed
cell (row x column, with the cell's text already decided — including the derived criteria
marks of Tables 3-1/3-2). This module only arranges those solutions into rows and renders them
as JSON, Markdown or CSV; it holds no table content, thresholds or codes of its own. It binds and
reads light terms (`evidencekb.terms`), so `evidencekb table` never imports rdflib.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

from evidencekb.errors import InputError
from evidencekb.formats import csv_text, markdown_cell, markdown_inline, markdown_table
from evidencekb.namespaces import kb
from evidencekb.sparql.core import Engine, query_text
from evidencekb.sparql.engines import get_engine
from evidencekb.terms import Literal

TABLE_IDS: tuple[str, ...] = ("3-1", "3-2", "8-1", "8-2", "8-3", "8-4", "8-5", "8-6", "8-7")
FORMATS: tuple[str, ...] = ("markdown", "csv", "json", "text")
LANGUAGES: tuple[str, ...] = ("da", "en")

TableData = dict[str, Any]


def check_table_id(table_id: str) -> str:
    """`table_id` itself if the addendum has such a table; else an InputError naming the valid IDs."""
    if table_id not in TABLE_IDS:
        raise InputError(f"unknown table {table_id!r}: choose one of {', '.join(TABLE_IDS)}")
    return table_id


def _check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise InputError(f"--lang: {lang!r} is not supported (use {' or '.join(LANGUAGES)})")
    return lang


def table_result(table_id: str, lang: str = "da", engine: Engine | None = None) -> tuple[TableData, str]:
    """The table as data plus its printed label ("Tabel 3-1"), from the table's query."""
    check_table_id(table_id)
    _check_lang(lang)
    engine = engine or get_engine()
    rows = engine.select(query_text(f"tables/table-{table_id}"), {"lang": Literal(lang)}).terms
    if not rows:
        raise InputError(
            f"table {table_id}: the graph has no rows or columns for it "
            f"(expected ekb:TableRow/ekb:TableColumn nodes with ekb:inTable kb:table-{table_id} in data/tables/)"
        )
    first = rows[0]
    title, label = str(first.get("title") or ""), str(first.get("label") or "")
    headings: dict[int, str] = {}
    cells: dict[int, dict[int, list[str]]] = {}
    for solution in rows:
        row_pos, col_pos = int(solution["rowPos"]), int(solution["colPos"])  # type: ignore[arg-type]
        headings.setdefault(col_pos, str(solution.get("heading") or ""))
        row = cells.setdefault(row_pos, {})
        # Column 1 is always the row's reference / heading cell, whether or not a heading is printed
        # above it (Bilag C prints none, so its tables have no TableColumn at position 1).
        for position, value in ((1, solution.get("rowText")), (col_pos, solution.get("text"))):
            texts = row.setdefault(position, [])
            text = str(value or "")
            if text and text not in texts:
                texts.append(text)
    headings.setdefault(1, "")
    for row_pos, row in cells.items():
        if len(row.get(1, [])) > 1:
            raise InputError(
                f"table {table_id}: two rows at position {row_pos} ({' / '.join(row[1])}); "
                "give each ekb:TableRow its own ekb:position"
            )
    positions = sorted(headings)
    data: TableData = {
        "id": table_id,
        "title": title,
        "columns": [headings[p] for p in positions],
        "rows": [["\n".join(cells[r].get(p, [])) for p in positions] for r in sorted(cells)],
        "footnotes": _footnotes(table_id, lang, engine),
    }
    return data, label


def _footnotes(table_id: str, lang: str, engine: Engine) -> list[str]:
    """The table's footnotes in `lang` where the graph has them in that language, else in Danish."""
    result = engine.select(query_text("tables/footnotes"), {"table": kb[f"table-{table_id}"]})
    texts = [t for t in result.term_column("text") if isinstance(t, Literal)]
    chosen = [t for t in texts if t.language == lang] or [t for t in texts if t.language in ("da", None)]
    return [str(t) for t in chosen]


def table_data(table_id: str, lang: str = "da", engine: Engine | None = None) -> TableData:
    """{"id", "title", "columns", "rows", "footnotes"} of one table, cells as printed ("X" marks, "" empty)."""
    return table_result(table_id, lang, engine)[0]


def to_json(data: TableData) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def to_csv(data: TableData, excel: bool = False) -> str:
    """RFC 4180 (a header row, then one record per row, CRLF line ends), or Danish Excel's flavour."""
    return csv_text(data["columns"], data["rows"], excel=excel)


def to_markdown(data: TableData, label: str = "") -> str:
    """A heading with the title, a pipe table (renders in MkDocs), then the footnotes as paragraphs.

    Escaped and laid out by `evidencekb.formats` (the site's tables use the same renderer)."""
    heading = f"{label}. {data['title']}" if label else data["title"]
    table = markdown_table([markdown_cell(c) for c in data["columns"]],
                           ([markdown_cell(c) for c in row] for row in data["rows"]))
    lines = [f"### {markdown_inline(heading)}", "", table.rstrip("\n")]
    for footnote in data["footnotes"]:
        lines += ["", markdown_inline(footnote)]
    return "\n".join(lines) + "\n"


def to_text(data: TableData, label: str = "", width: int = 120) -> str:
    """A grid for the terminal: the title, wrapped cells in aligned columns, then the footnotes."""
    columns = data["columns"]
    column_width = max(8, (width - 3 * len(columns) - 1) // max(1, len(columns)))

    def wrap(cell: str) -> list[str]:
        lines = []
        for line in cell.split("\n"):
            lines += textwrap.wrap(line, column_width, break_on_hyphens=False) or [""]
        return lines or [""]

    rule = "+" + "+".join("-" * (column_width + 2) for _ in columns) + "+"

    def block(cells: list[str]) -> list[str]:
        wrapped = [wrap(cell) for cell in cells]
        height = max(len(lines) for lines in wrapped)
        return [
            "| " + " | ".join((lines[i] if i < len(lines) else "").ljust(column_width) for lines in wrapped) + " |"
            for i in range(height)
        ]

    title = f"{label}. {data['title']}" if label else data["title"]
    out = textwrap.wrap(title, width) + [rule] + block(columns) + [rule.replace("-", "=")]
    for row in data["rows"]:
        out += block(row) + [rule]
    out += [line for footnote in data["footnotes"] for line in textwrap.wrap(footnote, width)]
    return "\n".join(out) + "\n"


def render_table(
    table_id: str,
    format: str = "markdown",  # noqa: A002 - the CLI's option name
    lang: str = "da",
    endpoint: str | None = None,
    graph: str | None = None,
    excel: bool = False,
) -> str:
    """One table as `format` (markdown | csv | json | text), from the local graph or a SPARQL endpoint."""
    check_table_id(table_id)
    if format not in FORMATS:
        raise InputError(f"--format: {format!r} is not supported (use {', '.join(FORMATS)})")
    data, label = table_result(table_id, lang, get_engine(endpoint, graph))
    if format == "json":
        return to_json(data)
    if format == "csv":
        return to_csv(data, excel)
    if format == "text":
        return to_text(data, label)
    return to_markdown(data, label)


def list_tables(lang: str = "da", endpoint: str | None = None, graph: str | None = None) -> str:
    """One line per table that can be regenerated: its ID and printed title."""
    _check_lang(lang)
    engine = get_engine(endpoint, graph)
    rows = engine.select(query_text("tables/list"), {"lang": Literal(lang)}).terms
    titles = {str(row["notation"]): str(row.get("title") or "") for row in rows}
    return "\n".join(f"{table_id}  {titles.get(table_id, '(not in the graph)')}" for table_id in TABLE_IDS)

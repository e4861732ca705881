"""Plain-text output formats shared by several commands: CSV (RFC 4180, or the Excel flavour) and
Markdown (escaped text and pipe tables, for `evidencekb table` and the site alike).

Markdown escaping keeps the text readable and renders it literally, in CommonMark and in the site's
MkDocs extensions alike: the characters that open inline markup get a backslash (`\\ ` * _ [ ] |`, and
`{ }` for attr_list), `& < >` become HTML entities (so ``<script>`` is text), and a paragraph that
starts with `#`, `!` or `?` (heading, admonition, details) has that first character escaped. Each line is
stripped and line breaks become `<br>` (empty lines are dropped).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

_NUMBER = re.compile(r"^-?\d+\.\d+$")
_MARKDOWN_ESCAPES = str.maketrans({
    "\\": "\\\\", "`": "\\`", "*": "\\*", "_": "\\_", "[": "\\[", "]": "\\]", "|": "\\|",
    "{": "\\{", "}": "\\}", "&": "&amp;", "<": "&lt;", ">": "&gt;",
})
_BLOCK_STARTS = ("#", "!", "?")


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[object]], excel: bool = False) -> str:
    """CSV with a header row. `excel=True` is what Danish Excel opens directly: a UTF-8 byte-order
    mark, ';' between fields and decimal commas in numbers ("2.70" → "2,70"); otherwise RFC 4180."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if excel else ",", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for row in rows:
        cells = ["" if cell is None else str(cell) for cell in row]
        writer.writerow([_decimal_comma(cell) for cell in cells] if excel else cells)
    return ("\ufeff" if excel else "") + buffer.getvalue()


def _decimal_comma(cell: str) -> str:
    return cell.replace(".", ",") if _NUMBER.match(cell) else cell


def markdown_inline(text: object) -> str:
    """`text` as inline Markdown that renders literally (see the module docstring); lines joined by `<br>`."""
    lines = [line.strip().translate(_MARKDOWN_ESCAPES) for line in str(text).splitlines()]
    joined = "<br>".join(line for line in lines if line)
    return "\\" + joined if joined.startswith(_BLOCK_STARTS) else joined


def markdown_cell(text: object) -> str:
    """A table cell: like `markdown_inline`, and "" for None or whitespace only."""
    return markdown_inline(text) if text is not None and str(text).strip() else ""


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A pipe table. Headers and cells must already be Markdown (escaped with `markdown_cell`)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(c.replace("\n", "<br>") for c in row) + " |")
    return "\n".join(lines) + "\n"

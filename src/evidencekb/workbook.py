"""The committee workbook (`evidencekb export --format xlsx`, `evidencekb table ID --format xlsx`).

One sheet each for studies, estimates, secondary publications with AGREE II, criteria (council and
sources), the nine tables as printed and the source annotations, plus an "About" sheet with the
version. Every sheet is a query in `queries/workbook/` (or a table query) laid out by `Sheet`:
two header rows (Danish, then English) frozen above the data, columns sized to their content,
numbers as numbers.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from evidencekb import __version__
from evidencekb.messages import text
from evidencekb.sparql.core import Engine, query_text
from evidencekb.sparql.engines import get_engine
from evidencekb.tables import TABLE_IDS, table_result

MAX_WIDTH = 60


@dataclass(frozen=True)
class Sheet:
    """A sheet: its message key, its query and (variable, column message key) pairs in order.

    The first variable names the node of a row; the query's rows for one node are merged into one
    row, a column with several values showing them sorted and joined by " | "."""

    key: str
    query: str
    columns: tuple[tuple[str, str], ...]


SHEETS = (
    Sheet("studies", "workbook/studies", (
        ("study", "iri"), ("reference", "reference"), ("label", "label"), ("design", "design"),
        ("therapy", "therapy"), ("disease", "disease"), ("sampleSize", "sample_size"), ("source", "source"),
    )),
    Sheet("estimates", "workbook/estimates", (
        ("estimate", "iri"), ("studyLabel", "study"), ("outcome", "outcome"), ("outcomeEn", "outcome_en"),
        ("category", "category"), ("measure", "measure"), ("value", "value"), ("unit", "unit"),
        ("ciLower", "ci_lower"), ("ciUpper", "ci_upper"), ("ciUpperNotReached", "ci_not_reached"),
        ("pComparator", "p_comparator"), ("pValue", "p_value"), ("timeWindow", "time_window"),
        ("verbatim", "verbatim"), ("source", "source"),
    )),
    Sheet("publications", "workbook/publications", (
        ("publication", "iri"), ("reference", "reference"), ("label", "label"), ("kind", "kind"), ("body", "body"),
        ("rating", "rating"), ("ratingText", "rating_text"), ("strengths", "strengths"), ("weaknesses", "weaknesses"),
    )),
    Sheet("criteria", "workbook/criteria", (
        ("criterion", "iri"), ("issuer", "issuer"), ("kind", "start_stop"), ("action", "action"),
        ("population", "population"), ("therapy", "therapy"), ("comparator", "comparator"),
        ("threshold", "threshold"), ("upperThreshold", "upper_threshold"), ("unit", "unit"), ("window", "window"),
        ("infection", "infection"), ("verbatim", "verbatim"),
    )),
    Sheet("annotations", "workbook/annotations", (
        ("annotation", "iri"), ("kind", "kind"), ("entity", "entity"), ("location", "location"),
        ("printed", "printed"), ("expected", "expected"), ("comment", "comment"),
    )),
)


def committee_workbook(engine: Engine | None = None) -> bytes:
    """The whole workbook as .xlsx bytes."""
    engine = engine or get_engine()
    book = _new_book()
    _about_sheet(book)
    for sheet in SHEETS:
        names = [name for name, _ in sheet.columns]
        rows = _merged_rows(engine.select(query_text(sheet.query)).terms, names)
        _write(book, text(f"workbook.sheet.{sheet.key}", "da"), [key for _, key in sheet.columns], rows)
    for table_id in TABLE_IDS:
        _table_sheet(book, table_id, engine)
    return _bytes(book)


def table_workbook(table_id: str, lang: str = "da", engine: Engine | None = None) -> bytes:
    """One printed table as an .xlsx workbook of one sheet."""
    book = _new_book()
    _table_sheet(book, table_id, engine or get_engine(), lang)
    return _bytes(book)


def _new_book():
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    book.properties.title = text("workbook.about.title", "da")
    book.properties.version = __version__
    book.properties.creator = f"evidencekb {__version__}"
    return book


def _about_sheet(book) -> None:
    sheet = book.create_sheet(text("workbook.sheet.about", "da"))
    for lang in ("da", "en"):
        sheet.append([text("workbook.about.title", lang)])
    sheet.append([])
    sheet.append([text("workbook.about.version", "da"), __version__])
    sheet.append([text("workbook.about.note", "da")])
    sheet.append([text("workbook.about.note", "en")])
    sheet.column_dimensions["A"].width = MAX_WIDTH


def _table_sheet(book, table_id: str, engine: Engine, lang: str = "da") -> None:
    data, _label = table_result(table_id, lang, engine)
    sheet = book.create_sheet(text("workbook.sheet.table", "da", id=table_id))
    sheet.append([data["title"]])
    sheet.append(list(data["columns"]))
    for row in data["rows"]:
        sheet.append(list(row))
    for footnote in data.get("footnotes", []):
        sheet.append([footnote])
    sheet.freeze_panes = "B3"
    _size_columns(sheet, [list(data["columns"]), *data["rows"]])


def _write(book, title: str, keys: list[str], rows: list[list[object]]) -> None:
    sheet = book.create_sheet(title)
    sheet.append([text(f"workbook.column.{key}", "da") for key in keys])
    sheet.append([text(f"workbook.column.{key}", "en") for key in keys])
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "B3"
    from openpyxl.styles import Font

    for cell in (*sheet[1], *sheet[2]):
        cell.font = Font(bold=True)
    sheet.auto_filter.ref = sheet.dimensions.replace("A1", "A2", 1)
    _size_columns(sheet, [[text(f"workbook.column.{key}", "da") for key in keys], *rows])


def _size_columns(sheet, rows: list[list[object]]) -> None:
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    for row in rows:
        for index, value in enumerate(row, start=1):
            widths[index] = max(widths.get(index, 8), min(MAX_WIDTH, len(str(value or "")) + 2))
    for index, width in widths.items():
        sheet.column_dimensions[get_column_letter(index)].width = width


def _merged_rows(solutions: list[dict], names: list[str]) -> list[list[object]]:
    """One row per node (first column), in query order; several values of a column sorted and joined."""
    merged: dict[str, list[list[object]]] = {}
    for solution in solutions:
        values = merged.setdefault(str(solution.get(names[0])), [[] for _ in names])
        for column, name in zip(values, names, strict=True):
            cell = _cell(solution.get(name))
            if cell is not None and cell not in column:
                column.append(cell)
    return [
        [column[0] if len(column) == 1 else " | ".join(sorted(map(str, column))) if column else None for column in row]
        for row in merged.values()
    ]


def _cell(term: object) -> object:
    """A query value as a spreadsheet cell: numbers as numbers, booleans as words, text as text."""
    if term is None:
        return None
    value = str(term)
    datatype = str(getattr(term, "datatype", "") or "")
    if datatype.endswith(("#decimal", "#integer", "#double", "#float")):
        try:
            number = Decimal(value)
        except InvalidOperation:
            return value
        return int(number) if number == number.to_integral_value() and "." not in value else float(number)
    if datatype.endswith("#boolean"):
        return {"true": "ja", "1": "ja", "false": "nej", "0": "nej"}.get(value, value)
    return value


def _bytes(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

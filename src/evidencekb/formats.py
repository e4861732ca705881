"""Plain-text output formats shared by several commands: CSV (RFC 4180, or the Excel flavour)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

_NUMBER = re.compile(r"^-?\d+\.\d+$")


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

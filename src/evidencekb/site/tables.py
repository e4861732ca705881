"""The addendum's tables for the site, through `evidencekb.tables` (the same queries as `evidencekb table`).

Each table is generated once per build and language; a table that cannot be generated is reported on its
page and on stderr while the rest of the site still builds. Cells are escaped here (one renderer:
`evidencekb.site.text.table`), so table text renders literally.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from evidencekb import messages, tables
from evidencekb.site.text import cell, table
from evidencekb.sparql.core import Engine


class TableSource:
    def __init__(self, engine: Engine, lang: str = "da") -> None:
        self.lang = lang
        self.engine = engine
        self._cache: dict[str, Any] = {}
        self.available = True
        self.error: str | None = None

    def missing_note(self) -> str:
        return f'!!! warning "{messages.text("site.tables.missing", self.lang)}"\n\n'

    def ids(self) -> list[str]:
        return list(tables.TABLE_IDS)

    def data(self, table_id: str) -> tables.TableData:
        """`table_data` on the site's own graph; the result (or the exception) is kept."""
        if table_id not in self._cache:
            try:
                self._cache[table_id] = tables.table_data(table_id, self.lang, engine=self.engine)
            except Exception as error:  # reported by markdown() and ok()
                self._cache[table_id] = error
        value = self._cache[table_id]
        if isinstance(value, Exception):
            raise value
        return value

    def title(self, table_id: str) -> str | None:
        try:
            return self.data(table_id)["title"] or None
        except Exception:
            return None

    def ok(self, table_id: str) -> bool:
        """Whether the table can be generated (and so has a CSV download)."""
        try:
            self.data(table_id)
        except Exception:
            return False
        return True

    def markdown(self, table_id: str, mark: Callable[[int, int], str | None] | None = None) -> str:
        """The table as an escaped Markdown table, its footnotes below. `mark(row, column)` (0-based
        indices into the rows and columns) may render a criteria mark ("X") itself, e.g. as a link to
        the criterion it is derived from; when it returns None the mark is rendered plainly."""
        try:
            data = self.data(table_id)
        except Exception as error:  # report on the page and on stderr; the rest of the site still builds
            print(f"site: warning: table {table_id} could not be generated: {error}", file=sys.stderr)
            return f'!!! failure "{messages.text("site.tables.failed", self.lang)}"\n\n    {cell(error)}\n\n'
        columns = [str(c) for c in data["columns"]]
        def render(i: int, j: int, value: str) -> str:
            custom = mark(i, j) if mark is not None and value.strip() == "X" else None
            return custom if custom is not None else _mark(value)

        rows = ([render(i, j, v) for j, v in enumerate(row)] for i, row in enumerate(data["rows"]))
        text = table([cell(c) for c in columns], rows) if columns else ""
        if data["footnotes"]:
            text += "\n" + "\n\n".join(f"<small>{cell(f)}</small>" for f in data["footnotes"]) + "\n"
        return text

    def csv(self, table_id: str) -> str:
        """RFC 4180 CSV, the same as `evidencekb table ID --format csv`."""
        return tables.to_csv(self.data(table_id))


def _mark(value: str) -> str:
    """Criteria marks ("X") are centred and labelled for screen readers; any other text is escaped."""
    if value.strip() == "X":
        return '<span class="ekb-mark" title="X">X</span>'
    return cell(value)

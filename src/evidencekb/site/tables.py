"""The addendum's tables for the site, through `evidencekb.tables` (the same code as `evidencekb table`).

The import is guarded: while `evidencekb.tables` is missing the site still builds and each table page
says what is missing. Cells are escaped here, so table text renders literally.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from typing import Any

from evidencekb.site.text import cell, table

TABLE_IDS = ("3-1", "3-2", "8-1", "8-2", "8-3", "8-4", "8-5", "8-6", "8-7")


def _field(data: Any, name: str) -> Any:
    if isinstance(data, dict):
        return data.get(name)
    return getattr(data, name, None)


class TableSource:
    def __init__(self, titles: Callable[[str], str | None], lang: str = "da", engine: Any = None) -> None:
        self.lang = lang
        self.engine = engine
        self._cache: dict[str, Any] = {}
        self._titles = titles
        self.error: str | None = None
        try:
            from evidencekb import tables as module  # noqa: PLC0415 – optional until issue 3 lands

            self._module: Any = module
            for name in ("table_data", "render_table"):
                if not hasattr(module, name):
                    raise ImportError(f"evidencekb.tables has no {name}()")
        except ImportError as error:
            self._module = None
            self.error = str(error)

    @property
    def available(self) -> bool:
        return self._module is not None

    def missing_note(self) -> str:
        return ('!!! warning "Tabellerne er ikke tilgængelige"\n\n'
                f"    evidencekb.tables is not available yet ({self.error}); tables cannot be rendered.\n\n")

    def ids(self) -> list[str]:
        return list(TABLE_IDS)

    def title(self, table_id: str) -> str | None:
        return self._titles(table_id)

    def data(self, table_id: str) -> Any:
        """`table_data` on the site's own graph when it accepts an engine (fixture graphs in tests).

        The result (or the exception) is kept, so a table is queried once per build.
        """
        if table_id not in self._cache:
            function = self._module.table_data
            try:
                if self.engine is not None and "engine" in inspect.signature(function).parameters:
                    self._cache[table_id] = function(table_id, self.lang, engine=self.engine)
                else:
                    self._cache[table_id] = function(table_id, self.lang)
            except Exception as error:  # reported by markdown() and ok()
                self._cache[table_id] = error
        value = self._cache[table_id]
        if isinstance(value, Exception):
            raise value
        return value

    def ok(self, table_id: str) -> bool:
        """Whether the table can be generated (and so has a CSV download)."""
        if not self.available:
            return False
        try:
            self.data(table_id)
        except Exception:
            return False
        return True

    def markdown(self, table_id: str) -> str:
        """The table as an escaped Markdown table (columns and rows from `table_data`)."""
        if not self.available:
            return self.missing_note()
        try:
            data = self.data(table_id)
        except Exception as error:  # report on the page and on stderr; the rest of the site still builds
            print(f"site: warning: table {table_id} could not be generated: {error}", file=sys.stderr)
            return ('!!! failure "Tabellen kunne ikke genereres"\n\n'
                    f"    {cell(error)}\n\n")
        columns = [str(c) for c in (_field(data, "columns") or [])]
        rows = [[("" if v is None else str(v)) for v in row] for row in (_field(data, "rows") or [])]
        text = table([cell(c) for c in columns], ([_mark(v) for v in row] for row in rows)) if columns else ""
        footnotes = [str(f) for f in (_field(data, "footnotes") or [])]
        if footnotes:
            text += "\n" + "\n\n".join(f"<small>{cell(f)}</small>" for f in footnotes) + "\n"
        return text

    def csv(self, table_id: str) -> str:
        """RFC 4180 CSV, the same as `evidencekb table ID --format csv`."""
        if hasattr(self._module, "to_csv"):
            return self._module.to_csv(self.data(table_id))
        return self._module.render_table(table_id, "csv", self.lang)


def _mark(value: str) -> str:
    """Criteria marks ("X") are centred and labelled for screen readers; any other text is escaped."""
    if value.strip() == "X":
        return '<span class="ekb-mark" title="X">X</span>'
    return cell(value)

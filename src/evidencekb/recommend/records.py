"""Patient records from text: strict JSON and CSV rows, refusing anything ambiguous or unreadable.

Every problem is an `InputError` naming the line and key or column, so that in a batch it becomes that
row's error line and never stops the other rows:

* JSON: duplicate keys are refused (never "last one wins"), as are lone surrogates (not Unicode
  text), numbers whose digits Python will not read, and nesting too deep to parse. Decimals are read
  exactly (`Decimal`), `NaN`/`Infinity` are left for the patient model to refuse by field name.
* CSV: the header must name known columns, each once, none empty; a row with more cells than the
  header is a bad row; empty cells mean "not given".
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from evidencekb.errors import InputError

CSV_COLUMNS = (
    "age", "therapy", "therapy_start", "assessment_date", "igg_value", "igg_unit",
    "igg_during_ig_substitution", "severe_or_recurrent_bacterial_infections", "ig_status",
    "ig_start_date", "ig_started_before_therapy", "ig_start_basis", "disease",
)
REQUIRED_CSV_COLUMNS = ("age", "therapy", "therapy_start", "igg_value", "igg_unit")
_SURROGATE = re.compile("[\ud800-\udfff]")


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for key, value in pairs:
        if key in record:
            raise _DuplicateKey(key)
        record[key] = value
    return record


def parse_json_text(text: str, where: str, first_line: int = 1) -> Any:
    """One JSON value from `text`; `where` (a file, or "row") and line numbers name what is wrong."""
    try:
        data = json.loads(text, parse_float=Decimal, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as duplicate:
        line = _line_of_second(text, duplicate.key)
        at = f" (line {line + first_line - 1})" if line else ""
        raise InputError(f"{where}: duplicate key {_show(duplicate.key)}{at}: give each field once") from None
    except json.JSONDecodeError as error:
        raise InputError(
            f"{where}: malformed JSON at line {error.lineno + first_line - 1}, column {error.colno}: {error.msg}"
        ) from None
    except RecursionError:
        raise InputError(f"{where}: JSON nested too deeply (a patient record is at most three levels)") from None
    except ValueError as error:  # e.g. an integer with more digits than Python reads
        raise InputError(f"{where}: unreadable JSON number ({' '.join(str(error).split())[:120]})") from None
    _refuse_surrogates(data, where)
    return data


def _line_of_second(text: str, key: str) -> int | None:
    """The line of the second `"key":` in the text (the duplicate), when it is written plainly."""
    matches = list(re.finditer(re.escape(json.dumps(key, ensure_ascii=False)) + r"\s*:", text))
    if len(matches) < 2:
        return None
    return text.count("\n", 0, matches[1].start()) + 1


def _refuse_surrogates(data: Any, where: str) -> None:
    """A lone surrogate (e.g. "\\ud800") is not Unicode text: name the field that holds it."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                raise InputError(f"{path or where}: text with a lone surrogate (not valid Unicode; fix the \\u "
                                 "escape or the encoding)")
        elif isinstance(value, dict):
            for key, item in value.items():
                if _SURROGATE.search(key):
                    raise InputError(f"{where}: a key with a lone surrogate (not valid Unicode)")
                stack.append((f"{path}.{key}" if path else key, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in enumerate(value))


def _show(text: str) -> str:
    return repr(text[:40])


def load_json_file(path: Path) -> Any:
    """Read a patient JSON file; every problem names the file (and line)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark (Windows editors) is harmless
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    if not text.strip():
        raise InputError(f"{path}: empty file (expected one patient as a JSON object)")
    return parse_json_text(text, str(path))


def decode_line(raw: bytes, first: bool) -> str:
    """One line of a batch file as text; bytes that are not UTF-8 are that line's error."""
    try:
        return raw.decode("utf-8-sig" if first else "utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"row: not UTF-8 text ({error.reason} at byte {error.start} of the line)") from None


def check_csv_header(fields: Sequence[str] | None, path: Path, line: int) -> None:
    """Refuse a header with unknown, duplicate, empty or missing columns (naming them and the line)."""
    names = list(fields or [])
    where = f"{path}: line {line}: CSV header"
    for position, name in enumerate(names, start=1):
        if _SURROGATE.search(name):
            raise InputError(f"{where}: column {position} is not UTF-8 text")
        if not name.strip():
            raise InputError(f"{where}: column {position} has no name (name every column; columns: "
                             f"{', '.join(CSV_COLUMNS)})")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(f"{where}: column {_show(name)} appears twice (give each column once, so that "
                             "no value silently replaces another)")
        seen.add(name)
    unknown = [c for c in names if c not in CSV_COLUMNS]
    if unknown:
        raise InputError(
            f"{path}: unknown CSV column(s) {', '.join(_show(c) for c in unknown)} "
            f"(columns: {', '.join(CSV_COLUMNS)}; unknown columns are rejected, not ignored)"
        )
    missing = [c for c in REQUIRED_CSV_COLUMNS if c not in names]
    if missing:
        raise InputError(f"{path}: CSV header lacks column(s) {', '.join(missing)} (columns: {', '.join(CSV_COLUMNS)})")


def from_csv_row(row: Mapping[str, str | None]) -> dict[str, Any]:
    """Turn one CSV row (columns `CSV_COLUMNS`) into the JSON shape the patient model reads.

    Empty cells are left out (so defaults apply); numbers and booleans are converted here, and a bad
    cell names its column.
    """
    def cell(name: str) -> str | None:
        value = row.get(name)
        if value is None:
            return None
        if _SURROGATE.search(value):
            raise InputError(f"{name}: not UTF-8 text")
        return value.strip() or None

    record: dict[str, Any] = {}
    if cell("age") is not None:
        record["age"] = _csv_number(cell("age"), "age")
    for name in ("therapy", "therapy_start", "assessment_date", "disease"):
        if cell(name) is not None:
            record[name] = cell(name)
    igg: dict[str, Any] = {}
    if cell("igg_value") is not None:
        igg["value"] = _csv_number(cell("igg_value"), "igg_value")
    if cell("igg_unit") is not None:
        igg["unit"] = cell("igg_unit")
    if cell("igg_during_ig_substitution") is not None:
        igg["during_ig_substitution"] = _csv_bool(cell("igg_during_ig_substitution"), "igg_during_ig_substitution")
    if igg:
        record["igg"] = igg
    flag = "severe_or_recurrent_bacterial_infections"
    if cell(flag) is not None:
        record[flag] = _csv_bool(cell(flag), flag)
    ig: dict[str, Any] = {}
    for column, key in (("ig_status", "status"), ("ig_start_date", "start_date"), ("ig_start_basis", "start_basis")):
        if cell(column) is not None:
            ig[key] = cell(column)
    if cell("ig_started_before_therapy") is not None:
        ig["started_before_therapy"] = _csv_bool(cell("ig_started_before_therapy"), "ig_started_before_therapy")
    if ig:
        record["immunoglobulin"] = ig
    return record


def _csv_number(text: str | None, column: str) -> Decimal:
    try:
        value = Decimal((text or "").replace(",", "."))
    except InvalidOperation:
        raise InputError(f"{column}: {_show(text or '')} is not a number") from None
    if not value.is_finite():
        raise InputError(f"{column}: {_show(text or '')} is not a finite number")
    return value


def _csv_bool(text: str | None, column: str) -> bool:
    lowered = (text or "").lower()
    if lowered in ("true", "1", "yes", "ja"):
        return True
    if lowered in ("false", "0", "no", "nej"):
        return False
    raise InputError(f"{column}: {_show(text or '')} is not a boolean (accepted: true/false, 1/0, yes/no)")

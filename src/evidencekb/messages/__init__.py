"""Every user-facing sentence, in Danish and English, with numbers filled in by the caller from the graph.

The catalogue is one TOML file per job in this folder (`recommend.toml`, `site.toml`, …); a key is
`<file>.<table>.<name>` and each entry has `da` and `en`:

    [decision]
    start = { da = "Start immunglobulinsubstitution", en = "Start immunoglobulin substitution" }

`text("recommend.decision.start", "da")` returns the Danish string; `{placeholders}` are filled with
`str.format` from keyword arguments (format numbers with `number()` so Danish gets a decimal comma).
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from functools import cache
from pathlib import Path

LANGUAGES = ("da", "en")
_FOLDER = Path(__file__).parent


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """All entries, keyed by their dotted name."""
    entries: dict[str, dict[str, str]] = {}
    for path in sorted(_FOLDER.glob("*.toml")):
        entries.update(_file(path.stem))
    return entries


@cache
def _file(stem: str) -> dict[str, dict[str, str]]:
    """The entries of one job's file (a command reads only the files of the messages it prints)."""
    entries: dict[str, dict[str, str]] = {}
    path = _FOLDER / f"{stem}.toml"
    if path.is_file():
        with path.open("rb") as handle:
            _collect(stem, tomllib.load(handle), entries)
    return entries


def has(key: str) -> bool:
    """Whether the catalogue has the message `key`."""
    return key in _file(key.split(".", 1)[0])


def _collect(prefix: str, table: dict, entries: dict[str, dict[str, str]]) -> None:
    for key, value in table.items():
        name = f"{prefix}.{key}"
        if isinstance(value, dict) and set(value) <= set(LANGUAGES) and value:
            entries[name] = value
        elif isinstance(value, dict):
            _collect(name, value, entries)


def text(key: str, lang: str, **values: object) -> str:
    """The message `key` in `lang` (falling back to English), with `values` filled in."""
    entry = _file(key.split(".", 1)[0])[key]
    template = entry.get(lang) or entry["en"]
    return template.format(**values) if values else template


def number(value: float | Decimal | int, lang: str) -> str:
    """A number as people write it: '3,2' in Danish, '3.2' in English; no trailing '.0'."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    shown = format(value, "f") if isinstance(value, Decimal) else str(value)
    if isinstance(value, Decimal) and "." in shown:
        shown = shown.rstrip("0").rstrip(".")
    return shown.replace(".", ",") if lang == "da" else shown

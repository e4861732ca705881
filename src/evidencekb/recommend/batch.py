"""`evidencekb recommend --batch FILE [--out OUT]`: many patients, each answered on its own.

Input: JSON Lines (``.jsonl``/``.ndjson``/``.json``, one patient per line) or CSV (``.csv``, header with
the columns of `records.CSV_COLUMNS`, each once, none empty; empty cells = not given). Each line is
decoded on its own, so bytes that are not UTF-8 spoil only their row.

Output: ``--format json`` writes JSON Lines (the answer plus ``"line"``; a bad row is
``{"line": n, "error": "..."}``), ``--format text`` the text answers, each under a ``# line n`` heading.
Without ``--out`` the answers go to standard output. ``--out`` is written to a temporary file in the
same folder and moved over OUT only when every row has been answered; OUT must be a new path or a
regular file — a folder, a symlink, a FIFO, a device or the input file itself is refused (exit 2).
OUT gets the mode a new file gets under the user's umask (as every output file of evidencekb,
`evidencekb.outputs`).

Any failure while reading or evaluating one patient is that patient's error line (also on stderr);
the other rows are answered. Exit 0 when every row was answered, 1 when any row failed.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

from evidencekb import messages
from evidencekb.errors import EndpointError, EvidenceKBError, InputError
from evidencekb.outputs import check_output_path
from evidencekb.recommend import explain
from evidencekb.recommend.evaluate import CHUNK, Recommender, check_lang, recommender
from evidencekb.recommend.facts import Facts
from evidencekb.recommend.patient import parse_patient
from evidencekb.recommend.records import check_csv_header, decode_line, from_csv_row, parse_json_text

JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")


# --- reading ---------------------------------------------------------------------------------------


def read_batch(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, record or InputError) for each row of a JSON Lines or CSV file."""
    suffix = Path(path).suffix.lower()
    if suffix not in (*JSON_SUFFIXES, ".csv"):
        raise InputError(f"{path}: unknown batch format {suffix or '(none)'!r} (accepted: .jsonl or .csv)")
    try:
        handle = open(path, "rb")  # noqa: SIM115 – closed below; decoded line by line
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror})") from None
    with handle:
        if suffix == ".csv":
            yield from _csv_rows(handle, Path(path))
        else:
            yield from _json_rows(handle)


def _json_rows(handle: IO[bytes]) -> Iterator[tuple[int, Any]]:
    for number, raw in enumerate(handle, start=1):
        try:
            line = decode_line(raw, number == 1)
            if not line.strip():
                continue
            yield number, parse_json_text(line, "row")
        except InputError as error:
            yield number, error


def _csv_rows(handle: IO[bytes], path: Path) -> Iterator[tuple[int, Any]]:
    # bytes that are not UTF-8 are kept as surrogates here and refused by the row (or header) holding them
    read = [0]  # lines read so far: the line a csv.Error is about (reader.line_num lags behind then)

    def lines() -> Iterator[str]:
        for raw in handle:
            read[0] += 1
            yield raw.decode("utf-8-sig" if read[0] == 1 else "utf-8", "surrogateescape")

    reader = csv.DictReader(lines())
    try:
        fields = reader.fieldnames
    except csv.Error as error:
        raise InputError(f"{path}: line {reader.line_num}: unreadable CSV header ({error})") from None
    check_csv_header(fields, path, reader.line_num)
    columns = len(fields or [])
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield read[0], InputError(f"row: unreadable CSV ({error})")
            continue
        surplus = row.pop(None, None)  # type: ignore[call-overload]  # cells beyond the header
        if surplus:
            cells = columns + len(surplus)
            yield reader.line_num, InputError(f"row: {cells} cells but the header has {columns} columns")
            continue
        try:
            yield reader.line_num, from_csv_row(row)
        except InputError as error:
            yield reader.line_num, error


# --- answering -------------------------------------------------------------------------------------


def _error_text(error: BaseException, lang: str) -> str:
    if isinstance(error, EvidenceKBError):
        return str(error)
    detail = " ".join(f"{type(error).__name__}: {error}".split())[:200]
    return messages.text("recommend.batch.internal", lang, error=detail)


def recommend_records(records: Any, lang: str = "en", endpoint: str | None = None, graph: str | None = None,
                      progress: Any = None, today: date | None = None,
                      engine: Recommender | None = None) -> Iterator[dict[str, Any]]:
    """Answer records (line, data) in order; a bad record yields {"line": n, "error": "..."}."""
    engine = engine or recommender(endpoint, graph)
    pending: list[tuple[int, Facts | BaseException]] = []

    def flush() -> Iterator[dict[str, Any]]:
        good = [item for _, item in pending if isinstance(item, Facts)]
        answers = iter(engine.evaluate_each(good, lang))
        for line, item in pending:
            result = next(answers) if isinstance(item, Facts) else item
            if isinstance(result, BaseException):
                yield {"line": line, "error": _error_text(result, lang)}
            else:
                yield {"line": line, **result}
        if progress is not None:
            progress.update(len(pending))
        pending.clear()

    for line, data in records:
        if isinstance(data, InputError):
            pending.append((line, data))
        else:
            try:
                pending.append((line, engine.facts(parse_patient(data, today))))
            except EndpointError:
                raise
            except Exception as error:  # noqa: BLE001 – this patient's error line; the others are answered
                pending.append((line, error))
        if len(pending) >= CHUNK:
            yield from flush()
    yield from flush()


# --- writing ---------------------------------------------------------------------------------------


def check_out(out_path: Path, batch_path: Path) -> None:
    """Refuse an --out that is not a new path or a regular file, or that is the input itself."""
    check_output_path(out_path, "--out", inputs=(batch_path,))


def _new_file_mode() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def recommend_batch(batch_path: Path, out_path: Path | None, endpoint: str | None = None,
                    graph: str | None = None, lang: str = "en", format: str = "json") -> int:
    """Answer every row of a batch file into `out_path` (atomically) or standard output."""
    from tqdm import tqdm

    check_lang(lang)
    batch_path = Path(batch_path)
    records = read_batch(batch_path)
    first = next(records, None)  # reads the header: a refused header writes nothing
    if out_path is not None:
        check_out(Path(out_path), batch_path)
    counts = {"total": 0, "failed": 0}

    def write_all(out: IO[str]) -> None:
        rows = records if first is None else _chain(first, records)
        with tqdm(desc="recommend", unit=" patients", file=sys.stderr, disable=None) as bar:
            for record in recommend_records(rows, lang, endpoint, graph, progress=bar):
                counts["total"] += 1
                if "error" in record:
                    counts["failed"] += 1
                    print(f"{batch_path}: line {record['line']}: {record['error']}", file=sys.stderr)
                out.write(_format(record, format, lang))

    if out_path is None:
        write_all(sys.stdout)
        shown = "stdout"
    else:
        _write_atomically(Path(out_path), batch_path, write_all)
        shown = str(out_path)
    total, failed = counts["total"], counts["failed"]
    print(messages.text("recommend.batch.summary", lang, answered=total - failed, total=total, failed=failed,
                        out=shown), file=sys.stderr)
    return 1 if failed else 0


def _chain(first: tuple[int, Any], rest: Iterator[tuple[int, Any]]) -> Iterator[tuple[int, Any]]:
    yield first
    yield from rest


def _format(record: dict[str, Any], format: str, lang: str) -> str:
    if format == "json":
        return json.dumps(record, ensure_ascii=False) + "\n"
    if "error" in record:
        return f"# line {record['line']}\nerror: {record['error']}\n\n"
    answer = {k: v for k, v in record.items() if k != "line"}
    return f"# line {record['line']}\n{explain.render_text(answer, lang)}\n\n"


def _write_atomically(out_path: Path, batch_path: Path, write: Any) -> None:
    directory = out_path.parent if str(out_path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            write(out)
        os.chmod(tmp, _new_file_mode())
        check_out(out_path, batch_path)  # again: OUT may have changed while the rows were answered
        os.replace(tmp, out_path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise

"""Named competency questions (`queries/questions/<name>.rq`) and any `.rq` file, run locally or remotely.

Each question file starts with a header: `# # Title`, then `# **Question:** …` in plain words.
SELECT results print as an aligned text table, RFC 4180 CSV, or JSON
(`{"variables": [...], "rows": [{variable: value}]}`); ASK prints `true`/`false` (JSON
`{"boolean": …}`); CONSTRUCT and DESCRIBE print Turtle. The same output whichever engine ran.
Answers are read as light terms (`QueryResult.terms`): `evidencekb query` never imports rdflib.
A local query never reaches the network: SERVICE is refused unless `allow_service`.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from evidencekb import project
from evidencekb.errors import EvidenceKBError, InputError
from evidencekb.namespaces import PREFIXES
from evidencekb.sparql.core import Answer, QueryResult, Term, Triples, query_header, read_query_file
from evidencekb.terms import BNode, Literal, URIRef


def questions_dir() -> Path:
    return project.current().queries / "questions"


FORMATS = ("table", "csv", "json")
CELL_WIDTH = 80  # long verbatim texts are cut in the text table (csv and json keep them whole)


@dataclass(frozen=True)
class Question:
    name: str
    title: str
    question: str
    path: Path


def questions() -> list[Question]:
    """Every named question, sorted by name."""
    found = []
    for path in sorted(questions_dir().glob("*.rq")):
        header = query_header(path.read_text(encoding="utf-8")).splitlines()
        title = header[0].lstrip("# ").strip() if header else path.stem
        asked = next((line.split("**Question:**", 1)[1].strip() for line in header if "**Question:**" in line), "")
        found.append(Question(path.stem, title, asked, path))
    return found


def list_questions() -> str:
    """One line per named question: its name and the question in plain words."""
    items = questions()
    width = max((len(q.name) for q in items), default=0)
    lines = [f"{q.name.ljust(width)}  {q.question or q.title}" for q in items]
    lines.append("")
    lines.append("run one: evidencekb query NAME [--format table|csv|json] [--endpoint URL]; or any FILE.rq")
    return "\n".join(lines)


def question_text(name_or_path: str) -> tuple[str, str]:
    """(label, query text) for a question name or a path to an `.rq` file."""
    path = Path(name_or_path)
    if name_or_path.endswith(".rq") or path.is_file():
        if not path.is_file():
            raise InputError(f"{path}: no such query file")
        return str(path), read_query_file(path)
    candidate = questions_dir() / f"{name_or_path}.rq"
    if "/" in name_or_path or not candidate.is_file():
        names = ", ".join(q.name for q in questions())
        raise InputError(f"no question named {name_or_path!r} (named questions: {names}; or give a FILE.rq)")
    return name_or_path, candidate.read_text(encoding="utf-8")


def run_question(
    name_or_path: str,
    format: str = "table",
    endpoint: str | None = None,
    graph: str | None = None,
    allow_service: bool = False,
) -> str:
    """Run a named question or `.rq` file (any query form) and format its answer (ends with a newline)."""
    from evidencekb.sparql.engines import get_engine, is_empty

    if format not in FORMATS:
        raise InputError(f"--format: {format!r} is not one of {', '.join(FORMATS)}")
    label, text = question_text(name_or_path)
    engine = get_engine(endpoint, graph, allow_service=allow_service)
    try:
        answer = engine.run(text)
    except EvidenceKBError:
        raise
    except Exception as error:  # local engines raise their own syntax/evaluation errors
        summary = " ".join(str(error).split())[:200]
        raise InputError(f"{label}: the query failed: {summary}") from None
    if not _has_content(answer) and is_empty(engine):
        from evidencekb import messages

        if endpoint:
            values = {"label": label, "graph": engine.graph, "endpoint": endpoint}
            hint = messages.text("sparql.query.empty_endpoint", "en", **values)
        else:
            hint = messages.text("sparql.query.empty_local", "en", label=label)
        raise InputError(hint)
    return format_answer(answer, format)


def _has_content(answer: Answer) -> bool:
    if isinstance(answer, QueryResult):
        return bool(answer.terms)
    if isinstance(answer, Triples):
        return bool(answer.triples)
    return bool(answer)


def format_answer(answer: Answer, format: str) -> str:
    """Any query form's answer: SELECT rows as `format`, ASK true/false, CONSTRUCT/DESCRIBE Turtle."""
    if isinstance(answer, Triples):
        return answer.turtle({prefix: str(namespace) for prefix, namespace in PREFIXES.items()})
    if isinstance(answer, bool):
        word = "true" if answer else "false"
        return json.dumps({"boolean": answer}) + "\n" if format == "json" else word + "\n"
    return format_result(answer, format)


def format_result(result: QueryResult, format: str) -> str:
    if format == "json":
        rows = [{name: _plain(row.get(name)) for name in result.variables} for row in result.terms]
        return json.dumps({"variables": result.variables, "rows": rows}, ensure_ascii=False, indent=2) + "\n"
    if format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(result.variables)
        for row in result.terms:
            writer.writerow([_plain(row.get(name)) or "" for name in result.variables])
        return buffer.getvalue()
    return _text_table(result)


def _text_table(result: QueryResult) -> str:
    header = result.variables
    body = [[_short(row.get(name)) for name in header] for row in result.terms]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in body]
    lines.append(f"({len(body)} row{'s' if len(body) != 1 else ''})")
    return "\n".join(lines) + "\n"


def _plain(term: Term | None) -> str | None:
    """A term as a plain string: full IRI, or a literal's lexical form."""
    if term is None:
        return None
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _short(term: Term | None) -> str:
    """A term for reading: a CURIE for project IRIs, a literal's text on one line."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        text = str(term)
        matches = [(p, str(ns)) for p, ns in PREFIXES.items() if text.startswith(str(ns))]
        best = max(matches, key=lambda item: len(item[1]), default=None)
        return f"{best[0]}:{text[len(best[1]):]}" if best else f"<{text}>"
    if isinstance(term, Literal):
        text = " ".join(str(term).split())
        return text if len(text) <= CELL_WIDTH else text[: CELL_WIDTH - 1] + "…"
    return f"_:{term}"

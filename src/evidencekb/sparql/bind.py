"""Bound values written into query text, for engines that only take text (remote endpoints).

Local engines pre-bind values (pyoxigraph `substitutions`, rdflib `initBindings`): the value is seen
everywhere — also by a FILTER inside a UNION branch, OPTIONAL or EXISTS — and a variable it is
assigned to (`… AS ?v`, a VALUES header, a sub-SELECT's projection) keeps only rows that agree.
`bind_terms` gives a remote endpoint the same query with the same answers, using rdflib's SPARQL
parser (the real grammar, never a hand tokenizer) to find where each variable and group is:

* Normally each bound variable is replaced by its term (`Node.n3()`, so a quote or brace cannot
  escape) where it is matched or tested, and kept in the outer SELECT clause, GROUP BY, HAVING and
  ORDER BY, where a one-row VALUES block opening the outer WHERE gives it its value. Terms in place
  let the server use them in its plan (benchmarks/RESULTS.md: 3–4× faster than the alternative).
* Where a term cannot stand in for the variable (a VALUES header, a sub-SELECT's projection or
  modifiers), the one-row VALUES block opens EVERY group instead — equivalent, only slower.
* Refused (InputError, exit 2): a blank-node value (no text can name it) and a variable the query
  computes (`… AS ?v`): no rewrite keeps it out of scope before its BIND, which SPARQL requires.

`query_facts` tells, from the same parse, a query's form and whether it names its dataset (FROM)
or calls SERVICE.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from evidencekb import messages
from evidencekb.errors import InputError

_FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}
_ASSIGNED = {("InlineData", "var"), ("ValuesClause", "var")}
_UNICODE_ESCAPE = re.compile(r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}")
_positions = threading.local()


@dataclass(frozen=True)
class Occurrence:
    """One variable in the query text: where it is and what part of the query holds it."""

    name: str
    start: int
    end: int
    keep: bool  # in the outer SELECT clause or its modifiers: bound by the top VALUES block
    assigned: bool  # a term cannot stand here: VALUES header, sub-SELECT projection/modifiers
    computed: bool = False  # `… AS ?v` (BIND or SELECT clause): Oxigraph refuses ?v in scope before it


@dataclass(frozen=True)
class QueryFacts:
    """What the parser found in a query (positions refer to `text`)."""

    text: str
    form: str  # SELECT | ASK | CONSTRUCT | DESCRIBE
    has_dataset: bool
    has_service: bool
    occurrences: tuple[Occurrence, ...]
    groups: tuple[int, ...]  # positions of '{' opening a group graph pattern (not a sub-SELECT's braces)
    where: int | None  # position of the outer WHERE's '{'


def bind_terms(query: str, bindings: Mapping[str, Any]) -> str:
    """`query` with the bound terms written into it (see the module docstring)."""
    if not bindings:
        return query
    facts = query_facts(query)
    for name, term in bindings.items():
        check_term(name, term)
    names = set(bindings)
    computed = next((o.name for o in facts.occurrences if o.name in names and o.computed), None)
    if computed:
        raise InputError(messages.text("sparql.bind.computed", "en", name=computed))
    block = values_row(bindings)
    every_group = any(o.assigned for o in facts.occurrences if o.name in names)
    edits: list[tuple[int, int, str]] = []
    if every_group:
        edits += [(p + 1, p + 1, "\n" + block + "\n") for p in facts.groups]
    else:
        edits += [(o.start, o.end, bindings[o.name].n3()) for o in facts.occurrences if o.name in names and not o.keep]
        if facts.form == "SELECT" and facts.where is not None:
            edits.append((facts.where + 1, facts.where + 1, "\n" + block + "\n"))
    text = facts.text
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def values_row(bindings: Mapping[str, Any]) -> str:
    """A one-row `VALUES (?a ?b) { (… …) }` block of the bound terms."""
    names = sorted(bindings)
    cells = " ".join(bindings[name].n3() for name in names)
    return "VALUES (" + " ".join("?" + name for name in names) + ") { (" + cells + ") }"


def check_term(name: str, term: Any) -> None:
    """Refuse a value that cannot be written as one RDF term (an IRI with delimiters in it)."""
    kind = type(term).__name__
    if kind == "BNode":
        raise InputError(messages.text("sparql.bind.blank_node", "en", name=name))
    if kind not in ("URIRef", "Literal"):
        raise InputError(f"?{name}: cannot bind {term!r} (give an RDF term)")
    if kind == "URIRef" and re.search(r'[\s<>"{}|\\^`]', str(term)):
        raise InputError(f"refusing to bind an invalid IRI: {str(term)[:80]!r}")


@lru_cache(maxsize=256)
def query_facts(query: str) -> QueryFacts:
    """Parse `query` with rdflib's SPARQL grammar (cached per text); a syntax error is an InputError."""
    from rdflib.plugins.sparql import parser

    _install_recorders(parser)
    text = parser.expandUnicodeEscapes(query) if _UNICODE_ESCAPE.search(query) else query
    book: dict[int, tuple[Any, int]] = {}
    _positions.book = book
    try:
        tree = parser.Query.parse_string(text, parse_all=True)
    except Exception as error:  # pyparsing.ParseException and friends
        raise InputError(f"the query is not valid SPARQL: {' '.join(str(error).split())[:200]}") from None
    finally:
        _positions.book = None
    outer = tree[-1]
    form = _FORMS.get(getattr(outer, "name", ""), "SELECT")
    occurrences, groups, service = [], [], False
    for value, path in _walk(outer, ()):
        if _is_variable(value):
            start = _token_start(text, book, value)
            if text[start : start + 1] not in ("?", "$") or text[start + 1 : start + 1 + len(value)] != str(value):
                raise InputError("cannot bind values: the query could not be mapped onto its text")
            outer_part = path[0][1] not in ("where", "datasetClause") if form == "SELECT" else False
            sub_part = any(c == "SubSelect" and k != "where" for c, k in path)
            assigned = sub_part or any(step in _ASSIGNED for step in path)
            computed = path[-1:] in ((("vars", "evar"),), (("Bind", "var"),))
            if any(o.start == start for o in occurrences):
                continue  # one subject shared by `;`-separated triples is one token, seen twice
            occurrences.append(Occurrence(str(value), start, start + 1 + len(value), outer_part, assigned, computed))
        elif id(value) in book and getattr(value, "name", "") != "SubSelect":
            groups.append(_brace(text, _token_start(text, book, value)))
        service = service or getattr(value, "name", "") == "ServiceGraphPattern"
    # CompValue.get answers a missing key with the key's name: test membership instead
    where_value = outer["where"] if "where" in outer else None
    where = _brace(text, _token_start(text, book, where_value)) if id(where_value) in book else None
    dataset = "datasetClause" in outer and bool(outer["datasetClause"])
    return QueryFacts(text, form, dataset, service, tuple(occurrences), tuple(sorted(set(groups))), where)


def _token_start(text: str, book: dict[int, tuple[Any, int]], value: object) -> int:
    """Where the token recorded for `value` starts: its match position after whitespace and comments."""
    position = book[id(value)][1] if id(value) in book else -1
    while 0 <= position < len(text):
        if text[position].isspace():
            position += 1
        elif text[position] == "#":
            end = text.find("\n", position)
            position = len(text) if end < 0 else end + 1
        else:
            break
    return position


def _brace(text: str, position: int) -> int:
    if text[position : position + 1] != "{":
        raise InputError("cannot bind values: the query could not be mapped onto its text")
    return position


def _is_variable(value: object) -> bool:
    return type(value).__name__ == "Variable"


def _walk(value: Any, path: tuple[tuple[str, str], ...]) -> Iterator[tuple[Any, tuple[tuple[str, str], ...]]]:
    yield value, path
    if _is_variable(value) or isinstance(value, str):
        return
    if isinstance(value, dict):
        name = getattr(value, "name", "dict")
        for key, item in value.items():
            yield from _walk(item, (*path, (name, key)))
    elif isinstance(value, list | tuple) or type(value).__name__ == "ParseResults":
        for item in value:
            yield from _walk(item, path)


def _install_recorders(parser: Any) -> None:
    """Record where each variable and group starts while this module parses (a no-op otherwise)."""
    if getattr(parser, "_evidencekb_positions", False):
        return

    def record(_text: str, location: int, tokens: Any) -> None:
        book = getattr(_positions, "book", None)
        if book is not None and len(tokens):
            book[id(tokens[0])] = (tokens[0], location)  # keep the object alive: ids stay unique

    parser.Var.add_parse_action(record)
    parser.GroupGraphPattern.add_parse_action(record)
    parser._evidencekb_positions = True

"""Why the council decided: the evidence-to-decision chain of one rule (`evidencekb why`).

Both queries live in `queries/why/`: `rules.rq` lists the council's rules, `chain.rq` returns the
chain of one rule (bound as a term) in parts: the rule, the statements that justify it, the
sources it follows or departs from with their AGREE II rating, the evidence with the council's
certainty, the council's assessments, and the revision trigger. This module only arranges the
rows (light terms: `evidencekb why` never imports rdflib) into the JSON contract and the text layout;
every word of content comes from the graph.
"""

from __future__ import annotations

import json
from typing import Any

from evidencekb.errors import InputError
from evidencekb.messages import text
from evidencekb.namespaces import kb
from evidencekb.sparql.core import Engine, query_text
from evidencekb.sparql.engines import get_engine
from evidencekb.terms import URIRef

Row = dict[str, Any]


def council_rules(engine: Engine | None = None) -> list[Row]:
    """The council's rules, start rules first: local name, kind, labels, section."""
    rows = (engine or get_engine()).select(query_text("why/rules")).terms
    return [{name: _plain(value) for name, value in row.items()} for row in rows]


def list_rules(engine: Engine | None = None) -> str:
    """One rule identifier (its local name) per line: start rules, then stop rules."""
    return "\n".join(rule["localName"] for rule in council_rules(engine))


def rule_iri(name: str, engine: Engine | None = None) -> URIRef:
    """The IRI of a council rule given by local name or full IRI; InputError naming the choices."""
    rules = council_rules(engine)
    for rule in rules:
        if name in (rule["localName"], rule["rule"]):
            return URIRef(rule["rule"])
    choices = ", ".join(rule["localName"] for rule in rules)
    raise InputError(text("why.error.unknown_rule", "en", rule=name, choices=choices))


def why(name: str, lang: str = "en", engine: Engine | None = None) -> Row:
    """The chain of one rule as the JSON contract of `evidencekb why --format json`."""
    engine = engine or get_engine()
    rule = rule_iri(name, engine)
    result = engine.select(query_text("why/chain"), {"rule": rule})
    rows = [{name: _plain(value) for name, value in row.items()} for row in result.terms]
    head = next((row for row in rows if row.get("part") == "rule"), None)
    if head is None:
        raise InputError(text("why.error.no_chain", "en", rule=str(rule)))
    suffix = "Da" if lang == "da" else "En"
    return {
        "rule": str(rule),
        "id": str(rule).removeprefix(str(kb)),
        "label": head.get(f"label{suffix}") or head.get("labelDa"),
        "section": head.get("sectionNotation"),
        "text": head.get("text"),
        "justification": _statements(rows, "justification", suffix),
        "sources": _publications(rows, "source", suffix),
        "departs_from": _publications(rows, "departs-from", suffix),
        "evidence": _evidence(rows, suffix),
        "assessments": _assessments(rows, suffix),
        "revision_trigger": _statements(rows, "revision", suffix),
    }


def _statements(rows: list[Row], part: str, suffix: str) -> list[Row]:
    seen: dict[str, Row] = {}
    for row in rows:
        if row.get("part") == part and row["item"] not in seen:
            seen[row["item"]] = {
                "text": row.get("text"),
                "translation": row.get("translation"),
                "section": row.get("sectionNotation"),
                "kind": row.get("kind"),
                "kind_label": row.get(f"kind{suffix}"),
                "statement": row["item"],
            }
    return list(seen.values())


def _publications(rows: list[Row], part: str, suffix: str) -> list[Row]:
    found: dict[str, Row] = {}
    for row in rows:
        if row.get("part") != part:
            continue
        entry = found.setdefault(row["publication"], {
            "publication": row["publication"],
            "label": row.get(f"label{suffix}") or row.get("labelDa"),
            "short_name": row.get("shortName"),
            "reference_number": _int(row.get("referenceNumber")),
            "agree_rating": row.get("rating"),
            "agree_rating_label": row.get(f"rating{suffix}"),
            "criteria": [],
        })
        if row.get("criterion") and row["criterion"] not in [c["criterion"] for c in entry["criteria"]]:
            entry["criteria"].append({"criterion": row["criterion"], "text": row.get("criterionText")})
    return list(found.values())


def _evidence(rows: list[Row], suffix: str) -> list[Row]:
    found: dict[tuple[str, str], Row] = {}
    for row in rows:
        if row.get("part") != "evidence":
            continue
        key = (row["item"], row.get("publication") or "")
        entry = {
            "statement": row.get("text"),
            "translation": row.get("translation"),
            "section": row.get("sectionNotation"),
            "publication": row.get("publication"),
            "short_name": row.get("shortName"),
            "reference_number": _int(row.get("referenceNumber")),
        }
        if row.get("certainty"):
            entry["certainty"] = row["certainty"]
            entry["certainty_label"] = row.get(f"certainty{suffix}")
        elif row.get("rating"):
            entry["agree_rating"] = row["rating"]
        found.setdefault(key, entry)
    return list(found.values())


def _assessments(rows: list[Row], suffix: str) -> list[Row]:
    found: dict[str, Row] = {}
    for row in rows:
        if row.get("part") == "assessment":
            found.setdefault(row["item"], {
                "assessment": row["item"],
                "label": row.get(f"label{suffix}") or row.get("labelDa"),
                "text": row.get("text"),
                "section": row.get("sectionNotation"),
                "certainty": row.get("certainty"),
                "certainty_label": row.get(f"certainty{suffix}"),
                "lowest_rating": row.get("lowestRating"),
                "highest_rating": row.get("highestRating"),
            })
    return list(found.values())


def render(chain: Row, format: str = "text", lang: str = "en") -> str:  # noqa: A002 – the CLI's option
    """The chain as JSON or as text for the terminal, in `lang`."""
    if format == "json":
        return json.dumps(chain, ensure_ascii=False, indent=2)
    lines = [f"{text('why.heading.rule', lang)}: {chain['id']} — {chain['label']} "
             f"({text('why.heading.section', lang, section=chain['section'])})"]
    if chain.get("text"):
        lines += ["", f"{text('why.heading.printed', lang)}:", f"  {chain['text']}"]
    lines += _text_block(text("why.heading.justification", lang), chain["justification"], lang)
    if chain["sources"]:
        lines += ["", f"{text('why.heading.sources', lang)}:"]
        lines += [f"  • {_publication_line(source, lang)}" for source in chain["sources"]]
    if chain["departs_from"]:
        lines += ["", f"{text('why.heading.departs', lang)}:"]
        lines += [f"  • {_publication_line(source, lang)}" for source in chain["departs_from"]]
    if chain["evidence"]:
        lines += ["", f"{text('why.heading.evidence', lang)}:"]
        for statement, items in _by_statement(chain["evidence"]).items():
            cited = ", ".join(f"{item.get('short_name')} [{item.get('reference_number')}]" for item in items
                              if item.get("short_name"))
            labels = sorted({item["certainty_label"].lower() for item in items if item.get("certainty_label")})
            judged = "; ".join(text("why.word.certainty", lang, certainty=label) for label in labels)
            lines.append(f"  • {_shown(statement, items[0].get('translation'), lang)}")
            lines += [f"    {part}" for part in (cited, judged) if part]
    if chain["assessments"]:
        lines += ["", f"{text('why.heading.assessment', lang)}:"]
        for item in chain["assessments"]:
            lines.append(f"  • {item['label']} ({text('why.heading.section', lang, section=item['section'])})")
    lines += _text_block(text("why.heading.revision", lang), chain["revision_trigger"], lang)
    return "\n".join(lines)


def _by_statement(evidence: list[Row]) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = {}
    for item in evidence:
        grouped.setdefault(item.get("statement") or "", []).append(item)
    return grouped


def _text_block(heading: str, statements: list[Row], lang: str) -> list[str]:
    if not statements:
        return []
    lines = ["", f"{heading}:"]
    for item in statements:
        where = text("why.heading.section", lang, section=item["section"])
        lines.append(f"  • [{item.get('kind_label') or item.get('kind')}, {where}] "
                     f"{_shown(item.get('text'), item.get('translation'), lang)}")
    return lines


def _shown(printed: str | None, translation: str | None, lang: str) -> str:
    if lang == "en" and translation:
        return f"{translation} ({text('why.word.translation', lang)}: “{printed}”)"
    return printed or ""


def _publication_line(source: Row, lang: str) -> str:
    line = source["label"] or source["publication"]
    if source.get("reference_number") is not None:
        line += f" [{source['reference_number']}]"
    if source.get("agree_rating_label"):
        line += f" — {text('why.word.agree', lang, rating=source['agree_rating_label'])}"
    return line


def _plain(value: object) -> object:
    return None if value is None else str(value)


def _int(value: object) -> int | None:
    try:
        return int(str(value)) if value is not None else None
    except ValueError:
        return None

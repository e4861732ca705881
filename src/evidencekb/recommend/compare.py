"""`evidencekb compare`: what Medicinrådet and each secondary publication would say for one patient.

Each source's verdict is `start` | `consider` | `do-not-start` | `out-of-scope`, from its structured
start criteria (queries/compare/start-criteria.rq evaluates them all in one query, with the same
patient facts `recommend` binds). A criterion counts only when every condition is met; one whose
infection requirement or time window the patient facts cannot settle is listed as "cannot tell",
never counted as met. A source is out of scope when it does not cover the patient's therapy class,
has no start criterion for the patient's population (e.g. children), or — when the patient record
gives the optional `disease` — does not cover that disease.
"""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from evidencekb import messages
from evidencekb.namespaces import curie
from evidencekb.recommend.evaluate import check_lang, recommender
from evidencekb.recommend.facts import Facts
from evidencekb.recommend.patient import parse_patient
from evidencekb.recommend.records import load_json_file
from evidencekb.sparql.core import query_text

VERDICT_RANK = {"start": 2, "consider": 1}
_OUT_OF_SCOPE_STATUS = ("population", "therapy")
_CANNOT_TELL = ("infection-cannot-tell", "window-cannot-tell")


def _m(key: str, lang: str, **values: object) -> str:
    return messages.text(f"recommend.compare.{key}", lang, **values)


def _word(table: str, code: str, lang: str) -> str:
    """A code's word from messages/recommend.toml (the code itself when there is none)."""
    key = f"recommend.{table}.{code}"
    return messages.text(key, lang) if messages.has(key) else code


def compare_data(data: Any, lang: str = "en", endpoint: str | None = None, graph: str | None = None) -> dict:
    check_lang(lang)
    rec = recommender(endpoint, graph)
    facts = rec.facts(parse_patient(data))
    rows = rec.engine.select(query_text("compare/start-criteria"), facts.criteria_bindings()).terms
    pubs = _publications(rec)
    by_pub: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_pub[str(row["publication"])].append(row)
    sources = [_verdict(pub, by_pub.get(iri, []), facts, lang) for iri, pub in pubs.items()]
    return {
        "population": facts.population_code,
        "phase": facts.phase,
        "therapy_class": facts.therapy_code,
        "igg_g_per_l": float(facts.patient.igg_g_per_l),
        "severe_or_recurrent_bacterial_infections": facts.patient.infections,
        "sources": sources,
    }


def _publications(rec: Any) -> dict[str, dict[str, Any]]:
    pubs: dict[str, dict[str, Any]] = {}
    for row in rec.engine.select(query_text("compare/publications")).terms:
        iri = str(row["publication"])
        pub = pubs.setdefault(iri, {"iri": iri, "label": None, "short": None, "reference": None,
                                    "classes": set(), "diseases": {}})
        if row.get("label") is not None:
            pub["label"] = str(row["label"])
        if row.get("shortName") is not None:
            pub["short"] = str(row["shortName"])
        if row.get("reference") is not None:
            pub["reference"] = int(str(row["reference"]))
        if row.get("therapyClass") is not None:
            pub["classes"].add(str(row["therapyClass"]))
        if row.get("disease") is not None:
            names = pub["diseases"].setdefault(str(row["disease"]), set())
            if row.get("diseaseName") is not None:
                names.add(str(row["diseaseName"]))
    council = [iri for iri in pubs if iri.endswith("/addendum")]
    others = sorted((iri for iri in pubs if iri not in council), key=lambda i: (pubs[i]["reference"] or 999, i))
    return {iri: pubs[iri] for iri in council + others}


def _verdict(pub: dict[str, Any], rows: list[dict], facts: Facts, lang: str) -> dict[str, Any]:
    is_council = pub["iri"].endswith("/addendum")
    name = _m("council", lang) if is_council else (pub["label"] or pub["short"] or pub["iri"])
    out: dict[str, Any] = {
        "publication": pub["iri"],
        "source": name,
        "reference": f"[{pub['reference']}]" if pub["reference"] else None,
        "verdict": None,
        "criterion": None,
        "note": None,
        "cannot_tell": [],
    }
    if pub["classes"] and facts.therapy_code not in pub["classes"]:
        out["verdict"] = "out-of-scope"
        out["note"] = _m("therapy", lang, therapy=facts.therapy_code, covered=", ".join(sorted(pub["classes"])))
        return out
    if facts.patient.disease and pub["diseases"]:
        wanted = facts.patient.disease.lower()
        names = {n.lower() for group in pub["diseases"].values() for n in group}
        if wanted not in names:
            shown = sorted(min(group, key=len) for group in pub["diseases"].values() if group)
            out["verdict"] = "out-of-scope"
            out["note"] = _m("disease", lang, diseases=", ".join(shown), disease=facts.patient.disease)
            return out
    relevant = [r for r in rows if str(r["status"]) not in _OUT_OF_SCOPE_STATUS]
    if not relevant:
        out["verdict"] = "out-of-scope"
        out["note"] = _m("population", lang, population=_word("population", facts.population_code, lang))
        return out
    met = [r for r in relevant if str(r["status"]) == "match"]
    with_verdict = [r for r in met if r.get("verdict") is not None]
    unknown = [r for r in relevant if str(r["status"]) in _CANNOT_TELL and r.get("verdict") is not None]
    out["cannot_tell"] = [
        {"rule": str(r["rule"]), "text": str(r.get("verbatim") or ""), "unsettled": _m(str(r["status"]), "en")}
        for r in unknown
    ]
    notes = []
    if with_verdict:
        # a source that ranks its criteria (ekb:priority, the council's) decides by rank, as recommend does
        best = max(with_verdict, key=lambda r: (_priority(r), VERDICT_RANK.get(str(r["verdict"]), 0), str(r["rule"])))
        out["verdict"] = str(best["verdict"])
        out["criterion"] = {"rule": str(best["rule"]), "text": str(best.get("verbatim") or "")}
    else:
        out["verdict"] = "do-not-start"
        notes.append(_m("none", lang))
    others = [r for r in met if r.get("verdict") is None]
    if others:
        notes.append(_m("other", lang, items="; ".join(str(r.get("verbatim") or r["rule"]) for r in others)))
    if unknown:
        notes.append(_m("cannot", lang, items="; ".join(
            f"{str(r.get('verbatim') or r['rule'])} ({_m(str(r['status']), lang)})" for r in unknown)))
    out["note"] = " · ".join(notes) or None
    return out


def _priority(row: dict[str, Any]) -> Decimal:
    value = row.get("priority")
    return Decimal(str(value)) if value is not None else Decimal(0)


def render_table(result: dict[str, Any], lang: str = "en") -> str:
    """An aligned text table: source, reference, verdict, criterion (and a note line where there is one).

    Words in `lang` (verdicts, population, phase, yes/no, decimal comma in Danish); the JSON keeps codes.
    """
    rows = [(s["source"], s["reference"] or "", _word("verdict", s["verdict"], lang),
             (s["criterion"] or {}).get("text", ""), s["note"]) for s in result["sources"]]
    head = [_m(name, lang) for name in ("source", "ref", "verdict", "criterion")]
    widths = [max(len(head[i]), *(len(r[i]) for r in rows)) if rows else len(head[i]) for i in range(3)]
    widths[0] = min(widths[0], 48)
    lines = [
        _m("heading", lang, population=_word("population", result["population"], lang),
           phase=_word("compare", result["phase"], lang), therapy=result["therapy_class"],
           igg=messages.number(Decimal(str(result["igg_g_per_l"])).normalize(), lang),
           infections=_m("yes" if result["severe_or_recurrent_bacterial_infections"] else "no", lang)),
        "",
        "  ".join(h.ljust(w) for h, w in zip(head[:3], widths, strict=True)) + "  " + head[3],
        "  ".join("-" * w for w in widths) + "  " + "-" * len(head[3]),
    ]
    for source, ref, verdict, criterion, note in rows:
        cells = [source[: widths[0]], ref, verdict]
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + "  " + criterion)
        if note:
            lines.append(" " * (sum(widths) + 6) + f"{_m('note', lang)}: {curies_in(note)}")
    return "\n".join(lines)


def curies_in(text: str) -> str:
    """Notes may name rules by IRI: show them as CURIEs in the text table."""
    return " ".join(curie(word) if word.startswith("http") else word for word in text.split(" "))


def compare_file(path: Path, format: str = "text", lang: str = "en", endpoint: str | None = None,
                 graph: str | None = None) -> str:
    result = compare_data(load_json_file(path), lang, endpoint, graph)
    if format == "json":
        return json.dumps(result, ensure_ascii=False, indent=2)
    return render_table(result, lang)



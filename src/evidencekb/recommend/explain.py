"""Word an answer: explanation sentences and the text report, in Danish or English.

Every sentence cites the section of the addendum and the IRI of the rule it rests on. The wording is
in messages/recommend.toml; every threshold, duration, index event and decision label in it comes from
the rule's condition nodes in the graph (`rules.RuleInfo`: IgG conditions with comparator and unit,
time windows with offsets and units), so a changed number in the data changes the sentence. Numbers
are written with `messages.number` (decimal comma in Danish). The text report shows CURIEs where the
JSON answer keeps full IRIs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from evidencekb import messages
from evidencekb.namespaces import curie
from evidencekb.recommend.facts import Facts
from evidencekb.recommend.rules import IggCondition, RuleBook, RuleInfo, Unit, Window


def _m(key: str, lang: str, **values: object) -> str:
    return messages.text(f"recommend.{key}", lang, **values)


def _num(value: Decimal | float | int, lang: str) -> str:
    return messages.number(Decimal(str(value)).normalize() if not isinstance(value, int) else value, lang)


def _unit_word(unit: str | None, lang: str, amount: Decimal | None = None,
               units: Mapping[str, Unit] | None = None) -> str:
    """A duration's unit word: the graph's label (ontology/units.ttl), the catalogue's singular for one."""
    name = (unit or "").rsplit("/", 1)[-1]
    known = (units or {}).get(unit or "")
    singular = f"recommend.unit.{name}-one"
    if amount is not None and amount == 1 and messages.has(singular):
        return messages.text(singular, lang)
    if known is not None and known.labels.get(lang):
        return known.labels[lang]
    return messages.text(f"recommend.unit.{name}", lang) if messages.has(f"recommend.unit.{name}") else name


def _unit_symbol(unit: str | None, lang: str, units: Mapping[str, Unit] | None = None) -> str:
    """A threshold's unit symbol: the graph's qudt:symbol ('g/L'), else the catalogue's."""
    known = (units or {}).get(unit or "")
    if known is not None and known.symbol:
        return known.symbol
    return _unit_word(unit, lang)


def duration(offset: Decimal | None, unit: str | None, lang: str, units: Mapping[str, Unit] | None = None) -> str:
    """'<n> <unit>' ('6 måneder') from a graph offset and its QUDT unit."""
    amount = offset if offset is not None else Decimal(0)
    return _m("phrase.duration", lang, number=_num(amount, lang), unit=_unit_word(unit, lang, amount, units))


def event(window: Window | None, lang: str) -> str:
    """The window's index event as its label in `lang`, lower-cased for the middle of a sentence."""
    if window is None:
        return "?"
    labels = window.event_labels
    label = labels.get(lang) or labels.get("en") or (window.index_event or "?").rsplit("#", 1)[-1]
    return label[0].lower() + label[1:] if len(label) > 1 and label[1].islower() else label


def window_phrase(window: Window, lang: str, units: Mapping[str, Unit] | None = None) -> str:
    """'<from>–<until> <unit> after <event>', 'less than <until> after …', '<from> or later after …'."""
    when = event(window, lang)
    has_from = window.from_offset is not None and window.from_offset != 0
    if has_from and window.until_offset is not None:
        start = duration(window.from_offset, window.from_unit, lang, units)
        if window.from_unit == window.until_unit:
            start = _num(window.from_offset, lang)  # type: ignore[arg-type]
        return _m("phrase.window-range", lang, from_=start,
                  until=duration(window.until_offset, window.until_unit, lang, units), event=when)
    if window.until_offset is not None:
        key = "phrase.window-until-inclusive" if window.until_inclusive else "phrase.window-until"
        return _m(key, lang, until=duration(window.until_offset, window.until_unit, lang, units), event=when)
    if has_from:
        key = "phrase.window-from" if window.from_inclusive else "phrase.window-from-exclusive"
        return _m(key, lang, from_=duration(window.from_offset, window.from_unit, lang, units), event=when)
    return _m("phrase.any-window", lang)


def condition_phrase(conditions: list[IggCondition], lang: str, units: Mapping[str, Unit] | None = None) -> str:
    """'IgG <comparator> <threshold> <unit>' from the rule's IgG condition, every part as in the graph."""
    if not conditions:
        return _m("phrase.its-igg", lang)
    parts = []
    for c in conditions:
        unit = _unit_symbol(c.unit, lang, units) if c.unit else ""
        if c.comparator == "between" and c.upper is not None:
            parts.append(_m("phrase.igg-between", lang, threshold=_num(c.threshold, lang),
                            upper=_num(c.upper, lang), unit=unit).strip())
        else:
            parts.append(_m("phrase.igg", lang, comparator=c.comparator, threshold=_num(c.threshold, lang),
                            unit=unit).strip())
    return ", ".join(parts)


def cite(info: RuleInfo, *extra: str) -> str:
    label = ", ".join(s[1] for s in info.sections) if info.sections else "?"
    return "; ".join([label, info.iri, *extra])


def sentences(rules: RuleBook, facts: Facts, answer: dict[str, Any], lang: str) -> list[str]:
    """Sentences, each citing the section of the addendum and the IRI of the rule it rests on."""
    p = facts.patient
    igg = _num(p.igg_g_per_l, lang)
    boundary = rules.info(rules.boundary_window, lang)
    phase_duration = duration(Decimal(str(rules.boundary["untilOffset"])), str(rules.boundary["untilUnit"]), lang,
                              rules.units)
    window = boundary.window  # the boundary is itself a window node
    phase_key = "sentence.within" if facts.within_first_window else "sentence.after"
    population = (_m(f"population.{facts.population_code}", lang)
                  if messages.has(f"recommend.population.{facts.population_code}")
                  else facts.population_code)
    out = [_m("sentence.situation", lang, population=population, age=_num(p.age, lang),
              therapy=facts.product_name or facts.therapy_code, start=p.therapy_start.isoformat(),
              assessed=p.assessment_date.isoformat(),
              phase_text=_m(phase_key, lang, duration=phase_duration, event=event(window, lang)),
              boundary_text=_m("sentence.boundary", lang, duration=phase_duration,
                               date=facts.six_month_date.isoformat()),
              cite=cite(boundary))]
    out.extend(_start_sentences(rules, facts, answer["start"], igg, lang))
    out.extend(_why_sentence(rules, answer["start"]["rule"], lang))
    out.extend(_stop_sentences(rules, facts, answer, lang))
    out.extend(_why_sentence(rules, answer["stop"]["rule"], lang))
    if p.igg_during_substitution and rules.recovery_rule:
        recovery = rules.info(rules.recovery_rule, lang)
        out.append(_m("sentence.during", lang, condition=condition_phrase(recovery.igg, lang, rules.units),
                      cite=cite(recovery)))
    return [s if s.endswith(".") else s + "." for s in out]


def _why_sentence(rules: RuleBook, rule: str | None, lang: str) -> list[str]:
    """One line of why for a cited council rule, from its evidence-to-decision chain (`evidencekb why`)."""
    line = rules.why_lines.get(rule or "")
    if line is None:
        return []
    text = line.get("translation") if lang == "en" and line.get("translation") else line["text"]
    section = line.get("sectionEn" if lang == "en" else "sectionDa", "")
    return [_m("sentence.why", lang, text=text.rstrip("."), cite=f"{section}; {line['statement']}")]


def _start_sentences(rules: RuleBook, facts: Facts, start: dict[str, Any], igg: str, lang: str) -> list[str]:
    info = rules.info(start["rule"], lang)
    decision = start["decision"]
    if decision in ("start", "general-criteria"):
        out = [_m(f"sentence.{decision}", lang, igg=igg, label=info.label,
                  condition=condition_phrase(info.igg, lang, rules.units),
                  cite=cite(info))]
        if "base_guideline" in start:
            base = start["base_guideline"]
            out.append(_m("sentence.base", lang, label=base["label"], url=base["url"], cite=cite(info)))
        return out
    if decision == "do-not-start":
        # a default (no criterion met) or a criterion of the source that says not to start
        out = [_m("sentence.do-not-start" if info.is_default else "sentence.do-not-start-rule", lang,
                  label=info.label, cite=cite(info))]
        for item in start.get("checked", []):
            rule = rules.info(item["rule"], lang)
            reason_key = f"recommend.reason.{item['result']}"
            reason = (messages.text(reason_key, lang, igg=igg, condition=condition_phrase(rule.igg, lang, rules.units),
                                    window=window_phrase(rule.window, lang, rules.units) if rule.window else "")
                      if messages.has(reason_key) else item["result"])
            out.append(_m("sentence.checked", lang, label=rule.label, reason=reason, cite=cite(rule)))
        return out
    if decision == "already-on-ig":
        ig_start = facts.patient.immunoglobulin.start_date
        return [_m("sentence.already-on-ig", lang, ig_start=ig_start.isoformat() if ig_start else "?",
                   cite=cite(info))]
    if decision == "individual-assessment":
        return [_m("sentence.individual-assessment", lang, cite=cite(info))]
    return [_m("sentence.other-decision", lang, decision=info.decision_labels.get(lang, decision),
               label=info.label, cite=cite(info))]


def _stop_sentences(rules: RuleBook, facts: Facts, answer: dict[str, Any], lang: str) -> list[str]:
    p = facts.patient
    stop = answer["stop"]
    gov = rules.info(stop["rule"], lang)
    window = gov.stop_window
    decision = stop["decision"]
    hypothetical = p.immunoglobulin.status == "none" and stop.get("date") is not None
    prefix = _m("sentence.hypothetical", lang, date=p.assessment_date.isoformat()) if hypothetical else ""
    out = []
    if stop.get("date") and "window" not in stop and window is not None:  # one date: stop at a fixed time
        when = _m("phrase.after", lang, duration=duration(window.from_offset, window.from_unit, lang, rules.units),
                  event=event(window, lang))
        out.append(prefix + _m("sentence.stop-at-date", lang, date=stop["date"], when=when, cite=cite(gov)))
        if p.immunoglobulin.status == "ongoing" and stop["date"] < p.assessment_date.isoformat():
            out.append(_m("sentence.overdue", lang, date=stop["date"], cite=cite(gov)))
    elif "window" in stop and window is not None:
        months = stop.get("reevaluation_interval_months")
        reevaluation = _m("sentence.reevaluation", lang, months=months) if months is not None else ""
        out.append(prefix + _m("sentence.stop-window", lang, from_=stop["window"]["from"], to=stop["window"]["to"],
                               window=window_phrase(window, lang, rules.units), ig_start=stop["window"]["ig_start"],
                               reevaluation=reevaluation, cite=cite(gov)))
    elif decision == "individual-assessment":
        out.append(_m("sentence.stop-individual", lang, cite=cite(gov)))
    elif decision == "not-applicable":
        out.append(_m("sentence.not-applicable", lang, cite=cite(gov)))
    else:
        out.append(_m("sentence.other-decision", lang, decision=gov.decision_labels.get(lang, decision),
                      label=gov.label, cite=cite(gov)))
    if not stop["settled"]:
        note_info = rules.info(stop["annotation"], lang)
        note = stop["note"]
        head, colon, rest = note.partition(": ")
        if colon and head.lower() == _m("sentence.unsettled-prefix", lang):  # "Not settled: …" → "…"
            note = rest
        alternative = note_info.get("alternativeLabel")
        out.append(_m("sentence.unsettled", lang, note=note, closest=gov.label,
                      alternative=_m("sentence.unsettled-alternative", lang, label=alternative) if alternative else "",
                      cite=cite(note_info, stop["closest_rule"])))
    return out


# --- the text report ---------------------------------------------------------------------------------

_IRI = re.compile(r"<?(https?://[^\s;,()<>\"]+)>?")


def curies(text: str) -> str:
    return _IRI.sub(lambda match: curie(match.group(1)), text)


def render_text(answer: dict[str, Any], lang: str = "en") -> str:
    """A short human-readable report of one answer: words and CURIEs, the JSON keeps codes and IRIs."""
    start, stop = answer["start"], answer["stop"]
    population = (_m(f"population.{answer['population']}", lang)
                  if messages.has(f"recommend.population.{answer['population']}") else answer["population"])
    therapy = answer["therapy"]
    lines = [
        _m("text.patient", lang, population=population, therapy=therapy.get("product_name") or therapy["class"],
           assessed=answer["assessment_date"], igg=_num(answer["igg_g_per_l"], lang)),
        f"{_m('text.start', lang)}: {start.get('decision_label') or start['decision']}   "
        f"({_m('text.rule', lang)} {curie(start['rule'])})",
    ]
    stop_line = f"{_m('text.stop', lang)}: {stop.get('decision_label') or stop['decision']}"
    if stop.get("date"):
        stop_line += f"   {_m('text.date', lang)} {stop['date']}"
    if stop.get("window"):
        stop_line += f"   {_m('text.window', lang)} {stop['window']['from']} – {stop['window']['to']}"
    stop_line += f"   ({_m('text.rule', lang)} {curie(stop['rule'])})"
    if not stop["settled"]:
        stop_line += f"   [{_m('text.open', lang)}]"
    lines.append(stop_line)
    lines.append(f"{_m('text.why', lang)}:")
    lines.extend(f"  - {curies(sentence)}" for sentence in answer["explanation"])
    return "\n".join(lines)

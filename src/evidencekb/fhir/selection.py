"""Which action of the council's start and stop groups applies: exactly one per group.

Each group has `selectionBehavior = exactly-one`. Its actions are ordered by the rules' `ekb:priority`
(highest first, ties by IRI); each carries two applicability conditions — the rule's own and "no earlier
action of the group applies" (`%startDecision` / `%stopDecision`, a chain of `iif`s) — so exactly one
action of each group applies, the one `recommend` chooses. Stop criteria read the immunoglobulin
course's timing and basis, of an ongoing course or of the start chosen now (`ImpliedStart`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from evidencekb.fhir import fhirpath as fp
from evidencekb.fhir.common import local_id
from evidencekb.fhir.criteria import Codes, codes_of, is_true, own_start_condition, population, priority, therapy


@dataclass
class Candidate:
    """One action of a group: a rule (or an annotation reported with its closest rule)."""

    iri: str
    governing: str
    row: Mapping[str, Any]  # the governing rule's row
    condition: str
    priority: Decimal
    annotation: Mapping[str, Any] | None = None


def _ordered(candidates: list[Candidate]) -> list[Candidate]:
    """Highest priority first, ties by IRI (as `recommend` breaks them)."""
    return sorted(candidates, key=lambda c: (-c.priority, c.iri))


def _variable_name(prefix: str, iri: str) -> str:
    return prefix + "_" + local_id(iri).replace("-", "_").replace(".", "_")


def _chooser(ordered: Sequence[Candidate], names: Mapping[str, str]) -> str:
    """`iif(%a, 'a', iif(%b, 'b', {}))`: the linkId of the first applicable candidate in priority order."""
    expression = "{}"
    for candidate in reversed(ordered):
        expression = f"iif(%{names[candidate.iri]}, '{local_id(candidate.iri)}', {expression})"
    return expression


@dataclass(frozen=True)
class ImpliedStart:
    """A start rule deciding now opens a course on `basis`; `when_infections`: only for that infections flag."""
    rule: str
    basis: str
    when_infections: bool | None = None


def _implied_condition(implied: ImpliedStart, same_rule: Sequence[ImpliedStart]) -> str:
    """When this implied start applies, besides its rule being chosen: its infections flag, or (without one)
    none of the same rule's implied starts with a flag applying."""
    if implied.when_infections is not None:
        return fp.INFECTIONS if implied.when_infections else fp.negate(fp.INFECTIONS)
    flagged = [fp.INFECTIONS if other.when_infections else fp.negate(fp.INFECTIONS)
               for other in same_rule if other.when_infections is not None]
    return fp.negate(fp.any_of(flagged)) if flagged else fp.TRUE


@dataclass
class Groups:
    variables: list[tuple[str, str]]
    starts: list[tuple[Candidate, str]]
    stops: list[tuple[Candidate, str]]


def council_groups(codes: Codes, rules: Sequence[Mapping[str, Any]], annotations: Sequence[Mapping[str, Any]],
                   hypothetical: Sequence[ImpliedStart], boundary: Mapping[str, Any], issuer: str) -> Groups:
    """The council's start and stop candidates, each with its selection check, and the variables they use."""
    decided = [r for r in rules if r.get("decisionCode") is not None
               and (str(r.get("issuer")) == issuer or is_true(r.get("isDefault"), False))]
    variables = list(fp.FACTS)
    six_months = fp.calendar(boundary["untilOffset"], boundary["untilUnit"])
    variables.append(("sixMonthDate", f"{fp.THERAPY_START} + {six_months}"))
    six = "%sixMonthDate"

    starts = _ordered([Candidate(str(r["rule"]), str(r["rule"]), r, own_start_condition(codes, r), priority(r))
                       for r in decided if str(r["kind"]) == "start"])
    start_names = {c.iri: _variable_name("start", c.iri) for c in starts}
    variables += [(start_names[c.iri], c.condition) for c in starts]
    variables.append(("startDecision", _chooser(starts, start_names)))

    def chosen(rules_: Iterable[str]) -> str:
        ids = [f"'{local_id(r)}'" for r in rules_ if r in start_names]
        return f"%startDecision.where($this in ({' | '.join(ids)})).exists()" if ids else fp.FALSE

    starting = chosen(implied.rule for implied in hypothetical)
    not_ongoing = fp.negate(fp.ONGOING)

    def timing_is(code: str) -> str:
        if code == "before-therapy":
            return fp.all_of([fp.ONGOING, fp.STARTED_BEFORE])
        if code in ("within-window", "after-window"):
            op = "<" if code == "within-window" else ">="
            course = fp.all_of([fp.ONGOING, fp.negate(fp.STARTED_BEFORE), f"{fp.COURSE_START} {op} {six}"])
            now = fp.all_of([not_ongoing, starting, f"{fp.ASSESSMENT} {op} {six}"])
            return fp.any_of([course, now])
        if code == "not-started":
            return fp.all_of([not_ongoing, fp.negate(starting)])
        return fp.FALSE

    def basis_is(code: str) -> str:
        if code == "unspecified":
            course = fp.all_of([fp.ONGOING, "%courseBasis.exists().not()"])
        else:
            course = fp.all_of([fp.ONGOING, f"%courseBasis.where($this = '{code}').exists()"])
        opening = [fp.all_of([chosen([implied.rule]),
                         _implied_condition(implied, [o for o in hypothetical if o.rule == implied.rule])])
                   for implied in hypothetical if implied.basis == code]
        now = fp.all_of([not_ongoing, fp.any_of(opening)])
        return fp.any_of([course, now])

    def stop_condition(rule_row: Mapping[str, Any], named: Mapping[str, Any]) -> str:
        timings, bases = codes_of(named, "timings"), codes_of(named, "bases")
        return fp.all_of([
            population(codes, codes_of(rule_row, "populations")),
            therapy(codes_of(rule_row, "classes")),
            fp.any_of(timing_is(t) for t in timings) if timings else fp.TRUE,
            fp.any_of(basis_is(b) for b in bases) if bases else fp.TRUE,
        ])

    by_iri = {str(r["rule"]): r for r in rules}
    stop_list = [Candidate(str(r["rule"]), str(r["rule"]), r, stop_condition(r, r), priority(r))
                 for r in decided if str(r["kind"]) == "stop"]
    for note in annotations:
        governing = by_iri.get(str(note["closestRule"]))
        if governing is not None:
            stop_list.append(Candidate(str(note["annotation"]), str(governing["rule"]), governing,
                                       stop_condition(governing, note), priority(governing), annotation=note))
    stops = _ordered(stop_list)
    stop_names = {c.iri: _variable_name("stop", c.iri) for c in stops}
    variables += [(stop_names[c.iri], c.condition) for c in stops]
    variables.append(("stopDecision", _chooser(stops, stop_names)))
    return Groups(
        variables,
        [(c, f"%startDecision = '{local_id(c.iri)}'") for c in starts],
        [(c, f"%stopDecision = '{local_id(c.iri)}'") for c in stops],
    )

"""Text recorded as printed must be found in the source, so transcription slips fail a test.

The source is vendored as tests/data/addendum-source.txt (Medicinrådet's addendum, extracted
text). Comparison ignores whitespace, bullets and hyphens (PDF line breaks and hyphenation).
Danish titles (dcterms:title @da) are checked too, except where the node flags the property as
curator-supplied (ekb:curatorSuppliedProperty dcterms:title). Reasoning statements (data/reasoning.ttl)
must each be one contiguous printed passage.
A cell that continues across a page break is accepted when each line splits into two pieces
that are both printed (the page furniture between them is not part of the cell).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, RDF

from evidencekb.namespaces import EKB, KB

SOURCE = Path(__file__).parent / "data" / "addendum-source.txt"
AS_PRINTED = ("verbatim", "cellText", "printedText", "heading", "query", "purpose", "method",
              "limitation", "ratingText", "timeWindowText", "immunoglobulinUse")
ELISION = re.compile(r"\s*…\s*|\.\.\.|\[sideskift\]|\s\|\s")


def _normalise(text: str) -> str:
    return re.sub(r"[\s•\-–‐]", "", text.replace("\u00ad", ""))


@cache
def _source() -> str:
    return _normalise(SOURCE.read_text(encoding="utf-8"))


def _printed(piece: str) -> bool:
    if _normalise(piece) in _source():
        return True
    words = piece.split()
    return any(
        _normalise(" ".join(words[:i])) in _source() and _normalise(" ".join(words[i:])) in _source()
        for i in range(1, len(words))
    )


def _as_printed_literals(graph: Graph) -> list[tuple[str, str, str]]:
    found = []
    for name in AS_PRINTED:
        for subject, value in graph.subject_objects(EKB[name]):
            if isinstance(value, Literal) and value.language != "en":
                found.append((name, str(subject), str(value)))
    for subject, value in graph.subject_objects(DCTERMS.title):
        if isinstance(value, Literal) and value.language == "da" and str(subject).startswith(str(KB)) and \
                (subject, EKB.curatorSuppliedProperty, DCTERMS.title) not in graph:
            found.append(("title", str(subject), str(value)))
    return sorted(found)


def test_every_as_printed_text_is_in_the_source(kb: Graph) -> None:
    missing = []
    for name, subject, value in _as_printed_literals(kb):
        pieces = [p for line in value.split("\n") for p in ELISION.split(line) if p.strip()]
        missing += [f"{subject.rsplit('/', 1)[-1]} ekb:{name}: {p[:120]!r}" for p in pieces if not _printed(p)]
    assert not missing, "not found in the source:\n" + "\n".join(missing)


def test_the_check_catches_a_slip(kb: Graph) -> None:
    assert _printed("Patienter med IgG < 4 g/L uanset hyppigheden og sværhedsgraden af infektioner.")
    assert not _printed("Patienter med IgG < 5 g/L uanset hyppigheden og sværhedsgraden af infektioner.")


def test_every_as_printed_property_is_used(kb: Graph) -> None:
    used = {name for name, _, _ in _as_printed_literals(kb)}
    assert {"verbatim", "cellText", "heading", "query", "immunoglobulinUse", "title"} <= used


def test_every_reasoning_statement_is_one_printed_passage(kb: Graph) -> None:
    statements = set(kb.subjects(RDF.type, EKB.ReasoningStatement))
    assert statements, "no ekb:ReasoningStatement in data/"
    problems = []
    for statement in sorted(statements):
        texts = [v for v in kb.objects(statement, EKB.verbatim) if isinstance(v, Literal) and v.language == "da"]
        if len(texts) != 1:
            problems.append(f"{statement}: {len(texts)} ekb:verbatim @da")
        elif _normalise(str(texts[0])) not in _source():
            problems.append(f"{statement}: not one contiguous printed passage: {str(texts[0])[:120]!r}")
    assert not problems, "\n".join(problems)

"""Text recorded as printed must be found in the source, so transcription slips fail a test.

The source is vendored as tests/data/addendum-source.txt (Medicinrådet's addendum, extracted
text). Comparison ignores whitespace, bullets and hyphens (PDF line breaks and hyphenation).
A cell that continues across a page break is accepted when each line splits into two pieces
that are both printed (the page furniture between them is not part of the cell).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from rdflib import Graph, Literal

from evidencekb.namespaces import EKB

SOURCE = Path(__file__).parent / "data" / "addendum-source.txt"
AS_PRINTED = ("verbatim", "cellText", "printedText", "heading", "query", "purpose", "method",
              "limitation", "ratingText", "timeWindowText")
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
    assert {"verbatim", "cellText", "heading", "query"} <= used

"""Write a large Turtle file with many violations (issue 11 §4): `validate` must cap its report and memory.

    .venv/bin/python benchmarks/many_violations.py 50        # ≈50 MB → build/benchmarks/many-violations-50mb.ttl

Each node is a start criterion with a label and a long verbatim text but none of the properties a
criterion needs (action, population, therapy class, infection requirement, issuer, provenance …), so
every node yields the same handful of violations; the verbatim text pads the file to the asked size.
The file is written atomically (`.tmp` then rename).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "benchmarks"
HEADER = (
    "@prefix ekb: <https://w3id.org/evidencekb/ontology#> .\n"
    "@prefix kb: <https://w3id.org/evidencekb/id/> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n\n"
)
PADDING = "Immunglobulin kan overvejes ved gentagne infektioner. " * 10


def node(number: int) -> str:
    return (
        f'kb:bench-criterion-{number:07d} a ekb:StartCriterion ; rdfs:label "Kriterium {number}"@da ;\n'
        f'    ekb:verbatim "{PADDING}{number}"@da .\n'
    )


def write_file(megabytes: float) -> Path:
    """Write the file (if it is not there yet) and return its path."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"many-violations-{megabytes:g}mb.ttl"
    if path.exists():
        return path
    count = int(megabytes * 1_000_000 / len(node(0).encode("utf-8")))
    tmp = path.with_suffix(".ttl.tmp")
    with tmp.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for number in range(count):
            out.write(node(number))
    tmp.replace(path)
    return path


if __name__ == "__main__":
    written = write_file(float(sys.argv[1]) if len(sys.argv) > 1 else 50)
    print(f"{written} ({written.stat().st_size / 1e6:.1f} MB)")

"""Make synthetic knowledge bases ×N the size of the addendum by cloning data/ with renamed IRIs.

Copy 0 is data/ as it is; copy k renames every `kb:` node that data/ describes (studies,
estimates, populations, reports, appraisals, criteria, windows, table rows and cells, citations,
annotations …) to `kb:<name>-xk`. Nodes that are part of the document or of the configuration stay
shared: the sections and tables (data/document.ttl), organisations, therapy products
(data/therapies.ttl) and the patient mappings (data/patient-mapping.ttl). So the clones hang off the
same tables and code lists, and every table, question and page grows with N.

Output: N-Triples of the data only (the ontology is added when loading), written atomically to
build/benchmarks/data-xN.nt.

    python benchmarks/generate.py 1 10 100 1000
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from rdflib import Graph, URIRef

from evidencekb.graph import load_graph, turtle_files
from evidencekb.namespaces import KB
from evidencekb.paths import BUILD_DIR, DATA_DIR

OUT_DIR = BUILD_DIR / "benchmarks"
SHARED_FILES = ("document.ttl", "therapies.ttl", "patient-mapping.ttl")
_KB_IRI = re.compile(r"<" + re.escape(str(KB)) + r"([^>]*)>")
_BNODE = re.compile(r"(^|> )_:([A-Za-z0-9]+)")


def shared_names(data_dir: Path = DATA_DIR) -> set[str]:
    """Local names of the kb: nodes that every copy shares (defined in the shared files)."""
    names: set[str] = set()
    for name in SHARED_FILES:
        path = data_dir / name
        if path.is_file():
            graph = load_graph([path])
            names |= {str(s)[len(str(KB)) :] for s in graph.subjects() if isinstance(s, URIRef) and s.startswith(KB)}
    return names


def base_ntriples(data_dir: Path = DATA_DIR) -> list[str]:
    """data/ as sorted N-Triples lines."""
    graph: Graph = load_graph(turtle_files([data_dir]))
    text = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
    return sorted(line for line in text.splitlines() if line.strip())


def clone(lines: list[str], copy: int, shared: set[str]) -> list[str]:
    """The lines with every non-shared kb: IRI renamed for copy number `copy` (copy 0 unchanged)."""
    if copy == 0:
        return lines

    def rename(match: re.Match[str]) -> str:
        name = match.group(1)
        return match.group(0) if name in shared else f"<{KB}{name}-x{copy}>"

    suffix = f"x{copy}"
    return [_BNODE.sub(rf"\1_:\2{suffix}", _KB_IRI.sub(rename, line)) for line in lines]


def iter_copies(factor: int, lines: list[str] | None = None) -> Iterator[str]:
    """N-Triples text of each copy in turn (for sizes too big to write to disk)."""
    lines = lines if lines is not None else base_ntriples()
    shared = shared_names()
    for copy in range(factor):
        yield "\n".join(clone(lines, copy, shared)) + "\n"


def generate(factor: int, out_dir: Path = OUT_DIR, lines: list[str] | None = None) -> Path:
    """Write build/benchmarks/data-x<factor>.nt (data/ cloned `factor` times) and return its path."""
    lines = lines if lines is not None else base_ntriples()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"data-x{factor}.nt"
    temporary = target.with_suffix(".nt.tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        for text in iter_copies(factor, lines):
            handle.write(text)
    os.replace(temporary, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("factors", nargs="*", type=int, default=[1, 10, 100, 1000])
    args = parser.parse_args(argv)
    lines = base_ntriples()
    for factor in args.factors:
        started = time.perf_counter()
        path = generate(factor, lines=lines)
        print(f"x{factor}: {factor * len(lines):,} data triples → {path} ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Make synthetic knowledge bases ×N the size of the addendum by cloning data/ with renamed IRIs.

Copy 0 is data/ as it is; copy k renames every `kb:` node that data/ describes (studies,
estimates, populations, reports, appraisals, criteria, windows, table rows and cells, citations,
annotations …) to `kb:<name>-xk`. Nodes that are part of the document or of the configuration stay
shared: the sections and tables (data/document.ttl), every table's columns (ekb:TableColumn, wherever
they are declared), organisations, therapy products (data/therapies.ttl) and the patient mappings
(data/patient-mapping.ttl). So the clones hang off the same tables, columns and code lists, and every
table, question and page grows with N.

The result must be a graph the real data could have: a bigger addendum has more rows in the same
table, not the same columns N times over or N rows at one position (queries/qc/table-position-unique.rq
forbids both). So copy k also renumbers what must be unique: a row's ekb:position becomes
p + k·(rows in that table) and an ekb:referenceNumber becomes n + k·(highest reference number). An
earlier version cloned the columns and kept the positions; every table then had N² row × column
pairs and the table benchmarks grew ~500× for 10× data (see RESULTS.md).

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

from evidencekb import project
from evidencekb.namespaces import KB
from evidencekb.rdf.turtle import load_graph, turtle_files

OUT_DIR = project.current().build / "benchmarks"
SHARED_FILES = ("document.ttl", "therapies.ttl", "patient-mapping.ttl")
_KB_IRI = re.compile(r"<" + re.escape(str(KB)) + r"([^>]*)>")
_BNODE = re.compile(r"(^|> )_:([A-Za-z0-9]+)")
_INTEGER = re.compile(r'"(-?[0-9]+)"\^\^<http://www.w3.org/2001/XMLSchema#integer> \.$')
EKB = "https://w3id.org/evidencekb/ontology#"
SHARED_TYPES = (f"<{EKB}TableColumn>",)
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
# line index -> the step its integer object moves by per copy (copy k adds k * step)
Renumbering = dict[int, int]


def shared_names(data_dir: Path | None = None, lines: list[str] | None = None) -> set[str]:
    """Local names of the kb: nodes that every copy shares (defined in the shared files, or columns)."""
    data_dir = data_dir or project.current().data
    names: set[str] = set()
    for line in lines or []:
        subject, predicate, rest = line.split(" ", 2)
        if predicate == TYPE and rest.rstrip(" .") in SHARED_TYPES and subject.startswith(f"<{KB}"):
            names.add(subject[len(str(KB)) + 1 : -1])
    for name in SHARED_FILES:
        path = data_dir / name
        if path.is_file():
            graph = load_graph([path])
            names |= {str(s)[len(str(KB)) :] for s in graph.subjects() if isinstance(s, URIRef) and s.startswith(KB)}
    return names


def base_ntriples(data_dir: Path | None = None) -> list[str]:
    """data/ as sorted N-Triples lines."""
    data_dir = data_dir or project.current().data
    graph: Graph = load_graph(turtle_files([data_dir]))
    text = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
    return sorted(line for line in text.splitlines() if line.strip())


def renumbering(lines: list[str]) -> Renumbering:
    """Which lines carry a number that must stay unique across copies, and by how much to move it.

    Table rows: ekb:position, moved by the number of rows of the row's table (the highest position).
    Publications: ekb:referenceNumber, moved by the highest reference number.
    """
    rows: dict[str, str] = {}  # row subject -> its table
    row_types = {line.split(" ", 1)[0] for line in lines if line.endswith(f"{TYPE} <{EKB}TableRow> .")}
    for line in lines:
        subject, predicate, rest = line.split(" ", 2)
        if subject in row_types and predicate == f"<{EKB}inTable>":
            rows[subject] = rest.rstrip(" .")
    row_lines: dict[int, tuple[str, int]] = {}
    reference_lines: dict[int, int] = {}
    for index, line in enumerate(lines):
        subject, predicate, _ = line.split(" ", 2)
        number = _INTEGER.search(line)
        if number is None:
            continue
        if predicate == f"<{EKB}position>" and subject in rows:
            row_lines[index] = (rows[subject], int(number.group(1)))
        elif predicate == f"<{EKB}referenceNumber>":
            reference_lines[index] = int(number.group(1))
    table_size: dict[str, int] = {}
    for table, position in row_lines.values():
        table_size[table] = max(table_size.get(table, 0), position)
    steps: Renumbering = {index: table_size[table] for index, (table, _) in row_lines.items()}
    highest_reference = max(reference_lines.values(), default=0)
    steps.update(dict.fromkeys(reference_lines, highest_reference))
    return steps


def clone(lines: list[str], copy: int, shared: set[str], steps: Renumbering | None = None) -> list[str]:
    """The lines with every non-shared kb: IRI renamed for copy number `copy` (copy 0 unchanged),
    and the numbers listed in `steps` (see renumbering()) moved by copy × step."""
    if copy == 0:
        return lines

    def rename(match: re.Match[str]) -> str:
        name = match.group(1)
        return match.group(0) if name in shared else f"<{KB}{name}-x{copy}>"

    def renumber(match: re.Match[str], step: int) -> str:
        return match.group(0).replace(f'"{match.group(1)}"', f'"{int(match.group(1)) + copy * step}"', 1)

    suffix = f"x{copy}"
    out = [_BNODE.sub(rf"\1_:\2{suffix}", _KB_IRI.sub(rename, line)) for line in lines]
    for index, step in (steps or {}).items():
        out[index] = _INTEGER.sub(lambda match, step=step: renumber(match, step), out[index])
    return out


def iter_copies(factor: int, lines: list[str] | None = None) -> Iterator[str]:
    """N-Triples text of each copy in turn (for sizes too big to write to disk)."""
    lines = lines if lines is not None else base_ntriples()
    shared = shared_names(lines=lines)
    steps = renumbering(lines)
    for copy in range(factor):
        yield "\n".join(clone(lines, copy, shared, steps)) + "\n"


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

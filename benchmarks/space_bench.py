"""Benchmark `evidencekb space` on the synthetic ×N knowledge bases (benchmarks/generate.py).

Run: .venv/bin/python benchmarks/space_bench.py [--scales 1,10,100]

For each factor the cloned data (build/benchmarks/data-xN.nt, generated when missing) is bulk-loaded
with the project's ontology into one pyoxigraph store (as benchmarks/run.py does: parsing ×100 with
rdflib would take minutes and is not what is measured), and that engine answers every query of
`build_space`, whose steps are timed one by one: deriving the dimensions (3 SPARQL queries), deciding the
cells for the council (the cells' patient facts, made once and shared by the three
evaluations; recommend, 2 queries per 2,500 cells), for the sources (compare's query, one
per 1,000 distinct patients), the raw rule matches (start.rq/stop.rq, for overlaps) and the findings.
Prints a Markdown table (one row per factor) for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import evidencekb.recommend.evaluate
import evidencekb.revision.dimensions
import evidencekb.revision.space
import evidencekb.sparql.engines
from evidencekb.rdf.cache import project_ontology
from evidencekb.revision.cells import make_cells
from evidencekb.revision.dimensions import derive_dimensions
from evidencekb.revision.evaluate import (
    cell_facts,
    evaluate_council,
    evaluate_matches,
    evaluate_sources,
    publications,
    six_month_date,
)
from evidencekb.revision.findings import agreement, find_all
from evidencekb.revision.model import Space
from evidencekb.revision.space import rule_info
from evidencekb.revision.workspace import using

sys.path.insert(0, str(Path(__file__).parent))
from generate import OUT_DIR, generate  # noqa: E402
from run import oxigraph_engine_from  # noqa: E402


def use_engine(engine: object) -> None:
    """Every module that asks for the local engine gets `engine` (benchmark only). Call it inside a fresh
    project (`using`), so that nothing cached for another project (the recommender) is reused."""
    for module in (evidencekb.sparql.engines, evidencekb.recommend.evaluate, evidencekb.revision.dimensions,
                   evidencekb.revision.space):
        module.get_engine = lambda *args, **kwargs: engine  # type: ignore[attr-defined]


def measure(factor: int) -> dict[str, object]:
    source = OUT_DIR / f"data-x{factor}.nt"
    if not source.is_file():
        generate(factor)
    times: dict[str, float] = {}

    def step(name: str, action):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        value = action()
        times[name] = time.perf_counter() - started
        print(f"  ×{factor} {name}: {times[name]:.2f} s", file=sys.stderr, flush=True)
        return value

    ontology_nt = project_ontology().serialize(format="nt", encoding="utf-8")
    engine = step("load", lambda: oxigraph_engine_from(None, source, ontology_nt))
    with tempfile.TemporaryDirectory(prefix="space-bench-") as folder:  # a project of its own per scale
        for part in ("data", "ontology"):
            (Path(folder) / part).mkdir()
        with using(Path(folder)):
            use_engine(engine)
            return run_steps(factor, engine, step, times)


def run_steps(factor: int, engine: object, step, times: dict[str, float]):  # type: ignore[no-untyped-def]
    dims = step("dimensions", derive_dimensions)
    six = six_month_date(dims)
    cells = step("make cells", lambda: make_cells(dims, six))
    facts = step("patient facts", lambda: cell_facts(cells))
    step("council", lambda: evaluate_council(cells, facts=facts))
    step("sources", lambda: evaluate_sources(cells, facts=facts))
    step("matches", lambda: evaluate_matches(cells, facts=facts))

    def findings() -> Space:
        space = Space(dims, cells, rule_info(engine))
        space.publications = {iri: p["label"] or iri for iri, p in publications(engine).items()
                              if not iri.endswith("/addendum")}
        space.findings = find_all(space)
        space.agreement = agreement(space)
        return space

    space = step("find", findings)
    rules = set().union(*(d.rules for d in dims.values()))
    return {"factor": factor, "triples": len(engine.store), "rules": len(rules),  # type: ignore[attr-defined]
            "publications": len(space.publications), "cells": len(cells),
            "findings": len(space.findings), **times,
            "total": sum(v for k, v in times.items() if k != "load")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="1,10,100")
    args = parser.parse_args(argv)
    rows = [measure(int(f)) for f in args.scales.split(",")]
    steps = ("load", "dimensions", "make cells", "patient facts", "council", "sources", "matches", "find", "total")
    print("| scale | triples | rules cut | publications | cells | findings | " + " | ".join(steps) + " |")
    print("|---" * (6 + len(steps)) + "|")
    for row in rows:
        print(f"| ×{row['factor']} | {row['triples']:,} | {row['rules']:,} | {row['publications']:,} | "
              f"{row['cells']:,} | {row['findings']:,} | "
              + " | ".join(f"{row[s]:.2f} s" for s in steps) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`evidencekb validate`: time it as a whole process, and check that the fast path changes no result.

    .venv/bin/python benchmarks/validate_bench.py time [--repeat 5]       # median wall time per engine
    .venv/bin/python benchmarks/validate_bench.py compare                 # lifted+advanced=False vs reference
    .venv/bin/python benchmarks/validate_bench.py big [--mb 50]           # memory and time on many violations

`compare` validates the shipped data, every tests/shapes fixture and every mutation batch of
tests/test_shapes.py twice: with pyshacl as the package ran it before issue 12 (ontology merged with
`+=`, shapes as written, `advanced=True`) and as it runs now (parsed once, property shapes lifted,
`advanced=False`, lean store, conformance-only nested shapes, constraints built once per shape), and
compares the (focus, path, component, severity, value, message) sets. Results go to
benchmarks/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVIDENCEKB = [sys.executable, "-m", "evidencekb"]


def run_process(argv: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Wall time, peak RSS (MiB, from /usr/bin/time -v when present) and the last output line."""
    timer = ["/usr/bin/time", "-v"] if Path("/usr/bin/time").exists() else []
    start = time.perf_counter()
    done = subprocess.run([*timer, *argv], cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    peak = 0
    for line in done.stderr.splitlines():
        if "Maximum resident set size" in line:
            peak = int(line.split(":")[1]) // 1024
    last = (done.stdout.strip().splitlines() or [""])[-1]
    return elapsed, peak, f"exit {done.returncode}: {last[:100]}"


def time_command(repeat: int, extra: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    for engine in ("pyshacl", "pyrudof"):
        runs = [run_process([*EVIDENCEKB, "validate", "--engine", engine, *extra], env) for _ in range(repeat)]
        times = [r[0] for r in runs]
        print(f"validate --engine {engine}: median {statistics.median(times):.2f} s "
              f"(min {min(times):.2f}, max {max(times):.2f}, n={repeat}), peak RSS {max(r[1] for r in runs)} MiB; "
              f"{runs[-1][2]}")


def compare() -> int:
    sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]
    import test_shapes as ts
    from pyshacl import validate as shacl_validate
    from rdflib import Graph

    from evidencekb.checks.shacl import RESULT_PATH, SEVERITIES, _pyshacl_path
    from evidencekb.checks.validate import _short, load_shapes, validate_graph
    from evidencekb.namespaces import SH
    from evidencekb.rdf.cache import project_data, project_ontology
    from evidencekb.rdf.turtle import load_graph

    ontology, shapes = project_ontology(), load_shapes()

    def reference(data: Graph) -> set[tuple[str, ...]]:
        merged = Graph()
        merged.namespace_manager = data.namespace_manager
        merged += ontology
        merged += data
        _, report, _ = shacl_validate(merged, shacl_graph=shapes, inference="none", advanced=True,
                                      allow_warnings=True)
        names = merged.namespace_manager
        keys = set()
        for r in report.objects(None, SH.result):
            path = report.value(r, SH.resultPath) or shapes.value(report.value(r, SH.sourceShape), RESULT_PATH)
            path = _pyshacl_path(path, report, shapes)  # [ sh:inversePath p ] as ^p, as the package reports it
            keys.add((_short(names, report.value(r, SH.focusNode)), _short(names, path) or "-",
                      _short(names, report.value(r, SH.sourceConstraintComponent)),
                      SEVERITIES[report.value(r, SH.resultSeverity)], _short(names, report.value(r, SH.value)),
                      " | ".join(sorted(str(m) for m in report.objects(r, SH.resultMessage)))))
        return keys

    def current(data: Graph) -> set[tuple[str, ...]]:
        return {(f.focus_node, f.path or "-", f.constraint, f.severity, f.value, f.message)
                for f in validate_graph(data, ontology, shapes, run_qc=False)}

    cases: list[tuple[str, Graph]] = [("shipped data", project_data())]
    fixtures = ROOT / "tests" / "shapes"
    for path in [fixtures / "valid-minimal.ttl", *ts.NEGATIVE]:
        cases.append((path.name, load_graph([fixtures / "valid-minimal.ttl", path])))
    data = project_data()
    for number, batch in enumerate(ts._batches(ts._mutations())):
        graph = ts._neighbourhood(data, {node for node, _, _ in batch})
        for node, kind, prop in batch:
            if kind == "delete":
                graph.remove((node, prop, None))
            else:
                for value in list(graph.objects(node, prop)):
                    graph.remove((node, prop, value))
                    graph.add((node, prop, ts._wrong(value)))
        cases.append((f"mutation batch {number} ({len(batch)} mutations)", graph))
    differ = 0
    results = 0
    for name, graph in cases:
        old, new = reference(graph), current(graph)
        results += len(old)
        if old != new:
            differ += 1
            print(f"DIFFERENT {name}: reference only {sorted(old - new)[:5]}; now only {sorted(new - old)[:5]}")
    print(f"{len(cases)} graphs compared ({results} results in the reference), {differ} differ")
    return 1 if differ else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    timing = sub.add_parser("time")
    timing.add_argument("--repeat", type=int, default=5)
    sub.add_parser("compare")
    big = sub.add_parser("big")
    big.add_argument("--mb", type=float, default=50)
    big.add_argument("--engine", default="pyshacl")
    args = parser.parse_args()
    if args.what == "time":
        time_command(args.repeat, [])
        return 0
    if args.what == "compare":
        return compare()
    from many_violations import write_file

    path = write_file(args.mb)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    elapsed, peak, last = run_process([*EVIDENCEKB, "validate", str(path), "--engine", args.engine], env)
    print(f"validate {path.name} ({path.stat().st_size / 1e6:.0f} MB) --engine {args.engine}: "
          f"{elapsed:.1f} s, peak RSS {peak} MiB; {last}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

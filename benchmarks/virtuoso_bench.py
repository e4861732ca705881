"""Load and the nine tables on Virtuoso beside Oxigraph, both as SPARQL servers, at ×1, ×10, ×100.

    .venv/bin/python benchmarks/virtuoso_bench.py --scales 1,10,100 --repeat 3

Each scale gets a FRESH server of each store: `oxigraph serve` on a temporary store and a Virtuoso from
`.ci/virtuoso-start` (Debian's virtuoso-opensource, stock settings), both stopped afterwards. The load is
what `evidencekb load` does after validating (`evidencekb.store.load.load_graph` at its default settings:
on Virtuoso the request size adapts, so the time includes the refused attempts); the tables are every
`evidencekb.tables.table_data` id, median of `--repeat` runs after one warm-up. The synthetic data is
`benchmarks/generate.py`'s (build/benchmarks/data-xN.nt). Prints a Markdown table; raw numbers go to
build/benchmarks/results-virtuoso-xN.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import OUT_DIR, generate  # noqa: E402
from run import Server, median_time  # noqa: E402

from evidencekb.errors import EvidenceKBError  # noqa: E402
from evidencekb.namespaces import DEFAULT_GRAPH  # noqa: E402
from evidencekb.rdf.turtle import load_ontology  # noqa: E402
from evidencekb.sparql.remote import RemoteEngine  # noqa: E402
from evidencekb.store.load import load_graph  # noqa: E402
from evidencekb.tables import TABLE_IDS, table_data  # noqa: E402

START = Path(__file__).resolve().parent.parent / ".ci" / "virtuoso-start"


def _virtuoso() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "EVIDENCEKB_VIRTUOSO_DIR"}
    out = subprocess.run([str(START)], env=env, check=True, capture_output=True, text=True).stdout
    return dict(line.removeprefix("export ").split("=", 1) for line in out.splitlines() if "=" in line)


def _stop_virtuoso(settings: dict[str, str]) -> None:
    subprocess.run([str(START), "stop", settings["EVIDENCEKB_VIRTUOSO_DIR"]], check=False)


def _measure(store: str, query: str, update: str, lines: list[str], repeat: int) -> dict[str, object]:
    started = time.perf_counter()
    def progress(message: str) -> None:  # timestamped, so a run stopped early still gives a partial figure
        print(f"[{store} {time.perf_counter() - started:7.1f} s] {message}", file=sys.stderr, flush=True)

    result = load_graph(query, update, lines, DEFAULT_GRAPH, timeout=1800, progress=progress)
    loaded = time.perf_counter() - started
    engine = RemoteEngine(query, DEFAULT_GRAPH, timeout=1800)
    failed: list[str] = []

    def all_tables() -> None:
        for table_id in TABLE_IDS:
            try:
                table_data(table_id, engine=engine)
            except EvidenceKBError as error:
                if table_id not in failed:
                    failed.append(f"{table_id}: {str(error)[:160]}")

    tables = median_time(all_tables, repeat, label=f"{store}: tables")
    return {
        "load s": loaded, "triples": result.triples, "requests": result.requests,
        "request bytes": result.request_bytes, "tables s": tables, "failed tables": failed,
    }


def run_scale(
    factor: int, repeat: int, stores: tuple[str, ...] = ("oxigraph", "virtuoso")
) -> dict[str, dict[str, object]]:
    ontology_nt = load_ontology().serialize(format="nt", encoding="utf-8").decode("utf-8")
    path = generate(factor)
    lines = ontology_nt.splitlines(keepends=True) + path.read_text(encoding="utf-8").splitlines(keepends=True)
    results: dict[str, dict[str, object]] = {}
    if "oxigraph" in stores:
        server = Server()
        try:
            results["oxigraph"] = _measure("oxigraph", f"{server.base}/query", f"{server.base}/update", lines, repeat)
        finally:
            server.stop()
    if "virtuoso" not in stores:
        return results
    settings = _virtuoso()
    try:
        url = settings["EVIDENCEKB_TEST_VIRTUOSO"]
        results["virtuoso"] = _measure("virtuoso", url, url, lines, repeat)
    finally:
        _stop_virtuoso(settings)
    return results


def to_markdown(all_results: dict[int, dict[str, dict[str, object]]]) -> str:
    scales = sorted(all_results)
    lines = ["| step | store | " + " | ".join(f"×{s}" for s in scales) + " |", "|---|---|" + "---|" * len(scales)]
    def cell(store: str, scale: int, key: str) -> str:
        value = all_results[scale].get(store, {}).get(key)
        if not isinstance(value, float):
            return "—"
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.1f} s"

    for store in [s for s in ("oxigraph", "virtuoso") if all(s in all_results[scale] for scale in scales)]:

        lines.append(f"| load (`load_graph`, default settings) | {store} | "
                     + " | ".join(cell(store, s, "load s") for s in scales) + " |")
        lines.append(f"| requests × size that worked | {store} | " + " | ".join(
            f"{all_results[s][store]['requests']} × {int(all_results[s][store]['request bytes']) // 1024:,} KiB"
            for s in scales) + " |")
        lines.append(f"| tables (all 9) | {store} | " + " | ".join(cell(store, s, "tables s") for s in scales) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="1,10,100")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stores", default="oxigraph,virtuoso", help="comma-separated: oxigraph, virtuoso")
    args = parser.parse_args(argv)
    all_results: dict[int, dict[str, dict[str, object]]] = {}
    for factor in (int(s) for s in args.scales.split(",")):
        all_results[factor] = run_scale(factor, args.repeat if factor < 100 else 1, tuple(args.stores.split(",")))
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        out = OUT_DIR / f"results-virtuoso-x{'-'.join(str(f) for f in all_results)}.json"
        out.write_text(json.dumps(all_results, indent=2), encoding="utf-8")
        print(to_markdown(all_results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmarks (on demand, not part of the test pass): how each step's time grows with the size of the graph.

For synthetic knowledge bases ×1, ×10, ×100 (and a sampled ×1000) made by benchmarks/generate.py,
measure on rdflib in memory, pyoxigraph in memory and an Oxigraph server (SPARQL Protocol over HTTP):
loading, validation, every table, `recommend` single and batch, the site build (on the rdflib graph) and
every named question. Prints Markdown tables of medians and writes build/benchmarks/results.json.

    .venv/bin/python benchmarks/run.py                       # ×1, ×10, ×100
    .venv/bin/python benchmarks/run.py --scales 1000 --engines oxigraph
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import OUT_DIR, base_ntriples, generate, iter_copies  # noqa: E402

from evidencekb.errors import EvidenceKBError  # noqa: E402
from evidencekb.namespaces import DEFAULT_GRAPH  # noqa: E402
from evidencekb.questions import questions  # noqa: E402
from evidencekb.rdf.turtle import load_ontology  # noqa: E402
from evidencekb.sparql.local import OxigraphEngine, RdflibEngine  # noqa: E402
from evidencekb.sparql.remote import RemoteEngine  # noqa: E402
from evidencekb.store.load import load_graph  # noqa: E402

GRAPH = DEFAULT_GRAPH
Results = dict[str, dict[str, float | str]]


def log(message: str) -> None:
    print(f"  {time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def median_time(step: Callable[[], object], repeat: int, warm_up: bool = True, label: str = "") -> float:
    """Median wall time of `repeat` runs (after one unmeasured warm-up run when repeat > 1)."""
    if label:
        log(label)
    if warm_up and repeat > 1:
        step()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def oxigraph_engine_from(text_chunks: list[str] | None, path: Path | None, ontology_nt: bytes) -> OxigraphEngine:
    """An OxigraphEngine loaded straight from N-Triples (no rdflib graph in between)."""
    store = ox.Store()
    store.bulk_load(ontology_nt, format=ox.RdfFormat.N_TRIPLES)
    if path is not None:
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    for chunk in text_chunks or []:
        store.bulk_load(chunk.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return OxigraphEngine(store)


class Server:
    """`oxigraph serve` on a free port with a temporary store.

    `preload` (N-Triples byte strings) is bulk-loaded into `GRAPH` with the offline `oxigraph load`
    before the server starts: the only practical way to fill the store at ×1000.
    """

    def __init__(self, preload: Iterable[bytes] | None = None) -> None:
        binary = Path(sys.executable).parent / "oxigraph"
        self.location = tempfile.mkdtemp(prefix="evidencekb-bench-")
        if preload is not None:
            loader = subprocess.Popen(
                [str(binary), "load", "--location", self.location, "--format", "nt", "--graph", GRAPH],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            assert loader.stdin is not None
            for text in preload:
                loader.stdin.write(text)
            loader.stdin.close()
            if loader.wait() != 0:
                raise RuntimeError(f"oxigraph load exited with code {loader.returncode}")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [str(binary), "serve", "--location", self.location, "--bind", f"127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{self.base}/query?query=ASK%7B%7D", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("oxigraph serve did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        shutil.rmtree(self.location, ignore_errors=True)


def run_steps(name: str, engine: object, repeat: int, results: Results, with_recommend_batch: bool = True) -> None:
    """Tables, questions, recommend on one engine."""
    from evidencekb.tables import TABLE_IDS, table_data

    def all_tables() -> None:
        for table_id in TABLE_IDS:
            try:
                table_data(table_id, engine=engine)
            except EvidenceKBError:
                pass  # a table whose data is not written yet: still timed (its queries ran)

    results.setdefault("tables (all 9)", {})[name] = median_time(all_tables, repeat, label=f"{name}: tables")
    for question in questions():
        text = question.path.read_text(encoding="utf-8")
        results.setdefault(f"question {question.name}", {})[name] = median_time(
            lambda text=text: engine.select(text), repeat, label=f"{name}: {question.name}"
        )
    results.setdefault("questions (all)", {})[name] = sum(
        results[f"question {q.name}"][name] for q in questions()  # type: ignore[misc]
    )
    run_recommend(name, engine, repeat, results, with_recommend_batch)


def run_recommend(name: str, engine: object, repeat: int, results: Results, with_batch: bool = True) -> None:
    """`recommend` for one patient (a fresh Recommender: its set-up queries included) and for 1,000."""
    try:
        from evidencekb.recommend.evaluate import Recommender
        from evidencekb.recommend.patient import parse_patient
    except ImportError as error:
        results.setdefault("recommend single", {})[name] = f"n/a: {error}"
        return
    patient = {
        "age": 62, "therapy": "car-t", "therapy_start": "2026-01-15", "assessment_date": "2026-03-01",
        "igg": {"value": 3.2, "unit": "g/L", "during_ig_substitution": False},
        "severe_or_recurrent_bacterial_infections": False, "immunoglobulin": {"status": "none"},
    }
    patients = [
        dict(patient, age=20 + i % 60, therapy="car-t" if i % 2 else "bispecific",
             igg={"value": 1 + (i % 80) / 10, "unit": "g/L", "during_ig_substitution": False},
             severe_or_recurrent_bacterial_infections=bool(i % 3 == 0))
        for i in range(1000)
    ]

    def single() -> None:
        recommender = Recommender(engine)
        recommender.evaluate([recommender.facts(parse_patient(patient))], "en")

    def batch() -> None:
        recommender = Recommender(engine)
        recommender.evaluate([recommender.facts(parse_patient(p)) for p in patients], "en")

    try:
        results.setdefault("recommend single", {})[name] = median_time(single, repeat, label=f"{name}: recommend")
        if not with_batch:
            results.setdefault("recommend batch (1,000 patients)", {})[name] = "not run (rdflib: patients × rules)"
            return
        results.setdefault("recommend batch (1,000 patients)", {})[name] = median_time(
            batch, max(1, repeat // 2), label=f"{name}: recommend batch"
        )
    except EvidenceKBError as error:
        results.setdefault("recommend single", {})[name] = f"n/a: {error}"


def run_site(graph: Graph, results: Results) -> None:
    try:
        import evidencekb.site.build as site
    except ImportError:
        results["site build"] = {"rdflib": "n/a: evidencekb.site.build not written yet"}
        return
    out = Path(tempfile.mkdtemp(prefix="evidencekb-bench-site-"))
    try:
        results["site build"] = {
            "default engine": median_time(lambda: site.build_site(out / "site", graph=graph), 1, label="site")
        }
    finally:
        shutil.rmtree(out, ignore_errors=True)


def run_scale(factor: int, engines: list[str], repeat: int) -> Results:
    results: Results = {}
    ontology = load_ontology()
    ontology_nt = ontology.serialize(format="nt", encoding="utf-8")
    sampled = factor >= 1000
    lines = base_ntriples()
    path = None if sampled else generate(factor, lines=lines)
    chunks = list(iter_copies(factor, lines)) if sampled else None
    results["data triples"] = {"all": float(factor * len(lines))}

    if "oxigraph" in engines:
        started = time.perf_counter()
        engine = oxigraph_engine_from(chunks, path, ontology_nt)
        results.setdefault("load / parse", {})["pyoxigraph"] = time.perf_counter() - started
        run_steps("pyoxigraph", engine, repeat, results)
        del engine

    graph = None
    if "rdflib" in engines and not sampled:
        started = time.perf_counter()
        data = Graph()
        data.parse(str(path), format="nt")
        graph = Graph()
        graph += ontology
        graph += data
        results.setdefault("load / parse", {})["rdflib"] = time.perf_counter() - started
        from evidencekb.checks.validate import validate_graph

        results["validate (SHACL + QC)"] = {
            "rdflib": median_time(lambda: validate_graph(data, ontology), 1, label="validate")
        }
        run_steps("rdflib", RdflibEngine(graph), max(1, repeat if factor < 100 else 1), results,
                  with_recommend_batch=factor < 10)
        run_site(graph, results)

    if "server" in engines and sampled:
        started = time.perf_counter()
        server = Server(preload=[ontology_nt, *(chunk.encode("utf-8") for chunk in chunks or [])])
        results.setdefault("load / parse", {})["server"] = (
            f"{time.perf_counter() - started:.0f} s (offline `oxigraph load`)"
        )
        try:
            run_steps("server", RemoteEngine(f"{server.base}/query", GRAPH, timeout=1800), repeat, results)
        finally:
            server.stop()

    if "server" in engines and not sampled:
        server = Server()
        try:
            # What `evidencekb load` does after validating: one SPARQL Update up to 32 MiB, else chunks
            # into a staging graph and one MOVE (×100 is ≈150 MB of N-Triples).
            lines = ontology_nt.decode("utf-8").splitlines(keepends=True)
            if path is not None:
                lines += path.read_text(encoding="utf-8").splitlines(keepends=True)
            started = time.perf_counter()
            load_graph(f"{server.base}/query", f"{server.base}/update", lines, GRAPH, timeout=1800)
            results.setdefault("load / parse", {})["server"] = time.perf_counter() - started
            run_steps("server", RemoteEngine(f"{server.base}/query", GRAPH, timeout=600), repeat, results)
        finally:
            server.stop()
    return results


def _graph_from(path: Path | None, ontology: Graph) -> Graph:
    graph = Graph()
    graph += ontology
    if path is not None:
        graph.parse(str(path), format="nt")
    return graph


def to_markdown(all_results: dict[int, Results]) -> str:
    scales = sorted(all_results)
    steps: list[str] = []
    for results in all_results.values():
        steps += [s for s in results if s not in steps]
    engines = ["pyoxigraph", "rdflib", "server", "default engine", "all"]
    lines = ["| step | engine | " + " | ".join(f"×{s}" for s in scales) + " | growth ×1→×max |",
             "|---|---|" + "---|" * len(scales) + "---|"]
    for step in steps:
        for engine in engines:
            cells = [all_results[s].get(step, {}).get(engine) for s in scales]
            if all(c is None for c in cells):
                continue
            numbers = [c for c in cells if isinstance(c, float)]
            growth = f"{numbers[-1] / numbers[0]:.0f}×" if len(numbers) > 1 and numbers[0] > 0 else ""
            lines.append(f"| {step} | {engine} | " + " | ".join(_cell(c, step) for c in cells) + f" | {growth} |")
    return "\n".join(lines)


def _cell(value: float | str | None, step: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if step == "data triples":
        return f"{value:,.0f}"
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="1,10,100", help="comma-separated factors (default 1,10,100)")
    parser.add_argument("--engines", default="oxigraph,rdflib,server")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (median); ×100+ use fewer")
    args = parser.parse_args(argv)
    engines = args.engines.split(",")
    all_results: dict[int, Results] = {}
    for factor in (int(s) for s in args.scales.split(",")):
        started = time.perf_counter()
        repeat = args.repeat if factor < 100 else max(1, min(args.repeat, 3))
        all_results[factor] = run_scale(factor, engines, repeat)
        print(f"×{factor} done in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        _write(all_results, engines)  # after every scale, so a long run that is stopped keeps what it measured
    print(to_markdown(all_results))
    return 0


def _write(all_results: dict[int, Results], engines: list[str]) -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stem = f"results-{'-'.join(engines)}-x{'-'.join(str(factor) for factor in all_results)}"
    for suffix, text in ((".json", json.dumps(all_results, indent=2)), (".md", to_markdown(all_results))):
        out = OUT_DIR / (stem + suffix)
        tmp = out.with_suffix(suffix + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out)


if __name__ == "__main__":
    sys.exit(main())

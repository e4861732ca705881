"""Benchmark `evidencekb recommend`: 10,000 batch patients and single-call latency.

Run: .venv/bin/python benchmarks/recommend_bench.py [--patients 10000] [--write]
`--write` updates the results table in benchmarks/README-recommend.md. Patients are random but
seeded (reproducible), JSON Lines in a temporary folder; the batch goes through the public
`recommend_batch` (parse, validate, two SPARQL queries per chunk of 2,500 patients, atomic write).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

THERAPIES = ["car-t", "bispecific", "axi-cel", "Carvykti", "teclistamab", "ciltacabtagene autoleucel", "Tecvayli"]
README = Path(__file__).with_name("README-recommend.md")


def random_patient(rng: random.Random) -> dict:
    start = date(2025, 1, 1) + timedelta(days=rng.randrange(0, 700))
    assessed = start + timedelta(days=rng.randrange(0, 500))
    unit = rng.choice(["g/L", "g/L", "mg/dL"])
    value = round(rng.uniform(0.5, 12.0), 1)
    ig: dict = {"status": "none"}
    if rng.random() < 0.3:
        ig_start = start + timedelta(days=rng.randrange(-60, (assessed - start).days + 1))
        ig_start = min(ig_start, assessed)
        ig = {"status": "ongoing", "start_date": ig_start.isoformat(),
              "started_before_therapy": ig_start < start,
              "start_basis": rng.choice(["igg-below-4", "infections"])}
    return {
        "age": rng.randrange(5, 90),
        "therapy": rng.choice(THERAPIES),
        "therapy_start": start.isoformat(),
        "assessment_date": assessed.isoformat(),
        "igg": {"value": value * 100 if unit == "mg/dL" else value, "unit": unit,
                "during_ig_substitution": ig["status"] == "ongoing"},
        "severe_or_recurrent_bacterial_infections": rng.random() < 0.3,
        "immunoglobulin": ig,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()

    t0 = time.perf_counter()
    from evidencekb.recommend.batch import recommend_batch
    from evidencekb.recommend.evaluate import recommend_data, recommender

    recommender()  # parse the knowledge base and build the Oxigraph store once
    setup = time.perf_counter() - t0

    rng = random.Random(4)
    with tempfile.TemporaryDirectory() as tmp:
        batch = Path(tmp) / "patients.jsonl"
        out = Path(tmp) / "result.jsonl"
        batch.write_text("".join(json.dumps(random_patient(rng)) + "\n" for _ in range(args.patients)))
        t1 = time.perf_counter()
        code = recommend_batch(batch, out)
        batch_seconds = time.perf_counter() - t1
        lines = out.read_text().splitlines()
        assert len(lines) == args.patients, "every patient must have an output line"
        errors = sum(1 for line in lines if "error" in json.loads(line))

    single = [random_patient(rng) for _ in range(200)]
    for patient in single[:20]:
        recommend_data(patient)  # warm-up (therapy and rule caches)
    latencies = []
    for patient in single:
        t = time.perf_counter()
        recommend_data(patient)
        latencies.append((time.perf_counter() - t) * 1000)
    latencies.sort()
    result = {
        "patients": args.patients,
        "batch_seconds": round(batch_seconds, 2),
        "per_patient_ms": round(batch_seconds * 1000 / args.patients, 3),
        "exit_code": code,
        "row_errors": errors,
        "setup_seconds": round(setup, 2),
        "single_median_ms": round(statistics.median(latencies), 2),
        "single_p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 2),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    print(json.dumps(result, indent=2))
    if args.write:
        write_readme(result)


def write_readme(result: dict) -> None:
    text = README.read_text(encoding="utf-8")
    marker = "<!-- results -->"
    head = text.split(marker)[0]
    table = (
        f"{marker}\n| measured | value |\n|---|---|\n"
        f"| batch of {result['patients']:,} patients (JSON Lines → JSON Lines) | {result['batch_seconds']} s "
        f"({result['per_patient_ms']} ms per patient) |\n"
        f"| rows failing validation (expected: the generator's few inconsistent rows) | {result['row_errors']} |\n"
        f"| one-off setup (parse the knowledge base, build the store) | {result['setup_seconds']} s |\n"
        f"| single call `recommend_data`, median / p95 | {result['single_median_ms']} ms / "
        f"{result['single_p95_ms']} ms |\n"
        f"| machine | {result['cpus']} cores, Python {result['python']} |\n"
    )
    tmp = README.with_suffix(".md.tmp")
    tmp.write_text(head + table, encoding="utf-8")
    os.replace(tmp, README)


if __name__ == "__main__":
    main()

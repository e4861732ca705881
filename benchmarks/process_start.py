"""Benchmark whole `evidencekb` processes: start-up, loading the knowledge base, one answer.

Run: .venv/bin/python benchmarks/process_start.py [--repeat 7] [--src DIR ...] [--only build ...]
Each command runs `--repeat` times as a fresh process (`python -m evidencekb …`, one warm-up first);
the median wall-clock time is printed as a Markdown table. Give several `--src` folders (e.g. this
tree's `src` and another checkout's) to compare versions on the same machine in the same minutes.
Each cell gives the median wall time and, in brackets, the median CPU time (user + sys of the process:
less sensitive to other load on the machine). Processes run with bytecode caching on, as an installed
package does (PYTHONDONTWRITEBYTECODE is dropped from the environment: otherwise every run compiles
the package's modules again). Each cell also says whether the process imported rdflib (≈0.14 s of
start-up on a quiet machine; only commands that run pyshacl or work on rdflib graphs should). Also
prints where import time goes (`python -X importtime`, top entries by cumulative time) for the first
command, so a slow start can be traced to the module that causes it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATIENT = {
    "age": 62, "therapy": "car-t", "therapy_start": "2026-01-15", "assessment_date": "2026-03-01",
    "igg": {"value": 3.2, "unit": "g/L", "during_ig_substitution": False},
    "severe_or_recurrent_bacterial_infections": False, "immunoglobulin": {"status": "none"},
}


def commands(patient: Path) -> dict[str, list[str]]:
    return {
        "recommend patient.json": ["recommend", str(patient)],
        "table 3-1": ["table", "3-1"],
        "query high-quality-routine-bispecific": ["query", "high-quality-routine-bispecific"],
        "--help": ["--help"],
        "validate": ["validate"],
        "export --format turtle": ["export", "--format", "turtle"],
        "build": ["build", "--out", str(patient.parent / "site")],
    }


def _env(src: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_once(src: Path, argv: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + sys) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "evidencekb", *argv], cwd=ROOT, env=_env(src), check=True,
                   stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def import_lines(src: Path, argv: list[str]) -> list[str]:
    env = _env(src)
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "evidencekb", *argv], cwd=ROOT, env=env,
                          check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return done.stderr.splitlines()


def imports_rdflib(src: Path, argv: list[str]) -> bool:
    return any(line.rsplit("|", 1)[-1].strip() == "rdflib" for line in import_lines(src, argv) if "|" in line)


def import_profile(src: Path, argv: list[str], top: int = 12) -> list[tuple[int, str]]:
    entries = []
    for line in import_lines(src, argv):
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line.split("|")
            if cumulative.strip().isdigit():
                entries.append((int(cumulative), name.rstrip()))
    return sorted(entries, reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--src", type=Path, action="append", help="package source folder(s) (default: ./src)")
    parser.add_argument("--only", action="append", metavar="COMMAND",
                        help="measure only these commands (e.g. --only build --only validate; default: all)")
    args = parser.parse_args()
    sources = [s.resolve() for s in (args.src or [ROOT / "src"])]
    with tempfile.TemporaryDirectory() as folder:
        patient = Path(folder) / "patient.json"
        patient.write_text(json.dumps(PATIENT), encoding="utf-8")
        print(f"load average before: {os.getloadavg()[0]:.1f}")
        print("| command | " + " | ".join(str(s) for s in sources) + " |")
        print("|---|" + "---|" * len(sources))
        for label, argv in commands(patient).items():
            if args.only and label not in args.only:
                continue
            cells = []
            for src in sources:
                run_once(src, argv)  # warm-up (file cache, .pyc)
                runs = [run_once(src, argv) for _ in range(args.repeat)]
                wall = statistics.median(r[0] for r in runs)
                cpu = statistics.median(r[1] for r in runs)
                cells.append(f"{wall:.3f} s [{cpu:.3f} s CPU]" + (" (rdflib)" if imports_rdflib(src, argv) else ""))
            print(f"| `evidencekb {label}` | " + " | ".join(cells) + " |")
        print(f"load average after: {os.getloadavg()[0]:.1f}")
        print(f"\nimport time (cumulative µs) of `evidencekb recommend patient.json`, {sources[0]}:")
        for micros, name in import_profile(sources[0], ["recommend", str(patient)]):
            print(f"  {micros:>8}  {name}")


if __name__ == "__main__":
    main()

"""Outputs are byte-identical across runs on unchanged data (issue 18 §5).

Every command, and the site's generated Markdown, runs in two separate processes with different hash
seeds, so any output that follows Python's set or dict order of strings, or rdflib's blank-node labels,
shows up as a difference. One process per seed runs all of them (each command through the CLI's `main`,
its standard output captured to a file): the knowledge base is parsed twice, not twenty times.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = [
    ["audit"],
    ["audit", "--format", "json"],
    ["export", "--format", "turtle"],
    ["export", "--format", "jsonld"],
    ["export", "--format", "ntriples"],
    ["table", "3-1", "--format", "json"],
    ["table", "3-2", "--format", "markdown"],
    ["table", "8-2", "--format", "csv"],
    ["query", "high-quality-routine-bispecific", "--format", "csv"],
]

#: run in a fresh process: argv[1] the output folder, argv[2] the commands (JSON). Each command's standard
#: output goes to commands/<n>.out, its exit code to commands/<n>.rc; then the site's docs of every language.
SCRIPT = """
import io, json, sys
from pathlib import Path
from evidencekb.cli import main
from evidencekb.rdf.cache import knowledge_base
from evidencekb.site.build import LANGUAGES, generate_docs
out = Path(sys.argv[1])
(out / "commands").mkdir(parents=True)
real = sys.stdout
for number, arguments in enumerate(json.loads(sys.argv[2])):
    with open(out / "commands" / f"{number}.out", "wb") as raw:
        sys.stdout = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
        try:
            code = main(arguments)
        finally:
            sys.stdout.flush()
            sys.stdout.detach()
            sys.stdout = real
    (out / "commands" / f"{number}.rc").write_text(str(code))
graph = knowledge_base()
for lang in LANGUAGES:
    generate_docs(out / "site" / lang, graph, lang)
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The outputs of the two processes (hash seeds 1 and 2, run side by side)."""
    folder = tmp_path_factory.mktemp("deterministic")
    started = []
    try:
        for seed, name in (("1", "first"), ("2", "second")):
            environment = {**os.environ, "PYTHONHASHSEED": seed}
            command = [sys.executable, "-c", SCRIPT, str(folder / name), json.dumps(COMMANDS)]
            with open(folder / f"{name}.stderr", "wb") as errors:
                started.append((seed, name, subprocess.Popen(command, cwd=ROOT, env=environment,
                                                             stdout=subprocess.DEVNULL, stderr=errors)))
        for seed, name, process in started:
            process.wait(timeout=1200)
            errors = (folder / f"{name}.stderr").read_text(encoding="utf-8", errors="replace")
            assert process.returncode == 0, f"the run with PYTHONHASHSEED={seed} failed:\n{errors[-3000:]}"
    finally:
        for _, _, process in started:
            if process.poll() is None:
                process.kill()
                process.wait()
    return folder / "first", folder / "second"


@pytest.mark.parametrize("number", range(len(COMMANDS)), ids=[" ".join(c) for c in COMMANDS])
def test_two_runs_are_byte_identical(runs: tuple[Path, Path], number: int) -> None:
    arguments = COMMANDS[number]
    outputs = []
    for run in runs:
        assert (run / "commands" / f"{number}.rc").read_text() == "0", f"evidencekb {' '.join(arguments)} failed"
        outputs.append((run / "commands" / f"{number}.out").read_bytes())
    first, second = outputs
    assert first, "the command printed nothing"
    assert first == second, f"evidencekb {' '.join(arguments)} differs between two runs on unchanged data"


# --- the site's generated Markdown (issue 18 §5) ---------------------------------------------------


def _site_files(folder: Path) -> dict[str, bytes]:
    """Every generated file of the docs folders (pages, page map, downloads), without the copied assets."""
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file() and "vendor" not in path.relative_to(folder).parts}


def test_site_markdown_is_byte_identical(runs: tuple[Path, Path]) -> None:
    first, second = (_site_files(run / "site") for run in runs)
    pages = [name for name in first if name.endswith(".md")]
    assert len(pages) > 50 and "da/index.md" in pages and "en/cite.md" in pages, sorted(first)[:20]
    assert sorted(first) == sorted(second), "the two builds generated different files"
    differing = [name for name in first if first[name] != second[name]]
    details = []
    for name in differing[:5]:
        a, b = first[name].decode("utf-8", "replace").splitlines(), second[name].decode("utf-8", "replace").splitlines()
        line = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
        details.append(f"{name}:{line + 1}: {a[line][:160] if line < len(a) else ''!r} != "
                       f"{b[line][:160] if line < len(b) else ''!r}")
    assert not differing, "site files differ between two builds on unchanged data:\n" + "\n".join(details)

"""Outputs are byte-identical across runs on unchanged data (issue 18 §5).

Each command runs twice as a separate process with a different hash seed, so any output that follows
Python's set or dict order of strings, or rdflib's blank-node labels, shows up as a difference.
"""

from __future__ import annotations

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


def _run(arguments: list[str], seed: str) -> bytes:
    environment = {**os.environ, "PYTHONHASHSEED": seed}
    command = [sys.executable, "-m", "evidencekb", *arguments]
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, check=True, timeout=300).stdout


@pytest.mark.parametrize("arguments", COMMANDS, ids=" ".join)
def test_two_runs_are_byte_identical(arguments: list[str]) -> None:
    first, second = _run(arguments, "1"), _run(arguments, "2")
    assert first, "the command printed nothing"
    assert first == second, f"evidencekb {' '.join(arguments)} differs between two runs on unchanged data"


# --- the site's generated Markdown (issue 18 §5) ---------------------------------------------------

SITE_SCRIPT = """
import sys
from pathlib import Path
from evidencekb.rdf.cache import knowledge_base
from evidencekb.site.build import LANGUAGES, generate_docs
graph = knowledge_base()
for lang in LANGUAGES:
    generate_docs(Path(sys.argv[1]) / lang, graph, lang)
"""


def _site_files(folder: Path) -> dict[str, bytes]:
    """Every generated file of the docs folders (pages, page map, downloads), without the copied assets."""
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file() and "vendor" not in path.relative_to(folder).parts}


def _generate_site(out: Path, seed: str) -> dict[str, bytes]:
    environment = {**os.environ, "PYTHONHASHSEED": seed}
    subprocess.run([sys.executable, "-c", SITE_SCRIPT, str(out)], cwd=ROOT, env=environment, capture_output=True,
                   check=True, timeout=600)
    return _site_files(out)


def test_site_markdown_is_byte_identical(tmp_path: Path) -> None:
    first, second = _generate_site(tmp_path / "first", "1"), _generate_site(tmp_path / "second", "2")
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

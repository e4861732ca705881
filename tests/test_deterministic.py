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

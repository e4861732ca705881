"""The QC queries run in a forked child while `validate` checks the shapes (checks/qc.py `QcInBackground`):
the rows are those of running the queries in the process itself, also when the child fails, and a child
whose rows are not wanted is stopped."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from evidencekb import project
from evidencekb.checks import qc
from evidencekb.checks.dataset import Dataset, load_dataset, turtle_files

TESTS = Path(__file__).parent


def dataset() -> Dataset:
    """Ontology + valid-minimal + every QC fixture: rows from most rules, file names, literals of all kinds."""
    files = [TESTS / "shapes" / "valid-minimal.ttl", *sorted((TESTS / "qc").glob("*-fires.ttl"))]
    return load_dataset(turtle_files([project.current().ontology]).turtle, files)


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> None:
    if not hasattr(os, "fork"):
        pytest.skip("no os.fork here: the QC queries always run in the process itself")
    monkeypatch.setattr(qc, "_may_fork", lambda: True)  # also under pytest-xdist (a threaded worker)


def test_rows_from_the_child_are_the_rows_run_here(forking: None) -> None:
    data = dataset()
    expected = list(qc.qc_rows(data))
    assert len({rule for rule, _, _ in expected}) >= 10, "the fixtures should make most rules fire"
    with qc.QcInBackground(data) as background:
        assert background._pid, "the queries should run in a child process"
        assert background.rows() == expected


def test_a_failing_child_is_replaced_by_the_queries_run_here(forking: None, monkeypatch: pytest.MonkeyPatch) -> None:
    data = dataset()
    expected = list(qc.qc_rows(data))

    def fail(term: object) -> None:
        raise TypeError("a term the pipe cannot carry")

    monkeypatch.setattr(qc, "_portable", fail)  # the child fails; the parent never calls it
    with qc.QcInBackground(data) as background:
        assert background._pid
        assert background.rows() == expected


def test_an_unwanted_child_is_stopped(forking: None) -> None:
    background = qc.QcInBackground(dataset())
    pid = background._pid
    assert pid
    background.close()
    with pytest.raises(ChildProcessError):  # reaped: no zombie left
        os.waitpid(pid, os.WNOHANG)


def test_without_fork_the_queries_run_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(qc.NO_FORK, "1")
    data = dataset()
    with qc.QcInBackground(data) as background:
        assert not background._pid
        assert background.rows() == list(qc.qc_rows(data))

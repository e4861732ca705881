"""The QC queries run as a parallel job while `validate` checks the shapes (checks/qc.py `QcInBackground`):
the rows are those of running the queries in the process itself, a query's error is raised in the caller,
and a job whose rows are not wanted is stopped."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidencekb import parallel, project
from evidencekb.checks import qc
from evidencekb.checks.dataset import Dataset, load_dataset, turtle_files

TESTS = Path(__file__).parent


def dataset() -> Dataset:
    """Ontology + valid-minimal + every QC fixture: rows from most rules, file names, literals of all kinds."""
    files = [TESTS / "shapes" / "valid-minimal.ttl", *sorted((TESTS / "qc").glob("*-fires.ttl"))]
    return load_dataset(turtle_files([project.current().ontology]).turtle, files)


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> None:
    if "fork" not in parallel.multiprocessing.get_all_start_methods():
        pytest.skip("no fork here: the QC queries always run in the process itself")
    monkeypatch.setattr(parallel, "in_parallel", lambda: True)  # whatever the machine's CPUs


def test_rows_from_the_child_are_the_rows_run_here(forking: None) -> None:
    data = dataset()
    expected = list(qc.qc_rows(data))
    assert len({rule for rule, _, _ in expected}) >= 10, "the fixtures should make most rules fire"
    with qc.QcInBackground(data) as background:
        assert background._job._process is not None, "the queries should run in a child process"
        assert background.rows() == expected


def test_a_query_error_in_the_child_is_raised_here(forking: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(dataset: Dataset) -> None:
        raise ValueError("a query that cannot be answered")

    monkeypatch.setattr(qc, "_solutions", fail)
    with qc.QcInBackground(dataset()) as background, pytest.raises(ValueError, match="cannot be answered"):
        background.rows()


def test_an_unwanted_job_is_stopped(forking: None) -> None:
    background = qc.QcInBackground(dataset())
    process = background._job._process
    assert process is not None
    background.close()
    assert not process.is_alive() and process.exitcode is not None


def test_one_job_at_a_time_runs_the_queries_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.JOBS_VARIABLE, "1")
    data = dataset()
    with qc.QcInBackground(data) as background:
        assert background._job._process is None
        assert background.rows() == list(qc.qc_rows(data))

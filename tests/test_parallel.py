"""Jobs side by side (`evidencekb.parallel`), and `build` publishing the site only when validation passes."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from evidencekb import parallel
from evidencekb.cli import main
from evidencekb.errors import EvidenceKBError, InputError
from evidencekb.site.outdir import MARKER

ROOT = Path(__file__).resolve().parents[1]


def test_results_come_back_in_order_from_other_processes() -> None:
    here = os.getpid()
    answers = parallel.run_all([(f"job {n}", lambda n=n: (n * n, os.getpid())) for n in range(3)])
    assert [square for square, _ in answers] == [0, 1, 4]
    assert all(pid != here for _, pid in answers), "each job ran in a forked child"


def test_one_job_at_a_time_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.JOBS_VARIABLE, "1")
    assert parallel.run_all([("pid", os.getpid)]) == [os.getpid()]


@pytest.mark.parametrize("setting", ["0", "two", "-1"])
def test_a_bad_job_count_is_an_input_error(setting: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.JOBS_VARIABLE, setting)
    with pytest.raises(InputError, match=parallel.JOBS_VARIABLE):
        parallel.run_all([("nothing", lambda: None)])


def _refuse() -> None:
    raise InputError("data/x.ttl:3: bad value")


def test_a_job_error_is_raised_in_the_caller_with_its_type(tmp_path: Path) -> None:
    marker = tmp_path / "slow-job-ended"

    def slow() -> None:
        threading.Event().wait(0.5)
        marker.write_text("done", encoding="utf-8")

    with pytest.raises(InputError, match="data/x.ttl:3") as caught:
        parallel.run_all([("fails", _refuse), ("slow", slow)])
    assert caught.value.exit_code == 2
    assert marker.is_file(), "the other jobs end before the error is raised"
    assert any("_refuse" in note for note in caught.value.__notes__), "the child's traceback is attached"


def test_an_error_that_does_not_pickle_still_comes_back() -> None:
    class Local(Exception):  # defined in a function: pickle cannot find it
        pass

    def fail() -> None:
        raise Local("odd")

    with pytest.raises(EvidenceKBError, match="Local: odd"):
        parallel.run_all([("odd", fail)])


def test_a_job_that_dies_is_reported() -> None:
    with pytest.raises(EvidenceKBError, match=r"ended without an answer \(exit code 7\)"):
        parallel.run_all([("dies", lambda: os._exit(7))])


# --- build: the site is published only when the data conforms -----------------------------------


@pytest.fixture
def invalid_project(tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    for folder in ("data", "ontology", "queries", "validators", "site"):
        shutil.copytree(ROOT / folder, copy / folder, symlinks=True, ignore=shutil.ignore_patterns("node_modules"))
    with (copy / "data" / "council.ttl").open("a", encoding="utf-8") as data:
        data.write("\nkb:addendum ekb:stop \"not a criterion\" .\n")  # an undeclared property: a violation
    return copy


def test_build_does_not_publish_when_validation_fails(invalid_project: Path, stub_build: None,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = invalid_project / "published"
    out.mkdir()
    (out / MARKER).write_text("", encoding="utf-8")
    (out / "index.html").write_text("old site", encoding="utf-8")
    assert main(["build", "--project", str(invalid_project), "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert "VIOLATION: kb:addendum  ekb:stop" in captured.out, captured.out
    assert "fix the violations" in captured.err
    assert (out / "index.html").read_text(encoding="utf-8") == "old site", "the old site stays in place"
    assert sorted(p.name for p in invalid_project.iterdir() if p.name.startswith(".")) == [], "no work folder left"


def test_a_job_may_start_jobs_of_its_own() -> None:
    def outer() -> list[int]:
        return parallel.run_all([("inner", lambda: 2), ("inner 2", lambda: 3)])

    assert parallel.run_all([("outer", outer)]) == [[2, 3]]


def test_a_result_that_does_not_pickle_is_an_error_that_says_so() -> None:
    with pytest.raises(EvidenceKBError, match=r"its result \(a generator\) cannot be sent back"):
        parallel.run_all([("generator", lambda: (n for n in range(3)))])

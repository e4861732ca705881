"""Run a command's independent jobs side by side, in processes forked from this one.

`evidencekb build` has jobs that share nothing once the knowledge base is loaded: pyshacl's validation
and each language's pages and MkDocs build. Where the `fork` start method exists (Linux), each job runs
in a child forked from this process: the loaded store, the imports and the results computed so far are
inherited, not redone, and the job's callable is never pickled (closures are fine). Only its result
comes back, pickled. Elsewhere, or with `EVIDENCEKB_JOBS=1`, a job runs when it is started, in this
process, and gives the same result.

An exception in a job is raised again by `Job.result()` in the caller, with the child's traceback
attached as a note (shown by `--debug`).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Generic, TypeVar

from evidencekb.errors import EvidenceKBError, InputError

T = TypeVar("T")
JOBS_VARIABLE = "EVIDENCEKB_JOBS"


def in_parallel() -> bool:
    """Whether jobs run side by side: yes with more than one CPU and `fork`, unless $EVIDENCEKB_JOBS=1."""
    setting = os.environ.get(JOBS_VARIABLE, "").strip()
    if setting and (not setting.isdigit() or int(setting) < 1):
        raise InputError(f"{JOBS_VARIABLE}={setting!r}: give 1 to run jobs one after the other, or more to allow "
                         "parallel jobs")
    slots = int(setting) if setting else (os.cpu_count() or 1)
    return slots > 1 and "fork" in multiprocessing.get_all_start_methods()


def _run_child(job: Callable[[], object], connection: Connection) -> None:
    try:
        answer: tuple[str, object, str] = ("ok", job(), "")
    except BaseException as error:  # noqa: BLE001 - every failure goes back to the parent
        answer = ("error", error, traceback.format_exc())
    try:
        connection.send(answer)
    except (pickle.PicklingError, TypeError, AttributeError):  # a result or an exception that does not pickle
        kind, value, trace = answer
        problem = f"{type(value).__name__}: {value}" if kind == "error" else (
            f"its result (a {type(value).__name__}) cannot be sent back from the child process")
        connection.send(("error", EvidenceKBError(problem), trace))
    finally:
        connection.close()


class Job(Generic[T]):
    """One job started by `start`; `result()` waits for it."""

    def __init__(self, job: Callable[[], T], label: str) -> None:
        self.label = label
        self._process: multiprocessing.process.BaseProcess | None = None
        self._answer: tuple[str, object, str] | None = None
        if not in_parallel():
            try:
                self._answer = ("ok", job(), "")
            except Exception as error:  # raised again by result(), like a forked job's
                self._answer = ("error", error, "")
            return
        context = multiprocessing.get_context("fork")
        receiving, sending = context.Pipe(duplex=False)
        self._process = context.Process(target=_run_child, args=(job, sending), name=label)
        self._process.start()
        sending.close()
        self._connection = receiving

    def result(self) -> T:
        """The job's result; its exception raised here if it failed."""
        if self._answer is None:
            self._answer = self._receive()
        kind, value, trace = self._answer
        if kind == "error":
            assert isinstance(value, BaseException)
            if trace and not any(trace in note for note in getattr(value, "__notes__", [])):
                value.add_note(f"in the parallel job {self.label!r}:\n{trace}")
            raise value
        return value  # type: ignore[return-value]

    def _receive(self) -> tuple[str, object, str]:
        assert self._process is not None
        try:
            answer = self._connection.recv()
        except EOFError:
            self._process.join()
            answer = ("error", EvidenceKBError(
                f"the parallel job {self.label!r} ended without an answer (exit code {self._process.exitcode}); "
                f"run again with {JOBS_VARIABLE}=1 to run it in this process"), "")
        finally:
            self._connection.close()
        self._process.join()
        return answer

    def stop(self) -> None:
        """End the job if it still runs (after an error or an interrupt elsewhere)."""
        if self._process is not None and self._process.is_alive():
            self._process.terminate()
            self._process.join()


def start(job: Callable[[], T], label: str) -> Job[T]:
    """Start `job` in a forked child (or run it now, where jobs do not run in parallel)."""
    return Job(job, label)


def run_all(jobs: Sequence[tuple[str, Callable[[], T]]]) -> list[T]:
    """Run the (label, job) pairs side by side; their results in order. Every job ends before this
    returns or raises; the first failure (in order) is raised."""
    started = [start(job, label) for label, job in jobs]
    try:
        outcomes: list[tuple[bool, object]] = []
        for job in started:
            try:
                outcomes.append((True, job.result()))
            except Exception as error:  # wait for the other jobs before raising
                outcomes.append((False, error))
    finally:
        for job in started:
            job.stop()
    for ok, value in outcomes:
        if not ok:
            assert isinstance(value, BaseException)
            raise value
    return [value for _, value in outcomes]  # type: ignore[misc]

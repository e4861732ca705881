"""Fixtures for the SPARQL endpoint tests: an Oxigraph server for the session, loaded once.

Uses $EVIDENCEKB_TEST_ENDPOINT (a base URL such as http://127.0.0.1:7878, with /query and /update)
when set — `.ci/run` starts one — else starts `oxigraph serve` from the virtualenv on a free port
with a temporary store, and stops it at the end of the session.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Endpoint:
    base: str

    @property
    def query(self) -> str:
        return f"{self.base}/query"

    @property
    def update(self) -> str:
        return f"{self.base}/update"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _oxigraph_binary() -> str | None:
    beside_python = Path(sys.executable).parent / "oxigraph"
    if beside_python.is_file():
        return str(beside_python)
    return shutil.which("oxigraph")


def _wait_until_up(base: str, process: subprocess.Popen | None, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"oxigraph serve exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/query?query=ASK%7B%7D", timeout=1) as response:
                response.read()
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise RuntimeError(f"no SPARQL endpoint answered at {base} within {seconds:g} s")


@pytest.fixture(scope="session")
def sparql_server() -> Iterator[Endpoint]:
    """A running Oxigraph server (given by the environment or started here)."""
    given = os.environ.get("EVIDENCEKB_TEST_ENDPOINT")
    if given:
        endpoint = Endpoint(given.rstrip("/"))
        _wait_until_up(endpoint.base, None)
        yield endpoint
        return
    binary = _oxigraph_binary()
    if binary is None:
        pytest.fail("no Oxigraph server: set EVIDENCEKB_TEST_ENDPOINT or install the `oxigraph` package (make install)")
    location = tempfile.mkdtemp(prefix="evidencekb-oxigraph-")
    endpoint = Endpoint(f"http://127.0.0.1:{free_port()}")
    process = subprocess.Popen(
        [binary, "serve", "--location", location, "--bind", endpoint.base.removeprefix("http://")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(endpoint.base, process)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(location, ignore_errors=True)


@pytest.fixture(scope="session")
def loaded_endpoint(sparql_server: Endpoint) -> Endpoint:
    """The server with the knowledge base loaded into the default named graph by `load_endpoint`."""
    from evidencekb.pipeline import load_validated as load_endpoint

    load_endpoint(sparql_server.query, sparql_server.update)
    return sparql_server

"""Fixtures for the SPARQL endpoint tests: every store of the parity suite, each loaded once a session.

The endpoint tests run on each store in `STORES` (test ids `[oxigraph]`, `[virtuoso]`):

* **oxigraph** — $EVIDENCEKB_TEST_ENDPOINT (a base URL such as http://127.0.0.1:7878, queries at /query,
  updates at /update) when set — `.ci/run` starts one — else `oxigraph serve` from the virtualenv on a
  free port with a temporary store, stopped at the end of the session.
* **virtuoso** — $EVIDENCEKB_TEST_VIRTUOSO (Virtuoso's /sparql URL: queries AND updates), started by
  `.ci/virtuoso-start`; the digest-protected /sparql-auth beside it is used with $EVIDENCEKB_TEST_VIRTUOSO_USER
  and $EVIDENCEKB_TEST_VIRTUOSO_PASSWORD. Skipped when the variable is missing, unless
  $EVIDENCEKB_REQUIRE_VIRTUOSO=1 (CI sets it): then a missing server fails the tests.
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
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

STORES = ("oxigraph", "virtuoso")


@dataclass(frozen=True)
class Endpoint:
    """One store's SPARQL endpoints (query and update URL may be the same) and, where it has one, the URL
    that asks for a user and password (`auth`, HTTP digest on Virtuoso)."""

    store: str
    query: str
    update: str
    auth: str | None = None
    user: str | None = None
    password: str | None = None

    @property
    def base(self) -> str:
        parts = urllib.parse.urlsplit(self.query)
        return f"{parts.scheme}://{parts.netloc}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _oxigraph_binary() -> str | None:
    beside_python = Path(sys.executable).parent / "oxigraph"
    if beside_python.is_file():
        return str(beside_python)
    return shutil.which("oxigraph")


def _wait_until_up(query_url: str, process: subprocess.Popen | None, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the SPARQL server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{query_url}?query=ASK%7B%7D", timeout=2) as response:
                response.read()
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise RuntimeError(f"no SPARQL endpoint answered at {query_url} within {seconds:g} s")


def _oxigraph() -> Iterator[Endpoint]:
    given = os.environ.get("EVIDENCEKB_TEST_ENDPOINT")
    if given:
        base = given.rstrip("/")
        endpoint = Endpoint("oxigraph", f"{base}/query", f"{base}/update")
        _wait_until_up(endpoint.query, None)
        yield endpoint
        return
    binary = _oxigraph_binary()
    if binary is None:
        pytest.fail("no Oxigraph server: set EVIDENCEKB_TEST_ENDPOINT or install the `oxigraph` package (make install)")
    location = tempfile.mkdtemp(prefix="evidencekb-oxigraph-")
    base = f"http://127.0.0.1:{free_port()}"
    endpoint = Endpoint("oxigraph", f"{base}/query", f"{base}/update")
    process = subprocess.Popen(
        [binary, "serve", "--location", location, "--bind", base.removeprefix("http://")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(endpoint.query, process)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(location, ignore_errors=True)


def _virtuoso() -> Iterator[Endpoint]:
    url = os.environ.get("EVIDENCEKB_TEST_VIRTUOSO")
    if not url:
        message = "no Virtuoso server: start one with `eval \"$(.ci/virtuoso-start)\"` (sets EVIDENCEKB_TEST_VIRTUOSO)"
        if os.environ.get("EVIDENCEKB_REQUIRE_VIRTUOSO") == "1":
            pytest.fail(message)
        pytest.skip(message)
    url = url.rstrip("/")
    _wait_until_up(url, None)
    yield Endpoint(
        "virtuoso",
        url,
        url,
        auth=os.environ.get("EVIDENCEKB_TEST_VIRTUOSO_AUTH") or url.removesuffix("/sparql") + "/sparql-auth",
        user=os.environ.get("EVIDENCEKB_TEST_VIRTUOSO_USER"),
        password=os.environ.get("EVIDENCEKB_TEST_VIRTUOSO_PASSWORD"),
    )


@pytest.fixture(scope="session", params=STORES)
def sparql_server(request: pytest.FixtureRequest) -> Iterator[Endpoint]:
    """A running SPARQL server of each store (given by the environment or started here)."""
    yield from (_oxigraph() if request.param == "oxigraph" else _virtuoso())


@pytest.fixture(scope="session")
def loaded_endpoint(sparql_server: Endpoint) -> Endpoint:
    """The server with the knowledge base loaded into the default named graph by `load_validated`,
    at the default settings (on Virtuoso the load adapts its request size)."""
    from evidencekb.pipeline import load_validated as load_endpoint

    load_endpoint(sparql_server.query, sparql_server.update)
    return sparql_server

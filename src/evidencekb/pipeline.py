"""Jobs that chain several steps: the main job behind `evidencekb build`, and the validated load."""

from __future__ import annotations

import functools
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from evidencekb import parallel
from evidencekb.errors import InputError
from evidencekb.sparql.remote import DEFAULT_GRAPH, DEFAULT_TIMEOUT, check_graph_iri, check_url
from evidencekb.store.load import (
    DEFAULT_MAX_REQUEST_BYTES,
    Progress,
    graph_lines,
    load_graph,
)

if TYPE_CHECKING:
    from evidencekb.checks.validate import ValidationReport


class InvalidDataError(InputError):
    """The data does not conform: nothing was loaded (exit 1, like `evidencekb validate`)."""

    exit_code = 1


class _Invalid(Exception):
    """The validation running beside the site build found violations: the site is not published."""


def _validate() -> ValidationReport:
    """pyshacl and the QC queries; imported here, so that only the validating process pays for rdflib."""
    from evidencekb.checks.validate import validate_paths

    return validate_paths()


def run_main_job(site_out: Path | None = None) -> int:
    """Validate, print Tables 3-1 and 3-2, build the site; exit 1 (nothing published) on violations.

    Validation (pyshacl) runs beside the tables and the site, in a forked process
    (`evidencekb.parallel`); the new site replaces the old one only once the data is known to conform.
    """
    from evidencekb.rdf.cache import knowledge_store
    from evidencekb.site.build import build_site
    from evidencekb.tables import render_table

    knowledge_store()  # parsed once, before the fork: syntax errors are reported here, once
    print("[1/3] Validating data/ against the ontology and SHACL shapes …", file=sys.stderr)
    validation = parallel.start(_validate, "validate")

    @functools.cache
    def conforms() -> bool:
        """Whether the data conforms; the report is printed the first time this is asked."""
        report = validation.result()
        print(report.to_text(), flush=True)
        return report.conforms

    def gate() -> None:
        if not conforms():
            raise _Invalid

    try:
        print("[2/3] Regenerating Tables 3-1 and 3-2 from the graph …", file=sys.stderr)
        for table_id in ("3-1", "3-2"):
            print(render_table(table_id, "text", "da"), flush=True)
        print("[3/3] Building the site …", file=sys.stderr)
        folder = build_site(site_out, gate=gate)
    except _Invalid:
        print("Stopping: fix the violations above, then run 'evidencekb build' again.", file=sys.stderr)
        return 1
    except Exception:
        if not conforms():  # the data's violations explain a failure better than the step that tripped on them
            print("Stopping: fix the violations above, then run 'evidencekb build' again.", file=sys.stderr)
            return 1
        raise
    finally:
        validation.stop()
    print(f"Site built in {folder}")
    return 0


def load_validated(
    query_url: str,
    update_url: str,
    graph: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
    progress: Progress | None = None,
) -> str:
    """Validate ontology + data, replace the named graph on the endpoint, return a summary line."""
    from rdflib import Graph

    from evidencekb.checks.validate import validate_graph
    from evidencekb.rdf.cache import project_data, project_ontology

    graph_iri = check_graph_iri(graph or DEFAULT_GRAPH)
    check_url(query_url, "--endpoint")
    check_url(update_url, "--update-endpoint")
    ontology, data = project_ontology(), project_data()
    violations = [f for f in validate_graph(data, ontology) if f.severity == "Violation"]
    if violations:
        raise InvalidDataError(
            f"refusing to load: the data has {len(violations)} violation(s) "
            f"(first: {violations[0].focus_node} {violations[0].message[:80]!r}); "
            "run `evidencekb validate` for the list"
        )
    merged = Graph()
    merged += ontology
    merged += data
    started = time.perf_counter()
    result = load_graph(query_url, update_url, graph_lines(merged), graph_iri, timeout, max_request_bytes, progress)
    seconds = time.perf_counter() - started
    how = (
        f"{result.requests} requests of at most {result.request_bytes / 1024 / 1024:.2f} MiB + one MOVE"
        if result.chunked
        else "one request"
    )
    return (
        f"Loaded {result.triples} triples (ontology + data, validated; {len(merged)} sent) "
        f"into <{graph_iri}> at {update_url} in {seconds:.1f} s ({how})"
    )

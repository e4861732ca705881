"""The main job behind `evidencekb build`: validate, print the summary tables, build the site."""

from __future__ import annotations

import sys
from pathlib import Path


def run_main_job(site_out: Path | None = None) -> int:
    from evidencekb.site import build_site
    from evidencekb.tables import render_table
    from evidencekb.validate import validate_paths

    print("[1/3] Validating data/ against the ontology and SHACL shapes …", file=sys.stderr)
    report = validate_paths()
    print(report.to_text())
    if not report.conforms:
        print("Stopping: fix the violations above, then run 'evidencekb build' again.", file=sys.stderr)
        return 1
    print("[2/3] Regenerating Tables 3-1 and 3-2 from the graph …", file=sys.stderr)
    for table_id in ("3-1", "3-2"):
        print(render_table(table_id, "text", "da"))
    print("[3/3] Building the site …", file=sys.stderr)
    print(f"Site built in {build_site(site_out)}")
    return 0

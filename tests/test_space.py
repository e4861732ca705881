"""`evidencekb space`: the partition derived from the criteria, cells decided as recommend/compare decide them,
findings (gap, overlap, boundary, disagreement) as JSON and RDF."""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rdflib import URIRef
from rdflib.namespace import PROV, RDF

from evidencekb import project
from evidencekb.cli import main
from evidencekb.rdf.cache import knowledge_base
from evidencekb.recommend.compare import compare_data
from evidencekb.revision.dimensions import derive_dimensions
from evidencekb.revision.evaluate import evaluate_cells
from evidencekb.revision.findings import find_all
from evidencekb.revision.findings_rdf import SPACE, findings_graph
from evidencekb.revision.model import Space
from evidencekb.revision.space import build_space, rule_info, write_json
from evidencekb.revision.workspace import using

KB = "https://w3id.org/evidencekb/id/"


@pytest.fixture(scope="module")
def space() -> Space:
    return build_space()


@pytest.fixture(scope="module")
def data(space: Space) -> dict[str, Any]:
    return json.loads(write_json(space))


def dimension(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(d for d in data["dimensions"] if d["name"] == name)


def cuts(data: dict[str, Any], name: str) -> list[tuple[Any, str]]:
    return [(c["value"], c["belongs_to"]) for c in dimension(data, name)["cut_points"]]


def test_golden_igg_cut_points(data: dict[str, Any]) -> None:
    # < 2 (Shahid); < 4, ≤ 4, > 4 and "4–6" (council, Hill, Ludwig …): 4 g/L is a cell of its own;
    # < 6 (council) and "4–6" / > 6 (Hill, Shahid): 6 g/L too
    assert cuts(data, "igg_g_per_l") == [(2, "above"), (4, "own-cell"), (6, "own-cell")]
    assert dimension(data, "igg_g_per_l")["pieces"] == ["[0,2)", "[2,4)", "[4]", "(4,6)", "[6]", "(6,)"]
    assert KB + "council-start-within-six-months" in dimension(data, "igg_g_per_l")["from_rules"]


def test_golden_time_cut_points(data: dict[str, Any]) -> None:
    # therapy start 2026-01-15: day 30 (Mohan: from day 30), 1 month = day 31 (Mohan), 3 months = day 90
    # (Hill/Shahid: "the first 3 months" inclusive, Shahid's stop from 3 months), 6 months = day 181
    # (council: "< 6 måneder" / "seks måneder eller senere"), 1 year = day 365 (Mohan's stop)
    assert cuts(data, "days_since_therapy_start") == [
        (30, "above"), (31, "above"), (90, "own-cell"), (181, "above"), (365, "above")]
    six = next(c for c in dimension(data, "days_since_therapy_start")["cut_points"] if c["value"] == 181)
    assert KB + "council-start-within-six-months" in six["rules"]
    assert {"bound": "until", "offset": 6, "unit": "MO", "inclusive": False, "date": "2026-07-15"} in six["from"]


def test_golden_codes(data: dict[str, Any]) -> None:
    assert dimension(data, "population")["values"] == ["adult", "child"]
    assert dimension(data, "therapy_class")["values"] == ["bispecific", "car-t"]
    assert dimension(data, "infections")["values"] == ["no", "yes"]
    assert dimension(data, "immunoglobulin")["values"] == [
        "none", "ongoing/after-window/igg-below-4", "ongoing/after-window/infections",
        "ongoing/before-therapy/igg-below-4", "ongoing/before-therapy/infections",
        "ongoing/within-window/igg-below-4", "ongoing/within-window/infections"]


def test_cell_count_is_the_feasible_product(data: dict[str, Any]) -> None:
    # 2 populations × 2 classes × 7 time pieces × 6 IgG pieces × 2 × 7 immunoglobulin values, less the
    # courses started after the six-month window while the assessment is before it (5 time pieces × 2)
    assert len(data["cells"]) == 2 * 2 * 6 * 2 * (7 * 7 - 5 * 2)
    ids = [c["id"] for c in data["cells"]]
    assert len(set(ids)) == len(ids)


def test_json_shape(data: dict[str, Any]) -> None:
    assert set(data) == {"dimensions", "cells", "findings", "agreement"}
    cell = data["cells"][0]
    assert {"id", "patient", "council", "sources"} <= set(cell)
    assert {"start", "stop", "rule"} <= set(cell["council"])
    assert len(cell["sources"]) == 8
    assert all(set(v) == {"verdict", "criterion"} for v in cell["sources"].values())
    assert {f["kind"] for f in data["findings"]} >= {"gap", "boundary", "disagreement"}
    assert all({"kind", "cells", "rules", "text"} <= set(f) for f in data["findings"])
    assert len(data["agreement"]) == 8
    for counts in data["agreement"].values():
        assert counts["agree"] + counts["stricter"] + counts["looser"] == counts["cells"]


def test_every_representative_gets_the_recorded_council_decision(data: dict[str, Any], tmp_path: Path) -> None:
    batch = tmp_path / "cells.jsonl"
    batch.write_text("".join(json.dumps(c["patient"]) + "\n" for c in data["cells"]), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["recommend", "--batch", str(batch), "--out", str(out)]) == 0
    answers = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(answers) == len(data["cells"])
    wrong = [c["id"] for c, a in zip(data["cells"], answers, strict=True)
             if (a["start"]["decision"], a["stop"]["decision"], a["start"]["rule"])
             != (c["council"]["start"], c["council"]["stop"], c["council"]["rule"])]
    assert wrong == []


def test_source_verdicts_agree_with_compare(data: dict[str, Any]) -> None:
    sample = [c for c in data["cells"] if c["coordinates"]["immunoglobulin"] == "none"][::7]
    assert len(sample) > 30
    for cell in sample:
        result = compare_data(cell["patient"])
        theirs = {s["publication"]: (s["verdict"], (s["criterion"] or {}).get("rule")) for s in result["sources"]}
        ours = {iri: (v["verdict"], v["criterion"]) for iri, v in cell["sources"].items()}
        assert ours == {iri: theirs[iri] for iri in ours}, cell["id"]


def test_known_gap_do_not_start_is_a_default(data: dict[str, Any]) -> None:
    gap = next(f for f in data["findings"]
               if f["kind"] == "gap" and f.get("default") == KB + "recommend-default-do-not-start")
    # an adult with IgG above 6 g/L meets no start criterion of section 4.1
    assert "adult/car-t/day[181,365)/igg(6,)/infections-no/ig-none" in gap["cells"]
    assert gap["decision"] == "do-not-start"
    assert gap["rules"] == [KB + "recommend-default-do-not-start"]


def test_known_gap_unsettled_stop(data: dict[str, Any]) -> None:
    gap = next(f for f in data["findings"]
               if f["kind"] == "gap" and f.get("annotation") == KB + "annotation-council-stop-infections-within-window")
    assert "adult/car-t/day[0,30)/igg[0,2)/infections-yes/ig-ongoing/within-window/infections" in gap["cells"]
    assert KB + "council-stop-general" in gap["rules"]


def test_known_disagreement_routine_substitution_source(data: dict[str, Any]) -> None:
    # Banerjee 2025: primary prophylaxis for everyone on bispecific antibodies; the council does not start
    # at IgG above 6 g/L
    banerjee = KB + "banerjee-2025"
    looser = next(f for f in data["findings"] if f["kind"] == "disagreement" and f.get("source") == banerjee)
    assert looser["direction"] == "looser"
    assert "adult/bispecific/day[0,30)/igg(6,)/infections-no/ig-none" in looser["cells"]
    assert KB + "banerjee-2025-start-1" in looser["rules"]
    assert data["agreement"][banerjee]["stricter"] == 0
    assert data["agreement"][banerjee]["looser"] > 0


def test_boundary_at_six_months_cites_the_annotation(data: dict[str, Any]) -> None:
    six = next(f for f in data["findings"] if f["kind"] == "boundary" and f["value"] == 181)
    assert six["belongs_to"] == "above"
    assert KB + "annotation-council-six-month-boundary" in six["rules"]
    assert all("/day[181,365)/" in cell for cell in six["cells"])
    igg4 = next(f for f in data["findings"] if f["kind"] == "boundary" and f["value"] == 4.0)
    assert all("/igg[4]/" in cell for cell in igg4["cells"])


def test_findings_graph_has_provenance_to_rules(space: Space) -> None:
    graph = findings_graph(space)
    findings = set(graph.subjects(RDF.type, SPACE.Finding))
    assert len(findings) == len(space.findings)
    kb = knowledge_base()
    for finding in findings:
        rules = set(graph.objects(finding, PROV.wasDerivedFrom))
        assert rules, finding
        assert all((rule, None, None) in kb for rule in rules), finding
        assert set(graph.objects(finding, SPACE.cell))


def test_cli_formats_and_determinism(data: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["space", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == data
    assert main(["space", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(data["cells"]) + 1
    assert lines[0].startswith("cell,population,therapy_class,days_since_therapy_start,igg_g_per_l")


# --- mutated copies of the project ---------------------------------------------------------------


def copy_project(tmp_path: Path) -> Path:
    root = project.current().root
    target = tmp_path / "project"
    for part in ("data", "ontology", "queries", "validators"):
        shutil.copytree(root / part, target / part)
    return target


EXTRA = """
@prefix ekb: <https://w3id.org/evidencekb/ontology#> .
@prefix kb: <https://w3id.org/evidencekb/id/> .
@prefix unit: <http://qudt.org/vocab/unit/> .
kb:test-extra-start a ekb:StartCriterion ;
    ekb:issuedBy kb:hayden-2022 ; ekb:action ekb:action-start ;
    ekb:population ekb:population-adult ; ekb:therapyClass ekb:therapy-car-t ;
    ekb:iggCondition kb:test-extra-igg ; ekb:infectionRequirement ekb:infection-none .
kb:test-extra-igg a ekb:IggCondition ; ekb:comparator "≤" ; ekb:threshold 300 ; ekb:unit unit:MilliGM-PER-DeciL .
kb:test-conflict a ekb:StartCriterion ;
    ekb:issuedBy kb:addendum ; ekb:population ekb:population-adult ; ekb:therapyClass ekb:therapy-car-t ;
    ekb:iggCondition kb:council-igg-below-4 ; ekb:infectionRequirement ekb:infection-none ;
    ekb:decision ekb:decision-general-criteria ; ekb:priority 30 .
"""


def test_a_new_threshold_adds_a_cut_point_and_equal_priorities_overlap(tmp_path: Path) -> None:
    copy = copy_project(tmp_path)
    (copy / "data" / "zz-test-extra.ttl").write_text(EXTRA, encoding="utf-8")
    with using(copy):
        dims = derive_dimensions()
        igg = dims["igg_g_per_l"]
        assert igg.cuts[Decimal(3)] == {"below"}  # 300 mg/dL, "≤": 3 g/L lies with the values below
        assert KB + "test-extra-start" in igg.cut_rules[Decimal(3)]
        assert [p.label for p in igg.pieces()][:3] == ["[0,2)", "[2,3]", "(3,4)"]
        cells = evaluate_cells(dims, sources=False)
        conflict = Space(dims, cells, rule_info())
        found = find_all(conflict)
    overlaps = [f for f in found if f["kind"] == "overlap"]
    # the conflicting rule has no time window: it overlaps the within-six-months criterion and, with
    # infections, the from-six-months criterion
    by_rules = {tuple(f["rules"]): f["cells"] for f in overlaps}
    assert set(by_rules) == {(KB + "council-start-after-six-months", KB + "test-conflict"),
                             (KB + "council-start-within-six-months", KB + "test-conflict")}
    within = by_rules[(KB + "council-start-within-six-months", KB + "test-conflict")]
    assert "adult/car-t/day[0,30)/igg[0,2)/infections-no/ig-none" in within
    assert not any("/bispecific/" in cell or "igg[4]" in cell or "/day[181" in cell for cell in within)
    after = by_rules[(KB + "council-start-after-six-months", KB + "test-conflict")]
    assert after and all("/infections-yes/" in cell and ("/day[181" in cell or "/day[365" in cell)
                         for cell in after)
    assert project.current().root != copy


def test_rdf_node_for_each_cell_named(space: Space) -> None:
    graph = findings_graph(space)
    for cell in graph.subjects(RDF.type, SPACE.Cell):
        assert isinstance(cell, URIRef)
        assert json.loads(str(graph.value(cell, SPACE.patient)))["therapy_start"] == "2026-01-15"


def test_agreement_page_markdown(space: Space) -> None:
    from evidencekb.revision.page import agreement_page

    names = {"therapy-car-t": "CAR-T-celleterapi", "therapy-bispecific": "Bispecifikke antistoffer"}
    page = agreement_page(space, "da", link=lambda iri: "rules/" + iri.rsplit("/", 1)[-1] + ".md",
                          name=lambda iri: names.get(iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]))
    assert page.startswith("# Hvor er kilderne enige?")
    # group headings name the therapy class by its label, not its code
    assert "## CAR-T-celleterapi — før seks måneder" in page
    assert "## Bispecifikke antistoffer — fra seks måneder" in page
    assert "## car-t" not in page
    # each matrix scrolls sideways in its own region, reachable by keyboard
    regions = re.findall(
        r'<div class="ekb-scroll ekb-matrix" role="region" aria-label="([^"]+)" tabindex="0" markdown>', page)
    assert len(regions) == 4 and "Beslutninger: CAR-T-celleterapi — før seks måneder (rul vandret)" in regions
    assert page.count("</div>") >= 4
    assert "ekb-verdict-start" in page and "(rules/banerjee-2025.md)" in page
    rows = [line for line in page.splitlines() if line.startswith("| ") and "ekb-verdict" in line]
    assert len(rows) == sum(1 for c in space.cells if c.coordinates["immunoglobulin"] == "none")
    assert page.count("- **disagreement**") == sum(1 for f in space.findings if f["kind"] == "disagreement")
    assert agreement_page(space, "en").startswith("# Where do the sources agree?")


def test_revision_modules_have_one_job_and_no_import_cycle() -> None:
    """Issue 12: modules of ≤ 400 lines, classes of ≤ 200, and no module of evidencekb.revision reaches itself
    through its imports (module-level or deferred, which grimp both sees)."""
    import ast

    import grimp

    import evidencekb.revision

    folder = Path(evidencekb.revision.__file__).parent
    for path in sorted(folder.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, path.name
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                assert node.end_lineno - node.lineno < 200, f"{path.name}: class {node.name}"
    graph = grimp.build_graph("evidencekb", cache_dir=None)
    modules = sorted(m for m in graph.modules if m.startswith("evidencekb.revision."))
    for module in modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.startswith("evidencekb.revision."):
                back = graph.find_shortest_chain(importer=imported, imported=module)
                assert back is None, f"import cycle: {module} → {' → '.join(back or ())}"


def test_golden_new_start_with_infections_gets_the_general_stop_rules(data: dict[str, Any]) -> None:
    """Issue 13: a start now, within six months, of a patient with infections gets the stop rule of an already
    started course on basis infections — the general stop rules, not settled by the text — and joins the
    unsettled-stop gap; without infections it stops at six months (settled)."""
    within = [c for c in data["cells"] if c["coordinates"]["immunoglobulin"] == "none"
              and c["council"]["rule"] == KB + "council-start-within-six-months"]
    with_infections = [c for c in within if c["coordinates"]["infections"] == "yes"]
    without = [c for c in within if c["coordinates"]["infections"] == "no"]
    assert len(with_infections) == 20 and without
    for cell in with_infections:
        assert cell["council"]["start"] == "start"
        assert (cell["council"]["stop"], cell["council"]["stop_rule"], cell["council"]["settled"]) == (
            "general-stop-rules", KB + "council-stop-general", False), cell["id"]
        assert cell["council"]["annotation"] == KB + "annotation-council-stop-infections-within-window"
    for cell in without:
        assert (cell["council"]["stop"], cell["council"]["stop_rule"], cell["council"]["settled"]) == (
            "stop-at-six-months", KB + "council-stop-at-six-months", True), cell["id"]
    cell = "adult/bispecific/day[0,30)/igg[0,2)/infections-yes/ig-none"
    gap = next(f for f in data["findings"]
               if f["kind"] == "gap" and f.get("annotation") == KB + "annotation-council-stop-infections-within-window")
    assert cell in gap["cells"] and {c["id"] for c in with_infections} <= set(gap["cells"])

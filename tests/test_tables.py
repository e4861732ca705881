"""The addendum's tables regenerate from the graph exactly as printed (golden files in tests/golden/).

The golden files were transcribed cell by cell from the source text, independently of data/;
a mismatch shows which cell (row, column) differs and how.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from evidencekb import tables
from evidencekb.cli import main
from evidencekb.errors import InputError
from evidencekb.formats import markdown_inline
from evidencekb.sparql.core import Engine, query_text
from evidencekb.sparql.local import OxigraphEngine, RdflibEngine

GOLDEN = Path(__file__).parent / "golden"
EKB = Namespace("https://w3id.org/evidencekb/ontology#")
KB = Namespace("https://w3id.org/evidencekb/id/")
DCTERMS = Namespace("http://purl.org/dc/terms/")

# Every mark of Tables 3-1/3-2 that the publications' structured criteria cannot produce, with the
# council's wording recorded as an ekb:CouncilClassification. A new underivable mark must be added
# here deliberately (and justified in the data), or this test fails.
COUNCIL_CLASSIFICATIONS = {
    ("3-1", "mohan-2023", "table-3-1-col-igg-no-infection"),
    ("3-2", "mohan-2023", "table-3-2-col-igg-no-infection"),
}


def golden(table_id: str) -> dict[str, Any]:
    return json.loads((GOLDEN / f"table-{table_id}.json").read_text(encoding="utf-8"))


def cell_diff(expected: dict[str, Any], got: dict[str, Any]) -> str:
    """A readable list of differences: title, columns, footnotes, and each differing cell."""
    lines = []
    for key in ("id", "title", "footnotes"):
        if expected[key] != got[key]:
            lines.append(f"{key}: expected {expected[key]!r}\n{' ' * len(key)}       got {got[key]!r}")
    columns = expected["columns"]
    for i in range(max(len(columns), len(got["columns"]))):
        want = columns[i] if i < len(columns) else "<missing>"
        have = got["columns"][i] if i < len(got["columns"]) else "<missing>"
        if want != have:
            lines.append(f"column {i + 1}: expected {want!r}\n          got {have!r}")
    for r in range(max(len(expected["rows"]), len(got["rows"]))):
        want_row = expected["rows"][r] if r < len(expected["rows"]) else None
        have_row = got["rows"][r] if r < len(got["rows"]) else None
        if want_row is None or have_row is None:
            lines.append(f"row {r + 1}: expected {want_row!r}\n       got {have_row!r}")
            continue
        name = (want_row[0] or have_row[0])[:50]
        for c in range(max(len(want_row), len(have_row))):
            want = want_row[c] if c < len(want_row) else "<missing>"
            have = have_row[c] if c < len(have_row) else "<missing>"
            if want != have:
                heading = columns[c] if c < len(columns) else f"#{c + 1}"
                lines.append(
                    f"row {r + 1} ({name}) x column {c + 1} ({heading[:40]!r}):\n"
                    f"    expected {want!r}\n    got      {have!r}"
                )
    return "\n".join(lines)


def assert_same_table(expected: dict[str, Any], got: dict[str, Any]) -> None:
    if expected != got:
        pytest.fail(f"Table {expected['id']} differs from tests/golden:\n{cell_diff(expected, got)}", pytrace=False)


@pytest.fixture(scope="module")
def oxigraph(kb: Graph) -> Engine:
    return OxigraphEngine(kb)


@pytest.fixture(scope="module")
def rdflib_engine(kb: Graph) -> Engine:
    return RdflibEngine(kb)


@pytest.mark.parametrize("table_id", tables.TABLE_IDS)
def test_table_equals_golden(table_id: str, oxigraph: Engine) -> None:
    assert_same_table(golden(table_id), tables.table_data(table_id, engine=oxigraph))


@pytest.mark.parametrize("table_id", tables.TABLE_IDS)
def test_rdflib_and_oxigraph_agree(table_id: str, oxigraph: Engine, rdflib_engine: Engine) -> None:
    reference = tables.table_data(table_id, engine=rdflib_engine)
    assert_same_table(reference, tables.table_data(table_id, engine=oxigraph))


def test_cell_diff_names_the_cell() -> None:
    expected = {"id": "x", "title": "t", "columns": ["A", "B"], "rows": [["r1", "X"]], "footnotes": []}
    got = {**expected, "rows": [["r1", ""]]}
    message = cell_diff(expected, got)
    assert "row 1 (r1) x column 2 ('B')" in message
    assert "expected 'X'" in message and "got      ''" in message


def parse_markdown_table(text: str) -> tuple[list[str], list[list[str]]]:
    """The header and body cells of the pipe table in `text`, unescaped back to plain text."""
    table_lines = [line for line in text.splitlines() if line.startswith("|")]

    def cells(line: str) -> list[str]:
        parts = re.split(r"(?<!\\)\|", line.strip())[1:-1]
        return [unescape_markdown(part.strip()) for part in parts]

    header, separator, *body = table_lines
    assert {part.strip() for part in separator.strip().split("|")[1:-1]} == {"---"}
    return cells(header), [cells(line) for line in body]


def unescape_markdown(text: str) -> str:
    text = text.replace("<br>", "\n")
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)  # CommonMark: any ASCII punctuation may be escaped
    return html.unescape(text)


@pytest.mark.parametrize("table_id", tables.TABLE_IDS)
def test_markdown_and_csv_render_the_same_rows(table_id: str, oxigraph: Engine) -> None:
    data, label = tables.table_result(table_id, engine=oxigraph)
    markdown = tables.to_markdown(data, label)
    assert markdown.splitlines()[0] == f"### {markdown_inline(label + '. ' + data['title'])}"
    header, body = parse_markdown_table(markdown)
    assert header == data["columns"]
    assert body == data["rows"]
    for footnote in data["footnotes"]:
        assert markdown_inline(footnote) in markdown
    records = list(csv.reader(io.StringIO(tables.to_csv(data), newline="")))
    assert records == [data["columns"], *data["rows"]]


def test_markdown_escapes_pipes_and_newlines() -> None:
    data = {"id": "x", "title": "T", "columns": ["a|b", "c"], "rows": [["1 | 2", "x\ny *z*"]], "footnotes": ["*f"]}
    text = tables.to_markdown(data, "Tabel X")
    assert "| a\\|b | c |" in text
    assert "| 1 \\| 2 | x<br>y \\*z\\* |" in text
    assert text.rstrip().endswith("\\*f")


def test_markdown_block_syntax_stays_text() -> None:
    data = {"id": "x", "title": "T", "columns": ["c"], "rows": [["{: .x }"]], "footnotes": ["!!! note", "# h"]}
    text = tables.to_markdown(data, "Tabel X")
    assert "| \\{: .x \\} |" in text
    assert "\n\\!!! note\n" in text and text.rstrip().endswith("\\# h")


def test_table_command_and_site_share_one_markdown_renderer() -> None:
    from evidencekb.site import text as site_text

    data = {"id": "x", "title": "<b>", "columns": ["a & b", "c"], "rows": [["<script>", "[l](u)"]], "footnotes": []}
    text = tables.to_markdown(data)
    assert "| a &amp; b | c |" in text and "| &lt;script&gt; | \\[l\\](u) |" in text
    assert text.startswith("### &lt;b&gt;\n")
    cells = [[site_text.cell(c) for c in row] for row in data["rows"]]
    assert site_text.table([site_text.cell(c) for c in data["columns"]], cells) in text


def test_csv_is_rfc_4180() -> None:
    data = {
        "id": "x",
        "title": "T",
        "columns": ["Ref", "Text"],
        "rows": [['A, "B"', "line 1\nline 2"]],
        "footnotes": [],
    }
    text = tables.to_csv(data)
    assert text == 'Ref,Text\r\n"A, ""B""","line 1\nline 2"\r\n'


def test_json_format_is_exact(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["table", "3-1", "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert list(printed) == ["id", "title", "columns", "rows", "footnotes"]
    assert_same_table(golden("3-1"), printed)


def test_english_headings_with_danish_fallback(kb: Graph, oxigraph: Engine) -> None:
    danish = tables.table_data("3-1", "da", engine=oxigraph)
    english = tables.table_data("3-1", "en", engine=oxigraph)
    titles = {t.language: str(t) for t in kb.objects(KB["table-3-1"], DCTERMS.title)}
    assert english["title"] == titles["en"] and danish["title"] == titles["da"]
    assert english["rows"] == danish["rows"]
    for position, (da, en) in enumerate(zip(danish["columns"], english["columns"], strict=True), start=1):
        headings = {
            h.language: str(h)
            for col in kb.subjects(EKB.inTable, KB["table-3-1"])
            if kb.value(col, EKB.position) == Literal(position)
            for h in kb.objects(col, EKB.heading)
        }
        assert en == headings.get("en", da)


def test_cli_lists_tables(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["table", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(tables.TABLE_IDS)
    assert lines[0].startswith("3-1  Opsummering af anbefalinger")


def test_unknown_table_exits_2_and_lists_valid_ids(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["table", "9-9"]) == 2
    message = capsys.readouterr().err
    assert "9-9" in message and "3-1, 3-2, 8-1" in message and "8-7" in message
    with pytest.raises(InputError):
        tables.table_data("3-3")


# --- Marks are derived from the structured criteria ---------------------------------------------


def marks(graph: Graph, table_id: str) -> dict[str, list[str]]:
    """Row reference cell -> the three mark cells, regenerated from `graph`."""
    data = tables.table_data(table_id, engine=OxigraphEngine(graph))
    return {row[0]: row[1:4] for row in data["rows"]}


def emn_igg_criterion(graph: Graph) -> URIRef:
    """EMN's adult CAR-T start criterion 'IgG ≤ 4 g/L' (no infection requirement)."""
    found = [
        crit
        for crit in graph.subjects(EKB.issuedBy, KB["ludwig-2023"])
        if (crit, EKB.therapyClass, EKB["therapy-car-t"]) in graph
        and (crit, EKB.population, EKB["population-adult"]) in graph
        and (crit, EKB.infectionRequirement, EKB["infection-none"]) in graph
        and graph.value(crit, EKB.iggCondition) is not None
    ]
    assert len(found) == 1, f"expected one EMN IgG ≤ 4 criterion, found {found}"
    return found[0]  # type: ignore[return-value]


EMN = "European Myeloma Network [32]"


def test_adding_an_infection_requirement_moves_the_mark(kb: Graph) -> None:
    assert marks(kb, "3-1")[EMN] == ["", "X", ""]
    changed = Graph() + kb
    criterion = emn_igg_criterion(changed)
    changed.remove((criterion, EKB.infectionRequirement, EKB["infection-none"]))
    changed.add((criterion, EKB.infectionRequirement, EKB["infection-severe-or-recurrent-bacterial"]))
    assert marks(changed, "3-1")[EMN] == ["", "", "X"]


def test_removing_the_igg_condition_makes_it_routine(kb: Graph) -> None:
    changed = Graph() + kb
    criterion = emn_igg_criterion(changed)
    changed.remove((criterion, EKB.iggCondition, None))
    expected = ["X", "", ""] if (criterion, EKB.action, EKB["action-start"]) in changed else ["", "", ""]
    assert marks(changed, "3-1")[EMN] == expected


def test_raising_the_threshold_removes_the_mark(kb: Graph) -> None:
    changed = Graph() + kb
    igg = changed.value(emn_igg_criterion(changed), EKB.iggCondition)
    changed.remove((igg, EKB.threshold, None))
    changed.add((igg, EKB.threshold, Literal(6)))
    assert marks(changed, "3-1")[EMN] == ["", "", ""]


def council_cells(engine: Engine, table_id: str) -> list[dict[str, Any]]:
    result = engine.select(query_text(f"tables/table-{table_id}"), {"lang": Literal("da")})
    return [row for row in result.rows if row.get("council") is not None and row["council"].toPython()]


def test_each_council_classification_is_named(kb: Graph) -> None:
    recorded = {
        (
            str(kb.value(node, EKB.inTable)).rsplit("table-", 1)[-1],
            str(kb.value(node, EKB.aboutPublication)).rsplit("/", 1)[-1],
            str(kb.value(node, EKB.column)).rsplit("/", 1)[-1],
        )
        for node in kb.subjects(RDF.type, EKB.CouncilClassification)
    }
    assert recorded == COUNCIL_CLASSIFICATIONS, (
        "ekb:CouncilClassification marks changed: new ones need a justification in the data and an "
        f"entry in COUNCIL_CLASSIFICATIONS.\n  unexpected: {sorted(recorded - COUNCIL_CLASSIFICATIONS)}"
        f"\n  missing:    {sorted(COUNCIL_CLASSIFICATIONS - recorded)}"
    )
    for node in kb.subjects(RDF.type, EKB.CouncilClassification):
        assert kb.value(node, EKB.verbatim) is not None, f"{node}: give the council's wording (ekb:verbatim)"


@pytest.mark.parametrize("table_id", ["3-1", "3-2"])
def test_council_classifications_are_not_derivable(table_id: str, oxigraph: Engine) -> None:
    redundant = [
        (int(row["rowPos"]), int(row["colPos"]))
        for row in council_cells(oxigraph, table_id)
        if row["derived"].toPython()
    ]
    assert redundant == [], f"Table {table_id}: council classifications the criteria already produce: {redundant}"


@pytest.mark.parametrize("table_id", ["3-1", "8-5"])
def test_text_grid_holds_every_cell(table_id: str) -> None:
    from evidencekb.tables import render_table, table_data

    data = table_data(table_id)
    grid = " ".join(render_table(table_id, "text").split())
    for row in data["rows"]:
        for cell in row:
            for word in cell.split():
                if len(word) <= 15:  # longer words may be broken across lines of a narrow column
                    assert word in grid, (table_id, word)
    assert grid.count("| X ") == sum(cell == "X" for row in data["rows"] for cell in row)

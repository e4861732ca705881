"""The committee workbook (`export --format xlsx`), `table --format xlsx` and CSV for Danish Excel."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from rdflib import Graph
from rdflib.namespace import RDF

from evidencekb.cli import main
from evidencekb.namespaces import EKB
from evidencekb.tables import TABLE_IDS, table_result


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("workbook") / "udvalg.xlsx"
    assert main(["export", "--format", "xlsx", "--out", str(out)]) == 0
    return load_workbook(out)


def _data_rows(sheet) -> list[tuple]:
    return [row for row in sheet.iter_rows(min_row=3, values_only=True) if any(cell is not None for cell in row)]


def test_workbook_has_every_sheet(workbook) -> None:
    expected = ["Om", "Studier", "Estimater", "Publikationer", "Kriterier", "Annoteringer"]
    assert workbook.sheetnames == expected + [f"Tabel {table_id}" for table_id in TABLE_IDS]


def test_sheets_count_what_the_graph_holds(workbook, kb: Graph) -> None:
    def count(cls) -> int:
        return len(set(kb.subjects(RDF.type, cls)))

    assert len(_data_rows(workbook["Studier"])) == count(EKB.PrimaryStudy) == 10
    assert len(_data_rows(workbook["Estimater"])) == len(
        {estimate for study in kb.subjects(RDF.type, EKB.PrimaryStudy) for estimate in kb.objects(study, EKB.hasResult)}
    )
    assert len(_data_rows(workbook["Publikationer"])) == count(EKB.ConsensusReport) + count(EKB.NarrativeReview) == 8
    criteria = {c for c in kb.subjects(RDF.type, EKB.StartCriterion) if (c, EKB.issuedBy, None) in kb}
    criteria |= {c for c in kb.subjects(RDF.type, EKB.StopCriterion) if (c, EKB.issuedBy, None) in kb}
    assert len(_data_rows(workbook["Kriterier"])) == len(criteria)
    assert len(_data_rows(workbook["Annoteringer"])) == count(EKB.SourceAnnotation)


def test_headers_are_danish_then_english_and_frozen(workbook) -> None:
    sheet = workbook["Estimater"]
    assert sheet["C1"].value == "Udfald" and sheet["C2"].value == "Outcome"
    assert sheet.freeze_panes == "B3"
    assert sheet.column_dimensions["C"].width > 10


def test_numbers_are_numbers_and_units_are_symbols(workbook) -> None:
    rows = {row[0]: row for row in _data_rows(workbook["Estimater"])}
    dima = rows["https://w3id.org/evidencekb/id/dima-2025-r01"]
    assert dima[6] == 590 and dima[7] == "mg/dL"


def test_printed_tables_match_the_table_command(workbook) -> None:
    for table_id in TABLE_IDS:
        data, _ = table_result(table_id)
        sheet = workbook[f"Tabel {table_id}"]
        assert sheet["A1"].value == data["title"]
        assert [cell.value or "" for cell in sheet[2]] == data["columns"]
        assert [[cell or "" for cell in row] for row in sheet.iter_rows(min_row=3, max_row=2 + len(data["rows"]),
                                                                         values_only=True)] == data["rows"]


def test_workbook_says_its_version(workbook) -> None:
    from evidencekb import __version__

    assert workbook.properties.version == __version__


def test_table_as_xlsx_needs_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["table", "3-1", "--format", "xlsx"]) == 2
    assert "--out" in capsys.readouterr().err
    out = tmp_path / "t.xlsx"
    assert main(["table", "3-1", "--format", "xlsx", "--out", str(out)]) == 0
    assert load_workbook(out).sheetnames == ["Tabel 3-1"]


def test_csv_for_danish_excel(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["table", "8-4", "--format", "csv", "--excel"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("\ufeff")
    header = text[1:].splitlines()[0]
    assert ";" in header and header.count(",") < header.count(";")


def test_csv_excel_uses_decimal_commas() -> None:
    from evidencekb.formats import csv_text

    assert csv_text(["a", "b"], [["2.70", "ca. 1.5 g/L"]], excel=True) == "\ufeffa;b\r\n2,70;ca. 1.5 g/L\r\n"
    assert csv_text(["a"], [["2.70"]]) == "a\r\n2.70\r\n"

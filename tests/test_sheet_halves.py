"""A large sheet parsed in two halves on two threads (files/sheet_cells._in_halves) gives exactly what calamine gives
reading it in one go: the same rows, the same cells, the same blanks — whatever lies around the cut."""

from __future__ import annotations

import io
import shutil
from datetime import date, datetime

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from hx_excel.files import sheet_cells
from hx_excel.files.sheet_cells import _in_halves, read_sheet, sheet_parts
from hx_excel.ledger.book import read_book


def _bytes(wb: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _both(data: bytes, name: str):
    """(calamine's rows read in one go, the rows read in halves)."""
    whole = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(name).to_python(skip_empty_area=False)
    xml = sheet_parts(data, (name,))[name]
    return whole, _in_halves(CalamineWorkbook, data, name, xml)


def _workbook(fill) -> bytes:
    wb = openpyxl.Workbook()
    wb.active.title = "封面"
    wb.active["A1"] = "说明"
    ws = wb.create_sheet("台账")
    fill(ws)
    wb.create_sheet("参数")["B2"] = 2022
    return _bytes(wb)


def test_every_kind_of_value_comes_back_in_its_place():
    def fill(ws):
        ws["A1"] = "标题"
        for row in range(3, 203):
            ws.cell(row, 1, row)
            ws.cell(row, 2, f"名{row}")
            ws.cell(row, 3, 3.25 * row)
            ws.cell(row, 4, row % 2 == 0)
            ws.cell(row, 5, date(2022, 1 + row % 12, 1 + row % 28))
            ws.cell(row, 6, datetime(2022, 7, 15, 8, 30))
            ws.cell(row, 8, "522401198001010011" if row % 3 else None)
    whole, halves = _both(_workbook(fill), "台账")
    assert halves == whole
    assert halves[100][1] == "名101" and halves[100][3] is False and halves[1] == [""] * 8


def test_a_second_half_that_starts_columns_to_the_right_is_put_back_under_its_columns():
    """The second half's own extent starts at column C (calamine's `start`): its rows are padded from A."""
    def fill(ws):
        for row in range(1, 51):
            ws.cell(row, 1, "甲")
        for row in range(51, 101):
            ws.cell(row, 3, row)
            ws.cell(row, 5, "乙")
    whole, halves = _both(_workbook(fill), "台账")
    assert halves == whole
    assert halves[60] == ["", "", 61, "", "乙"]


def test_empty_rows_around_the_cut_stay_as_blank_rows():
    """Rows with no value either side of the cut (styled, or not written at all) keep every later row at its
    number."""
    def fill(ws):
        for row in range(1, 41):
            ws.cell(row, 2, row)
        for row in range(41, 161):
            ws.cell(row, 2).number_format = "0.00"      # written, styled, no value
        for row in range(161, 181):
            ws.cell(row, 2, row)
    whole, halves = _both(_workbook(fill), "台账")
    assert halves == whole
    assert halves[160][1] == 161 and halves[100] == ["", ""]


def test_a_second_half_with_no_value_leaves_the_first_as_it_is():
    def fill(ws):
        for row in range(1, 31):
            ws.cell(row, 1, row)
        for row in range(31, 400):
            ws.cell(row, 1).number_format = "@"
    whole, halves = _both(_workbook(fill), "台账")
    assert halves == whole and len(halves) == 30


def test_formulas_merged_cells_and_shared_strings_read_as_in_one_go():
    def fill(ws):
        for row in range(2, 120):
            ws.cell(row, 1, "户主" if row % 4 == 2 else "子女")     # shared strings, repeated
            ws.cell(row, 2, f"=A{row}&\"x\"")                       # no cached value: blank, as in one go
            ws.cell(row, 3, row * 100)
        ws.merge_cells("D60:F62")
        ws["D60"] = "合并"
    whole, halves = _both(_workbook(fill), "台账")
    assert halves == whole


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_a_workbook_saved_by_libreoffice_reads_the_same(tmp_path):
    """LibreOffice writes its own XML (cached formula values, its own shared strings): the same rows either way."""
    from hx_excel.office.libreoffice import recalculate

    def fill(ws):
        for row in range(1, 301):
            ws.cell(row, 1, f"村{row % 7}")
            ws.cell(row, 2, row)
            ws.cell(row, 3, f"=B{row}*2")
            if row % 50 == 0:
                ws.cell(row, 6, date(2022, 9, 15))
    source = tmp_path / "ledger.xlsx"
    source.write_bytes(_workbook(fill))
    saved = recalculate([source], tmp_path / "out")[0]
    whole, halves = _both(saved.read_bytes(), "台账")
    assert halves == whole
    assert halves[9][2] == 20


def test_a_sheet_that_cannot_be_cut_is_read_in_one_go(monkeypatch):
    """No rows, one row, or a part that cannot be found by its content: None, and read_sheet reads it whole."""
    def fill(ws):
        ws["A1"] = "只有一行"
    data = _workbook(fill)
    xml = sheet_parts(data, ("台账",))["台账"]
    assert _in_halves(CalamineWorkbook, data, "台账", b"<worksheet><sheetData/></worksheet>") is None
    assert _in_halves(CalamineWorkbook, data, "台账", xml.replace(b"</sheetData>", b"</sheetData> ")) is None
    assert _in_halves(CalamineWorkbook, data, "台账", xml) is None
    monkeypatch.setattr(sheet_cells, "SPLIT_FROM", 10)
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert read_sheet(workbook, "台账", xml, data).rows == [["只有一行"]]


def test_read_sheet_parses_a_large_sheet_in_halves_and_the_ledger_reader_does_not(monkeypatch, tmp_path):
    """read_sheet cuts a sheet from SPLIT_FROM bytes on (here lowered), read_book never: it finds the formulas on
    the second core meanwhile. Either way the ledger read is the same."""
    from hx_excel.ledger.template import build_workbook
    from hx_excel.policy import default_policy

    calls = []
    original = sheet_cells._in_halves
    monkeypatch.setattr(sheet_cells, "_in_halves", lambda *a: calls.append(a[2]) or original(*a))

    def fill(ws):
        for row in range(1, 101):
            ws.cell(row, 1, row)
    data = _workbook(fill)
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    xml = sheet_parts(data, ("台账",))["台账"]
    assert read_sheet(workbook, "台账", xml, data).rows == [[n] for n in range(1, 101)] and calls == []
    monkeypatch.setattr(sheet_cells, "SPLIT_FROM", 100)
    assert read_sheet(workbook, "台账", xml, data).rows == [[n] for n in range(1, 101)] and calls == ["台账"]

    path = tmp_path / "台账.xlsx"
    build_workbook(default_policy(), township="青岩镇", rows=40).save(path)
    calls.clear()
    book = read_book(path)
    assert "台账" not in calls and book.formulas.counts


def test_formulas_found_a_stretch_at_a_time_are_those_found_in_one_pass(monkeypatch, tmp_path):
    """read_book looks for formulas a megabyte of rows at a time (so calamine's thread gets Python's lock between
    stretches); cut into stretches of 2,000 bytes, a ledger with formulas typed over and typed in shows the same."""
    from hx_excel.ledger import book as book_module
    from hx_excel.ledger.schema import FIRST_DATA_ROW, SHEET, column_index
    from hx_excel.ledger.template import build_workbook
    from hx_excel.policy import default_policy

    wb = build_workbook(default_policy(), township="青岩镇", rows=60)
    ws = wb[SHEET]
    for row in range(FIRST_DATA_ROW, FIRST_DATA_ROW + 60, 7):
        ws.cell(row, column_index("name"), "=1+1")
        ws.cell(row + 1, column_index("grade"), "绿")
    path = tmp_path / "台账.xlsx"
    wb.save(path)
    whole = read_book(path)
    monkeypatch.setattr(book_module, "_STRETCH", 2_000)
    cut = read_book(path)
    assert cut.typed_formulas == whole.typed_formulas and len(whole.typed_formulas) == 9
    assert cut.formulas == whole.formulas and len(whole.formulas_gone()) == 9

"""Headless LibreOffice wrapper: recalculation, error reporting, PDF/PNG rendering.

These tests do not skip when soffice is missing: CI installs it (.ci/install-system-packages), so a missing
LibreOffice must show up as a failure carrying the LibreOfficeMissing message.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from hx_excel.office.libreoffice import (
    LibreOfficeError,
    LibreOfficeMissing,
    find_soffice,
    pdf_to_png,
    recalculate,
    to_pdf,
)

pytestmark = pytest.mark.libreoffice


@pytest.fixture(autouse=True)
def _require_soffice() -> None:
    if find_soffice() is None:
        pytest.fail(str(LibreOfficeMissing()), pytrace=False)


def _formula_workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "台账"
    ws["A1"], ws["A2"], ws["A3"] = 5, 7, 5
    ws["B1"] = "=A1*2"
    ws["B2"] = "=SUMPRODUCT(--(A1:A3=A1))"
    ws["B3"] = "=DATE(2022,4,14)+7"
    ws["B3"].number_format = "yyyy-mm-dd"
    ws["B4"] = '="红"&"色"'
    ws["B5"] = '=IF(B2>=2,"黄","绿")'
    wb.save(path)
    return path


def _values(path: Path) -> dict[str, object]:
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb.active
    return {ref: ws[ref].value for ref in ("B1", "B2", "B3", "B4", "B5")}


def test_recalculate_computes_formulas(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    src = _formula_workbook(tmp_path / "in" / "监测台账.xlsx")
    # openpyxl writes formulas without cached values.
    assert _values(src) == dict.fromkeys(("B1", "B2", "B3", "B4", "B5"))

    [out] = recalculate([src], tmp_path / "out")

    assert out == (tmp_path / "out" / "监测台账.xlsx").resolve()
    assert _values(out) == {
        "B1": 10,
        "B2": 2,
        "B3": dt.datetime(2022, 4, 21),
        "B4": "红色",
        "B5": "黄",
    }
    # The formulas themselves survive the round trip.
    assert openpyxl.load_workbook(out).active["B2"].value == "=SUMPRODUCT(--(A1:A3=A1))"


def test_recalculate_many_files_in_input_order(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    srcs = []
    for name, value in (("c", 1), ("a", 2), ("b", 3)):
        wb = openpyxl.Workbook()
        wb.active["A1"] = value
        wb.active["B1"] = "=A1*100"
        wb.save(tmp_path / "in" / f"{name}.xlsx")
        srcs.append(tmp_path / "in" / f"{name}.xlsx")

    outs = recalculate(srcs, tmp_path / "out")

    assert [p.name for p in outs] == ["c.xlsx", "a.xlsx", "b.xlsx"]
    assert [openpyxl.load_workbook(p, data_only=True).active["B1"].value for p in outs] == [100, 200, 300]


def test_stale_cached_values_are_recalculated(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    first = _formula_workbook(tmp_path / "in" / "ledger.xlsx")
    [calculated] = recalculate([first], tmp_path / "pass1")
    assert _values(calculated)["B1"] == 10

    # The LibreOffice output carries cached values; change an input cell with openpyxl and recalculate again.
    # (openpyxl drops every cached value when it saves, so this alone does not prove OOXMLRecalcMode=0;
    # the next test does.)
    wb = openpyxl.load_workbook(calculated)
    wb.active["A1"] = 50
    changed = tmp_path / "in2" / "ledger.xlsx"
    changed.parent.mkdir()
    wb.save(changed)

    [recalculated] = recalculate([changed], tmp_path / "pass2")
    assert _values(recalculated)["B1"] == 100
    assert _values(recalculated)["B2"] == 1


def test_stale_cached_value_in_sheet_xml_is_not_trusted(tmp_path: Path) -> None:
    """A cached <v> that contradicts the formula (as a file saved by Excel/WPS may have) is recomputed.

    Without OOXMLRecalcMode=0 in the profile, LibreOffice would keep the stale 999.
    """
    (tmp_path / "in").mkdir()
    [calculated] = recalculate([_formula_workbook(tmp_path / "in" / "ledger.xlsx")], tmp_path / "pass1")

    stale = tmp_path / "in2" / "ledger.xlsx"
    stale.parent.mkdir()
    _rewrite_member(calculated, stale, "xl/worksheets/sheet1.xml", _set_cached_value("B1", "999"))
    assert _values(stale)["B1"] == 999  # the file really carries the stale value

    [recalculated] = recalculate([stale], tmp_path / "pass2")
    assert _values(recalculated)["B1"] == 10


def test_non_workbook_gives_clear_error(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    good = _formula_workbook(tmp_path / "in" / "good.xlsx")
    bad = tmp_path / "in" / "not-a-workbook.xlsx"
    bad.write_text("这不是工作簿 / this is not a workbook\n", encoding="utf-8")

    with pytest.raises(LibreOfficeError) as info:
        recalculate([good, bad], tmp_path / "out")

    message = str(info.value)
    assert str(bad.resolve()) in message
    assert message.splitlines()[0].startswith("LibreOffice 未能把 2 个文件中的 1 个转成重新计算后的 xlsx 文件：not-a-workbook.xlsx")
    assert info.value.missing == [bad.resolve()]
    assert str(good.resolve()) not in message.split("soffice 的")[0]
    assert "good.xlsx" not in message.split("soffice 的")[0]


def test_refuses_to_overwrite_input(tmp_path: Path) -> None:
    src = _formula_workbook(tmp_path / "ledger.xlsx")
    with pytest.raises(ValueError, match="会覆盖输入文件本身"):
        recalculate([src], tmp_path)


def test_a_soffice_that_hangs_is_killed_and_said_in_chinese(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    hanging = tmp_path / "soffice"
    hanging.write_text("#!/bin/sh\nsleep 60\n", encoding="utf-8")
    hanging.chmod(0o755)
    monkeypatch.setenv("HX_SOFFICE", str(hanging))
    with pytest.raises(LibreOfficeError) as info:
        to_pdf(_formula_workbook(tmp_path / "ledger.xlsx"), tmp_path / "out", timeout=1)
    assert str(info.value).splitlines()[0] == "LibreOffice 在 1 秒内没有完成转换，已强行结束。"


def test_a_soffice_that_cannot_run_is_said_in_chinese(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    not_runnable = tmp_path / "soffice"
    not_runnable.write_text("no execute permission\n", encoding="utf-8")
    not_runnable.chmod(0o644)
    monkeypatch.setenv("HX_SOFFICE", str(not_runnable))
    with pytest.raises(LibreOfficeError, match=r"无法启动 LibreOffice（.*soffice）：没有执行权限"):
        to_pdf(_formula_workbook(tmp_path / "ledger.xlsx"), tmp_path / "out")


def test_missing_soffice_message(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HX_SOFFICE", str(tmp_path / "no-such-soffice"))
    assert find_soffice() is None
    with pytest.raises(LibreOfficeMissing, match=r"\.ci/install-system-packages"):
        recalculate([_formula_workbook(tmp_path / "ledger.xlsx")], tmp_path / "out")


def test_pdf_and_png_render(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    src = _formula_workbook(tmp_path / "in" / "红黄绿台账.xlsx")
    wb = openpyxl.load_workbook(src)
    ws = wb.active
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.column_dimensions["B"].width = 14
    wb.save(src)

    pdf = to_pdf(src, tmp_path / "pdf")
    assert pdf == (tmp_path / "pdf" / "红黄绿台账.pdf").resolve()
    assert pdf.read_bytes().startswith(b"%PDF")

    pngs = pdf_to_png(pdf, tmp_path / "png" / "page")
    assert len(pngs) >= 1
    assert pngs[0].name == "page-1.png"
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in pngs)


# --- helpers for hand-editing an .xlsx ---------------------------------------------------------------------


def _rewrite_member(src: Path, dst: Path, member: str, edit) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == member:
                data = edit(data.decode("utf-8")).encode("utf-8")
            zout.writestr(item, data)


def _set_cached_value(ref: str, value: str):
    def edit(xml: str) -> str:
        cell = re.compile(rf'(<c r="{ref}"[^>]*>.*?<v>)([^<]*)(</v>)', re.S)
        new, count = cell.subn(rf"\g<1>{value}\g<3>", xml, count=1)
        assert count == 1, f"no cached value for {ref} in sheet XML"
        return new

    return edit

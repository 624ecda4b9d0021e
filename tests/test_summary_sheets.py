"""`hx-excel summary`: the report as the district opens, filters and prints it (issue 17 point 9, the mutation run
over operations/summary.py found its layout untested) — where each table and its header stand, the header frozen and
repeated on every page, the filter over exactly the table, the total row bold across it, long texts wrapped, dates
and rates formatted, the charts drawn from 分级汇总's household counts in the grades' colours. Column widths, font
sizes and chart sizes are left free.

The district (month 2022-07, day 07-31), files in folder order:
  石板镇.xlsx  S1 脱贫户 entered 05-01, nothing since (D3 and D4 overdue); its second member is also Q3's: this newer
              file counts him. Not reviewed for July.
  青岩镇.xlsx  Q1 R1 红, clue 07-01 never checked (D1); Q2 G3 绿 with a measure done 07-05; Q3 (left out). Reviewed.
  备忘.xlsx    not a workbook.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from itertools import count

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from conftest import household, person as _person
from hx_excel.cli import main
from hx_excel.core.models import Measure
from hx_excel.files.save import save_workbook
from hx_excel.ledger.schema import SHEET
from hx_excel.ledger.template import build_workbook
from hx_excel.ledger.writer import RowWriter
from hx_excel.policy import default_policy

_days = count()
COLOURS = ["FF0000", "FFC000", "00B050", "BFBFBF", "7F7F7F", "8EA9DB"]     # 红 黄 绿 无 待补充 不在监测范围


def person(name: str, relation: str = "户主", **facts) -> dict:
    facts.setdefault("born", date(1960, 1, 1) + timedelta(days=next(_days) * 37))
    return _person(name, relation, **facts)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    policy = default_policy()
    folder = tmp_path_factory.mktemp("台账")

    def ledger(name, township, village, households):
        wb = build_workbook(policy, township=township, villages=(village,), rows=40)
        RowWriter(wb[SHEET]).write(households)
        save_workbook(wb, folder / name)
        return folder / name

    shared = person("共用", "之子")
    qingyan = ledger("青岩镇.xlsx", "青岩镇", "龙井村", [
        household([person("甲")], household_id="Q1", village="龙井村", annual_net_income=3_000,
                  clue_on=date(2022, 7, 1), risk_types=["因病"]),
        household([person("乙")], household_id="Q2", village="龙井村", subsidies_undelivered=True,
                  measures=[Measure(category="产业帮扶", text="养殖", completed_on=date(2022, 7, 5))]),
        household([person("丙"), shared], household_id="Q3", village="龙井村")])
    assert main(["review", str(qingyan), "--month", "2022-07"]) == 0
    for backup in folder.glob("*.bak-*"):
        backup.unlink()
    shiban = ledger("石板镇.xlsx", "石板镇", "石板村", [
        household([person("丁"), shared], household_id="S1", village="石板村", entered_on=date(2022, 5, 1))])
    (folder / "备忘.xlsx").write_bytes(b"not a workbook")
    os.utime(qingyan, (1_700_000_000, 1_700_000_000))
    os.utime(shiban, (1_700_000_100, 1_700_000_100))
    out = folder.parent / "月报.xlsx"
    assert main(["summary", str(folder), "--month", "2022-07", "-o", str(out)]) == 1
    return load_workbook(out)


def cells(ws, ref: str) -> list:
    first, _, last = ref.partition(":")
    low, high = ws[first], ws[last or first]
    return [ws.cell(r, c) for r in range(low.row, high.row + 1) for c in range(low.column, high.column + 1)]


def bold(ws, ref: str) -> list[bool]:
    return [bool(c.font.b) for c in cells(ws, ref)]


def is_header(ws, ref: str) -> bool:
    """Bold, centred and wrapped: how every table's header row is set."""
    return all(c.font.b and c.alignment.horizontal == "center" and c.alignment.wrap_text for c in cells(ws, ref))


def test_the_report_opens_on_its_explanation_and_prints_ruled_tables(report):
    assert report.active.title == "说明"
    for ws in report.worksheets:
        assert ws["A1"].value.startswith("花溪区防贫监测月报 2022年7月") and ws["A1"].font.b, ws.title
        assert ws.print_options.gridLines == (ws.title != "图表"), ws.title


def test_the_explanation_sheet(report):
    ws = report["说明"]
    first = [ws.cell(r, 1).value for r in range(1, 22)]
    expected = ["花溪区防贫监测月报", "评估日期：2022-07-31", "读取台账 2 本", "本月报只写户主姓名", None, "已读取的台账", "文件",
                "石板镇.xlsx", "青岩镇.xlsx", None, "无法读取的文件", "文件", "备忘.xlsx", None, "重复的台账和人员", "重复的",
                "身份证号", None, "表中显示的“预警分级”与本工具计算不一致之处", "文件", "（无）"]
    assert [v if v is None else v[:len(e)] for v, e in zip(first, expected)] == expected
    assert ws.max_row == 21
    assert bold(ws, "A6") + bold(ws, "A11") + bold(ws, "A15") + bold(ws, "A19") == [True] * 4
    assert is_header(ws, "A7:E7") and is_header(ws, "A12:B12") and is_header(ws, "A16:E16") and is_header(ws, "A20:D20")
    assert "B13:E13" in {str(r) for r in ws.merged_cells.ranges} and ws["B13"].alignment.wrap_text   # the reason
    assert ws["E17"].alignment.wrap_text                                                          # the duplicate
    assert ws.freeze_panes == "A8" and ws.auto_filter.ref is None


def test_the_count_tables(report):
    for title, last_column, lead in (("分级汇总", "O", ("乡镇",)), ("监测类别", "K", ("乡镇",)),
                                     ("分村汇总", "P", ("乡镇", "村"))):
        ws = report[title]
        width = len(lead)
        for column, name in enumerate(lead, start=1):
            cell = ws.cell(2, column)
            assert cell.value == name and cell.font.b and cell.alignment.horizontal == "center", title
            letter = get_column_letter(column)
            assert f"{letter}2:{letter}3" in {str(r) for r in ws.merged_cells.ranges}
        households = ws.cell(2, width + 1)
        assert households.value == "户数" and households.font.b, title
        keys = (ws.max_column - width) // 2
        block = f"{get_column_letter(width + 1)}2:{get_column_letter(width + keys)}2"
        assert block in {str(r) for r in ws.merged_cells.ranges}, title
        assert is_header(ws, f"{get_column_letter(width + 1)}3:{last_column}3")
        assert ws.cell(4, 1).value == "石板镇" and ws.cell(6, 1).value == "合计" and ws.max_row == 6
        assert all(bold(ws, f"A6:{last_column}6")) and not any(bold(ws, f"A5:{last_column}5")), title
        assert ws.freeze_panes == "B4", title
        assert ws.print_title_rows.replace("$", "") == "1:3", title
        assert ws.auto_filter.ref == ("A3:P6" if width == 2 else None), title


def test_the_moves_sheet(report):
    ws = report["本月变动"]
    assert ws["A2"].value == "石板镇（石板镇.xlsx）：未做本月研判" and ws["A2"].font.b and ws["A3"].value is None
    assert ws["A4"].value == "乡镇" and is_header(ws, "A4:K4")
    assert [ws.cell(r, 1).value for r in (5, 6, 7)] == ["石板镇", "青岩镇", "合计"]
    assert all(bold(ws, "A7:J7")) and not ws["K7"].font.b and not any(bold(ws, "A6:J6"))
    assert ws["A8"].value is None and ws["A9"].value == "本月有变动的户（不含“不变”）" and ws["A9"].font.b
    assert ws["A10"].value == "乡镇" and is_header(ws, "A10:G10")
    assert [ws.cell(r, 3).value for r in (11, 12, 13)] == ["Q1", "Q2", None]
    assert ws.freeze_panes == "B5"
    assert not (ws.print_title_rows or "").replace("$", "").startswith("1:")   # the notes above not on every page


@pytest.mark.parametrize("title, columns, last, dates", [("逾期事项", "H", 7, "G"), ("D7问责清单", "J", 7, "I")])
def test_the_lists_of_steps(report, title, columns, last, dates):
    ws = report[title]
    assert is_header(ws, f"A2:{columns}2")
    assert ws["A3"].value and ws.cell(last, 1).value and ws.cell(last + 1, 1).value is None
    assert ws.auto_filter.ref == f"A2:{columns}{last}"
    assert ws.freeze_panes == "B3" and ws.print_title_rows.replace("$", "") == "1:2"
    assert all(ws[f"{dates}{r}"].number_format == "yyyy-mm-dd" for r in range(3, last + 1))


def test_the_accountability_list_wraps_what_is_missing(report):
    ws = report["D7问责清单"]
    assert all(ws[f"H{r}"].alignment.wrap_text for r in range(3, 8))
    assert not ws["H8"].alignment.wrap_text and not ws["I3"].alignment.wrap_text


def test_the_measures_and_risk_types(report):
    ws = report["措施落实"]
    assert is_header(ws, "A2:E2")
    assert [ws.cell(r, 1).value for r in (3, 4, 5)] == ["产业帮扶", "合计", None]
    assert ws["E3"].number_format == ws["E4"].number_format == "0.0%" and ws["E5"].number_format == "General"
    assert all(bold(ws, "A4:E4")) and ws.freeze_panes == "B3"
    risks = report["风险类型"]
    columns = risks.max_column
    assert is_header(risks, f"A2:{get_column_letter(columns)}2")
    assert [risks.cell(r, 1).value for r in (3, 4, 5)] == ["石板镇", "青岩镇", "合计"]
    assert [risks.cell(3, c).value for c in range(2, columns + 1)] == [0] * (columns - 1)   # 石板镇: none
    assert all(bold(risks, f"A5:{get_column_letter(columns)}5"))
    assert not risks.cell(5, columns + 1).font.b and risks.freeze_panes == "B3"


def test_the_charts_draw_the_household_counts_in_the_grades_colours(report):
    ws = report["图表"]
    assert ws["A2"].value == "图表的数据取自“分级汇总”表的户数。" and ws["A2"].font.b and ws.freeze_panes == "A3"
    bar, pie = sorted(ws._charts, key=lambda c: type(c).__name__)
    assert type(bar).__name__ == "BarChart" and type(pie).__name__ == "PieChart"
    assert bar.title.tx.rich.p[0].r[0].t == "各乡镇分级户数" and pie.title.tx.rich.p[0].r[0].t == "全部户分级构成"
    # one series a grade, over the townships (rows 4–5 of 分级汇总, above its 合计), named by row 3's header
    assert [s.val.numRef.f for s in bar.series] == [f"'分级汇总'!${c}$4:${c}$5" for c in "BCDEFG"]
    assert [s.tx.strRef.f for s in bar.series] == [f"'分级汇总'!{c}3" for c in "BCDEFG"]
    assert {(s.cat.numRef or s.cat.strRef).f for s in bar.series} == {"'分级汇总'!$A$4:$A$5"}
    assert [s.graphicalProperties.solidFill.srgbClr for s in bar.series] == COLOURS
    assert [s.graphicalProperties.line.solidFill.srgbClr for s in bar.series] == COLOURS
    assert bar.x_axis.delete is False and bar.y_axis.delete is False
    # the pie: the district's 合计 row (6), the grades as its categories, each slice in its grade's colour, percent
    (slices,) = pie.series
    assert slices.val.numRef.f == "'分级汇总'!$B$6:$G$6" and (slices.cat.numRef or slices.cat.strRef).f == "'分级汇总'!$B$3:$G$3"
    assert slices.tx is None
    assert [(p.idx, p.graphicalProperties.solidFill.srgbClr) for p in slices.dPt] == list(enumerate(COLOURS))
    labels = pie.dataLabels
    assert (labels.showPercent, labels.showVal, labels.showCatName, labels.showSerName, labels.showLegendKey) == (
        True, False, False, False, False)


def test_a_duplicate_row_is_tall_enough_for_its_wrapped_message(report):
    """说明's duplicates: the message (60 wide) and the file names wrap, and the row is made tall enough for them,
    or the printed lines run into the next row (mutant n22 of the second run: the heights measured on empty text)."""
    ws = report["说明"]
    message = ws["E17"].value
    assert len(message) > 60 // 2                          # more Chinese characters than the column holds on one line
    lines = -(-len(message) * 2 // 60)                      # each character two widths wide
    assert ws.row_dimensions[17].height and ws.row_dimensions[17].height >= 14 * lines

"""`hx-excel summary`: the district's monthly report, from real township ledgers with real review records.

Expected counts are worked out by hand from the document's rules (assessment date 2022-07-31, the line L = 6700):
青岩镇  H1 龙井村 2 人 脱贫户 30000 → 15000/人               无
        H2 龙井村 2 人 脱贫户 10000 → 5000/人 < L (R1)       红, 脱贫不稳定户; entered 07-11, no contact/measures → D3
        H3 思潜村 1 人 脱贫户 8000, 就医 2000 → 6000 < L (Y1) 黄, 突发严重困难户; clue 07-01, no check → D1 (07-08)
        H4 思潜村 2 人 低保户 (S2): June 30000 + 卫生差 (G2) 绿 → July 10000 (R1) 红, 边缘易致贫户: 升级
石板镇  S1 石板村 3 人 脱贫户 15000 → 5000/人 (R1)          红, 脱贫不稳定户; entered 05-01, visited 05-20 → D4 (06-30)
        S2 石板村 1 人 脱贫户 30000, 卫生差 (G2)              绿, 绿色预警台账
        S3 石板村 1 人 脱贫户, income blank                   待补充
"""

from __future__ import annotations

import hashlib
import os
import io
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from hx_excel.cli import main
from hx_excel.core.id_number import make_valid
from hx_excel.files.save import save_workbook
from hx_excel.ledger.schema import FIRST_DATA_ROW, SHEET, column_index, column_letter
from hx_excel.ledger.template import build_workbook
from hx_excel.office.libreoffice import find_soffice, recalculate
from hx_excel.operations.summary import SHEETS
from hx_excel.policy import default_policy

_seq = iter(range(11, 999, 2))
IDS: list[str] = []
HEALTH_WORDS = ("健康状况", "残疾", "大病", "慢性病", "患有")


def person(household: str, name: str, relation: str = "户主", **facts) -> dict:
    number = make_valid("520111", date(1975, 3, 3), next(_seq))
    IDS.append(number)
    values = {"household_id": household, "name": name, "relation": relation, "id_number": number,
              "labour": "普通劳动力", "health": "健康"}
    if relation == "户主":
        values.update(household_type="脱贫户", annual_net_income=30000, food_clothing_secured="是", water_secured="是")
    values.update(facts)
    return values


def ledger(path: Path, township: str, villages: tuple[str, ...], rows: list[dict]) -> Path:
    wb = build_workbook(default_policy(), township=township, villages=villages, rows=len(rows) + 20)
    for offset, values in enumerate(rows):
        for key, value in values.items():
            wb[SHEET].cell(FIRST_DATA_ROW + offset, column_index(key), value)
    save_workbook(wb, path)
    return path


def qingyan(folder: Path) -> Path:
    return ledger(folder / "青岩镇.xlsx", "青岩镇", ("龙井村", "思潜村"), [
        person("H1", "户主一", village="龙井村"),
        person("H1", "成员一", "配偶", village="龙井村"),
        person("H2", "户主二", village="龙井村", annual_net_income=10000, risk_types="因务工就业不稳",
               clue_on=date(2022, 6, 28), household_check_on=date(2022, 6, 29), application_on=date(2022, 6, 30),
               notice_start_on=date(2022, 7, 1), notice_end_on=date(2022, 7, 6),
               township_review_on=date(2022, 7, 7), district_approval_on=date(2022, 7, 8),
               entered_on=date(2022, 7, 11)),
        person("H2", "成员二", "之子", village="龙井村", health="患有大病", disability="二级"),
        person("H3", "户主三", village="思潜村", annual_net_income=8000, rigid_spending_medical=2000,
               clue_on=date(2022, 7, 1), risk_types="因病"),
        person("H4", "户主四", village="思潜村", household_type="低保户", has_dibao="是", poor_hygiene="是"),
        person("H4", "成员四", "配偶", village="思潜村", health="长期慢性病"),
    ])


def shiban(folder: Path) -> Path:
    return ledger(folder / "石板镇.xlsx", "石板镇", ("石板村",), [
        person("S1", "户主五", village="石板村", annual_net_income=15000, risk_types="因病、缺劳动力",
               entered_on=date(2022, 5, 1), contact_name="干部甲", contact_assigned_on=date(2022, 5, 5),
               measure_category="产业帮扶", measure_text="发展养殖", measure_decided_on=date(2022, 5, 5),
               measure_completed_on=date(2022, 7, 10), last_visit_on=date(2022, 5, 20),
               last_review_on=date(2022, 7, 5)),
        person("S1", "成员五", "配偶", village="石板村", measure_category="就业帮扶", measure_text="务工",
               measure_decided_on=date(2022, 5, 5)),
        person("S1", "成员六", "之女", village="石板村"),
        person("S2", "户主六", village="石板村", poor_hygiene="是"),
        person("S3", "户主七", village="石板村", annual_net_income=None),
    ])


def set_cell(path: Path, row: int, key: str, value) -> None:
    wb = load_workbook(path)
    wb[SHEET].cell(row, column_index(key), value)
    save_workbook(wb, path)


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def cells(wb) -> list[str]:
    return [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def table(ws, header_row: int, key_column: int = 1) -> dict[str, list]:
    """Rows under `header_row` by their first cell, until a blank first cell."""
    found = {}
    for row in ws.iter_rows(min_row=header_row + 1, values_only=True):
        if row[key_column - 1] is None:
            break
        found[row[key_column - 1]] = list(row)
    return found


@pytest.fixture
def district(tmp_path):
    folder = tmp_path / "台账"
    folder.mkdir()
    first = qingyan(folder)
    shiban(folder)
    assert main(["review", str(first), "--month", "2022-06"]) == 0          # H2 (clue 06-28) red, H4 green: 首次记录
    set_cell(first, FIRST_DATA_ROW + 5, "annual_net_income", 10000)         # H4: 5000/人 → R1 red
    assert main(["review", str(first), "--month", "2022-07"]) == 0          # H2 新纳入 (07-11), H3 首次记录, H4 升级
    (folder / "备忘.xlsx").write_text("这不是工作簿", encoding="utf-8")
    return folder


def test_the_monthly_summary_of_a_district(district, tmp_path, capsys):
    before = digests(district)
    out = tmp_path / "月报.xlsx"
    assert main(["summary", str(district), "--month", "2022-07", "-o", str(out)]) == 1    # one file unreadable
    printed = capsys.readouterr()
    assert "已读取：青岩镇.xlsx" in printed.out and "已读取：石板镇.xlsx" in printed.out
    assert "无法读取：备忘.xlsx" in printed.out and f"已写入 {out}" in printed.out
    assert digests(district) == before                                       # the ledgers untouched

    wb = load_workbook(out)
    assert wb.sheetnames == list(SHEETS)
    about = wb["说明"]
    assert about["A1"].value == "花溪区防贫监测月报 2022年7月"
    texts = [c for c in cells(wb) if c]
    assert "备忘.xlsx" in texts and any("不是 Excel 工作簿" in t for t in texts)
    files = {r[0]: r for r in about.iter_rows(values_only=True) if r[0] in ("青岩镇.xlsx", "石板镇.xlsx")}
    assert files["青岩镇.xlsx"][1:4] == ("青岩镇", 4, 7) and files["石板镇.xlsx"][1:4] == ("石板镇", 3, 5)

    grades = table(wb["分级汇总"], 3)
    assert [c.value for c in wb["分级汇总"][3]][1:8] == ["红", "黄", "绿", "无", "待补充", "不在监测范围", "合计"]
    #                   households: 红 黄 绿 无 待补充 不在范围 合计 | persons: 红 黄 绿 无 待补充 不在范围 合计
    assert grades["青岩镇"][1:] == [2, 1, 0, 1, 0, 0, 4, 4, 1, 0, 2, 0, 0, 7]
    assert grades["石板镇"][1:] == [1, 0, 1, 0, 1, 0, 3, 3, 0, 1, 0, 1, 0, 5]
    assert grades["合计"][1:] == [3, 1, 1, 1, 1, 0, 7, 7, 1, 1, 2, 1, 0, 12]

    # the district by township and village: 龙井村 H1 无 (2 persons), H2 红 (2); 思潜村 H3 黄 (1), H4 红 (2)
    villages = {(r[0], r[1]): list(r[2:]) for r in wb["分村汇总"].iter_rows(min_row=4, values_only=True) if r[1]}
    assert villages[("青岩镇", "龙井村")] == [1, 0, 0, 1, 0, 0, 2, 2, 0, 0, 2, 0, 0, 4]
    assert villages[("青岩镇", "思潜村")] == [1, 1, 0, 0, 0, 0, 2, 2, 1, 0, 0, 0, 0, 3]
    assert villages[("石板镇", "石板村")] == grades["石板镇"][1:]
    assert (wb["分村汇总"]["A2"].value, wb["分村汇总"]["B2"].value) == ("乡镇", "村")
    totals = [r for r in wb["分村汇总"].iter_rows(min_row=4, values_only=True) if r[0] == "合计"]
    assert [list(r[2:]) for r in totals] == [grades["合计"][1:]]

    categories = table(wb["监测类别"], 3)     # 脱贫不稳定户 边缘易致贫户 突发严重困难户 绿色预警台账 合计, ×2
    assert categories["青岩镇"][1:] == [1, 1, 1, 0, 3, 2, 2, 1, 0, 5]
    assert categories["石板镇"][1:] == [1, 0, 0, 1, 2, 3, 0, 0, 1, 4]

    moves = wb["本月变动"]
    assert any(c.value and "石板镇" in str(c.value) and "未做本月研判" in str(c.value) for c in moves["A"])
    header = next(r for r in moves.iter_rows() if r[0].value == "乡镇" and r[1].value == "新纳入")[0].row
    counts = table(moves, header)
    #                  新纳入 H2 · 首次记录 H3 · 升级 H4 · 降级 · 不变 · 待补充 · 风险消除 · 销号 · 合计
    assert counts["青岩镇"][1:10] == [1, 1, 1, 0, 0, 0, 0, 0, 3]
    assert counts["石板镇"][10] == "未做本月研判"
    moved = [r[:7] for r in moves.iter_rows(values_only=True) if r[2] == "H4"]
    assert moved == [("青岩镇", "思潜村", "H4", "户主四", "绿", "红", "升级")]

    overdue = {(r[2], r[4], r[7]) for r in wb["逾期事项"].iter_rows(min_row=3, values_only=True) if r[0]}
    assert overdue == {("H2", "D3", 20 - 10), ("H3", "D1", 31 - 8), ("S1", "D4", 31)}   # D3 twice: contact, measures
    assert sum(1 for r in wb["逾期事项"].iter_rows(min_row=3, values_only=True) if r[2] == "H2") == 2

    d7 = [r for r in wb["D7问责清单"].iter_rows(min_row=3, values_only=True) if r[0]]
    by_kind = {(r[0][:3], r[3], r[6]) for r in d7}
    assert by_kind == {("(a)", "H3", "D1"), ("(a)", "H4", "D1"), ("(b)", "H2", "D3"), ("(c)", "S1", "D4")}
    h2 = [r for r in d7 if r[3] == "H2"]
    assert len(h2) == 2 and {"确定帮扶联系人", "明确帮扶措施并录入系统"} == {r[7].rpartition("未")[2] for r in h2}
    assert all(r[5] and "*" in r[5] for r in d7)                            # masked head IDs

    measures = table(wb["措施落实"], 2)
    assert measures["产业帮扶"][1:] == [1, 1, 1, 1.0] and measures["就业帮扶"][1:] == [1, 1, 0, 0.0]
    assert measures["合计"][1:] == [1, 2, 1, 0.5]

    risk_ws = wb["风险类型"]
    headers = [c.value for c in risk_ws[2]]
    risks = table(risk_ws, 2)
    assert risks["青岩镇"][headers.index("因病")] == 1 and risks["石板镇"][headers.index("缺劳动力")] == 1
    assert risks["合计"][headers.index("因病")] == 2 and risks["合计"][headers.index("因务工就业不稳")] == 1

    charts = wb["图表"]._charts
    assert {type(c).__name__ for c in charts} == {"BarChart", "PieChart"}

    for text in texts:
        assert not any(number in text for number in IDS), text                 # no full ID number anywhere
        assert not any(word in text for word in HEALTH_WORDS), text            # no health detail anywhere
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1 and ws.freeze_panes
    assert wb["分级汇总"]["B3"].font.b and wb["分级汇总"]["B3"].font.name == "宋体"


def test_one_township_is_summed_by_village(tmp_path):
    first = qingyan(tmp_path)
    out = tmp_path / "报表" / "月报.xlsx"
    out.parent.mkdir()
    assert main(["summary", str(first), "--month", "2022-07", "-o", str(out)]) == 0
    wb = load_workbook(out)
    assert wb["分级汇总"]["A2"].value == "村"
    grades = table(wb["分级汇总"], 3)
    assert grades["龙井村"][1:8] == [1, 0, 0, 1, 0, 0, 2] and grades["思潜村"][1:8] == [0, 1, 1, 0, 0, 0, 2]   # H4 green
    assert grades["合计"][1:8] == [1, 1, 1, 1, 0, 0, 4]
    moves = wb["本月变动"]
    assert any(c.value and "未做本月研判" in str(c.value) for c in moves["A"])


def test_nothing_readable_is_refused(tmp_path, capsys):
    (tmp_path / "备忘.xlsx").write_text("x", encoding="utf-8")
    assert main(["summary", str(tmp_path), "--month", "2022-07", "-o", str(tmp_path / "out" / "月报.xlsx")]) == 2
    assert "错误：没有可读取的台账" in capsys.readouterr().err


def test_the_report_is_never_written_over_a_ledger(tmp_path, capsys):
    first = qingyan(tmp_path)
    before = first.read_bytes()
    assert main(["summary", str(first), "--month", "2022-07", "-o", str(first)]) == 2
    assert first.read_bytes() == before and "错误：" in capsys.readouterr().err


def _set_cached_grade(path: Path, row: int, grade: str) -> None:
    """Change the value LibreOffice cached for 预警分级 on `row` of 台账, keeping its formula."""
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.search(rf'<sheet [^>]*name="{SHEET}"[^>]*r:id="([^"]+)"', workbook).group(1)
        target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) \
            or re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
        part = "xl/" + target.group(1).lstrip("/").removeprefix("xl/")
        parts = {name: archive.read(name) for name in archive.namelist()}
    xml = parts[part].decode()
    cell = re.compile(rf'(<c r="{column_letter("grade")}{row}"[^>]*?)(?: t="\w+")?([^>]*><f[^<]*(?:</f>)?)<v>[^<]*</v>')
    xml, changed = cell.subn(rf'\1 t="str"\2<v>{grade}</v>', xml, count=1)
    assert changed == 1
    parts[part] = xml.encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    path.write_bytes(buffer.getvalue())


@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice is not installed")
def test_a_cached_grade_that_disagrees_is_reported(tmp_path, capsys):
    source = shiban(tmp_path)
    saved = recalculate([source], tmp_path / "libreoffice")[0]
    _set_cached_grade(saved, FIRST_DATA_ROW, "绿")                # S1's head row: the core says 红
    out = tmp_path / "月报.xlsx"
    assert main(["summary", str(saved), "--month", "2022-07", "-o", str(out)]) == 1
    assert "不一致 1 处" in capsys.readouterr().out
    about = load_workbook(out)["说明"]
    rows = [r for r in about.iter_rows(values_only=True) if r[0] == "石板镇.xlsx" and r[1] == FIRST_DATA_ROW]
    assert rows == [("石板镇.xlsx", FIRST_DATA_ROW, "绿", "红", None)]


# ---- a second district, worked by hand: resubmission, a person in two townships, out of scope, D7 by the day -------
#
# Month 2022-07 (assessment day 07-31), L = 6,700. Files, oldest first:
#   青岩镇台账.xlsx       Q1–Q5                     } the same township twice: the newest, 青岩镇台账(1).xlsx, counts;
#   青岩镇台账(1).xlsx    Q1–Q4 (Q5 taken out)      } the other is left out whole (Q5 is not counted)
#   石板镇台账.xlsx       S1, S2 (S2 is Q4's person) — newer than 青岩镇台账(1): S2 counts, Q4 is left out
#   马铃乡台账.xlsx       M1 (无, never monitored: nothing to review, so no “未做本月研判”)
# 青岩镇 and 石板镇 both have a 龙井村: two rows by village, never merged.
#   Q1 脱贫户 2 人 10,000 → 5,000 < L: 红, 脱贫不稳定户. Clue 07-01, checked 07-12: D1 due 07-08, done 4 days late —
#      on July's D7 list (a) with 4 days (to the day it was done, not 23 to the month's end), though entered 07-25.
#      Contact and measures 07-28 (D3 due 08-04), visit 07-26, review 07-27. July review: entered in July → 新纳入.
#   Q2 一般农户 1 人 3,000: R1 red by its clauses, but in neither S1 nor S2 → 不在监测范围 (1 household, 1 person),
#      no category, no D7, never reviewed.
#   Q3 脱贫户 1 人 entered 02-01, 100,000 → 无, contact and measures 02-05, visit 07-05, 研判 typed as text “7月5日”:
#      the review's date cannot be read → D7 (c) names the unreadable date, not “未按月完成”; July review: 首次记录.
#   S1 脱贫户 1 人 资助未落实 (G3 绿, 绿色预警台账), visited 07-10. 石板镇 is not reviewed: “未做本月研判”.
#   S2, Q4, M1: 无, 1 person each.
# Grades (户 红 黄 绿 无 待补充 不在范围 合计 | 人 …):
#   青岩镇 1 0 0 1 0 1 3 | 2 0 0 1 0 1 4 · 石板镇 0 0 1 1 0 0 2 | 0 0 1 1 0 0 2 · 马铃乡 0 0 0 1 0 0 1 | 0 0 0 1 0 0 1
# August (08-31, no new review): Q1's late check stays in July; Q3's unreadable review date is still named.

def _second_district(folder: Path) -> Path:
    july = lambda day: date(2022, 7, day)  # noqa: E731
    q4 = person("Q4", "丁一", village="龙井村", annual_net_income=100000)
    rows = [
        person("Q1", "甲一", village="龙井村", annual_net_income=10000, clue_on=july(1), household_check_on=july(12),
               application_on=july(13), notice_start_on=july(14), notice_end_on=july(18), township_review_on=july(20),
               district_approval_on=july(22), entered_on=july(25), contact_name="干部甲", contact_assigned_on=july(28),
               measure_category="产业帮扶", measure_text="养殖", measure_decided_on=july(28), last_visit_on=july(26),
               last_review_on=july(27)),
        person("Q1", "甲二", "之子", village="龙井村"),
        person("Q2", "乙一", village="龙井村", household_type="一般农户", annual_net_income=3000),
        person("Q3", "丙一", village="龙井村", annual_net_income=100000, entered_on=date(2022, 2, 1),
               contact_name="干部乙", contact_assigned_on=date(2022, 2, 5), measure_category="产业帮扶",
               measure_text="务工", measure_decided_on=date(2022, 2, 5), last_visit_on=july(5), last_review_on="7月5日"),
        q4,
    ]
    old = ledger(folder / "青岩镇台账.xlsx", "青岩镇", ("龙井村",),
                 rows + [person("Q5", "戊一", village="龙井村", subsidies_undelivered="是")])
    new = ledger(folder / "青岩镇台账(1).xlsx", "青岩镇", ("龙井村",), rows)
    shiban_ = ledger(folder / "石板镇台账.xlsx", "石板镇", ("龙井村",), [
        person("S1", "己一", village="龙井村", subsidies_undelivered="是", last_visit_on=july(10)),
        person("S2", "庚一", village="龙井村", annual_net_income=100000) | {"id_number": q4["id_number"]}])
    maling = ledger(folder / "马铃乡台账.xlsx", "马铃乡", ("马铃村",),
                    [person("M1", "辛一", village="马铃村", annual_net_income=100000)])
    assert main(["review", str(new), "--month", "2022-07"]) == 1          # Q3's date typed as text: said
    for bak in folder.glob("*.bak-*"):
        bak.unlink()
    for age, path in enumerate((old, new, shiban_, maling)):
        os.utime(path, (1_700_000_000 + age * 100, 1_700_000_000 + age * 100))
    return folder


def test_a_second_district_counted_once_out_of_scope_apart_and_d7_by_the_day(tmp_path, capsys):
    folder = _second_district(tmp_path / "台账")
    out = tmp_path / "月报.xlsx"
    assert main(["summary", str(folder), "--month", "2022-07", "-o", str(out)]) == 1      # duplicates: said, exit 1
    printed = capsys.readouterr().out
    assert "青岩镇台账.xlsx 与 青岩镇台账(1).xlsx 都是青岩镇的台账：按较新的 青岩镇台账(1).xlsx 计入" in printed
    assert "按较新的 石板镇台账.xlsx 计入，青岩镇台账(1).xlsx 中户编号“Q4”一户未计入" in printed
    wb = load_workbook(out)
    about = [r for r in wb["说明"].iter_rows(values_only=True) if r[0] in ("乡镇", "身份证号")]
    assert [(r[0], r[1], r[2]) for r in about] == [("乡镇", "青岩镇台账(1).xlsx", "青岩镇台账.xlsx"),
                                                  ("身份证号", "石板镇台账.xlsx", "青岩镇台账(1).xlsx")]
    assert not any(str(c) in str(about) for c in IDS)                                # the shared ID is masked

    grades = table(wb["分级汇总"], 3)
    assert grades["青岩镇"][1:] == [1, 0, 0, 1, 0, 1, 3, 2, 0, 0, 1, 0, 1, 4]
    assert grades["石板镇"][1:] == [0, 0, 1, 1, 0, 0, 2, 0, 0, 1, 1, 0, 0, 2]
    assert grades["马铃乡"][1:] == [0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1]
    villages = [(r[0], r[1]) for r in wb["分村汇总"].iter_rows(min_row=4, values_only=True) if r[1]]
    assert sorted(villages) == sorted([("青岩镇", "龙井村"), ("石板镇", "龙井村"), ("马铃乡", "马铃村")])
    categories = table(wb["监测类别"], 3)
    assert categories["青岩镇"][1:6] == [1, 0, 0, 0, 1] and categories["石板镇"][1:6] == [0, 0, 0, 1, 1]

    moves = wb["本月变动"]
    notes = [str(c.value) for c in moves["A"] if c.value and "未做本月研判" in str(c.value)]
    assert len(notes) == 1 and notes[0].startswith("石板镇")                           # 马铃乡 has no one to review
    header = next(r for r in moves.iter_rows() if r[0].value == "乡镇" and r[1].value == "新纳入")[0].row
    assert table(moves, header)["青岩镇"][1:10] == [1, 1, 0, 0, 0, 0, 0, 0, 2]          # Q1 新纳入, Q3 首次记录

    d7 = [(r[0][:3], r[3], r[6], r[9], r[7]) for r in wb["D7问责清单"].iter_rows(min_row=3, values_only=True) if r[0]]
    assert [row[:4] for row in d7] == [("(a)", "Q1", "D1", 4), ("(c)", "Q3", "D4", None)]
    assert "逾期完成（2022-07-12）" in d7[0][4]
    assert "“最近村级研判日期”填写的内容无法识别为日期" in d7[1][4] and "未按月完成" not in d7[1][4]
    overdue = [(r[2], r[5], r[7]) for r in wb["逾期事项"].iter_rows(min_row=3, values_only=True) if r[2]]
    assert overdue == [("Q3", "本月村级集中研判（“最近村级研判日期”无法识别为日期，请改正）", None)]

    august = tmp_path / "八月.xlsx"
    assert main(["summary", str(folder), "--month", "2022-08", "-o", str(august)]) == 1
    d7 = [(r[0][:3], r[3]) for r in load_workbook(august)["D7问责清单"].iter_rows(min_row=3, values_only=True) if r[0]]
    assert d7 == [("(c)", "Q3")]                                                        # Q1's late check was July's


def test_ledgers_read_on_two_cores_give_the_same_report(district):
    """summary reads a district's ledgers in two processes (read_ledgers' workers): each ledger is digested where it
    is read, its 月度研判记录 with it, and only the digest travels back. The digests and the report — counts, the
    records of 07 (H2 新纳入, H3 首次记录, H4 升级), D7, the unreadable file — must be those read in one process."""
    from hx_excel.operations.summary import read_ledgers, summarize, summary_workbook
    policy, day = default_policy(), date(2022, 7, 31)
    made, digests = {}, {}
    for workers in (1, 2):
        ledgers, unread = read_ledgers([district], policy, day, month="2022-07", workers=workers)
        assert [x.name for x in ledgers] == ["石板镇.xlsx", "青岩镇.xlsx"]
        assert [name for name, _ in unread] == ["备忘.xlsx"]
        digests[workers] = ledgers
        made[workers] = cells(summary_workbook(summarize(ledgers, "2022-07", unread)))
    assert digests[2] == digests[1]
    assert made[2] == made[1]
    assert any("新纳入" in c for c in made[2]) and any("升级" in c for c in made[2])


def test_a_digest_is_the_ledger_as_the_report_takes_it(district):
    """What travels from the other process is a digest made for one month: the month's records of 月度研判记录 (H2's
    新纳入 of 07) and each household's counts, never the workbook; summing ledgers digested for another month is
    refused rather than mixing months."""
    import pickle

    from hx_excel.operations.summary import LedgerDigest, _read_one, read_ledgers, summarize
    read = _read_one(district / "青岩镇.xlsx", default_policy(), date(2022, 7, 31), "2022-07")
    assert isinstance(read, LedgerDigest) and pickle.loads(pickle.dumps(read)) == read
    assert read.month == "2022-07" and {r.month for r in read.records} == {"2022-07"}
    assert any(r.move == "新纳入" and r.household_id == "H2" for r in read.records)
    assert read.township == "青岩镇" and sum(h.persons for h in read.households) > 0
    june, _ = read_ledgers([district], default_policy(), date(2022, 6, 30))      # month: as_of's, 2022-06
    assert {d.month for d in june} == {"2022-06"}
    with pytest.raises(ValueError):
        summarize(june, "2022-07", [])


def test_readers_forked_or_spawned_give_the_same_digests(district, monkeypatch):
    """Where this system can fork, the other reader is a copy of this process (ready at once); elsewhere (Windows) a
    fresh one: the digests are the same either way."""
    from hx_excel.operations import summary
    policy, day = default_policy(), date(2022, 7, 31)
    forked, _ = summary.read_ledgers([district], policy, day, workers=2)
    monkeypatch.setattr(summary, "can_fork", lambda: False)
    spawned, _ = summary.read_ledgers([district], policy, day, workers=2)
    assert spawned == forked and [d.name for d in forked] == ["石板镇.xlsx", "青岩镇.xlsx"]

"""`hx-excel notice`: the village public notice (村级评议及公示) of D2 (识别纳入) and D5 (风险消除), from a real ledger
file through the real command line, read back from the workbook (and the PDF) it writes.

Expected values come from the document: the notice runs 5 days, the first day counted (D2 "村级评议及公示（5天）"; D5
takes the same 5 days, policy.md Decision); ID numbers are masked to the first 6 and last 4 characters; no health
facts on a public board.
"""

from __future__ import annotations

import os
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from hx_excel.cli import main
from hx_excel.core.id_number import make_valid
from hx_excel.files.save import save_workbook
from hx_excel.ledger.schema import FIRST_DATA_ROW, SHEET, column_index
from hx_excel.ledger.template import PARAMS, build_workbook
from hx_excel.office.libreoffice import find_soffice
from hx_excel.office.render import page_texts
from hx_excel.policy import default_policy

PHONE = "0851-83851234"
HEALTH_WORDS = ("大病", "重病", "残疾", "重残", "慢性病", "健康", "一级", "二级", "患有")
A4_PORTRAIT = (595.0, 842.0)   # points

# one ID per person, by name; the heads' masked forms are what the notice may show
IDS = {
    "龙甲": make_valid("520111", date(1968, 3, 1), 11), "龙甲妻": make_valid("520111", date(1970, 4, 2), 22),
    "龙乙": make_valid("520111", date(1975, 5, 3), 31), "龙乙子": make_valid("520111", date(2000, 6, 4), 33),
    "龙丙": make_valid("520111", date(1960, 7, 5), 41),
    "龙丁": make_valid("520111", date(1962, 8, 6), 51),
    "龙戊": make_valid("520111", date(1980, 9, 7), 61),
    "龙己": make_valid("520111", date(1981, 10, 8), 71),
    "北庚": make_valid("520111", date(1966, 11, 9), 81),
    "北辛": make_valid("520111", date(1985, 12, 10), 91),
    "龙庚": make_valid("520111", date(1977, 1, 11), 13),
    "龙辛": make_valid("520111", date(1978, 2, 12), 15),
    "龙壬": make_valid("520111", date(1979, 3, 13), 17),
}


def masked(name: str) -> str:
    """GB 11643 numbers on print: the first 6 and the last 4 characters, the 8 between as *."""
    number = IDS[name]
    return number[:6] + "********" + number[-4:]


def row(household: str, name: str, relation: str, village: str, **facts) -> dict:
    values = {"household_id": household, "township": "青岩镇", "village": village, "name": name,
              "relation": relation, "id_number": IDS[name], "labour": "普通劳动力", "health": "健康",
              "disability": "无", "insured": "是", "employed": "是", "school": None}
    values.update(facts)
    return {k: v for k, v in values.items() if v is not None}


SECURED = {"food_clothing_secured": "是", "water_secured": "是", "house_grade": "A", "has_dibao": "否",
           "sharp_income_fall": "否", "can_self_resolve": "否", "sanitary_toilet": "是", "access_road": "硬化路",
           "poor_hygiene": "否", "subsidies_undelivered": "否", "files_incomplete": "否", "low_policy_awareness": "否"}

ROWS = [
    # 龙甲: red by R1 (8,000 yuan for 2 persons is below 6,700 a head) and R5 (his wife: serious illness, uninsured)
    # applied on 07-04, its notice start not typed: posted only from the day --from gives
    row("L1", "龙甲", "户主", "龙井村", group="1组", household_type="大病患者家庭", annual_net_income=8000, **SECURED,
        note="妻子患有大病住院", household_check_on=date(2022, 7, 2), application_on=date(2022, 7, 4)),
    row("L1", "龙甲妻", "配偶", "龙井村", group="1组", health="患有大病", insured="否", disability="二级"),
    # 龙乙: yellow by Y2 (a sharp fall in income), a 脱贫户 with enough income; notice typed to start on 2022-07-06
    row("L2", "龙乙", "户主", "龙井村", group="3组", household_type="脱贫户", annual_net_income=60000,
        **{**SECURED, "sharp_income_fall": "是"}, household_check_on=date(2022, 7, 1), application_on=date(2022, 7, 3),
        notice_start_on=date(2022, 7, 6)),
    row("L2", "龙乙子", "之子", "龙井村", group="3组", disability="一级", health="残疾"),
    # 龙丙: red but already entered into monitoring: not on the D2 notice
    row("L3", "龙丙", "户主", "龙井村", group="2组", household_type="低保户", annual_net_income=3000, **SECURED,
        entered_on=date(2022, 5, 10)),
    # 龙丁: monitored, risk gone, nominated for elimination, its notice typed to start on 2022-07-08 (D5)
    row("L4", "龙丁", "户主", "龙井村", group="2组", household_type="脱贫户", annual_net_income=40000, **SECURED,
        entered_on=date(2021, 9, 1), income_stable_since=date(2021, 10, 1),
        elimination_nominated_on=date(2022, 7, 1), elimination_check_on=date(2022, 7, 4),
        elimination_notice_start_on=date(2022, 7, 8)),
    # 龙戊: nothing wrong (grade 无): on no notice
    row("L5", "龙戊", "户主", "龙井村", group="4组", household_type="脱贫户", annual_net_income=50000, **SECURED),
    # 龙己: red but exited (是（风险消除）): on no notice
    row("L6", "龙己", "户主", "龙井村", group="4组", household_type="低保户", annual_net_income=2000, **SECURED,
        exit_status="是（风险消除）"),
    # 北庚: red (R1), applied, its notice typed to start on 07-06, but in the other village
    row("N1", "北庚", "户主", "北街社区", group="1组", household_type="低保户", annual_net_income=1000, **SECURED,
        application_on=date(2022, 7, 2), notice_start_on=date(2022, 7, 6)),
    # 龙庚: red (R1) with only a clue: no application yet, not ready for the notice
    row("L7", "龙庚", "户主", "龙井村", group="5组", household_type="脱贫户", annual_net_income=3000, **SECURED,
        clue_on=date(2022, 7, 1)),
    # 龙辛: red, its notice ran 06-20 to 06-24, the township review not yet done: not posted again
    row("L8", "龙辛", "户主", "龙井村", group="5组", household_type="脱贫户", annual_net_income=3000, **SECURED,
        household_check_on=date(2022, 6, 15), application_on=date(2022, 6, 18), notice_start_on=date(2022, 6, 20),
        notice_end_on=date(2022, 6, 24)),
    # 龙壬: monitored, nominated for elimination on 07-02, its household check not done: not on the D5 notice yet
    row("L9", "龙壬", "户主", "龙井村", group="6组", household_type="脱贫户", annual_net_income=40000, **SECURED,
        entered_on=date(2021, 9, 1), income_stable_since=date(2021, 10, 1), elimination_nominated_on=date(2022, 7, 2)),
]
AS_OF = date(2022, 7, 5)     # the clerk prepares the notice the day before it goes up


def write_ledger(path: Path, rows: list[dict], phone: str | None = PHONE) -> Path:
    wb = build_workbook(default_policy(), township="青岩镇", villages=("龙井村", "北街社区"), as_of=AS_OF,
                        rows=len(rows) + 20)
    ws = wb[SHEET]
    for offset, values in enumerate(rows):
        for key, value in values.items():
            ws.cell(FIRST_DATA_ROW + offset, column_index(key), value)
    params = wb[PARAMS]
    phone_row = next(r for r in range(1, 40) if params.cell(r, 1).value == "联系电话")
    params.cell(phone_row, 2, phone)
    save_workbook(wb, path)
    return path


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> Path:
    return write_ledger(tmp_path_factory.mktemp("notice") / "青岩镇台账.xlsx", ROWS)


def cells(path: Path) -> list[str]:
    """Every non-empty cell of every sheet, as text."""
    wb = load_workbook(path)
    return [str(c.value) for ws in wb.worksheets for line in ws.iter_rows() for c in line if c.value is not None]


def table(path: Path) -> list[tuple]:
    """The notice's rows under its header (序号 in column A is a number)."""
    ws = load_workbook(path).active
    return [tuple(c.value for c in line) for line in ws.iter_rows(min_row=3) if isinstance(line[0].value, int)]


def test_the_inclusion_notice_lists_the_village_proposals_masked_and_without_health(ledger, tmp_path, capsys):
    before = ledger.read_bytes()
    out = tmp_path / "公示.xlsx"
    assert main(["notice", str(ledger), "--village", "龙井村", "--from", "2022-07-06", "-o", str(out)]) == 0
    assert ledger.read_bytes() == before                                       # the ledger untouched
    text = cells(out)
    assert text[0] == "青岩镇龙井村防返贫监测对象识别纳入公示"
    rows = table(out)
    # only 龙井村's red and yellow households not entered and not exited: 龙甲 (red, not a 脱贫户 → 边缘易致贫户) and
    # 龙乙 (yellow → 突发严重困难户); 三(一)-(二)
    assert [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows] == [
        (1, "1组", "龙甲", 2, masked("龙甲"), "边缘易致贫户"),
        (2, "3组", "龙乙", 2, masked("龙乙"), "突发严重困难户"),
    ]
    assert "人均纯收入低于标准线" in rows[0][6] and "家庭成员医疗保障需跟进" in rows[0][6]
    assert "收入大幅缩减" in rows[1][6]
    joined = "\n".join(text)
    for name in ("龙丙", "龙丁", "龙戊", "龙己", "北庚"):
        assert name not in joined, name
    for number in IDS.values():                                                # never a whole ID number
        assert number not in joined and number[:17] not in joined
    for word in HEALTH_WORDS:
        assert word not in joined, word
    assert "2022年7月6日至2022年7月10日" in joined                            # 6, 7, 8, 9, 10 July: 5 days
    assert f"监督电话：{PHONE}" in joined
    assert "龙井村村民委员会（盖章）" in joined and "年  月  日" in joined
    assert "青岩镇人民政府" in joined                                           # where to object, besides the village
    printed = capsys.readouterr().out
    assert "已写入" in printed
    # the village's other red households, each with why it is not posted (policy.md: never posted before its steps)
    assert "未列入：台账第 13 行 龙庚（5组）：尚未填写农户申请及承诺授权日期" in printed
    assert "未列入：台账第 14 行 龙辛（5组）：公示已于 2022-06-24 结束，下一步乡级核查研判" in printed
    assert "公示期" not in [c.value for c in load_workbook(out).active[2]]     # one period for all: said once


def test_each_household_keeps_its_own_period_and_none_is_invented(ledger, tmp_path, capsys):
    """Without --from only 龙乙 (typed start 07-06) is at the notice step with a period; 龙甲 applied but has no start:
    not posted, and the clerk is told (exit 1). With --from 07-08, 龙甲 runs 8–12 July beside 龙乙's 6–10 July."""
    out = tmp_path / "公示.xlsx"
    assert main(["notice", str(ledger), "--village", "龙井村", "-o", str(out)]) == 1
    assert [r[2] for r in table(out)] == ["龙乙"]
    assert "公示期：2022年7月6日至2022年7月10日" in "\n".join(cells(out))
    printed = capsys.readouterr().out
    assert "龙甲（1组）：尚未填写公示开始日期" in printed and "另有 1 户已到公示这一步但未填公示开始日期" in printed
    both = tmp_path / "两期.xlsx"
    assert main(["notice", str(ledger), "--village", "龙井村", "--from", "2022-07-08", "-o", str(both)]) == 0
    header = [c.value for c in load_workbook(both).active[2]]
    assert header[-1] == "公示期"
    assert [(r[2], r[-1]) for r in table(both)] == [("龙甲", "2022年7月8日至2022年7月12日"),
                                                    ("龙乙", "2022年7月6日至2022年7月10日")]
    assert "公示期：各户见上表“公示期”一栏（自公示之日起 5 天，含首日）" in "\n".join(cells(both))


def test_a_period_before_the_application_is_not_posted(ledger, tmp_path, capsys):
    """D2: a step cannot precede the one before it. --from 07-01 for 龙甲, who applied on 07-04: not posted, said why;
    龙乙's own start (07-06, after its application on 07-03) stands."""
    out = tmp_path / "公示.xlsx"
    assert main(["notice", str(ledger), "--village", "龙井村", "--from", "2022-07-01", "-o", str(out)]) == 0
    assert [r[2] for r in table(out)] == ["龙乙"]
    assert "龙甲（1组）：公示开始日期 2022-07-01（--from）早于农户申请及承诺授权（2022-07-04）" in capsys.readouterr().out


def test_no_start_date_and_no_from_is_refused_not_invented(tmp_path, capsys):
    waiting = row("N3", "北辛", "户主", "北街社区", group="2组", household_type="脱贫户", annual_net_income=1000,
                  **SECURED, household_check_on=date(2022, 7, 1), application_on=date(2022, 7, 2))
    ledger = write_ledger(tmp_path / "台账.xlsx", [waiting])
    out = tmp_path / "公示.xlsx"
    assert main(["notice", str(ledger), "--village", "北街社区", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：北街社区有 1 户已到公示这一步，但台账没有填写公示开始日期，本工具不替您定公示期") and "--from" in err
    assert "北辛（2组）：尚未填写公示开始日期" in err and not out.exists()


def test_the_elimination_notice(ledger, tmp_path, capsys):
    out = tmp_path / "消除.xlsx"
    assert main(["notice", str(ledger), "--village", "龙井村", "--kind", "消除", "-o", str(out)]) == 0
    assert "龙壬（6组）：尚未填写风险消除入户核实日期" in capsys.readouterr().out     # nominated, not yet checked
    text = cells(out)
    assert text[0] == "青岩镇龙井村防返贫监测对象风险消除公示"
    rows = table(out)
    assert [(r[2], r[4], r[5]) for r in rows] == [("龙丁", masked("龙丁"), "风险消除")]
    assert "收入持续稳定" in rows[0][6]
    joined = "\n".join(text)
    assert "2022年7月8日至2022年7月12日" in joined                            # 8 … 12 July, from its typed start
    assert IDS["龙丁"] not in joined


def test_a_village_with_nothing_to_post_writes_nothing(tmp_path, capsys):
    ledger = write_ledger(tmp_path / "台账.xlsx", [r for r in ROWS if r["village"] == "北街社区"])
    out = tmp_path / "公示.xlsx"
    assert main(["notice", str(ledger), "--village", "北街社区", "--kind", "消除", "-o", str(out)]) == 0
    assert "北街社区没有需要公示的" in capsys.readouterr().out
    assert not out.exists()


def test_a_blank_phone_prints_a_line_to_write_on(tmp_path):
    ledger = write_ledger(tmp_path / "台账.xlsx", ROWS, phone=None)
    out = tmp_path / "公示.xlsx"
    assert main(["notice", str(ledger), "--village", "北街社区", "-o", str(out)]) == 0
    joined = "\n".join(cells(out))
    assert "监督电话：________" in joined and "北街社区居民委员会（盖章）" in joined
    assert [r[2] for r in table(out)] == ["北庚"]


def test_an_out_of_scope_household_is_not_posted_and_said_why(tmp_path, capsys):
    """S1 S2: an 一般农户 of working age in no listed group is graded for reference only (policy.md: out of scope is
    not a 监测预警对象): not on the notice, even with every step typed, and the clerk reads why."""
    outside = row("N2", "北辛", "户主", "北街社区", group="2组", household_type="一般农户", annual_net_income=1000,
                  **SECURED, application_on=date(2022, 7, 2), notice_start_on=date(2022, 7, 6))
    ledger = write_ledger(tmp_path / "台账.xlsx", ROWS + [outside])
    out = tmp_path / "公示.xlsx"
    assert main(["notice", str(ledger), "--village", "北街社区", "-o", str(out)]) == 0
    assert "北辛（2组）：户类型不在监测预警范围（S1 S2）" in capsys.readouterr().out
    assert [r[2] for r in table(out)] == ["北庚"]


def test_the_ledger_itself_as_output_is_refused(ledger, capsys):
    before = ledger.read_bytes()
    assert main(["notice", str(ledger), "--village", "龙井村", "-o", str(ledger)]) == 2
    assert "错误：" in capsys.readouterr().err
    assert ledger.read_bytes() == before
    assert sorted(p.name for p in ledger.parent.iterdir()) == [ledger.name]   # no backup, no other file


def test_an_unknown_village_is_refused_naming_the_known_ones(ledger, tmp_path, capsys):
    out = tmp_path / "公示.xlsx"
    assert main(["notice", str(ledger), "--village", "龙泉村", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "龙泉村" in err and "龙井村" in err and "北街社区" in err
    assert not out.exists()


def test_without_libreoffice_the_workbook_is_still_written(ledger, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HX_SOFFICE", str(tmp_path / "no-soffice"))           # find_soffice() finds nothing
    out = tmp_path / "公示.xlsx"
    assert main(["notice", str(ledger), "--village", "龙井村", "--from", "2022-07-06", "-o", str(out), "--pdf"]) == 0
    assert "未找到 LibreOffice" in capsys.readouterr().out
    assert out.is_file() and not (tmp_path / "公示.pdf").exists()


def test_a_pdf_libreoffice_could_not_print_is_said_in_chinese(ledger, tmp_path, monkeypatch, capsys):
    """soffice exits 0 without writing anything when it cannot convert a file: a stand-in that does just that, first
    on PATH. The clerk reads one Chinese sentence (how many files failed, which), the notice itself is kept (exit 2)."""
    stand_in = tmp_path / "bin" / "soffice"
    stand_in.parent.mkdir()
    stand_in.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    stand_in.chmod(0o755)
    monkeypatch.delenv("HX_SOFFICE", raising=False)
    monkeypatch.setenv("PATH", f"{stand_in.parent}:{os.environ.get('PATH', '')}")
    assert find_soffice() == str(stand_in)
    out = tmp_path / "公示.xlsx"
    assert main(["notice", str(ledger), "--village", "龙井村", "-o", str(out), "--pdf"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：未生成 PDF：LibreOffice 未能把 1 个文件中的 1 个转成 PDF：公示.xlsx"), err
    assert "可用 Excel 或 WPS 打开后打印" in err and len(err.strip().splitlines()) == 1
    english = set(re.findall(r"[A-Za-z]{3,}", err.replace(str(out), "")))
    assert english <= {"LibreOffice", "soffice", "xlsx", "PDF", "Excel", "WPS"}, english
    assert out.is_file() and not (tmp_path / "公示.pdf").exists()


@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_the_pdf_is_one_a4_portrait_page(ledger, tmp_path):
    out = tmp_path / "公示.xlsx"
    assert main(["notice", str(ledger), "--village", "龙井村", "--from", "2022-07-06", "-o", str(out), "--pdf"]) == 0
    pdf = tmp_path / "公示.pdf"
    assert pdf.is_file()
    pages = page_texts(pdf)
    assert len(pages) == 1
    flat = re.sub(r"\s+", "", pages[0])
    assert "青岩镇龙井村防返贫监测对象识别纳入公示" in flat and masked("龙甲") in flat
    assert IDS["龙甲"] not in flat
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True, timeout=60).stdout
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert size and abs(float(size[1]) - A4_PORTRAIT[0]) <= 2 and abs(float(size[2]) - A4_PORTRAIT[1]) <= 2, info


# ---- the sheet as it is put up (issue 17 point 9: the mutation run over operations/notice.py) -------------------

def _text_width(text: str) -> int:
    """Display width in characters: a Chinese character (and a full-width sign) takes two."""
    return sum(1 if ch.isascii() else 2 for ch in text)


def test_the_notice_sheet_as_it_is_printed(ledger, tmp_path):
    """--from 07-08: 龙甲 runs 8–12 July beside 龙乙's 6–10 July, so the table has a 公示期 column (8 columns, A–H).
    Row 1: the title, bold, centred over the whole table. Row 2: the header, bold, ruled, centred. Rows 3–4: the two
    households, ruled, the reason left-aligned (a sentence), everything else centred, each row tall enough for its
    longest text. Row 5 blank, then the sentence of what is put up, the period and where to object, the supervision
    phone, a blank line and the committee's seal and date (right): each across the table. Printed on A4 portrait one
    page wide, centred, no grid, title and header on every page, and nothing below the signature."""
    out = tmp_path / "公示.xlsx"
    assert main(["notice", str(ledger), "--village", "龙井村", "--from", "2022-07-08", "-o", str(out)]) == 0
    ws = load_workbook(out)["公示"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    title = ws["A1"]
    assert title.value == "青岩镇龙井村防返贫监测对象识别纳入公示" and title.font.b
    assert "A1:H1" in merged and title.alignment.horizontal == "center" and title.alignment.wrap_text
    assert title.font.sz >= 14 and ws.row_dimensions[1].height >= 30        # a large title, its row tall enough
    header = [ws.cell(2, c) for c in range(1, 9)]
    assert [c.value for c in header] == ["序号", "组", "户主姓名", "家庭人口", "户主身份证号", "拟纳入类别", "主要原因", "公示期"]
    assert ws.cell(2, 9).value is None and ws.row_dimensions[2].height >= 20
    for cell in header:
        assert cell.font.b and cell.border.left.style == cell.border.bottom.style == "thin", cell.coordinate
        assert cell.alignment.horizontal == "center" and cell.alignment.wrap_text, cell.coordinate
    assert [ws.cell(r, 3).value for r in (3, 4)] == ["龙甲", "龙乙"]
    for r in (3, 4):
        for c in range(1, 9):
            cell = ws.cell(r, c)
            assert cell.border.top.style == cell.border.right.style == "thin", cell.coordinate
            assert cell.alignment.horizontal == ("left" if c == 7 else "center") and cell.alignment.wrap_text, cell.coordinate
        reason = ws.cell(r, 7).value
        lines = -(-_text_width(reason) // (ws.column_dimensions["G"].width - 2))    # a little less than the column
        assert ws.row_dimensions[r].height >= max(22, 15 * lines), (r, reason)
    assert _text_width(ws.cell(3, 7).value) > ws.column_dimensions["G"].width         # 龙甲's reason wraps
    assert ws.cell(5, 1).value is None
    texts = [ws.cell(r, 1).value for r in range(6, 11)]
    assert texts[0] == "经入户核实、农户申请及承诺授权、村级评议，拟将以上 2 户识别纳入防返贫监测对象，现予公示。"
    assert texts[1].startswith("公示期：各户见上表“公示期”一栏") and texts[2] == f"监督电话：{PHONE}"
    assert texts[3] is None and texts[4].startswith("龙井村村民委员会（盖章）")
    for r in (6, 7, 8, 10):
        cell = ws.cell(r, 1)
        assert f"A{r}:H{r}" in merged and cell.alignment.wrap_text and cell.font.sz == 12, r
        assert cell.alignment.horizontal == ("right" if r == 10 else "left"), r
        assert ws.row_dimensions[r].height >= 17, r
    assert ws.max_row == 10
    assert ws.print_area == "'公示'!$A$1:$H$10" and ws.print_title_rows == "$1:$2"
    assert ws.page_setup.orientation == "portrait" and int(ws.page_setup.paperSize) == 9    # A4
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_options.horizontalCentered and not ws.print_options.gridLines
    assert not ws.oddFooter.center.text                                     # a board notice: no page numbers
    assert ws.freeze_panes == "A3"


def test_one_period_is_said_under_a_table_of_seven_columns(ledger, tmp_path):
    """Without --from only 龙乙 is posted (its own start 07-06): one period, said under the table; no 公示期 column."""
    out = tmp_path / "公示.xlsx"
    main(["notice", str(ledger), "--village", "龙井村", "-o", str(out)])
    ws = load_workbook(out)["公示"]
    assert [ws.cell(2, c).value for c in range(1, 9)] == ["序号", "组", "户主姓名", "家庭人口", "户主身份证号", "拟纳入类别",
                                                         "主要原因", None]
    assert "A1:G1" in {str(r) for r in ws.merged_cells.ranges}
    assert [ws.cell(3, c).value for c in (1, 3, 4)] == [1, "龙乙", 2] and ws.cell(4, 1).value is None
    assert ws.cell(5, 1).value.startswith("经入户核实、农户申请及承诺授权、村级评议，拟将以上 1 户识别纳入")
    assert ws.cell(6, 1).value.startswith("公示期：2022年7月6日至2022年7月10日（共 5 天）")
    assert ws.print_area == "'公示'!$A$1:$G$9"


def test_the_elimination_notice_says_what_is_put_up(ledger, tmp_path):
    out = tmp_path / "消除.xlsx"
    main(["notice", str(ledger), "--village", "龙井村", "--kind", "消除", "-o", str(out)])
    ws = load_workbook(out)["公示"]
    assert [ws.cell(2, c).value for c in range(1, 8)] == ["序号", "组", "户主姓名", "家庭人口", "户主身份证号", "公示事项",
                                                         "风险消除理由"]
    assert ws.cell(5, 1).value == "经村（居）提名、入户核实、村级评议，拟对以上 1 户监测对象标注风险消除，现予公示。"
    assert ws.cell(3, 7).alignment.horizontal == "left" and ws.cell(3, 6).alignment.horizontal == "center"


# ---- who is posted, and what the clerk is told (issue 17 point 9: the mutation run over operations/notice.py) -----

def test_a_village_on_the_list_with_no_household_typed_yet_has_nothing_to_post(tmp_path, capsys):
    """北街社区 is on 参数's 村（居）名单 but no row of 台账 is in it yet: a village the ledger knows, nothing to post."""
    ledger = write_ledger(tmp_path / "台账.xlsx", [r for r in ROWS if r["village"] == "龙井村"])
    out = tmp_path / "公示.xlsx"
    assert main(["notice", str(ledger), "--village", "北街社区", "-o", str(out)]) == 0
    assert "北街社区没有需要公示的" in capsys.readouterr().out and not out.exists()


def test_a_notice_may_start_on_the_application_day_and_runs_to_its_fifth_day(tmp_path, capsys):
    """Assessment day 07-05. 龙甲 applied 07-02 and its notice starts that same day (a step may follow the one before
    on the same day): 2–6 July, posted. 龙乙's notice started 07-01: 1–5 July, its last day is today, still up. 龙丙's
    started 06-25 (applied 06-20): 25–29 June is over, not posted, said why, with the next step."""
    rows = [
        row("P1", "龙甲", "户主", "龙井村", group="1组", household_type="脱贫户", annual_net_income=3000, **SECURED,
            household_check_on=date(2022, 7, 1), application_on=date(2022, 7, 2), notice_start_on=date(2022, 7, 2)),
        row("P2", "龙乙", "户主", "龙井村", group="2组", household_type="脱贫户", annual_net_income=3000, **SECURED,
            household_check_on=date(2022, 6, 28), application_on=date(2022, 6, 30), notice_start_on=date(2022, 7, 1)),
        row("P3", "龙丙", "户主", "龙井村", group="3组", household_type="脱贫户", annual_net_income=3000, **SECURED,
            household_check_on=date(2022, 6, 18), application_on=date(2022, 6, 20), notice_start_on=date(2022, 6, 25)),
    ]
    ledger = write_ledger(tmp_path / "台账.xlsx", rows)
    out = tmp_path / "公示.xlsx"
    assert main(["notice", str(ledger), "--village", "龙井村", "-o", str(out)]) == 0
    assert [(r[2], r[-1]) for r in table(out)] == [("龙甲", "2022年7月2日至2022年7月6日"),
                                                    ("龙乙", "2022年7月1日至2022年7月5日")]
    assert ("未列入：台账第 6 行 龙丙（3组）：公示期 2022-06-25 至 2022-06-29 已过（评估日期 2022-07-05），下一步乡级核查研判"
            in capsys.readouterr().out)


def test_who_the_elimination_notice_leaves_out_and_a_risk_still_there(tmp_path, capsys):
    """D5, assessment day 07-05, every household nominated 07-01 and checked 07-02, its notice starting 07-04:
    龙甲 entered, its income now 3,000 (R1 still holds): posted, and the clerk warned that the risk is not gone;
    龙乙 entered and already marked as left (是（风险消除）): not on the notice, not named; 龙丙 never entered
    (nominated by mistake): not on it either; 龙丁 entered, its township review done on 07-04: not posted, said so."""
    nominated = dict(elimination_nominated_on=date(2022, 7, 1), elimination_check_on=date(2022, 7, 2),
                     elimination_notice_start_on=date(2022, 7, 4))
    rows = [
        row("E1", "龙甲", "户主", "龙井村", group="1组", household_type="脱贫户", annual_net_income=3000, **SECURED,
            entered_on=date(2021, 9, 1), **nominated),
        row("E2", "龙乙", "户主", "龙井村", group="2组", household_type="脱贫户", annual_net_income=40000, **SECURED,
            entered_on=date(2021, 9, 1), exit_status="是（风险消除）", **nominated),
        row("E3", "龙丙", "户主", "龙井村", group="3组", household_type="脱贫户", annual_net_income=40000, **SECURED,
            **nominated),
        row("E4", "龙丁", "户主", "龙井村", group="4组", household_type="脱贫户", annual_net_income=40000, **SECURED,
            entered_on=date(2021, 9, 1), elimination_township_review_on=date(2022, 7, 4), **nominated),
    ]
    ledger = write_ledger(tmp_path / "台账.xlsx", rows)
    out = tmp_path / "消除.xlsx"
    assert main(["notice", str(ledger), "--village", "龙井村", "--kind", "消除", "-o", str(out)]) == 1
    assert [r[2] for r in table(out)] == ["龙甲"]
    printed = capsys.readouterr().out
    assert "台账第 4 行 龙甲：按台账填写仍符合 R1，D5 风险尚未稳定消除，请入户核实后再公示" in printed
    assert "未列入：台账第 7 行 龙丁（4组）：已于 2022-07-04 完成风险消除乡级审核，公示已结束" in printed
    assert "龙乙" not in printed and "龙丙" not in printed


def test_a_household_whose_grade_cannot_be_judged_and_a_row_typed_wrong_are_said(tmp_path, capsys):
    """龙井村: 龙甲 red, posted. 龙乙 a 脱贫户 with its income blank: 待补充, whether it is to be posted cannot be
    judged — named. 龙丙 (待补充 too, but entered) and 龙丁 (待补充, left monitoring) are not the notice's business.
    Six dates on 龙戊's row typed as text: said, five of them and “……”, with
    check to run. 北庚 in 北街社区 has a cell typed wrong too: not this village's, not counted."""
    blank_income = dict(household_type="脱贫户", **SECURED)
    rows = [
        row("W1", "龙甲", "户主", "龙井村", group="1组", household_type="脱贫户", annual_net_income=3000, **SECURED,
            household_check_on=date(2022, 7, 1), application_on=date(2022, 7, 2), notice_start_on=date(2022, 7, 3)),
        row("W2", "龙乙", "户主", "龙井村", group="2组", **blank_income),
        row("W3", "龙丙", "户主", "龙井村", group="3组", **blank_income, entered_on=date(2022, 5, 1)),
        row("W4", "龙丁", "户主", "龙井村", group="3组", **blank_income, exit_status="是（风险消除）"),
        row("W5", "龙戊", "户主", "龙井村", group="4组", household_type="脱贫户", annual_net_income=3000, **SECURED,
            clue_on="七月", household_check_on="七月", application_on="七月", notice_start_on="七月",
            notice_end_on="七月", township_review_on="七月"),
        row("N1", "北庚", "户主", "北街社区", group="1组", household_type="脱贫户", annual_net_income="很少", **SECURED),
    ]
    ledger = write_ledger(tmp_path / "台账.xlsx", rows)
    out = tmp_path / "公示.xlsx"
    assert main(["notice", str(ledger), "--village", "龙井村", "-o", str(out)]) == 1
    assert [r[2] for r in table(out)] == ["龙甲"]
    printed = capsys.readouterr().out
    assert "龙井村另有 1 户分级为“待补充”（第 5 行 龙乙），缺少分级所需的情况，是否需要公示无法判断：补全后再运行" in printed
    said = next(line for line in printed.splitlines() if "处填写有误" in line)
    assert "龙井村的行中有 6 处填写有误，相关的户可能未列入名单：" in said and said.endswith("……。请先用 hx-excel check 检查并改正")
    assert said.count("第 8 行") == 5 and "很少" not in said


def test_the_township_comes_from_the_rows_when_parameters_leave_it_blank(tmp_path):
    """参数's 乡镇 left blank: the title takes the 乡镇 typed for the village's households (青岩镇, all agreeing), not
    the one typed for another village's (北街社区's rows say 石板镇)."""
    ledger = write_ledger(tmp_path / "台账.xlsx", [{**r, "township": "石板镇"} if r["village"] == "北街社区" else r
                                                   for r in ROWS])
    wb = load_workbook(ledger)
    params = wb[PARAMS]
    params.cell(next(r for r in range(1, 40) if params.cell(r, 1).value == "乡镇"), 2).value = None
    save_workbook(wb, ledger)
    out = tmp_path / "公示.xlsx"
    main(["notice", str(ledger), "--village", "龙井村", "--from", "2022-07-06", "-o", str(out)])
    assert cells(out)[0] == "青岩镇龙井村防返贫监测对象识别纳入公示"


def test_the_elimination_notice_runs_its_own_days(ledger, tmp_path):
    """A policy file giving D5's notice 7 days (the document sets none; the default follows D2's 5): 龙丁's notice,
    from 07-08, runs to 07-14; the D2 notice keeps its 5 days (龙乙, 6–10 July)."""
    policy = tmp_path / "参数.toml"
    policy.write_text("[deadlines]\nelimination_notice_days = 7\n", encoding="utf-8")
    out = tmp_path / "消除.xlsx"
    assert main(["--policy", str(policy), "notice", str(ledger), "--village", "龙井村", "--kind", "消除",
                 "-o", str(out)]) == 0
    assert "公示期：2022年7月8日至2022年7月14日（共 7 天）" in "\n".join(cells(out))
    both = tmp_path / "纳入.xlsx"
    main(["--policy", str(policy), "notice", str(ledger), "--village", "龙井村", "-o", str(both)])
    assert "公示期：2022年7月6日至2022年7月10日（共 5 天）" in "\n".join(cells(both))


def test_a_year_without_an_income_line_is_said_not_a_crash(tmp_path, capsys):
    """参数's 核算年度 set to 2035, a year the policy has no income line for: no household can be graded, so none is
    posted; the clerk is told why (the 参数 problem), and no household is named as not ready."""
    ledger = write_ledger(tmp_path / "台账.xlsx", ROWS)
    wb = load_workbook(ledger)
    params = wb[PARAMS]
    params.cell(next(r for r in range(1, 40) if params.cell(r, 1).value == "核算年度"), 2).value = 2035
    save_workbook(wb, ledger)
    out = tmp_path / "公示.xlsx"
    assert main(["notice", str(ledger), "--village", "龙井村", "--from", "2022-07-06", "-o", str(out)]) in (0, 1)
    printed = capsys.readouterr()
    assert "核算年度" in printed.out + printed.err and "Traceback" not in printed.err
    assert "未列入：" not in printed.out and "龙井村没有需要公示的识别纳入户" in printed.out


def test_a_head_without_an_id_number_is_posted_with_the_cell_blank(tmp_path):
    """龙甲's ID number not typed yet (the check asks for it): posted with its ID cell left blank, never invented."""
    rows = [row("P1", "龙甲", "户主", "龙井村", group="1组", household_type="脱贫户", annual_net_income=3000, **SECURED,
                id_number=None, household_check_on=date(2022, 7, 1), application_on=date(2022, 7, 2),
                notice_start_on=date(2022, 7, 3))]
    rows[0].pop("id_number", None)
    ledger = write_ledger(tmp_path / "台账.xlsx", rows)
    out = tmp_path / "公示.xlsx"
    main(["notice", str(ledger), "--village", "龙井村", "-o", str(out)])
    assert [(r[2], r[4]) for r in table(out)] == [("龙甲", None)]


def test_ten_households_not_judged_are_named_then_etc_and_five_wrong_cells_are_all_said(tmp_path, capsys):
    """Eleven 脱贫户 of 龙井村 with their income blank (待补充): the first ten named by row, then 等. One of them
    completed (无): the ten left are named, no 等. 龙戊's row has five dates typed as text: all five said, no “……”."""
    names = ["龙甲", "龙乙", "龙丙", "龙丁", "龙戊", "龙己", "北庚", "北辛", "龙庚", "龙辛", "龙壬"]
    rows = [row(f"U{i}", name, "户主", "龙井村", group="1组", household_type="脱贫户", **SECURED)
            for i, name in enumerate(names)]
    rows[4].update(annual_net_income=100_000, clue_on="七月", household_check_on="七月", application_on="七月",
                   notice_start_on="七月", notice_end_on="七月")
    rows.append(row("U99", "龙甲妻", "户主", "龙井村", group="1组", household_type="脱贫户", **SECURED))
    ledger = write_ledger(tmp_path / "台账.xlsx", rows)
    out = tmp_path / "公示.xlsx"
    named = [f"第 {FIRST_DATA_ROW + i} 行 {n}" for i, n in enumerate(names + ["龙甲妻"]) if i != 4]
    main(["notice", str(ledger), "--village", "龙井村", "--from", "2022-07-06", "-o", str(out)])
    printed = capsys.readouterr().out
    assert f"龙井村另有 11 户分级为“待补充”（{'、'.join(named[:10])}等），" in printed
    said = next(line for line in printed.splitlines() if "处填写有误" in line)
    assert "有 5 处填写有误" in said and said.count(f"第 {FIRST_DATA_ROW + 4} 行") == 5 and "……" not in said
    wb = load_workbook(ledger)
    wb[SHEET].cell(FIRST_DATA_ROW, column_index("annual_net_income")).value = 100_000
    save_workbook(wb, ledger)
    main(["notice", str(ledger), "--village", "龙井村", "--from", "2022-07-06", "-o", str(out)])
    assert f"龙井村另有 10 户分级为“待补充”（{'、'.join(named[1:])}），" in capsys.readouterr().out

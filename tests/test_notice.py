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

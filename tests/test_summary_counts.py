"""`hx-excel summary`: the counts the district reads (issue 17 point 9, the mutation run over operations/summary.py) —
the title of more than one county, households that could not be graded, measures by category in the policy's order
with what was done by the assessment day, the risk types each once, this month's moves when one ledger had nobody to
review or a household is counted in another ledger, a person standing in two townships found even when not the
head, and the moves of one township by village. Real ledgers through the command line; every number worked by hand.

Month 2022-07, assessment day 07-31, L = 6,700 a head. Files, in the order a folder lists them:
  八一镇.xlsx (county 贵安新区) M1 无 (100,000), never monitored: nobody to review, no moves row, not 未做本月研判
  石板镇.xlsx (核算年度 2023: the policy has no line for 2023) S1, S2: not graded — “2 户 … 未分级”. S2's second
    member is the person standing second in 青岩镇's H3 (石板镇.xlsx is the newer file: it counts, H3 does not)
  青岩镇.xlsx (花溪区), reviewed for July, H3 first on the sheet and on the record:
    H3 (龙井村) 脱贫户 entered 03-01: head, a member with no ID number typed, the member also in 石板镇 → left out
    H1 (龙井村) 脱贫户 entered 03-01, 100,000 → 无, three persons; measures 产业帮扶 done 07-31 (the assessment day:
       done), 产业帮扶 done 08-02 (not yet), 健康帮扶 done 07-01; risk types 因病, 因学
    H2 (思潜村) 脱贫户 entered 03-01, 100,000 → 无, two persons; measures 就业帮扶 (not done), 产业帮扶 done 07-10;
       risk type 因病
  措施落实, in the policy's order of categories (产业 就业 … 健康), not by name:
    产业帮扶 2 households, 3 measures, 2 done · 就业帮扶 1, 1, 0 · 健康帮扶 1, 1, 1 · 合计 2 households, 5, 3
  风险类型 (青岩镇): 因病 2, 因学 1; the columns are the policy's list, each once.
  本月变动: 青岩镇 首次记录 2 (H1, H2; H3's line is counted with 石板镇's person, so not at all), 合计 2.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from itertools import count
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import household, person as _person
from hx_excel.cli import main
from hx_excel.core.models import Measure
from hx_excel.files.save import save_workbook
from hx_excel.ledger.schema import SHEET
from hx_excel.ledger.template import build_workbook
from hx_excel.ledger.writer import RowWriter
from hx_excel.operations.summary import read_ledgers

_days = count()


def person(name: str, relation: str = "户主", **facts) -> dict:
    """conftest's member, born on a day of its own: no two people of these ledgers share an ID number by chance."""
    facts.setdefault("born", date(1960, 1, 1) + timedelta(days=next(_days) * 37))
    return _person(name, relation, **facts)


def ledger(path: Path, policy, township: str, villages: tuple[str, ...], households, *, county: str = "花溪区",
           year: int | None = None) -> Path:
    wb = build_workbook(policy, township=township, county=county, villages=villages, year=year, rows=40)
    RowWriter(wb[SHEET]).write(households)
    save_workbook(wb, path)
    return path


def rows_of(ws, header_row: int) -> dict:
    out = {}
    for row in ws.iter_rows(min_row=header_row + 1, values_only=True):
        if row[0] is None:
            break
        out[row[0]] = list(row)
    return out


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    from hx_excel.policy import default_policy
    policy = default_policy()
    folder = tmp_path_factory.mktemp("district")
    shared = person("共用", "之子", born=date(1999, 9, 9))
    monitored = dict(entered_on=date(2022, 3, 1), contact_name="干部甲", contact_assigned_on=date(2022, 3, 5),
                     last_visit_on=date(2022, 7, 5), last_review_on=date(2022, 7, 6))
    qingyan = ledger(folder / "青岩镇.xlsx", policy, "青岩镇", ("龙井村", "思潜村"), [
        household([person("三主"), {**person("三员", "之女", sex="女"), "id_number": ""}, shared],
                  household_id="H3", village="龙井村", **monitored,
                  measures=[Measure(category="综合保障", decided_on=date(2022, 3, 5))]),
        household([person("一主"), person("一妻", "配偶", sex="女"), person("一子", "之子", born=date(2005, 5, 5))],
                  household_id="H1", village="龙井村", risk_types=["因病", "因学"], **monitored,
                  measures=[Measure(category="产业帮扶", text="养殖", decided_on=date(2022, 3, 5),
                                    completed_on=date(2022, 7, 31)),
                            Measure(category="产业帮扶", text="种植", decided_on=date(2022, 3, 5),
                                    completed_on=date(2022, 8, 2)),
                            Measure(category="健康帮扶", text="签约医生", decided_on=date(2022, 3, 5),
                                    completed_on=date(2022, 7, 1))]),
        household([person("二主"), person("二妻", "配偶", sex="女")], household_id="H2", village="思潜村",
                  risk_types=["因病"], **monitored,
                  measures=[Measure(category="就业帮扶", text="务工", decided_on=date(2022, 3, 5)),
                            Measure(category="产业帮扶", text="茶叶", decided_on=date(2022, 3, 5),
                                    completed_on=date(2022, 7, 10))]),
    ])
    assert main(["review", str(qingyan), "--month", "2022-07"]) in (0, 1)
    for backup in folder.glob("*.bak-*"):
        backup.unlink()
    shiban = ledger(folder / "石板镇.xlsx", policy, "石板镇", ("石板村",), [
        household([person("石一")], household_id="S1", village="石板村"),
        household([person("石二"), shared], household_id="S2", village="石板村")], year=2023)
    bayi = ledger(folder / "八一镇.xlsx", policy, "八一镇", ("八一村",),
                  [household([person("八一")], household_id="M1", village="八一村")], county="贵安新区")
    for age, path in enumerate((bayi, qingyan, shiban)):      # 石板镇.xlsx the newest
        os.utime(path, (1_700_000_000 + age * 100, 1_700_000_000 + age * 100))
    out = folder.parent / f"{folder.name}-月报.xlsx"
    assert main(["summary", str(folder), "--month", "2022-07", "-o", str(out)]) == 1      # a person read twice
    return folder, load_workbook(out)


def test_the_title_names_every_county(district):
    _, wb = district
    assert wb["说明"]["A1"].value == "花溪区、贵安新区防贫监测月报 2022年7月"


def test_households_not_graded_are_said_per_file(district):
    _, wb = district
    files = {r[0]: r for r in wb["说明"].iter_rows(values_only=True) if r[0] in ("八一镇.xlsx", "石板镇.xlsx",
                                                                                "青岩镇.xlsx")}
    assert files["石板镇.xlsx"][1:5] == ("石板镇", 2, 3, "2 户因核算年度没有收入标准线未分级，未计入汇总")
    assert files["青岩镇.xlsx"][4] is None and files["八一镇.xlsx"][4] is None


def test_measures_in_the_policys_order_counted_to_the_assessment_day(district):
    _, wb = district
    measures = [r for r in wb["措施落实"].iter_rows(min_row=3, values_only=True) if r[0]]
    assert [r[:4] for r in measures] == [("产业帮扶", 2, 3, 2), ("就业帮扶", 1, 1, 0), ("健康帮扶", 1, 1, 1),
                                         ("合计", 2, 5, 3)]


def test_each_risk_type_is_a_column_once(district, policy):
    _, wb = district
    ws = wb["风险类型"]
    headers = [c.value for c in ws[2]]
    assert headers == ["乡镇", *policy.lists.risk_types]
    qingyan = rows_of(ws, 2)["青岩镇"]
    assert qingyan[headers.index("因病")] == 2 and qingyan[headers.index("因学")] == 1


def test_the_moves_skip_a_ledger_with_nobody_to_review_and_a_household_counted_elsewhere(district):
    _, wb = district
    moves = wb["本月变动"]
    assert not any(c.value and "八一镇" in str(c.value) for c in moves["A"])
    header = next(r for r in moves.iter_rows() if r[0].value == "乡镇" and r[1].value == "新纳入")[0].row
    counts = rows_of(moves, header)
    assert counts["青岩镇"][1:10] == [0, 2, 0, 0, 0, 0, 0, 0, 2]
    assert counts["合计"][1:10] == [0, 2, 0, 0, 0, 0, 0, 0, 2]


def test_a_person_in_two_townships_is_found_when_not_the_head(district):
    _, wb = district
    about = [r for r in wb["说明"].iter_rows(values_only=True) if r[0] == "身份证号"]
    assert [(r[1], r[2]) for r in about] == [("石板镇.xlsx", "青岩镇.xlsx")]
    assert "户编号“H3”一户未计入" in about[0][4]
    grades = rows_of(wb["分级汇总"], 3)
    assert grades["青岩镇"][7] == 2                                   # H1 and H2; H3 not counted


def test_progress_is_counted_from_one(district, policy):
    folder, _ = district
    seen = []
    read_ledgers([folder], policy, date(2022, 7, 31), progress=lambda done, total, name: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_one_township_is_moved_by_village(tmp_path, policy):
    """青岩镇 alone is summed by village: its July moves under 龙井村 (H1, H3) and 思潜村 (H2)."""
    path = ledger(tmp_path / "青岩镇.xlsx", policy, "青岩镇", ("龙井村", "思潜村"), [
        household([person("一主")], household_id="H1", village="龙井村", subsidies_undelivered=True),
        household([person("三主")], household_id="H3", village="龙井村", subsidies_undelivered=True),
        household([person("二主")], household_id="H2", village="思潜村", subsidies_undelivered=True)])
    assert main(["review", str(path), "--month", "2022-07"]) == 0
    out = tmp_path / "月报.xlsx"
    assert main(["summary", str(path), "--month", "2022-07", "-o", str(out)]) == 0
    moves = load_workbook(out)["本月变动"]
    header = next(r for r in moves.iter_rows() if r[0].value == "村" and r[1].value == "新纳入")[0].row
    counts = rows_of(moves, header)
    assert counts["龙井村"][2] == 2 and counts["思潜村"][2] == 1 and "（未填村）" not in counts


def test_a_damaged_review_record_is_named_and_the_report_still_stands(tmp_path, policy):
    """A ledger whose 月度研判记录 sheet is cut off (the rest of the file sound): the report is written, its grades
    counted, and 本月变动 names the record that could not be read instead of its moves."""
    import io
    import re
    import zipfile

    path = ledger(tmp_path / "青岩镇.xlsx", policy, "青岩镇", ("龙井村",), [
        household([person("一主")], household_id="H1", village="龙井村", subsidies_undelivered=True)])
    assert main(["review", str(path), "--month", "2022-07"]) == 0
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    rid = re.search(r'<sheet [^>]*name="月度研判记录"[^>]*r:id="([^"]+)"', parts["xl/workbook.xml"].decode()).group(1)
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) \
        or re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
    part = "xl/" + target.group(1).lstrip("/").removeprefix("xl/")
    parts[part] = parts[part][: len(parts[part]) // 2]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    path.write_bytes(buffer.getvalue())
    out = tmp_path / "月报.xlsx"
    assert main(["summary", str(path), "--month", "2022-07", "-o", str(out)]) == 0
    wb = load_workbook(out)
    assert any(str(c.value).startswith("青岩镇（青岩镇.xlsx）：月度研判记录无法读取：") for c in wb["本月变动"]["A"] if c.value)
    assert rows_of(wb["分级汇总"], 3)["龙井村"][3] == 1                    # H1 green, counted

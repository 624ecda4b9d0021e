"""The month's report digested ledger by ledger (issue 20: `summary.digest`, `without_duplicates` over digests,
`read_ledgers(month=)`, `bulk.process_pool(fork=)`, `sheet_cells._member`): the gaps a planted-bug pass over that
change found in the tests, each pinned on real workbooks written and read back, every number worked by hand.

- a household counts each of its risk types once, however often 风险类型 names it (HouseholdDigest.risk_types);
- a member with no ID number is a person all the same (HouseholdDigest.persons is the household's rows);
- a household whose facts are incomplete is 待补充 even out of scope (its scope is not known either), never
  不在监测范围;
- a household two of whose people stand in a newer ledger is one Duplicate, not one per person; and a ledger whose
  only household to review is counted in that newer ledger has nothing left undone (to_review − left_out): no
  “未做本月研判”;
- the tables list the townships in the order their counted files were read, whichever copy of a township is newer;
  and of two copies with the same time, which one counts does not depend on the order they were read in;
- a month summed up on a day of the next month (--as-of): every ledger, read here or in the other process, is
  digested for the month asked (read_ledgers' month, normalised), not the assessment day's, and D7's month starts
  on that month's first day;
- a forked pool has its processes running before its first task (started while no other thread runs);
- `_member` inflates a deflated part itself (zipfile is not asked), also after an extra field in the local header,
  and a part whose CRC or size in the directory does not match fails as zipfile fails;
- a 预警分级 typed over in a ledger with a column added in front is not taken for a grade a spreadsheet computed
  (read_book formulas="grade" looks where the reader found the column);
- one ID number typed two ways (a space, a small x) is one person (HouseholdDigest.ids are compacted);
- and a defect found on the way, fixed in `without_duplicates`: a household left out (one of its people counted in a
  newer ledger) claimed its other people all the same, so with three ledgers such a person was sent to that household
  and counted nowhere.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import zipfile
from datetime import date
from itertools import count
from pathlib import Path

import pytest
from openpyxl import load_workbook

from hx_excel.cli import main
from hx_excel.core.id_number import make_valid
from hx_excel.files import sheet_cells
from hx_excel.files.bulk import process_pool
from hx_excel.files.save import save_workbook
from hx_excel.ledger.schema import FIRST_DATA_ROW, SHEET, column_index
from hx_excel.ledger.template import build_workbook
from hx_excel.operations.summary import read_ledgers, summarize
from hx_excel.policy import default_policy
from test_summary_counts import rows_of

forking = pytest.mark.skipif(not hasattr(os, "fork"), reason="this system cannot fork")
_seq = count(501, 2)
JULY_END = date(2022, 7, 31)


def person(household_id: str, name: str, relation: str = "户主", **facts) -> dict:
    """A row of 台账 by schema key; a head is a 脱贫户 at 100,000 a year, 两不愁 secured (graded 无)."""
    values = {"household_id": household_id, "name": name, "relation": relation, "village": "龙井村",
              "id_number": make_valid("520113", date(1972, 4, 4), next(_seq)), "labour": "普通劳动力",
              "health": "健康"}
    if relation == "户主":
        values.update(household_type="脱贫户", annual_net_income=100_000, food_clothing_secured="是",
                      water_secured="是")
    values.update(facts)
    return values


def ledger(path: Path, township: str, rows: list[dict], *, villages=("龙井村",), mtime: int | None = None) -> Path:
    wb = build_workbook(default_policy(), township=township, villages=villages, rows=len(rows) + 10)
    for offset, values in enumerate(rows):
        for key, value in values.items():
            wb[SHEET].cell(FIRST_DATA_ROW + offset, column_index(key), value)
    save_workbook(wb, path)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def summary(tmp_path: Path, *args: str) -> tuple[int, object]:
    out = tmp_path / "月报" / "月报.xlsx"
    out.parent.mkdir(exist_ok=True)
    code = main(["summary", *args, "-o", str(out)])
    return code, (load_workbook(out) if out.exists() else None)


# ---- one household as the report counts it ---------------------------------------------------------------------

def test_risk_types_once_each_every_member_a_person_and_incomplete_out_of_scope_is_incomplete(tmp_path):
    """青岩镇 alone (by village), 2022-07:
    H1 脱贫户 100,000 → 无; 风险类型 typed “因病、因病、因学”; two persons, the second with no ID number typed.
    H2 一般农户, income blank → 待补充 (not in S1/S2 as far as known: its scope is not known either), one person.
    分级汇总 龙井村: 户 无 1, 待补充 1, 合计 2 · 人 无 2, 待补充 1, 合计 3. 风险类型 龙井村: 因病 1, 因学 1."""
    path = ledger(tmp_path / "青岩镇.xlsx", "青岩镇", [
        person("H1", "甲一", risk_types="因病、因病、因学"),
        person("H1", "甲二", "配偶", id_number=None),
        person("H2", "乙一", household_type="一般农户", annual_net_income=None),
    ])
    code, wb = summary(tmp_path, str(path), "--month", "2022-07")
    assert code == 0
    grades = rows_of(wb["分级汇总"], 3)
    #                       户: 红 黄 绿 无 待补充 不在范围 合计 | 人: 红 黄 绿 无 待补充 不在范围 合计
    assert grades["龙井村"][1:] == [0, 0, 0, 1, 1, 0, 2, 0, 0, 0, 2, 1, 0, 3]
    files = {r[0]: r for r in wb["说明"].iter_rows(values_only=True) if r[0] == "青岩镇.xlsx"}
    assert files["青岩镇.xlsx"][1:4] == ("青岩镇", 2, 3)
    ws = wb["风险类型"]
    headers = [c.value for c in ws[2]]
    risks = rows_of(ws, 2)
    assert (risks["龙井村"][headers.index("因病")], risks["龙井村"][headers.index("因学")]) == (1, 1)
    assert risks["合计"][headers.index("因病")] == 1


# ---- duplicates ---------------------------------------------------------------------------------------------------

def test_a_household_with_two_people_in_a_newer_ledger_is_one_duplicate_and_nothing_left_to_review(tmp_path):
    """2022-07, no review made. 青岩镇.xlsx (older): Q1 monitored since 03-01 (to be reviewed every month), whose two
    people both stand in 石板镇.xlsx's S1 (newer: it counts them); Q2 无, never monitored. 石板镇.xlsx: S1 无, three
    persons, never monitored. So one Duplicate (身份证号, 石板镇.xlsx counted, Q1 of 青岩镇.xlsx left out), and neither
    ledger had anyone to review: no “未做本月研判”. 分级汇总: 青岩镇 1 household (Q2) 1 person; 石板镇 1, 3."""
    folder = tmp_path / "台账"
    folder.mkdir()
    head = person("Q1", "丙一", entered_on=date(2022, 3, 1), contact_name="干部甲",
                  contact_assigned_on=date(2022, 3, 5), measure_category="产业帮扶", measure_text="养殖",
                  measure_decided_on=date(2022, 3, 5), last_visit_on=date(2022, 7, 5), last_review_on=date(2022, 7, 6))
    son = person("Q1", "丙二", "之子")
    ledger(folder / "青岩镇.xlsx", "青岩镇", [head, son, person("Q2", "丁一")], mtime=1_700_000_000)
    ledger(folder / "石板镇.xlsx", "石板镇", [
        person("S1", "戊一"),
        person("S1", "丙一", "之子", id_number=head["id_number"]),
        person("S1", "丙二", "之孙", id_number=son["id_number"])], mtime=1_700_000_100)
    code, wb = summary(tmp_path, str(folder), "--month", "2022-07")
    assert code == 1                                                     # a person read twice: said
    about = [r for r in wb["说明"].iter_rows(values_only=True) if r[0] in ("乡镇", "身份证号")]
    assert [(r[0], r[1], r[2]) for r in about] == [("身份证号", "石板镇.xlsx", "青岩镇.xlsx")]
    assert "户编号“Q1”一户未计入" in about[0][4]
    grades = rows_of(wb["分级汇总"], 3)
    assert (grades["青岩镇"][7], grades["青岩镇"][14]) == (1, 1) and (grades["石板镇"][7], grades["石板镇"][14]) == (1, 3)
    assert not any(c.value and "未做本月研判" in str(c.value) for c in wb["本月变动"]["A"])


def _copies(folder: Path, times: tuple[int, int, int]) -> None:
    """1青岩镇.xlsx (Q1, Q2), 2石板镇.xlsx (S1), 3青岩镇.xlsx (Q1 alone): one township twice, read in that order."""
    folder.mkdir()
    q1, q2 = person("Q1", "甲一"), person("Q2", "乙一")
    ledger(folder / "1青岩镇.xlsx", "青岩镇", [q1, q2], mtime=times[0])
    ledger(folder / "2石板镇.xlsx", "石板镇", [person("S1", "丙一")], mtime=times[1])
    ledger(folder / "3青岩镇.xlsx", "青岩镇", [q1], mtime=times[2])


def test_townships_are_listed_in_the_order_their_counted_files_were_read(tmp_path):
    """3青岩镇.xlsx is the newest: it counts, and is read after 2石板镇.xlsx — so 石板镇 comes first, in 分级汇总 and
    among the files of 说明 (1青岩镇.xlsx, left out, is not among them)."""
    folder = tmp_path / "台账"
    _copies(folder, (1_700_000_000, 1_700_000_100, 1_700_000_200))
    code, wb = summary(tmp_path, str(folder), "--month", "2022-07")
    assert code == 1                                                     # a township read twice: said
    assert list(rows_of(wb["分级汇总"], 3)) == ["石板镇", "青岩镇", "合计"]
    assert rows_of(wb["分级汇总"], 3)["青岩镇"][7] == 1                       # Q1: 3青岩镇.xlsx's
    files = [r[0] for r in wb["说明"].iter_rows(values_only=True) if r[0] in ("1青岩镇.xlsx", "2石板镇.xlsx",
                                                                             "3青岩镇.xlsx")]
    assert files[:2] == ["2石板镇.xlsx", "3青岩镇.xlsx"] and "1青岩镇.xlsx" not in files[:2]


def test_of_two_copies_with_the_same_time_the_same_one_counts_whatever_order_they_come_in(tmp_path):
    folder = tmp_path / "台账"
    _copies(folder, (1_700_000_000, 1_700_000_100, 1_700_000_000))
    ledgers, unread = read_ledgers([folder], default_policy(), JULY_END, month="2022-07", workers=1)
    assert [d.name for d in ledgers] == ["1青岩镇.xlsx", "2石板镇.xlsx", "3青岩镇.xlsx"] and not unread
    counted = []
    for order in (ledgers, ledgers[::-1]):
        made = summarize(list(order), "2022-07", [])
        [duplicate] = made.duplicates
        households = {row.name: row.households["合计"] for row in made.grades}
        counted.append((duplicate.counted, duplicate.left_out, households["青岩镇"]))
    assert counted[0] == counted[1]
    assert counted[0][2] == {"1青岩镇.xlsx": 2, "3青岩镇.xlsx": 1}[counted[0][0]]


# ---- a month summed up after it ended ---------------------------------------------------------------------------

def _late_checks(folder: Path) -> None:
    """石板镇.xlsx S1 脱贫户 3,000 (R1 红): clue 07-04, checked 07-20 (D1 due 07-11: 9 days late).
    青岩镇.xlsx Z1 脱贫户 3,000 (R1 红): clue 07-01, checked 07-12 (D1 due 07-08: 4 days late)."""
    folder.mkdir()
    ledger(folder / "石板镇.xlsx", "石板镇", [
        person("S1", "石一", annual_net_income=3_000, clue_on=date(2022, 7, 4), household_check_on=date(2022, 7, 20))])
    ledger(folder / "青岩镇.xlsx", "青岩镇", [
        person("Z1", "青一", annual_net_income=3_000, clue_on=date(2022, 7, 1), household_check_on=date(2022, 7, 12))])


def test_july_summed_up_on_the_third_of_august(tmp_path):
    """--month 2022-07 --as-of 2022-08-03: July's report, graded on 08-03. Both checks were done late in July: on
    July's D7 list (a), 9 and 4 days late (to the day each was done). Read in one process by the command, and on
    two (the other process digesting the file it reads for July too), the month typed “2022-7”."""
    folder = tmp_path / "台账"
    _late_checks(folder)
    code, wb = summary(tmp_path, str(folder), "--month", "2022-07", "--as-of", "2022-08-03")
    assert code == 0
    d7 = [(r[0][:3], r[1], r[3], r[6], r[9]) for r in wb["D7问责清单"].iter_rows(min_row=3, values_only=True) if r[0]]
    assert d7 == [("(a)", "石板镇", "S1", "D1", 9), ("(a)", "青岩镇", "Z1", "D1", 4)]

    ledgers, unread = read_ledgers([folder], default_policy(), date(2022, 8, 3), month="2022-7", workers=2)
    assert [(d.name, d.month, d.as_of) for d in ledgers] == [("石板镇.xlsx", "2022-07", date(2022, 8, 3)),
                                                             ("青岩镇.xlsx", "2022-07", date(2022, 8, 3))]
    made = summarize(ledgers, "2022-07", unread)
    assert [(r.household_id, r.clause, r.days_overdue) for r in made.accountability] == [("S1", "D1", 9),
                                                                                          ("Z1", "D1", 4)]


# ---- the forked readers --------------------------------------------------------------------------------------------

def _pid() -> int:
    return os.getpid()


@forking
def test_a_forking_pool_is_running_before_its_first_task():
    """Forked where no other thread runs yet: its process is there as soon as the pool is, before any task (summary's
    feeding threads start only after)."""
    before = {p.pid for p in multiprocessing.active_children()}
    with process_pool(1, fork=True) as pool:
        started = [p for p in multiprocessing.active_children() if p.pid not in before]
        assert len(started) == 1
        assert pool.submit(_pid).result() == started[0].pid


# ---- a part of the workbook unzipped by zlib-ng ------------------------------------------------------------------

@pytest.fixture(scope="module")
def ledger_bytes() -> bytes:
    buffer = io.BytesIO()
    build_workbook(default_policy(), township="青岩镇", villages=("龙井村",), rows=100).save(buffer)
    return buffer.getvalue()


def _deflated(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {i.filename: archive.read(i) for i in archive.infolist() if i.compress_type == zipfile.ZIP_DEFLATED}


def _inflated_here(data: bytes) -> dict[str, bytes]:
    """Each deflated part as `_member` gives it, with zipfile's own reading of a part made to fail."""
    def refused(*args, **kwargs):
        raise AssertionError("zipfile was asked")

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = [i.filename for i in archive.infolist() if i.compress_type == zipfile.ZIP_DEFLATED]
        archive.read = refused
        archive.open = refused
        return {name: sheet_cells._member(archive, data, name) for name in names}


def test_a_deflated_part_is_inflated_here_not_by_zipfile(ledger_bytes):
    expected = _deflated(ledger_bytes)
    assert len(expected) > 5 and any(name.startswith("xl/worksheets/") for name in expected)
    assert _inflated_here(ledger_bytes) == expected


def test_a_local_header_with_an_extra_field_is_skipped_whole(ledger_bytes):
    """A writer may put a field of its own (here a 9-byte timestamp, 0x5455) after a part's name in its local
    header: the deflated data start after it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(ledger_bytes)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            copy = zipfile.ZipInfo(info.filename, info.date_time)
            copy.compress_type = zipfile.ZIP_DEFLATED
            copy.extra = b"\x55\x54\x05\x00\x01" + (1_700_000_000).to_bytes(4, "little")
            target.writestr(copy, source.read(info))
    data = buffer.getvalue()
    assert _inflated_here(data) == _deflated(ledger_bytes)


def _directory_entry_changed(data: bytes, name: str, offset: int, change) -> bytes:
    """`data` with the 4-byte field at `offset` of `name`'s central directory entry changed (16: CRC-32, 24: size)."""
    at = 0
    while True:
        at = data.index(b"PK\x01\x02", at)
        length = int.from_bytes(data[at + 28:at + 30], "little")
        if data[at + 46:at + 46 + length] == name.encode():
            break
        at += 4
    value = int.from_bytes(data[at + offset:at + offset + 4], "little")
    return data[:at + offset] + change(value).to_bytes(4, "little") + data[at + offset + 4:]


@pytest.mark.parametrize("offset, change", [(16, lambda crc: crc ^ 1), (24, lambda size: size - 1)],
                         ids=["CRC-32", "size"])
def test_a_part_unlike_what_the_directory_says_fails_as_zipfile_fails(ledger_bytes, offset, change):
    with zipfile.ZipFile(io.BytesIO(ledger_bytes)) as archive:
        name = max(archive.infolist(), key=lambda i: i.compress_size).filename        # the sheet: deflated
    damaged = _directory_entry_changed(ledger_bytes, name, offset, change)
    with zipfile.ZipFile(io.BytesIO(damaged)) as archive:
        with pytest.raises(zipfile.BadZipFile, match="CRC"):
            archive.read(name)
        with pytest.raises(zipfile.BadZipFile, match="CRC"):
            sheet_cells._member(archive, damaged, name)


# ---- 预警分级's formulas found where the reader finds the column ------------------------------------------------

def test_a_grade_typed_over_in_a_ledger_with_a_column_added_in_front_is_not_a_grade_computed(tmp_path):
    """A column 走访备注 added in front of 台账 moves every column one to the right; H1's 预警分级 is typed over
    as 红 (the core says 无: 100,000 a year), H2's keeps its formula. The summary looks for 预警分级's formulas where
    the reader found the column, not where the template puts it (there now stands 监测预警因素, whose formula is
    whole): no grade a spreadsheet computed disagrees."""
    import openpyxl

    path = ledger(tmp_path / "青岩镇.xlsx", "青岩镇", [person("H1", "甲一"), person("H2", "乙一")])
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    ws.insert_cols(1)
    ws.cell(3, 1, "走访备注")
    ws.cell(FIRST_DATA_ROW, column_index("grade") + 1).value = "红"
    save_workbook(wb, path)
    ledgers, unread = read_ledgers([path], default_policy(), JULY_END, month="2022-07", workers=1)
    assert not unread and [h.counted_as for h in ledgers[0].households] == ["无", "无"]
    assert summarize(ledgers, "2022-07", unread).disagreements == []


def test_one_id_number_typed_two_ways_is_one_person(tmp_path):
    """52011319720404009X typed “520113 19720404009x” (a space, a small x) as H1's second member in 青岩镇.xlsx
    (older), and as typed by the system in 石板镇.xlsx's S1 (newer): the same person, so H1 is left out —
    分级汇总 青岩镇: H2 alone (1 household, 1 person); 石板镇: S1 (1, 2)."""
    folder = tmp_path / "台账"
    folder.mkdir()
    number = make_valid("520113", date(1972, 4, 4), 9)
    assert number.endswith("X")
    ledger(folder / "青岩镇.xlsx", "青岩镇", [person("H1", "甲一"), person("H1", "甲二", "之子",
                                                                          id_number="520113 19720404009x"),
                                             person("H2", "乙一")], mtime=1_700_000_000)
    ledger(folder / "石板镇.xlsx", "石板镇", [person("S1", "丙一"), person("S1", "甲二", "之子", id_number=number)],
           mtime=1_700_000_100)
    code, wb = summary(tmp_path, str(folder), "--month", "2022-07")
    assert code == 1
    about = [r for r in wb["说明"].iter_rows(values_only=True) if r[0] in ("乡镇", "身份证号")]
    assert [(r[0], r[1], r[2]) for r in about] == [("身份证号", "石板镇.xlsx", "青岩镇.xlsx")]
    assert "户编号“H1”一户未计入" in about[0][4] and number not in about[0][4]
    grades = rows_of(wb["分级汇总"], 3)
    assert (grades["青岩镇"][7], grades["青岩镇"][14]) == (1, 1) and (grades["石板镇"][7], grades["石板镇"][14]) == (1, 2)


def test_a_household_left_out_claims_none_of_its_people(tmp_path):
    """Three townships, newest first: 八一镇.xlsx A1 (甲), 青岩镇.xlsx B1 (甲 again, and 乙), 石板镇.xlsx C1 (乙 again,
    and 丙). 甲 counts in 八一镇, so B1 is left out; 乙 is then counted nowhere but in C1, which counts — one
    Duplicate, not a second one sending 乙 to a household that is not counted (and 丙 with him).
    分级汇总 households: 八一镇 1 (2 persons), 青岩镇 0, 石板镇 1 (2 persons)."""
    folder = tmp_path / "台账"
    folder.mkdir()
    jia, yi = person("B1", "甲", "之子"), person("B1", "乙", "之女")
    ledger(folder / "八一镇.xlsx", "八一镇", [person("A1", "八一"), {**jia, "household_id": "A1"}],
           mtime=1_700_000_200)
    ledger(folder / "青岩镇.xlsx", "青岩镇", [person("B1", "青一"), jia, yi], mtime=1_700_000_100)
    ledger(folder / "石板镇.xlsx", "石板镇", [person("C1", "丙"), {**yi, "household_id": "C1"}], mtime=1_700_000_000)
    code, wb = summary(tmp_path, str(folder), "--month", "2022-07")
    assert code == 1
    about = [r for r in wb["说明"].iter_rows(values_only=True) if r[0] in ("乡镇", "身份证号")]
    assert [(r[0], r[1], r[2]) for r in about] == [("身份证号", "八一镇.xlsx", "青岩镇.xlsx")]
    grades = rows_of(wb["分级汇总"], 3)
    assert [(grades[t][7], grades[t][14]) for t in ("八一镇", "青岩镇", "石板镇")] == [(1, 2), (0, 0), (1, 2)]

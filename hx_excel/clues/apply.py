"""`hx-excel clues apply 交办单.xlsx --into 台账.xlsx`: the clues a township verified and graded red, yellow or green
carried into its ledger, so that the ledger's own deadlines start (D1, then D2's chain).

On the household's head row (户主; the person's own row when the household has no head yet): 线索来源 部门联合筛查,
线索收集日期 the day the district received the list, 入户核实日期 the day of the check. A cell already holding the
same value is left; one holding another value is never overwritten — the difference is reported. A person the ledger
does not hold (matched through the national export) gets a row of their own at the end of the typed rows, within the
formula rows: 乡镇, 村, 户编号, 姓名, 身份证号 and the clue's dates, 与户主关系 left for the clerk (check asks for it).
Every cell written goes into the 导入记录 sheet. Saved as every edit is (`operations.editing`): atomically, with a
backup, refused while the ledger is open in Excel, WPS or LibreOffice; a second run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from hx_excel.clues.status import read_feedback
from hx_excel.core import id_number
from hx_excel.ledger.book import LedgerBook
from hx_excel.ledger.cells import filled, put, text_of
from hx_excel.ledger.schema import BY_KEY, SHEET, column_index
from hx_excel.operations.editing import EditRefused, Edited, Edits, edit_ledger
from hx_excel.operations.sync import record_changes

CHANNEL = "部门联合筛查"
CARRIED = ("红", "黄", "绿")            # 无风险 and 查无此人 are not clues for the ledger
_INDEX = {key: column_index(key) - 1 for key in ("township", "village", "household_id", "name", "relation",
                                                  "id_number", "clue_channel", "clue_on", "household_check_on")}


@dataclass
class Applied:
    edited: Edited
    carried: list[str] = field(default_factory=list)        # clue numbers written (or already there)
    added: list[str] = field(default_factory=list)          # persons given a row of their own
    conflicts: list[str] = field(default_factory=list)      # typed values that differ, kept
    passed: list[str] = field(default_factory=list)         # verified clues not carried (无风险, 查无此人), unverified


def apply_clues(task: str | Path, ledger: str | Path, *, command: str = "hx-excel clues apply",
                wait_seconds: float = 0, on_wait=None, now: datetime | None = None) -> Applied:
    task, ledger = Path(task), Path(ledger)
    feedback = read_feedback(task)
    township = feedback.township
    stamp = (now or datetime.now()).strftime("%Y-%m-%d %H:%M")
    result = Applied(Edited(ledger, Edits()))
    for row in feedback.rows:
        if not row.verified:
            result.passed.append(f"{row.number}：未核实（没有入户核实日期或核实结论）")
        elif row.conclusion not in CARRIED:
            result.passed.append(f"{row.number}：核实结论为“{row.conclusion}”，不记入台账")
    carried = [r for r in feedback.rows if r.verified and r.conclusion in CARRIED]

    def change(wb: Workbook, book: LedgerBook) -> Edits:
        edits = Edits()
        result.carried.clear(), result.added.clear(), result.conflicts.clear()
        if township and book.settings.township and book.settings.township != township:
            raise EditRefused(f"{task.name} 是{township}的交办单，{ledger.name} 是{book.settings.township}的台账，没有改动该文件："
                              "请核对是否选错了文件")
        ws = wb[SHEET]
        letter_of = {k: book.columns.positions[i] for k, i in _INDEX.items()}
        if letter_of["clue_on"] is None or letter_of["household_check_on"] is None or letter_of["clue_channel"] is None:
            raise EditRefused(f"{ledger.name} 没有“线索来源”“线索收集日期”“入户核实日期”列（较早版式的台账）：请先运行 "
                              f"hx-excel upgrade {ledger.name}")
        by_key = {}
        heads: dict[str, int] = {}
        for number, values in book.rows:
            try:
                by_key.setdefault(id_number.match_key(values[_INDEX["id_number"]]), (number, values))
            except id_number.IdNumberError:
                pass
            hid = text_of(values[_INDEX["household_id"]])
            if hid and text_of(values[_INDEX["relation"]]) == "户主":
                heads.setdefault(hid, number)
        records: list[tuple] = []
        free = _free_rows(book)
        for row in carried:
            info = row.details
            try:
                key = id_number.match_key(info.get("id"))
            except id_number.IdNumberError:
                result.conflicts.append(f"{row.number}：交办单第 {row.row} 行的身份证号无法读取，未记入：请核对交办单")
                continue
            received = info.get("received")
            wanted = {"clue_channel": CHANNEL, "clue_on": received, "household_check_on": row.checked_on}
            found = by_key.get(key)
            if found is None:
                if not free:
                    raise EditRefused(f"{ledger.name} 准备的公式行已用完，{row.number} 的人无处可写，没有改动该文件："
                                      f"请先运行 hx-excel extend {ledger.name}")
                target = free.pop(0)
                wanted = {"township": book.settings.township or township, "village": info.get("village"),
                          "household_id": info.get("household_id"), "name": info.get("name"),
                          "id_number": text_of(info.get("id")), **wanted}
                result.added.append(f"{row.number}：{info.get('name')} 写在第 {target} 行（请补填与户主关系和户的情况）")
            else:
                number, values = found
                target = heads.get(text_of(values[_INDEX["household_id"]]), number)
            for key_name, value in wanted.items():
                if value is None or value == "":
                    continue
                position = letter_of[key_name]
                if position is None:
                    continue
                old = ws.cell(target, position + 1).value     # as this run left it: two clues of one household
                header = BY_KEY[key_name].header
                if filled(old):
                    if not _same(old, value):
                        result.conflicts.append(f"{row.number}：台账第 {target} 行“{header}”已填“{_shown(old)}”，"
                                                f"交办单为“{_shown(value)}”：未改动，请核对")
                    continue
                cell = put(ws, target, position + 1, value)
                if isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
                edits.cells += 1
                records.append((stamp, task.name, row.row, target, header, "", _shown(value),
                                f"部门联合筛查 {row.number}（{row.conclusion}）"))
            result.carried.append(row.number)
        record_changes(wb, records, edits)
        return edits

    result.edited = edit_ledger(ledger, change, command=command, wait_seconds=wait_seconds, on_wait=on_wait)
    return result


def _free_rows(book: LedgerBook) -> list[int]:
    """The formula rows below the last typed row: where a new person goes."""
    from hx_excel.ledger.book import typed
    from hx_excel.ledger.schema import FIRST_DATA_ROW

    last = max((n for n, v in book.rows if typed(v)), default=FIRST_DATA_ROW - 1)
    return list(range(last + 1, book.last_formula_row + 1))


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, datetime):
        old = old.date()
    return old == new or text_of(old) == text_of(new)


def _shown(value: Any) -> str:
    if isinstance(value, datetime):
        value = value.date()
    return f"{value:%Y-%m-%d}" if isinstance(value, date) else text_of(value)

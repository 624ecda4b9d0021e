"""Keep a filled ledger in step with the national system's list: `hx-excel import EXPORT --into LEDGER [--update]`.

The export is read as `generate --roster` reads it (the national preset, or a mapping) and the ledger's township's
households are merged in. Persons are matched by ID number (normalised: spaces gone, x made X, 15 digits upgraded),
households by 户编号. For a person found, each fact the export holds is compared with the ledger's cell: a blank cell
is filled; a typed value that differs is reported with both values and stays, unless `update` (then the export's
value is written and the old one listed). A person not yet in the ledger lands under their household (the rows below
move down, with everything typed in them; the computed cells stay, every formula row being the same); a new
household at the end, inside the formula rows — the ledger is extended first when it needs more. Persons in the
ledger but not in the export are listed, never deleted. Every change is a line of the 导入记录 sheet (date, file,
rows, column, old, new). The ledger is changed as fill changes it (`editing.edit_ledger`: lock-file refusal, atomic
save, backup), and a second run with the same export changes nothing.
"""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl.comments import Comment
from openpyxl.styles import Alignment
from openpyxl.styles.cell_style import StyleArray
from openpyxl.workbook import Workbook

from hx_excel.core import id_number
from hx_excel.districts import DistrictSettings, load_settings
from hx_excel.files.fonts import font
from hx_excel.files.pages import a4
from hx_excel.ledger.book import LedgerBook
from hx_excel.ledger.reader import UNREADABLE
from hx_excel.ledger.cells import CellError, from_cell, put, text_of, to_cell
from hx_excel.ledger.schema import BY_KEY, FIRST_DATA_ROW, INPUT_COLUMNS, LAYOUT_VERSION, SHEET, column_index
from hx_excel.ledger.writer import RowWriter
from hx_excel.ledger.template import DEFAULT_ROWS
from hx_excel.operations.editing import EditRefused, Edited, Edits, edit_ledger
from hx_excel.operations.extend import extend_ledger
from hx_excel.policy import Policy
from hx_excel.roster import RosterHousehold, read_roster
from hx_excel.roster.mapping import RosterMapping

IMPORT_SHEET = "导入记录"
IMPORT_HEADERS = (("导入时间", 17), ("名单文件", 22), ("名单行", 7), ("台账行", 7), ("列", 16), ("原来的值", 24),
                  ("导入的值", 24), ("说明", 30))
_WRAPPED = Alignment(wrap_text=True, vertical="top")
_HID, _ID, _NAME, _REL = (column_index(k) for k in ("household_id", "id_number", "name", "relation"))


@dataclass
class Imported:
    edited: Edited
    township: str
    extended_to: int | None = None              # the ledger was extended first to this many rows
    differences: list[str] = field(default_factory=list)    # typed values that differ, kept (without --update)
    absent: list[str] = field(default_factory=list)         # ledger persons not in the export
    notes: list[str] = field(default_factory=list)          # the export's own problems and notes (this township's)


def person_key(value: Any) -> str:
    """An ID number as persons are matched (`id_number.match_key`: compacted, a 15-digit number upgraded to 18); text
    that is no ID number at all is compared as written, compacted; a cell that is not text matches nobody."""
    if not isinstance(value, str):
        return ""
    try:
        return id_number.match_key(value)
    except id_number.IdNumberError:
        return id_number.compact(value)


def import_into(export: str | Path, ledger: str | Path, policy: Policy, *, update: bool = False,
                mapping: RosterMapping | str | Path | None = None, settings: DistrictSettings | None = None,
                command: str = "hx-excel import", wait_seconds: float = 0, on_wait=None,
                now: datetime | None = None) -> Imported:
    export, ledger = Path(export), Path(ledger)
    roster = read_roster(export, settings or load_settings(None), policy, mapping)
    stamp = (now or datetime.now()).strftime("%Y-%m-%d %H:%M")
    result = Imported(Edited(ledger, Edits()), "")

    def change(wb: Workbook, book: LedgerBook) -> Edits:
        edits = Edits()
        township = book.settings.township
        if not township:
            raise EditRefused(f"{ledger.name} 的“参数”表没有填写乡镇，不知道导入名单中哪个乡镇的户：请先填写乡镇")
        if book.settings.layout != LAYOUT_VERSION or not book.columns.standard:
            raise EditRefused(f"{ledger.name} 不是当前版式的台账（或插入、删除、移动过列），导入要按模板的列写入：请先运行 "
                              f"hx-excel upgrade {ledger.name}（或把列恢复原样）后再导入")
        result.township = township
        items = [h for h in roster.households if h.township == township]
        if not items:         # the wrong export, or 参数's 乡镇 written otherwise: nothing to compare, said as such
            others = sorted({h.township for h in roster.households})
            raise EditRefused(f"{export.name} 中没有{township}的户（名单中的户属于：{'、'.join(others) or '无'}），没有改动该文件："
                              f"请核对是否选错了名单，或台账“参数”表的乡镇是否写全称")
        result.notes = [str(p) for p in roster.notes] + [str(p) for p in roster.problems_for(township)]
        # a row inserted by hand has no formulas at all: a person moved onto it would lose every check. (A value
        # typed over one computed cell moves with its row, and check goes on saying so.)
        gone = sorted(r for r, columns in book.formulas_gone().items() if len(columns) == len(book.formulas.expected))
        if gone:
            raise EditRefused(f"{ledger.name} 的台账第 {'、'.join(map(str, gone[:5]))}{'等' if len(gone) > 5 else ''} 行没有公式"
                              "（手工插入的行），导入要移动的行会失去计算，没有改动该文件：请先运行 hx-excel fill "
                              f"{ledger.name} --restore-formulas 补上公式，再导入")
        plan = _Plan(wb[SHEET], book, items)
        if plan.rows_needed > book.last_formula_row:
            raise _NeedsRows(plan.rows_needed)
        plan.write(export.name, stamp, update, edits, result)
        record_changes(wb, plan.records, edits)
        return edits

    try:
        result.edited = edit_ledger(ledger, change, command=command, wait_seconds=wait_seconds, on_wait=on_wait)
    except _NeedsRows as short:
        rows = short.rows - FIRST_DATA_ROW + 1 + DEFAULT_ROWS // 5
        extend_ledger(ledger, policy, rows, command=command, wait_seconds=wait_seconds, on_wait=on_wait)
        result.extended_to = rows
        result.differences.clear()
        result.absent.clear()
        result.edited = edit_ledger(ledger, change, command=command, wait_seconds=wait_seconds, on_wait=on_wait)
    return result


class _NeedsRows(Exception):
    def __init__(self, rows: int):
        super().__init__(rows)
        self.rows = rows


@dataclass
class _Person:
    """A row of the ledger as it will stand: an old row moved (or not), or a person of the export."""
    old_row: int | None = None
    typed: dict[str, Any] | None = None
    export_row: int = 0
    notes: dict[str, str] = field(default_factory=dict)
    head: bool = False          # the first row of a new household: the household's facts are written on it


class _Plan:
    """Where every ledger row and every new person of the export will stand, and which facts to compare."""

    def __init__(self, ws, book: LedgerBook, items: list[RosterHousehold]):
        self.ws, self.book = ws, book
        self.records: list[tuple] = []
        # persons stand within the formula rows: what is typed below them (a footer) is left where it is
        rows = [number for number, _ in book.rows if number <= book.last_formula_row]
        self.old_rows = rows
        values = dict(book.rows)
        self.hid_of = {n: text_of(values[n][_HID - 1]) for n in rows}
        self.by_person = {}
        for n in rows:
            key = person_key(values[n][_ID - 1])
            if key:
                self.by_person.setdefault(key, n)
        self.by_household: dict[str, list[int]] = {}
        for n in rows:
            if self.hid_of[n]:
                self.by_household.setdefault(self.hid_of[n], []).append(n)
        order: list[_Person] = [_Person(old_row=n) for n in range(FIRST_DATA_ROW, (max(rows) if rows else 0) + 1)]
        self.matched: list[tuple[int, RosterHousehold, int, dict[str, Any]]] = []   # (ledger row, item, export row, typed)
        self.seen: set[int] = set()
        appended: list[_Person] = []
        by_name = {}
        for n in rows:
            by_name.setdefault((self.hid_of[n], text_of(values[n][_NAME - 1])), n)
        self.twice: list[str] = []       # rows of the export not taken, each with why (said with the differences)
        for item in items:
            found = []
            for export_row, t in zip(item.rows, item.typed):
                if "id_number" in t.get(UNREADABLE, ()):   # an ID cell showing #N/A …: whom it means is unknown
                    self.twice.append(f"名单第 {export_row} 行 {text_of(t.get('name'))} 的身份证号无法读取（见名单的问题），"
                                      "本行未导入；请在名单中改正后重新导入")
                    t["_skip"] = True
                    found.append(None)
                    same_name = by_name.get((item.household_id, text_of(t.get("name"))))
                    if same_name:              # not changed, but not said to be missing from the export either
                        self.seen.add(same_name)
                    continue
                key = person_key(t.get("id_number"))
                at = self.by_person.get(key) if key else by_name.get((item.household_id, text_of(t.get("name"))))
                if at in self.seen:        # listed twice in the export: the first row counts
                    self.twice.append(f"名单第 {export_row} 行 {text_of(t.get('name'))} 与前面的行是同一人，只按前一行导入")
                    at, t["_skip"] = None, True
                found.append(at)
                if at:
                    self.seen.add(at)
            household_rows = self.by_household.get(item.household_id) or next(
                (self.by_household.get(self.hid_of[n], [n]) for n in found if n), [])
            new = []
            for export_row, typed, at in zip(item.rows, item.typed, found):
                if typed.get("_skip"):
                    continue
                if at:
                    self.matched.append((at, item, export_row, typed))
                else:
                    new.append(_Person(typed=dict(typed, household_id=typed.get("household_id") or item.household_id),
                                       export_row=export_row, notes=item.notes if not household_rows else {}))
            if not new:
                continue
            if household_rows:       # under the household's last row
                last = max(household_rows)
                index = next(i for i, p in enumerate(order) if p.old_row == last) + 1
                while index < len(order) and order[index].typed is not None:
                    index += 1
                order[index:index] = new
            else:
                # a new household: its head first, as the ledger reads households
                new.sort(key=lambda p: p.typed.get("relation") != "户主")
                new[0].head = True
                appended += new
        trailing = len(order)
        while trailing and order[trailing - 1].typed is None and order[trailing - 1].old_row not in values:
            trailing -= 1
        self.order = order[:trailing] + appended
        self.rows_needed = FIRST_DATA_ROW + len(self.order) - 1
        self.absent = [n for n in rows if n not in self.seen and text_of(values[n][_NAME - 1])]
        self.values = values

    def write(self, export_name: str, stamp: str, update: bool, edits: Edits, result: Imported) -> None:
        ws = self.ws
        moved_to = {p.old_row: FIRST_DATA_ROW + i for i, p in enumerate(self.order) if p.old_row is not None}
        first_change = next((FIRST_DATA_ROW + i for i, p in enumerate(self.order)
                             if p.old_row != FIRST_DATA_ROW + i), None)
        if first_change is not None:
            self._move(first_change, edits)
        for i, person in enumerate(self.order):
            if person.typed is None:
                continue
            row = FIRST_DATA_ROW + i
            for key, value in person.typed.items():
                if key not in BY_KEY or BY_KEY[key].kind not in ("input", "filled"):
                    continue
                if BY_KEY[key].level == "household" and not person.head:
                    continue          # read from the head row only (a new member's household has its own)
                written = to_cell(BY_KEY[key], value)
                if written is None:
                    continue
                put(ws, row, column_index(key), written)
                edits.cells += 1
                if key in person.notes:
                    ws.cell(row, column_index(key)).comment = Comment(person.notes[key], "hx-excel", width=260, height=70)
            self.records.append((stamp, export_name, person.export_row, row, "（整行）", "",
                                 f"{person.typed.get('name') or ''} {id_number.mask(person.typed.get('id_number') or '')}",
                                 "新增成员" if person.typed.get("relation") != "户主" else "新增户"))
        heads = {}
        for n in self.old_rows:
            if self.values[n][_REL - 1] == "户主" and self.hid_of[n]:
                heads.setdefault(self.hid_of[n], n)
        for at, item, export_row, typed in self.matched:
            row = moved_to[at]
            head = heads.get(self.hid_of[at]) if self.hid_of[at] else None
            for key, value in typed.items():
                column = BY_KEY.get(key)
                if column is None or column.kind not in ("input", "filled") or value in (None, "", []):
                    continue
                if column.level == "household" and at != head:
                    continue           # household facts stand on the head row only (a row without 户编号 has none)
                cell = ws.cell(row, column_index(key))
                try:
                    current = from_cell(column, cell.value)
                except CellError:
                    current = cell.value
                if key == "id_number" and person_key(current) and person_key(current) == person_key(value):
                    continue           # the same number written another way (x, spaces, 15 digits)
                if _same(current, value):
                    continue
                if key == "household_id" and current is not None:
                    # a person in another household now: moving rows between households is the clerk's call
                    result.differences.append(f"台账第 {row} 行 {text_of(typed.get('name'))} 的户编号为“{current}”，名单第 "
                                              f"{export_row} 行为“{value}”（可能已迁户）：请核实后在台账中调整，本工具不改户编号")
                    continue
                shown_old, shown_new = _shown(current, column), _shown(value, column)
                if current is None:
                    note = "补填（台账原为空）"
                elif update:
                    note = "以名单为准改写（--update）"
                else:
                    result.differences.append(f"台账第 {row} 行“{column.header}”为“{shown_old}”，名单第 {export_row} 行为"
                                              f"“{shown_new}”：保留台账的值（以名单为准请加 --update）")
                    continue
                put(ws, row, column_index(key), to_cell(column, value))
                edits.cells += 1
                self.records.append((stamp, export_name, export_row, row, column.header, shown_old, shown_new, note))
        result.differences += self.twice
        result.absent = [f"台账第 {moved_to[n]} 行 {text_of(self.values[n][_NAME - 1])}（身份证号 "
                         f"{id_number.mask(self.values[n][_ID - 1] or '') or '未填'}，户编号“{self.hid_of[n]}”）"
                         for n in self.absent]

    def _move(self, first: int, edits: Edits) -> None:
        """Rows from `first` down rewritten in their new order. A row moves whole — every cell that is not one of
        the template's formulas (typed values in any column, a column of the clerk's own, a value typed over a
        computed cell, comments, fills and fonts) and its height and hidden state; the formula cells stay, every
        formula row being the same. A row left for a new person gets the prepared rows' plain style."""
        ws = self.ws
        start = first - FIRST_DATA_ROW
        last = max([p.old_row or 0 for p in self.order[start:]] + [FIRST_DATA_ROW + len(self.order) - 1])
        writer = RowWriter(ws)
        plain = {column_index(c.key): writer.style_of(c.key) for c in INPUT_COLUMNS}
        snapshot: dict[int, list[tuple]] = {}
        dimensions: dict[int, tuple] = {}
        for (r, c), cell in list(ws._cells.items()):
            if first <= r <= last and cell.data_type != "f":
                snapshot.setdefault(r, []).append((c, cell.value, cell.data_type, copy(cell._style), cell.comment,
                                                   cell.hyperlink))
        for r in range(first, last + 1):
            dimension = ws.row_dimensions[r]
            dimensions[r] = (dimension.height, dimension.hidden)
        for r, cells in snapshot.items():
            for c, *_ in cells:
                cell = ws.cell(r, c)
                cell.value, cell.comment, cell.hyperlink = None, None, None
                cell._style = copy(plain[c]) if c in plain else StyleArray()
        for r in range(first, last + 1):
            ws.row_dimensions[r].height, ws.row_dimensions[r].hidden = None, False
        for i, person in enumerate(self.order[start:], start=first):
            if person.old_row is None:
                continue
            for c, value, data_type, style, comment, link in snapshot.get(person.old_row, []):
                cell = ws.cell(i, c)
                cell._value, cell.data_type, cell._style = value, data_type, style
                if comment is not None:
                    cell.comment = copy(comment)
                if link is not None:
                    cell.hyperlink = copy(link)
                if person.old_row != i and value is not None:
                    edits.cells += 1
            height, hidden = dimensions.get(person.old_row, (None, False))
            ws.row_dimensions[i].height, ws.row_dimensions[i].hidden = height, hidden


def record_changes(wb: Workbook, records: list[tuple], edits: Edits) -> None:
    """The 导入记录 sheet: one line per change, appended (the sheet is the tool's own; its header made when new)."""
    if not records:
        return
    if IMPORT_SHEET in wb.sheetnames:
        ws = wb[IMPORT_SHEET]
    else:
        ws = wb.create_sheet(IMPORT_SHEET)
        for column, (header, width) in enumerate(IMPORT_HEADERS, start=1):
            put(ws, 1, column, header).font = font(bold=True)
            ws.column_dimensions[chr(64 + column)].width = width
        ws.freeze_panes = "A2"
        a4(ws, title_rows="1:1")         # filed with the month's papers: A4, one page wide, the header on every page
    row = ws.max_row + 1 if ws.max_row > 1 or ws["A1"].value else 1
    for values in records:
        for column, value in enumerate(values, start=1):
            put(ws, row, column, value).alignment = _WRAPPED     # long old and new values wrap inside the page
        row += 1
    edits.sheets.append(IMPORT_SHEET)



def _same(current: Any, value: Any) -> bool:
    if isinstance(current, datetime):
        current = current.date()
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(current, (int, float)) and isinstance(value, (int, float)) and not isinstance(current, bool):
        return abs(float(current) - float(value)) < 0.005
    if isinstance(current, str) and isinstance(value, str):
        return current.strip() == value.strip()
    return current == value


def _shown(value: Any, column) -> str:
    if value is None:
        return ""
    if column.key == "id_number":
        return id_number.mask(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (date, datetime)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, list):
        return "、".join(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

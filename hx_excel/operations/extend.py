"""Give a ledger more prepared rows, keeping everything the clerk typed: `hx-excel extend FILE --rows N`.

Below its prepared rows a ledger computes nothing and refuses typing (the template's last validation), so a township
that runs out of rows needs a ledger with more of them. The ledger is rebuilt from the template with `rows` formula
rows, the township, county, year and village list it names on 参数, and then every cell the clerk could type is
carried over as it is: the input cells of 台账 (with their row heights) and the unlocked cells of 参数 (评估日期, the
sign-off, the village list, the income lines, the day counts). Before anything is replaced the rebuilt workbook is
compared with the old one (`files.content.differences`): anything else the clerk added (a sheet, a comment, a name,
text outside the input columns, a typed value over a formula) would be lost, so the run refuses and names it. The
file is replaced atomically, the previous one kept as a backup, never while Excel or WPS has it open.
"""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from openpyxl.worksheet.worksheet import Worksheet

from hx_excel.files.content import differences, read_content, summary
from hx_excel.files.save import commit, write_temp
from hx_excel.files.sheet_cells import DENSE_COLUMNS
from hx_excel.ledger.cells import put
from hx_excel.files.inputs import open_workbook
from hx_excel.ledger.book import WHAT, find_columns
from hx_excel.operations.editing import RESULT_SHEET, ledger_in_hand
from hx_excel.operations.fill import TODO_SHEET
from hx_excel.operations.review import RECORD_SHEET
from hx_excel.ledger.schema import (FILLED_COLUMNS, FIRST_DATA_ROW, HEADER_ROW, INPUT_INDEXES, LAYOUT_VERSION, SHEET,
                                    column_index)
from hx_excel.ledger.template import DEFAULT_ROWS, PARAMS, build_workbook
from hx_excel.policy import Policy

MAX_ROWS = 50_000          # as the district settings' rows
_SEQ = column_index("seq")


class ExtendError(ValueError):
    """The ledger cannot be extended; nothing was written. The message says why and what to do."""


@dataclass
class Extended:
    path: Path
    rows_before: int
    rows_after: int
    backup: Path | None
    cleaned: list[Path] = field(default_factory=list)     # temporary files of an earlier killed run, removed


def prepared_rows(ws: Worksheet) -> int:
    """How many data rows carry the formulas (序号's column holds one in each)."""
    last = FIRST_DATA_ROW - 1
    for (row, col), cell in ws._cells.items():
        if col == _SEQ and row > last and cell.data_type == "f":
            last = row
    return last - FIRST_DATA_ROW + 1


def layout_of(wb) -> int:
    """台账版式 on 参数 (0: a ledger made before the marker)."""
    try:
        value = _param(wb, "P_LAYOUT")
    except KeyError:
        return 0
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def _param(wb, name: str):
    sheet, ref = wb.defined_names[name].attr_text.split("!")
    return wb[PARAMS][ref.replace("$", "")].value


FILLED_INDEXES = frozenset(column_index(c.key) for c in FILLED_COLUMNS)
# written by fill, review, import and the add-in's buttons
OWN_SHEETS = frozenset((TODO_SHEET, RECORD_SHEET, RESULT_SHEET, "导入记录"))


def extend_ledger(path: str | Path, policy: Policy, rows: int | None = None, *,
                  command: str = "hx-excel extend", wait_seconds: float = 0,
                  on_wait: Callable[[str], None] | None = None) -> Extended:
    path = Path(path)
    with ledger_in_hand(path, command, ExtendError, doing="要扩行的", wait_seconds=wait_seconds,
                        on_wait=on_wait) as hand:
        old = open_workbook(hand.path, WHAT, read_only=False, data_only=False)
        if SHEET not in old.sheetnames or PARAMS not in old.sheetnames:
            raise ExtendError(f"{path.name} 不是本工具生成的台账（没有“{SHEET}”或“{PARAMS}”表）")
        layout = layout_of(old)
        if layout != LAYOUT_VERSION:       # 参数 and 台账 are carried by address: only the current layout's are known
            raise ExtendError(f"{path.name} 是{'较早' if layout < LAYOUT_VERSION else '更新'}版式的台账（" + (f"台账版式第 {layout} 版" if layout else "没有版式标记") + "，"
                              f"本工具为第 {LAYOUT_VERSION} 版），extend 只能按当前版式重建：" + (
                                  f"请先运行 hx-excel upgrade {path.name}，再扩充行数" if layout < LAYOUT_VERSION
                                  else "请先升级 hx-excel"))
        _refuse_far_cells(old, path.name)
        ledger = old[SHEET]
        top = [[c.value for c in row] for row in ledger.iter_rows(max_row=HEADER_ROW + 2, max_col=ledger.max_column)]
        if not find_columns(top, path.name).standard:   # a column added, moved or missing (named by find_columns)
            raise ExtendError(f"{path.name} 的“{SHEET}”表插入、删除或移动过列，extend 只能按模板的列重建："
                              "请先把列恢复原样（多出的列移到别的工作表），再运行 hx-excel extend")
        before = prepared_rows(ledger)
        rows = rows or before + DEFAULT_ROWS
        if rows <= before:
            raise ExtendError(f"{path.name} 已准备了 {before} 行，要扩到的行数（--rows）须大于 {before}")
        if rows > MAX_ROWS:
            raise ExtendError(f"--rows 最多 {MAX_ROWS} 行")
        try:
            year = int(_param(old, "P_YEAR"))
        except (KeyError, TypeError, ValueError):
            raise ExtendError(f"{path.name} 的“{PARAMS}”表没有可读的核算年度，无法按原样重建") from None
        # 参数's typed cells (乡镇, the village list as it stands, gaps and all) come over with _carry_over
        new = build_workbook(policy, year=year, rows=rows)
        _carry_over(old, new)
        temp = write_temp(new, hand.path)
        try:
            lost = differences(read_content(hand.path, "台账文件"), read_content(temp, "重建的台账"), ours_may_change=True)
            if lost:
                raise ExtendError(f"{path.name} 中有重建时带不过去的内容，为免丢失，没有改动该文件：{summary(lost, 5)}。"
                                  "请先把这些内容移到别处（或删去），再运行本命令。")
            backup = commit(temp, hand.path, keep_previous=True, expected=hand.fingerprint)
        finally:
            temp.unlink(missing_ok=True)
    return Extended(path, before, rows, backup, hand.cleaned)


FAR_ROW, FAR_COLUMN = MAX_ROWS + 1_000, DENSE_COLUMNS     # past these no template cell lies: a cell there is a stray


def _refuse_far_cells(wb, name: str) -> None:
    """A value far outside any template table (a stray at XFD1048576) cannot be carried into the rebuilt workbook,
    and comparing the two files would then cover every cell up to it: refused at once, naming the cell."""
    for ws in wb.worksheets:
        if ws.max_row <= FAR_ROW and ws.max_column <= FAR_COLUMN:
            continue
        for (row, column), cell in ws._cells.items():
            if (row > FAR_ROW or column > FAR_COLUMN) and cell.value is not None:
                raise ExtendError(f"{name} 的“{ws.title}”表 {cell.coordinate} 有内容（“{str(cell.value)[:20]}”），远在表格之外，"
                                  "重建时带不过去，为免丢失，没有改动该文件：如是误填请删除，否则移到另一个工作簿后再运行本命令")


def _carry_over(old, new) -> None:
    """Every cell a clerk can type, from the old workbook into the rebuilt one, as it is (text stays text); and what
    fill and review wrote (the 建议帮扶措施 column, the 待办 and 月度研判记录 sheets), which no template rebuilds."""
    source, target = old[SHEET], new[SHEET]
    for (row, col), cell in list(source._cells.items()):
        if row >= FIRST_DATA_ROW and (col in INPUT_INDEXES or col in FILLED_INDEXES) and cell.value is not None:
            copy_cell(cell, target)
    for title in sorted(OWN_SHEETS & set(old.sheetnames), key=old.sheetnames.index):
        copy_sheet(old[title], new.create_sheet(title, old.sheetnames.index(title)))
    for row, dimension in source.row_dimensions.items():
        if row >= FIRST_DATA_ROW and dimension.height:
            target.row_dimensions[row].height = dimension.height
    for cell in list(old[PARAMS]._cells.values()):
        if cell.protection.locked is False:
            copy_cell(cell, new[PARAMS])
    # the clerk's passwords: each sheet's protection (its password hash and what it allows) and the workbook's
    for title in set(old.sheetnames) & set(new.sheetnames):
        if old[title].protection.sheet or old[title].protection.password:
            new[title].protection = copy(old[title].protection)
    if old.security is not None:
        new.security = copy(old.security)


def copy_sheet(source: Worksheet, target: Worksheet) -> None:
    """A sheet of the tool's own (待办, 月度研判记录) as it stands: cells, fonts, widths, frozen rows, filter, print setup."""
    for cell in list(source._cells.values()):
        if cell.value is not None:
            copy_cell(cell, target).font = copy(cell.font)
    for letter, dimension in source.column_dimensions.items():
        target.column_dimensions[letter].width = dimension.width
    for row, dimension in source.row_dimensions.items():
        if dimension.height:
            target.row_dimensions[row].height = dimension.height
    target.freeze_panes = source.freeze_panes
    target.auto_filter.ref = source.auto_filter.ref
    target.print_title_rows = source.print_title_rows
    target.page_setup.orientation, target.page_setup.paperSize = source.page_setup.orientation, source.page_setup.paperSize
    target.sheet_properties.pageSetUpPr.fitToPage = source.sheet_properties.pageSetUpPr.fitToPage
    target.page_setup.fitToWidth, target.page_setup.fitToHeight = source.page_setup.fitToWidth, source.page_setup.fitToHeight
    target.print_options.gridLines = source.print_options.gridLines


def copy_cell(cell, target: Worksheet, row: int | None = None, column: int | None = None):
    """One cell as the clerk left it (at its own place, or at `row`, `column`): a formula the clerk typed stays a
    formula, text stays text (`put`); its number format, protection, alignment and comment come along."""
    row, column = row or cell.row, column or cell.column
    if cell.data_type in ("f", "e") or not isinstance(cell.value, str):   # a formula, an error value (#N/A) as typed
        copied = target.cell(row, column, cell.value)
    else:
        copied = put(target, row, column, cell.value)
    copied.number_format = cell.number_format
    copied.protection = copy(cell.protection)
    copied.alignment = copy(cell.alignment)
    if cell.comment is not None:
        copied.comment = copy(cell.comment)
    return copied

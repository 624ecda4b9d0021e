"""Bring a ledger made by an earlier layout up to the current one: `hx-excel upgrade FILE`.

A ledger lives for years while the template changes under it (columns added or moved, formulas corrected — the
exact-text 户编号 comparison of layout 1, for one). `check` and `summary` read an earlier layout by header, and say so;
`upgrade` rebuilds it on the current template (schema.LAYOUT_VERSION) with as many prepared rows, and carries across
by header — never by position — every cell a clerk could type: 台账's input columns and what fill wrote (建议帮扶措施),
with row heights and comments; 参数's typed settings by their labels (乡镇, 核算年度, 评估日期, the sign-off, the day
counts …), the village list, the income lines; the tool's own sheets (待办, 月度研判记录, hx-excel结果) and any sheet
the clerk added, as they stand. What has no place in the new layout (a column of the clerk's own in 台账, a setting
the template no longer has) is listed in the report; the previous file is kept as a backup whatever happens, and the
replacement is atomic, never while Excel, WPS or LibreOffice has the file open.
"""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook

from hx_excel.files.inputs import open_workbook
from hx_excel.files.save import commit, write_temp
from hx_excel.ledger.book import WHAT, LedgerFileError, find_columns, fold
from hx_excel.ledger.schema import COLUMNS, FIRST_DATA_ROW, LAYOUT_VERSION, SHEET, column_index
from hx_excel.ledger.template import (COMPUTED_PARAMS, DEFAULT_ROWS, PARAM_ROWS, PARAMS, VILLAGE_LIST_HEADER, VILLAGE_SLOTS,
                                      build_workbook, policy_year)
from hx_excel.operations.editing import ledger_in_hand
from hx_excel.operations.extend import MAX_ROWS, OWN_SHEETS, copy_cell, copy_sheet, layout_of
from hx_excel.operations.fill import TODO_SHEET
from hx_excel.policy import Policy

CARRIED = tuple(c for c in COLUMNS if c.kind in ("input", "filled"))     # 台账's cells a clerk (or fill) wrote
_LABELS = {fold(label): name for name, label, _ in PARAM_ROWS if name not in COMPUTED_PARAMS}


class UpgradeError(ValueError):
    """The ledger cannot be upgraded; nothing was written. The message says why and what to do."""


@dataclass
class Upgraded:
    path: Path
    layout_before: int
    rows: int
    cells: int                                   # typed cells carried across (台账 and 参数)
    backup: Path | None
    sheets: list[str] = field(default_factory=list)       # sheets carried as they stand
    report: list[str] = field(default_factory=list)     # what the new layout has no place for (kept in the backup)
    cleaned: list[Path] = field(default_factory=list)


def upgrade_ledger(path: str | Path, policy: Policy, *, command: str = "hx-excel upgrade", wait_seconds: float = 0,
                   on_wait=None) -> Upgraded:
    path = Path(path)
    with ledger_in_hand(path, command, UpgradeError, doing="要升级的", wait_seconds=wait_seconds,
                        on_wait=on_wait) as hand:
        old = open_workbook(hand.path, WHAT, read_only=False, data_only=False)
        if SHEET not in old.sheetnames:
            raise UpgradeError(f"{path.name} 中没有“{SHEET}”工作表，不是防贫监测台账，没有改动该文件")
        layout = layout_of(old)
        if layout == LAYOUT_VERSION:
            raise UpgradeError(f"{path.name} 已是当前版式（第 {LAYOUT_VERSION} 版），不用升级，没有改动该文件")
        if layout > LAYOUT_VERSION:
            raise UpgradeError(f"{path.name} 是更新版本的 hx-excel 生成的（台账版式第 {layout} 版），本工具只认识到第 "
                               f"{LAYOUT_VERSION} 版，不能降级，没有改动该文件：请先升级 hx-excel")
        source = old[SHEET]
        top = [[c.value for c in row] for row in source.iter_rows(max_row=12, max_col=source.max_column)]
        try:
            columns = find_columns(top, path.name)
        except LedgerFileError as exc:
            raise UpgradeError(f"{exc}。没有改动该文件") from None
        settings = _settings(old)
        shift = FIRST_DATA_ROW - (columns.header_row + 1)     # the old data's first row onto the new one's
        last_typed = max((row for (row, col), cell in source._cells.items()
                          if row > columns.header_row and cell.value is not None
                          and col - 1 in {p for c, p in zip(COLUMNS, columns.positions) if c in CARRIED}), default=0)
        rows = max(_prepared(source, columns), last_typed + shift - FIRST_DATA_ROW + 1, 1)
        if rows > MAX_ROWS:
            raise UpgradeError(f"{path.name} 的台账有 {rows} 行，超过 {MAX_ROWS} 行，无法按模板重建，没有改动该文件")
        year = settings.get("P_YEAR") if isinstance(settings.get("P_YEAR"), int) else policy_year(policy)
        new = build_workbook(policy, year=year, rows=rows)
        done = Upgraded(path, layout, rows, 0, None)
        _carry_ledger(old, new, columns, shift, done)
        _carry_params(old, new, settings, done)
        _carry_sheets(old, new, done)
        for title in set(old.sheetnames) & set(new.sheetnames):      # the clerk's passwords, as extend keeps them
            if old[title].protection.sheet or old[title].protection.password:
                new[title].protection = copy(old[title].protection)
        if old.security is not None:
            new.security = copy(old.security)
        temp = write_temp(new, hand.path)
        try:
            done.backup = commit(temp, hand.path, keep_previous=True, expected=hand.fingerprint)
        finally:
            temp.unlink(missing_ok=True)
        done.cleaned = hand.cleaned
    return done


def _prepared(ws, columns) -> int:
    """The old ledger's prepared rows: the last row of 序号's formula column."""
    seq = columns.positions[COLUMNS.index(next(c for c in COLUMNS if c.key == "seq"))]
    if seq is None:
        return DEFAULT_ROWS
    last = columns.header_row
    for (row, col), cell in ws._cells.items():
        if col == seq + 1 and cell.data_type == "f" and row > last:
            last = row
    return last - columns.header_row


def _carry_ledger(old, new, columns, shift: int, done: Upgraded) -> None:
    """台账's typed cells, by header, onto the same household row of the new layout; row heights and comments."""
    source, target = old[SHEET], new[SHEET]
    where = {columns.positions[COLUMNS.index(c)] + 1: column_index(c.key) for c in CARRIED
             if columns.positions[COLUMNS.index(c)] is not None}
    known = {p + 1 for p in columns.positions if p is not None}
    extra: dict[int, int] = {}
    for (row, col), cell in list(source._cells.items()):
        if row <= columns.header_row or cell.value is None:
            continue
        if col in where:
            copy_cell(cell, target, row + shift, where[col])
            done.cells += 1
        elif col not in known and not (cell.data_type == "f" and _hidden(source, col)):
            # a hidden formula column the template no longer has is an earlier layout's helper, not the clerk's
            extra[col] = extra.get(col, 0) + 1
    for col, count in sorted(extra.items()):
        header = source.cell(columns.header_row, col).value
        done.report.append(f"“{SHEET}”表 {get_column_letter(col)} 列" + (f"“{header}”" if header else "")
                             + f"：{count} 格内容（不是台账的列，新版式没有它的位置）")
    for row, dimension in source.row_dimensions.items():
        if row > columns.header_row and dimension.height:
            target.row_dimensions[row + shift].height = dimension.height


def _hidden(ws, column: int) -> bool:
    """Whether the sheet hides the column (a dimension may cover a range of columns: min–max)."""
    for dimension in ws.column_dimensions.values():
        if dimension.hidden and (dimension.min or 0) <= column <= (dimension.max or 0):
            return True
    return False


def _settings(wb) -> dict[str, Any]:
    """参数's typed values by the name of their row (P_TOWNSHIP …), found by the label in column A."""
    found: dict[str, Any] = {}
    if PARAMS not in wb.sheetnames:
        return found
    for row in wb[PARAMS].iter_rows(max_row=60, max_col=2):
        name = _LABELS.get(fold(row[0].value)) if row else None
        if name and len(row) > 1 and name not in found:
            found[name] = row[1]
    return found


def _carry_params(old, new, settings: dict[str, Any], done: Upgraded) -> None:
    """参数: each typed setting onto its label's row; the village list and the income lines onto theirs."""
    if PARAMS not in old.sheetnames:
        return
    target = new[PARAMS]
    rows = {name: 3 + offset for offset, (name, _, _) in enumerate(PARAM_ROWS)}
    for name, cell in settings.items():
        if cell.value is not None:
            copy_cell(cell, target, rows[name], 2)
            done.cells += 1
    ws = old[PARAMS]
    village = next(((c.row, c.column) for row in ws.iter_rows(max_row=10) for c in row
                    if fold(c.value) == fold(VILLAGE_LIST_HEADER)), None)
    if village is not None:
        for offset in range(VILLAGE_SLOTS):
            cell = ws.cell(village[0] + 1 + offset, village[1])
            if cell.value is not None:
                copy_cell(cell, target, 3 + offset, 5)
                done.cells += 1
    lines = _income_lines(ws)
    new_lines = _income_lines(target)
    for offset, (year_cell, line_cell) in enumerate(lines):
        if offset < len(new_lines):
            copy_cell(year_cell, target, new_lines[offset][0].row, 1)
            copy_cell(line_cell, target, new_lines[offset][1].row, 2)
            done.cells += 2
        else:
            done.report.append(f"“{PARAMS}”表第 {year_cell.row} 行的标准线 {year_cell.value} 年 {line_cell.value} 元"
                                 "（新版式的标准线表没有多余的行：请在政策参数文件中加上该年度）")


def _income_lines(ws) -> list[tuple[Any, Any]]:
    """(year cell, line cell) of 参数's income-line table: the rows under its title (“… 年人均纯收入标准线（元）”)."""
    title = next((c.row for c in ws["A"] if isinstance(c.value, str) and c.value.endswith("年人均纯收入标准线（元）")
                  and c.row > 3), None)
    if title is None:
        return []
    found = []
    for row in range(title + 1, title + 40):
        year, line = ws.cell(row, 1), ws.cell(row, 2)
        if not isinstance(year.value, (int, float)):
            break
        found.append((year, line))
    return found


def _carry_sheets(old, new: Workbook, done: Upgraded) -> None:
    """The tool's own sheets and the clerk's, as they stand, in their order after the template's."""
    for title in old.sheetnames:
        if title in new.sheetnames:
            continue
        # 待办 stands beside 台账, as fill puts it; the rest after the template's sheets, in their old order
        at = new.sheetnames.index(SHEET) + 1 if title == TODO_SHEET else None
        copy_sheet(old[title], new.create_sheet(title, at))
        done.sheets.append(title)
        if title not in OWN_SHEETS and old[title].max_row * old[title].max_column > 1:
            done.report.append(f"“{title}”表：原样搬过去（只有内容、列宽和打印设置；图片、图表不搬，备份中仍有）")

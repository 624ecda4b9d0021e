"""`hx-excel check FILE|DIR… [-o 问题.xlsx] [--as-of DATE]`: every problem of one or more ledgers, as a table naming
file, sheet, row, column, severity and clause; with -o also as a workbook. Exit code 0 clean, 1 with errors."""

from __future__ import annotations

import argparse

from openpyxl import Workbook
from openpyxl.styles import Alignment

from hx_excel.cli.output import DONE, PROBLEMS, REFUSED, cleaned, end_status, error, format_table, notice, progress
from hx_excel.core.id_number import mask_in
from hx_excel.files.fonts import font
from hx_excel.files.pages import a4
from hx_excel.files.report import check_target, report_leftovers, save_report
from hx_excel.ledger.cells import put
from hx_excel.ledger.printing import fit_rows
from hx_excel.operations.check import CheckResult, check_files
from hx_excel.policy import load_policy

HEADERS = (("文件", 30), ("工作表", 8), ("行", 6), ("列", 14), ("级别", 6), ("条款", 7), ("问题及改正方法", 80))
WRAPPED = (1, 4, 7)     # 文件, 列, 问题: wrapped within their widths
SHEET_ROWS = 1_048_576  # a worksheet's last row (Excel 2007+, WPS, LibreOffice 7.4+)
LISTED = SHEET_ROWS - 3  # findings that fit under the title and header, with one row left to say the rest were cut


def report_workbook(result: CheckResult, listed_at_most: int = LISTED) -> Workbook:
    """The findings, one row each, filterable, for the clerk to work through; past `listed_at_most` (a sheet's rows)
    the last row says how many were left out."""
    wb = Workbook()
    ws = wb.active
    ws.title = "检查结果"
    errors = len(result.errors)
    put(ws, 1, 1, f"台账检查结果（检查日期 {result.checked_on:%Y-%m-%d}）：{'、'.join(result.read[:3])}{'等' if len(result.read) > 3 else ''}"
                  f" {len(result.read)} 本台账，{errors} 处错误，{len(result.findings) - errors} 处提示")
    ws.cell(1, 1).font = font(bold=True, size=13)
    for column, (header, width) in enumerate(HEADERS, start=1):
        ws.cell(2, column, header).font = font(bold=True)
        ws.column_dimensions[chr(64 + column)].width = width
    listed = result.findings[:listed_at_most]
    for row, f in enumerate(listed, start=3):
        for column, value in enumerate((f.file, f.sheet, f.row or None, f.column, f.severity, f.clause, f.message), 1):
            put(ws, row, column, value).alignment = Alignment(wrap_text=column in WRAPPED, vertical="top")
    if len(result.findings) > len(listed):   # more findings than a sheet has rows: said on the sheet's last row
        put(ws, 3 + len(listed), 1, f"另有 {len(result.findings) - len(listed)} 处问题超出工作表的行数上限，未列出："
                                    "请先改正以上各处（多为整列误粘贴），再重新检查").font = font(bold=True, color="C00000")
    # rows tall enough for the wrapped file names and messages, or they print over each other
    fit_rows(ws, ((row, HEADERS[column - 1][1], text) for row, f in enumerate(listed, start=3)
                  for column, text in ((1, f.file), (7, f.message))))
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:G{max(2, 2 + len(listed))}"
    a4(ws, title_rows="1:2")
    return wb


def cmd_check(args: argparse.Namespace) -> int:
    if args.output is not None:   # a mistyped -o stops before any reading
        check_target(args.output, sources=args.paths, what="检查结果")
        cleaned(report_leftovers(args.output))   # a killed run's copy of this report
    policy = load_policy(args.policy)
    result = check_files(args.paths, policy, args.as_of,
                         progress=lambda done, total, name: progress(done, total, f"正在检查 {name}"))
    end_status()
    if not result.files:      # as summary: nothing checked is not "no problems"
        error(f"{'、'.join(map(str, args.paths))} 中没有找到台账文件（.xlsx）：请指定台账文件，或存放台账的文件夹。")
        return REFUSED
    for note in result.notes:
        print(f"说明：{mask_in(note)}")
    if result.findings:
        rows = [["文件", "工作表", "行", "列", "级别", "条款", "问题"]] + [
            [f.file, f.sheet, str(f.row) if f.row else "", f.column, f.severity, f.clause, mask_in(f.message)]
            for f in result.findings]
        print(format_table(rows))
        print()
    if args.output is not None:
        backup = save_report(report_workbook(result), args.output, sources=args.paths, what="检查结果", text=mask_in)
        print(f"检查结果已写入 {args.output}" + (f"（旧文件已备份为 {backup}）" if backup else ""))
    errors = len(result.errors)
    unread = len(result.files) - len(result.read)
    summary = (f"检查了 {len(result.read)} 本台账" + (f"（另有 {unread} 个文件无法读取）" if unread else "")
               + f"，发现 {errors} 处错误" + (f"、{len(result.findings) - errors} 处提示" if len(result.findings) > errors else "")
               + "。")
    if not result.read:         # not one ledger could be read: nothing was checked, as summary refuses (exit 2)
        error(summary.rstrip("。") + "：没有可检查的台账，请按上面的说明改正后重试。")
        return REFUSED
    if errors:
        notice(summary)
        return PROBLEMS
    print(summary)
    return DONE

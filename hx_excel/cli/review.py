"""`hx-excel review FILE --month 2022-07 [--reviewer 姓名] [--redo]`: this month's review record of every monitored
household, appended to 月度研判记录 (operations.review), the previous file kept as a backup."""

from __future__ import annotations

import argparse

from hx_excel.cli.output import DONE, PROBLEMS, cleaned, waiting
from hx_excel.operations.editing import edit_ledger
from hx_excel.operations.review import RECORD_SHEET, append_review, month_text, parse_month
from hx_excel.policy import load_policy


def cmd_review(args: argparse.Namespace) -> int:
    policy = load_policy(args.policy)
    month = month_text(*parse_month(args.month))

    def change(wb, book):
        return append_review(wb, book, policy, month, args.reviewer, redo=args.redo)

    result = edit_ledger(args.path, change, command=args.command_line, wait_seconds=args.wait, on_wait=waiting)
    cleaned(result.cleaned)
    for line in result.edits.report:
        print(line)
    print(f"已写入 {result.path} 的“{RECORD_SHEET}”表。")
    if result.backup:
        print(f"  旧文件已备份为 {result.backup}")
    return PROBLEMS if result.edits.problems else DONE

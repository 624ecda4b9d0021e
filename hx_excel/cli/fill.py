"""`hx-excel fill FILE [--restore-formulas] [--as-of DATE]`: what the formulas do not give (operations.fill), saved
atomically with the previous file kept; a second run changes nothing."""

from __future__ import annotations

import argparse

from hx_excel.cli.output import DONE, PROBLEMS, cleaned, waiting
from hx_excel.operations.editing import edit_ledger
from hx_excel.operations.fill import fill_workbook
from hx_excel.policy import load_policy


def cmd_fill(args: argparse.Namespace) -> int:
    policy = load_policy(args.policy)
    result = edit_ledger(args.path, lambda wb, book: fill_workbook(wb, book, policy, args.as_of,
                                                                   restore_formulas=args.restore_formulas),
                         command=args.command_line, wait_seconds=args.wait, on_wait=waiting)
    cleaned(result.cleaned)
    for line in result.edits.report:
        print(line)
    if not result.saved:
        print(f"{result.path.name} 已是最新，没有需要填写的内容，文件未改动。")
        return PROBLEMS if result.edits.problems else DONE
    print(f"已保存 {result.path}。")
    if result.backup:
        print(f"  旧文件已备份为 {result.backup}")
    return PROBLEMS if result.edits.problems else DONE

"""`hx-excel check`: every problem of one or more ledgers, as a table naming file, row and column."""

from __future__ import annotations

import argparse

from hx_excel.cli.output import DONE, PROBLEMS, format_table, notice
from hx_excel.operations.check import check_files
from hx_excel.policy import load_policy


def cmd_check(args: argparse.Namespace) -> int:
    result = check_files(args.paths, load_policy(args.policy))
    if not result.files:
        print("没有找到台账文件（.xlsx）。")
        return DONE
    if result.findings:
        rows = [["文件", "行", "列", "级别", "问题"]] + [
            [f.file, str(f.row) if f.row else "", f.column, f.severity, f.message] for f in result.findings]
        print(format_table(rows))
        print()
    errors = len(result.errors)
    summary = f"检查了 {len(result.files)} 本台账，发现 {errors} 处错误" + (
        f"、{len(result.findings) - errors} 处提示" if len(result.findings) > errors else "") + "。"
    if errors:
        notice(summary)
        return PROBLEMS
    print(summary)
    return DONE

"""`hx-excel extend FILE [--rows N]`: more prepared rows for a ledger, everything typed kept (operations.extend)."""

from __future__ import annotations

import argparse

from hx_excel.cli.output import DONE, cleaned, waiting
from hx_excel.operations.extend import extend_ledger
from hx_excel.policy import load_policy


def cmd_extend(args: argparse.Namespace) -> int:
    result = extend_ledger(args.path, load_policy(args.policy), args.rows, command=args.command_line,
                           wait_seconds=args.wait, on_wait=waiting)
    cleaned(result.cleaned)
    print(f"已把 {result.path} 的台账从 {result.rows_before} 行扩到 {result.rows_after} 行，填写的内容都已保留。")
    if result.backup:
        print(f"  旧文件已备份为 {result.backup}")
    return DONE

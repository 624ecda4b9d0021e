"""`hx-excel upgrade FILE`: a ledger made by an earlier layout rebuilt on the current template, every typed cell
carried across by header (operations.upgrade)."""

from __future__ import annotations

import argparse

from hx_excel.cli.output import DONE, cleaned, waiting
from hx_excel.ledger.schema import LAYOUT_VERSION
from hx_excel.operations.upgrade import upgrade_ledger
from hx_excel.policy import load_policy


def cmd_upgrade(args: argparse.Namespace) -> int:
    result = upgrade_ledger(args.path, load_policy(args.policy), command=args.command_line, wait_seconds=args.wait,
                            on_wait=waiting)
    cleaned(result.cleaned)
    before = f"第 {result.layout_before} 版" if result.layout_before else "加版式标记之前的版式"
    print(f"已把 {result.path} 从{before}升级到当前版式（第 {LAYOUT_VERSION} 版）：按表头搬过 {result.cells} 格填写的内容，"
          f"准备 {result.rows} 行" + (f"，另搬过“{'”“'.join(result.sheets)}”表" if result.sheets else "") + "。")
    for line in result.report:
        print(f"  {line}")
    if result.backup:
        print(f"  旧文件已备份为 {result.backup}")
    return DONE

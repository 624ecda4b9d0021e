"""`hx-excel import EXPORT --into LEDGER [--update] [--mapping M]`: a newer export of the national system merged into a
filled ledger (operations.sync)."""

from __future__ import annotations

import argparse

from hx_excel.cli.output import DONE, PROBLEMS, cleaned, waiting
from hx_excel.core.id_number import mask_in
from hx_excel.districts import load_settings
from hx_excel.operations.sync import IMPORT_SHEET, import_into
from hx_excel.policy import load_policy

SHOWN = 30      # lines of each list on screen


def cmd_import(args: argparse.Namespace) -> int:
    result = import_into(args.export, args.into, load_policy(args.policy), update=args.update, mapping=args.mapping,
                         settings=load_settings(args.settings), command=args.command_line, wait_seconds=args.wait,
                         on_wait=waiting)
    edited = result.edited
    cleaned(edited.cleaned)
    if result.extended_to:
        print(f"台账的行不够，已先扩到 {result.extended_to} 行（旧文件另有备份）。")
    if edited.saved:
        print(f"已把 {args.export.name} 中{result.township}的名单导入 {edited.path}：写入 {edited.edits.cells} 格，"
              f"逐条记在“{IMPORT_SHEET}”表。")
        if edited.backup:
            print(f"  旧文件已备份为 {edited.backup}")
    else:
        print(f"{edited.path.name} 与 {args.export.name} 中{result.township}的名单一致，没有要导入的，文件未改动。")
    for title, lines in (("名单与台账不同、保留了台账的值", result.differences),
                         ("台账中有、名单中没有的人（未删除，请核实）", result.absent),
                         ("名单本身的问题", result.notes)):
        if lines:
            print(f"{title}（{len(lines)} 处）：")
            for line in lines[:SHOWN]:
                print(f"  {mask_in(line)}")
            if len(lines) > SHOWN:
                print(f"  ……另有 {len(lines) - SHOWN} 处")
    return PROBLEMS if result.differences or result.absent else DONE

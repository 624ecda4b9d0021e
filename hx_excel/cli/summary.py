"""`hx-excel summary DIR|FILE… --month 2022-07 -o 月报.xlsx [--as-of DATE]`: the district's monthly report of the
townships' ledgers in one workbook (operations.summary): grades, categories, this month's moves, overdue steps, the
D7 accountability list, measures, risk types and charts. Exit 0; 1 when a file could not be read, a grade the file
shows differs from the core's, or a township or a person was read twice (counted once; the report is still written);
2 when nothing could be read or the output is refused."""

from __future__ import annotations

import argparse

from hx_excel.cli.output import DONE, PROBLEMS, REFUSED, cleaned, end_status, error, notice, progress
from hx_excel.core.id_number import mask_in
from hx_excel.files.report import check_target, report_leftovers, save_report
from hx_excel.operations.review import month_text, parse_month
from hx_excel.operations.summary import (add_clue_accountability, assessment_day, read_ledgers, summarize,
                                         summary_workbook)
from hx_excel.policy import load_policy


def cmd_summary(args: argparse.Namespace) -> int:
    check_target(args.output, sources=[*args.paths, *(args.clues or [])], what="月报")   # before any reading
    cleaned(report_leftovers(args.output))   # a killed run's copy of this report
    policy = load_policy(args.policy)
    month = month_text(*parse_month(args.month, "月报月份"))
    day = assessment_day(month, args.as_of)
    ledgers, unread = read_ledgers(args.paths, policy, day, month=month, skip=[args.output],
                                   progress=lambda done, total, name: progress(done, total, f"正在读取 {name}"))
    end_status()
    for ledger in ledgers:
        print(f"已读取：{ledger.name}（{ledger.township}，{len(ledger.households)} 户）")
        for note in ledger.notes:   # columns added, hidden or moved, merged cells: read, said
            print(f"  说明：{mask_in(note)}")
    for name, why in unread:
        print(f"无法读取：{name}：{mask_in(why)}")
    if not ledgers:
        error("没有可读取的台账，未生成月报。" if unread else "没有找到台账文件（.xlsx），未生成月报。")
        return REFUSED
    summary = summarize(ledgers, month, unread)
    if args.clues:
        add_clue_accountability(summary, args.clues, day)
    backup = save_report(summary_workbook(summary), args.output, sources=[*args.paths, *(l.path for l in ledgers)],
                         what="月报", text=mask_in)
    for duplicate in summary.duplicates:
        print(f"重复：{mask_in(duplicate.message)}")
    if summary.disagreements:
        print(f"表中显示的预警分级与本工具计算不一致 {len(summary.disagreements)} 处（见月报“说明”表）。")
    print(f"月报（评估日期 {day:%Y-%m-%d}）已写入 {args.output}" + (f"（旧文件已备份为 {backup}）" if backup else ""))
    if unread or summary.disagreements or summary.duplicates:
        notice(f"读取了 {len(ledgers)} 本台账" + (f"，{len(unread)} 个文件无法读取" if unread else "")
               + (f"，{len(summary.duplicates)} 处重复未计入（见月报“说明”表）" if summary.duplicates else "")
               + (f"，{len(summary.disagreements)} 处预警分级不一致" if summary.disagreements else "") + "。")
        return PROBLEMS
    return DONE

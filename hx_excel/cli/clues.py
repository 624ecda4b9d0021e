"""`hx-excel clues intake|status`: 部门联合筛查 (四(一)3, 四(二)) — the departments' lists matched to the township
ledgers and handed out as 线索交办单, then the townships' feedback counted (hx_excel.clues)."""

from __future__ import annotations

import argparse
from pathlib import Path

from hx_excel.cli.args import iso_date, seconds
from hx_excel.cli.output import DONE, PROBLEMS, notice
from hx_excel.core.id_number import mask_in
from hx_excel.operations.review import parse_month
from hx_excel.policy import load_policy


def cmd_intake(args: argparse.Namespace) -> int:
    from hx_excel.clues.intake import intake
    from hx_excel.clues.output import write_intake
    from hx_excel.clues.profiles import load_profiles
    from hx_excel.districts import load_settings
    from hx_excel.roster import read_roster

    policy = load_policy(args.policy)
    month = parse_month(args.month, "线索月份")
    profiles = load_profiles(policy, args.profiles)
    roster = read_roster(args.roster, load_settings(args.settings), policy) if args.roster else None
    result = intake(args.files, args.ledgers, policy, profiles, month, received_on=args.received, roster=roster)
    written = write_intake(result, args.output, command=args.command_line)
    for item in result.lists:
        print(f"{item.file}：{item.profile.full_name}名单，{item.rows_read} 行，其中线索 {len(item.hits)} 行")
    print(f"比对台账 {len(result.ledgers)} 本" + (f"及国家系统名单 {result.roster}" if result.roster else "")
          + f"：交办线索 {len(result.clues)} 条（{len(result.townships)} 个乡镇），未匹配 {len(result.unmatched)} 行，"
          f"台账已有未再交办 {len(result.already_open)} 条；核实期限 "
          + (f"{result.clues[0].due:%Y-%m-%d}" if result.clues else "—"))
    print(f"线索总台账：{written[0]}")
    for path in written[1:]:
        print(f"  交办单：{path}")
    problems = [f"{name} 未读取：{why}" for name, why in result.refused]
    problems += [f"台账 {name} 无法读取：{why}" for name, why in result.unread_ledgers] + result.problems
    for line in problems:
        notice(mask_in(line))
    return PROBLEMS if problems else DONE


def cmd_status(args: argparse.Namespace) -> int:
    from hx_excel.clues.status import LATE, ON_TIME, OVERDUE, WAITING, update_status

    result = update_status(args.folder, args.as_of, month=args.month)
    print(f"已读交回的交办单 {len(result.read)} 份，更新 {result.register}：线索 {len(result.states)} 条，"
          f"{ON_TIME} {result.count(ON_TIME)}，{LATE} {result.count(LATE)}，{OVERDUE} {result.count(OVERDUE)}，"
          f"{WAITING} {result.count(WAITING)}")
    if result.backup:
        print(f"  旧文件已备份为 {result.backup}")
    for line in result.problems:
        notice(mask_in(line))
    return PROBLEMS if result.problems or result.count(LATE) or result.count(OVERDUE) else DONE


def cmd_apply(args: argparse.Namespace) -> int:
    from hx_excel.cli.output import cleaned, waiting
    from hx_excel.clues.apply import apply_clues

    result = apply_clues(args.task, args.into, command=args.command_line, wait_seconds=args.wait, on_wait=waiting)
    cleaned(result.edited.cleaned)
    edits = result.edited.edits
    if result.edited.saved:
        print(f"已把 {len(result.carried)} 条核实为红、黄、绿的线索记入 {args.into}（写入 {edits.cells} 格，逐条记入“导入记录”表）")
        if result.edited.backup:
            print(f"  旧文件已备份为 {result.edited.backup}")
    else:
        print(f"{args.into} 没有需要改动的地方（{len(result.carried)} 条线索已记入或无可记入），未保存")
    for line in result.added:
        print(f"  新增：{mask_in(line)}")
    for line in result.passed:
        print(f"  未记入：{line}")
    for line in result.conflicts:
        notice(mask_in(line))
    return PROBLEMS if result.conflicts or result.added else DONE


def add_parser(sub) -> None:
    clues = sub.add_parser("clues", help="部门联合筛查：部门名单与各乡镇台账比对、生成线索交办单；汇总交回的核实结果")
    steps = clues.add_subparsers(dest="step", required=True, title="步骤", metavar="步骤")
    intake_ = steps.add_parser("intake", help="读部门名单，按身份证号与台账比对，每个乡镇写一份线索交办单，全区一份线索总台账")
    intake_.add_argument("files", type=Path, nargs="+", metavar="部门名单", help="各部门的名单（.xlsx、.xls 或 CSV）")
    intake_.add_argument("--ledgers", type=Path, nargs="+", required=True, metavar="台账",
                         help="各乡镇台账（文件或文件夹）")
    intake_.add_argument("--roster", type=Path, metavar="国家系统名单", help="另与国家系统导出的名单比对（台账中没有的人）")
    intake_.add_argument("--settings", type=Path, metavar="区设置", help="区设置文件（读国家系统名单时用，默认内置的乡镇）")
    intake_.add_argument("--month", required=True, metavar="年-月", help="线索月份，如 2022-07")
    intake_.add_argument("--received", type=iso_date, metavar="YYYY-MM-DD", help="收到部门名单的日期（默认今天），7 日核实期限由此起算")
    intake_.add_argument("--profiles", type=Path, metavar="文件夹", help="区里自己写的部门规则（.toml）所在文件夹")
    intake_.add_argument("-o", "--output", type=Path, required=True, metavar="文件夹", help="写出交办单和总台账的文件夹")
    intake_.set_defaults(run=cmd_intake)
    status = steps.add_parser("status", help="读交回的交办单，更新线索总台账：按时核实、逾期核实、逾期未核实和核实结论")
    status.add_argument("folder", type=Path, metavar="文件夹", help="clues intake 写出的文件夹（交回的交办单放回这里）")
    status.add_argument("--month", metavar="年-月", help="文件夹中有几个月的总台账时，汇总哪个月")
    status.add_argument("--as-of", type=iso_date, metavar="YYYY-MM-DD", help="统计日（默认今天）")
    status.set_defaults(run=cmd_status)
    apply = steps.add_parser("apply", help="把交办单中核实为红、黄、绿的线索记入乡镇台账（线索来源、线索收集日期、入户核实日期），不覆盖已填的内容")
    apply.add_argument("task", type=Path, metavar="交办单", help="乡镇交回的线索交办单（.xlsx）")
    apply.add_argument("--into", type=Path, required=True, metavar="台账", help="该乡镇的台账（.xlsx）")
    apply.add_argument("--wait", type=seconds, default=0, metavar="秒数",
                       help="台账所在文件夹正被另一个 hx-excel 使用时，最多等待的秒数（默认不等）")
    apply.set_defaults(run=cmd_apply)

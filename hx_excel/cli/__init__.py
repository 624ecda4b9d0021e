"""`hx-excel`: the headless face of the rulebook, for the district office and for tests.

Every command answers bad input with a Chinese message and an exit code that means the same everywhere
(`output`: 0 done, 1 done with problems in the data, 2 refused, 130 interrupted), never with a traceback.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import warnings
from pathlib import Path

from hx_excel.cli import addin as addin_cli
from hx_excel.cli import clues as clues_cli
from hx_excel.cli import mapping as mapping_cli
from hx_excel.cli.args import ArgumentParser, iso_date, row_count, seconds, short_text
from hx_excel.cli.assess import cmd_assess
from hx_excel.cli.check import cmd_check
from hx_excel.cli.extend import cmd_extend
from hx_excel.cli.upgrade import cmd_upgrade
from hx_excel.cli.sync import cmd_import
from hx_excel.cli.fill import cmd_fill
from hx_excel.cli.notice import cmd_notice
from hx_excel.cli.review import cmd_review
from hx_excel.cli.summary import cmd_summary
from hx_excel.cli.generate import cmd_demo, cmd_generate
from hx_excel.cli.output import DONE, INTERRUPTED, REFUSED, end_status, error
from hx_excel.cli.refusals import REFUSALS

DEBUG = "HX_EXCEL_DEBUG"   # set to show the traceback of an internal fault


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(prog="hx-excel", description="花溪区、贵安新区防返贫“红黄绿”三色分级监测预警台账工具")
    parser.add_argument("--policy", type=Path, help="覆盖内置政策参数的 TOML 文件")
    sub = parser.add_subparsers(dest="command", required=True, title="命令", metavar="命令")
    assess = sub.add_parser("assess", help="评估各户分级、条款和下一步（默认用内置示例户）")
    assess.add_argument("households", type=Path, nargs="?", help="户数据 JSON（默认：内置虚构示例户）")
    assess.add_argument("--as-of", type=iso_date, metavar="YYYY-MM-DD", help="评估日期 YYYY-MM-DD（默认：示例日期或今天）")
    assess.add_argument("--brief", action="store_true", help="只打印汇总表")
    assess.set_defaults(run=cmd_assess)
    wait = dict(type=seconds, default=0, metavar="秒数",
                help="输出文件夹正被另一个 hx-excel 使用时，最多等待的秒数（默认不等，直接停止并说明）")
    ledger_wait = dict(wait, help="台账所在文件夹正被另一个 hx-excel 使用时，最多等待的秒数（默认不等，直接停止并说明）")
    generate_ = sub.add_parser("generate", help="按区设置为每个乡镇生成一本台账（可从名单预填）")
    generate_.add_argument("--settings", type=Path, help="区设置 TOML 文件（默认：内置花溪区 19 个、贵安新区 3 个乡镇）")
    generate_.add_argument("--roster", type=Path, help="名单：每人一行的 CSV（UTF-8 或 GBK）或 .xlsx，按“乡镇”分到各台账")
    generate_.add_argument("--mapping", type=Path, help="名单列名对照表 TOML（表头与台账相同的列不用写）")
    generate_.add_argument("--out", type=Path, default=Path("out"), help="输出文件夹（默认：out）")
    generate_.add_argument("--force", action="store_true", help="覆盖已有内容的台账（旧文件另存为 .bak-日期时间.xlsx 备份）")
    generate_.add_argument("--samples", action="store_true", help="另生成一本填好内置虚构示例户的青岩镇台账")
    generate_.add_argument("--wait", **wait)
    generate_.set_defaults(run=cmd_generate)
    check = sub.add_parser("check", help="检查台账：填写有误的格、身份证号（含跨文件重复）、逾期和顺序有误的程序、被改动的公式")
    check.add_argument("paths", type=Path, nargs="+", metavar="台账", help="台账文件或文件夹（可写多个，一起查重复身份证号）")
    check.add_argument("-o", "--output", type=Path, metavar="问题.xlsx", help="另把全部问题写成一个工作簿")
    check.add_argument("--as-of", type=iso_date, metavar="YYYY-MM-DD", help="评估日期 YYYY-MM-DD（默认：台账“参数”表的评估日期，未固定时为今天）")
    check.set_defaults(run=cmd_check)
    notice_ = sub.add_parser("notice", help="村级评议及公示名单：拟识别纳入（D2）或风险消除（D5）的户，A4 一页宽，身份证号脱敏")
    notice_.add_argument("path", type=Path, metavar="台账", help="台账文件（.xlsx）")
    notice_.add_argument("--village", required=True, type=short_text(50), metavar="村", help="村（居）名称，按“参数”表村名单的写法")
    notice_.add_argument("--kind", choices=("纳入", "消除"), default="纳入",
                         help="纳入：识别纳入监测（D2，默认）；消除：风险消除（D5）")
    notice_.add_argument("--from", dest="start", type=iso_date, metavar="YYYY-MM-DD",
                         help="公示开始日期（默认：名单中各户最早的公示开始日期，都未填时为评估日期）")
    notice_.add_argument("-o", "--output", type=Path, required=True, metavar="公示.xlsx", help="写出的公示名单")
    notice_.add_argument("--pdf", action="store_true", help="另用 LibreOffice 在旁边生成 PDF")
    notice_.add_argument("--as-of", type=iso_date, metavar="YYYY-MM-DD", help="评估日期 YYYY-MM-DD（默认：台账“参数”表的评估日期，未固定时为今天）")
    notice_.set_defaults(run=cmd_notice)
    fill = sub.add_parser("fill", help="补填：成员行的户编号、建议帮扶措施、“待办”表；计算列没有公式时写入计算结果")
    fill.add_argument("path", type=Path, metavar="台账", help="台账文件（.xlsx）")
    fill.add_argument("--restore-formulas", action="store_true", help="恢复被删除或被填写覆盖的公式（原值保留在备份中）")
    fill.add_argument("--as-of", type=iso_date, metavar="YYYY-MM-DD", help="评估日期 YYYY-MM-DD（默认：“参数”表的评估日期，未固定时为今天）")
    fill.add_argument("--wait", **ledger_wait)
    fill.set_defaults(run=cmd_fill)
    review = sub.add_parser("review", help="月度研判：把本月每个监测户的分级、措施和变动追加到“月度研判记录”表")
    review.add_argument("path", type=Path, metavar="台账", help="台账文件（.xlsx）")
    review.add_argument("--month", required=True, metavar="年-月", help="研判月份，如 2022-07")
    review.add_argument("--reviewer", type=short_text(50), metavar="姓名", help="研判人（默认：“参数”表的审核人）")
    review.add_argument("--redo", action="store_true", help="重做已记录的月份（只替换该月的记录）")
    review.add_argument("--wait", **ledger_wait)
    review.set_defaults(run=cmd_review)
    summary = sub.add_parser("summary", help="月报：汇总各乡镇台账的分级、类别、本月变动、逾期事项、D7 问责清单、措施和图表，写成一个工作簿")
    summary.add_argument("paths", type=Path, nargs="+", metavar="台账", help="台账文件或文件夹（可写多个）")
    summary.add_argument("--month", required=True, metavar="年-月", help="月报月份，如 2022-07")
    summary.add_argument("-o", "--output", type=Path, required=True, metavar="月报.xlsx", help="写出的月报工作簿")
    summary.add_argument("--as-of", type=iso_date, metavar="YYYY-MM-DD", help="评估日期 YYYY-MM-DD（默认：该月最后一天；当月为今天）")
    summary.add_argument("--clues", type=Path, nargs="+", metavar="线索总台账",
                         help="部门联合筛查的线索总台账（clues status 更新过的）：逾期核实和逾期未核实的线索列入 D7 问责清单")
    summary.set_defaults(run=cmd_summary)
    extend = sub.add_parser("extend", help="给台账增加准备的行（公式行），填写的内容全部保留，旧文件另存为备份")
    extend.add_argument("path", type=Path, metavar="台账", help="台账文件（.xlsx）")
    extend.add_argument("--rows", type=row_count, metavar="行数", help="扩到共多少行（默认：现有行数再加 1000）")
    extend.add_argument("--wait", **ledger_wait)
    extend.set_defaults(run=cmd_extend)
    upgrade = sub.add_parser("upgrade", help="把较早版式生成的台账按当前模板重建，填写的内容按表头原样搬过去，旧文件另存为备份")
    upgrade.add_argument("path", type=Path, metavar="台账", help="台账文件（.xlsx）")
    upgrade.add_argument("--wait", **ledger_wait)
    upgrade.set_defaults(run=cmd_upgrade)
    import_ = sub.add_parser("import", help="把国家系统新导出的名单并入已填写的台账：新人新户补上，不同之处列出（--update 以名单为准），逐条记入“导入记录”表")
    import_.add_argument("export", type=Path, metavar="名单", help="国家系统导出的名单（.xls、.xlsx 或 CSV）")
    import_.add_argument("--into", type=Path, required=True, metavar="台账", help="要并入的乡镇台账（.xlsx）")
    import_.add_argument("--update", action="store_true", help="台账与名单不同时以名单为准改写（原值记入“导入记录”表）")
    import_.add_argument("--mapping", type=Path, metavar="对照表", help="列名对照表（默认自动认出国家系统导出）")
    import_.add_argument("--settings", type=Path, metavar="区设置", help="区设置文件（默认内置的乡镇）")
    import_.add_argument("--wait", **ledger_wait)
    import_.set_defaults(run=cmd_import)
    addin_cli.add_parser(sub)
    mapping_cli.add_parser(sub)
    clues_cli.add_parser(sub)
    demo = sub.add_parser("demo", help="主流程：在 out/ 生成各乡镇台账和示例台账，再用示例户评估并列出下一步")
    demo.add_argument("--out", type=Path, default=Path("out"), help="输出文件夹（默认：out）")
    demo.add_argument("--settings", type=Path, help="区设置 TOML 文件（默认：内置 22 个乡镇）")
    demo.add_argument("--wait", **wait)
    demo.set_defaults(run=cmd_demo, households=None, as_of=None, brief=False, roster=None, mapping=None)
    return parser


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # openpyxl warns in English about parts of workbooks it does not keep (a formula print area): not for clerks
    warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl\.")
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:   # -h, or a mistyped command (already explained): the same exit codes, returned
        return exc.code if isinstance(exc.code, int) else REFUSED
    args.command_line = " ".join(["hx-excel", *argv])
    previous = signal.signal(signal.SIGTERM, _interrupt)   # a kill cleans up like Ctrl-C does
    try:
        return args.run(args)
    except KeyboardInterrupt:
        # A save cut short leaves its zip writer to be collected later, complaining about its closed file: the
        # temporary file is already gone, so that complaint is noise, not something for the clerk to read.
        sys.unraisablehook = lambda unraisable: None
        gc.collect()
        end_status()
        print("已中断：按要求停止。已写好的文件都是完整的，没有留下写了一半的文件。", file=sys.stderr)
        return INTERRUPTED
    except REFUSALS as exc:
        end_status()
        error(str(exc))
        return REFUSED
    except BrokenPipeError:   # the output went to a program that stopped reading (| head): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return DONE
    except Exception as exc:  # noqa: BLE001 — a fault of ours: say so in one line, never a traceback
        if os.environ.get(DEBUG):
            raise
        end_status()
        error(f"hx-excel 内部出错（{exc.__class__.__name__}：{exc}）。输入文件未被改动。请把所用的命令和文件发给维护人员；"
              f"设置环境变量 {DEBUG}=1 后重新运行可看到详细信息。")
        return REFUSED
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())

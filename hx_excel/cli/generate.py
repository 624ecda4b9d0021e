"""`hx-excel generate` and `hx-excel demo`: township workbooks, with reporting as each file is written."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from hx_excel.cli.assess import cmd_assess
from hx_excel.cli.addin import cmd_addin
from hx_excel.cli.check import cmd_check
from hx_excel.cli.fill import cmd_fill
from hx_excel.cli.notice import cmd_notice
from hx_excel.cli.review import cmd_review
from hx_excel.cli.summary import cmd_summary
from hx_excel.cli.sync import cmd_import
from hx_excel.cli.refusals import REFUSALS
from hx_excel.cli.output import DONE, PROBLEMS, REFUSED, cleaned, end_status, error, list_problems, notice, status
from hx_excel.districts import load_settings
from hx_excel.ledger.template import policy_year
from hx_excel.operations.generate import SAMPLE_SUFFIX, GenerateError, GeneratedWorkbook, generate
from hx_excel.operations.check import ledger_files
from hx_excel.policy import load_policy
from hx_excel.roster import read_roster


NATIONAL_SAMPLE = Path(__file__).parents[1] / "samples" / "国家系统导出-样例.xls"    # hx_excel/samples
SAMPLE_MONTH, SAMPLE_VILLAGE = "2022-07", "龙井村"   # the sample's 评估日期 is 2022-07-15; most of its households are in 龙井村


def _report(r: GeneratedWorkbook) -> None:
    """One line per workbook written (with the backup kept, if any), or skipped; refusals are listed at the end."""
    end_status()
    if r.refused:
        return
    if r.skipped:
        print(f"跳过 {r.path}：{r.skipped}。demo 不覆盖有内容的文件；"
              "确需重新生成请用 hx-excel generate --force（旧文件会另存为备份）。")
        return
    if r.sample:
        what = f"内置虚构示例 {r.households} 户 {r.persons} 人，评估日期 {r.as_of:%Y-%m-%d}"
    elif r.households:
        what = f"导入 {r.households} 户 {r.persons} 人，共 {r.rows} 行"
    else:
        what = f"空白台账 {r.rows} 行"
    print(f"已生成 {r.path}（{r.township}，{what}）" + ("（已重新生成）" if r.replaced else ""), flush=True)
    if r.backup:
        print(f"  旧文件已备份为 {r.backup}")


def _generate(args: argparse.Namespace, *, samples: bool, skip_filled: bool) -> int:
    policy = load_policy(args.policy)
    settings = load_settings(args.settings)
    roster = None
    if getattr(args, "roster", None) is not None:
        roster = read_roster(args.roster, settings, policy, args.mapping)
        print(roster.describe(), flush=True)
        for note in roster.notes:
            print(f"  {note}")
    run = generate(settings, policy, args.out, roster=roster, force=getattr(args, "force", False), samples=samples,
                   skip_filled=skip_filled, wait_seconds=args.wait, command=args.command_line, progress=_report,
                   status=status, waiting=lambda message: print(message, file=sys.stderr, flush=True))
    end_status()
    cleaned(run.cleaned)
    written = sum(1 for r in run.workbooks if not (r.skipped or r.refused))
    skipped = sum(1 for r in run.workbooks if r.skipped)
    print(f"共生成 {written} 本台账，在文件夹 {args.out}" + (f"；跳过 {skipped} 本" if skipped else "") + "。")
    code = DONE
    if roster is not None and roster.problems:
        print()
        notice(f"名单 {roster.name} 有 {len(roster.problems)} 处需要核对（其余内容已导入）：")
        list_problems(roster.problems, all_in=str(run.problems_file) if run.problems_file else None)
        code = PROBLEMS
    if run.refused:
        listed = "\n".join(f"  {r.refused}" for r in run.refused)
        error(f"以下 {len(run.refused)} 本台账没有替换（其余已写好）：\n{listed}\n"
              "请核对这些文件中新的内容后重新运行；确需重新生成时加 --force（旧文件会另存为备份）。")
        code = REFUSED
    return code


def cmd_generate(args: argparse.Namespace) -> int:
    """Write one ledger workbook per township (refusing to overwrite anything a clerk typed unless --force)."""
    if args.mapping is not None and args.roster is None:
        raise GenerateError("--mapping 是名单的列名对照表，须与 --roster 一起使用。")
    return _generate(args, samples=args.samples, skip_filled=False)


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job, in two parts. First real data: the township ledgers started from the (fictional) national export
    as townships download it, next month's sync (import: the same export again changes nothing), and fill and check
    on the 青岩镇 ledger so made — what the export leaves for the clerk (house grades, facts it does not hold).
    Then a township's month on the built-in sample: every township's workbook plus the sample-filled 青岩镇 one into
    --out (a workbook someone has filled in is skipped, never overwritten: demo has no --force), the sample
    assessment, then fill, check, the month's review, the district's summary over the folder and the village notice —
    the commands a clerk runs in a month, in order — and the Excel add-in that gives her the same as buttons."""
    month = SAMPLE_MONTH
    # the sample export lists 青岩镇 and 石板镇 of Huaxi District: read with the built-in district settings, whatever
    # --settings the demo was given
    national_out = Path(args.out) / "从国家系统导出生成"
    built_in = load_settings(None)
    qingyan = next(t for t in built_in.townships if t.name == "青岩镇")
    national_ledger = national_out / built_in.file_name(qingyan, built_in.year or policy_year(load_policy(args.policy)))
    code = _run_steps(args, [
        (f"generate --roster {NATIONAL_SAMPLE.name}：从国家系统导出的名单生成台账（写入 {national_out}）",
         lambda step: _generate(step, samples=False, skip_filled=True),
         dict(roster=NATIONAL_SAMPLE, mapping=None, out=national_out, settings=None)),
        (f"import {NATIONAL_SAMPLE.name} --into 青岩镇的台账：每月与国家系统同步（同一份名单再导一次，不改动）", cmd_import,
         dict(export=NATIONAL_SAMPLE, into=national_ledger, update=False, mapping=None, settings=None)),
        ("fill：从导出生成的青岩镇台账补建议帮扶措施、“待办”表", cmd_fill,
         dict(path=national_ledger, restore_formulas=False, as_of=None)),
        ("check：检查从导出生成的台账（导出没有的情况，如危房等级，由村里补填）", cmd_check,
         dict(paths=[national_ledger], output=None, as_of=None)),
    ])
    print("\n—— 示例台账上的一个月：生成全区台账、示例评估 ——", flush=True)
    code = max(code, _generate(args, samples=True, skip_filled=True))
    print()
    code = max(code, cmd_assess(args))
    sample = next(iter(sorted(Path(args.out).glob(f"*{SAMPLE_SUFFIX}.xlsx"))), None)
    if sample is None:
        return code
    # the district's month: every township's ledger, the sample standing for 青岩镇 (its blank twin left out, or the
    # summary would rightly report the same township twice)
    blank_twin = sample.with_name(sample.name.replace(SAMPLE_SUFFIX, ""))
    district = [p for p in ledger_files([args.out]) if p != blank_twin]
    return max(code, _run_steps(args, [
        ("fill：补户编号、建议帮扶措施、“待办”表", cmd_fill, dict(path=sample, restore_formulas=False, as_of=None)),
        ("check：检查台账", cmd_check, dict(paths=[sample], output=None, as_of=None)),
        (f"review：{month} 月度研判（演示时重做该月）", cmd_review,
         dict(path=sample, month=month, reviewer=None, redo=True)),
        *_clue_steps(args, district, sample),
        (f"summary：{month} 月报（全区各乡镇台账，青岩镇用示例台账；逾期核实的部门线索列入 D7 问责清单）", cmd_summary,
         dict(paths=district, month=month, output=Path(args.out) / f"月报-{month}.xlsx", as_of=None,
              clues=[_clue_folder(args) / f"线索总台账-{month}.xlsx"])),
        (f"notice：{SAMPLE_VILLAGE}识别纳入公示（D2）", cmd_notice,
         dict(path=sample, village=SAMPLE_VILLAGE, kind="纳入", start=None, output=Path(args.out) / f"公示-{SAMPLE_VILLAGE}.xlsx",
              pdf=False, as_of=None)),
        ("addin build：Excel 加载项（Windows 上用 hx-excel addin install 装进 Excel；WPS 不能运行加载项，用台账公式和命令行）",
         cmd_addin, dict(action="build", output=Path("dist") / "hx_excel.xlam")),
    ]))


def _clue_folder(args: argparse.Namespace) -> Path:
    return Path(args.out) / f"部门线索-{SAMPLE_MONTH}"


def _clue_steps(args: argparse.Namespace, district: list[Path], sample: Path) -> list:
    """部门联合筛查 on the sample department lists: the district's intake, 青岩镇's feedback (simulated: a clerk's
    answers typed into the 交办单), the district's status, and the verified clues carried into the sample ledger."""
    from hx_excel.cli.clues import cmd_apply, cmd_intake, cmd_status
    from hx_excel.samples.departments import FOLDER, RECEIVED, answer_for_demo

    folder = _clue_folder(args)
    task = folder / f"线索交办单-{SAMPLE_MONTH}-青岩镇.xlsx"

    def intake_once(step: argparse.Namespace) -> int:
        if (folder / f"线索总台账-{SAMPLE_MONTH}.xlsx").exists():    # a second demo run: 青岩镇 has answered already
            print(f"沿用上次演示写出的线索（{folder}）：乡镇已填写反馈的交办单不再重写")
            return DONE
        return cmd_intake(step)

    def township_answers(step: argparse.Namespace) -> int:
        print(answer_for_demo(task))
        return DONE

    return [
        (f"clues intake：{len(list(FOLDER.iterdir()))} 份部门名单与各乡镇台账、国家系统名单比对，写出交办单和线索总台账（{folder}）",
         intake_once, dict(files=sorted(FOLDER.iterdir()), ledgers=district, roster=NATIONAL_SAMPLE, settings=None,
                           month=SAMPLE_MONTH, received=RECEIVED, profiles=None, output=folder)),
        ("青岩镇入户核实后填写交办单（演示：模拟村干部的填写）", township_answers, {}),
        ("clues status：汇总交回的交办单（统计日 2022-07-15）", cmd_status,
         dict(folder=folder, as_of=date(2022, 7, 15), month=SAMPLE_MONTH)),
        ("clues apply：把核实为红、黄、绿的线索记入青岩镇示例台账", cmd_apply, dict(task=task, into=sample, wait=0)),
    ]


def _run_steps(args: argparse.Namespace, steps) -> int:
    """Each (title, command, options) in order, the options laid over the demo's own arguments; a refused step is
    said and the next one runs."""
    code = DONE
    for title, command, options in steps:
        print(f"\n—— {title} ——", flush=True)
        step = argparse.Namespace(**{**vars(args), **options})
        try:
            result = command(step)
        except REFUSALS as exc:     # one step refused: said, and the month goes on
            error(str(exc))
            result = REFUSED
        # check and summary report the sample's deliberate faults (exit 1): that is the demo working
        code = max(code, result if result == REFUSED else DONE)
    return code

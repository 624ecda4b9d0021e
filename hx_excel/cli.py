"""`hx-excel`: the headless face of the rulebook, for the district office and for tests."""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from datetime import date
from pathlib import Path

from hx_excel.core.days import CalendarNotAvailable
from hx_excel.core.id_number import mask
from hx_excel.core.models import Household, HouseholdDataError
from hx_excel.core.workflow import plan
from hx_excel.districts import SettingsError, load_settings
from hx_excel.files import SaveError
from hx_excel.generator import GenerateError, GeneratedWorkbook, generate, read_roster
from hx_excel.policy import PolicyError, load_policy
from hx_excel.samples import sample_households


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(rows: list[list[str]]) -> str:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(_pad(cell, w) for cell, w in zip(row, widths)).rstrip() for row in rows)


def _load_households(path: Path | None, policy) -> tuple[date | None, list[Household]]:
    if path is None:
        as_of, households = sample_households(policy)
        return as_of, households
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SystemExit(f"找不到文件：{path}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SystemExit(f"{path} 不是 UTF-8 编码的 JSON 文件：{exc}")
    records = data["households"] if isinstance(data, dict) else data
    households = []
    for number, record in enumerate(records, start=1):
        try:
            households.append(Household.parse(record, policy))
        except HouseholdDataError as exc:
            raise SystemExit(f"{path} 第 {number} 户：{exc}")
    as_of = date.fromisoformat(data["as_of"]) if isinstance(data, dict) and "as_of" in data else None
    return as_of, households


def cmd_assess(args: argparse.Namespace) -> int:
    """Print each household's grade, clauses and next step (masked IDs only: this output is shared)."""
    policy = load_policy(args.policy)
    sample_as_of, households = _load_households(args.households, policy)
    as_of = args.as_of or sample_as_of or date.today()
    rows = [["户编号", "户主", "身份证号", "分级", "监测类别", "条款", "下一步", "期限", "状态"]]
    details = []
    for h in households:
        p = plan(h, policy, as_of)
        a = p.assessment
        head = next((m for m in h.members if m.relation == "户主"), h.members[0] if h.members else None)
        step = p.next_step
        rows.append([
            h.household_id, head.name if head else "", mask(head.id_number) if head else "", a.grade, a.category or "—",
            " ".join(a.clause_ids) or "—", f"{step.clause} {step.title}" if step else "—",
            f"{step.due:%Y-%m-%d}" if step and step.due else "", step.status if step else "",
        ])
        lines = [f"【{h.household_id} {head.name if head else ''}】{a.grade} {a.category}"]
        lines += [f"  {c.reason}" + "".join(f"\n    → {m}" for m in c.measures) for c in a.clauses]
        lines += [f"  ！{f.message}" for f in (*a.findings, *p.problems)]
        lines += [f"  · {s.clause} {s.title}：{s.status}" + (f"，期限 {s.due:%Y-%m-%d}" if s.due else "")
                  + (f"，不早于 {s.earliest:%Y-%m-%d}" if s.earliest and s.status != "已完成" else "")
                  + (f"（{s.note}）" if s.note else "") for s in p.steps]
        details.append("\n".join(lines))
    print(f"评估日期 {as_of:%Y-%m-%d}，{policy.document.number}")
    print(format_table(rows))
    if not args.brief:
        print()
        print("\n\n".join(details))
    return 0


def _report(r: GeneratedWorkbook) -> None:
    """One line per workbook written (with the backup kept, if any), or skipped."""
    if r.skipped:
        print(f"跳过 {r.path}：{r.skipped}。demo 不覆盖已有内容的文件；"
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


def _generate(args: argparse.Namespace, *, samples: bool, skip_filled: bool) -> list[GeneratedWorkbook]:
    policy = load_policy(args.policy)
    settings = load_settings(args.settings)
    roster = None
    if getattr(args, "roster", None) is not None:
        roster = read_roster(args.roster, settings, policy, args.mapping)
    results = generate(settings, policy, args.out, roster=roster, force=getattr(args, "force", False),
                       samples=samples, skip_filled=skip_filled, progress=_report)
    written = sum(1 for r in results if not r.skipped)
    skipped = len(results) - written
    print(f"共生成 {written} 本台账，在文件夹 {args.out}" + (f"；跳过 {skipped} 本" if skipped else "") + "。")
    if roster is not None and roster.problems:
        print(f"\n名单 {roster.name} 有 {len(roster.problems)} 处需要核对（其余内容已导入）：")
        for problem in roster.problems:
            print(f"  {problem}")
    return results


def cmd_generate(args: argparse.Namespace) -> int:
    """Write one ledger workbook per township (refusing to overwrite filled ones unless --force)."""
    if args.mapping is not None and args.roster is None:
        raise GenerateError("--mapping 是名单的列名对照表，须与 --roster 一起使用。")
    _generate(args, samples=args.samples, skip_filled=False)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job: every township's workbook plus the sample-filled one into --out, then the sample assessment.
    A workbook someone has filled in is skipped with a message, never overwritten (demo has no --force)."""
    _generate(args, samples=True, skip_filled=True)
    print()
    return cmd_assess(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hx-excel", description="花溪区、贵安新区防返贫“红黄绿”三色分级监测预警台账工具")
    parser.add_argument("--policy", type=Path, help="覆盖内置政策参数的 TOML 文件")
    sub = parser.add_subparsers(dest="command", required=True)
    assess = sub.add_parser("assess", help="评估各户分级、条款和下一步（默认用内置示例户）")
    assess.add_argument("households", type=Path, nargs="?", help="户数据 JSON（默认：内置虚构示例户）")
    assess.add_argument("--as-of", type=date.fromisoformat, help="评估日期 YYYY-MM-DD（默认：示例日期或今天）")
    assess.add_argument("--brief", action="store_true", help="只打印汇总表")
    assess.set_defaults(run=cmd_assess)
    generate_ = sub.add_parser("generate", help="按区设置为每个乡镇生成一本台账（可从名单预填）")
    generate_.add_argument("--settings", type=Path, help="区设置 TOML 文件（默认：内置花溪区 19 个、贵安新区 3 个乡镇）")
    generate_.add_argument("--roster", type=Path, help="名单：每人一行的 CSV（UTF-8 或 GBK）或 .xlsx，按“乡镇”分到各台账")
    generate_.add_argument("--mapping", type=Path, help="名单列名对照表 TOML（默认：名单表头与台账表头相同）")
    generate_.add_argument("--out", type=Path, default=Path("out"), help="输出文件夹（默认：out）")
    generate_.add_argument("--force", action="store_true", help="覆盖已填写的台账（旧文件另存为 .bak-日期时间.xlsx 备份）")
    generate_.add_argument("--samples", action="store_true", help="另生成一本填好内置虚构示例户的青岩镇台账")
    generate_.set_defaults(run=cmd_generate)
    demo = sub.add_parser("demo", help="主流程：在 out/ 生成各乡镇台账和示例台账，再用示例户评估并列出下一步")
    demo.add_argument("--out", type=Path, default=Path("out"), help="输出文件夹（默认：out）")
    demo.add_argument("--settings", type=Path, help="区设置 TOML 文件（默认：内置 22 个乡镇）")
    demo.set_defaults(run=cmd_demo, households=None, as_of=None, brief=False, roster=None, mapping=None)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (PolicyError, CalendarNotAvailable, HouseholdDataError, SettingsError, GenerateError, SaveError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

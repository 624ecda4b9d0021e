"""`hx-excel assess`: each household's grade, clauses, measures and next steps, from a JSON file or the samples."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from hx_excel.cli.output import DONE, PROBLEMS, format_table, list_problems, notice
from hx_excel.core.id_number import mask
from hx_excel.core.models import Household, HouseholdDataError
from hx_excel.core.workflow import NO_DEADLINE, plan
from hx_excel.files.inputs import InputFileError, read_json
from hx_excel.policy import Policy, load_policy
from hx_excel.samples import sample_households

WHAT = "户数据文件"
SHAPE = '应写成 {"as_of": "2022-07-15", "households": [{…}, {…}]}，或直接写户的列表 [{…}, {…}]'


def load_households(path: Path | None, policy: Policy) -> tuple[date | None, list[Household], list[str]]:
    """(as_of, the households that validate, one sentence per household that does not). InputFileError when the
    file as a whole is not a households file."""
    if path is None:
        as_of, households = sample_households(policy)
        return as_of, list(households), []
    data = read_json(path, WHAT)
    if isinstance(data, dict):
        if "households" not in data:
            keys = "、".join(map(str, list(data)[:5])) or "无"
            raise InputFileError(f"{WHAT} {path} 中没有 households（现有的键：{keys}）。{SHAPE}。")
        records = data["households"]
    else:
        records = data
    if not isinstance(records, list):
        raise InputFileError(f"{WHAT} {path} 的内容不是户的列表（现为{_kind(records)}）。{SHAPE}。")
    as_of = _as_of(data.get("as_of") if isinstance(data, dict) else None, path)
    households, problems = [], []
    for number, record in enumerate(records, start=1):
        label = f"{path.name} 第 {number} 户"
        if not isinstance(record, dict):
            problems.append(f"{label}：应为一组键值，如 {{\"household_id\": \"QY-001\", …}}，现为{_kind(record)}；本户未评估")
            continue
        if record.get("household_id"):
            label += f"（户编号“{record['household_id']}”）"
        try:
            households.append(Household.parse(record, policy))
        except HouseholdDataError as exc:
            problems.append(f"{label}：{exc}；本户未评估")
    return as_of, households, problems


def _as_of(value: Any, path: Path) -> date | None:
    if value is None:
        return None
    try:
        if isinstance(value, str):
            return date.fromisoformat(value.strip())
    except ValueError:
        pass
    raise InputFileError(f"{WHAT} {path} 中的 as_of（评估日期）“{value}”不是有效的日期，请写成 \"2022-07-15\"。")


def _kind(value: Any) -> str:
    return {dict: "一组键值", list: "列表", str: "文字", bool: "是/否", type(None): "空值"}.get(type(value), "数字")


def cmd_assess(args: argparse.Namespace) -> int:
    """Print each household's grade, clauses and next step (masked IDs only: this output is shared)."""
    policy = load_policy(args.policy)
    sample_as_of, households, problems = load_households(args.households, policy)
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
        lines += [f"  · {s.clause} {s.title}：{s.status or NO_DEADLINE}" + (f"，期限 {s.due:%Y-%m-%d}" if s.due else "")
                  + (f"，不早于 {s.earliest:%Y-%m-%d}" if s.earliest and s.status != "已完成" else "")
                  + (f"（{s.note}）" if s.note else "") for s in p.steps]
        details.append("\n".join(lines))
    print(f"评估日期 {as_of:%Y-%m-%d}，{policy.document.number}")
    if households:
        print(format_table(rows))
    if not args.brief and details:
        print()
        print("\n\n".join(details))
    if problems:
        print()
        notice(f"{len(problems)} 户的数据有误，未评估（其余 {len(households)} 户已评估）：")
        list_problems(problems)
        return PROBLEMS
    return DONE

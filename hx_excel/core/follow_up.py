"""What the monthly check holds a household to beyond its grade and its plan (`workflow.plan`):

- 户类型 against the facts it implies (S2: a 老人户 whose members are not all old, a 低保户 without 低保, …): a typed
  fact contradicting the member rows;
- 五(二) 开发式帮扶: a monitored household with someone able to work has an industry, employment, finance or
  public-welfare-post measure once it has been monitored `development_months` months;
- D5: risk is marked eliminated no earlier than the second month after identification (income stable for more than
  half a year is the condition; marking it in the month of entry or the next is a slip, or a step skipped).

Each returns `grading.Finding`s citing the clause, in the same Chinese as the rest of the core.
"""

from __future__ import annotations

from datetime import date

from hx_excel.core.days import months_after
from hx_excel.core.grading import Assessment, Finding, _seriously_ill, _severely_disabled
from hx_excel.core.models import Household
from hx_excel.core.workflow import exit_kind
from hx_excel.policy import Policy

_IMPLIED = {
    "elderly": "成员中有未满老人户年龄的人",
    "severely_disabled": "成员中没有一、二级重度残疾人",
    "seriously_ill": "成员中没有患大病的人",
    "house_unsafe": "住房安全等级不是 C、D 级",
    "dibao": "“享受低保”不是“是”",
}


def type_contradiction(household: Household, assessment: Assessment, policy: Policy) -> Finding | None:
    """S2: the 户类型 typed says what the member rows or the house facts do not (only where they are filled in)."""
    h = household
    entry = policy.lists.entry("household_types", h.household_type) if h.household_type else None
    if entry is None or not entry.implies:
        return None
    holds = {
        "elderly": assessment.derived.elderly_only,
        "severely_disabled": any(_severely_disabled(m, policy) for m in h.members) if h.members else None,
        "seriously_ill": any(_seriously_ill(m, policy) for m in h.members) if h.members else None,
        "house_unsafe": policy.lists.entry("house_grades", h.house_grade).unsafe if h.house_grade else None,
        "dibao": h.has_dibao,
    }[entry.implies]
    if holds is None or holds:
        return None
    return Finding(level="错误", clause="S2", message=(
        f"S2 户类型为“{entry.value}”，但{_IMPLIED[entry.implies]}：户类型与成员或住房情况不符，请核对后改正其中之一"))


def development_help_missing(household: Household, policy: Policy, as_of: date) -> Finding | None:
    """五(二): monitored `development_months` months, someone able to work, no 开发式帮扶 measure."""
    h, d = household, policy.deadlines
    if h.entered_on is None or exit_kind(h, policy):
        return None
    since = months_after(h.entered_on, d.development_months)
    if as_of < since:
        return None
    able = [m for m in h.members if m.labour and policy.lists.entry("labour", m.labour).can_work]
    if not able or any(m.category in d.development_categories for m in h.measures):
        return None
    return Finding(level="错误", clause="五(二)", message=(
        f"五(二) 纳入监测已满 {d.development_months} 个月（{h.entered_on:%Y-%m-%d} 纳入），家中有劳动力"
        f"（{'、'.join(m.name or '未填姓名' for m in able[:3])}），但还没有开发式帮扶措施（{'、'.join(d.development_categories)}）："
        "请落实并在“帮扶措施”“措施类别”中登记"))


def elimination_too_early(household: Household) -> Finding | None:
    """D5: risk marked eliminated in the month of identification or the next."""
    h = household
    if h.eliminated_on is None or h.entered_on is None:
        return None
    months = (h.eliminated_on.year - h.entered_on.year) * 12 + h.eliminated_on.month - h.entered_on.month
    if months > 1:
        return None
    when = "当月" if months <= 0 else "次月"
    return Finding(level="错误", clause="D5", message=(
        f"D5 {h.entered_on:%Y-%m-%d} 纳入监测，{when}（{h.eliminated_on:%Y-%m-%d}）就标注了风险消除：风险消除须收入持续稳定半年以上，"
        "并经提名、入户核实、公示、乡级审核、县级审定，请核对日期"))

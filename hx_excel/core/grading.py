"""Grading (三、监测级别): `assess(household, policy, as_of)` → grade, every clause that holds, and why.

Decisions from shared/policy.md that shape this module:
- income is compared per head, "below" is strictly less; comparisons multiply the line by the household size
  instead of dividing the income, so that the ledger's Excel formulas can make the very same comparison;
- G1 carves R3-R6 (三保障 and water) out of red, never R1, R2 or R7;
- precedence red > yellow > green > none, and every clause that holds is reported;
- facts derivable from member rows (R4, R5, R7) are derived; a clause holds if either the members or the clerk's
  typed summary say so (a missed warning factor is what D7 holds people to account for), and a disagreement
  between them is reported.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Callable, Literal

from dataclasses import dataclass

from hx_excel.core import id_number
from hx_excel.core.clauses import (CERTAIN_RED, CLAUSES, EXITED_RED, G1_CARVABLE, GRADE_ORDER, GREEN_CATEGORY, INCOMPLETE,
                                   MISSING_SEPARATOR, OTHER_RED, YELLOW_CATEGORY, Grade)
from hx_excel.core.models import Household, Member
from hx_excel.policy import Policy

Level = Literal["错误", "提示"]


# The core's results are plain frozen dataclasses: the core makes them itself from a validated Household, so there is
# nothing to validate, and a district's month makes hundreds of thousands of them (as pydantic models they were a
# third of the core's time). Without __slots__: pickled (summary sends them from process to process) by their
# __dict__ in C, twice as fast as slots' per-object __getstate__.
frozen_result = dataclass(frozen=True, kw_only=True)


@frozen_result
class Finding:
    """Something the clerk should look at: a contradiction, a missing fact, a bad ID. Cites a clause when one applies."""

    level: Level
    clause: str | None
    message: str
    member: int | None = None  # index into household.members


@frozen_result
class ClauseHit:
    id: str
    grade: Grade
    reason: str
    measures: tuple[str, ...] = ()


@frozen_result
class MemberFacts:
    index: int
    name: str
    age: int | None
    sex: str | None
    id_valid: bool


@frozen_result
class DerivedFacts:
    year: int
    line: float
    size: int | None
    income_per_head: float | None
    income_after_rigid_per_head: float | None
    members: tuple[MemberFacts, ...]
    dropouts: tuple[int, ...]          # R4: member indexes
    uninsured_ill: tuple[int, ...]     # R5
    nobody_can_work: bool | None       # R7; None while any member's labour is blank
    elderly_only: bool | None          # S2 老人户


@frozen_result
class Assessment:
    grade: Grade                          # 红 黄 绿 无, or 待补充 while a fact it needs is missing
    missing: tuple[str, ...] = ()         # the missing or unreadable facts, by their Chinese titles
    clauses: tuple[ClauseHit, ...]        # every grading clause that holds, red first
    carved_out: tuple[str, ...]           # red clauses graded green through G1
    category: str                         # 脱贫不稳定户 / 边缘易致贫户 / 突发严重困难户 / 绿色预警台账 / ""
    in_scope: bool
    scope_clauses: tuple[str, ...]        # S1 and/or S2
    scope_reasons: tuple[str, ...]
    derived: DerivedFacts
    findings: tuple[Finding, ...]

    @property
    def clause_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.clauses)


# 五(二): a yellow household with someone able to work and nobody in work (the sheet's row check says the same)
YELLOW_WITHOUT_WORK = "五(二) 黄色监测户应确保每个家庭至少 1 人就业，目前成员中无人登记务工就业"


def yuan(amount: float) -> str:
    """Money as a clerk reads it: thousands separators, at most two decimals, half away from zero like Excel."""
    quantised = Decimal(repr(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{quantised:,.2f}"
    return text[:-3] if text.endswith(".00") else text


def _member_facts(members: list[Member], as_of: date, findings: list[Finding]) -> tuple[MemberFacts, ...]:
    facts = []
    for index, member in enumerate(members):
        age = sex = None
        valid = False
        if member.id_number:
            try:
                parsed = id_number.parse(member.id_number, on=as_of)
            except id_number.IdNumberError as exc:
                findings.append(Finding(level="错误", clause=None, member=index,
                                        message=f"{member.name or f'第 {index + 1} 位成员'} 的身份证号有误：{exc}"))
            else:
                valid = True
                age, sex = id_number.age_of(parsed.born, as_of), parsed.sex
        facts.append(MemberFacts(index=index, name=member.name, age=age, sex=sex, id_valid=valid))
    return tuple(facts)


def _who(members: list[Member], indexes: tuple[int, ...]) -> str:
    return "、".join(members[i].name or f"第 {i + 1} 位成员" for i in indexes)


def _seriously_ill(member: Member, policy: Policy) -> bool:
    """R5 重病 and S2 大病患者家庭: a health status the policy marks serious."""
    return bool(member.health) and policy.lists.entry("health", member.health).serious


def _severely_disabled(member: Member, policy: Policy) -> bool:
    """R5 重残 and S2 重度残疾人家庭: a disability grade the policy marks severe."""
    return bool(member.disability) and policy.lists.entry("disability", member.disability).severe


def derive(household: Household, policy: Policy, as_of: date, findings: list[Finding]) -> DerivedFacts:
    """Facts computed rather than typed: per-head income, and the R4/R5/R7 facts of the member rows."""
    year = household.year or as_of.year
    line = policy.income_line(year)
    size = household.size
    grading, lists = policy.grading, policy.lists
    members = household.members
    member_facts = _member_facts(members, as_of, findings)

    per_head = after_rigid = None
    if household.annual_net_income is not None and size:
        per_head = household.annual_net_income / size
        after_rigid = (household.annual_net_income - household.rigid_spending) / size

    dropouts = tuple(
        f.index for f, m in zip(member_facts, members)
        if m.school and lists.entry("school", m.school).out_of_school
        and f.age is not None and grading.compulsory_school_age_min <= f.age <= grading.compulsory_school_age_max
    )
    uninsured_ill = tuple(
        i for i, m in enumerate(members)
        if m.insured is False and (
            _seriously_ill(m, policy) or _severely_disabled(m, policy)
        )
    )
    labour = [lists.entry("labour", m.labour).can_work if m.labour else None for m in members]
    if not members or any(labour):
        nobody_can_work = False if members else None
    else:
        nobody_can_work = None if None in labour else True
    ages = [f.age for f in member_facts]
    elderly_only = None if not members or None in ages else all(a >= grading.elderly_age for a in ages)

    return DerivedFacts(
        year=year, line=float(line), size=size, income_per_head=per_head, income_after_rigid_per_head=after_rigid,
        members=member_facts, dropouts=dropouts, uninsured_ill=uninsured_ill,
        nobody_can_work=nobody_can_work, elderly_only=elderly_only,
    )


def _compare_typed(clause: str, typed: bool | None, derived: bool | None, what: str, findings: list[Finding]) -> None:
    """Report a disagreement between the clerk's typed summary and what the member rows show (policy.md)."""
    if typed is None or derived is None or typed == derived:
        return
    if typed:
        text = f"{clause} 户信息填了“{what}”为“是”，但成员信息中没有这样的成员，请核对成员行或改正户信息"
    else:
        text = f"{clause} 户信息填了“{what}”为“否”，但成员信息显示有，请核对"
    findings.append(Finding(level="错误", clause=clause, message=text))


def _check_members(household: Household, derived: DerivedFacts, policy: Policy, findings: list[Finding]) -> None:
    members = household.members
    if not members:
        return
    heads = [i for i, m in enumerate(members) if m.relation == "户主"]
    if len(heads) != 1:
        findings.append(Finding(level="错误", clause=None,
                                message=f"一户应有且只有 1 名户主，现有 {len(heads)} 名，请核对“与户主关系”"))
    if household.household_size and household.household_size != len(members):
        findings.append(Finding(level="提示", clause="R1",
                                message=f"家庭人口数填 {household.household_size}，成员行有 {len(members)} 行，人均按成员行计算"))
    head_sex = derived.members[heads[0]].sex if len(heads) == 1 else None
    seen: dict[str, int] = {}
    for facts, member in zip(derived.members, members):
        who = member.name or f"第 {facts.index + 1} 位成员"
        if facts.id_valid:
            number = member.id_number.upper()
            if number in seen:
                findings.append(Finding(level="错误", clause=None, member=facts.index,
                                        message=f"{who} 的身份证号与第 {seen[number] + 1} 位成员重复"))
            seen.setdefault(number, facts.index)
        expected = policy.lists.entry("relations", member.relation).sex if member.relation else ""
        if expected == "异" and head_sex and facts.sex:
            expected = "女" if head_sex == "男" else "男"
        if expected in ("男", "女") and facts.sex and facts.sex != expected:
            findings.append(Finding(level="错误", clause=None, member=facts.index,
                                    message=f"{who} 与户主关系为“{member.relation}”，但身份证号显示性别为{facts.sex}，请核对"))


def _scope(household: Household, derived: DerivedFacts, facts: dict[str, bool], policy: Policy) -> tuple[list[str], list[str]]:
    """S1/S2 (二、监测预警范围): which groups the household belongs to, with the reason for each."""
    clauses, reasons = [], []
    entry = policy.lists.entry("household_types", household.household_type) if household.household_type else None
    if entry and entry.scope == "S1":
        clauses.append("S1")
        reasons.append(f"S1 建档立卡户（{entry.value}）")
    elif household.entered_on is not None:   # S1 names households already under monitoring, whatever the type says
        clauses.append("S1")
        reasons.append(f"S1 已纳入监测（{household.entered_on:%Y-%m-%d}）")
    s2 = []
    if entry and entry.scope == "S2":
        s2.append(entry.value)
    if household.has_dibao:
        s2.append("农村低保对象")
    if facts["R6"]:
        s2.append("C、D 级危房户")
    if derived.elderly_only:
        s2.append("老人户")
    if any(_severely_disabled(m, policy) for m in household.members):
        s2.append("重度残疾人家庭")
    if any(_seriously_ill(m, policy) for m in household.members):
        s2.append("大病患者家庭")
    if facts["Y1"] or facts["Y2"]:
        s2.append("刚性支出较大或收入大幅缩减导致基本生活严重困难")
    if s2:
        clauses.append("S2")
        reasons.append("S2 重点群体：" + "、".join(dict.fromkeys(s2)))
    return clauses, reasons


def _typed_or_derived(typed: bool | None, derived) -> bool:
    """A member-derivable clause holds when the clerk's summary or the member rows say so (policy.md; D7)."""
    return bool(typed) or bool(derived)


def _measures(clause: str, conditions: dict[str, bool], policy: Policy) -> tuple[str, ...]:
    return tuple(f"{m.category}：{m.text}" for m in policy.measures_for(clause) if conditions[m.when])


def assess(household: Household, policy: Policy, as_of: date) -> Assessment:
    """Grade one household on `as_of` (三、监测级别), reporting every clause that holds and why."""
    findings: list[Finding] = []
    derived = derive(household, policy, as_of, findings)
    lists, members, h = policy.lists, household.members, household
    line, size = derived.line, derived.size
    income = h.annual_net_income

    income_known = income is not None and bool(size)   # else R1 Y1 G1 cannot be decided: 待补充 names it
    if income is not None and income < 0:
        # Graded as typed (below any line, so R1), but never silently: a minus sign is far more often a slip.
        findings.append(Finding(level="错误", clause="R1",
                                message=f"R1 家庭年纯收入为负数（{yuan(income)} 元），请核对是否填错；确为经营亏损请在备注中说明"))

    house = lists.entry("house_grades", h.house_grade) if h.house_grade else None
    road = lists.entry("access_roads", h.access_road) if h.access_road else None
    no_labour = _typed_or_derived(h.reported_no_labour, derived.nobody_can_work)
    facts = {
        # R1: strictly below the line, per head (income < line × size ⇔ income / size < line).
        "R1": income_known and income < line * size,
        "R2": h.food_clothing_secured is False,
        "R3": h.water_secured is False,
        "R4": _typed_or_derived(h.reported_dropout, derived.dropouts),
        "R5": _typed_or_derived(h.reported_uninsured_ill, derived.uninsured_ill),
        "R6": bool(house and house.unsafe),
        "R7": no_labour and not h.has_dibao,
        # Y1: at or above the line per head, below it once the year's rigid spending is deducted.
        "Y1": income_known and income >= line * size and income - h.rigid_spending < line * size,
        "Y2": h.sharp_income_fall,
        "G2": h.poor_hygiene or bool(road and road.poor) or h.sanitary_toilet is False,
        "G3": h.subsidies_undelivered,
    }
    _compare_typed("R4", h.reported_dropout, bool(derived.dropouts) if members else None, "有义务教育阶段辍学学生", findings)
    _compare_typed("R5", h.reported_uninsured_ill, bool(derived.uninsured_ill) if members else None,
                   "有重病重残未参保成员", findings)
    _compare_typed("R7", h.reported_no_labour, derived.nobody_can_work, "家庭成员均无劳动力", findings)
    _check_members(h, derived, policy, findings)

    scope_clauses, scope_reasons = _scope(h, derived, facts, policy)
    # G4 names its households: 建档立卡脱贫户和监测户 (S1) only.
    facts["G4"] = (h.files_incomplete or h.low_policy_awareness) and "S1" in scope_clauses

    # G1: gaps in 三保障/water that the household can fix itself, with income after rigid spending clearly above.
    gaps = tuple(c for c in G1_CARVABLE if facts[c])
    clearly_above = income_known and income - h.rigid_spending >= policy.grading.g1_margin_multiple * line * size
    facts["G1"] = bool(gaps) and h.can_self_resolve and clearly_above
    carved_out = gaps if facts["G1"] else ()

    able_unemployed = any(
        m.labour and lists.entry("labour", m.labour).can_work and m.employed is not True for m in members
    )
    conditions = {
        "always": True, "medical_spending": h.rigid_spending_medical > 0, "school_spending": h.rigid_spending_school > 0,
        "able_member": able_unemployed, "uninsured_member": facts["R5"], "poor_road": bool(road and road.poor),
        "no_toilet": h.sanitary_toilet is False, "poor_hygiene": h.poor_hygiene, "files_incomplete": h.files_incomplete,
        "low_awareness": h.low_policy_awareness, "house_unsafe": facts["R6"], "water_gap": facts["R3"],
        "dropout": facts["R4"],
    }

    reasons = _reasons(h, derived, carved_out, policy)
    hits = [
        ClauseHit(id=cid, grade=CLAUSES[cid].grade, reason=reasons[cid](), measures=_measures(cid, conditions, policy))
        for cid in reasons
        if facts[cid] and cid not in carved_out
    ]
    graded = {hit.grade for hit in hits}
    grade: Grade = next((g for g in GRADE_ORDER if g in graded), "无")
    missing = missing_facts(h, derived, policy)
    if missing:
        if not any(hit.id in CERTAIN_RED for hit in hits):
            grade = INCOMPLETE
        findings.append(Finding(level="错误", clause=None, message=(
            f"{INCOMPLETE}：{MISSING_SEPARATOR.join(missing)}未填或填写有误，"
            + ("分级无法确定，请补充" if grade == INCOMPLETE else "补充后成立的条款可能更多"))))

    in_scope = bool(scope_clauses)
    # Out of scope is never a monitored category: the grade is for reference only (policy.md, The month's records).
    category = _category(grade, h, policy, findings) if in_scope else ""
    if not in_scope:
        findings.append(Finding(
            level="提示", clause="S2",
            message=f"S1 S2 户类型为“{h.household_type or '未填'}”，且不属于所列重点群体：不在监测预警范围"
                    + ("" if grade == "无" else f"。分级“{grade}”仅供参考；如确有预警因素，请核实户类型或按重点群体纳入"),
        ))
    if facts["R6"] and not _graded(policy, h.house_grade):
        findings.append(Finding(level="提示", clause="R6", message=(
            f"R6 住房安全等级为“{h.house_grade}”（国家系统只标注了危房户）：请住建部门鉴定后改填 C 或 D 级")))
    if grade == "黄" and members and able_unemployed and not any(m.employed for m in members):
        findings.append(Finding(level="提示", clause="Y1" if facts["Y1"] else "Y2", message=YELLOW_WITHOUT_WORK))

    return Assessment(
        grade=grade, missing=missing, clauses=tuple(hits), carved_out=carved_out, category=category, in_scope=in_scope,
        scope_clauses=tuple(scope_clauses), scope_reasons=tuple(scope_reasons), derived=derived,
        findings=tuple(findings),
    )


# Facts the clauses read, in the order 待补充 names them. A household needs the first four (and its size); the house's
# grade only when its type is about the house; any of them typed so that it could not be read counts as missing.
REQUIRED_FACTS = ("household_type", "annual_net_income", "food_clothing_secured", "water_secured")
GRADING_FACTS = REQUIRED_FACTS + (
    "rigid_spending_school", "rigid_spending_medical", "rigid_spending_other", "house_grade", "has_dibao",
    "sharp_income_fall", "can_self_resolve", "poor_hygiene", "access_road", "sanitary_toilet", "subsidies_undelivered",
    "files_incomplete", "low_policy_awareness")


# Member facts a clause reads (R4 在校, R5 健康 残疾 参保, R7 劳动技能), in the order 待补充 names them when a member's value
# could not be read: after the household's own facts.
MEMBER_GRADING_FACTS = ("labour", "health", "disability", "school", "insured")


def _title(field: str) -> str:
    return Household.model_fields[field].title or field


def member_title(field: str) -> str:
    return Member.model_fields[field].title or field


def missing_facts(household: Household, derived: DerivedFacts, policy: Policy) -> tuple[str, ...]:
    """The facts a clause needs that are blank or could not be read, by title, in GRADING_FACTS order (the
    household's size after its first four), then the member facts some member's row holds unreadable
    (MEMBER_GRADING_FACTS: a value off its list tells nothing, so R4, R5 or R7 cannot be decided)."""
    absent = {f for f in REQUIRED_FACTS if getattr(household, f) is None}
    entry = policy.lists.entry("household_types", household.household_type) if household.household_type else None
    if entry and entry.needs_house_grade and household.house_grade is None:
        absent.add("house_grade")
    absent |= set(household.unreadable) & set(GRADING_FACTS)
    names = [_title(f) for f in GRADING_FACTS[:len(REQUIRED_FACTS)] if f in absent]
    if not derived.size:
        names.append(_title("household_size"))
    names += [_title(f) for f in GRADING_FACTS[len(REQUIRED_FACTS):] if f in absent]
    unread = {f for m in household.members for f in m.unreadable}
    return tuple(names + [member_title(f) for f in MEMBER_GRADING_FACTS if f in unread])


def _category(grade: Grade, household: Household, policy: Policy, findings: list[Finding]) -> str:
    """The monitored category the grade puts the household in (三(一)-(三))."""
    if grade == "红":
        entry = policy.lists.entry("household_types", household.household_type) if household.household_type else None
        if entry is None:
            findings.append(Finding(level="提示", clause="R1",
                                    message="户类型未填，无法区分脱贫不稳定户与边缘易致贫户，暂按边缘易致贫户"))
        return EXITED_RED if entry and entry.exited_poverty else OTHER_RED
    return {"黄": YELLOW_CATEGORY, "绿": GREEN_CATEGORY}.get(grade, "")


def _graded(policy: Policy, house_grade: str | None) -> bool:
    """Whether the house grade is a grade (C, D …) rather than the national export's bare 危房户 (R6)."""
    entry = policy.lists.entry("house_grades", house_grade) if house_grade else None
    return entry is None or entry.graded


def _reasons(h: Household, d: DerivedFacts, carved_out: tuple[str, ...], policy: Policy) -> dict[str, Callable[[], str]]:
    """The Chinese reason for each grading clause, with its figures, in catalogue order: each written only when its
    clause holds (most households hold one or two of the fifteen)."""
    year, members = d.year, h.members

    def line() -> str:
        return yuan(d.line)

    def per_head() -> str:
        return yuan(d.income_per_head) if d.income_per_head is not None else "—"

    def after() -> str:
        return yuan(d.income_after_rigid_per_head) if d.income_after_rigid_per_head is not None else "—"

    def with_members(text: str, indexes: tuple[int, ...], detail) -> str:
        return f"{text}：{'、'.join(detail(i) for i in indexes)}" if indexes else text

    def age(i: int) -> str:
        return f"{d.members[i].age} 岁" if d.members[i].age is not None else "年龄未知"

    def environment() -> str:
        road = f"入户路为{h.access_road}" if h.access_road and policy.lists.entry("access_roads", h.access_road).poor else ""
        return "、".join(t for t, on in (("家庭卫生环境差", h.poor_hygiene), (road, bool(road)),
                                        ("无卫生厕所", h.sanitary_toilet is False)) if on)

    def files() -> str:
        return "、".join(t for t, on in (("档案资料不完善", h.files_incomplete), ("政策知晓率低", h.low_policy_awareness)) if on)

    def spending() -> str:
        return "、".join(f"{k} {yuan(v)} 元" for k, v in (
            ("就学", h.rigid_spending_school), ("就医", h.rigid_spending_medical), ("其他", h.rigid_spending_other)) if v)

    margin = policy.grading.g1_margin_multiple
    return {
        "R1": lambda: f"R1 年人均纯收入 {per_head()} 元，低于 {year} 年标准 {line()} 元",
        "R2": lambda: "R2 吃、穿不保障",
        "R3": lambda: "R3 饮水不保障",
        "R4": lambda: with_members("R4 家中有义务教育阶段辍学学生", d.dropouts,
                                   lambda i: f"{_who(members, (i,))}（{age(i)}，{members[i].school}）"),
        "R5": lambda: with_members("R5 家中有重病、重残成员未参加基本医疗保险", d.uninsured_ill,
                                   lambda i: f"{_who(members, (i,))}（{members[i].health or ''}{members[i].disability or ''}）"),
        "R6": lambda: (f"R6 住房经住建部门认定为 {h.house_grade} 级危房" if _graded(policy, h.house_grade)
                       else "R6 住房为危房（国家系统标注为危房户，等级未鉴定）"),
        "R7": lambda: "R7 家庭成员均无劳动力，也无低保兜底保障",
        "Y1": lambda: f"Y1 年人均纯收入 {per_head()} 元不低于 {year} 年标准 {line()} 元，扣除当年刚性支出（{spending() or '0 元'}）后"
                      f"人均 {after()} 元，低于标准",
        "Y2": lambda: "Y2 收入大幅缩减导致生活出现严重困难",
        "G1": lambda: f"G1 扣除刚性支出后人均 {after()} 元，明显高于标准（不低于 {margin:g} × {line()} 元），"
                      f"{'、'.join(CLAUSES[c].label for c in carved_out)}可依靠自身能力及时解决，按绿色预警（{'、'.join(carved_out)}）",
        "G2": lambda: f"G2 人居环境差：{environment()}",
        "G3": lambda: "G3 应享受的各项资助未落实到位",
        "G4": lambda: f"G4 建档立卡户{files()}",
    }

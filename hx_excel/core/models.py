"""The household, its members and its measures: every fact a clause of the policy needs.

Values that come from a value list (户类型, 与户主关系, 劳动技能 …) are checked against the policy in force: pass it
as validation context (`Household.model_validate(data, context={"policy": p})`), or the shipped policy is used.
`Household.parse` does that and turns pydantic's errors into one Chinese message per field.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from hx_excel.policy import Policy, default_policy
from hx_excel.pydantic_messages import message


class HouseholdDataError(ValueError):
    """Household data that does not fit the model; `problems` holds one Chinese sentence per faulty field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("；".join(problems))


def _policy_of(info: ValidationInfo) -> Policy:
    context = info.context or {}
    return context.get("policy") or default_policy()


def _listed(list_name: str, value: str | None, info: ValidationInfo) -> str | None:
    """A value-list field: blank means not filled in; anything else must be on the policy's list."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    policy = _policy_of(info)
    allowed = policy.lists.values(list_name)
    if value not in allowed:
        near = policy.nearest(list_name, value)
        raise ValueError(f"“{value}”不在下拉列表中" + (f"，可能是“{near}”" if near else "")
                         + f"；请从下拉列表选择：{'、'.join(allowed)}")
    return value


def _known(model: type[BaseModel], names: tuple[str, ...], whose: str) -> tuple[str, ...]:
    """`unreadable` names only the model's own fields."""
    unknown = [n for n in names if n not in model.model_fields]
    if unknown:
        raise ValueError(f"不是{whose}的字段：{'、'.join(unknown)}")
    return names


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, validate_assignment=False)


class Measure(_Model):
    """帮扶措施 (D3, section 五)."""

    category: str = Field(title="措施类别")
    text: str = Field(default="", title="措施内容")
    decided_on: date | None = Field(default=None, title="措施明确日期")
    completed_on: date | None = Field(default=None, title="帮扶措施完成时间")

    @field_validator("category")
    @classmethod
    def _category(cls, value: str, info: ValidationInfo) -> str:
        checked = _listed("measure_categories", value, info)
        if checked is None:
            raise ValueError("措施类别不能为空")
        return checked


class Member(_Model):
    """One person of the household (one ledger row). Facts for R4, R5 and R7 come from here."""

    name: str = Field(default="", title="姓名")
    relation: str | None = Field(default=None, title="与户主关系")
    # Kept as typed; a malformed number is reported by the assessment, it does not stop grading.
    id_number: str = Field(default="", title="身份证号")
    labour: str | None = Field(default=None, title="劳动技能")
    health: str | None = Field(default=None, title="健康状况")
    disability: str | None = Field(default=None, title="残疾等级")
    school: str | None = Field(default=None, title="在校生状况")
    insured: bool | None = Field(default=None, title="参加基本医疗保险")
    employed: bool | None = Field(default=None, title="务工就业")
    # This member's facts typed so that they could not be read (a value off its list): a clause reading one cannot be
    # decided, as for the household's own (Household.unreadable; grading.missing_facts).
    unreadable: tuple[str, ...] = Field(default=(), title="填写有误的项")

    @field_validator("id_number", mode="before")
    @classmethod
    def _id_is_text(cls, value: Any) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValueError("身份证号被存成了数字（Excel 只保留 15 位有效数字，末位会丢失），请把单元格设为文本后重新录入")
        return "" if value is None else value

    @field_validator("relation")
    @classmethod
    def _relation(cls, v: str | None, info: ValidationInfo) -> str | None:
        return _listed("relations", v, info)

    @field_validator("labour")
    @classmethod
    def _labour(cls, v: str | None, info: ValidationInfo) -> str | None:
        return _listed("labour", v, info)

    @field_validator("health")
    @classmethod
    def _health(cls, v: str | None, info: ValidationInfo) -> str | None:
        return _listed("health", v, info)

    @field_validator("disability")
    @classmethod
    def _disability(cls, v: str | None, info: ValidationInfo) -> str | None:
        return _listed("disability", v, info)

    @field_validator("school")
    @classmethod
    def _school(cls, v: str | None, info: ValidationInfo) -> str | None:
        return _listed("school", v, info)

    @field_validator("unreadable")
    @classmethod
    def _known_fields(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        return _known(cls, names, "成员")


# NaN and infinity are not amounts: refused with the field named, never graded (json reads "NaN" as a number).
Money = Annotated[float, Field(allow_inf_nan=False)]


class Household(_Model):
    """A household as the policy sees it. Blank (None) facts are "not filled in", never "no"."""

    household_id: str = Field(default="", title="户编号")
    township: str = Field(default="", title="乡镇")
    village: str = Field(default="", title="村")
    group: str = Field(default="", title="组")
    household_type: str | None = Field(default=None, title="户类型")
    year: int | None = Field(default=None, ge=2000, le=2100, title="核算年度")
    household_size: int | None = Field(default=None, ge=1, le=50, title="家庭人口数")
    members: list[Member] = Field(default_factory=list, title="家庭成员")

    # R1 Y1 G1
    annual_net_income: Money | None = Field(default=None, title="家庭年纯收入（元）")
    rigid_spending_school: Money = Field(default=0, ge=0, title="就学刚性支出（元）")
    rigid_spending_medical: Money = Field(default=0, ge=0, title="就医刚性支出（元）")
    rigid_spending_other: Money = Field(default=0, ge=0, title="其他刚性支出（元）")
    # R2 R3 R6 R7
    food_clothing_secured: bool | None = Field(default=None, title="吃穿有保障")
    water_secured: bool | None = Field(default=None, title="饮水安全有保障")
    house_grade: str | None = Field(default=None, title="住房安全等级")
    has_dibao: bool = Field(default=False, title="享受低保")
    # Clerk-typed summaries of member facts (R4 R5 R7); derived facts are compared against them.
    reported_dropout: bool | None = Field(default=None, title="有义务教育阶段辍学学生")
    reported_uninsured_ill: bool | None = Field(default=None, title="有重病重残未参保成员")
    reported_no_labour: bool | None = Field(default=None, title="家庭成员均无劳动力")
    # Y2 G1
    sharp_income_fall: bool = Field(default=False, title="收入大幅缩减致生活严重困难")
    can_self_resolve: bool = Field(default=False, title="能依靠自身能力及时解决")
    # G2 G3 G4
    poor_hygiene: bool = Field(default=False, title="家庭卫生环境差")
    access_road: str | None = Field(default=None, title="入户路")
    sanitary_toilet: bool | None = Field(default=None, title="有卫生厕所")
    subsidies_undelivered: bool = Field(default=False, title="应享资助未落实")
    files_incomplete: bool = Field(default=False, title="档案资料不完善")
    low_policy_awareness: bool = Field(default=False, title="政策知晓率低")
    risk_types: list[str] = Field(default_factory=list, max_length=5, title="风险类型")

    # C1 D1: the clue
    clue_channel: str | None = Field(default=None, title="线索来源")
    clue_on: date | None = Field(default=None, title="线索收集日期")
    clue_published_on: date | None = Field(default=None, title="线索发布日期")
    # D2: identification chain
    household_check_on: date | None = Field(default=None, title="入户核实日期")
    application_on: date | None = Field(default=None, title="农户申请及承诺授权日期")
    notice_start_on: date | None = Field(default=None, title="村级评议公示开始日期")
    notice_end_on: date | None = Field(default=None, title="村级评议公示结束日期")
    township_review_on: date | None = Field(default=None, title="乡级核查研判日期")
    district_approval_on: date | None = Field(default=None, title="区级审定公告日期")
    entered_on: date | None = Field(default=None, title="纳入监测（录入系统）日期")
    # D3
    contact_name: str = Field(default="", title="帮扶联系人")
    contact_assigned_on: date | None = Field(default=None, title="确定帮扶联系人日期")
    measures: list[Measure] = Field(default_factory=list, title="帮扶措施")
    # D4
    last_visit_on: date | None = Field(default=None, title="最近走访日期")
    last_review_on: date | None = Field(default=None, title="最近村级研判日期")
    # D5: risk elimination
    income_stable_since: date | None = Field(default=None, title="收入稳定起始日期")
    elimination_nominated_on: date | None = Field(default=None, title="风险消除村级提名日期")
    elimination_check_on: date | None = Field(default=None, title="风险消除入户核实日期")
    elimination_notice_start_on: date | None = Field(default=None, title="风险消除公示开始日期")
    elimination_notice_end_on: date | None = Field(default=None, title="风险消除公示结束日期")
    elimination_township_review_on: date | None = Field(default=None, title="风险消除乡级审核日期")
    elimination_county_approval_on: date | None = Field(default=None, title="风险消除县级审定公告日期")
    eliminated_on: date | None = Field(default=None, title="标注风险消除日期")
    # D6
    closed_on: date | None = Field(default=None, title="绿色预警销号日期")
    exit_status: str | None = Field(default=None, title="是否退出监测预警对象")
    note: str = Field(default="", title="备注")
    # Facts typed so that they could not be read (a value off its list, text in a number cell): a clause needing one
    # cannot be decided, exactly as if it were blank (grading.missing_facts).
    unreadable: tuple[str, ...] = Field(default=(), title="填写有误的项")

    @field_validator("household_type")
    @classmethod
    def _household_type(cls, v: str | None, info: ValidationInfo) -> str | None:
        return _listed("household_types", v, info)

    @field_validator("house_grade", mode="before")
    @classmethod
    def _house_grade(cls, v: Any, info: ValidationInfo) -> str | None:
        if isinstance(v, str):
            v = v.strip().upper().removesuffix("级")
        return _listed("house_grades", v, info)

    @field_validator("access_road")
    @classmethod
    def _access_road(cls, v: str | None, info: ValidationInfo) -> str | None:
        return _listed("access_roads", v, info)

    @field_validator("clue_channel")
    @classmethod
    def _clue_channel(cls, v: str | None, info: ValidationInfo) -> str | None:
        return _listed("clue_channels", v, info)

    @field_validator("exit_status")
    @classmethod
    def _exit_status(cls, v: str | None, info: ValidationInfo) -> str | None:
        return _listed("exit_statuses", v, info)

    @field_validator("risk_types")
    @classmethod
    def _risk_types(cls, values: list[str], info: ValidationInfo) -> list[str]:
        return [v for v in (_listed("risk_types", v, info) for v in values) if v]

    @field_validator("unreadable")
    @classmethod
    def _known_fields(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        return _known(cls, names, "户")

    @property
    def rigid_spending(self) -> Money:
        return self.rigid_spending_school + self.rigid_spending_medical + self.rigid_spending_other

    @property
    def size(self) -> int | None:
        """Members counted from the rows when there are any, else the typed 家庭人口数."""
        return len(self.members) or self.household_size

    @classmethod
    def parse(cls, data: dict[str, Any], policy: Policy | None = None) -> "Household":
        """Validate raw data; on failure raise HouseholdDataError with one Chinese sentence per field."""
        try:
            return cls.model_validate(data, context={"policy": policy or default_policy()})
        except ValidationError as exc:
            raise HouseholdDataError(explain(exc, cls)) from None


# The household's own wording where it differs from the shared one.
_MESSAGES = {"float_parsing": "应为数字（元），不能含文字或单位", "finite_number": "应为实际金额（不能是 NaN 或无穷大）",
             "extra_forbidden": "不是可识别的字段"}


def _field_title(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    """Walk a pydantic error location through nested models, naming each step in Chinese."""
    names: list[str] = []
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int):
            names.append(f"第 {part + 1} 项")
            continue
        field = current.model_fields.get(str(part)) if current else None
        names.append(field.title if field and field.title else str(part))
        nested = {"members": Member, "measures": Measure}.get(str(part))
        current = nested if nested else None if field else current
    return " › ".join(names)


def explain(exc: ValidationError, model: type[BaseModel]) -> list[str]:
    """pydantic's errors as Chinese sentences that name the field and say what to enter."""
    sentences = []
    for error in exc.errors():
        where = _field_title(model, error["loc"])
        what = message(error, _MESSAGES)
        sentences.append(f"{where}：{what}（现填：{error.get('input')!r}）" if "input" in error else f"{where}：{what}")
    return sentences

"""Grading (三、监测级别): one test per clause, quoting it, then boundaries, precedence and the G1 carve-out."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import date

import pytest

from conftest import AS_OF, household, person, size_income
from hx_excel.core.grading import assess, yuan
from hx_excel.policy import PolicyError


def grade_of(h, policy, as_of=AS_OF):
    a = assess(h, policy, as_of)
    return a.grade, a.clause_ids


def test_nothing_wrong_is_no_grade(policy):
    assert grade_of(household(), policy) == ("无", ())


# ---- Red ----------------------------------------------------------------------------------------------------

def test_R1_income_below_line(policy):
    """R1 “年人均纯收入低于省确定的当年收入标准线(2022 年为 6700 元)的” → red."""
    h = household(**size_income(5200, 3))
    a = assess(h, policy, AS_OF)
    assert (a.grade, a.clause_ids) == ("红", ("R1",))
    assert a.clauses[0].reason == "R1 年人均纯收入 5,200 元，低于 2022 年标准 6,700 元"
    assert a.category == "脱贫不稳定户"  # 已是脱贫户的纳入脱贫户不稳定户
    assert any("低保" in m for m in a.clauses[0].measures)  # 五(一) 符合低保条件的纳入兜底保障


def test_R1_ordinary_household_is_marginal(policy):
    """一般户纳入边缘易致贫户 (三(一))."""
    h = household(household_type="低保户", has_dibao=True, **size_income(3000, 2))
    assert assess(h, policy, AS_OF).category == "边缘易致贫户"


def test_R2_food_and_clothing(policy):
    """R2 “吃、穿不保障的” → red."""
    assert grade_of(household(food_clothing_secured=False), policy) == ("红", ("R2",))


def test_R3_drinking_water(policy):
    """R3 “饮水不保障的” → red (income not clearly above the line, so no G1)."""
    assert grade_of(household(water_secured=False, **size_income(8000, 2)), policy) == ("红", ("R3",))


def test_R4_compulsory_age_dropout_derived_from_members(policy):
    """R4 “家中有义务教育阶段辍学学生的”: age from the ID number, status from 在校生状况."""
    child = person("小明", "之子", born=date(2010, 9, 1), school="辍学", labour="无劳动力")
    a = assess(household(members=[person("户主"), child]), policy, AS_OF)
    assert (a.grade, a.clause_ids) == ("红", ("R4",))
    assert "小明（11 岁，辍学）" in a.clauses[0].reason
    assert a.derived.dropouts == (1,)


@pytest.mark.parametrize("born, holds", [
    (date(2016, 7, 15), True),    # 6 today: compulsory age starts
    (date(2016, 7, 16), False),   # 5 until tomorrow
    (date(2006, 7, 16), True),    # 15 until tomorrow
    (date(2006, 7, 15), False),   # 16 today: past compulsory age
])
def test_R4_age_boundaries(policy, born, holds):
    child = person("孩子", "之女", born=born, sex="女", school="非在校生", labour="无劳动力")
    a = assess(household(members=[person("户主"), child]), policy, AS_OF)
    assert ("R4" in a.clause_ids) is holds


def test_R4_typed_but_not_in_members_is_reported(policy):
    a = assess(household(reported_dropout=True), policy, AS_OF)
    assert "R4" in a.clause_ids  # a typed warning factor is never dropped (D7)
    assert any(f.clause == "R4" and "成员信息中没有" in f.message for f in a.findings)


def test_R5_seriously_ill_member_without_insurance(policy):
    """R5 “家中有重病、重残但未购买基本医疗保险的” → red."""
    ill = person("病人", "配偶", sex="女", health="患有大病", insured=False)
    assert grade_of(household(members=[person("户主"), ill]), policy) == ("红", ("R5",))


def test_R5_severe_disability_without_insurance(policy):
    disabled = person("残疾人", "之子", disability="一级", health="残疾", insured=False)
    assert grade_of(household(members=[person("户主"), disabled]), policy) == ("红", ("R5",))


def test_R5_not_for_mild_disability_or_insured(policy):
    mild = person("轻度", "之子", disability="四级", health="残疾", insured=False)
    insured = person("参保", "配偶", sex="女", health="患有大病", insured=True)
    assert grade_of(household(members=[person("户主"), mild, insured]), policy) == ("无", ())


def test_R5_typed_no_but_members_show_it(policy):
    ill = person("病人", "配偶", sex="女", health="患有大病", insured=False)
    a = assess(household(members=[person("户主"), ill], reported_uninsured_ill=False), policy, AS_OF)
    assert "R5" in a.clause_ids
    assert any(f.clause == "R5" and "成员信息显示有" in f.message for f in a.findings)


@pytest.mark.parametrize("grade, holds", [("A", False), ("B", False), ("C", True), ("D", True), ("d级", True)])
def test_R6_house_grade(policy, grade, holds):
    """R6 “居住在经住建部门认定为 C级或 D 级危房中的” → red."""
    a = assess(household(house_grade=grade, **size_income(8000, 2)), policy, AS_OF)
    assert ("R6" in a.clause_ids) is holds


def test_R7_nobody_can_work_and_no_dibao(policy):
    """R7 “家庭成员均无劳动力也无低保兜底保障的” → red."""
    members = [person("户主", labour="丧失劳动力"), person("配偶", "配偶", sex="女", labour="无劳动力")]
    assert grade_of(household(members=members), policy) == ("红", ("R7",))
    assert grade_of(household(members=members, has_dibao=True), policy) == ("无", ())


def test_R7_unknown_labour_is_not_nobody(policy):
    members = [person("户主", labour="丧失劳动力"), person("配偶", "配偶", sex="女", labour=None)]
    a = assess(household(members=members), policy, AS_OF)
    assert a.derived.nobody_can_work is None and "R7" not in a.clause_ids


# ---- Yellow -------------------------------------------------------------------------------------------------

def test_Y1_below_line_after_rigid_spending(policy):
    """Y1 “核算年人均纯收入高于 6700 元但扣减当年就学、就医等刚性支出后年人均收入低于 6700 元的” → yellow."""
    h = household(**size_income(10000, 3), rigid_spending_medical=12000)
    a = assess(h, policy, AS_OF)
    assert (a.grade, a.clause_ids, a.category) == ("黄", ("Y1",), "突发严重困难户")
    assert "扣除当年刚性支出（就医 12,000 元）后人均 6,000 元" in a.clauses[0].reason
    assert any(m.startswith("健康帮扶") for m in a.clauses[0].measures)  # 五(二) 就医支出高


def test_Y2_sharp_fall_in_income(policy):
    """Y2 “收入大幅缩减导致生活出现严重困难的” → yellow."""
    assert grade_of(household(sharp_income_fall=True), policy) == ("黄", ("Y2",))


# ---- Green --------------------------------------------------------------------------------------------------

def test_G1_self_fixable_gap_with_income_clearly_above(policy):
    """G1 “扣除刚性支出后家庭收入明显高于 6700元，出现“三保障”和饮水安全未保障情况,完全可以依靠自身能力及时解决的”."""
    a = assess(household(water_secured=False, house_grade="C", can_self_resolve=True), policy, AS_OF)
    assert (a.grade, a.clause_ids, a.carved_out) == ("绿", ("G1",), ("R3", "R6"))
    assert "按绿色预警（R3、R6）" in a.clauses[0].reason


def test_G2_poor_living_environment(policy):
    """G2 “人居环境差的（家庭卫生环境差、无入户路或入户路为砂石路或泥土路、无卫生厕所等）”."""
    for facts in ({"poor_hygiene": True}, {"access_road": "砂石路"}, {"access_road": "无入户路"}, {"sanitary_toilet": False}):
        assert grade_of(household(**facts), policy) == ("绿", ("G2",)), facts
    assert grade_of(household(access_road="硬化路", sanitary_toilet=None), policy) == ("无", ())


def test_G3_subsidies_not_delivered(policy):
    """G3 “应享受各项资助未落实到位的”."""
    assert grade_of(household(subsidies_undelivered=True), policy) == ("绿", ("G3",))


def test_G4_files_or_awareness_for_registered_households_only(policy):
    """G4 “档案资料不完善、或政策知晓率低的建档立卡脱贫户和监测户”: S1 households only."""
    assert grade_of(household(files_incomplete=True), policy) == ("绿", ("G4",))
    assert grade_of(household(low_policy_awareness=True), policy) == ("绿", ("G4",))
    assert grade_of(household(household_type="低保户", has_dibao=True, files_incomplete=True), policy) == ("无", ())


# ---- Scope --------------------------------------------------------------------------------------------------

def test_S1_registered_households(policy):
    """S1 “将建档立卡户纳入分级监测预警范围”."""
    a = assess(household(household_type="脱贫户"), policy, AS_OF)
    assert a.in_scope and a.scope_clauses == ("S1",)


@pytest.mark.parametrize("facts, reason", [
    ({"household_type": "易地扶贫搬迁户"}, "易地扶贫搬迁户"),
    ({"household_type": "一般农户", "has_dibao": True}, "农村低保对象"),
    ({"household_type": "一般农户", "house_grade": "D"}, "C、D 级危房户"),
    ({"household_type": "一般农户", "sharp_income_fall": True}, "收入大幅缩减"),
    ({"household_type": "一般农户", "members": [person("老人", born=date(1950, 1, 1))]}, "老人户"),
    ({"household_type": "一般农户", "members": [person("病人", health="患有大病")]}, "大病患者家庭"),
])
def test_S2_key_groups(policy, facts, reason):
    """S2 “建档立卡之外的农村低保对象、特困人员、易地扶贫搬迁对象、…C、D 级危房户、老人户、重度残疾人家庭、大病患者家庭”."""
    a = assess(household(**facts), policy, AS_OF)
    assert a.scope_clauses == ("S2",) and reason in a.scope_reasons[0]


def test_out_of_scope_is_said_not_silent(policy):
    a = assess(household(household_type="一般农户", **size_income(5000, 2)), policy, AS_OF)
    assert not a.in_scope and a.grade == "红"
    assert any(f.clause == "S2" and "不在监测预警范围" in f.message for f in a.findings)


def test_out_of_scope_is_no_monitored_category(policy):
    """policy.md, The month's records: “Out of scope is never green” — its clauses are shown for information, but it
    is in no monitored category (边缘易致贫户 for this red 一般农户 if it were in scope; 绿色预警台账 for a green one)."""
    red = assess(household(household_type="一般农户", **size_income(5000, 2)), policy, AS_OF)
    green = assess(household(household_type="一般农户", subsidies_undelivered=True), policy, AS_OF)
    assert (red.grade, red.category) == ("红", "") and (green.grade, green.category) == ("绿", "")
    in_scope = assess(household(household_type="一般农户", has_dibao=True, subsidies_undelivered=True), policy, AS_OF)
    assert (in_scope.grade, in_scope.category) == ("绿", "绿色预警台账")


def test_a_household_under_monitoring_is_S1_whatever_its_type(policy):
    """S1 “将建档立卡户纳入…”: 建档立卡 are 脱贫户 and the households already entered into monitoring (policy.md S1)."""
    a = assess(household(household_type="一般农户", entered_on=date(2022, 5, 10), subsidies_undelivered=True),
               policy, AS_OF)
    assert a.in_scope and a.scope_clauses == ("S1",) and a.scope_reasons == ("S1 已纳入监测（2022-05-10）",)
    assert a.category == "绿色预警台账"


# ---- Boundaries, precedence, carve-out -----------------------------------------------------------------------

@pytest.mark.parametrize("size", [1, 3])
@pytest.mark.parametrize("per_head, grade", [(6699, "红"), (6700, "无"), (6701, "无")])
def test_line_boundary_is_strictly_below(policy, size, per_head, grade):
    """policy.md: “Below = strictly less; exactly L is not below.”"""
    assert assess(household(**size_income(per_head, size)), policy, AS_OF).grade == grade


@pytest.mark.parametrize("after_rigid, grade", [(6699, "黄"), (6700, "无"), (6701, "无")])
def test_Y1_boundary_after_rigid_spending(policy, after_rigid, grade):
    h = household(**size_income(9000, 3), rigid_spending_school=(9000 - after_rigid) * 3)
    assert assess(h, policy, AS_OF).grade == grade


@pytest.mark.parametrize("after_rigid, holds", [(10049, False), (10050, True), (10051, True)])
def test_G1_margin_boundary(policy, after_rigid, holds):
    """G1 “明显高于”: per head after rigid spending at least 1.5 × 6700 = 10,050 (the margin is a parameter)."""
    h = household(**size_income(20000, 2), rigid_spending_other=(20000 - after_rigid) * 2, water_secured=False,
                  can_self_resolve=True)
    a = assess(h, policy, AS_OF)
    assert (a.grade == "绿") is holds and (a.grade == "红") is (not holds)


def test_G1_margin_is_a_parameter(policy):
    stricter = policy.model_copy(update={"grading": policy.grading.model_copy(update={"g1_margin_multiple": 3.5})})
    h = household(water_secured=False, can_self_resolve=True, **size_income(20000, 2))
    assert assess(h, policy, AS_OF).grade == "绿"
    assert assess(h, stricter, AS_OF).grade == "红"


@pytest.mark.parametrize("clause, facts", [
    ("R3", {"water_secured": False}),
    ("R4", {"reported_dropout": True}),
    ("R5", {"reported_uninsured_ill": True}),
    ("R6", {"house_grade": "D"}),
])
def test_G1_carves_out_R3_to_R6(policy, clause, facts):
    a = assess(household(can_self_resolve=True, **facts), policy, AS_OF)
    assert (a.grade, a.clause_ids, a.carved_out) == ("绿", ("G1",), (clause,))


@pytest.mark.parametrize("clause, facts", [
    ("R2", {"food_clothing_secured": False}),
    ("R7", {"members": [person("户主", labour="无劳动力")]}),
])
def test_G1_never_carves_out_R1_R2_R7(policy, clause, facts):
    """R1, R2 (两不愁) and R7 stay red even when the household could fix a 三保障 gap itself."""
    a = assess(household(can_self_resolve=True, water_secured=False, **facts), policy, AS_OF)
    assert a.grade == "红" and clause in a.clause_ids and "G1" in a.clause_ids and a.carved_out == ("R3",)


def test_R1_income_below_line_is_never_carved(policy):
    a = assess(household(can_self_resolve=True, water_secured=False, **size_income(5000, 2)), policy, AS_OF)
    assert a.grade == "红" and a.clause_ids == ("R1", "R3") and a.carved_out == ()


def test_precedence_red_over_yellow_over_green_and_all_clauses_reported(policy):
    h = household(food_clothing_secured=False, sharp_income_fall=True, subsidies_undelivered=True)
    assert grade_of(h, policy) == ("红", ("R2", "Y2", "G3"))
    h = household(sharp_income_fall=True, subsidies_undelivered=True)
    assert grade_of(h, policy) == ("黄", ("Y2", "G3"))


# ---- Inputs -------------------------------------------------------------------------------------------------

def test_year_without_line_is_an_error_never_a_default(policy):
    with pytest.raises(PolicyError, match="2023 年"):
        assess(household(year=2023), policy, AS_OF)


def test_year_defaults_to_as_of_year(policy):
    h = household(year=None)
    assert assess(h, policy, date(2022, 12, 31)).derived.year == 2022
    with pytest.raises(PolicyError):
        assess(h, policy, date(2024, 1, 1))


def test_missing_income_is_reported_not_guessed(policy):
    """R1 Y1 G1 cannot be decided without the income: the household is 待补充, not 无, and says what to fill in."""
    a = assess(household(annual_net_income=None), policy, AS_OF)
    assert a.grade == "待补充" and a.missing == ("家庭年纯收入（元）",) and a.category == ""
    assert any(f.message.startswith("待补充：家庭年纯收入（元）未填或填写有误") for f in a.findings)


@pytest.mark.parametrize("facts, missing", [
    ({"household_type": None}, ("户类型",)),                                          # S1/S2, G4, the category
    ({"food_clothing_secured": None}, ("吃穿有保障",)),                                # R2
    ({"water_secured": None, "food_clothing_secured": None}, ("吃穿有保障", "饮水安全有保障")),   # R2 R3
    ({"members": [], "household_size": None}, ("家庭人口数",)),                        # per-head income
    ({"household_type": "C/D级危房户", "house_grade": None}, ("住房安全等级",)),          # R6: the type is the house
    ({"unreadable": ("sanitary_toilet",)}, ("有卫生厕所",)),                             # G2: typed "有", not 是/否
])
def test_a_household_missing_a_fact_a_clause_needs_is_to_be_completed(policy, facts, missing):
    a = assess(household(**facts), policy, AS_OF)
    assert (a.grade, a.missing) == ("待补充", missing)


@pytest.mark.parametrize("field, value, title", [
    ("disability", "二级残疾", "残疾等级"), ("health", "重病", "健康状况"), ("labour", "能干活", "劳动技能"),
    ("school", "七年级", "在校生状况"), ("insured", "有", "参加基本医疗保险")])
def test_a_member_value_that_could_not_be_read_makes_the_household_to_be_completed(policy, field, value, title):
    """A value off its list tells nothing: 残疾等级 “二级残疾” for an uninsured head may be the R5 red that a blank cell
    would hide. The reader leaves such a cell out and names it (Member.unreadable); the household is 待补充 naming the
    column, never 无 (issue 17: never silent)."""
    member = person("户主甲", insured=False) | {"unreadable": (field,)}
    member.pop(field, None) if field != "insured" else None
    a = assess(household([member]), policy, AS_OF)
    assert (a.grade, a.missing) == ("待补充", (title,))
    assert any(f.message.startswith(f"待补充：{title}未填或填写有误") for f in a.findings)
    # a red clause no missing fact can undo stays red (R1: 3,000 a year for one), the unread column still named
    red = assess(household([member], annual_net_income=3000), policy, AS_OF)
    assert (red.grade, red.missing) == ("红", (title,))


def test_a_certain_red_stays_red_while_other_facts_are_missing(policy):
    """R2 holds whatever the missing water fact would show (G1 cannot carve R2 out): red, with the gap reported."""
    a = assess(household(food_clothing_secured=False, water_secured=None), policy, AS_OF)
    assert a.grade == "红" and a.missing == ("饮水安全有保障",) and "R2" in a.clause_ids
    assert any("补充后成立的条款可能更多" in f.message for f in a.findings)


def test_a_blank_house_grade_is_not_missing_unless_the_type_is_about_the_house(policy):
    assert assess(household(house_grade=None), policy, AS_OF).grade == "无"


def test_member_checks(policy):
    members = [
        person("户主", "户主"),
        person("错性别", "之女", sex="男"),
        {"name": "坏号", "relation": "之子", "id_number": "520111201001011234"},
    ]
    members.append(dict(members[0], name="重复", relation="之子"))
    a = assess(household(members=members), policy, AS_OF)
    messages = " ".join(f.message for f in a.findings)
    assert "之女" in messages and "性别为男" in messages
    assert "坏号 的身份证号有误" in messages
    assert "与第 1 位成员重复" in messages


def test_two_heads_reported(policy):
    a = assess(household(members=[person("甲"), person("乙")]), policy, AS_OF)
    assert any("只有 1 名户主" in f.message for f in a.findings)


@pytest.mark.parametrize("amount, text", [(5200, "5,200"), (6233.333333, "6,233.33"), (0.125, "0.13"), (1e6, "1,000,000")])
def test_money_is_formatted_half_away_from_zero(amount, text):
    assert yuan(amount) == text


@pytest.mark.parametrize("born, holds", [
    (date(1962, 7, 15), True),     # 60 on the day of assessment
    (date(1962, 7, 16), False),    # 60 tomorrow
])
def test_S2_elderly_household_age_boundary(policy, born, holds):
    """S2 老人户: every member at least 60 (老年人权益保障法: 六十周岁以上; the policy's elderly_age), counted in whole
    years on the assessment day."""
    assert policy.grading.elderly_age == 60
    a = assess(household(household_type="一般农户", members=[person("老人", born=born)]), policy, AS_OF)
    assert ("S2" in a.scope_clauses and any("老人户" in r for r in a.scope_reasons)) == holds


def test_S2_elderly_household_needs_every_member_old(policy):
    members = [person("老人", born=date(1950, 1, 1)), person("孙子", "之孙子", born=date(2010, 1, 1))]
    a = assess(household(household_type="一般农户", members=members), policy, AS_OF)
    assert not any("老人户" in r for r in a.scope_reasons)


@pytest.mark.parametrize("head_sex, relation, sex, wrong", [
    ("男", "配偶", "女", False), ("男", "配偶", "男", True),    # 配偶: the head's opposite sex
    ("女", "配偶", "男", False), ("女", "配偶", "女", True),
    ("男", "之子", "男", False), ("男", "之子", "女", True),
    ("男", "之女", "女", False), ("男", "之女", "男", True),
    ("男", "其他", "女", False), ("男", "其他", "男", False),   # no sex expected
])
def test_relation_against_sex(policy, head_sex, relation, sex, wrong):
    """与户主关系 against the sex the ID number shows (GB 11643: the 17th digit), as the value list declares it."""
    members = [person("户主", sex=head_sex), person("成员", relation, born=date(1990, 1, 1), sex=sex)]
    a = assess(household(members=members), policy, AS_OF)
    said = [f.message for f in a.findings if "与户主关系为" in f.message]
    assert bool(said) == wrong, said
    if wrong:
        assert said == [f"成员 与户主关系为“{relation}”，但身份证号显示性别为{sex}，请核对"]


# ---- pinned by the mutation run (docs/mutation-testing.md) ----------------------------------------------------------

def test_results_cannot_be_changed_after_the_fact(policy):
    """An assessment is a record of what the rules found on a day: none of its parts can be altered afterwards."""
    a = assess(household(members=[person("户主"), person("小明", "之子", born=date(2010, 9, 1), school="辍学"),
                                  person("又一户主")]), policy, AS_OF)      # two heads: a finding too
    assert a.findings
    for record, field in ((a, "grade"), (a.clauses[0], "id"), (a.derived, "size"), (a.derived.members[0], "age"),
                          (a.findings[0], "message")):
        with pytest.raises(FrozenInstanceError):
            setattr(record, field, None)


def test_unnamed_members_are_named_by_their_place(policy):
    members = [person("户主"), {"name": "", "relation": "之子", "id_number": "520111201001011234"},
               dict(person("", "之女", born=date(2005, 5, 5), sex="男"))]
    a = assess(household(members=members), policy, AS_OF)
    said = [f.message for f in a.findings]
    assert any(m.startswith("第 2 位成员 的身份证号有误") for m in said), said
    assert any(m.startswith("第 3 位成员 与户主关系为“之女”") for m in said), said
    ill = [person("户主"), dict(person("", "配偶", born=date(1982, 3, 3), sex="女"), health="患有大病", insured=False)]
    a = assess(household(members=ill), policy, AS_OF)
    assert "第 2 位成员" in next(c.reason for c in a.clauses if c.id == "R5")


def test_a_member_without_an_id_number_has_no_valid_id(policy):
    a = assess(household(members=[person("户主"), {"name": "无号", "relation": "之子"}]), policy, AS_OF)
    assert a.derived.members[1].id_valid is False and a.derived.members[1].age is None


def test_someone_able_to_work_means_nobody_can_work_is_false_not_unknown(policy):
    a = assess(household(members=[person("户主", labour="普通劳动力"), person("老人", "之父", labour="丧失劳动力",
                                                                      born=date(1940, 1, 1))]), policy, AS_OF)
    assert a.derived.nobody_can_work is False


def test_a_household_with_no_member_rows_is_not_elderly_only(policy):
    a = assess(household(household_type="一般农户", members=[]), policy, AS_OF)
    assert a.derived.elderly_only is None and not any("老人户" in r for r in a.scope_reasons)


def test_an_untyped_summary_is_not_a_contradiction(policy):
    """R4 typed blank while a member row shows a dropout: the clause holds, and nothing says the clerk typed 否."""
    child = person("小明", "之子", born=date(2010, 9, 1), school="辍学")
    a = assess(household(members=[person("户主"), child], reported_dropout=None), policy, AS_OF)
    assert "R4" in a.clause_ids
    assert not any("户信息填了" in f.message for f in a.findings)


def test_a_size_typed_against_the_member_rows_is_reported(policy):
    members = [person("户主"), person("配偶", "配偶", sex="女")]
    said = [f.message for f in assess(household(members=members, household_size=3), policy, AS_OF).findings]
    assert any("家庭人口" in m or "人数" in m for m in said), said
    agree = [f.message for f in assess(household(members=members, household_size=2), policy, AS_OF).findings]
    assert agree == []


def test_only_the_repeated_number_is_a_duplicate(policy):
    members = [person("户主"), person("成员", "之子", born=date(2001, 2, 3)),
               person("另一人", "之女", born=date(2003, 4, 5), sex="女")]
    members.append(dict(members[0], name="重复", relation="之子"))
    said = [f.message for f in assess(household(members=members), policy, AS_OF).findings if "重复" in f.message]
    assert said == ["重复 的身份证号与第 1 位成员重复"]


@pytest.mark.parametrize("income, negative", [(-1, True), (0, False), (0.5, False)])
def test_a_negative_income_is_reported_and_zero_is_not(policy, income, negative):
    said = [f.message for f in assess(household(annual_net_income=income), policy, AS_OF).findings]
    assert any("负" in m for m in said) == negative, said


def test_Y1_holds_for_income_exactly_on_the_line(policy):
    """Y1 “核算年人均纯收入高于 6700 元…”: exactly 6,700 is not below the line (R1 does not hold), so with rigid
    spending it falls under Y1."""
    a = assess(household(**size_income(6700, 2), rigid_spending_school=1), policy, AS_OF)
    assert a.clause_ids == ("Y1",)


@pytest.mark.parametrize("spending, medical_measure", [(0, False), (1, True)])
def test_the_medical_measure_follows_medical_spending(policy, spending, medical_measure):
    """五(二): the health measure is recommended when the household has medical spending (any, from 1 yuan)."""
    h = household(**size_income(6800, 2), rigid_spending_medical=spending, rigid_spending_school=300)
    measures = assess(h, policy, AS_OF).clauses[0].measures
    assert any("就医支出高" in m for m in measures) == medical_measure


@pytest.mark.parametrize("spending, school_measure", [(0, False), (1, True)])
def test_the_school_measure_follows_school_spending(policy, spending, school_measure):
    h = household(**size_income(6800, 2), rigid_spending_school=spending, rigid_spending_medical=300)
    measures = assess(h, policy, AS_OF).clauses[0].measures
    assert any("就学子女" in m for m in measures) == school_measure


@pytest.mark.parametrize("employed, labour, prompt", [
    (None, "普通劳动力", True),       # able, nobody says they work
    (False, "普通劳动力", True),
    (True, "普通劳动力", False),       # someone works
    (None, "丧失劳动力", False),       # nobody able to work: 五(二)'s employment does not apply
    (None, None, False),              # labour not typed: not counted as able
])
def test_the_yellow_employment_prompt(policy, employed, labour, prompt):
    """五(二) “黄色监测户…确保每个家庭至少 1 人就业”."""
    members = [dict(person("户主", labour=labour), employed=employed)]
    if labour is None:
        members[0].pop("labour")
    h = household(members=members, sharp_income_fall=True, has_dibao=True)   # 低保: no R7 when nobody can work
    a = assess(h, policy, AS_OF)
    assert a.grade == "黄"
    assert any("五(二)" in f.message for f in a.findings) == prompt


@pytest.mark.parametrize("facts", [{}, {"annual_net_income": 1000}])
def test_the_employment_prompt_is_for_yellow_households_only(policy, facts):
    members = [dict(person("户主", labour="普通劳动力"), employed=False)]
    a = assess(household(members=members, **facts), policy, AS_OF)
    assert a.grade in ("无", "红")
    assert not any("五(二)" in f.message for f in a.findings)


def test_G2_measures_and_reason_name_only_what_is_poor(policy):
    good_road = assess(household(poor_hygiene=True, access_road="硬化路", sanitary_toilet=True), policy, AS_OF)
    g2 = next(c for c in good_road.clauses if c.id == "G2")
    assert not any("入户路" in m for m in g2.measures) and not any("厕所改造" in m for m in g2.measures)
    assert "入户路" not in g2.reason and "无卫生厕所" not in g2.reason
    unknown_toilet = assess(household(poor_hygiene=True, sanitary_toilet=None), policy, AS_OF)
    assert "无卫生厕所" not in next(c for c in unknown_toilet.clauses if c.id == "G2").reason
    poor = assess(household(access_road="泥土路", sanitary_toilet=False), policy, AS_OF)
    g2 = next(c for c in poor.clauses if c.id == "G2")
    assert "入户路为泥土路" in g2.reason and "无卫生厕所" in g2.reason
    assert any("厕所改造" in m for m in g2.measures)


def test_red_without_a_household_type_is_said_and_taken_as_marginal(policy):
    # in scope through 低保 (S2); R1 holds, so the missing type does not make it 待补充
    a = assess(household(household_type=None, has_dibao=True, **size_income(3000, 1)), policy, AS_OF)
    assert a.category == "边缘易致贫户"
    assert any("户类型未填" in f.message for f in a.findings)
    typed = assess(household(household_type="一般农户", **size_income(3000, 1)), policy, AS_OF)
    assert not any("户类型未填" in f.message for f in typed.findings)


def test_out_of_scope_message_names_the_type_and_the_grade(policy):
    none = assess(household(household_type="一般农户"), policy, AS_OF)
    assert [f.message for f in none.findings if f.clause == "S2"] == [
        "S1 S2 户类型为“一般农户”，且不属于所列重点群体：不在监测预警范围"]
    red = assess(household(household_type=None, **size_income(3000, 1)), policy, AS_OF)
    message = next(f.message for f in red.findings if f.clause == "S2")
    assert "户类型为“未填”" in message and "分级“红”仅供参考" in message


def test_R5_reason_names_the_illness_and_the_disability(policy):
    members = [person("户主"), dict(person("病人", "之父", born=date(1950, 1, 1)), health="患有大病", insured=False),
               dict(person("残疾人", "之母", born=date(1952, 1, 1), sex="女"), disability="一级", insured=False)]
    reason = next(c.reason for c in assess(household(members=members), policy, AS_OF).clauses if c.id == "R5")
    assert "病人（患有大病）" in reason and "残疾人（一级）" in reason


def test_r6_counts_the_national_exports_unsafe_house_and_asks_for_its_grade(policy):
    """危房户 是 in the national export says unsafe without C or D (policy: house_grades 危房（待鉴定）, graded = false):
    R6 holds, its reason says the grade is not assessed, and a hint asks for it. 危房户 否 (非危房) is not R6."""
    unsafe = assess(household(house_grade="危房（待鉴定）"), policy, AS_OF)
    assert unsafe.grade == "红" and [c.id for c in unsafe.clauses] == ["R6"]
    assert unsafe.clauses[0].reason == "R6 住房为危房（国家系统标注为危房户，等级未鉴定）"
    assert [f.message for f in unsafe.findings if f.clause == "R6"] == [
        "R6 住房安全等级为“危房（待鉴定）”（国家系统只标注了危房户）：请住建部门鉴定后改填 C 或 D 级"]
    safe = assess(household(house_grade="非危房"), policy, AS_OF)
    assert safe.grade == "无" and not safe.clauses and not [f for f in safe.findings if f.clause == "R6"]
    graded = assess(household(house_grade="D"), policy, AS_OF)
    assert graded.clauses[0].reason == "R6 住房经住建部门认定为 D 级危房" and not graded.findings

"""Policy as data (user overrides, clear errors) and household validation messages in Chinese."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import household, person
from hx_excel.core.grading import assess
from hx_excel.core.models import Household, HouseholdDataError
from hx_excel.policy import PolicyError, default_policy, load_policy


def test_shipped_policy_matches_the_document():
    p = default_policy()
    assert p.income_line(2022) == 6700  # 三(一) “(2022 年为 6700 元)”
    d = p.deadlines
    assert (d.household_check_days, d.public_notice_days, d.contact_and_measures_days) == (7, 5, 10)  # D1 D2 D3
    assert (d.visit_interval_months, d.stable_income_months, d.day_mode) == (1, 6, "calendar")  # D4 D5
    assert p.grading.g1_margin_multiple == 1.5


def test_user_file_overrides_only_what_it_names(tmp_path):
    f = tmp_path / "我的参数.toml"
    f.write_text('[income_lines."贵州"]\n2023 = 7000\n\n[deadlines]\nday_mode = "working"\n', encoding="utf-8")
    p = load_policy(f)
    assert p.income_line(2023) == 7000 and p.income_line(2022) == 6700
    assert p.deadlines.day_mode == "working" and p.deadlines.household_check_days == 7
    a = assess(household(year=2023, annual_net_income=13_999), p, date(2023, 6, 1))
    assert a.clause_ids == ("R1",) and "2023 年标准 7,000 元" in a.clauses[0].reason


def test_user_value_lists_replace_the_shipped_ones(tmp_path):
    f = tmp_path / "lists.toml"
    f.write_text('[lists]\nrisk_types = ["因病", "因旱"]\n', encoding="utf-8")
    p = load_policy(f)
    assert Household.parse({"risk_types": ["因旱"]}, p).risk_types == ["因旱"]
    with pytest.raises(HouseholdDataError, match="因旱"):
        Household.parse({"risk_types": ["因旱"]}, default_policy())


@pytest.mark.parametrize("text, message", [
    ('[deadlines]\nday_mode = "weekly"\n', "day_mode"),
    ('[grading]\ng1_margin_multiple = 0.5\n', "g1_margin_multiple"),
    ('[income_lines."贵州"]\nabc = 1\n', "不是年份"),
    ("this is = = not toml", "格式有误"),
])
def test_bad_policy_files_get_clear_messages(tmp_path, text, message):
    f = tmp_path / "bad.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError, match=message):
        load_policy(f)


def test_missing_policy_file(tmp_path):
    with pytest.raises(PolicyError, match="找不到政策参数文件"):
        load_policy(tmp_path / "nope.toml")


@pytest.mark.parametrize("data, words", [
    ({"annual_net_income": "五千"}, ["家庭年纯收入（元）", "应为数字"]),
    ({"household_type": "贫困户"}, ["户类型", "“贫困户”不在下拉列表中，可能是“脱贫户”"]),
    ({"clue_on": "七月一日"}, ["线索收集日期", "应为日期"]),
    ({"rigid_spending_medical": -5}, ["就医刚性支出（元）", "不能小于 0"]),
    ({"members": [{"labour": "强"}]}, ["家庭成员 › 第 1 项 › 劳动技能", "不在下拉列表中"]),
    ({"members": [{"id_number": 520111198005050011}]}, ["身份证号", "存成了数字"]),
    ({"measures": [{"category": "发钱"}]}, ["帮扶措施 › 第 1 项 › 措施类别"]),
    ({"grade": "红"}, ["grade", "不是可识别的字段"]),
])
def test_wrong_values_name_the_field_in_chinese(data, words):
    with pytest.raises(HouseholdDataError) as caught:
        Household.parse(data)
    for word in words:
        assert word in str(caught.value)


def test_dates_and_booleans_accept_what_clerks_type():
    h = Household.parse({"clue_on": "2022-07-01", "water_secured": "false", "house_grade": " c "})
    assert h.clue_on == date(2022, 7, 1) and h.water_secured is False and h.house_grade == "C"


def test_blank_list_values_mean_not_filled_in():
    h = Household.parse({"household_type": "  ", "members": [person(school="")]})
    assert h.household_type is None and h.members[0].school is None

"""Policy as data (user overrides, clear errors) and household validation messages in Chinese."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal, get_args, get_origin

import pytest
from pydantic import BaseModel

from conftest import household, person
from hx_excel.cli import main
from hx_excel.core.grading import assess
from hx_excel.core.models import Household, HouseholdDataError
from hx_excel.policy import (CHOICES, Deadlines, ExitStatus, HouseholdType, MeasureRule, Policy, PolicyError,
                              Relation, default_policy, load_policy)


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


def _policy_words() -> set[str]:
    """Every key a policy file may write and every value a fixed choice allows: the English a message may name."""
    words, seen, todo = {"true", "false"}, set(), [Policy]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, field in model.model_fields.items():
            words.add(name)
            stack = [field.annotation]
            while stack:
                t = stack.pop()
                if get_origin(t) is Literal:
                    words.update(str(v) for v in get_args(t))
                elif isinstance(t, type) and issubclass(t, BaseModel):
                    todo.append(t)
                else:
                    stack.extend(get_args(t))
    return words


def english(text: str, also: set[str] = frozenset()) -> set[str]:
    """ASCII words of 3+ letters in `text` that are neither a policy key, an allowed value, nor in `also`."""
    found = {w for w in re.findall(r"[A-Za-z][A-Za-z0-9_]*", text) if sum(c.isalpha() for c in w) >= 3}
    return found - _policy_words() - set(also)


# issue 17: a policy file a clerk got wrong, and what the message must say (key, allowed values, what is written);
# `also`: the English the file itself wrote, which the message may repeat
POLICY_FILE_MISTAKES = [
    ('[deadlines]\nday_mode = "workdays"\n',
     ['deadlines.day_mode（天数口径）：只能是 "calendar"（自然日）或 "working"（工作日）', '现在写的是 "workdays"'],
     {"workdays"}),
    ('[deadlines]\nday_mode = 3\n', ['deadlines.day_mode', '"calendar"（自然日）或 "working"（工作日）'], set()),
    ('[deadlines]\nhousehold_check_days = -3\n', ["deadlines.household_check_days（D1 入户核实天数）：必须大于 0"],
     set()),
    ('[deadlines]\nhousehold_check_days = "七"\n', ["household_check_days", "应为整数（不加引号，如 7）"], set()),
    ('[deadlines]\nhousehold_check_days = 7.5\n', ["household_check_days", "应为整数"], set()),
    ('[deadlines]\nhousehold_check_days = true\n', ["household_check_days", "不能是 true 或 false"], set()),
    ('[deadlines]\nhousehold_check_days = 99999999999999999999\n', ["household_check_days", "不能大于 365"], set()),
    ('[deadlines]\nstable_income_months = 2022-01-01\n', ["stable_income_months", "应为整数"], set()),
    ('[deadlines]\nfoo_days = 3\n', ["deadlines.foo_days：不是可识别的参数名", "household_check_days"], {"foo_days"}),
    ('[foo]\nx = 1\n', ["foo：不是可识别的参数名", "deadlines"], {"foo"}),
    ("deadlines = [1, 2]\n", ["deadlines：应写成表"], set()),
    ('grading = "x"\n', ["grading：应写成表"], set()),
    ("[grading]\ng1_margin_multiple = nan\n", ["g1_margin_multiple", "不能是无穷大或非数"], {"nan"}),
    ("[grading]\ng1_margin_multiple = inf\n", ["g1_margin_multiple", "不能是无穷大或非数"], {"inf"}),
    ('[grading]\ng1_margin_multiple = "1.5倍"\n', ["g1_margin_multiple", "应为数字"], set()),
    ("[grading]\nelderly_age = 100\n", ["grading.elderly_age（老人户年龄）：不能大于 80"], set()),
    ("[deadlines.development_categories]\na = 1\n", ["development_categories", "应为列表"], set()),
    ("[deadlines]\ndevelopment_categories = []\n", ["development_categories", "至少要有 1 项"], set()),
    ('[lists]\nrisk_types = "因病"\n', ["lists.risk_types：应为列表"], set()),
    ("[lists]\nrisk_types = [1]\n", ["lists.risk_types 第 1 项：应为文字"], set()),
    ('[lists]\nlabour = ["强"]\n', ["lists.labour 第 1 项：应写成一个 [[lists.labour]] 表"], set()),
    ('[[lists.labour]]\nvalue = "强"\n', ["lists.labour 第 1 项的 can_work：缺少这一项"], set()),
    ('[[lists.labour]]\nvalue = "强"\ncan_work = 2\n', ["can_work", "应为 true 或 false"], set()),
    ('[[lists.household_types]]\nvalue = "甲"\nscope = "S3"\nexited_poverty = false\n',
     ['lists.household_types 第 1 项的 scope：只能是 "S1"（建档立卡户）、"S2"（建档立卡之外的重点群体）或 ""（不在范围）'],
     set()),
    ('[[lists.exit_statuses]]\nvalue = "甲"\nexit = "gone"\n', ['"eliminated"（风险消除）或 "closed"（销号）'], {"gone"}),
    ('[[lists.relations]]\nvalue = "甲"\nsex = "M"\n', ['只能是 "男"、"女"、"异"（与户主性别相反）或 ""（不检查）'], set()),
    ('[[measures]]\nclause = "X9"\nwhen = "always"\ncategory = "其他"\ntext = "甲"\n',
     ["measures 第 1 项的 clause：只能是 R1–R7、Y1、Y2、G1–G4 中的一个条款编号"], set()),
    ('[[measures]]\nclause = "R1"\nwhen = "sometimes"\ncategory = "其他"\ntext = "甲"\n',
     ['measures 第 1 项的 when：只能是 "always"（总是）', '"dropout"（有辍学学生）'], {"sometimes"}),
    ('measures = "x"\n', ["measures：应写成一个个 [[measures]] 表"], set()),
    ('[[measures]]\nclause = "R1"\nwhen = "always"\ncategory = "发钱"\ntext = "甲"\n',
     ["有误：措施类别“发钱”（R1）不在 measure_categories 中"], set()),
    ('[calendar.2027]\nholidays = ["2027年1月1日"]\n', ["calendar.2027.holidays 第 1 项：应为日期，如 2027-01-01（不加引号）"],
     set()),
    ("[calendar.2027]\nholidays = [2027-01-01T10:00:00]\n", ["holidays 第 1 项：应为日期，不能带时间"], set()),
    ('[income_lines."贵州"]\n2022 = "6700元"\n', ["income_lines.贵州.2022：应为数字"], set()),
    ('[income_lines."贵州"]\n2022 = 1e308\n', ["income_lines.贵州.2022：不能大于"], set()),
    ('[income_lines."贵州"]\n2022 = true\n', ["不能是 true 或 false"], set()),
    ("aliases = [1]\n", ["aliases：应写成表"], set()),
    ('[aliases.relations]\n"妻" = 1\n', ["aliases.relations.妻：应为文字"], set()),
]


@pytest.mark.parametrize("text, says, also", POLICY_FILE_MISTAKES)
def test_every_mistake_in_a_policy_file_is_said_in_chinese(tmp_path, text, says, also):
    f = tmp_path / "my.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(f)
    said = str(caught.value).replace(str(f), "")
    for words in says:
        assert words in said, said
    assert not english(said, also), said
    assert "：：" not in said and "Input" not in said and " or " not in said


def test_a_bad_day_mode_through_the_command_line(tmp_path, capsys):
    f = tmp_path / "my.toml"
    f.write_text('[deadlines]\nday_mode = "workdays"\n', encoding="utf-8")
    assert main(["--policy", str(f), "assess"]) == 2
    err = capsys.readouterr().err.replace(str(f), "")
    assert err.startswith("错误：政策参数文件")
    assert 'day_mode（天数口径）：只能是 "calendar"（自然日）或 "working"（工作日）' in err
    assert not english(err, {"workdays"}), err


def test_every_fixed_choice_of_the_policy_is_explained():
    """A Literal added to the policy models without saying what its values mean would be shown bare."""
    literal_fields = {}
    for model in (Deadlines, HouseholdType, Relation, ExitStatus, MeasureRule):
        for name, field in model.model_fields.items():
            if get_origin(field.annotation) is Literal:
                literal_fields[name] = set(get_args(field.annotation))
    assert literal_fields.keys() == CHOICES.keys()
    for name, values in literal_fields.items():
        assert set(CHOICES[name]) == values, name


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

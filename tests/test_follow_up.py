"""The follow-up rules `check` holds a monitored household to (core/follow_up.py), pinned where the mutation run of
issue 17 point 9 found them loose: D5's "too early" counted across a new year, 当月 against 次月, and which members
the 五(二) finding names. Expected values are worked by hand from policy.md.
"""

from __future__ import annotations

from datetime import date

from conftest import household, person
from hx_excel.core import follow_up
from hx_excel.core.models import Measure


# ---- D5: risk marked eliminated no earlier than the second month after entry ------------------------------------

def test_too_early_is_counted_in_calendar_months_across_the_new_year():
    # entered in December, eliminated in January: the next month — too early, and said as 次月
    december = follow_up.elimination_too_early(household(entered_on=date(2021, 12, 15), eliminated_on=date(2022, 1, 10)))
    assert december is not None and december.clause == "D5"
    assert "次月（2022-01-10）" in december.message and "当月" not in december.message
    # entered in November, eliminated on 1 January: two months on — not too early
    assert follow_up.elimination_too_early(household(entered_on=date(2021, 11, 30),
                                                     eliminated_on=date(2022, 1, 1))) is None
    # a whole year on, same calendar month: twelve months — not too early
    assert follow_up.elimination_too_early(household(entered_on=date(2021, 3, 1),
                                                     eliminated_on=date(2022, 3, 31))) is None


def test_eliminated_in_the_month_of_entry_is_said_as_that_month():
    same = follow_up.elimination_too_early(household(entered_on=date(2022, 5, 1), eliminated_on=date(2022, 5, 20)))
    assert "当月（2022-05-20）" in same.message and "次月" not in same.message
    following = follow_up.elimination_too_early(household(entered_on=date(2022, 5, 31), eliminated_on=date(2022, 6, 1)))
    assert "次月（2022-06-01）" in following.message and "当月" not in following.message


# ---- 五(二): the finding names who can work ------------------------------------------------------------------------

def test_the_development_finding_names_the_members_who_can_work(policy):
    # entered 2022-01-10: six months on is 2022-07-10; on 07-15 a household with people able to work and only a
    # 综合保障 measure is missing its 开发式帮扶. The finding names who can work (up to three), an unnamed one as
    # 未填姓名, and not the one who cannot.
    members = [person("甲", labour="丧失劳动力"), person("乙", "配偶", sex="女"), person("", "之子"),
               person("丁", "之女", sex="女", labour="弱劳动力或半劳动力"), person("戊", "之子")]
    h = household(members, entered_on=date(2022, 1, 10), measures=[Measure(category="综合保障", text="纳入低保")])
    finding = follow_up.development_help_missing(h, policy, date(2022, 7, 15))
    assert finding.clause == "五(二)"
    assert "家中有劳动力（乙、未填姓名、丁）" in finding.message
    assert "甲" not in finding.message and "戊" not in finding.message

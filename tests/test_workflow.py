"""Workflow (四): D1-D6 due dates, statuses, chain order, and the working-day calendar."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import household
from hx_excel.core.days import CalendarNotAvailable, add_days, month_end, months_after, notice_last_day
from hx_excel.core.workflow import plan, step_status


def steps(p):
    return {s.key: s for s in p.steps}


def working(policy):
    return policy.model_copy(update={"deadlines": policy.deadlines.model_copy(update={"day_mode": "working"})})


def test_D1_check_within_7_days_of_the_clue(policy):
    """D1 “在 7 天内进行入户核实，填写入户调查表”."""
    h = household(clue_channel="基层干部排查", clue_on=date(2022, 7, 1))
    s = steps(plan(h, policy, date(2022, 7, 4)))["household_check"]
    assert (s.clause, s.due, s.status) == ("D1", date(2022, 7, 8), "未到期")
    assert steps(plan(h, policy, date(2022, 7, 5)))["household_check"].status == "即将到期"  # 3 days left
    assert steps(plan(h, policy, date(2022, 7, 8)))["household_check"].status == "即将到期"
    assert steps(plan(h, policy, date(2022, 7, 9)))["household_check"].status == "已逾期"


def test_D1_counts_from_publication_for_superior_feedback(policy):
    """C1/D1 “上级部门归集线索于每月 5 日左右…发布…于线索发布后 7 日内进行入户排查”."""
    h = household(clue_channel="上级反馈", clue_on=date(2022, 7, 8), clue_published_on=date(2022, 7, 5))
    assert steps(plan(h, policy, date(2022, 7, 10)))["household_check"].due == date(2022, 7, 12)
    h = household(clue_channel="上级反馈", clue_on=date(2022, 7, 8))
    s = steps(plan(h, policy, date(2022, 7, 10)))["household_check"]
    assert s.due == date(2022, 7, 15) and "未填发布日期" in s.note


def test_D1_done_late_is_noted(policy):
    h = household(clue_channel="基层干部排查", clue_on=date(2022, 7, 1), household_check_on=date(2022, 7, 12))
    s = steps(plan(h, policy, date(2022, 7, 20)))["household_check"]
    assert s.status == "已完成" and "逾期完成" in s.note


def red(**facts):
    return household(food_clothing_secured=False, **facts)


def test_D2_identification_chain_in_order(policy):
    """D2 “入户核实-农户申请及承诺授权-村级评议及公示（5天）-乡级核查研判-区级审定公告—纳入监测”."""
    h = red(household_check_on=date(2022, 6, 6), application_on=date(2022, 6, 8))
    p = plan(h, policy, date(2022, 6, 9))
    keys = [s.key for s in p.steps if s.clause == "D2"]
    assert keys == ["application", "village_notice", "township_review", "district_approval", "entry"]
    assert p.next_step.key == "village_notice" and not p.problems


def test_D2_notice_must_run_five_full_days(policy):
    h = red(notice_start_on=date(2022, 6, 10), notice_end_on=date(2022, 6, 13), township_review_on=date(2022, 6, 14))
    p = plan(h, policy, date(2022, 6, 20))
    messages = [f.message for f in p.problems]
    assert any("公示不足 5 天" in m and "2022-06-14" in m for m in messages)
    assert any("乡级核查研判" in m and "公示期满" in m for m in messages)
    assert steps(p)["village_notice"].status != "已完成"
    ok = red(notice_start_on=date(2022, 6, 10), notice_end_on=date(2022, 6, 14), township_review_on=date(2022, 6, 15))
    assert not plan(ok, policy, date(2022, 6, 20)).problems


def test_D2_dates_out_of_order_are_reported(policy):
    h = red(notice_start_on=date(2022, 6, 10), notice_end_on=date(2022, 6, 5))
    assert any("早于开始日期" in f.message for f in plan(h, policy, date(2022, 6, 20)).problems)
    h = red(district_approval_on=date(2022, 6, 20), entered_on=date(2022, 6, 18))
    problems = plan(h, policy, date(2022, 6, 25)).problems
    assert any(f.clause == "D2" and "“纳入监测”（2022-06-18）早于前一步“区级审定公告”" in f.message for f in problems)


def test_D3_contact_and_measures_within_10_days_of_entry(policy):
    """D3 “录入系统后 10 天内确定以乡村两级干部为主的帮扶联系人、明确帮扶措施”."""
    h = red(entered_on=date(2022, 6, 20))
    s = steps(plan(h, policy, date(2022, 7, 1)))
    assert s["contact"].due == date(2022, 6, 30) and s["contact"].status == "已逾期"
    assert s["measures"].status == "已逾期"  # D7: an identified household with no measure is surfaced
    h = red(entered_on=date(2022, 6, 20), contact_name="干部甲", contact_assigned_on=date(2022, 6, 25),
            measures=[{"category": "综合保障", "decided_on": date(2022, 6, 26)}])
    s = steps(plan(h, policy, date(2022, 7, 1)))
    assert s["contact"].status == s["measures"].status == "已完成"


def test_D4_monthly_visit_and_review(policy):
    """D4 “每月召开会议…集中研判”, “至少每月入户走访排查一次”."""
    h = red(entered_on=date(2022, 3, 1), last_visit_on=date(2022, 5, 20), last_review_on=date(2022, 6, 3))
    s = steps(plan(h, policy, date(2022, 6, 15)))
    assert (s["visit"].due, s["visit"].status) == (date(2022, 6, 30), "未到期")
    assert (s["review"].status, s["review"].done_on) == ("已完成", date(2022, 6, 3))
    s = steps(plan(h, policy, date(2022, 7, 2)))
    assert s["visit"].status == "已逾期"  # nobody visited in June


def test_D5_earliest_elimination_after_six_stable_months(policy):
    """D5 “对收入持续稳定半年以上…按照“村（居）提名→入户核实→…→标注风险消除”的程序”."""
    h = household(entered_on=date(2021, 9, 1), income_stable_since=date(2021, 12, 31), last_visit_on=date(2022, 7, 1))
    s = steps(plan(h, policy, date(2022, 7, 15)))
    assert s["elimination_nomination"].earliest == date(2022, 6, 30)
    assert "elimination_check" not in s  # the chain follows the nomination
    still_red = red(entered_on=date(2021, 9, 1), income_stable_since=date(2021, 12, 31))
    assert "仍有 R2" in steps(plan(still_red, policy, date(2022, 7, 15)))["elimination_nomination"].note


def test_D5_nomination_before_six_months_is_reported(policy):
    h = household(entered_on=date(2021, 9, 1), income_stable_since=date(2022, 3, 1),
                  elimination_nominated_on=date(2022, 6, 1))
    problems = plan(h, policy, date(2022, 7, 15)).problems
    assert any(f.clause == "D5" and "村（居）提名" in f.message for f in problems)


def test_D6_green_followed_and_closed(policy):
    """D6 “对绿色预警户要进行台账管理…在其预警风险稳定消除后进行销号管理”."""
    green = household(subsidies_undelivered=True, household_check_on=date(2022, 6, 1))
    assert steps(plan(green, policy, date(2022, 7, 15)))["visit"].clause == "D6"
    fixed = household(household_check_on=date(2022, 6, 1))
    assert steps(plan(fixed, policy, date(2022, 7, 15)))["close"].status == ""   # open; the document sets no deadline
    closed = household(household_check_on=date(2022, 6, 1), exit_status="是（销号）", closed_on=date(2022, 7, 1))
    assert "close" not in steps(plan(closed, policy, date(2022, 7, 15)))


def test_a_visit_done_this_month_makes_the_next_one_the_next_step(policy):
    """D4 每月走访: visited on 3 July, the July visit is done and the next step is the next visit, due by the end
    of August; so is the village review once held in July."""
    h = household(subsidies_undelivered=True, sharp_income_fall=True, entered_on=date(2022, 1, 10),
                  contact_name="杨光荣", contact_assigned_on=date(2022, 1, 12),
                  last_visit_on=date(2022, 7, 3), last_review_on=date(2022, 7, 6),
                  measures=[{"category": "就业帮扶", "decided_on": date(2022, 1, 15)}])
    result = plan(h, policy, date(2022, 7, 15))
    assert steps(result)["visit"].status == "已完成"
    assert (steps(result)["next_visit"].due, steps(result)["next_visit"].status) == (date(2022, 8, 31), "未到期")
    assert steps(result)["next_review"].due == date(2022, 8, 31)
    assert (result.next_step.key, result.next_step.title) == ("next_visit", "下次入户走访")


def test_exited_household_has_no_monthly_steps(policy):
    h = household(entered_on=date(2021, 1, 1), exit_status="是（风险消除）", eliminated_on=date(2022, 1, 1))
    assert "visit" not in steps(plan(h, policy, date(2022, 7, 15)))


@pytest.mark.parametrize("due, done, as_of, status", [
    (date(2022, 7, 10), None, date(2022, 7, 6), "未到期"),
    (date(2022, 7, 10), None, date(2022, 7, 7), "即将到期"),
    (date(2022, 7, 10), None, date(2022, 7, 10), "即将到期"),
    (date(2022, 7, 10), None, date(2022, 7, 11), "已逾期"),
    (date(2022, 7, 10), date(2022, 7, 12), date(2022, 7, 20), "已完成"),
    (None, None, date(2022, 7, 20), ""),                 # no deadline, no status
])
def test_step_status(due, done, as_of, status):
    assert step_status(due, done, as_of, 3) == status


# ---- Days ---------------------------------------------------------------------------------------------------

def test_working_days_follow_the_statutory_calendar():
    """National Day 2022: 1-7 Oct off, Sat 8 and Sun 9 Oct adjusted working days."""
    assert add_days(date(2022, 9, 30), 1, "working") == date(2022, 10, 8)
    assert add_days(date(2022, 9, 30), 3, "working") == date(2022, 10, 10)
    # a 5-day notice posted on a holiday runs 5 working days; posted on a working day, that day counts
    assert notice_last_day(date(2022, 10, 1), 5, "working") == date(2022, 10, 12)
    assert notice_last_day(date(2022, 10, 10), 5, "working") == date(2022, 10, 14)
    assert notice_last_day(date(2022, 10, 1), 5, "calendar") == date(2022, 10, 5)


def test_working_day_mode_in_plan(policy):
    h = household(clue_channel="基层干部排查", clue_on=date(2022, 9, 29))
    assert steps(plan(h, working(policy), date(2022, 9, 30)))["household_check"].due == date(2022, 10, 13)
    assert steps(plan(h, policy, date(2022, 9, 30)))["household_check"].due == date(2022, 10, 6)


def test_year_unknown_to_the_calendar_is_a_clear_error():
    with pytest.raises(CalendarNotAvailable, match="chinesecalendar"):
        add_days(date(2099, 1, 1), 3, "working")


def test_month_arithmetic():
    assert months_after(date(2022, 8, 31), 6) == date(2023, 2, 28)
    assert months_after(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert month_end(date(2022, 12, 5), 1) == date(2023, 1, 31)


# ---- statutory calendars past the package's last year ------------------------------------------------------------

def test_working_days_come_from_the_package_the_policy_file_or_a_message(tmp_path):
    """chinesecalendar knows 2026; 2027 is given by the policy file, as published each winter; 2028 by neither."""
    from hx_excel.policy import load_policy
    (tmp_path / "p.toml").write_text(
        '[deadlines]\nday_mode = "working"\n[calendar.2027]\n'
        "holidays = [2027-01-01, 2027-02-05, 2027-02-08]\nworkdays = [2027-02-07]\n", encoding="utf-8")
    policy = load_policy(tmp_path / "p.toml")
    assert add_days(date(2026, 9, 30), 1, "working") == date(2026, 10, 8)            # the package: 1–7 Oct off
    extra = policy.calendar
    assert add_days(date(2026, 12, 31), 1, "working", extra) == date(2027, 1, 4)     # 1 Jan off, then a weekend
    assert add_days(date(2027, 2, 4), 1, "working", extra) == date(2027, 2, 7)       # 5 Feb off, Sunday 7 Feb worked
    assert add_days(date(2027, 2, 7), 1, "working", extra) == date(2027, 2, 9)       # 8 Feb off
    with pytest.raises(CalendarNotAvailable) as caught:
        add_days(date(2027, 12, 30), 3, "working", extra)
    message = str(caught.value)
    assert "2028 年" in message and "[calendar.2028]" in message and "holidays = [2028-01-01" in message


def test_a_policy_calendar_outside_its_year_is_refused(tmp_path):
    from hx_excel.policy import PolicyError, load_policy
    (tmp_path / "p.toml").write_text("[calendar.2027]\nholidays = [2028-01-01]\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="不在 2027 年"):
        load_policy(tmp_path / "p.toml")


# ---- pinned by the mutation run (docs/mutation-testing.md) ----------------------------------------------------------

RED = dict(annual_net_income=3000)            # two people at 1,500 a head: R1


def test_months_and_month_ends_across_years():
    assert months_after(date(2022, 1, 15), 24) == date(2024, 1, 15)
    assert months_after(date(2022, 12, 15), 1) == date(2023, 1, 15)
    assert month_end(date(2022, 7, 3)) == date(2022, 7, 31)              # this month, by default
    assert month_end(date(2022, 12, 10)) == date(2022, 12, 31)
    assert month_end(date(2022, 11, 5), 1) == date(2022, 12, 31)
    assert month_end(date(2022, 12, 5), 1) == date(2023, 1, 31)
    assert month_end(date(2022, 1, 5), 24) == date(2024, 1, 31)


def test_the_years_the_calendar_covers(tmp_path):
    from hx_excel.core.days import covered_years
    from hx_excel.policy import load_policy
    package = covered_years()
    assert package.start <= 2010 and package.stop == 2027                 # chinesecalendar 1.11: through 2026
    (tmp_path / "p.toml").write_text("[calendar.2027]\nholidays = [2027-01-01]\n[calendar.2029]\n"
                                     "holidays = [2029-01-01]\n", encoding="utf-8")
    extended = covered_years(load_policy(tmp_path / "p.toml").calendar)
    assert extended.stop == 2028                                          # 2029 does not follow on: 2028 is missing


def test_a_working_day_deadline_uses_the_policy_calendar_in_plan(tmp_path):
    from hx_excel.policy import load_policy
    (tmp_path / "p.toml").write_text(
        '[deadlines]\nday_mode = "working"\n[calendar.2027]\nholidays = [2027-01-01, 2027-01-04]\n', encoding="utf-8")
    policy = load_policy(tmp_path / "p.toml")
    result = plan(household(clue_on=date(2026, 12, 31), clue_channel="基层干部排查"), policy, date(2027, 1, 2))
    # 7 working days after Thu 31 Dec 2026: 1 and 4 Jan off (the file), weekends off: 5–8, 11, 12, 13 Jan → 13 Jan
    assert steps(result)["household_check"].due == date(2027, 1, 13)


def test_the_next_step_is_the_earliest_deadline_not_the_first_in_order(policy):
    """Measures are due 10 days after entry (8 July); the visit, last made in May, was due by 30 June: the visit is
    the next step although the measures come first in the document's order."""
    h = household(**RED, household_check_on=date(2022, 6, 20), entered_on=date(2022, 6, 28), contact_name="杨光荣",
                  contact_assigned_on=date(2022, 6, 29), last_visit_on=date(2022, 5, 10))
    result = plan(h, policy, date(2022, 7, 5))
    assert (result.next_step.key, result.next_step.due) == ("visit", date(2022, 6, 30))


def test_the_next_step_is_the_earliest_deadline_and_overdue_lists_only_overdue(policy):
    h = household(**RED, entered_on=date(2022, 7, 1), household_check_on=date(2022, 6, 20))
    result = plan(h, policy, date(2022, 7, 20))
    dated = [s for s in result.steps if s.due and s.status != "已完成"]
    assert result.next_step.due == min(s.due for s in dated)
    assert result.overdue and all(s.status == "已逾期" for s in result.overdue)
    assert {s.key for s in result.overdue} == {s.key for s in result.steps if s.status == "已逾期"}


def test_a_step_done_on_its_deadline_is_not_late(policy):
    h = household(**RED, entered_on=date(2022, 7, 1), contact_name="杨光荣", contact_assigned_on=date(2022, 7, 11))
    contact = steps(plan(h, policy, date(2022, 7, 20)))["contact"]
    assert contact.due == date(2022, 7, 11) and "逾期完成" not in contact.note
    late = household(**RED, entered_on=date(2022, 7, 1), contact_name="杨光荣", contact_assigned_on=date(2022, 7, 12))
    assert "逾期完成" in steps(plan(late, policy, date(2022, 7, 20)))["contact"].note


def test_steps_on_the_same_day_are_in_order(policy):
    h = household(**RED, household_check_on=date(2022, 7, 1), application_on=date(2022, 7, 1))
    assert not plan(h, policy, date(2022, 7, 20)).problems


def test_the_village_notice_runs_its_full_days(policy):
    """D2: a 5-day notice from 1 July runs through 5 July; ending then completes it; the township review may come
    the day after, not on the last day."""
    base = dict(**RED, household_check_on=date(2022, 6, 28), application_on=date(2022, 6, 30),
                notice_start_on=date(2022, 7, 1))
    complete = plan(household(**base, notice_end_on=date(2022, 7, 5)), policy, date(2022, 7, 20))
    assert steps(complete)["village_notice"].status == "已完成" and not complete.problems
    running = plan(household(**base), policy, date(2022, 7, 3))
    assert steps(running)["township_review"].earliest == date(2022, 7, 6)
    too_early = plan(household(**base, notice_end_on=date(2022, 7, 5), township_review_on=date(2022, 7, 5)),
                     policy, date(2022, 7, 20))
    assert any("公示期满" in f.message for f in too_early.problems)
    day_after = plan(household(**base, notice_end_on=date(2022, 7, 5), township_review_on=date(2022, 7, 6)),
                     policy, date(2022, 7, 20))
    assert not day_after.problems
    same_day = plan(household(**base, notice_end_on=date(2022, 7, 1)), policy, date(2022, 7, 20))
    assert not any("早于开始日期" in f.message for f in same_day.problems)
    assert any("公示不足 5 天" in f.message for f in same_day.problems)


def test_the_identification_chain_starts_with_red_yellow_or_a_date(policy):
    assert "application" in steps(plan(household(**RED), policy, date(2022, 7, 20)))
    assert "application" not in steps(plan(household(), policy, date(2022, 7, 20)))
    started = household(application_on=date(2022, 7, 1))             # green, but the chain has begun
    assert "application" in steps(plan(started, policy, date(2022, 7, 20)))
    # without a clue or a check, the chain's first step is the household check (D2), with no deadline
    first = steps(plan(household(**RED), policy, date(2022, 7, 20)))["household_check"]
    assert (first.clause, first.due, first.status) == ("D2", None, "")
    with_clue = plan(household(**RED, clue_on=date(2022, 7, 10), clue_channel="基层干部排查"), policy, date(2022, 7, 20))
    assert steps(with_clue)["household_check"].clause == "D1"


def test_notes_for_a_contact_or_measures_typed_without_their_date(policy):
    entered = dict(**RED, entered_on=date(2022, 7, 1))
    undated = steps(plan(household(**entered, contact_name="杨光荣", measures=[{"category": "综合保障"}]),
                         policy, date(2022, 7, 20)))
    assert undated["contact"].note == "已填联系人但未填确定日期"
    assert undated["measures"].note == "已填措施但未填明确日期"
    dated = steps(plan(household(**entered, contact_name="杨光荣", contact_assigned_on=date(2022, 7, 5),
                                 measures=[{"category": "综合保障", "decided_on": date(2022, 7, 5)}]),
                       policy, date(2022, 7, 20)))
    assert dated["contact"].note == "" and dated["measures"].note == ""
    nothing = steps(plan(household(**entered), policy, date(2022, 7, 20)))
    assert nothing["contact"].note == "" and nothing["measures"].note == ""


def test_the_first_visit_is_due_by_the_end_of_the_month_of_entry(policy):
    h = household(**RED, household_check_on=date(2022, 5, 20), entered_on=date(2022, 6, 10))
    assert steps(plan(h, policy, date(2022, 6, 15)))["visit"].due == date(2022, 6, 30)


def test_risk_elimination_notes_and_notice(policy):
    entered = dict(entered_on=date(2022, 1, 10))
    no_stable = steps(plan(household(**entered), policy, date(2022, 7, 20)))["elimination_nomination"]
    assert "未填收入稳定起始日期" in no_stable.note
    stable = steps(plan(household(**entered, income_stable_since=date(2022, 1, 1)), policy, date(2022, 7, 20)))
    assert "未填收入稳定起始日期" not in stable["elimination_nomination"].note
    early_review = household(**entered, income_stable_since=date(2021, 12, 1), elimination_nominated_on=date(2022, 7, 1),
                             elimination_check_on=date(2022, 7, 2), elimination_notice_start_on=date(2022, 7, 4),
                             elimination_notice_end_on=date(2022, 7, 8), elimination_township_review_on=date(2022, 7, 8))
    assert any(f.clause == "D5" and "公示期满" in f.message for f in plan(early_review, policy, date(2022, 7, 20)).problems)


def test_a_plan_cannot_be_changed_after_the_fact(policy):
    from dataclasses import FrozenInstanceError
    result = plan(household(**RED), policy, date(2022, 7, 20))
    for record, field in ((result, "steps"), (result.steps[0], "status")):
        with pytest.raises(FrozenInstanceError):
            setattr(record, field, None)


def test_out_of_scope_gets_no_monitoring_steps(policy):
    """policy.md, The month's records: a household in neither S1 nor S2 “gets no monitoring steps (visits, reviews)”;
    its grade is for reference, so no D2 chain starts either — but a clue is still checked within 7 days (D1)."""
    green = household(household_type="一般农户", subsidies_undelivered=True)                          # G3, out of scope
    red = household(household_type="一般农户", annual_net_income=5000, clue_on=date(2022, 7, 1))      # R1, out of scope
    assert plan(green, policy, date(2022, 7, 15)).assessment.grade == "绿" and plan(green, policy, date(2022, 7, 15)).steps == ()
    red_plan = plan(red, policy, date(2022, 7, 15))
    assert red_plan.assessment.grade == "红" and [(s.key, s.clause) for s in red_plan.steps] == [("household_check", "D1")]
    # the same facts in scope (低保, S2): followed on the green ledger (D6), and red starts the D2 chain
    assert {"visit"} <= set(steps(plan(green.model_copy(update={"has_dibao": True}), policy, date(2022, 7, 15))))
    assert "application" in steps(plan(red.model_copy(update={"has_dibao": True}), policy, date(2022, 7, 15)))
    # a chain already begun goes on whatever the grade says now (dates are facts)
    begun = red.model_copy(update={"application_on": date(2022, 7, 3)})
    assert "village_notice" in steps(plan(begun, policy, date(2022, 7, 15)))

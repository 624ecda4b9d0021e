"""Workflow (四、监测预警及动态调整): `plan(household, policy, as_of)` → the steps that follow, with due dates and status.

D1 household check within 7 days of a clue (of publication for 上级反馈); D2 the identification chain in order with a
full 5-day notice; D3 contact and measures within 10 days of entry; D4 the monthly visit and review; D5 the
earliest risk-elimination date and its chain; D6 green close-out. The document sets no deadline for the other
chain steps: they carry an "earliest" date where one follows from the text, and no due date.
"""

from __future__ import annotations

from datetime import date
from typing import Literal


from hx_excel.core.days import add_days, month_end, months_after, notice_last_day
from hx_excel.core.grading import Assessment, Finding, frozen_result, assess
from hx_excel.core.models import Household
from hx_excel.policy import Policy

Status = Literal["未到期", "即将到期", "已逾期", "已完成", ""]   # "": open, but the document sets it no deadline
NO_DEADLINE = "未定期限"   # how the status "" is shown to a clerk (assess, the 待办 sheet)


# One title per step, shared with the ledger's 下一步 formula (hx_excel/ledger/formulas.py).
STEP_TITLES: dict[str, str] = {
    "household_check": "入户核实（填写入户调查表）",
    "application": "农户申请及承诺授权",
    "village_notice": "村级评议及公示",
    "township_review": "乡级核查研判",
    "district_approval": "区级审定公告",
    "entry": "纳入监测（录入全国防返贫监测信息系统）",
    "contact": "确定帮扶联系人",
    "measures": "明确帮扶措施并录入系统",
    "visit": "本月入户走访",
    "review": "本月村级集中研判",
    "next_visit": "下次入户走访",
    "next_review": "下次村级集中研判",
    "elimination_nomination": "村（居）提名风险消除",
    "elimination_check": "风险消除入户核实",
    "elimination_notice": "风险消除村级评议及公示",
    "elimination_township_review": "风险消除乡级审核",
    "elimination_county_approval": "风险消除县级审定公告",
    "eliminated": "标注风险消除",
    "close": "风险已稳定消除，销号",
}


# The fact each step's date is recorded in (a Household field; a Measure's for the measures): where a clerk types it,
# and what to name when it was typed so that it could not be read.
STEP_DATES: dict[str, str] = {
    "household_check": "household_check_on", "application": "application_on", "village_notice": "notice_end_on",
    "township_review": "township_review_on", "district_approval": "district_approval_on", "entry": "entered_on",
    "contact": "contact_assigned_on", "measures": "measure_decided_on", "visit": "last_visit_on",
    "review": "last_review_on", "next_visit": "last_visit_on", "next_review": "last_review_on",
    "elimination_nomination": "elimination_nominated_on", "elimination_check": "elimination_check_on",
    "elimination_notice": "elimination_notice_end_on",
    "elimination_township_review": "elimination_township_review_on",
    "elimination_county_approval": "elimination_county_approval_on", "eliminated": "eliminated_on",
    "close": "closed_on",
}


@frozen_result
class Step:
    key: str
    clause: str
    title: str
    status: Status
    due: date | None = None        # deadline set by the document
    earliest: date | None = None   # not allowed before this date
    done_on: date | None = None
    note: str = ""


@frozen_result
class Plan:
    assessment: Assessment
    steps: tuple[Step, ...]
    problems: tuple[Finding, ...]   # dates out of order, a notice cut short, …

    @property
    def next_step(self) -> Step | None:
        """The step to act on first: overdue or nearest deadline first, then the first open step in order."""
        open_steps = [s for s in self.steps if s.status != "已完成"]
        with_due = sorted((s for s in open_steps if s.due), key=lambda s: s.due)
        return with_due[0] if with_due else (open_steps[0] if open_steps else None)

    @property
    def overdue(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.status == "已逾期")


def step_status(due: date | None, done_on: date | None, as_of: date, due_soon_days: int) -> Status:
    if done_on is not None:
        return "已完成"
    if due is None:
        return ""
    if as_of > due:
        return "已逾期"
    return "即将到期" if (due - as_of).days <= due_soon_days else "未到期"


class _Builder:
    def __init__(self, policy: Policy, as_of: date):
        self.policy, self.as_of = policy, as_of
        self.mode = policy.deadlines.day_mode
        self.extra = policy.calendar   # statutory years the policy file adds to chinesecalendar's
        self.steps: list[Step] = []
        self.problems: list[Finding] = []

    def add(self, key: str, clause: str, *, due: date | None = None, done_on: date | None = None,
            earliest: date | None = None, note: str = "", done: bool = False) -> None:
        """`done` marks a step done when the clerk recorded it without its date."""
        if done_on and due and done_on > due:
            note = "；".join(filter(None, [note, f"逾期完成（期限 {due:%Y-%m-%d}）"]))
        status = "已完成" if done else step_status(due, done_on, self.as_of, self.policy.deadlines.due_soon_days)
        self.steps.append(Step(key=key, clause=clause, title=STEP_TITLES[key], status=status, due=due, earliest=earliest,
                               done_on=done_on, note=note))

    def order(self, clause: str, chain: list[tuple[str, date | None]]) -> None:
        """A chain step cannot precede the one before it (D2, D5)."""
        previous: tuple[str, date] | None = None
        for name, on in chain:
            if on is None:
                continue
            if previous and on < previous[1]:
                self.problems.append(Finding(level="错误", clause=clause, message=(
                    f"{clause} 程序顺序有误：“{name}”（{on:%Y-%m-%d}）早于前一步“{previous[0]}”（{previous[1]:%Y-%m-%d}），请核对日期")))
            previous = (name, on)

    def notice_run(self, start: date | None, end: date | None, days: int) -> tuple[date | None, date | None]:
        """The last day a notice posted on `start` must still run, and its end date once it ran that long."""
        full_end = notice_last_day(start, days, self.mode, self.extra) if start else None
        return full_end, end if end and full_end and end >= full_end else None

    def notice(self, clause: str, start: date | None, end: date | None, days: int, next_name: str,
               next_on: date | None) -> date | None:
        """The village notice must run its full `days` days, and the next step comes after it ends (D2, D5)."""
        if start is None:
            return None
        full_end = notice_last_day(start, days, self.mode, self.extra)
        if end is not None:
            if end < start:
                self.problems.append(Finding(level="错误", clause=clause, message=(
                    f"{clause} 公示结束日期（{end:%Y-%m-%d}）早于开始日期（{start:%Y-%m-%d}），请核对")))
            elif end < full_end:
                self.problems.append(Finding(level="错误", clause=clause, message=(
                    f"{clause} 公示不足 {days} 天：{start:%Y-%m-%d} 至 {end:%Y-%m-%d}，应至少公示至 {full_end:%Y-%m-%d}")))
        last_day = max(end or full_end, full_end)
        if next_on is not None and next_on <= last_day:
            self.problems.append(Finding(level="错误", clause=clause, message=(
                f"{clause} “{next_name}”（{next_on:%Y-%m-%d}）应在公示期满（{last_day:%Y-%m-%d}）之后")))
        return add_days(last_day, 1, "calendar")


def unreadable_date(household: Household, step: "Step") -> str | None:
    """The title of the date `step` is recorded in, when the clerk typed it so that it could not be read (text in a
    date cell): the step may well be done, so it is named as unreadable, never as not done (policy.md, D7)."""
    field = STEP_DATES.get(step.key)
    if field is None or field not in household.unreadable:
        return None
    return Household.model_fields[field].title


def exit_kind(household: Household, policy: Policy) -> str:
    """What 是否退出监测预警对象 says: "" (still followed), "eliminated" (D5 风险消除) or "closed" (D6 销号)."""
    entry = policy.lists.entry("exit_statuses", household.exit_status) if household.exit_status else None
    return entry.exit if entry else ""


def plan(household: Household, policy: Policy, as_of: date, assessment: Assessment | None = None) -> Plan:
    """Next steps for one household on `as_of` with their due dates, status and any dates out of order."""
    a = assessment or assess(household, policy, as_of)
    h, d = household, policy.deadlines
    b = _Builder(policy, as_of)
    exited = exit_kind(h, policy)

    # D1: household check within 7 days of the clue; of its publication for 上级反馈 clues.
    channel = policy.lists.entry("clue_channels", h.clue_channel) if h.clue_channel else None
    clue_start, note = h.clue_on, ""
    if channel and channel.published:
        if h.clue_published_on:
            clue_start = h.clue_published_on
        else:
            note = "上级反馈线索未填发布日期，暂按收集日期起算"
    if clue_start:
        b.add("household_check", "D1",
              due=add_days(clue_start, d.household_check_days, b.mode, b.extra), done_on=h.household_check_on, note=note)

    # D2: red/yellow identification chain, once an in-scope household is red or yellow, or already on the way.
    # Out of scope (S1 S2) it is not a 监测预警对象: its grade is for reference, no chain starts (policy.md).
    chain_dates = (h.application_on, h.notice_start_on, h.notice_end_on, h.township_review_on,
                   h.district_approval_on, h.entered_on)
    if (a.grade in ("红", "黄") and a.in_scope) or any(chain_dates):
        b.order("D2", [("入户核实", h.household_check_on), ("农户申请及承诺授权", h.application_on),
                       ("村级评议公示开始", h.notice_start_on),  # its end is checked with the notice
                       ("乡级核查研判", h.township_review_on), ("区级审定公告", h.district_approval_on),
                       ("纳入监测", h.entered_on)])
        review_from = b.notice("D2", h.notice_start_on, h.notice_end_on, d.public_notice_days, "乡级核查研判",
                               h.township_review_on)
        if h.entered_on is None:  # once entered, the chain is behind it: only its order is checked
            if not h.household_check_on and not clue_start:
                b.add("household_check", "D2")
            b.add("application", "D2", done_on=h.application_on)
            full_end, ended_on = b.notice_run(h.notice_start_on, h.notice_end_on, d.public_notice_days)
            b.add("village_notice", "D2", done_on=ended_on, earliest=full_end,
                  note=f"公示满 {d.public_notice_days} 天，至少至 {full_end:%Y-%m-%d}" if full_end else "")
            b.add("township_review", "D2", done_on=h.township_review_on, earliest=review_from)
            b.add("district_approval", "D2", done_on=h.district_approval_on)
            b.add("entry", "D2", done_on=h.entered_on)

    monitored = h.entered_on is not None and exited == ""
    # D3: contact and measures within 10 days of entry.
    if h.entered_on:
        due = add_days(h.entered_on, d.contact_and_measures_days, b.mode, b.extra)
        b.add("contact", "D3", due=due, done_on=h.contact_assigned_on, done=bool(h.contact_name),
              note="已填联系人但未填确定日期" if h.contact_name and not h.contact_assigned_on else "")
        decided = [m.decided_on for m in h.measures if m.decided_on]
        b.add("measures", "D3", due=due, done_on=min(decided, default=None),
              done=bool(h.measures),
              note="已填措施但未填明确日期" if h.measures and not decided else "")

    # D4 (monitored red/yellow) and D6 (green ledger, in scope only): a visit every month; D4 also a village review.
    followed = monitored or (exited == "" and a.grade == "绿" and a.in_scope)
    if followed:
        anchor = h.entered_on or h.household_check_on or as_of
        clause = "D4" if monitored else "D6"
        _monthly(b, "visit", clause, h.last_visit_on, anchor, d.visit_interval_months)
        if monitored:
            _monthly(b, "review", "D4", h.last_review_on, anchor, d.visit_interval_months)

    # D5: risk elimination for monitored households, from six months of stable income.
    elimination_dates = (h.elimination_nominated_on, h.elimination_check_on, h.elimination_notice_start_on,
                         h.elimination_notice_end_on, h.elimination_township_review_on,
                         h.elimination_county_approval_on, h.eliminated_on)
    if monitored or any(elimination_dates):
        _elimination(b, h, a, policy, started=any(elimination_dates))

    # D6: a green-ledger household (never entered) whose risk is gone can be closed.
    if (h.entered_on is None and exited == "" and a.grade == "无" and a.in_scope
            and (h.household_check_on or h.last_visit_on)):
        b.add("close", "D6", done_on=h.closed_on)

    return Plan(assessment=a, steps=tuple(b.steps), problems=tuple(b.problems))


def _monthly(b: _Builder, key: str, clause: str, last: date | None, anchor: date, months: int) -> None:
    """At least once a calendar month: due by the end of the month after the last one (or of the anchor's month)."""
    due = month_end(last, months) if last else month_end(anchor)
    done_this_month = last is not None and (last.year, last.month) == (b.as_of.year, b.as_of.month)
    if done_this_month:
        # this month's is done; the next one is what the clerk plans for now
        b.add(key, clause, due=due, done_on=last, note=f"下次应在 {due:%Y-%m-%d} 前")
        b.add(f"next_{key}", clause, due=due, note=f"本月已于 {last:%Y-%m-%d} 完成")
    else:
        b.add(key, clause, due=due, done_on=None,
              note=f"上次 {last:%Y-%m-%d}" if last else "尚无记录")


def _elimination(b: _Builder, h: Household, a: Assessment, policy: Policy, started: bool) -> None:
    d = policy.deadlines
    earliest = months_after(h.income_stable_since, d.stable_income_months) if h.income_stable_since else None
    still = [c.id for c in a.clauses if c.grade in ("红", "黄")]
    note = []
    if earliest is None:
        note.append("未填收入稳定起始日期")
    if still:
        note.append(f"仍有 {'、'.join(still)}，暂不具备风险消除条件")
    b.order("D5", [("收入稳定满期", earliest), ("村（居）提名", h.elimination_nominated_on),
                   ("入户核实", h.elimination_check_on), ("村级评议公示开始", h.elimination_notice_start_on),
                   ("乡级审核", h.elimination_township_review_on),
                   ("县级审定公告", h.elimination_county_approval_on), ("标注风险消除", h.eliminated_on)])
    review_from = b.notice("D5", h.elimination_notice_start_on, h.elimination_notice_end_on,
                           d.elimination_notice_days, "乡级审核", h.elimination_township_review_on)
    b.add("elimination_nomination", "D5", done_on=h.elimination_nominated_on, earliest=earliest,
          note="；".join(note + [f"收入稳定 {d.stable_income_months} 个月后"]))
    if not started:
        return  # the rest of the chain follows once the village nominates
    b.add("elimination_check", "D5", done_on=h.elimination_check_on)
    full_end, ended_on = b.notice_run(h.elimination_notice_start_on, h.elimination_notice_end_on,
                                      d.elimination_notice_days)
    b.add("elimination_notice", "D5", done_on=ended_on, earliest=full_end)
    b.add("elimination_township_review", "D5", done_on=h.elimination_township_review_on, earliest=review_from)
    b.add("elimination_county_approval", "D5", done_on=h.elimination_county_approval_on)
    b.add("eliminated", "D5", done_on=h.eliminated_on)

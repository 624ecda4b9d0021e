"""The ledger's in-cell formulas: the rulebook of `hx_excel.core` restated in Excel's language.

Every builder returns formula text for one column with "§" standing for the row number. Only the Excel 2010
function set is used (no IFS, TEXTJOIN, MAXIFS …, nothing needing `_xlfn.`), so Excel 2010+, WPS and LibreOffice
compute them. Policy numbers come from named cells on the 参数 sheet (P_LINE, P_D1 …) and value-list meanings from
named subsets on the hidden 值列表 sheet (SET_CAN_WORK …), so editing the workbook's parameters needs no new formulas.
tests/test_ledger_parity.py proves on thousands of households, recalculated by LibreOffice, that these formulas
agree with `assess` and `plan`.

Member facts are summed per household on head rows only, with one SUMIF over a packed per-row code (two decimal
digits per fact) instead of one scan per fact: a scan of the whole column from every row is what makes a large
ledger slow to recalculate.
"""

from __future__ import annotations

from typing import Callable

from hx_excel.core.clauses import CLAUSES, FACTOR_SEPARATOR, GRADING_CLAUSES, label
from hx_excel.core.workflow import STEP_TITLES

ROW = "§"

# Policy parameters: named cells on 参数 (written by hx_excel.ledger.template from the policy).
P_ASOF, P_YEAR, P_LINE, P_MARGIN = "P_ASOF", "P_YEAR", "P_LINE", "P_MARGIN"
P_AGE_MIN, P_AGE_MAX, P_ELDERLY = "P_AGE_MIN", "P_AGE_MAX", "P_ELDERLY"
P_D1, P_D2, P_D3, P_MONTHS, P_STABLE, P_ENOTICE, P_SOON = (
    "P_D1", "P_D2", "P_D3", "P_MONTHS", "P_STABLE", "P_ENOTICE", "P_SOON")
P_WORKING = "P_WORKING"
CAL_DATES, CAL_INDEX = "CAL_DATES", "CAL_INDEX"

# Member facts packed into one number per row, two decimal digits each (≤ 50 members fits; 7 × 2 = 14 digits stays
# exact in a double).
PACKED_FACTS = ("m_dropout", "m_uninsured_ill", "m_severe", "m_can_work", "m_labour_blank", "m_elderly", "m_measure")


class Refs:
    """Cell and range references on 台账 for formula text; `column_of` maps a schema key to its column letter."""

    def __init__(self, column_of: Callable[[str], str], first_row: int, last_row: int):
        self._column_of = column_of
        self.first_row, self.last_row = first_row, last_row

    def __call__(self, key: str) -> str:
        """This row's cell of column `key`: `$AB§`."""
        return f"${self._column_of(key)}{ROW}"

    def span(self, first_key: str, last_key: str) -> str:
        """This row's cells from `first_key` to `last_key`."""
        return f"{self(first_key)}:{self(last_key)}"

    def whole(self, key: str) -> str:
        """The whole data range of column `key`: `$AB$4:$AB$2003`."""
        letter = self._column_of(key)
        return f"${letter}${self.first_row}:${letter}${self.last_row}"


# ---- small pieces --------------------------------------------------------------------------------------------

def _in_set(cell: str, name: str) -> str:
    """`cell` is filled in and is one of the values of the named subset."""
    return f'AND({cell}<>"",ISNUMBER(MATCH({cell},{name},0)))'


def _yes(cell: str) -> str:
    return f'{cell}="是"'


def _no(cell: str) -> str:
    return f'{cell}="否"'


def _head(r: Refs, body: str) -> str:
    """Household results live on the head's row only."""
    return f'=IF({r("relation")}="户主",{body},"")'


def _flag(condition: str) -> str:
    return f'IF({condition},1,"")'


def _add_days(start: str, days: str) -> str:
    """D1-D5 day counts: calendar days, or statutory working days from the 日历 sheet (core.days.add_days)."""
    working = f"INDEX({CAL_DATES},MATCH(INDEX({CAL_INDEX},MATCH({start},{CAL_DATES},0))+{days},{CAL_INDEX},0))"
    return f"IF({P_WORKING},{working},{start}+{days})"


def _notice_last_day(start: str, days: str) -> str:
    """core.days.notice_last_day: the notice's start day counts."""
    return _add_days(f"({start}-1)", days)


def _member_count(r: Refs, fact: str) -> str:
    """How many of the household's members have `fact` (one of PACKED_FACTS), from the head row's packed sum."""
    place = 100 ** PACKED_FACTS.index(fact)
    packed = r("hh_members")
    return f"MOD({packed},100)" if place == 1 else f"MOD(INT({packed}/{place}),100)"


def _rigid(r: Refs) -> str:
    return f'(N({r("rigid_spending_school")})+N({r("rigid_spending_medical")})+N({r("rigid_spending_other")}))'


def _income_known(r: Refs) -> str:
    return f'ISNUMBER({r("annual_net_income")}),ISNUMBER({r("size")})'


def _not_exited(r: Refs) -> str:
    return f'NOT({_in_set(r("exit_status"), "SET_EXITED")})'


def _monitored(r: Refs) -> str:
    return f'{r("h_monitored")}=1'


def _clue_start(r: Refs) -> str:
    return r("h_clue_start")


# Raw red facts before G1's carve-out (R3-R6).
def _r3_raw(r: Refs) -> str:
    return _no(r("water_secured"))


def _r4_raw(r: Refs) -> str:
    return f'{_member_count(r, "m_dropout")}>0'


def _r5_raw(r: Refs) -> str:
    return f'{_member_count(r, "m_uninsured_ill")}>0'


def _r6_raw(r: Refs) -> str:
    return _in_set(r("house_grade"), "SET_UNSAFE_HOUSE")


def _clause_condition(r: Refs, clause_id: str) -> str:
    """core.grading.assess, clause by clause (see its comments for the decisions)."""
    income, size, line = r("annual_net_income"), r("size"), P_LINE
    carved = f'{r("flag_G1")}<>1'
    return {
        "R1": f"AND({_income_known(r)},{income}<{line}*{size})",
        "R2": _no(r("food_clothing_secured")),
        "R3": f"AND({_r3_raw(r)},{carved})",
        "R4": f"AND({_r4_raw(r)},{carved})",
        "R5": f"AND({_r5_raw(r)},{carved})",
        "R6": f"AND({_r6_raw(r)},{carved})",
        "R7": (f'AND({_member_count(r, "m_can_work")}=0,{_member_count(r, "m_labour_blank")}=0,'
               f'{r("has_dibao")}<>"是")'),
        "Y1": f"AND({_income_known(r)},{income}>={line}*{size},{income}-{_rigid(r)}<{line}*{size})",
        "Y2": _yes(r("sharp_income_fall")),
        "G1": (f"AND(OR({_r3_raw(r)},{_r4_raw(r)},{_r5_raw(r)},{_r6_raw(r)}),{_yes(r('can_self_resolve'))},"
               f"{_income_known(r)},{income}-{_rigid(r)}>={P_MARGIN}*{line}*{size})"),
        "G2": f'OR({_yes(r("poor_hygiene"))},{_in_set(r("access_road"), "SET_POOR_ROAD")},{_no(r("sanitary_toilet"))})',
        "G3": _yes(r("subsidies_undelivered")),
        "G4": (f'AND(OR({_yes(r("files_incomplete"))},{_yes(r("low_policy_awareness"))}),'
               f'{_in_set(r("household_type"), "SET_S1_TYPES")})'),
    }[clause_id]


def clause_flag(clause_id: str) -> Callable[[Refs], str]:
    def build(r: Refs) -> str:
        return _head(r, _flag(_clause_condition(r, clause_id)))
    build.__name__ = f"flag_{clause_id}"
    return build


def _flags_of(r: Refs, grade: str) -> str:
    ids = [c for c in GRADING_CLAUSES if CLAUSES[c].grade == grade]
    return r.span(f"flag_{ids[0]}", f"flag_{ids[-1]}")


# ---- official columns ----------------------------------------------------------------------------------------

def seq(r: Refs) -> str:
    return f'=IF(AND({r("name")}="",{r("household_id")}=""),"",ROW()-{r.first_row - 1})'


def grade(r: Refs) -> str:
    """Precedence red > yellow > green > none (policy.md, Decisions)."""
    return _head(r, f'IF(SUM({_flags_of(r, "红")})>0,"红",IF(SUM({_flags_of(r, "黄")})>0,"黄",'
                    f'IF(SUM({_flags_of(r, "绿")})>0,"绿","无")))')


def factors(r: Refs) -> str:
    """core.clauses.factor_text: every clause that holds, with its label."""
    parts = "&".join(f'IF({r(f"flag_{c}")}=1,"{FACTOR_SEPARATOR}{label(c)}","")' for c in GRADING_CLAUSES)
    return _head(r, f"MID({parts},{len(FACTOR_SEPARATOR) + 1},999)")


# ---- member facts (every row) --------------------------------------------------------------------------------

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # GB 11643, as core.id_number


def _birth(id_cell: str) -> str:
    return f"DATE(MID({id_cell},7,4),MID({id_cell},11,2),MID({id_cell},13,2))"


def m_id(r: Refs) -> str:
    """core.id_number.compact, for what clerks type: spaces, full-width spaces and hyphens out, x upper-cased."""
    return f'=UPPER(SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(TRIM({r("id_number")})," ",""),"　",""),"-",""))'


def m_id_ok(r: Refs) -> str:
    """core.id_number.validate (GB 11643): 18 characters, 17 digits, a real birth date 1900..as-of, check char."""
    i = r("m_id")
    # A non-digit among the first 17 makes its MID()*weight a #VALUE! error, and IFERROR makes the number invalid:
    # the digit check and the weighted sum in one, without array arithmetic (several times faster to recalculate).
    weighted = "+".join(f"MID({i},{position},1)*{weight}" for position, weight in enumerate(_WEIGHTS, start=1))
    check = f'MID("10X98765432",MOD({weighted},11)+1,1)=RIGHT({i},1)'
    b = _birth(i)
    real_date = (f"YEAR({b})=--MID({i},7,4),MONTH({b})=--MID({i},11,2),DAY({b})=--MID({i},13,2),"
                 f"{b}>=DATE(1900,1,1),{b}<={P_ASOF}")
    return f"=IF(LEN({i})<>18,0,IFERROR(IF(AND({real_date},{check}),1,0),0))"


def age(r: Refs) -> str:
    """core.id_number.age_on: completed years on the as-of date (29 Feb birthdays fall on 1 Mar)."""
    b = _birth(r("m_id"))
    return (f'=IF({r("m_id_ok")}=1,YEAR({P_ASOF})-YEAR({b})'
            f'-IF(DATE(YEAR({P_ASOF}),MONTH({b}),DAY({b}))>{P_ASOF},1,0),"")')


def sex(r: Refs) -> str:
    return f'=IF({r("m_id_ok")}=1,IF(MOD(--MID({r("m_id")},17,1),2)=1,"男","女"),"")'


def m_dropout(r: Refs) -> str:
    """R4: out of school at compulsory-school age."""
    a = r("age")
    return (f'=IF(AND({a}<>"",{_in_set(r("school"), "SET_OUT_OF_SCHOOL")},{a}>={P_AGE_MIN},{a}<={P_AGE_MAX}),1,0)')


def _severe(r: Refs) -> str:
    return f'OR({_in_set(r("health"), "SET_SERIOUS_HEALTH")},{_in_set(r("disability"), "SET_SEVERE_DISABILITY")})'


def m_uninsured_ill(r: Refs) -> str:
    """R5: seriously ill or severely disabled, and not in basic medical insurance."""
    return f'=IF(AND({_no(r("insured"))},{_severe(r)}),1,0)'


def m_severe(r: Refs) -> str:
    """S2: 重度残疾人家庭 / 大病患者家庭."""
    return f"=IF({_severe(r)},1,0)"


def m_can_work(r: Refs) -> str:
    return f'=IF({_in_set(r("labour"), "SET_CAN_WORK")},1,0)'


def m_labour_blank(r: Refs) -> str:
    return f'=IF({r("labour")}="",1,0)'


def m_elderly(r: Refs) -> str:
    return f'=IF(AND({r("age")}<>"",{r("age")}>={P_ELDERLY}),1,0)'


def m_code(r: Refs) -> str:
    """This row's member facts packed two decimal digits each, in PACKED_FACTS order."""
    measure = f'IF(OR({r("measure_text")}<>"",{r("measure_category")}<>""),1,0)'
    terms = [measure if key == "m_measure" else r(key) for key in PACKED_FACTS]
    return "=" + "+".join(term if i == 0 else f"{term}*{100 ** i}" for i, term in enumerate(terms))


def hh_members(r: Refs) -> str:
    """One SUMIF per household of the packed member facts (see PACKED_FACTS)."""
    return _head(r, f'SUMIF({r.whole("household_id")},{r("household_id")},{r.whole("m_code")})')


def m_people(r: Refs) -> str:
    """1 per person plus 100 per head, so one SUMIF gives a household's size and its number of heads."""
    return f'=IF({r("household_id")}="",0,1+IF({r("relation")}="户主",100,0))'


def hh_people(r: Refs) -> str:
    return _head(r, f'IF({r("household_id")}="","",SUMIF({r.whole("household_id")},{r("household_id")},'
                    f'{r.whole("m_people")}))')


def head_key(r: Refs) -> str:
    return f'=IF({r("relation")}="户主",{r("household_id")},"")'


def m_head_at(r: Refs) -> str:
    """Position of this row's household head in the data range (an exact MATCH: cheap, unlike a scan per fact)."""
    return (f'=IF({r("household_id")}="","",IF({r("relation")}="户主",ROW()-{r.first_row - 1},'
            f'IFERROR(MATCH({r("household_id")},{r.whole("head_key")},0),"")))')


def m_dup_at(r: Refs) -> str:
    """Position of the first row with this ID number. MATCH compares the text exactly: no COUNTIF 15-digit trap."""
    return f'=IF({r("m_id")}="","",MATCH({r("m_id")},{r.whole("m_id")},0))'


# ---- household results (head rows) ---------------------------------------------------------------------------

def size(r: Refs) -> str:
    return _head(r, f'IF({r("hh_people")}="","",MOD({r("hh_people")},100))')


def income_per_head(r: Refs) -> str:
    return _head(r, f'IF(AND({_income_known(r)}),{r("annual_net_income")}/{r("size")},"")')


def after_rigid_per_head(r: Refs) -> str:
    return _head(r, f'IF(AND({_income_known(r)}),({r("annual_net_income")}-{_rigid(r)})/{r("size")},"")')


def category(r: Refs) -> str:
    g = r("grade")
    exited_poverty = _in_set(r("household_type"), "SET_EXITED_POVERTY")
    return _head(r, f'IF({g}="红",IF({exited_poverty},"脱贫不稳定户","边缘易致贫户"),'
                    f'IF({g}="黄","突发严重困难户",IF({g}="绿","绿色预警台账","")))')


def scope(r: Refs) -> str:
    """S1 建档立卡户; S2 the key groups of 二, including facts the members show."""
    s1 = _in_set(r("household_type"), "SET_S1_TYPES")
    elderly_only = f'{_member_count(r, "m_elderly")}={r("size")}'
    s2 = (f'OR({_in_set(r("household_type"), "SET_S2_TYPES")},{_yes(r("has_dibao"))},{_r6_raw(r)},{elderly_only},'
          f'{_member_count(r, "m_severe")}>0,{r("flag_Y1")}=1,{r("flag_Y2")}=1)')
    return _head(r, f'IF({s1},IF({s2},"S1 S2","S1"),IF({s2},"S2","不在范围"))')


def d1_due(r: Refs) -> str:
    start = _clue_start(r)
    return _head(r, f'IF(ISNUMBER({start}),{_add_days(start, P_D1)},"")')


def notice_full_end(r: Refs) -> str:
    start = r("notice_start_on")
    return _head(r, f'IF({start}="","",{_notice_last_day(start, P_D2)})')


def d3_due(r: Refs) -> str:
    entered = r("entered_on")
    return _head(r, f'IF({entered}="","",{_add_days(entered, P_D3)})')


def _followed(r: Refs) -> str:
    """D4 monitored households and D6 green-ledger households get a visit every month."""
    return f'OR({_monitored(r)},AND({_not_exited(r)},{r("grade")}="绿"))'


def _monthly_due(r: Refs, last_key: str) -> str:
    """core.workflow._monthly: the end of the month after the last one, or of the anchor's month."""
    last = r(last_key)
    anchor = f'IF({r("entered_on")}<>"",{r("entered_on")},IF({r("household_check_on")}<>"",{r("household_check_on")},{P_ASOF}))'
    return f'IF({last}<>"",EOMONTH({last},{P_MONTHS}),EOMONTH({anchor},0))'


def _done_this_month(cell: str) -> str:
    return f'AND({cell}<>"",YEAR({cell})=YEAR({P_ASOF}),MONTH({cell})=MONTH({P_ASOF}))'


def visit_due(r: Refs) -> str:
    return _head(r, f'IF({_followed(r)},{_monthly_due(r, "last_visit_on")},"")')


def _elimination_started(r: Refs) -> str:
    return f'{r("h_elim_started")}=1'


def elimination_earliest(r: Refs) -> str:
    """D5: six months of stable income (EDATE clamps to the month's end like core.days.months_after)."""
    stable = r("income_stable_since")
    active = f"OR({_monitored(r)},{_elimination_started(r)})"
    return _head(r, f'IF(AND({stable}<>"",{active}),EDATE({stable},{P_STABLE}),"")')


# Dated steps still open, one hidden column each, in core.workflow's step order; the next step is the earliest.
def due_d1_open(r: Refs) -> str:
    return _head(r, f'IF(AND({r("d1_due")}<>"",{r("household_check_on")}=""),{r("d1_due")},"")')


def due_contact_open(r: Refs) -> str:
    return _head(r, f'IF(AND({r("d3_due")}<>"",{r("contact_assigned_on")}="",{r("contact_name")}=""),{r("d3_due")},"")')


def due_measures_open(r: Refs) -> str:
    return _head(r, f'IF(AND({r("d3_due")}<>"",{_member_count(r, "m_measure")}=0),{r("d3_due")},"")')


def due_visit_open(r: Refs) -> str:
    return _head(r, f'IF(AND({r("visit_due")}<>"",NOT({_done_this_month(r("last_visit_on"))})),{r("visit_due")},"")')


def due_review_open(r: Refs) -> str:
    return _head(r, f'IF(AND({_monitored(r)},NOT({_done_this_month(r("last_review_on"))})),'
                    f'{_monthly_due(r, "last_review_on")},"")')


# Workflow states used by several columns, one hidden helper cell each (core.workflow.plan's conditions).
def h_clue_start(r: Refs) -> str:
    """D1 counts from publication for 上级反馈 clues, from collection otherwise."""
    published = _in_set(r("clue_channel"), "SET_PUBLISHED_CLUE")
    pub, clue = r("clue_published_on"), r("clue_on")
    return _head(r, f'IF(AND({published},ISNUMBER({pub})),{pub},IF(ISNUMBER({clue}),{clue},""))')


def h_monitored(r: Refs) -> str:
    """Entered into the national system and not exited (D3-D5)."""
    return _head(r, f'IF(AND({r("entered_on")}<>"",{_not_exited(r)}),1,0)')


def h_chain(r: Refs) -> str:
    """D2: the identification chain is under way (red or yellow, or begun) and the household not yet entered."""
    return _head(r, f'IF(AND(OR({r("grade")}="红",{r("grade")}="黄",COUNT({r.span("application_on", "entered_on")})>0),'
                    f'{r("entered_on")}=""),1,0)')


def h_notice_done(r: Refs) -> str:
    """D2: the village notice ran its full days."""
    end, full_end = r("notice_end_on"), r("notice_full_end")
    return _head(r, f"IF(AND(ISNUMBER({end}),ISNUMBER({full_end})),IF({end}>={full_end},1,0),0)")


def h_elim_started(r: Refs) -> str:
    """D5: some step of the risk-elimination chain has a date."""
    return _head(r, f'IF(COUNT({r.span("elimination_nominated_on", "eliminated_on")})>0,1,0)')


def h_e_notice_done(r: Refs) -> str:
    """D5: the elimination notice ran its full days. Nested IF: Excel evaluates every AND argument, and a
    working-day lookup of a blank date is an error."""
    start, end = r("elimination_notice_start_on"), r("elimination_notice_end_on")
    return _head(r, f"IF(AND(ISNUMBER({end}),ISNUMBER({start})),IF({end}>={_notice_last_day(start, P_ENOTICE)},1,0),0)")


DATED_STEPS = (  # (helper column, step key, clause or formula giving it)
    ("due_d1_open", "household_check", '"D1"'),
    ("due_contact_open", "contact", '"D3"'),
    ("due_measures_open", "measures", '"D3"'),
    ("due_visit_open", "visit", None),
    ("due_review_open", "review", '"D4"'),
)


def next_due(r: Refs) -> str:
    span = r.span(DATED_STEPS[0][0], DATED_STEPS[-1][0])
    return _head(r, f'IF(COUNT({span})>0,MIN({span}),"")')


def next_step(r: Refs) -> str:
    """core.workflow.Plan.next_step: the open step with the earliest deadline, else the first open step in order."""
    due = r("next_due")
    visit_clause = f'IF({_monitored(r)},"D4","D6")'
    text = '""'
    # Undated steps, innermost last: built from the end so the first open step wins.
    chain = f'{r("h_chain")}=1'
    notice_done = f'{r("h_notice_done")}=1'
    e_notice_done = f'{r("h_e_notice_done")}=1'
    started = _elimination_started(r)
    close = (f'AND({r("entered_on")}="",{_not_exited(r)},{r("grade")}="无",'
             f'OR({r("household_check_on")}<>"",{r("last_visit_on")}<>""),{r("closed_on")}="")')
    undated = [
        (f'AND({chain},{r("household_check_on")}="",{_clue_start(r)}="")', "D2", "household_check"),
        (f'AND({chain},{r("application_on")}="")', "D2", "application"),
        (f"AND({chain},NOT({notice_done}))", "D2", "village_notice"),
        (f'AND({chain},{r("township_review_on")}="")', "D2", "township_review"),
        (f'AND({chain},{r("district_approval_on")}="")', "D2", "district_approval"),
        (chain, "D2", "entry"),
        (f'AND(OR({_monitored(r)},{started}),{r("elimination_nominated_on")}="")', "D5", "elimination_nomination"),
        (f'AND({started},{r("elimination_check_on")}="")', "D5", "elimination_check"),
        (f"AND({started},NOT({e_notice_done}))", "D5", "elimination_notice"),
        (f'AND({started},{r("elimination_township_review_on")}="")', "D5", "elimination_township_review"),
        (f'AND({started},{r("elimination_county_approval_on")}="")', "D5", "elimination_county_approval"),
        (f'AND({started},{r("eliminated_on")}="")', "D5", "eliminated"),
        (close, "D6", "close"),
    ]
    for condition, clause, key in reversed(undated):
        text = f'IF({condition},"{clause} {STEP_TITLES[key]}",{text})'
    dated = text
    for column, key, clause in reversed(DATED_STEPS):
        label_text = (f'{visit_clause}&" {STEP_TITLES[key]}"' if clause is None
                      else f'"{clause[1:-1]} {STEP_TITLES[key]}"')
        dated = f'IF({r(column)}={due},{label_text},{dated})'
    return _head(r, f'IF({due}<>"",{dated},{text})')


def next_status(r: Refs) -> str:
    """core.workflow.step_status."""
    due = r("next_due")
    return _head(r, f'IF({r("next_step")}="","",IF({due}="","未到期",IF({P_ASOF}>{due},"已逾期",'
                    f'IF({due}-{P_ASOF}<={P_SOON},"即将到期","未到期"))))')


# ---- row checks ----------------------------------------------------------------------------------------------

def _out_of_order(r: Refs, keys: list[str], first: str | None = None) -> str:
    """Some filled date comes before the latest filled date ahead of it in the chain (core.workflow order; a
    notice's end is checked with the notice)."""
    cells = ([first] if first else []) + [r(k) for k in keys]
    tests = [f'AND(ISNUMBER({cells[i]}),{cells[i]}<MAX({",".join(cells[:i])}))' for i in range(1, len(cells))]
    return f"OR({','.join(tests)})"


def _notice_problems(r: Refs, clause: str, start_key: str, end_key: str, next_key: str, days: str,
                     full_end: str) -> list[tuple[str, str]]:
    start, end, following = r(start_key), r(end_key), r(next_key)
    both = f"AND(ISNUMBER({start}),ISNUMBER({end}))"
    # `full_end` may be a working-day lookup, an error for a blank start: only reached once the dates are there.
    return [
        (f"AND({both},{end}<{start})", f"{clause} 公示结束早于开始"),
        (f"IF({both},AND({end}>={start},{end}<{full_end}),FALSE)", f'"；{clause} 公示不足"&{days}&"天"'),
        (f"IF(AND(ISNUMBER({start}),ISNUMBER({following})),{following}<=MAX({end},{full_end}),FALSE)",
         f"{clause} 下一步应在公示期满之后"),
    ]


def _has_text(span: str) -> str:
    """Some cell of an input span holds text (COUNTA counts values, COUNT numbers and dates): cheaper than an array."""
    return f"COUNTA({span})>COUNT({span})"


def _messages(checks: list[tuple[str, str]]) -> str:
    """Each message whose condition holds, each led by "；". A message is plain text, or an Excel text expression
    when it starts with a quote."""
    return "&".join(f'IF({condition},{message if message.startswith(chr(34)) else chr(34) + "；" + message + chr(34)},"")'
                    for condition, message in checks)


def row_check(r: Refs) -> str:
    """What to fix on this row, in Chinese; blank when nothing was found. Household checks run on head rows only."""
    ident = r("m_id")
    position = f"(ROW()-{r.first_row - 1})"
    head_sex = f'IFERROR(INDEX({r.whole("sex")},{r("m_head_at")}),"")'
    every_row = [
        (f'{r("household_id")}=""', "户编号未填"),
        (f'{r("name")}=""', "姓名未填"),
        (f'{r("relation")}=""', "与户主关系未填"),
        (f'{r("id_number")}=""', "身份证号未填"),
        (f'AND({ident}<>"",{r("m_id_ok")}=0,LEN({ident})=15)', "身份证号为旧 15 位，请换成 18 位"),
        (f'AND({ident}<>"",{r("m_id_ok")}=0,LEN({ident})<>15)', "身份证号有误（位数、出生日期或校验码）"),
        (f'AND({r("m_dup_at")}<>"",{r("m_dup_at")}<{position})',
         f'"；身份证号与第 "&({r("m_dup_at")}+{r.first_row - 1})&" 行重复"'),
        (f'{r("labour")}=""', "劳动技能未填"),
        (f'AND({r("household_id")}<>"",{r("m_head_at")}="")', "本户没有户主行（户信息填在户主行）"),
        (f'AND({r("sex")}<>"",OR(AND({_in_set(r("relation"), "SET_MALE_RELATIONS")},{r("sex")}="女"),'
         f'AND({_in_set(r("relation"), "SET_FEMALE_RELATIONS")},{r("sex")}="男")))', "与户主关系与身份证性别不符"),
        (f'AND({r("sex")}<>"",{_in_set(r("relation"), "SET_SPOUSE_RELATIONS")},{head_sex}={r("sex")})',
         "配偶与户主性别相同"),
        # the date columns of 线索与流程 are contiguous, from 措施明确日期 to 绿色销号日期
        (f'OR({_has_text(r.span("measure_decided_on", "closed_on"))},ISTEXT({r("measure_completed_on")}))',
         "日期列中有文字，请按 2022-07-15 的格式输入日期"),
        (f'AND({r("measure_text")}<>"",{r("measure_category")}="")', "措施类别未填"),
    ]
    head_rows = [
        (f'INT(N({r("hh_people")})/100)>1', "本户有多名户主"),
        (f'{r("household_type")}=""', "户类型未填"),
        (f'{r("annual_net_income")}=""', "家庭年纯收入未填"),
        (_has_text(r.span("annual_net_income", "rigid_spending_other")), "收入或刚性支出不是数字"),
        (f'OR({r("food_clothing_secured")}="",{r("water_secured")}="")', "吃穿、饮水是否有保障未填"),
        (_out_of_order(r, ["household_check_on", "application_on", "notice_start_on", "township_review_on",
                           "district_approval_on", "entered_on"]), "D2 识别程序日期顺序有误"),
        *_notice_problems(r, "D2", "notice_start_on", "notice_end_on", "township_review_on", P_D2,
                          r("notice_full_end")),
        (_out_of_order(r, ["elimination_nominated_on", "elimination_check_on", "elimination_notice_start_on",
                           "elimination_township_review_on", "elimination_county_approval_on", "eliminated_on"],
                       first=r("elimination_earliest")), "D5 风险消除程序日期顺序有误"),
        *_notice_problems(r, "D5", "elimination_notice_start_on", "elimination_notice_end_on",
                          "elimination_township_review_on", P_ENOTICE,
                          _notice_last_day(r("elimination_notice_start_on"), P_ENOTICE)),
    ]
    text = f'{_messages(every_row)}&IF({r("relation")}="户主",{_messages(head_rows)},"")'
    unused = f'({r("name")}&{r("id_number")}&{r("household_id")}&{r("relation")})=""'
    return f'=IF({unused},"",MID({text},2,999))'


# ---- the value-list meanings the formulas look up -----------------------------------------------------------------
# Each named subset on 值列表 is the formula face of one semantic flag in the policy's value lists.
SETS: dict[str, tuple[str, Callable[[object], bool]]] = {
    "SET_OUT_OF_SCHOOL": ("school", lambda e: e.out_of_school),              # R4
    "SET_SERIOUS_HEALTH": ("health", lambda e: e.serious),                   # R5
    "SET_SEVERE_DISABILITY": ("disability", lambda e: e.severe),             # R5
    "SET_CAN_WORK": ("labour", lambda e: e.can_work),                        # R7
    "SET_UNSAFE_HOUSE": ("house_grades", lambda e: e.unsafe),                # R6
    "SET_POOR_ROAD": ("access_roads", lambda e: e.poor),                     # G2
    "SET_PUBLISHED_CLUE": ("clue_channels", lambda e: e.published),          # D1
    "SET_S1_TYPES": ("household_types", lambda e: e.scope == "S1"),          # S1, G4
    "SET_S2_TYPES": ("household_types", lambda e: e.scope == "S2"),          # S2
    "SET_EXITED_POVERTY": ("household_types", lambda e: e.exited_poverty),   # 脱贫不稳定户 vs 边缘易致贫户
    "SET_EXITED": ("exit_statuses", lambda e: e.exit != ""),                 # D4 D5 D6
    "SET_MALE_RELATIONS": ("relations", lambda e: e.sex == "男"),
    "SET_FEMALE_RELATIONS": ("relations", lambda e: e.sex == "女"),
    "SET_SPOUSE_RELATIONS": ("relations", lambda e: e.sex == "异"),
}

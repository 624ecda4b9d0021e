"""The ledger's in-cell formulas: the rulebook of `hx_excel.core` restated in Excel's language.

Every builder returns formula text for one column with "§" standing for the row number; the template stores it once,
as the defined name `column_name(key)` (F_GRADE …), and each cell of the column holds =F_GRADE. Only the Excel 2010
function set is used (no IFS, TEXTJOIN, MAXIFS …, nothing needing `_xlfn.`), so Excel 2010+, WPS and LibreOffice
compute them. Policy numbers come from named cells on the 参数 sheet (P_LINE, P_D1 …) and value-list meanings from
named subsets on the hidden 值列表 sheet (SET_CANNOT_WORK …), so editing the workbook's parameters needs no new formulas.
tests/test_ledger_parity.py proves on thousands of households, recalculated by LibreOffice, that these formulas
agree with `assess` and `plan`.

Member facts are summed per household on head rows only, with one SUMPRODUCT over a packed per-row code (two
decimal digits per fact) in the household's window instead of one scan per fact: a scan of the whole column from every row is what makes a large
ledger slow to recalculate. Clause conditions are computed once, into the ids of the clauses that hold (`clauses`),
from which the grade and the official 监测预警因素 text are read. benchmarks/bench_recalc.py measures what the formulas
cost LibreOffice; its README says why they are written the way they are.
"""

from __future__ import annotations

import re
from typing import Callable

from openpyxl.utils import column_index_from_string as column_number

from hx_excel.core.clauses import (CATEGORIES, CERTAIN_RED, EXITED_RED, GREEN_CATEGORY, OTHER_RED, YELLOW_CATEGORY,
                                    CLAUSES, FACTOR_SEPARATOR, GRADING_CLAUSES, INCOMPLETE,
                                   MISSING_SEPARATOR, label)
from hx_excel.core.grading import MEMBER_GRADING_FACTS, YELLOW_WITHOUT_WORK
from hx_excel.core.models import Household, Member
from hx_excel.core.workflow import STEP_TITLES

ROW = "§"
P_LINE_TITLE = "标准线（“参数”表的核算年度没有）"


def _title(field: str) -> str:
    """A household fact's Chinese title, as the core names it (core.grading.missing_facts)."""
    return Household.model_fields[field].title


def _member_title(field: str) -> str:
    return Member.model_fields[field].title

# Policy parameters: named cells on 参数 (written by hx_excel.ledger.template from the policy).
P_ASOF, P_YEAR, P_LINE, P_MARGIN = "P_ASOF", "P_YEAR", "P_LINE", "P_MARGIN"
P_AGE_MIN, P_AGE_MAX, P_ELDERLY = "P_AGE_MIN", "P_AGE_MAX", "P_ELDERLY"
P_D1, P_D2, P_D3, P_MONTHS, P_STABLE, P_ENOTICE, P_SOON = (
    "P_D1", "P_D2", "P_D3", "P_MONTHS", "P_STABLE", "P_ENOTICE", "P_SOON")
P_WORKING = "P_WORKING"
CAL_DATES, CAL_INDEX, CAL_LAST = "CAL_DATES", "CAL_INDEX", "CAL_LAST"
CALENDAR_MARGIN = 30   # working-day deadlines reach at most this many calendar days past their start (D1-D5)

# Member facts packed into one number per row (see `m_code`), in this order, two decimal digits each; the number of
# heads goes last, above the others, where a count of 10 or more cannot spill into a neighbour. The largest sum
# (99 of every fact, 90 heads) stays below 2**53, so the doubles Excel and LibreOffice compute with hold it exactly.
PACKED_FACTS = ("m_dropout", "m_uninsured_ill", "m_severe", "m_labour_or_blank", "m_elderly", "m_measure",
                "m_person", "m_head")

# A household's rows stand together with its head first (as 填表说明 asks), and it has at most this many rows: the head
# row reads its household through a window of this many rows below it instead of scanning the whole sheet, so that
# typing one cell recalculates a few dozen cells, not every household (benchmarks/bench_edit.py). A household running
# past the window, a member row away from its household and a head row below its members are row-check messages.
HOUSEHOLD_ROWS = 20

# Filled into a named subset on 值列表 that the policy leaves empty, so `_in_set` needs no blank test: a value list's
# data validation never lets a clerk type it.
EMPTY_SET = "（空）"


class Refs:
    """Cell and range references on 台账 for formula text; `column_of` maps a schema key to its column letter.
    With `sheet` every reference names the sheet, as a defined name's formula must (`'台账'!$AB§`)."""

    def __init__(self, column_of: Callable[[str], str], first_row: int, last_row: int, sheet: str = ""):
        self._column_of = column_of
        self.first_row, self.last_row = first_row, last_row
        self._sheet = f"{sheet}!" if sheet else ""

    def __call__(self, key: str, offset: int = 0) -> str:
        """This row's cell of column `key`: `$AB§`; with `offset`, the cell that many rows below (or above):
        `$AB§[+3]` (brackets, so that "§-1" stays arithmetic on this row's value)."""
        return f"{self._sheet}${self._column_of(key)}{ROW}" + (f"[{offset:+d}]" if offset else "")

    def window(self, key: str) -> str:
        """Column `key` from this row down through HOUSEHOLD_ROWS rows: a household read from its head row."""
        return f"{self(key)}:{self(key, HOUSEHOLD_ROWS - 1).removeprefix(self._sheet)}"

    def window_above(self, key: str) -> str:
        """Column `key` from HOUSEHOLD_ROWS - 1 rows above down to this row, never above the first data row: where a
        member row finds its head. Only for formulas written in each cell (a defined name cannot reach rows above
        the one it is used from); `at_row` clamps the top."""
        letter = self._column_of(key)
        return f"{self._sheet}${letter}{ROW}[-{HOUSEHOLD_ROWS - 1}^{self.first_row}]:${letter}{ROW}"

    def below(self, key: str) -> str:
        """Column `key` from the next row to the end of the data range."""
        return f"{self(key, 1)}:${self._column_of(key)}${self.last_row + 1}"

    def span(self, first_key: str, last_key: str) -> str:
        """This row's cells from `first_key` to `last_key`."""
        return f"{self(first_key)}:${self._column_of(last_key)}{ROW}"

    def whole(self, key: str) -> str:
        """The whole data range of column `key`: `$AB$4:$AB$2003`."""
        letter = self._column_of(key)
        return f"{self._sheet}${letter}${self.first_row}:${letter}${self.last_row}"

    def cells(self, keys: list[str]) -> str:
        """This row's cells of `keys`, neighbouring columns joined into one range: `$AS§:$AU§,$AW§`."""
        numbers = [column_number(self._column_of(k)) for k in keys]
        runs: list[list[str]] = []
        for key, number in zip(keys, numbers):
            if runs and column_number(self._column_of(runs[-1][-1])) == number - 1:
                runs[-1].append(key)
            else:
                runs.append([key])
        return ",".join(self(run[0]) if len(run) == 1 else self.span(run[0], run[-1]) for run in runs)


_ROW_AT = re.compile(f"{ROW}(?:\\[([+-]\\d+)(?:\\^(\\d+))?\\])?")


def at_row(text: str, row: int) -> str:
    """Formula text with "§" (and "§[+n]", "§[-n]") made row `row` (and n rows below or above); "§[-n^f]" is n rows
    above but not above row f (`Refs.window_above`)."""
    def place(m: re.Match) -> str:
        at = row + int(m.group(1) or 0)
        return str(max(at, int(m.group(2))) if m.group(2) else at)
    return _ROW_AT.sub(place, text)


def clamped_rows(text: str) -> int:
    """How many rows from the first data row down write `text` differently because a window above is clamped
    there: these cannot share one formula with the rows below them."""
    reaches = [int(m.group(1)) for m in _ROW_AT.finditer(text) if m.group(2)]
    return -min(reaches) if reaches else 0


def column_name(key: str) -> str:
    """The defined name holding computed column `key`'s formula (see hx_excel.ledger.template): F_GRADE."""
    return f"F_{key.upper()}"


# ---- small pieces --------------------------------------------------------------------------------------------
# Formula text is what LibreOffice parses, stores, evaluates and writes back for every row of a large ledger, so the
# pieces say each thing once: conditions are computed once into a helper cell when several columns need them, and
# booleans are added and multiplied (TRUE counts 1) rather than wrapped in IF(…,1,0).

# Typed values are compared trimmed, as the reader reads them: a value pasted with a trailing space ("户主 ") must not
# break a household.
# Membership is a search in the list's values joined into one text ("¦a¦b¦", <name>_TEXT on 值列表): FIND compares
# characters, where MATCH on text compares through the locale's collation, which made the row checks' many
# membership tests LibreOffice's slowest formulas (benchmarks/README.md, bench_recalc run 14).
SEP = "¦"


def _found(cell: str, name: str) -> str:
    return f'FIND("{SEP}"&TRIM({cell})&"{SEP}",{name}_TEXT)'


def _in_set(cell: str, name: str) -> str:
    """`cell` is one of the values of the named subset (a blank cell is in no subset: see EMPTY_SET)."""
    return f"ISNUMBER({_found(cell, name)})"


def _yes(cell: str) -> str:
    return f'TRIM({cell})="是"'


def _no(cell: str) -> str:
    return f'TRIM({cell})="否"'


def _off_list(cell: str, name: str) -> str:
    """Something is typed, and it is not on the named list."""
    return f'AND(TRIM({cell})<>"",ISERROR({_found(cell, name)}))'


def _head(r: Refs, body: str) -> str:
    """Household results live on the head's row only."""
    return f'=IF({r("is_head")}=1,{body},"")'


def _add_days(start: str, days: str) -> str:
    """D1-D5 day counts: calendar days, or statutory working days from the 日历 sheet (core.days.add_days)."""
    working = f"INDEX({CAL_DATES},MATCH(INDEX({CAL_INDEX},MATCH({start},{CAL_DATES},0))+{days},{CAL_INDEX},0))"
    return f"IF({P_WORKING},{working},{start}+{days})"


def _notice_last_day(start: str, days: str) -> str:
    """core.days.notice_last_day: the notice's start day counts."""
    return _add_days(f"({start}-1)", days)


def _digits(number: str, place: int, top: bool = False) -> str:
    """Two decimal digits of `number` from 10**place (all digits from there when `top`). INT arithmetic instead of
    MOD, which older Excel refuses (#NUM!) on quotients past 2**27."""
    shifted = f"INT({number}/1E{place})" if place else f"INT({number})"
    return shifted if top else f"{shifted}-100*INT({number}/1E{place + 2})"


def _member_count(r: Refs, fact: str) -> str:
    """How many of the household's members have `fact` (one of PACKED_FACTS), from the head row's packed sum."""
    index = PACKED_FACTS.index(fact)
    return _digits(r("hh_members"), 2 * index, top=index == len(PACKED_FACTS) - 1)


def _rigid(r: Refs) -> str:
    return f'(N({r("rigid_spending_school")})+N({r("rigid_spending_medical")})+N({r("rigid_spending_other")}))'


def _income_known(r: Refs) -> str:
    return f'AND(ISNUMBER({r("annual_net_income")}),ISNUMBER({r("size")}))'


def _if_income(r: Refs, condition: str) -> str:
    """`condition` on the income, where income and size are numbers (text in the cell is no error: the household is
    待补充); a 核算年度 without a line counts as 0 and leaves the household 待补充 too."""
    return f"IF({_income_known(r)},{condition},FALSE)"


LINE = f"N({P_LINE})"


def _not_exited(r: Refs) -> str:
    return f'NOT({_in_set(r("exit_status"), "SET_EXITED")})'


def _monitored(r: Refs) -> str:
    return f'{r("h_monitored")}=1'


def _elimination_started(r: Refs) -> str:
    return f'{r("h_elim_started")}=1'


def _s1(r: Refs) -> str:
    """S1 建档立卡户: a registered type, or a household already entered into monitoring (core.grading._scope)."""
    return f'OR({_in_set(r("household_type"), "SET_S1_TYPES")},ISNUMBER({r("entered_on")}))'


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
    """core.grading.assess, clause by clause (see its comments for the decisions). R3-R6 leave out G1's carve-out,
    which `clauses` applies to the four at once."""
    income, size, line = r("annual_net_income"), r("size"), LINE
    return {
        "R1": _if_income(r, f"{income}<{line}*{size}"),
        "R2": _no(r("food_clothing_secured")),
        "R3": _r3_raw(r),
        "R4": _r4_raw(r),
        "R5": _r5_raw(r),
        "R6": _r6_raw(r),
        "R7": f'AND({_member_count(r, "m_person")}>0,{_member_count(r, "m_labour_or_blank")}=0,NOT({_yes(r("has_dibao"))}))',
        "Y1": _if_income(r, f"AND({income}>={line}*{size},{income}-{_rigid(r)}<{line}*{size})"),
        "Y2": _yes(r("sharp_income_fall")),
        "G1": f'{r("h_g1")}=1',
        "G2": f'OR({_yes(r("poor_hygiene"))},{_in_set(r("access_road"), "SET_POOR_ROAD")},{_no(r("sanitary_toilet"))})',
        "G3": _yes(r("subsidies_undelivered")),
        "G4": (f'AND(OR({_yes(r("files_incomplete"))},{_yes(r("low_policy_awareness"))}),'
               f'{_s1(r)})'),
    }[clause_id]


def h_g1(r: Refs) -> str:
    """G1: an R3-R6 fact the household can resolve itself, with income clearly above the line after rigid spending."""
    income, size = r("annual_net_income"), r("size")
    raw = f"OR({_r3_raw(r)},{_r4_raw(r)},{_r5_raw(r)},{_r6_raw(r)})"
    return _head(r, f"AND({raw},{_yes(r('can_self_resolve'))},"
                    f"{_if_income(r, f'{income}-{_rigid(r)}>={P_MARGIN}*{LINE}*{size}')})*1")


# ---- official columns and the clauses behind them ------------------------------------------------------------
# Clause ids in grading order are red, then yellow, then green, and none is the start of another: `grade` reads the
# first id's letter and `factors` replaces each id by its label.
_GRADE_LETTERS = {"红": "R", "黄": "Y", "绿": "G"}
assert [CLAUSES[c].grade for c in GRADING_CLAUSES] == sorted(
    (CLAUSES[c].grade for c in GRADING_CLAUSES), key=list(_GRADE_LETTERS).index)
assert all(c.startswith(_GRADE_LETTERS[CLAUSES[c].grade]) for c in GRADING_CLAUSES)
assert not any(a != b and b.startswith(a) for a in GRADING_CLAUSES for b in GRADING_CLAUSES)
assert not any(f" {c}" in label(other) for c in GRADING_CLAUSES for other in GRADING_CLAUSES)
assert len({g[0] for g in ("红", "黄", "绿", "无", INCOMPLETE)}) == 5


def seq(r: Refs) -> str:
    """The row's place among the rows shown (seq_count): 1, 2, 3 … and still without gaps under a filter."""
    return f'=IF(AND({r("name")}="",{r("household_id")}=""),"",{r("seq_count")})'


def row_shown(r: Refs) -> str:
    """1 in every prepared row: SUBTOTAL(103, …) over it is 1 while the row is shown and 0 while a filter hides it.
    A constant, so that no typing ever recalculates what reads it."""
    return "=1"


def seq_count(r: Refs) -> str:
    """The rows shown so far, down to this one: a running count that only a filter changes (it reads no typed cell),
    so typing recalculates none of it. Written in each cell: it reads the row above."""
    return f'=N({r("seq_count", -1)})+SUBTOTAL(103,{r("row_shown")})'


def clauses(r: Refs) -> str:
    """The ids of every clause that holds, in grading order, space-separated: "R1 R5 G3" (core.grading.assess).
    G1's carve-out: when G1 holds, R3-R6 do not."""
    def holds(c: str) -> str:
        return f'IF({_clause_condition(r, c)}," {c}","")'
    carved = [c for c in GRADING_CLAUSES if c in ("R3", "R4", "R5", "R6")]
    parts = []
    for c in GRADING_CLAUSES:
        if c == carved[0]:
            parts.append(f'IF({r("h_g1")}=1,"",{"&".join(holds(x) for x in carved)})')
        elif c not in carved:
            parts.append(holds(c))
    return _head(r, f'MID({"&".join(parts)},2,99)')


def grade(r: Refs) -> str:
    """Precedence red > yellow > green > none (policy.md, Decisions): the grade of the first clause that holds; 待补充
    while a fact some clause needs is missing (`h_missing`), unless a red clause holds that none could undo."""
    ids = r("clauses")
    letters, grades = "".join(_GRADE_LETTERS.values()), "".join(_GRADE_LETTERS)
    certain = "+".join(f'ISNUMBER(FIND(" {c} "," "&{ids}&" "))' for c in CERTAIN_RED)
    return _head(r, f'IF(AND({r("h_missing")}<>"",{certain}=0),"{INCOMPLETE}",'
                    f'IF({ids}="","无",MID("{grades}",FIND(LEFT({ids}),"{letters}"),1)))')


def factors(r: Refs) -> str:
    """core.clauses.factor_text: each clause that holds with its label, from `clauses` (blank on member rows); for a
    household 待补充, the facts it needs."""
    text = f'" "&{r("clauses")}'
    for c in GRADING_CLAUSES:
        text = f'SUBSTITUTE({text}," {c}","{FACTOR_SEPARATOR}{label(c)}")'
    return (f'=IF({r("grade")}="{INCOMPLETE}","{INCOMPLETE}："&{r("h_missing")},'
            f'MID({text},{len(FACTOR_SEPARATOR) + 1},999))')


def h_missing(r: Refs) -> str:
    """Head rows: the facts a clause needs that are blank or unreadable, by title and in the order of
    core.grading.missing_facts, joined by 、; then what only the sheet can lack (户编号, the year's line)."""
    def needed(key: str, condition: str) -> str:
        return f'IF({condition},"{MISSING_SEPARATOR}{_title(key)}","")'

    def yes_no_unreadable(key: str) -> str:
        return _off_list(r(key), "LIST_YES_NO")

    def number_unreadable(key: str) -> str:
        return f'AND({r(key)}<>"",NOT(ISNUMBER({r(key)})))'

    house = r("house_grade")
    checks = [
        needed("household_type", f'OR(TRIM({r("household_type")})="",{_off_list(r("household_type"), "LIST_household_types")})'),
        needed("annual_net_income", f'NOT(ISNUMBER({r("annual_net_income")}))'),
        needed("food_clothing_secured", f'NOT(OR({_yes(r("food_clothing_secured"))},{_no(r("food_clothing_secured"))}))'),
        needed("water_secured", f'NOT(OR({_yes(r("water_secured"))},{_no(r("water_secured"))}))'),
        f'IF(AND({r("household_id")}<>"",NOT(ISNUMBER({r("size")}))),"{MISSING_SEPARATOR}{_title("household_size")}","")',
        *(needed(k, number_unreadable(k)) for k in ("rigid_spending_school", "rigid_spending_medical", "rigid_spending_other")),
        needed("house_grade", f'OR({_off_list(house, "LIST_house_grades")},AND(TRIM({house})="",'
                              f'{_in_set(r("household_type"), "SET_NEEDS_HOUSE_GRADE")}))'),
        *(needed(k, yes_no_unreadable(k)) for k in ("has_dibao", "sharp_income_fall", "can_self_resolve", "poor_hygiene")),
        needed("access_road", _off_list(r("access_road"), "LIST_access_roads")),
        *(needed(k, yes_no_unreadable(k)) for k in ("sanitary_toilet", "subsidies_undelivered", "files_incomplete",
                                                     "low_policy_awareness")),
        *(f'IF({_digits(r("hh_bad"), 2 * index)}>0,"{MISSING_SEPARATOR}{_member_title(key)}","")'
          for index, (key, _) in enumerate(MEMBER_LISTS)),
        f'IF({r("household_id")}="","{MISSING_SEPARATOR}户编号","")',
        f'IF(ISNUMBER({P_LINE}),"","{MISSING_SEPARATOR}{P_LINE_TITLE}")',
    ]
    return _head(r, f'MID({"&".join(checks)},{len(MISSING_SEPARATOR) + 1},999)')


def is_head(r: Refs) -> str:
    """1 on a head row: 与户主关系 is 户主, spaces around it or not. Every household result reads this one cell."""
    return f'=(TRIM({r("relation")})="户主")*1'


# ---- member facts (every row) --------------------------------------------------------------------------------

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # GB 11643, as core.id_number


def m_id(r: Refs) -> str:
    """core.id_number.compact, for what clerks type: spaces, full-width spaces and hyphens out, x upper-cased."""
    return f'=UPPER(SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(TRIM({r("id_number")})," ",""),"　",""),"-",""))'


def m_id_ok(r: Refs) -> str:
    """core.id_number.validate (GB 11643): 18 characters, 17 digits, a real birth date 1900..as-of, check char.
    A non-digit among the first 17, or a text too short, makes the weighted sum an error, and so the number invalid."""
    i = r("m_id")
    birth = f"DATE(MID({i},7,4),MID({i},11,2),MID({i},13,2))"
    positions = ",".join(str(p) for p in range(1, len(_WEIGHTS) + 1))
    weights = ",".join(str(w) for w in _WEIGHTS)
    check = f'MID("10X98765432",MOD(SUMPRODUCT(MID({i},{{{positions}}},1)*{{{weights}}}),11)+1,1)=RIGHT({i},1)'
    # A real date: DATE rolls a 13th month or a 32nd day over, so month and day read back unchanged only if real.
    real_date = (f"MONTH({birth})=--MID({i},11,2),DAY({birth})=--MID({i},13,2),--MID({i},7,4)>=1900,"
                 f"{birth}<={P_ASOF}")
    return f"=IFERROR(AND(LEN({i})=18,{real_date},{check})*1,0)"


def age(r: Refs) -> str:
    """core.id_number.age_on: completed years on the as-of date; a 29 Feb birthday falls on 1 Mar, as DATE rolls it."""
    i = r("m_id")
    birthday = f"DATE(YEAR({P_ASOF}),MID({i},11,2),MID({i},13,2))"
    return f'=IF({r("m_id_ok")}=1,YEAR({P_ASOF})-MID({i},7,4)-({birthday}>{P_ASOF}),"")'


def sex(r: Refs) -> str:
    """Odd 17th digit: male."""
    return f'=IF({r("m_id_ok")}=1,MID("女男",MOD(MID({r("m_id")},17,1),2)+1,1),"")'


def m_code(r: Refs) -> str:
    """This row's member facts packed two decimal digits each, in PACKED_FACTS order, summed per household by
    `hh_members`: one sum per household instead of one scan per fact."""
    a = r("age")
    # R5 and S2 share "seriously ill or severely disabled", as in core.grading
    seriously = (f'OR({_in_set(r("health"), "SET_SERIOUS_HEALTH")},'
                 f'{_in_set(r("disability"), "SET_SEVERE_DISABILITY")})')
    place = {key: f"1E{2 * index}" for index, key in enumerate(PACKED_FACTS)}
    terms = [
        f'AND({a}<>"",{_in_set(r("school"), "SET_OUT_OF_SCHOOL")},{a}>={P_AGE_MIN},{a}<={P_AGE_MAX})',       # R4
        f'{seriously}*({place["m_severe"]}+({_no(r("insured"))})*{place["m_uninsured_ill"]})',                 # S2, R5
        # R7: a member counts as able unless the labour typed says not (blank or off the list: not known, as the core)
        f'NOT({_in_set(r("labour"), "SET_CANNOT_WORK")})*{place["m_labour_or_blank"]}',
        f'AND({a}<>"",{a}>={P_ELDERLY})*{place["m_elderly"]}',                                               # S2
        f'OR({r("measure_text")}<>"",{r("measure_category")}<>"")*{place["m_measure"]}',                     # D3
        place["m_person"],
        f'{r("is_head")}*{place["m_head"]}',
    ]
    return "=" + "+".join(terms)


# Member columns a clause reads (core.grading.MEMBER_GRADING_FACTS), each with the list its values come from: a value
# off the list makes the household 待补充 naming the column (core.grading.missing_facts).
MEMBER_LISTS = (("labour", "LIST_labour"), ("health", "LIST_health"), ("disability", "LIST_disability"),
                ("school", "LIST_school"), ("insured", "LIST_YES_NO"))
assert tuple(key for key, _ in MEMBER_LISTS) == MEMBER_GRADING_FACTS   # the core names them in this order


def m_bad(r: Refs) -> str:
    """This row's member values off their lists, packed two decimal digits per column in MEMBER_LISTS order, summed
    per household by `hh_bad` (as m_code by hh_members)."""
    return "=" + "+".join(f'{_off_list(r(key), name)}*1E{2 * index}' for index, (key, name) in enumerate(MEMBER_LISTS))


def hh_bad(r: Refs) -> str:
    """Head rows: how many of the household's rows hold each member column off its list (see m_bad)."""
    hid = r("household_id")
    return _head(r, f'IF({hid}="",0,{_same_household_sum(r, "m_bad")})')


def hh_members(r: Refs) -> str:
    """The packed member facts of the household (see PACKED_FACTS), summed over the rows under its head that carry
    its 户编号 as exact text: one SUMPRODUCT over HOUSEHOLD_ROWS rows."""
    hid = r("household_id")
    return _head(r, f'IF({hid}="",0,{_same_household_sum(r, "m_code")})')


def _same_household_sum(r: Refs, key: str) -> str:
    """The sum of column `key` over the window's rows whose 户编号 is this row's, compared as exact text. Never SUMIF or
    COUNTIF: Excel reads their criterion, when it is digit-only text, as a number of 15 significant digits (and a
    range cell too), so two national 户编号 sharing their first 15 digits would be summed as one household in Excel and
    WPS while LibreOffice keeps them apart; “*”, “?”, “~” and a leading “=”, “<”, “>” would also be read as patterns.
    “=” compares text as text in every program. SUMPRODUCT with its arrays apart (not multiplied) counts text (the
    blank "" of an unused row) as 0."""
    return f'SUMPRODUCT(--({r.window("household_id")}={r("household_id")}),{r.window(key)})'



def block_start(r: Refs) -> str:
    """1 where a household's rows begin (the row above holds another 户编号), written in each cell rather than as a name:
    a defined name cannot reach the row above its first row. A member row that begins a block stands away from its
    household's head; a head row that does not begin one has its own members above it."""
    return f'=IF({r("household_id")}="","",({r("household_id")}<>{r("household_id", -1)})*1)'


def duplicate_id(r: Refs) -> str:
    """Conditional format of 身份证号: the typed number stands on another row too. A format rule, not a cell formula,
    because spreadsheet programs evaluate it only for the rows on screen, while a formula would search the sheet again
    for every row whenever any number is typed. MATCH compares the text exactly (COUNTIF reads 18 digits as a number
    and confuses numbers sharing 15). `hx-excel check` finds every duplicate, across files too."""
    i = r("id_number")
    return (f'IF({i}="",FALSE,OR(MATCH({i},{r.whole("id_number")},0)<ROW()-{r.first_row - 1},'
            f'ISNUMBER(MATCH({i},{r.below("id_number")},0))))')


# ---- household results (head rows) ---------------------------------------------------------------------------
# Columns that read only results blank on member rows need no `_head` test of their own.

def size(r: Refs) -> str:
    return _head(r, f'IF({r("household_id")}="","",{_member_count(r, "m_person")})')


def income_per_head(r: Refs) -> str:
    return f'=IF({_income_known(r)},{r("annual_net_income")}/{r("size")},"")'


def after_rigid_per_head(r: Refs) -> str:
    return f'=IF({_income_known(r)},({r("annual_net_income")}-{_rigid(r)})/{r("size")},"")'


def category(r: Refs) -> str:
    """The monitored category of the grade (三(一)-(三)); none out of scope, where the grade is for reference only."""
    g = r("grade")
    exited_poverty = _in_set(r("household_type"), "SET_EXITED_POVERTY")
    return (f'=IF({_out_of_scope(r)},"",IF({g}="红",IF({exited_poverty},"{EXITED_RED}","{OTHER_RED}"),'
            f'IF({g}="黄","{YELLOW_CATEGORY}",IF({g}="绿","{GREEN_CATEGORY}",""))))')


OUT_OF_SCOPE = "不在范围"     # what `scope` shows for a household in neither S1 nor S2


def _out_of_scope(r: Refs) -> str:
    return f'{r("scope")}="{OUT_OF_SCOPE}"'


def scope(r: Refs) -> str:
    """S1 建档立卡户 (by type, or already entered into monitoring); S2 the key groups of 二, including facts the members
    show (Y1 or Y2 hold: a sharp fall)."""
    s1 = _s1(r)
    elderly_only = f'{_member_count(r, "m_elderly")}={r("size")}'
    s2 = (f'OR({_in_set(r("household_type"), "SET_S2_TYPES")},{_yes(r("has_dibao"))},{_r6_raw(r)},{elderly_only},'
          f'{_member_count(r, "m_severe")}>0,ISNUMBER(FIND("Y",{r("clauses")})))')
    return _head(r, f'CHOOSE(1+{s1}+2*{s2},"{OUT_OF_SCOPE}","S1","S2","S1 S2")')


def d1_due(r: Refs) -> str:
    start = r("h_clue_start")
    return f'=IF(ISNUMBER({start}),{_add_days(start, P_D1)},"")'


def notice_full_end(r: Refs) -> str:
    """D2: the village notice runs at least to this day."""
    start = r("notice_start_on")
    return _head(r, f'IF(ISNUMBER({start}),{_notice_last_day(start, P_D2)},"")')


def e_notice_full_end(r: Refs) -> str:
    """D5: the risk-elimination notice runs at least to this day."""
    start = r("elimination_notice_start_on")
    return _head(r, f'IF(ISNUMBER({start}),{_notice_last_day(start, P_ENOTICE)},"")')


def d3_due(r: Refs) -> str:
    entered = r("entered_on")
    return _head(r, f'IF(ISNUMBER({entered}),{_add_days(entered, P_D3)},"")')


def _followed(r: Refs) -> str:
    """D4 monitored households and D6 green-ledger households (in scope) get a visit every month."""
    return f'OR({_monitored(r)},AND({_not_exited(r)},{r("grade")}="绿",NOT({_out_of_scope(r)})))'


def _monthly_due(r: Refs, last_key: str) -> str:
    """core.workflow._monthly: the end of the month after the last one, or of the anchor's month."""
    last = r(last_key)
    anchor = (f'IF(ISNUMBER({r("entered_on")}),{r("entered_on")},'
              f'IF(ISNUMBER({r("household_check_on")}),{r("household_check_on")},{P_ASOF}))')
    return f'IF(ISNUMBER({last}),EOMONTH({last},{P_MONTHS}),EOMONTH({anchor},0))'


def _undated(cell: str) -> str:
    """No date in `cell`: blank, or text (which the row check reports)."""
    return f"NOT(ISNUMBER({cell}))"


def _done_this_month(cell: str) -> str:
    return f'IF(ISNUMBER({cell}),AND(YEAR({cell})=YEAR({P_ASOF}),MONTH({cell})=MONTH({P_ASOF})),FALSE)'


def visit_due(r: Refs) -> str:
    return f'=IF({_followed(r)},{_monthly_due(r, "last_visit_on")},"")'


def elimination_earliest(r: Refs) -> str:
    """D5: six months of stable income (EDATE clamps to the month's end like core.days.months_after)."""
    stable = r("income_stable_since")
    active = f"OR({_monitored(r)},{_elimination_started(r)})"
    return f'=IF(AND(ISNUMBER({stable}),{active}),EDATE({stable},{P_STABLE}),"")'


# Dated steps still open, one hidden column each, in core.workflow's step order; the next step is the earliest.
# Their sources are blank on member rows, so they are too.
def due_d1_open(r: Refs) -> str:
    return f'=IF(AND({r("d1_due")}<>"",{_undated(r("household_check_on"))}),{r("d1_due")},"")'


def due_contact_open(r: Refs) -> str:
    return (f'=IF(AND({r("d3_due")}<>"",{_undated(r("contact_assigned_on"))},{r("contact_name")}=""),'
            f'{r("d3_due")},"")')


def due_measures_open(r: Refs) -> str:
    # nested, not AND: Excel evaluates every argument of AND, and the packed sum is blank on member rows
    return f'=IF({r("d3_due")}="","",IF({_member_count(r, "m_measure")}=0,{r("d3_due")},""))'


def due_visit_open(r: Refs) -> str:
    """This month's visit, or once it is done the next one (core.workflow._monthly): always open while followed."""
    return f'=IF({r("visit_due")}<>"",{r("visit_due")},"")'


def due_review_open(r: Refs) -> str:
    return f'=IF({_monitored(r)},{_monthly_due(r, "last_review_on")},"")'


def _monthly_title(last: str, key: str) -> str:
    """This month's step, or the next one when this month's is done."""
    return f'IF({_done_this_month(last)}," {STEP_TITLES["next_" + key]}"," {STEP_TITLES[key]}")'



# Workflow states used by several columns, one hidden helper cell each (core.workflow.plan's conditions).
def h_clue_start(r: Refs) -> str:
    """D1 counts from publication for 上级反馈 clues, from collection otherwise."""
    published = _in_set(r("clue_channel"), "SET_PUBLISHED_CLUE")
    pub, clue = r("clue_published_on"), r("clue_on")
    return _head(r, f'IF(AND({published},ISNUMBER({pub})),{pub},IF(ISNUMBER({clue}),{clue},""))')


def h_monitored(r: Refs) -> str:
    """Entered into the national system and not exited (D3-D5)."""
    return _head(r, f'AND(ISNUMBER({r("entered_on")}),{_not_exited(r)})*1')


def h_elim_started(r: Refs) -> str:
    """D5: some step of the risk-elimination chain has a date."""
    return _head(r, f'(COUNT({r.span("elimination_nominated_on", "eliminated_on")})>0)*1')


DATED_STEPS = (  # (helper column, step key, clause; None: D4 when monitored, else D6)
    ("due_d1_open", "household_check", "D1"),
    ("due_contact_open", "contact", "D3"),
    ("due_measures_open", "measures", "D3"),
    ("due_visit_open", "visit", None),
    ("due_review_open", "review", "D4"),
)


def next_due(r: Refs) -> str:
    span = r.span(DATED_STEPS[0][0], DATED_STEPS[-1][0])
    return f'=IF(COUNT({span})>0,MIN({span}),"")'


def _if_chain(steps: list[tuple[str, str]], otherwise: str) -> str:
    """IF(c1,t1,IF(c2,t2,…otherwise)): the first step whose condition holds."""
    text = otherwise
    for condition, value in reversed(steps):
        text = f"IF({condition},{value},{text})"
    return text


def _step(clause: str, key: str) -> str:
    return f'"{clause} {STEP_TITLES[key]}"'


def _first_open(clause: str, steps: list[tuple[str, str]], otherwise: str) -> str:
    """The title of the first of `steps` (step key, condition holding while it is open) still open, else `otherwise`."""
    return _if_chain([(condition, _step(clause, key)) for key, condition in steps], otherwise)


def next_step(r: Refs) -> str:
    """core.workflow.Plan.next_step: the open step with the earliest deadline, else the first open step in order."""
    def blank(key: str) -> str:
        return _undated(r(key))   # a date typed as text is no date, as the reader reads it

    def notice_done(end_key: str, full_end_key: str) -> str:
        return f"AND(ISNUMBER({r(end_key)}),{r(end_key)}>={r(full_end_key)})"

    # D2: the identification chain is under way (red or yellow, or begun) and the household not yet entered.
    # (an out-of-scope household's grade is for reference: no chain starts for it, core.workflow.plan)
    chain = (f'AND(OR(AND(OR({r("grade")}="红",{r("grade")}="黄"),NOT({_out_of_scope(r)})),'
             f'COUNT({r.span("application_on", "entered_on")})>0),'
             f'{blank("entered_on")})')
    identification = _first_open("D2", [
        ("household_check", f'AND({blank("household_check_on")},{blank("h_clue_start")})'),
        ("application", blank("application_on")),
        ("village_notice", f'NOT({notice_done("notice_end_on", "notice_full_end")})'),
        ("township_review", blank("township_review_on")),
        ("district_approval", blank("district_approval_on")),
    ], _step("D2", "entry"))
    close = (f'IF(AND({blank("entered_on")},{_not_exited(r)},{r("grade")}="无",NOT({_out_of_scope(r)}),'
             f'OR(ISNUMBER({r("household_check_on")}),ISNUMBER({r("last_visit_on")})),{blank("closed_on")}),'
             f'{_step("D6", "close")},"")')
    elimination = _first_open("D5", [
        ("elimination_check", blank("elimination_check_on")),
        ("elimination_notice", f'NOT({notice_done("elimination_notice_end_on", "e_notice_full_end")})'),
        ("elimination_township_review", blank("elimination_township_review_on")),
        ("elimination_county_approval", blank("elimination_county_approval_on")),
        ("eliminated", blank("eliminated_on")),
    ], close)
    undated = _if_chain([
        (chain, identification),
        (f'AND(OR({_monitored(r)},{_elimination_started(r)}),{blank("elimination_nominated_on")})',
         _step("D5", "elimination_nomination")),
        (_elimination_started(r), elimination),
    ], close)
    # The dated step due first: the first helper column holding the earliest due date (N: a blank due matches none).
    def title(key: str, clause: str | None) -> str:
        if key == "visit":
            return f'IF({_monitored(r)},"D4","D6")&{_monthly_title(r("last_visit_on"), key)}'
        if key == "review":
            return f'"{clause}"&{_monthly_title(r("last_review_on"), key)}'
        return _step(clause, key)
    titles = ",".join(title(key, clause) for _, key, clause in DATED_STEPS)
    span = r.span(DATED_STEPS[0][0], DATED_STEPS[-1][0])
    return _head(r, f'IFERROR(CHOOSE(MATCH(N({r("next_due")}),{span},0),{titles}),{undated})')


def next_status(r: Refs) -> str:
    """core.workflow.step_status: a step the document sets no deadline shows no status."""
    due = r("next_due")
    return (f'=IF(OR({r("next_step")}="",{due}=""),"",IF({P_ASOF}>{due},"已逾期",'
            f'IF({due}-{P_ASOF}<={P_SOON},"即将到期","未到期")))')


# ---- row checks ----------------------------------------------------------------------------------------------

def _out_of_order(r: Refs, keys: list[str], first: str | None = None) -> str:
    """Some filled date comes before the latest filled date ahead of it in the chain (core.workflow order; a
    notice's end is checked with the notice)."""
    tests = []
    for i in range(1, len(keys)):
        ahead = ([first] if first else []) + [r.cells(keys[:i])]
        tests.append(f'AND(ISNUMBER({r(keys[i])}),{r(keys[i])}<MAX({",".join(ahead)}))')
    if first:
        tests.insert(0, f'AND(ISNUMBER({r(keys[0])}),{r(keys[0])}<MAX({first}))')
    return f"OR({','.join(tests)})"


def _notice_problems(r: Refs, clause: str, start_key: str, end_key: str, next_key: str, days: str,
                     full_end_key: str) -> list[tuple[str, str]]:
    start, end, following, full_end = r(start_key), r(end_key), r(next_key), r(full_end_key)
    both = f"ISNUMBER({start}),ISNUMBER({end})"
    return [
        (f"AND({both},{end}<{start})", f"{clause} 公示结束早于开始"),
        (f"AND({both},{end}>={start},{end}<{full_end})", f'"；{clause} 公示不足"&{days}&"天"'),
        (f"AND(ISNUMBER({start}),ISNUMBER({following}),{following}<=MAX({end},{full_end}))",
         f"{clause} 下一步应在公示期满之后"),
    ]


def _has_text(span: str) -> str:
    """Some cell of an input span holds text (COUNTA counts values, COUNT numbers and dates): cheaper than an array."""
    return f"COUNTA({span})>COUNT({span})"


def _message(text: str) -> str:
    """A message led by "；": plain text, or an Excel text expression when it starts with a quote."""
    return text if text.startswith('"') else f'"；{text}"'


def _messages(checks: list[tuple[str, str]]) -> str:
    """Each message whose condition holds."""
    return "&".join(f'IF({condition},{_message(message)},"")' for condition, message in checks)


def _list_checks(r: Refs, level: str) -> list[tuple[str, str]]:
    """A value off its list, for each list and 是/否 column of `level`: the column, what was typed, and what it
    probably means (ALIAS_<list> on 值列表, from the policy's aliases)."""
    from hx_excel.ledger.schema import COLUMNS   # the schema imports this module
    checks = []
    for column in COLUMNS:
        if column.kind != "input" or column.multiple or (column.level == "household") != (level == "household"):
            continue
        if column.type == "bool":
            name = "YES_NO"
        elif column.type == "list" and column.values != "villages":
            name = column.values
        else:
            continue
        cell = r(column.key)
        hint = f'IFERROR("，可能是“"&VLOOKUP(TRIM({cell}),ALIAS_{name},2,FALSE)&"”","")'
        checks.append((_off_list(cell, f"LIST_{name}"),
                       f'"；“{column.header}”填了“"&TRIM({cell})&"”，不在下拉列表中"&{hint}'))
    return checks


def _typed_as_text(r: Refs, level: str) -> list[tuple[str, str]]:
    """Text in a date or number cell of `level`, naming the column."""
    from hx_excel.ledger.schema import COLUMNS
    checks = []
    for column in COLUMNS:
        if column.kind != "input" or (column.level == "household") != (level == "household"):
            continue
        if column.type == "date":
            checks.append((f"ISTEXT({r(column.key)})", f"“{column.header}”写成了文字，请按 2022-07-15 的格式输入日期"))
        elif column.type == "number":
            checks.append((f"ISTEXT({r(column.key)})", f"“{column.header}”不是数字，请只填数字（元），不带单位或文字"))
    return checks


def check_member(r: Refs) -> str:
    """Every row: what to fix in the row's own cells, each message led by "；" (row_check joins the two parts; one
    formula holding both would pass Excel's 8,192 characters)."""
    ident, hid, typed_id = r("m_id"), r("household_id"), r("id_number")
    bad_id = (f'IF(ISNUMBER({typed_id}),{_message("身份证号存成了数字，末几位已丢失：请把单元格设为文本，对照身份证重新录入")},'
              f'IF(AND({ident}<>"",{r("m_id_ok")}=0),IF(LEN({ident})=15,{_message("身份证号为旧 15 位，请换成 18 位")},'
              f'{_message("身份证号有误（位数、出生日期或校验码）")}),""))')
    checks = [
        (f'{hid}=""', "户编号未填"),
        (f'{r("name")}=""', "姓名未填"),
        (f'TRIM({r("relation")})=""', "与户主关系未填"),
        (f'{typed_id}=""', "身份证号未填"),
        (f'TRIM({r("labour")})=""', "劳动技能未填"),
        (f'AND({r("is_head")}=0,{r("block_start")}=1)',
         "不在本户户主行之下：同户各行须相连、户主行在最前（按户编号排序，再把户主行移到本户第一行）"),
        (_in_set(f'TRIM({r("relation")})&"|"&{r("sex")}', "SET_RELATION_SEX_CONFLICTS"), "与户主关系与身份证性别不符"),
        *_list_checks(r, "member"),
        *_typed_as_text(r, "member"),
        (f'AND({r("measure_text")}<>"",TRIM({r("measure_category")})="")', "措施类别未填"),
        (_off_list(r("village"), "VILLAGES"), "村不在“参数”表的村名单中：请先在参数表填写本乡镇的村名单"),
    ]
    unused = f'({r("name")}&{typed_id}&{hid}&{r("relation")})=""'
    return f'=IF({unused},"",{_messages(checks[:4])}&{bad_id}&{_messages(checks[4:])})'


def _yellow_without_work(r: Refs) -> str:
    """五(二), as core.grading.assess finds it: yellow, someone able to work (a labour value not in SET_CANNOT_WORK),
    and nobody's 务工就业 is 是. One SUMPRODUCT over the household's window, on yellow head rows only."""
    same, employed = f'({r.window("household_id")}={r("household_id")})', f'TRIM({r.window("employed")})'
    labour = r.window("labour")
    able = f'(TRIM({labour})<>"")*ISERROR(FIND("{SEP}"&TRIM({labour})&"{SEP}",SET_CANNOT_WORK_TEXT))'
    return (f'IF({r("grade")}="黄",AND(SUMPRODUCT({same}*({employed}="是"))=0,'
            f'SUMPRODUCT({same}*{able}*({employed}<>"是"))>0),FALSE)')


def check_household(r: Refs) -> str:
    """Head rows: what to fix in the household's facts and its workflow dates, each message led by "；"."""
    hid = r("household_id")
    # as core.grading: with several heads the household's head is not known, so no spouse is compared with one
    same_sex_spouse = (f'AND({_member_count(r, "m_head")}=1,{r("sex")}<>"",SUMPRODUCT(({r.window("household_id")}={hid})'
                       f'*{_in_set(r.window("relation"), "SET_SPOUSE_RELATIONS")}*({r.window("sex")}={r("sex")}))>0)')
    # a deadline in working days past the hidden 日历's last day (its year's holidays are not known), read from the
    # typed dates themselves: a check reading the deadline columns would tie this column to them
    starts = ",".join(r(k) for k in ("clue_on", "clue_published_on", "entered_on", "notice_start_on",
                                      "elimination_notice_start_on"))
    uncounted = f"MAX({starts})+{CALENDAR_MARGIN}>{CAL_LAST}"
    checks = [
        (f'{r("block_start")}=0', "户主行之上还有本户的行：户主行须在本户第一行"),
        (f'{_member_count(r, "m_head")}>1', "本户有多名户主"),
        (f'{r("household_id", HOUSEHOLD_ROWS)}={hid}',
         f"本户超过 {HOUSEHOLD_ROWS} 行，第 {HOUSEHOLD_ROWS + 1} 行起未计入本户（请核对户编号）"),
        (same_sex_spouse, "配偶与户主性别相同"),
        (f'TRIM({r("household_type")})=""', "户类型未填"),
        (f'{r("annual_net_income")}=""', "家庭年纯收入未填"),
        (f'OR(TRIM({r("food_clothing_secured")})="",TRIM({r("water_secured")})="")', "吃穿、饮水是否有保障未填"),
        *_list_checks(r, "household"),
        *_typed_as_text(r, "household"),
        (f"NOT(ISNUMBER({P_LINE}))", "“参数”表的核算年度没有标准线：请在参数表的标准线表中补上该年度"),
        (_yellow_without_work(r), YELLOW_WITHOUT_WORK),
        (f"AND({P_WORKING},{uncounted})",
         "工作日期限算不出：隐藏的“日历”表没有这一年的放假安排，请在政策参数中补上（[calendar.年份]）后重新生成台账"),
        (_out_of_order(r, ["household_check_on", "application_on", "notice_start_on", "township_review_on",
                           "district_approval_on", "entered_on"]), "D2 识别程序日期顺序有误"),
        *_notice_problems(r, "D2", "notice_start_on", "notice_end_on", "township_review_on", P_D2, "notice_full_end"),
        (_out_of_order(r, ["elimination_nominated_on", "elimination_check_on", "elimination_notice_start_on",
                           "elimination_township_review_on", "elimination_county_approval_on", "eliminated_on"],
                       first=r("elimination_earliest")), "D5 风险消除程序日期顺序有误"),
        *_notice_problems(r, "D5", "elimination_notice_start_on", "elimination_notice_end_on",
                          "elimination_township_review_on", P_ENOTICE, "e_notice_full_end"),
    ]
    return _head(r, _messages(checks))


def row_check(r: Refs) -> str:
    """What to fix on this row, in Chinese; blank when nothing was found: the row's own checks, then, on a head row,
    the household's. Duplicate ID numbers are a conditional format (`duplicate_id`), not a message: finding them
    means searching the sheet."""
    return f'=MID({r("check_member")}&{r("check_household")},2,999)'


# ---- what 统计 counts ---------------------------------------------------------------------------------------------
# 统计 counts every village's households by grade (out of scope apart), its people, its overdue households with one
# FREQUENCY over each of these columns (see template._write_stats), a single pass over the sheet, instead of one
# COUNTIFS scan of the whole sheet per village and figure after every edit. Each holds a small whole number per row.
STAT_GRADES = ("红", "黄", "绿", "无", INCOMPLETE)
# Out of scope is never green (policy.md, The month's records): a household in neither S1 nor S2 is counted in a column
# of its own, not under the grade its clauses give — unless it is 待补充 (then its scope is not known either).
STAT_OUT_OF_SCOPE = "不在监测范围"
STAT_COLUMNS = (*STAT_GRADES, STAT_OUT_OF_SCOPE)


def s_village(r: Refs) -> str:
    """The row's village by its place in 参数's village list (1–40); 0 for a village not listed, or none."""
    village = r("village")
    # the slot is the number of separators up to where the village is found
    at = _found(village, "VILLAGES")
    return f'=IF(TRIM({village})="",0,IFERROR({at}-LEN(SUBSTITUTE(LEFT(VILLAGES_TEXT,{at}),"{SEP}","")),0))'


def s_grade(r: Refs) -> str:
    """Head rows: village × 6 + the place in STAT_COLUMNS: 红 黄 绿 无 待补充 (0–4) by the grade, 5 out of scope."""
    firsts = "".join(g[0] for g in STAT_GRADES)   # each grade's first character is its own
    place = (f'IF(AND({_out_of_scope(r)},{r("grade")}<>"{INCOMPLETE}"),{len(STAT_GRADES)},'
             f'FIND(LEFT({r("grade")}),"{firsts}")-1)')
    return _head(r, f'{r("s_village")}*{len(STAT_COLUMNS)}+{place}')


def s_person(r: Refs) -> str:
    """Rows with a 姓名: the village."""
    return f'=IF({r("name")}="","",{r("s_village")})'


def _village_when(r: Refs, key: str, value: str) -> str:
    """The row's village where column `key` shows `value`, for one of 统计's counts."""
    return f'=IF({r(key)}="{value}",{r("s_village")},"")'


def s_overdue(r: Refs) -> str:
    """Households whose next step is overdue: the village."""
    return _village_when(r, "next_status", "已逾期")


def s_due_soon(r: Refs) -> str:
    """Households whose next step falls due within P_SOON days: the village."""
    return _village_when(r, "next_status", "即将到期")


assert len({c[0] for c in CATEGORIES}) == len(CATEGORIES)   # s_category tells them apart by their first character


def s_category(r: Refs) -> str:
    """Head rows: the monitored category's place in 脱贫不稳定户 边缘易致贫户 突发严重困难户 绿色预警台账 (1–4)."""
    firsts = "".join(c[0] for c in CATEGORIES)
    return _head(r, f'IF({r("category")}="","",FIND(LEFT({r("category")}),"{firsts}"))')


def _from_head(r: Refs, key: str) -> str:
    """A person's row: `key` of their household's head row, the first row of their 户编号 among the HOUSEHOLD_ROWS
    rows up to this one (households stand together, head first)."""
    hid = r("household_id")
    return (f'=IF(OR({r("name")}="",{hid}=""),"",IFERROR(INDEX({r.window_above(key)},'
            f'MATCH({hid},{r.window_above("household_id")},0)),""))')


def p_grade(r: Refs) -> str:
    """Every person: their household's village × 6 + grade (s_grade), so that 统计 counts persons by grade."""
    return _from_head(r, "s_grade")


def p_category(r: Refs) -> str:
    """Every person: their household's monitored category (s_category), so that 统计 counts persons by category."""
    return _from_head(r, "s_category")


# ---- the value-list meanings the formulas look up -----------------------------------------------------------------
# Each named subset on 值列表 is the formula face of one semantic flag in the policy's value lists:
# name -> (value list, which entries, what is written for an entry).
def _value(entry) -> str:
    return entry.value


def _relation_and_wrong_sex(entry) -> str:
    """`与户主关系|性别` for the sex a relation cannot have: row_check looks up relation & "|" & sex."""
    return f"{entry.value}|{'女' if entry.sex == '男' else '男'}"


SETS: dict[str, tuple[str, Callable[[object], bool], Callable[[object], str]]] = {
    "SET_OUT_OF_SCHOOL": ("school", lambda e: e.out_of_school, _value),              # R4
    "SET_SERIOUS_HEALTH": ("health", lambda e: e.serious, _value),                   # R5
    "SET_SEVERE_DISABILITY": ("disability", lambda e: e.severe, _value),             # R5
    "SET_CANNOT_WORK": ("labour", lambda e: not e.can_work, _value),                 # R7
    "SET_NEEDS_HOUSE_GRADE": ("household_types", lambda e: e.needs_house_grade, _value),  # 待补充 (R6)
    "SET_UNSAFE_HOUSE": ("house_grades", lambda e: e.unsafe, _value),                # R6
    "SET_POOR_ROAD": ("access_roads", lambda e: e.poor, _value),                     # G2
    "SET_PUBLISHED_CLUE": ("clue_channels", lambda e: e.published, _value),          # D1
    "SET_S1_TYPES": ("household_types", lambda e: e.scope == "S1", _value),          # S1, G4
    "SET_S2_TYPES": ("household_types", lambda e: e.scope == "S2", _value),          # S2
    "SET_EXITED_POVERTY": ("household_types", lambda e: e.exited_poverty, _value),   # 脱贫不稳定户 vs 边缘易致贫户
    "SET_EXITED": ("exit_statuses", lambda e: e.exit != "", _value),                 # D4 D5 D6
    "SET_RELATION_SEX_CONFLICTS": ("relations", lambda e: e.sex in ("男", "女"), _relation_and_wrong_sex),
    "SET_SPOUSE_RELATIONS": ("relations", lambda e: e.sex == "异", _value),
}

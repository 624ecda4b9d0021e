"""The in-cell formulas agree with the rulebook: thousands of generated households written into the template,
recalculated by LibreOffice (an engine we did not write), compared household by household with `assess` and `plan`.

Two workbooks: the shipped policy (calendar days), and a changed one (working days, another line, margin and school
ages) to prove the formulas read the 参数 sheet rather than numbers frozen at generation time.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from hx_excel.core import id_number
from hx_excel.core.clauses import GRADING_CLAUSES, factor_text
from hx_excel.core.days import notice_last_day
from hx_excel.core.grading import YELLOW_WITHOUT_WORK
from hx_excel.core.workflow import plan
from hx_excel.core.models import Household
from hx_excel.ledger import formulas as f
from hx_excel.ledger.reader import read_ledger
from hx_excel.ledger.schema import COLUMNS, FIRST_DATA_ROW, SHEET, column_index, column_letter
from hx_excel.ledger.template import build_workbook, refs
from hx_excel.ledger.writer import RowWriter, person_count
from hx_excel.office.libreoffice import recalculate
from hx_excel.policy import default_policy, load_policy
from hx_excel.samples.generate import generate_households, scenario_households

pytestmark = pytest.mark.libreoffice

AS_OF = date(2022, 7, 15)
CHANGED_POLICY = """
[income_lines."贵州"]
2022 = 7012.5
[grading]
g1_margin_multiple = 1.3
compulsory_school_age_min = 7
compulsory_school_age_max = 16
[deadlines]
day_mode = "working"
due_soon_days = 5
"""


DUPLICATE_COLUMN = 200   # a spare column where each row evaluates the duplicate-number format rule as a formula
FAULTS = ("wrong_sex", "same_sex_spouse", "duplicate_in_household", "duplicate_across", "two_heads", "no_head")


def faulty_households(households: list, policy) -> list:
    """Households of three or more people with one fault each, of every kind the row checks look for."""
    sexes = {e.value: e.sex for e in policy.lists.relations}
    opposite = {"男": next(v for v, s in sexes.items() if s == "女"), "女": next(v for v, s in sexes.items() if s == "男")}
    made, donor = [], None
    for number, household in enumerate(h for h in households if len(h.members) >= 3):
        kind = FAULTS[number % len(FAULTS)]
        data = household.model_dump()
        data["household_id"] = f"FAULT-{number:03d}"
        members = data["members"]
        head = next((i for i, m in enumerate(members) if m["relation"] == "户主"), None)
        if head is None:          # the generator's own headless households: a fault already
            continue
        others = [i for i in range(len(members)) if i != head]
        sex_of = {i: id_number.sex(m["id_number"]) for i, m in enumerate(members) if id_number.is_valid(m["id_number"])}
        if kind == "wrong_sex" and others[0] in sex_of:
            members[others[0]]["relation"] = opposite[sex_of[others[0]]]
        elif kind == "same_sex_spouse":
            same = [i for i in others if sex_of.get(i) and sex_of.get(i) == sex_of.get(head)]
            if not same:
                continue
            members[same[0]]["relation"] = "配偶"
        elif kind == "duplicate_in_household":
            members[others[1]]["id_number"] = members[others[0]]["id_number"]
        elif kind == "duplicate_across" and donor is not None:
            members[others[0]]["id_number"] = donor
        elif kind == "two_heads":
            members[others[0]]["relation"] = "户主"
        elif kind == "no_head":
            members[head]["relation"] = "之子" if sex_of.get(head) == "男" else "之女"
        else:
            continue
        donor = members[others[-1]]["id_number"]
        made.append(Household.parse(data, policy))
        if len(made) >= 60:
            break
    return made


@pytest.fixture(scope="module")
def ledgers(tmp_path_factory):
    """[(policy, input file, recalculated file)] for both policies, recalculated in one LibreOffice run."""
    folder = tmp_path_factory.mktemp("parity")
    (folder / "changed.toml").write_text(CHANGED_POLICY, encoding="utf-8")
    cases = [
        (default_policy(), 2000, 20221),
        (load_policy(folder / "changed.toml"), 600, 20222),
    ]
    built = []
    for number, (policy, count, seed) in enumerate(cases):
        generated = generate_households(count, seed, policy, AS_OF)
        households = ([h for _, h in scenario_households(policy, AS_OF)] + generated
                      + faulty_households(generated, policy))
        last_row = FIRST_DATA_ROW + person_count(households) + 4
        wb = build_workbook(policy, township="青岩镇", as_of=AS_OF, rows=last_row - FIRST_DATA_ROW + 1)
        RowWriter(wb[SHEET]).write(households)
        rule = f.duplicate_id(refs(last_row))
        for row in range(FIRST_DATA_ROW, last_row + 1):
            wb[SHEET].cell(row, DUPLICATE_COLUMN, f"={f.at_row(rule, row)}")
        path = folder / f"ledger-{number}.xlsx"
        wb.save(path)
        built.append((policy, path, len(households)))
    outputs = recalculate([path for _, path, _ in built], folder / "recalculated")
    return [(policy, path, out, count) for (policy, path, count), out in zip(built, outputs)]


def _value(v):
    if isinstance(v, datetime):
        return v.date()
    return None if v == "" else v


def _compare(policy, source: Path, recalculated: Path, count: int) -> list[str]:
    read = read_ledger(source, policy)
    assert len(read.households) >= count * 0.95, "most generated households have exactly one head row"
    ws = openpyxl.load_workbook(recalculated, data_only=True)[SHEET]
    cells = {row[0].row: row for row in ws.iter_rows(min_row=1)}

    def cell(row: int, key: str):
        return _value(cells[row][column_index(key) - 1].value)

    mismatches = []
    for entry in read.households:
        h, row = entry.household, entry.head_row
        p = plan(h, policy, AS_OF)
        a = p.assessment
        steps = {s.key: s for s in p.steps}
        step = p.next_step
        expected = {
            "grade": a.grade,
            "factors": factor_text(a.clause_ids, a.missing, a.grade) or None,
            "category": a.category or None,
            "scope": " ".join(a.scope_clauses) or "不在范围",
            "size": len(h.members),
            "next_step": f"{step.clause} {step.title}" if step else None,
            "next_due": step.due if step else None,
            "next_status": (step.status or None) if step else None,
            "d1_due": steps["household_check"].due if "household_check" in steps and steps["household_check"].clause == "D1" else None,
            "d3_due": steps["contact"].due if "contact" in steps else None,
            "visit_due": steps["visit"].due if "visit" in steps else None,
            "elimination_earliest": steps["elimination_nomination"].earliest if "elimination_nomination" in steps else None,
            "notice_full_end": notice_last_day(h.notice_start_on, policy.deadlines.public_notice_days,
                                               policy.deadlines.day_mode) if h.notice_start_on else None,
            "e_notice_full_end": notice_last_day(h.elimination_notice_start_on,
                                                 policy.deadlines.elimination_notice_days,
                                                 policy.deadlines.day_mode) if h.elimination_notice_start_on else None,
            "clauses": " ".join(a.clause_ids) or None,
        }
        for key, want in expected.items():
            got = cell(row, key)
            if got != want:
                mismatches.append(f"{h.household_id} row {row} {key}: formula {got!r} ≠ core {want!r}")
        if a.derived.income_per_head is not None:
            got = cell(row, "income_per_head")
            if abs(got - a.derived.income_per_head) > 1e-9:
                mismatches.append(f"{h.household_id} income_per_head {got} ≠ {a.derived.income_per_head}")
        # D2/D5 date problems: the row check names them exactly when plan() reports them.
        check = cell(row, "row_check") or ""
        flagged = any(mark in check for mark in ("D2 ", "D5 "))
        if flagged != bool(p.problems):
            mismatches.append(f"{h.household_id} date problems: formula {check!r}, core {[f.message for f in p.problems]}")
        # Member facts, row by row: ID validity, age and sex from GB 11643.
        for member, member_row in zip(h.members, entry.rows):
            valid = id_number.is_valid(member.id_number, on=AS_OF)
            if (cell(member_row, "m_id_ok") == 1) != valid:
                mismatches.append(f"{h.household_id} row {member_row} ID validity: core says {valid}")
            if valid and (cell(member_row, "age"), cell(member_row, "sex")) != (
                    id_number.age_on(member.id_number, AS_OF), id_number.sex(member.id_number)):
                mismatches.append(f"{h.household_id} row {member_row} age/sex")
    return mismatches


def test_formulas_agree_with_the_core_on_every_household(ledgers):
    for policy, source, recalculated, count in ledgers:
        mismatches = _compare(policy, source, recalculated, count)
        assert not mismatches, f"{len(mismatches)} mismatches, first: " + "\n".join(mismatches[:15])


BELOW_HEAD = "不在本户户主行之下"


def test_the_row_checks_agree_with_the_core_on_every_household(ledgers):
    """Head count, relation against sex and a member without a head, as the row checks show them next to the row,
    agree with what the core finds in each household; the duplicate-number rule marks exactly the rows whose typed
    number stands on another row, every duplicate the core finds within a household among them."""
    for policy, source, recalculated, _ in ledgers:
        read = read_ledger(source, policy)
        ws = openpyxl.load_workbook(recalculated, data_only=True)[SHEET]
        check = {r[0].row: r[column_index("row_check") - 1].value or "" for r in ws.iter_rows(min_row=FIRST_DATA_ROW)}
        typed = {r[0].row: r[column_index("id_number") - 1].value for r in ws.iter_rows(min_row=FIRST_DATA_ROW)}
        marked = {cell.row for (cell,) in ws.iter_rows(min_row=FIRST_DATA_ROW, min_col=DUPLICATE_COLUMN,
                                                       max_col=DUPLICATE_COLUMN) if cell.value is True}
        seen: dict[str, int] = {}
        for row, number in typed.items():
            if number:
                seen[number.upper()] = seen.get(number.upper(), 0) + 1
        assert marked == {row for row, number in typed.items() if number and seen[number.upper()] > 1}
        mismatches, exercised = [], set()
        for entry in read.households:
            findings = [x.message for x in plan(entry.household, policy, AS_OF).assessment.findings]
            rows, head = entry.rows, entry.head_row
            core = {
                "heads": any("一户应有且只有 1 名户主" in m for m in findings),
                "sex": any("与户主关系为" in m for m in findings),
                "duplicate": any("身份证号与第" in m for m in findings),
                "yellow_work": YELLOW_WITHOUT_WORK in findings,
            }
            sheet = {
                "heads": "本户有多名户主" in check[head],
                "sex": "配偶与户主性别相同" in check[head] or any("与户主关系与身份证性别不符" in check[r] for r in rows),
                "duplicate": any(r in marked for r in rows),
                "yellow_work": YELLOW_WITHOUT_WORK in check[head],
            }
            exercised |= {k for k, v in core.items() if v}
            for key in ("heads", "sex", "yellow_work"):
                if core[key] != sheet[key]:
                    mismatches.append(f"{entry.household.household_id} {key}: core {core[key]}, sheet {sheet[key]}: "
                                      f"{[check[r] for r in rows]}")
            if core["duplicate"] and not sheet["duplicate"]:
                mismatches.append(f"{entry.household.household_id}: core finds a duplicate number, the sheet marks none")
        # a household without a head is not read (the reader names its first row); the sheet marks that row
        headless = {p.row for p in read.problems if "没有户主行" in p.message}
        exercised |= {"no_head"} if headless else set()
        if {row for row, text in check.items() if BELOW_HEAD in text} != headless:
            mismatches.append(f"member rows without a head: sheet {sorted(r for r, t in check.items() if BELOW_HEAD in t)}"
                              f", reader {sorted(headless)}")
        assert exercised >= {"heads", "sex", "duplicate", "no_head", "yellow_work"}, exercised
        assert not mismatches, f"{len(mismatches)} mismatches, first: " + "\n".join(mismatches[:10])


def test_every_clause_and_step_status_was_exercised(ledgers):
    policy, source, recalculated, _ = ledgers[0]
    ws = openpyxl.load_workbook(recalculated, data_only=True)[SHEET]
    seen = {key: set() for key in ("grade", "next_status", "scope", "category", "next_step")}
    flags = set()
    for row in ws.iter_rows(min_row=4):
        for key in seen:
            seen[key].add(row[column_index(key) - 1].value)
        flags |= set((row[column_index("clauses") - 1].value or "").split())
    assert flags == set(GRADING_CLAUSES)
    assert {"红", "黄", "绿", "无"} <= seen["grade"]
    assert {"未到期", "即将到期", "已逾期"} <= seen["next_status"]
    # visited this month: the next visit is the next step (D4, D6); a step with no deadline shows no status
    assert {"D4 下次入户走访", "D6 下次入户走访"} & seen["next_step"]
    undated = [row for row in ws.iter_rows(min_row=4) if row[column_index("next_step") - 1].value
               and row[column_index("next_due") - 1].value is None]
    assert undated and all(row[column_index("next_status") - 1].value in (None, "") for row in undated)
    assert {"S1", "S2", "S1 S2", "不在范围"} <= seen["scope"]


def test_no_cell_holds_an_error_value(ledgers):
    for _, _, recalculated, _ in ledgers:
        wb = openpyxl.load_workbook(recalculated, data_only=True)
        errors = [f"{ws.title}!{c.coordinate}={c.value}" for ws in wb for row in ws.iter_rows() for c in row
                  if isinstance(c.value, str) and c.value.startswith("#") and c.value.rstrip("!?0/").upper() in (
                      "#N/A", "#VALUE", "#REF", "#NAME", "#DIV", "#NUM", "#NULL")]
        assert not errors, errors[:10]


# ---- faulty input: never an error value, never a silent 无 -----------------------------------------------------

def _row(household: str, name: str, relation: str, born: date, seq: int, **facts) -> dict:
    values = {"household_id": household, "name": name, "relation": relation,
              "id_number": id_number.make_valid("520111", born, seq), "labour": "普通劳动力", "village": "龙井村"}
    if relation.strip() == "户主":
        values |= {"household_type": "脱贫户", "annual_net_income": 30000, "food_clothing_secured": "是",
                   "water_secured": "是"}
    return values | facts


FAULTY = {   # household id → its rows, each with one way a clerk's typing or pasting goes wrong
    "TEXT-INCOME": [_row("TEXT-INCOME", "甲", "户主", date(1970, 1, 1), 11, annual_net_income="1.2万")],
    "TEXT-RIGID": [_row("TEXT-RIGID", "乙", "户主", date(1970, 1, 2), 13, rigid_spending_medical="三千")],
    "POOR-TYPE": [_row("POOR-TYPE", "丙", "户主", date(1970, 1, 3), 15, household_type="贫困户")],
    "HOUSE-D": [_row("HOUSE-D", "丁", "户主", date(1970, 1, 4), 17, household_type="C/D级危房户", house_grade="D级")],
    "HOUSE-BLANK": [_row("HOUSE-BLANK", "戊", "户主", date(1970, 1, 5), 19, household_type="C/D级危房户")],
    "FOOD-YOU": [_row("FOOD-YOU", "己", "户主", date(1970, 1, 6), 21, food_clothing_secured="有")],
    "HEAD-SPACE": [_row("HEAD-SPACE", "庚", "户主 ", date(1970, 1, 7), 23, annual_net_income=3000),
                   _row("HEAD-SPACE", "辛", "妻子", date(1972, 1, 7), 24)],
    "DATE-TEXT": [_row("DATE-TEXT", "壬", "户主", date(1970, 1, 8), 25, household_check_on="七月一日",
                       last_visit_on="上周", income_stable_since="半年前")],
    "ONLY-ID": [{"household_id": "ONLY-ID", "relation": "户主"}],
    "NUMBER-ID": [_row("NUMBER-ID", "癸", "户主", date(1970, 1, 9), 27, id_number=520111197001090271)],
    "TOILET-YOU": [_row("TOILET-YOU", "子", "户主", date(1970, 1, 10), 29, sanitary_toilet="没有")],
    # member values off their lists, in every column a clause reads (R4 R5 R7): 待补充 naming the column, never 无
    "DISABLED-TEXT": [_row("DISABLED-TEXT", "寅", "户主", date(1970, 1, 11), 33, disability="二级残疾", insured="否")],
    "MEMBER-LISTS": [_row("MEMBER-LISTS", "卯", "户主", date(1970, 1, 12), 35, labour="能干活"),
                     _row("MEMBER-LISTS", "辰", "配偶", date(1971, 1, 12), 36, health="重病", insured="有"),
                     _row("MEMBER-LISTS", "巳", "之子", date(2012, 1, 12), 37, school="七年级")],
    "RED-AND-BAD": [_row("RED-AND-BAD", "午", "户主", date(1970, 1, 13), 39, annual_net_income=3000,
                         disability="二级残疾")],
}
NO_HOUSEHOLD = {"name": "丑", "relation": "户主", "id_number": id_number.make_valid("520111", date(1971, 2, 2), 31),
                "annual_net_income": "五千"}


def _faulty_ledger(folder: Path, year: int | None = None) -> tuple[Path, dict[str, int]]:
    wb = build_workbook(default_policy(), township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=40)
    ws = wb[SHEET]
    at, row = {}, FIRST_DATA_ROW
    for household, rows in FAULTY.items():
        at[household] = row
        for values in rows:
            for key, value in values.items():
                ws.cell(row, column_index(key), value)
            row += 1
    for key, value in NO_HOUSEHOLD.items():
        ws.cell(row, column_index(key), value)
    at["NO-HOUSEHOLD"] = row
    if year:
        wb["参数"][_param_ref(wb, "P_YEAR")] = year
    # each shading rule of a list or 是/否 column, evaluated as a formula in a spare column, row by row
    for number, (key, rule) in enumerate(_shading_rules(ws)):
        for r in range(FIRST_DATA_ROW, row + 1):
            ws.cell(r, SHADING_COLUMN + number, "=" + re.sub(rf"\${column_letter(key)}{FIRST_DATA_ROW}\b",
                                                           f"${column_letter(key)}{r}", rule))
    path = folder / f"faulty-{year or 'line'}.xlsx"
    wb.save(path)
    return path, at


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faulty")
    built = [_faulty_ledger(folder), _faulty_ledger(folder, year=2030)]
    outputs = recalculate([path for path, _ in built], folder / "out")
    return [(path, at, out) for (path, at), out in zip(built, outputs)]


def _errors(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path, data_only=True)
    return [f"{ws.title}!{c.coordinate}={c.value}" for ws in wb for row in ws.iter_rows() for c in row
            if isinstance(c.value, str) and c.value.startswith("#") and c.value[1:4].isupper()]


def test_faulty_input_never_shows_an_error_value(faulty):
    for _, _, out in faulty:
        assert _errors(out) == []


def test_faulty_input_shows_what_to_complete_and_agrees_with_the_core(faulty):
    """Every household the reader can read is graded by the sheet as by the core (待补充 where a fact could not be
    read); the official columns name the missing facts, the row check says what to fix."""
    policy = default_policy()
    source, at, out = faulty[0]
    ws = openpyxl.load_workbook(out, data_only=True)[SHEET]

    def cell(row: int, key: str):
        return _value(ws.cell(row, column_index(key)).value) or ""

    read = {e.household.household_id: e for e in read_ledger(source, policy).households}
    for household_id, entry in read.items():
        a = plan(entry.household, policy, AS_OF).assessment
        row = entry.head_row
        assert (cell(row, "grade"), cell(row, "factors")) == (a.grade, factor_text(a.clause_ids, a.missing, a.grade)), household_id
    grades = {h: cell(at[h], "grade") for h in FAULTY}
    assert all(grades[h] == "待补充" for h in FAULTY if h not in ("HEAD-SPACE", "NUMBER-ID", "DATE-TEXT", "RED-AND-BAD"))
    assert grades["HEAD-SPACE"] == "红"                        # "户主 " is the head: R1 at 3,000 a year for two
    assert cell(at["TEXT-INCOME"], "factors") == "待补充：家庭年纯收入（元）"
    assert cell(at["HOUSE-D"], "factors") == "待补充：住房安全等级"
    assert cell(at["DISABLED-TEXT"], "factors") == "待补充：残疾等级"
    assert cell(at["MEMBER-LISTS"], "factors") == "待补充：劳动技能、健康状况、在校生状况、参加基本医疗保险"
    assert (cell(at["RED-AND-BAD"], "grade"), cell(at["RED-AND-BAD"], "factors")) == ("红", "R1 人均纯收入低于标准线")
    assert cell(at["ONLY-ID"], "factors") == "待补充：户类型、家庭年纯收入（元）、吃穿有保障、饮水安全有保障"
    checks = {h: cell(at[h], "row_check") for h in FAULTY}
    assert "“家庭年纯收入（元）”不是数字" in checks["TEXT-INCOME"]
    assert "“户类型”填了“贫困户”，不在下拉列表中，可能是“脱贫户”" in checks["POOR-TYPE"]
    assert "“住房安全等级”填了“D级”，不在下拉列表中，可能是“D”" in checks["HOUSE-D"]
    assert "“吃穿有保障”填了“有”，不在下拉列表中，可能是“是”" in checks["FOOD-YOU"]
    assert "“与户主关系”填了“妻子”，不在下拉列表中，可能是“配偶”" in cell(at["HEAD-SPACE"] + 1, "row_check")
    assert "“入户核实日期”写成了文字" in checks["DATE-TEXT"] and "“最近走访日期”写成了文字" in checks["DATE-TEXT"]
    assert checks["NUMBER-ID"].startswith("身份证号存成了数字，末几位已丢失") and "校验码" not in checks["NUMBER-ID"]
    assert "户编号未填" in cell(at["NO-HOUSEHOLD"], "row_check")
    assert cell(at["NO-HOUSEHOLD"], "grade") == "待补充" and "户编号" in cell(at["NO-HOUSEHOLD"], "factors")


SHADING_COLUMN = 220


def _shading_rules(ws) -> list[tuple[str, str]]:
    """(column key, formula) of the conditional formats that shade a list or 是/否 input column's off-list values."""
    keys = {f"{column_letter(c.key)}{FIRST_DATA_ROW}": c.key for c in COLUMNS
            if c.kind == "input" and c.type in ("list", "bool") and not c.multiple}
    rules = []
    for area in ws.conditional_formatting:
        first = str(area.sqref).split(":")[0]
        for rule in area.rules:
            if first in keys and "ISERROR(FIND(" in rule.formula[0]:
                rules.append((keys[first], rule.formula[0]))
    return rules


def test_every_value_off_its_list_is_shaded_where_it_stands(faulty):
    """README: “红色底纹的单元格格式有误”. Each list and 是/否 column has a shading rule; evaluated by LibreOffice, the
    rules mark exactly the cells the reader finds off their lists (贫困户, D级, 有, 妻子, 没有, 二级残疾, 能干活, 重病,
    七年级 …), no blank and no listed value."""
    source, _, out = faulty[0]
    rules = _shading_rules(openpyxl.load_workbook(source)[SHEET])
    assert {key for key, _ in rules} == {c.key for c in COLUMNS if c.kind == "input" and c.type in ("list", "bool")
                                         and not c.multiple}
    ws = openpyxl.load_workbook(out, data_only=True)[SHEET]
    shaded = {(r, key) for number, (key, _) in enumerate(rules) for r in range(FIRST_DATA_ROW, ws.max_row + 1)
              if ws.cell(r, SHADING_COLUMN + number).value is True}
    headers = {c.header: c.key for c in COLUMNS}
    off_list = {(p.row, headers[p.column]) for p in read_ledger(source, default_policy()).problems
                if "不在下拉列表中" in p.message}
    assert len(off_list) >= 10 and shaded == off_list


def _param_ref(wb, name: str) -> str:
    """The 参数 cell a defined name points at: "B8"."""
    return wb.defined_names[name].attr_text.split("!")[1].replace("$", "")


def test_a_year_without_a_line_shows_what_to_complete_not_n_a(faulty):
    _, at, out = faulty[1]
    ws = openpyxl.load_workbook(out, data_only=True)[SHEET]
    for household, row in at.items():
        if household == "HEAD-SPACE":
            continue
        assert ws.cell(row, column_index("grade")).value == "待补充", household
        assert "标准线" in ws.cell(row, column_index("factors")).value
        assert "核算年度没有标准线" in ws.cell(row, column_index("row_check")).value
    result = openpyxl.load_workbook(out, data_only=True)
    assert result["参数"][_param_ref(result, "P_LINE")].value == "未配置"


# ---- a clerk's first households: a 1,000-row ledger holding one or two ----------------------------------------------

def _small_ledger(folder: Path, name: str, households: list, number_id: bool = False) -> Path:
    wb = build_workbook(default_policy(), township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=1000)
    RowWriter(wb[SHEET]).write(households)
    if number_id:      # the head's ID pasted from another program as a number (its last digits lost)
        cell = wb[SHEET].cell(FIRST_DATA_ROW, column_index("id_number"))
        cell.value = int(cell.value[:15]) * 1000
    path = folder / f"{name}.xlsx"
    wb.save(path)
    return path


def test_a_ledger_holding_one_household_shows_no_error_value(tmp_path):
    """LibreOffice computes a formula column of 100 rows or more as a group, threaded; with a single household typed
    it once showed #VALUE! in 预警分级, 监测预警因素, 下一步 and 行检查 (issue 17). One household of one person, of
    three, one whose head's ID was pasted as a number, and two households: every cell free of error values, and the
    grade the core's."""
    from conftest import household, person
    policy = default_policy()
    red = household([person("王一")], household_id="A1", village="龙井村", annual_net_income=1000)
    three = household([person("李一"), person("李二", "配偶", sex="女"), person("李三", "之子", born=date(2010, 1, 1))],
                      household_id="B1", village="龙井村", annual_net_income=10000)
    green = household([person("赵一")], household_id="C1", village="龙井村", subsidies_undelivered=True)
    cases = {"one": [red], "three": [three], "number-id": [red], "two": [red, green], "green": [green]}
    paths = [_small_ledger(tmp_path, name, hh, number_id=name == "number-id") for name, hh in cases.items()]
    outputs = recalculate(paths, tmp_path / "out")
    for (name, households), source, out in zip(cases.items(), paths, outputs):
        assert _errors(out) == [], name
        ws = openpyxl.load_workbook(out, data_only=True)[SHEET]
        for entry in read_ledger(source, policy).households:
            a = plan(entry.household, policy, AS_OF).assessment
            assert ws.cell(entry.head_row, column_index("grade")).value == a.grade, name

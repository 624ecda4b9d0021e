"""The in-cell formulas agree with the rulebook: thousands of generated households written into the template,
recalculated by LibreOffice (an engine we did not write), compared household by household with `assess` and `plan`.

Two workbooks: the shipped policy (calendar days), and a changed one (working days, another line, margin and school
ages) to prove the formulas read the 参数 sheet rather than numbers frozen at generation time.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from hx_excel.core import id_number
from hx_excel.core.clauses import GRADING_CLAUSES, factor_text
from hx_excel.core.days import notice_last_day
from hx_excel.core.workflow import plan
from hx_excel.core.models import Household
from hx_excel.ledger import formulas as f
from hx_excel.ledger.reader import read_ledger
from hx_excel.ledger.schema import FIRST_DATA_ROW, SHEET, column_index
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
        head = next(i for i, m in enumerate(members) if m["relation"] == "户主")
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
            "factors": factor_text(a.clause_ids) or None,
            "category": a.category or None,
            "scope": " ".join(a.scope_clauses) or "不在范围",
            "size": len(h.members),
            "next_step": f"{step.clause} {step.title}" if step else None,
            "next_due": step.due if step else None,
            "next_status": step.status if step else None,
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
            }
            sheet = {
                "heads": "本户有多名户主" in check[head],
                "sex": "配偶与户主性别相同" in check[head] or any("与户主关系与身份证性别不符" in check[r] for r in rows),
                "duplicate": any(r in marked for r in rows),
            }
            exercised |= {k for k, v in core.items() if v}
            for key in ("heads", "sex"):
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
        assert exercised >= {"heads", "sex", "duplicate", "no_head"}, exercised
        assert not mismatches, f"{len(mismatches)} mismatches, first: " + "\n".join(mismatches[:10])


def test_every_clause_and_step_status_was_exercised(ledgers):
    policy, source, recalculated, _ = ledgers[0]
    ws = openpyxl.load_workbook(recalculated, data_only=True)[SHEET]
    seen = {key: set() for key in ("grade", "next_status", "scope", "category")}
    flags = set()
    for row in ws.iter_rows(min_row=4):
        for key in seen:
            seen[key].add(row[column_index(key) - 1].value)
        flags |= set((row[column_index("clauses") - 1].value or "").split())
    assert flags == set(GRADING_CLAUSES)
    assert {"红", "黄", "绿", "无"} <= seen["grade"]
    assert {"未到期", "即将到期", "已逾期"} <= seen["next_status"]
    assert {"S1", "S2", "S1 S2", "不在范围"} <= seen["scope"]


def test_no_cell_holds_an_error_value(ledgers):
    for _, _, recalculated, _ in ledgers:
        wb = openpyxl.load_workbook(recalculated, data_only=True)
        errors = [f"{ws.title}!{c.coordinate}={c.value}" for ws in wb for row in ws.iter_rows() for c in row
                  if isinstance(c.value, str) and c.value.startswith("#") and c.value.rstrip("!?0/").upper() in (
                      "#N/A", "#VALUE", "#REF", "#NAME", "#DIV", "#NUM", "#NULL")]
        assert not errors, errors[:10]

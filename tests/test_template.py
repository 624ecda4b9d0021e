"""The official template: generated from the schema, committed, and carrying what a clerk relies on."""

from __future__ import annotations

import re
from datetime import date
import zipfile
from xml.etree.ElementTree import canonicalize
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from hx_excel.core.workflow import plan
from hx_excel.files.save import save_workbook
from hx_excel.ledger import printing
from hx_excel.ledger import template
from hx_excel.ledger.formulas import HOUSEHOLD_ROWS, column_name
from hx_excel.ledger.schema import (COLUMNS, FIRST_DATA_ROW, HEADER_ROW, OFFICIAL, OFFICIAL_HEADERS, SHEET, TITLE, column_index,
                                    column_letter)
from hx_excel.ledger.template import (DEFAULT_ROWS, STAT_FIRST_SLOT, TEMPLATE_FILE, VILLAGE_SLOTS, build_workbook,
                                     official_template, shared_from)
from hx_excel.core.clauses import CATEGORIES
from hx_excel.samples.generate import generate_households
from hx_excel.ledger.writer import RowWriter
from hx_excel.office.libreoffice import recalculate
from hx_excel.policy import default_policy
from hx_excel.samples import sample_households

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "workbook_templates" / TEMPLATE_FILE
LAST_ROW = FIRST_DATA_ROW + DEFAULT_ROWS - 1

# The Excel 2010 functions the formulas may use; anything newer needs `_xlfn.` and breaks Excel 2010 and WPS.
EXCEL_2010 = {
    "AND", "OR", "NOT", "IF", "IFERROR", "ISNUMBER", "ISTEXT", "ISNA", "SUM", "SUMIF", "SUMPRODUCT", "COUNT",
    "COUNTA", "COUNTIF", "COUNTIFS", "MIN", "MAX", "MOD", "INT", "N", "LEN", "MID", "LEFT", "RIGHT", "UPPER", "TRIM",
    "SUBSTITUTE", "FIND", "CHOOSE", "DATE", "YEAR", "MONTH", "DAY", "TODAY", "EOMONTH", "EDATE", "INDEX", "MATCH",
    "VLOOKUP", "ROW", "FREQUENCY", "ISERROR", "SUBTOTAL", "OFFSET",
}


@pytest.fixture(scope="module")
def template_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / TEMPLATE_FILE
    official_template(default_policy()).save(path)
    return path


@pytest.fixture(scope="module")
def wb(template_path):
    return openpyxl.load_workbook(template_path)


def _contents(path: Path) -> dict[str, str]:
    """Every part of the package but docProps/core.xml (openpyxl stamps its modified time on each save), in XML
    canonical form: openpyxl serialises a little differently with and without lxml installed."""
    with zipfile.ZipFile(path) as z:
        return {name: canonicalize(z.read(name).decode("utf-8"), strip_text=True)
                for name in z.namelist() if name != "docProps/core.xml"}


def test_committed_template_is_what_the_schema_generates(template_path):
    """Regenerate with `python scripts/build_template.py` after changing the schema, formulas or policy."""
    committed, generated = _contents(COMMITTED), _contents(template_path)
    differing = sorted(name for name in committed.keys() | generated.keys() if committed.get(name) != generated.get(name))
    assert not differing, f"parts that differ: {differing}"  # names only: a diff of the sheet XML is huge


def test_column_reference_doc_is_what_the_schema_generates():
    from hx_excel.ledger.docs import columns_markdown, formulas_markdown
    assert (ROOT / "docs" / "ledger-columns.md").read_text(encoding="utf-8") == columns_markdown()
    assert (ROOT / "docs" / "ledger-formulas.md").read_text(encoding="utf-8") == formulas_markdown()


def test_the_formula_reference_names_every_column_by_its_header():
    """docs/ledger-formulas.md, for someone who knows Excel: each computed column's formula, every reference to 台账
    written as a header in brackets — no column letter, no row placeholder left."""
    from hx_excel.ledger.docs import formulas_markdown
    text = formulas_markdown()
    for column in COLUMNS:
        if column.formula:
            assert f"## {column.header}（" in text, column.key
    code = "\n".join(text.split("```")[1::2])
    assert "§" not in code and not re.search(r"\$[A-Z]{1,3}\$?\d", code), re.findall(r"\$[A-Z]{1,3}\$?\d+", code)[:5]
    assert "SUMPRODUCT(--([户编号]（本行起 20 行）=[户编号]),[成员事实编码]（本行起 20 行）)" in text


def test_sheets(wb):
    assert wb.sheetnames == ["填表说明", "台账", "参数", "统计", "值列表", "日历"]
    assert [ws.sheet_state for ws in wb] == ["visible"] * 4 + ["hidden"] * 2


def test_official_columns_first_in_order_with_exact_headers(wb):
    ws = wb[SHEET]
    headers = [ws.cell(HEADER_ROW, i).value for i in range(1, len(COLUMNS) + 1)]
    assert tuple(headers[:14]) == OFFICIAL_HEADERS
    assert headers == [c.header for c in COLUMNS]
    assert ws.cell(1, 1).value.startswith(f'="{TITLE}（')     # township and month follow (tests/test_print.py)
    groups = [ws.cell(2, i).value for i in range(2, len(COLUMNS) + 1) if ws.cell(2, i).value]
    assert groups == list(dict.fromkeys(c.group for c in COLUMNS if c.group != OFFICIAL))
    # over the official columns, the row holds the sign-off line instead, so that it prints on every page
    assert ws.cell(2, 1).value.startswith('="填报单位（盖章）："') and "A2:N2" in ws.merged_cells
    for i, column in enumerate(COLUMNS, start=1):
        assert column.help in ws.cell(HEADER_ROW, i).comment.text


def test_frozen_header_filter_and_print_setup(wb, template_path):
    ws = wb[SHEET]
    assert ws.freeze_panes == f"F{FIRST_DATA_ROW}"
    assert ws.auto_filter.ref == f"A{HEADER_ROW}:{column_letter(COLUMNS[-1].key)}{LAST_ROW}"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) and ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$3"
    # the official 14 columns, down to the last row typed when Excel or WPS prints: a formula (ledger.printing)
    assert ws.print_options.gridLines
    assert printing.print_area_in_file(template_path) == [printing.print_area_formula(LAST_ROW)]
    assert "PRINT_END" not in wb.defined_names


def test_every_listed_column_has_a_dropdown_with_input_message_and_error_alert(wb):
    ws = wb[SHEET]
    by_column = {}
    for rule in ws.data_validations.dataValidation:
        if rule.type == "custom":
            continue            # below the prepared rows (the next test)
        for ref in str(rule.sqref).split():
            by_column[re.match(r"[A-Z]+", ref).group()] = rule
    for column in COLUMNS:
        if column.kind == "input" and column.type in ("list", "bool", "date", "number"):
            rule = by_column[column_letter(column.key)]
            assert rule.showInputMessage and rule.showErrorMessage and rule.prompt and rule.error, column.header
            if column.type in ("list", "bool"):
                assert rule.type == "list"


def test_typing_below_the_prepared_rows_is_refused_and_a_paste_there_is_marked(wb):
    """Below the last formula row nothing is computed: every input column refuses typing there (a paste slips past
    a validation, so 序号 and 姓名 of such a row turn red)."""
    ws = wb[SHEET]
    below = [rule for rule in ws.data_validations.dataValidation if rule.type == "custom"]
    assert len(below) == 1 and below[0].formula1 == "0" and below[0].showErrorMessage
    assert f"第 {FIRST_DATA_ROW}–{LAST_ROW} 行" in below[0].error and "hx-excel extend" in below[0].error
    covered = {re.match(r"([A-Z]+)(\d+):\1(\d+)$", ref).groups() for ref in str(below[0].sqref).split()}
    assert covered == {(column_letter(c.key), str(LAST_ROW + 1), "1048576") for c in COLUMNS if c.kind == "input"}
    marked = {str(cf.sqref) for cf in ws.conditional_formatting if str(cf.sqref).endswith("1048576")}
    assert marked == {f"{column_letter(k)}{LAST_ROW + 1}:{column_letter(k)}1048576" for k in ("seq", "name")}


def test_cells_types_locking_and_protection(wb):
    ws = wb[SHEET]
    assert ws.protection.sheet and not ws.protection.password
    for column in COLUMNS:
        letter = column_letter(column.key)
        dimension = ws.column_dimensions[letter]
        if column.kind == "input":
            assert dimension.protection.locked is False, column.header
            if column.type == "id":
                assert dimension.number_format == "@"  # ID numbers are text: Excel keeps 15 digits of a number
            if column.type == "date":
                assert dimension.number_format == "yyyy-mm-dd"
        elif column.kind == "filled":   # written by hx-excel fill: no formula, locked against typing
            cell = ws[f"{letter}{FIRST_DATA_ROW}"]
            assert cell.value is None and cell.protection.locked, column.header
        else:
            cell = ws[f"{letter}{FIRST_DATA_ROW}"]
            assert cell.data_type == "f" and cell.protection.locked, column.header
        assert dimension.hidden is column.hidden


def test_conditional_formats_for_grades_overdue_and_invalid_cells(wb):
    rules = [(str(cf.sqref), rule.formula[0], rule.dxf.fill.fgColor.rgb if rule.dxf.fill else None)
             for cf in wb[SHEET].conditional_formatting for rule in cf.rules]
    grade = column_letter("grade")
    for colour_grade in ("红", "黄", "绿"):
        assert any(ref.startswith(grade) and f'="{colour_grade}"' in formula for ref, formula, _ in rules)
    assert any('="已逾期"' in formula for _, formula, _ in rules)
    for due in ("d1_due", "d3_due", "visit_due"):  # a passed deadline of an open step shows red
        assert any(ref.startswith(column_letter(due)) and "<P_ASOF" in formula for ref, formula, _ in rules)
    assert any(ref.startswith(column_letter("id_number")) for ref, _, _ in rules)
    assert any(ref.startswith(column_letter("annual_net_income")) and "ISTEXT" in formula for ref, formula, _ in rules)


def test_formulas_use_the_excel_2010_function_set_only(template_path):
    wb = openpyxl.load_workbook(template_path)
    used = Counter()
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    text = getattr(cell.value, "text", cell.value)   # an array formula (统计's FREQUENCY) or text
                    assert "_xlfn" not in text
                    used.update(re.findall(r"([A-Z][A-Z0-9.]*)\(", re.sub(r'"[^"]*"', '""', text)))
    for rule in wb[SHEET].data_validations.dataValidation:
        used.update(re.findall(r"([A-Z][A-Z0-9.]*)\(", rule.formula1 or ""))
    for name in wb.defined_names.values():  # the computed columns' formulas live here (F_<KEY>)
        assert "_xlfn" not in name.attr_text
        used.update(re.findall(r"([A-Z][A-Z0-9.]*)\(", re.sub(r'"[^"]*"', '""', name.attr_text)))
    assert {"IF", "SUMPRODUCT", "MATCH", "EOMONTH"} <= set(used)
    assert set(used) <= EXCEL_2010, set(used) - EXCEL_2010


def test_each_computed_column_is_one_named_formula_relative_to_its_row(template_path):
    """Every cell of a computed column holds =F_<KEY>; the name holds the column's formula once, its references
    relative to the row using it (stored as row 1, as Excel stores a name's relative references). They reach this row,
    the household's window below it (formulas.HOUSEHOLD_ROWS) and one row past it, or the whole data range; never a
    row above, which a name cannot express: the columns that read rows above hold their formula in each cell
    (block_start and seq_count the row above; p_grade and p_category the rows up to the household's head, never
    above row 4)."""
    wb = openpyxl.load_workbook(template_path)
    ws = wb[SHEET]
    for column in COLUMNS:
        if not column.formula:
            continue
        if column.in_cell:
            for row in (FIRST_DATA_ROW, FIRST_DATA_ROW + 1, FIRST_DATA_ROW + HOUSEHOLD_ROWS - 2,
                        FIRST_DATA_ROW + HOUSEHOLD_ROWS - 1, FIRST_DATA_ROW + HOUSEHOLD_ROWS, ws.max_row):
                text = ws.cell(row, column_index(column.key)).value
                above = (row - 1 if column.key in ("block_start", "seq_count")
                         else max(FIRST_DATA_ROW, row - HOUSEHOLD_ROWS + 1))
                assert set(re.findall(r"\$[A-Z]+(\d+)", text)) == {str(row), str(above)}, (column.key, text)
            continue
        name = column_name(column.key)
        for row in (FIRST_DATA_ROW, FIRST_DATA_ROW + 1, ws.max_row):
            text = ws.cell(row, column_index(column.key)).value
            assert text == f"={name}" or (row == shared_from(column, ws.max_row) - 1 and text == f"=({name})"), (
                column.key, row)
        text = wb.defined_names[name].attr_text
        assert "§" not in text
        rows = re.findall(r"台账'?!\$[A-Z]+(\$?)(\d+)", text)
        assert all(absolute or 1 <= int(number) <= HOUSEHOLD_ROWS + 1 for absolute, number in rows), (column.key, text)


def test_named_formulas_survive_an_openpyxl_round_trip(template_path, tmp_path):
    """The tools load and re-save ledgers with openpyxl (hx_excel.files.save.save_workbook): the names must come back."""
    original = openpyxl.load_workbook(template_path)
    save_workbook(original, tmp_path / "again.xlsx")
    again = openpyxl.load_workbook(tmp_path / "again.xlsx")
    names = {n for n in original.defined_names if n.startswith("F_")}
    assert len(names) == sum(1 for c in COLUMNS if c.formula and not c.in_cell)
    assert {n: again.defined_names[n].attr_text for n in names} == {n: original.defined_names[n].attr_text for n in names}


def test_parameters_are_named_cells_from_the_policy(wb):
    names = wb.defined_names
    policy = default_policy()
    params = wb["参数"]

    def value(name):
        sheet, ref = names[name].attr_text.split("!")
        return params[ref.replace("$", "")].value

    assert value("P_ASOF") == "=TODAY()"
    assert value("P_MARGIN") == policy.grading.g1_margin_multiple
    assert (value("P_D1"), value("P_D2"), value("P_D3")) == (7, 5, 10)
    assert value("P_LINE").startswith("=IFERROR(VLOOKUP(P_YEAR")
    assert value("P_YEAR") == 2022


def _stats_table(stats) -> tuple[list[str], dict[str, dict[str, int]], list[str]]:
    """统计's village table as the page shows it: the labels in order, and each label's counts by header."""
    first = STAT_FIRST_SLOT
    grades = [c.value for c in stats[first - 1]][1:8]
    assert grades == ["红", "黄", "绿", "无", "待补充", "不在监测范围", "小计"]
    keys = [f"户{g}" for g in grades] + [f"人{g}" for g in grades] + ["已逾期", "即将到期"]
    labels, table = [], {}
    for row in stats.iter_rows(min_row=first, max_row=first + VILLAGE_SLOTS + 1, max_col=17, values_only=True):
        labels.append(row[0] or "")
        if row[0]:
            table[row[0]] = dict(zip(keys, row[1:]))
    categories = {stats.cell(5, 2 + i * 2).value: (stats.cell(6, 2 + i * 2).value, stats.cell(7, 2 + i * 2).value)
                  for i in range(5)}
    return labels, table, categories


@pytest.mark.libreoffice
@pytest.mark.parametrize("block_rows", [None, 37])
def test_statistics_count_every_household_and_person_and_add_up(tmp_path, monkeypatch, block_rows):
    """统计 against the core, on generated households over several villages, one of them left out of 参数's list
    (a blank slot between villages): households and persons by grade (无 and 待补充 included; out of scope in its own
    column, never under its grade, unless 待补充), overdue, due soon, by monitored category; 不在村名单的村 and then
    合计 directly under the last village; every column of the village rows adds up to 合计. Counted in one block (400
    rows), and in blocks of 37 rows, so that households straddle the blocks' edges and the last block is short."""
    if block_rows:
        monkeypatch.setattr(template, "STAT_BLOCK_ROWS", block_rows)
    policy = default_policy()
    as_of = date(2022, 7, 15)
    households = generate_households(90, seed=21, policy=policy, as_of=as_of)
    # two heads in one household: the sheet grades each head row (and says 本户有多名户主), the core one household
    households = [h for h in households if sum(m.relation == "户主" for m in h.members) <= 1]
    villages = tuple(dict.fromkeys(h.village for h in households if h.village))
    assert len(villages) >= 4
    wb = build_workbook(policy, township="青岩镇", villages=villages, as_of=as_of, rows=400)
    RowWriter(wb[SHEET]).write(households)
    wb["参数"]["E4"] = None                      # villages[1] drops out of the list, leaving a gap
    wb.save(tmp_path / "stats.xlsx")
    [out] = recalculate([tmp_path / "stats.xlsx"], tmp_path / "out")
    stats = openpyxl.load_workbook(out, data_only=True)["统计"]
    labels, table, categories = _stats_table(stats)
    # a household typed without a head row is not graded by the sheet (its rows say why): 统计 says it left them out
    headless = [h for h in households if not any(m.relation == "户主" for m in h.members)]
    assert headless, "the generated households should include one without a head"
    assert stats["A8"].value == f"注意：另有 {sum(len(h.members) for h in headless)} 人找不到本户的户主行，未计入按分级的人数，请看台账“行检查”。"
    households = [h for h in households if h not in headless]

    listed = [villages[0], *villages[2:]]
    assert labels[:len(villages) + 2] == [villages[0], "", *villages[2:], "不在村名单的村", "合计"]
    assert not any(labels[len(villages) + 2:])
    plans = [(h, plan(h, policy, as_of)) for h in households]
    for place in [*listed, "不在村名单的村"]:
        mine = [(h, p) for h, p in plans if (h.village if h.village in listed else "不在村名单的村") == place]
        def kind(a):
            return a.grade if a.in_scope or a.grade == "待补充" else "不在监测范围"
        grades = Counter(kind(p.assessment) for _, p in mine)
        persons = Counter()
        for h, p in mine:
            persons[kind(p.assessment)] += len(h.members)
        for grade in ("红", "黄", "绿", "无", "待补充", "不在监测范围"):
            assert table[place][f"户{grade}"] == grades[grade], (place, grade)
            assert table[place][f"人{grade}"] == persons[grade], (place, grade)
        assert table[place]["户小计"] == len(mine)
        assert table[place]["已逾期"] == sum(1 for _, p in mine if p.next_step and p.next_step.status == "已逾期")
        assert table[place]["即将到期"] == sum(1 for _, p in mine if p.next_step and p.next_step.status == "即将到期")
    for key in table["合计"]:
        assert sum(table[place][key] for place in [*listed, "不在村名单的村"]) == table["合计"][key], key
    assert table["合计"]["户小计"] == len(households)
    assert table["合计"]["户不在监测范围"] > 0                                  # the column was exercised
    assert table["合计"]["人小计"] == sum(len(h.members) for h in households)
    for category in CATEGORIES:
        mine = [(h, p) for h, p in plans if p.assessment.category == category]
        assert categories[category] == (len(mine), sum(len(h.members) for h, _ in mine)), category
    counted = sum(n for n, _ in (categories[c] for c in CATEGORIES))
    assert categories["合计"][0] == counted


@pytest.mark.libreoffice
def test_a_blank_ledger_shows_no_error_value(template_path, tmp_path):
    """Before anything is typed every computed cell is blank or a count of 0 (LibreOffice's FREQUENCY, for one, is
    #VALUE! over a column without numbers)."""
    [out] = recalculate([template_path], tmp_path / "out")
    wb = openpyxl.load_workbook(out, data_only=True)
    errors = [f"{ws.title}!{c.coordinate}={c.value}" for ws in wb for row in ws.iter_rows()
              for c in row if isinstance(c.value, str) and c.value.startswith("#")]
    assert not errors, errors[:10]
    labels, table, categories = _stats_table(wb["统计"])
    assert labels[0] == "合计" and not any(labels[1:])            # no village listed: 合计 alone, all zero
    assert set(table["合计"].values()) == {0}
    assert set(categories.values()) == {(0, 0)}


def test_saving_a_ledger_writes_its_print_area_formula_again(template_path, tmp_path):
    """openpyxl drops the formula print area when it loads a ledger; every hx-excel save writes it again, for the
    rows the ledger is prepared to (ledger.printing). Python's reading of it ends at the last row naming a person,
    a blank 姓名 with a 户编号 included, whatever is filled ahead in 乡镇."""
    from openpyxl.workbook.defined_name import DefinedName
    wb = openpyxl.load_workbook(template_path)
    ws = wb[SHEET]
    ws[f"{column_letter('name')}5"] = "张三"
    ws[f"{column_letter('household_id')}9"] = "QY-009"      # 姓名 left blank: still a person's row
    for row in range(FIRST_DATA_ROW, 30):
        ws[f"{column_letter('township')}{row}"] = "青岩镇"   # filled down ahead of the typing
    assert printing.last_printed_row(ws) == 9
    # a ledger from before the formula print area turned 序号 blue at and below PRINT_END: below the prepared rows now
    wb.defined_names["PRINT_END"] = DefinedName("PRINT_END", attr_text="'台账'!$A$10")
    save_workbook(wb, tmp_path / "again.xlsx")
    assert printing.print_area_in_file(tmp_path / "again.xlsx") == [printing.print_area_formula(LAST_ROW)]
    again = openpyxl.load_workbook(tmp_path / "again.xlsx")
    assert again[SHEET].print_title_rows == "$1:$3"
    assert again.defined_names["PRINT_END"].attr_text == f"'台账'!$A${LAST_ROW + 1}"


@pytest.mark.libreoffice
def test_the_hidden_calendar_carries_a_year_from_the_policy_file(tmp_path):
    """A 2027 given in the policy file (chinesecalendar stops at 2026) is in the hidden 日历, and the sheet's D1 and D3
    deadlines in working days agree with the core across the new year."""
    from hx_excel.core.models import Household
    from hx_excel.core.workflow import plan
    from hx_excel.policy import load_policy
    (tmp_path / "p.toml").write_text(
        '[deadlines]\nday_mode = "working"\n[calendar.2027]\n'
        "holidays = [2027-01-01, 2027-02-05, 2027-02-08]\nworkdays = [2027-02-07]\n", encoding="utf-8")
    policy = load_policy(tmp_path / "p.toml")
    as_of = date(2027, 2, 10)
    household = Household.parse({
        "household_id": "Q-1", "household_type": "脱贫户", "year": 2022, "annual_net_income": 3000,
        "food_clothing_secured": True, "water_secured": True, "clue_on": date(2026, 12, 28),
        "entered_on": date(2027, 1, 28),
        "members": [{"name": "户主", "relation": "户主", "id_number": "520111198001010011", "labour": "普通劳动力"}]},
        policy)
    wb = build_workbook(policy, as_of=as_of, rows=5)
    dates = [row[0] for row in wb["日历"].iter_rows(min_row=2, values_only=True)]
    assert dates[-1] == date(2027, 12, 31)
    RowWriter(wb[SHEET]).write([household])
    wb.save(tmp_path / "l.xlsx")
    [out] = recalculate([tmp_path / "l.xlsx"], tmp_path / "out")
    ws = openpyxl.load_workbook(out, data_only=True)[SHEET]
    steps = {s.key: s for s in plan(household, policy, as_of).steps}
    got = {key: ws.cell(FIRST_DATA_ROW, column_index(key)).value for key in ("d1_due", "d3_due")}
    assert {k: v.date() for k, v in got.items()} == {"d1_due": steps["household_check"].due, "d3_due": steps["contact"].due}
    assert steps["household_check"].due == date(2027, 1, 7)   # 28 Dec + 7 working days, 1 Jan off


@pytest.mark.libreoffice
def test_rows_that_would_not_be_computed_or_printed_are_marked(tmp_path):
    """The conditional formats of 序号, evaluated by LibreOffice on real rows: a row inserted by hand (no formulas)
    and typed into, a row pasted below the prepared rows; a filled row inside everything is marked by none of them.
    (A row typed below the others prints in Excel and WPS: nothing marks it, ledger.printing.)"""
    from openpyxl.formula.translate import Translator
    policy = default_policy()
    as_of, households = sample_households(policy)
    villages = tuple(dict.fromkeys(h.village for h in households))
    wb = build_workbook(policy, township="青岩镇", villages=villages, as_of=as_of, rows=30)   # prepared rows 4–33
    RowWriter(wb[SHEET]).write(households)                                  # rows 4–28
    save_workbook(wb, tmp_path / "ledger.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "ledger.xlsx")
    ws = wb[SHEET]
    name, seq = column_index("name"), column_letter("seq")
    inserted, below_prepared, fine = 12, 40, FIRST_DATA_ROW              # row 4: 杨明华, nothing to fix
    for column in COLUMNS:                                                  # as if inserted: no formulas at all
        if column.formula:
            ws.cell(inserted, column_index(column.key)).value = None
    for row in (inserted, below_prepared):
        ws.cell(row, name, "新增的人")
    rules = [(rule, int(str(cf.sqref).split(":")[0][len(seq):])) for cf in ws.conditional_formatting
             for rule in cf.rules if str(cf.sqref).startswith(seq) and str(cf.sqref)[len(seq)].isdigit()]
    probes = {}
    for number, (rule, first) in enumerate(rules):     # each rule evaluated where it applies, in a spare column
        for row in (inserted, below_prepared, fine):
            if row >= first and (first > FIRST_DATA_ROW or row <= 33):
                ws.cell(row, 200 + number,
                        Translator(f"={rule.formula[0]}", origin=f"{seq}{first}").translate_formula(f"{seq}{row}"))
        probes[number] = rule
    wb.save(tmp_path / "probed.xlsx")
    [out] = recalculate([tmp_path / "probed.xlsx"], tmp_path / "out")
    result = openpyxl.load_workbook(out, data_only=True)[SHEET]

    def marked(row: int) -> set[str]:
        return {probes[n].formula[0] for n in probes if result.cell(row, 200 + n).value in (True, 1)}

    assert any("ISNUMBER" in f and "COUNTA" in f for f in marked(inserted)), marked(inserted)
    assert any(f.startswith("COUNTA") for f in marked(below_prepared)), marked(below_prepared)
    assert not marked(fine)


@pytest.mark.libreoffice
def test_the_guide_starts_with_the_village_list(tmp_path):
    """填表说明's first step: fill the village list on 参数 while it is empty; where it is (from the settings or a
    roster), where to change it."""
    policy = default_policy()
    build_workbook(policy, rows=20).save(tmp_path / "blank.xlsx")
    build_workbook(policy, township="青岩镇", villages=("龙井村",), rows=20).save(tmp_path / "villages.xlsx")
    outs = recalculate([tmp_path / "blank.xlsx", tmp_path / "villages.xlsx"], tmp_path / "out")
    first = [openpyxl.load_workbook(out, data_only=True)["填表说明"]["B5"].value for out in outs]
    assert first[0].startswith("第一步：先在“参数”表 E 列“村（居）名单”填本乡镇的村（居）")
    assert first[1].startswith("村（居）名单在“参数”表 E 列（可增改）")
    guide = openpyxl.load_workbook(tmp_path / "blank.xlsx")["填表说明"]
    assert guide.row_dimensions[5].height and guide.row_dimensions[5].height >= 2 * 14   # two lines, not overlapping


@pytest.mark.libreoffice
def test_seq_stays_continuous_over_hidden_rows(tmp_path):
    """序号 counts the rows shown: with rows hidden (as a filter hides them; SUBTOTAL 103 skips both) the shown
    filled rows read on without the hidden ones' numbers; a blank row shown between households keeps its place."""
    policy = default_policy()
    as_of, households = sample_households(policy)
    wb = build_workbook(policy, township="青岩镇", as_of=as_of, rows=40)
    RowWriter(wb[SHEET]).write(households[:2], start_row=FIRST_DATA_ROW)      # rows 4–9
    RowWriter(wb[SHEET]).write(households[2:4], start_row=11)                # row 10 left blank
    hidden = {5, 6, 12}
    for row in hidden:
        wb[SHEET].row_dimensions[row].hidden = True
    wb.save(tmp_path / "hidden.xlsx")
    [out] = recalculate([tmp_path / "hidden.xlsx"], tmp_path / "out")
    ws = openpyxl.load_workbook(out, data_only=True)[SHEET]
    shown = [ws.cell(row, 1).value for row in range(FIRST_DATA_ROW, 17) if row not in hidden]
    # rows 4, 7, 8, 9 · 10 blank (its place counted) · 11, 13, 14, 15 · 16 empty
    assert shown == [1, 2, 3, 4, None, 6, 7, 8, 9, None], shown


def test_no_two_neighbouring_formula_columns_share_the_first_row_of_their_shared_formula():
    """LibreOffice 7.4 computes neighbouring formula groups that start on the same row, with the same length and
    weight, together in one threaded pass, and its check that they are independent can leave a cell uncomputed while
    another group reads it (one household on row 4: #VALUE! in 预警分级 …). Neighbouring columns start one row apart."""
    last = FIRST_DATA_ROW + DEFAULT_ROWS - 1
    tops = [(column_index(c.key), shared_from(c, last)) for c in COLUMNS if c.formula]
    assert all(not (b[0] == a[0] + 1 and b[1] == a[1]) for a, b in zip(tops, tops[1:]))

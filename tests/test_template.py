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
from hx_excel.ledger.formulas import HOUSEHOLD_ROWS, column_name
from hx_excel.ledger.schema import (COLUMNS, FIRST_DATA_ROW, HEADER_ROW, OFFICIAL, OFFICIAL_HEADERS, SHEET, TITLE, column_index,
                                    column_letter)
from hx_excel.ledger.template import DEFAULT_ROWS, TEMPLATE_FILE, build_workbook, official_template
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
    "VLOOKUP", "ROW", "FREQUENCY", "ISERROR",
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
    assert "SUMIF([户编号]（本行起 20 行）,[户编号],[成员事实编码]（本行起 20 行）)" in text


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
    path = template_path
    ws = wb[SHEET]
    assert ws.freeze_panes == f"F{FIRST_DATA_ROW}"
    assert ws.auto_filter.ref == f"A{HEADER_ROW}:{column_letter(COLUMNS[-1].key)}{LAST_ROW}"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) and ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$3"
    # the official 14 columns, down to the last filled row: none in the blank template (ledger.printing)
    assert ws.print_options.gridLines
    assert ws.print_area == "'台账'!$A$1:$N$3"
    assert wb.defined_names["PRINT_END"].attr_text == "'台账'!$A$4"


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
    assert f"第 {FIRST_DATA_ROW}–{LAST_ROW} 行" in below[0].error and "hx-excel generate" in below[0].error
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
    assert {"IF", "SUMIF", "MATCH", "EOMONTH"} <= set(used)
    assert set(used) <= EXCEL_2010, set(used) - EXCEL_2010


def test_each_computed_column_is_one_named_formula_relative_to_its_row(template_path):
    """Every cell of a computed column holds =F_<KEY>; the name holds the column's formula once, its references
    relative to the row using it (stored as row 1, as Excel stores a name's relative references). They reach this row,
    the household's window below it (formulas.HOUSEHOLD_ROWS) and one row past it, or the whole data range; never a
    row above, which a name cannot express: the one column that reads the row above holds its formula in each cell."""
    wb = openpyxl.load_workbook(template_path)
    ws = wb[SHEET]
    for column in COLUMNS:
        if not column.formula:
            continue
        if column.in_cell:
            for row in (FIRST_DATA_ROW, FIRST_DATA_ROW + 1, ws.max_row):
                text = ws.cell(row, column_index(column.key)).value
                assert set(re.findall(r"\$[A-Z]+(\d+)", text)) == {str(row), str(row - 1)}, (column.key, text)
            continue
        name = column_name(column.key)
        for row in (FIRST_DATA_ROW, FIRST_DATA_ROW + 1, ws.max_row):
            assert ws.cell(row, column_index(column.key)).value == f"={name}", (column.key, row)
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


@pytest.mark.libreoffice
def test_statistics_sheet_counts_live_by_village_and_grade(tmp_path):
    policy = default_policy()
    as_of, households = sample_households(policy)
    villages = tuple(dict.fromkeys(h.village for h in households))
    wb = build_workbook(policy, township="青岩镇", villages=villages, as_of=as_of, rows=60)
    RowWriter(wb[SHEET]).write(households)
    wb.save(tmp_path / "sample.xlsx")
    [out] = recalculate([tmp_path / "sample.xlsx"], tmp_path / "out")
    stats = openpyxl.load_workbook(out, data_only=True)["统计"]
    header = [c.value for c in stats[2]]
    table = {row[0].value: dict(zip(header, (c.value for c in row))) for row in stats.iter_rows(min_row=3) if row[0].value}
    for village in villages:
        mine = [h for h in households if h.village == village]
        grades = Counter(plan(h, policy, as_of).assessment.grade for h in mine)
        for grade in "红黄绿无":
            assert table[village][grade] == grades[grade], (village, grade)
        assert table[village]["户数"] == len(mine)
        assert table[village]["人数"] == sum(len(h.members) for h in mine)
    assert table["合计"]["户数"] == len(households)
    overdue = sum(1 for h in households if (s := plan(h, policy, as_of).next_step) and s.status == "已逾期")
    assert table["合计"]["已逾期"] == overdue


@pytest.mark.libreoffice
def test_a_blank_ledger_shows_no_error_value(template_path, tmp_path):
    """Before anything is typed every computed cell is blank or a count of 0 (LibreOffice's FREQUENCY, for one, is
    #VALUE! over a column without numbers)."""
    [out] = recalculate([template_path], tmp_path / "out")
    wb = openpyxl.load_workbook(out, data_only=True)
    errors = [f"{ws.title}!{c.coordinate}={c.value}" for ws in wb for row in ws.iter_rows()
              for c in row if isinstance(c.value, str) and c.value.startswith("#")]
    assert not errors, errors[:10]
    totals = [c.value for c in wb["统计"][3 + 40]]
    assert totals[0] == "合计" and totals[1:9] == [0] * 8


def test_saving_a_ledger_fits_its_print_area_to_the_filled_rows(template_path, tmp_path):
    """Every hx-excel save prints down to the last row with anything typed, a blank row in the middle or not; the
    name PRINT_END (which marks rows typed below the area) moves with it."""
    from hx_excel.files.save import save_workbook
    wb = openpyxl.load_workbook(template_path)
    ws = wb[SHEET]
    ws[f"{column_letter('name')}5"] = "张三"
    ws[f"{column_letter('household_id')}9"] = "QY-009"      # 姓名 left blank: still a filled row
    save_workbook(wb, tmp_path / "again.xlsx")
    again = openpyxl.load_workbook(tmp_path / "again.xlsx")
    assert again[SHEET].print_area == "'台账'!$A$1:$N$9"
    assert again.defined_names["PRINT_END"].attr_text == "'台账'!$A$10"
    assert again[SHEET].print_title_rows == "$1:$3"


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

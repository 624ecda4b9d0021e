"""Build the ledger workbook from the schema and the policy: 填表说明, 台账, 参数, 统计 and the hidden 值列表 and 日历.

Everything a sheet shows comes from `schema.COLUMNS`, `core.clauses.CLAUSES` and the policy; nothing is restated.
"""

from __future__ import annotations

import re
from copy import copy
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from hx_excel.core.clauses import CATEGORIES, CLAUSES
from hx_excel.core.days import covered_years, is_working_day
from hx_excel.files.fonts import font, use_chinese_font
from hx_excel.ledger import formulas as f
from hx_excel.ledger import printing
from hx_excel.ledger.cells import put
from hx_excel.ledger import schema
from hx_excel.ledger.schema import column_letter as letter
from hx_excel.ledger.schema import (COLUMNS, FIRST_DATA_ROW, GROUP_ROW, HEADER_ROW, LAYOUT_VERSION, SHEET, TITLE,
                                    TITLE_ROW)
from hx_excel.policy import YES_NO, Policy

GUIDE, PARAMS, STATS, LISTS, CALENDAR = "填表说明", "参数", "统计", "值列表", "日历"
DEFAULT_ROWS = 1000
VILLAGE_SLOTS = 40
DATE_FORMAT = "yyyy-mm-dd"
MONEY_FORMAT = "#,##0.00"
BOOL_VALUES = ("是", "否")

GROUP_COLOURS = {
    schema.OFFICIAL: "DDEBF7", schema.HOUSEHOLD: "E2EFDA", schema.MEMBER: "FFF2CC", schema.WORKFLOW: "FCE4D6",
    schema.RESULTS: "EDEDED", schema.HELPERS: "F2F2F2", schema.FILLED: "E4DFEC",
}
GRADE_FILLS = {"红": "FF7C80", "黄": "FFE699", "绿": "A9D08E", "待补充": "D9D2E9"}
INVALID_FILL = PatternFill("solid", fgColor="FFC7CE")
DUE_SOON_FILL = PatternFill("solid", fgColor="FFE699")
DUPLICATE_FILL = PatternFill("solid", fgColor="F4B084", bgColor="F4B084")
DUPLICATE_FONT = Font(color="9C0006", bold=True)
THIN = Side(style="thin", color="999999")
UNLOCKED = Protection(locked=False)
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")

NUMBER_FORMATS = {"id": "@", "text": "@", "date": DATE_FORMAT, "number": MONEY_FORMAT, "integer": "0"}


class SharedFormula(ArrayFormula):
    """An OOXML shared formula (ECMA-376 §18.3.1.40, `<f t="shared" ref=… si=…>`), as Excel itself writes a filled-down
    column: the text is stored once, on the first cell, and every other cell of `ref` shifts its relative references.
    A 1,000-row ledger then carries each formula once instead of 1,000 times, which is what makes it quick for
    LibreOffice and Excel to load. openpyxl writes any ArrayFormula's attributes as given, so only `t` changes."""

    t = "shared"

    def __init__(self, index: int, ref: str | None = None, text: str | None = None):
        super().__init__(ref, text)
        self.index = index

    def __iter__(self):
        yield "t", self.t
        if self.ref:
            yield "ref", self.ref
        yield "si", str(self.index)


def refs(last_row: int, sheet: str = "") -> f.Refs:
    return f.Refs(letter, FIRST_DATA_ROW, last_row, sheet)


def cell_formula(column: schema.Column, row: int, last_row: int) -> str:
    """The formula a computed column's cell holds at `row` of a ledger prepared down to `last_row`: =F_<KEY> (the
    column's defined name, see below), or, for a column reading rows above, its own text at that row; in brackets on
    the row a column is set apart from its shared formula (`shared_from`). Also what `hx-excel fill
    --restore-formulas` puts back."""
    text = f.at_row(column.formula(refs(last_row)), row) if column.in_cell else f"={f.column_name(column.key)}"
    top, apart = _shared_tops(last_row)[column.key]
    return f"=({text[1:]})" if apart and row == top - 1 else text


def shared_from(column: schema.Column, last_row: int) -> int:
    """The first row of `column`'s shared formula; the rows above it hold their formula one by one."""
    return _shared_tops(last_row)[column.key][0]


@lru_cache(maxsize=8)
def _shared_tops(last_row: int) -> dict[str, tuple[int, bool]]:
    """Each computed column's first shared row, and whether its first row is set apart to get it.

    A column reading rows above clamps that window at the first data row (p_grade …): its first rows differ and are
    written one by one (f.clamped_rows). And no two neighbouring formula columns start their shared formula on the
    same row: the second of two that would is set apart by one row, its first cell written in brackets (the same
    formula, which LibreOffice does not join to the block below it). LibreOffice 7.4 computes neighbouring formula
    groups with the same first row, length and weight together in one threaded pass, and the check that they are
    independent can leave a cell uncomputed while another group that reads it is computed: with one household in a
    ledger, on the first data row, its 预警分级 read an uncomputed 成立条款 and showed #VALUE!."""
    tops: dict[str, tuple[int, bool]] = {}
    left = None                     # the first shared row of the formula column just left of this one
    for column in COLUMNS:
        if not column.formula:
            left = None
            continue
        top = FIRST_DATA_ROW
        if column.in_cell:
            top += f.clamped_rows(column.formula(refs(last_row)))
        apart = top == left and top < last_row
        top = min(top, last_row) + apart
        tops[column.key] = (top, apart)
        left = top
    return tops


def _name(wb: Workbook, name: str, sheet: str, ref: str) -> None:
    wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(sheet)}!{ref}")


def build_workbook(policy: Policy, *, township: str = "", county: str = "花溪区", villages: tuple[str, ...] = (),
                   year: int | None = None, as_of: date | None = None, rows: int = DEFAULT_ROWS) -> Workbook:
    """A ledger workbook with `rows` formula rows. `as_of` None leaves the 评估日期 as =TODAY()."""
    year = year or policy_year(policy)
    wb = Workbook()
    use_chinese_font(wb)
    guide = wb.active
    guide.title = GUIDE
    ledger = wb.create_sheet(SHEET)
    params = wb.create_sheet(PARAMS)
    stats = wb.create_sheet(STATS)
    lists = wb.create_sheet(LISTS)
    calendar = wb.create_sheet(CALENDAR)
    last_row = FIRST_DATA_ROW + rows - 1

    _write_params(wb, params, policy, township=township, county=county, villages=villages, year=year, as_of=as_of,
                  last_row=last_row)
    _write_lists(wb, lists, policy)
    _write_calendar(wb, calendar, policy)
    _write_ledger(wb, ledger, policy, last_row, township=township)
    _write_stats(stats, last_row)
    _write_guide(guide, policy, rows)
    wb.active = 1
    for sheet in (lists, calendar):
        sheet.sheet_state = "hidden"
    return wb


def policy_year(policy: Policy) -> int:
    """The latest year with an income line: the default 核算年度 of a new ledger."""
    return max(policy.income_lines[policy.document.province])


# ---- 参数 --------------------------------------------------------------------------------------------------

PARAM_ROWS = (  # name, label, clause/help
    ("P_TOWNSHIP", "乡镇", "本台账所属乡（镇、街道）"),
    ("P_COUNTY", "区县", ""),
    ("P_REPORTER", "填报人", "印在台账和统计表的落款行"),
    ("P_PHONE", "联系电话", "印在台账和统计表的落款行"),
    ("P_REVIEWER", "审核人", "印在台账和统计表的落款行"),
    ("P_YEAR", "核算年度", "R1 Y1 G1 使用该年度的标准线"),
    ("P_LINE", "年人均纯收入标准线（元）", "按核算年度从下表查出；表中没有该年度时显示“未配置”，各户分级为“待补充”"),
    ("P_MARGIN", "G1 明显高于倍数", "扣除刚性支出后人均 ≥ 倍数 × 标准线"),
    ("P_ASOF", "评估日期", "默认 =TODAY()；可改填某一天以回看当日状态"),
    ("P_AGE_MIN", "义务教育起始年龄", "R4"),
    ("P_AGE_MAX", "义务教育截止年龄", "R4"),
    ("P_ELDERLY", "老人户年龄", "S2"),
    ("P_MODE", "天数口径", "自然日 / 工作日（法定节假日及调休，见隐藏的“日历”表）"),
    ("P_D1", "入户核实天数", "D1"),
    ("P_D2", "村级公示天数", "D2"),
    ("P_D3", "确定联系人和措施天数", "D3"),
    ("P_MONTHS", "走访研判间隔（月）", "D4"),
    ("P_STABLE", "收入稳定月数", "D5"),
    ("P_ENOTICE", "风险消除公示天数", "D5"),
    ("P_SOON", "即将到期提示天数", ""),
    ("P_WORKING", "按工作日计", "由“天数口径”自动得出"),
    ("P_LAYOUT", "台账版式", "生成本台账的 hx-excel 版式编号；较早版式的台账用 hx-excel upgrade 升级"),
)
COMPUTED_PARAMS = ("P_LINE", "P_WORKING", "P_LAYOUT")
VILLAGE_LIST_HEADER = "村（居）名单"     # 参数 column E's heading: read back by ledger/book.py
SIGN_OFF_PARAMS = ("P_REPORTER", "P_PHONE", "P_REVIEWER")


def _write_params(wb: Workbook, ws: Worksheet, policy: Policy, *, township: str, county: str,
                  villages: tuple[str, ...], year: int, as_of: date | None, last_row: int) -> None:
    g, d = policy.grading, policy.deadlines
    lines = sorted(policy.income_lines[policy.document.province].items())
    lines_first = len(PARAM_ROWS) + 6
    lines_ref = f"$A${lines_first}:$B${lines_first + len(lines) - 1}"
    values = {
        "P_TOWNSHIP": township, "P_COUNTY": county, "P_REPORTER": None, "P_PHONE": None, "P_REVIEWER": None,
        "P_YEAR": year,
        "P_LINE": f'=IFERROR(VLOOKUP(P_YEAR,{lines_ref},2,FALSE),"未配置")', "P_MARGIN": g.g1_margin_multiple,
        "P_ASOF": as_of or "=TODAY()", "P_AGE_MIN": g.compulsory_school_age_min, "P_AGE_MAX": g.compulsory_school_age_max,
        "P_ELDERLY": g.elderly_age, "P_MODE": "工作日" if d.day_mode == "working" else "自然日",
        "P_D1": d.household_check_days, "P_D2": d.public_notice_days, "P_D3": d.contact_and_measures_days,
        "P_MONTHS": d.visit_interval_months, "P_STABLE": d.stable_income_months, "P_ENOTICE": d.elimination_notice_days,
        "P_SOON": d.due_soon_days, "P_WORKING": '=P_MODE="工作日"', "P_LAYOUT": LAYOUT_VERSION,
    }
    ws["A1"] = f"参数（{policy.document.number}）"
    ws["A1"].font = font(bold=True, size=13)
    for col, head in zip("ABC", ("项目", "值", "说明（条款）")):
        ws[f"{col}2"] = head
        ws[f"{col}2"].font = font(bold=True)
    from_settings = ("P_TOWNSHIP", "P_COUNTY")   # text from the district's settings file: written as text, always
    for offset, (name, label_text, help_text) in enumerate(PARAM_ROWS):
        row = 3 + offset
        ws.cell(row, 1, label_text)
        cell = put(ws, row, 2, values[name]) if name in from_settings else ws.cell(row, 2, values[name])
        ws.cell(row, 3, help_text)
        _name(wb, name, PARAMS, f"$B${row}")
        computed = name in COMPUTED_PARAMS
        cell.protection = Protection(locked=computed)
        if name == "P_ASOF":
            cell.number_format = DATE_FORMAT
        elif name in SIGN_OFF_PARAMS:
            cell.number_format = "@"
    mode_row = 3 + [n for n, *_ in PARAM_ROWS].index("P_MODE")
    mode = DataValidation(type="list", formula1='"自然日,工作日"', allow_blank=False)
    ws.add_data_validation(mode)
    mode.add(f"B{mode_row}")
    ws.cell(lines_first - 1, 1, f"{policy.document.province} 年人均纯收入标准线（元）").font = font(bold=True)
    for offset, (line_year, line) in enumerate(lines):
        for col, value in ((1, line_year), (2, line)):
            ws.cell(lines_first + offset, col, value).protection = UNLOCKED
    ws.cell(2, 5, VILLAGE_LIST_HEADER).font = font(bold=True)
    for offset in range(VILLAGE_SLOTS):
        cell = put(ws, 3 + offset, 5, villages[offset] if offset < len(villages) else None)
        cell.protection = UNLOCKED
    _name(wb, "VILLAGES", PARAMS, f"$E$3:$E${2 + VILLAGE_SLOTS}")
    # the village list joined into one text ("¦龙井村¦北街社区¦¦…"), one slot each, for the formulas (f.SEP)
    text_row = 4 + VILLAGE_SLOTS
    ws.cell(text_row - 1, 5, "村名单连成一串（自动，供公式查找）")
    separator = f'&"{f.SEP}"&'
    ws.cell(text_row, 5, f'="{f.SEP}"&' + separator.join(f"TRIM($E${3 + i})" for i in range(VILLAGE_SLOTS))
            + f'&"{f.SEP}"').protection = Protection(locked=True)
    _name(wb, "VILLAGES_TEXT", PARAMS, f"$E${text_row}")
    for col, width in zip("ABCDE", (26, 14, 44, 3, 16)):
        ws.column_dimensions[col].width = width
    _fit_width(ws)
    ws.protection.sheet = True


# ---- 值列表 and 日历 ----------------------------------------------------------------------------------------

def _write_lists(wb: Workbook, ws: Worksheet, policy: Policy) -> None:
    names = [(f"LIST_{name}", policy.lists.values(name)) for name in type(policy.lists).model_fields]
    names.append(("LIST_YES_NO", BOOL_VALUES))
    # a subset the policy leaves empty holds f.EMPTY_SET, so that no lookup of a blank cell can match it
    names += [(set_name, tuple(value(e) for e in getattr(policy.lists, list_name) if keep(e)) or (f.EMPTY_SET,))
              for set_name, (list_name, keep, value) in f.SETS.items()]
    for col, (name, values) in enumerate(names, start=1):
        ws.cell(1, col, name)
        for row, value in enumerate(values, start=2):
            put(ws, row, col, value)   # a policy file's value: text, never a formula
        column = get_column_letter(col)
        _name(wb, name, LISTS, f"${column}$2:${column}${max(2, len(values) + 1)}")
    # <name>_TEXT: the same values joined into one text, "¦a¦b¦", for the formulas' membership tests (f.SEP)
    text_row = max(len(values) for _, values in names) + 3
    ws.cell(text_row - 1, 1, "以下各格：上面各列的值连成一串，供公式查找（勿改）")
    for col, (name, values) in enumerate(names, start=1):
        column = get_column_letter(col)
        cells = [f"${column}${row}" for row in range(2, len(values) + 2)]
        separator = f'&"{f.SEP}"&'
        ws.cell(text_row, col, f'="{f.SEP}"&' + separator.join(cells) + f'&"{f.SEP}"')
        _name(wb, f"{name}_TEXT", LISTS, f"${column}${text_row}")
    # ALIAS_<list>: other ways of writing its values → the value meant, for the row check's "可能是" (policy.aliases)
    col = len(names) + 1
    for list_name in (*type(policy.lists).model_fields, YES_NO):
        table = policy.aliases.get(list_name, {}) or {f.EMPTY_SET: f.EMPTY_SET}
        ws.cell(1, col, f"ALIAS_{list_name}")
        for row, (written, meant) in enumerate(table.items(), start=2):
            put(ws, row, col, written)
            put(ws, row, col + 1, meant)
        first, second = get_column_letter(col), get_column_letter(col + 1)
        _name(wb, f"ALIAS_{'YES_NO' if list_name == YES_NO else list_name}", LISTS,
              f"${first}$2:${second}${len(table) + 1}")
        col += 2


def _write_calendar(wb: Workbook, ws: Worksheet, policy: Policy) -> None:
    """Every day of the years whose statutory calendar is known (chinesecalendar's, then the policy file's), with a
    running count of working days (core.days)."""
    ws.append(("日期", "工作日", "累计工作日"))
    key = tuple(sorted((year, days.holidays, days.workdays) for year, days in policy.calendar.items()))
    for row in _calendar_rows(key):
        ws.append(row)
    end = ws.max_row
    _name(wb, f.CAL_DATES, CALENDAR, f"$A$2:$A${end}")
    _name(wb, f.CAL_INDEX, CALENDAR, f"$C$2:$C${end}")
    _name(wb, f.CAL_LAST, CALENDAR, f"$A${end}")


@lru_cache(maxsize=4)
def _calendar_rows(extra_key: tuple) -> tuple[tuple[date, int, int], ...]:
    """(day, working 1/0, working days so far): the same for every workbook of a run, so worked out once."""
    extra = {year: _Year(holidays, workdays) for year, holidays, workdays in extra_key}
    years = covered_years(extra)
    first, last = date(max(years.start, 2018), 1, 1), date(years.stop - 1, 12, 31)
    rows, running, day = [], 0, first
    while day <= last:
        working = is_working_day(day, extra)
        running += working
        rows.append((day, int(working), running))
        day += timedelta(days=1)
    return tuple(rows)


class _Year(NamedTuple):
    holidays: tuple[date, ...]
    workdays: tuple[date, ...]


# ---- 台账 --------------------------------------------------------------------------------------------------

def _fit_width(ws: Worksheet, landscape: bool = False) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _write_ledger(wb: Workbook, ws: Worksheet, policy: Policy, last_row: int, *, township: str) -> None:
    official_last = letter(COLUMNS[len(schema.OFFICIAL_HEADERS) - 1].key)
    ws.merge_cells(f"A{TITLE_ROW}:{official_last}{TITLE_ROW}")
    ws.cell(TITLE_ROW, 1, TITLE_FORMULA)
    ws.cell(TITLE_ROW, 1).font = font(bold=True, size=16)
    ws.cell(TITLE_ROW, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[TITLE_ROW].height = 27
    # the sign-off line sits in the group band above the official columns, so that it prints on every page
    ws.merge_cells(f"A{GROUP_ROW}:{official_last}{GROUP_ROW}")
    ws.cell(GROUP_ROW, 1, SIGN_OFF_FORMULA).font = font(size=10)
    ws.cell(GROUP_ROW, 1).alignment = Alignment(horizontal="left", vertical="center")
    ws.row_dimensions[HEADER_ROW].height = 42

    # Group band and headers, with each column's help text as a comment on its header.
    start = 1
    for index, column in enumerate(COLUMNS, start=1):
        fill = PatternFill("solid", fgColor=GROUP_COLOURS[column.group])
        head = ws.cell(HEADER_ROW, index, column.header)
        head.font = font(bold=True)
        head.fill = fill
        head.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        head.border = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
        head.comment = Comment(f"{column.header}：{column.help}", "hx-excel", width=260, height=90)
        dim = ws.column_dimensions[get_column_letter(index)]
        dim.width = column.width
        dim.hidden = column.hidden
        dim.number_format = NUMBER_FORMATS.get(column.type, "General")
        dim.alignment = WRAP if column.wrap else TOP   # top: a row made tall for one cell's wrapped text reads level
        if column.kind == "input":
            dim.protection = UNLOCKED  # empty input cells take the column's style
        is_last = index == len(COLUMNS) or COLUMNS[index].group != column.group
        if is_last and column.group != schema.OFFICIAL:
            ws.cell(GROUP_ROW, start, column.group).fill = fill
            ws.cell(GROUP_ROW, start).font = font(bold=True)
            if index > start:
                ws.merge_cells(start_row=GROUP_ROW, start_column=start, end_row=GROUP_ROW, end_column=index)
        if is_last:
            start = index + 1

    # Formulas: each computed column's formula is stored once, as the defined name F_<KEY> (f.column_name), and every
    # cell of the column holds =F_<KEY>, written as one shared formula (see SharedFormula). A name's references are
    # relative to the row that uses it: Excel stores a name's relative references as if used from A1, so row 1 of
    # the text stands for "this row", and its columns are absolute. Spreadsheet engines then parse, keep and save
    # each rule once instead of once a row: LibreOffice recalculates a large ledger about 40 % faster
    # (benchmarks/README.md), and sorting rows or inserting columns adjusts the names as it would cell formulas.
    # A column whose formula reads the row above (block_start) is written in its cells instead: a name is read as if
    # used from row 1, and LibreOffice gives #REF! for a row above that.
    qualified = refs(last_row, sheet=quote_sheetname(SHEET))
    computed = [(schema.column_index(c.key), c) for c in COLUMNS if c.formula]
    # The rows above a column's shared formula (see shared_from) are written one by one.
    for index, (col, column) in enumerate(computed):
        if not column.in_cell:
            name = f.column_name(column.key)
            wb.defined_names[name] = DefinedName(name, attr_text=f.at_row(column.formula(qualified)[1:], 1))
        first_shared = shared_from(column, last_row)
        area = f"{get_column_letter(col)}{first_shared}:{get_column_letter(col)}{last_row}"
        master = SharedFormula(index, area, cell_formula(column, first_shared, last_row))
        number_format = NUMBER_FORMATS.get(column.type)
        # the column's cell style worked out once on its first cell and copied to the others: openpyxl's style
        # setters hash every style object on each call, a third of the time a large ledger took to build
        style = None
        for row in range(FIRST_DATA_ROW, last_row + 1):
            if row < first_shared:
                value = cell_formula(column, row, last_row)
            else:
                value = master if row == first_shared else SharedFormula(index)
            cell = ws.cell(row, col, value)
            if style is not None:
                cell._style = copy(style)
                continue
            if number_format in (DATE_FORMAT, MONEY_FORMAT):
                cell.number_format = number_format
            if column.wrap:
                cell.alignment = WRAP
            elif column.group == schema.OFFICIAL:
                cell.alignment = TOP
            style = cell._style

    _validations(ws, policy, last_row)
    _conditional_formats(ws, last_row)

    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, schema.column_index("relation"))
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(COLUMNS))}{last_row}"
    _beyond_prepared_rows(ws, last_row)
    printing.fit_print_area(ws, last_row)   # a formula: Excel and WPS print down to the last typed row (ledger.printing)
    _fit_width(ws, landscape=True)
    ws.print_options.horizontalCentered = True
    ws.print_options.gridLines = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    # Protected without a password: computed cells cannot be typed over; filtering still works.
    ws.protection.sheet = True
    ws.protection.autoFilter = False
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    # births, deaths and moves: rows may be inserted and deleted (the names adjust; an inserted row is marked above)
    ws.protection.insertRows = False
    ws.protection.deleteRows = False


ASOF_MONTH = 'YEAR(P_ASOF)&"年"&MONTH(P_ASOF)&"月"'           # 评估日期 as 2022年7月, for titles
ASOF_DAY = ASOF_MONTH + '&DAY(P_ASOF)&"日"'                     # and as 2022年7月15日
TITLE_FORMULA = f'="{TITLE}（"&IF(P_TOWNSHIP="","",P_TOWNSHIP&" ")&IFERROR({ASOF_MONTH},"")&"）"'


def _or_blank(name: str, blank: str) -> str:
    return f'IF(TRIM({name})="","{blank}",{name})'


# 填报单位（盖章）/填报人/联系电话/审核人/填报日期: typed once on 参数; a blank prints as a line to write on
SIGN_OFF_FORMULA = ('="填报单位（盖章）："&' + _or_blank("P_TOWNSHIP", "_" * 14)
                    + '&"　　填报人："&' + _or_blank("P_REPORTER", "_" * 10)
                    + '&"　　联系电话："&' + _or_blank("P_PHONE", "_" * 12)
                    + '&"　　审核人："&' + _or_blank("P_REVIEWER", "_" * 10)
                    + f'&"　　填报日期："&IFERROR({ASOF_DAY},"____年__月__日")')


MAX_ROW = 1048576


def _beyond_prepared_rows(ws: Worksheet, last_row: int) -> None:
    """Below the prepared rows nothing is computed (nor printed, ledger.printing): typing there is refused with a
    message that says to run hx-excel extend, shown already when such a cell is selected; a row pasted there (a paste
    slips past a validation) is marked. The rule is false for anything typed: Excel, WPS and LibreOffice refuse the
    entry with the Stop message. An empty cell passes (allow_blank), as deleting does anyway; otherwise LibreOffice's
    'mark invalid data' circles every empty cell down there."""
    first = last_row + 1
    ranges = []
    for column in COLUMNS:
        if column.kind == "input":
            ranges.append(f"{letter(column.key)}{first}:{letter(column.key)}{MAX_ROW}")
    rule = DataValidation(type="custom", formula1="0", allow_blank=True)
    rule.errorTitle = rule.promptTitle = "超出台账的行"
    rule.error = (f"台账只准备了第 {FIRST_DATA_ROW}–{last_row} 行的公式，这里填写的人不会计算分级、不进统计、不打印。"
                  "请用上面的空行；空行用完时运行 hx-excel extend 台账文件 --rows 行数 增加行数（填写的内容都保留）。")
    rule.prompt = f"这里不能填写：公式只准备到第 {last_row} 行。行不够时运行 hx-excel extend 台账文件 --rows 行数。"
    rule.showErrorMessage = rule.showInputMessage = True
    ws.add_data_validation(rule)
    for area in ranges:
        rule.add(area)
    beyond = FormulaRule(formula=[printing.typed_in_row(first)], fill=INVALID_FILL)
    for key in ("seq", "name"):
        ws.conditional_formatting.add(f"{letter(key)}{first}:{letter(key)}{MAX_ROW}", beyond)


def _validations(ws: Worksheet, policy: Policy, last_row: int) -> None:
    for column in COLUMNS:
        if column.kind != "input" or column.type not in ("list", "bool", "date", "number"):
            continue
        col = letter(column.key)
        if column.type == "list":
            source = "=VILLAGES" if column.values == "villages" else f"=LIST_{column.values}"
            rule = DataValidation(type="list", formula1=source, allow_blank=True)
            rule.error = f"请从下拉列表选择{column.header}。"
            # Villages may not be listed yet, and a multi-value cell is not one list item: warn, don't refuse.
            rule.errorStyle = "warning" if column.values == "villages" or column.multiple else "stop"
        elif column.type == "bool":
            rule = DataValidation(type="list", formula1=f'"{",".join(BOOL_VALUES)}"', allow_blank=True)
            rule.error = f"{column.header}：请选择“是”或“否”。"
        elif column.type == "date":
            rule = DataValidation(type="date", operator="between", formula1="DATE(2000,1,1)", formula2="DATE(2100,12,31)",
                                  allow_blank=True)
            rule.error = f"{column.header}：请输入日期，如 2022-07-15。"
        else:
            rule = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="-1E+12", allow_blank=True)
            rule.error = f"{column.header}：请输入数字（元），不要带单位或文字。"
        rule.errorTitle = "输入有误"
        rule.prompt = column.help
        rule.promptTitle = column.header
        rule.showInputMessage = rule.showErrorMessage = True
        ws.add_data_validation(rule)
        rule.add(f"{col}{FIRST_DATA_ROW}:{col}{last_row}")


def _conditional_formats(ws: Worksheet, last_row: int) -> None:
    first = FIRST_DATA_ROW

    def area(key: str) -> str:
        return f"{letter(key)}{first}:{letter(key)}{last_row}"

    def cell(key: str) -> str:
        return f"${letter(key)}{first}"

    for grade, colour in GRADE_FILLS.items():
        fill = PatternFill("solid", fgColor=colour, bgColor=colour)
        for key in ("grade", "factors", "category"):
            ws.conditional_formatting.add(area(key), FormulaRule(formula=[f'{cell("grade")}="{grade}"'], fill=fill))
    overdue = Font(color="C00000", bold=True)
    for key in ("next_due", "next_status", "next_step"):
        ws.conditional_formatting.add(area(key), FormulaRule(formula=[f'{cell("next_status")}="已逾期"'], font=overdue,
                                                             fill=INVALID_FILL))
        ws.conditional_formatting.add(area(key), FormulaRule(formula=[f'{cell("next_status")}="即将到期"'],
                                                             fill=DUE_SOON_FILL))
    # Each visible deadline turns red once it has passed with its step still open (D1, D3, D4/D6).
    for due_key, open_keys in (("d1_due", ("due_d1_open",)), ("d3_due", ("due_contact_open", "due_measures_open")),
                               ("visit_due", ("due_visit_open",))):
        late = ",".join(f'AND(ISNUMBER({cell(k)}),{cell(k)}<P_ASOF)' for k in open_keys)
        ws.conditional_formatting.add(area(due_key), FormulaRule(formula=[f"OR({late})"], font=overdue, fill=INVALID_FILL))
    ws.conditional_formatting.add(area("id_number"), FormulaRule(
        formula=[f'AND({cell("id_number")}<>"",{cell("m_id_ok")}=0)'], fill=INVALID_FILL))
    # the same number on two rows: a format rule, evaluated only for the rows on screen (f.duplicate_id)
    ws.conditional_formatting.add(area("id_number"), FormulaRule(
        formula=[f.at_row(f.duplicate_id(refs(last_row)), first)], fill=DUPLICATE_FILL, font=DUPLICATE_FONT))
    ws.conditional_formatting.add(area("row_check"), FormulaRule(formula=[f'{cell("row_check")}<>""'], fill=INVALID_FILL))
    # a row with something to fix is marked inside the official columns too, where the eye is
    for key in ("seq", "name"):
        ws.conditional_formatting.add(area(key), FormulaRule(formula=[f'{cell("row_check")}<>""'], fill=INVALID_FILL))
    # a row inserted by hand has no formulas: typed into, it is computed nowhere (is_head holds 0 or 1 in every row
    # that has them)
    for key in ("seq", "name"):
        ws.conditional_formatting.add(area(key), FormulaRule(
            formula=[f"AND({printing.typed_in_row(first)},NOT(ISNUMBER({cell('is_head')})))"], fill=INVALID_FILL))
    for column in COLUMNS:
        if column.kind == "input" and column.type in ("number", "date"):
            ws.conditional_formatting.add(area(column.key), FormulaRule(formula=[f"ISTEXT({cell(column.key)})"],
                                                                        fill=INVALID_FILL))
        elif column.kind == "input" and column.type in ("list", "bool") and not column.multiple:
            # a value pasted or typed past the list's warning is shaded where it stands, as the row check names it
            name = ("VILLAGES" if column.values == "villages" else "LIST_YES_NO" if column.type == "bool"
                    else f"LIST_{column.values}")
            ws.conditional_formatting.add(area(column.key), FormulaRule(
                formula=[f._off_list(cell(column.key), name)], fill=INVALID_FILL))


# ---- 统计 --------------------------------------------------------------------------------------------------

STAT_FIRST_SLOT = 11                       # first row of the village table
STAT_SLOTS = VILLAGE_SLOTS + 2             # the villages, then 不在村名单 (when any) and 合计 directly under them
STAT_BLOCK_ROWS = 1000                     # 统计 counts 台账 in blocks of this many rows (see _write_stats)
STAT_WIDTH = 17                            # visible columns A–Q: village, 6 + 小计 twice, overdue, due soon
OTHER_VILLAGES = "不在村名单的村"
STAT_HEADERS = {"households": "户数（按预警分级）", "persons": "人数（按预警分级）", "overdue": "已逾期（户）",
                "soon": "即将到期（户）"}


def _write_stats(ws: Worksheet, last_row: int) -> None:
    """统计, one A4 page: households and persons by monitored category; then per village households and persons by
    grade (待补充 and 无 included, and out of scope in a column of its own, never under its grade: every household is
    counted once and the rows add up to 合计), overdue and due soon, with 合计 directly under the last village; title,
    assessment date and sign-off line.

    Each kind of count is a FREQUENCY over a helper column of 台账 (formulas.s_grade, p_grade …) in hidden columns on
    the right, where a COUNTIFS per cell would scan the sheet some 400 times after every edit. The column is counted in
    blocks of STAT_BLOCK_ROWS rows, one array per block, and each count is the SUM of its blocks' counts: an edit
    recounts only its own block, not the whole sheet (at 20,000 rows a whole-column pass per kind was a third of
    the time an edit costs). Which row shows a village, 不在村名单, 合计 or nothing is worked out in hidden column R."""
    sheet = quote_sheetname(SHEET)
    starts = range(FIRST_DATA_ROW, last_row + 1, STAT_BLOCK_ROWS)
    grades = f.STAT_COLUMNS                        # 红 黄 绿 无 待补充, then out of scope apart
    villages = VILLAGE_SLOTS + 1                   # village 0: a village not in the list
    block = 3                                      # first row of the helper block
    helper = STAT_WIDTH + 3                        # first helper column (T): R is the row kind, S a gap
    columns = iter(get_column_letter(helper + i) for i in range(20))
    bins_grade, n_grade, n_pgrade, bins_village, n_person, n_overdue, n_soon, bins_cat, n_cat, n_pcat, misc = (
        next(columns) for _ in range(11))
    grade_codes = villages * len(grades)
    for code in range(grade_codes):
        ws[f"{bins_grade}{block + code}"] = code
    for village in range(villages):
        ws[f"{bins_village}{block + village}"] = village
    for number in range(1, len(CATEGORIES) + 1):
        ws[f"{bins_cat}{block + number - 1}"] = number

    block_columns: list[str] = []                 # every block's array, right of the helper columns

    def frequency(column: str, key: str, bins: str, count: int) -> None:
        parts = []
        for start in starts:
            part = get_column_letter(helper + 11 + len(block_columns))
            block_columns.append(part)
            rows = f"${letter(key)}${start}:${letter(key)}${min(start + STAT_BLOCK_ROWS - 1, last_row)}"
            # IFERROR: LibreOffice's FREQUENCY is #VALUE! when the block holds no number yet (blank rows)
            ws[f"{part}{block}"] = ArrayFormula(
                f"{part}{block}:{part}{block + count}",
                f"=IFERROR(FREQUENCY({sheet}!{rows},${bins}${block}:${bins}${block + count - 1}),0)")
            parts.append(part)
        # no label over the blocks: `extend` refuses text a ledger of another layout lacks (nothing typed is lost so)
        for row in range(block, block + count + 1):
            ws[f"{column}{row}"] = f"=SUM({parts[0]}{row}:{parts[-1]}{row})"

    frequency(n_grade, "s_grade", bins_grade, grade_codes)
    frequency(n_pgrade, "p_grade", bins_grade, grade_codes)
    for column, key in ((n_person, "s_person"), (n_overdue, "s_overdue"), (n_soon, "s_due_soon")):
        frequency(column, key, bins_village, villages)
    frequency(n_cat, "s_category", bins_cat, len(CATEGORIES))
    frequency(n_pcat, "p_category", bins_cat, len(CATEGORIES))
    labels = (f"（辅助）村×{len(grades)}+分级", "各码户数", "各码人数", "（辅助）村序号", "各村有姓名的人", "各村已逾期",
              "各村即将到期", "（辅助）类别", "各类别户数", "各类别人数", "（辅助）")
    for column, label in zip((bins_grade, n_grade, n_pgrade, bins_village, n_person, n_overdue, n_soon,
                              bins_cat, n_cat, n_pcat, misc), labels):
        ws[f"{column}2"] = label
    for index in range(STAT_WIDTH + 1, helper + 11 + len(block_columns)):
        ws.column_dimensions[get_column_letter(index)].hidden = True

    # the last village slot in use, and whether any household names a village not in the list
    params_villages = f"{quote_sheetname(PARAMS)}!$E$3:$E${2 + VILLAGE_SLOTS}"
    last_slot, others = f"${misc}${block}", f"${misc}${block + 1}"
    ws[last_slot.replace("$", "")] = f'=SUMPRODUCT(MAX((TRIM({params_villages})<>"")*(ROW({params_villages})-2)))'
    ws[others.replace("$", "")] = f"=SUM(${n_grade}${block}:${n_grade}${block + len(grades) - 1},${n_person}${block})"

    def code_cells(column: str, village: int) -> list[str]:
        first = block + village * len(grades)
        return [f"${column}${first + i}" for i in range(len(grades))]

    def all_codes(column: str, grade: int) -> str:
        counts = f"${column}${block}:${column}${block + grade_codes - 1}"
        return f"SUMPRODUCT((MOD(ROW({counts})-{block},{len(grades)})={grade})*{counts})"

    def village_values(village: int) -> list[str]:
        households, persons = code_cells(n_grade, village), code_cells(n_pgrade, village)
        row = block + village
        return [*households, f"SUM({households[0]}:{households[-1]})", *persons, f"SUM({persons[0]}:{persons[-1]})",
                f"${n_overdue}${row}", f"${n_soon}${row}"]

    def total_values() -> list[str]:
        def whole_sum(column: str, count: int) -> str:
            return f"SUM(${column}${block}:${column}${block + count - 1})"
        return [*(all_codes(n_grade, g) for g in range(len(grades))), whole_sum(n_grade, grade_codes),
                *(all_codes(n_pgrade, g) for g in range(len(grades))), whole_sum(n_pgrade, grade_codes),
                whole_sum(n_overdue, villages), whole_sum(n_soon, villages)]

    # ---- title, date, sign-off
    last_col = get_column_letter(STAT_WIDTH)
    ws["A1"] = f'=IF(P_TOWNSHIP="","",P_TOWNSHIP)&"防贫分级监测预警统计表（"&IFERROR({ASOF_MONTH},"")&"）"'
    ws["A1"].font = font(bold=True, size=15)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws["A2"] = SIGN_OFF_FORMULA
    ws["A2"].font = font(size=10)
    ws["A3"] = (f'="评估日期："&IFERROR({ASOF_DAY},"")'
                '&"　　单位：户、人　　由台账自动计算，请勿手改"')
    ws["A3"].font = font(size=10)
    for row in (1, 2, 3):
        ws.merge_cells(f"A{row}:{last_col}{row}")

    # ---- by monitored category: 户数 and 人数
    boxed = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
    header_fill = PatternFill("solid", fgColor=GROUP_COLOURS[schema.OFFICIAL])

    def boxed_cell(row: int, col: int, value, *, bold: bool = False, fill: PatternFill | None = None):
        cell = ws.cell(row, col, value)
        cell.border = boxed
        cell.font = font(bold=bold)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if fill:
            cell.fill = fill
        return cell

    boxed_cell(5, 1, "监测类别", bold=True, fill=header_fill)
    for offset, name in enumerate((*CATEGORIES, "合计")):
        boxed_cell(5, 2 + offset * 2, name, bold=True, fill=header_fill)
        ws.merge_cells(start_row=5, start_column=2 + offset * 2, end_row=5, end_column=3 + offset * 2)
        ws.cell(5, 3 + offset * 2).border = boxed
    for row, (label, counts) in ((6, ("户数", n_cat)), (7, ("人数", n_pcat))):
        boxed_cell(row, 1, label, bold=True)
        cells = [f"${counts}${block + i}" for i in range(len(CATEGORIES))]
        for offset, value in enumerate((*cells, f"SUM({cells[0]}:{cells[-1]})")):
            boxed_cell(row, 2 + offset * 2, f"={value}", bold=offset == len(CATEGORIES))
            ws.merge_cells(start_row=row, start_column=2 + offset * 2, end_row=row, end_column=3 + offset * 2)
            ws.cell(row, 3 + offset * 2).border = boxed
    # persons on rows with no head row above them are in no household's count: say so rather than not add up
    named, graded = f"SUM(${n_person}${block}:${n_person}${block + villages - 1})", total_values()[len(grades) * 2 + 1]
    ws["A8"] = (f'=IF({named}>{graded},"注意：另有 "&({named}-{graded})&" 人找不到本户的户主行，未计入按分级的人数，'
                f'请看台账“行检查”。","")')
    ws["A8"].font = font(size=10, color="C00000")
    ws.merge_cells(f"A8:{last_col}8")

    # ---- by village
    head = STAT_FIRST_SLOT - 2
    boxed_cell(head, 1, "村（居）", bold=True, fill=header_fill)
    ws.merge_cells(start_row=head, start_column=1, end_row=head + 1, end_column=1)
    col = 2
    for key in ("households", "persons"):
        boxed_cell(head, col, STAT_HEADERS[key], bold=True, fill=header_fill)
        ws.merge_cells(start_row=head, start_column=col, end_row=head, end_column=col + len(grades))
        for offset, name in enumerate((*grades, "小计")):
            boxed_cell(head + 1, col + offset, name, bold=True, fill=header_fill)
            if offset:
                ws.cell(head, col + offset).border = boxed
        col += len(grades) + 1
    for key in ("overdue", "soon"):
        boxed_cell(head, col, STAT_HEADERS[key], bold=True, fill=header_fill)
        boxed_cell(head + 1, col, None, fill=header_fill)
        ws.merge_cells(start_row=head, start_column=col, end_row=head + 1, end_column=col)
        col += 1
    ws.row_dimensions[head].height = 20

    kind_col = get_column_letter(STAT_WIDTH + 1)
    totals = total_values()
    for slot in range(1, STAT_SLOTS + 1):
        row = STAT_FIRST_SLOT + slot - 1
        kind = f"${kind_col}{row}"
        village_cell = f"{quote_sheetname(PARAMS)}!$E${2 + slot}" if slot <= VILLAGE_SLOTS else '""'
        # V: a listed village · G: a blank slot between villages · O: villages not in the list · T: 合计
        ws[f"{kind_col}{row}"] = (
            f'=IF({slot}<={last_slot},IF(TRIM({village_cell})="","G","V"),'
            f'IF({slot}={last_slot}+1,IF({others}>0,"O","T"),IF(AND({slot}={last_slot}+2,{others}>0),"T","")))')
        ws.cell(row, 1, f'=IF({kind}="V",TRIM({village_cell}),IF({kind}="O","{OTHER_VILLAGES}",'
                        f'IF({kind}="T","合计","")))')
        values = village_values(slot) if slot <= VILLAGE_SLOTS else ['""'] * len(totals)
        for offset, (mine, other, total) in enumerate(zip(values, village_values(0), totals), start=2):
            ws.cell(row, offset, f'=IF({kind}="V",{mine},IF({kind}="O",{other},IF({kind}="T",{total},"")))')
    table = f"A{STAT_FIRST_SLOT}:{last_col}{STAT_FIRST_SLOT + STAT_SLOTS - 1}"
    first_kind = f"${kind_col}{STAT_FIRST_SLOT}"
    # 合计 first: LibreOffice applies only the first rule that holds
    ws.conditional_formatting.add(table, FormulaRule(formula=[f'{first_kind}="T"'], font=Font(bold=True), border=boxed,
                                                     fill=PatternFill("solid", bgColor="EDEDED")))
    ws.conditional_formatting.add(table, FormulaRule(formula=[f'{first_kind}<>""'], border=boxed))
    # rows a little lower than usual, so that all 42 (most of them blank) fit one A4 page at a readable size
    for row in range(STAT_FIRST_SLOT, STAT_FIRST_SLOT + STAT_SLOTS):
        ws.row_dimensions[row].height = 13.5
        for index in range(1, STAT_WIDTH + 1):
            ws.cell(row, index).font = font(size=10)
            if index > 1:
                ws.cell(row, index).alignment = Alignment(horizontal="center")

    ws.column_dimensions["A"].width = 16
    for index in range(2, STAT_WIDTH + 1):
        ws.column_dimensions[get_column_letter(index)].width = 7.5
    for letter_ in (get_column_letter(STAT_WIDTH - 1), last_col):
        ws.column_dimensions[letter_].width = 12
    for block_start in (2, 2 + len(grades) + 1):         # 不在监测范围, wrapped on two lines
        ws.column_dimensions[get_column_letter(block_start + len(grades) - 1)].width = 10
    ws.row_dimensions[head + 1].height = 30
    ws.print_area = f"A1:{last_col}{STAT_FIRST_SLOT + STAT_SLOTS - 1}"
    _fit_width(ws, landscape=True)
    ws.page_setup.fitToHeight = 1
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.print_options.horizontalCentered = True
    ws.protection.sheet = True


# ---- 填表说明 ------------------------------------------------------------------------------------------------

# The first step depends on whether 参数's village list is filled (the district's settings or the roster fill it).
_VILLAGES_EMPTY = 'SUMPRODUCT((TRIM(VILLAGES)<>"")*1)=0'
GUIDE_FIRST_STEP = (
    f'=IF({_VILLAGES_EMPTY},"第一步：先在“参数”表 E 列“村（居）名单”填本乡镇的村（居），每格一个。台账的“村”列从这里选，'
    f'“统计”按它逐村汇总；名单空着时，台账每填一个村都会提示“不在列表中”。",'
    f'"村（居）名单在“参数”表 E 列（可增改）：台账的“村”列从这里选，“统计”按它逐村汇总；不在名单中的村，行检查会提示。")')


GUIDE_WIDTH = 100


def guide_steps(rows: int) -> tuple[str, ...]:
    """填表说明's steps after the first (GUIDE_FIRST_STEP), for a ledger with `rows` prepared rows."""
    last = FIRST_DATA_ROW + rows - 1
    return (
        f"每人一行：先写户主（与户主关系选“户主”），紧接着写其他成员；同一户各行相连、户主行在最前，每行填相同的“户编号”"
        f"（一户最多 {f.HOUSEHOLD_ROWS} 行）。顺序乱了时按“户编号”排序，再把户主行移到本户第一行。",
        "户的情况（收入、刚性支出、吃穿饮水、住房、人居环境、线索与流程日期）只填在户主行；成员情况（劳动技能、健康、残疾、在校、参保）每人填自己那行。",
        "身份证号按文本输入 18 位；年龄、性别由身份证号自动算出。",
        "灰色“计算结果”列自动计算，已锁定，不用填写：预警分级、监测预警因素、成立条款、监测类别、下一步、期限、状态、行检查。"
        "各列公式在“公式 > 名称管理器”中以 F_ 开头的名称保存（每列一条）。",
        "“行检查”有内容时，本行的“序号”“姓名”标红，按提示改正本行；红色底纹的单元格格式有误（如数字格里写了文字）。"
        "同一身份证号填在两行时，两行的身份证号格都标为橙色；带空格的号码、不同台账之间的重复由 hx-excel check 查出。"
        "缺少分级所需的情况时，预警分级显示“待补充”，监测预警因素列出缺的项目。",
        "“参数”表可改评估日期（默认今天）、核算年度、村名单，以及落款的填报人、联系电话、审核人；标准线按年度从参数表查出，"
        "没有配置的年度显示“未配置”，各户分级为“待补充”。",
        # a formula, so that the row count is ours to change (hx-excel extend); no literal over Excel's 255 characters
        f'="台账准备了第 {FIRST_DATA_ROW}–"&ROW({quote_sheetname(SHEET)}!$A${last})&" 行的公式，在其中的空行接着填写；'
        f'其下的行不能填写（会提示）。行不够时用 hx-excel extend 台账文件 --rows 行数 增加（填写的内容都保留）。"'
        f'&"可以插入、删除行：删除后其他行照常计算；插入的行没有公式，填写后“序号”“姓名”标红，请撤销工作表保护，'
        f'选中上一行的全部灰色计算列，向下填充到新行（或改在末尾的空行填写，再按户编号排序）。"',
        "每月：hx-excel fill 台账文件 补填成员行的户编号，在“行检查”右边的“建议帮扶措施”列写出各户成立条款对应的措施（仅供参考，"
        "采用的填在“帮扶措施”），并重建“待办”表（每户未办的程序和期限，已逾期的在前）；研判后 hx-excel review 台账文件 --month 年-月 "
        "在“月度研判记录”表追加本月各户的分级和变动；上报前 hx-excel check 台账文件 逐条查出问题。",
        "工作表已保护但未设密码；如需排序、填充公式，可在“审阅 > 撤销工作表保护”后操作，完成后再保护。"
        "筛选后“序号”只给显示着的行连续编号，取消筛选即恢复。",
        "打印：A4 横向一页宽，只打印文件附件的 14 列，打到最后一个填有姓名、身份证号或户编号的行，其下的空行不打印；"
        "标题（乡镇、年月）、落款行和表头每页重复。Excel、WPS 打印时按填写的行自动确定打印区域，不用设置，也不要用"
        "“设置打印区域”改动它（改过的，hx-excel 下次保存台账时恢复）。LibreOffice 不支持这样的打印区域：选中 A1 到最后一行的"
        " N 列，在“文件 > 打印”中选择只打印选中的单元格。“统计”表打印为一页 A4。",
    )


def _write_guide(ws: Worksheet, policy: Policy, rows: int) -> None:
    ws["A1"] = f"{TITLE} 填表说明"
    ws["A1"].font = font(bold=True, size=15)
    ws["A2"] = f"依据：{policy.document.number}《{policy.document.title}》"
    row = 4
    ws.cell(row, 1, "怎么填").font = font(bold=True, size=12)
    for number, step in enumerate((GUIDE_FIRST_STEP, *guide_steps(rows)), start=1):
        row += 1
        ws.cell(row, 1, number)
        ws.cell(row, 2, step)
    row += 2
    ws.cell(row, 1, "条款（简）").font = font(bold=True, size=12)
    for clause in CLAUSES.values():
        row += 1
        ws.cell(row, 1, clause.id)
        ws.cell(row, 2, f"{clause.grade or ''} {clause.label}：{clause.quote}".strip())
    row += 2
    ws.cell(row, 1, "各列说明").font = font(bold=True, size=12)
    for column in COLUMNS:
        if column.hidden:
            continue
        row += 1
        ws.cell(row, 1, column.header)
        ws.cell(row, 2, f"[{column.group}] {column.help}")
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = GUIDE_WIDTH
    _fit_width(ws)
    for line in ws.iter_rows(min_col=1, max_col=2):
        line[0].alignment = Alignment(vertical="top")      # the title and the headings run on, unwrapped
        line[1].alignment = Alignment(wrap_text=True, vertical="top")
        # rows tall enough for the wrapped text, or the lines overlap on paper (the first step: its longer text)
        text = str(line[1].value or "")
        if text.startswith("="):   # a formula: the text it shows, roughly (the longer branch of an IF)
            quoted = re.findall(r'"([^"]*)"', text)
            text = max(quoted, key=len) if text.startswith("=IF(") else "".join(quoted)
        lines = printing.lines_needed(text, GUIDE_WIDTH)
        if lines > 1:
            ws.row_dimensions[line[1].row].height = round(lines * printing.LINE_HEIGHT, 2)


# ---- the committed official template ---------------------------------------------------------------------------

TEMPLATE_FILE = "花溪区防贫分级监测预警及动态帮扶台账.xlsx"
# A fixed creation time keeps regeneration stable (openpyxl stamps only the modified time on save).
_FIXED_TIME = datetime(2022, 4, 14)


def official_template(policy: Policy) -> Workbook:
    """The blank district template: no township, 评估日期 =TODAY(), DEFAULT_ROWS formula rows."""
    wb = build_workbook(policy)
    wb.properties.creator = "hx-excel"
    wb.properties.created = _FIXED_TIME
    return wb

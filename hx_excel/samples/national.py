"""A fictional export of the national monitoring system (全国防返贫监测信息系统), person-level, as townships download it
(../shared/reference/national-export.md): 32 columns, household facts repeated on every member's row, a title row
above the header, per-head income, 危房户 是/否 with no grade, school years as the system writes them, dates as text
in two spellings. Built from the generated households, so every value has a known origin; names and ID numbers are
invented. `scripts/build_national_sample.py` writes the committed .xlsx and, through LibreOffice, the .xls."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from hx_excel.core.models import Household
from hx_excel.policy import Policy
from hx_excel.samples.generate import generate_households

HEADERS = ("序号", "数据日期", "县(市、区、旗)", "乡(镇)", "行政村", "自然村", "户编号", "人编号", "姓名", "证件号码", "人数",
           "与户主关系", "民族", "文化程度", "在校生状况", "健康状况", "劳动技能", "务工时间（月）", "是否参加大病保险",
           "致贫原因1", "危房户", "是否解决安全饮用水", "人均纯收入", "户联系电话", "人联系电话", "首次识别时间",
           "人员识别时间", "户类型", "易返贫致贫户(监测对象)类型", "风险是否消除", "风险识别时间", "风险消除时间")
SAMPLE_NAME = "国家系统导出-样例"          # hx_excel/samples/国家系统导出-样例.xlsx and .xls
MONITORED = ("脱贫不稳定户", "边缘易致贫户", "突发严重困难户")
DATA_DATE = date(2022, 7, 1)
# the ledger's value → how the system writes it (the preset maps them back)
_SCHOOL_YEARS = {"小学": ("一年级", "三年级", "六年级"), "初中": ("七年级", "八年级", "九年级"),
                 "高中": ("高中一年级", "高中三年级"), "辍学": ("失学或辍学",)}
_CAUSES = {"因自然灾害": "因灾", "缺劳动力": "缺劳力"}


def sample_export_households(policy: Policy) -> list[Household]:
    """The households the sample export lists: 40 of 青岩镇 and 石板镇, each numbered as the national system numbers
    households (18 digits; consecutive numbers share their first 15 to 17)."""
    made = generate_households(40, 2020, policy, date(2022, 7, 15))
    return [h.model_copy(update={"household_id": f"52011110{n + 1:010d}",
                                 "township": "青岩镇" if n % 3 else "石板镇"}) for n, h in enumerate(made)]


def _text_date(day: date | None, n: int) -> Any:
    if day is None:
        return None
    return f"{day.year}/{day.month}/{day.day}" if n % 2 else day    # as text (2022/5/3) or as an Excel date


def export_rows(households: list[Household]) -> list[list[Any]]:
    rng = random.Random(7)
    rows, number = [], 0
    for n, h in enumerate(households):
        size = len(h.members)
        per_head = round(h.annual_net_income / size, 2) if h.annual_net_income is not None and size else None
        monitored = h.household_type if h.household_type in MONITORED else None
        kind = ("脱贫户" if h.household_type == "脱贫不稳定户" else "一般户") if monitored else h.household_type
        for m in h.members:
            number += 1
            school = rng.choice(_SCHOOL_YEARS[m.school]) if m.school in _SCHOOL_YEARS else m.school
            values = {
                "序号": number, "数据日期": DATA_DATE, "县(市、区、旗)": "花溪区", "乡(镇)": h.township,
                "行政村": h.village, "自然村": h.group, "户编号": h.household_id, "人编号": f"P{number:08d}",
                "姓名": m.name, "证件号码": m.id_number, "人数": size, "与户主关系": m.relation, "民族": "汉族",
                "文化程度": "初中", "在校生状况": school, "健康状况": m.health, "劳动技能": m.labour,
                "务工时间（月）": (8 if m.employed else 0) if m.employed is not None else None,
                "是否参加大病保险": {True: "是", False: "否"}.get(m.insured),
                "致贫原因1": _CAUSES.get(h.risk_types[0], h.risk_types[0]) if h.risk_types else None,
                "危房户": "是" if h.house_grade in ("C", "D") else "否",
                "是否解决安全饮用水": {True: "是", False: "否"}.get(h.water_secured),
                "人均纯收入": per_head, "户联系电话": f"1380000{n:04d}", "人联系电话": None,
                "首次识别时间": date(2014, 10, 1), "人员识别时间": date(2014, 10, 1), "户类型": kind,
                "易返贫致贫户(监测对象)类型": monitored,
                "风险是否消除": ("是" if (h.exit_status or "").startswith("是") else "否") if monitored else None,
                "风险识别时间": _text_date(h.entered_on, n) if monitored else None,
                "风险消除时间": _text_date(h.eliminated_on, n) if monitored else None,
            }
            rows.append([values[header] for header in HEADERS])
    return rows


def export_workbook(households: list[Household]) -> Workbook:
    """The export as the system writes it: a title row and the export time above the header, IDs and 户编号 as text."""
    wb = Workbook()
    ws = wb.active
    ws.title = "监测对象信息"
    ws.append(["全国防返贫监测信息系统 · 监测对象及脱贫人口信息（贵州省贵阳市花溪区）"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([f"数据日期：{DATA_DATE:%Y-%m-%d}"])
    ws.append(list(HEADERS))
    for values in export_rows(households):
        ws.append(values)
    text_columns = [HEADERS.index(h) + 1 for h in ("户编号", "证件号码", "人编号", "户联系电话")]
    for row in ws.iter_rows(min_row=4):
        for cell in row:
            if cell.column in text_columns:
                cell.number_format = "@"
            elif hasattr(cell.value, "year"):
                cell.number_format = "yyyy-mm-dd"
    return wb

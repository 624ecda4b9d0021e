"""Fictional department lists for a month of 部门联合筛查 (issue 21), matched to the sample 青岩镇 ledger
(samples/households.json) and the sample national export: every row's outcome is known and worked out in
tests/test_clue_samples.py. `scripts/build_department_samples.py` writes the committed files into
hx_excel/samples/部门名单/ (the housing list as a legacy .xls through LibreOffice, the civil-affairs list as a CSV in
GBK, as those offices send them)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import Workbook

FOLDER = Path(__file__).with_name("部门名单")
MONTH, RECEIVED = "2022-07", date(2022, 7, 4)


def education() -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "控辍保学"
    ws.append(["学生姓名", "身份证号", "学校", "年级", "学籍状态"])
    ws.append(["冯宇", "520111200806010471", "青岩中学", "八年级", "辍学"])          # QY-007: R4
    ws.append(["王乐", "520111201209090279", "龙井小学", "四年级", "在读"])         # not a clue
    return wb


def medical() -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "医保"
    ws.append(["2022年上半年 医疗费用及参保情况（区医疗保障局）"])
    ws.merge_cells("A1:E1")
    ws.append(["序号", "参保人姓名", "身份证号", "个人自付费用（元）", "参保状态"])
    ws.append([1, "杨明华", "520111 19680503 0113", 18600, "正常"])     # QY-001: Y1 (spaces in the ID)
    ws.append([2, "杨明华", "520111196805030113", 18600, "正常"])       # the same row twice: one fact
    ws.append([3, "罗芬", "520111197009120147", 420, "未参保"])          # QY-001: R5
    ws.append([4, "罗红", "520403197511047092", 12000, "正常"])         # only in the national export (石板镇): Y1
    ws.append([5, "何某", "520111199901010019", 26000, "正常"])         # in no ledger or export: unmatched
    ws.append([6, "陈丽", "520111197602140202", "约八千", "正常"])       # QY-002: the amount cannot be judged
    return wb


def housing() -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "危房鉴定"
    ws.append(["户主姓名", "户主身份证号", "鉴定等级", "鉴定日期"])
    ws.append(["王建", "520111800707023", "C级", date(2022, 6, 28)])    # QY-003, 15 digits: R6 already in the ledger
    ws.append(["韩老四", "520111195508150499", "D级", date(2022, 6, 28)])  # QY-008: R6 already in the ledger
    ws.append(["吴海", "520111197201200390", "D级", date(2022, 6, 28)])   # QY-006 (B in the ledger): R6
    ws.append(["陈国强", "520111197501080175", "B级", date(2022, 6, 28)])  # not a clue
    return wb


def civil_affairs_csv() -> bytes:
    lines = ["姓名,身份证号,救助类别,变动类型,变动日期",
             "赵德明,520111194803030292,低保,取消,2022-07-08",     # QY-004: R7 (cancelled this month)
             "曹立,520111198303090510,低保,新增,2022-07-08"]      # not a clue
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


def write_xlsx_and_csv(folder: Path) -> list[Path]:
    """The lists other than the .xls (which scripts/build_department_samples.py makes through LibreOffice)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, book in (("教育-控辍保学.xlsx", education()), ("医保-医疗费用.xlsx", medical()), ("住建-危房鉴定.xlsx", housing())):
        book.save(folder / name)
        written.append(folder / name)
    (folder / "民政-低保变动.csv").write_bytes(civil_affairs_csv())
    return written + [folder / "民政-低保变动.csv"]


def answer_for_demo(task: Path) -> str:
    """The demo's stand-in for a village cadre: 青岩镇's 交办单 answered — the first clue checked on 2022-07-08 (红),
    the second a day late on 2022-07-12 (黄: the deadline was 07-11), the third on 07-09 (无风险), the rest not yet.
    A sheet already answered is left as it is. Returns what was done, to print."""
    import openpyxl

    from hx_excel.files.save import save_workbook

    wb = openpyxl.load_workbook(task)
    ws = wb["线索交办单"]
    header = {c.value: c.column for c in ws[3]}
    rows = [r for r in range(4, ws.max_row + 1) if ws.cell(r, header["线索编号"]).value]
    if any(ws.cell(r, header["核实结论"]).value for r in rows):
        return f"{task.name} 已有反馈，未改动"
    answers = [(date(2022, 7, 8), "红"), (date(2022, 7, 12), "黄"), (date(2022, 7, 9), "无风险")]
    for row, (day, conclusion) in zip(rows, answers):
        ws.cell(row, header["入户核实日期"], day).number_format = "yyyy-mm-dd"
        ws.cell(row, header["核实结论"], conclusion)
        ws.cell(row, header["核实人"], "龙井村 李干部")
    save_workbook(wb, task)
    return f"已在 {task.name} 中填写 {min(len(rows), 3)} 条线索的入户核实结果（其余 {max(len(rows) - 3, 0)} 条尚未核实）"

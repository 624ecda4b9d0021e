"""The generated ledgers printed after a clerk typed into them, with no hx-excel command in between.

`hx-excel generate` writes three real workbooks (a blank 石板镇 ledger, the 青岩镇 sample ledger and a 青岩镇 ledger
of 500 households imported from a roster). LibreOffice, driven over UNO as a clerk's program, types a new household
into each — below the last person, in the sample one after a blank row — and saves the file in its own xlsx writer.
Nothing of hx-excel touches the typed files.

Excel and WPS print the 台账 through its print area formula (ledger.printing), evaluated when they print. No Excel
here: LibreOffice evaluates that formula in a cell of the typed file, and prints the range it names, which is what
Excel and WPS print. poppler reads the pages back: the document's 14 columns and none of the others, every person
once and the typed household on the last page, no page without a person, A4 landscape, a readable size, the title
with township and month and the sign-off line on every page, and no wrapped text running into the row below.

LibreOffice itself keeps no formula print area (it prints the whole sheet): `test_libreoffice_*` hold that and the
way 填表说明 gives its users, printing the selected cells. The last test types below the prepared rows.
(`soffice` prints every visible sheet; the 台账's pages are those under its title, `office.render.ledger_pages`.)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from hx_excel.core.id_number import make_valid
from hx_excel.districts import DistrictSettings, default_townships
from hx_excel.ledger import printing
from hx_excel.ledger.cells import to_cell
from hx_excel.ledger.schema import BY_KEY, OFFICIAL_HEADERS, SHEET, TITLE, column_index
from hx_excel.ledger.writer import INPUT_COLUMNS, household_rows
from hx_excel.office.libreoffice import LibreOfficeMissing, _throwaway_profile, find_soffice
from hx_excel.office.render import ledger_pages, page_texts
from hx_excel.operations.generate import generate
from hx_excel.policy import default_policy
from hx_excel.samples import sample_households
from hx_excel.samples.generate import generate_households

pytestmark = pytest.mark.libreoffice

AS_OF = date(2022, 7, 15)
A4_LANDSCAPE = (842.0, 595.0)        # points
ROSTER_HOUSEHOLDS = 500
MIN_TEXT_HEIGHT = 5.5                # points: an ID number printed smaller than this is not readable on paper
# one header of each group right of the official 14 (others, like 吃穿有保障, are also words of the printed factors)
NOT_PRINTED = ("户编号", "风险类型", "务工就业", "线索发布日期", "成立条款", "监测类别", "下一步", "行检查")
UNO_PYTHONS = ("/usr/bin/python3", "/usr/local/bin/python3", "python3")

# A clerk's program over UNO: type, save with LibreOffice's xlsx writer, open the saved file again as the next
# program would, and print it. Standard library and `uno` only (LibreOffice's bridge is built for the system Python).
UNO_CLERK = r'''
import json, sys, time, uno
from com.sun.star.beans import PropertyValue
from com.sun.star.table import CellRangeAddress

def prop(name, value):
    p = PropertyValue(); p.Name, p.Value = name, value; return p

def url(path):
    return uno.systemPathToFileUrl(path)

context = uno.getComponentContext()
resolver = context.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", context)
deadline = time.monotonic() + 120
while True:
    try:
        remote = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % sys.argv[1])
        break
    except Exception:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.25)
desktop = remote.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", remote)
spec = json.load(open(sys.argv[2], encoding="utf-8"))

def load(path):
    return desktop.loadComponentFromURL(url(path), "_blank", 0, (prop("Hidden", True),))

def pdf(doc, path, selection=None):
    args = [prop("FilterName", "calc_pdf_Export")]
    if selection is not None:
        args.append(prop("FilterData", uno.Any("[]com.sun.star.beans.PropertyValue", (prop("Selection", selection),))))
    doc.storeToURL(url(path), tuple(args))

def as_excel_prints(doc, sheet, path):
    """Evaluate the sheet's print area formula in a cell and print the range it names."""
    names = sheet.NamedRanges
    if not names.hasByName("_xlnm.Print_Area"):
        return None
    content = names.getByName("_xlnm.Print_Area").getContent()
    doc.Sheets.insertNewByName("hx_eval", doc.Sheets.Count)
    cells = doc.Sheets.getByName("hx_eval")
    for i, function in enumerate(("ROW", "COLUMN", "ROWS", "COLUMNS")):
        cells.getCellByPosition(i, 0).setFormula("=%s(%s)" % (function, content))
    doc.calculateAll()
    row, col, rows, cols = (int(cells.getCellByPosition(i, 0).getValue()) for i in range(4))
    doc.Sheets.removeByName("hx_eval")
    area = CellRangeAddress()
    area.Sheet, area.StartColumn, area.StartRow = sheet.RangeAddress.Sheet, col - 1, row - 1
    area.EndColumn, area.EndRow = col + cols - 2, row + rows - 2
    sheet.setPrintAreas((area,))
    pdf(doc, path)
    return {"formula": content, "first": [row, col], "last": [row + rows - 1, col + cols - 1]}

def marked_invalid(sheet):
    """Cells LibreOffice's Tools > Detective > Mark Invalid Data circles: its validity test on the cells' content."""
    sheet.showInvalid()
    page = sheet.DrawPage
    marks = [page.getByIndex(i) for i in range(page.Count)]
    return sorted(s.Anchor.AbsoluteName.split(".")[-1].replace("$", "") for s in marks
                  if s.ShapeType == "com.sun.star.drawing.EllipseShape")

out = {}
for job in spec["jobs"]:
    result = out[job["name"]] = {}
    doc = load(job["generated"])
    sheet = doc.Sheets.getByName(spec["sheet"])
    result["generated_area"] = as_excel_prints(doc, sheet, job["generated_pdf"])
    doc.close(True)

    doc = load(job["generated"])
    sheet = doc.Sheets.getByName(spec["sheet"])
    for row, col, text in job["cells"]:
        sheet.getCellByPosition(col - 1, row - 1).setString(text)
    doc.storeToURL(url(job["typed"]), (prop("FilterName", "Calc Office Open XML"),))
    doc.close(True)

    doc = load(job["typed"])
    sheet = doc.Sheets.getByName(spec["sheet"])
    result["own_print_areas"] = [[a.StartColumn, a.StartRow, a.EndColumn, a.EndRow] for a in sheet.getPrintAreas()]
    if job.get("selection_pdf"):                       # LibreOffice's own way: print the selected cells
        last = job["selection_last_row"]
        pdf(doc, job["selection_pdf"], sheet.getCellRangeByPosition(0, 0, 13, last - 1))
    result["typed_area"] = as_excel_prints(doc, sheet, job["typed_pdf"])
    if job.get("below"):                               # below the prepared rows, and in the last prepared row
        validation = sheet.getCellRangeByName(job["below"][0]).Validation
        result["below_rule"] = {"type": validation.Type.value, "formula": validation.getFormula1(),
                                "style": validation.ErrorAlertStyle.value, "shown": validation.ShowErrorMessage,
                                "title": validation.ErrorTitle, "message": validation.ErrorMessage,
                                "prompt": validation.InputMessage if validation.ShowInputMessage else ""}
        result["invalid_before"] = marked_invalid(sheet)
        for cell in job["below"]:
            sheet.getCellRangeByName(cell).setString("新增的人")
        result["invalid_after"] = marked_invalid(sheet)
    doc.close(True)
print(json.dumps(out, ensure_ascii=False))
'''


def _township(name: str):
    return next(t for t in default_townships() if t.name == name)


def _roster(path: Path, households) -> Path:
    """A roster with the ledger's own input headers, one row per person, as the district would export it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([c.header for c in INPUT_COLUMNS])
    for household in households:
        for values in household_rows(household):
            ws.append([to_cell(c, values.get(c.key)) for c in INPUT_COLUMNS])
    wb.save(path)
    return path


def _uno_python() -> str:
    for candidate in UNO_PYTHONS:
        found = shutil.which(candidate)
        if found and subprocess.run([found, "-c", "import uno"], capture_output=True).returncode == 0:
            return found
    pytest.fail(str(LibreOfficeMissing("python3-uno")), pytrace=False)


def _run_uno(spec: dict, folder: Path) -> dict:
    """Run UNO_CLERK against a headless soffice of its own (a throw-away profile that recalculates on load)."""
    python = _uno_python()
    (folder / "clerk.py").write_text(UNO_CLERK, encoding="utf-8")
    (folder / "spec.json").write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    pipe = f"hxprint{os.getpid()}"
    with _throwaway_profile() as profile:
        office = subprocess.Popen([find_soffice(), f"-env:UserInstallation={profile}", "--headless", "--invisible",
                                   "--norestore", "--nologo", f"--accept=pipe,name={pipe};urp;"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            done = subprocess.run([python, str(folder / "clerk.py"), pipe, str(folder / "spec.json")],
                                  capture_output=True, text=True, encoding="utf-8", timeout=900)
        finally:
            os.killpg(office.pid, signal.SIGKILL)
            office.wait()
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _typed_household(township: str, village: str, code: str, names: tuple[str, str], seq: int) -> list[dict]:
    """A household of two as a clerk types it: 户主 and 配偶, with 乡镇, 村, 组, 户编号 and valid ID numbers."""
    return [{"township": township, "village": village, "group": "1组", "name": name, "relation": relation,
             "id_number": make_valid("520111", date(1970 + i, 3, 8), seq + i), "household_id": code}
            for i, (name, relation) in enumerate(zip(names, ("户主", "配偶")))]


def _cells(first_row: int, people: list[dict]) -> list[list]:
    return [[first_row + i, column_index(key), value] for i, person in enumerate(people)
            for key, value in person.items()]


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict:
    for tool in ("pdfinfo", "pdftotext"):
        if shutil.which(tool) is None:
            pytest.fail(str(LibreOfficeMissing(tool)), pytrace=False)
    if find_soffice() is None:
        pytest.fail(str(LibreOfficeMissing()), pytrace=False)
    tmp = tmp_path_factory.mktemp("print")
    policy = default_policy()
    households = generate_households(ROSTER_HOUSEHOLDS, seed=9, policy=policy, as_of=AS_OF)
    households = [h.model_copy(update={"township": "青岩镇"}) for h in households]
    settings = DistrictSettings(townships=[_township("青岩镇"), _township("石板镇")], rows=300)
    run = generate(settings, policy, tmp / "out", roster=_roster(tmp / "名单.xlsx", households), samples=True,
                   as_of=AS_OF)
    paths = {("sample" if w.sample else w.township): w.path for w in run.workbooks}
    files = {"blank": paths["石板镇"], "sample": paths["sample"], "roster": paths["青岩镇"]}
    samples = sample_households(policy)[1]
    people = {"blank": [], "sample": [m.name for h in samples for m in h.members],
              "roster": [m.name for h in households for m in h.members]}
    typed = {"blank": _typed_household("石板镇", "石板村", "SB-001", ("王新一", "李新二"), 101),
             "sample": _typed_household("青岩镇", samples[0].village, "QY-101", ("赵新一", "钱新二"), 201),
             "roster": _typed_household("青岩镇", households[0].village, "QY-901", ("孙新一", "周新二"), 301)}
    jobs, info = [], {}
    for kind, path in files.items():
        ws = openpyxl.load_workbook(path)[SHEET]
        last, prepared = printing.last_printed_row(ws), printing.prepared_last_row(ws)
        start = last + (2 if kind == "sample" else 1)        # the sample's new household after a blank row
        job = {"name": kind, "generated": str(path), "generated_pdf": str(tmp / f"{kind}-generated.pdf"),
               "typed": str(tmp / f"{kind}-typed.xlsx"), "typed_pdf": str(tmp / f"{kind}-typed.pdf"),
               "cells": _cells(start, typed[kind])}
        if kind == "roster":
            job.update(selection_pdf=str(tmp / "roster-selection.pdf"), selection_last_row=start + 1)
        if kind == "blank":
            job["below"] = [f"{_letter('name')}{prepared + 1}", f"{_letter('name')}{prepared}"]
        jobs.append(job)
        info[kind] = {"last_before": last, "start": start, "prepared": prepared, "people": people[kind],
                      "typed": [person["name"] for person in typed[kind]], "typed_path": Path(job["typed"]),
                      "township": typed[kind][0]["township"]}
    results = _run_uno({"sheet": SHEET, "jobs": jobs}, tmp)
    for job in jobs:
        info[job["name"]].update(results[job["name"]], generated_pdf=Path(job["generated_pdf"]),
                                 typed_pdf=Path(job["typed_pdf"]),
                                 selection_pdf=Path(job["selection_pdf"]) if job.get("selection_pdf") else None)
    return info


def _letter(key: str) -> str:
    return openpyxl.utils.get_column_letter(column_index(key))


def _poppler(tool: str, *args: str) -> str:
    return subprocess.run([tool, *args], capture_output=True, text=True, encoding="utf-8", check=True,
                          timeout=120).stdout


def _ledger_texts(pdf: Path, *, raw: bool = False) -> list[str]:
    texts = page_texts(pdf, raw=raw)
    pages = ledger_pages(pdf)
    assert pages, "no page of the 台账 printed"
    assert pages == list(range(pages[0], pages[-1] + 1)), pages     # one run of pages
    return [texts[n - 1] for n in pages]


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _rows(text: str) -> list[tuple[str, str, str]]:
    """(序号, 姓名, 身份证号) of each person row of a page laid out as printed."""
    return re.findall(r"^\s*(\d+)\s+\S+\s+\S+\s+\S+\s+(\S+)\s+\S+\s+(\d{17}[\dX])", text, re.M)


def test_the_headers_checked_as_not_printed_are_real() -> None:
    headers = {c.header for c in BY_KEY.values()}
    assert set(NOT_PRINTED) <= headers - set(OFFICIAL_HEADERS)


@pytest.mark.parametrize("kind", ["blank", "sample", "roster"])
def test_the_typed_file_keeps_the_print_area_formula(printed, kind) -> None:
    """LibreOffice's own xlsx writer keeps the formula (as a named expression of the sheet), so a file typed and
    saved in LibreOffice still prints as typed in Excel and WPS; and it names exactly the rows down to the new
    household, in another engine than the one that wrote it."""
    info = printed[kind]
    [area] = printing.print_area_in_file(info["typed_path"])
    assert area.replace("'", "") == printing.print_area_formula(info["prepared"]).replace("'", "")
    assert info["typed_area"]["first"] == [1, 1]
    assert info["typed_area"]["last"] == [info["start"] + 1, len(OFFICIAL_HEADERS)]
    assert info["generated_area"]["last"] == [info["last_before"], len(OFFICIAL_HEADERS)]


@pytest.mark.parametrize("kind", ["blank", "sample", "roster"])
def test_every_page_has_title_month_sign_off_and_only_the_official_headers(printed, kind) -> None:
    info = printed[kind]
    township = info["township"]
    for text in _ledger_texts(info["typed_pdf"], raw=True):
        flat = _flat(text)
        assert f"{TITLE}（{township}2022年7月）" in flat
        for label in ("填报单位（盖章）：" + township, "填报人：", "联系电话：", "审核人：", "填报日期：2022年7月15日"):
            assert label in flat, label
        for header in OFFICIAL_HEADERS:
            assert header in flat, header
        for header in NOT_PRINTED:
            assert header not in flat, f"{header} printed"
        assert "附件台账" not in flat                          # the group label stays on screen


@pytest.mark.parametrize("kind", ["blank", "sample", "roster"])
def test_pages_are_a4_landscape(printed, kind) -> None:
    pdf = printed[kind]["typed_pdf"]
    info = _poppler("pdfinfo", "-f", "1", "-l", "999", str(pdf))
    sizes = re.findall(r"Page\s+(\d+) size:\s+([\d.]+) x ([\d.]+) pts", info)
    for number in ledger_pages(pdf):
        _, width, height = sizes[number - 1]
        assert abs(float(width) - A4_LANDSCAPE[0]) <= 2 and abs(float(height) - A4_LANDSCAPE[1]) <= 2, (number, width)


def test_a_blank_ledger_prints_one_page_of_headers(printed) -> None:
    texts = _ledger_texts(printed["blank"]["generated_pdf"])
    assert len(texts) == 1
    assert not re.search(r"^\s*\d+\s", texts[0], re.M), "a numbered row printed from a blank ledger"


@pytest.mark.parametrize("kind", ["blank", "sample", "roster"])
def test_every_person_printed_once_the_typed_household_last_and_no_page_without_a_person(printed, kind) -> None:
    info = printed[kind]
    texts = _ledger_texts(info["typed_pdf"])
    pages = [_rows(t) for t in texts]
    assert all(pages), [len(p) for p in pages]                     # no page of empty rows
    rows = [row for page in pages for row in page]
    names = info["people"] + info["typed"]
    gap = 1 if kind == "sample" else 0                             # the blank row keeps its number, printed empty
    numbers = list(range(1, len(info["people"]) + 1)) + [len(info["people"]) + gap + i for i in (1, 2)]
    assert [int(n) for n, _, _ in rows] == numbers                 # 序号 1…n, nothing after the typed household
    assert sorted(name for _, name, _ in rows) == sorted(names)
    assert [name for _, name, _ in rows[-2:]] == info["typed"] and pages[-1][-1][1] == info["typed"][-1]
    per_page = len(names) / len(texts)
    assert len(texts) == 1 or per_page >= 25, f"{len(texts)} pages for {len(names)} people"


def test_the_500_household_ledger_is_readable(printed) -> None:
    pdf = printed["roster"]["typed_pdf"]
    pages = ledger_pages(pdf)
    html = _poppler("pdftotext", "-bbox", "-f", str(pages[0]), "-l", str(pages[0]), str(pdf), "-")
    heights = [float(y2) - float(y1) for y1, y2, word in
               re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(\d{17}[\dX])<', html)]
    assert heights, "no ID number found on the first page"
    assert min(heights) >= MIN_TEXT_HEIGHT, min(heights)


def test_wrapped_factors_stay_inside_their_row(printed) -> None:
    """韩老四's five factors wrap over several lines; the next person, 曹立, starts below the last of them."""
    pdf = printed["sample"]["typed_pdf"]
    page = ledger_pages(pdf)[0]
    html = _poppler("pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-")
    words = [(float(y1), float(y2), w) for y1, y2, w in
             re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]+)<', html)]
    head = next(y1 for y1, _, w in words if w == "韩老四")
    nxt = next(y1 for y1, _, w in words if w == "曹立")
    codes = [(code, y2) for y1, y2, w in words if y1 >= head - 2 for code in re.findall(r"[RG]\d", w)][:5]
    assert [code for code, _ in codes] == ["R2", "R5", "R6", "R7", "G2"], codes
    assert max(y2 for _, y2 in codes) <= nxt, (codes, nxt)     # the last factor line ends above 曹立's row


@pytest.mark.parametrize("kind", ["blank", "sample", "roster"])
def test_the_statistics_print_on_one_a4_page_with_title_date_and_sign_off(printed, kind) -> None:
    """统计 of each workbook as generated (its fixed print area prints the same in every program)."""
    pdf = printed[kind]["generated_pdf"]
    township = printed[kind]["township"]
    pages = [_flat(t) for t in page_texts(pdf, raw=True) if "防贫分级监测预警统计表" in t]
    assert len(pages) == 1
    [page] = pages
    for text in (f"{township}防贫分级监测预警统计表（2022年7月）", "填报单位（盖章）：" + township, "审核人：",
                 "评估日期：2022年7月15日", "监测类别", "户数（按预警分级）", "人数（按预警分级）", "合计"):
        assert text in page, text
    if kind == "sample":
        # households 红3 黄2 绿3 无1 待补充0 不在监测范围1 (QY-009, never under its grade) =10,
        # persons 6 6 8 3 0 2 =25, overdue 1, due soon 2
        assert "合计323101106683022512" in page
        assert "人数336820" in page                      # persons by category: 3 3 6 8, together 20
    if kind == "roster":                                # generated households include some typed without a head
        assert re.search(r"注意：另有\d+人找不到本户的户主行", page)


def test_libreoffice_keeps_no_formula_print_area(printed) -> None:
    """Why LibreOffice is served differently (ledger.printing): its xlsx import drops a print area that is not a
    plain list of references, so LibreOffice would print the whole sheet."""
    for kind in ("blank", "sample", "roster"):
        assert printed[kind]["own_print_areas"] == [], kind


def test_libreoffice_prints_the_selected_cells_as_the_ledger(printed) -> None:
    """填表说明's way for LibreOffice users: select A1 to N of the last row and print the selected cells. The pages
    repeat the title, sign-off and header rows, hold only the 14 columns and end with the typed household."""
    info = printed["roster"]
    texts = _ledger_texts(info["selection_pdf"], raw=True)
    assert len(texts) > 1
    for text in texts:
        flat = _flat(text)
        assert f"{TITLE}（青岩镇2022年7月）" in flat and "填报单位（盖章）：青岩镇" in flat
        assert all(header in flat for header in OFFICIAL_HEADERS)
        assert not any(header in flat for header in NOT_PRINTED)
    rows = [row for text in _ledger_texts(info["selection_pdf"]) for row in _rows(text)]
    assert sorted(name for _, name, _ in rows) == sorted(info["people"] + info["typed"])


def test_typing_below_the_prepared_rows_is_refused_with_the_extend_message(printed) -> None:
    """A name typed in the first row below the prepared ones fails LibreOffice's validity test — the one its input
    line applies before taking an entry (ScInputHandler::EnterHandler → ScValidationData::IsDataValid), which then
    shows the Stop message and keeps the cell empty — and the same name in the last prepared row passes. The message,
    also shown as the cell's input help, says to run hx-excel extend."""
    info = printed["blank"]
    rule = info["below_rule"]
    assert rule["type"] == "CUSTOM" and rule["formula"] == "0" and rule["style"] == "STOP" and rule["shown"]
    assert rule["title"] == "超出台账的行"
    for text in (rule["message"], rule["prompt"]):
        assert "hx-excel extend" in text and str(info["prepared"]) in text
    below = f"{_letter('name')}{info['prepared'] + 1}"
    assert sorted(set(info["invalid_after"]) - set(info["invalid_before"])) == [below]

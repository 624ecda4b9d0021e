"""The generated ledgers printed as they are: blank, the samples, and 500 households from a roster.

`hx-excel generate` writes three real workbooks (a blank 石板镇 ledger, the 青岩镇 sample ledger and a 青岩镇 ledger
of 500 households imported from a roster), LibreOffice prints each to PDF as a clerk would print the file, and
poppler reads the 台账's pages back: the document's 14 columns and none of the others, only the filled rows (every
person once, no page of empty rows), A4 landscape, a readable size, the title with township and month and the
sign-off line on every page, and no wrapped text running into the row below. (`soffice --convert-to pdf` prints
every visible sheet; the 台账's pages are those under its title, `office.render.ledger_pages`.)
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from hx_excel.districts import DistrictSettings, default_townships
from hx_excel.operations.generate import generate
from hx_excel.ledger.cells import to_cell
from hx_excel.ledger.schema import BY_KEY, OFFICIAL_HEADERS, TITLE
from hx_excel.ledger.writer import INPUT_COLUMNS, household_rows
from hx_excel.office.libreoffice import LibreOfficeMissing, find_soffice, to_pdfs
from hx_excel.office.render import ledger_pages, page_texts
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


def test_the_headers_checked_as_not_printed_are_real() -> None:
    headers = {c.header for c in BY_KEY.values()}
    assert set(NOT_PRINTED) <= headers - set(OFFICIAL_HEADERS)


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


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[str, tuple[Path, list]]:
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
    pdfs = dict(zip(files, to_pdfs(list(files.values()), tmp / "pdf")))
    people = {"blank": [], "sample": sample_households(policy)[1], "roster": households}
    return {kind: (pdfs[kind], [m for h in people[kind] for m in h.members]) for kind in files}


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


@pytest.mark.parametrize("kind", ["blank", "sample", "roster"])
def test_every_page_has_title_month_sign_off_and_only_the_official_headers(printed, kind) -> None:
    pdf, _ = printed[kind]
    township = "石板镇" if kind == "blank" else "青岩镇"
    for text in _ledger_texts(pdf, raw=True):
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
    pdf, _ = printed[kind]
    info = _poppler("pdfinfo", "-f", "1", "-l", "999", str(pdf))
    sizes = re.findall(r"Page\s+(\d+) size:\s+([\d.]+) x ([\d.]+) pts", info)
    for number in ledger_pages(pdf):
        _, width, height = sizes[number - 1]
        assert abs(float(width) - A4_LANDSCAPE[0]) <= 2 and abs(float(height) - A4_LANDSCAPE[1]) <= 2, (number, width)


def test_a_blank_ledger_prints_one_page_of_headers(printed) -> None:
    pdf, _ = printed["blank"]
    texts = _ledger_texts(pdf)
    assert len(texts) == 1
    assert not re.search(r"^\s*\d+\s", texts[0], re.M), "a numbered row printed from a blank ledger"


@pytest.mark.parametrize("kind", ["sample", "roster"])
def test_every_person_printed_once_and_no_empty_rows(printed, kind) -> None:
    pdf, members = printed[kind]
    texts = _ledger_texts(pdf)
    rows = [re.findall(r"^\s*(\d+)\s+\S+\s+\S+\s+\S+\s+(\S+)\s+\S+\s+(\d{17}[\dX])", t, re.M) for t in texts]
    printed = [row for page in rows for row in page]
    assert [int(n) for n, _, _ in printed] == list(range(1, len(members) + 1))  # 序号 1…n, nothing after the last
    assert sorted((name, id_) for _, name, id_ in printed) == sorted((m.name, m.id_number) for m in members)
    per_page = len(members) / len(texts)
    assert len(texts) == 1 or per_page >= 25, f"{len(texts)} pages for {len(members)} people"


def test_the_500_household_ledger_is_readable(printed) -> None:
    pdf, members = printed["roster"]
    pages = ledger_pages(pdf)
    html = _poppler("pdftotext", "-bbox", "-f", str(pages[0]), "-l", str(pages[0]), str(pdf), "-")
    heights = [float(y2) - float(y1) for y1, y2, word in
               re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(\d{17}[\dX])<', html)]
    assert heights, "no ID number found on the first page"
    assert min(heights) >= MIN_TEXT_HEIGHT, min(heights)


def test_wrapped_factors_stay_inside_their_row(printed) -> None:
    """韩老四's five factors wrap over several lines; the next person, 曹立, starts below the last of them."""
    pdf, _ = printed["sample"]
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
    pdf, members = printed[kind]
    township = "石板镇" if kind == "blank" else "青岩镇"
    pages = [_flat(t) for t in page_texts(pdf, raw=True) if "防贫分级监测预警统计表" in t]
    assert len(pages) == 1
    [page] = pages
    for text in (f"{township}防贫分级监测预警统计表（2022年7月）", "填报单位（盖章）：" + township, "审核人：",
                 "评估日期：2022年7月15日", "监测类别", "户数（按预警分级）", "人数（按预警分级）", "合计"):
        assert text in page, text
    if kind == "sample":
        # households 红3 黄2 绿3 无2 待补充0 =10, persons 6 6 8 5 0 =25, overdue 2, due soon 2, out of scope 1
        assert "合计32320106685025221" in page
        assert "人数336820" in page                      # persons by category: 3 3 6 8, together 20
    if kind == "roster":                                # generated households include some typed without a head
        assert re.search(r"注意：另有\d+人找不到本户的户主行", page)

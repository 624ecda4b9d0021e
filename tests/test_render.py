"""The picture of the sample ledger (README, scripts/render_ledger.py), read back from the PDF: A4 landscape, the
title, the 14 official headers, the people.

`render_sample_ledger` generates the 青岩镇 sample workbook as `hx-excel generate --samples` does, lets LibreOffice
recalculate and print it as it is, and turns the 台账's pages into PNGs; poppler's pdfinfo and pdftotext read the PDF
back. (tests/test_print.py prints blank, sample and 500-household ledgers and checks the pages in detail.) Like tests/test_libreoffice.py this does not skip when
soffice or poppler is missing: CI installs them, so their absence is a failure with the install hint.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hx_excel.ledger.schema import OFFICIAL_HEADERS, TITLE
from hx_excel.office.libreoffice import LibreOfficeMissing, find_soffice
from hx_excel.office.render import SAMPLE_TOWNSHIP, ledger_pages, render_sample_ledger
from hx_excel.samples import sample_households

pytestmark = pytest.mark.libreoffice

A4_LANDSCAPE = (842.0, 595.0)  # points
TOLERANCE = 2.0


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[Path, list[Path]]:
    for tool in ("pdfinfo", "pdftotext", "pdftoppm"):
        if shutil.which(tool) is None:
            pytest.fail(str(LibreOfficeMissing(tool)), pytrace=False)
    if find_soffice() is None:
        pytest.fail(str(LibreOfficeMissing()), pytrace=False)
    return render_sample_ledger(tmp_path_factory.mktemp("render"))


def _poppler(tool: str, *args: str) -> str:
    return subprocess.run([tool, *args], capture_output=True, text=True, encoding="utf-8", check=True,
                          timeout=60).stdout


def _page_text(pdf: Path, page: int | None = None) -> str:
    """Text of one page in drawing order (`-raw`), every whitespace removed.

    Headers wrap inside their cells; in reading order the lines of neighbouring wrapped cells interleave
    (帮扶措施完成 是否退出监测预 / 时间 警对象), in drawing order each cell's lines come together.
    """
    page = page or ledger_pages(pdf)[0]
    text = _poppler("pdftotext", "-raw", "-f", str(page), "-l", str(page), "-enc", "UTF-8", str(pdf), "-")
    return re.sub(r"\s+", "", text)


def test_outputs_exist(rendered) -> None:
    pdf, pngs = rendered
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
    assert pngs, "no PNG pages"
    for png in pngs:
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")  # IHDR
        assert width > height, (png, width, height)  # landscape


def test_the_ledger_page_is_a4_landscape(rendered) -> None:
    pdf, _ = rendered
    page = ledger_pages(pdf)[0]
    info = _poppler("pdfinfo", "-f", str(page), "-l", str(page), str(pdf))
    match = re.search(rf"Page\s+{page} size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert match, info
    width, height = float(match[1]), float(match[2])
    assert abs(width - A4_LANDSCAPE[0]) <= TOLERANCE and abs(height - A4_LANDSCAPE[1]) <= TOLERANCE, (width, height)


def test_the_samples_print_on_one_page(rendered) -> None:
    pdf, pngs = rendered
    assert len(ledger_pages(pdf)) == 1
    assert len(pngs) == 1


def test_first_page_shows_title_and_the_14_official_headers(rendered) -> None:
    pdf, _ = rendered
    text = _page_text(pdf)
    assert TITLE == "花溪区防贫分级监测预警及动态帮扶台账"
    assert f"{TITLE}（{SAMPLE_TOWNSHIP}2022年7月）" in text   # the samples' 评估日期: 2022-07-15
    assert OFFICIAL_HEADERS == ("序号", "乡镇", "村", "组", "姓名", "与户主关系", "身份证号", "户类型", "监测预警因素",
                                "预警分级", "帮扶措施", "帮扶措施完成时间", "是否退出监测预警对象", "备注")
    missing = [header for header in OFFICIAL_HEADERS if header not in text]
    assert not missing, f"headers not on page 1: {missing}"


def test_first_page_shows_the_sample_people(rendered) -> None:
    pdf, _ = rendered
    text = _page_text(pdf)
    _, households = sample_households()
    names = [m.name for h in households for m in h.members]
    assert names[0] in text
    missing = [name for name in names if name not in text]
    assert not missing, f"sample names not on page 1: {missing}"
    # The ledger itself shows full ID numbers; printed as text they appear whole, never as ### or 5.2E+17.
    ids = [m.id_number for h in households for m in h.members]
    assert all(i in text for i in ids)
    assert "###" not in text and "E+17" not in text

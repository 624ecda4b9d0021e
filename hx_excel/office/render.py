"""The ledger as a person sees it on paper: the real generated workbook, recalculated and printed by LibreOffice.

`render_sample_ledger(out_dir)` runs the generator as `hx-excel generate --samples` does, for 青岩镇 only, and prints
the sample workbook it writes (the built-in fictional households, 评估日期 = the samples' as-of date, so the picture
does not change with the day it is made) as Excel and WPS print it: the 台账's print area is a formula (its typed
rows, `ledger.printing.print_area_formula`), which LibreOffice drops, so the copy printed here holds the range that
formula names for these cells (`printing.last_printed_row`), and nothing else changed. `soffice --convert-to pdf`
prints every visible sheet (填表说明, 台账, 参数, 统计); `ledger_pages` finds the 台账's pages in that PDF by their
title, and pdftoppm turns them into PNGs. A clerk printing from Excel or WPS prints the 台账, the active sheet, alone.

Used by `scripts/render_ledger.py` and the print tests.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from openpyxl import load_workbook

from hx_excel.districts import DistrictSettings, default_townships
from hx_excel.operations.generate import SAMPLE_TOWNSHIP, generate
from hx_excel.ledger import printing
from hx_excel.ledger.schema import SHEET, TITLE
from hx_excel.office.libreoffice import find_pdftoppm, pdf_to_png, to_pdf
from hx_excel.policy import Policy, default_policy

__all__ = ["SAMPLE_TOWNSHIP", "DEFAULT_DPI", "generate_sample_ledger", "ledger_pages", "page_texts",
           "render_sample_ledger"]

DEFAULT_DPI = 110


def generate_sample_ledger(out_dir: Path, policy: Policy | None = None) -> Path:
    """Generate the 青岩镇 sample workbook into `out_dir` (with the blank 青岩镇 one beside it); return its path."""
    township = next(t for t in default_townships() if t.name == SAMPLE_TOWNSHIP)
    run = generate(DistrictSettings(townships=[township]), policy or default_policy(), out_dir, samples=True,
                   force=True)
    return next(w.path for w in run.workbooks if w.sample)


def page_texts(pdf: Path, *, raw: bool = False) -> list[str]:
    """Each page's text, one string per page: laid out as printed (pdftotext -layout), or with `raw` in drawing
    order, where the lines of a wrapped cell come together instead of interleaving with its neighbours'."""
    pdftotext = Path(find_pdftoppm() or "pdftoppm").with_name("pdftotext")
    mode = "-raw" if raw else "-layout"
    text = subprocess.run([str(pdftotext), mode, "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          text=True, encoding="utf-8", check=True, timeout=120).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def ledger_pages(pdf: Path) -> list[int]:
    """The 1-based numbers of the pages that print the 台账: those under its title (填表说明's title adds 填表说明)."""
    title = re.compile(re.escape(TITLE) + r"\s*（")
    return [number for number, text in enumerate(page_texts(pdf), start=1) if title.search(text)]


def as_excel_prints(workbook: Path, copy: Path) -> Path:
    """A copy of `workbook` whose 台账 print area is the fixed range its formula names for the cells as they are: what
    Excel and WPS print, for LibreOffice, which keeps no formula print area."""
    wb = load_workbook(workbook)
    ws = wb[SHEET]
    ws.print_area = f"A1:{printing.OFFICIAL_END}{printing.last_printed_row(ws)}"
    wb.save(copy)
    return copy


def render_sample_ledger(out_dir: Path, *, dpi: int = DEFAULT_DPI,
                         policy: Policy | None = None) -> tuple[Path, list[Path]]:
    """Generate, recalculate and print the sample ledger into `out_dir`; return (pdf, [png of each 台账 page]).

    Raises `LibreOfficeMissing` when soffice or pdftoppm is not installed."""
    out_dir = Path(out_dir)
    workbook = generate_sample_ledger(out_dir, policy)
    pdf = to_pdf(as_excel_prints(workbook, out_dir / f"{workbook.stem}-打印.xlsx"), out_dir)
    pages = ledger_pages(pdf)
    pngs = pdf_to_png(pdf, out_dir / "ledger-sample", dpi=dpi)
    return pdf, [pngs[number - 1] for number in pages]

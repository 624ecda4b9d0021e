"""The sample township ledger as a person sees it on paper: built, recalculated and printed by LibreOffice.

`render_sample_ledger(out_dir)` builds the 台账 of 青岩镇 from the built-in fictional sample households
(评估日期 = the samples' as-of date, so the picture does not change with the day it is made), writes it with
`RowWriter`, and prints it through headless LibreOffice: the PDF holds the print area the template sets (the
document's 14 official columns, A4 landscape, title and header rows repeated), and pdftoppm turns each page into a PNG.

`soffice --convert-to pdf` prints every visible sheet of a workbook (填表说明, 台账, 参数, 统计: 11 pages for the
samples, the guide first and in portrait). A clerk printing from Excel or WPS prints the active sheet, the 台账; so
the copy printed here has the other sheets hidden (hidden sheets are not printed; their cells still feed the formulas).

Used by `scripts/render_ledger.py` and `tests/test_render.py`.
"""

from __future__ import annotations

from pathlib import Path

from hx_excel.ledger.schema import SHEET
from hx_excel.ledger.template import build_workbook
from hx_excel.ledger.writer import RowWriter, person_count
from hx_excel.office.libreoffice import pdf_to_png, to_pdf
from hx_excel.policy import Policy, default_policy
from hx_excel.samples import sample_households

__all__ = ["SAMPLE_TOWNSHIP", "DEFAULT_DPI", "build_sample_ledger", "render_sample_ledger"]

SAMPLE_TOWNSHIP = "青岩镇"
DEFAULT_DPI = 110
WORKBOOK_NAME = "ledger-sample.xlsx"


def build_sample_ledger(path: Path, policy: Policy | None = None, *, spare_rows: int = 0,
                        ledger_only: bool = False) -> Path:
    """Write the sample township ledger to `path`: one formula row per sample person, plus `spare_rows` empty ones.

    The print area is fixed to the filled rows (see below). `ledger_only` hides every sheet but the 台账, for printing.
    """
    policy = policy or default_policy()
    as_of, households = sample_households(policy)
    villages = tuple(dict.fromkeys(h.village for h in households if h.village))
    wb = build_workbook(policy, township=SAMPLE_TOWNSHIP, villages=villages, as_of=as_of,
                        rows=person_count(households) + spare_rows)
    last = RowWriter(wb[SHEET]).write(households) - 1
    # LibreOffice prints the template's formula print area (sized to the filled rows in Excel and WPS) with an extra
    # page of the whole header strip: this copy prints its filled rows through a fixed area instead.
    wb[SHEET].defined_names.pop("_xlnm.Print_Area", None)
    wb[SHEET].print_area = f"A1:N{last}"
    if ledger_only:
        for ws in wb.worksheets:
            if ws.title != SHEET:
                ws.sheet_state = "hidden"
        wb.active = wb[SHEET]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def render_sample_ledger(out_dir: Path, *, dpi: int = DEFAULT_DPI,
                         policy: Policy | None = None) -> tuple[Path, list[Path]]:
    """Build, recalculate and print the sample ledger into `out_dir`; return (pdf, [png of each page, in order]).

    Writes `out_dir/ledger-sample.xlsx` (formulas, no cached values; only the 台账 visible), `out_dir/ledger-sample.pdf`
    (LibreOffice recalculates on load, then prints the 台账's print area) and `out_dir/ledger-sample-<page>.png`.
    Raises `LibreOfficeMissing` when soffice or pdftoppm is not installed.
    """
    out_dir = Path(out_dir)
    workbook = build_sample_ledger(out_dir / WORKBOOK_NAME, policy, ledger_only=True)
    pdf = to_pdf(workbook, out_dir)
    pngs = pdf_to_png(pdf, out_dir / pdf.stem, dpi=dpi)
    return pdf, pngs

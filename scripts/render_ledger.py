"""Render the sample township ledger the way a clerk sees it printed: PDF and one PNG per page.

    python scripts/render_ledger.py [--out out/render] [--dpi 110]

Builds the 台账 of 青岩镇 from the built-in fictional sample households (评估日期 = the samples' as-of date) with
`build_workbook` + `RowWriter`, lets LibreOffice recalculate and print it as Excel and WPS do (the range the 台账's
formula print area names: the 14 official columns of the typed rows, A4 landscape; `office.render.as_excel_prints`),
turns the pages into PNGs with pdftoppm, and prints the paths. docs/ledger-sample.png is the 台账's page.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # runnable from a checkout without installing the package

from hx_excel.office.libreoffice import LibreOfficeMissing  # noqa: E402
from hx_excel.office.render import DEFAULT_DPI, render_sample_ledger  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/render"), help="output folder (default out/render)")
    parser.add_argument("--dpi", type=int, default=DEFAULT_DPI, help=f"PNG resolution (default {DEFAULT_DPI})")
    args = parser.parse_args(argv)
    try:
        pdf, pngs = render_sample_ledger(args.out, dpi=args.dpi)
    except LibreOfficeMissing as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"workbook: {pdf.with_suffix('.xlsx')}")
    print(f"pdf:      {pdf}")
    for png in pngs:
        print(f"png:      {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

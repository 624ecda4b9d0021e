"""Render the chart sheet of the demo's monthly summary, as LibreOffice prints it, for the README.

    python scripts/render_summary.py [--out out/render-summary] [--dpi 110]

Runs the main job (`hx-excel demo --out OUT`: every township's ledger, the sample one, fill, check, review of 2022-07,
the summary 月报-2022-07.xlsx), prints the summary to PDF through LibreOffice, finds the page of its 图表 sheet and
turns that page into a PNG with pdftoppm. The picture is of the real file the command wrote, not of a copy.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # runnable from a checkout without installing the package

from hx_excel.cli import main as hx_excel  # noqa: E402
from hx_excel.office.libreoffice import find_pdftoppm, to_pdf  # noqa: E402
from hx_excel.office.render import page_texts  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/render-summary"))
    parser.add_argument("--dpi", type=int, default=110)
    args = parser.parse_args(argv)
    hx_excel(["demo", "--out", str(args.out)])
    summary = args.out / "月报-2022-07.xlsx"
    pdf = to_pdf(summary, args.out / "pdf")
    page = next(i for i, text in enumerate(page_texts(pdf), start=1) if "图表的数据取自" in text)
    prefix = args.out / "summary-charts"
    subprocess.run([find_pdftoppm(), "-png", "-r", str(args.dpi), "-f", str(page), "-l", str(page), "-singlefile",
                    str(pdf), str(prefix)], check=True)
    print(f"png: {prefix}.png (page {page} of {pdf})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

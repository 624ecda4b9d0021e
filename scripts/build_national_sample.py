"""Regenerate the fictional national export that ships with the samples, as .xlsx and (through LibreOffice) .xls:

    python scripts/build_national_sample.py

tests/test_national_sample.py fails when the committed files differ from what hx_excel.samples.national makes.
"""

import shutil
import tempfile
from pathlib import Path

from hx_excel.office.libreoffice import to_xls
from hx_excel.policy import default_policy
from hx_excel.samples.national import SAMPLE_NAME, export_workbook, sample_export_households

TARGET = Path(__file__).resolve().parents[1] / "hx_excel" / "samples"

if __name__ == "__main__":
    xlsx = TARGET / f"{SAMPLE_NAME}.xlsx"
    export_workbook(sample_export_households(default_policy())).save(xlsx)
    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(to_xls(xlsx, Path(folder)), TARGET / f"{SAMPLE_NAME}.xls")
    print(xlsx)
    print(TARGET / f"{SAMPLE_NAME}.xls")

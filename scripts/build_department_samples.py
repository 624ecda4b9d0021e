"""Regenerate the fictional department lists that ship with the samples (hx_excel/samples/部门名单/):

    python scripts/build_department_samples.py

The housing list ships as a legacy .xls (made through LibreOffice), as that office sends it.
"""

import tempfile
from pathlib import Path

from hx_excel.office.libreoffice import to_xls
from hx_excel.samples.departments import FOLDER, write_xlsx_and_csv

if __name__ == "__main__":
    written = write_xlsx_and_csv(FOLDER)
    housing = FOLDER / "住建-危房鉴定.xlsx"
    with tempfile.TemporaryDirectory() as folder:
        made = to_xls(housing, Path(folder))
        (FOLDER / "住建-危房鉴定.xls").write_bytes(made.read_bytes())
    housing.unlink()
    for path in sorted(FOLDER.iterdir()):
        print(path)

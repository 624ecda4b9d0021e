"""Regenerate the committed official template (workbook_templates/) and the column and formula references (docs/)
from the schema.

    python scripts/build_template.py

tests/test_template.py fails when the committed file differs from what this writes.
"""

from pathlib import Path

from hx_excel.ledger.docs import columns_markdown, formulas_markdown
from hx_excel.ledger.template import TEMPLATE_FILE, official_template
from hx_excel.policy import default_policy

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "workbook_templates" / TEMPLATE_FILE
COLUMNS_DOC = ROOT / "docs" / "ledger-columns.md"
FORMULAS_DOC = ROOT / "docs" / "ledger-formulas.md"

if __name__ == "__main__":
    official_template(default_policy()).save(TARGET)
    COLUMNS_DOC.write_text(columns_markdown(), encoding="utf-8")
    FORMULAS_DOC.write_text(formulas_markdown(), encoding="utf-8")
    print(TARGET)
    print(COLUMNS_DOC)
    print(FORMULAS_DOC)

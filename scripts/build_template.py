"""Regenerate the committed official template in workbook_templates/ from the schema and the shipped policy.

    python scripts/build_template.py

tests/test_template.py fails when the committed file differs from what this writes.
"""

from pathlib import Path

from hx_excel.ledger.template import TEMPLATE_FILE, official_template
from hx_excel.policy import default_policy

TARGET = Path(__file__).resolve().parents[1] / "workbook_templates" / TEMPLATE_FILE

if __name__ == "__main__":
    official_template(default_policy()).save(TARGET)
    print(TARGET)

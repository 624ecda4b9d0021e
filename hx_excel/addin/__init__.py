"""The Excel add-in: one more face of the rulebook, for clerks who work in Excel on Windows (xlwings does not run in
WPS: there the formula ledger and the command line are the product).

- `udfs`: worksheet functions (HX_GRADE, HX_ID_CHECK, HX_WORKDAY …), each a few lines over `hx_excel.core`.
- `book`: the one adapter between the workbook open in Excel and the month's operations — whole 2-D ranges in and
  out, only computed cells and the tool's own sheets written.
- `ribbon`: what each button of the 防返贫监测 tab calls (RunPython from `macros/RibbonHx.bas`).
- `build`: `hx-excel addin build` writes dist/hx_excel.xlam from xlwings' own add-in template with pyOpenVBA.
"""

from __future__ import annotations

import os
from pathlib import Path

from hx_excel.policy import Policy, default_policy, load_policy

# The policy file the add-in uses, as the command line's --policy: set by `hx-excel addin install --policy FILE`
# (a user environment variable), else the shipped policy.
POLICY_VARIABLE = "HX_EXCEL_POLICY"


def policy_file() -> Path | None:
    named = os.environ.get(POLICY_VARIABLE, "").strip()
    return Path(named) if named else None


def policy_in_use() -> Policy:
    named = policy_file()
    return load_policy(named) if named else default_policy()

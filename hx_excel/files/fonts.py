"""One Chinese-capable font for every workbook hx-excel writes, so that Excel, WPS and LibreOffice lay out and print
the same characters in the same place.

openpyxl's default is Calibri, which has no Chinese: each program then falls back to a font of its own choosing, with
its own widths, and a column that fits in one program wraps or shows ### in another. 宋体 (SimSun) is on every
Chinese Windows and is the default of Chinese Excel 2010 and of WPS; LibreOffice on Linux substitutes it with the CJK
font installed (fonts-wqy-microhei in CI, see .ci/install-system-packages).
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils.indexed_list import IndexedList

FONT_NAME = "宋体"
FONT_SIZE = 11
_GB2312_CHARSET, _MODERN_FAMILY = 134, 3   # as Chinese Excel itself writes 宋体 in styles.xml


def font(**style) -> Font:
    """A cell font in the workbook's font: `font(bold=True, size=13)`. (Conditional formats take plain `Font`s: a
    format rule changes colour and weight, never the typeface.)"""
    style.setdefault("size", FONT_SIZE)
    return Font(name=FONT_NAME, charset=_GB2312_CHARSET, family=_MODERN_FAMILY, **style)


def use_chinese_font(wb: Workbook) -> None:
    """Make 宋体 the font of every cell that sets none (the workbook's default and its 常规 style)."""
    default = font()
    # openpyxl keeps the default font as the first of its list; fonts cells already use keep their places
    wb._fonts = IndexedList([default, *list(wb._fonts)[1:]])
    wb._named_styles["Normal"].font = default

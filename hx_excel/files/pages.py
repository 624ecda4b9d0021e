"""How every table the tool writes prints: on A4, one page wide, the title and header rows on every page, the
pages numbered, and a sign-off line in the footer when there is one — said once for the 待办 and 月度研判记录 sheets,
the check report, the monthly summary and the village notice.

Excel, WPS and LibreOffice all honour these page settings as saved: print titles (`print_title_rows`), fit to one
page wide with as many pages down as needed (`fitToWidth` 1, `fitToHeight` 0), and `&P`/`&N` page numbers in the
header and footer. Row heights are the caller's (`ledger.printing.fit_rows`): LibreOffice prints a row at the height
the file gives it.
"""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

PAGE_NUMBERS = "第 &P 页，共 &N 页"


def a4(ws: Worksheet, *, landscape: bool = True, title_rows: str | None = None, grid: bool = True,
       sign_off: str = "", numbered: bool = True) -> Worksheet:
    """Set `ws` to print on A4 one page wide; `title_rows` ("1:2") repeat on every page; `sign_off` (the 填报人 and
    审核人 line) prints at the foot of every page, left, beside the page number."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_options.gridLines = grid
    if title_rows:
        ws.print_title_rows = title_rows
    if numbered:
        ws.oddFooter.center.text = PAGE_NUMBERS
    if sign_off:
        ws.oddFooter.left.text = sign_off.replace("&", "&&")     # & starts a header/footer code
        ws.oddFooter.left.size = 9
    return ws


def sign_off_line(*, reporter: str = "", reviewer: str = "", phone: str = "") -> str:
    """填报人、联系电话、审核人 as typed on 参数, a line to write on where blank."""
    def typed(value: str, blank: int) -> str:
        return value.strip() or "_" * blank
    return (f"填报人：{typed(reporter, 8)}　联系电话：{typed(phone, 10)}　审核人：{typed(reviewer, 8)}"
            "　日期：____年__月__日")

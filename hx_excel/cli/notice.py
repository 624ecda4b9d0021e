"""`hx-excel notice FILE --village 村 [--kind 纳入|消除] [--from DATE] -o 公示.xlsx [--pdf]`: the A4 list a village
posts for 村级评议及公示, of the households proposed for monitoring (D2) or for risk elimination (D5).

Exit code 0 written (or nothing to post: said, no file written); 1 written, with data to look at before posting;
2 refused (a village the ledger does not know, households at the notice step with no start date typed and no --from,
-o on the ledger itself, a PDF LibreOffice could not print). The village's households at another step are named
with why they are not posted."""

from __future__ import annotations

import argparse
from pathlib import Path

from hx_excel.cli.output import DONE, PROBLEMS, REFUSED, cleaned, error, notice as say
from hx_excel.core.id_number import mask_in
from hx_excel.files.report import check_target, report_leftovers, save_report
from hx_excel.office.libreoffice import LibreOfficeError, find_soffice, to_pdf
from hx_excel.operations.assessed import assess_file
from hx_excel.operations.notice import INCLUSION, WHAT, WHO, notice_rows, notice_workbook
from hx_excel.policy import load_policy

PDF_TIMEOUT = 180.0   # seconds for LibreOffice to print one notice


def cmd_notice(args: argparse.Namespace) -> int:
    check_target(args.output, sources=[args.path], what="公示名单")   # a mistyped -o stops before any reading
    cleaned(report_leftovers(args.output))   # a killed run's copy of this report
    policy = load_policy(args.policy)
    ledger = assess_file(args.path, policy, args.as_of)
    result = notice_rows(ledger, args.village, args.kind, args.start)   # NoticeError: refused, as every refusal
    for note in (*ledger.book.notes, *result.notes):   # columns added, hidden or moved, merged cells; then the notice's
        print(f"说明：{mask_in(note)}")
    for line in result.not_ready:                        # the village's other households at this chain, and why
        print(f"未列入：{mask_in(line)}")
    for warning in result.warnings:
        say(warning)
    if not result.rows:
        print(f"{result.village}没有需要公示的{WHAT[args.kind]}（{WHO[args.kind]}），未写文件。")
        return PROBLEMS if result.warnings else DONE
    backup = save_report(notice_workbook(result), args.output, sources=[args.path], what="公示名单", text=mask_in)
    clause = "D2" if args.kind == INCLUSION else "D5"
    print(f"{result.title}（{clause}）：{len(result.rows)} 户，公示期 {result.period_text}，已写入 {args.output}"
          + (f"（旧文件已备份为 {backup}）" if backup else ""))
    if not result.phone:
        print("说明：“参数”表未填联系电话，监督电话一行留空，可打印后手写")
    if args.pdf:
        status = _pdf(Path(args.output))
        if status != DONE:
            return status
    return PROBLEMS if result.warnings else DONE


def _pdf(xlsx: Path) -> int:
    """The saved notice printed to PDF beside it by LibreOffice, when it is installed."""
    if find_soffice() is None:
        say(f"未找到 LibreOffice，未生成 PDF；公示名单 {xlsx} 已写好，可用 Excel 或 WPS 打开后打印")
        return DONE
    try:
        pdf = to_pdf(xlsx, xlsx.resolve().parent, timeout=PDF_TIMEOUT)
    except LibreOfficeError as exc:   # soffice gone meanwhile, failed or timed out; the first line says which
        error(f"未生成 PDF：{str(exc).splitlines()[0]}公示名单 {xlsx} 已写好，可用 Excel 或 WPS 打开后打印")
        return REFUSED
    print(f"PDF 已写入 {pdf}")
    return DONE

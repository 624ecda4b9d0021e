"""What each button of the 防返贫监测 tab does: the command line's operations, on the workbook the clerk has open.

Each button's VBA callback (`macros/RibbonHx.bas`) asks what it needs (the month, the reviewer, the village …) and
calls one function here through xlwings' RunPython. Text the clerk typed reaches Python as UTF-16 hex (`_text`): the
VBA project's code page is 1252 and RunPython's command line is wrapped in double quotes by cmd.exe, so Chinese or
a quote could not pass safely as it is.

Every function works through `book.LiveBook` (whole ranges in and out, only the tool's cells and sheets written),
shows progress on the status bar, puts its outcome on the sheet RESULT_SHEET (rebuilt on each click) and in a short
message box, and turns any failure into a Chinese message — never a traceback. The workbook is left unsaved: the
clerk saves it (Excel's undo does not cover a macro, so the result sheet lists the old value of anything overwritten).
"""

from __future__ import annotations

import re
import sys
import tempfile
import traceback
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

from openpyxl import Workbook
from openpyxl.styles import Alignment

from hx_excel.addin import POLICY_VARIABLE, policy_file, policy_in_use
from hx_excel.addin.book import LiveBook, LiveBookError, WriteBack
from hx_excel.operations.refusals import REFUSALS
from hx_excel.core.id_number import mask_in
from hx_excel.districts import load_settings
from hx_excel.files.fonts import font
from hx_excel.files.inputs import reason
from hx_excel.files.report import save_report
from hx_excel.ledger.schema import FIRST_DATA_ROW, SHEET
from hx_excel.ledger.template import PARAMS
from hx_excel.operations.assessed import assess_book
from hx_excel.operations.check import check_book
from hx_excel.operations.editing import RESULT_SHEET, EditRefused, Edits
from hx_excel.operations.extend import extend_ledger
from hx_excel.operations.fill import TODO_SHEET, fill_workbook
from hx_excel.operations.generate import generate as generate_ledgers
from hx_excel.operations.notice import KINDS, notice_rows, notice_workbook
from hx_excel.operations.review import RECORD_SHEET, append_review, month_text, parse_month
from hx_excel.operations.summary import assessment_day, read_ledgers, summarize, summary_workbook
from hx_excel.operations.sync import IMPORT_SHEET, import_into

RESULT_TITLE = "hx-excel 运行结果"          # A1 of the result sheet begins so: a sheet of that name without it is the clerk's
UNSAVED = "工作簿尚未保存：请检查后自行保存（Excel 的“撤消”不能撤回本工具的改动，被改写的原值列在“hx-excel结果”表）。"
# what a button refuses with a sentence of its own, as the command line does (anything else is a fault of ours: said,
# with a log file)
_SAID = (LiveBookError, *REFUSALS)

# The operations' messages name the command line's options; on a button they name what the clerk clicks or types.
_FOR_BUTTONS = (
    ("（--rows）", ""), ("--rows 最多", "行数最多"), ("请按其中的写法填写 --village", "请按其中的写法填写村名"),
    ("请用 --out 指定一个文件夹", "请另选一个文件夹"), ("补全后用 --redo 重做本月", "补全后再点“月度研判”重做本月"),
    ("加 --restore-formulas 可恢复", "可在命令行运行 hx-excel fill --restore-formulas 恢复"),
    ("后重新运行 hx-excel fill", "后再点“计算并填写”"), ("再运行 hx-excel fill", "再点“计算并填写”"),
    ("再运行本命令", "再点按钮"),
)
_CHECK_HINT = re.compile(r"请运行 hx-excel check \S+ 逐条查看")


def for_buttons(text: str) -> str:
    """An operation's message as a button says it."""
    for said, meant in _FOR_BUTTONS:
        text = text.replace(said, meant)
    return _CHECK_HINT.sub("请点“检查本表”逐条查看", text)


def active_book() -> Any:
    """The workbook the clerk is looking at. The add-in is RunPython's caller, so the ledger is the active book."""
    import xlwings as xw
    return xw.Book.caller().app.books.active


def _text(hex_text: str) -> str:
    """Text the VBA passed as UTF-16 hex (`HexOf` in RibbonHx.bas)."""
    try:
        return bytes.fromhex(hex_text or "").decode("utf-16-be").strip()
    except ValueError:
        raise LiveBookError("按钮传来的文字无法识别：请重新点按钮；如反复出现请重新安装加载项") from None


def _button(name: str, work: Callable[[LiveBook], str], book: Any = None) -> str:
    """Run one button: its outcome as the message box shows it (also returned, for the tests)."""
    try:
        live = LiveBook(book if book is not None else active_book())
    except LiveBookError as exc:
        return _fallback_message(book, str(exc))
    except Exception:  # noqa: BLE001 — run outside Excel (xw.Book.caller() has no caller): a sentence, no traceback
        return _fallback_message(book, "找不到 Excel 中打开的工作簿：这些功能要在 Excel 中点“防返贫监测”选项卡的按钮使用")
    live.status(f"hx-excel：正在{name}……")
    try:
        _result_sheet_is_ours(live)       # before anything is written: the outcome must have somewhere to go
        message = work(live)
    except _SAID as exc:
        message = f"{name}没有完成：{for_buttons(mask_in(str(exc)))}"
    except OSError as exc:       # a folder or file the clerk named: the system's reason, in Chinese
        message = f"{name}没有完成：{reason(exc)}。请换一个文件夹（或文件）后重试。"
    except Exception:  # noqa: BLE001 — the clerk gets a sentence; the details go to a file for whoever helps her
        log = Path(tempfile.gettempdir()) / "hx-excel-addin-error.log"
        try:
            log.write_text(f"{datetime.now():%Y-%m-%d %H:%M:%S} {name}\n{traceback.format_exc()}", encoding="utf-8")
        except OSError:
            pass
        message = (f"{name}没有完成：本工具内部出错，工作簿可能只改了一部分。请不要保存：关闭工作簿（不保存）后重新打开，"
                   f"再试一次；如仍出错，请把文件 {log} 发给技术人员。")
    finally:
        live.status(None)
    live.message(message)
    return message


def _fallback_message(book: Any, text: str) -> str:
    try:
        (book or active_book()).app.alert(text, title="防返贫监测")
    except Exception:  # noqa: BLE001 — no workbook at all: the text is all there is
        pass
    return text


# ---- the result sheet -----------------------------------------------------------------------------------------------

def _result_sheet_is_ours(live: LiveBook) -> None:
    """RESULT_SHEET, if there is one, is ours to rebuild: empty, or with our title in A1, and not protected (the tool
    never protects it: whoever did wants it kept). Else the button stops before writing anything."""
    if RESULT_SHEET not in live.sheet_names():
        return
    values = live.grid(RESULT_SHEET).values
    first = values[0][0] if values and values[0] else None
    anything = any(v not in (None, "") for row in values for v in row)
    if anything and not (isinstance(first, str) and first.startswith(RESULT_TITLE)):
        raise LiveBookError(f"工作簿中已有名为“{RESULT_SHEET}”的工作表，但不是本工具的结果表：为免覆盖，没有改动任何单元格。"
                            "请把它改名后再点按钮")
    if live.book.sheets[RESULT_SHEET].api.ProtectContents:
        raise LiveBookError(f"“{RESULT_SHEET}”表被设置了保护，为免覆盖，没有改动任何单元格：请撤消它的保护（或删除该表）后再点按钮")


def _result(live: LiveBook, button: str, lines: list[str], table: tuple[tuple[str, ...], list[tuple]] | None = None,
            widths: tuple[int, ...] = ()) -> None:
    """Rebuild RESULT_SHEET: the title, the outcome's lines, and a table (findings, or old values overwritten)."""
    ws = Workbook().active
    ws.title = RESULT_SHEET
    ws.cell(1, 1, f"{RESULT_TITLE}：{button}（{datetime.now():%Y-%m-%d %H:%M}）").font = font(bold=True, size=13)
    row = 2
    for line in lines:
        ws.cell(row, 1, for_buttons(mask_in(line)))
        row += 1
    if table:
        headers, rows = table
        row += 1
        for column, header in enumerate(headers, start=1):
            ws.cell(row, column, header).font = font(bold=True)
        for values in rows:
            row += 1
            for column, value in enumerate(values, start=1):
                cell = ws.cell(row, column, mask_in(value) if isinstance(value, str) else value)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for column, width in enumerate(widths or (100,), start=1):
        ws.column_dimensions[chr(64 + column)].width = width
    live.replace_sheet(RESULT_SHEET, ws, after=live.sheet_names())


def _overwritten_table(done: WriteBack):
    rows = [(o.sheet, o.cell, _shown(o.old), _shown(o.new)) for o in done.overwritten]
    return (("工作表", "单元格", "原来的内容", "改为"), rows) if rows else None


def _shown(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    return "" if value is None else value


def _edits_outcome(live: LiveBook, button: str, edits: Edits, done: WriteBack) -> str:
    lines = list(edits.report) or ["没有需要写入的内容。"]
    lines.append(f"写入 {done.cells} 个单元格" + (f"，重建了“{'”“'.join(done.sheets)}”表" if done.sheets else "") + "。")
    if done.cells or done.sheets:
        lines.append(UNSAVED)
    _result(live, button, lines, _overwritten_table(done), widths=(40, 10, 40, 40) if done.overwritten else ())
    head = edits.report[-1] if edits.report else "没有需要写入的内容"
    return f"{button}完成：{for_buttons(mask_in(head))}。" + (f"\n{UNSAVED}" if done.cells or done.sheets else "") + \
        (f"\n另有 {edits.problems} 处需要处理，详见“{RESULT_SHEET}”表。" if edits.problems else "")


# ---- the buttons ------------------------------------------------------------------------------------------------------

def check(book: Any = None) -> str:
    """检查本表: every finding of `hx-excel check`, on the workbook as it is on screen."""
    def work(live: LiveBook) -> str:
        result = check_book(live.ledger(), policy_in_use())
        rows = [(f.sheet, f.row or "", f.column, f.severity, f.clause, f.message) for f in result.findings]
        errors = len(result.errors)
        lines = [f"检查了 {live.book.name}：{errors} 处错误，{len(result.findings) - errors} 处提示（检查日期 "
                 f"{result.checked_on:%Y-%m-%d}）。"] + [f"说明：{note}" for note in result.notes]
        _result(live, "检查本表", lines, (("工作表", "行", "列", "级别", "条款", "问题及改正方法"), rows),
                widths=(8, 6, 14, 6, 7, 90))
        return (f"检查完成：{errors} 处错误，{len(result.findings) - errors} 处提示，逐条列在“{RESULT_SHEET}”表。"
                if result.findings else "检查完成：没有发现问题。")
    return _button("检查本表", work, book)


def fill(book: Any = None) -> str:
    """计算并填写: `hx-excel fill` — 户编号 of member rows, 建议帮扶措施, the 待办 sheet."""
    def work(live: LiveBook) -> str:
        ledger = live.ledger()
        mirror = live.mirror([SHEET, PARAMS, TODO_SHEET])
        edits = fill_workbook(mirror, ledger, policy_in_use())
        live.status("hx-excel：正在写入……")
        done = live.write_back(mirror, ledger, own_sheets=[TODO_SHEET])
        return _edits_outcome(live, "计算并填写", edits, done)
    return _button("计算并填写", work, book)


def review(month_hex: str = "", reviewer_hex: str = "", book: Any = None) -> str:
    """月度研判: `hx-excel review --month` — this month's line for each household on 月度研判记录. A month already
    recorded is redone only when the clerk says so."""
    def work(live: LiveBook) -> str:
        month = month_text(*parse_month(_text(month_hex), "研判月份"))
        reviewer = _text(reviewer_hex) or None
        if reviewer and len(reviewer) > 50:
            raise LiveBookError("研判人最多 50 个字：请只填姓名")
        ledger = live.ledger()
        mirror = live.mirror([SHEET, PARAMS, RECORD_SHEET])
        try:
            edits = append_review(mirror, ledger, policy_in_use(), month, reviewer)
        except EditRefused as exc:
            if "--redo" not in str(exc):        # refused for another reason: said as it is
                raise
            if not live.ask_yes(f"{month} 已有研判记录。要重做这个月吗？（只替换 {month} 的记录，更早的月份不动）"):
                return f"{month} 已有研判记录，未重做：工作簿未改动。"
            mirror = live.mirror([SHEET, PARAMS, RECORD_SHEET])
            edits = append_review(mirror, ledger, policy_in_use(), month, reviewer, redo=True)
        done = live.write_back(mirror, ledger, own_sheets=[RECORD_SHEET])
        return _edits_outcome(live, f"{month} 月度研判", edits, done)
    return _button("月度研判", work, book)


_NOT_IN_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _file_name(text: str) -> str:
    """Text as part of a file name: what Windows refuses in one (and a path's separators) made “_”."""
    return _NOT_IN_NAMES.sub("_", text).strip(" .") or "_"


def _folder(hex_text: str) -> str:
    folder = _text(hex_text)
    if "\x00" in folder or len(folder) > 240:
        raise LiveBookError("所选文件夹的路径无法使用：请换一个路径较短的文件夹")
    return folder


def _beside(live: LiveBook) -> Path:
    """Where a report of this workbook goes: its folder (the user's home for a workbook never saved)."""
    folder = live.path.parent
    return folder if str(folder) not in ("", ".") and folder.is_dir() else Path.home()


def summary(month_hex: str = "", folder_hex: str = "", book: Any = None) -> str:
    """生成月报: `hx-excel summary` of this workbook as on screen, or of the township ledgers in a folder."""
    def work(live: LiveBook) -> str:
        month = month_text(*parse_month(_text(month_hex), "月报月份"))
        policy = policy_in_use()
        day = assessment_day(month, None)
        folder = _folder(folder_hex) if folder_hex else ""
        if folder:
            # read here, one by one: Excel's Python is a COM server, not a place to start reader processes from
            ledgers, unread = read_ledgers([folder], policy, day, month=month, workers=1,
                                           progress=lambda done, total, name: live.status(f"hx-excel：正在读取 {name}（{done}/{total}）"))
            if not ledgers:
                raise LiveBookError(f"文件夹 {folder} 中没有可读取的台账（.xlsx）" + (f"：{unread[0][0]} {unread[0][1]}" if unread else ""))
            out = Path(folder) / f"月报-{month}.xlsx"
            scope = f"文件夹 {folder} 中的 {len(ledgers)} 本台账（按已保存的文件；本工作簿如有未保存的修改，请先保存再汇总）"
        else:
            ledgers, unread = [assess_book(live.ledger(), policy, day)], []
            out = _beside(live) / f"月报-{month}-{live.path.stem}.xlsx"
            scope = f"本工作簿 {live.book.name}（按屏幕上的内容）"
        made = summarize(ledgers, month, unread)
        backup = save_report(summary_workbook(made), out, what="月报", text=mask_in)
        lines = [f"月报（{month}，评估日期 {day:%Y-%m-%d}）已写入 {out}" + (f"，旧文件已备份为 {backup}" if backup else ""),
                 f"汇总范围：{scope}。"]
        lines += [f"无法读取：{name}：{why}" for name, why in unread]
        lines += [f"重复：{d.message}" for d in made.duplicates]
        if made.disagreements:
            lines.append(f"表中显示的预警分级与本工具计算不一致 {len(made.disagreements)} 处（见月报“说明”表）。")
        _result(live, "生成月报", lines)
        return f"月报已写入 {out}。" + (f"\n{len(unread)} 个文件无法读取，见“{RESULT_SHEET}”表。" if unread else "")
    return _button("生成月报", work, book)


def notice(village_hex: str = "", kind_hex: str = "", book: Any = None) -> str:
    """公示名单: `hx-excel notice` — the village's 纳入 (kind 1) or 消除 (kind 2) notice, as a printable workbook."""
    def work(live: LiveBook) -> str:
        village, kind = _text(village_hex), _text(kind_hex) or "1"
        if not village:
            raise LiveBookError("没有填写村（居）名称")
        if kind not in ("1", "2"):
            raise LiveBookError("公示类别只能是 1（识别纳入）或 2（风险消除）")
        which = KINDS[int(kind) - 1]
        made = notice_rows(assess_book(live.ledger(), policy_in_use()), village, which)
        out = _beside(live) / f"公示-{_file_name(village)}-{which}.xlsx"
        backup = save_report(notice_workbook(made), out, what="公示名单", text=mask_in)
        lines = [f"{village}{which}公示名单（{len(made.rows)} 户）已写入 {out}" + (f"，旧文件已备份为 {backup}" if backup else ""),
                 f"公示期：{made.period_text}。打开该文件打印后张贴。"]
        _result(live, "公示名单", lines)
        return f"{village}{which}公示名单（{len(made.rows)} 户）已写入 {out}。"
    return _button("公示名单", work, book)


def _on_the_file(live: LiveBook, operation: Callable[[], Any]) -> Any:
    """An operation that replaces the workbook's file (extend, import): the workbook saved and closed first (the
    clerk has agreed), the operation run on the file, and the workbook opened again whatever happened — the status bar
    and the message then go to the book reopened."""
    app, path = live.book.app, live.path
    live.book.save()
    live.book.close()
    try:
        return operation()
    finally:
        live.reopen(app.books.open(str(path)))


def extend(rows_hex: str = "", book: Any = None) -> str:
    """扩充行数: `hx-excel extend` — the workbook is saved (the clerk agrees first), closed, rebuilt with more
    prepared rows, every typed cell carried over, and opened again."""
    def work(live: LiveBook) -> str:
        text = _text(rows_hex)
        if text and not text.isdigit():
            raise LiveBookError(f"行数“{text}”不是整数")
        path = live.path
        if not path.is_file():
            raise LiveBookError("本工作簿还没有保存成文件：请先保存，再扩充行数")
        prepared = live.ledger().last_formula_row - FIRST_DATA_ROW + 1
        if text and int(text) <= prepared:       # said before the workbook is saved and closed for nothing
            raise LiveBookError(f"本台账已准备了 {prepared} 行，要扩到的行数须大于 {prepared}")
        if not live.ask_yes(f"扩充行数要先保存并关闭 {path.name}，重建后自动重新打开（原文件留有备份）。现在保存并继续吗？"):
            return "没有扩充行数：工作簿未改动。"
        result = _on_the_file(live, lambda: extend_ledger(path, policy_in_use(), int(text) if text else None,
                                                          command="hx-excel 加载项 扩充行数"))
        _result(live, "扩充行数", [f"{path.name}：准备好的行数由 {result.rows_before} 行扩充到 {result.rows_after} 行，"
                                   f"填写的内容原样保留" + (f"；原文件备份为 {result.backup}" if result.backup else "") + "。"])
        return f"已扩充到 {result.rows_after} 行，工作簿已保存并重新打开。"
    return _button("扩充行数", work, book)


def import_export(file_hex: str = "", update: str = "0", book: Any = None) -> str:
    """同步国家名单: `hx-excel import EXPORT --into` this workbook — saved and closed first (the clerk agrees), the file
    merged with a backup kept, then opened again; what differs and who is absent listed on the result sheet."""
    def work(live: LiveBook) -> str:
        export = Path(_text(file_hex))
        if not export.name or not export.is_file():
            raise LiveBookError(f"找不到名单文件 {export}：请重新选择")
        path = live.path
        if not path.is_file():
            raise LiveBookError("本工作簿还没有保存成文件：请先保存，再同步国家名单")
        if not live.ask_yes(f"同步国家名单要先保存并关闭 {path.name}，导入后自动重新打开（原文件留有备份）。现在保存并继续吗？"):
            return "没有同步国家名单：工作簿未改动。"
        result = _on_the_file(live, lambda: import_into(export, path, policy_in_use(), update=update == "1",
                                                        command="hx-excel 加载项 同步国家名单"))
        edited = result.edited
        head = (f"{export.name} 中{result.township}的名单已并入：写入 {edited.edits.cells} 格，逐条记在“{IMPORT_SHEET}”表"
                if edited.saved else f"{path.name} 与 {export.name} 中{result.township}的名单一致，没有要导入的")
        lines = [head + (f"；原文件备份为 {edited.backup}" if edited.backup else "") + "。"]
        if result.extended_to:
            lines.append(f"台账的行不够，已先扩到 {result.extended_to} 行。")
        lines += [f"不同（保留台账的值）：{line}" for line in result.differences]
        lines += [f"名单中没有（未删除，请核实）：{line}" for line in result.absent]
        lines += [f"名单本身的问题：{line}" for line in result.notes]
        _result(live, "同步国家名单", lines)
        extra = len(result.differences) + len(result.absent)
        return head + "，工作簿已保存并重新打开。" + (f"\n另有 {extra} 处请核实，见“{RESULT_SHEET}”表。" if extra else "")
    return _button("同步国家名单", work, book)


def generate(folder_hex: str = "", book: Any = None) -> str:
    """生成乡镇台账: `hx-excel generate` — one blank ledger per township of the district settings, into a folder."""
    def work(live: LiveBook) -> str:
        folder = _folder(folder_hex)
        if not folder:
            raise LiveBookError("没有选择文件夹")
        written: list[str] = []
        # a button has no --force: a ledger in the folder that holds a clerk's content is left as it is, and said
        # built here, one by one: Excel's Python is a COM server, not a place to start builder processes from
        run = generate_ledgers(load_settings(None), policy_in_use(), folder, command="hx-excel 加载项 生成乡镇台账",
                               skip_filled=True, workers=1,
                               progress=lambda r: written.append(str(r.path)) if not (r.refused or r.skipped) else None,
                               status=lambda line: live.status(f"hx-excel：{line}"))
        left = [f"{r.path.name}：{r.skipped}" for r in run.workbooks if r.skipped]
        refused = [f"{r.path.name}：{r.refused}" for r in run.refused]
        _result(live, "生成乡镇台账", [f"在 {folder} 生成 {len(written)} 本台账："] + written
                + [f"已有填写内容，未改动：{line}" for line in left] + [f"未生成：{line}" for line in refused])
        return f"已在 {folder} 生成 {len(written)} 本台账" + \
            (f"，{len(left)} 本已有填写内容、未改动" if left else "") + \
            (f"，{len(refused)} 本未生成" if refused else "") + \
            (f"（见“{RESULT_SHEET}”表）" if left or refused else "") + "。"
    return _button("生成乡镇台账", work, book)


def clue_intake(month_hex: str = "", lists_hex: str = "", ledgers_hex: str = "", book: Any = None) -> str:
    """部门线索比对: `hx-excel clues intake` — every department list in a folder matched against the township ledgers
    in another; the 交办单 and the 总台账 written beside the lists' folder, in 部门线索-<month>."""
    from hx_excel.clues.intake import intake
    from hx_excel.clues.output import write_intake
    from hx_excel.clues.profiles import load_profiles

    def work(live: LiveBook) -> str:
        month = month_text(*parse_month(_text(month_hex), "线索月份"))
        lists, ledgers = Path(_folder(lists_hex)), Path(_folder(ledgers_hex))
        files = sorted(p for p in lists.iterdir() if p.suffix.lower() in (".xlsx", ".xls", ".csv")
                       and not p.name.startswith(("~$", ".")) and ".bak-" not in p.name) if lists.is_dir() else []
        if not files:
            raise LiveBookError(f"文件夹 {lists} 中没有部门名单（.xlsx、.xls 或 CSV）")
        policy = policy_in_use()
        done = intake(files, [ledgers], policy, load_profiles(policy), parse_month(month, "线索月份"))
        out = lists.parent / f"部门线索-{month}"
        written = write_intake(done, out, command="hx-excel 加载项 部门线索比对")
        lines = [f"交办线索 {len(done.clues)} 条（{len(done.townships)} 个乡镇），未匹配 {len(done.unmatched)} 行，"
                 f"台账已有未再交办 {len(done.already_open)} 条；线索总台账：{written[0]}"]
        lines += [f"交办单：{path}" for path in written[1:]]
        lines += [f"未读取：{name}：{why}" for name, why in done.refused]
        lines += [f"无法读取的台账：{name}：{why}" for name, why in done.unread_ledgers] + done.problems
        _result(live, "部门线索比对", lines)
        return (f"交办线索 {len(done.clues)} 条，已写入 {out}。"
                + (f"\n另有 {len(lines) - 1 - len(written[1:])} 处请核实，见“{RESULT_SHEET}”表。"
                   if len(lines) - 1 - len(written[1:]) else ""))
    return _button("部门线索比对", work, book)


def clue_apply(file_hex: str = "", book: Any = None) -> str:
    """记入部门线索: `hx-excel clues apply 交办单 --into` this workbook — saved and closed first (the clerk agrees),
    the verified red, yellow and green clues written with a backup kept, then opened again."""
    from hx_excel.clues.apply import apply_clues

    def work(live: LiveBook) -> str:
        task = Path(_text(file_hex))
        if not task.name or not task.is_file():
            raise LiveBookError(f"找不到交办单 {task}：请重新选择")
        path = live.path
        if not path.is_file():
            raise LiveBookError("本工作簿还没有保存成文件：请先保存，再记入部门线索")
        if not live.ask_yes(f"记入部门线索要先保存并关闭 {path.name}，记入后自动重新打开（原文件留有备份）。现在保存并继续吗？"):
            return "没有记入部门线索：工作簿未改动。"
        result = _on_the_file(live, lambda: apply_clues(task, path, command="hx-excel 加载项 记入部门线索"))
        edited = result.edited
        head = (f"已把 {len(result.carried)} 条核实为红、黄、绿的线索记入：写入 {edited.edits.cells} 格，逐条记在“{IMPORT_SHEET}”表"
                if edited.saved else f"{task.name} 中没有需要记入 {path.name} 的内容")
        lines = [head + (f"；原文件备份为 {edited.backup}" if edited.backup else "") + "。"]
        lines += [f"新增：{line}" for line in result.added] + [f"未记入：{line}" for line in result.passed]
        lines += [f"不同（保留台账的值）：{line}" for line in result.conflicts]
        _result(live, "记入部门线索", lines)
        extra = len(result.conflicts) + len(result.added)
        return head + "，工作簿已保存并重新打开。" + (f"\n另有 {extra} 处请核实，见“{RESULT_SHEET}”表。" if extra else "")
    return _button("记入部门线索", work, book)


def about(book: Any = None) -> str:
    """设置与关于: versions, the Python in use, the policy file."""
    def work(live: LiveBook) -> str:
        named = policy_file()
        lines = [f"hx-excel {_version('hx-excel')}，xlwings {_version('xlwings')}，openpyxl {_version('openpyxl')}",
                 f"Python {sys.version.split()[0]}：{sys.executable}",
                 f"政策参数：{named if named else '内置（花乡振领〔2022〕3号）'}"
                 + ("" if named else f"；要用自己的参数文件，运行 hx-excel addin install --policy 文件（设置用户环境变量 {POLICY_VARIABLE}）"),
                 f"当前工作簿：{live.book.name}"]
        _result(live, "设置与关于", lines)
        return "\n".join(lines)
    return _button("设置与关于", work, book)


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "未安装"


# what RibbonHx.bas calls, by name: the build's test checks each is here
BUTTONS = {"check": check, "fill": fill, "review": review, "summary": summary, "notice": notice, "extend": extend,
           "import_export": import_export, "generate": generate, "about": about, "clue_intake": clue_intake,
           "clue_apply": clue_apply}

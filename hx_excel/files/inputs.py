"""Opening the files users hand us — rosters, ledgers, settings, mappings, policies, household JSON — with one
Chinese message for each way a file can be unusable, so that no input ends in a traceback.

Every function takes `what` (名单, 区设置文件 …), which names the file in its message. A file we cannot use raises
`InputFileError`; the command line turns it into "错误：…" and exit code 2.
"""

from __future__ import annotations

import errno
import io
import json
import re
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"         # OLE compound file: .xls, or an encrypted .xlsx
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")  # the stream Office puts a password-protected file in
ZIP_MAGIC = b"PK\x03\x04"


class InputFileError(ValueError):
    """A file the tool cannot use at all; the message is Chinese, names the file and says what to do."""


_REASONS = {
    errno.ENOENT: "路径不存在", errno.EACCES: "没有权限", errno.EPERM: "没有权限", errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.EISDIR: "是一个文件夹", errno.EEXIST: "已有同名的文件", errno.ENOSPC: "磁盘已满", errno.EROFS: "磁盘是只读的",
    errno.ENAMETOOLONG: "路径太长", errno.EMFILE: "打开的文件太多", errno.ELOOP: "快捷方式（符号链接）绕成了圈",
    errno.EIO: "读写出错（磁盘或网络盘故障）", errno.EBUSY: "文件正被占用", errno.EINVAL: "文件名或路径不合法",
    errno.EFBIG: "文件过大", errno.ENOMEM: "内存不足", errno.EDQUOT: "超出了磁盘配额", errno.ESTALE: "网络盘的连接已断开",
    errno.ETIMEDOUT: "网络盘超时", errno.ENXIO: "设备不存在", errno.ENODEV: "设备不存在", errno.EXDEV: "不在同一个磁盘上",
}


def reason(exc: OSError) -> str:
    """Why an operating-system call failed, in Chinese where we know the error."""
    return _REASONS.get(exc.errno, f"操作系统报错（代码 {exc.errno}）" if exc.errno else "操作系统报错")


def read_bytes(path: str | Path, what: str) -> bytes:
    path = Path(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(f"找不到{what}：{path}。请检查路径和文件名。") from None
    except IsADirectoryError:
        raise InputFileError(f"{what} {path} 是一个文件夹，请指定其中的文件。") from None
    except PermissionError:
        raise InputFileError(f"没有权限读取{what} {path}。请检查文件权限，或把文件复制到自己的文件夹后重试。") from None
    except OSError as exc:
        raise InputFileError(f"无法读取{what} {path}：{reason(exc)}。") from None


def read_text(path: str | Path, what: str) -> str:
    """A UTF-8 text file (a BOM is allowed), e.g. TOML or JSON."""
    path = Path(path)
    data = read_bytes(path, what)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        raise InputFileError(f"{what} {path} 不是 UTF-8 编码的文本文件。请用记事本打开，“另存为”时编码选 UTF-8 后重试。")
    return text


# What tomllib and json say, in Chinese: a clerk reads the reason, not the parser's English. A message not listed
# here is said as "格式有误" with its place, never in English.
_TOML_REASONS = (
    ("Invalid value", "这里的值写得不对（文字要加英文引号，数字和日期不加；方括号、花括号要成对）"),
    ("Expected ']]' at the end", "少了“]]”"),
    ("Expected ']' at the end", "少了“]”"),
    ("Expected '=' after a key", "键名后面少了“=”（键名含空格或中文标点时要加英文引号）"),
    ("Unterminated string", "引号没有成对"),
    ("Illegal character", "有不允许的字符（如中文引号或制表符）"),
    ("Cannot overwrite a value", "同一个名字写了两次"),
    ("Cannot declare", "同一个表头写了两次"),
    ("Expected newline or end of document", "一行只能写一项，这一项后面多了内容"),
    ("Unclosed inline table", "花括号“{”没有成对"),
    ("Unclosed array", "方括号“[”没有成对"),
    ("Invalid statement", "这一行不是“名字 = 值”的形式"),
    ("Invalid initial character for a key part", "键名写得不对（含中文或符号时两边加英文引号）"),
    ("Invalid date or datetime", "日期写得不对（应如 2022-07-15）"),
)
_JSON_REASONS = (
    ("Expecting value", "这里缺少一个值（或多了一个逗号）"),
    ("Expecting ',' delimiter", "两项之间少了英文逗号"),
    ("Expecting ':' delimiter", "名字后面少了英文冒号"),
    ("Expecting property name enclosed in double quotes", "名字要用英文双引号括起来（最后一项后面不能有逗号）"),
    ("Unterminated string", "引号没有成对"),
    ("Invalid control character", "引号内有换行或制表符"),
    ("Invalid \\escape", "反斜杠“\\”后的字符不对"),
    ("Extra data", "内容结束后还有多余的字符"),
)
_PLACE = re.compile(r"\(at line (\d+), column (\d+)\)|\(at end of document\)")


def parse_reason(message: str, reasons: tuple[tuple[str, str], ...]) -> str:
    """A parser's English message as a Chinese reason with its place (第 3 行第 5 列, 文件末尾)."""
    place = _PLACE.search(message)
    where = ("" if place is None else "文件末尾：" if place.group(1) is None
             else f"第 {place.group(1)} 行第 {place.group(2)} 列：")
    said = next((chinese for english, chinese in reasons if message.startswith(english)), "格式有误")
    return where + said


def read_toml(path: str | Path, what: str, hint: str = "") -> dict[str, Any]:
    path = Path(path)
    try:
        return tomllib.loads(read_text(path, what))
    except tomllib.TOMLDecodeError as exc:
        raise InputFileError(f"{what} {path} 的 TOML 格式有误，{parse_reason(str(exc), _TOML_REASONS)}。"
                             + (hint or "请检查引号、等号和方括号；文字两边要加英文引号。")) from None
    except RecursionError:
        raise InputFileError(f"{what} {path} 方括号或花括号嵌套层数过多，不是本工具的设置文件。") from None


def read_json(path: str | Path, what: str) -> Any:
    path = Path(path)
    try:
        return json.loads(read_text(path, what))
    except json.JSONDecodeError as exc:
        reason_ = parse_reason(exc.msg, _JSON_REASONS)
        raise InputFileError(f"{what} {path} 不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列附近，{reason_}。") from None
    except RecursionError:
        raise InputFileError(f"{what} {path} 嵌套层数过多，不是户数据文件。") from None


def workbook_problem(data: bytes, path: Path, what: str) -> str | None:
    """Why these bytes are not an .xlsx workbook we can open, or None when they look like one."""
    if data.startswith(CFB_MAGIC):
        if ENCRYPTED_STREAM in data:
            return (f"{what} {path.name} 设置了打开密码（已加密），无法读取。"
                    "请在 Excel 中打开，“文件 > 信息 > 保护工作簿 > 用密码进行加密”清空密码并保存后重试。")
        return f"{what} {path.name} 是旧版 Excel 97-2003（.xls）文件。请在 Excel 或 WPS 中“另存为”.xlsx 后重试。"
    if not data.startswith(ZIP_MAGIC):
        return f"{what} {path.name} 不是 Excel 工作簿（.xlsx）。"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = set(archive.namelist())
            mimetype = archive.read("mimetype").decode("ascii", "replace") if "mimetype" in parts else ""
    except (zipfile.BadZipFile, OSError, ValueError):
        return None   # a damaged zip: open_workbook says so
    if "xl/workbook.xml" in parts:
        return None
    if "opendocument.spreadsheet" in mimetype:
        return f"{what} {path.name} 是 OpenDocument 表格（.ods）。请在 WPS 或 LibreOffice 中“另存为”Excel 工作簿（.xlsx）后重试。"
    if "xl/workbook.bin" in parts:
        return f"{what} {path.name} 是 Excel 二进制工作簿（.xlsb）。请在 Excel 中“另存为”Excel 工作簿（.xlsx）后重试。"
    if "word/document.xml" in parts:
        return f"{what} {path.name} 是 Word 文档，不是 Excel 工作簿。请提供 .xlsx 或 CSV 文件。"
    return f"{what} {path.name} 不是 Excel 工作簿（.xlsx）。"


def open_workbook(path: str | Path, what: str, *, read_only: bool = True, data_only: bool = True):
    """An openpyxl workbook, or InputFileError saying why the file is not one we can read. With read_only the sheets
    are parsed while they are read: iterate them through `rows`, which reports a damaged sheet the same way."""
    path = Path(path)
    data = read_bytes(path, what)
    problem = workbook_problem(data, path, what)
    if problem:
        raise InputFileError(problem)
    try:
        # from the bytes already read: one consistent snapshot, whatever the file's name ends with
        return load_workbook(io.BytesIO(data), read_only=read_only, data_only=data_only)
    except Exception as exc:  # noqa: BLE001 — any fault inside a file we did not write means "damaged"
        raise damaged(path, what, exc) from None


def damaged(path: Path, what: str, exc: BaseException) -> InputFileError:
    detail = "压缩包损坏" if isinstance(exc, zipfile.BadZipFile) else "内容无法解析"
    return InputFileError(f"{what} {path.name} 已损坏，无法读取（{detail}）。"
                          "请在 Excel 或 WPS 中打开它（会提示修复），另存为新的 .xlsx 后重试。")


def rows(ws, path: Path, what: str, **options) -> Iterator[tuple]:
    """`ws.iter_rows(**options)`, with a damaged sheet reported as InputFileError instead of a parser exception."""
    iterator = ws.iter_rows(**options)
    while True:
        try:
            row = next(iterator)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 — see open_workbook
            raise damaged(path, what, exc) from None
        yield row

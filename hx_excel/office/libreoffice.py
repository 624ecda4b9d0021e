"""Headless LibreOffice as an independent formula engine and print renderer.

Used by tests, benchmarks and the render script; not by the clerks' add-in.

* :func:`recalculate` opens .xlsx files in LibreOffice Calc, recalculates every formula and saves copies
  with cached values, so that ``openpyxl.load_workbook(path, data_only=True)`` can read the results.
  openpyxl itself never computes formulas.
* :func:`to_pdf` prints a workbook to PDF the way LibreOffice would print it; :func:`pdf_to_png` turns the
  PDF into one PNG per page (poppler's ``pdftoppm``) so a person can look at the printed ledger.

Every soffice call runs with a fresh, throw-away user profile whose ``registrymodifications.xcu`` sets
``/org.openoffice.Office.Calc/Formula/Load/OOXMLRecalcMode = 0`` ("always recalculate"): without it,
LibreOffice keeps the cached values already stored in a file (stale numbers). A private profile also keeps
the user's own LibreOffice settings out of the results and lets several calls run in parallel.

soffice starts in about 1.4 s, so convert many files in ONE :func:`recalculate` call.
soffice exits 0 even when it cannot load a file; the existence of every output is checked here instead.

Every message raised here is Chinese (the clerks' `hx-excel notice --pdf` shows them): its first line is a whole
sentence to show on its own; what follows (paths, the command, soffice's own output) is for whoever investigates.

Install the system packages with ``.ci/install-system-packages``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

__all__ = [
    "DEFAULT_TIMEOUT",
    "LibreOfficeError",
    "LibreOfficeMissing",
    "find_pdftoppm",
    "find_soffice",
    "pdf_to_png",
    "recalculate",
    "to_pdf",
    "to_pdfs",
]

DEFAULT_TIMEOUT = 600.0  # seconds, for one whole soffice call (all files together)

INSTALL_SCRIPT = ".ci/install-system-packages"

# Places soffice lives when it is not on PATH (Debian/Ubuntu packages put a symlink in /usr/bin;
# the upstream .deb/.rpm and macOS installs do not).
_SOFFICE_FALLBACKS = (
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)

# OOXMLRecalcMode: 0 = always recalculate, 1 = never, 2 = ask (the default; headless means "never").
_REGISTRY_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" \
xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""


class LibreOfficeError(RuntimeError):
    """soffice did not produce every expected output (file not loadable, timeout, crash, cannot be started).

    The message's first line says what failed in Chinese; soffice's own output follows on later lines."""

    def __init__(self, message: str, *, missing: Sequence[Path] = (), stdout: str = "", stderr: str = "") -> None:
        self.missing = list(missing)
        self.stdout = stdout
        self.stderr = stderr
        details = []
        if stdout.strip():
            details.append(f"soffice 的输出：\n{stdout.strip()}")
        if stderr.strip():
            details.append(f"soffice 的错误输出：\n{stderr.strip()}")
        super().__init__("\n".join([message, *details]))


class LibreOfficeMissing(LibreOfficeError):
    """soffice (or pdftoppm) is not installed on this machine (a LibreOfficeError: whoever prints one prints both)."""

    def __init__(self, tool: str = "soffice") -> None:
        self.tool = tool
        super().__init__(
            f"未找到 {tool}：请先运行 {INSTALL_SCRIPT} 安装 LibreOffice（libreoffice-calc-nogui）、"
            f"文泉驿微米黑字体（fonts-wqy-microhei）和 poppler-utils。"
        )


def find_soffice() -> str | None:
    """Path of the soffice executable, or None. ``$HX_SOFFICE`` overrides the search."""
    override = os.environ.get("HX_SOFFICE")
    if override:
        return override if Path(override).is_file() else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in _SOFFICE_FALLBACKS:
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def find_pdftoppm() -> str | None:
    """Path of poppler's pdftoppm, or None."""
    return shutil.which("pdftoppm")


def _require_soffice() -> str:
    soffice = find_soffice()
    if soffice is None:
        raise LibreOfficeMissing("soffice")
    return soffice


@contextlib.contextmanager
def _throwaway_profile() -> Iterator[str]:
    """A fresh LibreOffice user profile that always recalculates OOXML files; yields its file:// URL.

    The folder is deleted afterwards.
    """
    root = Path(tempfile.mkdtemp(prefix="hx-lo-profile-"))
    try:
        user = root / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_REGISTRY_XCU, encoding="utf-8")
        yield root.as_uri()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _run_soffice(args: Sequence[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run soffice headless with a throw-away profile. Kills the whole process group on timeout.

    /usr/bin/soffice is a shell script that starts oosplash, which starts soffice.bin: killing only the
    direct child would leave soffice.bin running, hence the own session and killpg.
    """
    soffice = _require_soffice()
    with _throwaway_profile() as profile_url:
        cmd = [soffice, f"-env:UserInstallation={profile_url}", "--headless", "--norestore", *args]
        try:
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                errors="replace",
                start_new_session=True,
            )
        except OSError as exc:   # found but not runnable: no execute permission, not a program, removed meanwhile
            why = ("没有执行权限" if isinstance(exc, PermissionError) else "文件已不存在"
                   if isinstance(exc, FileNotFoundError) else "不是可运行的程序")
            raise LibreOfficeError(f"无法启动 LibreOffice（{soffice}）：{why}。请重新安装 LibreOffice。") from None
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            stdout, stderr = proc.communicate()
            raise LibreOfficeError(
                f"LibreOffice 在 {timeout:g} 秒内没有完成转换，已强行结束。\n命令：{' '.join(cmd)}",
                stdout=stdout,
                stderr=stderr,
            ) from None
        return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)


_TARGETS = {"pdf": " PDF", "xlsx": "重新计算后的 xlsx 文件", "xls": " .xls 文件"}   # after 转成


def _convert(paths: Sequence[Path], outdir: Path, target: str, timeout: float) -> list[Path]:
    """Convert ``paths`` to ``outdir/<stem>.<target>`` in one soffice call; outputs in input order."""
    sources = [Path(p).resolve() for p in paths]
    if not sources:
        return []
    for src in sources:
        if not src.is_file():
            raise FileNotFoundError(f"找不到要转换的文件：{src}")
    outdir = Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)

    outputs = [outdir / f"{src.stem}.{target}" for src in sources]
    seen: dict[Path, Path] = {}
    for src, out in zip(sources, outputs, strict=True):
        if out == src:
            # LibreOffice cannot overwrite the file it has open; it fails and leaves the input in place,
            # which would then look like a successful output.
            raise ValueError(f"转换结果会覆盖输入文件本身，请另选输出文件夹：{src}")
        if out in seen:
            raise ValueError(f"{seen[out]} 和 {src} 会写成同一个文件 {out}，请分两次转换")
        seen[out] = src
    # Stale outputs from an earlier run would pass the existence check below.
    for out in outputs:
        out.unlink(missing_ok=True)

    result = _run_soffice(
        ["--convert-to", target, "--outdir", str(outdir), *map(str, sources)],
        timeout,
    )
    missing = [src for src, out in zip(sources, outputs, strict=True) if not out.is_file()]
    if missing:
        names = "\n".join(f"  {src}" for src in missing)
        raise LibreOfficeError(
            f"LibreOffice 未能把 {len(sources)} 个文件中的 {len(missing)} 个转成{_TARGETS.get(target, f' {target}')}："
            f"{'、'.join(src.name for src in missing)}（可能不是工作簿、已损坏或无法读取；soffice 退出码 "
            f"{result.returncode}）。\n未转换的文件：\n{names}",
            missing=missing,
            stdout=result.stdout,
            stderr=result.stderr,
        )
    return outputs


def recalculate(paths: Sequence[Path], outdir: Path, *, timeout: float = DEFAULT_TIMEOUT) -> list[Path]:
    """Recalculate every formula in the given .xlsx files with LibreOffice, in one soffice call.

    Writes ``outdir/<same name>.xlsx`` for each input (``outdir`` must not be an input's own folder, and
    names must be distinct) and returns those paths in input order. Read the values with
    ``openpyxl.load_workbook(out, data_only=True)``. The copies are for values only: LibreOffice rewrites
    styles and drops some features (stop-if-true, freeze panes), so check formatting on the originals.

    Raises :class:`LibreOfficeMissing` when soffice is not installed and :class:`LibreOfficeError` naming
    every input that produced no output.
    """
    return _convert(paths, outdir, "xlsx", timeout)


def to_xls(path: Path, outdir: Path, *, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """A workbook saved as legacy Excel 97–2003 (.xls), as the national system exports its lists: ``outdir/<stem>.xls``."""
    return _convert([path], outdir, "xls", timeout)[0]


def to_pdf(path: Path, outdir: Path, *, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Print one workbook (recalculated on load) to ``outdir/<stem>.pdf`` and return that path."""
    return _convert([path], outdir, "pdf", timeout)[0]


def to_pdfs(paths: Sequence[Path], outdir: Path, *, timeout: float = DEFAULT_TIMEOUT) -> list[Path]:
    """Print several workbooks in one soffice call (it starts in about 1.4 s); PDFs in input order."""
    return _convert(paths, outdir, "pdf", timeout)


def pdf_to_png(pdf: Path, out_prefix: Path, dpi: int = 110, *, timeout: float = DEFAULT_TIMEOUT) -> list[Path]:
    """Render every page of ``pdf`` to ``<out_prefix>-<page>.png`` with pdftoppm; returns pages in order.

    Needs a CJK font (fonts-wqy-microhei) at PDF creation time for Chinese text, not here.
    """
    pdftoppm = find_pdftoppm()
    if pdftoppm is None:
        raise LibreOfficeMissing("pdftoppm")
    pdf = Path(pdf).resolve()
    if not pdf.is_file():
        raise FileNotFoundError(f"找不到要转换的 PDF：{pdf}")
    out_prefix = Path(out_prefix).resolve()
    out_prefix.parent.mkdir(parents=True, exist_ok=True)

    def pages() -> list[Path]:
        # pdftoppm zero-pads the page number to the width of the page count: x-1.png or x-01.png ...
        found = []
        for png in out_prefix.parent.glob(f"{glob.escape(out_prefix.name)}-*.png"):
            number = png.stem[len(out_prefix.name) + 1 :]
            if number.isdigit():
                found.append((int(number), png))
        return [png for _, png in sorted(found)]

    for stale in pages():
        stale.unlink()
    try:
        result = subprocess.run(
            [pdftoppm, "-r", str(dpi), "-png", str(pdf), str(out_prefix)],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"pdftoppm 在 {timeout:g} 秒内没有把 {pdf} 转成图片，已强行结束。") from None
    rendered = pages()
    if result.returncode != 0 or not rendered:
        raise RuntimeError(
            f"pdftoppm 未能把 {pdf} 转成图片（退出码 {result.returncode}）："
            + (f"\n{result.stderr.strip()}" if result.stderr.strip() else "没有写出任何一页")
        )
    return rendered

"""`hx-excel addin install`: on the clerk's Windows PC, put the add-in where Excel loads it and tell it which Python
to run.

- The add-in is copied into the user's XLSTART folder (%APPDATA%\\Microsoft\\Excel\\XLSTART), which Excel opens at
  start-up and trusts by default; a copy made by Python carries no Mark-of-the-Web (that lives in a separate stream of
  a downloaded file), so its macros are not blocked as "from the internet".
- The interpreter goes into xlwings' user config file (%USERPROFILE%\\.hx_excel\\hx_excel.conf): the add-in's own
  config sheet carries no INTERPRETER row, since a row there would hide this file. VBA reads it with `Input #`, in the
  PC's ANSI code page (a Chinese user name in the path must survive), as "KEY","VALUE" lines.
- With --policy, the user environment variable HX_EXCEL_POLICY names the policy file the buttons and UDFs use.

Elsewhere it refuses, saying what to copy (`AddinInstallError`).
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from hx_excel.addin import POLICY_VARIABLE
from hx_excel.addin.build import ADDIN_NAME, PROJECT


class AddinInstallError(ValueError):
    """The add-in cannot be installed here; the message (Chinese) says what to do instead."""


@dataclass
class Installed:
    addin: Path
    config: Path
    interpreter: Path
    policy: Path | None


def interpreter() -> Path:
    """The Python that runs the buttons: pythonw.exe beside this one when there is one (no console window)."""
    here = Path(sys.executable)
    quiet = here.with_name("pythonw.exe")
    return quiet if quiet.exists() else here


def install_into(addin: Path, xlstart: Path, profile: Path, python: Path, *, encoding: str = "mbcs") -> Installed:
    """Copy `addin` into `xlstart` and write the user config file under `profile` (the work of `install`, with its
    folders given: the tests run it on Linux with folders of their own)."""
    if not addin.is_file():
        raise AddinInstallError(f"找不到加载项 {addin}：请先运行 hx-excel addin build")
    xlstart.mkdir(parents=True, exist_ok=True)
    target = xlstart / ADDIN_NAME
    staged = target.with_name(f".{ADDIN_NAME}.new")
    shutil.copyfile(addin, staged)           # the data only: no Mark-of-the-Web stream comes along
    os.replace(staged, target)
    config = profile / f".{PROJECT}" / f"{PROJECT}.conf"
    config.parent.mkdir(parents=True, exist_ok=True)
    text = f'"INTERPRETER_WIN","{python}"\r\n'
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        raise AddinInstallError(f"Python 的路径 {python} 中有本机代码页写不出的字符，Excel 读不到它："
                                "请把 Python 装到只含中英文字母和数字的路径（如 C:\\hx-excel\\python）后重试") from None
    config.write_bytes(data)
    return Installed(target, config, python, None)


def install(addin: Path, policy: Path | None = None) -> Installed:
    if not sys.platform.startswith("win"):
        raise AddinInstallError(
            "hx-excel addin install 只用于 Windows 上的 Excel（本机不是 Windows）。请在办公电脑上安装 Python 和 hx-excel 后运行本命令；"
            f"或手动：把 {addin} 复制到 %APPDATA%\\Microsoft\\Excel\\XLSTART，再在 %USERPROFILE%\\.{PROJECT}\\{PROJECT}.conf 中写一行 "
            '"INTERPRETER_WIN","Python 的完整路径"（步骤见 README 的“Excel 加载项”一节）。')
    if policy is not None and not policy.is_file():
        raise AddinInstallError(f"找不到政策参数文件 {policy}")
    appdata, profile = os.environ.get("APPDATA"), os.environ.get("USERPROFILE")
    if not appdata or not profile:
        raise AddinInstallError("找不到 APPDATA 或 USERPROFILE 环境变量：请用普通用户登录 Windows 后重试")
    done = install_into(addin, Path(appdata) / "Microsoft" / "Excel" / "XLSTART", Path(profile), interpreter())
    if policy is not None:
        import winreg   # Windows only: the user environment, read by Excel's next start
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, "Environment", 0, winreg.KEY_SET_VALUE) as key:
            winreg.SetValueEx(key, POLICY_VARIABLE, 0, winreg.REG_SZ, str(policy.resolve()))
        done.policy = policy.resolve()
    return done

"""The add-in as built on Linux (`hx-excel addin build`): read back by tools we did not write, its ribbon checked against
Office's schema, and every ribbon callback run in pyOpenVBA's VBA interpreter — with xlwings' RunPython stood in for
by a recorder — up to the Python command it hands over, which is then run against a workbook (tests/fakebook.py).

What Linux cannot show (Excel loading the add-in, the icons, Insert Function, RunPython starting Python) is the
manual pass in docs/windows-excel-checklist.md."""

from __future__ import annotations

import functools
import hashlib
import os
import re
import sys
import types
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from hx_excel.addin import build, ribbon
from hx_excel.cli import main

MACROS = Path(__file__).resolve().parents[1] / "macros"
SCHEMA = Path(os.environ.get("HX_EXCEL_SCHEMAS", Path(__file__).resolve().parents[2] / "shared" / "schemas"))
RIBBON_SUB = re.compile(r"^\s*(?:Public\s+)?Sub\s+(\w+)\s*\(\s*(?:ByRef\s+|ByVal\s+)?\w+\s+As\s+IRibbonControl\s*\)",
                        re.M | re.I)


@pytest.fixture(scope="module")
def addin(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("addin") / "hx_excel.xlam"
    assert main(["addin", "build", "-o", str(out)]) == 0
    return out


def _modules(path: Path) -> dict[str, str]:
    from oletools.olevba import VBA_Parser
    parser = VBA_Parser(str(path))
    try:
        return {Path(name).stem: code for (_, _, name, code) in parser.extract_macros()}
    finally:
        parser.close()


def test_the_same_inputs_build_the_same_bytes(addin, tmp_path):
    again = tmp_path / "again.xlam"
    assert main(["addin", "build", "-o", str(again)]) == 0
    assert hashlib.sha256(addin.read_bytes()).digest() == hashlib.sha256(again.read_bytes()).digest()
    assert not [p for p in tmp_path.iterdir() if p.name != "again.xlam"], "no staging file is left beside it"
    # Two builds a moment apart share a 2-second DOS time slot, so equal bytes alone do not show the entries' times
    # are pinned: each entry keeps the template's ZipInfo (name, order, time, compression), not the time of the build.
    template = build._xlwings_folder() / "quickstart_addin_ribbon.xlam"
    with zipfile.ZipFile(template) as original, zipfile.ZipFile(addin) as built:
        entries = [[(i.filename, i.date_time, i.compress_type) for i in z.infolist()] for z in (original, built)]
    assert entries[1] == entries[0]


def test_olevba_reads_back_every_module_as_committed(addin):
    modules = _modules(addin)
    for name in ("RibbonHx", "HxFolder", "xlwings_udfs", "xlwings_udfs_help"):
        committed = (MACROS / f"{name}.bas").read_bytes().decode("ascii")
        assert modules[name] == build.crlf(committed), name
    assert "RibbonMyAddin" not in modules, "the template's sample callback module is gone"
    assert 'Public Const PROJECT_NAME As String = "hx_excel"' in modules["xlwings"]
    assert "xlwings64-0.37.8.dll" in modules["xlwings"], "the DLL the pinned xlwings ships"
    assert modules["ThisWorkbook"].endswith("Private Sub Workbook_Open()\r\n    RegisterUdfHelp\r\nEnd Sub\r\n")
    for name, code in modules.items():
        # code page 1252: a non-ASCII character would have become "?" without a word from anyone
        assert all(ord(c) < 128 for c in code), name
        assert max(map(len, code.split("\r\n"))) <= 1023, f"{name}: VBA's line limit"


def test_the_config_sheet_carries_only_rows_with_values(addin):
    with zipfile.ZipFile(addin) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert 'name="hx_excel.conf"' in workbook and "_myaddin.conf" not in workbook
    keys = re.findall(r'r="A\d+"[^>]*><is><t>([^<]*)</t>', sheet)
    values = re.findall(r'r="B\d+"[^>]*>(?:<is><t>([^<]*)</t></is>|<v>([^<]*)</v>)', sheet)
    assert keys == ["UDF Modules", "Show Console"]
    assert [a or b for a, b in values] == ["hx_excel.addin.udfs", "0"]
    assert "Interpreter" not in sheet, "an interpreter row would hide the user config file install writes"


def test_the_generated_modules_are_what_xlwings_makes_of_the_current_udfs():
    for name, text in build.generated_modules().items():
        committed = (MACROS / f"{name}.bas").read_bytes().decode("ascii")
        assert committed == text, f"macros/{name}.bas drifted: run hx-excel addin macros and commit the result"


def test_every_udf_has_a_wrapper_and_chinese_help():
    from hx_excel.addin import udfs
    wrappers = (MACROS / "xlwings_udfs.bas").read_bytes().decode("ascii")
    help_text = (MACROS / "xlwings_udfs_help.bas").read_bytes().decode("ascii")
    for function in udfs.FUNCTIONS:
        name = function.__name__
        assert re.search(rf'^Function {name}\(', wrappers, re.M), name
        assert f'XLPy.CallUDF("hx_excel.addin.udfs", "{name}"' in wrappers
        block = re.search(rf"'!{name}\", _\r\n\s+Description:=U\(\"([0-9A-F]+)\"\)", help_text)
        assert block, name
        description = bytes.fromhex(block.group(1)).decode("utf-16-be")
        assert description == function.__doc__.strip()[:255] and re.search(r"[\u4e00-\u9fff]", description)
    # VBA keywords cannot name a parameter (On, Step …): the wrappers would not compile
    for signature in re.findall(r"^Function \w+\(([^)]*)\)", wrappers, re.M):
        for parameter in re.findall(r"(?:Optional )?(\w+)", signature):
            assert parameter.lower() not in {"on", "step", "to", "next", "date", "string", "optional"} or \
                parameter == "Optional", parameter


def _ribbon(addin: Path):
    return etree.fromstring(zipfile.ZipFile(addin).read("customUI/customUI.xml"))


def test_the_ribbon_is_the_committed_one_and_well_formed(addin):
    assert zipfile.ZipFile(addin).read("customUI/customUI.xml") == (MACROS / "ribbon.xml").read_bytes()
    ui = _ribbon(addin)
    ns = "{http://schemas.microsoft.com/office/2006/01/customui}"
    ids = [e.get("id") for e in ui.iter() if e.get("id")]
    assert len(ids) == len(set(ids)), "ids unique"
    tab = ui.find(f".//{ns}tab")
    assert tab.get("label") == "防返贫监测"
    labels = [b.get("label") for b in ui.iter(f"{ns}button")]
    assert labels == ["检查本表", "计算并填写", "扩充行数", "月度研判", "生成月报", "同步国家名单", "记入部门线索", "公示名单",
                      "生成乡镇台账", "部门线索比对", "设置与关于"]
    for button in ui.iter(f"{ns}button"):
        assert button.get("onAction", "").startswith("RibbonHx.") and button.get("supertip")


@pytest.mark.skipif(not (SCHEMA / "customUI.xsd").exists(), reason=f"Office ribbon schema not found in {SCHEMA}")
def test_the_ribbon_validates_against_office_schema(addin):
    schema = etree.XMLSchema(etree.parse(str(SCHEMA / "customUI.xsd")))
    assert schema.validate(_ribbon(addin)), schema.error_log
    broken = etree.fromstring((MACROS / "ribbon.xml").read_bytes().replace(b'size="large"', b'size="huge"', 1))
    assert not schema.validate(broken), "the schema check can fail"


def test_every_on_action_has_its_ribbon_sub(addin):
    modules = _modules(addin)
    for element in _ribbon(addin).iter():
        action = element.get("onAction")
        if action:
            module, sub = action.split(".")
            assert sub in RIBBON_SUB.findall(modules[module]), action


# ---- the callbacks, run ---------------------------------------------------------------------------------------------

RECORDER = ('Attribute VB_Name = "StubXlwings"\r\nPublic Function RunPython(PythonCommand As String)\r\n'
            '    Debug.Print "RunPython:" & PythonCommand\r\nEnd Function\r\n')
PICKER = ('Attribute VB_Name = "HxFolder"\r\nPublic Function PickFolder(ByVal title As String) As String\r\n'
          '    Debug.Print "PickFolder:" & title\r\n    PickFolder = InputBox(title)\r\nEnd Function\r\n'
          'Public Function PickFile(ByVal title As String) As String\r\n'
          '    Debug.Print "PickFile:" & title\r\n    PickFile = InputBox(title)\r\nEnd Function\r\n')


def run_callback(addin: Path, action: str, control_id: str, answers: tuple = ()) -> tuple[list[str], list]:
    """Run one onAction in pyOpenVBA's interpreter with RunPython recorded (and the folder picker answered like an
    InputBox): what Debug.Print saw, and the dialogs shown."""
    from pyopenvba import ExcelFile
    from pyopenvba.apps.excel import ExcelApplication
    with ExcelFile(addin) as wb:
        callbacks = wb.get_module("RibbonHx")
    app = ExcelApplication.open(str(addin), with_vba=False)
    app.add_module(callbacks, name="RibbonHx")
    app.add_module(RECORDER, name="StubXlwings")
    app.add_module(PICKER, name="HxFolder")
    app.add_module("Public Id As String\n", name="FakeRibbonControl", kind="class")
    app.add_module(f'Sub Drive()\n    Dim c As New FakeRibbonControl\n    c.Id = "{control_id}"\n'
                   f'    Application.Run "{action}", c\nEnd Sub\n', name="Driver")
    app.answer_dialogs(*answers)
    app.run("Driver.Drive")
    return list(app.console), list(app.dialogs)


def _hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


# button id → the clerk's answers to its questions → the Python call it must hand over
CALLS = {
    "hxCheck": ((), "check()"),
    "hxFill": ((), "fill()"),
    "hxAbout": ((), "about()"),
    "hxExtend": (("3000",), f"extend('{_hex('3000')}')"),
    "hxReview": (("2022-07", "王五"), f"review('{_hex('2022-07')}', '{_hex('王五')}')"),
    "hxSummary": ((6, "2022-07"), f"summary('{_hex('2022-07')}', '')"),
    "hxNotice": (("龙井村", "2"), f"notice('{_hex('龙井村')}', '{_hex('2')}')"),
    "hxImport": ((r"D:\名单\八月.xls", 7), f"import_export('{_hex(chr(68) + ':' + chr(92) + '名单' + chr(92) + '八月.xls')}', '0')"),
    "hxGenerate": ((r"D:\台账\2022年",), f"generate('{_hex(chr(68) + ':' + chr(92) + '台账' + chr(92) + '2022年')}')"),
    "hxClueIntake": (("2022-07", r"D:\名单", r"D:\台账"),
                     f"clue_intake('{_hex('2022-07')}', '{_hex(chr(68) + ':' + chr(92) + '名单')}', "
                     f"'{_hex(chr(68) + ':' + chr(92) + '台账')}')"),
    "hxClueApply": ((r"D:\交办单.xlsx",), f"clue_apply('{_hex(chr(68) + ':' + chr(92) + '交办单.xlsx')}')"),
}


@pytest.mark.parametrize("control_id", sorted(CALLS))
def test_each_callback_hands_over_a_python_call_of_the_package(addin, control_id):
    action = next(e.get("onAction") for e in _ribbon(addin).iter() if e.get("id") == control_id)
    answers, call = CALLS[control_id]
    console, dialogs = run_callback(addin, action, control_id, answers)
    commands = [line.removeprefix("RunPython:") for line in console if line.startswith("RunPython:")]
    assert commands == [f"import hx_excel.addin.ribbon as hx; hx.{call}"]
    assert '"' not in commands[0], "a double quote would break cmd.exe's command line"
    function = re.match(r"import hx_excel\.addin\.ribbon as hx; hx\.(\w+)\(", commands[0]).group(1)
    assert callable(getattr(ribbon, function)) and function in ribbon.BUTTONS
    for _, prompt, title, _ in (d for d in dialogs if d[0] in ("InputBox", "MsgBox")):
        assert "?" not in prompt + title and title in ("防返贫监测", "")   # "": the folder picker's stand-in


def test_the_summary_of_a_folder_asks_for_the_folder_and_passes_it(addin):
    console, dialogs = run_callback(addin, "RibbonHx.OnSummary", "hxSummary", (7, "2022-07", r"D:\乡镇台账"))
    assert "PickFolder:选择汇总的台账所在文件夹" in console
    assert console[-1] == f"RunPython:import hx_excel.addin.ribbon as hx; hx.summary('{_hex('2022-07')}', '{_hex(chr(68) + ':' + chr(92) + '乡镇台账')}')"
    assert [d[1] for d in dialogs][:2] == ["汇总本工作簿请点“是”；汇总一个文件夹中各乡镇的台账请点“否”。",
                                           "月报月份（如 2022-07）："]


# the last answer cancels: an empty InputBox (or the folder picker's stand-in), or MsgBox's Cancel (2)
@pytest.mark.parametrize("control_id, answers", [
    ("hxReview", ("",)), ("hxNotice", ("",)), ("hxNotice", ("龙井村", "")), ("hxSummary", (2,)),
    ("hxSummary", (6, "")), ("hxSummary", (7, "2022-07", "")), ("hxGenerate", ("",)), ("hxImport", ("",)),
    ("hxImport", ("D:\\八月.xls", 2))],
    ids=["review-month", "notice-village", "notice-kind", "summary-scope", "summary-month", "summary-folder",
         "generate-folder", "import-file", "import-update"])
def test_cancelling_a_question_runs_nothing(addin, control_id, answers):
    action = next(e.get("onAction") for e in _ribbon(addin).iter() if e.get("id") == control_id)
    console, dialogs = run_callback(addin, action, control_id, answers)
    assert len(dialogs) == len(answers), "the cancelled question was the last one asked"
    assert not [line for line in console if line.startswith("RunPython:")]


def test_enter_at_the_notice_kind_takes_the_default_1(addin):
    # no answer queued: the interpreter's InputBox returns its Default, as Enter does in Excel
    console, dialogs = run_callback(addin, "RibbonHx.OnNotice", "hxNotice", ("龙井村",))
    assert [d[0] for d in dialogs] == ["InputBox", "InputBox"]
    assert console[-1] == f"RunPython:import hx_excel.addin.ribbon as hx; hx.notice('{_hex('龙井村')}', '{_hex('1')}')"


def test_the_hex_the_vba_writes_is_the_text_python_reads(addin):
    """Every text the clerk may type (Chinese, quotes, a backslash, a full-width character) survives the trip.
    pyOpenVBA's AscW is unsigned where Excel's returns a negative Integer from U+8000 on, so HexOf's branch for that
    runs only in Excel: docs/windows-excel-checklist.md item 30 types “账” (U+8D26) there."""
    for text in ("王五", "O'Neil \"A\"", "D:\\台账\\七月", "ＡＢ１２", "𠀋村"):
        console, _ = run_callback(addin, "RibbonHx.OnNotice", "hxNotice", (text, "1"))
        village_hex = re.search(r"notice\('([0-9A-F]*)'", console[-1]).group(1)
        assert ribbon._text(village_hex) == text


# ---- install ------------------------------------------------------------------------------------------------------------

def test_install_puts_the_add_in_in_xlstart_and_names_the_python(addin, tmp_path):
    from hx_excel.addin.install import install_into
    appdata, profile = tmp_path / "AppData" / "Roaming", tmp_path / "Users" / "张三"
    python = Path(r"C:\Users\张三\AppData\Local\hx-excel\Scripts\pythonw.exe")
    done = install_into(addin, appdata / "Microsoft" / "Excel" / "XLSTART", profile, python, encoding="gbk")
    assert done.addin.read_bytes() == addin.read_bytes() and done.addin.name == "hx_excel.xlam"
    # what xlwings' GetConfigFromFile reads with Input #: "KEY","VALUE" in the PC's ANSI code page (GBK here)
    assert (profile / ".hx_excel" / "hx_excel.conf").read_bytes() == \
        '"INTERPRETER_WIN","C:\\Users\\张三\\AppData\\Local\\hx-excel\\Scripts\\pythonw.exe"\r\n'.encode("gbk")
    assert [p.name for p in done.addin.parent.iterdir()] == ["hx_excel.xlam"], "no staging copy left"
    with pytest.raises(ValueError, match="代码页写不出"):
        install_into(addin, tmp_path / "x", profile, Path("C:/Users/한/python.exe"), encoding="gbk")


def _as_on_windows(monkeypatch, tmp_path: Path, python: Path):
    """install() as on a Windows PC whose Python is `python`: APPDATA and USERPROFILE under tmp_path, the ANSI code
    page GBK ("mbcs" is a Windows-only codec), winreg a recorder. Returns the module and the registry writes."""
    from hx_excel.addin import install as module
    monkeypatch.setattr(module, "sys", types.SimpleNamespace(platform="win32", executable=str(python)))
    monkeypatch.setenv("APPDATA", str(tmp_path / "AppData" / "Roaming"))
    monkeypatch.setenv("USERPROFILE", str(tmp_path / "Users" / "张三"))
    monkeypatch.setattr(module, "install_into", functools.partial(module.install_into, encoding="gbk"))
    written = []
    registry = types.ModuleType("winreg")
    registry.HKEY_CURRENT_USER, registry.KEY_SET_VALUE, registry.REG_SZ = "HKCU", 2, 1
    registry.OpenKey = lambda root, key, reserved, access: open(os.devnull)   # a context manager standing in
    registry.SetValueEx = lambda key, name, reserved, kind, value: written.append((name, value))
    monkeypatch.setitem(sys.modules, "winreg", registry)
    return module, written


def test_install_names_pythonw_when_there_is_one(addin, tmp_path, monkeypatch):
    scripts = tmp_path / "venv" / "Scripts"
    scripts.mkdir(parents=True)
    (scripts / "python.exe").touch()
    module, _ = _as_on_windows(monkeypatch, tmp_path, scripts / "python.exe")
    assert module.install(addin).interpreter == scripts / "python.exe", "no pythonw.exe beside it: python.exe"
    (scripts / "pythonw.exe").touch()
    done = module.install(addin)
    assert done.interpreter == scripts / "pythonw.exe", "pythonw.exe: no console window flashes at each click"
    assert done.config.read_bytes() == f'"INTERPRETER_WIN","{scripts / "pythonw.exe"}"\r\n'.encode("gbk")


def test_install_refuses_a_policy_file_that_is_not_there(addin, tmp_path, monkeypatch, capsys):
    (tmp_path / "python.exe").touch()
    _, written = _as_on_windows(monkeypatch, tmp_path, tmp_path / "python.exe")
    missing = tmp_path / "政策参数.toml"
    assert main(["addin", "install", "--addin", str(addin), "--policy", str(missing)]) == 2
    err = capsys.readouterr().err
    assert f"找不到政策参数文件 {missing}" in err and "内部出错" not in err
    assert not (tmp_path / "AppData").exists() and not (tmp_path / "Users").exists() and not written, \
        "nothing installed"
    missing.write_text("", encoding="utf-8")       # there: installed, and the policy named for Excel's next start
    assert main(["addin", "install", "--addin", str(addin), "--policy", str(missing)]) == 0
    assert written == [("HX_EXCEL_POLICY", str(missing.resolve()))]
    assert (tmp_path / "AppData" / "Roaming" / "Microsoft" / "Excel" / "XLSTART" / "hx_excel.xlam").is_file()


def test_install_elsewhere_says_it_is_for_windows_and_what_to_copy(capsys):
    assert main(["addin", "install"]) == 2
    err = capsys.readouterr().err
    assert "只用于 Windows" in err and "XLSTART" in err and "INTERPRETER_WIN" in err and "Traceback" not in err


def test_the_import_asks_for_the_file_then_whether_the_list_wins(addin):
    console, dialogs = run_callback(addin, "RibbonHx.OnImport", "hxImport", (r"D:\八月.xls", 6))
    assert "PickFile:选择国家系统导出的名单（.xls、.xlsx 或 CSV）" in console
    assert console[-1] == f"RunPython:import hx_excel.addin.ribbon as hx; hx.import_export('{_hex(chr(68) + ':' + chr(92) + '八月.xls')}', '1')"
    assert dialogs[-1][1] == "名单与台账不同之处，要以名单为准改写吗？（点“否”则保留台账的值，只列出不同之处）"

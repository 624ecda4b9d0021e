"""Every formula and defined name hx-excel writes, held to Excel's specifications and limits (issue 17, point 6).

Microsoft's "Excel specifications and limits" (the same from Excel 2010 on), as they bear on what we write:

1. formula contents at most 8,192 characters;
2. at most 64 levels of nested functions;
3. only functions that Excel 2010, WPS and LibreOffice all know: the project's allow-list `EXCEL_2010` (kept in
   tests/test_template.py, which checks the official template's cells, 台账's data validations and the names;
   reused here, not restated), and nothing stored with a `_xlfn.`/`_xlws.` prefix (a function newer than the file
   format, #NAME? in Excel 2010 and WPS);
4. at most 255 arguments to a function;
5. a defined name's formula at most 8,192 characters too (and the name itself at most 255);
6. a text value in a formula (a string literal, a data validation's list "是,否") at most 255 characters.

The formulas are read from the saved packages' XML, as Excel loads them, not from Python objects: every cell `<f>`
(shared-formula masters and array formulas included; a shared formula's other cells carry no text), every
`<definedName>` of workbook.xml, every conditional format `<formula>`, every data validation
`<formula1>`/`<formula2>`, and any other formula element of any part (a chart's series `<c:f>`); a count of all such
elements makes sure none goes unmeasured. Lengths are of the text as stored (XML entities decoded; OOXML stores no
leading "=", and where a writer stores one — openpyxl's data validations hold `=VILLAGES` — it is counted).
Nesting comes from a small tokenizer (`measure`) that reads string literals ("" escapes), quoted sheet names ('a(b'!),
array constants {…} and brackets whole; it is checked against openpyxl's own formula tokenizer on every real formula.

The workbooks: a ledger built for 青岩镇 with 1,000 rows; the committed official template; the same ledger under the
working-day policy; and a month's run on the sample households' ledger: the ledger after `fill` and `review` (its
added 待办 and 月度研判记录 sheets), the `summary` month report, a `notice` list and a `check -o` problem list. The
month report, the notice, the problem list, 待办 and 月度研判记录 hold no formula (they are written as values,
`ledger.cells.put`); the report's charts hold series references (`'分级汇总'!$B$4:$B$6`, 16 characters at most)
and the workbooks print titles, print areas and filter ranges (_xlnm. names), measured like the rest.

Measured on 2026-12-06 (default policy and working days alike; pytest -s prints the figures, test_print_the_maxima):

- longest formula: the defined name F_CHECK_HOUSEHOLD (台账's household check, `formulas.check_household`),
  7,027 characters of 8,192 (86 %); next F_CHECK_MEMBER 2,504, F_H_MISSING 1,725, F_NEXT_STEP 1,507. The longest
  cell formula is 参数!E44 (the village list joined for VILLAGES_TEXT, 636), the longest conditional format 89
  (台账 G4:G1003), the longest data validation formula 24.
- deepest nesting: F_NEXT_STEP, 16 levels of functions (15 in F_FACTORS, 8 in F_CHECK_HOUSEHOLD); counting every
  parenthesis, plain grouping too, also 16 (F_NEXT_STEP). Limit 64.
- most arguments to one call: 6 (F_SCOPE, F_NEXT_STEP, F_M_ID_OK, F_CHECK_HOUSEHOLD). Limit 255.
- longest string literal: 94 characters (填表说明!B12, the rows step); 86 in 填表说明!B5. Limit 255.
- 40 functions, all in the allow-list: AND CHOOSE COUNT COUNTA DATE DAY EDATE EOMONTH FIND FREQUENCY IF IFERROR
  INDEX INT ISERROR ISNUMBER ISTEXT LEFT LEN MATCH MAX MID MIN MOD MONTH N NOT OR RIGHT ROW SUBSTITUTE SUBTOTAL SUM
  SUMIF SUMPRODUCT TODAY TRIM UPPER VLOOKUP YEAR; no `_xlfn.`.

No limit is exceeded. Not tested: Excel's limit of 16,384 bytes on a formula's compiled form; a rough count of
F_CHECK_HOUSEHOLD's tokens in Excel's binary formula format (its texts take two bytes a character) comes to about
8,400 bytes. The unit tests at the end feed the measuring code synthetic formulas over each limit, as text and
through a saved package, to show that it fails when it should, naming the place and the measurement.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import pytest
from openpyxl.formula.tokenizer import Token, Tokenizer

from test_template import EXCEL_2010   # the project's allow-list of Excel 2010 functions: one list, not two

from hx_excel.cli import main
from hx_excel.files.save import save_workbook
from hx_excel.ledger.schema import SHEET
from hx_excel.ledger.template import TEMPLATE_FILE, build_workbook
from hx_excel.ledger.writer import RowWriter
from hx_excel.policy import default_policy
from hx_excel.samples import sample_households

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "workbook_templates" / TEMPLATE_FILE

MAX_FORMULA_CHARS = 8192
MAX_NESTING = 64
MAX_ARGUMENTS = 255
MAX_NAME_CHARS = 255
MAX_LITERAL_CHARS = 255

# Functions Excel stores with the `_xlfn.` prefix (added in Excel 2010 or later): none may be in the allow-list.
# Not exhaustive; a guard that the allow-list stays what its name says.
NEEDS_XLFN = {
    # Excel 2010
    "AGGREGATE", "NETWORKDAYS.INTL", "WORKDAY.INTL", "CEILING.PRECISE", "FLOOR.PRECISE", "PERCENTILE.INC",
    "PERCENTILE.EXC", "QUARTILE.INC", "RANK.EQ", "RANK.AVG", "STDEV.S", "STDEV.P", "VAR.S", "VAR.P", "MODE.SNGL",
    "MODE.MULT", "NORM.DIST", "NORM.S.DIST", "T.TEST", "CHISQ.TEST", "CONFIDENCE.NORM",
    # Excel 2013
    "IFNA", "DAYS", "ISOWEEKNUM", "SHEET", "SHEETS", "XOR", "FORMULATEXT", "ISFORMULA", "NUMBERVALUE", "CEILING.MATH",
    "FLOOR.MATH", "BITAND", "BITOR", "ENCODEURL", "WEBSERVICE", "FILTERXML", "UNICHAR", "UNICODE", "ARABIC", "BASE",
    "DECIMAL", "RRI", "PDURATION", "COT", "ACOT", "SEC", "CSC", "GAMMA", "GAUSS", "PHI", "SKEW.P", "BINOM.DIST.RANGE",
    # Excel 2016 / 2019 / 365
    "IFS", "SWITCH", "MAXIFS", "MINIFS", "TEXTJOIN", "CONCAT", "FORECAST.LINEAR", "FORECAST.ETS", "XLOOKUP", "XMATCH",
    "FILTER", "SORT", "SORTBY", "UNIQUE", "SEQUENCE", "RANDARRAY", "LET", "LAMBDA", "TEXTBEFORE", "TEXTAFTER",
    "TEXTSPLIT", "VSTACK", "HSTACK", "TOCOL", "TOROW", "WRAPROWS", "WRAPCOLS", "TAKE", "DROP", "CHOOSEROWS",
    "CHOOSECOLS", "EXPAND", "MAP", "REDUCE", "SCAN", "BYROW", "BYCOL", "MAKEARRAY", "ISOMITTED", "ARRAYTOTEXT",
    "VALUETOTEXT", "IMAGE", "GROUPBY", "PIVOTBY", "REGEXTEST", "REGEXEXTRACT", "REGEXREPLACE",
}
FUTURE_PREFIXES = ("_XLFN.", "_XLWS.", "_XLUDF.")


# ---- the tokenizer ---------------------------------------------------------------------------------------------

@dataclass
class Call:
    name: str           # as written, upper-cased (`_XLFN.IFS` keeps its prefix)
    arguments: int
    depth: int          # 1 for a function at the top level, 2 for one in its arguments …


@dataclass
class Measure:
    length: int
    nesting: int                    # levels of nested functions (Excel's 64)
    parentheses: int                # levels of parentheses of any kind, plain grouping too (conservative)
    calls: list[Call] = field(default_factory=list)
    literals: list[int] = field(default_factory=list)   # each string literal's length, "" counted as one "

    @property
    def arguments(self) -> int:
        return max((c.arguments for c in self.calls), default=0)

    @property
    def literal(self) -> int:
        return max(self.literals, default=0)


class FormulaSyntaxError(ValueError):
    pass


_NAME_CHAR = re.compile(r"[\w.\\?]")     # in function and defined names, references: letters of any script, digits _.\?


def _quoted(text: str, start: int, quote: str) -> int:
    """Index just past the literal opening at `start` (a doubled quote is one quote character)."""
    i = start + 1
    while True:
        end = text.find(quote, i)
        if end < 0:
            raise FormulaSyntaxError(f"unterminated {quote} at {start}")
        if text.startswith(quote * 2, end):
            i = end + 2
            continue
        return end + 1


def measure(text: str) -> Measure:
    """Excel formula text measured: string literals ("…" with "" escapes), quoted sheet names ('a(b'!A1, '' escapes),
    array constants {…} and brackets […] are read whole and add no nesting; a name followed directly by "(" is a
    function call, one level deeper than the call whose argument list it stands in; other parentheses group (or hold
    a union, `(A1,B1)`) and count only in `parentheses`. Top-level commas of a call separate its arguments."""
    result = Measure(len(text), 0, 0)
    stack: list[Call | None] = []          # a Call for a function's parenthesis, None for a plain one
    i = 1 if text.startswith("=") else 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            end = _quoted(text, i, '"')
            result.literals.append(len(text[i + 1:end - 1].replace('""', '"')))
            i = end
        elif ch == "'":
            i = _quoted(text, i, "'")
        elif ch in "{[":
            close = "}" if ch == "{" else "]"
            depth, j = 0, i
            while True:        # brackets nest in structured references ([[#This Row],[a]]); strings may hold braces
                if j >= len(text):
                    raise FormulaSyntaxError(f"unterminated {ch} at {i}")
                if text[j] == '"':
                    j = _quoted(text, j, '"')
                    continue
                depth += text[j] == ch
                depth -= text[j] == close
                j += 1
                if depth == 0:
                    break
            i = j
        elif _NAME_CHAR.match(ch):
            j = i
            while j < len(text) and _NAME_CHAR.match(text[j]):
                j += 1
            if j < len(text) and text[j] == "(":
                empty = text[j + 1:].lstrip(" \n\r\t").startswith(")")
                call = Call(text[i:j].upper(), 0 if empty else 1, 1 + sum(1 for frame in stack if frame is not None))
                result.calls.append(call)
                stack.append(call)
                result.nesting = max(result.nesting, call.depth)
                result.parentheses = max(result.parentheses, len(stack))
                j += 1
            i = j
        elif ch == "(":
            stack.append(None)
            result.parentheses = max(result.parentheses, len(stack))
            i += 1
        elif ch == ")":
            if not stack:
                raise FormulaSyntaxError(f"unbalanced ) at {i}")
            stack.pop()
            i += 1
        elif ch == ",":
            if stack and stack[-1] is not None:
                stack[-1].arguments += 1       # a comma in a plain parenthesis is the union operator
            i += 1
        else:
            i += 1
    if stack:
        raise FormulaSyntaxError(f"{len(stack)} unclosed (")
    return result


def nesting(text: str) -> int:
    return measure(text).nesting


# ---- formulas as the package stores them -------------------------------------------------------------------------

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
FORMULA_TAGS = {"f", "formula", "formula1", "formula2", "definedName"}


@dataclass
class Formula:
    book: str
    where: str
    text: str
    kind: str           # cell, name, conditional format, data validation, chart, other
    name: str = ""      # a defined name's

    @property
    def place(self) -> str:
        return f"{self.book} · {self.where}"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _sheet_names(z: zipfile.ZipFile) -> dict[str, str]:
    """Part path → sheet name."""
    workbook = ElementTree.fromstring(z.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels.iter(f"{PACKAGE_REL}Relationship")}
    names = {}
    for sheet in workbook.iter(f"{MAIN}sheet"):
        target = targets[sheet.get(f"{REL}id")]
        path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        names[path] = sheet.get("name")
    return names


CONTEXT_TAGS = {"c", "conditionalFormatting", "dataValidation"}


def _walk(element, parents: dict):
    """Every element with its nearest enclosing cell, conditional format and data validation."""
    yield element, parents
    tag = _local(element.tag)
    if tag in CONTEXT_TAGS:
        parents = {**parents, tag: element}
    for child in element:
        yield from _walk(child, parents)


def _where(tag: str, element, parents: dict, sheet: str, part: str) -> tuple[str, str]:
    if tag == "definedName":
        scope = element.get("localSheetId")
        return f"defined name {element.get('name')}" + (f" (sheet #{scope})" if scope is not None else ""), "name"
    if tag == "f" and "c" in parents:
        kind = element.get("t")
        ref = element.get("ref")
        extra = f" ({kind} formula over {ref})" if kind in ("shared", "array") and ref else ""
        return f"{sheet}!{parents['c'].get('r')}{extra}", "cell"
    if tag == "formula" and "conditionalFormatting" in parents:
        return f"{sheet} conditional format on {parents['conditionalFormatting'].get('sqref')}", "conditional format"
    if tag in ("formula1", "formula2") and "dataValidation" in parents:
        sqref = parents["dataValidation"].get("sqref") or ""
        sqref = sqref if len(sqref) <= 40 else sqref[:40] + "…"
        return f"{sheet} data validation on {sqref} ({tag})", "data validation"
    if tag == "f" and part.startswith("xl/charts/"):
        return f"{part} series reference", "chart"
    return f"{part} <{tag}>", "other"


@dataclass
class Book:
    name: str
    formulas: list[Formula]
    elements: int           # formula elements in the package, texted or not
    dependents: int         # shared-formula cells carrying no text (they reuse their master's)
    empty: int              # formula elements with no text otherwise (none expected)


def read_formulas(path: Path, name: str) -> Book:
    formulas, elements, dependents, empty = [], 0, 0, 0
    with zipfile.ZipFile(path) as z:
        sheets = _sheet_names(z)
        for part in z.namelist():
            if not part.endswith(".xml") and not part.endswith(".rels"):
                continue
            root = ElementTree.fromstring(z.read(part))
            for element, parents in _walk(root, {}):
                tag = _local(element.tag)
                if tag not in FORMULA_TAGS or (tag == "definedName" and part != "xl/workbook.xml"):
                    continue
                elements += 1
                text = element.text or ""
                if not text:
                    if tag == "f" and element.get("t") == "shared" and element.get("ref") is None:
                        dependents += 1
                    else:
                        empty += 1
                    continue
                where, kind = _where(tag, element, parents, sheets.get(part, part), part)
                formulas.append(Formula(name, where, text, kind, element.get("name", "") if kind == "name" else ""))
    return Book(name, formulas, elements, dependents, empty)


# ---- the workbooks --------------------------------------------------------------------------------------------------

BUILT = ("台账 (青岩镇, 1000 行)", "官方模板", "台账 (工作日口径)")
LEDGERS = (*BUILT, "台账 (fill + review 后)")


def _working_policy():
    policy = default_policy()
    return policy.model_copy(update={"deadlines": policy.deadlines.model_copy(update={"day_mode": "working"})})


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Book]:
    folder = tmp_path_factory.mktemp("limits")
    found = {}

    def ledger(name, policy):
        path = folder / f"{name}.xlsx"
        save_workbook(build_workbook(policy, township="青岩镇", villages=("龙井村",), rows=1000), path)
        return path

    found["台账 (青岩镇, 1000 行)"] = read_formulas(ledger("generated", default_policy()), "台账 (青岩镇, 1000 行)")
    found["官方模板"] = read_formulas(COMMITTED, "官方模板")
    found["台账 (工作日口径)"] = read_formulas(ledger("working", _working_policy()), "台账 (工作日口径)")

    # a month's run on the sample households: the ledger after fill and review, the month report, a notice, a check
    as_of, households = sample_households()
    villages = tuple(sorted({h.village for h in households if h.village}))
    month = folder / "month"
    month.mkdir()
    path = month / "青岩镇.xlsx"
    wb = build_workbook(default_policy(), township="青岩镇", villages=villages, rows=60)   # the 1,000-row ones are above
    RowWriter(wb[SHEET]).write(households)
    save_workbook(wb, path)
    assert main(["fill", str(path), "--as-of", as_of.isoformat()]) in (0, 1)
    assert main(["review", str(path), "--month", f"{as_of:%Y-%m}"]) in (0, 1)
    report = folder / "月报.xlsx"
    assert main(["summary", str(path), "--month", f"{as_of:%Y-%m}", "-o", str(report)]) in (0, 1)
    notice = folder / "公示.xlsx"
    for village in villages:        # the first village with households at the notice step (D2) writes a notice
        assert main(["notice", str(path), "--village", village, "--as-of", as_of.isoformat(), "--from",
                     as_of.isoformat(), "-o", str(notice)]) in (0, 1)
        if notice.exists():
            break
    assert notice.exists()
    problems = folder / "问题.xlsx"
    assert main(["check", str(path), "--as-of", as_of.isoformat(), "-o", str(problems)]) in (0, 1)
    found["台账 (fill + review 后)"] = read_formulas(path, "台账 (fill + review 后)")
    found["月报 (summary)"] = read_formulas(report, "月报 (summary)")
    found["公示名单 (notice)"] = read_formulas(notice, "公示名单 (notice)")
    found["问题清单 (check -o)"] = read_formulas(problems, "问题清单 (check -o)")
    return found


@lru_cache(maxsize=None)
def _measured(text: str) -> Measure:
    return measure(text)


# ---- checks (used by the real tests and by the synthetic ones below) ------------------------------------------------

def _head(text: str) -> str:
    return text if len(text) <= 80 else text[:80] + "…"


def violations(formulas: list[Formula], allowed: set[str] = EXCEL_2010) -> list[str]:
    """Every limit a formula breaks, one line each: place, measurement, limit, the formula's beginning."""
    found = []
    for formula in formulas:
        try:
            m = _measured(formula.text)
        except FormulaSyntaxError as error:
            found.append(f"{formula.place}: cannot be read ({error}): {_head(formula.text)}")
            continue
        if m.length > MAX_FORMULA_CHARS:
            found.append(f"{formula.place}: {m.length:,} characters > {MAX_FORMULA_CHARS:,}: {_head(formula.text)}")
        if m.nesting > MAX_NESTING:
            found.append(f"{formula.place}: {m.nesting} levels of nested functions > {MAX_NESTING} "
                         f"({m.parentheses} counting every parenthesis): {_head(formula.text)}")
        said = set()
        for call in m.calls:
            if call.arguments > MAX_ARGUMENTS:
                found.append(f"{formula.place}: {call.name} has {call.arguments} arguments > {MAX_ARGUMENTS}")
            if call.name in said:
                continue
            said.add(call.name)
            if call.name.startswith(FUTURE_PREFIXES):
                found.append(f"{formula.place}: {call.name} is newer than Excel 2010 (stored with a prefix)")
            elif call.name not in allowed:
                found.append(f"{formula.place}: {call.name} is not in the Excel 2010 allow-list")
        if m.literal > MAX_LITERAL_CHARS:
            found.append(f"{formula.place}: a text of {m.literal} characters > {MAX_LITERAL_CHARS}: "
                         f"{_head(formula.text)}")
        if len(formula.name) > MAX_NAME_CHARS:
            found.append(f"{formula.place}: the name has {len(formula.name)} characters > {MAX_NAME_CHARS}")
    return found


def _all(books: dict[str, Book]) -> list[Formula]:
    return [f for book in books.values() for f in book.formulas]


def _maxima(formulas: list[Formula]) -> dict[str, tuple[int, str]]:
    best: dict[str, tuple[int, str]] = {}

    def keep(key: str, value: int, place: str):
        if value > best.get(key, (-1, ""))[0]:
            best[key] = (value, place)

    for f in formulas:
        m = _measured(f.text)
        keep("characters", m.length, f.place)
        keep(f"characters ({f.kind})", m.length, f.place)
        keep("nested functions", m.nesting, f.place)
        keep("parentheses", m.parentheses, f.place)
        keep("arguments", m.arguments, f.place)
        keep("string literal", m.literal, f.place)
    return best


# ---- the tests ---------------------------------------------------------------------------------------------------

def test_every_formula_element_of_every_package_is_read(books):
    """Nothing goes unmeasured: each formula element is read (or is a shared formula's textless cell), and the things
    this test is about are among them."""
    for book in books.values():
        assert book.elements == len(book.formulas) + book.dependents + book.empty, book.name
        assert not book.empty, book.name
    for name in LEDGERS:
        book = books[name]
        kinds = {f.kind for f in book.formulas}
        assert {"cell", "name", "conditional format", "data validation"} <= kinds, (name, kinds)
        wheres = {f.where for f in book.formulas}
        assert "defined name F_CHECK_HOUSEHOLD" in wheres, name
        assert any(w.startswith("统计!") and "array formula" in w for w in wheres), name       # FREQUENCY
        assert any(w.startswith("填表说明!") for w in wheres), name
        assert any("(formula2)" in w for w in wheres), name
        # the =F_<KEY> cells: shared formulas as built; openpyxl writes each cell's own once a tool has re-saved it
        if name in BUILT:
            assert any(w.startswith("台账!") and "shared formula" in w for w in wheres), name
            assert book.dependents > 10_000, name
        else:
            assert sum(f.text.startswith("F_") for f in book.formulas if f.kind == "cell") > 1_000, name


def test_formulas_within_excel_limits(books):
    problems = violations(_all(books))
    assert not problems, "\n" + "\n".join(problems)


@pytest.mark.parametrize("kind", ["cell", "name", "conditional format", "data validation", "chart", "other"])
def test_each_kind_within_8192_characters(books, kind):
    """Limit 1 and 5, said per kind so that a failure names it: the longest of each kind, with its place."""
    longest = max((f for f in _all(books) if f.kind == kind), key=lambda f: len(f.text), default=None)
    if longest is None:
        return
    assert len(longest.text) <= MAX_FORMULA_CHARS, f"{longest.place}: {len(longest.text):,} characters"


def test_nesting_within_64_levels(books):
    deepest = max(_all(books), key=lambda f: _measured(f.text).nesting)
    levels = _measured(deepest.text).nesting
    assert levels <= MAX_NESTING, f"{deepest.place}: {levels} levels of functions"
    # counting plain parentheses too, conservatively: still within the limit
    most = max(_all(books), key=lambda f: _measured(f.text).parentheses)
    levels = _measured(most.text).parentheses
    assert levels <= MAX_NESTING, f"{most.place}: {levels} levels of parentheses"


def test_functions_are_excel_2010_only(books):
    used = {call.name for f in _all(books) for call in _measured(f.text).calls}
    assert {"IF", "SUMPRODUCT", "MATCH", "EOMONTH", "FREQUENCY", "COUNTA", "DATE"} <= used   # the scan sees them
    assert used <= EXCEL_2010, sorted(used - EXCEL_2010)
    assert not [u for u in used if u.startswith(FUTURE_PREFIXES)]
    for f in _all(books):        # nor a prefix anywhere outside a text (a name reference, say)
        bare = re.sub(r'"(?:[^"]|"")*"', '""', f.text)
        assert "_xlfn." not in bare.lower() and "_xlws." not in bare.lower(), f.place


# Excel reads these functions' criterion, when it is digit-only text, as a number of 15 significant digits (and the
# range's cells as well): two national 户编号 or ID numbers sharing their first 15 digits match each other in Excel and
# WPS, never in LibreOffice, so only their absence can be tested here (issue 20; formulas._same_household_sum).
CRITERIA_FUNCTIONS = {"SUMIF", "SUMIFS", "COUNTIF", "COUNTIFS", "AVERAGEIF", "AVERAGEIFS"}


def test_no_formula_compares_numbers_through_a_criterion(books):
    found = sorted({f"{f.place}: {call.name}" for f in _all(books) for call in _measured(f.text).calls
                    if call.name in CRITERIA_FUNCTIONS})
    assert not found, found


def test_the_allow_list_holds_no_function_newer_than_excel_2010():
    assert not EXCEL_2010 & NEEDS_XLFN, sorted(EXCEL_2010 & NEEDS_XLFN)
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]*", name) for name in EXCEL_2010)   # no dotted (2010+) names


def test_defined_names_within_limits(books):
    names = [f for f in _all(books) if f.kind == "name"]
    assert len(names) > 100
    assert all(f.name for f in names)
    for f in names:
        assert len(f.text) <= MAX_FORMULA_CHARS, f"{f.place}: {len(f.text):,} characters"
        assert len(f.name) <= MAX_NAME_CHARS, f"{f.place}: name of {len(f.name)} characters"


def test_month_reports_and_added_sheets_hold_no_cell_formula(books):
    """The month report, the notice, the problem list, 待办 and 月度研判记录 are written as values
    (ledger.cells.put): what formula text they carry is the report's chart series references and print titles. Were
    one to gain a formula, the limits above would hold it too; this says when that happens."""
    for name in ("月报 (summary)", "公示名单 (notice)", "问题清单 (check -o)"):
        kinds = {f.kind for f in books[name].formulas}
        assert kinds <= {"chart", "name"}, (name, kinds)
        assert all(f.where.startswith("defined name _xlnm.") for f in books[name].formulas if f.kind == "name")
    assert any(f.kind == "chart" for f in books["月报 (summary)"].formulas)
    added = [f for f in books["台账 (fill + review 后)"].formulas
             if f.where.startswith(("待办", "月度研判记录")) and f.kind != "name"]
    assert not added, [f.place for f in added]


def test_print_the_maxima(books):
    """The figures the module docstring quotes (pytest -s shows them)."""
    best = _maxima(_all(books))
    print()
    for key, (value, place) in sorted(best.items()):
        print(f"  {key:32} {value:>6,}  {place}")
    used = sorted({call.name for f in _all(books) for call in _measured(f.text).calls})
    print(f"  functions ({len(used)}): {', '.join(used)}")
    for book in books.values():
        print(f"  {book.name}: {len(book.formulas):,} formula texts, {book.dependents:,} shared-formula cells")
    assert best["characters"][0] <= MAX_FORMULA_CHARS


def _openpyxl_reading(text: str) -> tuple[int, int, list[tuple[str, int]]]:
    """Nesting, parenthesis depth and (function, arguments) as openpyxl's own tokenizer reads the text."""
    stack: list[list] = []            # [kind, name, separators, tokens seen]
    nest = parens = 0
    calls = []
    for token in Tokenizer("=" + text.removeprefix("=")).items:
        if stack and token.type != Token.WSPACE:
            stack[-1][3] += 1
        if token.subtype == Token.OPEN and token.type in (Token.FUNC, Token.PAREN, Token.ARRAY):
            stack.append([token.type, token.value[:-1].upper(), 0, 0])
            nest = max(nest, sum(1 for frame in stack if frame[0] == Token.FUNC))
            parens = max(parens, sum(1 for frame in stack if frame[0] != Token.ARRAY))
        elif token.subtype == Token.CLOSE and token.type in (Token.FUNC, Token.PAREN, Token.ARRAY):
            kind, name, separators, seen = stack.pop()
            if stack:
                stack[-1][3] += 1
            if kind == Token.FUNC:
                calls.append((name, separators + 1 if seen > 1 else 0))   # `seen` counts the closing token too
        elif token.type == Token.SEP and token.subtype == Token.ARG and stack:
            stack[-1][2] += 1
    return nest, parens, sorted(calls)


def test_the_tokenizer_agrees_with_openpyxls_on_every_real_formula(books):
    """A second reader: openpyxl's formula tokenizer (a port of Excel's own grammar by E. W. Bachtal) finds the
    same nesting, parentheses, functions and argument counts in every formula written."""
    differing = []
    for f in {f.text: f for f in _all(books)}.values():
        m = _measured(f.text)
        mine = (m.nesting, m.parentheses, sorted((c.name, c.arguments) for c in m.calls))
        theirs = _openpyxl_reading(f.text)
        if mine != theirs:
            differing.append(f"{f.place}: {mine[:2]} / openpyxl {theirs[:2]}, "
                             f"{sorted(set(mine[2]) ^ set(theirs[2]))[:4]}")
    assert not differing, "\n".join(differing[:20])


# ---- the measuring code itself, and that it fails when it should --------------------------------------------------

def test_nesting_counts_function_levels():
    assert nesting("=IF(IF(1,1),1)") == 2
    assert nesting("IF(1,2,3)") == 1
    assert nesting("=1+2") == 0
    assert nesting("=SUM(1,MAX(2,MIN(3,4)),ABS(5))") == 3
    assert nesting("=IF((1+(2)),1)") == 1 and measure("=IF((1+(2)),1)").parentheses == 3
    assert nesting("=((1))") == 0 and measure("=((1))").parentheses == 2


def test_text_sheet_names_arrays_and_brackets_add_no_level():
    assert nesting('=IF("((IF(",1)') == 1
    assert nesting('=IF("say ""IF(("" twice",1)') == 1
    assert measure('=IF("say ""IF(("" twice",1)').literals == [len('say "IF((" twice')]
    assert nesting("='a(b'!A1") == 0
    assert nesting("=SUM('it''s (x)'!A1:A3)") == 1
    assert nesting('=SUM({1,2;3,"(}"})') == 1 and measure('=SUM({1,2;3,"(}"})').arguments == 1
    assert nesting("=SUM(Table1[[#This Row],[a(b]])") == 1
    assert measure("=FREQUENCY('台账'!$A$4:$A$9,$S$3:$S$5)").calls[0].arguments == 2


def test_arguments_are_counted_at_the_top_level_of_a_call():
    m = measure("=IF(AND(1,2,3),SUM((A1,B1),C1),)")
    assert [(c.name, c.arguments) for c in m.calls] == [("IF", 3), ("AND", 3), ("SUM", 2)]
    assert [(c.name, c.arguments) for c in measure("=TODAY()+ROW( )").calls] == [("TODAY", 0), ("ROW", 0)]
    assert measure("=_xlfn.IFS(1,2)").calls[0].name == "_XLFN.IFS"
    assert measure("=F_GRADE").calls == [] and measure("=P_ASOF+1").nesting == 0


def test_unreadable_text_is_a_failure_not_a_pass():
    for bad in ('=IF("a', "=IF(1,2", "=1)", "='a!A1", "={1,2"):
        with pytest.raises(FormulaSyntaxError):
            measure(bad)
    [found] = violations([Formula("synthetic", "x!A1", "=IF(1,2", "cell")])
    assert found.startswith("synthetic · x!A1: cannot be read")


def test_a_synthetic_formula_over_every_limit_fails_with_its_place_and_measurement():
    too_long = "=" + "+".join(["1"] * 4200)                        # 8,400 characters
    too_deep = "=" + "N(" * 65 + "1" + ")" * 65                   # 65 levels
    too_many = "=SUM(" + ",".join(["1"] * 256) + ")"               # 256 arguments
    too_new = "=_xlfn.IFS(1,2)+TEXTJOIN(\",\",1,A1)"
    long_text = '="' + "字" * 256 + '"'
    long_name = Formula("synthetic", "defined name " + "N" * 256, "'台账'!$A$1", "name", "N" * 256)
    found = violations([Formula("synthetic", "台账!A4", too_long, "cell"),
                        Formula("synthetic", "defined name F_DEEP", too_deep, "name"),
                        Formula("synthetic", "台账 conditional format on A4:A9", too_many, "conditional format"),
                        Formula("synthetic", "台账!B4", too_new, "cell"),
                        Formula("synthetic", "台账!C4", long_text, "cell"), long_name])
    assert found == [
        f"synthetic · 台账!A4: 8,400 characters > 8,192: {too_long[:80]}…",
        f"synthetic · defined name F_DEEP: 65 levels of nested functions > 64 (65 counting every parenthesis): "
        f"{too_deep[:80]}…",
        "synthetic · 台账 conditional format on A4:A9: SUM has 256 arguments > 255",
        "synthetic · 台账!B4: _XLFN.IFS is newer than Excel 2010 (stored with a prefix)",
        "synthetic · 台账!B4: TEXTJOIN is not in the Excel 2010 allow-list",
        f"synthetic · 台账!C4: a text of 256 characters > 255: {long_text[:80]}…",
        f"synthetic · defined name {'N' * 256}: the name has 256 characters > 255",
    ]
    # and at the limits exactly, nothing
    assert not violations([Formula("s", "a", "=" + "N(" * 64 + "1" + ")" * 64, "cell"),
                           Formula("s", "b", "=SUM(" + ",".join(["1"] * 255) + ")", "cell"),
                           Formula("s", "c", "1" * 8192, "cell"), Formula("s", "d", '"' + "x" * 255 + '"', "cell")])


def test_a_saved_package_over_the_limits_fails_at_each_place(tmp_path):
    """The same, through the XML: a workbook with an over-long cell formula, an over-nested defined name, a
    conditional format with too many arguments and a data validation with a newer function, saved and read back."""
    from openpyxl import Workbook
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws["A1"] = "=" + "+".join(["1"] * 4200)      # stored without its "=": 8,399 characters
    ws["B2"] = "=SUM(A1:A3)"
    wb.defined_names["F_DEEP"] = DefinedName("F_DEEP", attr_text="N(" * 65 + "'台账'!$A1" + ")" * 65)
    ws.conditional_formatting.add("C1:C9", FormulaRule(formula=["SUM(" + ",".join(["$A1"] * 256) + ")>0"]))
    rule = DataValidation(type="custom", formula1="_xlfn.IFS($A1>0,TRUE)")
    ws.add_data_validation(rule)
    rule.add("D1:D9")
    wb.save(tmp_path / "bad.xlsx")
    book = read_formulas(tmp_path / "bad.xlsx", "bad")
    assert book.elements == len(book.formulas) == 5
    assert violations(book.formulas) == [
        f"bad · 台账!A1: 8,399 characters > 8,192: {'+'.join(['1'] * 4200)[:80]}…",
        "bad · 台账 conditional format on C1:C9: SUM has 256 arguments > 255",
        "bad · 台账 data validation on D1:D9 (formula1): _XLFN.IFS is newer than Excel 2010 (stored with a prefix)",
        f"bad · defined name F_DEEP: 65 levels of nested functions > 64 (65 counting every parenthesis): "
        f"{('N(' * 65)[:80]}…",
    ]

"""Department profiles (四(一)3 部门联合筛查): how to read one department's monthly list and which of its rows are
clues. One TOML file a department, shipped in `departments/` and editable by the district; a district's own folder
(`--profiles`) adds profiles and replaces a shipped one of the same department.

A profile says which headers make a file this department's (`recognise`), which columns hold the ID number and the
name, and its rules: each rule is a clause (R1–R7, Y1–Y2, G1–G4), the sentence a cadre reads (`says`, with the row's
cells by header in braces: {病种}; {门槛} is the rule's amount) and conditions on the row's cells, all of which must
hold: `equals` (one of the values), `at_least` (a number, or an amount named in the policy file's [clues]),
`in_month` (a date in the month taken in), `filled` (anything in it). `private`: the facts are about health or
insurance, so they appear only in the township's own 交办单, never in the district's 总台账 (issue 21 point 5).
"""

from __future__ import annotations

import tomllib
import unicodedata
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hx_excel.clues import ClueError
from hx_excel.files.inputs import reason
from hx_excel.ledger.book import fold
from hx_excel.policy import Policy
from hx_excel.pydantic_messages import message

SHIPPED = Path(__file__).with_name("departments")
CLAUSE = r"^(R[1-7]|Y[12]|G[1-4])$"


class ProfileError(ClueError):
    """A department profile that cannot be used; the message is Chinese and names the file and what to fix."""


def folded_value(value: Any) -> str:
    """A cell's text as a rule compares it: full-width letters and digits folded (Ｃ级 = C级), spaces dropped."""
    return "".join(unicodedata.normalize("NFKC", str(value)).split()).upper() if value is not None else ""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Condition(_Strict):
    column: str = Field(min_length=1, title="列名")
    equals: tuple[str, ...] | None = Field(None, min_length=1, title="等于其中之一")
    at_least: float | str | None = Field(None, title="不少于（数额或参数名）")
    in_month: bool | None = Field(None, title="日期在本月")
    filled: bool | None = Field(None, title="有内容")

    @model_validator(mode="after")
    def _one_test(self) -> "Condition":
        tests = [n for n in ("equals", "at_least", "in_month", "filled") if getattr(self, n) is not None]
        if len(tests) != 1:
            raise ValueError(f"“{self.column}”的条件须写且只写 equals、at_least、in_month、filled 中的一项"
                             f"（现在写了 {len(tests)} 项）")
        if self.in_month is False or self.filled is False:
            raise ValueError(f"“{self.column}”的 in_month / filled 只能写 true")
        return self


class Rule(_Strict):
    clause: str = Field(pattern=CLAUSE, title="条款")
    says: str = Field(min_length=1, title="线索内容")
    when: tuple[Condition, ...] = Field(min_length=1, title="条件")


class Columns(_Strict):
    id_number: tuple[str, ...] = Field(min_length=1, title="身份证号列")
    name: tuple[str, ...] = Field(min_length=1, title="姓名列")


class DepartmentProfile(_Strict):
    department: str = Field(min_length=1, title="部门")
    full_name: str = Field(min_length=1, title="部门全称")
    recognise: tuple[str, ...] = Field(min_length=1, title="识别列")
    private: bool = Field(title="涉及健康或医保信息")
    columns: Columns
    rules: tuple[Rule, ...] = Field(min_length=1, title="规则")
    source: str = ""                                   # the file it was read from, for messages

    def recognises(self, folded_headers: set[str]) -> bool:
        return all(fold(h) in folded_headers for h in self.recognise)

    def columns_read(self) -> list[str]:
        """Every header the rules and sentences name, in order: what is read from each row."""
        names: list[str] = []
        for rule in self.rules:
            for condition in rule.when:
                names.append(condition.column)
            names += _placeholders(rule.says)
        return [n for n in dict.fromkeys(names) if n != AMOUNT]


AMOUNT = "门槛"      # {门槛} in a sentence: the rule's amount


def _placeholders(text: str) -> list[str]:
    import string
    return [name for _, name, _, _ in string.Formatter().parse(text) if name]


def load_profiles(policy: Policy, folder: str | Path | None = None) -> list[DepartmentProfile]:
    """The shipped profiles, with those of `folder` added (one of the same department replaces the shipped one).
    ProfileError naming the file for any that cannot be used: a bad TOML, a field missing, an amount the policy
    file does not name."""
    found: dict[str, DepartmentProfile] = {}
    paths = sorted(SHIPPED.glob("*.toml"))
    if folder is not None:
        folder = Path(folder)
        if not folder.is_dir():
            raise ProfileError(f"部门规则文件夹 {folder} 不存在或不是文件夹：请用 --profiles 指定放部门规则（.toml）的文件夹")
        paths += sorted(folder.glob("*.toml"))
    for path in paths:
        profile = read_profile(path, policy)
        found[profile.department] = profile
    return list(found.values())


def read_profile(path: Path, policy: Policy) -> DepartmentProfile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise ProfileError(f"部门规则 {path.name} 不是 UTF-8 编码的文字：请用记事本打开，“另存为”时编码选 UTF-8 后重试") from None
    except OSError as exc:
        raise ProfileError(f"部门规则 {path.name} 无法读取：{reason(exc)}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"部门规则 {path.name} 不是有效的 TOML：{exc}。请对照 hx_excel/clues/departments 中的样例改正") from None
    try:
        profile = DepartmentProfile.model_validate({**data, "source": path.name})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "".join(f"第 {p + 1} 条" if isinstance(p, int) else f" {p}" for p in first["loc"]).strip()
        said = "应为 R1–R7、Y1–Y2、G1–G4 之一" if first["loc"][-1:] == ("clause",) else message(first)
        raise ProfileError(f"部门规则 {path.name} 的 {where}：{said}。"
                           "请对照 hx_excel/clues/departments 中的样例改正") from None
    for rule in profile.rules:
        for condition in rule.when:
            if isinstance(condition.at_least, str) and condition.at_least not in policy.clues:
                known = "、".join(policy.clues) or "无"
                raise ProfileError(f"部门规则 {path.name} 的“{condition.column}”引用数额 {condition.at_least}，"
                                   f"参数文件的 [clues] 中没有这一项（现有：{known}）：请在参数文件中写上，或直接写数字")
        try:
            unknown = [n for n in _placeholders(rule.says) if not n.strip()]
        except ValueError:
            raise ProfileError(f"部门规则 {path.name} 的线索内容“{rule.says}”中的 {{ }} 不成对：列名写在一对 {{}} 中，"
                               "如 {病种}；要写花括号本身时写两个，如 {{") from None
        if unknown:
            raise ProfileError(f"部门规则 {path.name} 的线索内容“{rule.says}”中有空的 {{}}：请写上列名，如 {{病种}}")
    return profile


def amount(condition: Condition, policy: Policy) -> float | None:
    """The number a condition's `at_least` stands for."""
    if condition.at_least is None:
        return None
    return policy.clues[condition.at_least] if isinstance(condition.at_least, str) else float(condition.at_least)


def skeleton(headers: list[str]) -> str:
    """A profile to start from for a file no profile recognises, naming its own headers."""
    shown = [fold(h) for h in headers if fold(h)][:12]         # one line each: a header typed over two lines
    id_guess = next((h for h in shown if "身份" in h or "证件" in h), "身份证号")
    name_guess = next((h for h in shown if "姓名" in h), "姓名")
    fact = next((h for h in shown if h not in (id_guess, name_guess) and h not in ("序号", "编号", "备注")), "某列")
    return "\n".join([
        'department = "部门简称"',
        'full_name = "部门全称"',
        f'recognise = ["{fact}"]',
        "private = false            # 涉及健康、医保信息时写 true",
        "[columns]",
        f'id_number = ["{id_guess}"]',
        f'name = ["{name_guess}"]',
        "[[rules]]",
        'clause = "R1"              # 对应的条款：R1–R7、Y1–Y2、G1–G4',
        f'says = "{{{fact}}}"',
        "[[rules.when]]",
        f'column = "{fact}"',
        'equals = ["某个值"]        # 或 at_least = 数额、in_month = true、filled = true',
    ])

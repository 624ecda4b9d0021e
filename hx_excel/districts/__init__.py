"""District settings for the generator: which townships get a ledger workbook, their villages, the year, the
file names.

Built-in defaults come from `townships.csv` (Huaxi District's 19 streets, towns and townships, 2023 division codes,
and the 3 towns tied to Gui'an New Area). A user TOML file may override any part:

    district = "花溪区"
    year = 2022
    rows = 1000
    file_name_pattern = "{area}-{township}-防贫监测台账-{year}.xlsx"

    [villages]                      # villages of built-in (or listed) townships; other townships keep none
    "青岩镇" = ["龙井村", "北街社区"]

    [[townships]]                   # when present, ONLY these townships are generated
    name = "青岩镇"                  # a built-in township needs only its name; code, county and area are filled in
    villages = ["龙井村"]

Every fault in the file becomes a `SettingsError` with a Chinese message that names the setting and says what to do.
"""

from __future__ import annotations

import csv
import io
import re
import string
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hx_excel.files.inputs import InputFileError, read_toml
from hx_excel.files.text import clean
from hx_excel.ledger.template import VILLAGE_SLOTS
from hx_excel.pydantic_messages import message

TOWNSHIPS_FILE = "townships.csv"
DEFAULT_DISTRICT = "花溪区"
DEFAULT_FILE_NAME = "{area}-{township}-防贫监测台账-{year}.xlsx"
DEFAULT_ROWS = 1000
MAX_VILLAGE_NAME = 50
PLACEHOLDERS = {
    "district": "区名", "area": "所属片区（花溪区或贵安新区）", "county": "所在区县", "township": "乡镇名称",
    "code": "乡镇区划代码", "year": "核算年度",
}
_FORBIDDEN_IN_NAMES = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


class SettingsError(ValueError):
    """A settings file or value the generator cannot use; the message is Chinese and says what to fix."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Township(_Model):
    """One 乡（镇、街道）: one ledger workbook."""

    code: str = Field(min_length=1, title="区划代码")
    name: str = Field(min_length=1, title="乡镇名称")
    county: str = Field(min_length=1, title="所在区县")
    area: str = Field(min_length=1, title="所属片区")
    villages: list[str] = Field(default_factory=list, title="村（居）名单")
    county_code: str = Field(default="", title="区县代码")
    note: str = Field(default="", title="备注")

    @field_validator("name")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        if _FORBIDDEN_IN_NAMES.search(value):
            raise ValueError(f"乡镇名称“{value}”含有文件名不能用的字符（< > : \" / \\ | ? *）")
        return value

    @field_validator("villages")
    @classmethod
    def _villages(cls, values: list[str]) -> list[str]:
        cleaned = [v.strip() for v in values]
        if any(not v for v in cleaned):
            raise ValueError("村名不能为空")
        unclean = [v for v in cleaned if clean(v, single_line=True).removed or len(v) > MAX_VILLAGE_NAME]
        if unclean:
            raise ValueError(f"村名“{unclean[0][:MAX_VILLAGE_NAME]}”含有控制字符或不可见字符，或超过 {MAX_VILLAGE_NAME} 个字，请重新输入")
        repeated = sorted({v for v in cleaned if cleaned.count(v) > 1})
        if repeated:
            raise ValueError(f"村名重复：{'、'.join(repeated)}")
        if len(cleaned) > VILLAGE_SLOTS:
            raise ValueError(f"台账“参数”表最多列 {VILLAGE_SLOTS} 个村（居），现有 {len(cleaned)} 个")
        return cleaned


class DistrictSettings(_Model):
    """What `hx-excel generate` builds: one workbook per township, named by `file_name_pattern`."""

    district: str = Field(default=DEFAULT_DISTRICT, min_length=1, title="区名")
    year: int | None = Field(default=None, ge=2000, le=2100, title="核算年度")  # None: the policy's latest line
    townships: list[Township] = Field(default_factory=lambda: list(default_townships()), min_length=1, title="乡镇")
    file_name_pattern: str = Field(default=DEFAULT_FILE_NAME, title="文件名格式")
    rows: int = Field(default=DEFAULT_ROWS, ge=10, le=50_000, title="每本台账行数")

    @field_validator("file_name_pattern")
    @classmethod
    def _pattern(cls, pattern: str) -> str:
        try:
            fields = [name for _, name, spec, conv in string.Formatter().parse(pattern) if name is not None]
        except ValueError:
            raise ValueError(f"“{pattern}”中的花括号不成对；占位符写成 {{township}} 的形式") from None
        unknown = [name for name in fields if name not in PLACEHOLDERS]
        if unknown:
            known = "、".join(f"{{{k}}}（{v}）" for k, v in PLACEHOLDERS.items())
            raise ValueError(f"不认识的占位符 {'、'.join('{' + u + '}' for u in unknown)}；可用：{known}")
        if "township" not in fields and "code" not in fields:
            raise ValueError("须含 {township} 或 {code}，否则各乡镇的文件会同名、互相覆盖")
        if not pattern.lower().endswith(".xlsx"):
            raise ValueError("须以 .xlsx 结尾")
        if _FORBIDDEN_IN_NAMES.search(pattern.replace("{", "").replace("}", "")):
            raise ValueError("不能含文件夹分隔符或 < > : \" | ? * 等字符；输出文件夹用 --out 指定")
        return pattern

    @model_validator(mode="after")
    def _unique(self) -> "DistrictSettings":
        for attr, label in (("name", "名称"), ("code", "区划代码")):
            values = [getattr(t, attr) for t in self.townships]
            repeated = sorted({v for v in values if values.count(v) > 1})
            if repeated:
                raise ValueError(f"乡镇{label}重复：{'、'.join(repeated)}（每个乡镇只能列一次）")
        return self

    def township(self, name: str) -> Township | None:
        """The township called `name` (or with division code `name`), or None."""
        name = name.strip()
        return next((t for t in self.townships if name in (t.name, t.code)), None)

    def file_name(self, township: Township, year: int) -> str:
        return self.file_name_pattern.format(district=self.district, area=township.area, county=township.county,
                                             township=township.name, code=township.code, year=year)


@lru_cache(maxsize=1)
def default_townships() -> tuple[Township, ...]:
    """The built-in townships from the packaged `townships.csv`, in file order."""
    text = resources.files(__package__).joinpath(TOWNSHIPS_FILE).read_text(encoding="utf-8-sig")
    rows = csv.DictReader(io.StringIO(text))
    return tuple(Township(code=r["code"], name=r["name"], county=r["county"], area=r["area"],
                          county_code=r.get("county_code") or "", note=r.get("note") or "") for r in rows)


def default_settings() -> DistrictSettings:
    return DistrictSettings()


def load_settings(path: str | Path | None = None) -> DistrictSettings:
    """The built-in settings, or those of a user TOML file (see the module docstring for its form)."""
    if path is None:
        return default_settings()
    path = Path(path)
    try:
        data = read_toml(path, "区设置文件", "请检查引号、等号和方括号（示例见 README“生成乡镇台账”一节）。")
    except InputFileError as exc:
        raise SettingsError(f"{exc}" + ("请检查路径，或不写 --settings 使用内置的 22 个乡镇。" if "找不到" in str(exc) else "")) from None
    return settings_from_data(data, source=path.name)


def settings_from_data(data: dict[str, Any], *, source: str = "区设置") -> DistrictSettings:
    data = dict(data)
    villages = data.pop("villages", None)
    try:
        if "townships" in data:
            data["townships"] = _complete_townships(data["townships"], source)
        if villages is not None:
            base = data.get("townships") or [t.model_dump() for t in default_townships()]
            data["townships"] = _with_villages(base, villages, source)
        return DistrictSettings.model_validate(data)
    except ValidationError as exc:
        raise SettingsError(f"{source} 有误：" + "；".join(_explain(exc, data)) + "。") from None


def _complete_townships(entries: Any, source: str) -> list[Any]:
    """[[townships]] entries; a built-in township named by `name` (or `code`) alone gets its other fields."""
    if not isinstance(entries, list):
        raise SettingsError(f"{source} 中的 townships 应写成 [[townships]] 表格数组（每个乡镇一节），现为 {entries!r}。")
    builtin = {t.name: t for t in default_townships()} | {t.code: t for t in default_townships()}
    completed = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise SettingsError(f"{source} 第 {number} 个 [[townships]] 应为一节键值（name = \"…\"），现为 {entry!r}。")
        known = builtin.get(str(entry.get("name", ""))) or builtin.get(str(entry.get("code", "")))
        if known is None and "name" in entry and not {"code", "county", "area"} <= entry.keys():
            names = "、".join(t.name for t in default_townships())
            raise SettingsError(
                f"{source} 第 {number} 个 [[townships]]“{entry['name']}”不是内置乡镇，须写全 code（区划代码）、county（区县）"
                f"和 area（片区）；或改用内置名称：{names}。")
        completed.append((known.model_dump(exclude={"villages"}) if known else {}) | entry)
    return completed


def _with_villages(townships: list[Any], villages: Any, source: str) -> list[Any]:
    if not isinstance(villages, dict):
        raise SettingsError(f"{source} 中的 [villages] 应写成 乡镇名 = [\"村1\", \"村2\"] 的形式。")
    result = [dict(t) for t in townships]
    by_name = {str(t.get("name")): t for t in result}
    for name, names in villages.items():
        target = by_name.get(name)
        if target is None:
            raise SettingsError(f"{source} 的 [villages] 中“{name}”不是要生成的乡镇（可选：{'、'.join(by_name)}）。"
                                "请核对乡镇全称，如“孟关苗族布依族乡”。")
        if not isinstance(names, list) or not all(isinstance(v, str) for v in names):
            raise SettingsError(f"{source} 的 [villages] 中“{name}”应为村名列表，如 [\"龙井村\", \"北街社区\"]。")
        target["villages"] = names
    return result


_MESSAGES = {   # the settings file's own wording where it differs from the shared one
    "extra_forbidden": "不是可识别的设置项（请检查拼写）", "string_type": "应为文字（加英文引号）",
    "list_type": "应为列表，如 [\"龙井村\", \"北街社区\"]", "too_short": "至少要有一项",
}


def _explain(exc: ValidationError, data: dict[str, Any]) -> list[str]:
    sentences = []
    for error in exc.errors():
        loc = error["loc"]
        names, model = [], DistrictSettings
        for index, part in enumerate(loc):
            if isinstance(part, int):
                if index and loc[index - 1] == "townships":
                    entry = data.get("townships", [])[part] if part < len(data.get("townships", [])) else {}
                    label = entry.get("name") if isinstance(entry, dict) else None
                    names.append(f"“{label}”" if label else f"第 {part + 1} 个")
                else:
                    names.append(f"第 {part + 1} 项")
                continue
            field = model.model_fields.get(str(part)) if model else None
            names.append(f"{field.title}（{part}）" if field and field.title else str(part))
            model = Township if part == "townships" else None
        what = message(error, _MESSAGES)
        where = " › ".join(names) or "设置"
        value = error.get("input")
        shown = f"（现填：{value!r}）" if isinstance(value, (str, int, float)) and error["type"] != "extra_forbidden" else ""
        sentences.append(f"{where}：{what}{shown}")
    return sentences

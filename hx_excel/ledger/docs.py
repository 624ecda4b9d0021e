"""The ledger's column reference (docs/ledger-columns.md) and formula reference (docs/ledger-formulas.md), written
from the schema and the formulas like everything else."""

from __future__ import annotations

import re

from hx_excel.ledger import formulas as f
from hx_excel.ledger.schema import COLUMNS, FIRST_DATA_ROW, GROUPS, TITLE, column_letter

KINDS = {"input": "填写", "computed": "自动", "filled": "hx-excel fill"}
TYPES = {"text": "文字", "id": "身份证号（文本）", "number": "数字", "integer": "整数", "date": "日期", "bool": "是/否",
         "list": "下拉"}
LEVELS = {"row": "每行", "household": "户主行", "member": "每人"}


def columns_markdown() -> str:
    lines = [
        f"# {TITLE}：各列说明",
        "",
        "由 `hx_excel/ledger/schema.py` 生成（`python scripts/build_template.py`），请勿手改。"
        "前 14 列即文件附件的台账，顺序和表头与文件一致。"
        "自动列的公式各以一个名称保存（`F_` 加列名，如预警分级为 `F_GRADE`，见 Excel 的“公式 > 名称管理器”），"
        "该列每个单元格都写 `=F_GRADE` 这样的公式；名称中的单元格引用指“本行”。",
    ]
    for group in GROUPS:
        lines += ["", f"## {group}", "", "| 列 | 表头 | 填写/自动 | 类型 | 填在 | 说明 |", "|---|---|---|---|---|---|"]
        for c in COLUMNS:
            if c.group != group:
                continue
            kind = TYPES[c.type] + (f"（{c.values}）" if c.values else "")
            lines.append(f"| {column_letter(c.key)} | {c.header} | {KINDS[c.kind]} | {kind} | {LEVELS[c.level]} | {c.help} |")
    return "\n".join(lines) + "\n"


# ---- the formulas, for someone who knows Excel --------------------------------------------------------------------

def _readable(text: str) -> str:
    """Formula text with every reference to 台账 written as its column's header: `[家庭年纯收入（元）]`, with the
    rows it reaches said in words."""
    header = {column_letter(c.key): c.header for c in COLUMNS}

    def name(letter: str) -> str:
        return f"[{header[letter]}]"

    rules = (
        (rf"\$([A-Z]+){_ROW}:\$\1{_ROW}\[\+{f.HOUSEHOLD_ROWS - 1}\]", lambda m: f"{name(m[1])}（本行起 {f.HOUSEHOLD_ROWS} 行）"),
        (rf"\$([A-Z]+){_ROW}\[\+1\]:\$\1\${_LAST + 1}", lambda m: f"{name(m[1])}（本行以下各行）"),
        (rf"\$([A-Z]+){_ROW}\[-{f.HOUSEHOLD_ROWS - 1}\^{FIRST_DATA_ROW}\]:\$\1{_ROW}",
         lambda m: f"{name(m[1])}（本行及以上 {f.HOUSEHOLD_ROWS - 1} 行，不超出第一个数据行）"),
        (rf"\$([A-Z]+)\${FIRST_DATA_ROW}:\$\1\${_LAST}", lambda m: f"{name(m[1])}（整列）"),
        (rf"\$([A-Z]+){_ROW}:\$([A-Z]+){_ROW}", lambda m: f"{name(m[1])}:{name(m[2])}（本行）"),
        (rf"\$([A-Z]+){_ROW}\[-1\]", lambda m: f"{name(m[1])}（上一行）"),
        (rf"\$([A-Z]+){_ROW}\[\+(\d+)\]", lambda m: f"{name(m[1])}（往下第 {m[2]} 行）"),
        (rf"\$([A-Z]+){_ROW}", lambda m: name(m[1])),
    )
    for pattern, replace in rules:
        text = re.sub(pattern, replace, text)
    return text


_ROW = re.escape(f.ROW)
_LAST = 99999   # a stand-in last row, recognised when rendering whole columns


def _first_paragraph(doc: str | None) -> str:
    return " ".join((doc or "").strip().split("\n\n")[0].split())


def formulas_markdown() -> str:
    from hx_excel.ledger.template import PARAM_ROWS, refs

    r = refs(_LAST)
    lines = [
        f"# {TITLE}：公式说明",
        "",
        "由 `hx_excel/ledger/formulas.py` 和 `schema.py` 生成（`python scripts/build_template.py`），请勿手改；测试保证它与模板一致。",
        "公式中对“台账”表的引用一律写成列的表头，如 `[家庭年纯收入（元）]` 指本行该列；“本行起 "
        f"{f.HOUSEHOLD_ROWS} 行”是户主行读本户各行的范围（同户各行相连、户主行在最前，一户最多 {f.HOUSEHOLD_ROWS} 行）。"
        "以 `P_` 开头的是“参数”表的单元格，`SET_` 开头的是隐藏的“值列表”表中按政策含义选出的值（见文末）。"
        "只用 Excel 2010 的函数。每列公式在工作簿中保存为一个名称（`F_` 加列名），该列每格写 `=F_…`；"
        "“本户起始行”和“统计：人与分级”“统计：人与类别”要读上面的行，名称做不到，直接写在各格中。",
    ]
    for column in COLUMNS:
        if not column.formula:
            continue
        where = "各格直接写公式" if column.in_cell else f"名称 `{f.column_name(column.key)}`"
        lines += ["", f"## {column.header}（{column_letter(column.key)} 列，{where}）", ""]
        lines.append(column.help)
        what = _first_paragraph(column.formula.__doc__)
        if what:
            lines += ["", f"实现（formulas.{column.formula.__name__}）：{what}"]
        lines += ["", "```", _readable(column.formula(r)), "```"]
    lines += ["", "## 条件格式：同一身份证号在两行", "", _first_paragraph(f.duplicate_id.__doc__), "",
              "```", "=" + _readable(f.duplicate_id(r)), "```"]
    lines += ["", "## “统计”表", "",
              "按监测类别的户数、人数，以及每村按分级（红、黄、绿、无、待补充）的户数和人数、已逾期、即将到期、不在范围，"
              "由隐藏列中的 FREQUENCY 数组公式一次算出：对上面“统计：”开头的各列各数一遍，得到每个编号出现的次数"
              "（编号 = 村序号 × 6 + 分级或不在范围，或村序号，或类别序号），各村各项再从中取数。按人统计时，每人一行的“统计：人与分级”"
              "从本户户主行取“村与分级”编号（在本行及以上几行中找本户第一行）。每列按 1000 行分块各数一遍，"
              "每个编号的次数是各块之和：改一格只重算所在那一块的数组和这些求和，"
              "而不是每村每项各扫一遍全表（也不是整列重数）。不在村名单中的村单列一行，合计紧接在最后一个村（或该行）之下，各行相加等于合计。",
              "", "```", "=IFERROR(FREQUENCY([统计：村与分级]（第 4–1003 行）,{0,1,2,…,245}),0)",
              "=SUM(第 1 块的次数:最后一块的次数)", "```"]
    lines += ["", "## 名称", "", "| 名称 | 含义 |", "|---|---|"]
    lines += [f"| `{name}` | {label}{'：' + note if note else ''} |" for name, label, note in PARAM_ROWS]
    lines += [f"| `{name}` | 值列表 {list_name} 中{_SET_MEANINGS.get(name, '按政策含义选出的值')} |"
              for name, (list_name, _, _) in f.SETS.items()]
    lines += ["| `VILLAGES` | “参数”表的村（居）名单 |",
              f"| `{f.CAL_DATES}`、`{f.CAL_INDEX}` | 隐藏的“日历”表：每一天及累计工作日（工作日口径，D1–D5） |"]
    return "\n".join(lines) + "\n"


_SET_MEANINGS = {
    "SET_OUT_OF_SCHOOL": "不在校的在校生状况（R4）", "SET_SERIOUS_HEALTH": "算作重病的健康状况（R5、S2）",
    "SET_SEVERE_DISABILITY": "算作重残的残疾等级（R5、S2）", "SET_CANNOT_WORK": "算作无劳动力的劳动技能（R7）",
    "SET_NEEDS_HOUSE_GRADE": "须填住房安全等级的户类型（待补充）",
    "SET_UNSAFE_HOUSE": "C、D 级危房（R6）", "SET_POOR_ROAD": "差的入户路（G2）", "SET_PUBLISHED_CLUE": "上级反馈的线索来源（D1）",
    "SET_S1_TYPES": "建档立卡户的户类型（S1、G4）", "SET_S2_TYPES": "重点群体的户类型（S2）",
    "SET_EXITED_POVERTY": "脱贫户的户类型（红色户的监测类别）", "SET_EXITED": "已退出的退出状态（D4–D6）",
    "SET_RELATION_SEX_CONFLICTS": "“关系|性别”不可能的组合（行检查）", "SET_SPOUSE_RELATIONS": "配偶（与户主性别相反，行检查）",
}

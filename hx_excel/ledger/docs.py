"""The ledger's column reference (docs/ledger-columns.md), written from the schema like everything else."""

from __future__ import annotations

from hx_excel.ledger.schema import COLUMNS, GROUPS, TITLE, column_letter

KINDS = {"input": "填写", "computed": "自动"}
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

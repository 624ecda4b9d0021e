"""`hx-excel mapping NAME -o FILE`: a built-in roster mapping (hx_excel/roster/presets/NAME.toml, such as the national
export's) copied out as a file to edit and give back with `generate --roster … --mapping FILE`."""

from __future__ import annotations

import argparse
from pathlib import Path

from hx_excel.cli.output import DONE
from hx_excel.files.inputs import InputFileError
from hx_excel.roster.mapping import PRESETS


def cmd_mapping(args: argparse.Namespace) -> int:
    source = PRESETS / f"{args.preset}.toml"
    out: Path = args.output
    if out.is_dir():
        raise InputFileError(f"{out} 是一个文件夹：请写出要保存的文件名，如 {out / '对照表.toml'}")
    if out.exists():
        raise InputFileError(f"{out} 已存在：为免覆盖，没有写入。请换一个文件名，或先把它移走")
    if not out.parent.is_dir():
        raise InputFileError(f"文件夹 {out.parent} 不存在：请先建好，或换一个位置")
    out.write_bytes(source.read_bytes())
    print(f"已把内置对照表“{args.preset}”复制为 {out}：改好后用 hx-excel generate --roster 名单 --mapping {out} 导入")
    return DONE


def add_parser(sub) -> None:
    names = sorted(p.stem for p in PRESETS.glob("*.toml"))
    mapping = sub.add_parser("mapping", help="把内置的名单对照表（如国家系统导出的 national）复制成文件，改好后用 --mapping 指定")
    mapping.add_argument("preset", metavar="名称", choices=names, help=f"内置对照表：{'、'.join(names)}")
    mapping.add_argument("-o", "--output", type=Path, required=True, help="写出的文件（.toml）")
    mapping.set_defaults(run=cmd_mapping)

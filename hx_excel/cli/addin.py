"""`hx-excel addin build|install|macros`: the Excel add-in (hx_excel.addin). build writes dist/hx_excel.xlam on any
machine; install puts it into Excel on the clerk's Windows PC; macros rewrites the generated VBA modules in macros/
after a UDF changed (a test says when they drift)."""

from __future__ import annotations

import argparse
from pathlib import Path

from hx_excel.cli.output import DONE


def cmd_addin(args: argparse.Namespace) -> int:
    if args.action == "build":
        from hx_excel.addin.build import build
        out = build(args.output)
        print(f"Excel 加载项已生成：{out}（在 Windows 上运行 hx-excel addin install 安装；WPS 不能运行此加载项，"
              "请直接用台账中的公式和 hx-excel 命令）")
    elif args.action == "install":
        from hx_excel.addin.install import install
        done = install(args.addin, args.addin_policy)
        print(f"已安装：{done.addin}\n  Python：{done.interpreter}（写入 {done.config}）"
              + (f"\n  政策参数：{done.policy}" if done.policy else "")
              + "\n请重新启动 Excel，功能区会出现“防返贫监测”选项卡。")
    else:
        from hx_excel.addin.build import write_generated
        for path in write_generated():
            print(f"已重写 {path}")
    return DONE


def add_parser(sub) -> None:
    addin = sub.add_parser("addin", help="Excel 加载项（xlwings）：生成 dist/hx_excel.xlam、在 Windows 上安装")
    actions = addin.add_subparsers(dest="action", required=True, title="操作", metavar="操作")
    build = actions.add_parser("build", help="生成加载项 dist/hx_excel.xlam（任何系统都可生成）")
    build.add_argument("-o", "--output", type=Path, default=Path("dist") / "hx_excel.xlam", help="输出文件（默认 dist/hx_excel.xlam）")
    install = actions.add_parser("install", help="在 Windows 上把加载项装进 Excel，并写入所用的 Python")
    install.add_argument("--addin", type=Path, default=Path("dist") / "hx_excel.xlam", help="加载项文件（默认 dist/hx_excel.xlam）")
    install.add_argument("--policy", dest="addin_policy", type=Path, help="按钮和函数使用的政策参数文件")
    actions.add_parser("macros", help="UDF 改动后重写 macros/ 中自动生成的 VBA 模块")
    addin.set_defaults(run=cmd_addin)

"""The ``pubgate`` command (contracts.md §5). ``check`` never imports Flask."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
from typing import Sequence

from .model import Severity

__all__ = ["main"]

# Modules that add subcommands; each exposes ``add_commands(subparsers)`` and stays import-light.
COMMAND_MODULES = (
    "pubgate.dictionary_commands",
    "pubgate.service.commands",
    "pubgate.plugins.typo_commands",
    "pubgate.scan.commands",
)


# The service's database in the working directory when none is named (service/commands.py's default).
SERVICE_DB = "pubgate.db"


def _gate(args):
    """The gate the service would use: the shipped and configured dictionaries, plus the site
    dictionary of ``--db`` (or ``PUBGATE_DATABASE``) exactly as the service applies it."""
    from pathlib import Path

    from .config import GateConfig
    from .engine import Gate

    config = GateConfig.from_file(args.config) if getattr(args, "config", None) else GateConfig.from_env()
    db_path = getattr(args, "db", None) or os.environ.get("PUBGATE_DATABASE")
    if not db_path:
        if Path(SERVICE_DB).is_file():
            print(f"pubgate: 提示：当前目录有审核服务数据库 {SERVICE_DB}，但未使用其中的站点词库；"
                  f"加 --db {SERVICE_DB} 可与服务的检查结果一致", file=sys.stderr)
        return Gate(config)
    if not Path(db_path).is_file():
        raise FileNotFoundError(f"数据库 {db_path} 不存在（--db 或 PUBGATE_DATABASE）；请指定审核服务使用的数据库文件")
    from .migrations import open_db
    from .site_dictionary import LiveGate

    db = open_db(db_path)
    try:
        return LiveGate(config, record_rulesets=False).current(db)
    finally:
        db.conn.close()


def cmd_check(args) -> int:
    from .inputs import InputError, iter_sources, read_draft
    from .render import render_report, render_summary

    fail_rank = None if args.fail_on == "never" else Severity(args.fail_on).rank
    started = time.perf_counter()
    try:
        gate = _gate(args)
    except Exception as exc:  # configuration, database or plugin problems are usage errors
        print(f"pubgate: {exc}", file=sys.stderr)
        return 2
    loaded = time.perf_counter() - started + gate.warm()  # load time apart from each file's 用时
    console = None
    if args.format == "text":
        from rich.console import Console

        console = Console(highlight=False, soft_wrap=True)
        console.print(f"[dim]已加载规则与模型（{loaded:.1f} 秒，规则集 {gate.ruleset}）[/dim]")
    reports, outputs = [], []
    unreadable = 0
    failed = False

    def unreadable_input(name: str, error: InputError) -> None:
        nonlocal unreadable
        unreadable += 1
        print(f"pubgate: {error}", file=sys.stderr)
        entry = {"source": name, "error": str(error)}
        if args.format == "jsonl":
            sys.stdout.write(json.dumps(entry, ensure_ascii=False) + "\n")
        elif args.format == "json":
            outputs.append(entry)

    for source in iter_sources(args.paths):
        if isinstance(source, InputError):
            unreadable_input(source.source or "", source)
            continue
        try:
            draft, notices = read_draft(source)
        except InputError as exc:
            unreadable_input(source.name, exc)
            continue
        for notice in notices:
            print(f"pubgate: {notice}", file=sys.stderr)
        report = gate.check(draft, stage=args.stage)
        reports.append(report)
        if fail_rank is not None and any(f.severity.rank >= fail_rank for f in report.findings):
            failed = True
        if args.format == "text":
            from .checks import Document

            doc = Document(draft=draft)
            render_report(console, source.name, report, {k: v.text for k, v in doc.fields.items()})
        elif args.format == "jsonl":
            sys.stdout.write(json.dumps({"source": source.name, **report.to_dict()}, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        else:
            outputs.append({"source": source.name, **report.to_dict()})
    if args.format == "json":
        payload = outputs[0] if len(outputs) == 1 and len(args.paths) == 1 and unreadable == 0 else outputs
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    elif args.format == "text":
        render_summary(console, reports, unreadable)
    if unreadable:
        return 2
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pubgate", description="政府网站与政务新媒体发布前内容检查")
    parser.add_argument("--version", action="version", version="pubgate 0.1.0", help="显示版本并退出")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="检查稿件（JSON 稿件、.docx/.html/.htm/.txt/.md 文件或目录，- 为标准输入）",
                           description="检查稿件，输出问题及修改建议")
    check.add_argument("paths", nargs="+", metavar="PATH", help="稿件文件或目录（- 为标准输入的 JSON 稿件）")
    check.add_argument("--format", choices=("text", "json", "jsonl"), default="text",
                       help="输出格式：text（供人阅读，默认）、json 或 jsonl")
    check.add_argument("--fail-on", choices=("block", "warn", "info", "never"), default="block",
                       help="出现该级别及以上问题时退出码为 1（默认 block）")
    check.add_argument("--stage", choices=("submit", "publish"), default="submit",
                       help="检查环节：submit（提交，默认）或 publish（发布前，规则更严）")
    check.add_argument("--config", help="站点配置文件（TOML），默认读取 PUBGATE_CONFIG")
    check.add_argument("--db", help="审核服务的数据库：按服务同样的方式应用其中的站点词库（默认读取 PUBGATE_DATABASE）")
    check.set_defaults(func=cmd_check)

    for module_name in COMMAND_MODULES:
        module = importlib.import_module(module_name)
        module.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from .cli_messages import chinese_argparse

    with chinese_argparse():
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # argparse exits 2 on bad usage, as the contract wants
            return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

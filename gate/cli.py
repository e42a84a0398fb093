"""The ``pubgate`` command (contracts.md §5). ``check`` never imports Flask."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from typing import Sequence

from .model import Severity

__all__ = ["main"]

# Modules that add subcommands; each exposes ``add_commands(subparsers)`` and stays import-light.
COMMAND_MODULES = (
    "pubgate.dictionary_commands",
    "pubgate.service.commands",
    "pubgate.plugins.typo_commands",
)


def _gate(args):
    from .config import GateConfig
    from .engine import Gate

    config = GateConfig.from_file(args.config) if getattr(args, "config", None) else GateConfig.from_env()
    return Gate(config)


def cmd_check(args) -> int:
    from .inputs import InputError, iter_sources, read_draft
    from .render import render_report, render_summary

    fail_rank = None if args.fail_on == "never" else Severity(args.fail_on).rank
    try:
        gate = _gate(args)
    except Exception as exc:  # configuration or plugin problems are usage errors
        print(f"pubgate: {exc}", file=sys.stderr)
        return 2
    console = None
    if args.format == "text":
        from rich.console import Console

        console = Console(highlight=False, soft_wrap=True)
    reports, outputs = [], []
    unreadable = 0
    failed = False
    for source in iter_sources(args.paths):
        if isinstance(source, InputError):
            print(f"pubgate: {source}", file=sys.stderr)
            unreadable += 1
            continue
        try:
            draft, notices = read_draft(source)
        except InputError as exc:
            print(f"pubgate: {exc}", file=sys.stderr)
            unreadable += 1
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
    parser.add_argument("--version", action="version", version="pubgate 0.1.0")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="检查稿件（JSON 稿件、.html/.htm/.txt/.md 文件或目录，- 为标准输入）")
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.add_argument("--format", choices=("text", "json", "jsonl"), default="text")
    check.add_argument("--fail-on", choices=("block", "warn", "info", "never"), default="block",
                       help="出现该级别及以上问题时退出码为 1（默认 block）")
    check.add_argument("--stage", choices=("submit", "publish"), default="submit",
                       help="检查环节：submit（提交，默认）或 publish（发布前，规则更严）")
    check.add_argument("--config", help="站点配置文件（TOML），默认读取 PUBGATE_CONFIG")
    check.set_defaults(func=cmd_check)

    for module_name in COMMAND_MODULES:
        module = importlib.import_module(module_name)
        module.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
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

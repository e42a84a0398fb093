"""``pubgate dictionaries check|list``: validate dictionary files and run their examples."""

from __future__ import annotations

import sys

__all__ = ["add_commands"]


def cmd_dictionaries_check(args) -> int:
    from .config import GateConfig
    from .dictionary_loader import DictionaryError, load_dictionaries, load_directory
    from pathlib import Path

    config = GateConfig.from_file(args.config) if args.config else GateConfig.from_env()
    if args.paths:
        # Check the given directories on their own, on top of the shipped ones (their allow-lists).
        config.dictionary_dirs = [str(Path(p)) for p in args.paths]
    try:
        from .engine import Gate

        gate = Gate(config)
    except DictionaryError as exc:
        print(f"✗ {exc}", file=sys.stderr)
        return 1
    dictionaries = gate.dictionaries
    consumed = {k for c in gate.checks for k in getattr(c, "dictionary_kinds", ())} | {"phrases", "allow"}
    problems = list(dictionaries.errors)
    for f in dictionaries.files:
        if f.kind not in consumed:
            problems.append(DictionaryError(f.path, None, f"没有检查项读取 kind: {f.kind} 的词库",
                                            f"改为已知类型：{'、'.join(sorted(consumed))}"))
    problems.extend(schema_problems(dictionaries.files))
    problems.extend(structured_example_problems(gate))
    entries = sum(len(f.entries) for f in dictionaries.files)
    for f in sorted(dictionaries.files, key=lambda f: f.path):
        if args.verbose:
            print(f"✓ {f.path}  规则 {f.rule_id}  类型 {f.kind}  条目 {len(f.entries)}")
    for problem in problems:
        print(f"✗ {problem}", file=sys.stderr)
    print(f"词库文件 {len(dictionaries.files)} 个，条目 {entries} 条，错误 {len(problems)} 处；规则集版本 {gate.ruleset}")
    return 1 if problems else 0


def structured_example_problems(gate) -> list:
    """Run the whole-file ``examples`` of structured kinds (roster, laws, fixed-expressions …) through
    the checks that read that kind: a ``flag`` example must draw a finding from one of them (of the
    ``severity`` and ``suggestion`` it names, if any), a ``pass`` example none at warn or above.
    Phrase files run their examples when they load; these need their checks, so they run here."""
    from .dictionary_loader import DictionaryError
    from .model import Draft

    problems = []
    for f in gate.dictionaries.files:
        examples = f.data.get("examples") if isinstance(f.data, dict) else None
        readers = [c for c in gate.checks if f.kind in getattr(c, "dictionary_kinds", ())]
        if f.kind in ("phrases", "allow") or not isinstance(examples, dict) or not readers:
            continue
        readers_ids = {c.id for c in readers}

        def findings(example):
            fields = example if isinstance(example, dict) else {"text": example}
            draft = {k: v for k, v in fields.items() if k not in ("text", "severity", "suggestion")}
            if "publish_at" in draft and len(str(draft["publish_at"])) == 10:
                draft["publish_at"] = f"{draft['publish_at']}T10:00:00+08:00"
            report = gate.check(Draft.from_dict({**draft, "body": fields["text"], "format": "text"}))
            return fields, [x for x in report.findings if x.rule.split("#")[0] in readers_ids
                            or any(x.rule.startswith(i + ".") for i in readers_ids)]

        for example in examples.get("flag") or ():
            fields, found = findings(example)
            wanted = [x for x in found if (not fields.get("severity") or str(x.severity) == fields["severity"])
                      and (not fields.get("suggestion") or x.suggestion == fields["suggestion"])]
            if not wanted:
                problems.append(DictionaryError(f.path, str(fields["text"])[:40], "示例应被标出，但未命中",
                                                "修正词库条目，或修正该示例"))
        for example in examples.get("pass") or ():
            fields, found = findings(example)
            loud = [x for x in found if str(x.severity) != "info"]
            if loud:
                problems.append(DictionaryError(f.path, str(fields["text"])[:40],
                                                f"示例不应被标出，但命中了「{loud[0].text}」（{loud[0].rule}）",
                                                "为该写法加例外，或修正该示例"))
    return problems


def schema_problems(files) -> list:
    """Validate phrase and allow files against dictionaries/schema.json, naming the entry."""
    import json

    import jsonschema

    from .dictionary_loader import DictionaryError, shipped_dictionary_dir

    schema = json.loads((shipped_dictionary_dir() / "schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    out = []
    for f in files:
        if f.kind not in ("phrases", "allow") or f.layer == "site":
            continue
        data = _jsonable(f.data)
        for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))[:5]:
            path = list(error.absolute_path)
            entry = None
            if len(path) >= 2 and path[0] == "entries" and isinstance(path[1], int):
                raw = data["entries"][path[1]]
                entry = str(raw.get("id") or raw.get("match") or raw.get("pattern") or f"#{path[1] + 1}") \
                    if isinstance(raw, dict) else f"#{path[1] + 1}"
            where = "/".join(str(p) for p in path) or "（文件顶层）"
            out.append(DictionaryError(f.path, entry, f"不符合 schema.json：{where}：{error.message}",
                                       "按 dictionaries/README.md 修正该字段"))
    return out


def _jsonable(value):
    """YAML dates become ISO strings so the JSON schema sees what the author wrote."""
    from datetime import date

    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def add_commands(sub) -> None:
    parser = sub.add_parser("dictionaries", help="词库管理：校验词库文件并运行其中的示例")
    dsub = parser.add_subparsers(dest="dictionaries_command", metavar="ACTION")
    check = dsub.add_parser("check", help="校验全部词库（或指定目录），运行示例，逐条报告错误")
    check.add_argument("paths", nargs="*", metavar="DIR", help="额外的词库目录（默认只查已加载的词库）")
    check.add_argument("--config", help="站点配置文件（TOML）")
    check.add_argument("-v", "--verbose", action="store_true", help="列出每个词库文件")
    check.set_defaults(func=cmd_dictionaries_check)
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])

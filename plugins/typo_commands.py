"""``pubgate lm build`` and ``pubgate lm status``: the typo check's offline language model.

Import-light: the conversion code is imported only when a subcommand runs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

__all__ = ["add_commands"]


def _cmd_build(args) -> int:
    from pubgate.plugins._typo_lm import CHAR_MODEL_FETCH, LanguageModelError, build_model, model_dir

    root = Path(args.data_dir) if args.data_dir else None
    print(f"正在从 sunpinyin-data 生成语言模型到 {model_dir(root)} …", file=sys.stderr)
    try:
        manifest = build_model(root, char_lm=False if args.no_char_lm else args.char_lm)
    except LanguageModelError as exc:
        print(f"pubgate: {exc}", file=sys.stderr)
        return 2
    c = manifest["counts"]
    print(f"完成：{c['unigrams']} 个一元、{c['bigrams']} 个二元、{c['trigrams']} 个三元语法，"
          f"模型 {manifest['arpa_bytes'] / 1e6:.0f} MB"
          f"{'（已转为二进制，加载更快）' if manifest.get('binary') else '（未找到 build_binary，按 ARPA 加载）'}，"
          f"用时 {manifest['build_seconds']} 秒。")
    companion = manifest.get("companion")
    if companion:
        print(f"第二模型：{companion['source']} {companion.get('source_version') or ''}（{companion['path']}，"
              f"{companion['lexicon']} 词），两模型一致时才报错别字。")
    else:
        print("未找到第二模型 libime-data-language-model：统计层以单模型运行，召回率较低；"
              "可运行 apt-get install -y libime-data-language-model 后重新执行 pubgate lm build。")
    chars = manifest.get("char_model")
    if chars:
        print(f"字级模型：{chars['source']}（{chars['order']} 元，{chars['characters']} 字，"
              f"{chars['bytes'] / 1e6:.0f} MB，取自 {chars['from']}）。")
    else:
        print(f"未使用字级模型：召回率较低；可运行 {CHAR_MODEL_FETCH}，"
              "再执行 pubgate lm build --char-lm DIR/pycorrector-0.1.4.tar.gz。")
    return 0


def _cmd_status(args) -> int:
    from pubgate.plugins._typo_lm import LanguageModelError, load_model, model_dir, model_status

    root = Path(args.data_dir) if args.data_dir else None
    manifest = model_status(root)
    if manifest is None:
        print(f"未找到语言模型（{model_dir(root)}），错别字统计层未启用；请运行 pubgate lm build")
        return 1
    if args.load:
        try:
            load_model(root)
        except LanguageModelError as exc:
            print(f"模型文件存在但无法加载：{exc}")
            return 1
    print(json.dumps({"path": str(model_dir(root)), **manifest}, ensure_ascii=False, indent=2))
    return 0


def add_commands(subparsers) -> None:
    lm = subparsers.add_parser("lm", help="错别字检查的离线语言模型（生成、状态）")
    lm_sub = lm.add_subparsers(dest="lm_command", metavar="ACTION")
    build = lm_sub.add_parser("build", help="由 Debian 软件包 sunpinyin-data（及 libime-data-language-model）生成语言模型（安装时运行一次）")
    build.add_argument("--data-dir", help="数据目录（默认 PUBGATE_DATA_DIR 或 ~/.local/share/pubgate）")
    chars = build.add_mutually_exclusive_group()
    chars.add_argument("--char-lm", metavar="FILE",
                       help="字级语言模型：pycorrector 0.1.x 源码包（pip download --no-deps --no-build-isolation "
                            "pycorrector==0.1.4）或其中的 people_chars_lm.klm；不给出时沿用上次安装的字级模型")
    chars.add_argument("--no-char-lm", action="store_true", help="删除已安装的字级模型")
    build.set_defaults(func=_cmd_build)
    status = lm_sub.add_parser("status", help="显示语言模型是否就绪及其来源、大小")
    status.add_argument("--data-dir", help="数据目录（默认 PUBGATE_DATA_DIR 或 ~/.local/share/pubgate）")
    status.add_argument("--load", action="store_true", help="同时试加载模型")
    status.set_defaults(func=_cmd_status)
    lm.set_defaults(func=lambda args: (lm.print_help(), 2)[1])

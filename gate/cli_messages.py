"""argparse's own messages in Chinese, for the ``pubgate`` command only.

argparse looks every message up through its module-level ``_`` (gettext); Python ships no Chinese
catalogue for it. ``chinese_argparse()`` swaps in this table while the command line is parsed and
restores it after, so other argparse users in the same process (pytest, for one) are untouched.
"""

from __future__ import annotations

import argparse
import contextlib

__all__ = ["chinese_argparse"]

MESSAGES = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项 %(value)r（可选：%(choices)s）",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "expected one argument": "需要一个值",
    "expected at least one argument": "至少需要一个值",
    "expected at most one argument": "最多一个值",
    "invalid %(type)s value: %(value)r": "无效的 %(type)s 值：%(value)r",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是：%(matches)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "参数 %s 中必须给出一个",
    "ignored explicit argument %r": "忽略了多余的值 %r",
    "can't open '%(filename)s': %(error)s": "无法打开 '%(filename)s'：%(error)s",
}


@contextlib.contextmanager
def chinese_argparse():
    original = argparse._
    argparse._ = lambda message: MESSAGES.get(message, original(message))
    try:
        yield
    finally:
        argparse._ = original

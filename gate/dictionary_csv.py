"""Site dictionary entries as files: CSV for spreadsheets, and the project's YAML dictionary format.

Provincial lists usually arrive as spreadsheets. The CSV has one entry per row; headers may be the
English keys (``match``, ``suggest``, …) or the Chinese ones written by ``export_csv`` (错误表述,
建议改为, …). Several values in one cell are separated by ``|`` or a line break (not by 、 or ；,
which occur inside real phrases such as 中国、台湾). Files saved by Excel in GBK are read too.

YAML: one file per rule in exactly the format of ``dictionaries/`` (the rule id comes from the file
name, ``site/local-names.yml`` → ``site.local-names``); an export of several rules is a zip that can
be used as a ``dictionary_dirs`` directory as it is.

Parsing yields ``(row number, entry dict)`` or ``(row number, error text)`` for
``site_dictionary.import_entries``, which validates and applies them.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import PurePosixPath
from typing import Any, Iterable, Iterator

import yaml

from .model import CATEGORY_LABELS, SEVERITY_LABELS
from .spreadsheet import escape_cell, unescape_cell

__all__ = ["COLUMNS", "parse_csv", "export_csv", "parse_yaml", "export_yaml", "export_yaml_zip", "parse_upload",
           "decode"]

# (key, Chinese header) in export order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("rule", "规则"), ("id", "编号"), ("category", "类别"), ("severity", "级别"), ("match", "错误表述"),
    ("pattern", "正则"), ("suggest", "建议改为"), ("message", "提示语"), ("note", "说明"), ("source", "依据"),
    ("exceptions", "例外短语"), ("fields", "检查字段"), ("doc_types", "文种"), ("channels", "渠道"),
    ("valid_from", "生效日期"), ("valid_to", "失效日期"), ("flag", "应标出示例"), ("pass", "不应标出示例"),
    ("before", "前文条件"), ("after", "后文条件"), ("not_before", "前文排除"), ("not_after", "后文排除"),
)
_HEADER = {zh: key for key, zh in COLUMNS} | {key: key for key, _ in COLUMNS}
_HEADER.update({"错误形式": "match", "禁用词": "match", "词语": "match", "建议": "suggest", "正确表述": "suggest",
                "严重程度": "severity", "备注": "note", "来源": "source", "例外": "exceptions"})
_LIST_KEYS = {"match", "suggest", "exceptions", "fields", "doc_types", "channels", "flag", "pass"}
_CATEGORY = {label: key for key, label in CATEGORY_LABELS.items()}
_SEVERITY = {label: key for key, label in SEVERITY_LABELS.items()} | {"严重": "block", "一般": "warn", "轻微": "info"}
_FIELDS = {"标题": "title", "正文": "body"}
_DOC_TYPES = {"政策文件": "policy", "政策解读": "interpretation", "动态要闻": "news", "通知公告": "notice",
              "办事指南": "guide", "留言答复": "reply", "公示": "disclosure", "其他": "other"}
_CHANNELS = {"网站": "website", "微信": "wechat", "微博": "weibo", "客户端": "app", "其他": "other"}
MAX_ROWS = 200_000
# A zip is checked against these before any member is read (zip bombs: 20 KB can expand to
# gigabytes). The limits are far above a real site dictionary (a few MB of YAML).
MAX_ZIP_ENTRIES = 500
MAX_ZIP_EXPANDED = 16 * 1024 * 1024
MAX_ZIP_RATIO = 200  # expanded : compressed, per member over 1 MiB


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (what Chinese Excel saves as 'CSV')."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _cell_list(value: str, mapping: dict[str, str] | None = None) -> list[str]:
    items = [v.strip() for v in value.replace("\r", "\n").replace("｜", "|").replace("\n", "|").split("|")]
    return [mapping.get(v, v) if mapping else v for v in items if v]


def _row_to_entry(record: dict[str, str]) -> dict:
    entry: dict[str, Any] = {}
    for key, value in record.items():
        value = unescape_cell((value or "").strip())  # our own export escapes formula-like cells
        if not value:
            continue
        if key == "category":
            entry[key] = _CATEGORY.get(value, value)
        elif key == "severity":
            entry[key] = _SEVERITY.get(value, value.lower())
        elif key == "fields":
            entry[key] = _cell_list(value, _FIELDS)
        elif key == "doc_types":
            entry[key] = _cell_list(value, _DOC_TYPES)
        elif key == "channels":
            entry[key] = _cell_list(value, _CHANNELS)
        elif key in _LIST_KEYS:
            entry[key] = _cell_list(value)
        else:
            entry[key] = value
    return entry


def parse_csv(text: str, *, default_rule: str = "", default_category: str = "") -> Iterator[tuple[int, dict | str]]:
    """``(row number, entry)`` for every data row; row numbers are spreadsheet rows (header = 1)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        yield 1, "文件为空，缺少表头"
        return
    keys = [_HEADER.get(h.strip()) for h in header]
    unknown = [h for h, k in zip(header, keys) if k is None and h.strip()]
    if unknown:
        yield 1, f"表头含无法识别的列：{'、'.join(unknown)}（可用列：{'、'.join(zh for _, zh in COLUMNS)}）"
        return
    if "match" not in keys and "pattern" not in keys:
        yield 1, "表头缺少「错误表述」（match）列"
        return
    for number, cells in enumerate(reader, start=2):
        if number > MAX_ROWS + 1:
            yield number, f"超过 {MAX_ROWS} 行，其余行未导入"
            return
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(keys) and any(c.strip() for c in cells[len(keys):]):
            yield number, f"本行有 {len(cells)} 列，多于表头的 {len(keys)} 列（单元格内的逗号须加引号）"
            continue
        record = {k: c for k, c in zip(keys, cells) if k}
        entry = _row_to_entry(record)
        entry.setdefault("rule", default_rule)
        if default_category:
            entry.setdefault("category", default_category)
        if not entry.get("rule"):
            entry.pop("rule")
        if not entry.get("category"):
            yield number, "缺少类别（category）"
            continue
        yield number, entry


def _cell(value: Any, key: str) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "|".join(v if isinstance(v, str) else str(v.get("text", "")) for v in value)
    if isinstance(value, bool):
        return "是" if value else ""
    if key == "category":
        return CATEGORY_LABELS.get(value, value)
    if key == "severity":
        return SEVERITY_LABELS.get(value, value)
    return str(value)


def export_csv(entries: Iterable[dict]) -> str:
    """CSV with a UTF-8 BOM and Chinese headers; ``entries`` are dicts with ``rule`` and the body keys."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([zh for _, zh in COLUMNS])
    for entry in entries:
        writer.writerow([escape_cell(_cell(entry.get(key), key)) for key, _ in COLUMNS])
    return buffer.getvalue()


# -- YAML ------------------------------------------------------------------------------------------

_FILE_DEFAULT_KEYS = ("category", "severity", "message", "source", "fields", "doc_types", "channels",
                      "valid_from", "valid_to", "skip_quoted")


def rule_for_filename(name: str) -> str:
    """``site/local-names.yml`` or ``local-names.yml`` → ``site.local-names``."""
    parts = list(PurePosixPath(name.replace("\\", "/")).with_suffix("").parts)
    if parts and parts[0] != "site":
        parts = ["site"] + parts[-1:]
    return ".".join(parts)


def parse_yaml(text: str, rule: str) -> Iterator[tuple[int, dict | str]]:
    """Entries of one YAML dictionary file (``swap``, ``words`` and ``entries``), file-level values
    folded into each entry. Row numbers count entries in file order."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark else ""
        yield 0, f"YAML 语法错误{where}：{getattr(exc, 'problem', exc)}"
        return
    except ValueError as exc:
        yield 0, f"YAML 取值无效（{exc}），常见原因是日期不存在"
        return
    if not isinstance(data, dict):
        yield 0, "文件内容应为 YAML 映射（参照 dictionaries/README.md 的格式）"
        return
    if data.get("kind", "phrases") != "phrases":
        yield 0, f"只能导入 phrases 类词库，本文件 kind 为 {data.get('kind')!r}"
        return
    defaults = {k: data[k] for k in _FILE_DEFAULT_KEYS if data.get(k) not in (None, "", [])}
    file_exceptions = data.get("exceptions") or []
    file_pass = list((data.get("examples") or {}).get("pass") or [])  # "no entry may hit" = each must not
    number = 0

    def entry_of(raw: dict) -> dict:
        entry = {**defaults, **raw, "rule": rule}
        if file_exceptions:
            own = raw.get("exceptions") or []
            entry["exceptions"] = list(file_exceptions if isinstance(file_exceptions, list) else [file_exceptions]) + \
                list(own if isinstance(own, list) else [own])
        if file_pass:
            entry["pass"] = list(raw.get("pass") or []) + file_pass
        return entry

    swap = data.get("swap") or {}
    if not isinstance(swap, dict):
        yield 0, "swap 应为「错误形式: 正确形式」映射"
        swap = {}
    for wrong, right in swap.items():
        number += 1
        yield number, entry_of({"match": str(wrong), **({"suggest": str(right)} if right else {})})
    words = data.get("words") or []
    for word in words if isinstance(words, list) else [words]:
        number += 1
        yield number, entry_of({"match": str(word)})
    raw_entries = data.get("entries") or []
    for raw in raw_entries if isinstance(raw_entries, list) else []:
        number += 1
        if not isinstance(raw, dict):
            yield number, "条目应为映射（- match: 错误形式）"
            continue
        yield number, entry_of(raw)


def export_yaml(rule: str, entries: Iterable[dict], *, comment: str = "") -> str:
    """One rule as a dictionary file; each entry keeps all its own values (none hoisted), so the
    file re-imports to identical entries."""
    items = []
    category = None
    for entry in entries:
        body = {k: v for k, v in entry.items() if k != "rule"}
        category = category or body.get("category")
        items.append(body)
    data = {"category": category or "banned_expression", "entries": items}
    head = f"# Rule id: {rule}（站点词库导出{('，' + comment) if comment else ''}）\n"
    return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def export_yaml_zip(entries: Iterable[dict]) -> bytes:
    """Every rule as ``site/<name>.yml`` in a zip (usable directly as a dictionary directory)."""
    by_rule: dict[str, list[dict]] = {}
    for entry in entries:
        by_rule.setdefault(entry["rule"], []).append(entry)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for rule, items in sorted(by_rule.items()):
            path = "/".join(rule.split(".")) + ".yml"
            zf.writestr(path, export_yaml(rule, items))
    return buffer.getvalue()


class _ZipTooLarge(Exception):
    pass


def _zip_refusal(infos: list, members: list) -> str | None:
    """Why a zip is refused from its directory alone (nothing decompressed yet), or None."""
    if len(infos) > MAX_ZIP_ENTRIES:
        return f"zip 内文件数为 {len(infos)}，超过上限 {MAX_ZIP_ENTRIES}，已拒绝"
    declared = sum(i.file_size for i in members)
    if declared > MAX_ZIP_EXPANDED:
        return (f"zip 解压后约 {declared // (1024 * 1024)} MB，超过上限 {MAX_ZIP_EXPANDED // (1024 * 1024)} MB，"
                "已拒绝（疑似压缩炸弹）；请拆分后分批导入")
    for i in members:
        if i.file_size > 1024 * 1024 and i.file_size > MAX_ZIP_RATIO * max(1, i.compress_size):
            return f"zip 内 {i.filename} 压缩比异常（超过 {MAX_ZIP_RATIO}:1），已拒绝（疑似压缩炸弹）"
    return None


def _read_capped(zf: zipfile.ZipFile, info, budget: int) -> bytes:
    """A member's bytes, stopping as soon as more than ``budget`` come out (the directory's sizes
    are only claims; the stream is what counts)."""
    chunks, total = [], 0
    with zf.open(info) as stream:
        while True:
            chunk = stream.read(64 * 1024)
            if not chunk:
                break
            total += len(chunk)
            if total > budget:
                raise _ZipTooLarge()
            chunks.append(chunk)
    return b"".join(chunks)


def parse_upload(filename: str, data: bytes, *, rule: str = "", default_category: str = "") -> list[tuple[int, dict | str]]:
    """Dispatch on the file name: .csv, .yml/.yaml, or .zip of YAML files."""
    name = (filename or "").lower()
    if name.endswith(".zip"):
        rows: list[tuple[int, dict | str]] = []
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError):
            return [(0, "zip 文件已损坏")]
        members = [i for i in zf.infolist() if not i.is_dir() and i.filename.lower().endswith((".yml", ".yaml"))]
        refusal = _zip_refusal(zf.infolist(), members)
        if refusal:
            return [(0, refusal)]
        offset = 0
        budget = MAX_ZIP_EXPANDED
        for info in sorted(members, key=lambda i: i.filename):
            file_rule = rule_for_filename(info.filename)
            try:
                raw = _read_capped(zf, info, budget)
            except _ZipTooLarge:
                return [(0, f"zip 解压后超过 {MAX_ZIP_EXPANDED // (1024 * 1024)} MB，已拒绝（疑似压缩炸弹）")]
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError, ValueError) as exc:
                rows.append((offset, f"{info.filename}：无法解压（{type(exc).__name__}）"))
                offset += 1
                continue
            budget -= len(raw)
            parsed = list(parse_yaml(decode(raw), file_rule))
            rows.extend((offset + n, r if not isinstance(r, str) else f"{info.filename}：{r}") for n, r in parsed)
            offset += max((n for n, _ in parsed), default=0) + 1
        return rows
    if name.endswith((".yml", ".yaml")):
        return list(parse_yaml(decode(data), rule or rule_for_filename(filename)))
    if name.endswith((".csv", ".txt")) or not name:
        return list(parse_csv(decode(data), default_rule=rule, default_category=default_category))
    return [(0, "不支持的文件类型：请上传 .csv、.yml 或 .zip 文件")]

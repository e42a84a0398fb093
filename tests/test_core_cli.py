"""`pubgate check` as contracts.md §5 describes it, run as a real subprocess."""

import json
import os
import subprocess
import sys
from importlib import resources

import jsonschema
import pytest

REPORT_SCHEMA = json.loads(resources.files("pubgate").joinpath("report_schema.json").read_text("utf-8"))
ENV = {**os.environ, "PUBGATE_DISABLE_PLUGIN_AUTOLOAD": "1"}


def pubgate(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "pubgate.cli", *args], input=stdin, capture_output=True,
                          env=ENV, timeout=120)


@pytest.fixture
def files(tmp_path):
    (tmp_path / "clean.txt").write_text("各县区人民政府：现将有关事项通知如下。", encoding="utf-8")
    (tmp_path / "placeholder.txt").write_text("请于20XX年X月X日前报送。", encoding="utf-8")
    (tmp_path / "docno.html").write_text("<p>根据市政发[2023]12号文件精神。</p>", encoding="utf-8")
    (tmp_path / "draft.json").write_text(json.dumps(
        {"id": "cms-1", "title": "关于报送材料的通知", "body": "<p>联系人：XXX</p>"}, ensure_ascii=False), encoding="utf-8")
    return tmp_path


def test_exit_codes_follow_fail_on(files):
    assert pubgate("check", str(files / "clean.txt")).returncode == 0
    assert pubgate("check", str(files / "placeholder.txt")).returncode == 1
    assert pubgate("check", str(files / "docno.html")).returncode == 0          # warn < block
    assert pubgate("check", "--fail-on", "warn", str(files / "docno.html")).returncode == 1
    assert pubgate("check", "--fail-on", "never", str(files / "placeholder.txt")).returncode == 0
    assert pubgate("check", "--format", "yaml", str(files / "clean.txt")).returncode == 2


def test_json_is_one_report_for_one_input_and_a_list_for_several(files):
    one = json.loads(pubgate("check", "--format", "json", str(files / "draft.json")).stdout)
    jsonschema.validate(one, REPORT_SCHEMA)
    assert one["id"] == "cms-1" and one["findings"][0]["text"] == "XXX"
    many = json.loads(pubgate("check", "--format", "json", str(files)).stdout)
    assert isinstance(many, list) and len(many) == 4
    for report in many:
        jsonschema.validate(report, REPORT_SCHEMA)


def test_jsonl_has_a_source_per_line_and_directories_are_recursive(files):
    (files / "sub").mkdir()
    (files / "sub" / "deep.md").write_text("# 标题\n\n于X月X日前完成", encoding="utf-8")
    (files / "sub" / "ignored.pdf").write_bytes(b"%PDF")
    lines = pubgate("check", "--format", "jsonl", str(files)).stdout.decode().splitlines()
    sources = [json.loads(line)["source"] for line in lines]
    assert len(sources) == 5 and any(s.endswith("deep.md") for s in sources)


def test_stdin_draft(files):
    result = pubgate("check", "--format", "json", "-", stdin=json.dumps({"body": "20XX年"}).encode())
    assert result.returncode == 1 and json.loads(result.stdout)["verdict"] == "block"


def test_text_view_shows_place_highlight_suggestion_and_counts(files):
    out = pubgate("check", str(files / "docno.html")).stdout.decode()
    assert "第 1 行第" in out and "[2023]12号" in out and "建议：〔2023〕12号" in out
    assert "问题按类别：格式规范 1" in out


def test_gb18030_files_are_read_with_a_notice(files):
    (files / "legacy.txt").write_bytes("请于20XX年前报送各县区人民政府办公室材料".encode("gb18030"))
    result = pubgate("check", "--format", "json", str(files / "legacy.txt"))
    assert result.returncode == 1 and "GB18030" in result.stderr.decode()
    assert json.loads(result.stdout)["findings"][0]["text"] == "20XX"


@pytest.mark.parametrize("name, content, message", [
    ("binary.txt", bytes(range(128, 256)) * 4, "无法识别的文本编码"),
    ("broken.json", b'{"body": "x",', "JSON 格式错误"),
    ("wrongtype.json", b'{"body": 42}', "body"),
    ("doctype.json", '{"body": "x", "doc_type": "memo"}'.encode(), "doc_type"),
])
def test_bad_input_is_named_and_the_rest_still_checked(files, name, content, message):
    (files / name).write_bytes(content)
    result = pubgate("check", "--format", "jsonl", str(files / name), str(files / "placeholder.txt"))
    assert result.returncode == 2
    err = result.stderr.decode()
    assert name in err and message in err
    reports = [json.loads(line) for line in result.stdout.decode().splitlines()]
    # the unreadable input is an entry with its error (contracts §5), the other is checked
    assert [(r["source"].endswith(name), "error" in r) for r in reports] == [(True, True), (False, False)]
    assert reports[1]["source"].endswith("placeholder.txt") and message in reports[0]["error"]


def test_a_huge_body_is_refused_clearly(files):
    big = files / "huge.txt"
    big.write_bytes("各县区人民政府".encode() * (20 * 1024 * 1024 // 21 + 1))
    result = pubgate("check", str(big), str(files / "clean.txt"))
    assert result.returncode == 2
    assert "huge.txt" in result.stderr.decode() and "上限" in result.stderr.decode()
    assert "共检查 1 篇稿件" in result.stdout.decode()


def test_missing_path_is_exit_2(files):
    result = pubgate("check", str(files / "nope.json"))
    assert result.returncode == 2 and "nope.json" in result.stderr.decode()


def test_check_does_not_import_flask_or_pycorrector(files):
    code = ("import sys, pubgate.cli as c; c.main(['check', '--format', 'json', sys.argv[1]]); "
            "bad = [m for m in ('flask', 'pycorrector', 'torch', 'transformers') if m in sys.modules]; "
            "print('IMPORTED', bad)")
    out = subprocess.run([sys.executable, "-c", code, str(files / "clean.txt")], capture_output=True, env=ENV,
                         timeout=120).stdout.decode()
    assert "IMPORTED []" in out


def test_only_pubgate_is_a_top_level_import_name():
    from importlib.metadata import packages_distributions

    names = {name for name, dists in packages_distributions().items() if "pubgate" in dists}
    assert names == {"pubgate"}

"""The plugin host: built-ins from an explicit list, entry points, a site directory, failures."""

import textwrap
from pathlib import Path

import pytest

from pubgate import Gate, GateConfig
from pubgate.pluginmanager import DEFAULT_PLUGINS, build_plugin_manager
from pubgate import hookspecs

PLUGINS_DIR = Path(__file__).parent / "plugins"


def site_gate(**config):
    return Gate(GateConfig(load_entrypoints=False, plugins_dir=str(PLUGINS_DIR), **config))


def test_every_hookspec_has_a_one_line_docstring():
    specs = [getattr(hookspecs, n) for n in dir(hookspecs) if n.startswith("pubgate_")]
    assert specs
    for spec in specs:
        assert spec.__doc__ and spec.__doc__.strip().splitlines()[0].endswith(".")


def test_builtins_are_registered_from_the_explicit_list(gate):
    names = {name for name, _ in gate.pm.list_name_plugin()}
    assert "pubgate.plugins.dictionary_checks" in names
    assert names <= set(DEFAULT_PLUGINS)
    ids = {c.id for c in gate.checks}
    assert {"placeholder.leftovers", "format.document-number"} <= ids


def test_site_plugin_directory_adds_checks():
    report = site_gate().check({"body": "请县府办牵头落实。"})
    [finding] = [f for f in report.findings if f.rule == "site.internal-name"]
    assert finding.text == "县府办" and finding.suggestion == "县人民政府办公室"


def test_a_failing_check_fails_closed_and_the_others_still_run():
    report = site_gate().check({"body": "触发故障。请县府办牵头，于20XX年完成。"})
    rules = {f.rule: f for f in report.findings}
    crash = rules["site.broken.internal-error"]
    assert crash.severity == "block" and crash.category == "format" and crash.field == "meta"
    assert "site.broken" in crash.message
    assert "site.internal-name" in rules and "placeholder.leftovers" in rules
    assert report.verdict == "block"


def test_internal_error_severity_is_configurable_per_site():
    report = site_gate(internal_error_severity="warn").check({"body": "触发故障。"})
    assert [f.severity for f in report.findings if f.rule.endswith("internal-error")] == ["warn"]


def test_a_plugin_can_be_disabled_by_name():
    gate = site_gate(disabled_plugins=["site_sample", "document_number"])
    ids = {c.id for c in gate.checks}
    assert "site.internal-name" not in ids and "format.document-number" not in ids


def test_rule_severity_overrides_and_switches(gate):
    body = "请于20XX年报送，依据市政发[2023]12号。"
    g = Gate(GateConfig(load_entrypoints=False, rules={"placeholder": "warn", "format.document-number": "off"}))
    report = g.check({"body": body})
    assert {f.severity for f in report.findings if f.category == "placeholder"} == {"warn"}
    assert not [f for f in report.findings if f.rule == "format.document-number"]
    assert g.ruleset != gate.ruleset  # the override is part of the ruleset digest


def test_entry_point_plugins_are_loaded(tmp_path, monkeypatch):
    # A real installed distribution on sys.path, the way pip lays one out.
    (tmp_path / "pubgate_sample_ep.py").write_text(textwrap.dedent('''
        from pubgate import BaseCheck, Category, hookimpl

        class Shout(BaseCheck):
            id = "sample.shout"
            category = Category.FORMAT
            description = "连续感叹号"

            def run(self, doc):
                pos = doc.text("body").find("！！！")
                if pos != -1:
                    yield self.finding(doc, "body", pos, pos + 3, "请勿使用连续感叹号。", "！")

        @hookimpl
        def pubgate_register_checks(register):
            register(Shout())
    '''), encoding="utf-8")
    dist = tmp_path / "pubgate_sample_ep-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: pubgate-sample-ep\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[pubgate]\nsample = pubgate_sample_ep\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("PUBGATE_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    report = Gate(GateConfig()).check({"body": "太好了！！！"})
    assert [f.rule for f in report.findings] == ["sample.shout"]
    assert "sample.shout" not in {c.id for c in Gate(GateConfig(load_entrypoints=False)).checks}


def test_a_missing_plugin_directory_is_a_clear_error():
    from pubgate.pluginmanager import PluginLoadError

    with pytest.raises(PluginLoadError, match="插件目录不存在"):
        build_plugin_manager(load_entrypoints=False, plugins_dir="/nonexistent/pubgate-plugins")

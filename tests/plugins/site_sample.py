"""A site-local plugin loaded from a plugins directory in the tests."""

from pubgate import BaseCheck, Category, Severity, hookimpl


class InternalNameCheck(BaseCheck):
    id = "site.internal-name"
    category = Category.BANNED_EXPRESSION
    severity = Severity.WARN
    description = "内部简称不宜对外发布"

    def run(self, doc):
        text = doc.text("body")
        pos = text.find("县府办")
        if pos != -1:
            yield self.finding(doc, "body", pos, pos + 3, "「县府办」为内部简称，对外发布请用全称。", "县人民政府办公室")


class BrokenCheck(BaseCheck):
    id = "site.broken"
    category = Category.FORMAT
    severity = Severity.INFO
    description = "一个总会出错的检查，用于验证失败时的处理"

    def run(self, doc):
        if "触发故障" in doc.text("body"):
            raise RuntimeError("模拟故障")
        return []


@hookimpl
def pubgate_register_checks(register):
    register(InternalNameCheck())
    register(BrokenCheck())

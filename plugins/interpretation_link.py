"""政策解读关联: a policy document needs its interpretation, an interpretation its policy.

Inspectors check that policy documents are interpreted and that the two pages are linked in both
directions (checks.md §6). Per draft we can see one direction: ``related`` entries (relation
``interpretation`` / ``policy``) or, as a fallback, links in the body. Findings are on ``meta``.

Site settings (``doc.settings``):
- ``interpretation_missing_severity``: ``{"submit": "warn", "publish": "block"}`` by default — a
  policy without its interpretation;
- ``interpretation_policy_missing_severity`` ("block"): an interpretation without its policy.
"""

from __future__ import annotations

import re

from pubgate import BaseCheck, Category, Severity, hookimpl

POLICY_TITLE = re.compile(
    r"关于印发.{1,60}的通知|关于.{1,60}的(?:实施)?(?:意见|办法|决定|规定|通知|方案|细则|措施)"
    r"|(?:办法|条例|规定|细则|实施意见|实施方案|若干措施|暂行规定|管理办法)(?:（试行）|\(试行\))?$"
)
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,10}[〔\[(【]\d{4}[〕\])】]\d{1,5}号")
INTERPRETATION_WORDS = ("解读", "答记者问", "政策问答", "一图读懂", "图解", "问答")
POLICY_NAME_TAIL = re.compile(r"(?:办法|方案|意见|通知|规定|条例|细则|措施|规划|计划|决定|实施意见|若干政策|政策|规程|规则|准则|指引|纲要|章程|守则|制度|要点|清单|目录|标准)(?:（试行）|\(试行\))?$")
_TITLE_QUOTES = re.compile(r"《([^《》\n]{2,80})》")
_STRIP = re.compile(r"[《》〈〉<>\s\"“”「」]|（试行）|\(试行\)")


def _norm_title(s: str) -> str:
    s = _STRIP.sub("", s)
    s = re.sub(r"^关于印发(.+)的通知$", r"\1", s)
    s = re.sub(r"^.{0,12}关于印发", "", s)
    return re.sub(r"的通知$", "", s)


def _titles_match(named: str, linked: str) -> bool:
    a, b = _norm_title(named), _norm_title(linked)
    return bool(a and b) and (a in b or b in a)


class InterpretationLink(BaseCheck):
    id = "interpretation-link"
    category = Category.INTERPRETATION_LINK
    severity = Severity.BLOCK
    description = "政策解读关联：政策文件须关联解读，解读须关联政策原文，且名称一致"
    version = "1"

    def run(self, doc):
        doc_type = doc.draft.doc_type
        if doc_type == "policy":
            yield from self._policy(doc)
        elif doc_type == "interpretation":
            yield from self._interpretation(doc)

    @staticmethod
    def _body_links(doc):
        return [l for f in ("title", "body") for l in doc.fields[f].links if l.tag == "a"]

    def _is_policy_document(self, doc) -> bool:
        title = doc.text("title").strip()
        head = doc.text("body")[:400]
        return bool(POLICY_TITLE.search(title) or DOC_NUMBER.search(doc.view("title").mapped)
                    or DOC_NUMBER.search(doc.view("body").mapped[:400]) or "关于印发" in head)

    def _policy(self, doc):
        if not self._is_policy_document(doc):
            return
        related = doc.draft.related
        if any(r.get("relation") == "interpretation" for r in related):
            return
        links = self._body_links(doc)
        if any(any(w in (l.text + l.title) for w in INTERPRETATION_WORDS) for l in links):
            return
        mislabelled = [r for r in related if r.get("relation") == "other"
                       and any(w in str(r.get("title", "")) for w in INTERPRETATION_WORDS)]
        if mislabelled:
            yield self.finding(doc, "meta", None, None,
                               f"关联链接「{mislabelled[0].get('title', '')}」像是政策解读，但关联类型未标为 interpretation，"
                               "检查时无法识别为解读关联。",
                               '将该条 related 的 relation 设为 "interpretation"',
                               rule="interpretation-link.relation-not-set", severity="warn")
            return
        settings = doc.settings or {}
        by_stage = {"submit": "warn", "publish": "block", **(settings.get("interpretation_missing_severity") or {})}
        severity = by_stage.get(doc.stage, "warn")
        yield self.finding(doc, "meta", None, None,
                           "政策文件未关联政策解读。政策文件与解读材料应同步发布并双向关联。",
                           '在 related 中添加解读链接：{"relation": "interpretation", "url": …, "title": …}',
                           rule="interpretation-link.policy-without-interpretation", severity=severity)

    def _interpretation(self, doc):
        related = doc.draft.related
        settings = doc.settings or {}
        named = self._named_policy(doc)
        policy_links = [(str(r.get("title", "")), str(r.get("url", ""))) for r in related
                        if r.get("relation") == "policy"]
        if not policy_links:
            # A generic anchor (原文链接) names no title, so it cannot mismatch.
            body_links = [(l.text if (_TITLE_QUOTES.search(l.text) or POLICY_NAME_TAIL.search(_STRIP.sub("", l.text)))
                           else "", l.url) for l in self._body_links(doc)
                          if _TITLE_QUOTES.search(l.text) or "原文" in l.text
                          or POLICY_NAME_TAIL.search(_STRIP.sub("", l.text))
                          or (named and _titles_match(named, l.text))]
            policy_links = body_links
        if not policy_links:
            other = [r for r in related if r.get("relation") == "other"
                     and (not named or _titles_match(named, str(r.get("title", ""))) or
                          POLICY_NAME_TAIL.search(_STRIP.sub("", str(r.get("title", "")))))]
            if other:
                yield self.finding(doc, "meta", None, None,
                                   f"关联链接「{other[0].get('title', '')}」像是政策原文，但关联类型未标为 policy。",
                                   '将该条 related 的 relation 设为 "policy"',
                                   rule="interpretation-link.relation-not-set", severity="warn")
                return
            what = f"《{named}》" if named else "所解读的政策文件"
            yield self.finding(doc, "meta", None, None,
                               f"政策解读未关联政策原文（{what}）。解读稿须与政策原文双向关联。",
                               '在 related 中添加政策原文链接：{"relation": "policy", "url": …, "title": …}',
                               rule="interpretation-link.interpretation-without-policy",
                               severity=str(settings.get("interpretation_policy_missing_severity") or "block"))
            return
        if named:
            # a link text that names no document (政策原文, 原文链接) cannot disagree with one
            titles = [t for t, _ in policy_links
                      if _TITLE_QUOTES.search(t) or POLICY_NAME_TAIL.search(_STRIP.sub("", t))]
            if titles and not any(_titles_match(named, t) for t in titles):
                yield self.finding(doc, "meta", None, None,
                                   f"解读所称《{named}》与关联的政策原文「{titles[0]}」名称不一致，请核实是否关联错文件。",
                                   f"关联《{named}》的原文链接，或更正解读中的文件名称",
                                   rule="interpretation-link.title-mismatch", severity="warn")

    @staticmethod
    def _named_policy(doc) -> str | None:
        """The policy an interpretation names in 《》: the title first, else the first policy-like
        title in the opening of the body."""
        for text in (doc.text("title"), doc.text("body")[:600]):
            for m in _TITLE_QUOTES.finditer(text):
                name = m.group(1)
                if POLICY_NAME_TAIL.search(_STRIP.sub("", name)):
                    return name
        return None


@hookimpl
def pubgate_register_checks(register):
    register(InterpretationLink())

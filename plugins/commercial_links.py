"""商业广告、商业链接: shop, affiliate, app-store and ad links; short links; tracking; sales text.

Links come from markup (href/src) and bare URLs in the text. Each is classified by its registered
domain (offline Public Suffix List) against data lists in ``dictionaries/links/``: allowed (.gov.cn,
.政务, the site's ``own_domains``, 稿源单位 media) → e-commerce / affiliate / app-store / ad-server
(block) → short links (warn) → tracking parameters (warn). Text cues (淘口令, 点击购买, 优惠码 + code,
团购价 + price, 加客服购买 …) are a warning only, and are cancelled by context words: 消费券 and 助农
news, 反诈 publicity and 市场监管 reports use the same words legitimately (handbook §2.1, §2.5).
Superlatives such as 全网最低价 are ``banned_expression`` (handbook §15), never a cue here.
"""

from __future__ import annotations

import re

from pubgate import BaseCheck, Category, Severity, hookimpl

from ._links_classify import LinkRules, classify, parse_rules
from ._links_urls import document_urls

# 淘口令: a token between currency-like symbols; the symbols vary to dodge filters.
TAO_CODE = re.compile(r"[￥$€₴¢₤¥]\s?[A-Za-z0-9]{8,13}\s?[￥$€₴¢₤¥/]")


class CommercialLinks(BaseCheck):
    id = "commercial-link"
    category = Category.COMMERCIAL_LINK
    severity = Severity.BLOCK
    description = "商业广告、商业链接：电商、返利推广、应用下载、广告投放链接，短链接、跟踪参数、淘口令"
    version = "1"
    dictionary_kinds = ("link-domains", "link-params", "link-cues")

    def __init__(self, rules: LinkRules):
        self.rules = rules

    def run(self, doc):
        own = tuple(str(d).lower().strip() for d in (doc.settings or {}).get("own_domains", ()) or ())
        commercial_spans: dict[str, list[tuple[int, int]]] = {"title": [], "body": []}
        for ref in document_urls(doc):
            verdict = classify(ref.url, self.rules, own)
            if verdict is None:
                continue
            message = verdict.message
            if ref.field == "meta":
                message += f"（{'图片' if ref.source == 'src' else '链接'}地址：{ref.url}）"
            if verdict.severity == "block" and ref.start is not None:
                commercial_spans[ref.field].append((ref.start, ref.end))
            yield self.finding(doc, ref.field, ref.start, ref.end, message, verdict.suggestion,
                               rule=verdict.rule, severity=verdict.severity, entry=verdict.entry or None)
        yield from self._cues(doc, commercial_spans)

    def _cues(self, doc, commercial_spans):
        for field in ("title", "body"):
            text = doc.text(field)
            if not text:
                continue
            mapped = doc.view(field).mapped
            near_link = list(commercial_spans[field])
            for m in TAO_CODE.finditer(text):
                if not any(c.isalpha() for c in m.group()) or not any(c.isdigit() for c in m.group()):
                    continue
                severity = "block" if near_link else "warn"
                near_link.append(m.span())
                yield self.finding(doc, field, m.start(), m.end(),
                                   "疑似淘口令（复制后打开购物应用跳转商品页），属商业推广内容", "删除淘口令",
                                   rule="commercial-link.tao-code", severity=severity)
            for hit in self.rules.cues(mapped):
                s, e = hit.start, hit.end
                if any(s < b + 30 and a - 30 < e for a, b in near_link):
                    continue  # the link finding already covers this promotion
                if doc.quoted(field, s, e):
                    continue  # quoted slogans (市场监管 news)
                yield self.finding(doc, field, s, e, self.rules.cue_message.format(text=text[s:e]),
                                   self.rules.cue_suggestion, rule=self.rules.cue_rule,
                                   severity=self.rules.cue_severity, entry=hit.entry)


@hookimpl
def pubgate_register_checks(register, dictionaries):
    files = {k: dictionaries.of_kind(k) for k in ("link-domains", "link-params", "link-cues")}
    rules, errors = parse_rules(files)
    dictionaries.errors.extend(errors)
    register(CommercialLinks(rules))

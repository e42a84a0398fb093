"""Fallen officials (落马官员) cited as an authority or praised after their fall.

Naming them is normal in disciplinary reporting and warning education; what inspectors count is a
page that still presents them as leaders (「周永康同志指出」) after the announcement. So a name is a
finding only with authority or praise wording in its sentence, without disciplinary wording there,
and only when the draft's publish date is on or after the announcement.
"""

from __future__ import annotations

import re

from pubgate import BaseCheck, Category, Severity, hookimpl
from pubgate.dictionary_loader import DictionaryError
from pubgate.matching import PhraseIndex
from pubgate.plugins._terms_common import as_date, publish_day, sentence_bounds

KIND = "fallen-officials"
AUTHORITY = re.compile(
    r"同志|指出|强调|要求|讲话|批示|指示|关怀|关心|亲切|视察|题词|号召|带领|领导下|部署|寄语|殷切|嘱托|重要论述|精神")
DISCIPLINARY = re.compile(
    r"违纪|违法|开除|被查|审查|调查|判处|判决|受贿|贪污|腐败|落马|警示|反面|案|处分|双开|立案|起诉|服刑|"
    r"教训|查处|纪律|问题线索|严重|所谓|流毒|肃清|余毒")


class FallenOfficialCitation(BaseCheck):
    id = "terms.fallen-officials"
    category = Category.SEVERE_MISSTATEMENT
    severity = Severity.BLOCK
    description = "落马官员被正面引用或作为权威引述"
    dictionary_kinds = (KIND,)

    def __init__(self, dictionaries):
        self.officials: dict[str, dict] = {}
        for f in dictionaries.of_kind(KIND):
            for i, raw in enumerate(f.data.get("officials") or []):
                try:
                    name = raw["name"]
                    if not isinstance(name, str) or len(name) < 2:
                        raise KeyError("name")
                    self.officials[name] = {"announced": as_date(raw.get("announced")), "note": raw.get("note", "")}
                except (KeyError, TypeError, ValueError):
                    dictionaries.errors.append(DictionaryError(
                        f.path, str(raw.get("name") if isinstance(raw, dict) else f"#{i + 1}"),
                        "条目须有 name（至少两个字）和有效的 announced 日期", "写成 - name: 姓名 / announced: YYYY-MM-DD"))
        self.index = PhraseIndex({name: name for name in self.officials})

    def run(self, doc):
        day = publish_day(doc)
        for field in ("title", "body"):
            text = doc.text(field)
            for start, end, name in self.index.find(text):
                info = self.officials[name]
                if info["announced"] is None or day < info["announced"]:
                    continue
                lo, hi = sentence_bounds(text, start, end)
                sentence = text[lo:hi]
                if DISCIPLINARY.search(sentence) or doc.quoted(field, start, end, titles=False):
                    continue
                # Authority wording right after the name (周永康同志指出) or in the clause around it.
                window = text[start:min(hi, end + 12)]
                if not AUTHORITY.search(window):
                    continue
                yield self.finding(
                    doc, field, start, end,
                    f"「{name}」已被查处（{info['note'] or '已通报'}），不得作为领导或权威正面引用。",
                    None, entry=name)


@hookimpl
def pubgate_register_checks(register, dictionaries):
    register(FallenOfficialCitation(dictionaries))

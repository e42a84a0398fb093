"""Format of 发文字号 (GB/T 9704-2012 7.2.5): 机关代字〔年份〕序号号.

The year is written in full inside 六角括号 〔〕, the sequence number has no 第 and no leading zero.
Court case numbers such as （2023）京0105民初123号 keep their 圆括号 by rule, and standard
numbers (GB/T 9704—2012) are not document numbers, so neither matches here.
"""

from __future__ import annotations

import re

from pubgate import BaseCheck, Category, Severity, hookimpl

# Matched on the normalised view, where full-width brackets and digits are already ASCII. The
# bracketed year is searched first (rare in text, so the scan is cheap); the 机关代字 must end right
# before it.
YEAR_AND_NUMBER = re.compile(r"(?P<open>[\[(【〔])(?P<year>\d{2,4})(?P<close>[\])】〕])(?P<di>第)?(?P<num>\d{1,5})号")
ISSUER_CODE = re.compile(r"[x\u4e00-\u9fff]{0,11}(?:发|字|函|办|令|文|复|规|报|电|告|通|呈|便|决)$")
COURT_HINTS = ("法院", "民初", "刑初", "行初", "民终", "刑终", "执")


class DocumentNumberFormat(BaseCheck):
    id = "format.document-number"
    category = Category.FORMAT
    severity = Severity.WARN
    description = "发文字号应写作 机关代字〔年份〕序号号（GB/T 9704-2012 7.2.5）"

    def run(self, doc):
        this_year = doc.publish_date.year
        for field_name in ("title", "body"):
            view = doc.view(field_name)
            for m in YEAR_AND_NUMBER.finditer(view.norm):
                code = ISSUER_CODE.search(view.norm, max(0, m.start() - 12), m.start())
                if code is None:
                    continue
                problems = []
                year = m["year"]
                if len(year) == 2:
                    century = 2000 if 2000 + int(year) <= this_year + 1 else 1900
                    year = str(century + int(year))
                    problems.append("年份应写全称")
                elif len(year) != 4 or not 1949 <= int(year) <= this_year + 1:
                    continue  # not a plausible document year: leave it alone
                if m["open"] != "〔" or m["close"] != "〕":
                    problems.append("年份应使用六角括号〔〕")
                if m["di"]:
                    problems.append("序号前不加「第」")
                if m["num"].startswith("0"):
                    problems.append("序号不编虚位（不加前导 0）")
                if not problems:
                    continue
                # The span starts at the bracket: where the 机关代字 begins is not knowable from
                # the text alone (根据市政发…), and only the part after it needs fixing.
                start, end = view.to_original(m.start("open"), m.end())
                original = view.original
                if any(h in original[max(0, start - 12):end] for h in COURT_HINTS):
                    continue
                suggestion = f"〔{year}〕{int(m['num'])}号"
                issuer = original[view.to_original(code.start(), code.end())[0]:start][-4:]
                yield self.finding(doc, field_name, start, end,
                                   f"发文字号「…{issuer}{original[start:end]}」格式不规范：{'；'.join(problems)}。",
                                   suggestion)


@hookimpl
def pubgate_register_checks(register):
    register(DocumentNumberFormat())

"""Format of 发文字号 (GB/T 9704-2012 7.2.5): 机关代字〔年份〕序号号.

The year is written in full inside 六角括号 〔〕, the sequence number has no 第 and no leading zero.
Court case numbers such as （2023）京0105民初123号 keep their 圆括号 by rule, and standard
numbers (GB/T 9704—2012) are not document numbers, so neither matches here. Every wrong bracket
is reported — [2024], (2024), （2024）, 【2024】, ［2024］, 〖2024〗 — whatever the 机关代字 ends in
(鹤人社, 市卫健, 青财农), since an abbreviation can end in any character.
"""

from __future__ import annotations

import re

from pubgate import BaseCheck, Category, Severity, hookimpl

# Matched on the normalised view, where full-width brackets and digits are already ASCII. The
# bracketed year is searched first (rare in text, so the scan is cheap); the 机关代字 must end right
# before it.
# 号 followed by 楼/院/线… is a building or line number (园区(2024)3号楼 is no 文号).
YEAR_AND_NUMBER = re.compile(r"(?P<open>[\[(【〔〖])(?P<year>\d{2,4})(?P<close>[\])】〕〗])(?P<di>第)?(?P<num>\d{1,5})号"
                             r"(?![楼院线地段门口库位])")
# The 机关代字 is an abbreviation of the issuing body and may end in any character (政发, 人社, 卫健,
# 教, 财农 …); what it never ends in is a function word or a date/measure word of running prose
# (于(2024)…, 年(2024)…). A bare 文号：label stands in for it too.
ISSUER_CODE = re.compile(r"(?:[x\u4e00-\u9fff]{0,11}[x\u4e00-\u9fff](?<![的了在于和与及等为是年月日第共约计至从自其之])"
                         r"|(?:发文字号|文号|字号)[:：]?\s?)$")
# Court and arbitration case numbers. 执 alone is not a hint: 执行 and 执法 precede real 文号
# (贯彻执行市政办发[2024]5号); a court's enforcement cases are 执字 or 0105执 (court code + 执).
COURT_HINTS = re.compile(r"法院|法庭|仲裁|仲案|[民刑行赔]初|[民刑行]终|[民刑行]再|[民刑行]申|\d执|执(?:字|恢|异|保|复|监)")


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
                if COURT_HINTS.search(original, max(0, start - 12), end):
                    continue
                suggestion = f"〔{year}〕{int(m['num'])}号"
                issuer = original[view.to_original(code.start(), code.end())[0]:start][-4:]
                yield self.finding(doc, field_name, start, end,
                                   f"发文字号「…{issuer}{original[start:end]}」格式不规范：{'；'.join(problems)}。",
                                   suggestion)


@hookimpl
def pubgate_register_checks(register):
    register(DocumentNumberFormat())

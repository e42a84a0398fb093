"""办事指南 completeness: the eight elements the 2015 普查 indicator requires of a service guide.

The catch-all wording is a phrase dictionary (dictionaries/vague/guide-phrases.yml) run by the
core matcher, written as classes rather than single strings: open-ended material lists (其他需要提交的
材料, 相关部门要求的其他材料, …等有关证明), deadlines and fees stated only by reference (按有关文件规定
执行, 视情况而定, 根据实际情况确定, 以窗口告知为准, 另行通知) and unnamed windows (相关窗口). This check adds what a phrase list
cannot see: a structured guide (doc_type ``guide`` with at least four of the eight labelled
elements) that leaves some out. It is style advice (``info``): a short guide that deliberately covers
one step is not wrong, so only structured guides are judged and nothing is blocked.
"""

from __future__ import annotations

import re

from pubgate import BaseCheck, Category, Severity, hookimpl

# 事项名称、设定依据、申请条件、办理材料、办理地点、办理时间、联系电话、办理流程 (国办 2015 普查指标).
GUIDE_ELEMENTS: tuple[tuple[str, re.Pattern], ...] = tuple(
    (name, re.compile(pattern)) for name, pattern in (
        ("事项名称", r"事项名称|服务事项|办理事项|事项全称"),
        ("设定依据", r"设定依据|法律依据|办理依据|实施依据|政策依据|法定依据"),
        ("申请条件", r"申请条件|受理条件|办理条件|申办条件|受理标准|申请人条件"),
        ("办理材料", r"申请材料|办理材料|所需材料|提交材料|申报材料|材料清单|要件"),
        ("办理地点", r"办理地点|受理地点|办理地址|受理地址|办理窗口|受理窗口"),
        ("办理时间", r"办理时间|受理时间|办公时间|工作时间"),
        ("联系电话", r"联系电话|咨询电话|联系方式|咨询方式|监督投诉电话|咨询途径"),
        ("办理流程", r"办理流程|办理程序|办事流程|受理流程|办理步骤|流程图"),
    )
)
_MIN_PRESENT = 4


class GuideElementsCheck(BaseCheck):
    id = "vague.guide-elements"
    category = Category.VAGUE_EXPRESSION
    severity = Severity.INFO
    description = "办事指南应包含事项名称、设定依据、申请条件、办理材料、办理地点、办理时间、联系电话、办理流程八要素"

    def run(self, doc):
        if doc.draft.doc_type != "guide":
            return
        text = doc.text("title") + "\n" + doc.text("body")
        missing = [name for name, pattern in GUIDE_ELEMENTS if not pattern.search(text)]
        if not missing or len(GUIDE_ELEMENTS) - len(missing) < _MIN_PRESENT:
            return
        yield self.finding(doc, "meta", None, None,
                           f"办事指南缺少要素：{'、'.join(missing)}。",
                           f"补充{'、'.join(missing)}")


@hookimpl
def pubgate_register_checks(register):
    register(GuideElementsCheck())

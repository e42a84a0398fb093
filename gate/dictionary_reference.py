"""Clean reference texts: sentences a new site dictionary entry must never flag.

A site entry that fires on ordinary official prose would make the gate cry wolf, so every entry
is run over these texts before it is saved (and refused with the sentence it hit). The default
set below was written for pubgate in the voice of county and city government websites; a site
adds its own with the setting ``dictionary_reference_texts`` (a list of sentences or of paths to
UTF-8 text files, one sentence per line).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

__all__ = ["DEFAULT_REFERENCE_TEXTS", "reference_texts"]

DEFAULT_REFERENCE_TEXTS: tuple[str, ...] = (
    "各乡镇人民政府、街道办事处，县直各单位：现将《2024年全县政务公开工作要点》印发给你们，请结合实际认真贯彻落实。",
    "为进一步优化营商环境，切实解决企业和群众办事难、办事慢问题，经县政府同意，制定本实施方案。",
    "本方案自印发之日起施行，有效期五年。此前有关规定与本方案不一致的，以本方案为准。",
    "公示期为2024年5月6日至5月12日，共5个工作日。如有异议，请在公示期内以书面形式向县人力资源和社会保障局反映。",
    "反映问题应实事求是，并提供联系方式，以便核实情况。以单位名义反映的，应加盖单位公章。",
    "申请人可通过县政务服务网在线提交申请材料，也可到县政务服务中心综合受理窗口现场办理。",
    "办理时限：承诺时限为3个工作日，法定时限为20个工作日。收费标准：不收费。",
    "咨询电话：0591-12345678（工作日上午8:00—12:00，下午14:30—17:30）。",
    "您好！您在县长信箱反映的东环路口交通信号灯配时不合理的问题已收悉，现答复如下。",
    "经县交通运输局会同公安交警大队现场核查，已于6月3日对该路口信号灯配时进行优化调整。",
    "感谢您对我县交通管理工作的关心和支持，如有其他问题，欢迎继续通过本平台反映。",
    "今年以来，我市坚持以人民为中心的发展思想，统筹推进稳增长、促改革、调结构、惠民生、防风险各项工作。",
    "全市地区生产总值同比增长5.6%，规模以上工业增加值增长7.1%，社会消费品零售总额增长6.3%。",
    "会议强调，要深入学习贯彻党的二十大精神，全面落实中央和省委、省政府决策部署。",
    "市委常委会召开会议，传达学习中央经济工作会议精神，研究部署我市贯彻落实工作。",
    "各地各部门要压紧压实责任，加强统筹协调，确保各项任务按时保质完成。",
    "本次培训邀请省市场监督管理局有关专家授课，全县120余名食品生产经营者参加培训。",
    "县卫生健康局提醒广大群众：夏季是肠道传染病高发季节，请注意饮食卫生，饭前便后要洗手。",
    "县医院新增核磁共振设备一台，进一步提升了基层医疗服务能力，群众在家门口就能享受优质医疗服务。",
    "近日，县教育局召开全县中小学安全工作会议，对防溺水、交通安全和校园食品安全工作进行再部署。",
    "我县2024年义务教育阶段学校招生工作将于7月1日启动，适龄儿童少年家长可登录招生平台报名。",
    "为保障农民合法权益，县农业农村局组织开展农资打假专项行动，共检查农资经营门店86家。",
    "县林业局开展森林防灭火宣传进村入户活动，发放宣传资料3000余份，提醒群众不要野外用火。",
    "本条例所称政府信息，是指行政机关在履行行政管理职能过程中制作或者获取的，以一定形式记录、保存的信息。",
    "行政机关应当及时、准确地公开政府信息，发现影响或者可能影响社会稳定的虚假信息的，应当发布准确的政府信息予以澄清。",
    "依申请公开的政府信息公开申请，由申请人本人提出，应当包括申请人的姓名或者名称、联系方式等内容。",
    "根据《中华人民共和国政府信息公开条例》第三十六条规定，现对您申请公开的信息答复如下。",
    "关于公开征求《某某县城市生活垃圾分类管理办法（征求意见稿）》意见的公告",
    "征求意见时间自即日起至2024年8月31日止，社会各界可通过电子邮件、信函等方式提出意见建议。",
    "政策解读：一、出台背景；二、主要内容；三、适用范围；四、解读机关及联系方式。",
    "符合条件的小微企业，可按规定享受减半征收房产税、城镇土地使用税等优惠政策。",
    "对首次创业并正常经营一年以上的高校毕业生，给予一次性创业补贴5000元。",
    "县民政局对全县特困供养对象进行走访慰问，为他们送去米、油等生活用品和慰问金。",
    "全县共有行政村128个，社区16个，户籍人口约41.2万人，常住人口约36.8万人。",
    "县文化馆举办迎新春书画展，展出本地书画爱好者作品200余幅，吸引市民群众前来观展。",
    "受强降雨影响，部分路段出现积水，请过往车辆和行人注意安全，服从现场交警指挥。",
    "县应急管理局发布防汛三级应急响应，要求各乡镇加强值班值守，做好转移避险准备。",
    "县人民政府办公室2024年5月20日（此件公开发布）",
    "附件：1. 申请表 2. 承诺书 3. 材料清单",
    "联系人：县政务公开办公室，联系电话：0591-87654321，电子邮箱：zwgk@example.gov.cn。",
)


def reference_texts(configured: Iterable[str] | None = None, *, include_defaults: bool = True) -> list[str]:
    """The default sentences plus the site's own: each configured item is a sentence, or a path
    to a UTF-8 text file read line by line (blank lines skipped)."""
    out: list[str] = list(DEFAULT_REFERENCE_TEXTS) if include_defaults else []
    for item in configured or ():
        if not isinstance(item, str) or not item.strip():
            continue
        path = Path(item)
        if len(item) < 4096 and "\n" not in item and path.suffix in (".txt", ".text") and path.is_file():
            out.extend(line.strip() for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip())
        else:
            out.append(item.strip())
    return out

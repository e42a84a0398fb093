"""Names a draft introduces itself: places, organisations, people and their titles.

The language models know the big names (pycorrector's person and place lists cover those) but not
the county, the township, the cooperative or the official a local draft is about; asked about 江屿市
they prefer 江山市, about 陈昱喆 they prefer 或者. Inspectors never count those as typos, and editors
switch off a gate that "corrects" them. So the statistical layer reads the names off the draft by
their context, and leaves every occurrence of them alone, in every field:

- a place: the two characters before an administrative suffix (江屿市, 蓼洲区, 雾溪县, 桂香镇);
- an organisation: the characters before an organisation word (雾溪宣讲团, 鹤岭学院, 青禾合作社);
- a person: a surname and one or two characters beside a title, a role or a verb of appointment
  (陈昱喆同志, 任命陈昱喆为, 记者王晓炜), or before a parenthesised post (文琦（县应急管理局…）);
- a post: titles such as 副股长, 副局长, 第一书记, whose pieces the models read as other words.

Everything here is context, not lexicon: a made-up county is caught as surely as a real one.
"""

from __future__ import annotations

import functools
import re

__all__ = ["draft_names", "name_spans", "parallel_frames", "is_post", "SURNAMES"]

# The commonest single-character surnames (about 99 % of the population) and the compound ones.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武"
    "戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮"
    "柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古"
    "吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫"
    "寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻"
    "位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦"
    "戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但"
    "尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
                     "司徒", "夏侯", "令狐", "端木", "西门", "南宫", "独孤", "呼延", "澹台", "万俟", "轩辕")

_HAN = r"[\u4e00-\u9fff]"
# Words that end a place name (and the ones that only look like it: 市场, 区域, 县域, 村民 stays a
# place's villagers). A suffix followed by these characters is another word.
_PLACE = re.compile(
    rf"(?P<pre>{_HAN}?)(?P<name>{_HAN}{{2}})(?:省|市|县|区|州|旗|盟|镇|乡|村|街道|社区|居委|嘎查|苏木|开发区|新区|"
    r"高速|高铁|铁路|大道)(?![场域别分间值长容貌况级面])"
)
# Organisation words: the two to four characters before them are the organisation's own name.
_ORG = re.compile(
    rf"(?P<name>{_HAN}{{2}})(?:宣讲团|合作社|有限公司|公司|集团|学院|大学|中学|小学|幼儿园|医院|卫生院|银行|"
    r"协会|商会|研究院|研究所|基金会|工作室|服务队|志愿队|艺术团|农场|林场|景区|公园|水库|电站|码头|大桥|"
    r"小区|花园|广场|湿地|古镇|古村|梯田|茶园|基地|产业园|园区|港区|渔港|海湾|湾区|口岸|"
    r"日报|晚报|报社|全媒体|融媒体|电视台|杂志社)"
)
# Titles and roles that sit right after a person's name, and the words that introduce one.
_TITLES = (r"书记|主任|局长|县长|市长|区长|镇长|乡长|村长|部长|处长|科长|股长|厅长|省长|组长|主席|委员|"
           r"代表|院长|校长|所长|站长|队长|会长|理事长|秘书长|馆长|行长|厂长|经理|董事长|总经理|总监|政委|"
           r"老师|教授|医生|护士|记者|律师|法官|检察官|警官|民警|辅警|干部")
_AFTER_NAME = (_TITLES + r"|同志|先生|女士|说|表示|介绍|指出|强调|认为|告诉|等同志|等人|一行|陪同|带队|率队|先后|"
               r"出席|主持|参加|讲话|发言|调研|（|\(")
_BEFORE_NAME = (_TITLES + r"|通讯员|摄影|摄|编辑|责编|审核|校对|撰稿|作者|联系人|经办人|负责人|法定代表人|"
                r"任命|免去|推荐|表彰|选手|村民|居民|市民|群众|老人|学生|院士|同志|姓名|[:：]|文/|图/|文／|图／")
_GIVEN = rf"{_HAN}{{1,2}}"
_SURNAME = "(?:" + "|".join(COMPOUND_SURNAMES) + "|[" + "".join(sorted(SURNAMES)) + "])"
_PERSON_AFTER = re.compile(rf"(?P<name>{_SURNAME}{_GIVEN}?)(?=(?:{_AFTER_NAME}))")
_PERSON_BEFORE = re.compile(rf"(?:{_BEFORE_NAME})[:：]?(?P<name>{_SURNAME}{_HAN}{{2}}|{_SURNAME}{_HAN}(?=[为、，,。；;：:（(\s]|$))")
# A list of names: two or more surname-led items of two or three characters between 、 marks.
_NAME_LIST = re.compile(rf"(?<![\u4e00-\u9fff])(?P<name>{_SURNAME}{_HAN}{{1,2}})(?=、{_SURNAME}{_HAN}{{1,2}}[、，。；\s])")
# Posts the models split into other words (副股长 → 股市).
_POST = re.compile(r"(?:常务)?副?(?:股|科|处|局|厅|部|院|校|所|站|队|组|庭|县|市|区|镇|乡|村|省|州)长|"
                   r"(?:常务)?副?(?:主任|书记|主席|秘书长|调研员|巡视员)|第一书记")

# Characters no place or organisation name is read with: 在全市, 加强城市, 各县区 are no names.
_NOT_IN_NAMES = frozenset("的地得了着过在是和与及或全各本该我你他她这那每某此其到从向对为于把被就都也还又再等以之"
                          "个些所并且而但即将已未不没有由经请让给叫替跟同")

# Parallel four-character frames that repeat a character (应纳尽纳, 审深审透, 一企一策, 硬招实招): coined
# on purpose, unknown to the models; a slip in a set phrase of this shape is the lexicon check's job.
_PARALLEL = re.compile(r"([\u4e00-\u9fff])[\u4e00-\u9fff]\1[\u4e00-\u9fff]|[\u4e00-\u9fff]([\u4e00-\u9fff])[\u4e00-\u9fff]\2")

_PATTERNS = (_PLACE, _ORG, _PERSON_AFTER, _PERSON_BEFORE, _NAME_LIST)


@functools.lru_cache(maxsize=256)
def draft_names(*texts: str) -> frozenset[str]:
    """The place, organisation and person names the draft's fields introduce by their context."""
    from pubgate.plugins._word_list import common_two_char_words, word_frequencies

    words = common_two_char_words()
    freq = word_frequencies()
    names: set[str] = set()
    for text in texts:
        for pattern in _PATTERNS:
            for m in pattern.finditer(text):
                # 加强城市, 山区, 小区: the last character makes a word with the suffix, so no name ends there
                if pattern is _PLACE and text[m.end("name") - 1:m.end("name") + 1] in words:
                    continue
                if pattern is not _PLACE and pattern is not _ORG and _is_word(m["name"][1:], freq):
                    continue  # 付总理出席: a title after a character that is also a surname
                names.add(m["name"])
    return frozenset(n for n in names if not _NOT_IN_NAMES.intersection(n))


_TITLE_WORD = re.compile(_TITLES)
# A given name that is this common as a word is a title or a phrase (总理, 主任), not a name.
_TITLE_FREQ = 2000


def _is_word(given: str, freq: dict[str, int]) -> bool:
    return len(given) == 2 and (freq.get(given, 0) >= _TITLE_FREQ or _TITLE_WORD.fullmatch(given) is not None)


def is_post(word: str) -> bool:
    """Whether ``word`` is a post such as 副组长 or 第一书记 (a title in its own right)."""
    return _POST.fullmatch(word) is not None


def parallel_frames(text: str) -> list[tuple[int, int]]:
    """Four-character frames that repeat a character (应纳尽纳, 审深审透)."""
    return [m.span() for m in _PARALLEL.finditer(text)]


def name_spans(text: str, names: frozenset[str], *, posts: bool = True) -> list[tuple[int, int]]:
    """Every occurrence of ``names`` in ``text`` (wherever the context introduced them), the first
    character of three-character place names (攀天阁乡), and posts unless ``posts`` is false (the
    lexicon check reads slips in posts: 付市长)."""
    spans = [m.span() for m in _POST.finditer(text)] if posts else []
    spans += [m.span("pre") for m in _PLACE.finditer(text)
              if m["pre"] and m["name"] in names and m["pre"] not in _NOT_IN_NAMES]
    for name in names:
        start = text.find(name)
        while start != -1:
            spans.append((start, start + len(name)))
            start = text.find(name, start + 1)
    return spans

"""The two engine-proving checks: leftover placeholders and document-number format."""

import pytest


def hits(report, category):
    return [(f.text, f.suggestion) for f in report.findings if f.category == category]


@pytest.mark.parametrize("body, expected", [
    ("请于20XX年X月X日前报送。", ["20XX", "X月X日"]),
    ("（XX政办发〔20XX〕XX号）", ["XX政办发", "20XX", "XX号"]),
    ("XXX局关于开展安全检查的通知", ["XXX局"]),
    ("联系人：XXX，联系电话：XXXXXXXX。", ["XXX", "XXXXXXXX"]),
    ("申请条件：【待补充】", ["【待补充】"]),
    ("【此处插入图片】", ["【此处插入图片】"]),
    ("落款：2024年  月  日", ["2024年  月  日"]),
    ("２０ＸＸ年工作要点", ["２０ＸＸ"]),
    ("共完成XX个项目", ["XX个"]),
])
def test_placeholders_are_blocked(check, body, expected):
    report = check(body)
    found = [t for t, _ in hits(report, "placeholder")]
    for text in expected:
        assert any(text in f or f in text for f in found), (text, found)
    assert report.verdict == "block"


@pytest.mark.parametrize("body", [
    "获奖名单：王××、李××。",
    "当事人张某某，身份证号3501**********1234，手机138****1234。",
    "联系电话：138****1234",
    "本次体检包括X射线胸透，使用XX型设备。",
    "王××局长出席会议并讲话。",
    "□同意 □不同意",
    "2023年工作要点",
    "编号SN20XX9型设备",
])
def test_masks_models_and_real_values_are_not_placeholders(check, body):
    assert hits(check(body, doc_type="disclosure"), "placeholder") == []
    assert hits(check(body), "placeholder") == []


@pytest.mark.parametrize("body, text, suggestion", [
    ("根据X政发[2023]12号文件", "[2023]12号", "〔2023〕12号"),
    ("县政办发（2023）5号", "（2023）5号", "〔2023〕5号"),
    ("市政发〔23〕12号", "〔23〕12号", "〔2023〕12号"),
    ("市政发〔2023〕012号", "〔2023〕012号", "〔2023〕12号"),
    ("市政发〔2023〕第12号", "〔2023〕第12号", "〔2023〕12号"),
    ("市政办发【2023】5号", "【2023】5号", "〔2023〕5号"),
])
def test_document_number_format(check, body, text, suggestion):
    [finding] = [f for f in check(body, publish_at="2024-01-10T09:00:00+08:00").findings
                 if f.rule == "format.document-number"]
    assert (finding.text, finding.suggestion, finding.severity) == (text, suggestion, "warn")


@pytest.mark.parametrize("body", [
    "市政发〔2023〕12号",
    "（2023）京0105民初123号民事判决书",
    "依据北京市朝阳区人民法院（2023）京0105民初123号",
    "按照GB/T 9704—2012《党政机关公文格式》",
    "会议于（2023）年召开",
    "第（3）项",
])
def test_correct_numbers_case_numbers_and_standards_pass(check, body):
    assert [f for f in check(body).findings if f.rule == "format.document-number"] == []


def test_seed_reports_placeholders_are_found(shared_file):
    from pubgate import Gate, GateConfig

    path = shared_file("seeds", "000_247ee723d23ecf08.txt")
    text = path.read_text(encoding="utf-8")
    report = Gate(GateConfig(load_entrypoints=False)).check({"body": text, "format": "text"})
    found = [f for f in report.findings if f.category == "placeholder"]
    assert len(found) == text.count("20XX") and all(f.text == "20XX" for f in found)

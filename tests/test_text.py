import pytest

from monitor.text import district_of, normalize_label, normalize_name
from monitor.vocab import METRICS, TRANSFER_FIELDS


@pytest.mark.parametrize("a, b", [
    ("深圳市某某网络科技有限责任公司", "深圳市某某网络科技有限公司"),
    ("深圳市某某网络科技 有限公司", "深圳市某某网络科技有限公司"),
    ("ＡＢＣ金融信息服务有限公司", "ABC金融信息服务有限公司"),
    ("某某（深圳）科技股份有限公司", "某某(深圳)科技有限公司"),
])
def test_names_that_denote_the_same_firm_match(a, b):
    assert normalize_name(a) == normalize_name(b)


def test_different_firms_stay_apart():
    assert normalize_name("甲网络科技有限公司") != normalize_name("乙网络科技有限公司")


def test_labels_fold_punctuation_width_and_case():
    assert normalize_label("借贷余额（元）：") == normalize_label("借贷余额(元):")
    assert normalize_label("Amount (CNY)") == "amountcny"


def test_metric_labels_are_unambiguous():
    seen = {}
    for metric in METRICS:
        for label in metric.labels:
            key = normalize_label(label)
            assert seen.setdefault(key, metric.name) == metric.name, label


def test_transfer_aliases_are_unambiguous():
    seen = {}
    for field in TRANSFER_FIELDS:
        for alias in (field.name, *field.aliases):
            key = normalize_label(alias)
            assert seen.setdefault(key, field.name) == field.name, alias


@pytest.mark.parametrize("address, district", [
    ("示范市南山区滨海大道368号创业大厦39楼", "南山区"),
    ("广东省深圳市福田区深南大道1号", "福田区"),
    ("新疆维吾尔自治区乌鲁木齐市天山区人民路1号", "天山区"),
    ("示范市宝安县城关镇", "宝安县"),
    ("深圳市　宝安区 新安街道", "宝安区"),  # full-width and plain spaces
    ("示范市科技园区8栋", None),  # a park, not a district
    ("示范市滨海大道1号", None),
    ("香港中环皇后大道", None),
    ("", None),
    (None, None),
])
def test_district_of_reads_the_division_after_the_city(address, district):
    assert district_of(address) == district

import pytest

from monitor.text import normalize_label, normalize_name
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

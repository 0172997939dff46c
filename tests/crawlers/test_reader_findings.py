"""What the simulated city's own vocabulary showed about the reader (crawlers/extract/disclosure.py):
a ``<dt>`` the reader does not understand is named and shifts no figure onto the next label."""

from __future__ import annotations

import pytest

from crawlers.extract.disclosure import extract_disclosure

DL = """<html><body><h1>2017年1月运营报告</h1><p>发布时间：2017-02-05</p><dl class="yybg">
<dt>累计出借金额（万元）</dt><dd>7,143.13</dd>
<dt>待处理投诉笔数</dt><dd>167笔</dd>
<dt>累计出借人数</dt><dd>1,006人</dd>
<dt>自成立以来累计借款人数量</dt><dd>755人</dd>
</dl></body></html>"""


def test_a_label_not_understood_in_a_dl_shifts_nothing():
    got = {v.metric: v.value for v in extract_disclosure(DL).values}
    assert got.get("cumulative_lenders") == 1006 and got.get("cumulative_borrowers") == 755


def test_a_label_not_understood_in_a_dl_is_named():
    assert "待处理投诉笔数" in extract_disclosure(DL).not_understood

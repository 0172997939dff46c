"""Field helpers on hand-written saved pages (several layouts, GB18030, prose, months as columns)."""

from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from crawlers.extract.dates import find_published, parse_date, parse_period
from crawlers.extract.disclosure import extract_disclosure, match_label
from crawlers.extract.encoding import decode_body
from crawlers.extract.quantities import parse_amount, parse_quantity, to_canonical

PAGES = Path(__file__).with_name("pages")


def read(name: str, content_type: str | None = None):
    text, encoding, clean = decode_body((PAGES / name).read_bytes(), content_type)
    return extract_disclosure(text), encoding, clean


def values(result):
    return {(v.metric, v.period): v.value for v in result.values}


@pytest.mark.parametrize("text,kind,hint,expected", [
    ("3.20亿元", "yuan", None, 320_000_000.0),
    ("1,234.56万元", "yuan", None, 12_345_600.0),
    ("１，２３４．５６", "yuan", "万元", 12_345_600.0),
    ("12,345笔", "count", None, 12_345.0),
    ("5.23%", "ratio", None, 0.0523),
    ("５．２３％", "ratio", None, 0.0523),
    ("0.0523", "ratio", None, 0.0523),
    ("2.5万人", "count", None, 25_000.0),
])
def test_quantities_are_scaled_to_canonical_units(text, kind, hint, expected):
    assert to_canonical(parse_quantity(text), kind, hint) == expected


def test_contradicting_unit_and_non_numbers_give_nothing():
    assert to_canonical(parse_quantity("5%"), "yuan") is None
    assert parse_quantity("暂无数据") is None
    assert parse_quantity("0755-12345678") is None
    assert parse_amount("涉案金额：120.5万元，案号（2018）粤03民初123号") == 1_205_000.0


@pytest.mark.parametrize("text,expected", [
    ("2018年6月运营报告", date(2018, 6, 1)),
    ("2018-06", date(2018, 6, 1)),
    ("2018.06 数据", date(2018, 6, 1)),
    ("截至2018年6月30日，借贷余额3.2亿元", date(2018, 6, 1)),
    ("截止2018-07-01", date(2018, 6, 1)),
    ("发布时间：2018-07-09", None),
    ("客服电话 0755-1234", None),
    ("1933.09万元", None),
    ("2017.06 元", None),
    ("2018.06%", None),
])
def test_periods(text, expected):
    assert parse_period(text) == expected


def test_amount_that_looks_like_a_month_in_a_two_pair_table():
    """An amount such as 1933.09万元 beside a label must not turn the table into months-as-rows."""
    html = """<html><body><p>发布时间：2018-06-10</p><h2>2018年5月运营数据</h2><table>
      <tr><td>借贷余额</td><td>1933.09万元</td><td>逾期金额</td><td>12.50万元</td></tr>
      <tr><td>累计借贷笔数</td><td>2,018笔</td><td>项目逾期率</td><td>1.20%</td></tr>
    </table></body></html>"""
    may = date(2018, 5, 1)
    got = {(v.metric, v.period): v.value for v in extract_disclosure(html).values}
    assert got == {("outstanding_balance", may): 19_330_900.0, ("overdue_amount", may): 125_000.0,
                   ("cumulative_lending_count", may): 2018.0, ("project_overdue_rate", may): 0.012}


def test_publication_dates_are_utc_and_never_early():
    assert find_published("发布时间：2018-07-09") == datetime(2018, 7, 9, tzinfo=timezone.utc)
    assert find_published("发布日期：2018年7月9日 10:30") == datetime(2018, 7, 9, 2, 30, tzinfo=timezone.utc)
    assert parse_date("立案日期 20180305") == date(2018, 3, 5)


def test_labels_tolerate_units_numbering_and_prefixes():
    assert match_label("借贷余额（万元）")[0].name == "outstanding_balance"
    assert match_label("借贷余额（万元）")[1] == "万元"
    assert match_label("3、在贷余额：")[0].name == "outstanding_balance"
    assert match_label("平台累计借贷金额")[0].name == "cumulative_lending_amount"
    assert match_label("90天以上逾期金额")[0].name == "overdue_90_amount"
    assert match_label("借贷余额笔数")[0].name == "outstanding_count"
    assert match_label("联系电话") is None


def test_table_rows_with_unit_column_and_noise():
    result, encoding, clean = read("table_rows.html")
    got = values(result)
    june = date(2018, 6, 1)
    assert encoding == "utf-8" and clean
    assert got == {
        ("cumulative_lending_amount", june): 123_456_789.0,
        ("outstanding_balance", june): 12_345_600.0,
        ("cumulative_lending_count", june): 45_678.0,
        ("project_overdue_rate", june): 0.0125,
        ("avg_yield", june): 0.098,
        ("overdue_90_amount", june): 0.0,
        ("top10_borrower_share", june): 0.125,
    }
    assert result.published_at == datetime(2018, 7, 9, 2, 30, tzinfo=timezone.utc)
    raw = {v.metric: (v.raw_label, v.raw_value) for v in result.values}
    assert raw["outstanding_balance"] == ("借贷余额(万元)", "1,234.56")


def test_months_as_columns_with_table_unit():
    result, _, _ = read("table_months_columns.html")
    got = values(result)
    assert got[("outstanding_balance", date(2018, 5, 1))] == 11_005_000.0
    assert got[("cumulative_lenders", date(2018, 6, 1))] == 1_500.0
    assert got[("amount_overdue_rate", date(2018, 4, 1))] == 0.005
    assert ("amount_overdue_rate", date(2018, 6, 1)) not in got  # "-" is no value
    assert len(got) == 8


def test_definition_list_in_gbk_declared_page():
    result, encoding, clean = read("dl_gbk.gb18030.html")
    assert encoding == "gb18030" and clean
    dec = date(2017, 12, 1)
    assert values(result) == {("outstanding_balance", dec): 320_000_000.0, ("outstanding_count", dec): 2_345.0,
                              ("related_party_balance", dec): 0.0, ("top1_borrower_share", dec): 0.0085}
    assert result.published_at.date() == date(2018, 1, 15)


def test_key_value_text_in_undeclared_gb18030():
    result, encoding, _ = read("kv_nocharset.gb18030.html")
    assert encoding == "gb18030"
    mar = date(2018, 3, 1)
    got = values(result)
    assert got[("cumulative_lending_amount", mar)] == 56_789_000.0
    assert got[("cumulative_lending_count", mar)] == 12_345.0
    assert got[("current_lenders", mar)] == 321.0 and got[("current_borrowers", mar)] == 45.0
    assert got[("overdue_amount", mar)] == 125_000.0 and got[("overdue_count", mar)] == 7.0
    assert len(got) == 7
    assert result.published_at.date() == date(2018, 4, 12)


def test_prose_with_as_of_date():
    result, _, _ = read("prose.html")
    june = date(2018, 6, 1)
    got = values(result)
    assert got[("cumulative_lending_amount", june)] == 1_235_000_000.0
    assert got[("outstanding_balance", june)] == 320_000_000.0
    assert got[("cumulative_lenders", june)] == 12_000.0
    assert got[("cumulative_borrowers", june)] == 3_456.0
    assert got[("avg_yield", june)] == 0.115
    assert all(v.metric != "overdue_amount" for v in result.values)  # the phone number is not a figure
    assert result.published_at.date() == date(2018, 7, 5)


def test_page_naming_metrics_without_values_is_unreadable_with_reason():
    result, _, _ = read("unreadable.html")
    assert result.values == [] and result.label_hits >= 2
    assert "no label/value pair" in result.reason
    index, _, _ = read("nodata_index.html")
    assert index.values == [] and index.reason is None  # an index page is not expected to hold figures


def test_invalid_bytes_are_replaced_not_fatal():
    body = "<p>2018年6月 借贷余额：3.2亿元</p>".encode("utf-8") + b"\xff\xfe\x80"
    text, encoding, clean = decode_body(body, "text/html; charset=utf-8")
    assert encoding == "utf-8" and not clean
    assert values(extract_disclosure(text)) == {("outstanding_balance", date(2018, 6, 1)): 320_000_000.0}
    assert extract_disclosure("").values == []
    assert extract_disclosure("<html><body><table><tr><td>借贷余额<td></table").values == []


def test_cards_with_figure_above_label_and_two_pairs_per_row():
    result, _, _ = read("cards.html")
    aug = date(2017, 8, 1)
    assert values(result) == {("cumulative_lending_amount", aug): 65_926_300.0,
                              ("cumulative_lending_count", aug): 929.0,
                              ("top10_borrower_share", aug): 0.3602,
                              ("amount_overdue_rate", aug): 0.0019,
                              ("overdue_count", aug): 3.0, ("overdue_amount", aug): 26_300.0}
    assert result.published_at.date() == date(2017, 9, 8)


def test_registry_company_page():
    from crawlers.extract.registry import extract_registry

    res = extract_registry((PAGES / "registry_company.html").read_text("utf-8"), "/registry/company/x.html")
    c = res.company
    assert (c["name"], c["uscc"], c["legal_representative"]) == ("示范市恒信网络科技有限公司", "91440300MA5DEMP00Q", "张三")
    assert (c["registered_capital"], c["paid_in_capital"]) == (100_000_000.0, 5_000_000.0)
    assert c["address"] == "示范市福田区（北区）新街1号" and c["established_on"] == date(2014, 5, 6)
    assert [(s["kind"], s["name"], s.get("uscc"), s["share"]) for s in res.shareholders] == [
        ("company", "示范市恒信投资控股有限公司", "91440300P4C0000019", 0.6), ("person", "张三", None, 0.4)]
    assert res.shareholders[1]["id"] == "440307********2467"
    assert [(e["name"], e["role"]) for e in res.executives] == [("张三", "董事长"), ("李四", "监事")]
    assert [(g["guarantor"]["name"], g["guaranteed"]["uscc"], g["amount"]) for g in res.guarantees] == [
        ("示范市恒信网络科技有限公司", "91440300P4C0000019", 3_000_000.0)]
    assert res.changes == [{"date": date(2017, 6, 19), "field": "法定代表人", "old": "王五", "new": "张三"}]
    # The page shows the state after its latest change, so it counts as public from then on.
    assert res.published_at == datetime(2017, 6, 19, tzinfo=timezone.utc)


def test_court_complaint_and_list_pages():
    from crawlers.extract.events import extract_article, extract_table_items, keywords

    html = (PAGES / "court_enforcement.html").read_text("utf-8")
    assert extract_table_items(html, "u", "court")[0] == []  # a record table, not a list
    ev = extract_article(html, "/court/zxgk/1.html", "court")
    assert (ev["kind"], ev["uscc"], ev["amount"], ev["occurred_on"]) == (
        "enforcement", "91440300MA5DEMP00Q", 930_000.0, date(2017, 9, 28))
    assert ev["published_at"].date() == date(2017, 10, 2)
    post = extract_article((PAGES / "complaint_post.html").read_text("utf-8"), "/complaints/post/1.html", "complaint")
    assert post["kind"] == "complaint" and post["occurred_on"] == date(2018, 6, 12)
    assert post["subject_name"] == "示范市恒信网络科技有限公司"
    assert {"提现困难", "逾期"} <= set(post["keywords"])
    assert extract_article((PAGES / "complaint_list.html").read_text("utf-8"), "/complaints/", "complaint") is None
    assert keywords("平台良性退出公告") == ["退出", "良性退出"]


# --------------------------------------------------------------------------- labels by meaning, units, suspects
def by_item(result):
    return {(v.item, v.period): v for v in result.values}


@pytest.mark.parametrize("label,item,confidence", [
    ("项目逾期率¹", "项目逾期率", "exact"),
    ("逾期金额②", "逾期金额", "exact"),
    ("累计代偿金额†", "累计代偿金额", "exact"),
    ("最大十户借款人待还金额占比※", "前十大借款人待还金额占比", "exact"),
    ("最大十户借款人待还占比", "前十大借款人待还金额占比", "family"),
    ("最大单户借款人待还占比", "最大单一借款人待还金额占比", "family"),
    ("累计成交额（万元）", "累计借贷金额", "exact"),
    ("贷款余额", "借贷余额", "exact"),
    ("逾期率(笔数)", "项目逾期率", "exact"),
    ("逾期率（金额）（%）*", "金额逾期率", "exact"),
    ("逾期90天（不含）以上 / 笔数", "逾期90天（不含）以上笔数", "exact"),
    ("在贷余额（万元）(注)", "借贷余额", "family"),
    ("代偿笔数（累计）", "累计代偿笔数", "family"),
    ("出借人数量（人） / 本月", "当期出借人数量", "family"),
    ("待收利息（亿元）", "利息余额", "exact"),
])
def test_labels_are_read_by_meaning(label, item, confidence):
    from crawlers.extract.labels import read_label

    lb = read_label(label)
    assert (lb.metric.item if lb.metric else None, lb.confidence) == (item, confidence)


@pytest.mark.parametrize("label", ["累计为出借人赚取收益", "注册用户", "风险准备金余额", "借贷金额 / 本月", "借款金额",
                                   "较上月增长", "平台累计成交"])
def test_counters_and_flows_are_not_items(label):
    from crawlers.extract.labels import read_label

    assert read_label(label).metric is None


def test_unit_column_caption_and_unit_line():
    page = ("<h2>2018年11月运营数据</h2><table><tr><th>指标</th><th>单位</th><th>数值</th></tr>"
            "<tr><td>在贷余额</td><td>亿元</td><td>1.20</td></tr>"
            "<tr><td>项目逾期率</td><td>%</td><td>0.15</td></tr>"
            "<tr><td>逾期笔数</td><td>笔</td><td>12</td></tr></table>"
            "<p>单位：万元</p><table><tr><td>逾期金额</td><td>3,456.78</td></tr></table>"
            "<table><caption>单位：元</caption><tr><th>月份</th><th>利息余额</th></tr>"
            "<tr><td>2018年10月</td><td>1,000.50</td></tr></table>")
    got = by_item(extract_disclosure(page))
    nov, oct_ = date(2018, 11, 1), date(2018, 10, 1)
    assert got[("借贷余额", nov)].value == 120_000_000.0
    assert got[("项目逾期率", nov)].value == pytest.approx(0.0015)
    assert got[("逾期笔数", nov)].value == 12
    assert got[("逾期金额", nov)].value == pytest.approx(34_567_800.0)
    assert got[("利息余额", oct_)].value == 1000.5


def test_narrative_with_chinese_percent_and_bare_count_after_an_amount():
    page = ("<p>截至2018年6月末，平台累计交易总额为1.17亿元，借贷余额3,456.78万元。前十名借款人待还金额占比百分之十五。"
            "其中逾期90天（不含）以上金额52.3万元、笔数63笔。</p>")
    got = by_item(extract_disclosure(page))
    june = date(2018, 6, 1)
    assert got[("累计借贷金额", june)].value == 117_000_000.0
    assert got[("借贷余额", june)].value == pytest.approx(34_567_800.0)
    assert got[("前十大借款人待还金额占比", june)].value == pytest.approx(0.15)
    assert got[("逾期90天（不含）以上金额", june)].value == pytest.approx(523_000.0)
    assert got[("逾期90天（不含）以上笔数", june)].value == 63


def test_implausible_values_are_flagged_not_dropped():
    page = ("<h2>2018年8月运营数据</h2><table>"
            "<tr><td>前十大借款人待还金额占比</td><td>150.00%</td></tr>"
            "<tr><td>逾期笔数</td><td>36.5笔</td></tr>"
            "<tr><td>借贷余额</td><td>12,784.03万元</td></tr>"
            "<tr><td>逾期金额</td><td>157.82万元</td></tr>"
            "<tr><td>金额逾期率</td><td>0.0123%</td></tr>"
            "<tr><td>项目逾期率</td><td>1.14%</td></tr></table>"
            "<h3>历年余额（万元）</h3><table><tr><th>月份</th><th>待收余额（万元）</th></tr>"
            "<tr><td>2018-01</td><td>1,180.01</td></tr><tr><td>2018-02</td><td>12,014,225.67</td></tr>"
            "<tr><td>2018-03</td><td>1,210.05</td></tr></table>")
    got = by_item(extract_disclosure(page))
    aug = date(2018, 8, 1)
    assert "plausible range" in got[("前十大借款人待还金额占比", aug)].suspect
    assert got[("前十大借款人待还金额占比", aug)].value == 1.5  # what the page says, flagged
    assert got[("逾期笔数", aug)].suspect == "a count with decimals"
    assert "逾期金额/借贷余额" in got[("金额逾期率", aug)].suspect
    assert got[("项目逾期率", aug)].suspect is None and got[("借贷余额", aug)].suspect is None
    assert "× the median" in got[("借贷余额", date(2018, 2, 1))].suspect  # 元 typed under a 万元 header
    assert got[("借贷余额", date(2018, 1, 1))].suspect is None and got[("借贷余额", date(2018, 3, 1))].suspect is None


def test_jump_against_the_previous_month_on_the_same_page():
    page = ("<p>单位：元</p><table><tr><th>项目</th><th>本月（2019年3月）</th><th>上月（2019年2月）</th><th>环比</th></tr>"
            "<tr><td>借贷余额</td><td>217,432,145,510.00</td><td>20,175,490.00</td><td>+7.77%</td></tr>"
            "<tr><td>逾期金额</td><td>4,433,400.00</td><td>4,593,000.00</td><td>-3.47%</td></tr></table>")
    got = by_item(extract_disclosure(page))
    assert "× the value of 2019-02" in got[("借贷余额", date(2019, 3, 1))].suspect
    assert got[("借贷余额", date(2019, 2, 1))].value == 20_175_490.0
    assert got[("逾期金额", date(2019, 2, 1))].suspect is None
    assert all("环比" not in v.raw_label for v in got.values())


UNKNOWN_ONLY = ("<title>2018年9月运营报告</title><h2>2018年9月运营数据</h2><table>"
                "<tr><td>存续借款规模</td><td>3,000万元</td></tr><tr><td>保障计划覆盖金额</td><td>1,200万元</td></tr></table>")


def test_unknown_labels_are_reported_and_operator_synonyms_read_them():
    result = extract_disclosure(UNKNOWN_ONLY)
    assert result.values == [] and "labels not understood" in result.reason
    assert "存续借款规模" in result.not_understood
    result = extract_disclosure(UNKNOWN_ONLY, synonyms={"存续借款规模": "outstanding_balance",
                                                        "保障计划覆盖金额": "compensatory_amount"})
    got = by_item(result)
    assert got[("借贷余额", date(2018, 9, 1))].value == 30_000_000.0
    assert got[("借贷余额", date(2018, 9, 1))].confidence == "operator"
    assert got[("累计代偿金额", date(2018, 9, 1))].value == 12_000_000.0
    assert result.not_understood == []


def test_synonyms_file(tmp_path):
    from crawlers.synonyms import SynonymsError, load_synonyms

    path = tmp_path / "synonyms.toml"
    assert load_synonyms(path) == {}
    path.write_text('[synonyms]\n"存续借款规模" = "借贷余额"\n"保障计划覆盖金额" = "project_overdue_rate"\n',
                    encoding="utf-8")
    assert load_synonyms(path) == {"存续借款规模": "outstanding_balance", "保障计划覆盖金额": "project_overdue_rate"}
    path.write_text('[synonyms]\n"存续借款规模" = "余额"\n', encoding="utf-8")
    with pytest.raises(SynonymsError, match=r"synonyms.toml:2:2: .*not a disclosure item"):
        load_synonyms(path)
    path.write_text('[synonyms]\n"a" = \n', encoding="utf-8")
    with pytest.raises(SynonymsError, match=r"synonyms.toml: .*line 2, column"):
        load_synonyms(path)


def test_unknown_labels_make_a_page_unreadable_and_suspects_stay_out_of_facts():
    from crawlers.extract.disclosure import page_outcome

    status, error, facts = page_outcome(extract_disclosure(UNKNOWN_ONLY))
    assert status == "unreadable" and "存续借款规模" in error and facts == []
    synonyms = {"存续借款规模": "outstanding_balance"}
    status, error, facts = page_outcome(extract_disclosure(UNKNOWN_ONLY, synonyms=synonyms))
    assert status == "ok" and [f["metric"] for f in facts] == ["outstanding_balance"]
    assert "保障计划覆盖金额" in error  # still not understood, and said so
    page = ("<h2>2018年8月运营数据</h2><table><tr><td>前十大借款人待还金额占比</td><td>150%</td></tr>"
            "<tr><td>逾期笔数</td><td>12笔</td></tr></table>")
    status, error, facts = page_outcome(extract_disclosure(page))
    assert status == "ok" and [f["metric"] for f in facts] == ["overdue_count"]
    assert "suspect values not stored" in error and "150%" in error
    status, error, facts = page_outcome(extract_disclosure(page.replace("<tr><td>逾期笔数</td><td>12笔</td></tr>", "")))
    assert status == "unreadable" and "150%" in error and facts == []
    assert page_outcome(extract_disclosure("<p>关于我们</p>")) == (None, None, [])


def test_bare_ratios_of_one_item_share_their_reading():
    page = ("<table><tr><th>项目</th><th>2018年1月</th><th>2018年2月</th><th>2018年3月</th></tr>"
            "<tr><td>项目逾期率</td><td>1.12</td><td>0.98</td><td>1.05</td></tr>"
            "<tr><td>金额逾期率</td><td>0.45</td><td>0.02</td><td>0.03</td></tr></table>")
    got = by_item(extract_disclosure(page))
    feb = date(2018, 2, 1)
    assert got[("项目逾期率", feb)].value == pytest.approx(0.0098)  # 1.12 and 1.05 beside it are percentages
    assert got[("金额逾期率", feb)].value == 0.02 and got[("金额逾期率", feb)].suspect is None
    assert "without a unit" in got[("金额逾期率", date(2018, 1, 1))].suspect


@pytest.mark.parametrize("label, code", [("待偿还借款笔数", "outstanding_count"), ("待偿还借款余额（万元）", "outstanding_balance"),
                                         ("待偿还利息", "interest_balance"), ("累计代偿笔数", "compensatory_count")])
def test_outstanding_read_by_its_family_whatever_the_word_for_unpaid(label, code):
    from crawlers.extract.labels import read_label

    assert read_label(label).metric.name == code

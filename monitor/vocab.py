"""Shared vocabularies: disclosure metrics and transfer-file columns.

These tables are the contract between the simulated city (which writes
labels and headers), the crawlers (which read disclosure labels) and the
ingest (which reads transfer headers). Labels are matched after
:func:`monitor.text.normalize_label`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    name: str  # canonical code, stored in DisclosureFact.metric
    label: str  # the label the simulated city prints first
    unit: str  # unit family: yuan / count / ratio
    synonyms: tuple[str, ...] = ()  # labels the simulated city prints too
    official: str = ""  # the item as the 2017 guideline (银监办发〔2017〕113号) names it
    kind: str = ""  # amount / count / ratio (a share of a balance) / rate
    low: float = 0.0  # plausible range of a value in the canonical unit (元, count, fraction)
    high: float = 1e12
    reader_synonyms: tuple[str, ...] = ()  # further spellings platforms use (read, never written)

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.label, *self.synonyms)

    @property
    def item(self) -> str:
        """The guideline's name of the item."""
        return self.official or self.label

    @property
    def all_labels(self) -> tuple[str, ...]:
        """Every spelling the reader knows exactly: the guideline's, the city's and the platforms'."""
        return tuple(dict.fromkeys((self.item, *self.labels, *self.reader_synonyms)))


_AMOUNT = {"unit": "yuan", "kind": "amount", "low": 0.0, "high": 1e12}
_COUNT = {"unit": "count", "kind": "count", "low": 0.0, "high": 1e9}
_SHARE = {"unit": "ratio", "kind": "ratio", "low": 0.0, "high": 1.0}
_RATE = {"unit": "ratio", "kind": "rate", "low": 0.0, "high": 1.0}


def _m(name: str, label: str, unit_kind: dict, synonyms: tuple[str, ...] = (), official: str = "",
       reader: tuple[str, ...] = (), **over) -> Metric:
    fields = {**unit_kind, **over}
    return Metric(name, label, fields.pop("unit"), synonyms, official or label, reader_synonyms=reader, **fields)


# The simulated city prints these metrics with these labels (``label``/``synonyms``; monitor/sim reads
# this tuple, so adding a metric here changes the city). Units: "yuan" in 元; "ratio" as fractions.
METRICS: tuple[Metric, ...] = (
    _m("cumulative_lending_amount", "累计借贷金额", _AMOUNT,
       ("累计交易总额", "累计成交金额", "累计撮合金额", "累计出借金额", "累计交易金额"),
       reader=("累计成交额", "累计借贷总额", "累计撮合交易额")),
    _m("cumulative_lending_count", "累计借贷笔数", _COUNT,
       ("累计交易笔数", "累计成交笔数", "累计撮合笔数")),
    _m("outstanding_balance", "借贷余额", _AMOUNT,
       ("待还余额", "在贷余额", "借贷余额总额", "待偿金额", "待还本金余额"),
       reader=("贷款余额", "待收余额")),
    _m("outstanding_count", "借贷余额笔数", _COUNT,
       ("在贷笔数", "待还笔数", "未偿还借款笔数"), reader=("未到期借款笔数",)),
    _m("cumulative_lenders", "累计出借人数量", _COUNT,
       ("累计出借人数", "累计投资人数", "累计出借人")),
    _m("cumulative_borrowers", "累计借款人数量", _COUNT,
       ("累计借款人数", "累计借款人"), reader=("累计融资人数",)),
    _m("current_lenders", "当期出借人数量", _COUNT,
       ("当前出借人数", "本月出借人数", "当期出借人数"), reader=("当月出借人数量",)),
    _m("current_borrowers", "当期借款人数量", _COUNT,
       ("当前借款人数", "本月借款人数", "当期借款人数"), reader=("当月借款人数量",)),
    _m("top1_borrower_share", "最大单一借款人待还金额占比", _SHARE,
       ("最大单户借款余额占比", "最大单一借款人借款余额占比"),
       reader=("最大单户借款人待还金额占比", "单一最大借款人待还金额占比")),
    _m("top10_borrower_share", "前十大借款人待还金额占比", _SHARE,
       ("前十大借款人借款余额占比", "前十名借款人待还金额占比"),
       reader=("最大十户借款人待还金额占比", "前十大借款人待还金额占比例")),
    _m("related_party_balance", "关联关系借款余额", _AMOUNT,
       ("关联方借款余额", "关联借款余额"), reader=("关联关系借款金额",)),
    _m("related_party_count", "关联关系借款笔数", _COUNT,
       ("关联方借款笔数", "关联借款笔数")),
    _m("overdue_amount", "逾期金额", _AMOUNT,
       ("借款人逾期金额", "逾期借款金额"), reader=("逾期总金额",)),
    _m("overdue_count", "逾期笔数", _COUNT,
       ("借款逾期笔数", "逾期借款笔数"), reader=("借款人逾期笔数", "逾期总笔数")),
    _m("overdue_90_amount", "逾期90天以上金额", _AMOUNT,
       ("逾期90天（不含）以上金额", "90天以上逾期金额"), official="逾期90天（不含）以上金额"),
    _m("compensatory_amount", "累计代偿金额", _AMOUNT,
       ("代偿金额", "累计代偿"), reader=("累计代偿总额",)),
    _m("project_overdue_rate", "项目逾期率", _RATE, ("借款项目逾期率",),
       reader=("笔数逾期率", "逾期率笔数")),
    _m("amount_overdue_rate", "金额逾期率", _RATE, ("借款金额逾期率",),
       reader=("逾期率金额", "逾期金额占比")),
    _m("avg_yield", "平均年化收益率", _RATE,
       ("平均预期年化收益率", "出借人平均年化收益", "综合年化收益率", "平均约定年化利率"),
       official="历史平均约定年化利率", high=0.36,
       reader=("历史平均年化收益率", "借款人平均约定年化利率")),
)

# Guideline items the simulated city does not print (yet); the reader knows them.
READER_ONLY_METRICS: tuple[Metric, ...] = (
    _m("interest_balance", "利息余额", _AMOUNT, reader=("待收利息", "待还利息", "未偿还利息余额")),
    _m("overdue_90_count", "逾期90天以上笔数", _COUNT, ("逾期90天（不含）以上笔数", "90天以上逾期笔数"),
       official="逾期90天（不含）以上笔数"),
    _m("compensatory_count", "累计代偿笔数", _COUNT, ("代偿笔数",), reader=("累计代偿总笔数",)),
)

_GUIDELINE_ORDER = ("cumulative_lending_amount", "cumulative_lending_count", "outstanding_balance", "outstanding_count",
                    "interest_balance", "cumulative_lenders", "cumulative_borrowers", "current_lenders",
                    "current_borrowers", "top10_borrower_share", "top1_borrower_share", "related_party_balance",
                    "related_party_count", "overdue_amount", "overdue_count", "overdue_90_amount", "overdue_90_count",
                    "compensatory_amount", "compensatory_count", "project_overdue_rate", "amount_overdue_rate",
                    "avg_yield")
# Every disclosure item the reader knows, in the guideline's order (信息披露内容说明).
DISCLOSURE_ITEMS: tuple[Metric, ...] = tuple(
    next(m for m in (*METRICS, *READER_ONLY_METRICS) if m.name == n) for n in _GUIDELINE_ORDER)
# Texts the guideline asks for besides figures.
DISCLOSURE_TEXTS = ("收费标准",)

METRICS_BY_NAME: dict[str, Metric] = {m.name: m for m in DISCLOSURE_ITEMS}
ITEMS_BY_OFFICIAL: dict[str, Metric] = {m.item: m for m in DISCLOSURE_ITEMS}


# --------------------------------------------------------------------------- transfer files
@dataclass(frozen=True)
class TransferField:
    name: str  # canonical column of the transfer store
    required: bool
    aliases: tuple[str, ...]


TRANSFER_FIELDS: tuple[TransferField, ...] = (
    TransferField("txn_id", True, ("交易流水号", "流水号", "交易编号", "银行流水号",
                                   "txn_id", "transaction_id", "transaction id", "ref no", "reference")),
    TransferField("txn_time", True, ("交易时间", "交易日期", "记账时间", "入账时间",
                                     "txn_time", "time", "timestamp", "transaction time", "date")),
    TransferField("amount", True, ("交易金额", "金额", "发生额", "交易金额(元)", "交易金额(万元)",
                                   "amount", "amount (cny)", "amount_cny")),
    TransferField("payer_account", True, ("付款账号", "付款方账号", "转出账号", "付款人账号",
                                          "payer_account", "from account", "debit account")),
    TransferField("payer_name", False, ("付款户名", "付款方户名", "付款人名称", "付款方名称",
                                        "payer_name", "from name", "debit name")),
    TransferField("payer_id", False, ("付款方证件号", "付款人证件号码", "付款方证件号码",
                                      "payer_id", "from id", "debit id")),
    TransferField("payee_account", True, ("收款账号", "收款方账号", "转入账号", "收款人账号",
                                          "payee_account", "to account", "credit account")),
    TransferField("payee_name", False, ("收款户名", "收款方户名", "收款人名称", "收款方名称",
                                        "payee_name", "to name", "credit name")),
    TransferField("payee_id", False, ("收款方证件号", "收款人证件号码", "收款方证件号码",
                                      "payee_id", "to id", "credit id")),
    TransferField("purpose", False, ("摘要", "用途", "交易用途", "附言", "交易类型",
                                     "purpose", "memo", "description", "type")),
    TransferField("currency", False, ("币种", "currency")),
)

# Custody operations as custody banks label them (摘要/交易类型). The simulated
# city uses these; real files vary, so detectors must not rely on them alone.
PURPOSES = {
    "invest": "出借",  # lender → custody
    "disburse": "放款",  # custody → borrower
    "repay": "还款",  # borrower → custody
    "payout": "兑付",  # custody → lender (principal and interest)
    "withdraw": "提现",  # custody → platform's own or other account
    "transfer": "转账",  # anything else
}


# --------------------------------------------------------------------------- finding kinds
# Finding kinds are named by the records of the detectors (graphs/detectors) and indicators
# (monitor/indicators): :func:`pattern_names`. These are the rule set's own contribution keys, as
# (Chinese, English).
RULE_KEYS: dict[str, tuple[str, str]] = {
    "weak_cap": ("弱信号封顶", "cap on weak signals"),
    "source_cap": ("同一来源弱信号封顶", "cap on weak signals of one source"),
    "cap": ("指数封顶", "index cap"),
    "severity.low": ("严重程度分值·低", "severity points: low"),
    "severity.medium": ("严重程度分值·中", "severity points: medium"),
    "severity.high": ("严重程度分值·高", "severity points: high"),
    "severity.critical": ("严重程度分值·严重", "severity points: critical"),
    "default": ("其他模式（默认权重）", "other pattern (default weight)"),
}


def _records() -> tuple:
    """Every detector's and indicator's record (read lazily: graphs imports this module)."""
    from graphs.across import RECORDS as ACROSS_RECORDS
    from graphs.detectors import RECORDS
    from monitor.indicators import INDICATOR_RECORDS

    return (*RECORDS.values(), *ACROSS_RECORDS.values(), *INDICATOR_RECORDS)


@functools.cache
def pattern_names() -> dict[str, tuple[str, str]]:
    """Finding kinds, indicators and the rule set's contribution keys → (Chinese, English), for people:
    alert titles, the portal and the briefings."""
    return {**{r.name: (r.zh, r.en) for r in _records()}, **RULE_KEYS}


def __getattr__(name: str):
    # ``PATTERN_ZH`` (code → Chinese name) is built from the records on first use.
    if name == "PATTERN_ZH":
        return _pattern_zh()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def _pattern_zh() -> dict[str, str]:
    return {code: names[0] for code, names in pattern_names().items()}


# --------------------------------------------------------------------------- evidence
# Names of the numbers detectors (graphs/detectors) and indicators (monitor/indicators) write in
# ``Evidence.metrics``, and of the keys of the maps some of them hold, as (Chinese, English): the
# briefings and the portal label evidence from this one table. Disclosure metric names used as keys
# fall back to ``METRICS``. A test reads the detectors and indicators and fails on a key missing here.
# Amounts are in 元, shares are fractions.
EVIDENCE_METRICS: dict[str, tuple[str, str]] = {
    # flows: collectors, fund pools, self-financing
    "amount": ("金额（元）", "amount (yuan)"),
    "borrowers": ("借款人数", "borrowers"),
    "gathered": ("归集金额（元）", "amount gathered (yuan)"),
    "gathered_share": ("归集占比", "share gathered"),
    "loans": ("放款金额（元）", "loans (yuan)"),
    "tie": ("关联方式", "tie to the platform"),
    "collector_tied": ("归集户关联方式", "collector's tie to the platform"),
    "disclosed_related_party_balance": ("披露的关联借款余额（元）", "disclosed related-party balance (yuan)"),
    "owed_in_flows": ("资金流显示欠款（元）", "owed according to the flows (yuan)"),
    "owed_at": ("欠款时点", "owed as of"),
    "disclosure_due": ("首期应披露日", "first report due"),
    "disclosed": ("披露", "disclosed"),
    "tied_outflows": ("流向关联方金额（元）", "outflows to tied accounts (yuan)"),
    "bypass_inflows": ("绕开存管流入（元）", "inflows bypassing custody (yuan)"),
    "bypass_payers": ("绕开存管付款人数", "payers bypassing custody"),
    "lender_inflows": ("出借人流入（元）", "lender inflows (yuan)"),
    "paid_in": ("流入合计（元）", "total inflows (yuan)"),
    "share": ("占比", "share"),
    "share_to_collector": ("流向归集户占比", "share to the collector"),
    # Ponzi
    "gap_share_by_month": ("各月缺口占比", "gap share by month"),
    "gap_share_mean": ("缺口占比均值", "mean gap share"),
    "gap_share_earlier_mean": ("此前缺口占比均值", "earlier mean gap share"),
    "rising": ("呈上升", "rising"),
    "baseline_months": ("基准月数", "baseline months"),
    "payouts": ("兑付金额（元）", "payouts (yuan)"),
    "borrower_repayments": ("借款人还款（元）", "borrower repayments (yuan)"),
    "new_lender_inflows": ("新出借人资金（元）", "new lenders' money (yuan)"),
    "new_money_share": ("新资金占比", "share of new money"),
    "disclosed_yield": ("披露收益率", "disclosed yield"),
    "peer_median_yield": ("同业收益率中位数", "peers' median yield"),
    "yield_above_peers": ("收益率高于同业", "yield above peers"),
    # capital flight
    "spike_month": ("激增月份", "spike month"),
    "spike_amount": ("激增金额（元）", "spike amount (yuan)"),
    "increase": ("增加额（元）", "increase (yuan)"),
    "baseline_median": ("基准中位数（元）", "baseline median (yuan)"),
    "receivers_spiking": ("激增收款方数", "receivers spiking"),
    "outflows_by_month": ("各月流出（元）", "outflows by month (yuan)"),
    "disbursals_recent_mean": ("近期月均放款（元）", "recent monthly loans, mean (yuan)"),
    "disbursals_last_month": ("最近一月放款（元）", "loans in the latest month (yuan)"),
    "disbursals_prior_mean": ("此前月均放款（元）", "earlier monthly loans, mean (yuan)"),
    "new_lending_collapsing": ("新增放款骤降", "new lending collapsing"),
    "month_to_date": ("本月数据截至", "running month reported through"),
    "precursor": ("前兆", "precursor"),
    "drain_recent_mean": ("近期月均流出（元）", "recent monthly outflows, mean (yuan)"),
    "drain_earlier_mean": ("此前月均流出（元）", "earlier monthly outflows, mean (yuan)"),
    "receivers_new": ("新收款方数", "new receivers"),
    "receivers_draining": ("流出收款方数", "receivers of the outflows"),
    "payouts_held_back": ("兑付延迟", "payouts held back"),
    # round tripping, guarantee circles
    "cycles": ("资金闭环数", "cycles"),
    "institutions": ("涉及机构", "institutions involved"),  # phase 2 (graphs.across)
    "max_length": ("闭环最大长度", "longest cycle searched"),
    "circles": ("担保圈数", "guarantee circles"),
    "firms": ("企业数", "firms"),
    "related_firms_in_circles": ("圈内关联企业数", "related firms in circles"),
    "borrowers_in_circles": ("圈内借款人数", "borrowers in circles"),
    "guaranteed_amount": ("担保金额（元）", "amount guaranteed (yuan)"),
    # borrower caps and concentration
    "violators": ("超限借款人数", "borrowers over the cap"),
    "amount_over_cap_holders": ("超限借款人余额（元）", "balance of borrowers over the cap (yuan)"),
    "share_of_balance": ("占余额比例", "share of the balance"),
    "outstanding_by_borrower": ("各借款人余额（元）", "outstanding by borrower (yuan)"),
    "top10_share": ("前十大借款人占比", "top-10 borrowers' share"),
    "top10_share_before": ("此前前十大占比", "top-10 share before"),
    "disclosed_top10_share": ("披露的前十大占比", "disclosed top-10 share"),
    "not_understated": ("未低报", "not understated"),
    "top10_outstanding": ("前十大借款人余额（元）", "top-10 borrowers' balances (yuan)"),
    "top1_share": ("最大单一借款人占比", "largest borrower's share"),
    "top1_amount": ("最大单一借款人金额（元）", "largest borrower's amount (yuan)"),
    "balance": ("借贷余额（元）", "outstanding balance (yuan)"),
    "cap": ("限额（元）", "cap (yuan)"),
    "threshold": ("阈值", "threshold"),
    # disclosure against flows (maps under the disclosure metric's name)
    "from": ("起始期", "from"),
    "period": ("期间", "period"),
    "disclosed_before": ("此前披露值", "disclosed before"),
    "net_lending_in_flows": ("资金流显示净放款（元）", "net lending in the flows (yuan)"),
    "excess": ("超出额（元）", "excess (yuan)"),
    "excess_share": ("超出占比", "excess share"),
    "flows": ("资金流显示（元）", "according to the flows (yuan)"),
    "borrowers_stopped": ("停止还款借款人数", "borrowers who stopped repaying"),
    # indicators
    "avg_yield": ("平均年化收益率", "average yield"),
    "city_median": ("全市中位数", "city median"),
    "gap": ("差距", "gap"),
    "peers": ("同业家数", "peers"),
    "metric": ("指标", "metric"),
    "latest": ("最新值", "latest"),
    "baseline": ("基准值", "baseline"),
    "jump": ("升幅", "jump"),
    "last_period": ("最近披露期", "last period disclosed"),
    "due_period": ("应披露至", "due up to"),
    "months_missing": ("缺失期数", "months missing"),
    "late_periods": ("逾期或未披露期", "periods late or missing"),
    "gap_periods": ("中间缺期（不计）", "gaps between reports (not counted)"),
    "count_rate_rise": ("项目逾期率升幅", "rise of the project overdue rate"),
    "against": ("作为被告/被执行人条数", "records against the institution"),
    "fetches": ("抓取次数", "fetches"),
    "failures": ("失败次数", "failures"),
    "recent": ("近期条数", "recent"),
    "baseline_per_window": ("基线（每窗口）", "baseline per window"),
    "events": ("记录条数", "records"),
    "change_dates": ("变更日期", "change dates"),
    "other_change_dates": ("其他变更日期", "dates of other changes"),
    "registered_capital": ("注册资本（元）", "registered capital (yuan)"),
    "paid_in_capital": ("实缴资本（元）", "paid-in capital (yuan)"),
    "paid_ratio": ("实缴比例", "paid-in ratio"),
    "address": ("地址", "address"),
    "names": ("同址企业", "firms at the address"),
}

# Codes evidence holds as values: roles of evidence accounts and how an account is tied to a
# platform (``graphs.platform.PlatformFlows.tied``), as (Chinese, English).
ACCOUNT_ROLES: dict[str, tuple[str, str]] = {
    "custody": ("存管户", "custody account"), "lender": ("出借人", "lender"), "borrower": ("借款人", "borrower"),
    "new_lender": ("新出借人", "new lender"), "collector": ("归集户", "collector"), "controller": ("控制人", "controller"),
    "platform": ("平台自有户", "platform's own account"), "insider": ("内部人员", "insider"),
    "nominal_borrower": ("名义借款人", "nominal borrower"), "related": ("关联方", "related party"),
    "related_person": ("关联自然人", "related person"), "related_company": ("关联企业", "related company"),
    "cycle": ("循环链账户", "account in a cycle"), "receiver": ("收款方", "receiver"),
    "offshore": ("境外账户", "offshore account"), "new_receiver": ("新收款方", "new receiver"),
}


def _readable(code: str) -> str:
    return code.replace("_", " ")


def _named(code: str, table: dict[str, tuple[str, str]], zh: bool) -> str:
    """``code`` by ``table`` (zh, en), else as a disclosure metric, else unchanged."""
    if code in table:
        return table[code][0 if zh else 1]
    metric = METRICS_BY_NAME.get(code)
    if metric is not None:
        return metric.label if zh else _readable(code)
    return code


def evidence_label(key: str, zh: bool = True) -> str:
    """What an evidence key is called (Chinese, or English); other keys (accounts, months) stay as they are."""
    return _named(key, EVIDENCE_METRICS, zh)


# Related-party evidence names nodes as ``name (kind:id)`` (graphs.registry.label) or by the bare key.
NODE_KINDS: dict[str, tuple[str, str]] = {"institution": ("机构", "institution"), "company": ("企业", "company"),
                                          "person": ("自然人", "person")}
_NODE_KEY = re.compile(r"\b(institution|company|person):(\w+)")


def node_label(text: str, zh: bool = True) -> str:
    """Node keys inside an evidence path or edge end for people: ``company:4`` → ``企业#4``."""
    def name(m: re.Match) -> str:
        kind = NODE_KINDS[m.group(1)][0 if zh else 1]
        return f"{kind} {m.group(2)}" if m.group(1) == "institution" else f"{kind}#{m.group(2)}"
    return _NODE_KEY.sub(name, text)


def evidence_code(value: str, zh: bool = True) -> str:
    """A code held as an evidence value (account role or tie, disclosure metric) for people."""
    return _named(value, ACCOUNT_ROLES, zh)


# --------------------------------------------------------------------------- signal sources
# Where a finding's evidence comes from. Weak findings of one source often share one cause
# (a late crawl, one bad month of flows); findings of different sources corroborate each
# other. The risk index caps weak findings per source (monitor.scoring, docs/scoring.md).
SIGNAL_SOURCES = {
    "flows": "资金流水",  # custody-bank transfers (graphs/detectors)
    "disclosure": "信息披露",  # the platform's own disclosure pages
    "registry": "工商登记",  # shareholders, executives, capital, address, guarantees
    "public": "司法与舆情",  # courts, complaints, the site itself
    "other": "其他来源",
}


@functools.cache
def _sources() -> dict[str, str]:
    """``Finding.detector`` → signal source, from the records."""
    return {r.finding_detector: r.source for r in _records()}


def signal_source(detector: str | None) -> str:
    """The source (a key of :data:`SIGNAL_SOURCES`) of a finding made by ``detector``.

    >>> signal_source("indicator.litigation"), signal_source("ponzi"), signal_source("guarantee_circle")
    ('public', 'flows', 'registry')
    """
    if not detector:
        return "other"
    # Unknown detectors: an indicator's source cannot be guessed; other detectors read statements (flows).
    return _sources().get(detector, "other" if detector.startswith("indicator.") else "flows")

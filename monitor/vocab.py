"""Shared vocabularies: disclosure metrics and transfer-file columns.

These tables are the contract between the simulated city (which writes
labels and headers), the crawlers (which read disclosure labels) and the
ingest (which reads transfer headers). Labels are matched after
:func:`monitor.text.normalize_label`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    name: str  # canonical, stored in DisclosureFact.metric
    label: str  # the regulator's wording (信息披露指引)
    unit: str  # yuan / count / ratio
    synonyms: tuple[str, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.label, *self.synonyms)


# Units: "yuan" values are stored in 元; "ratio" values as fractions (0.052, not 5.2 %).
METRICS: tuple[Metric, ...] = (
    Metric("cumulative_lending_amount", "累计借贷金额", "yuan",
           ("累计交易总额", "累计成交金额", "累计撮合金额", "累计出借金额", "累计交易金额")),
    Metric("cumulative_lending_count", "累计借贷笔数", "count",
           ("累计交易笔数", "累计成交笔数", "累计撮合笔数")),
    Metric("outstanding_balance", "借贷余额", "yuan",
           ("待还余额", "在贷余额", "借贷余额总额", "待偿金额", "待还本金余额")),
    Metric("outstanding_count", "借贷余额笔数", "count",
           ("在贷笔数", "待还笔数", "未偿还借款笔数")),
    Metric("cumulative_lenders", "累计出借人数量", "count",
           ("累计出借人数", "累计投资人数", "累计出借人")),
    Metric("cumulative_borrowers", "累计借款人数量", "count",
           ("累计借款人数", "累计借款人")),
    Metric("current_lenders", "当期出借人数量", "count",
           ("当前出借人数", "本月出借人数", "当期出借人数")),
    Metric("current_borrowers", "当期借款人数量", "count",
           ("当前借款人数", "本月借款人数", "当期借款人数")),
    Metric("top1_borrower_share", "最大单一借款人待还金额占比", "ratio",
           ("最大单户借款余额占比", "最大单一借款人借款余额占比")),
    Metric("top10_borrower_share", "前十大借款人待还金额占比", "ratio",
           ("前十大借款人借款余额占比", "前十名借款人待还金额占比")),
    Metric("related_party_balance", "关联关系借款余额", "yuan",
           ("关联方借款余额", "关联借款余额")),
    Metric("related_party_count", "关联关系借款笔数", "count",
           ("关联方借款笔数", "关联借款笔数")),
    Metric("overdue_amount", "逾期金额", "yuan",
           ("借款人逾期金额", "逾期借款金额")),
    Metric("overdue_count", "逾期笔数", "count",
           ("借款逾期笔数", "逾期借款笔数")),
    Metric("overdue_90_amount", "逾期90天以上金额", "yuan",
           ("逾期90天（不含）以上金额", "90天以上逾期金额")),
    Metric("compensatory_amount", "累计代偿金额", "yuan",
           ("代偿金额", "累计代偿")),
    Metric("project_overdue_rate", "项目逾期率", "ratio", ("借款项目逾期率",)),
    Metric("amount_overdue_rate", "金额逾期率", "ratio", ("借款金额逾期率",)),
    Metric("avg_yield", "平均年化收益率", "ratio",
           ("平均预期年化收益率", "出借人平均年化收益", "综合年化收益率", "平均约定年化利率")),
)

METRICS_BY_NAME: dict[str, Metric] = {m.name: m for m in METRICS}


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
# Chinese names of finding kinds (detectors and indicators) and of the rule set's own
# contribution keys, for people: alert titles, the portal and the briefings.
PATTERN_ZH = {
    "ponzi": "借新还旧（庞氏）", "self_financing": "自融", "fund_pool": "资金池/绕开存管",
    "capital_flight": "资金外逃（跑路前兆）", "round_tripping": "资金回流/循环交易",
    "scatter_gather": "分散转入集中转出", "guarantee_circle": "担保圈", "borrower_cap": "借款超限额",
    "borrower_concentration": "借款人集中度高", "disclosure_mismatch": "披露与资金流不符",
    "yield_above_peers": "收益率显著高于同业", "overdue_jump": "逾期率骤升", "disclosure_late": "信息披露迟延/停止",
    "site_down": "网站无法访问", "complaint_surge": "投诉激增", "litigation": "涉诉/被执行/失信",
    "frequent_changes": "频繁变更股东或法定代表人", "capital_gap": "实缴资本远低于注册资本",
    "shared_address": "注册地址集中", "weak_cap": "弱信号封顶", "cap": "指数封顶",
    "severity.low": "严重程度分值·低", "severity.medium": "严重程度分值·中", "severity.high": "严重程度分值·高",
    "severity.critical": "严重程度分值·严重", "default": "其他模式（默认权重）",
}

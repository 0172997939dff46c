"""The statement reader's vocabulary: header, preamble and footer words, declared once.

Header aliases are compared after :func:`monitor.statements.recognise.norm_label`
(spaces and tabs removed, full-width brackets and colons folded, lower case).
For a role with several aliases the first one found in a header wins, so the
order says which column is preferred (``Txn Date`` before ``Value Date``,
``流水号`` before ``凭证号``).
"""

from __future__ import annotations

# role -> aliases, in order of preference
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "txn_id": ("交易流水号", "流水号", "银行流水号", "存管流水号", "核心流水号", "柜员流水", "柜员流水号",
               "日志号", "凭证号", "传票号", "交易参考号", "ref no.", "ref no", "reference", "reference no.",
               "serial_no", "txn_id"),
    # a column holding a date, or a date and a time
    "date": ("txn date", "transaction date", "booking date", "交易日期时间", "交易日期", "记账日期", "入账日期", "日期",
             "date", "txn_time", "交易时间", "value date", "起息日"),
    # a column holding a time of day (or a date and time: decided from the values)
    "time": ("交易时间", "记账时间", "时间", "transaction time", "txn time", "time"),
    "amount": ("交易金额", "金额", "发生额", "交易金额(元)", "金额(元)", "划拨金额", "划拨金额(元)",
               "金额(万元)", "交易金额(万元)", "交易金额(分)", "金额(分)", "金额(小写)",
               "amount", "txn amount"),
    # the amount written in words (壹拾玖万陆仟柒佰肆拾柒元肆角捌分): checked against the figure
    "amount_words": ("金额(大写)", "大写金额"),
    "debit": ("借方发生额", "借方金额", "支出金额", "支出", "付款金额", "借方发生额(万元)", "debit", "debit amount",
              "withdrawal"),
    "credit": ("贷方发生额", "贷方金额", "收入金额", "收入", "收款金额", "贷方发生额(万元)", "credit", "credit amount",
               "deposit"),
    "direction": ("借贷标志", "借/贷", "借贷方向", "借贷", "收支标志", "收支方向", "收付标志", "借贷标志(1-借2-贷)", "dr/cr", "d/c",
                  "debit/credit"),
    "balance": ("余额", "账户余额", "本次余额", "交易后余额", "余额(万元)", "balance"),
    "payer_account": ("付款方账号", "付款人账号", "付款账号", "付款方电子账户", "付款方电子账号", "付款方账户", "payer_acct_no",
                      "payer_account", "payer account", "debit a/c", "debit account", "dr a/c"),
    "payer_name": ("付款方户名", "付款人名称", "付款户名", "付款方名称", "付款人户名", "payer_name", "payer name"),
    "payee_account": ("收款方账号", "收款人账号", "收款账号", "收款方电子账户", "收款方电子账号", "收款方账户", "payee_acct_no",
                      "payee_account", "payee account", "credit a/c", "credit account", "cr a/c"),
    "payee_name": ("收款方户名", "收款人名称", "收款户名", "收款方名称", "收款人户名", "payee_name", "payee name"),
    "counterparty_account": ("对方账号", "对方账户账号", "对方账户", "对手账号", "counterparty a/c",
                             "counterparty account", "counterparty account no."),
    "counterparty_name": ("对方户名", "对方单位名称", "对方账户名称", "对方名称", "对手户名", "counterparty name"),
    # one cell: account / name, or name / account / bank (split on "/")
    "counterparty_both": ("对方账号与户名", "对方账号/户名", "对方信息", "户名/账号/开户行"),
    # the owner's account repeated on every row (a host-to-host file): a bare 账号 column is the owner's
    "own_account": ("本方账号", "本方账户", "账号"),
    "currency": ("币种", "币别", "ccy", "currency"),
    # free-text purpose, preferred when non-empty
    "purpose": ("用途", "附言", "交易附言", "备注", "交易备注", "交易用途", "交易地点/附言", "narrative", "remarks",
                "remark", "purpose",
                "details"),
    # the bank's summary text: the purpose when the row has no free text
    "summary": ("摘要", "业务摘要", "交易类型", "交易摘要", "业务类型", "业务种类", "description"),
    "status": ("处理状态", "交易状态", "status"),
    # known columns that carry nothing the store keeps; they still count as header words
    "ignored": ("序号", "对方行号", "对方开户行", "对方行名", "交易渠道", "交易渠道/场所", "钞/汇", "钞汇", "渠道",
                "交易地点", "失败原因", "平台编号", "付款人开户行", "收款人开户行",
                "付款方开户行", "收款方开户行", "回单编号", "no.", "channel"),
}

# preamble key -> statement field (compared after norm_label, trailing colon removed)
PREAMBLE_KEYS: dict[str, tuple[str, ...]] = {
    "owner_account": ("账号", "卡号", "查询账号", "卡号/账号", "账户", "账户号", "客户账号", "account number",
                      "account no.", "account no", "account"),
    "owner_name": ("户名", "账户名称", "客户名称", "单位名称", "账户名", "account name", "account holder"),
    "currency": ("币种", "币别", "currency"),
    "period": ("起止日期", "查询起止日期", "期间", "查询期间", "对账期间", "查询时间范围", "交易期间", "查询日期", "查询区间", "statement period",
               "period"),
    "period_start": ("起始日期", "开始日期", "from"),
    "period_end": ("终止日期", "结束日期", "to"),
    "unit": ("金额单位", "单位"),
    "count": ("总笔数",),
    "total": ("总金额",),
    "institution": ("平台名称",),
    "bank": ("开户行", "开户网点", "存管银行"),
}

# first cells (or line starts) that open a footer line
FOOTER_PATTERNS: tuple[str, ...] = (
    r"^#?\s*(本页合计|本期合计|合计|总计)",
    r"^#?\s*(借方|贷方|收入|支出|成功|失败)(合计|笔数|金额)",
    r"^共\s*\d+\s*笔",
    r"^(total|closing balance|number of transactions|trailer)\b",
    r"^(打印人|打印时间|打印日期|制表|复核|经办|温馨提示|注[:：]|以上信息|备注[:：]|期末余额|本对账单)",
    r"以上信息仅供参考",
)

# opening-balance rows: not transactions, their balance starts the chain
OPENING_WORDS: tuple[str, ...] = ("上期余额", "上期结转", "期初余额", "承前页", "opening balance", "balance b/f",
                                  "balance brought forward")

# a flag column's header may state its own codes: 借贷标志(1-借 2-贷) -> {"1": "debit", "2": "credit"}
FLAG_WORDS: dict[str, str] = {"借": "debit", "付": "debit", "支": "debit", "出": "debit",
                              "贷": "credit", "收": "credit", "入": "credit"}

DEBIT_FLAGS = frozenset({"借", "d", "dr", "debit", "支", "支出", "出", "-", "付"})
CREDIT_FLAGS = frozenset({"贷", "c", "cr", "credit", "收", "收入", "入", "+"})

CURRENCIES: dict[str, str] = {
    "人民币": "CNY", "人民币元": "CNY", "rmb": "CNY", "156": "CNY", "cny": "CNY", "元": "CNY", "本币": "CNY",
    "美元": "USD", "840": "USD", "usd": "USD", "港币": "HKD", "港元": "HKD", "344": "HKD", "hkd": "HKD",
    "欧元": "EUR", "978": "EUR", "eur": "EUR", "日元": "JPY", "392": "JPY", "jpy": "JPY",
    "英镑": "GBP", "826": "GBP", "gbp": "GBP",
}

WANYUAN_WORDS: tuple[str, ...] = ("万元",)

"""How the simulated city's platforms write their monthly reports: spellings, units, marks.

Written apart from the reader's vocabulary (:mod:`monitor.vocab`, which the crawler reads with): the
city shares only the metric *codes* with it, because the truth file names values by code. The
spellings here are the city's own, more of them than any one reader knows, so the city's extraction
rate measures the reader instead of echoing it.
"""

from __future__ import annotations

# code -> (unit family, spellings platforms print). Families: yuan (money), count, people, ratio.
ITEMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "cumulative_lending_amount": ("yuan", (
        "累计借贷金额", "累计交易总额", "累计成交金额", "累计撮合金额", "累计出借金额", "累计交易金额",
        "累计撮合成交金额", "平台累计成交额", "自成立以来累计借贷金额", "累计促成借贷金额", "历史累计交易额")),
    "cumulative_lending_count": ("count", (
        "累计借贷笔数", "累计交易笔数", "累计成交笔数", "累计撮合笔数", "累计促成借贷笔数",
        "自成立以来累计借贷笔数", "累计成交借款笔数")),
    "outstanding_balance": ("yuan", (
        "借贷余额", "待还余额", "在贷余额", "借贷余额总额", "待偿金额", "待还本金余额", "当前借贷余额",
        "未偿还借款余额", "待偿还借款本金余额", "在贷本金余额")),
    "outstanding_count": ("count", (
        "借贷余额笔数", "在贷笔数", "待还笔数", "未偿还借款笔数", "当前借贷余额笔数", "待偿还借款笔数")),
    "cumulative_lenders": ("people", (
        "累计出借人数量", "累计出借人数", "累计投资人数", "累计出借人", "累计出借人总数", "自成立以来累计出借人数量")),
    "cumulative_borrowers": ("people", (
        "累计借款人数量", "累计借款人数", "累计借款人", "累计借款人总数", "自成立以来累计借款人数量")),
    "current_lenders": ("people", (
        "当期出借人数量", "当前出借人数", "本月出借人数", "当期出借人数", "当月出借人数", "本期出借人数量")),
    "current_borrowers": ("people", (
        "当期借款人数量", "当前借款人数", "本月借款人数", "当期借款人数", "当月借款人数", "本期借款人数量")),
    "top1_borrower_share": ("ratio", (
        "最大单一借款人待还金额占比", "最大单户借款余额占比", "最大单一借款人借款余额占比",
        "单一最大借款人待还金额占比", "最大单一借款人待还款占比")),
    "top10_borrower_share": ("ratio", (
        "前十大借款人待还金额占比", "前十大借款人借款余额占比", "前十名借款人待还金额占比",
        "前十大借款人待还款占比", "最大十户借款人待还金额占比")),
    "related_party_balance": ("yuan", ("关联关系借款余额", "关联方借款余额", "关联借款余额", "关联关系借款待还余额")),
    "related_party_count": ("count", ("关联关系借款笔数", "关联方借款笔数", "关联借款笔数", "关联关系借款余额笔数")),
    "overdue_amount": ("yuan", ("逾期金额", "借款人逾期金额", "逾期借款金额", "逾期总金额", "当前逾期金额")),
    "overdue_count": ("count", ("逾期笔数", "借款逾期笔数", "逾期借款笔数", "逾期总笔数", "当前逾期笔数")),
    "overdue_90_amount": ("yuan", (
        "逾期90天以上金额", "逾期90天（不含）以上金额", "90天以上逾期金额", "逾期超过90天金额", "逾期90日以上金额")),
    "compensatory_amount": ("yuan", ("累计代偿金额", "代偿金额", "累计代偿", "累计代偿总额", "累计垫付金额")),
    "project_overdue_rate": ("ratio", ("项目逾期率", "借款项目逾期率", "笔数逾期率", "逾期项目占比")),
    "amount_overdue_rate": ("ratio", ("金额逾期率", "借款金额逾期率", "逾期金额占比", "逾期金额比率")),
    "avg_yield": ("ratio", (
        "平均年化收益率", "平均预期年化收益率", "出借人平均年化收益", "综合年化收益率", "平均约定年化利率",
        "历史平均年化收益率", "平均约定年化收益率")),
}
ORDER: tuple[str, ...] = tuple(ITEMS)  # the order reports print them
MONEY_UNITS = ("元", "万元", "亿元")
# Marks some sites put after a label, explained in a note under the table (项目逾期率*).
FOOTNOTE_MARKS = ("*", "¹", "※", "（注）")
FOOTNOTE_TEXT = "注：项目逾期率=逾期90天以内项目笔数/借贷余额笔数×100%；金额逾期率=逾期金额/借贷余额×100%。"


def family(code: str) -> str:
    """yuan / count / people / ratio."""
    return ITEMS[code][0]


def spellings(code: str) -> tuple[str, ...]:
    return ITEMS[code][1]

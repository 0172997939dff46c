"""Chinese labels and number formats shown in the briefings (codes stay English in the store)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from monitor.models import BAND_ZH
from monitor.vocab import METRICS_BY_NAME, PATTERN_ZH

BANDS = ("red", "orange", "yellow", "green")
BAND_COLOURS = {"red": "#c62828", "orange": "#ef6c00", "yellow": "#f9a825", "green": "#2e7d32"}

SEVERITY_ZH = {"low": "低", "medium": "中", "high": "高", "critical": "严重"}
ALERT_STATUS_ZH = {"new": "新建", "investigating": "核查中", "escalated": "已上报", "closed": "已关闭"}
CLOSE_REASON_ZH = {"false_positive": "误报", "resolved": "已解决", "handed_over": "已移交"}
ACTION_ZH = {"create": "创建", "status": "状态变更", "note": "添加备注", "assign": "分派", "close": "关闭",
             "reopen": "重新打开"}
FIELD_ZH = {"status": "状态", "note": "备注", "assignee": "负责人", "close_reason": "关闭原因",
            "reopen_count": "重开次数"}
ALERT_KIND_ZH = {"band_change": "等级上升", "finding": "新发现"}
EVENT_ZH = {"lawsuit": "诉讼", "enforcement": "被执行", "dishonest": "失信被执行", "complaint": "投诉",
            "news": "新闻", "registry_change": "工商变更", "closure": "清盘/停业公告"}
RELATION_ZH = {"shareholder": "股东", "controller": "实际控制人", "executive": "高管",
               "legal_representative": "法定代表人", "guarantee": "担保"}
KIND_ZH = {"p2p": "网贷平台", "small_loan": "小额贷款公司", "guarantor": "融资担保公司", "other": "其他"}
STATUS_ZH = {"operating": "正常经营", "troubled": "经营异常", "collapsed": "已爆雷", "closed": "已退出",
             "unknown": "未知"}
SOURCE_ZH = {"disclosure": "平台信息披露", "registry": "工商登记", "court": "法院公开信息", "complaints": "投诉平台",
             "news": "新闻"}
SWEEP_STATUS_ZH = {"queued": "排队", "running": "运行中", "succeeded": "成功", "partial": "部分成功", "failed": "失败"}
EDGE_ZH = {"transfer": "转账", "shareholder": "持股", "controller": "控制", "guarantee": "担保",
           "executive": "任职", "legal_representative": "法定代表人"}
ROLE_ZH = {"custody": "存管户", "lender": "出借人", "borrower": "借款人", "collector": "归集户", "controller": "控制人",
           "platform": "平台自有户", "insider": "关联方", "nominal_borrower": "名义借款人", "related": "关联方",
           "cycle": "循环链账户", "receiver": "收款方", "offshore": "境外账户", "new_lender": "新出借人"}


# Numbers detectors and indicators put in ``evidence.metrics`` (the common ones; others show their key).
EVIDENCE_METRIC_ZH = {
    "amount": "金额（元）", "borrowers": "借款人数", "gathered": "归集金额（元）", "gathered_share": "归集占比",
    "tie": "关联方式", "disclosed_related_party_balance": "披露的关联借款余额（元）",
    "last_period": "最近披露期", "due_period": "应披露至", "months_missing": "缺失期数", "events": "记录条数",
    "registered_capital": "注册资本（元）", "paid_in_capital": "实缴资本（元）", "paid_ratio": "实缴比例",
    "period": "期间", "avg_yield": "平均年化收益率", "city_median": "全市中位数", "gap": "差距", "peers": "同业家数",
    "tied_outflows": "流向关联方金额（元）", "bypass_inflows": "绕开存管流入（元）", "bypass_payers": "绕开存管付款人数",
    "lender_inflows": "出借人流入（元）", "paid_in": "流入合计（元）", "share": "占比",
    "top1_share": "最大单一借款人占比", "balance": "借贷余额（元）", "top1_amount": "最大单一借款人金额（元）",
    "cap": "限额（元）", "top10_share": "前十大借款人占比", "spike_month": "激增月份", "spike_amount": "激增金额（元）",
    "increase": "增加额（元）", "baseline_median": "基准中位数（元）", "receivers_spiking": "激增收款方数",
    "outflows_by_month": "各月流出（元）", "disbursals_recent_mean": "近期月均放款（元）",
    "disbursals_prior_mean": "此前月均放款（元）", "new_lending_collapsing": "新增放款骤降",
    "gap_share_by_month": "各月缺口占比", "gap_share_mean": "缺口占比均值", "gap_share_earlier_mean": "此前缺口占比均值",
    "rising": "呈上升", "payouts": "兑付金额（元）", "borrower_repayments": "借款人还款（元）",
    "new_lender_inflows": "新出借人资金（元）", "disclosed_yield": "披露收益率", "peer_median_yield": "同业收益率中位数",
    "yield_above_peers": "收益率高于同业", "loans": "放款金额（元）", "collector_tied": "归集户关联方式",
    "violators": "超限借款人数", "amount_over_cap_holders": "超限借款人余额（元）", "share_of_balance": "占余额比例",
    "outstanding_by_borrower": "各借款人余额（元）", "related_party_balance": "关联借款余额",
    "outstanding_balance": "借贷余额", "firms": "企业数", "change_dates": "变更日期", "top10_share_before": "此前前十大占比",
    "disclosed_top10_share": "披露的前十大占比", "not_understated": "未低报", "top10_outstanding": "前十大借款人余额（元）",
    "address": "地址", "names": "同址企业", "threshold": "阈值", "owed_in_flows": "资金流显示欠款（元）",
    "owed_at": "欠款时点", "disclosed": "已披露", "circles": "担保圈数", "related_firms_in_circles": "圈内关联企业数",
    "borrowers_in_circles": "圈内借款人数", "guaranteed_amount": "担保金额（元）", "metric": "指标", "latest": "最新值",
    "baseline": "基准值", "jump": "升幅", "share_to_collector": "流向归集户占比", "new_money_share": "新资金占比",
}


def evidence_metric_zh(key: str) -> str:
    if key in EVIDENCE_METRIC_ZH:
        return EVIDENCE_METRIC_ZH[key]
    metric = METRICS_BY_NAME.get(key)
    return metric.label if metric else key


def band_zh(band: str | None) -> str:
    return BAND_ZH.get(band or "", "—")


def pattern_zh(kind: str | None) -> str:
    return PATTERN_ZH.get(kind or "", kind or "—")


def metric_zh(name: str) -> str:
    metric = METRICS_BY_NAME.get(name)
    return metric.label if metric else name


def money(value: float | None) -> str:
    """元 shown in 万元 with two decimals (the unit supervisors read)."""
    if value is None:
        return "—"
    return f"{value / 10_000:,.2f} 万元"


def number(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def pct(value: float | None, digits: int = 1) -> str:
    """A fraction (0.052) as a percentage (5.2%)."""
    if value is None:
        return "—"
    return f"{value * 100:.{digits}f}%"


def metric_value(name: str, value: float | None, with_unit: bool = True) -> str:
    metric = METRICS_BY_NAME.get(name)
    unit = metric.unit if metric else None
    if unit == "yuan":
        return money(value) if with_unit or value is None else f"{value / 10_000:,.2f}"
    if unit == "ratio":
        return pct(value, 2)
    return number(value)


def local_time(value: datetime | str | None, tz: str, with_time: bool = True) -> str:
    """An aware (or ISO) time shown in the bureau's time zone."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(ZoneInfo(tz))
        return value.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def plain(value) -> str:
    """A detector's metric value for people: booleans as 是/否, small fractions with 4 digits, thousands split."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1 else f"{value:,.2f}"
    if isinstance(value, (list, tuple)):
        more = f" 等 {len(value)} 项" if len(value) > PLAIN_ITEMS else ""
        return "、".join(plain(v) for v in value[:PLAIN_ITEMS]) + more
    if isinstance(value, dict):
        items = list(value.items())
        more = f" 等 {len(items)} 项" if len(items) > PLAIN_ITEMS else ""
        return "；".join(f"{k}: {plain(v)}" for k, v in items[:PLAIN_ITEMS]) + more
    return str(value)


PLAIN_ITEMS = 12  # longer lists and maps are cut (the full evidence stays in the store)

#!/usr/bin/env python3
"""Deterministic generator for the tests/statements_b corpus.

Standard library + openpyxl only. Running it rewrites every file, every expected/*.jsonl and
*.meta.json and every bad/*.expected.json; `--check` regenerates in memory and compares with the
committed files (byte for byte for text files, cell values for .xlsx).
"""
import datetime as dt
import html
import io
import json
import os
import random
import sys
import unicodedata
from decimal import Decimal, ROUND_HALF_UP

HERE = os.path.dirname(os.path.abspath(__file__))
EXP = os.path.join(HERE, "expected")
BAD = os.path.join(HERE, "bad")
C2 = Decimal("0.01")
WAN = Decimal("10000")
OUT = {}  # relative path -> bytes (text files, json) ; xlsx handled separately
XLSX = {}  # relative path -> openpyxl workbook


def q(x):
    return Decimal(x).quantize(C2, ROUND_HALF_UP)


def f2(d):
    return f"{d:.2f}"


def fc(d):
    return f"{d:,.2f}"


def luhn_digit(body):
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def card(rng, prefix, length):
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return body + luhn_digit(body)


def corp_acct(rng, prefix, length):
    return prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix)))


COMPANIES = [
    "杭州鼎信科技有限公司", "上海瑞丰贸易有限公司", "宁波海曙恒通物流有限公司", "温州鹿城永嘉建材有限公司",
    "苏州工业园区华睿电子有限公司", "南京金陵置业发展有限公司", "深圳市前海联融信息服务有限公司",
    "广州市天河锦程餐饮管理有限公司", "合肥新元汽车销售服务有限公司", "江西赣鄱农业开发有限公司",
    "成都蓉信供应链管理有限公司", "北京中科博远软件技术有限公司", "国网浙江省电力有限公司杭州供电公司",
    "杭州市水务集团有限公司", "浙江天正会计师事务所(特殊普通合伙)", "福州闽江投资咨询有限公司",
    "绍兴柯桥轻纺城布业有限公司", "嘉兴南湖恒源化纤有限公司", "常州武进华阳机械制造有限公司",
    "义乌市小商品城宏达进出口有限公司", "台州路桥通达汽配有限公司", "湖州南浔金丝木业有限公司",
]
PERSONS = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄晓明", "周婷", "吴昊", "徐丽",
           "孙建国", "胡志强", "朱慧", "高峰", "林小燕", "何俊", "郭敏", "马超", "罗佳怡", "欧阳晨", "诸葛明亮"]
BANKS = ["中国工商银行杭州分行营业部", "中国建设银行上海浦东分行", "招商银行宁波分行营业部", "中国银行苏州工业园区支行",
         "交通银行南京江宁支行", "中国农业银行温州鹿城支行", "兴业银行深圳分行", "浙商银行绍兴柯桥支行",
         "宁波银行杭州分行", "中国民生银行合肥分行", "上海浦东发展银行成都分行", "中信银行北京分行营业部"]
EN_COMPANIES = ["Shanghai Ruifeng Trading Co., Ltd.", "Bosch (China) Investment Ltd.",
                "Hangzhou Dingxin Technology Co., Ltd.", "Kuehne + Nagel Ltd. Shanghai Branch",
                "Siemens Ltd., China", "Ningbo Port Logistics Co., Ltd.", "DHL-Sinotrans International Air Courier Ltd.",
                "Suzhou Huarui Electronics Co., Ltd.", "BASF (China) Co., Ltd.", "Wuxi Hengda Machinery Co., Ltd."]
FOREIGN_ACCTS = ["DE89370400440532013000", "FR7630006000011234567890189", "GB29NWBK60161331926819",
                 "012-875-0-012345-6", "US-021000021-4401234567"]

PURPOSES_D = ["货款", "采购原材料", "支付服务费", "房租", "工程款", "运费", "借款", "代发工资", "设备款", "咨询费",
              "广告费", "税款", "社保费"]
PURPOSES_C = ["货款", "销售回款", "服务费收入", "借款归还", "投资款", "往来款", "退款", "租金收入", "补贴款"]


def pool(rng, n_comp=8, n_pers=5, persons_pref="622"):
    cps = []
    for name in rng.sample(COMPANIES, n_comp):
        cps.append((corp_acct(rng, rng.choice(["3", "1", "7", "9", "2", "4"]), rng.choice([12, 13, 15, 16, 17, 18, 19, 20, 21, 22])),
                    name, rng.choice(BANKS)))
    for name in rng.sample(PERSONS, n_pers):
        cps.append((card(rng, rng.choice(["6222", "6217", "6228", "6214", "6225", "6230"]), rng.choice([16, 19])),
                    name, rng.choice(BANKS)))
    return cps


def amount(rng, cap, whole=False):
    r = rng.random()
    if r < 0.08:
        v = rng.uniform(0.01, 99)
    elif r < 0.42:
        v = rng.uniform(100, 9999)
    elif r < 0.78:
        v = rng.uniform(10000, 300000)
    elif r < 0.95:
        v = rng.uniform(300000, 3000000)
    else:
        v = rng.uniform(3000000, 30000000)
    if v > cap:
        v = rng.uniform(cap * 0.05, cap)
    if v > 1000 and rng.random() < 0.35:
        v = round(v, -2)
    d = q(str(round(v, 2)))
    if whole:
        d = Decimal(int(d)) if d >= 1 else Decimal(1)
        d = q(d)
    return d if d > 0 else Decimal("0.01")


def times(rng, start, end, n, precision="s"):
    span = (end - start).days + 1
    out = []
    for _ in range(n):
        day = start + dt.timedelta(days=rng.randrange(span))
        if day.weekday() >= 5 and rng.random() < 0.7:
            day = day - dt.timedelta(days=day.weekday() - 4)
            if day < start:
                day = start
        h = rng.choice([8, 9, 9, 10, 10, 11, 13, 14, 14, 15, 16, 17, 19, 21])
        t = dt.datetime(day.year, day.month, day.day, h, rng.randrange(60), rng.randrange(60))
        if precision == "m":
            t = t.replace(second=0)
        elif precision == "d":
            t = t.replace(hour=0, minute=0, second=0)
        out.append(t)
    out.sort()
    return out


def gen(rng, n, start, end, opening, cps, *, cap=30000000, whole=False, precision="s", ccy="CNY",
        fee=True, idf=None, purposes=True):
    """Chronological transactions with a running balance that never goes negative."""
    bal = opening
    txns = []
    for i, t in enumerate(times(rng, start, end, n, precision)):
        r = rng.random()
        if fee and r < 0.07:
            d, a, cp, summ, purp = "D", q(rng.choice(["0.50", "2.00", "5.00", "10.00", "15.50", "25.00", "50.00"])), None, "手续费", ""
            if whole:
                a = q(rng.choice([2, 5, 10, 25, 50]))
        elif fee and r < 0.11:
            d, a, cp, summ, purp = "C", q(str(round(rng.uniform(0.05, 320), 2 if not whole else 0))), None, "结息", ""
        else:
            d = "D" if rng.random() < 0.5 else "C"
            cp = rng.choice(cps)
            a = amount(rng, cap, whole)
            if d == "D" and a > bal * Decimal("0.7"):
                a = q(bal * Decimal(str(rng.uniform(0.05, 0.6))))
                if whole:
                    a = q(int(a))
                if a <= 0:
                    d = "C"
                    a = amount(rng, cap, whole)
            summ = "转账支出" if d == "D" else "转账存入"
            summ = rng.choice([summ, "网银转账", "跨行汇款" if d == "D" else "跨行来账", "汇兑"])
            purp = rng.choice(PURPOSES_D if d == "D" else PURPOSES_C) if purposes and rng.random() < 0.8 else ""
        bal = bal - a if d == "D" else bal + a
        assert bal >= 0
        txns.append(dict(id=idf(i, t) if idf else None, t=t, amt=a, dir=d, cp=cp, summary=summ, purpose=purp,
                         bal=bal, ccy=ccy, status="成功", rev=None))
    return txns


def rechain(txns, opening):
    bal = opening
    for x in txns:
        if x["status"] != "成功":
            x["bal"] = bal
            continue
        bal = bal - x["amt"] if x["dir"] == "D" else bal + x["amt"]
        assert bal >= 0, x
        x["bal"] = bal
    return bal


def exp_row(x, owner_acct, owner_name, line, purpose, balance=True, sheet=None, txn_id="__id__"):
    cp = x["cp"] or (None, None, None)
    if x["dir"] == "D":
        payer, payee = (owner_acct, owner_name), (cp[0], cp[1])
    else:
        payer, payee = (cp[0], cp[1]), (owner_acct, owner_name)
    row = {
        "txn_id": x["id"] if txn_id == "__id__" else txn_id,
        "txn_time": x["t"].strftime("%Y-%m-%dT%H:%M:%S"),
        "amount": f2(x["amt"]),
        "payer_account": payer[0], "payer_name": payer[1],
        "payee_account": payee[0], "payee_name": payee[1],
        "currency": x["ccy"],
        "purpose": purpose or None,
        "balance_after": f2(x["bal"]) if balance else None,
        "source_line": line,
    }
    if sheet is not None:
        row["sheet"] = sheet
    return row


def put_text(name, text, encoding):
    if encoding == "utf-16":
        data = b"\xff\xfe" + text.encode("utf-16-le")
    elif encoding == "utf-8-sig":
        data = b"\xef\xbb\xbf" + text.encode("utf-8")
    else:
        data = text.encode(encoding)
    OUT[name] = data


def put_expected(fname, rows, meta):
    OUT["expected/" + fname + ".jsonl"] = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
    m = {"dialect": meta["dialect"], "encoding": meta["encoding"], "owner_account": meta.get("owner_account"),
         "owner_name": meta.get("owner_name"), "period": meta.get("period"), "footer_totals": meta.get("footer_totals"),
         "rows": len(rows)}
    for k in meta:
        if k not in m:
            m[k] = meta[k]
    OUT["expected/" + fname + ".meta.json"] = (json.dumps(m, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def totals(txns, key=lambda x: x["amt"]):
    ok = [x for x in txns if x["status"] == "成功"]
    d = [x for x in ok if x["dir"] == "D"]
    c = [x for x in ok if x["dir"] == "C"]
    return dict(debit_count=len(d), debit_total=sum((key(x) for x in d), Decimal(0)),
                credit_count=len(c), credit_total=sum((key(x) for x in c), Decimal(0)))


def dwidth(s):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def ljust(s, w):
    return s + " " * max(0, w - dwidth(s))


def rjust(s, w):
    return " " * max(0, w - dwidth(s)) + s


def month_end(y, m):
    return (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1))


# ---------------------------------------------------------------------------------------------
# A. PSBC personal 交易明细, HTML table saved as .xls, GBK, 2017年07月03日 09时30分, no reference
# ---------------------------------------------------------------------------------------------
def psbc_html(rng, months, owner_card, owner_name, opening, bad_break_at=None, fname_override=None):
    cps = pool(rng, 5, 8)
    bal = opening
    files = []
    for (y, m) in months:
        start, end = dt.date(y, m, 1), month_end(y, m)
        tx = gen(rng, rng.randint(18, 34), start, end, bal, cps, cap=180000, precision="m", fee=True)
        chans = ["网上银行", "手机银行", "柜面", "ATM", "POS", "第三方支付"]
        trs = []
        trs.append('<tr><td colspan="10" align="center" style="font-size:16px"><b>中国邮政储蓄银行个人账户交易明细</b></td></tr>')
        trs.append(f'<tr><td colspan="10">户名：{owner_name}</td></tr>')
        trs.append(f'<tr><td colspan="10" style="mso-number-format:\'\\@\'">卡号：{owner_card}</td></tr>')
        trs.append('<tr><td colspan="10">币种：人民币　　钞汇标志：钞</td></tr>')
        trs.append(f'<tr><td colspan="10">查询起止日期：{start:%Y年%m月%d日} 至 {end:%Y年%m月%d日}</td></tr>')
        trs.append("<tr>" + "".join(f"<td><b>{h}</b></td>" for h in
                   ["序号", "交易时间", "交易渠道", "摘要", "支出金额", "收入金额", "账户余额", "对方户名", "对方账号", "附言"]) + "</tr>")
        rows = []
        shown_bal = None
        for i, x in enumerate(tx, 1):
            if x["cp"] is None:
                ch = "柜面" if x["summary"] == "结息" else rng.choice(chans[:2])
            else:
                ch = rng.choice(chans)
            balv = x["bal"]
            if bad_break_at is not None and i >= bad_break_at:
                balv = balv + Decimal("500.00")
            out_amt = fc(x["amt"]) if x["dir"] == "D" else "&nbsp;"
            in_amt = fc(x["amt"]) if x["dir"] == "C" else "&nbsp;"
            cp = x["cp"] or ("&nbsp;", "&nbsp;", "")
            name = html.escape(cp[1]) if x["cp"] else "&nbsp;"
            acct = cp[0]
            trs.append(f'<tr><td>{i}</td><td>{x["t"]:%Y年%m月%d日 %H时%M分}</td><td>{ch}</td><td>{x["summary"]}</td>'
                       f'<td align="right">{out_amt}</td><td align="right">{in_amt}</td><td align="right">{fc(balv)}</td>'
                       f'<td>{name}</td><td style="mso-number-format:\'\\@\'">{acct}</td><td>{html.escape(x["purpose"]) or "&nbsp;"}</td></tr>')
            rows.append(exp_row(x, owner_card, owner_name, len(trs), x["purpose"] or x["summary"], txn_id=None))
        t = totals(tx)
        trs.append(f'<tr><td colspan="4" align="right">本期合计：</td><td align="right">{fc(t["debit_total"])}</td>'
                   f'<td align="right">{fc(t["credit_total"])}</td><td colspan="4">支出 {t["debit_count"]} 笔，收入 {t["credit_count"]} 笔</td></tr>')
        printed = dt.datetime(end.year, end.month, end.day) + dt.timedelta(days=2, hours=10, minutes=12)
        trs.append(f'<tr><td colspan="10">温馨提示：本明细仅供参考，不作为记账凭证。打印时间：{printed:%Y年%m月%d日 %H时%M分}</td></tr>')
        doc = ('<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel" '
               'xmlns="http://www.w3.org/TR/REC-html40">\r\n<head>\r\n'
               '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">\r\n'
               '<style>td{font-size:12px;border:0.5pt solid #000;}</style>\r\n</head>\r\n<body>\r\n'
               '<table border="1" cellspacing="0" cellpadding="0">\r\n' + "\r\n".join(trs) + "\r\n</table>\r\n</body>\r\n</html>\r\n")
        fname = fname_override or f"邮储银行交易明细_{owner_card}_{y}{m:02d}.xls"
        ft = {"debit_count": t["debit_count"], "debit_total": f2(t["debit_total"]),
              "credit_count": t["credit_count"], "credit_total": f2(t["credit_total"])}
        files.append((fname, doc, rows, dict(dialect="psbc_html_xls_gbk", encoding="gbk", owner_account=owner_card,
                                             owner_name=owner_name, period=[str(start), str(end)], footer_totals=ft), tx))
        bal = tx[-1]["bal"]
    return files


# ---------------------------------------------------------------------------------------------
# B. CGB corporate, HTML .xls in UTF-8, one-line table, <th> header, 收/付 flag, newest first,
#    交易状态 with 失败 rows
# ---------------------------------------------------------------------------------------------
def cgb_html(rng):
    owner_acct, owner_name = "9550880201234500188", "广州市天河锦程餐饮管理有限公司"
    cps = pool(rng, 9, 4)
    bal = q("2380516.44")
    for (y, m) in [(2017, 10), (2017, 11)]:
        start, end = dt.date(y, m, 1), month_end(y, m)
        tx = gen(rng, rng.randint(22, 30), start, end, bal, cps, cap=2500000,
                 idf=lambda i, t: f"{t:%Y%m%d}{rng.randrange(10**9):09d}")
        # failed attempts: same counterparty/amount as a later successful row or a stand-alone failure
        cands = [k for k in range(2, len(tx)) if tx[k]["dir"] == "D" and tx[k]["cp"] is not None]
        for k in sorted(rng.sample(cands, min(3, len(cands))), reverse=True):
            src = tx[k]
            fail = dict(src)
            fail["status"] = "失败"
            fail["t"] = src["t"] - dt.timedelta(minutes=rng.randint(2, 40))
            fail["id"] = f"{fail['t']:%Y%m%d}{rng.randrange(10**9):09d}"
            tx.insert(k, fail)
        tx.sort(key=lambda x: x["t"])
        rechain(tx, bal)
        newest = list(reversed(tx))
        trs = []
        trs.append('<tr><td colspan="10" class="title">广发银行企业网上银行账户交易明细查询</td></tr>')
        trs.append(f'<tr><td>账号</td><td colspan="9">{owner_acct}</td></tr>')
        trs.append(f'<tr><td>户名</td><td colspan="9">{owner_name}</td></tr>')
        trs.append('<tr><td>币种</td><td colspan="9">人民币</td></tr>')
        trs.append(f'<tr><td>查询日期</td><td colspan="9">{start}至{end}</td></tr>')
        trs.append('<tr>' + "".join(f"<th>{h}</th>" for h in ["交易时间", "交易流水号", "收付标志", "交易金额", "账户余额",
                                                            "对方账号", "对方户名", "对方开户行", "用途", "交易状态"]) + "</tr>")
        rows = []
        for x in newest:
            cp = x["cp"] or ("", "", "")
            flag = "付" if x["dir"] == "D" else "收"
            text = x["purpose"] or x["summary"]
            trs.append(f'<tr><td>{x["t"]:%Y-%m-%d %H:%M:%S}</td><td x:str>{x["id"]}</td><td>{flag}</td><td x:num>{fc(x["amt"])}</td>'
                       f'<td x:num>{fc(x["bal"])}</td><td x:str>{cp[0]}</td><td>{html.escape(cp[1])}</td><td>{cp[2]}</td>'
                       f'<td>{html.escape(text)}</td><td>{x["status"]}</td></tr>')
            if x["status"] == "成功":
                rows.append(exp_row(x, owner_acct, owner_name, len(trs), text))
        t = totals(tx)
        nfail = sum(1 for x in tx if x["status"] != "成功")
        trs.append(f'<tr><td>收入笔数</td><td>{t["credit_count"]}</td><td>收入金额</td><td>{fc(t["credit_total"])}</td>'
                   f'<td>支出笔数</td><td>{t["debit_count"]}</td><td>支出金额</td><td>{fc(t["debit_total"])}</td>'
                   f'<td>失败笔数</td><td>{nfail}</td></tr>')
        doc = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>账户交易明细</title></head><body>'
               '<table border="1" style="border-collapse:collapse">' + "".join(trs) + "</table></body></html>")
        fname = f"广发企业网银交易明细_{owner_acct}_{y}{m:02d}.xls"
        ft = {"debit_count": t["debit_count"], "debit_total": f2(t["debit_total"]),
              "credit_count": t["credit_count"], "credit_total": f2(t["credit_total"]), "failed_count": nfail}
        put_text(fname, doc, "utf-8")
        put_expected(fname, rows, dict(dialect="cgb_html_xls_utf8_newest_first", encoding="utf-8", owner_account=owner_acct,
                                       owner_name=owner_name, period=[str(start), str(end)], footer_totals=ft, order="newest_first"))
        bal = tx[-1]["bal"]


# ---------------------------------------------------------------------------------------------
# C. CEB corporate, Excel "Unicode text": UTF-16LE BOM, TAB, CRLF, padded rows, 2017/7/3 + 9:30:15
# ---------------------------------------------------------------------------------------------
def ceb_utf16(rng):
    owner_acct, owner_name = "37610188000123456", "苏州工业园区华睿电子有限公司"
    cps = pool(rng, 9, 3)
    bal = q("5106233.70")
    ncol = 11
    quoted_done = False
    for (y, m) in [(2017, 7), (2017, 8), (2017, 9)]:
        start, end = dt.date(y, m, 1), month_end(y, m)
        tx = gen(rng, rng.randint(20, 40), start, end, bal, cps, cap=6000000,
                 idf=lambda i, t: f"{rng.randrange(10**11):011d}")
        lines = []

        def row(*cells):
            cells = list(cells) + [""] * (ncol - len(cells))
            lines.append("\t".join(cells))
        row("中国光大银行对公账户交易明细")
        row("账号", owner_acct)
        row("户名", owner_name)
        row("币种", "人民币")
        row("起始日期", f"{start}", "终止日期", f"{end}")
        row()
        row("交易日期", "交易时间", "交易流水号", "借方发生额", "贷方发生额", "账户余额", "对方账号", "对方名称", "对方开户行", "摘要", "用途")
        rows = []
        for x in tx:
            cp = x["cp"] or ("", "", "")
            purp = x["purpose"]
            cell_p = purp
            if not quoted_done and x["dir"] == "D" and x["cp"] and x["amt"] > 10000:
                purp = '支付"阳光花园"二期工程款'
                x["purpose"] = purp
                cell_p = '"' + purp.replace('"', '""') + '"'
                quoted_done = True
            row(f"{x['t'].year}/{x['t'].month}/{x['t'].day}", f"{x['t'].hour}:{x['t']:%M:%S}", x["id"],
                fc(x["amt"]) if x["dir"] == "D" else "", fc(x["amt"]) if x["dir"] == "C" else "", fc(x["bal"]),
                cp[0], cp[1], cp[2], x["summary"], cell_p)
            rows.append(exp_row(x, owner_acct, owner_name, len(lines), purp or x["summary"]))
        t = totals(tx)
        row("合计", "", "", fc(t["debit_total"]), fc(t["credit_total"]))
        row("借方笔数", str(t["debit_count"]), "贷方笔数", str(t["credit_count"]))
        fname = f"光大银行交易明细_{owner_acct}_{y}{m:02d}.txt"
        put_text(fname, "\r\n".join(lines) + "\r\n", "utf-16")
        ft = {"debit_count": t["debit_count"], "debit_total": f2(t["debit_total"]),
              "credit_count": t["credit_count"], "credit_total": f2(t["credit_total"])}
        put_expected(fname, rows, dict(dialect="ceb_excel_unicode_text_utf16", encoding="utf-16", owner_account=owner_acct,
                                       owner_name=owner_name, period=[str(start), str(end)], footer_totals=ft))
        bal = tx[-1]["bal"]


# ---------------------------------------------------------------------------------------------
# D. Foreign bank semicolon export, 01-Aug-2017, multi-currency sections with Currency column
# ---------------------------------------------------------------------------------------------
MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def dmy(d):
    return f"{d.day:02d}-{MON[d.month - 1]}-{d.year}"


def db_semicolon(rng, bad_total=False):
    owner_acct, owner_name = "1002345678901", "Ningbo Haishu Hengtong Logistics Co., Ltd."
    ccys = {"CNY": q("3650421.18"), "USD": q("412650.00"), "EUR": q("58210.35")}
    en_cps = []
    for name in EN_COMPANIES:
        en_cps.append((rng.choice(FOREIGN_ACCTS) if rng.random() < 0.3 else corp_acct(rng, "1", rng.choice([12, 15, 18])), name, ""))
    cn_cps = pool(rng, 5, 0)
    months = [((2017, 8), ["CNY", "USD", "EUR"]), ((2017, 9), ["CNY", "USD"])]
    if bad_total:
        months = [((2017, 10), ["CNY", "USD"])]
    for (y, m), cur in months:
        start, end = dt.date(y, m, 1), month_end(y, m)
        lines = ["Account Statement", f"Account Holder;{owner_name}", f"Account Number;{owner_acct}",
                 f"Statement Period;{dmy(start)} - {dmy(end)}", f"Currencies;{', '.join(cur)}", "",
                 "Booking Date;Value Date;Reference;Currency;Debit;Credit;Balance;Counterparty Account;Counterparty Name;Details"]
        rows = []
        ft = {}
        bad_line = None
        for c in cur:
            n = rng.randint(8, 16) if c == "CNY" else rng.randint(4, 8)
            cap = 9000000 if c == "CNY" else 600000
            cps = (cn_cps + en_cps) if c == "CNY" else en_cps
            tx = gen(rng, n, start, end, ccys[c], cps, cap=cap, precision="d", ccy=c, fee=True, purposes=False,
                     idf=lambda i, t: f"FT{t:%y%m%d}{rng.randrange(10**6):06d}")
            lines.append(f"Opening Balance;;;{c};;;{fc(ccys[c])};;;")
            for x in tx:
                if x["cp"] is None:
                    det = "BANK CHARGES" if x["dir"] == "D" else "INTEREST CREDIT"
                else:
                    det = rng.choice(["PAYMENT FOR INVOICE ", "INV ", "CONTRACT NO. ", "FREIGHT CHARGES REF "]) + f"{rng.randrange(10**6):06d}"
                    if c == "CNY" and rng.random() < 0.4:
                        det = rng.choice(["货款", "运费", "仓储费", "代垫关税"]) + " " + det
                x["summary"] = det
                vd = x["t"].date() + dt.timedelta(days=1 if rng.random() < 0.2 else 0)
                cp = x["cp"] or ("", "", "")
                lines.append(";".join([dmy(x["t"].date()), dmy(vd), x["id"], c, fc(x["amt"]) if x["dir"] == "D" else "",
                                       fc(x["amt"]) if x["dir"] == "C" else "", fc(x["bal"]), cp[0], cp[1], det]))
                rows.append(exp_row(x, owner_acct, owner_name, len(lines), det))
            t = totals(tx)
            dt_total = t["debit_total"] + (Decimal("100.00") if bad_total and c == "CNY" else 0)
            lines.append(f"Total;;;{c};{fc(dt_total)};{fc(t['credit_total'])};;;;{t['debit_count'] + t['credit_count']} transactions")
            if bad_total and c == "CNY":
                bad_line = len(lines)
                bad_reason = (f"the CNY 'Total' line states debits {fc(dt_total)}, the CNY debit rows sum to "
                              f"{fc(t['debit_total'])} (100.00 more in the footer)")
            lines.append(f"Closing Balance;;;{c};;;{fc(tx[-1]['bal'])};;;")
            ft[c] = {"count": t["debit_count"] + t["credit_count"], "debit_total": f2(t["debit_total"]),
                     "credit_total": f2(t["credit_total"]), "opening_balance": f2(ccys[c]), "closing_balance": f2(tx[-1]["bal"])}
            ccys[c] = tx[-1]["bal"]
        lines += ["", "This statement is computer generated and requires no signature."]
        text = "\r\n".join(lines) + "\r\n"
        if bad_total:
            fname = "bad_semicolon_footer_total.csv"
            OUT["bad/" + fname] = text.encode("utf-8")
            OUT["bad/" + fname + ".expected.json"] = jdump({
                "file": fname, "kind": "footer_total_mismatch", "line": bad_line,
                "reason": bad_reason,
                "expect": "flag the footer line; the rows themselves are well-formed and their balances chain"})
            return
        fname = f"DB_CN_{owner_acct}_{y}{m:02d}.csv"
        put_text(fname, text, "utf-8")
        put_expected(fname, rows, dict(dialect="foreign_semicolon_multicurrency", encoding="utf-8", owner_account=owner_acct,
                                       owner_name=owner_name, period=[str(start), str(end)], footer_totals=ft))


def jdump(o):
    return (json.dumps(o, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# ---------------------------------------------------------------------------------------------
# E. HXB counter print, fixed width, GB18030, 20170703 + 093015, 借/贷 column, page headers
# ---------------------------------------------------------------------------------------------
def hxb_fixed(rng):
    owner_acct, owner_name = "10360000000412345", "南京金陵置业发展有限公司"
    cps = pool(rng, 10, 4)
    bal = q("12874530.06")
    W = [("交易日期", 10, "l"), ("时间", 8, "l"), ("传票号", 14, "l"), ("摘要", 12, "l"), ("借贷", 6, "l"),
         ("发生额", 18, "r"), ("余额", 19, "r"), ("  对方账号", 24, "l"), ("对方户名", 0, "l")]
    rule = "-" * 140
    for (y, m), n in [((2017, 7), 24), ((2017, 8), 47), ((2017, 9), 16)]:
        start, end = dt.date(y, m, 1), month_end(y, m)
        tx = gen(rng, n, start, end, bal, cps, cap=25000000, idf=lambda i, t: f"{rng.randrange(10**12):012d}")
        per_page = 30
        pages = (len(tx) + per_page - 1) // per_page
        lines = []

        def fmt(cells):
            out = ""
            for (h, w, al), c in zip(W, cells):
                out += (rjust(c, w) if al == "r" else ljust(c, w)) if w else c
            return " " + out.rstrip()
        rows = []
        for p in range(pages):
            if p:
                lines.append("")
            lines.append(" " * 54 + "华夏银行单位客户对账单")
            lines.append(f" 账号：{owner_acct}" + " " * 30 + f"户名：{owner_name}")
            lines.append(f" 币种：人民币        起止日期：{start:%Y%m%d}-{end:%Y%m%d}" + " " * 40 + f"第 {p + 1} 页/共 {pages} 页")
            lines.append(" " + rule)
            lines.append(fmt([h for h, _, _ in W]))
            lines.append(" " + rule)
            for x in tx[p * per_page:(p + 1) * per_page]:
                cp = x["cp"] or ("", "", "")
                lines.append(fmt([f"{x['t']:%Y%m%d}", f"{x['t']:%H%M%S}", x["id"], x["summary"], "借" if x["dir"] == "D" else "贷",
                                  fc(x["amt"]), fc(x["bal"]), "  " + cp[0], cp[1]]))
                rows.append(exp_row(x, owner_acct, owner_name, len(lines), x["summary"]))
        t = totals(tx)
        lines.append(" " + rule)
        lines.append(f" 期初余额：{fc(bal)}" + " " * 20 + f"期末余额：{fc(tx[-1]['bal'])}")
        lines.append(f" 借方笔数：{t['debit_count']}    借方发生额：{fc(t['debit_total'])}      贷方笔数：{t['credit_count']}    贷方发生额：{fc(t['credit_total'])}")
        lines.append(" 经办：            复核：            打印日期：" + f"{end + dt.timedelta(days=3):%Y%m%d}")
        lines.append(" 注：本对账单仅供参考，如有疑问请于收到之日起十五日内与开户行联系。")
        fname = f"华夏银行对账单_{owner_acct}_{y}{m:02d}.txt"
        put_text(fname, "\r\n".join(lines) + "\r\n", "gb18030")
        ft = {"debit_count": t["debit_count"], "debit_total": f2(t["debit_total"]), "credit_count": t["credit_count"],
              "credit_total": f2(t["credit_total"]), "opening_balance": f2(bal), "closing_balance": f2(tx[-1]["bal"])}
        put_expected(fname, rows, dict(dialect="hxb_fixed_width_print_gb18030", encoding="gb18030", owner_account=owner_acct,
                                       owner_name=owner_name, period=[str(start), str(end)], footer_totals=ft))
        bal = tx[-1]["bal"]


# ---------------------------------------------------------------------------------------------
# F. XLSX workbooks with several sheets
# ---------------------------------------------------------------------------------------------
def xlsx_multisheet(rng):
    from openpyxl import Workbook
    from openpyxl.styles import Font, Alignment
    # F1: cover sheet + one sheet per month, datetime cells, signed 交易金额
    owner_acct, owner_name = "2000123456789012", "天津滨海新区海泰物流有限公司"
    cps = pool(rng, 9, 4)
    bal = q("906315.27")
    wb = Workbook()
    cov = wb.active
    cov.title = "账户信息"
    cov["A1"] = "渤海银行对公账户交易明细"
    cov["A1"].font = Font(bold=True, size=14)
    cov.merge_cells("A1:B1")
    for r, (k, v) in enumerate([("账号", owner_acct), ("户名", owner_name), ("开户行", "渤海银行天津分行营业部"),
                                ("币种", "人民币"), ("查询期间", "2017-07-01 至 2017-09-30"), ("导出时间", "2017-10-09 09:12:45")], 2):
        cov.cell(r, 1, k)
        cov.cell(r, 2, v)
    cov.column_dimensions["B"].width = 30
    rows = []
    ft = {}
    fname = f"渤海银行对公账户明细_{owner_acct}_2017Q3.xlsx"
    for (y, m) in [(2017, 7), (2017, 8), (2017, 9)]:
        start, end = dt.date(y, m, 1), month_end(y, m)
        tx = gen(rng, rng.randint(12, 22), start, end, bal, cps, cap=3000000, idf=lambda i, t: f"{t:%Y%m%d}{rng.randrange(10**8):08d}")
        name = f"{y}年{m:02d}月"
        ws = wb.create_sheet(name)
        hdr = ["交易时间", "交易流水号", "交易金额", "账户余额", "对方账号", "对方户名", "对方开户行", "摘要", "附言"]
        for c, h in enumerate(hdr, 1):
            ws.cell(1, c, h).font = Font(bold=True)
        r = 1
        for x in tx:
            r += 1
            cp = x["cp"] or (None, None, None)
            ws.cell(r, 1, x["t"]).number_format = "yyyy-mm-dd hh:mm:ss"
            ws.cell(r, 2, x["id"])
            ws.cell(r, 3, float(-x["amt"] if x["dir"] == "D" else x["amt"])).number_format = "#,##0.00"
            ws.cell(r, 4, float(x["bal"])).number_format = "#,##0.00"
            ws.cell(r, 5, cp[0])
            ws.cell(r, 6, cp[1])
            ws.cell(r, 7, cp[2])
            ws.cell(r, 8, x["summary"])
            ws.cell(r, 9, x["purpose"] or None)
            rows.append(exp_row(x, owner_acct, owner_name, r, x["purpose"] or x["summary"], sheet=name))
        t = totals(tx)
        r += 1
        ws.cell(r, 1, "本月合计")
        ws.cell(r, 2, f"支出{t['debit_count']}笔")
        ws.cell(r, 3, float(-t["debit_total"])).number_format = "#,##0.00"
        r += 1
        ws.cell(r, 2, f"收入{t['credit_count']}笔")
        ws.cell(r, 3, float(t["credit_total"])).number_format = "#,##0.00"
        ws.column_dimensions["A"].width = 20
        ft[name] = {"debit_count": t["debit_count"], "debit_total": f2(t["debit_total"]),
                    "credit_count": t["credit_count"], "credit_total": f2(t["credit_total"])}
        bal = tx[-1]["bal"]
    XLSX[fname] = wb
    put_expected(fname, rows, dict(dialect="cbhb_xlsx_cover_plus_month_sheets", encoding="xlsx", owner_account=owner_acct,
                                   owner_name=owner_name, period=["2017-07-01", "2017-09-30"], footer_totals=ft,
                                   sheets=["账户信息", "2017年07月", "2017年08月", "2017年09月"]))

    # F2: per-month sheets with merged title, date cell + text time 093015, 支出/收入 columns
    owner_acct, owner_name = "71010122000345678", "宁波海曙恒通物流有限公司"
    cps = pool(rng, 8, 5)
    bal = q("1543077.90")
    wb = Workbook()
    wb.remove(wb.active)
    rows = []
    ft = {}
    fname = f"宁波银行单位账户交易明细_{owner_acct}_201710-201712.xlsx"
    for (y, m) in [(2017, 10), (2017, 11), (2017, 12)]:
        start, end = dt.date(y, m, 1), month_end(y, m)
        tx = gen(rng, rng.randint(14, 24), start, end, bal, cps, cap=2000000, idf=lambda i, t: f"{rng.randrange(10**10):010d}")
        name = f"{m}月"
        ws = wb.create_sheet(name)
        ws["A1"] = "宁波银行单位账户交易明细"
        ws["A1"].alignment = Alignment(horizontal="center")
        ws.merge_cells("A1:I1")
        ws["A2"] = f"账号：{owner_acct}    户名：{owner_name}"
        ws.merge_cells("A2:I2")
        ws["A3"] = f"期间：{start} 至 {end}    币种：人民币"
        ws.merge_cells("A3:I3")
        hdr = ["交易日期", "交易时间", "流水号", "支出金额", "收入金额", "余额", "对方户名", "对方账号", "用途"]
        for c, h in enumerate(hdr, 1):
            ws.cell(4, c, h)
        r = 4
        for x in tx:
            r += 1
            cp = x["cp"] or (None, None, None)
            ws.cell(r, 1, x["t"].date()).number_format = "yyyy-mm-dd"
            ws.cell(r, 2, f"{x['t']:%H%M%S}")
            ws.cell(r, 3, x["id"])
            if x["dir"] == "D":
                ws.cell(r, 4, float(x["amt"])).number_format = "#,##0.00"
            else:
                ws.cell(r, 5, float(x["amt"])).number_format = "#,##0.00"
            ws.cell(r, 6, float(x["bal"])).number_format = "#,##0.00"
            ws.cell(r, 7, cp[1])
            ws.cell(r, 8, cp[0])
            text = x["purpose"] or x["summary"]
            ws.cell(r, 9, text)
            rows.append(exp_row(x, owner_acct, owner_name, r, text, sheet=name))
        t = totals(tx)
        r += 1
        ws.cell(r, 1, "合计")
        ws.cell(r, 3, f"共{t['debit_count'] + t['credit_count']}笔")
        ws.cell(r, 4, float(t["debit_total"])).number_format = "#,##0.00"
        ws.cell(r, 5, float(t["credit_total"])).number_format = "#,##0.00"
        ft[name] = {"count": t["debit_count"] + t["credit_count"], "debit_total": f2(t["debit_total"]),
                    "credit_total": f2(t["credit_total"])}
        bal = tx[-1]["bal"]
    XLSX[fname] = wb
    put_expected(fname, rows, dict(dialect="nbcb_xlsx_month_sheets_split_time", encoding="xlsx", owner_account=owner_acct,
                                   owner_name=owner_name, period=["2017-10-01", "2017-12-31"], footer_totals=ft,
                                   sheets=["10月", "11月", "12月"]))


# ---------------------------------------------------------------------------------------------
# G. Citibank (China) bilingual CSV: dd/mm/yyyy, all fields quoted, (1,234.56) debits,
#    combined counterparty cell "name / account / bank"
# ---------------------------------------------------------------------------------------------
def citi_paren(rng):
    owner_acct, owner_name = "178012345601", "上海嘉禾商务咨询有限公司"
    cps = pool(rng, 8, 4)
    bal = q("734219.55")
    for (y, m) in [(2017, 7), (2017, 8)]:
        start, end = dt.date(y, m, 1), month_end(y, m)
        tx = gen(rng, rng.randint(16, 28), start, end, bal, cps, cap=1200000, precision="d",
                 idf=lambda i, t: f"CN{t:%y%m%d}{rng.randrange(10**5):05d}")
        # make sure days > 12 occur (they do over a full month) ; the order dd/mm is then unambiguous
        assert any(x["t"].day > 12 for x in tx)

        def L(*cells):
            return ",".join('"' + c.replace('"', '""') + '"' for c in cells)
        lines = [L("花旗银行(中国)有限公司 Citibank (China) Co., Ltd."), L("账户名称 Account Name:", owner_name),
                 L("账号 Account No.:", owner_acct), L("币种 Currency:", "CNY"),
                 L("期间 Period:", f"{start:%d/%m/%Y} - {end:%d/%m/%Y}"), "",
                 L("交易日期 Transaction Date", "起息日 Value Date", "描述 Description", "对方信息 Counterparty",
                   "参考号 Reference", "金额 Amount", "余额 Balance"),
                 L("期初余额 Opening Balance", "", "", "", "", "", fc(bal))]
        rows = []
        for x in tx:
            if x["cp"] is None:
                desc = "SERVICE CHARGE 服务费" if x["dir"] == "D" else "INTEREST 利息"
                cpc = ""
            else:
                desc = ("OUTWARD TRANSFER " if x["dir"] == "D" else "INWARD REMITTANCE ") + (x["purpose"] or x["summary"])
                cpc = f"{x['cp'][1]} / {x['cp'][0]} / {x['cp'][2]}"
            vd = x["t"].date() + dt.timedelta(days=1 if rng.random() < 0.15 else 0)
            a = f"({fc(x['amt'])})" if x["dir"] == "D" else fc(x["amt"])
            lines.append(L(f"{x['t']:%d/%m/%Y}", f"{vd:%d/%m/%Y}", desc, cpc, x["id"], a, fc(x["bal"])))
            rows.append(exp_row(x, owner_acct, owner_name, len(lines), desc))
        t = totals(tx)
        lines.append(L("期末余额 Closing Balance", "", "", "", "", "", fc(tx[-1]["bal"])))
        lines.append(L("借方合计 Total Debits", "", "", "", f"{t['debit_count']}", f"({fc(t['debit_total'])})", ""))
        lines.append(L("贷方合计 Total Credits", "", "", "", f"{t['credit_count']}", fc(t["credit_total"]), ""))
        fname = f"Citi_CN_{owner_acct}_{MON[m - 1]}{y}.csv"
        put_text(fname, "\r\n".join(lines) + "\r\n", "utf-8")
        ft = {"debit_count": t["debit_count"], "debit_total": f2(t["debit_total"]), "credit_count": t["credit_count"],
              "credit_total": f2(t["credit_total"]), "opening_balance": f2(bal), "closing_balance": f2(tx[-1]["bal"])}
        put_expected(fname, rows, dict(dialect="citi_bilingual_csv_paren_negatives", encoding="utf-8", owner_account=owner_acct,
                                       owner_name=owner_name, period=[str(start), str(end)], footer_totals=ft))
        bal = tx[-1]["bal"]


# ---------------------------------------------------------------------------------------------
# H. Rural commercial bank 对账单, GBK CSV, 2017.7.3 + 9:30, reversal rows (红字冲正 / 抹账)
# ---------------------------------------------------------------------------------------------
def rcb_reversal(rng):
    owner_acct, owner_name = "320211001201000123", "无锡市恒达机械有限公司"
    cps = pool(rng, 9, 3)
    bal = q("688420.10")
    for (y, m) in [(2017, 7), (2017, 8)]:
        start, end = dt.date(y, m, 1), month_end(y, m)
        tx = gen(rng, rng.randint(18, 26), start, end, bal, cps, cap=800000, precision="m",
                 idf=lambda i, t: f"{rng.randrange(10**9):09d}")
        revs = []
        if m == 7:
            # a debit reversed by red ink in the debit column (冲正)
            o = next(x for x in tx[3:] if x["dir"] == "D" and x["cp"])
            r = dict(o, dir="C", summary="冲正", purpose=f"冲正原流水{o['id']}", rev="red_debit",
                     t=o["t"] + dt.timedelta(minutes=rng.randint(30, 180)), id=f"{rng.randrange(10**9):09d}")
            revs.append(r)
        else:
            # a credit reversed by red ink in the credit column (抹账) and a debit reversed blue (opposite column)
            o = next(x for x in tx[2:] if x["dir"] == "C" and x["cp"])
            revs.append(dict(o, dir="D", summary="抹账", purpose=f"抹账原流水{o['id']} 收款人户名不符", rev="red_credit",
                             t=o["t"] + dt.timedelta(hours=rng.randint(1, 5)), id=f"{rng.randrange(10**9):09d}"))
            o2 = next(x for x in tx[8:] if x["dir"] == "D" and x["cp"])
            revs.append(dict(o2, dir="C", summary="冲正", purpose=f"冲正原流水{o2['id']}", rev="blue",
                             t=o2["t"] + dt.timedelta(minutes=rng.randint(10, 90)), id=f"{rng.randrange(10**9):09d}"))
        tx = sorted(tx + revs, key=lambda x: x["t"])
        rechain(tx, bal)
        lines = ["江南农村商业银行单位账户对账单,,,,,,,,,",
                 f"账号：{owner_acct},,,户名：{owner_name},,,币种：人民币,,,",
                 f"对账期间：{start.year}.{start.month}.{start.day}-{end.year}.{end.month}.{end.day},,,,,,,,,",
                 "交易日期,交易时间,流水号,摘要,借方发生额,贷方发生额,余额,对方账号,对方户名,备注"]
        lines.append(f",,,上期余额,,,{f2(bal)},,,")
        rows = []
        dsum = csum = Decimal(0)
        for x in tx:
            cp = x["cp"] or ("", "", "")
            if x["rev"] == "red_debit":
                dcol, ccol = f2(-x["amt"]), ""
                dsum -= x["amt"]
            elif x["rev"] == "red_credit":
                dcol, ccol = "", f2(-x["amt"])
                csum -= x["amt"]
            elif x["dir"] == "D":
                dcol, ccol = f2(x["amt"]), ""
                dsum += x["amt"]
            else:
                dcol, ccol = "", f2(x["amt"])
                csum += x["amt"]
            lines.append(f"{x['t'].year}.{x['t'].month}.{x['t'].day},{x['t'].hour}:{x['t']:%M},{x['id']},{x['summary']},"
                         f"{dcol},{ccol},{f2(x['bal'])},{cp[0]},{cp[1]},{x['purpose']}")
            rows.append(exp_row(x, owner_acct, owner_name, len(lines), x["purpose"] or x["summary"]))
        n = len(tx)
        lines.append(f"本期合计,,共{n}笔,,{f2(dsum)},{f2(csum)},,,,")
        lines.append(f"期末余额,,,,,,{f2(tx[-1]['bal'])},,,")
        lines.append(f"打印日期：{end + dt.timedelta(days=1)},,,经办：,,复核：,,,,")
        fname = f"江南农商行对账单_{owner_acct}_{y}{m:02d}.csv"
        put_text(fname, "\r\n".join(lines) + "\r\n", "gbk")
        ft = {"count": n, "debit_total": f2(dsum), "credit_total": f2(csum), "opening_balance": f2(bal),
              "closing_balance": f2(tx[-1]["bal"])}
        put_expected(fname, rows, dict(dialect="rcb_csv_gbk_reversal_rows", encoding="gbk", owner_account=owner_acct,
                                       owner_name=owner_name, period=[str(start), str(end)], footer_totals=ft))
        bal = tx[-1]["bal"]


# ---------------------------------------------------------------------------------------------
# I. Custody bank daily transaction file, amounts in 分, date + HHMMSS columns, 成功/失败 status
# ---------------------------------------------------------------------------------------------
def custody_fen(rng):
    plat_acct, plat_name = "8880106012000158", "深圳市前海联融信息服务有限公司"
    mkt_acct, guar_acct, guar_name = "8880106012000166", "8880106012000174", "深圳市融信融资担保有限公司"
    investors = [(card(rng, "623165", 19), n) for n in rng.sample(PERSONS, 12)]
    borrowers = [(card(rng, "623165", 19), n) for n in rng.sample([p for p in PERSONS if p not in dict((b, a) for a, b in investors)] + ["陈晓东", "蒋文静", "韩磊"], 4)]
    borrowers += [(corp_acct(rng, "88801", 16), n) for n in rng.sample(COMPANIES[16:], 2)]
    for day in [dt.date(2017, 7, 5), dt.date(2017, 7, 6)]:
        n = rng.randint(26, 40)
        ts = times(rng, day, day, n)
        lines = ["平台编号,存管流水号,平台订单号,交易日期,交易时间,业务类型,付款方电子账号,付款方名称,收款方电子账号,收款方名称,交易金额(分),币种,交易状态,失败原因"]
        rows = []
        ok_n = fail_n = 0
        ok_s = fail_s = 0
        for t in ts:
            kind = rng.choice(["出借", "出借", "出借", "还款", "还款", "平台服务费", "代偿", "红包"])
            inv, bor = rng.choice(investors), rng.choice(borrowers)
            if kind == "出借":
                payer, payee, a = inv, bor, q(rng.choice([100, 500, 1000, 2000, 5000, 10000, 50000, 100000, 200000]))
            elif kind == "还款":
                payer, payee, a = bor, inv, q(str(round(rng.uniform(50, 80000), 2)))
            elif kind == "平台服务费":
                payer, payee, a = bor, (plat_acct, plat_name), q(str(round(rng.uniform(10, 6000), 2)))
            elif kind == "代偿":
                payer, payee, a = (guar_acct, guar_name), inv, q(str(round(rng.uniform(100, 120000), 2)))
            else:
                payer, payee, a = (mkt_acct, plat_name), inv, q(rng.choice(["5.00", "8.88", "10.00", "18.00", "50.00"]))
            fen = int(a * 100)
            failed = rng.random() < 0.1
            status, why = ("失败", rng.choice(["余额不足", "账户状态异常", "超过单笔限额"])) if failed else ("成功", "")
            sid = f"CG{t:%Y%m%d}{rng.randrange(10**10):010d}"
            oid = f"LR{t:%Y%m%d%H%M%S}{rng.randrange(10**4):04d}"
            lines.append(f"LRZX01,{sid},{oid},{t:%Y%m%d},{t:%H%M%S},{kind},{payer[0]},{payer[1]},{payee[0]},{payee[1]},{fen},CNY,{status},{why}")
            if failed:
                fail_n += 1
                fail_s += fen
            else:
                ok_n += 1
                ok_s += fen
                rows.append({"txn_id": sid, "txn_time": t.strftime("%Y-%m-%dT%H:%M:%S"), "amount": f2(a),
                             "payer_account": payer[0], "payer_name": payer[1], "payee_account": payee[0], "payee_name": payee[1],
                             "currency": "CNY", "purpose": kind, "balance_after": None, "source_line": len(lines)})
        lines.append(f"成功笔数,{ok_n},成功金额(分),{ok_s},失败笔数,{fail_n},失败金额(分),{fail_s},,,,,,")
        fname = f"存管交易流水_LRZX01_{day:%Y%m%d}.csv"
        put_text(fname, "\n".join(lines) + "\n", "utf-8")
        ft = {"count": ok_n, "total": f2(Decimal(ok_s) / 100), "failed_count": fail_n, "failed_total": f2(Decimal(fail_s) / 100)}
        put_expected(fname, rows, dict(dialect="custody_csv_fen_status", encoding="utf-8", owner_account=None, owner_name=None,
                                       period=[str(day), str(day)], footer_totals=ft, amount_unit="分"))


# ---------------------------------------------------------------------------------------------
# J. ADBC 对账单 XLSX, 万元 declared in the header cells, 4-decimal numeric cells, 2017年07月03日
# ---------------------------------------------------------------------------------------------
def adbc_wanyuan(rng):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    owner_acct, owner_name = "20332020000123456789", "无锡市滨湖区财政局"
    cps = pool(rng, 10, 0)
    bal = q("48620000.00")
    for (y, m) in [(2017, 7), (2017, 8)]:
        start, end = dt.date(y, m, 1), month_end(y, m)
        tx = gen(rng, rng.randint(12, 20), start, end, bal, cps, cap=30000000, whole=True, precision="d", fee=False,
                 idf=lambda i, t: f"{rng.randrange(10**8):08d}")
        for x in tx:
            x["summary"] = rng.choice(["国库集中支付", "专项资金拨付", "资金调拨", "工资统发"] if x["dir"] == "D"
                                      else ["上级补助收入", "非税收入缴库", "专项转移支付", "资金调拨"])
        wb = Workbook()
        ws = wb.active
        ws.title = "对账单"
        ws["A1"] = "中国农业发展银行单位账户对账单"
        ws["A1"].font = Font(bold=True, size=14)
        ws["A1"].alignment = Alignment(horizontal="center")
        ws.merge_cells("A1:H1")
        ws["A2"] = f"户名：{owner_name}"
        ws["E2"] = f"账号：{owner_acct}"
        ws["A3"] = "币种：人民币"
        ws["E3"] = f"对账期间：{start:%Y年%m月%d日}至{end:%Y年%m月%d日}"
        hdr = ["日期", "凭证号", "摘要", "借方发生额（万元）", "贷方发生额（万元）", "余额（万元）", "对方单位名称", "对方账号"]
        for c, h in enumerate(hdr, 1):
            ws.cell(4, c, h).font = Font(bold=True)
        ws.cell(5, 3, "期初余额")
        ws.cell(5, 6, float(bal / WAN)).number_format = "#,##0.0000"
        r = 5
        rows = []
        for x in tx:
            r += 1
            cp = x["cp"] or (None, None, None)
            ws.cell(r, 1, f"{x['t']:%Y年%m月%d日}")
            ws.cell(r, 2, x["id"])
            ws.cell(r, 3, x["summary"])
            ws.cell(r, 4 if x["dir"] == "D" else 5, float(x["amt"] / WAN)).number_format = "#,##0.0000"
            ws.cell(r, 6, float(x["bal"] / WAN)).number_format = "#,##0.0000"
            ws.cell(r, 7, cp[1])
            ws.cell(r, 8, cp[0])
            rows.append(exp_row(x, owner_acct, owner_name, r, x["summary"]))
        t = totals(tx)
        r += 1
        ws.cell(r, 3, "本月合计")
        ws.cell(r, 4, float(t["debit_total"] / WAN)).number_format = "#,##0.0000"
        ws.cell(r, 5, float(t["credit_total"] / WAN)).number_format = "#,##0.0000"
        r += 1
        ws.cell(r, 3, "期末余额")
        ws.cell(r, 6, float(tx[-1]["bal"] / WAN)).number_format = "#,##0.0000"
        r += 2
        ws.cell(r, 1, "本对账单仅供参考，请核对后于10日内将回执退回开户行。")
        fname = f"农发行对账单_{owner_acct}_{y}{m:02d}.xlsx"
        XLSX[fname] = wb
        ft = {"debit_total": f2(t["debit_total"]), "credit_total": f2(t["credit_total"]), "opening_balance": f2(bal),
              "closing_balance": f2(tx[-1]["bal"])}
        put_expected(fname, rows, dict(dialect="adbc_xlsx_wanyuan_header", encoding="xlsx", owner_account=owner_acct,
                                       owner_name=owner_name, period=[str(start), str(end)], footer_totals=ft, amount_unit="万元"))
        bal = tx[-1]["bal"]


# ---------------------------------------------------------------------------------------------
# K. 银企直连 host file: GBK, LF, pipe with trailing pipe, yyyymmddHHMMSS, flag 1/2, no owner name
# ---------------------------------------------------------------------------------------------
def hfb_host(rng, bad_date=False):
    owner_acct = "855010100123456789"
    cps = pool(rng, 9, 5)
    bal = q("3310988.62")
    months = [(2017, 11), (2017, 12)] if not bad_date else [(2017, 2)]
    for (y, m) in months:
        start, end = dt.date(y, m, 1), month_end(y, m)
        tx = gen(rng, rng.randint(20, 32), start, end, bal, cps, cap=5000000, idf=lambda i, t: f"{t:%Y%m%d}{rng.randrange(10**8):08d}")
        lines = ["账号|交易时间|交易流水号|借贷标志(1-借 2-贷)|交易金额|账户余额|对方账号|对方户名|对方开户行|摘要|附言|"]
        rows = []
        bad_line = None
        for i, x in enumerate(tx):
            cp = x["cp"] or ("", "", "")
            ts = f"{x['t']:%Y%m%d%H%M%S}"
            if bad_date and i == 11:
                ts = "20170230" + ts[8:]
            lines.append(f"{owner_acct}|{ts}|{x['id']}|{'1' if x['dir'] == 'D' else '2'}|{f2(x['amt'])}|{f2(x['bal'])}|"
                         f"{cp[0]}|{cp[1]}|{cp[2]}|{x['summary']}|{x['purpose']}|")
            if bad_date and i == 11:
                bad_line = len(lines)
            rows.append(exp_row(x, owner_acct, None, len(lines), x["purpose"] or x["summary"]))
        t = totals(tx)
        lines.append(f"合计|笔数:{len(tx)}|借方金额:{f2(t['debit_total'])}|贷方金额:{f2(t['credit_total'])}|")
        text = "\n".join(lines) + "\n"
        if bad_date:
            fname = "bad_impossible_date.txt"
            OUT["bad/" + fname] = text.encode("gbk")
            OUT["bad/" + fname + ".expected.json"] = jdump({
                "file": fname, "kind": "impossible_date", "line": bad_line,
                "reason": "交易时间 is 2017-02-30 (February 2017 has 28 days); the row must not be emitted with a guessed date",
                "expect": "flag that line (refuse the row or the file); do not roll it over to 2017-03-02 or clamp to 2017-02-28"})
            return
        fname = f"HFB_{owner_acct}_{start:%Y%m%d}_{end:%Y%m%d}.txt"
        put_text(fname, text, "gbk")
        ft = {"count": len(tx), "debit_total": f2(t["debit_total"]), "credit_total": f2(t["credit_total"])}
        put_expected(fname, rows, dict(dialect="hfb_host_pipe_gbk_flag12", encoding="gbk", owner_account=owner_acct,
                                       owner_name=None, period=[str(start), str(end)], footer_totals=ft))
        bal = tx[-1]["bal"]


# ---------------------------------------------------------------------------------------------
# L. ABC 电子回单汇总清单: one row per receipt, payer and payee columns for a single account,
#    "¥12,345.67" with the amount in words, GB18030, CRLF
# ---------------------------------------------------------------------------------------------
def daxie(d):
    D, U, S = "零壹贰叁肆伍陆柒捌玖", ["", "拾", "佰", "仟"], ["", "万", "亿", "兆"]
    cents = int(d * 100)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    out = ""
    if yuan:
        groups, n = [], yuan
        while n:
            groups.append(n % 10000)
            n //= 10000
        res, pending = "", False
        for gi in range(len(groups) - 1, -1, -1):
            g = groups[gi]
            if g == 0:
                pending = pending or bool(res)
                continue
            if res and (g < 1000 or pending):
                res += "零"
            pending = False
            part, z = "", False
            for pi in range(3, -1, -1):
                dg = g // 10 ** pi % 10
                if dg == 0:
                    z = z or bool(part)
                else:
                    if z:
                        part += "零"
                        z = False
                    part += D[dg] + U[pi]
            res += part + S[gi]
        out = res + "元"
    if jiao == 0 and fen == 0:
        return out + "整"
    if jiao:
        out += D[jiao] + "角"
    elif yuan:
        out += "零"
    if fen:
        out += D[fen] + "分"
    return out


def abc_receipts(rng):
    owner_acct, owner_name, owner_bank = "12150101040023456", "合肥新元汽车销售服务有限公司", "中国农业银行合肥长江西路支行"
    bank_name = "中国农业银行股份有限公司合肥分行"
    cps = pool(rng, 9, 5)
    for (y, m) in [(2017, 7), (2017, 8)]:
        start, end = dt.date(y, m, 1), month_end(y, m)
        tx = gen(rng, rng.randint(18, 30), start, end, q("4200000.00"), cps, cap=4000000, precision="d",
                 idf=lambda i, t: f"{rng.randrange(10**6):06d}{t:%m%d}{rng.randrange(10**4):04d}")

        def L(*cells):
            return ",".join(('"' + c + '"') if ("," in c or '"' in c) else c for c in cells)
        lines = ["中国农业银行电子回单汇总清单", f"账号：{owner_acct}", f"户名：{owner_name}",
                 f"查询日期：{start}至{end}",
                 L("回单编号", "交易日期", "交易流水号", "付款人账号", "付款人户名", "付款人开户行", "收款人账号", "收款人户名",
                   "收款人开户行", "金额(小写)", "金额(大写)", "币种", "用途", "业务种类")]
        rows = []
        total = Decimal(0)
        for k, x in enumerate(tx, 1):
            if x["cp"] is None:
                # charge and interest receipts name the bank on the other side, with no account
                x["cp"] = ("", bank_name, "")
                kind = "收费" if x["dir"] == "D" else "利息"
                x["summary"] = "账户管理费" if x["dir"] == "D" else "活期存款利息"
            else:
                kind = rng.choice(["网银转账", "跨行汇款", "汇兑"]) if x["dir"] == "D" else rng.choice(["来账", "跨行来账"])
            cp = x["cp"]
            mine = (owner_acct, owner_name, owner_bank)
            pay, rec = (mine, cp) if x["dir"] == "D" else (cp, mine)
            lines.append(L(f"{y}{m:02d}{k:06d}", f"{x['t']:%Y-%m-%d}", x["id"], pay[0], pay[1], pay[2], rec[0], rec[1], rec[2],
                           f"¥{fc(x['amt'])}", daxie(x["amt"]), "人民币", x["purpose"] if x["cp"][0] else x["summary"], kind))
            purpose = (x["purpose"] if x["cp"][0] else x["summary"]) or kind
            row = exp_row(x, owner_acct, owner_name, len(lines), purpose, balance=False)
            for side in ("payer", "payee"):
                if row[side + "_account"] == "":
                    row[side + "_account"] = None
            rows.append(row)
            total += x["amt"]
        lines.append(L(f"合计笔数：{len(tx)}", "", "", "", "", "", "", "", "", f"¥{fc(total)}", daxie(total), "", "", ""))
        lines.append(f"打印日期：{end + dt.timedelta(days=2)}")
        fname = f"农行电子回单汇总_{owner_acct}_{y}{m:02d}.csv"
        put_text(fname, "\r\n".join(lines) + "\r\n", "gb18030")
        put_expected(fname, rows, dict(dialect="abc_receipt_summary_csv_words", encoding="gb18030", owner_account=owner_acct,
                                       owner_name=owner_name, period=[str(start), str(end)],
                                       footer_totals={"count": len(tx), "total": f2(total)}))


def build():
    OUT.clear()
    XLSX.clear()
    rng = random.Random(20171231)
    for fname, doc, rows, meta, _ in psbc_html(random.Random(101), [(2017, 7), (2017, 8), (2017, 9)],
                                                card(random.Random(7), "621799", 19), "林晓燕", q("86543.21")):
        put_text(fname, doc, "gbk")
        put_expected(fname, rows, meta)
    cgb_html(random.Random(102))
    ceb_utf16(random.Random(103))
    db_semicolon(random.Random(104))
    hxb_fixed(random.Random(105))
    xlsx_multisheet(random.Random(106))
    citi_paren(random.Random(107))
    rcb_reversal(random.Random(108))
    custody_fen(random.Random(109))
    adbc_wanyuan(random.Random(110))
    hfb_host(random.Random(111))
    abc_receipts(random.Random(112))
    # negatives
    db_semicolon(random.Random(201), bad_total=True)
    hfb_host(random.Random(202), bad_date=True)
    brk = 9
    [(fname, doc, rows, meta, tx)] = psbc_html(random.Random(203), [(2017, 10)], card(random.Random(8), "621799", 19), "何俊",
                                               q("23400.00"), bad_break_at=brk, fname_override="bad_balance_break.xls")
    OUT["bad/" + fname] = doc.encode("gbk")
    OUT["bad/" + fname + ".expected.json"] = jdump({
        "file": fname, "kind": "balance_break", "line": rows[brk - 1]["source_line"], "line_is": "<tr> index in the table",
        "reason": (f"row 序号 {brk}: previous 账户余额 {fc(tx[brk - 2]['bal'])} "
                   f"{'- 支出' if tx[brk - 1]['dir'] == 'D' else '+ 收入'} {fc(tx[brk - 1]['amt'])} = {fc(tx[brk - 1]['bal'])}, "
                   f"the file says {fc(tx[brk - 1]['bal'] + 500)} (500.00 too much); later rows chain from the wrong value"),
        "expect": "flag that row; rows before it chain correctly"})
    _ = rng


def xlsx_bytes(wb):
    # pin document timestamps so regeneration is byte-identical
    import zipfile
    wb.properties.created = dt.datetime(2017, 12, 31, 9, 0, 0)
    wb.properties.modified = dt.datetime(2017, 12, 31, 9, 0, 0)
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(2017, 12, 31, 9, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                import re
                data = re.sub(rb">\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<", b">2017-12-31T09:00:00Z<", data)
            z.writestr(zi, data)
    return out.getvalue()


KEYS = ["txn_id", "txn_time", "amount", "payer_account", "payer_name", "payee_account", "payee_name", "currency",
        "purpose", "balance_after", "source_line"]


def _luhn_ok(n):
    return luhn_digit(n[:-1]) == n[-1]


def _record(path, data):
    """The physical record a source_line points at (text line, <tr>, or sheet row values)."""
    if path.endswith(".xlsx"):
        return None
    raw = data
    if raw.startswith(b"\xff\xfe"):
        text = raw[2:].decode("utf-16-le")
    elif raw.startswith(b"\xef\xbb\xbf"):
        text = raw[3:].decode("utf-8")
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("gb18030")
    if path.endswith(".xls"):
        return ["<tr" + part for part in text.split("<tr")[1:]]
    return text.split("\n")


def verify():
    """Re-derive every claim of expected/ from the corpus files themselves."""
    from openpyxl import load_workbook
    problems = []
    names = sorted(n[len("expected/"):-len(".meta.json")] for n in OUT if n.endswith(".meta.json"))
    for name in names:
        meta = json.loads(OUT["expected/" + name + ".meta.json"])
        rows = [json.loads(x) for x in OUT["expected/" + name + ".jsonl"].decode("utf-8").splitlines()]
        P = lambda msg: problems.append(f"{name}: {msg}")
        if meta["rows"] != len(rows) or not 8 <= len(rows) <= 60:
            P(f"row count {len(rows)}")
        owner = meta["owner_account"]
        wb = load_workbook(io.BytesIO(OUT[name])) if name.endswith(".xlsx") else None
        recs = _record(name, OUT[name])
        wan = meta.get("amount_unit") == "万元"
        for r in rows:
            keys = list(r)
            if keys[:11] != KEYS or keys[11:] not in ([], ["sheet"]):
                P(f"keys {keys}")
            for acc in (r["payer_account"], r["payee_account"]):
                if acc and acc.startswith("62") and 16 <= len(acc) <= 19 and not _luhn_ok(acc):
                    P(f"Luhn {acc}")
            amt = Decimal(r["amount"])
            if amt <= 0:
                P(f"amount {amt}")
            dt.datetime.strptime(r["txn_time"], "%Y-%m-%dT%H:%M:%S")
            if wb is not None:
                ws = wb[r.get("sheet", wb.sheetnames[0])]
                vals = [c.value for c in ws[r["source_line"]]]
                nums = [Decimal(str(v)) for v in vals if isinstance(v, (int, float))]
                target = amt / WAN if wan else amt
                if not any(abs(abs(v) - target) < Decimal("0.00001") for v in nums):
                    P(f"sheet row {r['source_line']} has no amount {amt}: {vals}")
                if r["txn_id"] and r["txn_id"] not in vals:
                    P(f"sheet row {r['source_line']} has no id")
            else:
                rec = recs[r["source_line"] - 1]
                forms = [f"{amt:,.2f}", f"{amt:.2f}", str(int(amt * 100))]
                if not any(f in rec for f in forms):
                    P(f"line {r['source_line']} has no amount {amt}: {rec[:120]!r}")
                if r["txn_id"] and r["txn_id"] not in rec:
                    P(f"line {r['source_line']} has no id {r['txn_id']}")
                for v in (r["payer_name"], r["payee_name"]):
                    if v and v != meta["owner_name"] and html.escape(v) not in rec and v not in rec:
                        P(f"line {r['source_line']} lacks name {v}")
        # balances chain per (sheet-free) currency, in chronological order
        if owner and rows and rows[0]["balance_after"] is not None:
            order = list(reversed(rows)) if meta.get("order") == "newest_first" else rows
            by_ccy = {}
            for r in order:
                by_ccy.setdefault(r["currency"], []).append(r)
            for ccy, rs in by_ccy.items():
                prev = None
                for r in rs:
                    sign = -1 if r["payer_account"] == owner else 1
                    if prev is not None and prev + sign * Decimal(r["amount"]) != Decimal(r["balance_after"]):
                        P(f"balance breaks at line {r['source_line']}")
                    prev = Decimal(r["balance_after"])
        # footers
        ft = meta["footer_totals"] or {}
        groups = {"": rows}
        if ft and all(isinstance(v, dict) for v in ft.values()):
            key = "sheet" if "sheet" in rows[0] else "currency"
            groups = {k: [r for r in rows if r[key] == k] for k in ft}
        for g, rs in groups.items():
            f = ft[g] if g else ft
            if owner and "total" not in f:
                deb = [r for r in rs if r["payer_account"] == owner]
                cre = [r for r in rs if r["payee_account"] == owner]
                sums = {"debit_count": len(deb), "credit_count": len(cre), "count": len(rs),
                        "debit_total": f2(sum((Decimal(r["amount"]) for r in deb), Decimal(0))),
                        "credit_total": f2(sum((Decimal(r["amount"]) for r in cre), Decimal(0)))}
                if meta["dialect"] == "rcb_csv_gbk_reversal_rows":
                    # red-ink reversal rows reduce their column's total (rule 4)
                    sums.pop("debit_total")
                    sums.pop("credit_total")
                    net = sum((Decimal(r["amount"]) * (-1 if r["payer_account"] == owner else 1) for r in rs), Decimal(0))
                    if Decimal(f["opening_balance"]) + net != Decimal(f["closing_balance"]):
                        P("opening + rows != closing")
                    if Decimal(f["credit_total"]) - Decimal(f["debit_total"]) != net:
                        P("net footer != rows")
            else:
                sums = {"count": len(rs), "total": f2(sum((Decimal(r["amount"]) for r in rs), Decimal(0)))}
            for k, v in sums.items():
                if k in f and f[k] != v:
                    P(f"footer {g} {k} {f[k]} != rows {v}")
            if "closing_balance" in f and owner:
                chron = [r for r in (reversed(rs) if meta.get("order") == "newest_first" else rs)]
                if chron[-1]["balance_after"] != f["closing_balance"]:
                    P(f"closing balance {g}")
    return problems


def main():
    build()
    for name, wb in XLSX.items():
        OUT[name] = xlsx_bytes(wb)
    check = "--check" in sys.argv
    bad = 0
    for name, data in sorted(OUT.items()):
        path = os.path.join(HERE, name)
        if check:
            if not os.path.exists(path) or open(path, "rb").read() != data:
                print("DIFFERS:", name)
                bad += 1
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(data)
    print(f"{len(OUT)} files {'checked' if check else 'written'}, {bad} differ")
    problems = verify()
    for p in problems:
        print("INCONSISTENT:", p)
    bad += len(problems)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

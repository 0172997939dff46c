#!/usr/bin/env python3
"""Generator for the independent bank-statement corpus in tests/statements/.

Self-contained: standard library + openpyxl.  The legacy .xls files are written
with xlwt when it is importable (it is not a project dependency); without xlwt
the committed .xls files are left as they are.

The committed files are the corpus.  This script only exists so that balances,
footers, counts and the expected rows stay consistent with each other.  It is
deterministic (fixed seeds): running it again rewrites identical files.

    python tests/statements/make_corpus.py            # (re)write everything
    python tests/statements/make_corpus.py --check    # self-checks only
"""
import csv
import datetime as dt
import io
import json
import os
import random
import sys
from decimal import Decimal, ROUND_HALF_UP

HERE = os.path.dirname(os.path.abspath(__file__))
EXP = os.path.join(HERE, "expected")
BAD = os.path.join(HERE, "bad")

C2 = Decimal("0.01")
WAN = Decimal("10000")


def q2(x):
    return Decimal(x).quantize(C2, rounding=ROUND_HALF_UP)


def s2(x):
    """2-decimal string, no separators."""
    return str(q2(x))


def thou(x, dec=2):
    """1,234,567.89"""
    x = Decimal(x)
    return f"{x:,.{dec}f}"


def wan(x, dec):
    """yuan -> 万元 string with `dec` decimals (exact: caller guarantees)."""
    v = Decimal(x) / WAN
    s = f"{v:.{dec}f}"
    assert Decimal(s) * WAN == Decimal(x), (x, s)
    return s


def excel_general(x):
    """How Excel writes a number in General format when re-saving a CSV."""
    s = f"{Decimal(x):.2f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


# ---------------------------------------------------------------- names / accounts
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
            "于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹"
            "薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤")
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌宇浩凯鹏飞"
         "辉鑫婷雪琳晨宁欣怡涵轩峰亮波俊海燕丹佳慧琴云莉倩颖东林锋晓梅荣健")

COMPANIES = [
    "杭州融通网络科技有限公司", "浙江鑫盛贸易有限公司", "宁波恒达建材有限公司",
    "温州市瓯海区建业五金厂", "上海锦程国际物流有限公司", "深圳市前海汇金资产管理有限公司",
    "北京中科博远信息技术有限公司", "义乌市万家商贸有限公司", "绍兴柯桥华纺印染有限公司",
    "台州市黄岩精工模具有限公司", "湖州南浔森达木业股份有限公司", "金华市婺城区众信电器商行",
    "嘉兴市秀洲区新丰农业专业合作社", "杭州西溪房地产开发有限公司", "浙江中恒建设集团有限公司",
    "苏州工业园区博瑞电子有限公司", "江苏天宇钢结构工程有限公司", "广州市白云区鸿发五金制品厂",
    "宁波北仑港通船务代理有限公司", "杭州萧山顺丰汽车销售服务有限公司", "合肥科大联创软件有限公司",
    "南京金陵石化设备安装有限公司", "厦门海联达进出口有限公司", "成都蜀天餐饮管理有限公司",
    "重庆两江新区永固建材有限公司", "武汉东湖高新光谷通信有限公司", "丽水市莲都区青瓷工艺品有限公司",
]
GOV = {
    "tax": ("杭州市西湖区国家税务局", "19020101040011115"),
    "ltax": ("杭州市地方税务局西湖税务分局", "19020101040011123"),
    "si": ("杭州市社会保险事业管理局", "1202020229900045678"),
    "hf": ("杭州住房公积金管理中心", "33001616735059000888"),
    "power": ("国网浙江省电力公司杭州供电公司", "1202021209900002541"),
    "tenpay": ("财付通支付科技有限公司", "243300133"),
    "alipay": ("支付宝（中国）网络技术有限公司", "1202040009900000158"),
    "unionpay": ("银联商务股份有限公司", "31001588899050005555"),
}


def luhn_complete(body):
    digits = [int(c) for c in body]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


CARD_PREFIX = ["622202", "621700", "622848", "621661", "622588", "621483", "622908",
               "621226", "622609", "623058", "621799", "622262", "621462", "622700"]


class World:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.used_names = set()
        self.used_accts = set()

    def person(self):
        while True:
            n = self.r.choice(SURNAMES) + "".join(
                self.r.choice(GIVEN) for _ in range(self.r.choice((1, 2, 2))))
            if n not in self.used_names:
                self.used_names.add(n)
                return n

    def card(self, length=None, prefix=None):
        while True:
            length = length or self.r.choice((16, 19, 19, 19))
            p = prefix or self.r.choice(CARD_PREFIX)
            body = p + "".join(str(self.r.randrange(10)) for _ in range(length - len(p) - 1))
            a = luhn_complete(body)
            if a not in self.used_accts:
                self.used_accts.add(a)
                return a

    def corp_acct(self, length=None, prefix=None):
        while True:
            length = length or self.r.choice((12, 15, 17, 18, 19, 20, 21, 22))
            p = prefix or str(self.r.randrange(1, 10))
            a = p + "".join(str(self.r.randrange(10)) for _ in range(length - len(p)))
            if a not in self.used_accts:
                self.used_accts.add(a)
                return a

    def company(self, exclude=()):
        while True:
            c = self.r.choice(COMPANIES)
            if c not in exclude:
                return c

    def amount(self, lo, hi, roundish=0.3, whole=False):
        r = self.r
        lo, hi = float(lo), float(hi)
        import math
        v = math.exp(r.uniform(math.log(lo), math.log(hi)))
        if r.random() < roundish and v > 200:
            step = 100 if v < 20000 else 1000
            v = round(v / step) * step
        d = Decimal(str(round(v, 2)))
        if whole:
            d = d.quantize(Decimal("1"))
            if d == 0:
                d = Decimal(1)
        d = q2(d)
        if d <= 0:
            d = Decimal("0.01")
        return d

    def times(self, start, end, n, res="sec", night=0.08, force_night=()):
        """n sorted naive local datetimes within [start, end] (dates)."""
        r = self.r
        days = (end - start).days + 1
        out = []
        for _ in range(n):
            d = start + dt.timedelta(days=r.randrange(days))
            if r.random() < night:
                h = r.choice((0, 1, 6, 7, 20, 21, 22, 23))
            else:
                h = r.randrange(8, 18)
            t = dt.datetime(d.year, d.month, d.day, h, r.randrange(60), r.randrange(60))
            out.append(t)
        out.sort()
        if res == "min":
            out = [t.replace(second=0) for t in out]
        elif res == "date":
            out = [dt.datetime(t.year, t.month, t.day) for t in out]
        return out


# ---------------------------------------------------------------- statement model
class Txn:
    def __init__(self, **kw):
        self.ref = None
        self.when = None
        self.amount = None
        self.d = None            # 'D' debit/支出, 'C' credit/收入
        self.cp_acct = None
        self.cp_name = None
        self.cp_bank = None
        self.summary = None      # 摘要 / transaction type
        self.memo = None         # 用途 / 附言 / free text
        self.bal = None
        self.channel = None
        self.value_date = None
        self.__dict__.update(kw)


CORP_KINDS = [
    # weight, dir, summary, memo choices, counterparty kind, lo, hi
    (20, "C", "转账", ["货款", "支付货款", "7月货款", "合同款", "预付款", "工程款", ""], "corp", 500, 3_000_000),
    (16, "D", "转账", ["材料款", "货款", "运费", "设备款", "租金", "服务费", "咨询费"], "corp", 200, 2_000_000),
    (4, "D", "代发工资", ["工资", "代发工资", "奖金"], "none", 20_000, 600_000),
    (3, "D", "税费", ["增值税", "企业所得税", "城建税及附加"], "tax", 1_000, 800_000),
    (2, "D", "社保", ["社会保险费"], "si", 10_000, 200_000),
    (2, "D", "公积金", ["住房公积金汇缴"], "hf", 5_000, 120_000),
    (4, "D", "手续费", ["汇划手续费", "网银手续费", "账户管理费", ""], "none", 0.5, 200),
    (1, "C", "结息", ["活期结息", ""], "none", 0.01, 9_000),
    (2, "D", "转账", ["报销款", "备用金", "差旅费"], "person", 100, 50_000),
    (2, "C", "退款", ["退回多付货款", "退保证金"], "corp", 100, 500_000),
    (1, "D", "电费", ["电费"], "power", 500, 90_000),
]

PERSON_KINDS = [
    (6, "C", "工资", ["代发工资", "工资", "绩效奖金"], "employer", 3_000, 60_000),
    (10, "D", "消费", ["财付通-微信支付", "支付宝-消费", "POS消费", "银联在线支付"], "pay", 1, 8_000),
    (8, "D", "转账", ["转账", "还款", "生活费", "房租", ""], "person", 10, 200_000),
    (6, "C", "转账", ["转账", "借款", "还款", ""], "person", 10, 200_000),
    (3, "D", "ATM取款", [""], "none", 100, 3_000),
    (2, "C", "现金存入", [""], "none", 100, 50_000),
    (1, "C", "利息", ["结息"], "none", 0.01, 300),
    (1, "D", "短信服务费", [""], "none", 1, 2),
    (2, "D", "还款", ["信用卡还款", "个贷还款"], "none", 500, 30_000),
    (2, "C", "网银入账", ["理财赎回", "基金赎回"], "none", 1_000, 500_000),
]


def pick_kind(r, kinds):
    tot = sum(k[0] for k in kinds)
    x = r.uniform(0, tot)
    for k in kinds:
        x -= k[0]
        if x <= 0:
            return k
    return kinds[-1]


def gen_statement(w, n, start, end, open_bal, kinds, res="sec", whole=False,
                  employer=None, cp_banks=None, ref=None, no_cp_cols=False):
    r = w.r
    times = w.times(start, end, n, res=res)
    # a small fixed pool of counterparties so that names repeat like in real life
    corp_pool = [(w.company(), w.corp_acct()) for _ in range(8)]
    person_pool = [(w.person(), w.card()) for _ in range(8)]
    employer = employer or (w.company(), w.corp_acct())
    bal = Decimal(open_bal)
    out = []
    for i, t in enumerate(times):
        for _attempt in range(20):
            wt, d, summ, memos, cpk, lo, hi = pick_kind(r, kinds)
            amt = w.amount(lo, hi, whole=whole)
            if d == "D" and amt > bal:
                continue
            break
        else:
            d, summ, memos, cpk, amt = "C", "转账", ["货款"], "corp", w.amount(1000, 90000, whole=whole)
        memo = r.choice(memos)
        cp_name = cp_acct = None
        if cpk == "corp":
            cp_name, cp_acct = r.choice(corp_pool)
        elif cpk == "person":
            cp_name, cp_acct = r.choice(person_pool)
        elif cpk == "employer":
            cp_name, cp_acct = employer
        elif cpk == "pay":
            cp_name, cp_acct = GOV[r.choice(("tenpay", "alipay", "unionpay"))]
        elif cpk in GOV:
            cp_name, cp_acct = GOV[cpk]
        if d == "D":
            bal -= amt
        else:
            bal += amt
        if no_cp_cols:
            cp_name = cp_acct = None
        tx = Txn(when=t, amount=amt, d=d, cp_acct=cp_acct, cp_name=cp_name,
                 summary=summ, memo=memo or None, bal=bal)
        if cp_banks and cp_acct:
            tx.cp_bank = r.choice(cp_banks)
        if ref:
            tx.ref = ref(i, t)
        out.append(tx)
    return out


def stmt_exp(t, owner_acct, owner_name, line, currency="CNY", purpose="memo|summary",
             with_bal=True, cp_acct=..., cp_name=...):
    cpa = t.cp_acct if cp_acct is ... else cp_acct
    cpn = t.cp_name if cp_name is ... else cp_name
    if purpose == "memo|summary":
        p = t.memo or t.summary
    elif purpose == "summary":
        p = t.summary
    elif purpose == "memo":
        p = t.memo
    else:
        p = purpose
    if t.d == "D":
        payer = (owner_acct, owner_name)
        payee = (cpa, cpn)
    else:
        payer = (cpa, cpn)
        payee = (owner_acct, owner_name)
    return {
        "txn_id": t.ref,
        "txn_time": t.when.strftime("%Y-%m-%dT%H:%M:%S"),
        "amount": s2(t.amount),
        "payer_account": payer[0], "payer_name": payer[1],
        "payee_account": payee[0], "payee_name": payee[1],
        "currency": currency,
        "purpose": p or None,
        "balance_after": s2(t.bal) if with_bal else None,
        "source_line": line,
    }


def xfer_exp(t, line, currency="CNY", purpose=None):
    return {
        "txn_id": t.ref,
        "txn_time": t.when.strftime("%Y-%m-%dT%H:%M:%S"),
        "amount": s2(t.amount),
        "payer_account": t.payer_acct, "payer_name": t.payer_name,
        "payee_account": t.payee_acct, "payee_name": t.payee_name,
        "currency": currency,
        "purpose": purpose if purpose is not None else (t.memo or None),
        "balance_after": None,
        "source_line": line,
    }


# ---------------------------------------------------------------- custody flows
class Platform:
    def __init__(self, w, name):
        self.w = w
        self.name = name
        self.own = w.corp_acct(19, "6236")
        self.reserve = w.corp_acct(19, "6236")
        self.lenders = []
        for _ in range(18):
            nm = w.person()
            self.lenders.append((nm, w.card(19, "623668"), w.card()))   # e-account, bound card
        self.borrowers = []
        for _ in range(7):
            nm = w.person()
            self.borrowers.append((nm, w.card(19, "623668"), w.card()))
        for _ in range(4):
            nm = w.company()
            self.borrowers.append((nm, w.card(19, "623668"), w.corp_acct()))


def gen_custody(w, plat, n, start, end, res="sec", whole=False, ref=None, big=True,
                loan_prefix="JK"):
    r = w.r
    times = w.times(start, end, n, res=res, night=0.15)
    out = []
    for i, t in enumerate(times):
        x = r.random()
        L = r.choice(plat.lenders)
        B = r.choice(plat.borrowers)
        loan = f"{loan_prefix}{t:%Y%m%d}{r.randrange(1, 40):03d}"
        if x < 0.25:
            amt = w.amount(1000, 200000, roundish=0.9, whole=True)
            rec = (L[1], L[0], B[1], B[0], f"放款 标的编号{loan}")
        elif x < 0.42:
            amt = w.amount(100, 50000, roundish=0.5, whole=whole)
            rec = (B[1], B[0], L[1], L[0], f"还款本金 {loan} 第{r.randrange(1, 13)}期")
        elif x < 0.56:
            amt = w.amount(0.5, 3000, roundish=0.0, whole=whole)
            rec = (B[1], B[0], L[1], L[0], f"还款利息 {loan} 第{r.randrange(1, 13)}期")
        elif x < 0.64:
            amt = w.amount(10, 8000, roundish=0.0, whole=whole)
            rec = (B[1], B[0], plat.own, plat.name, "平台服务费")
        elif x < 0.76:
            amt = w.amount(100, 300000, roundish=0.8, whole=True)
            rec = (L[2], L[0], L[1], L[0], "充值")
        elif x < 0.88:
            amt = w.amount(100, 200000, roundish=0.3, whole=whole)
            rec = (L[1], L[0], L[2], L[0], "提现")
        elif x < 0.93:
            amt = w.amount(1000, 80000, roundish=0.2, whole=whole)
            rec = (plat.reserve, plat.name, L[1], L[0], "风险备付金代偿")
        else:
            amt = w.amount(0.01 if not whole else 1, 88, roundish=0.0, whole=whole)
            rec = (plat.own, plat.name, L[1], L[0], "投资奖励（红包）")
        out.append(Txn(when=t, amount=amt, payer_acct=rec[0], payer_name=rec[1],
                       payee_acct=rec[2], payee_name=rec[3], memo=rec[4]))
    if big and out:
        k = r.randrange(len(out))
        t = out[k]
        t.amount = Decimal(r.choice(("12000000.00", "25000000.00", "31800000.00")))
        t.payer_acct, t.payer_name = plat.own, plat.name
        t.payee_acct, t.payee_name = plat.reserve, plat.name
        t.memo = "缴存风险备付金"
    if ref:
        for i, t in enumerate(out):
            t.ref = ref(i, t.when)
    return out


# ---------------------------------------------------------------- writers
WRITTEN = []   # (name, kind)


def csv_line(fields, delim=","):
    buf = io.StringIO()
    csv.writer(buf, delimiter=delim, lineterminator="", quoting=csv.QUOTE_MINIMAL).writerow(
        ["" if f is None else f for f in fields])
    return buf.getvalue()


def write_text(path, lines, encoding, eol, bom=False, final_eol=True, truncate_at=None):
    text = eol.join(lines) + (eol if final_eol else "")
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    if truncate_at is not None:
        data = data[:truncate_at]
    with open(path, "wb") as f:
        f.write(data)


def write_expected(name, rows, meta):
    with open(os.path.join(EXP, name + ".jsonl"), "w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    meta = dict(meta)
    meta["rows"] = len(rows)
    with open(os.path.join(EXP, name + ".meta.json"), "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
    WRITTEN.append((name, meta["dialect"], meta["encoding"], len(rows)))


def meta(dialect, encoding, owner_account=None, owner_name=None, period=None, footer=None):
    return {"dialect": dialect, "encoding": encoding, "owner_account": owner_account,
            "owner_name": owner_name, "period": period, "footer_totals": footer}


def sums(txns):
    dr = [t.amount for t in txns if t.d == "D"]
    cr = [t.amount for t in txns if t.d == "C"]
    return len(dr), sum(dr, Decimal(0)), len(cr), sum(cr, Decimal(0))


# ================================================================ 1. custody CSV, UTF-8, ISO +08:00
def f_custody_csv_iso(w, plat, name, day, n):
    seq = [0]

    def ref(i, t):
        seq[0] += 1
        return f"{t:%Y%m%d}{33010000 + seq[0] * 7:012d}"
    tx = gen_custody(w, plat, n, day, day, ref=ref)
    # one purpose with an ASCII comma (must be quoted)
    tx[min(3, n - 1)].memo = "还款本金 提前结清,含违约金"
    lines = ["交易流水号,交易时间,付款方账号,付款方户名,收款方账号,收款方户名,交易金额(元),币种,摘要"]
    rows = []
    for t in tx:
        lines.append(csv_line([t.ref, t.when.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
                               t.payer_acct, t.payer_name, t.payee_acct, t.payee_name,
                               s2(t.amount), "CNY", t.memo]))
        rows.append(xfer_exp(t, len(lines)))
    write_text(os.path.join(HERE, name), lines, "utf-8", "\n")
    write_expected(name, rows, meta("custody_csv_utf8_iso8601", "utf-8"))


# ================================================================ 2. custody pipe TXT, English, UTC Z
def f_custody_pipe_utc(w, plat, name, start, end, n):
    seq = [int(w.r.randrange(100000, 900000))]

    def ref(i, t):
        seq[0] += w.r.randrange(1, 9)
        return f"{seq[0]:013d}"          # zero-padded; leading zeros are part of the id
    tx = gen_custody(w, plat, n, start, end, ref=ref)
    lines = ["SERIAL_NO|TXN_TIME|PAYER_ACCT_NO|PAYER_NAME|PAYEE_ACCT_NO|PAYEE_NAME|AMOUNT|CCY|REMARK"]
    rows = []
    for t in tx:
        utc = t.when - dt.timedelta(hours=8)
        lines.append("|".join([t.ref, utc.strftime("%Y-%m-%dT%H:%M:%SZ"), t.payer_acct, t.payer_name,
                               t.payee_acct, t.payee_name, s2(t.amount), "156", t.memo]))
        rows.append(xfer_exp(t, len(lines)))
    total = sum((t.amount for t in tx), Decimal(0))
    lines.append(f"TRAILER|{len(tx)}|{s2(total)}")
    write_text(os.path.join(HERE, name), lines, "utf-8", "\n")
    write_expected(name, rows, meta("custody_pipe_en_utc", "utf-8",
                                    footer={"count": len(tx), "total": s2(total)}))
    return tx


# ================================================================ 3. custody TSV, GB18030, 万元, 年月日 + time
def f_custody_tsv_wan(w, plat, name, start, end, n):
    seq = [w.r.randrange(1000, 5000)]

    def ref(i, t):
        seq[0] += 1
        return f"ZJ{t:%y%m%d}{seq[0]:08d}"
    tx = gen_custody(w, plat, n, start, end, ref=ref, whole=True)
    cn = lambda d: f"{d.year}年{d.month}月{d.day}日"
    lines = [
        "网络借贷资金存管 资金划转明细表",
        f"平台名称\t{plat.name}",
        "存管银行\t浙江某城市商业银行股份有限公司资金存管部",
        "币种\t人民币\t金额单位\t万元",
        f"查询期间\t{cn(start)}至{cn(end)}",
        "",
        "流水号\t交易日期\t交易时间\t付款人账号\t付款人名称\t收款人账号\t收款人名称\t金额(万元)\t摘要",
    ]
    rows = []
    for t in tx:
        lines.append("\t".join([t.ref, cn(t.when), t.when.strftime("%H:%M:%S"), t.payer_acct,
                                t.payer_name, t.payee_acct, t.payee_name, wan(t.amount, 4), t.memo]))
        rows.append(xfer_exp(t, len(lines)))
    total = sum((t.amount for t in tx), Decimal(0))
    lines.append("\t".join(["合计", "", "", "", "", "", "", wan(total, 4), ""]))
    lines.append(f"共 {len(tx)} 笔")
    lines.append("制表：资金存管部\t复核：")
    write_text(os.path.join(HERE, name), lines, "gb18030", "\r\n")
    write_expected(name, rows, meta("custody_tsv_gb18030_wanyuan", "gb18030",
                                    period=[start.isoformat(), end.isoformat()],
                                    footer={"count": len(tx), "total": s2(total)}))


# ================================================================ 4. custody XLSX, merged title, datetime cells
def f_custody_xlsx(w, plat, name, start, end, n, split_time=False):
    import openpyxl
    from openpyxl.styles import Alignment, Font
    seq = [w.r.randrange(10 ** 6, 10 ** 7)]

    def ref(i, t):
        seq[0] += w.r.randrange(1, 30)
        return f"{t:%Y%m%d}{seq[0]:010d}"
    tx = gen_custody(w, plat, n, start, end, ref=ref)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "资金划拨明细"
    ncol = 10 if split_time else 9
    last = openpyxl.utils.get_column_letter(ncol)
    ws.append(["网络借贷资金存管系统 资金划拨明细"])
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append([f"平台名称：{plat.name}        导出时间：{(end + dt.timedelta(days=1)):%Y-%m-%d} 09:12:33"])
    ws.merge_cells(f"A2:{last}2")
    ws.append([f"查询期间：{start:%Y-%m-%d} 至 {end:%Y-%m-%d}"])
    ws.merge_cells(f"A3:{last}3")
    if split_time:
        hdr = ["序号", "交易日期", "交易时间", "存管流水号", "付款方电子账户", "付款方名称",
               "收款方电子账户", "收款方名称", "划拨金额", "用途"]
    else:
        hdr = ["序号", "交易时间", "存管流水号", "付款方电子账户", "付款方名称",
               "收款方电子账户", "收款方名称", "划拨金额（元）", "用途"]
    ws.append(hdr)
    rows = []
    for i, t in enumerate(tx, 1):
        if split_time:
            ws.append([i, t.when.date(), t.when.time(), t.ref, t.payer_acct, t.payer_name,
                       t.payee_acct, t.payee_name, float(t.amount), t.memo])
            rr = ws.max_row
            ws.cell(rr, 2).number_format = "yyyy/m/d"
            ws.cell(rr, 3).number_format = "hh:mm:ss"
            ws.cell(rr, 9).number_format = "#,##0.00"
        else:
            ws.append([i, t.when, t.ref, t.payer_acct, t.payer_name, t.payee_acct, t.payee_name,
                       float(t.amount), t.memo])
            rr = ws.max_row
            ws.cell(rr, 2).number_format = "yyyy-mm-dd hh:mm:ss"
            ws.cell(rr, 8).number_format = "#,##0.00"
        rows.append(xfer_exp(t, rr))
    total = sum((t.amount for t in tx), Decimal(0))
    if split_time:
        ws.append(["合计", None, None, f"共{len(tx)}笔", None, None, None, None, float(total), None])
        ws.cell(ws.max_row, 9).number_format = "#,##0.00"
    else:
        ws.append(["合计", None, f"共{len(tx)}笔", None, None, None, None, float(total), None])
        ws.cell(ws.max_row, 8).number_format = "#,##0.00"
    for col, wdt in zip("ABCDEFGHIJ", (6, 20, 20, 22, 22, 30, 22, 30, 16, 30)):
        ws.column_dimensions[col].width = wdt
    save_xlsx(wb, os.path.join(HERE, name))
    write_expected(name, rows, meta("custody_xlsx_merged_title_split_time" if split_time
                                    else "custody_xlsx_merged_title", "xlsx",
                                    period=[start.isoformat(), end.isoformat()],
                                    footer={"count": len(tx), "total": s2(total)}))


# ================================================================ 5. custody batch result CSV, GBK, 2017/7/1 9:05
def f_custody_batch_gbk(w, plat, name, day, n):
    seq = [w.r.randrange(10 ** 5, 10 ** 6)]

    def ref(i, t):
        seq[0] += 1
        return f"B{t:%Y%m%d}{seq[0]:09d}"
    tx = gen_custody(w, plat, n, day, day, res="min", ref=ref, big=False)
    total = sum((t.amount for t in tx), Decimal(0))
    batch = f"PL{day:%Y%m%d}{w.r.randrange(100, 999)}"
    lines = [
        f"批次号,{batch},,,,,,,",
        f"批次日期,{day.year}/{day.month}/{day.day},,,,,,,",
        f"总笔数,{len(tx)},总金额,{s2(total)},,,,,",
        "序号,银行流水号,付款账号,付款户名,收款账号,收款户名,金额,交易时间,处理状态",
    ]
    rows = []
    for i, t in enumerate(tx, 1):
        tm = f"{t.when.year}/{t.when.month}/{t.when.day} {t.when.hour}:{t.when.minute:02d}"
        lines.append(csv_line([str(i), t.ref, t.payer_acct, t.payer_name, t.payee_acct,
                               t.payee_name, s2(t.amount), tm, "成功"]))
        rows.append(xfer_exp(t, len(lines), purpose=None))
    write_text(os.path.join(HERE, name), lines, "gbk", "\r\n")
    for r in rows:
        r["purpose"] = None      # this layout has no purpose column
    write_expected(name, rows, meta("custody_batch_csv_gbk", "gbk",
                                    footer={"count": len(tx), "total": s2(total),
                                            "where": "preamble line 3 (总笔数/总金额)"}))


# ================================================================ 6. ICBC corporate CSV, GBK
def f_icbc(w, name, owner, acct, start, end, open_bal, n):
    seq = [w.r.randrange(10 ** 6, 10 ** 7)]

    def ref(i, t):
        seq[0] += w.r.randrange(3, 400)
        return f"{seq[0]:08d}"
    tx = gen_statement(w, n, start, end, open_bal, CORP_KINDS, ref=ref,
                       cp_banks=["102331000013", "105331000014", "103331001015", "308331012288",
                                 "313338009688", "402331000007"])
    lines = [
        "历史明细查询结果",
        f"账号,{acct}\t",
        f"户名,{owner}",
        "币种,人民币",
        f"起止日期,{start:%Y-%m-%d},{end:%Y-%m-%d}",
        "",
        "凭证号,本方账号,对方账号,交易时间,借/贷,借方发生额,贷方发生额,对方行号,摘要,用途,对方单位名称,余额,",
    ]
    rows = []
    for t in tx:
        lines.append(csv_line([
            t.ref, acct + "\t", (t.cp_acct + "\t") if t.cp_acct else "",
            t.when.strftime("%Y-%m-%d %H:%M:%S"), "借" if t.d == "D" else "贷",
            thou(t.amount) if t.d == "D" else "", thou(t.amount) if t.d == "C" else "",
            t.cp_bank or "", t.summary, t.memo or "", t.cp_name or "", thou(t.bal), ""]))
        rows.append(stmt_exp(t, acct, owner, len(lines)))
    dc, ds, cc, cs = sums(tx)
    lines.append("")
    lines.append(csv_line(["借方合计笔数", str(dc), "借方合计金额", thou(ds)]))
    lines.append(csv_line(["贷方合计笔数", str(cc), "贷方合计金额", thou(cs)]))
    write_text(os.path.join(HERE, name), lines, "gbk", "\r\n")
    write_expected(name, rows, meta("icbc_corp_csv_gbk", "gbk", acct, owner,
                                    [start.isoformat(), end.isoformat()],
                                    {"debit_count": dc, "debit_total": s2(ds),
                                     "credit_count": cc, "credit_total": s2(cs)}))
    return tx[-1].bal


# ================================================================ 7. CCB personal XLS (text cells, signed, 对方账号与户名 combined)
def f_ccb_xls(w, name, owner, card, start, end, open_bal, n):
    tx = gen_statement(w, n, start, end, open_bal, PERSON_KINDS, res="date")
    for t in tx:
        if t.summary in ("消费",) and t.memo:
            t.channel = t.memo
    rows = []
    grid = [
        ["中国建设银行个人活期账户交易明细"],
        [f"卡号/账号：{card}", None, None, None, f"客户名称：{owner}"],
        [f"起始日期：{start:%Y%m%d}", None, None, None, f"结束日期：{end:%Y%m%d}"],
        ["序号", "摘要", "币别", "钞汇", "交易日期", "交易金额", "账户余额", "交易地点/附言", "对方账号与户名"],
    ]
    for i, t in enumerate(tx, 1):
        if t.cp_acct and t.cp_name:
            combo = f"{t.cp_acct}/{t.cp_name}"
        else:
            combo = ""
        amt = t.amount if t.d == "C" else -t.amount
        grid.append([str(i), t.summary, "人民币元", "钞", t.when.strftime("%Y%m%d"),
                     float(amt), float(t.bal), t.memo or "", combo])
        rows.append(stmt_exp(t, card, owner, len(grid)))
    write_xls(os.path.join(HERE, name), "交易明细", grid, merge_title=9, numfmt={5: "#,##0.00", 6: "#,##0.00"})
    write_expected(name, rows, meta("ccb_personal_xls", "xls", card, owner,
                                    [start.isoformat(), end.isoformat()], None))
    return tx[-1].bal


def save_xlsx(wb, path):
    """openpyxl stamps 'now' into docProps and the zip entries; pin both so reruns are identical."""
    import zipfile
    stamp = dt.datetime(2017, 12, 31, 9, 0, 0)
    wb.properties.creator = "EBANK"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    buf = io.BytesIO()
    wb.save(buf)
    zin = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                import re
                data = re.sub(rb"<dcterms:modified[^>]*>[^<]*</dcterms:modified>",
                              b'<dcterms:modified xsi:type="dcterms:W3CDTF">2017-12-31T09:00:00Z</dcterms:modified>', data)
            zi = zipfile.ZipInfo(info.filename, date_time=(2017, 12, 31, 9, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(zi, data)


def write_xls(path, sheet, grid, merge_title=None, numfmt=None, datefmt=None):
    try:
        import xlwt
    except ImportError:
        print(f"  xlwt not importable: leaving {os.path.basename(path)} as committed")
        return
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet(sheet)
    styles = {}

    def st(fmt):
        if fmt not in styles:
            s = xlwt.XFStyle()
            s.num_format_str = fmt
            styles[fmt] = s
        return styles[fmt]
    for r, row in enumerate(grid):
        if r == 0 and merge_title:
            ws.write_merge(0, 0, 0, merge_title - 1, row[0])
            continue
        for c, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, (dt.date, dt.datetime)):
                ws.write(r, c, v, st((datefmt or {}).get(c, "yyyy-mm-dd")))
            elif isinstance(v, float) and numfmt and c in numfmt:
                ws.write(r, c, v, st(numfmt[c]))
            else:
                ws.write(r, c, v)
    wb.save(path)


# ================================================================ 8. ABC XLS (date cells + hhmmss text time)
def f_abc_xls(w, name, owner, acct, start, end, open_bal, n):
    seq = [w.r.randrange(10 ** 5, 10 ** 6)]

    def ref(i, t):
        seq[0] += w.r.randrange(1, 99)
        return f"{seq[0]:06d}"
    tx = gen_statement(w, n, start, end, open_bal, CORP_KINDS, ref=ref,
                       cp_banks=["中国农业银行杭州西湖支行", "中国工商银行杭州分行", "招商银行杭州分行营业部",
                                 "浙江泰隆商业银行杭州分行", "杭州银行科技支行", ""])
    grid = [
        ["中国农业银行账户对账单"],
        ["户名：", owner, None, None, "账号：", acct],
        ["币种：", "人民币", None, None, "查询区间：", f"{start:%Y%m%d}-{end:%Y%m%d}"],
        [],
        ["交易日期", "交易时间", "收入金额", "支出金额", "本次余额", "对方户名", "对方账号",
         "对方开户行", "交易渠道", "交易用途", "日志号"],
    ]
    rows = []
    for t in tx:
        grid.append([t.when.date(), t.when.strftime("%H%M%S"),
                     float(t.amount) if t.d == "C" else None,
                     float(t.amount) if t.d == "D" else None,
                     float(t.bal), t.cp_name or "", t.cp_acct or "", t.cp_bank or "",
                     w.r.choice(["网银", "柜面", "网银", "批量"]), t.memo or t.summary, t.ref])
        rows.append(stmt_exp(t, acct, owner, len(grid)))
    dc, ds, cc, cs = sums(tx)
    grid.append(["合计", None, float(cs), float(ds)])
    grid.append([f"收入笔数：{cc}  支出笔数：{dc}"])
    write_xls(os.path.join(HERE, name), "Sheet1", grid, merge_title=11,
              numfmt={2: "#,##0.00", 3: "#,##0.00", 4: "#,##0.00"})
    write_expected(name, rows, meta("abc_xls_serial_dates", "xls", acct, owner,
                                    [start.isoformat(), end.isoformat()],
                                    {"debit_count": dc, "debit_total": s2(ds),
                                     "credit_count": cc, "credit_total": s2(cs)}))
    return tx[-1].bal


# ================================================================ 9. BOC CSV, UTF-8 BOM, CRLF, signed amounts
def f_boc(w, name, owner, card, start, end, open_bal, n, newest_first=False):
    tx = gen_statement(w, n, start, end, open_bal, PERSON_KINDS)
    lines = [
        "中国银行借记卡交易明细清单",
        f"账号:,{card}",
        f"户名:,{owner}",
        f"查询时间范围:,{start:%Y/%m/%d}-{end:%Y/%m/%d}",
        "交易日期,交易时间,业务摘要,对方账户名称,对方账户账号,币种,钞/汇,交易金额,余额,交易渠道/场所,附言",
    ]
    rows = []
    order = list(reversed(tx)) if newest_first else tx
    for t in order:
        amt = ("-" if t.d == "D" else "") + thou(t.amount)
        lines.append(csv_line([t.when.strftime("%Y/%m/%d"), t.when.strftime("%H:%M:%S"), t.summary,
                               t.cp_name or "", t.cp_acct or "", "人民币", "钞", amt, thou(t.bal),
                               w.r.choice(["网上银行", "手机银行", "柜台", "ATM", "POS"]), t.memo or ""]))
        rows.append(stmt_exp(t, card, owner, len(lines)))
    lines.append("")
    lines.append("温馨提示：以上信息仅供参考，具体以银行账务记录为准。")
    write_text(os.path.join(HERE, name), lines, "utf-8", "\r\n", bom=True)
    write_expected(name, rows, meta("boc_csv_utf8bom_signed", "utf-8-sig", card, owner,
                                    [start.isoformat(), end.isoformat()], None))
    return tx[-1].bal


# ================================================================ 10. CMB personal CSV with '#' preamble, GB18030
def f_cmb(w, name, card, start, end, open_bal, n):
    tx = gen_statement(w, n, start, end, open_bal, PERSON_KINDS, no_cp_cols=True)
    kinds = {"工资": "代发工资", "消费": "快捷支付", "转账": "转账汇款", "ATM取款": "ATM取款",
             "现金存入": "现金存入", "利息": "账户结息", "短信服务费": "短信服务费",
             "还款": "自动还款", "网银入账": "银证转账"}
    lines = [
        "# 招商银行交易记录",
        f"# 导出时间: [{end + dt.timedelta(days=1):%Y-%m-%d} 10:12:30]",
        f"# 卡号: [{card}]",
        "# 币种: [人民币]",
        f"# 起始日期: [{start:%Y%m%d}]   终止日期: [{end:%Y%m%d}]",
        "# 过滤设置: 无",
        "",
        "交易日期,交易时间,收入,支出,余额,交易类型,交易备注",
    ]
    rows = []
    for t in tx:
        typ = kinds.get(t.summary, t.summary)
        t.summary = typ
        lines.append(csv_line(["\t" + t.when.strftime("%Y%m%d"), "\t" + t.when.strftime("%H:%M:%S"),
                               s2(t.amount) if t.d == "C" else "", s2(t.amount) if t.d == "D" else "",
                               s2(t.bal), "\t" + typ, "\t" + (t.memo or "")]))
        rows.append(stmt_exp(t, card, None, len(lines)))
    dc, ds, cc, cs = sums(tx)
    lines.append("")
    lines.append(f"# 收入合计: {cc} 笔, 共 {s2(cs)} 元")
    lines.append(f"# 支出合计: {dc} 笔, 共 {s2(ds)} 元")
    write_text(os.path.join(HERE, name), lines, "gb18030", "\r\n")
    write_expected(name, rows, meta("cmb_personal_csv_hash_preamble", "gb18030", card, None,
                                    [start.isoformat(), end.isoformat()],
                                    {"debit_count": dc, "debit_total": s2(ds),
                                     "credit_count": cc, "credit_total": s2(cs)}))
    return tx[-1].bal


# ================================================================ 11. SPDB XLSX, all-text cells
def f_spdb_xlsx(w, name, owner, acct, start, end, open_bal, n):
    import openpyxl
    from openpyxl.styles import Font, Alignment
    seq = [w.r.randrange(10 ** 8, 10 ** 9)]

    def ref(i, t):
        seq[0] += w.r.randrange(1000, 90000)
        return f"{t:%Y%m%d}{seq[0]:012d}"
    tx = gen_statement(w, n, start, end, open_bal, CORP_KINDS, ref=ref)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "账户交易明细"
    ws.append(["上海浦东发展银行 账户交易明细"])
    ws.merge_cells("A1:I1")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(["账号", acct, "", "账户名称", owner])
    ws.append(["币种", "人民币", "", "查询日期", f"{start:%Y-%m-%d}至{end:%Y-%m-%d}"])
    ws.append([])
    ws.append(["交易日期", "交易流水号", "摘要", "借方金额", "贷方金额", "余额", "对方账号", "对方户名", "附言"])
    rows = []
    for t in tx:
        ws.append([t.when.strftime("%Y-%m-%d %H:%M:%S"), t.ref, t.summary,
                   thou(t.amount) if t.d == "D" else "", thou(t.amount) if t.d == "C" else "",
                   thou(t.bal), t.cp_acct or "", t.cp_name or "", t.memo or ""])
        rows.append(stmt_exp(t, acct, owner, ws.max_row))
    dc, ds, cc, cs = sums(tx)
    ws.append([f"借方笔数：{dc}", "", "借方合计", thou(ds), "", "", "", "", ""])
    ws.append([f"贷方笔数：{cc}", "", "贷方合计", "", thou(cs), "", "", "", ""])
    save_xlsx(wb, os.path.join(HERE, name))
    write_expected(name, rows, meta("spdb_xlsx_text_cells", "xlsx", acct, owner,
                                    [start.isoformat(), end.isoformat()],
                                    {"debit_count": dc, "debit_total": s2(ds),
                                     "credit_count": cc, "credit_total": s2(cs)}))
    return tx[-1].bal


# ================================================================ 12. CMBC XLSX, datetime cells, 金额 + 借贷标志
def f_cmbc_xlsx(w, name, owner, acct, start, end, open_bal, n):
    import openpyxl
    seq = [w.r.randrange(10 ** 6, 10 ** 7)]

    def ref(i, t):
        seq[0] += w.r.randrange(1, 5000)
        return f"{seq[0]:010d}"
    tx = gen_statement(w, n, start, end, open_bal, CORP_KINDS, ref=ref)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["中国民生银行 对公账户明细"])
    ws.merge_cells("A1:H1")
    ws.append([f"客户号：{w.r.randrange(10 ** 9, 10 ** 10)}", None, f"账号：{acct}", None, f"户名：{owner}"])
    ws.append([f"币种：人民币", None, f"起止日期：{start:%Y/%m/%d}-{end:%Y/%m/%d}"])
    ws.append(["交易时间", "核心流水号", "借贷标志", "金额", "余额", "对方户名", "对方账号", "摘要"])
    rows = []
    for t in tx:
        ws.append([t.when, t.ref, "借" if t.d == "D" else "贷", float(t.amount), float(t.bal),
                   t.cp_name, t.cp_acct, t.memo or t.summary])
        rr = ws.max_row
        ws.cell(rr, 1).number_format = "yyyy/m/d h:mm:ss"
        ws.cell(rr, 4).number_format = "#,##0.00"
        ws.cell(rr, 5).number_format = "#,##0.00"
        rows.append(stmt_exp(t, acct, owner, rr))
    dc, ds, cc, cs = sums(tx)
    ws.append([f"共{len(tx)}笔", None, "借", float(ds)])
    ws.append([None, None, "贷", float(cs)])
    ws.column_dimensions["A"].width = 20
    save_xlsx(wb, os.path.join(HERE, name))
    write_expected(name, rows, meta("cmbc_xlsx_dc_flag_datetime_cells", "xlsx", acct, owner,
                                    [start.isoformat(), end.isoformat()],
                                    {"count": len(tx), "debit_total": s2(ds), "credit_total": s2(cs)}))
    return tx[-1].bal


# ================================================================ 13. CIB CSV, UTF-8 BOM, "20170701 093000", 借/贷 flag
def f_cib(w, name, owner, acct, start, end, open_bal, n):
    seq = [w.r.randrange(10 ** 7, 10 ** 8)]

    def ref(i, t):
        seq[0] += w.r.randrange(1, 500)
        return f"XY{t:%Y%m%d}{seq[0]:09d}"
    tx = gen_statement(w, n, start, end, open_bal, CORP_KINDS, ref=ref,
                       cp_banks=["兴业银行杭州分行", "中国建设银行杭州城西支行", "交通银行浙江省分行",
                                 "宁波银行杭州分行"])
    lines = [
        "兴业银行企业账户交易明细",
        f"账户名称,{owner}",
        f"账号,{acct}",
        "币种,CNY",
        f"查询期间,{start:%Y%m%d}-{end:%Y%m%d}",
        f"打印时间,{end + dt.timedelta(days=1):%Y-%m-%d} 08:30:12",
        "交易日期时间,交易流水号,借贷标志,交易金额,账户余额,对方账号,对方户名,对方开户行,用途",
    ]
    rows = []
    for t in tx:
        lines.append(csv_line([t.when.strftime("%Y%m%d %H%M%S"), t.ref, "借" if t.d == "D" else "贷",
                               thou(t.amount), thou(t.bal), t.cp_acct or "", t.cp_name or "",
                               t.cp_bank or "", t.memo or t.summary]))
        rows.append(stmt_exp(t, acct, owner, len(lines)))
    dc, ds, cc, cs = sums(tx)
    lines.append(csv_line(["借方笔数", str(dc), "借方金额", thou(ds)]))
    lines.append(csv_line(["贷方笔数", str(cc), "贷方金额", thou(cs)]))
    write_text(os.path.join(HERE, name), lines, "utf-8", "\r\n", bom=True)
    write_expected(name, rows, meta("cib_csv_utf8bom_dc_flag", "utf-8-sig", acct, owner,
                                    [start.isoformat(), end.isoformat()],
                                    {"debit_count": dc, "debit_total": s2(ds),
                                     "credit_count": cc, "credit_total": s2(cs)}))
    return tx[-1].bal


# ================================================================ 14. CITIC counter print, padded pipe TXT, GBK, pages
def dwidth(s):
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def pad(s, n, right=False):
    s = s or ""
    fill = " " * max(0, n - dwidth(s))
    return fill + s if right else s + fill


def f_citic(w, name, owner, acct, start, end, open_bal, n, page_rows=25):
    seq = [w.r.randrange(10 ** 5, 10 ** 6)]

    def ref(i, t):
        seq[0] += w.r.randrange(1, 60)
        return f"{seq[0]:08d}"
    tx = gen_statement(w, n, start, end, open_bal, CORP_KINDS, res="date", ref=ref)
    W = [10, 12, 16, 16, 18, 34, 22, 10]
    sep = "+" + "+".join("-" * x for x in W) + "+"

    def row(cells, right=()):
        return "|" + "|".join(pad(c, W[i], i in right) for i, c in enumerate(cells)) + "|"
    hdr = row(["交易日期", "摘要", "借方发生额", "贷方发生额", "余额", "对方户名", "对方账号", "柜员流水"])
    lines = []
    rows = []
    pages = [tx[i:i + page_rows] for i in range(0, len(tx), page_rows)]
    page_totals = []
    for pno, page in enumerate(pages, 1):
        if pno > 1:
            lines.append("\x0c")
        lines.append(" " * 40 + "中信银行对公客户对账单")
        lines.append(f" 户名：{owner}" + " " * 12 + f"账号：{acct}")
        lines.append(f" 币种：人民币    开户网点：中信银行杭州分行营业部    对账期间：{start:%Y.%m.%d}-{end:%Y.%m.%d}"
                     + f"    第{pno}页/共{len(pages)}页")
        lines.append(sep)
        lines.append(hdr)
        lines.append(sep)
        if pno == 1:
            lines.append(row(["", "上期余额", "", "", thou(open_bal), "", "", ""], right=(2, 3, 4)))
        for t in page:
            lines.append(row([t.when.strftime("%Y.%m.%d"), t.summary,
                              thou(t.amount) if t.d == "D" else "", thou(t.amount) if t.d == "C" else "",
                              thou(t.bal), t.cp_name or "", t.cp_acct or "", t.ref], right=(2, 3, 4)))
            rows.append(stmt_exp(t, acct, owner, len(lines), purpose="summary"))
        dc, ds, cc, cs = sums(page)
        page_totals.append({"page": pno, "debit_total": s2(ds), "credit_total": s2(cs)})
        lines.append(sep)
        lines.append(row(["本页合计", "", thou(ds), thou(cs), "", "", "", ""], right=(2, 3, 4)))
        lines.append(sep)
    dc, ds, cc, cs = sums(tx)
    lines.append(f" 借方合计：{dc} 笔  {thou(ds)}        贷方合计：{cc} 笔  {thou(cs)}        期末余额：{thou(tx[-1].bal)}")
    lines.append(f" 打印人：柜员{w.r.randrange(1000, 9999)}    打印时间：{end + dt.timedelta(days=3):%Y.%m.%d} 15:02:11")
    lines.append(" 以上信息仅供参考，如有不符请于十日内与开户行联系。")
    write_text(os.path.join(HERE, name), lines, "gbk", "\r\n")
    write_expected(name, rows, meta("citic_counter_pipe_gbk", "gbk", acct, owner,
                                    [start.isoformat(), end.isoformat()],
                                    {"debit_count": dc, "debit_total": s2(ds), "credit_count": cc,
                                     "credit_total": s2(cs), "opening_balance": s2(open_bal),
                                     "closing_balance": s2(tx[-1].bal), "page_totals": page_totals}))
    return tx[-1].bal


# ================================================================ 15. Foreign bank English CSV (HSBC-like)
EN_CORP = ["SHANGHAI KAIDA LOGISTICS CO., LTD.", "NINGBO OCEAN SHIPPING AGENCY CO., LTD.",
           "HONG KONG BRIGHT STAR TRADING LIMITED", "DHL-SINOTRANS INTERNATIONAL AIR COURIER LTD.",
           "SIEMENS LTD., CHINA", "杭州恒信国际贸易有限公司", "浙江鑫盛贸易有限公司"]


def f_hsbc(w, name, owner, acct, start, end, open_bal, n):
    r = w.r
    seq = [r.randrange(10 ** 6, 10 ** 7)]
    pool = [(c, w.corp_acct(r.choice((12, 15, 18)))) for c in EN_CORP]
    tx = gen_statement(w, n, start, end, open_bal, CORP_KINDS, res="date")
    narr = {"转账": ("TRANSFER", "PAYMENT"), "代发工资": ("PAYROLL",), "税费": ("TAX PAYMENT",),
            "社保": ("SOCIAL INSURANCE",), "公积金": ("HOUSING FUND",), "手续费": ("SERVICE CHARGE",),
            "结息": ("CREDIT INTEREST",), "退款": ("REFUND",), "电费": ("UTILITY PAYMENT",)}
    for t in tx:
        seq[0] += r.randrange(1, 3000)
        t.ref = f"HK{seq[0]:010d}"
        if t.cp_acct and t.summary in ("转账", "退款"):
            t.cp_name, t.cp_acct = r.choice(pool)
        base = r.choice(narr.get(t.summary, ("TRANSFER",)))
        t.memo = base + (" " + t.cp_name if t.cp_name else "")
        vd = t.when + dt.timedelta(days=1 if r.random() < 0.2 else 0)
        t.value_date = vd
    fmt = lambda d: d.strftime("%d %b %Y")
    lines = [
        "Account Statement",
        f"Account Number,{acct}",
        f"Account Name,{owner}",
        "Currency,CNY",
        f"Statement Period,{fmt(start)} to {fmt(end)}",
        "",
        "Value Date,Txn Date,Ref No.,Narrative,Counterparty A/C,Counterparty Name,Debit,Credit,Balance",
    ]
    rows = []
    for t in tx:
        lines.append(csv_line([fmt(t.value_date), fmt(t.when), t.ref, t.memo, t.cp_acct or "", t.cp_name or "",
                               thou(t.amount) if t.d == "D" else "", thou(t.amount) if t.d == "C" else "",
                               thou(t.bal)]))
        rows.append(stmt_exp(t, acct, owner, len(lines), purpose="memo"))
    dc, ds, cc, cs = sums(tx)
    lines.append(csv_line(["", "", "", "Total", "", "", thou(ds), thou(cs), ""]))
    lines.append(csv_line(["Closing Balance", thou(tx[-1].bal)]))
    write_text(os.path.join(HERE, name), lines, "utf-8", "\n")
    write_expected(name, rows, meta("foreign_bank_en_csv", "utf-8", acct, owner,
                                    [start.isoformat(), end.isoformat()],
                                    {"debit_total": s2(ds), "credit_total": s2(cs),
                                     "closing_balance": s2(tx[-1].bal)}))
    return tx[-1].bal


# ================================================================ 16. JV bank English TSV, D/C flag, separate time
def f_scb_tsv(w, name, owner, acct, ccy, start, end, open_bal, n):
    r = w.r
    seq = [r.randrange(10 ** 7, 10 ** 8)]
    kinds = CORP_KINDS if ccy == "CNY" else [
        (10, "C", "Inward Remittance", ["INVOICE PAYMENT", "PREPAYMENT", "SALES PROCEEDS"], "corp", 500, 900_000),
        (8, "D", "Outward Remittance", ["PURCHASE OF GOODS", "FREIGHT", "SERVICE FEE"], "corp", 500, 500_000),
        (3, "D", "Charges", ["CABLE CHARGE", "COMMISSION"], "none", 5, 80),
        (1, "C", "Interest", ["CREDIT INTEREST"], "none", 0.01, 50),
    ]
    tx = gen_statement(w, n, start, end, open_bal, kinds)
    foreign = [("HONG KONG BRIGHT STAR TRADING LIMITED", "012-875-0-012345-6"),
               ("ACME COMPONENTS INC.", "4567890123"), ("TOKYO SEIKI CO LTD", "1234567"),
               ("BRIGHT OCEAN PTE. LTD.", "0123456789012")]
    for t in tx:
        seq[0] += r.randrange(1, 900)
        t.ref = f"{t.when:%y%m%d}SC{seq[0]:08d}"
        if ccy != "CNY" and t.cp_acct:
            t.cp_name, t.cp_acct = r.choice(foreign)
        if ccy == "CNY":
            en = {"转账": "FUNDS TRANSFER", "代发工资": "SALARY PAYMENT", "税费": "TAX", "社保": "SOCIAL SECURITY",
                  "公积金": "HOUSING FUND", "手续费": "BANK CHARGES", "结息": "INTEREST", "退款": "REFUND",
                  "电费": "UTILITIES"}
            t.summary = en.get(t.summary, t.summary)
    lines = [
        f"Account No.\t{acct}",
        f"Account Name\t{owner}",
        f"Currency\t{ccy}",
        f"From\t{start:%Y-%m-%d}\tTo\t{end:%Y-%m-%d}",
        "",
        "Transaction Date\tTransaction Time\tReference\tDescription\tCounterparty Account\tCounterparty Name\tAmount\tDr/Cr\tBalance\tRemarks",
    ]
    rows = []
    for t in tx:
        lines.append("\t".join([t.when.strftime("%Y-%m-%d"), t.when.strftime("%H:%M:%S"), t.ref, t.summary,
                                t.cp_acct or "", t.cp_name or "", s2(t.amount), t.d, s2(t.bal), t.memo or ""]))
        rows.append(stmt_exp(t, acct, owner, len(lines), currency=ccy))
    dc, ds, cc, cs = sums(tx)
    lines.append("")
    lines.append(f"Total Debit\t{s2(ds)}\tCount\t{dc}")
    lines.append(f"Total Credit\t{s2(cs)}\tCount\t{cc}")
    lines.append(f"Number of Transactions\t{len(tx)}")
    write_text(os.path.join(HERE, name), lines, "utf-8", "\n")
    write_expected(name, rows, meta("jv_bank_en_tsv_dc_flag", "utf-8", acct, owner,
                                    [start.isoformat(), end.isoformat()],
                                    {"count": len(tx), "debit_count": dc, "debit_total": s2(ds),
                                     "credit_count": cc, "credit_total": s2(cs)}))
    return tx[-1].bal


# ================================================================ 17. City commercial bank, 万元 in preamble, 年月日
def f_city_wan(w, name, owner, acct, start, end, open_bal, n):
    tx = gen_statement(w, n, start, end, open_bal, CORP_KINDS, res="date", whole=True)
    cn = lambda d: f"{d.year}年{d.month}月{d.day}日"
    lines = [
        "温州银行单位账户对账单",
        f"户名：,{owner}",
        f"账号：,{acct}",
        "币种：,人民币,金额单位：万元",
        f"对账期间：,{cn(start)},至,{cn(end)}",
        "日期,摘要,对方户名,对方账号,借方发生额,贷方发生额,余额",
        csv_line([cn(start), "上期结转", "", "", "", "", wan(open_bal, 4)]),
    ]
    rows = []
    for t in tx:
        lines.append(csv_line([cn(t.when), t.memo or t.summary, t.cp_name or "", t.cp_acct or "",
                               wan(t.amount, 4) if t.d == "D" else "", wan(t.amount, 4) if t.d == "C" else "",
                               wan(t.bal, 4)]))
        rows.append(stmt_exp(t, acct, owner, len(lines)))
    dc, ds, cc, cs = sums(tx)
    lines.append(csv_line(["本期合计", "", "", "", wan(ds, 4), wan(cs, 4), wan(tx[-1].bal, 4)]))
    lines.append(csv_line([f"借方笔数：{dc}", f"贷方笔数：{cc}"]))
    lines.append("注：本对账单金额单位为万元，以上信息仅供参考。")
    write_text(os.path.join(HERE, name), lines, "gb18030", "\r\n")
    write_expected(name, rows, meta("city_bank_csv_wanyuan_preamble", "gb18030", acct, owner,
                                    [start.isoformat(), end.isoformat()],
                                    {"debit_count": dc, "debit_total": s2(ds), "credit_count": cc,
                                     "credit_total": s2(cs), "opening_balance": s2(open_bal),
                                     "closing_balance": s2(tx[-1].bal)}))
    return tx[-1].bal


# ================================================================ 18. Rural commercial bank export re-saved by Excel
def f_rcb_excel_resaved(w, name, owner, card, start, end, open_bal, n):
    seq = [w.r.randrange(10 ** 6, 10 ** 7)]

    def ref(i, t):
        seq[0] += w.r.randrange(1, 300)
        return f"{t:%Y%m%d}{seq[0]:07d}"       # 15 digits: Excel keeps it exact
    tx = gen_statement(w, n, start, end, open_bal, PERSON_KINDS, res="min", ref=ref)
    NC = 9
    padrow = lambda cells: csv_line(list(cells) + [""] * (NC - len(cells)))
    lines = [
        padrow(["浙江农信 个人账户交易明细"]),
        padrow([f"账号：{card}", "", "", f"户名：{owner}"]),
        padrow([f"查询日期：{start:%Y%m%d}至{end:%Y%m%d}"]),
        padrow(["交易时间", "摘要", "收入", "支出", "余额", "对方户名", "对方账号", "交易流水号", "备注"]),
    ]
    rows = []
    for t in tx:
        tm = f"{t.when.year}/{t.when.month}/{t.when.day} {t.when.hour}:{t.when.minute:02d}"
        lines.append(padrow([tm, t.summary, excel_general(t.amount) if t.d == "C" else "",
                             excel_general(t.amount) if t.d == "D" else "", excel_general(t.bal),
                             t.cp_name or "", t.cp_acct or "", t.ref, t.memo or ""]))
        rows.append(stmt_exp(t, card, owner, len(lines)))
    write_text(os.path.join(HERE, name), lines, "gbk", "\r\n")
    write_expected(name, rows, meta("rcb_csv_excel_resaved", "gbk", card, owner,
                                    [start.isoformat(), end.isoformat()], None))
    return tx[-1].bal


# ================================================================ 19. CZBank CSV: signed amounts with trailing 元
def f_czb(w, name, owner, card, start, end, open_bal, n):
    seq = [w.r.randrange(10 ** 9, 10 ** 10)]

    def ref(i, t):
        seq[0] += w.r.randrange(1, 99999)
        return f"{seq[0]:016d}"
    tx = gen_statement(w, n, start, end, open_bal, PERSON_KINDS, ref=ref)
    lines = [
        f"户名：{owner}",
        f"卡号：{card}",
        "币种：人民币",
        f"交易期间：{start:%Y-%m-%d} 至 {end:%Y-%m-%d}",
        "交易时间,交易金额,账户余额,对方户名,对方账号,摘要,流水号",
    ]
    rows = []
    for t in tx:
        amt = ("-" if t.d == "D" else "+") + thou(t.amount) + "元"
        lines.append(csv_line([t.when.strftime("%Y-%m-%d %H:%M:%S"), amt, thou(t.bal) + "元",
                               t.cp_name or "", t.cp_acct or "", t.memo or t.summary, t.ref]))
        rows.append(stmt_exp(t, card, owner, len(lines)))
    dc, ds, cc, cs = sums(tx)
    lines.append(f"共 {len(tx)} 笔，收入 {thou(cs)} 元，支出 {thou(ds)} 元")
    write_text(os.path.join(HERE, name), lines, "utf-8", "\n")
    write_expected(name, rows, meta("czb_csv_signed_yuan_suffix", "utf-8", card, owner,
                                    [start.isoformat(), end.isoformat()],
                                    {"count": len(tx), "debit_count": dc, "debit_total": s2(ds),
                                     "credit_count": cc, "credit_total": s2(cs)}))
    return tx[-1].bal


# ================================================================ 20. PAB CSV: ￥ amounts, RMB, ISO-T local
def f_pab(w, name, owner, acct, start, end, open_bal, n):
    seq = [w.r.randrange(10 ** 9, 10 ** 10)]

    def ref(i, t):
        seq[0] += w.r.randrange(1, 99999)
        return f"PA{seq[0]:012d}"
    tx = gen_statement(w, n, start, end, open_bal, CORP_KINDS, ref=ref)
    lines = [
        "平安银行企业网银 交易明细",
        f"账号：,{acct}",
        f"户名：,{owner}",
        f"起止日期：,{start:%Y-%m-%d},{end:%Y-%m-%d}",
        "交易流水号,交易时间,收入金额,支出金额,账户余额,对方账号,对方户名,币种,交易用途",
    ]
    rows = []
    for t in tx:
        lines.append(csv_line([t.ref, t.when.strftime("%Y-%m-%dT%H:%M:%S"),
                               "￥" + thou(t.amount) if t.d == "C" else "", "￥" + thou(t.amount) if t.d == "D" else "",
                               "￥" + thou(t.bal), t.cp_acct or "", t.cp_name or "", "RMB", t.memo or t.summary]))
        rows.append(stmt_exp(t, acct, owner, len(lines)))
    dc, ds, cc, cs = sums(tx)
    lines.append(csv_line(["合计", "", "￥" + thou(cs), "￥" + thou(ds), "", "", "", "", ""]))
    write_text(os.path.join(HERE, name), lines, "utf-8", "\r\n", bom=True)
    write_expected(name, rows, meta("pab_csv_utf8bom_yen_sign", "utf-8-sig", acct, owner,
                                    [start.isoformat(), end.isoformat()],
                                    {"debit_total": s2(ds), "credit_total": s2(cs)}))
    return tx[-1].bal



# ================================================================ 21. BOCOM CSV: ="..." protected numbers, D/C flag, GBK
def f_bocom(w, name, owner, acct, start, end, open_bal, n):
    seq = [w.r.randrange(10 ** 8, 10 ** 9)]

    def ref(i, t):
        seq[0] += w.r.randrange(1, 20000)
        return f"{t:%y%m%d}{seq[0]:013d}"
    tx = gen_statement(w, n, start, end, open_bal, CORP_KINDS, ref=ref,
                       cp_banks=["交通银行上海分行营业部", "中国工商银行上海市分行营业部", "上海银行浦东分行",
                                 "中国建设银行上海浦东分行", ""])
    xq = lambda v: f'="{v}"' if v else ""
    lines = [
        "交通银行对公账户交易明细",
        f'查询账号:,{xq(acct)}',
        f"账户名称:,{owner}",
        "币种:,人民币",
        f"查询日期:,{start:%Y%m%d}-{end:%Y%m%d}",
        "",
        "交易时间,交易流水号,借贷标志,发生额,余额,对方账号,对方户名,对方行名,摘要,附言",
    ]
    rows = []
    for t in tx:
        lines.append(",".join([t.when.strftime("%Y-%m-%d %H:%M:%S"), xq(t.ref), t.d, s2(t.amount), s2(t.bal),
                               xq(t.cp_acct), t.cp_name or "", t.cp_bank or "", t.summary, t.memo or ""]))
        rows.append(stmt_exp(t, acct, owner, len(lines)))
    lines.append(f"共{len(tx)}笔")
    write_text(os.path.join(HERE, name), lines, "gbk", "\r\n")
    write_expected(name, rows, meta("bocom_csv_gbk_excel_text_formula", "gbk", acct, owner,
                                    [start.isoformat(), end.isoformat()], {"count": len(tx)}))
    return tx[-1].bal


# ================================================================ negatives
def bad_files():
    w = World(9001)
    notes = {}
    owner, acct = "宁波恒达建材有限公司", "3302010219200012345"
    start, end = dt.date(2017, 9, 1), dt.date(2017, 9, 30)

    # 1. footer total does not match rows
    tx = gen_statement(w, 18, start, end, Decimal("845210.37"), CORP_KINDS)
    lines = [f"账号,{acct}", f"户名,{owner}", "币种,人民币",
             "交易时间,摘要,对方户名,对方账号,借方发生额,贷方发生额,余额"]
    for t in tx:
        lines.append(csv_line([t.when.strftime("%Y-%m-%d %H:%M:%S"), t.memo or t.summary, t.cp_name or "",
                               t.cp_acct or "", s2(t.amount) if t.d == "D" else "",
                               s2(t.amount) if t.d == "C" else "", s2(t.bal)]))
    dc, ds, cc, cs = sums(tx)
    wrong = ds + Decimal("1000.00")
    lines.append(csv_line(["合计", "", "", "", s2(wrong), s2(cs), ""]))
    write_text(os.path.join(BAD, "bad_footer_total_mismatch.csv"), lines, "utf-8", "\r\n")
    notes["bad_footer_total_mismatch.csv"] = {
        "error": "footer_total_mismatch", "line": len(lines),
        "why": f"footer 合计 states 借方 {s2(wrong)} but the {dc} debit rows sum to {s2(ds)} "
               f"(difference 1000.00); 贷方 {s2(cs)} is correct",
        "rows_sum": {"debit_total": s2(ds), "credit_total": s2(cs)},
        "footer_states": {"debit_total": s2(wrong), "credit_total": s2(cs)}}

    # 2. running balance breaks at one row
    tx = gen_statement(w, 20, start, end, Decimal("120033.50"), CORP_KINDS)
    k = 11
    for t in tx[k:]:
        t.bal += Decimal("500.00")       # a 500.00 jump appears at row k and carries on
    lines = [f"账号：{acct}", f"户名：{owner}",
             "交易日期,交易时间,摘要,支出,收入,余额,对方户名,对方账号"]
    for t in tx:
        lines.append(csv_line([t.when.strftime("%Y-%m-%d"), t.when.strftime("%H:%M:%S"), t.memo or t.summary,
                               s2(t.amount) if t.d == "D" else "", s2(t.amount) if t.d == "C" else "",
                               s2(t.bal), t.cp_name or "", t.cp_acct or ""]))
    bad_line = 3 + k + 1
    prev = tx[k - 1].bal
    exp_bal = prev + (tx[k].amount if tx[k].d == "C" else -tx[k].amount)
    write_text(os.path.join(BAD, "bad_balance_break.csv"), lines, "gbk", "\r\n")
    notes["bad_balance_break.csv"] = {
        "error": "balance_chain_break", "line": bad_line,
        "why": f"previous balance {s2(prev)} {'+' if tx[k].d == 'C' else '-'} {s2(tx[k].amount)} "
               f"= {s2(exp_bal)}, but the row states {s2(tx[k].bal)} (500.00 too high); rows after it "
               f"chain correctly from the wrong value"}

    # 3. ambiguous day/month dates
    r = w.r
    # both numbers never decrease, so the rows are in date order under either reading:
    # not even the row order tells dd/mm from mm/dd
    days, a, b = [], 1, 3
    while len(days) < 14:
        if a != b:
            days.append((a, b))
        up_a, up_b = r.random() < 0.55, r.random() < 0.55
        if not (up_a or up_b):
            up_b = True
        a, b = min(12, a + up_a), min(12, b + up_b)
    bal = Decimal("50000.00")
    lines = ["Account No.,6222021202012345678", "Account Name,陈晓梅",
             "Date,Description,Debit,Credit,Balance"]
    for a, b in days:
        amt = w.amount(10, 3000)
        if r.random() < 0.5:
            bal -= amt
            lines.append(csv_line([f"{a:02d}/{b:02d}/2017", "POS PURCHASE", s2(amt), "", s2(bal)]))
        else:
            bal += amt
            lines.append(csv_line([f"{a:02d}/{b:02d}/2017", "TRANSFER IN", "", s2(amt), s2(bal)]))
    write_text(os.path.join(BAD, "bad_ambiguous_dates.csv"), lines, "utf-8", "\n")
    notes["bad_ambiguous_dates.csv"] = {
        "error": "ambiguous_date_order", "line": 4,
        "lines": [4, len(lines)],
        "why": "the Date column is NN/NN/YYYY and both NN are <= 12 on every row (lines 4.."
               f"{len(lines)}); nothing in the file (no period line, no day > 12, no month name, and the rows "
               "are in date order under both readings) tells dd/mm from mm/dd, e.g. line 4 could be either; "
               "the reader must refuse or flag the file, not guess"}

    # 4. truncated mid-row
    tx = gen_statement(w, 15, start, end, Decimal("9800.00"), PERSON_KINDS)
    lines = ["交易日期,交易时间,收入,支出,余额,对方户名,对方账号,摘要"]
    for t in tx:
        lines.append(csv_line([t.when.strftime("%Y%m%d"), t.when.strftime("%H:%M:%S"),
                               s2(t.amount) if t.d == "C" else "", s2(t.amount) if t.d == "D" else "",
                               s2(t.bal), t.cp_name or "", t.cp_acct or "", t.memo or t.summary]))
    full = ("\n".join(lines) + "\n").encode("utf-8")
    last_start = full.rstrip(b"\n").rfind(b"\n") + 1
    last_line = full[last_start:]
    cut = last_start + 22       # inside the 收入/支出/余额 fields of the last row
    write_text(os.path.join(BAD, "bad_truncated.csv"), lines, "utf-8", "\n", truncate_at=cut)
    notes["bad_truncated.csv"] = {
        "error": "truncated_mid_row", "line": len(lines),
        "why": f"the file ends after {cut} bytes, inside line {len(lines)} (no newline, fields missing): "
               f"the full row would have been {last_line.decode('utf-8').rstrip()!r}; lines 2.."
               f"{len(lines) - 1} are complete ({len(lines) - 2} rows)"}
    for fn, note in notes.items():
        with open(os.path.join(BAD, fn + ".expected.json"), "w", encoding="utf-8", newline="\n") as f:
            f.write(json.dumps(note, ensure_ascii=False, indent=2) + "\n")



# ================================================================ self-check
def amount_forms(a):
    a = Decimal(a)
    forms = {s2(a), thou(a), excel_general(a)}
    if a == a.quantize(Decimal(1)):
        forms.add(f"{a / WAN:.4f}")
    return forms


def check():
    import glob
    problems = 0
    for mp in sorted(glob.glob(os.path.join(EXP, "*.meta.json"))):
        name = os.path.basename(mp)[:-len(".meta.json")]
        m = json.load(open(mp, encoding="utf-8"))
        rows = [json.loads(l) for l in open(os.path.join(EXP, name + ".jsonl"), encoding="utf-8")]
        path = os.path.join(HERE, name)
        err = []
        if len(rows) != m["rows"]:
            err.append("row count")
        keys = ["txn_id", "txn_time", "amount", "payer_account", "payer_name", "payee_account",
                "payee_name", "currency", "purpose", "balance_after", "source_line"]
        for r in rows:
            if list(r) != keys:
                err.append(f"keys {list(r)}")
            if Decimal(r["amount"]) <= 0 or r["amount"] != s2(r["amount"]):
                err.append(f"amount {r['amount']}")
            dt.datetime.strptime(r["txn_time"], "%Y-%m-%dT%H:%M:%S")
        # direction and chain
        owner = m["owner_account"]
        if owner:
            sign = [(-1 if r["payer_account"] == owner else 1) * Decimal(r["amount"]) for r in rows]
            bals = [Decimal(r["balance_after"]) for r in rows]
            fwd = all(bals[i] == bals[i - 1] + sign[i] for i in range(1, len(rows)))
            bwd = all(bals[i - 1] == bals[i] + sign[i - 1] for i in range(1, len(rows)))
            if not (fwd or bwd):
                err.append("balance chain")
            ft = m["footer_totals"] or {}
            dsum = sum((Decimal(r["amount"]) for r, sg in zip(rows, sign) if sg < 0), Decimal(0))
            csum = sum((Decimal(r["amount"]) for r, sg in zip(rows, sign) if sg > 0), Decimal(0))
            if "debit_total" in ft and Decimal(ft["debit_total"]) != dsum:
                err.append("debit_total")
            if "credit_total" in ft and Decimal(ft["credit_total"]) != csum:
                err.append("credit_total")
            if "debit_count" in ft and ft["debit_count"] != sum(1 for x in sign if x < 0):
                err.append("debit_count")
        else:
            ft = m["footer_totals"] or {}
            if "total" in ft and Decimal(ft["total"]) != sum((Decimal(r["amount"]) for r in rows), Decimal(0)):
                err.append("total")
        if "count" in (m["footer_totals"] or {}) and m["footer_totals"]["count"] != len(rows):
            err.append("count")
        # the source line really holds the row
        cells = None
        if name.endswith(".xlsx"):
            import openpyxl
            ws = openpyxl.load_workbook(path).active
            cells = {i: [c for c in row] for i, row in enumerate(ws.iter_rows(values_only=True), 1)}
        elif name.endswith(".xls"):
            try:
                import xlrd
                sh = xlrd.open_workbook(path).sheet_by_index(0)
                cells = {i + 1: sh.row_values(i) for i in range(sh.nrows)}
            except ImportError:
                cells = None
        else:
            raw = open(path, "rb").read().split(b"\n")
            enc = m["encoding"]
            lines = {i + 1: l.decode(enc) for i, l in enumerate(raw)}
        for r in rows:
            if name.endswith((".xlsx", ".xls")):
                if cells is None:
                    continue
                vals = cells[r["source_line"]]
                flat = " ".join("" if v is None else str(v) for v in vals)
                nums = [Decimal(str(v)).copy_abs() for v in vals if isinstance(v, (int, float))]
                if not (Decimal(r["amount"]) in nums or any(f in flat for f in amount_forms(r["amount"]))):
                    err.append(f"line {r['source_line']}: amount {r['amount']} not in {flat[:80]}")
            else:
                line = lines[r["source_line"]]
                if r["txn_id"] and r["txn_id"] not in line:
                    err.append(f"line {r['source_line']}: id")
                if not any(f in line for f in amount_forms(r["amount"])):
                    err.append(f"line {r['source_line']}: amount {r['amount']}")
                for v in (r["payer_name"], r["payee_name"]):
                    if v and v != m["owner_name"] and v not in line:
                        err.append(f"line {r['source_line']}: name {v}")
        if err:
            problems += 1
            print("FAIL", name, err[:5])
        else:
            print("ok  ", name, len(rows))
    return problems


# ================================================================ main
def main():
    os.makedirs(EXP, exist_ok=True)
    os.makedirs(BAD, exist_ok=True)
    D_ = dt.date

    # ---- custody (P2P 存管) transfer files
    w = World(101)
    p1 = Platform(w, "杭州聚融网络借贷信息中介服务有限公司")
    f_custody_csv_iso(w, p1, "cg_hzjr_transfer_20170703.csv", D_(2017, 7, 3), 40)
    f_custody_csv_iso(w, p1, "cg_hzjr_transfer_20170704.csv", D_(2017, 7, 4), 26)
    w = World(102)
    p2 = Platform(w, "上海易信金融信息服务有限公司")
    f_custody_pipe_utc(w, p2, "CUSTODY_TRANSFER_20170815.txt", D_(2017, 8, 15), D_(2017, 8, 15), 38)
    f_custody_pipe_utc(w, p2, "CUSTODY_TRANSFER_20170816_20170822.txt", D_(2017, 8, 16), D_(2017, 8, 22), 200)
    w = World(103)
    p3 = Platform(w, "温州瓯联网络借贷信息中介服务有限公司")
    f_custody_tsv_wan(w, p3, "存管资金划转明细_201709.tsv", D_(2017, 9, 1), D_(2017, 9, 30), 45)
    f_custody_tsv_wan(w, p3, "存管资金划转明细_201710.tsv", D_(2017, 10, 1), D_(2017, 10, 31), 33)
    w = World(104)
    p4 = Platform(w, "浙江钱塘汇网络借贷信息中介服务有限公司")
    f_custody_xlsx(w, p4, "资金划拨明细_20171001-20171007.xlsx", D_(2017, 10, 1), D_(2017, 10, 7), 50)
    f_custody_xlsx(w, p4, "资金划拨明细_20171008-20171014.xlsx", D_(2017, 10, 8), D_(2017, 10, 14), 36,
                   split_time=True)
    w = World(105)
    f_custody_batch_gbk(w, p1, "批量代付结果_20171120.csv", D_(2017, 11, 20), 25)

    # ---- single-account statements
    w = World(201)
    b = f_icbc(w, "icbc_1202021209000012345_201707.csv", "杭州融通网络科技有限公司", "1202021209000012345",
               D_(2017, 7, 1), D_(2017, 7, 31), Decimal("2384511.62"), 42)
    f_icbc(w, "icbc_1202021209000012345_201708.csv", "杭州融通网络科技有限公司", "1202021209000012345",
           D_(2017, 8, 1), D_(2017, 8, 31), b, 37)
    w = World(202)
    b = f_ccb_xls(w, "建行交易明细_6217001540012345678_201707.xls", "张建华", "6217001540012345678",
                  D_(2017, 7, 1), D_(2017, 7, 31), Decimal("18342.17"), 30)
    f_ccb_xls(w, "建行交易明细_6217001540012345678_201708.xls", "张建华", "6217001540012345678",
              D_(2017, 8, 1), D_(2017, 8, 31), b, 24)
    w = World(203)
    b = f_abc_xls(w, "农行对账单_19020101040012345_201709.xls", "杭州西溪房地产开发有限公司", "19020101040012345",
                  D_(2017, 9, 1), D_(2017, 9, 30), Decimal("15622030.00"), 28)
    f_abc_xls(w, "农行对账单_19020101040012345_201710.xls", "杭州西溪房地产开发有限公司", "19020101040012345",
              D_(2017, 10, 1), D_(2017, 10, 31), b, 19)
    w = World(204)
    b = f_boc(w, "boc_6216613100012345678_201707.csv", "王建国", "6216613100012345678",
              D_(2017, 7, 1), D_(2017, 7, 31), Decimal("63512.08"), 35)
    f_boc(w, "boc_6216613100012345678_201708.csv", "王建国", "6216613100012345678",
          D_(2017, 8, 1), D_(2017, 8, 31), b, 29, newest_first=True)
    w = World(205)
    b = f_cmb(w, "CMB_6225880112345678_20170701-20170731.csv", "6225880112345678",
              D_(2017, 7, 1), D_(2017, 7, 31), Decimal("7321.55"), 33)
    f_cmb(w, "CMB_6225880112345678_20170801-20170831.csv", "6225880112345678",
          D_(2017, 8, 1), D_(2017, 8, 31), b, 21)
    w = World(206)
    b = f_spdb_xlsx(w, "浦发账户明细_95200154740012345_201710.xlsx", "上海锦程国际物流有限公司", "95200154740012345",
                    D_(2017, 10, 1), D_(2017, 10, 31), Decimal("3302118.40"), 40)
    f_spdb_xlsx(w, "浦发账户明细_95200154740012345_201711.xlsx", "上海锦程国际物流有限公司", "95200154740012345",
                D_(2017, 11, 1), D_(2017, 11, 30), b, 12)
    w = World(207)
    f_cmbc_xlsx(w, "民生对公明细_698012345678_201711.xlsx", "义乌市万家商贸有限公司", "698012345678",
                D_(2017, 11, 1), D_(2017, 11, 30), Decimal("812004.55"), 44)
    w = World(208)
    b = f_cib(w, "兴业_356880100100123456_201710.csv", "宁波北仑港通船务代理有限公司", "356880100100123456",
              D_(2017, 10, 1), D_(2017, 10, 31), Decimal("1208730.12"), 31)
    f_cib(w, "兴业_356880100100123456_201711.csv", "宁波北仑港通船务代理有限公司", "356880100100123456",
          D_(2017, 11, 1), D_(2017, 11, 30), b, 27)
    w = World(209)
    b = f_citic(w, "中信对账单_8110801012345678901_201708.txt", "浙江中恒建设集团有限公司", "8110801012345678901",
                D_(2017, 8, 1), D_(2017, 8, 31), Decimal("27560312.09"), 52)
    f_citic(w, "中信对账单_8110801012345678901_201709.txt", "浙江中恒建设集团有限公司", "8110801012345678901",
            D_(2017, 9, 1), D_(2017, 9, 30), b, 18)
    w = World(210)
    b = f_hsbc(w, "HSBC_CN_088123456011_Jul2017.csv", "杭州恒信国际贸易有限公司", "088123456011",
               D_(2017, 7, 1), D_(2017, 7, 31), Decimal("4410027.33"), 26)
    f_hsbc(w, "HSBC_CN_088123456011_Aug2017.csv", "杭州恒信国际贸易有限公司", "088123456011",
           D_(2017, 8, 1), D_(2017, 8, 31), b, 15)
    w = World(211)
    f_scb_tsv(w, "SCB_CN_501510123456_USD_201708.tsv", "厦门海联达进出口有限公司", "501510123456", "USD",
              D_(2017, 8, 1), D_(2017, 8, 31), Decimal("158230.40"), 22)
    f_scb_tsv(w, "SCB_CN_501510123457_CNY_201709.tsv", "厦门海联达进出口有限公司", "501510123457", "CNY",
              D_(2017, 9, 1), D_(2017, 9, 30), Decimal("2035567.18"), 34)
    w = World(212)
    b = f_city_wan(w, "温州银行对账单_905000120190012345_201712.csv", "温州市瓯海区建业五金厂",
                   "905000120190012345", D_(2017, 12, 1), D_(2017, 12, 31), Decimal("8365210.00"), 24)
    f_city_wan(w, "温州银行对账单_905000120190012345_201801.csv", "温州市瓯海区建业五金厂",
               "905000120190012345", D_(2018, 1, 1), D_(2018, 1, 31), b, 16)
    w = World(213)
    f_rcb_excel_resaved(w, "农信明细_6230910199001234567_201711.csv", "徐丽萍", "6230910199001234567",
                        D_(2017, 11, 1), D_(2017, 11, 30), Decimal("25600.50"), 27)
    w = World(214)
    f_czb(w, "czbank_6223091234567890123_201710.csv", "方晓东", "6223091234567890123",
          D_(2017, 10, 1), D_(2017, 10, 31), Decimal("120450.00"), 23)
    w = World(215)
    f_pab(w, "平安企业网银明细_11014567890123_201712.csv", "深圳市前海汇金资产管理有限公司", "11014567890123",
          D_(2017, 12, 1), D_(2017, 12, 31), Decimal("56123400.00"), 38)

    w = World(216)
    b = f_bocom(w, "交行明细_310066726018010012345_201707.csv", "上海锦程国际物流有限公司", "310066726018010012345",
                D_(2017, 7, 1), D_(2017, 7, 31), Decimal("689214.50"), 33)
    f_bocom(w, "交行明细_310066726018010012345_201708.csv", "上海锦程国际物流有限公司", "310066726018010012345",
            D_(2017, 8, 1), D_(2017, 8, 31), b, 20)

    bad_files()
    for name, dia, enc, n in WRITTEN:
        print(f"{n:4d}  {enc:10s} {dia:40s} {name}")
    print(len(WRITTEN), "files,", len({d for _, d, _, _ in WRITTEN}), "dialects")


if __name__ == "__main__":
    if "--check" not in sys.argv:
        main()
    sys.exit(1 if check() else 0)

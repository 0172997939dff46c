#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""Independent generator of labelled synthetic bank-transaction sets with planted
AML typologies (after IBM AMLSim's alert patterns), for measuring detectors.

Written without reading any detector code of the project. Rule: the generator is
never changed to fit the detectors; detectors are fixed, or a case is written
down as out of scope (see README.md).

Usage:
    python generate.py --seed 1 --out /tmp/set1                 # 5000 accounts, 365 days
    python generate.py --seed 1 --out /tmp/set1 --scale 0.01    # same set, amounts x0.01
    python generate.py --seed 1 --accounts 800 --days 90 --out /tmp/x --check

Python standard library only (numpy is not installed in the project venv).

==============================================================================
Brief given to the author (verbatim)
==============================================================================

# Your task: an independent generator of labelled transaction sets with AML typologies (benchmarks/typology_gen/)

You are an anti-money-laundering data expert. Write a generator of synthetic bank transaction sets with labelled suspicious patterns, following the published typology definitions of IBM's AMLSim. A software project's detectors will be measured on what you generate; **you must not read any code of the project** — do not open anything under /work/main except the folder you write (/work/main/benchmarks/typology_gen/, which you create), and do not open /work/shared. Your value is that you have not seen how the detectors work.

## Domain
AMLSim's alert typologies (accounts in an "alert" group move money in these shapes, within a time window, amounts roughly kept minus small fees or split):
- **fan_in**: many senders (≥ 5, often 5–20) send to one receiver within a short window.
- **fan_out**: one sender sends to many receivers (≥ 5) within a short window.
- **cycle**: money passes through a chain of accounts and returns to the origin; transfers follow each other in time; amounts roughly kept (each hop keeps 90–100 %); AMLSim cycles commonly have 3–10 accounts (many 6–10).
- **bipartite**: a group of senders each pays a group of receivers (many-to-many between two layers).
- **stack**: stacked bipartite layers (3 layers or more: A-layer → B-layer → C-layer), layering.
- **scatter_gather**: one source sends to many intermediaries, each forwards (roughly the same amount, later in time) to one sink.
- **gather_scatter**: many sources send to one intermediary, which then sends to many destinations.
- **random**: money moves along a random walk among a group of alert accounts.
Normal accounts have realistic background traffic: salaries (monthly, one employer to many employees — a legitimate fan-out!), rent and utilities (monthly, many payers to one landlord/utility — a legitimate fan-in!), shops receiving many small card payments, businesses paying suppliers, person-to-person transfers among friends (small cycles happen by chance: A lends B, B repays A), heavy-tailed amounts (log-normal), weekly and monthly rhythms, some very active accounts (hubs). Amounts in the set may be in any scale (a set of small amounts, a set in millions): a good detector must use thresholds relative to the set's own distribution.

## What to produce
- `benchmarks/typology_gen/generate.py`: a self-contained generator (Python standard library, plus numpy if you wish — check `/work/main/.venv/bin/python -c "import numpy"`; if not installed, standard library only). `python generate.py --seed N --accounts 5000 --days 365 --out DIR [--scale 1.0]` writes:
  - `DIR/transactions.csv` (UTF-8, header: `txn_id,txn_time,payer_account,payer_name,payee_account,payee_name,amount,currency,purpose`; `txn_time` ISO `YYYY-MM-DD HH:MM:SS` local time; amount in yuan with 2 decimals; currency CNY; names: Chinese person or company names; account numbers realistic digits),
  - `DIR/alerts.csv` (`alert_id,typology,account,role` — role e.g. source/intermediary/sink/member — listing every account that takes part in each planted pattern),
  - `DIR/accounts.csv` (`account,name,kind,is_alert` where kind is person/company),
  - `DIR/truth.json` (per alert: typology, accounts, txn_ids, window start/end, amounts).
  Defaults: ~5,000 accounts, ~1 year, ~100,000–200,000 background transactions, and per typology ≥ 10 planted alerts of varied sizes (small fans of 5, large of 30; cycles of 3 to 10; windows from 1 day to 30 days), planted at random times across the year (not only at the end), alert accounts also having normal background traffic (they are real accounts used for laundering), and some **hard negatives**: legitimate payroll fan-outs, rent/utility fan-ins, shops with many payers, small friendly cycles, so that a naive "degree ≥ 5" rule flags many normal accounts. `--scale` multiplies all amounts (e.g. 0.01 or 100) to test relative thresholds. Deterministic for a given seed. Runs in under 60 s for the defaults on one core.
- The brief: put this whole brief verbatim in the module docstring of generate.py under "Brief given to the author", plus the definitions you used for each typology.
- `benchmarks/typology_gen/README.md`: how to run it, the output format, the typology definitions, the hard negatives, and the rule: **the generator is never changed to fit the detectors; detectors are fixed, or a case is written down as out of scope.**
- A tiny self-check: `python generate.py --seed 1 --accounts 800 --days 90 --out /tmp/x --check` verifies its own output (every alert's transactions exist, cycles close in time order, fan sizes ≥ 5, etc.) and exits 0.

## How to work
- Commit your folder only: `cd /work/main && git add benchmarks/typology_gen && git commit -m "benchmarks/typology_gen: independent AML typology generator" -- benchmarks/typology_gen` (others commit concurrently; never `git commit -a`; retry if .git/index.lock exists).
- It is about 01:00 UTC now. Finish by 02:20 UTC. Your final message: what it generates (counts per typology on seed 1 defaults, run time) and anything left out.

==============================================================================
Definitions used by this generator
==============================================================================

Common to all planted alerts
  * Alert accounts are ordinary accounts of the population (mostly persons,
    some small companies) that already have normal background traffic
    (salary, rent, utilities, card spending, transfers to friends). Hard-
    negative hubs (employers with >= 5 staff, landlords with >= 5 tenants,
    utilities, shops, businesses with >= 5 suppliers/customers) and members of
    friendly cycles are never used as alert accounts; every account takes part
    in at most one alert.
  * Each alert has a window of 1..30 days (log-uniform; every typology has at
    least one 1-day and one 30-day window when it has >= 2 alerts), placed
    uniformly at random across the whole period. All its transactions lie in
    the window.
  * Amount profile per alert (before --scale): small 800-3,000 (15 %), medium
    3,000-20,000 (35 %), structured 45,000-49,999 i.e. just under the 50,000
    reporting line (20 %), large 20,000-300,000 (30 %). The first-hop amounts
    of an alert vary +-20 % around the alert's base amount (structured: drawn
    anew in 45,000-49,999); 30 % of alerts round first-hop amounts down to
    hundreds. Every forwarding hop keeps 90-100 % of what it passes on.
  * Purposes of alert transfers are drawn from words also used by normal
    traffic (转账, 往来款, 货款, 借款, 还款, 服务费, empty ...).
  * Times prefer waking hours, as normal person-to-person traffic does.

fan_in          k senders (5..30; one alert of 5, one of 30, the rest mostly 5..15)
                each pay one receiver once in the window.
                roles: senders "source", receiver "sink".
fan_out         one sender pays k receivers (5..30) once each in the window.
                roles: sender "source", receivers "sink".
cycle           k accounts (3..10; lengths 3..10 all present at default, the
                rest mostly 6..10) a0 -> a1 -> ... -> a(k-1) -> a0; one hop
                each, strictly increasing times, each hop keeps 90-100 % of
                the previous hop's amount. roles: all "member"; truth.json
                gives "origin" (a0) and "order".
bipartite       m senders (2..6) and n receivers (2..6); each sender pays each
                receiver (complete in 70 % of alerts, otherwise about 70 % of
                the pairs with every account keeping >= 1 edge).
                roles: "source" / "sink".
stack           3 layers (25 %: 4 layers) of 2..5 accounts; consecutive layers
                form a (near-)complete bipartite graph; the window is split in
                one phase per layer pair, so each middle account receives
                everything before it pays on; each middle account forwards
                90-100 % of what it received, split over its next-layer links.
                roles: first layer "source", middle "intermediary", last
                "sink"; truth.json gives "layers".
scatter_gather  one source pays k intermediaries (5..20, mostly 5..12) in the first 60 % of
                the window; each intermediary forwards 90-100 % of its amount
                to one sink, later in the window.
                roles: "source", "intermediary", "sink".
gather_scatter  k1 sources (5..15, mostly 5..10) pay one intermediary in the first half of
                the window; after the last receipt the intermediary pays out
                90-100 % of the total to k2 destinations (likewise), split with
                random weights 0.7..1.3. roles: "source", "intermediary"
                (the hub), "sink".
random          a group of k accounts (5..12); money follows a walk that first
                visits every member in random order, then makes 0.2k..k more
                hops to random members (never to itself); each hop keeps
                90-100 %, strictly increasing times. roles: all "member";
                truth.json gives the "path".

Background (normal) traffic, per default year (~5,000 accounts)
  * payroll: ~68 % of persons are employed by a company (heavy-tailed employer
    sizes, utilities and some businesses with 100+ staff); one batch per month
    on the employer's payday (moved back to Friday at weekends), seconds
    apart; year-end bonus before Spring Festival. -> legitimate fan-out.
    ~12 % of employees forward part of each salary to a family member within
    days (legitimate pass-through).
  * rent: ~42 % of persons pay monthly (20 % quarterly) rent to a property
    company or to an individual landlord (1-4 tenants); homeowners pay
    property fees; companies pay office rent. -> legitimate fan-in.
  * utilities: electricity, water (bi-monthly), gas, telecom, heating, with
    seasonal amounts; companies pay electricity/telecom. -> huge fan-in.
  * card spending at shops: per-person Poisson rates (log-normal), favourite
    shops, weekend peaks, heavy-tailed shop popularity (hubs), 1.5 % refunds.
  * business-to-business invoices on weekdays in office hours (monthly or
    irregular), heavy-tailed supplier popularity.
  * person-to-person transfers in friend communities; 1.5 % of persons are
    very active hubs with 30-80 friends; loans repaid later (2-cycles), AA
    bill splitting, monthly family allowances, Spring Festival red packets,
    occasional large transfers (housing, deposits), purchases from businesses,
    businesses paying freelancers.
  * friendly cycles (hard negatives): 3-5 friends pass an amount around
    within days; half keep the amount exactly, a quarter keep 90-100 % per
    hop (structurally identical to a laundering cycle, only small amounts),
    a quarter use unrelated amounts.
  All amounts are log-normal (heavy-tailed); --scale multiplies every amount.
"""

import argparse
import bisect
import csv
import datetime
import hashlib
import json
import math
import os
import random
import shutil
import sys
import tempfile
import time

TYPOLOGIES = ["fan_in", "fan_out", "cycle", "bipartite", "stack",
              "scatter_gather", "gather_scatter", "random"]

DEFAULT_START = "2025-01-01"
TXN_HEADER = ["txn_id", "txn_time", "payer_account", "payer_name",
              "payee_account", "payee_name", "amount", "currency", "purpose"]
ALERT_HEADER = ["alert_id", "typology", "account", "role"]
ACCOUNT_HEADER = ["account", "name", "kind", "is_alert"]

# Spring Festival (Chinese New Year) dates, for seasonal red packets and bonuses.
SPRING_FESTIVAL = {
    2023: (1, 22), 2024: (2, 10), 2025: (1, 29), 2026: (2, 17), 2027: (2, 6),
    2028: (1, 26), 2029: (2, 13), 2030: (2, 3), 2031: (1, 23), 2032: (2, 11),
}

# ---------------------------------------------------------------- names ---

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
SURNAME_CW = []
_acc = 0.0
for _i in range(len(SURNAMES)):
    _acc += 1.0 / (_i + 4) ** 0.9
    SURNAME_CW.append(_acc)
GIVEN_CHARS = list(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志海燕晓红玉丹萍鹏辉玲斌宇浩凯健俊帆帅旭宁欣怡"
    "梓涵子轩然雨萱思远佳琪文博一鸣嘉晨阳雅婷悦梦瑶雪琳颖慧晶彬鑫磊亮成飞龙云峰波春梅倩莉诗语泽睿航昊楠"
    "瑞婉清佩琦德新永兴振宏坤嘉俊秋菊凤丽霖曦铭宸奕")
CITIES = ["上海", "北京", "深圳", "杭州", "苏州", "南京", "成都", "武汉", "广州", "宁波",
          "无锡", "合肥", "长沙", "西安", "重庆", "天津", "青岛", "厦门", "佛山", "东莞",
          "温州", "济南", "郑州", "福州", "昆明"]
BRAND_CHARS = list("华鑫瑞鼎恒泰盛达兴宏信源丰荣金嘉益通联创博远明正和顺祥安德汇中新科天海宇星辰锦隆"
                   "永昌裕茂凯润佳悦诚邦圣卓越腾飞汉唐东方诺")
BUSINESS_INDUSTRIES = ["贸易", "商贸", "科技", "实业", "建材", "物流", "电子", "机械设备", "食品",
                       "服装", "信息技术", "企业管理咨询", "广告", "建筑工程", "医疗器械", "化工",
                       "包装材料", "文化传媒", "供应链管理", "五金", "汽车配件", "家具", "农业科技",
                       "环保科技", "网络科技", "进出口", "装饰工程", "印刷"]
SHOP_TYPES = {
    # subtype: (median card amount, name patterns)
    "supermarket": (120.0, ["{city}{brand}超市有限公司", "{brand}生活超市", "{city}{brand}购物广场有限公司"]),
    "restaurant": (85.0, ["{city}{brand}餐饮管理有限公司", "{sur}记{food}", "{brand}{food}店"]),
    "convenience": (28.0, ["{brand}便利店", "{city}{brand}便利连锁有限公司"]),
    "pharmacy": (65.0, ["{brand}大药房", "{city}{brand}医药连锁有限公司"]),
    "clothing": (320.0, ["{brand}服饰店", "{city}{brand}服饰有限公司"]),
    "online": (150.0, ["{city}{brand}网络科技有限公司", "{city}{brand}电子商务有限公司"]),
    "cafe": (35.0, ["{brand}咖啡", "{brand}茶饮店"]),
    "electronics": (900.0, ["{brand}数码", "{city}{brand}电器有限公司"]),
    "fuel": (300.0, ["{city}{brand}加油站", "{brand}石化加油站"]),
}
SHOP_SUBTYPE_LIST = ["supermarket", "restaurant", "restaurant", "convenience", "pharmacy",
                     "clothing", "online", "cafe", "electronics", "fuel", "supermarket",
                     "restaurant", "convenience"]
FOODS = ["面馆", "饺子馆", "火锅", "烧烤", "小吃", "快餐", "茶餐厅", "酒家", "麻辣烫", "粥铺"]
UTILITY_SUBTYPES = ["electricity", "water", "gas", "telecom", "telecom", "telecom", "gas", "heating"]

# hour-of-day weights (0..23)
HOUR_W_CARD = [0.25, 0.12, 0.06, 0.04, 0.04, 0.08, 0.3, 0.8, 1.2, 1.0, 1.0, 1.5,
               2.1, 1.6, 1.0, 1.0, 1.1, 1.5, 2.0, 2.3, 1.9, 1.4, 0.9, 0.5]
HOUR_W_PERSON = [0.35, 0.2, 0.1, 0.06, 0.05, 0.08, 0.25, 0.6, 1.0, 1.1, 1.1, 1.2,
                 1.5, 1.3, 1.1, 1.1, 1.1, 1.2, 1.4, 1.7, 1.9, 1.9, 1.4, 0.8]
HOUR_W_BUSINESS = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.02, 0.2, 1.0, 1.6, 1.8, 1.5,
                   0.6, 1.2, 1.7, 1.8, 1.5, 1.0, 0.3, 0.1, 0.05, 0.02, 0.0, 0.0]


def _cum(ws):
    out, s = [], 0.0
    for w in ws:
        s += w
        out.append(s)
    return out


HOURS = list(range(24))
HOUR_CW_CARD = _cum(HOUR_W_CARD)
HOUR_CW_PERSON = _cum(HOUR_W_PERSON)
HOUR_W_MAX = max(HOUR_W_PERSON)
HOUR_CW_BUSINESS = _cum(HOUR_W_BUSINESS)
# day-of-week weights (Mon..Sun)
DOW_W_CARD = [0.9, 0.9, 0.95, 1.0, 1.2, 1.55, 1.45]
DOW_W_PERSON = [0.95, 0.9, 0.95, 1.0, 1.15, 1.3, 1.25]

PERSON_BINS = ["622202", "622848", "621700", "621661", "622588", "621483", "622262",
               "621226", "622700", "623668", "621799", "622908", "625965", "621098"]
COMPANY_PREFIXES = ["1202", "1001", "3100", "4403", "3301", "3202", "5101", "4201", "7310", "1100",
                    "3510", "3701"]

# Purpose words: alert transfers draw from the same vocabularies as normal traffic
# (person payer: P2P words; company payer: business words), so the purpose is no giveaway.
P2P_PURPOSES = ["转账", "转账", "", "", "红包", "还你的", "生活费", "给你", "代付", "份子钱"]
LARGE_P2P_PURPOSES = ["转账", "转账", "", "借款", "还款", "购房款", "首付", "投资款", "往来款", "定金"]
B2B_PURPOSES = ["货款", "货款", "采购款", "服务费", "加工费", "运费", "技术服务费", "材料款", "往来款"]
B2P_PURPOSES = ["劳务费", "劳务费", "报销", "备用金", "项目款", "佣金", "服务费"]
P2B_PURPOSES = ["货款", "装修款", "学费", "购车款", "定金", "服务费", "培训费"]


def luhn_digit(payload):
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def poisson(rng, lam):
    if lam <= 0:
        return 0
    if lam < 30:
        L = math.exp(-lam)
        k, p = 0, 1.0
        while True:
            p *= rng.random()
            if p <= L:
                return k
            k += 1
    return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))


def capped_pareto(rng, alpha, cap):
    """heavy-tailed weight in [1, cap] (uncapped draws let one account take everything)"""
    return min(cap, rng.paretovariate(alpha))


def log_uniform(rng, lo, hi):
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


# ------------------------------------------------------------ generator ---

class Generator:
    def __init__(self, seed, n_accounts=5000, days=365, scale=1.0, start=DEFAULT_START,
                 alerts_per_typology=None):
        if n_accounts < 800:
            raise ValueError("--accounts must be at least 800 (alerts of 30 accounts need room)")
        if days < 30:
            raise ValueError("--days must be at least 30")
        if scale <= 0:
            raise ValueError("--scale must be positive")
        self.seed = seed
        self.rng = random.Random(seed)
        self.n = n_accounts
        self.days = days
        self.scale = scale
        self.start = datetime.date.fromisoformat(start)
        self.horizon = days * 86400
        self.alerts_per_typology = (alerts_per_typology if alerts_per_typology is not None
                                    else max(2, int(round(10 * n_accounts / 5000.0))))
        self.dates = [self.start + datetime.timedelta(days=d) for d in range(days + 1)]
        self.day_str = [d.isoformat() for d in self.dates]
        self.weekday = [d.weekday() for d in self.dates]
        self.day_idx = list(range(days))
        self.day_cw_card = _cum([DOW_W_CARD[self.weekday[d]] for d in range(days)])
        self.day_cw_person = _cum([DOW_W_PERSON[self.weekday[d]] for d in range(days)])
        # months overlapping the horizon: (year, month)
        self.months = []
        y, m = self.start.year, self.start.month
        while True:
            first = datetime.date(y, m, 1)
            if (first - self.start).days >= days:
                break
            self.months.append((y, m))
            m += 1
            if m == 13:
                y, m = y + 1, 1
        self.txns = []          # tuples, see add()
        self.alerts = []        # dicts
        self.hard_negatives = []
        self.acct_no, self.name, self.kind, self.role, self.subtype = [], [], [], [], []
        self.is_alert = []

    # ----------------------------------------------------------- helpers --
    def day_of(self, y, m, d):
        """day index of a calendar date, clamping d to month length; None if outside horizon"""
        if m > 12:
            y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
        last = (datetime.date(y + (m == 12), m % 12 + 1, 1) - datetime.timedelta(days=1)).day
        d = max(1, min(d, last))
        idx = (datetime.date(y, m, d) - self.start).days
        if 0 <= idx < self.days:
            return idx
        return None

    def prev_weekday(self, day):
        while day > 0 and self.weekday[day] >= 5:
            day -= 1
        return day

    def to_weekday(self, day):
        wd = self.weekday[day]
        if wd == 5:
            return day - 1 if day >= 1 else day + 2 if day + 2 < self.days else day
        if wd == 6:
            return day + 1 if day + 1 < self.days else max(0, day - 2)
        return day

    def secs(self, cw):
        h = self.rng.choices(HOURS, cum_weights=cw)[0]
        return h * 3600 + self.rng.randrange(3600)

    def add(self, t, payer, payee, amount, purpose, cat, alert=-1, hn=-1):
        """amount is unscaled yuan; returns scaled rounded amount, or None if outside horizon"""
        if t < 0 or t >= self.horizon or payer == payee:
            return None
        a = round(amount * self.scale, 2)
        if a < 0.01:
            a = 0.01
        self.txns.append((int(t), self.rng.random(), payer, payee, a, purpose, cat, alert, hn))
        return a

    # ---------------------------------------------------------- accounts --
    def person_name(self):
        rng = self.rng
        s = rng.choices(SURNAMES, cum_weights=SURNAME_CW)[0]
        if rng.random() < 0.01:
            s = rng.choice(["欧阳", "司马", "上官", "诸葛", "慕容"])
        n = 2 if rng.random() < 0.7 else 1
        return s + "".join(rng.choice(GIVEN_CHARS) for _ in range(n))

    def brand(self):
        a = self.rng.choice(BRAND_CHARS)
        b = self.rng.choice(BRAND_CHARS)
        while b == a:
            b = self.rng.choice(BRAND_CHARS)
        return a + b

    def new_number(self, kind, used):
        rng = self.rng
        while True:
            if kind == "person":
                payload = rng.choice(PERSON_BINS) + "".join(str(rng.randrange(10)) for _ in range(12))
                num = payload + luhn_digit(payload)
            else:
                length = rng.choice([15, 17, 19, 19, 20])
                num = rng.choice(COMPANY_PREFIXES) + "".join(
                    str(rng.randrange(10)) for _ in range(length - 4))
            if num not in used:
                used.add(num)
                return num

    def make_accounts(self):
        rng = self.rng
        n = self.n
        n_util = max(3, min(8, n // 700))
        n_prop = max(3, int(round(n * 0.008)))
        n_shop = max(8, int(round(n * 0.035)))
        n_bus = max(10, int(round(n * 0.06)))
        n_person = n - n_util - n_prop - n_shop - n_bus
        roles = (["utility"] * n_util + ["property"] * n_prop + ["shop"] * n_shop +
                 ["business"] * n_bus + ["person"] * n_person)
        rng.shuffle(roles)
        used_numbers, used_company_names = set(), set()
        home_city = rng.choice(CITIES)
        self.home_city = home_city
        util_k = 0
        for r in roles:
            kind = "person" if r == "person" else "company"
            sub = ""
            if r == "person":
                nm = self.person_name()
            else:
                for _attempt in range(50):
                    city = home_city if rng.random() < 0.6 else rng.choice(CITIES)
                    if r == "utility":
                        sub = UTILITY_SUBTYPES[util_k % len(UTILITY_SUBTYPES)]
                        nm = {
                            "electricity": "国网%s供电公司" % home_city,
                            "water": "%s水务集团有限公司" % home_city,
                            "gas": "%s%s燃气有限公司" % (home_city, self.brand()),
                            "telecom": "%s%s通信服务有限公司" % (home_city, self.brand()),
                            "heating": "%s热力有限公司" % home_city,
                        }[sub]
                    elif r == "property":
                        nm = rng.choice(["%s%s物业管理有限公司", "%s%s房地产经纪有限公司",
                                         "%s%s公寓管理有限公司", "%s%s置业有限公司"]) % (city, self.brand())
                    elif r == "shop":
                        sub = rng.choice(SHOP_SUBTYPE_LIST)
                        pat = rng.choice(SHOP_TYPES[sub][1])
                        nm = pat.format(city=city, brand=self.brand(),
                                        sur=rng.choices(SURNAMES, cum_weights=SURNAME_CW)[0],
                                        food=rng.choice(FOODS))
                    else:
                        nm = "%s%s%s有限公司" % (city, self.brand(), rng.choice(BUSINESS_INDUSTRIES))
                    if nm not in used_company_names:
                        break
                used_company_names.add(nm)
                if r == "utility":
                    util_k += 1
            self.acct_no.append(self.new_number(kind, used_numbers))
            self.name.append(nm)
            self.kind.append(kind)
            self.role.append(r)
            self.subtype.append(sub)
            self.is_alert.append(False)
        self.persons = [i for i, r in enumerate(self.role) if r == "person"]
        self.companies = [i for i, r in enumerate(self.role) if r != "person"]
        self.by_role = {}
        for i, r in enumerate(self.role):
            self.by_role.setdefault(r, []).append(i)
        self.utilities_by_sub = {}
        for i in self.by_role["utility"]:
            self.utilities_by_sub.setdefault(self.subtype[i], []).append(i)

    # ------------------------------------------------------- background --
    def background(self):
        self.gen_payroll()
        self.gen_rent()
        self.gen_utilities()
        self.gen_card()
        self.gen_b2b()
        self.gen_p2p()
        self.gen_misc()
        self.gen_friendly_cycles()

    def gen_misc(self):
        """Occasional large payments: person-to-person (housing, loans, family), purchases from
        businesses, and businesses paying freelancers. Keeps big non-round person transfers
        from being a giveaway of laundering."""
        rng = self.rng
        bus = self.by_role["business"]
        bw = _cum([capped_pareto(rng, 1.2, 50) for _ in bus])
        yr = self.days / 365.0
        for p in self.persons:
            for _ in range(poisson(rng, 0.45 * yr)):
                fr = self.friends[p]
                q = rng.choice(fr) if fr and rng.random() < 0.7 else rng.choice(self.persons)
                if q == p:
                    continue
                amt = rng.lognormvariate(math.log(12000), 1.0)
                if rng.random() < 0.4:
                    amt = max(100.0, round(amt, -2))
                d = rng.choices(self.day_idx, cum_weights=self.day_cw_person)[0]
                self.add(d * 86400 + self.secs(HOUR_CW_PERSON), p, q, amt,
                         rng.choice(LARGE_P2P_PURPOSES), "large_p2p")
            for _ in range(poisson(rng, 0.3 * yr)):
                c = rng.choices(bus, cum_weights=bw)[0]
                amt = rng.lognormvariate(math.log(8000), 1.0)
                if rng.random() < 0.4:
                    amt = max(100.0, round(amt, -2))
                d = rng.choices(self.day_idx, cum_weights=self.day_cw_person)[0]
                self.add(d * 86400 + self.secs(HOUR_CW_PERSON), p, c, amt,
                         rng.choice(P2B_PURPOSES), "purchase")
        for c in bus:
            if rng.random() < 0.5:
                for _ in range(rng.randint(1, 6)):
                    q = rng.choice(self.persons)
                    level = rng.lognormvariate(math.log(4000), 0.7)
                    rounded = rng.random() < 0.4
                    for _ in range(poisson(rng, 6 * yr)):
                        d = self.to_weekday(rng.randrange(self.days))
                        amt = level * rng.lognormvariate(0, 0.4)
                        if rounded:
                            amt = max(100.0, round(amt, -2))
                        self.add(d * 86400 + self.secs(HOUR_CW_BUSINESS), c, q,
                                 amt, rng.choice(B2P_PURPOSES), "freelance")

    def gen_payroll(self):
        rng = self.rng
        employers = self.companies
        w = []
        for c in employers:
            r = self.role[c]
            base = capped_pareto(rng, 1.1, 40)
            w.append(base * {"business": 1.0, "shop": 0.35, "property": 0.6, "utility": 4.0}[r])
        cw = _cum(w)
        self.employees = {c: [] for c in employers}
        self.employer_of = {}
        n_months = len(self.months)
        for p in self.persons:
            if rng.random() < 0.68:
                c = rng.choices(employers, cum_weights=cw)[0]
                start_m = 0 if rng.random() < 0.85 else rng.randrange(n_months)
                end_m = n_months - 1 if rng.random() < 0.9 else rng.randrange(start_m, n_months)
                self.employees[c].append((p, start_m, end_m))
                self.employer_of[p] = c
        for c in employers:
            staff = self.employees[c]
            if not staff:
                continue
            payday = rng.choice([1, 5, 8, 10, 10, 15, 15, 20, 25, 28, 31])
            batch_hour = rng.choice([9, 9, 10, 10, 11, 14, 15, 16])
            purpose = rng.choice(["工资", "工资", "代发工资", "薪资", "代发工资"])
            level = rng.lognormvariate(0.0, 0.25)
            salaries = [rng.lognormvariate(math.log(6800 * level), 0.45) for _ in staff]
            salaries = [round(s, 2) if rng.random() < 0.7 else round(s, -1) for s in salaries]
            bonus = rng.random() < 0.55
            round_bonus = rng.random() < 0.5
            # some employees pass part of each salary on to a family member (legitimate pass-through)
            fwd = {}
            for p, _sm, _em in staff:
                if rng.random() < 0.12:
                    q = rng.choice(self.persons)
                    if q != p:
                        fwd[p] = (q, rng.uniform(0.4, 1.0))
            for mi, (y, m) in enumerate(self.months):
                day = self.day_of(y, m, payday)
                if day is None:
                    continue
                day = self.prev_weekday(day)
                t = day * 86400 + batch_hour * 3600 + rng.randrange(3600)
                for (p, sm, em), sal in zip(staff, salaries):
                    if sm <= mi <= em:
                        t += rng.randint(1, 12)
                        paid = self.add(t, c, p, sal * rng.uniform(0.97, 1.06), purpose, "salary")
                        if paid is not None and p in fwd:
                            q, share = fwd[p]
                            self.add(t + rng.randint(600, 3 * 86400), p, q,
                                     paid / self.scale * share * rng.uniform(0.95, 1.0),
                                     rng.choice(["转账", "", "生活费", "家用", "给你"]), "salary_forward")
                # year-end bonus paid in the month before/of Spring Festival
                sf = SPRING_FESTIVAL.get(y)
                if bonus and sf and m == sf[0] and day is not None:
                    bday = self.prev_weekday(max(0, day - rng.randint(0, 5)))
                    t = bday * 86400 + batch_hour * 3600 + 1800 + rng.randrange(1800)
                    for (p, sm, em), sal in zip(staff, salaries):
                        if sm <= mi <= em and rng.random() < 0.9:
                            t += rng.randint(1, 12)
                            b = sal * rng.uniform(0.8, 3.0)
                            self.add(t, c, p, round(b, -2) if round_bonus else b, "年终奖", "bonus")

    def gen_rent(self):
        rng = self.rng
        props = self.by_role["property"]
        pw = _cum([capped_pareto(rng, 1.1, 30) for _ in props])
        persons = self.persons
        self.individual_landlords = [p for p in persons if rng.random() < 0.04]
        ll_set = set(self.individual_landlords)
        capacity = {p: rng.randint(1, 4) for p in self.individual_landlords}
        open_ll = list(self.individual_landlords)
        self.tenants_of = {}
        n_months = len(self.months)
        for p in persons:
            if p in ll_set:
                continue
            u = rng.random()
            if u < 0.42:
                landlord = None
                if open_ll and rng.random() < 0.35:
                    k = rng.randrange(len(open_ll))
                    landlord = open_ll[k]
                    capacity[landlord] -= 1
                    if capacity[landlord] <= 0:
                        open_ll[k] = open_ll[-1]
                        open_ll.pop()
                if landlord is None:
                    landlord = rng.choices(props, cum_weights=pw)[0]
                self.tenants_of.setdefault(landlord, []).append(p)
                rent = round(rng.lognormvariate(math.log(2600), 0.45), -2)
                rent = max(rent, 500)
                quarterly = rng.random() < 0.2
                pay_d = rng.randint(-4, 5)
                sm = 0 if rng.random() < 0.85 else rng.randrange(n_months)
                em = n_months - 1 if rng.random() < 0.9 else rng.randrange(sm, n_months)
                purpose = rng.choice(["房租", "房租", "租金", "", "月租", "房租水电"])
                for mi, (y, m) in enumerate(self.months):
                    if not (sm <= mi <= em):
                        continue
                    if quarterly and (mi - sm) % 3 != 0:
                        continue
                    d = pay_d + rng.randint(-1, 1)
                    if d < 1:
                        day = self.day_of(y, m, 1)
                        day = None if day is None else day + d - 1
                        if day is not None and day < 0:
                            day = None
                    else:
                        day = self.day_of(y, m, d)
                    if day is None:
                        continue
                    amt = rent * (3 if quarterly else 1)
                    self.add(day * 86400 + self.secs(HOUR_CW_PERSON), p, landlord, amt, purpose, "rent")
            elif u < 0.62:
                # homeowner paying property-management fee
                prop = rng.choices(props, cum_weights=pw)[0]
                self.tenants_of.setdefault(prop, [])
                fee = round(rng.lognormvariate(math.log(2400), 0.4), 0)
                if rng.random() < 0.5:
                    pay_months = [rng.randrange(len(self.months))]
                    amt = fee
                else:
                    off = rng.randrange(3)
                    pay_months = list(range(off, len(self.months), 3))
                    amt = fee / 4
                for mi in pay_months:
                    y, m = self.months[mi]
                    day = self.day_of(y, m, rng.randint(1, 28))
                    if day is not None:
                        self.add(day * 86400 + self.secs(HOUR_CW_PERSON), p, prop, amt, "物业费", "property_fee")
        # companies paying office rent
        for c in self.by_role["business"] + self.by_role["shop"]:
            if rng.random() < 0.5:
                prop = rng.choices(props, cum_weights=pw)[0]
                rent = round(rng.lognormvariate(math.log(15000), 0.8), -2)
                quarterly = rng.random() < 0.4
                pay_d = rng.randint(1, 10)
                for mi, (y, m) in enumerate(self.months):
                    if quarterly and mi % 3:
                        continue
                    day = self.day_of(y, m, pay_d)
                    if day is None:
                        continue
                    day = self.to_weekday(day)
                    self.add(day * 86400 + self.secs(HOUR_CW_BUSINESS), c, prop,
                             rent * (3 if quarterly else 1), "房租", "office_rent")

    def gen_utilities(self):
        rng = self.rng
        ub = self.utilities_by_sub
        plans = [("electricity", 0.17, 180.0, 0.5, 1), ("water", 0.12, 70.0, 0.4, 2),
                 ("gas", 0.1, 95.0, 0.5, 1), ("telecom", 0.17, 88.0, 0.3, 1),
                 ("heating", 0.05, 450.0, 0.3, 1)]
        purposes = {"electricity": "电费", "water": "水费", "gas": "燃气费", "telecom": "话费",
                    "heating": "供暖费"}
        for p in self.persons:
            for sub, prob, med, sig, every in plans:
                if sub not in ub or rng.random() >= prob:
                    continue
                u = rng.choice(ub[sub])
                pay_d = rng.randint(1, 28)
                level = rng.lognormvariate(math.log(med), sig)
                off = rng.randrange(every)
                for mi, (y, m) in enumerate(self.months):
                    if (mi + off) % every:
                        continue
                    if sub == "heating" and m not in (11, 12, 1, 2, 3):
                        continue
                    season = 1.0
                    if sub == "electricity" and m in (7, 8, 1):
                        season = 1.5
                    if sub == "gas" and m in (12, 1, 2):
                        season = 1.7
                    day = self.day_of(y, m, pay_d + rng.randint(-2, 2))
                    if day is None:
                        continue
                    self.add(day * 86400 + self.secs(HOUR_CW_PERSON), p, u,
                             level * season * rng.uniform(0.75, 1.25), purposes[sub], "utility")
        # companies pay electricity / telecom
        for c in self.by_role["business"] + self.by_role["shop"] + self.by_role["property"]:
            for sub, prob, med in (("electricity", 0.7, 3000.0), ("telecom", 0.4, 600.0)):
                if sub not in ub or rng.random() >= prob:
                    continue
                u = rng.choice(ub[sub])
                level = rng.lognormvariate(math.log(med), 0.9)
                pay_d = rng.randint(1, 28)
                for y, m in self.months:
                    day = self.day_of(y, m, pay_d)
                    if day is None:
                        continue
                    day = self.to_weekday(day)
                    self.add(day * 86400 + self.secs(HOUR_CW_BUSINESS), c, u,
                             level * rng.uniform(0.8, 1.2), purposes[sub], "company_utility")

    def gen_card(self):
        rng = self.rng
        shops = self.by_role["shop"]
        pop = []
        for s in shops:
            w = capped_pareto(rng, 1.0, 60)
            if self.subtype[s] in ("online", "supermarket"):
                w *= 3
            pop.append(w)
        cw = _cum(pop)
        days_span = self.days
        card_purposes = ["消费", "消费", "消费", "POS消费", "快捷支付", "网上支付", ""]
        for p in self.persons:
            rate = rng.lognormvariate(math.log(0.016), 0.8)
            n_ev = poisson(rng, rate * days_span)
            if n_ev == 0:
                continue
            k = rng.randint(2, 6)
            fav = []
            for _ in range(k * 2):
                s = rng.choices(shops, cum_weights=cw)[0]
                if s not in fav:
                    fav.append(s)
                if len(fav) >= k:
                    break
            fav_cw = _cum([1.0 / (i + 1) for i in range(len(fav))])
            days = rng.choices(self.day_idx, cum_weights=self.day_cw_card, k=n_ev)
            hours = rng.choices(HOURS, cum_weights=HOUR_CW_CARD, k=n_ev)
            purpose = rng.choice(card_purposes)
            for d, h in zip(days, hours):
                s = rng.choices(fav, cum_weights=fav_cw)[0]
                med = SHOP_TYPES[self.subtype[s]][0]
                amt = rng.lognormvariate(math.log(med), 0.75)
                t = d * 86400 + h * 3600 + rng.randrange(3600)
                a = self.add(t, p, s, amt, purpose, "card")
                if a is not None and rng.random() < 0.015:
                    self.add(t + rng.randint(1, 10) * 86400 + rng.randrange(-7200, 7200), s, p,
                             amt, "退款", "refund")

    def gen_b2b(self):
        rng = self.rng
        bus = self.by_role["business"]
        sw = _cum([capped_pareto(rng, 1.0, 40) for _ in bus])
        self.suppliers_of = {}
        b2b_purposes = B2B_PURPOSES
        payers = [(c, "business") for c in bus] + [(c, "shop") for c in self.by_role["shop"]]
        for c, r in payers:
            if r == "business":
                k = min(12, 1 + int(rng.paretovariate(1.3)))
                med = 25000.0
            else:
                k = rng.randint(1, 3)
                med = 12000.0
            sup = []
            for _ in range(k * 3):
                s = rng.choices(bus, cum_weights=sw)[0]
                if s != c and s not in sup:
                    sup.append(s)
                if len(sup) >= k:
                    break
            self.suppliers_of[c] = sup
            for s in sup:
                base = rng.lognormvariate(math.log(med), 1.0)
                purpose = rng.choice(b2b_purposes)
                if rng.random() < 0.6:
                    pay_d = rng.randint(1, 28)
                    for y, m in self.months:
                        day = self.day_of(y, m, pay_d + rng.randint(-3, 3))
                        if day is None:
                            continue
                        day = self.to_weekday(day)
                        self.add(day * 86400 + self.secs(HOUR_CW_BUSINESS), c, s,
                                 base * rng.lognormvariate(0, 0.3), purpose, "b2b")
                else:
                    n_ev = poisson(rng, self.days / rng.uniform(10, 40))
                    for d in rng.choices(self.day_idx, k=n_ev) if n_ev else []:
                        d = self.to_weekday(d)
                        self.add(d * 86400 + self.secs(HOUR_CW_BUSINESS), c, s,
                                 base * rng.lognormvariate(0, 0.4), purpose, "b2b")

    def gen_p2p(self):
        rng = self.rng
        persons = list(self.persons)
        rng.shuffle(persons)
        friends = {p: [] for p in self.persons}
        comms = []
        i = 0
        while i < len(persons):
            size = rng.randint(8, 30)
            comms.append(persons[i:i + size])
            i += size
        self.hubs = []
        for comm in comms:
            for p in comm:
                hub = rng.random() < 0.015
                k = rng.randint(30, 80) if hub else min(15, 2 + int(rng.expovariate(1 / 3.0)))
                if hub:
                    self.hubs.append(p)
                for _ in range(k):
                    q = rng.choice(comm) if (rng.random() < 0.8 and not hub) else rng.choice(persons)
                    if q != p and q not in friends[p]:
                        friends[p].append(q)
                        friends[q].append(p)
        self.friends = friends
        hubset = set(self.hubs)
        gift_purposes = P2P_PURPOSES
        for p in self.persons:
            fr = friends[p]
            if not fr:
                continue
            rate = rng.lognormvariate(math.log(0.010), 0.7) * (10 if p in hubset else 1)
            n_ev = poisson(rng, rate * self.days)
            if n_ev == 0:
                continue
            days = rng.choices(self.day_idx, cum_weights=self.day_cw_person, k=n_ev)
            for d in days:
                q = rng.choice(fr)
                t = d * 86400 + self.secs(HOUR_CW_PERSON)
                u = rng.random()
                if u < 0.12:
                    amt = max(100.0, round(rng.lognormvariate(math.log(3000), 0.9), -2))
                    if self.add(t, p, q, amt, rng.choice(["借款", "借款", "转账", ""]), "loan") is None:
                        continue
                    if rng.random() < 0.85:
                        t2 = t + rng.randint(5, 90) * 86400 + rng.randrange(-20000, 20000)
                        if rng.random() < 0.75:
                            self.add(t2, q, p, amt * (1.0 if rng.random() < 0.8 else rng.uniform(1.0, 1.05)),
                                     rng.choice(["还款", "还款", "还钱", ""]), "repay")
                        else:
                            half = round(amt / 2, -1)
                            self.add(t2, q, p, half, "还款", "repay")
                            self.add(t2 + rng.randint(7, 40) * 86400, q, p, amt - half, "还款", "repay")
                elif u < 0.3:
                    amt = rng.lognormvariate(math.log(110), 0.5)
                    self.add(t, p, q, amt, rng.choice(["AA餐费", "AA", "饭钱", ""]), "aa")
                else:
                    amt = rng.lognormvariate(math.log(300), 1.0)
                    if rng.random() < 0.6:
                        amt = round(amt, -2) if amt > 250 else round(amt, -1)
                        amt = max(amt, 10.0)
                    self.add(t, p, q, amt, rng.choice(gift_purposes), "p2p")
        # family support: monthly living allowance
        for p in self.persons:
            if rng.random() < 0.08:
                q = rng.choice(self.persons)
                if q == p:
                    continue
                amt = max(200.0, round(rng.lognormvariate(math.log(1500), 0.5), -2))
                pay_d = rng.randint(1, 28)
                for y, m in self.months:
                    day = self.day_of(y, m, pay_d + rng.randint(-2, 2))
                    if day is not None:
                        self.add(day * 86400 + self.secs(HOUR_CW_PERSON), p, q, amt, "生活费", "family")
        # Spring Festival red packets
        for y, (sm, sd) in SPRING_FESTIVAL.items():
            sf = self.day_of(y, sm, sd)
            if sf is None:
                continue
            for p in self.persons:
                if rng.random() < 0.25 and friends[p]:
                    for _ in range(rng.randint(1, 4)):
                        d = sf + rng.randint(-7, 7)
                        if 0 <= d < self.days:
                            self.add(d * 86400 + self.secs(HOUR_CW_PERSON), p, rng.choice(friends[p]),
                                     rng.choice([66, 88, 166, 188, 200, 500, 666, 888, 1000, 2000]),
                                     rng.choice(["红包", "新年红包", "压岁钱", ""]), "redpacket")

    def gen_friendly_cycles(self):
        """Hard negatives: small closed cycles among friends (passing on a debt, splitting bills)."""
        rng = self.rng
        n_cyc = max(5, self.n // 60)
        made = 0
        tries = 0
        self.friendly_members = set()
        while made < n_cyc and tries < n_cyc * 20:
            tries += 1
            a = rng.choice(self.persons)
            if len(self.friends[a]) < 2:
                continue
            L = rng.choice([3, 3, 3, 4, 4, 5])
            members = [a]
            cur = a
            ok = True
            for _ in range(L - 1):
                cand = [q for q in self.friends[cur] if q not in members]
                if not cand:
                    ok = False
                    break
                cur = rng.choice(cand)
                members.append(cur)
            if not ok:
                continue
            amt = rng.lognormvariate(math.log(220), 0.8)
            if rng.random() < 0.5:
                amt = max(20.0, round(amt, -1))
            mode = rng.random()
            t = rng.randrange(0, max(1, self.horizon - 12 * 86400))
            t = (t // 86400) * 86400 + self.secs(HOUR_CW_PERSON)
            hn = len(self.hard_negatives)
            ids = []
            a_cur = amt
            for i in range(L):
                payer, payee = members[i], members[(i + 1) % L]
                if i > 0:
                    t += rng.randint(600, 2 * 86400)
                    if mode < 0.5:
                        pass  # same amount passed on
                    elif mode < 0.75:
                        a_cur = a_cur * rng.uniform(0.9, 1.0)
                    else:
                        a_cur = rng.lognormvariate(math.log(220), 0.8)
                got = self.add(t, payer, payee, a_cur, rng.choice(["AA餐费", "转账", "还款", "", "代付"]),
                               "friendly_cycle", hn=hn)
                if got is None:
                    ok = False
                ids.append(len(self.txns) - 1)
            if not ok:
                # drop the partial cycle (only the last appended may be missing; remove all tagged)
                self.txns = [x for x in self.txns if x[8] != hn]
                continue
            self.hard_negatives.append({"kind": "friendly_cycle", "accounts": members,
                                        "txn_idx": ids, "amount_mode":
                                        "same" if mode < 0.5 else "kept_90_100" if mode < 0.75 else "unrelated"})
            self.friendly_members.update(members)
            made += 1

    # ----------------------------------------------------------- alerts --
    def plant_alerts(self):
        rng = self.rng
        activity = [0] * self.n
        outs = {}
        ins = {}
        for x in self.txns:
            activity[x[2]] += 1
            activity[x[3]] += 1
        for x in self.txns:
            outs.setdefault(x[2], set()).add(x[3])
            ins.setdefault(x[3], set()).add(x[2])
        self.bg_outs, self.bg_ins = outs, ins
        # hard-negative hubs are kept clean (never used as alert accounts)
        pool_p, pool_c = [], []
        for i in range(self.n):
            if activity[i] < 3 or i in self.friendly_members:
                continue
            r = self.role[i]
            if r == "person":
                if len(ins.get(i, ())) >= 5 and i in self.tenants_of:
                    continue
                pool_p.append(i)
            elif r == "business":
                if len(self.employees.get(i, [])) >= 5 or len(outs.get(i, ())) >= 5 or len(ins.get(i, ())) >= 5:
                    continue
                pool_c.append(i)
        rng.shuffle(pool_p)
        rng.shuffle(pool_c)
        self.pool_p, self.pool_c = pool_p, pool_c

        k = self.alerts_per_typology
        plan = []
        for typ in TYPOLOGIES:
            sizes = self.size_plan(typ, k)
            windows = self.window_plan(k)
            for s, w in zip(sizes, windows):
                plan.append((typ, s, w))
        rng.shuffle(plan)
        for typ, s, w in plan:
            getattr(self, "plant_" + typ)(s, w)

    def size_plan(self, typ, k):
        rng = self.rng
        if typ in ("fan_in", "fan_out"):
            fixed = [5, 30]
            rest = [rng.randint(5, 30) if rng.random() < 0.2 else rng.randint(5, 15) for _ in range(k)]
        elif typ == "cycle":
            fixed = [3, 10, 4, 5, 6, 7, 8, 9]
            rest = [rng.randint(3, 10) if rng.random() < 0.3 else rng.randint(6, 10) for _ in range(k)]
        elif typ == "bipartite":
            fixed = [(2, 3), (6, 6)]
            rest = [(rng.randint(2, 6), rng.randint(2, 6)) for _ in range(k)]
        elif typ == "stack":
            fixed = [[2, 2, 2], [5, 5, 5, 5]]
            rest = [[rng.randint(2, 5) for _ in range(4 if rng.random() < 0.25 else 3)] for _ in range(k)]
        elif typ == "scatter_gather":
            fixed = [5, 20]
            rest = [rng.randint(5, 20) if rng.random() < 0.2 else rng.randint(5, 12) for _ in range(k)]
        elif typ == "gather_scatter":
            fixed = [(5, 5), (15, 15)]
            rest = [(rng.randint(5, 15), rng.randint(5, 15)) if rng.random() < 0.25 else
                    (rng.randint(5, 10), rng.randint(5, 10)) for _ in range(k)]
        else:  # random
            fixed = [5, 12]
            rest = [rng.randint(5, 12) for _ in range(k)]
        out = (fixed + rest)[:k]
        rng.shuffle(out)
        return out

    def window_plan(self, k):
        rng = self.rng
        maxw = min(30, self.days - 1)
        fixed = [1, maxw]
        rest = [max(1, min(maxw, int(round(log_uniform(rng, 1, maxw + 0.49))))) for _ in range(k)]
        out = (fixed + rest)[:k]
        rng.shuffle(out)
        return out

    def take(self, n, company_prob=0.1):
        out = []
        for _ in range(n):
            if self.pool_c and self.rng.random() < company_prob:
                out.append(self.pool_c.pop())
            elif self.pool_p:
                out.append(self.pool_p.pop())
            elif self.pool_c:
                out.append(self.pool_c.pop())
            else:
                return None
        return out

    def amount_profile(self):
        rng = self.rng
        u = rng.random()
        if u < 0.15:
            prof, base = "small", log_uniform(rng, 800, 3000)
        elif u < 0.5:
            prof, base = "medium", log_uniform(rng, 3000, 20000)
        elif u < 0.7:
            prof, base = "structured", rng.uniform(45000, 49999)
        else:
            prof, base = "large", log_uniform(rng, 20000, 300000)
        return prof, base, rng.random() < 0.3  # round first-hop amounts to hundreds

    def src_amount(self, prof, base, rnd):
        rng = self.rng
        if prof == "structured":
            a = rng.uniform(45000, 49999)
        else:
            a = base * rng.uniform(0.8, 1.2)
        if rnd:
            a = max(100.0, math.floor(a / 100.0) * 100.0)
        return a

    def new_window(self, wdays):
        rng = self.rng
        w = wdays * 86400
        start_day = rng.randrange(0, self.days - wdays + 1)
        start = start_day * 86400 + rng.randrange(0, 12 * 3600)
        end = min(start + w, self.horizon - 1)
        return start, end

    def htime(self, lo, hi):
        """a time in [lo, hi), preferring waking hours (like the person-to-person traffic)"""
        rng = self.rng
        if hi <= lo + 1:
            return lo
        t = rng.randrange(lo, hi)
        for _ in range(30):  # rejection sampling on the person-to-person hour profile
            if rng.random() * HOUR_W_MAX < HOUR_W_PERSON[(t % 86400) // 3600]:
                break
            t = rng.randrange(lo, hi)
        return t

    def sorted_times(self, n, lo, hi):
        ts = sorted(self.htime(lo, hi) for _ in range(n))
        for i in range(1, n):  # strictly increasing
            if ts[i] <= ts[i - 1]:
                ts[i] = ts[i - 1] + self.rng.randint(30, 300)
        return ts

    def record(self, typ, roles, idxs, window, prof, extra):
        aid = len(self.alerts)
        for acc in roles:
            self.is_alert[acc] = True
        self.alerts.append({"typology": typ, "roles": roles, "txn_idx": idxs,
                            "window": window, "amount_profile": prof, "extra": extra})

    def A(self, t, a, b, amt, aid):
        rng = self.rng
        if self.kind[a] == "company":
            pur = rng.choice(B2B_PURPOSES if self.kind[b] == "company" else B2P_PURPOSES)
        elif self.kind[b] == "company":
            pur = rng.choice(P2B_PURPOSES)
        else:
            pur = rng.choice(LARGE_P2P_PURPOSES if amt >= 5000 and rng.random() < 0.6 else P2P_PURPOSES)
        got = self.add(t, a, b, amt, pur, "alert", alert=aid)
        assert got is not None, (t, a, b)
        return len(self.txns) - 1

    def plant_fan_in(self, k, wdays):
        acc = self.take(1, 0.4)
        src = self.take(k, 0.08) if acc else None
        if not acc or not src:
            return
        sink = acc[0]
        aid = len(self.alerts)
        ws, we = self.new_window(wdays)
        prof, base, rnd = self.amount_profile()
        idxs = [self.A(self.htime(ws, we), s, sink, self.src_amount(prof, base, rnd), aid) for s in src]
        roles = {s: "source" for s in src}
        roles[sink] = "sink"
        self.record("fan_in", roles, idxs, (ws, we), prof, {"hub": sink, "n_counterparties": k})

    def plant_fan_out(self, k, wdays):
        acc = self.take(1, 0.4)
        dst = self.take(k, 0.08) if acc else None
        if not acc or not dst:
            return
        src = acc[0]
        aid = len(self.alerts)
        ws, we = self.new_window(wdays)
        prof, base, rnd = self.amount_profile()
        idxs = [self.A(self.htime(ws, we), src, d, self.src_amount(prof, base, rnd), aid) for d in dst]
        roles = {d: "sink" for d in dst}
        roles[src] = "source"
        self.record("fan_out", roles, idxs, (ws, we), prof, {"hub": src, "n_counterparties": k})

    def plant_cycle(self, k, wdays):
        rng = self.rng
        mem = self.take(k, 0.12)
        if not mem:
            return
        aid = len(self.alerts)
        ws, we = self.new_window(wdays)
        prof, base, rnd = self.amount_profile()
        ts = self.sorted_times(k, ws, we)
        amt = self.src_amount(prof, base, rnd)
        idxs = []
        for i in range(k):
            idxs.append(self.A(ts[i], mem[i], mem[(i + 1) % k], amt, aid))
            amt = amt * rng.uniform(0.90, 1.0)
        roles = {m: "member" for m in mem}
        self.record("cycle", roles, idxs, (ws, max(we, ts[-1] + 1)), prof,
                    {"origin": mem[0], "order": mem, "length": k})

    def _edges(self, A, B):
        """complete bipartite edge set (70 %) or a dense one where every node keeps >= 1 edge"""
        rng = self.rng
        if rng.random() < 0.7:
            return [(a, b) for a in A for b in B]
        edges = [(a, b) for a in A for b in B if rng.random() < 0.7]
        have_a = {a for a, _ in edges}
        have_b = {b for _, b in edges}
        for a in A:
            if a not in have_a:
                edges.append((a, rng.choice(B)))
        have_b = {b for _, b in edges}
        for b in B:
            if b not in have_b:
                edges.append((rng.choice(A), b))
        return edges

    def plant_bipartite(self, size, wdays):
        m, n = size
        acc = self.take(m + n, 0.12)
        if not acc:
            return
        S, R = acc[:m], acc[m:]
        aid = len(self.alerts)
        ws, we = self.new_window(wdays)
        prof, base, rnd = self.amount_profile()
        idxs = [self.A(self.htime(ws, we), a, b, self.src_amount(prof, base, rnd), aid)
                for a, b in self._edges(S, R)]
        roles = {a: "source" for a in S}
        roles.update({b: "sink" for b in R})
        self.record("bipartite", roles, idxs, (ws, we), prof, {"sources": S, "sinks": R})

    def plant_stack(self, sizes, wdays):
        rng = self.rng
        acc = self.take(sum(sizes), 0.12)
        if not acc:
            return
        layers, i = [], 0
        for s in sizes:
            layers.append(acc[i:i + s])
            i += s
        aid = len(self.alerts)
        ws, we = self.new_window(wdays)
        prof, base, rnd = self.amount_profile()
        L = len(layers)
        span = (we - ws) / (L - 1)
        idxs = []
        received = {}
        for j in range(L - 1):
            lo = int(ws + j * span)
            hi = int(ws + (j + 1) * span)
            edges = self._edges(layers[j], layers[j + 1])
            if j == 0:
                for a, b in edges:
                    amt = self.src_amount(prof, base, rnd)
                    received[b] = received.get(b, 0.0) + amt
                    idxs.append(self.A(self.htime(lo, hi), a, b, amt, aid))
            else:
                by_src = {}
                for a, b in edges:
                    by_src.setdefault(a, []).append(b)
                nxt = {}
                for a in layers[j]:
                    outs = by_src.get(a, [])
                    total = received.get(a, 0.0) * rng.uniform(0.9, 1.0)
                    ws_ = [rng.uniform(0.7, 1.3) for _ in outs]
                    sw = sum(ws_)
                    for b, w in zip(outs, ws_):
                        amt = total * w / sw
                        nxt[b] = nxt.get(b, 0.0) + amt
                        idxs.append(self.A(self.htime(lo, hi), a, b, amt, aid))
                received = nxt
        roles = {}
        for j, lay in enumerate(layers):
            for a in lay:
                roles[a] = "source" if j == 0 else "sink" if j == L - 1 else "intermediary"
        self.record("stack", roles, idxs, (ws, we), prof, {"layers": layers})

    def plant_scatter_gather(self, k, wdays):
        rng = self.rng
        ends = self.take(2, 0.35)
        mids = self.take(k, 0.08) if ends else None
        if not ends or not mids:
            return
        src, sink = ends
        aid = len(self.alerts)
        ws, we = self.new_window(wdays)
        prof, base, rnd = self.amount_profile()
        idxs = []
        split = ws + int((we - ws) * 0.6)
        for m in mids:
            t1 = self.htime(ws, split)
            a = self.src_amount(prof, base, rnd)
            idxs.append(self.A(t1, src, m, a, aid))
            t2 = self.htime(t1 + 60, we) if we > t1 + 61 else t1 + 60
            idxs.append(self.A(t2, m, sink, a * rng.uniform(0.9, 1.0), aid))
        roles = {m: "intermediary" for m in mids}
        roles[src] = "source"
        roles[sink] = "sink"
        self.record("scatter_gather", roles, idxs, (ws, we), prof,
                    {"source": src, "sink": sink, "intermediaries": mids})

    def plant_gather_scatter(self, size, wdays):
        rng = self.rng
        k1, k2 = size
        hub = self.take(1, 0.4)
        rest = self.take(k1 + k2, 0.08) if hub else None
        if not hub or not rest:
            return
        hub = hub[0]
        S, D = rest[:k1], rest[k1:]
        aid = len(self.alerts)
        ws, we = self.new_window(wdays)
        prof, base, rnd = self.amount_profile()
        mid = ws + (we - ws) // 2
        idxs, total = [], 0.0
        in_times = sorted(self.htime(ws, mid) for _ in S)
        for s, t in zip(S, in_times):
            a = self.src_amount(prof, base, rnd)
            total += a
            idxs.append(self.A(t, s, hub, a, aid))
        lo = max(mid, in_times[-1] + 60)
        out_total = total * rng.uniform(0.9, 1.0)
        wts = [rng.uniform(0.7, 1.3) for _ in D]
        sw = sum(wts)
        for d, w in zip(D, wts):
            idxs.append(self.A(self.htime(lo, max(we, lo + 2)), hub, d, out_total * w / sw, aid))
        roles = {s: "source" for s in S}
        roles.update({d: "sink" for d in D})
        roles[hub] = "intermediary"
        self.record("gather_scatter", roles, idxs, (ws, max(we, lo + 2)), prof,
                    {"hub": hub, "sources": S, "sinks": D})

    def plant_random(self, k, wdays):
        rng = self.rng
        mem = self.take(k, 0.12)
        if not mem:
            return
        aid = len(self.alerts)
        ws, we = self.new_window(wdays)
        prof, base, rnd = self.amount_profile()
        order = list(mem)
        rng.shuffle(order)
        path = list(order)
        for _ in range(int(round(k * rng.uniform(0.2, 1.0)))):
            nxt = rng.choice(mem)
            while nxt == path[-1]:
                nxt = rng.choice(mem)
            path.append(nxt)
        ts = self.sorted_times(len(path) - 1, ws, we)
        amt = self.src_amount(prof, base, rnd)
        idxs = []
        for i in range(len(path) - 1):
            idxs.append(self.A(ts[i], path[i], path[i + 1], amt, aid))
            amt *= rng.uniform(0.9, 1.0)
        roles = {m: "member" for m in mem}
        self.record("random", roles, idxs, (ws, max(we, ts[-1] + 1)), prof, {"path": path})

    # ------------------------------------------------------------ output --
    def run(self):
        self.make_accounts()
        self.background()
        self.plant_alerts()

    def fmt_t(self, t):
        d, s = divmod(t, 86400)
        h, s = divmod(s, 3600)
        mi, s = divmod(s, 60)
        return "%s %02d:%02d:%02d" % (self.day_str[d], h, mi, s)

    def write(self, out):
        os.makedirs(out, exist_ok=True)
        order = sorted(range(len(self.txns)), key=lambda i: (self.txns[i][0], self.txns[i][1]))
        txn_id = [None] * len(self.txns)
        for seq, i in enumerate(order):
            txn_id[i] = "TX%08d" % (seq + 1)
        acct, name = self.acct_no, self.name
        with open(os.path.join(out, "transactions.csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(TXN_HEADER)
            for i in order:
                t, _r, a, b, amt, pur, _cat, _al, _hn = self.txns[i]
                w.writerow([txn_id[i], self.fmt_t(t), acct[a], name[a], acct[b], name[b],
                            "%.2f" % amt, "CNY", pur])
        with open(os.path.join(out, "accounts.csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(ACCOUNT_HEADER)
            for i in range(self.n):
                w.writerow([acct[i], name[i], self.kind[i], 1 if self.is_alert[i] else 0])
        alerts_json = []
        with open(os.path.join(out, "alerts.csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(ALERT_HEADER)
            for k, al in enumerate(self.alerts):
                aid = "ALERT%04d" % (k + 1)
                for a, role in al["roles"].items():
                    w.writerow([aid, al["typology"], acct[a], role])
                idxs = sorted(al["txn_idx"], key=lambda i: (self.txns[i][0], self.txns[i][1]))
                ex = {}
                for key, v in al["extra"].items():
                    if key in ("hub", "origin", "source", "sink"):
                        ex[key] = acct[v]
                    elif key in ("order", "path", "sources", "sinks", "intermediaries"):
                        ex[key] = [acct[x] for x in v]
                    elif key == "layers":
                        ex[key] = [[acct[x] for x in lay] for lay in v]
                    else:
                        ex[key] = v
                amounts = [self.txns[i][4] for i in idxs]
                alerts_json.append({
                    "alert_id": aid, "typology": al["typology"],
                    "accounts": [acct[a] for a in al["roles"]],
                    "roles": {acct[a]: r for a, r in al["roles"].items()},
                    "n_accounts": len(al["roles"]),
                    "txn_ids": [txn_id[i] for i in idxs],
                    "transactions": [{"txn_id": txn_id[i], "time": self.fmt_t(self.txns[i][0]),
                                      "payer": acct[self.txns[i][2]], "payee": acct[self.txns[i][3]],
                                      "amount": self.txns[i][4]} for i in idxs],
                    "window_start": self.fmt_t(al["window"][0]),
                    "window_end": self.fmt_t(al["window"][1]),
                    "window_days": round((al["window"][1] - al["window"][0]) / 86400.0, 3),
                    "amounts": amounts, "total_amount": round(sum(amounts), 2),
                    "amount_profile": al["amount_profile"],
                    **ex,
                })
        hn_json = self.hard_negative_summary(txn_id)
        counts = {t: 0 for t in TYPOLOGIES}
        for al in self.alerts:
            counts[al["typology"]] += 1
        cats = {}
        for x in self.txns:
            cats[x[6]] = cats.get(x[6], 0) + 1
        truth = {
            "generator": "benchmarks/typology_gen/generate.py",
            "params": {"seed": self.seed, "accounts": self.n, "days": self.days, "scale": self.scale,
                       "start": self.start.isoformat(), "alerts_per_typology": self.alerts_per_typology},
            "counts": {"accounts": self.n, "alert_accounts": sum(self.is_alert),
                       "transactions": len(self.txns),
                       "alert_transactions": cats.get("alert", 0),
                       "alerts_per_typology": counts, "transactions_per_category": cats},
            "naive_degree5": self.naive_degree5(),
            "alerts": alerts_json,
            "hard_negatives": hn_json,
        }
        with open(os.path.join(out, "truth.json"), "w", encoding="utf-8") as f:
            json.dump(truth, f, ensure_ascii=False, indent=1)
        return truth

    def hard_negative_summary(self, txn_id):
        acct = self.acct_no
        out = []
        for c, staff in self.employees.items():
            if len(staff) >= 5 and not self.is_alert[c]:
                out.append({"kind": "payroll_fan_out", "hub": acct[c], "name": self.name[c],
                            "n_counterparties": len(staff), "cadence": "monthly, same day, 1 batch"})
        for l, ten in self.tenants_of.items():
            n_in = len(self.bg_ins.get(l, ()))
            if n_in >= 5 and not self.is_alert[l]:
                out.append({"kind": "rent_fan_in", "hub": acct[l], "name": self.name[l],
                            "n_counterparties": n_in, "n_tenants": len(ten), "cadence": "monthly/quarterly"})
        for u in self.by_role["utility"]:
            out.append({"kind": "utility_fan_in", "hub": acct[u], "name": self.name[u],
                        "n_counterparties": len(self.bg_ins.get(u, ())), "cadence": "monthly"})
        for s in self.by_role["shop"]:
            n_in = len(self.bg_ins.get(s, ()))
            if n_in >= 5:
                out.append({"kind": "shop_fan_in", "hub": acct[s], "name": self.name[s],
                            "n_counterparties": n_in, "cadence": "daily card payments"})
        for c, sup in self.suppliers_of.items():
            if len(sup) >= 5 and not self.is_alert[c]:
                out.append({"kind": "supplier_fan_out", "hub": acct[c], "name": self.name[c],
                            "n_counterparties": len(sup), "cadence": "monthly/irregular invoices"})
        for h in self.hubs:
            if not self.is_alert[h]:
                out.append({"kind": "p2p_hub", "hub": acct[h], "name": self.name[h],
                            "n_counterparties": len(self.friends[h]), "cadence": "frequent small transfers"})
        for hn in self.hard_negatives:
            idxs = sorted(hn["txn_idx"], key=lambda i: (self.txns[i][0], self.txns[i][1]))
            out.append({"kind": "friendly_cycle", "accounts": [acct[a] for a in hn["accounts"]],
                        "txn_ids": [txn_id[i] for i in idxs],
                        "amounts": [self.txns[i][4] for i in idxs], "amount_mode": hn["amount_mode"]})
        return out

    def naive_degree5(self):
        """accounts with >= 5 distinct payers or payees in some 30-day bin: the naive rule's hits"""
        seen = {}
        for t, _r, a, b, *_ in self.txns:
            bin_ = t // (30 * 86400)
            seen.setdefault((a, bin_, 0), set()).add(b)
            seen.setdefault((b, bin_, 1), set()).add(a)
        flagged = {key[0] for key, s in seen.items() if len(s) >= 5}
        n_alert = sum(1 for a in flagged if self.is_alert[a])
        return {"flagged_normal_accounts": len(flagged) - n_alert, "flagged_alert_accounts": n_alert,
                "alert_accounts": sum(self.is_alert)}


# ---------------------------------------------------------------- check ---

def _read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        r = csv.reader(f)
        header = next(r)
        return header, list(r)


def _parse_t(s):
    return datetime.datetime.strptime(s, "%Y-%m-%d %H:%M:%S")


def check_output(out, expect_per_typology, days):
    errors = []

    def err(msg):
        if len(errors) < 50:
            errors.append(msg)

    h, txns = _read_csv(os.path.join(out, "transactions.csv"))
    if h != TXN_HEADER:
        err("transactions.csv header %r" % h)
    ha, accounts = _read_csv(os.path.join(out, "accounts.csv"))
    if ha != ACCOUNT_HEADER:
        err("accounts.csv header %r" % ha)
    hl, alert_rows = _read_csv(os.path.join(out, "alerts.csv"))
    if hl != ALERT_HEADER:
        err("alerts.csv header %r" % hl)
    with open(os.path.join(out, "truth.json"), encoding="utf-8") as f:
        truth = json.load(f)

    acc_name = {r[0]: r[1] for r in accounts}
    acc_alert = {r[0]: r[3] == "1" for r in accounts}
    if len(acc_name) != len(accounts):
        err("duplicate account numbers")
    for r in accounts:
        if not r[0].isdigit() or not 15 <= len(r[0]) <= 20:
            err("bad account number %r" % r[0])
        if r[2] not in ("person", "company"):
            err("bad kind %r" % r[2])
        if r[2] == "person" and luhn_digit(r[0][:-1]) != r[0][-1]:
            err("personal card fails Luhn %r" % r[0])
    tx = {}
    prev = None
    for r in txns:
        if len(r) != 9:
            err("bad row %r" % r)
            continue
        tid, ts, pa, pn, qa, qn, amt, cur, pur = r
        if tid in tx:
            err("duplicate txn_id %s" % tid)
        t = _parse_t(ts)
        if prev and t < prev:
            err("transactions not in time order at %s" % tid)
        prev = t
        if pa not in acc_name or qa not in acc_name:
            err("unknown account in %s" % tid)
        elif acc_name[pa] != pn or acc_name[qa] != qn:
            err("name mismatch in %s" % tid)
        if pa == qa:
            err("self transfer %s" % tid)
        a = float(amt)
        if a <= 0 or "." not in amt or len(amt.split(".")[1]) != 2:
            err("bad amount %r in %s" % (amt, tid))
        if cur != "CNY":
            err("currency %r" % cur)
        tx[tid] = (t, pa, qa, a)
    if prev is not None:
        first = min(v[0] for v in tx.values())
        if (prev - first).days > days:
            err("time span exceeds --days")

    # alerts.csv <-> truth.json <-> accounts.csv
    rows_by_alert = {}
    for aid, typ, acc, role in alert_rows:
        rows_by_alert.setdefault(aid, {})[acc] = role
        if typ not in TYPOLOGIES:
            err("unknown typology %r" % typ)
    alert_accounts = {a for d in rows_by_alert.values() for a in d}
    for a, flag in acc_alert.items():
        if flag != (a in alert_accounts):
            err("is_alert mismatch for %s" % a)
    counts = {t: 0 for t in TYPOLOGIES}
    sizes = {t: [] for t in TYPOLOGIES}
    windows = []
    alert_txn_ids = set()
    starts = []

    def ratio_ok(prev_amt, nxt_amt):
        tol = 0.011 / prev_amt + 1e-9
        return 0.9 - tol <= nxt_amt / prev_amt <= 1.0 + tol

    for al in truth["alerts"]:
        aid, typ = al["alert_id"], al["typology"]
        counts[typ] += 1
        if rows_by_alert.get(aid) != al["roles"]:
            err("%s: alerts.csv roles differ from truth.json" % aid)
        roles = al["roles"]
        ws, we = _parse_t(al["window_start"]), _parse_t(al["window_end"])
        windows.append((we - ws).total_seconds() / 86400.0)
        starts.append(ws)
        T = []
        for tid in al["txn_ids"]:
            if tid not in tx:
                err("%s: txn %s missing from transactions.csv" % (aid, tid))
                continue
            alert_txn_ids.add(tid)
            t, pa, qa, a = tx[tid]
            if pa not in roles or qa not in roles:
                err("%s: txn %s touches an account outside the alert" % (aid, tid))
            if not ws <= t <= we:
                err("%s: txn %s outside window" % (aid, tid))
            T.append((t, pa, qa, a))
        if len(T) != len(al["txn_ids"]) or not T:
            continue
        if [x["amount"] for x in al["transactions"]] != [x[3] for x in T]:
            err("%s: truth amounts differ from csv" % aid)
        by_role = {}
        for a, r in roles.items():
            by_role.setdefault(r, []).append(a)
        src, snk = by_role.get("source", []), by_role.get("sink", [])
        mids, mem = by_role.get("intermediary", []), by_role.get("member", [])
        if typ in ("fan_in", "fan_out"):
            hub = (snk if typ == "fan_in" else src)
            spokes = (src if typ == "fan_in" else snk)
            if len(hub) != 1:
                err("%s: fan needs exactly one hub" % aid)
                continue
            sizes[typ].append(len(spokes))
            if len(spokes) < 5:
                err("%s: fan size %d < 5" % (aid, len(spokes)))
            cps = set()
            for t, pa, qa, a in T:
                if (qa if typ == "fan_in" else pa) != hub[0]:
                    err("%s: fan txn not touching hub" % aid)
                cps.add(pa if typ == "fan_in" else qa)
            if cps != set(spokes):
                err("%s: fan counterparties differ from roles" % aid)
        elif typ in ("cycle", "random"):
            n = len(mem)
            sizes[typ].append(n)
            for i in range(1, len(T)):
                if not T[i][0] > T[i - 1][0]:
                    err("%s: hops not strictly increasing in time" % aid)
                if T[i][1] != T[i - 1][2]:
                    err("%s: hop %d does not continue the chain" % (aid, i))
                if not ratio_ok(T[i - 1][3], T[i][3]):
                    err("%s: hop %d keeps %.3f of amount" % (aid, i, T[i][3] / T[i - 1][3]))
            touched = {x[1] for x in T} | {x[2] for x in T}
            if touched != set(mem):
                err("%s: members not all touched" % aid)
            if typ == "cycle":
                if not 3 <= n <= 10 or len(T) != n:
                    err("%s: cycle length %d / %d hops" % (aid, n, len(T)))
                if T[0][1] != al["origin"] or T[-1][2] != al["origin"]:
                    err("%s: cycle does not close at origin" % aid)
            elif n < 5:
                err("%s: random walk group < 5" % aid)
        elif typ == "bipartite":
            sizes[typ].append(len(src) + len(snk))
            if len(src) < 2 or len(snk) < 2:
                err("%s: bipartite layers too small" % aid)
            for t, pa, qa, a in T:
                if roles[pa] != "source" or roles[qa] != "sink":
                    err("%s: bipartite edge not source->sink" % aid)
            if {x[1] for x in T} != set(src) or {x[2] for x in T} != set(snk):
                err("%s: bipartite node without edge" % aid)
        elif typ == "stack":
            layers = al["layers"]
            sizes[typ].append(len(layers))
            if len(layers) < 3:
                err("%s: stack has < 3 layers" % aid)
            layer_of = {a: j for j, lay in enumerate(layers) for a in lay}
            first_out, last_in, sin, sout = {}, {}, {}, {}
            for t, pa, qa, a in T:
                if layer_of.get(qa) != layer_of.get(pa, -9) + 1:
                    err("%s: stack edge skips layers" % aid)
                first_out[pa] = min(first_out.get(pa, t), t)
                last_in[qa] = max(last_in.get(qa, t), t)
                sin[qa] = sin.get(qa, 0) + a
                sout[pa] = sout.get(pa, 0) + a
            for lay in layers[1:-1]:
                for m in lay:
                    if m not in first_out or m not in last_in:
                        err("%s: stack intermediary without in/out" % aid)
                    elif first_out[m] < last_in[m]:
                        err("%s: stack intermediary pays before receiving" % aid)
                    elif not ratio_ok(sin[m], sout[m]):
                        err("%s: stack intermediary keeps %.3f" % (aid, sout[m] / sin[m]))
        elif typ == "scatter_gather":
            sizes[typ].append(len(mids))
            if len(src) != 1 or len(snk) != 1 or len(mids) < 5:
                err("%s: scatter_gather shape" % aid)
                continue
            for m in mids:
                ins = [x for x in T if x[2] == m]
                outs = [x for x in T if x[1] == m]
                if len(ins) != 1 or len(outs) != 1 or ins[0][1] != src[0] or outs[0][2] != snk[0]:
                    err("%s: intermediary %s shape" % (aid, m))
                elif not outs[0][0] > ins[0][0]:
                    err("%s: intermediary forwards before receiving" % aid)
                elif not ratio_ok(ins[0][3], outs[0][3]):
                    err("%s: intermediary keeps %.3f" % (aid, outs[0][3] / ins[0][3]))
        elif typ == "gather_scatter":
            sizes[typ].append(len(src) + len(snk))
            if len(mids) != 1 or len(src) < 5 or len(snk) < 5:
                err("%s: gather_scatter shape" % aid)
                continue
            hub = mids[0]
            ins = [x for x in T if x[2] == hub]
            outs = [x for x in T if x[1] == hub]
            if len(ins) + len(outs) != len(T):
                err("%s: txn not touching hub" % aid)
            if {x[1] for x in ins} != set(src) or {x[2] for x in outs} != set(snk):
                err("%s: gather_scatter counterparties" % aid)
            if max(x[0] for x in ins) >= min(x[0] for x in outs):
                err("%s: hub scatters before gathering is complete" % aid)
            if not ratio_ok(sum(x[3] for x in ins), sum(x[3] for x in outs)):
                err("%s: hub keeps wrong share" % aid)

    for typ in TYPOLOGIES:
        if counts[typ] < expect_per_typology:
            err("typology %s has %d alerts, expected >= %d" % (typ, counts[typ], expect_per_typology))
    for typ in ("fan_in", "fan_out"):
        if sizes[typ] and (min(sizes[typ]) != 5 or max(sizes[typ]) != 30) and counts[typ] >= 2:
            err("%s sizes %r should span 5..30" % (typ, sizes[typ]))
    if sizes["cycle"] and counts["cycle"] >= 2 and (min(sizes["cycle"]) != 3 or max(sizes["cycle"]) != 10):
        err("cycle lengths %r should span 3..10" % sizes["cycle"])
    if windows and (min(windows) > 1.01 or max(windows) > 31):
        err("window lengths %.2f..%.2f outside 1..30 days" % (min(windows), max(windows)))
    # alert accounts have background traffic too
    bg = set()
    for tid, (t, pa, qa, a) in tx.items():
        if tid not in alert_txn_ids:
            bg.add(pa)
            bg.add(qa)
    missing = [a for a in alert_accounts if a not in bg]
    if missing:
        err("%d alert accounts without background traffic" % len(missing))
    # hard negatives
    kinds = {}
    for hn in truth["hard_negatives"]:
        kinds[hn["kind"]] = kinds.get(hn["kind"], 0) + 1
        if hn["kind"] == "friendly_cycle":
            T = [tx.get(t) for t in hn["txn_ids"]]
            if None in T:
                err("friendly cycle txn missing")
                continue
            if T[0][1] != T[-1][2] or any(T[i][1] != T[i - 1][2] for i in range(1, len(T))):
                err("friendly cycle does not close")
            if any(a in alert_accounts for a in hn["accounts"]):
                err("friendly cycle uses alert account")
        elif hn["hub"] in alert_accounts:
            err("hard-negative hub %s is an alert account" % hn["hub"])
    for k in ("payroll_fan_out", "rent_fan_in", "utility_fan_in", "shop_fan_in", "friendly_cycle"):
        if not kinds.get(k):
            err("no hard negative of kind %s" % k)
    nd = truth["naive_degree5"]
    if nd["flagged_normal_accounts"] < 10:
        err("naive degree>=5 rule flags only %d normal accounts" % nd["flagged_normal_accounts"])
    return errors, counts, kinds


def file_digest(out):
    h = hashlib.sha256()
    for fn in ("transactions.csv", "alerts.csv", "accounts.csv", "truth.json"):
        with open(os.path.join(out, fn), "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def main(argv=None):
    ap = argparse.ArgumentParser(description="Synthetic AML typology transaction sets (AMLSim-style).")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--accounts", type=int, default=5000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--out", required=True)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply all amounts (e.g. 0.01 or 100)")
    ap.add_argument("--start", default=DEFAULT_START, help="first day, YYYY-MM-DD")
    ap.add_argument("--alerts-per-typology", type=int, default=None,
                    help="default: max(2, round(10 * accounts / 5000))")
    ap.add_argument("--check", action="store_true", help="verify the written output and determinism")
    args = ap.parse_args(argv)
    t0 = time.time()
    g = Generator(args.seed, args.accounts, args.days, args.scale, args.start, args.alerts_per_typology)
    g.run()
    truth = g.write(args.out)
    dt = time.time() - t0
    c = truth["counts"]
    print("wrote %s: %d accounts (%d alert), %d transactions (%d alert), %d alerts in %.1fs" % (
        args.out, c["accounts"], c["alert_accounts"], c["transactions"], c["alert_transactions"],
        len(truth["alerts"]), dt))
    print("alerts per typology: " + ", ".join("%s=%d" % kv for kv in c["alerts_per_typology"].items()))
    print("naive degree>=5 (30-day bins): %(flagged_normal_accounts)d normal and "
          "%(flagged_alert_accounts)d of %(alert_accounts)d alert accounts flagged" % truth["naive_degree5"])
    if not args.check:
        return 0
    errors, counts, kinds = check_output(args.out, g.alerts_per_typology, args.days)
    tmp = tempfile.mkdtemp(prefix="typology_gen_check_")
    try:
        g2 = Generator(args.seed, args.accounts, args.days, args.scale, args.start, args.alerts_per_typology)
        g2.run()
        g2.write(tmp)
        if file_digest(tmp) != file_digest(args.out):
            errors.append("output is not deterministic for seed %d" % args.seed)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("hard negatives: " + ", ".join("%s=%d" % kv for kv in sorted(kinds.items())))
    if errors:
        print("CHECK FAILED (%d problems):" % len(errors))
        for e in errors:
            print("  - " + e)
        return 1
    print("CHECK OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())

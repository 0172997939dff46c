"""The city plan: platforms, firms, people, site and file styles, and the planted frauds.

Pure functions of the seed: :func:`plan_city` decides who is who; the flows
are simulated month by month in :mod:`monitor.sim.flows`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from monitor.sim import names as N
from monitor.sim import vocab as SV

FRAUD_KINDS = ("self_financing", "ponzi", "fund_pool", "capital_flight")
# look-alike variant -> the fraud kind a naive detector confuses it with
LOOKALIKES = (("high_yield", "ponzi"), ("big_borrowers", "self_financing"),
              ("seasonal_spike", "fund_pool"), ("dividend_complaints", "capital_flight"),
              ("related_disclosed", "self_financing"))
LAYOUTS = ("table", "dl", "kv", "archive", "cards")

# Transfer-file header sets, in the canonical column order of monitor.vocab.TRANSFER_FIELDS:
# txn_id, txn_time, amount, payer_account, payer_name, payer_id, payee_account, payee_name,
# payee_id, purpose, currency (None = column absent).
HEADER_SETS = (
    ("交易流水号", "交易时间", "交易金额", "付款账号", "付款户名", "付款方证件号",
     "收款账号", "收款户名", "收款方证件号", "摘要", "币种"),
    ("银行流水号", "记账时间", "发生额", "转出账号", "付款人名称", "付款人证件号码",
     "转入账号", "收款人名称", "收款人证件号码", "用途", None),
    ("txn_id", "txn_time", "amount", "payer_account", "payer_name", "payer_id",
     "payee_account", "payee_name", "payee_id", "purpose", "currency"),
    ("Reference", "Transaction Time", "Amount (CNY)", "From Account", "From Name", "From ID",
     "To Account", "To Name", "To ID", "Memo", None),
    ("流水号", "交易日期", "交易金额(万元)", "付款方账号", "付款方户名", "付款方证件号码",
     "收款方账号", "收款方户名", "收款方证件号码", "交易用途", "币种"),
)
WAN_HEADER_SET = 4  # the set whose amounts are in 万元
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y%m%d%H%M%S")
FILE_ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")


def month_of(start: date, m: int) -> date:
    """First day of month number ``m`` counted from ``start`` (a first of month)."""
    k = start.year * 12 + start.month - 1 + m
    return date(k // 12, k % 12 + 1, 1)


def month_end(start: date, m: int) -> date:
    return month_of(start, m + 1) - timedelta(days=1)


def ym(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


@dataclass
class Party:
    """An account holder as it appears in a transfer file."""

    account: str
    name: str
    ident: str  # USCC, resident id, or "" (offshore)
    kind: str  # person / company

    def row(self) -> tuple[str, str, str]:
        return (self.account, self.name, self.ident)


def person(i: int) -> Party:
    return Party(N.person_account(i), N.person_name(i), N.person_id(i), "person")


@dataclass
class Firm:
    """A company of the city (registry page unless offshore)."""

    key: int
    name: str
    uscc: str | None
    account: str
    bank: str
    role: str  # platform / holding / collector / related / borrower / guarantee_peer / offshore / shell
    established: date
    registered_capital: int = 0  # 元
    paid_in_capital: int = 0
    legal_rep: int = 0  # person number
    shareholders: list[tuple[str, str, str, float]] = field(default_factory=list)  # name, kind, id, share
    executives: list[tuple[str, str]] = field(default_factory=list)
    address: str = ""
    guarantees: list[tuple[str, str, int]] = field(default_factory=list)  # guarantor, guaranteed, 元
    changes: list[tuple[str, str, str, str]] = field(default_factory=list)  # date, field, old, new
    scope: str = ""

    @property
    def party(self) -> Party:
        return Party(self.account, self.name, self.uscc or "", "company")


@dataclass
class SiteStyle:
    layout: str
    encoding: str  # utf-8 / gb18030
    charset_label: str | None  # what the page declares: utf-8 / gb18030 / gbk / None
    labels: dict[str, str]  # metric -> label used by this site
    units: dict[str, str]  # metric -> 元 / 万元 / 亿元 / count / pct
    unit_in_label: bool
    thousands: bool
    period_style: int
    omit: tuple[str, ...]
    wide_table: bool
    count_suffix: bool
    footnote: str | None = None  # a mark after the ratio labels, explained under the table
    table_form: str = "plain"  # table layout: plain / unit_column (指标|单位|数值) / caption (单位：万元) / transposed


@dataclass
class FileStyle:
    header_set: int
    time_format: str
    encoding: str
    thousands: bool
    mask_ids: bool


@dataclass
class Platform:
    no: int
    slug: str
    brand: str
    label: str  # fraud / lookalike / healthy
    fraud_kind: str | None
    lookalike_variant: str | None
    lookalike_of: str | None
    company: Firm
    controller: int  # person number
    holding: Firm
    related: list[Firm]  # collector / related firm / borrower firms of the controller
    offshore: Firm | None
    custody_bank: str
    custody: Party
    general: Party
    controller_parties: list[Party]
    site: SiteStyle
    files: FileStyle
    launch: date
    collapse_month: int | None = None
    collapse_date: date | None = None
    pattern_start: int | None = None
    silent_from: int | None = None
    site_down: date | None = None
    base_new: float = 20.0
    growth: float = 0.01
    yield_rate: float = 0.09
    extras: dict = field(default_factory=dict)  # round_tripping, guarantee_circle flags etc.
    borrower_firms: list[Firm] = field(default_factory=list)
    guarantee_circle: list[Firm] = field(default_factory=list)


class NameBook:
    """Hands out unique firm names and numbers."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self.next_no = 1

    def number(self) -> int:
        n = self.next_no
        self.next_no += 1
        return n

    def unique(self, name: str) -> str:
        if name not in self.used:
            self.used.add(name)
            return name
        k = 2
        stem = name[:-4] if name.endswith("有限公司") else name
        while f"{stem}（{N.DISTRICT_NAMES[k % 6]}{k}）有限公司" in self.used:
            k += 1
        out = f"{stem}（{N.DISTRICT_NAMES[k % 6]}{k}）有限公司"
        self.used.add(out)
        return out


def _address(rng: random.Random) -> str:
    district = rng.choice(N.DISTRICT_NAMES)
    road = rng.choice(("深南大道", "滨海大道", "新洲路", "福华路", "益田路", "科技园路", "创业路", "宝安大道",
                       "建设路", "红荔路", "华强北路", "前海路"))
    building = rng.choice(("国际金融中心", "时代大厦", "财富广场", "科技园", "创业大厦"))
    return f"{N.CITY}{district}{road}{rng.randint(1, 999)}号{building}{rng.randint(2, 40)}楼"


def _capital(rng: random.Random, lo: int, hi: int) -> int:
    return rng.choice([1, 2, 3, 5, 10, 20]) * 10**rng.randint(lo, hi)


def plan_city(seed: int, platforms: int, months: int, start: date) -> dict:
    """Decide every platform, firm and style of the city (no flows yet)."""
    rng = random.Random(f"city:{seed}")
    book = NameBook()
    n_fraud = max(4, round(0.4 * platforms))
    n_look = max(2, round(0.2 * platforms))
    labels = (["fraud"] * n_fraud + ["lookalike"] * n_look + ["healthy"] * (platforms - n_fraud - n_look))
    fraud_kinds = [FRAUD_KINDS[i % 4] for i in range(n_fraud)]
    look_variants = [LOOKALIKES[i % len(LOOKALIKES)] for i in range(n_look)]
    order = list(range(platforms))
    rng.shuffle(order)
    assigned = [labels[i] for i in order]

    brands = _brands(rng, platforms)
    # the four classic layouts in turn; every eighth site shows "cards" (big number above its label)
    layouts = ["cards" if i % 8 == 7 else LAYOUTS[i % 4] for i in range(platforms)]
    rng.shuffle(layouts)
    n_gb = max(1, platforms // 4)
    gb_idx = sorted(rng.sample(range(platforms), n_gb))
    no_charset = set(gb_idx[:: 3])  # at least one GB18030 site declares nothing
    headers = [i % len(HEADER_SETS) for i in range(platforms)]
    rng.shuffle(headers)

    shared_address = _address(rng)  # a registration-agent address many shells use
    offshore_no = 0
    plats: list[Platform] = []
    fi = li = 0
    shells: list[Firm] = []
    for p in range(platforms):
        prng = random.Random(f"plan:{seed}:{p}")
        label = assigned[p]
        fraud_kind = lookalike_variant = lookalike_of = None
        if label == "fraud":
            fraud_kind = fraud_kinds[fi]
            fi += 1
        elif label == "lookalike":
            lookalike_variant, lookalike_of = look_variants[li]
            li += 1
        brand, slug = brands[p]
        launch = month_of(start, -prng.randint(6, 40)) + timedelta(days=prng.randint(0, 27))
        controller = 100 + p * 10
        kin = controller + 1
        fraud = label == "fraud"
        # --- firms
        hno = book.number()
        holding = Firm(hno, book.unique(f"{N.CITY}{brand}投资控股有限公司"), N.make_uscc(hno),
                       N.firm_account(hno), prng.choice(N.RETAIL_BANKS), "holding",
                       launch - timedelta(days=prng.randint(200, 900)))
        holding.registered_capital = _capital(prng, 6, 7)
        holding.paid_in_capital = holding.registered_capital // prng.choice([1, 2, 5, 10])
        holding.legal_rep = controller
        holding.shareholders = [(N.person_name(controller), "person", N.person_id(controller), 0.8),
                                (N.person_name(kin), "person", N.person_id(kin), 0.2)]
        holding.executives = [(N.person_name(controller), "执行董事"), (N.person_name(kin), "监事")]
        holding.scope = "投资管理；企业管理咨询"
        cno = book.number()
        company = Firm(cno, book.unique(f"{N.CITY}{brand}{prng.choice(N.FIRM_WORDS)}有限公司"),
                       N.make_uscc(cno), N.firm_account(cno), prng.choice(N.RETAIL_BANKS), "platform",
                       launch - timedelta(days=prng.randint(30, 300)))
        company.registered_capital = prng.choice([5000, 10000, 20000, 50000]) * 10000
        ratio = prng.choice([0.02, 0.05, 0.1, 0.2, 0.5]) if fraud else prng.choice([0.3, 0.5, 0.8, 1.0, 1.0])
        company.paid_in_capital = int(company.registered_capital * ratio)
        ceo = controller if prng.random() < 0.6 else controller + 2
        company.legal_rep = ceo
        hold_share = prng.choice([0.6, 0.7, 0.8])
        company.shareholders = [(holding.name, "company", holding.uscc, hold_share),
                                (N.person_name(controller), "person", N.person_id(controller),
                                 round(1 - hold_share - 0.1, 2)),
                                (N.person_name(controller + 3), "person", N.person_id(controller + 3), 0.1)]
        company.executives = [(N.person_name(controller), "董事长"), (N.person_name(ceo), "总经理"),
                              (N.person_name(controller + 4), "财务负责人"), (N.person_name(kin), "监事")]
        company.scope = "网络借贷信息中介服务；金融信息咨询"
        company.address = shared_address if (fraud and prng.random() < 0.5) else _address(prng)
        holding.address = company.address if prng.random() < 0.5 else _address(prng)
        custody_bank = prng.choice(N.BANKS)
        custody = Party(N.firm_account(cno + 500_000), f"{company.name}（存管账户）", company.uscc, "company")
        general = Party(company.account, company.name, company.uscc, "company")
        controller_parties = [person(controller)]
        related: list[Firm] = []
        offshore = None
        if fraud_kind in ("self_financing", "fund_pool") or lookalike_variant == "related_disclosed":
            rno = book.number()
            role = "collector" if fraud_kind == "self_financing" else "related"
            word = prng.choice(("商贸", "供应链管理", "实业", "资产管理"))
            rf = Firm(rno, book.unique(f"{N.CITY}{brand[::-1]}{word}有限公司"), N.make_uscc(rno),
                      N.firm_account(rno), prng.choice(N.RETAIL_BANKS), role,
                      launch + timedelta(days=prng.randint(10, 200)))
            rf.registered_capital = _capital(prng, 6, 7)
            rf.paid_in_capital = 0 if fraud else rf.registered_capital
            nominee = controller + 5
            rf.legal_rep = nominee
            rf.shareholders = [(holding.name, "company", holding.uscc, 0.51),
                               (N.person_name(nominee), "person", N.person_id(nominee), 0.49)]
            rf.executives = [(N.person_name(nominee), "执行董事兼总经理")]
            rf.address = company.address if fraud else _address(prng)
            rf.scope = "国内贸易；供应链管理"
            related.append(rf)
        if fraud_kind == "capital_flight" or (fraud and prng.random() < 0.3):
            offshore_no += 1
            ono = book.number()
            offshore = Firm(ono, book.unique(f"香港{brand}国际投资有限公司"), None,
                            N.offshore_account(ono), prng.choice(N.OFFSHORE_BANKS), "offshore",
                            launch)
            controller_parties.append(person(kin))
        # shells at the shared address make the address look busy
        if fraud and company.address == shared_address:
            for _ in range(prng.randint(1, 3)):
                sno = book.number()
                sh = Firm(sno, book.unique(N.trade_firm_name(sno)), N.make_uscc(sno), N.firm_account(sno),
                          prng.choice(N.RETAIL_BANKS), "shell", launch + timedelta(days=prng.randint(0, 400)))
                sh.registered_capital = _capital(prng, 6, 7)
                sh.paid_in_capital = 0
                sh.legal_rep = controller + 6
                sh.shareholders = [(N.person_name(controller + 6), "person", N.person_id(controller + 6), 1.0)]
                sh.executives = [(N.person_name(controller + 6), "执行董事")]
                sh.address = shared_address
                sh.scope = "投资咨询"
                shells.append(sh)
        # borrower firms of the platform
        borrower_firms = []
        nb = prng.randint(8, 20) if lookalike_variant != "big_borrowers" else prng.randint(6, 10)
        for _ in range(nb):
            bno = book.number()
            bf = Firm(bno, book.unique(N.trade_firm_name(bno)), N.make_uscc(bno), N.firm_account(bno),
                      prng.choice(N.RETAIL_BANKS), "borrower", launch - timedelta(days=prng.randint(100, 3000)))
            bf.registered_capital = _capital(prng, 5, 7)
            bf.paid_in_capital = bf.registered_capital // prng.choice([1, 1, 2, 4])
            owner = 50_000_000 + bno
            bf.legal_rep = owner
            bf.shareholders = [(N.person_name(owner), "person", N.person_id(owner), 1.0)]
            bf.executives = [(N.person_name(owner), "执行董事兼总经理")]
            bf.address = _address(prng)
            bf.scope = "国内贸易"
            borrower_firms.append(bf)
        # The site's style has its own generator; the plan's generator takes the draws the style once took
        # from it, so the platform's economics (flows, collapse, patterns) stay those evaluated.
        _burn_style_draws(prng, layouts[p], p in gb_idx, p in no_charset)
        site = _site_style(random.Random(f"site:{seed}:{p}"), layouts[p], p in gb_idx, p in no_charset)
        files = FileStyle(headers[p], prng.choice(TIME_FORMATS),
                          "gb18030" if p in gb_idx else prng.choice(FILE_ENCODINGS),
                          prng.random() < 0.4, prng.random() < 0.35)
        plat = Platform(p, slug, brand, label, fraud_kind, lookalike_variant, lookalike_of, company,
                        controller, holding, related, offshore, custody_bank, custody, general,
                        controller_parties, site, files, launch)
        plat.borrower_firms = borrower_firms
        plat.base_new = min(200.0, 20 + prng.lognormvariate(3.3, 0.5))
        plat.growth = prng.uniform(-0.005, 0.03)
        high = fraud_kind in ("ponzi", "capital_flight") or lookalike_variant == "high_yield"
        plat.yield_rate = prng.uniform(0.135, 0.17) if high else prng.uniform(0.075, 0.115)
        if fraud:
            lo = max(5, int(months * 0.45))
            plat.collapse_month = prng.randint(min(lo, months - 1), months - 1)
            cd = month_of(start, plat.collapse_month) + timedelta(days=prng.randint(3, 25))
            plat.collapse_date = cd
            lead = prng.randint(3, 6) if fraud_kind == "capital_flight" else prng.randint(5, 12)
            plat.pattern_start = max(1, plat.collapse_month - lead)
            plat.silent_from = max(plat.pattern_start + 1, plat.collapse_month - prng.randint(1, 3))
            plat.site_down = cd + timedelta(days=prng.randint(0, 20))
            company.paid_in_capital = max(company.paid_in_capital, 1)
        plats.append(plat)

    # Guarantee circles: borrower firms of some frauds guarantee each other in a cycle.
    frauds = [p for p in plats if p.label == "fraud"]
    sf = [p for p in frauds if p.fraud_kind == "self_financing"]
    po = [p for p in frauds if p.fraud_kind == "ponzi"]
    if sf:
        sf[0].extras["round_tripping"] = True
    for p in (po[:1] + sf[1:2] or sf[:1]):
        k = min(len(p.borrower_firms), random.Random(f"gc:{seed}:{p.no}").randint(3, 5))
        circle = p.borrower_firms[:k]
        for a, b in zip(circle, circle[1:] + circle[:1]):
            amt = random.Random(f"gcamt:{seed}:{a.key}").choice([300, 500, 800, 1000]) * 10000
            a.guarantees.append((a.name, b.name, amt))
        p.guarantee_circle = circle
    # Healthy chains (no cycle) as look-alikes of guarantee circles.
    for p in plats:
        if p.label != "fraud" and len(p.borrower_firms) >= 3 and p.no % 3 == 0:
            a, b, c = p.borrower_firms[:3]
            a.guarantees.append((a.name, b.name, 500 * 10000))
            b.guarantees.append((b.name, c.name, 300 * 10000))
    _plan_changes(seed, plats, months, start)
    return {"platforms": plats, "shells": shells}


def _brands(rng: random.Random, n: int) -> list[tuple[str, str]]:
    combos = []
    for i, (c1, s1) in enumerate(N.BRAND_CHARS):
        for j, (c2, s2) in enumerate(N.BRAND_CHARS):
            if i != j and c1 != c2:
                combos.append((c1 + c2, s1 + s2))
    rng.shuffle(combos)
    out, seen_b, seen_s = [], set(), set()
    for k in range(len(combos) * len(N.BRAND_SUFFIXES)):
        (b, s) = combos[k % len(combos)]
        sb, ss = N.BRAND_SUFFIXES[(k // len(combos) + k) % len(N.BRAND_SUFFIXES)]
        brand, slug = (b, s) if k < len(combos) and rng.random() < 0.5 else (b + sb, s + ss)
        if brand in seen_b or slug in seen_s:
            continue
        seen_b.add(brand)
        seen_s.add(slug)
        out.append((brand, slug))
        if len(out) == n:
            return out
    raise AssertionError("not enough brand names")  # pragma: no cover - 5000 is well below


# Draws per metric the site style used to take from the plan's generator: (label choices, money unit?).
_BURN = ((6, True), (4, False), (6, True), (4, False), (4, False), (3, False), (4, False), (4, False),
         (3, False), (3, False), (3, True), (3, False), (3, True), (3, False), (3, True), (3, True),
         (2, False), (2, False), (5, False))


def _burn_style_draws(rng: random.Random, layout: str, gb: bool, no_charset: bool) -> None:
    """Consume what the site style used to draw from the plan's generator (same calls, same order)."""
    for n, money in _BURN:
        rng.randrange(n)
        if money:
            rng.randrange(3)
    if rng.random() < 0.4:
        rng.randrange(2)
    rng.sample(range(5), rng.randint(0, 2))
    if gb and not no_charset:
        rng.randrange(2)
    rng.random(), rng.random(), rng.randint(0, 3)
    if layout == "table":
        rng.random()
    rng.random()


def _site_style(rng: random.Random, layout: str, gb: bool, no_charset: bool) -> SiteStyle:
    labels, units = {}, {}
    for code in SV.ORDER:
        labels[code] = rng.choice(SV.spellings(code))
        fam = SV.family(code)
        if fam == "yuan":
            if code.startswith("cumulative"):
                units[code] = rng.choice(SV.MONEY_UNITS)
            else:
                units[code] = rng.choice(("元", "万元", "万元"))
        elif fam == "ratio":
            units[code] = "pct"
        else:
            units[code] = "count"
    # one unit for every money metric on some sites
    one_unit = rng.random() < 0.4
    if one_unit:
        u = rng.choice(("元", "万元"))
        for code in SV.ORDER:
            if SV.family(code) == "yuan":
                units[code] = u
    optional = ["overdue_90_amount", "compensatory_amount", "current_borrowers", "top1_borrower_share",
                "outstanding_count"]
    omit = tuple(sorted(rng.sample(optional, rng.randint(0, 2))))
    if gb:
        charset = None if no_charset else rng.choice(("gb18030", "gbk"))
    else:
        charset = "utf-8"
    style = SiteStyle(layout, "gb18030" if gb else "utf-8", charset, labels, units,
                      rng.random() < 0.5, rng.random() < 0.6, rng.randint(0, 3), omit,
                      layout == "table" and rng.random() < 0.5, rng.random() < 0.5)
    style.footnote = rng.choice(SV.FOOTNOTE_MARKS) if rng.random() < 0.3 else None
    if layout == "table" and not style.wide_table:
        forms = ["plain", "unit_column", "transposed"] + (["caption"] if one_unit else [])
        style.table_form = rng.choice(forms)
    return style


def _plan_changes(seed: int, plats: list[Platform], months: int, start: date) -> None:
    """Registry change history: frauds change legal rep and shareholders more often, late."""
    end = month_end(start, months - 1)
    for p in plats:
        rng = random.Random(f"chg:{seed}:{p.no}")
        c = p.company
        n = rng.randint(3, 6) if p.label == "fraud" else rng.randint(0, 2)
        first = c.established + timedelta(days=60)
        last = (p.collapse_date or end) - timedelta(days=5)
        if last <= first:
            continue
        span = (last - first).days
        days = sorted(rng.sample(range(span), min(n, span)))
        if p.label == "fraud":  # crowd them into the last year before the collapse
            days = sorted(span - int((span - d) * 0.35) for d in days)
        rep = c.legal_rep
        for k, d in enumerate(days):
            when = (first + timedelta(days=d)).isoformat()
            kind = rng.choice(("legal_representative", "shareholder", "address", "registered_capital")
                              if p.label == "fraud" else ("address", "executive", "registered_capital"))
            if kind == "legal_representative":
                new = p.controller + 7 + k
                c.changes.append((when, "法定代表人", N.person_name(rep), N.person_name(new)))
                rep = new
            elif kind == "shareholder":
                old = N.person_name(p.controller + 3)
                new = N.person_name(p.controller + 8 + k)
                c.changes.append((when, "股东", f"{old}（10%）", f"{new}（10%）"))
            elif kind == "address":
                new_addr = _address(rng)
                c.changes.append((when, "住所", c.address, new_addr))
            elif kind == "executive":
                c.changes.append((when, "高级管理人员", N.person_name(p.controller + 4),
                                  N.person_name(p.controller + 9 + k)))
            else:
                old = c.registered_capital
                c.registered_capital = old * 2
                c.changes.append((when, "注册资本", f"{old // 10000}万元", f"{old * 2 // 10000}万元"))
        if rep != c.legal_rep:
            c.legal_rep = rep
        # the page shows the address as of now (after changes)
        for when, fld, old, new in c.changes:
            if fld == "住所":
                c.address = new

"""Month-by-month money flows of one platform and its loan book.

:func:`simulate_platform` yields, per active month, the transfer rows the
bureau receives for the platform (custody account, general account, first
onward hop of borrowers) and the true and disclosed monthly metrics.
Amounts are integer cents (分) so that sums and displays are exact.
"""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass, field
from datetime import date

from monitor.sim import names as N
from monitor.sim.model import Party, Platform, month_of, person

PERSON_CAP = 200_000_00  # 20 万元 per natural person per platform, in cents
FIRM_CAP = 1_000_000_00  # 100 万元 per legal person
NATURAL_ROWS = 900  # typical rows of a platform-month; transfers_per_month rescales around it


class Loan:
    __slots__ = ("key", "party", "repayer", "is_firm", "principal", "remaining", "monthly", "rate",
                 "day", "related", "nominal", "defaulted", "start_m")

    def __init__(self, key, party, is_firm, principal, term, rate, day, start_m, related=False, nominal=False):
        self.key = key
        self.party = party
        self.repayer = party
        self.is_firm = is_firm
        self.principal = principal
        self.remaining = principal
        self.monthly = max(1, principal // term)
        self.rate = rate
        self.day = day
        self.related = related
        self.nominal = nominal
        self.defaulted = -1
        self.start_m = start_m


@dataclass
class MonthOut:
    m: int
    rows: list  # (second_of_month, cents, payer_row, payee_row, purpose_code)
    true: dict  # metric -> value in canonical units (元 floats, counts, ratios)
    disclosed: dict
    stats: dict  # sums in cents of flow families (for truth details and tests)


@dataclass
class PlatformRun:
    nominal: list[Party] = field(default_factory=list)
    big_borrowers: list[Party] = field(default_factory=list)
    over_cap: dict = field(default_factory=dict)  # borrower account -> (name, kind, max balance cents)
    top10: list = field(default_factory=list)  # per month true top10 share


def _supplier(k: int) -> tuple[str, str, str]:
    h = N.mix(k, 97)
    a = N.FIRM_SYLLABLES[h % len(N.FIRM_SYLLABLES)]
    b = N.FIRM_SYLLABLES[(h >> 8) % len(N.FIRM_SYLLABLES)]
    w = N.TRADE_WORDS[(h >> 16) % len(N.TRADE_WORDS)]
    n = 800_000 + k
    return (N.firm_account(n), f"{N.CITY}{a}{b}{w}经营部", N.make_uscc(n))


_PERSON_CACHE: dict[int, tuple[str, str, str]] = {}


def _person_row(i: int) -> tuple[str, str, str]:
    r = _PERSON_CACHE.get(i)
    if r is None:
        if len(_PERSON_CACHE) > 500_000:
            _PERSON_CACHE.clear()
        r = (N.person_account(i), N.person_name(i), N.person_id(i))
        _PERSON_CACHE[i] = r
    return r


def intensity(plat: Platform, m: int, rng: random.Random) -> float:
    """How far the fraud has progressed in month ``m`` (0 before the pattern, ~1 at collapse), noisy."""
    if plat.pattern_start is None or m < plat.pattern_start:
        return 0.0
    span = plat.collapse_month - plat.pattern_start + 1
    x = ((m - plat.pattern_start + 1) / span) ** 1.6
    return min(1.0, x * rng.uniform(0.6, 1.3))


def _split(total: int, n: int, rng: random.Random, round_to: int = 100_00) -> list[int]:
    """Split ``total`` cents into ``n`` positive parts of varied size (mostly round amounts)."""
    if total <= 0:
        return []
    n = max(1, min(n, total // max(1, round_to // 10) or 1))
    weights = [rng.expovariate(1.0) + 0.05 for _ in range(n)]
    s = sum(weights)
    parts = []
    acc = 0
    for w in weights[:-1]:
        v = int(total * w / s)
        if round_to and v > round_to:
            v -= v % round_to
        v = max(1, v)
        parts.append(v)
        acc += v
    if acc >= total:  # degenerate: fall back to an even split
        q, r = divmod(total, n)
        return [q + (1 if k < r else 0) for k in range(n) if q + (1 if k < r else 0) > 0]
    parts.append(total - acc)
    return parts


def _day_sec(rnd, span: int) -> int:
    """A second of the month (office hours 8-22) from a uniform draw."""
    day = int(rnd() * (span // 86400 + 1))
    return day * 86400 + 28800 + int(rnd() * 50400)


def _sec(day: int, rng: random.Random) -> int:
    return (day - 1) * 86400 + rng.randint(8 * 3600, 22 * 3600)


def simulate_platform(plat: Platform, seed: int, start: date, months: int, rows_per_month: int | None):
    """Yield a :class:`MonthOut` for every month the platform operates; return a :class:`PlatformRun`."""
    rng = random.Random(f"flows:{seed}:{plat.no}")
    run = PlatformRun()
    vol = 1.0 if rows_per_month is None else rows_per_month / NATURAL_ROWS
    loan_scale = min(1.0, max(0.05, vol))
    custody = plat.custody.row()
    general = plat.general.row()
    controllers = [p.row() for p in plat.controller_parties]
    offshore = plat.offshore.party.row() if plat.offshore else None
    related = plat.related[0].party.row() if plat.related else None
    kind = plat.fraud_kind
    variant = plat.lookalike_variant
    last_m = plat.collapse_month if plat.collapse_month is not None else months - 1
    lender_base = 10_000_000 + plat.no * 2_500
    lender_pool = 400 + int(rng.uniform(200, 2500) * max(1.0, vol))
    person_base = 70_000_000 + plat.no * 100_000
    employees = [_person_row(80_000_000 + plat.no * 100 + k) for k in range(rng.randint(3, 8))]
    n_nominal = rng.randint(8, 30)
    nominal = [person(60_000_000 + plat.no * 100 + k) for k in range(n_nominal)]
    if kind == "self_financing":
        run.nominal = nominal
    big = [f.party for f in plat.borrower_firms[:8]] if variant == "big_borrowers" else []
    run.big_borrowers = big
    fee_rate = rng.uniform(0.02, 0.04)
    pd_base = rng.uniform(0.002, 0.006) * (1.6 if variant == "high_yield" else 1.0)
    lenders_ever: set[int] = set()
    borrowers_ever: set[str] = set()
    cum_amount = 0
    cum_count = 0
    cum_comp = 0
    pooled = 0
    # pre-existing book: loans disbursed before the simulated period
    active: list[Loan] = []
    n_init = int(plat.base_new * loan_scale * 5)
    init_bal: dict[str, int] = {}
    for k in range(n_init):
        ln = _new_loan(plat, rng, person_base, k, -1, big, vol_scale=loan_scale)
        left = rng.randint(1, 6)
        ln.remaining = min(ln.principal, ln.monthly * left)
        if init_bal.get(ln.key, 0) + ln.principal > (FIRM_CAP if ln.is_firm else PERSON_CAP):
            continue
        init_bal[ln.key] = init_bal.get(ln.key, 0) + ln.principal
        active.append(ln)
        cum_amount += ln.principal
        cum_count += 1
        borrowers_ever.add(ln.key)
    cum_amount += int(cum_amount * rng.uniform(1.0, 4.0))
    cum_count += int(cum_count * rng.uniform(1.0, 4.0))
    cum_lenders0 = int(lender_pool * rng.uniform(0.5, 3.0))
    cum_borrowers0 = int(cum_count * rng.uniform(0.4, 0.8))
    seq = n_init
    seasonal_carry = 0
    for m in range(last_m + 1):
        first = month_of(start, m)
        days = calendar.monthrange(first.year, first.month)[1]
        end_day = plat.collapse_date.day if m == plat.collapse_month else days
        x = intensity(plat, m, rng)
        rows: list = []
        st = dict(repay=0, payout=0, invest=0, disburse=0, fee=0, to_controller=0, to_collector=0,
                  bypass=0, comp=0, nominal_disburse=0, invest_direct=0, extra_payout=0)
        pd = pd_base
        if kind == "ponzi":
            pd += 0.05 * x
        elif kind in ("capital_flight", "fund_pool"):
            pd += 0.02 * x
        # 1. repayments of the book, defaults, compensation
        keep: list[Loan] = []
        for ln in active:
            if ln.defaulted < 0 and not ln.nominal and rng.random() < pd:
                ln.defaulted = m
            if ln.defaulted >= 0:
                overdue_months = m - ln.defaulted
                if plat.label != "fraud" and overdue_months >= 3 and rng.random() < 0.5:
                    day = min(rng.randint(1, 28), end_day)
                    rows.append((_sec(day, rng), ln.remaining, general, custody, "transfer"))
                    st["comp"] += ln.remaining
                    cum_comp += ln.remaining
                    st["repay"] += ln.remaining
                    continue
                keep.append(ln)
                continue
            if ln.start_m == m:
                keep.append(ln)
                continue
            princ = min(ln.monthly, ln.remaining)
            interest = ln.remaining * ln.rate // 1200
            amt = princ + interest
            day = min(ln.day, end_day)
            rows.append((_sec(day, rng), amt, ln.repayer, custody, "repay"))
            st["repay"] += amt
            ln.remaining -= princ
            if ln.remaining > 0:
                keep.append(ln)
        active = keep
        # 2. new loans
        season = 1.0
        if variant == "seasonal_spike" and first.month == 2:
            season = 1.0 + seasonal_carry / max(1, int(plat.base_new * 80_000_00))
        n_new = plat.base_new * loan_scale * (1 + plat.growth) ** m * season * rng.uniform(0.8, 1.2)
        if kind == "ponzi":
            n_new *= 1 - 0.7 * x
        if kind == "capital_flight" and m >= last_m - 1:
            n_new *= 0.15
        n_new = max(1, int(n_new))
        nom_share = (0.12 + 0.55 * x) if (kind == "self_financing" and x > 0) else 0.0
        balances: dict[str, int] = {}
        for ln in active:
            balances[ln.key] = balances.get(ln.key, 0) + ln.remaining
        disb = 0
        for k in range(n_new):
            day = rng.randint(1, end_day)
            if nom_share and rng.random() < nom_share:
                who = nominal[rng.randrange(len(nominal))]
                amt = rng.randint(10, 48) * 10_000_00 + rng.randint(0, 99) * 100_00
                ln = Loan(who.account, who.row(), False, amt, rng.choice((6, 9, 12)),
                          int(plat.yield_rate * 100) + 4, day, m, related=True, nominal=True)
                if plat.extras.get("round_tripping"):
                    ln.repayer = related
                st["nominal_disburse"] += amt
            else:
                ln = _new_loan(plat, rng, person_base, seq, m, big, day=day, vol_scale=loan_scale)
                seq += 1
                cap = FIRM_CAP if ln.is_firm else PERSON_CAP
                if balances.get(ln.key, 0) + ln.principal > cap:
                    continue  # honest platforms refuse loans above the legal cap
            balances[ln.key] = balances.get(ln.key, 0) + ln.principal
            active.append(ln)
            borrowers_ever.add(ln.key)
            cum_amount += ln.principal
            cum_count += 1
            disb += ln.principal
            t = _sec(day, rng)
            rows.append((t, ln.principal, custody, ln.party, "disburse"))
            rows.extend(_onward(ln, t, end_day, rng, related, kind, st, x))
        amt = rng.randint(30, 90) * 10_000_00
        if (variant == "related_disclosed" and m % 3 == 1 and related
                and balances.get(related[0], 0) + amt <= FIRM_CAP):  # within the legal cap, disclosed
            day = rng.randint(1, end_day)
            ln = Loan(related[0], related, True, amt, 6, int(plat.yield_rate * 100) + 3, day, m, related=True)
            active.append(ln)
            borrowers_ever.add(ln.key)
            cum_amount += amt
            cum_count += 1
            disb += amt
            t = _sec(day, rng)
            rows.append((t, amt, custody, related, "disburse"))
            rows.extend(_onward(ln, t, end_day, rng, None, None, st))
        st["disburse"] = disb
        # 3. lenders: investments and payouts
        repay = st["repay"]
        fee = int(repay * fee_rate)
        payout = repay - fee
        extra = 0
        if kind == "ponzi" and x > 0:
            extra = int(repay * (0.15 + 1.6 * x) * x + disb * 0.1 * x)
        if kind == "capital_flight" and m >= last_m - 1:
            payout = int(payout * 0.35)  # withdrawals blocked
        invest = int(disb * rng.uniform(1.0, 1.04)) + extra
        if variant == "seasonal_spike" and first.month == 1:
            seasonal_carry = int(invest * rng.uniform(0.6, 0.9))
            invest += seasonal_carry
        elif variant == "seasonal_spike" and first.month == 2:
            seasonal_carry = 0
        flight = 0
        if kind == "capital_flight" and x > 0:
            flight = int(invest * (0.03 + 0.9 * x * x) * rng.uniform(0.7, 1.3))
            if m == last_m:
                flight += int(invest * rng.uniform(0.5, 1.0))
            invest += int(flight * 0.3)  # promotions keep money coming in
        pool_out = 0
        if kind == "fund_pool" and x > 0:
            pool_out = int(invest * (0.02 + 0.5 * x))
        direct = int(invest * 0.3 * x) if kind == "fund_pool" and x > 0.25 else 0  # lenders paying the platform
        st["invest"] = invest
        st["invest_direct"] = direct
        n_rows_other = len(rows)
        if rows_per_month is None:
            n_inv = max(5, invest // rng.randint(15_000_00, 40_000_00))
            n_pay = max(5, (payout + extra) // rng.randint(10_000_00, 30_000_00))
        else:
            room = max(10, rows_per_month - n_rows_other - 20)
            n_inv = max(5, room // 2)
            n_pay = max(5, room - n_inv)
        pool_now = lender_pool * (1 + m / 12)
        rnd = rng.random
        cache_get = _PERSON_CACHE.get
        span = end_day * 86400 - 1
        month_lenders: set[int] = set()
        # Lender rows are the bulk of a file (all of it in volume mode): keep this loop lean.
        for amt, to in ((invest - direct, custody), (direct, general)):
            n = int(n_inv * amt / max(1, invest)) + (1 if to is custody else 0)
            for a in _split(amt, max(1, n), rng):
                i = lender_base + int(rnd() * pool_now)
                month_lenders.add(i)
                rows.append((_day_sec(rnd, span), a, cache_get(i) or _person_row(i), to, "invest"))
        lenders_ever |= month_lenders
        current_lenders = len(month_lenders)
        pays_general = int((payout + extra) * 0.4) if (kind == "fund_pool" and x > 0) else 0
        for amt, frm, n in ((payout + extra - pays_general, custody, n_pay),
                            (pays_general, general, max(1, n_pay // 3))):
            for a in _split(amt, n, rng, 0):
                i = lender_base + int(rnd() * pool_now * 0.9)
                rows.append((_day_sec(rnd, span), a, frm, cache_get(i) or _person_row(i), "payout"))
        st["payout"] = payout + extra
        st["extra_payout"] = extra
        # 4. the platform's own money: service fees, salaries, rent, controller pay
        if fee:
            rows.append((_sec(min(end_day, 25), rng), fee, custody, general, "withdraw"))
            st["fee"] = fee
        for e in employees:
            rows.append((_sec(min(end_day, 10), rng), rng.randint(8, 30) * 1000_00, general, e, "transfer"))
        for _ in range(rng.randint(2, 5)):
            rows.append((_sec(rng.randint(1, end_day), rng), rng.randint(5, 200) * 1000_00, general,
                         _supplier(rng.randrange(3000)), "transfer"))
        ctrl_pay = rng.randint(20, 50) * 1000_00
        rows.append((_sec(min(end_day, 10), rng), ctrl_pay, general, controllers[0], "transfer"))
        st["to_controller"] += ctrl_pay
        if variant == "dividend_complaints" and first.month == 12:
            div = int(invest * rng.uniform(0.03, 0.08))
            rows.append((_sec(min(end_day, 28), rng), div, general, controllers[0], "transfer"))
            st["to_controller"] += div
        # 5. planted outflows
        if pool_out:
            for amt in _split(pool_out, rng.randint(2, 6), rng):
                rows.append((_sec(rng.randint(1, end_day), rng), amt, custody, general, "withdraw"))
            st["bypass"] += pool_out
            pooled += pool_out
            if related:
                to_rel = int(pool_out * rng.uniform(0.3, 0.6))
                for amt in _split(to_rel, rng.randint(1, 3), rng):
                    rows.append((_sec(rng.randint(1, end_day), rng), amt, general, related, "transfer"))
        if flight:
            for amt in _split(flight, rng.randint(1, 4), rng):
                rows.append((_sec(rng.randint(1, end_day), rng), amt, custody, general, "withdraw"))
            targets = controllers + ([offshore] if offshore else [])
            for amt in _split(flight, rng.randint(2, 6), rng):
                rows.append((_sec(rng.randint(1, end_day), rng), amt, general,
                             targets[rng.randrange(len(targets))], "transfer"))
            st["to_controller"] += flight
        # 6. month-end metrics
        true = _metrics(active, m, cum_amount, cum_count, cum_comp, cum_lenders0 + len(lenders_ever),
                        cum_borrowers0 + len(borrowers_ever), current_lenders, plat, rng)
        run.top10.append(true["top10_borrower_share"])
        # borrowers above the cap: one loan above it, or their balance on the platform above it
        per: dict[str, list] = {}
        for ln in active:
            e = per.setdefault(ln.key, [ln, 0, 0])
            e[1] += ln.remaining
            e[2] = max(e[2], ln.principal)
        for key, (ln, bal_k, big_k) in per.items():
            cap = FIRM_CAP if ln.is_firm else PERSON_CAP
            worst = max(bal_k, big_k)
            if worst > cap:
                prev = run.over_cap.get(key, (ln.party[1], "company" if ln.is_firm else "person", 0))
                run.over_cap[key] = (prev[0], prev[1], max(prev[2], worst))
        disclosed = _lie(plat, true, x, pooled)
        yield MonthOut(m, rows, true, disclosed, st)
    return run


def _new_loan(plat: Platform, rng: random.Random, person_base: int, k: int, m: int, big: list,
              day: int | None = None, vol_scale: float = 1.0) -> Loan:
    rate = int(plat.yield_rate * 100) + rng.randint(2, 5)
    day = day or rng.randint(1, 28)
    if big and rng.random() < 0.25:
        f = big[rng.randrange(len(big))]
        amt = rng.randint(55, 98) * 10_000_00
        return Loan(f.account, f.row(), True, amt, 12, rate, day, m)
    if rng.random() < 0.08 and plat.borrower_firms:
        f = plat.borrower_firms[rng.randrange(len(plat.borrower_firms))]
        amt = rng.randint(20, 95) * 10_000_00 + rng.randint(0, 9) * 1_000_00
        return Loan(f.account, f.party.row(), True, amt, rng.choice((3, 6, 12)), rate, day, m)
    # persons: a pool that grows slowly, so some borrow again
    if rng.random() < 0.03:  # a few people borrow on many platforms of the city
        i = 75_000_000 + int(rng.random() * 150)
    else:
        i = person_base + int(rng.random() * 400 * (1 + max(0, m) / 6))
    p = _person_row(i)
    amt = int(rng.lognormvariate(10.8, 0.6)) * 100
    amt = max(5_000_00, min(amt, 190_000_00))
    return Loan(p[0], p, False, amt, rng.choice((1, 3, 3, 6, 6, 9, 12)), rate, day, m)


def _onward(ln: Loan, t: int, end_day: int, rng: random.Random, collector, kind, st: dict,
            x: float = 0.0) -> list:
    """First hop out of the borrower's account after the loan arrives."""
    out = []
    last = end_day * 86400 - 1
    if ln.nominal and collector is not None:
        # early on the nominal borrowers keep more and wait longer: the signal starts weak
        share = min(0.99, rng.uniform(0.55, 0.8) + 0.25 * x)
        total = int(ln.principal * share)
        wait = int((1 + 6 * (1 - x)) * 86400)
        for amt in _split(total, rng.choice((1, 1, 2)), rng):
            out.append((min(last, t + rng.randint(600, wait)), amt, ln.party, collector, "transfer"))
        st["to_collector"] += total
        return out
    share = rng.uniform(0.5, 0.95)
    total = int(ln.principal * share)
    n = rng.randint(2, 5) if ln.is_firm else rng.randint(1, 4)
    for amt in _split(total, n, rng, 0):
        if rng.random() < 0.75:
            payee = _supplier(rng.randrange(3000))
        else:
            payee = _person_row(90_000_000 + rng.randrange(20_000))
        out.append((min(last, t + rng.randint(3600, 12 * 86400)), amt, ln.party, payee, "transfer"))
    return out


def _metrics(active, m, cum_amount, cum_count, cum_comp, cum_lenders, cum_borrowers, current_lenders,
             plat, rng) -> dict:
    bal = sum(ln.remaining for ln in active)
    per: dict[str, int] = {}
    for ln in active:
        per[ln.key] = per.get(ln.key, 0) + ln.remaining
    top = sorted(per.values(), reverse=True)
    od = [ln for ln in active if ln.defaulted >= 0]
    od_amt = sum(ln.remaining for ln in od)
    od90 = sum(ln.remaining for ln in od if m - ln.defaulted >= 3)
    rel = [ln for ln in active if ln.related]
    n = len(active)
    return {
        "cumulative_lending_amount": cum_amount / 100,
        "cumulative_lending_count": cum_count,
        "outstanding_balance": bal / 100,
        "outstanding_count": n,
        "cumulative_lenders": cum_lenders,
        "cumulative_borrowers": cum_borrowers,
        "current_lenders": current_lenders,
        "current_borrowers": len(per),
        "top1_borrower_share": (top[0] / bal) if bal else 0.0,
        "top10_borrower_share": (sum(top[:10]) / bal) if bal else 0.0,
        "related_party_balance": sum(ln.remaining for ln in rel) / 100,
        "related_party_count": len(rel),
        "overdue_amount": od_amt / 100,
        "overdue_count": len(od),
        "overdue_90_amount": od90 / 100,
        "compensatory_amount": cum_comp / 100,
        "project_overdue_rate": (len(od) / n) if n else 0.0,
        "amount_overdue_rate": (od_amt / bal) if bal else 0.0,
        "avg_yield": plat.yield_rate + rng.uniform(-0.003, 0.003),
    }


def _lie(plat: Platform, true: dict, x: float, pooled_cents: int) -> dict:
    """What the platform publishes: the truth, or the lie the ground truth records."""
    d = dict(true)
    kind = plat.fraud_kind
    if kind is None or x <= 0:
        return d
    if kind == "self_financing":
        d["related_party_balance"] = 0.0
        d["related_party_count"] = 0
    elif kind == "ponzi":
        d["outstanding_balance"] = true["outstanding_balance"] * (1 + 0.4 * x)
        d["overdue_amount"] = true["overdue_amount"] * (1 - 0.85 * x)
        d["overdue_count"] = int(true["overdue_count"] * (1 - 0.85 * x))
        d["overdue_90_amount"] = true["overdue_90_amount"] * (1 - 0.85 * x)
    elif kind == "fund_pool":
        d["outstanding_balance"] = true["outstanding_balance"] + pooled_cents / 100
    elif kind == "capital_flight":
        d["overdue_amount"] = true["overdue_amount"] * 0.2
        d["overdue_count"] = int(true["overdue_count"] * 0.2)
        d["overdue_90_amount"] = true["overdue_90_amount"] * 0.2
    bal = d["outstanding_balance"]
    d["amount_overdue_rate"] = d["overdue_amount"] / bal if bal else 0.0
    n = d["outstanding_count"]
    d["project_overdue_rate"] = d["overdue_count"] / n if n else 0.0
    return d


LIES = {
    "self_financing": (("related_party_balance", "disclosed 0 while lending to related nominal borrowers"),
                       ("related_party_count", "disclosed 0")),
    "ponzi": (("outstanding_balance", "inflated by up to 40%"), ("overdue_amount", "understated by up to 85%"),
              ("overdue_count", "understated"), ("amount_overdue_rate", "understated")),
    "fund_pool": (("outstanding_balance", "inflated by the money pooled outside custody"),),
    "capital_flight": (("overdue_amount", "understated by 80%"), ("overdue_count", "understated by 80%")),
}

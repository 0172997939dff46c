"""Write a simulated city to a folder: transfers, web pages, sources.csv, truth.json.

Deterministic per seed: every random draw comes from ``random.Random`` seeded
with a string built from the seed, and files are written in a fixed order.
"""

from __future__ import annotations

import calendar
import csv
import io
import json
import random
import shutil
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from monitor.errors import InputError
from monitor.sim import names as N
from monitor.sim import web as W
from monitor.sim.flows import LIES, PERSON_CAP, FIRM_CAP, simulate_platform
from monitor.sim.model import (HEADER_SETS, WAN_HEADER_SET, Firm, Platform, month_end, month_of, plan_city,
                               ym)
from monitor.vocab import PURPOSES

OWNED = ("www", "transfers", "truth.json", "sources.csv")


def _check(out_dir: Path, platforms: int, months: int, transfers_per_month: int | None, force: bool,
           start: str) -> date:
    if not isinstance(platforms, int) or platforms < 8 or platforms > 5000:
        raise InputError(f"platforms must be between 8 and 5000 (got {platforms}): fewer cannot hold "
                         "every fraud kind and its look-alikes")
    if not isinstance(months, int) or months < 6 or months > 120:
        raise InputError(f"months must be between 6 and 120 (got {months})")
    if transfers_per_month is not None and (not isinstance(transfers_per_month, int) or transfers_per_month < 0):
        raise InputError(f"transfers per month must be a non-negative integer (got {transfers_per_month})")
    try:
        y, mo = (int(x) for x in start.split("-"))
        first = date(y, mo, 1)
    except (ValueError, TypeError):
        raise InputError(f"start must be YYYY-MM (got {start!r})") from None
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: exists and is not a folder")
    if out_dir.exists() and any(out_dir.iterdir()) and not force:
        raise InputError(f"{out_dir}: folder exists and is not empty (use --force to overwrite)")
    return first


class Writer:
    """Writes pages under ``www`` and records them in the manifest."""

    def __init__(self, www: Path):
        self.www = www
        self.manifest: dict[str, dict] = {}

    def page(self, url: str, text: str, published: date, encoding: str = "utf-8",
             charset: str | None = "utf-8") -> None:
        path = self.www / url.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode(encoding))
        self.manifest[url] = {"published": published.isoformat(), "charset": charset,
                              "encoding": encoding}


def generate_city(out_dir, *, seed: int = 7, platforms: int = 60, months: int = 24,
                  transfers_per_month: int | None = None, force: bool = False, start: str = "2017-01") -> dict:
    """Generate a simulated city into ``out_dir``; return a summary (counts, seconds).

    Raises
    ------
    InputError
        ``out_dir`` exists and is not empty (without ``force``), or sizes are impossible.
    """
    t0 = time.perf_counter()
    out = Path(out_dir)
    first = _check(out, platforms, months, transfers_per_month, force, start)
    try:
        return _generate(out, first, seed, platforms, months, transfers_per_month, t0)
    except OSError as exc:
        raise InputError(f"{exc.filename or out}: cannot write the city ({exc.strerror or exc})") from None


def _generate(out: Path, first: date, seed: int, platforms: int, months: int, transfers_per_month, t0) -> dict:
    if out.exists():
        for name in OWNED:
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    out.mkdir(parents=True, exist_ok=True)
    www = out / "www"
    www.mkdir()
    (out / "transfers").mkdir()
    plan = plan_city(seed, platforms, months, first)
    plats: list[Platform] = plan["platforms"]
    end = month_end(first, months - 1)
    writer = Writer(www)
    truth_inst, published_all, events = [], {}, []
    total_rows = 0
    for p in plats:
        rows, inst, pubs = _platform(p, seed, first, months, transfers_per_month, out, writer, end, events)
        total_rows += rows
        truth_inst.append(inst)
        published_all[p.company.uscc] = pubs
    registry = _registry(plats, plan["shells"], writer, end, events)
    _city_sites(plats, seed, first, end, writer, events)
    _portal(plats, writer, first)
    (www / "robots.txt").write_text("User-agent: *\nDisallow: /admin/\nAllow: /\n", encoding="utf-8")
    events.sort(key=lambda e: (e["date"], e["kind"], e["url"]))
    manifest = {"schema": 1, "pages": dict(sorted(writer.manifest.items())),
                "sites": {p.slug: {"down_from": p.site_down.isoformat() if p.site_down else None,
                                   "prefix": f"/p/{p.slug}/"} for p in plats}}
    (www / "_manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    truth = {"schema": 1, "seed": seed, "start": ym(first), "months": months, "city": N.CITY,
             "institutions": truth_inst, "published_disclosures": published_all, "registry": registry,
             "events": events}
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1, sort_keys=False),
                                    encoding="utf-8")
    _sources(plats, out)
    return {"out": str(out), "platforms": platforms, "months": months, "transfer_rows": total_rows,
            "pages": len(writer.manifest), "events": len(events),
            "fraud": sum(p.label == "fraud" for p in plats),
            "lookalike": sum(p.label == "lookalike" for p in plats),
            "seconds": round(time.perf_counter() - t0, 2)}


# --------------------------------------------------------------------------- transfers
_TOD: dict[str, list[str]] = {}


def _time_parts(fmt: str) -> tuple[str, str]:
    """Split a time format into its date part and time-of-day part."""
    k = fmt.index("%H")
    return fmt[:k], fmt[k:]


def _tod_table(fmt: str) -> list[str]:
    """Formatted time of day for every second (built once per format; strftime per row is slow)."""
    if fmt not in _TOD:
        base = datetime(2000, 1, 1)
        step = timedelta(seconds=1)
        _TOD[fmt] = [(base + s * step).strftime(fmt) for s in range(86400)]
    return _TOD[fmt]


def _write_transfers(path: Path, rows: list, p: Platform, m: int, first: date) -> None:
    fs = p.files
    hdr = HEADER_SETS[fs.header_set]
    with_cur = hdr[10] is not None
    wan = fs.header_set == WAN_HEADER_SET
    english = fs.header_set in (2, 3)
    currency = "CNY" if english else "人民币"
    prefix = f"{('CB', '', 'TX', 'REF', 'LS')[fs.header_set]}{p.no:04d}{m:03d}"
    rows.sort(key=lambda r: r[0])
    date_fmt, tod_fmt = _time_parts(fs.time_format)
    tod = _tod_table(tod_fmt)
    days = [date(first.year, first.month, d).strftime(date_fmt)
            for d in range(1, calendar.monthrange(first.year, first.month)[1] + 1)]
    thousands = fs.thousands
    cur = f",{currency}" if with_cur else ""
    purposes = {k: v + cur for k, v in PURPOSES.items()}
    parties: dict[tuple, str] = {}

    def party(t: tuple) -> str:
        # account,name,id as one CSV fragment (names never hold commas or quotes)
        acct, name, ident = t
        if fs.mask_ids and len(ident) == 18 and not ident.startswith("9"):
            ident = N.mask_id(ident)
        v = parties[t] = f"{acct},{name},{ident}"
        return v

    lines = [",".join(h for h in hdr if h is not None)]
    ap = lines.append
    get = parties.get
    for k, (sec, cents, payer, payee, purpose) in enumerate(rows):
        d, s = divmod(sec, 86400)
        if wan:
            amount = f"{cents // 1_000_000}.{cents % 1_000_000:06d}"
        elif thousands and cents >= 100_000:
            amount = f'"{cents // 100:,}.{cents % 100:02d}"'
        else:
            amount = f"{cents // 100}.{cents % 100:02d}"
        ap(f"{prefix}{k:07d},{days[d]}{tod[s]},{amount},{get(payer) or party(payer)},"
           f"{get(payee) or party(payee)},{purposes[purpose]}")
    ap("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("\n".join(lines).encode(fs.encoding))


# --------------------------------------------------------------------------- one platform
def _platform(p: Platform, seed: int, first: date, months: int, tpm, out: Path, writer: Writer,
              end: date, events: list) -> tuple[int, dict, dict]:
    rng = random.Random(f"site:{seed}:{p.no}")
    gen = simulate_platform(p, seed, first, months, tpm)
    outs = []
    n_rows = 0
    try:
        while True:
            mo = next(gen)
            _write_transfers(out / "transfers" / p.company.uscc / f"{ym(month_of(first, mo.m))}.csv",
                             mo.rows, p, mo.m, month_of(first, mo.m))
            n_rows += len(mo.rows)
            mo.rows = None
            outs.append(mo)
    except StopIteration as stop:
        run = stop.value
    # ---- which months get published, and when
    reports = []  # (m, first, last, published)
    for mo in outs:
        m = mo.m
        if p.silent_from is not None and m >= p.silent_from:
            continue
        if rng.random() < 0.06:
            continue
        f, last = month_of(first, m), month_end(first, m)
        delay = rng.randint(5, 20)
        if p.pattern_start is not None and m >= p.pattern_start and rng.random() < 0.5:
            delay += rng.randint(5, 25)
        pub = last + timedelta(days=delay)
        if p.site_down and pub >= p.site_down:
            continue
        reports.append((m, f, last, pub))
    site_enc = p.site.encoding
    cs = p.site.charset_label
    # archive layout: reports live among other articles in one numbered archive
    articles = []  # (published, title, kind, payload)
    for r in reports:
        articles.append((r[3], f"{p.brand}{r[1].year}年{r[1].month}月运营数据披露", "report", r))
    notices = _notices(p, rng, first, end)
    for pub, title, text in notices:
        articles.append((pub, title, "notice", text))
    articles.sort(key=lambda a: (a[0], a[2]))
    numbers = {id(a): 1000 + k * 3 + rng.randint(0, 2) for k, a in enumerate(articles)}
    pubs: dict[str, dict] = {}
    by_m = {mo.m: mo for mo in outs}
    prev = None
    listed = []  # (title, url, date) of reports for the disclosure index
    notice_links = []
    for a in articles:
        num = numbers[id(a)]
        if a[2] == "report":
            m, f, last, pub = a[3]
            url = W.report_url(p, f, num)
            mo = by_m[m]
            prev_arg = None
            if prev is not None and prev[0] == m - 1:
                prev_arg = (prev[1], prev[2], by_m[m - 1].disclosed)
            body, shown = W.report_body(p, f, last, mo.disclosed, prev_arg)
            writer.page(url, W.report_page(p, f, last, pub, body), pub, site_enc, cs)
            pubs[ym(f)] = {"published_at": pub.isoformat(), "url": url, "values": shown}
            listed.append((a[1], url, pub))
            prev = (m, f, last)
        else:
            url = (f"/p/{p.slug}/news/art_{num}.html" if p.site.layout == "archive"
                   else f"/p/{p.slug}/notice/n{num}.html")
            writer.page(url, W.platform_article(p, a[1], a[3], a[0]), a[0], site_enc, cs)
            notice_links.append((a[1], url, a[0]))
            if "清盘" in a[1] or "退出" in a[1] or "停止" in a[1]:
                events.append({"kind": "closure", "uscc": p.company.uscc, "name": p.company.name,
                               "date": a[0].isoformat(), "url": url, "title": a[1]})
    # disclosure index + pagination
    entries = sorted(listed + (notice_links if p.site.layout == "archive" else []),
                     key=lambda e: e[2], reverse=True)
    _paged_site(p, writer, entries, "信息披露" if p.site.layout != "archive" else "新闻公告",
                W.disclosure_list_url, p.launch)
    note_entries = sorted(notice_links, key=lambda e: e[2], reverse=True)
    _paged_site(p, writer, note_entries, "平台公告",
                lambda pp, k: f"/p/{pp.slug}/notice/index.html" if k == 1 else f"/p/{pp.slug}/notice/list_{k}.html",
                p.launch)
    closure = next((u for t, u, d in note_entries if "清盘" in t or "退出" in t or "停止" in t), None)
    writer.page(f"/p/{p.slug}/index.html", W.home_page(p, sorted(listed, key=lambda e: e[2], reverse=True),
                                                       closure, p.launch), p.launch, site_enc, cs)
    writer.page(f"/p/{p.slug}/about.html", W.about_page(p, p.launch), p.launch, site_enc, cs)
    invest = "".join(f"<tr><td>{W.esc(p.brand)}{name}</td><td>{rate:.1f}%</td><td>{term}个月</td></tr>"
                     for name, rate, term in (("月月盈", p.yield_rate * 100 - 1, 1), ("季季升", p.yield_rate * 100, 3),
                                              ("年年红", p.yield_rate * 100 + 1.5, 12)))
    writer.page(f"/p/{p.slug}/invest.html", W.platform_shell(
        p, f"我要出借 - {p.brand}", f"<h1>出借项目</h1>\n<table><tr><th>项目</th><th>约定年化利率</th><th>期限</th></tr>"
        f"{invest}</table>\n<p class=\"meta\">发布时间：{p.launch.isoformat()}</p>"), p.launch, site_enc, cs)
    inst = _truth_institution(p, outs, run, first, months, reports)
    return n_rows, inst, pubs


def _paged_site(p: Platform, writer: Writer, entries: list, title: str, url_fn, published: date) -> None:
    pages = max(1, (len(entries) + W.PAGE_SIZE - 1) // W.PAGE_SIZE)
    for k in range(1, pages + 1):
        body = W.list_page(p, title, entries[(k - 1) * W.PAGE_SIZE:k * W.PAGE_SIZE], k, pages,
                           lambda j: url_fn(p, j))
        body += f"\n<p class=\"meta\">发布时间：{published.isoformat()}</p>"
        writer.page(url_fn(p, k), W.platform_shell(p, f"{title} - {p.brand}", body), published,
                    p.site.encoding, p.site.charset_label)


def _notices(p: Platform, rng: random.Random, first: date, end: date) -> list[tuple[date, str, str]]:
    out = []
    span = (end - first).days
    for title, text in (("关于平台接入银行存管系统的公告", f"{p.brand}已完成与{p.custody_bank}的资金存管系统对接，出借人资金由银行存管。"),
                        ("关于春节假期期间提现安排的公告", "春节假期期间提现将顺延至节后第一个工作日处理，敬请谅解。"),
                        ("出借人见面会圆满举行", f"{p.brand}出借人见面会在{N.CITY}举行，平台高管与出借人进行了交流。")):
        if rng.random() < 0.7:
            d = first + timedelta(days=rng.randint(0, span))
            if p.site_down and d >= p.site_down:
                continue
            out.append((d, title, text))
    if p.label == "fraud" and p.fraud_kind != "capital_flight" and rng.random() < 0.75:
        d = p.collapse_date + timedelta(days=rng.randint(0, 6))
        if p.fraud_kind == "fund_pool":
            title, text = "关于平台停止运营及清盘处置的公告", "受市场环境影响，平台即日起停止发布新标，进入清盘程序，存量借款将按计划兑付。"
        else:
            title, text = "关于平台良性退出的公告", "经慎重考虑，平台决定良性退出网贷行业，将通过催收回款逐步兑付出借人本息。"
        out.append((d, title, text))
    return out


def _truth_institution(p: Platform, outs, run, first: date, months: int, reports) -> dict:
    patterns = []
    kind = p.fraud_kind
    if p.label == "fraud":
        ws = month_of(first, p.pattern_start)
        we = p.collapse_date
        win = [o for o in outs if o.m >= p.pattern_start]

        def total(key):
            return round(sum(o.stats[key] for o in win) / 100, 2)

        custody = p.custody.account
        if kind == "ponzi":
            patterns.append({"kind": "ponzi", "start": ws.isoformat(), "end": we.isoformat(),
                             "accounts": [custody],
                             "details": {"payouts": total("payout"), "borrower_repayments": total("repay"),
                                         "lender_investments": total("invest"),
                                         "payouts_funded_by_new_money": total("extra_payout"),
                                         "yield": round(p.yield_rate, 4)}})
        elif kind == "self_financing":
            col = p.related[0]
            nominal = [q.account for q in run.nominal]
            path = [p.company.name, p.holding.name, col.name]
            patterns.append({"kind": "self_financing", "start": ws.isoformat(), "end": we.isoformat(),
                             "accounts": [col.account] + nominal,
                             "details": {"collector_account": col.account, "collector_name": col.name,
                                         "collector_uscc": col.uscc, "related_path": path,
                                         "nominal_borrowers": nominal,
                                         "nominal_lending": total("nominal_disburse"),
                                         "forwarded_to_collector": total("to_collector")}})
            patterns.append({"kind": "scatter_gather", "start": ws.isoformat(), "end": we.isoformat(),
                             "accounts": [col.account] + nominal,
                             "details": {"collector_account": col.account, "sources": nominal,
                                         "amount": total("to_collector")}})
            if p.extras.get("round_tripping"):
                patterns.append({"kind": "round_tripping", "start": ws.isoformat(), "end": we.isoformat(),
                                 "accounts": [custody, col.account] + nominal,
                                 "details": {"cycle": [custody, "<nominal borrower>", col.account, custody],
                                             "max_length": 3,
                                             "note": "collector repays the nominal loans into custody"}})
        elif kind == "fund_pool":
            accts = [custody, p.general.account] + [f.account for f in p.related]
            patterns.append({"kind": "fund_pool", "start": ws.isoformat(), "end": we.isoformat(),
                             "accounts": accts,
                             "details": {"custody_to_non_borrowers": total("bypass"),
                                         "lender_money_into_general_account": total("invest_direct"),
                                         "general_account": p.general.account}})
        elif kind == "capital_flight":
            accts = [custody, p.general.account] + [q.account for q in p.controller_parties]
            if p.offshore:
                accts.append(p.offshore.account)
            per_month = {ym(month_of(first, o.m)): round(o.stats["to_controller"] / 100, 2) for o in outs}
            patterns.append({"kind": "capital_flight", "start": ws.isoformat(), "end": we.isoformat(),
                             "accounts": accts,
                             "details": {"outflow_to_controller_by_month": per_month,
                                         "new_lending_by_month": {ym(month_of(first, o.m)): round(
                                             o.stats["disburse"] / 100, 2) for o in outs}}})
        if p.guarantee_circle:
            patterns.append({"kind": "guarantee_circle", "start": p.launch.isoformat(), "end": we.isoformat(),
                             "accounts": [f.account for f in p.guarantee_circle],
                             "details": {"firms": [f.uscc for f in p.guarantee_circle],
                                         "names": [f.name for f in p.guarantee_circle]}})
        over = [{"account": k, "name": v[0], "kind": v[1], "max_exposure": round(v[2] / 100, 2),
                 "cap": (FIRM_CAP if v[1] == "company" else PERSON_CAP) / 100}
                for k, v in run.over_cap.items()]
        if over:
            patterns.append({"kind": "borrower_cap", "start": ws.isoformat(), "end": we.isoformat(),
                             "accounts": [o["account"] for o in over], "details": {"borrowers": over}})
        t0 = run.top10[max(0, p.pattern_start - 1)]
        t1 = run.top10[-1]
        if t1 - t0 >= 0.08:
            patterns.append({"kind": "borrower_concentration", "start": ws.isoformat(), "end": we.isoformat(),
                             "accounts": [custody],
                             "details": {"top10_share_before": round(t0, 4), "top10_share_at_end": round(t1, 4)}})
        lies = [{"metric": metric, "from": ym(ws), "how": how} for metric, how in LIES[kind]]
        patterns.append({"kind": "disclosure_mismatch", "start": ws.isoformat(), "end": we.isoformat(),
                         "accounts": [custody], "details": {"lies": lies}})
    else:
        lies = []
    ctrl = [q.account for q in p.controller_parties] + ([p.offshore.account] if p.offshore else [])
    return {
        "uscc": p.company.uscc, "name": p.company.name, "brand": p.brand, "slug": p.slug, "kind": "p2p",
        "label": p.label, "fraud_kind": kind, "lookalike_of": p.lookalike_of,
        "lookalike_variant": p.lookalike_variant,
        "collapse_date": p.collapse_date.isoformat() if p.collapse_date else None,
        # first day of the month the fraudulent pattern begins (the plan's pattern_start): the honest
        # lead time counts only warnings from here on
        "pattern_start": month_of(first, p.pattern_start).isoformat() if p.pattern_start is not None else None,
        "silent_from": ym(month_of(first, p.silent_from)) if p.silent_from is not None else None,
        "site_down": p.site_down.isoformat() if p.site_down else None,
        "site": {"layout": p.site.layout, "encoding": p.site.encoding,
                 "charset_declared": p.site.charset_label is not None, "charset": p.site.charset_label,
                 "home": f"/p/{p.slug}/", "disclosure_index": W.disclosure_index_url(p),
                 "labels": p.site.labels, "units": p.site.units, "wide_table": p.site.wide_table,
                 "table_form": p.site.table_form, "footnote": p.site.footnote},
        "transfer_file": {"header": [h for h in HEADER_SETS[p.files.header_set] if h is not None],
                          "time_format": p.files.time_format, "encoding": p.files.encoding,
                          "thousands": p.files.thousands,
                          "amount_unit": "万元" if p.files.header_set == WAN_HEADER_SET else "元",
                          "masked_ids": p.files.mask_ids},
        "custody_bank": p.custody_bank,
        "custody_accounts": [p.custody.account], "general_accounts": [p.general.account],
        "controller_accounts": ctrl,
        "controller": {"name": N.person_name(p.controller), "id": N.person_id(p.controller)},
        "related_firms": [{"name": f.name, "uscc": f.uscc, "account": f.account, "role": f.role} for f in p.related],
        "yield": round(p.yield_rate, 4),
        "patterns": patterns, "disclosure_lies": lies,
        "true_metrics": {ym(month_of(first, o.m)): _round_metrics(o.true) for o in outs},
    }


def _round_metrics(d: dict) -> dict:
    return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in d.items()}


# --------------------------------------------------------------------------- registry
def _registry(plats: list[Platform], shells: list[Firm], writer: Writer, end: date, events: list) -> dict:
    firms: list[Firm] = []
    for p in plats:
        firms += [p.company, p.holding] + p.related + p.borrower_firms
    firms += shells
    pages_of = {f.name: f"/registry/company/{f.uscc}.html" for f in firms}
    reg = {}
    for f in firms:
        last = max([f.established.isoformat()] + [c[0] for c in f.changes])
        pub = date.fromisoformat(last)
        url = pages_of[f.name]
        writer.page(url, W.company_page(f, pages_of, "存续（在营、开业、在册）", pub), f.established)
        for d, fld, old, new in f.changes:
            events.append({"kind": "registry_change", "uscc": f.uscc, "name": f.name, "date": d, "url": url,
                           "title": f"{fld}变更：{old} → {new}"})
        reg[f.uscc] = _registry_entry(f)
    for p in plats:
        if p.offshore:
            reg[f"offshore:{p.offshore.name}"] = _registry_entry(p.offshore)
    entries = [(f.name, pages_of[f.name], f.established) for f in firms]
    for url, text in W.paged_lists("registry", "企业信息公示 — 企业名录", "/registry/", entries, size=50):
        writer.page(url, text, min(e[2] for e in entries))
    return reg


def _registry_entry(f: Firm) -> dict:
    return {"name": f.name, "uscc": f.uscc, "role": f.role, "account": f.account, "bank": f.bank,
            "established": f.established.isoformat(),
            "registered_capital": f.registered_capital, "paid_in_capital": f.paid_in_capital,
            "legal_representative": N.person_name(f.legal_rep) if f.legal_rep else None,
            "address": f.address,
            "shareholders": [{"name": n, "kind": k, "uscc_or_id": i, "share": s} for n, k, i, s in f.shareholders],
            "executives": [{"name": n, "role": r} for n, r in f.executives],
            "guarantees": [{"guarantor": a, "guaranteed": b, "amount": amt} for a, b, amt in f.guarantees],
            "changes": [{"date": d, "field": fl, "old": o, "new": nw} for d, fl, o, nw in f.changes]}


# --------------------------------------------------------------------------- court, complaints, news
COMPLAINT_BAD = (("提现困难", "申请提现十几天了一直显示处理中，客服电话打不通"),
                 ("逾期", "出借的项目已经逾期一个多月，平台说借款人暂时困难"),
                 ("无法回款", "到期本息一直无法回款，要求平台给出兑付方案"),
                 ("兑付延期", "平台单方面宣布延期兑付，出借人损失严重"),
                 ("失联", "平台办公地址人去楼空，客服失联"))
COMPLAINT_MILD = (("提现到账慢", "提现比以前慢了一两天，希望平台改进"),
                  ("客服态度", "客服回复很慢，问题拖了一周才解决"),
                  ("加息券", "活动加息券没有到账"),
                  ("APP闪退", "新版APP经常闪退，无法查看出借记录"))
NEWS_PR = ("{b}荣获年度最佳金融科技创新平台", "{b}完成B轮融资，将进一步加强风控体系建设",
           "{b}正式上线银行资金存管系统", "{b}累计撮合交易额突破新高", "{b}举办三周年庆典")
NEWS_BAD = {"ponzi": ("{b}涉嫌非法吸收公众存款被立案侦查", "警方通报：{b}实际控制人已被采取刑事强制措施"),
            "self_financing": ("{b}涉嫌自融被立案侦查，实控人关联企业借款占比高", "{b}爆雷：借款人多为关联公司员工"),
            "fund_pool": ("{b}宣布清盘，存量待还金额巨大", "{b}资金池问题暴露，出借人聚集维权"),
            "capital_flight": ("{b}失联：平台关闭，实控人疑似出境", "{b}实控人跑路，警方已立案侦查")}


def _city_sites(plats: list[Platform], seed: int, first: date, end: date, writer: Writer, events: list) -> None:
    court, zx, sx, comp, news = [], [], [], [], []
    span = (end - first).days

    def clip(d: date) -> date | None:
        return d if first <= d <= end else None

    for p in plats:
        rng = random.Random(f"events:{seed}:{p.no}")
        c = p.company
        b = p.brand
        if p.label == "fraud":
            ps = month_of(first, p.pattern_start)
            cd = p.collapse_date
            win = max(1, (cd - ps).days)
            for _ in range(rng.randint(0, 2)):  # weak early signals
                comp.append((p, clip(ps + timedelta(days=rng.randint(0, win))),
                             rng.choice(COMPLAINT_MILD + COMPLAINT_BAD[:1])))
            for _ in range(rng.randint(2, 6)):
                comp.append((p, clip(cd - timedelta(days=rng.randint(0, 60))), rng.choice(COMPLAINT_BAD[:3])))
            for _ in range(rng.randint(5, 12)):
                comp.append((p, clip(cd + timedelta(days=rng.randint(0, 120))), rng.choice(COMPLAINT_BAD)))
            for _ in range(rng.randint(0, 2)):
                court.append((p, clip(cd - timedelta(days=rng.randint(5, 90))), "民间借贷纠纷", "defendant"))
            for _ in range(rng.randint(1, 4)):
                court.append((p, clip(cd + timedelta(days=rng.randint(10, 150))), "网络借贷合同纠纷", "defendant"))
            for _ in range(rng.randint(0, 2)):
                zx.append((p, clip(cd + timedelta(days=rng.randint(30, 150))), rng.randint(5, 300) * 10000))
            if rng.random() < 0.6:
                sx.append((p, clip(cd + timedelta(days=rng.randint(60, 200))), rng.randint(20, 500) * 10000))
            for _ in range(rng.randint(1, 2)):
                news.append((p, clip(first + timedelta(days=rng.randint(0, max(1, (ps - first).days)))),
                             rng.choice(NEWS_PR).format(b=b), "pr"))
            for t in NEWS_BAD[p.fraud_kind][: rng.randint(1, 2)]:
                news.append((p, clip(cd + timedelta(days=rng.randint(1, 60))), t.format(b=b), "bad"))
        else:
            noisy = p.lookalike_variant == "dividend_complaints"
            n = rng.randint(4, 8) if noisy else rng.randint(0, 2)
            for _ in range(n):
                pool = (COMPLAINT_MILD + COMPLAINT_BAD[:2]) if noisy else COMPLAINT_MILD
                comp.append((p, clip(first + timedelta(days=rng.randint(0, span))), rng.choice(pool)))
            for _ in range(rng.randint(0, 3)):
                court.append((p, clip(first + timedelta(days=rng.randint(0, span))), "金融借款合同纠纷", "plaintiff"))
            for _ in range(rng.randint(1, 4)):
                news.append((p, clip(first + timedelta(days=rng.randint(0, span))),
                             rng.choice(NEWS_PR).format(b=b), "pr"))
    # benign posts about no platform
    rng = random.Random(f"events:{seed}:city")
    # --- court notices
    entries = []
    for k, (p, d, cause, role) in enumerate(sorted((e for e in court if e[1]), key=lambda e: (e[1], e[0].no))):
        url = f"/court/notice/{d.year}{k + 1:05d}.html"
        plaintiff = p.company.name if role == "plaintiff" else N.person_name(30_000_000 + p.no * 50 + k)
        defendant = N.person_name(31_000_000 + k) if role == "plaintiff" else p.company.name
        title = f"{plaintiff}与{defendant}{cause}一案开庭公告"
        body = (f"<h1>开庭公告</h1>\n<p>发布时间：{d.isoformat()}</p>\n<p>案号：（{d.year}）粤0304民初{1000 + k}号</p>\n"
                f"<p>原告：{W.esc(plaintiff)}</p>\n<p>被告：{W.esc(defendant)}"
                + (f"（统一社会信用代码：{p.company.uscc}）" if role == "defendant" else "") + "</p>\n"
                f"<p>案由：{cause}</p>\n<p>本院定于{(d + timedelta(days=30)).isoformat()}上午九时在第三法庭公开开庭审理。</p>")
        writer.page(url, W.site_shell("court", title, body), d)
        entries.append((title, url, d))
        events.append({"kind": "lawsuit", "uscc": p.company.uscc, "name": p.company.name, "date": d.isoformat(),
                       "url": url, "title": title, "role": role})
        # about half the cases end in a published judgment (裁判文书) a few months later
        jd = d + timedelta(days=rng.randint(60, 150))
        if rng.random() < 0.5 and jd <= end:
            jurl = f"/court/wenshu/{jd.year}{k + 1:05d}.html"
            won = "原告" if role == "defendant" or rng.random() < 0.8 else "被告"
            jtitle = f"{plaintiff}与{defendant}{cause}一审民事判决书"
            jbody = (f"<h1>{W.esc(jtitle)}</h1>\n<p>发布时间：{jd.isoformat()}</p>\n"
                     f"<p>案号：（{d.year}）粤0304民初{1000 + k}号</p>\n<p>原告：{W.esc(plaintiff)}</p>\n"
                     f"<p>被告：{W.esc(defendant)}</p>\n<p>本院认为，{won}的主张有事实和法律依据，本院予以支持。"
                     f"判决如下：被告于本判决生效之日起十日内向原告偿还借款本金"
                     f"{rng.randint(2, 80) * 10000:,}元及利息。</p>")
            writer.page(jurl, W.site_shell("court", jtitle, jbody), jd)
            entries.append((jtitle, jurl, jd))
            events.append({"kind": "lawsuit", "uscc": p.company.uscc, "name": p.company.name,
                           "date": jd.isoformat(), "url": jurl, "title": jtitle, "role": role})
    for url, text in W.paged_lists("court", "开庭公告与裁判文书", "/court/", entries):
        writer.page(url, text, first)
    for kind, base, title, recs in (("enforcement", "/court/zxgk/", "被执行人名单", zx),
                                    ("dishonest", "/court/sxbzxr/", "失信被执行人名单", sx)):
        entries = []
        for k, (p, d, amt) in enumerate(sorted((e for e in recs if e[1]), key=lambda e: (e[1], e[0].no))):
            url = f"{base}{d.year}{k + 1:05d}.html"
            t = f"{p.company.name} {title[:-2]}信息"
            body = (f"<h1>{W.esc(t)}</h1>\n<p>发布时间：{d.isoformat()}</p>\n<table>\n"
                    f"<tr><th>被执行人姓名/名称</th><td>{W.esc(p.company.name)}</td></tr>\n"
                    f"<tr><th>统一社会信用代码</th><td>{p.company.uscc}</td></tr>\n"
                    f"<tr><th>立案时间</th><td>{d.isoformat()}</td></tr>\n"
                    f"<tr><th>执行标的</th><td>{amt:,}元</td></tr>\n"
                    f"<tr><th>执行法院</th><td>{N.CITY}中级人民法院</td></tr>\n</table>")
            writer.page(url, W.site_shell("court", t, body), d)
            entries.append((t, url, d))
            events.append({"kind": kind, "uscc": p.company.uscc, "name": p.company.name, "date": d.isoformat(),
                           "url": url, "title": t, "amount": amt})
        for url, text in W.paged_lists("court", title, base, entries):
            writer.page(url, text, first)
    # --- complaints (plus posts about no platform)
    for k in range(max(3, len(plats) // 4)):
        comp.append((None, first + timedelta(days=rng.randint(0, span)),
                     ("咨询", "请问如何查询平台是否已接入银行存管？")))
    entries = []
    for k, (p, d, (kw, text)) in enumerate(sorted((e for e in comp if e[1]),
                                                  key=lambda e: (e[1], e[0].no if e[0] else -1))):
        url = f"/complaints/post/{100000 + k}.html"
        target = p.company.name if p else "（未指定平台）"
        title = f"{p.brand}{kw}，{text[:10]}" if p else f"{kw}：{text[:12]}"
        body = (f"<h1>{W.esc(title)}</h1>\n<p>投诉时间：{d.isoformat()}</p>\n<p>投诉对象：{W.esc(target)}</p>\n"
                f"<p>投诉问题：{W.esc(kw)}</p>\n<p>{W.esc(text)}。</p>\n<p>投诉要求：退还本金</p>")
        writer.page(url, W.site_shell("complaints", title, body), d)
        entries.append((title, url, d))
        if p:
            events.append({"kind": "complaint", "uscc": p.company.uscc, "name": p.company.name,
                           "date": d.isoformat(), "url": url, "title": title, "keywords": [kw]})
    for url, text in W.paged_lists("complaints", "最新投诉", "/complaints/", entries):
        writer.page(url, text, first)
    # --- news
    entries = []
    for k, (p, d, title, tone) in enumerate(sorted((e for e in news if e[1]), key=lambda e: (e[1], e[0].no))):
        url = f"/news/article/{d.year}{d.month:02d}{k + 1:05d}.html"
        text = (f"本报讯 {title}。{p.company.name}（统一社会信用代码{p.company.uscc}）表示，"
                + ("平台运营稳健，坚持小额分散原则。" if tone == "pr" else "相关部门已介入调查，请出借人及时登记。"))
        body = (f"<h1>{W.esc(title)}</h1>\n<p>发布时间：{d.isoformat()} 来源：示范财经网 记者 {N.person_name(40_000_000 + k)}</p>\n"
                f"<p>{W.esc(text)}</p>")
        writer.page(url, W.site_shell("news", title, body), d)
        entries.append((title, url, d))
        events.append({"kind": "news", "uscc": p.company.uscc, "name": p.company.name, "date": d.isoformat(),
                       "url": url, "title": title, "tone": tone})
    for url, text in W.paged_lists("news", "财经要闻", "/news/", entries):
        writer.page(url, text, first)


def _portal(plats: list[Platform], writer: Writer, first: date) -> None:
    links = "\n".join(f'<li><a href="/p/{p.slug}/">{W.esc(p.brand)}</a></li>' for p in plats)
    body = ("<h1>示范市金融信息门户</h1>\n<ul>\n<li><a href=\"/registry/\">企业信用信息公示</a></li>\n"
            "<li><a href=\"/court/\">开庭公告</a> · <a href=\"/court/zxgk/\">被执行人</a> · "
            "<a href=\"/court/sxbzxr/\">失信被执行人</a></li>\n<li><a href=\"/complaints/\">投诉平台</a></li>\n"
            f"<li><a href=\"/news/\">财经新闻</a></li>\n</ul>\n<h2>网贷平台导航</h2>\n<ul>\n{links}\n</ul>")
    writer.page("/index.html", W.page("示范市金融信息门户", body, charset="utf-8"), first)


def _sources(plats: list[Platform], out: Path) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["institution_name", "uscc", "kind", "url"])
    for p in plats:
        w.writerow([p.company.name, p.company.uscc, "disclosure", f"/p/{p.slug}/"])
        w.writerow([p.company.name, p.company.uscc, "registry", f"/registry/company/{p.company.uscc}.html"])
    w.writerow(["", "", "registry", "/registry/"])
    w.writerow(["", "", "court", "/court/"])
    w.writerow(["", "", "court", "/court/zxgk/"])
    w.writerow(["", "", "court", "/court/sxbzxr/"])
    w.writerow(["", "", "complaints", "/complaints/"])
    w.writerow(["", "", "news", "/news/"])
    (out / "sources.csv").write_text(buf.getvalue(), encoding="utf-8")

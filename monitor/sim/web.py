"""HTML of the simulated public web: platform sites, registry, court, complaints board, news.

Pure string builders; :mod:`monitor.sim.generate` decides what to publish
and writes the bytes. Every page states when it was published.
"""

from __future__ import annotations

import html
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from monitor.sim import names as N
from monitor.sim.model import Firm, Platform, SiteStyle
from monitor.sim import vocab as SV

UNIT_FACTOR = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}
UNIT_DECIMALS = {"元": Decimal("0.01"), "万元": Decimal("0.01"), "亿元": Decimal("0.0001")}
PAGE_SIZE = 10


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _group(text: str, thousands: bool) -> str:
    if not thousands:
        return text
    whole, _, frac = text.partition(".")
    neg = whole.startswith("-")
    whole = whole.lstrip("-")
    whole = f"{int(whole):,}"
    return ("-" if neg else "") + whole + ("." + frac if frac else "")


def display(metric: str, value: float, style: SiteStyle) -> tuple[str, str, float | int]:
    """(number text, unit text, canonical value recovered from the number text) of one metric."""
    fam = SV.family(metric)
    unit = style.units[metric]
    if fam == "yuan":
        q = (Decimal(repr(float(value))) / UNIT_FACTOR[unit]).quantize(UNIT_DECIMALS[unit], ROUND_HALF_UP)
        return _group(str(q), style.thousands), unit, float(q * UNIT_FACTOR[unit])
    if fam == "ratio":
        q = (Decimal(repr(float(value))) * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
        return str(q), "%", float(q / 100)
    v = int(value)
    suffix = "人" if fam == "people" else "笔"
    return _group(str(v), style.thousands), suffix, v


def period_text(d_first: date, d_last: date, style_no: int) -> str:
    if style_no == 0:
        return f"{d_first.year}年{d_first.month}月"
    if style_no == 1:
        return f"{d_first.year}-{d_first.month:02d}"
    if style_no == 2:
        return f"截至{d_last.year}年{d_last.month}月{d_last.day}日"
    return f"{d_first.year}年{d_first.month:02d}月"


def label_with_unit(metric: str, style: SiteStyle, unit: str) -> str:
    label = style.labels[metric]
    if style.footnote and SV.family(metric) == "ratio":
        label += style.footnote
    if style.unit_in_label and unit in ("元", "万元", "亿元", "%"):
        return f"{label}（{unit}）"
    return label


def value_with_unit(metric: str, style: SiteStyle, text: str, unit: str, prose: bool = False) -> str:
    if unit in ("人", "笔"):
        return text + unit if (style.count_suffix or prose) else text
    if style.unit_in_label and not prose:
        return text
    return text + unit


# --------------------------------------------------------------------------- page shell
def page(title: str, body: str, *, charset: str | None, nav: str = "", footer: str = "",
         extra_head: str = "") -> str:
    meta = ""
    if charset == "gbk":
        meta = '<meta http-equiv="Content-Type" content="text/html; charset=gbk">\n'
    elif charset:
        meta = f'<meta charset="{charset}">\n'
    return (f"<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n{meta}<title>{esc(title)}</title>\n"
            f"{extra_head}</head>\n<body>\n{nav}\n<div class=\"main\">\n{body}\n</div>\n{footer}\n</body>\n</html>\n")


def platform_nav(p: Platform) -> str:
    base = f"/p/{p.slug}/"
    return (f'<div class="nav"><a href="{base}">首页</a> | <a href="{base}invest.html">我要出借</a> | '
            f'<a href="{disclosure_index_url(p)}">信息披露</a> | <a href="{base}about.html">关于我们</a> | '
            f'<a href="{base}notice/index.html">平台公告</a> | <a href="/">返回导航</a></div>')


def platform_footer(p: Platform) -> str:
    h = N.mix(p.no, 7)
    return (f'<div class="footer">客服热线：400-{h % 900 + 100}-{(h >> 10) % 9000 + 1000} | '
            f'粤ICP备{(h >> 20) % 90000000 + 10000000}号 | 版权所有 {esc(p.company.name)}<br>'
            f'市场有风险，出借需谨慎</div>\n'
            f'<script>var _hmt = _hmt || []; var siteId = {h % 1000000}; /* stat 2015-2019 */</script>')


def platform_ad(p: Platform) -> str:
    return (f'<div class="ad">新手专享标 预期年化{8 + p.no % 5}.{p.no % 10}%  注册即送888元红包 '
            f'已安全运营{(p.no % 5) + 2}年</div>')


# --------------------------------------------------------------------------- disclosure urls
DISCLOSURE_DIRS = {"table": "xxpl", "dl": "disclosure", "kv": "info", "archive": "news", "cards": "yysj"}


def disclosure_index_url(p: Platform) -> str:
    return f"/p/{p.slug}/{DISCLOSURE_DIRS[p.site.layout]}/index.html"


def disclosure_list_url(p: Platform, k: int) -> str:
    if k == 1:
        return disclosure_index_url(p)
    d = DISCLOSURE_DIRS[p.site.layout]
    name = {"table": f"list_{k}.html", "dl": f"page-{k}.html", "kv": f"index_{k}.html",
            "archive": f"list_{k}.html", "cards": f"p{k}.html"}[p.site.layout]
    return f"/p/{p.slug}/{d}/{name}"


def report_url(p: Platform, first: date, article_no: int) -> str:
    lay = p.site.layout
    if lay == "table":
        return f"/p/{p.slug}/xxpl/{first.year}{first.month:02d}.html"
    if lay == "dl":
        return f"/p/{p.slug}/disclosure/{first.year}-{first.month:02d}.html"
    if lay == "kv":
        return f"/p/{p.slug}/info/report_{first.year}_{first.month:02d}.html"
    if lay == "cards":
        return f"/p/{p.slug}/yysj/{first.year}-{first.month}.html"
    return f"/p/{p.slug}/news/art_{article_no}.html"


# --------------------------------------------------------------------------- disclosure pages
def report_body(p: Platform, first: date, last: date, values: dict, prev: tuple | None) -> tuple[str, dict]:
    """Body of a monthly report and the canonical values it shows (metric -> value)."""
    st = p.site
    shown = {}
    items = []
    for code in SV.ORDER:
        if code in st.omit or code not in values:
            continue
        text, unit, canon = display(code, values[code], st)
        shown[code] = canon
        items.append((code, text, unit))
    period = period_text(first, last, st.period_style)
    lay = st.layout
    if lay == "table":
        if st.wide_table and prev is not None:
            pfirst, plast, pvalues = prev
            head = (f"<tr><th>指标</th><th>{esc(period_text(first, last, 0))}</th>"
                    f"<th>{esc(period_text(pfirst, plast, 0))}</th></tr>")
            rows = []
            for name, text, unit in items:
                ptext, punit, _ = display(name, pvalues[name], st) if name in pvalues else ("-", unit, None)
                rows.append(f"<tr><td>{esc(label_with_unit(name, st, unit))}</td>"
                            f"<td>{esc(value_with_unit(name, st, text, unit))}</td>"
                            f"<td>{esc(value_with_unit(name, st, ptext, punit) if ptext != '-' else '-')}</td></tr>")
        elif st.table_form == "unit_column":  # 指标 | 单位 | 数值
            head = "<tr><th>指标</th><th>单位</th><th>数值</th></tr>"
            rows = [f"<tr><td>{esc(st.labels[n] + (st.footnote or '' if SV.family(n) == 'ratio' else ''))}</td>"
                    f"<td>{esc(u)}</td><td>{esc(t)}</td></tr>" for n, t, u in items]
        elif st.table_form == "caption":  # 单位：万元 above the table, money bare, counts with their unit
            money = next((u for _n, _t, u in items if u in UNIT_FACTOR), "元")
            head = f"<caption>单位：{esc(money)}</caption><tr><th>项目</th><th>数据</th></tr>"
            rows = [f"<tr><td>{esc(st.labels[n] + (st.footnote or '' if SV.family(n) == 'ratio' else ''))}</td>"
                    f"<td>{esc(t if u in UNIT_FACTOR else t + u)}</td></tr>" for n, t, u in items]
        elif st.table_form == "transposed":  # labels in a header row, values below, six items a table
            tables = []
            for k in range(0, len(items), 6):
                chunk = items[k:k + 6]
                tables.append("<tr>" + "".join(f"<th>{esc(label_with_unit(n, st, u))}</th>" for n, _t, u in chunk)
                              + "</tr>\n<tr>" + "".join(f"<td>{esc(value_with_unit(n, st, t, u))}</td>"
                                                       for n, t, u in chunk) + "</tr>")
            head, rows = tables[0], []
            extra = "".join(f'\n<table class="data" border="1">\n{t}\n</table>' for t in tables[1:])
        elif p.no % 3 == 0:  # two label/value pairs per row
            head = "<tr><th>项目</th><th>数据</th><th>项目</th><th>数据</th></tr>"
            cells = [f"<td>{esc(label_with_unit(n, st, u))}</td><td>{esc(value_with_unit(n, st, t, u))}</td>"
                     for n, t, u in items]
            if len(cells) % 2:
                cells.append("<td></td><td></td>")
            rows = [f"<tr>{a}{b}</tr>" for a, b in zip(cells[::2], cells[1::2])]
        else:
            head = "<tr><th>项目</th><th>数据</th></tr>"
            rows = [f"<tr><td>{esc(label_with_unit(n, st, u))}</td><td>{esc(value_with_unit(n, st, t, u))}</td></tr>"
                    for n, t, u in items]
        body = (f"<h2>运营数据（{esc(period)}）</h2>\n<table class=\"data\" border=\"1\">\n{head}\n"
                + "\n".join(rows) + "\n</table>" + (extra if st.table_form == "transposed" else "")
                + "\n<p class=\"note\">注：数据统计口径详见《信息披露说明》，客服电话见页脚。</p>")
    elif lay == "dl":
        parts = [f"<dt>{esc(label_with_unit(n, st, u))}</dt><dd>{esc(value_with_unit(n, st, t, u))}</dd>"
                 for n, t, u in items]
        body = f"<h2>{esc(period)}运营报告</h2>\n<dl class=\"yybg\">\n" + "\n".join(parts) + "\n</dl>"
    elif lay == "kv":
        lines = []
        k = 0
        sep = "：" if p.no % 2 == 0 else ":"
        while k < len(items):
            per_line = 1 + (k + p.no) % 3 if p.no % 3 == 0 else 1
            chunk = items[k:k + per_line]
            k += per_line
            text = "；".join(f"{label_with_unit(n, st, u)}{sep}{value_with_unit(n, st, t, u)}" for n, t, u in chunk)
            tag = "li" if p.no % 2 else "p"
            lines.append(f"<{tag}>{esc(text)}</{tag}>")
        wrap = ("<ul>", "</ul>") if p.no % 2 else ("<div class=\"kv\">", "</div>")
        body = (f"<h2>{esc(period)}运营数据</h2>\n<p>统计时间：{esc(period)}</p>\n{wrap[0]}\n"
                + "\n".join(lines) + f"\n{wrap[1]}")
    elif lay == "cards":
        cards = []
        for n, t, u in items:
            unit = "" if (st.unit_in_label and u not in ("人", "笔")) or (u in ("人", "笔") and not st.count_suffix) else u
            cards.append(f'<li class="card"><div class="num"><span class="val">{esc(t)}</span>'
                         f'{f"<em>{esc(unit)}</em>" if unit else ""}</div>'
                         f'<div class="name">{esc(label_with_unit(n, st, u))}</div></li>')
        body = (f"<h2>运营数据 · {esc(period)}</h2>\n<ul class=\"data-cards\">\n" + "\n".join(cards) + "\n</ul>\n"
                f"<p class=\"note\">数据来源：{esc(p.brand)}运营中心</p>")
    else:
        clauses = []
        for n, t, u in items:
            verb = ("为", "达", "", "共计")[(len(clauses) + p.no) % 4]
            clauses.append(f"{st.labels[n]}{verb}{value_with_unit(n, st, t, u, prose=True)}")
        start = f"截至{last.year}年{last.month}月{last.day}日，{p.brand}平台"
        text = start + "，".join(clauses[:6]) + "。"
        if len(clauses) > 6:
            text2 = "此外，" + "，".join(clauses[6:12]) + "。"
            text3 = ("风险方面，" + "，".join(clauses[12:]) + "。") if len(clauses) > 12 else ""
        else:
            text2 = text3 = ""
        body = (f"<p>感谢广大出借人一直以来的支持与信任！现将{esc(period_text(first, last, 0))}运营情况披露如下：</p>\n"
                f"<p>{esc(text)}</p>\n<p>{esc(text2)}</p>\n<p>{esc(text3)}</p>\n"
                f"<p>{esc(p.brand)}将继续坚持合规经营，感谢您的陪伴。</p>")
    if st.footnote and any(SV.family(n) == "ratio" for n, _t, _u in items):
        body += f'\n<p class="note">{esc(st.footnote)}{esc(SV.FOOTNOTE_TEXT)}</p>'
    return body, shown


def report_page(p: Platform, first: date, last: date, published: date, body: str) -> str:
    title = f"{p.brand}{first.year}年{first.month}月运营数据披露"
    inner = (f"<h1>{esc(title)}</h1>\n<p class=\"meta\">发布时间：{published.isoformat()}　来源：{esc(p.brand)}　"
             f"浏览次数：{N.mix(p.no, first.toordinal()) % 5000 + 100}</p>\n{platform_ad(p)}\n{body}")
    return page(title, inner, charset=p.site.charset_label, nav=platform_nav(p), footer=platform_footer(p))


def list_page(p: Platform, title: str, entries: list[tuple[str, str, date]], k: int, pages: int,
              url_of) -> str:
    lis = "\n".join(f'<li><a href="{u}">{esc(t)}</a> <span class="date">{d.isoformat()}</span></li>'
                    for t, u, d in entries)
    nav = []
    if k > 1:
        nav.append(f'<a href="{url_of(k - 1)}">上一页</a>')
    for j in range(1, pages + 1):
        nav.append(f"<b>{j}</b>" if j == k else f'<a href="{url_of(j)}">{j}</a>')
    if k < pages:
        nav.append(f'<a href="{url_of(k + 1)}">下一页</a>')
    body = (f"<h1>{esc(title)}</h1>\n<ul class=\"list\">\n{lis}\n</ul>\n"
            f"<div class=\"pager\">共{pages}页 {' '.join(nav)}</div>")
    return body


def home_page(p: Platform, latest: list[tuple[str, str, date]], closure: str | None, published: date) -> str:
    lis = "\n".join(f'<li><a href="{u}">{esc(t)}</a> {d.isoformat()}</li>' for t, u, d in latest[:5])
    notice = f'<p class="alert"><a href="{closure}">重要公告</a></p>' if closure else ""
    body = (f"<h1>{esc(p.brand)} — 专业的网络借贷信息中介服务平台</h1>\n{notice}\n{platform_ad(p)}\n"
            f"<p>资金由{esc(p.custody_bank)}存管  |  平均历史年化收益 详见信息披露</p>\n"
            f"<h2>最新披露</h2>\n<ul>\n{lis}\n</ul>\n<p class=\"meta\">发布时间：{published.isoformat()}</p>")
    return page(f"{p.brand}官网", body, charset=p.site.charset_label, nav=platform_nav(p),
                footer=platform_footer(p))


def about_page(p: Platform, published: date) -> str:
    c = p.company
    holders = "".join(f"<tr><td>{esc(n)}</td><td>{share * 100:.0f}%</td></tr>" for n, _k, _i, share in c.shareholders)
    execs = "".join(f"<li>{esc(role)}：{esc(name)}</li>" for name, role in c.executives)
    body = (f"<h1>关于我们</h1>\n<table class=\"info\">\n"
            f"<tr><th>公司全称</th><td>{esc(c.name)}</td></tr>\n"
            f"<tr><th>统一社会信用代码</th><td>{c.uscc}</td></tr>\n"
            f"<tr><th>注册资本</th><td>{c.registered_capital // 10000:,}万元</td></tr>\n"
            f"<tr><th>实缴资本</th><td>{c.paid_in_capital // 10000:,}万元</td></tr>\n"
            f"<tr><th>法定代表人</th><td>{esc(N.person_name(c.legal_rep))}</td></tr>\n"
            f"<tr><th>实际控制人</th><td>{esc(N.person_name(p.controller))}</td></tr>\n"
            f"<tr><th>存管银行</th><td>{esc(p.custody_bank)}</td></tr>\n"
            f"<tr><th>注册地址</th><td>{esc(c.address)}</td></tr>\n"
            f"<tr><th>成立日期</th><td>{c.established.isoformat()}</td></tr>\n</table>\n"
            f"<h2>股东信息</h2>\n<table class=\"holders\"><tr><th>股东</th><th>持股比例</th></tr>{holders}</table>\n"
            f"<h2>高管团队</h2>\n<ul>{execs}</ul>\n<p class=\"meta\">发布时间：{published.isoformat()}</p>")
    return page(f"关于我们 - {p.brand}", body, charset=p.site.charset_label, nav=platform_nav(p),
                footer=platform_footer(p))


def platform_article(p: Platform, title: str, text: str, published: date) -> str:
    body = (f"<h1>{esc(title)}</h1>\n<p class=\"meta\">发布时间：{published.isoformat()}</p>\n"
            + "\n".join(f"<p>{esc(t)}</p>" for t in text.split("\n")))
    return page(title, body, charset=p.site.charset_label, nav=platform_nav(p), footer=platform_footer(p))


def platform_shell(p: Platform, title: str, body: str) -> str:
    return page(title, body, charset=p.site.charset_label, nav=platform_nav(p), footer=platform_footer(p))


# --------------------------------------------------------------------------- city-wide sites
def site_shell(site: str, title: str, body: str) -> str:
    names = {"registry": "示范市企业信用信息公示系统", "court": "示范市中级人民法院 · 审判与执行信息公开",
             "complaints": "金融消费投诉平台", "news": "示范财经网"}
    nav = (f'<div class="nav"><b>{names[site]}</b> | <a href="/{site}/">首页</a> | '
           f'<a href="/">城市门户</a></div>')
    footer = '<div class="footer">主办单位：示范市人民政府 | 技术支持：0755-8888 6666</div>'
    return page(title, body, charset="utf-8", nav=nav, footer=footer)


def company_page(f: Firm, pages_of: dict[str, str], status: str, published: date) -> str:
    def link(name: str) -> str:
        u = pages_of.get(name)
        return f'<a href="{u}">{esc(name)}</a>' if u else esc(name)

    holders = "\n".join(
        f"<tr><td>{link(n)}</td><td>{'企业法人' if k == 'company' else '自然人股东'}</td>"
        f"<td>{esc(i) if k == 'company' else '非公示项'}</td><td>{share * 100:.0f}%</td></tr>"
        for n, k, i, share in f.shareholders)
    execs = "\n".join(f"<tr><td>{esc(n)}</td><td>{esc(r)}</td></tr>" for n, r in f.executives)
    guars = "\n".join(f"<tr><td>{link(a)}</td><td>{link(b)}</td><td>{amt // 10000:,}万元</td></tr>"
                      for a, b, amt in f.guarantees) or '<tr><td colspan="3">暂无</td></tr>'
    changes = "\n".join(f"<tr><td>{d}</td><td>{esc(fl)}</td><td>{esc(o)}</td><td>{esc(nw)}</td></tr>"
                        for d, fl, o, nw in f.changes) or '<tr><td colspan="4">暂无</td></tr>'
    body = (f"<h1>{esc(f.name)}</h1>\n<p class=\"meta\">公示日期：{published.isoformat()}</p>\n"
            f"<table class=\"base\">\n<tr><th>统一社会信用代码</th><td>{f.uscc}</td></tr>\n"
            f"<tr><th>企业名称</th><td>{esc(f.name)}</td></tr>\n"
            f"<tr><th>法定代表人</th><td>{esc(N.person_name(f.legal_rep))}</td></tr>\n"
            f"<tr><th>注册资本</th><td>{f.registered_capital // 10000:,}万元人民币</td></tr>\n"
            f"<tr><th>实缴资本</th><td>{f.paid_in_capital // 10000:,}万元人民币</td></tr>\n"
            f"<tr><th>成立日期</th><td>{f.established.isoformat()}</td></tr>\n"
            f"<tr><th>住所</th><td>{esc(f.address)}</td></tr>\n"
            f"<tr><th>经营范围</th><td>{esc(f.scope)}</td></tr>\n"
            f"<tr><th>登记状态</th><td>{status}</td></tr>\n</table>\n"
            f"<h2>股东及出资信息</h2>\n<table class=\"holders\"><tr><th>股东名称</th><th>股东类型</th>"
            f"<th>证照号码</th><th>持股比例</th></tr>\n{holders}\n</table>\n"
            f"<h2>主要人员</h2>\n<table class=\"execs\"><tr><th>姓名</th><th>职务</th></tr>\n{execs}\n</table>\n"
            f"<h2>对外担保</h2>\n<table class=\"guarantees\"><tr><th>担保人</th><th>被担保人</th><th>担保金额</th></tr>\n"
            f"{guars}\n</table>\n"
            f"<h2>变更记录</h2>\n<table class=\"changes\"><tr><th>变更日期</th><th>变更事项</th><th>变更前</th>"
            f"<th>变更后</th></tr>\n{changes}\n</table>")
    return site_shell("registry", f"{f.name} - 企业信用信息", body)


def paged_lists(site: str, title: str, base: str, entries: list[tuple[str, str, date]], size: int = 20
                ) -> list[tuple[str, str]]:
    """(url, html) of the paginated list pages of a city-wide site, newest first."""
    entries = sorted(entries, key=lambda e: e[2], reverse=True)
    pages = max(1, (len(entries) + size - 1) // size)

    def url_of(k: int) -> str:
        return f"{base}index.html" if k == 1 else f"{base}list_{k}.html"

    out = []
    for k in range(1, pages + 1):
        body = list_page(None, title, entries[(k - 1) * size:k * size], k, pages, url_of)  # type: ignore[arg-type]
        out.append((url_of(k), site_shell(site, title if k == 1 else f"{title} 第{k}页", body)))
    return out

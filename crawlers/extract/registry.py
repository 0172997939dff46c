"""Company pages of the business registry (企业信用信息公示): company, shareholders, executives, guarantees, changes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from monitor.text import nfkc, normalize_label

from crawlers.extract.dates import find_published, parse_date
from crawlers.extract.html import clean, element_text, parse_html, title
from crawlers.extract.quantities import parse_amount
from crawlers.extract.tables import find_column, key_values, pick, table_records, uscc_in

_PERSON_ID = re.compile(r"\d{6}[\d*]{8}[\dXx*]{4}|\d{6}\*+\d{2,4}[\dXx]?")
_SHARE = re.compile(r"([\d.]+)\s*%")
# Badges aggregators print beside a shareholder's name (上海沣谷投资控股有限公司 大股东).
_BADGES = re.compile(r"\s*(?:大股东|控股股东|第一大股东|实际控制人|最终受益人|法定代表人|执行事务合伙人|历史股东)\s*$")


@dataclass
class RegistryResult:
    company: dict | None = None
    shareholders: list[dict] = field(default_factory=list)
    executives: list[dict] = field(default_factory=list)
    controllers: list[dict] = field(default_factory=list)
    guarantees: list[dict] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    former_legal_representatives: list[dict] = field(default_factory=list)  # {name, end}
    published_at: datetime | None = None
    related_urls: list[str] = field(default_factory=list)  # registry pages of related firms linked from here
    reason: str | None = None


def _party(name: str, hrefs: list[str], kind_text: str = "", id_text: str = "") -> dict:
    name = " ".join(name.split())  # as printed: full-width brackets stay (names are matched normalised)
    uscc = uscc_in(id_text) or next((u for h in hrefs if (u := uscc_in(h))), None)
    is_company = bool(uscc) or any(k in kind_text for k in ("企业", "公司", "法人", "机构")) or \
        any(name.endswith(s) for s in ("公司", "企业", "合伙)", "合伙）", "中心", "集团", "事务所", "Ltd", "Limited"))
    if "自然人" in kind_text or "个人" in kind_text:
        is_company = False
    if is_company:
        return {"kind": "company", "name": name, "uscc": uscc}
    m = _PERSON_ID.search(id_text or "")
    return {"kind": "person", "name": name, "id": m.group(0) if m else None}


def _share(text: str) -> float | None:
    t = nfkc(text or "")
    m = _SHARE.search(t)
    if m:
        return round(float(m.group(1)) / 100, 10)
    try:
        v = float(t)
    except ValueError:
        return None
    return v if v <= 1 else v / 100


def _subscribed_share(text: str, header: str, registered: float | None) -> float | None:
    """A shareholder's share from its subscribed amount (认缴出资额（万元） 3000) and the registered capital."""
    t = nfkc(text or "").strip()
    if not registered or not t:
        return None
    unit = re.search(r"(亿元|万元|元)", nfkc(header))
    amount = parse_amount(t if re.search(r"[元万亿]", t) or not unit else t + unit.group(1))
    if amount is None or amount <= 0 or amount > registered * 1.0001:
        return None
    return round(amount / registered, 6)


def _names(text: str) -> list[str]:
    """Names listed in one field: 韩立新、唐卫国（共同实际控制人） → [韩立新, 唐卫国]."""
    text = re.sub(r"[(（][^()（）]*[)）]", "", text)
    names = (n.strip() for n in re.split(r"[、,，;；/]|\s+和\s+|\s+及\s+", text))
    return [n for n in names if n and n not in ("-", "无", "暂无")]


def _controller_card(body) -> str | None:
    """The name on an aggregator's 实际控制人 card: the bold name in the block after that heading."""
    for h in body.iter("h2", "h3", "h4", "h5"):
        if normalize_label(element_text(h)) != "实际控制人":
            continue
        block = h.getnext()
        if block is None:
            return None
        strong = next(iter(block.iter("b", "strong", "a")), None)
        return element_text(strong) if strong is not None else None
    return None


def extract_registry(html: str, url: str = "", tree=None) -> RegistryResult:
    """Company, parties, guarantees and changes of one registry page (``tree``: ``html`` already parsed)."""
    tree = clean(tree if tree is not None else parse_html(html))
    body = tree.body if tree.body is not None else tree
    res = RegistryResult(published_at=find_published(element_text(body)))
    pairs = key_values(body)
    name = pick(pairs, "企业名称", "名称", "公司名称", "企业(机构)名称")
    uscc = uscc_in(pick(pairs, "统一社会信用代码", "信用代码", "社会信用代码") or "") or uscc_in(url)
    if not name:
        h1 = next(iter(tree.iter("h1")), None)
        name = element_text(h1) if h1 is not None else title(tree)
    if not name or not uscc:
        res.reason = "no company name and USCC found"
        return res
    established = pick(pairs, "成立日期", "成立时间", "注册日期")
    res.company = {
        "name": name, "uscc": uscc,
        "registered_capital": parse_amount(pick(pairs, "注册资本") or ""),
        "paid_in_capital": parse_amount(pick(pairs, "实缴资本", "实收资本", "实缴出资额") or ""),
        "legal_representative": pick(pairs, "法定代表人", "法人代表", "负责人", "执行事务合伙人"),
        "address": pick(pairs, "住所", "注册地址", "地址", "经营场所", "企业地址"),
        "established_on": parse_date(established) if established else None,
    }
    controller = pick(pairs, "实际控制人") or _controller_card(body)
    for name in _names(controller or ""):
        res.controllers.append(_party(name, []))

    for table in body.iter("table"):
        header, rows = table_records(table)
        if not rows:
            continue
        norm = [normalize_label(h) for h in header]
        joined = "|".join(norm)
        if any("变更" in h for h in norm):
            c_date = find_column(header, "变更日期", "日期", "时间")
            c_field = find_column(header, "变更事项", "事项", "项目")
            c_old = find_column(header, "变更前")
            c_new = find_column(header, "变更后")
            for r in rows:
                d = parse_date(r[c_date]["text"]) if c_date and c_date in r else None
                if d is None:
                    continue
                res.changes.append({"date": d, "field": r.get(c_field, {}).get("text") if c_field else None,
                                    "old": r.get(c_old, {}).get("text") if c_old else None,
                                    "new": r.get(c_new, {}).get("text") if c_new else None})
        elif "担保" in joined:
            c_gr = find_column(header, "担保方", "担保人", "保证人", exclude=("被担保",))
            c_ge = find_column(header, "被担保方", "被担保人", "债务人")
            c_amt = find_column(header, "担保金额", "金额")
            for r in rows:
                gr = r.get(c_gr) if c_gr else None
                ge = r.get(c_ge) if c_ge else None
                me = {"text": name, "hrefs": [url]}
                gr, ge = gr or me, ge or me
                if not gr["text"] or not ge["text"]:
                    continue
                res.guarantees.append({"guarantor": _party(gr["text"], gr["hrefs"], "公司"),
                                       "guaranteed": _party(ge["text"], ge["hrefs"], "公司"),
                                       "amount": parse_amount(r[c_amt]["text"]) if c_amt and c_amt in r else None})
                res.related_urls += gr["hrefs"] + ge["hrefs"]
        elif "股东" in joined or "出资人" in joined or "持股" in joined or "出资比例" in joined:
            c_name = find_column(header, "股东名称", "股东", "出资人", "名称", exclude=("类型", "类别"))
            c_kind = find_column(header, "股东类型", "类型", "类别")
            c_share = find_column(header, "持股比例", "出资比例", "比例", "持股")
            c_id = find_column(header, "证件", "证照", "信用代码", "身份证")
            c_sub = find_column(header, "认缴出资额", "认缴出资", "认缴额", "出资额", "出资金额",
                                exclude=("方式", "日期", "时间", "实缴"))
            for r in rows:
                if not c_name or c_name not in r or not r[c_name]["text"]:
                    continue
                p = _party(_BADGES.sub("", r[c_name]["text"]).strip(), r[c_name]["hrefs"],
                           r.get(c_kind, {}).get("text", "") if c_kind else "",
                           r.get(c_id, {}).get("text", "") if c_id else "")
                p["share"] = _share(r[c_share]["text"]) if c_share and c_share in r else None
                if p["share"] is None and c_sub and c_sub in r:
                    p["share"] = _subscribed_share(r[c_sub]["text"], c_sub, res.company["registered_capital"])
                res.shareholders.append(p)
                res.related_urls += r[c_name]["hrefs"]
        elif "职务" in joined or "职位" in joined:
            c_name = find_column(header, "姓名", "名称")
            c_role = find_column(header, "职务", "职位")
            c_id = find_column(header, "证件", "身份证")
            for r in rows:
                if c_name and c_name in r and r[c_name]["text"]:
                    id_text = r.get(c_id, {}).get("text", "") if c_id else ""
                    m = _PERSON_ID.search(id_text)
                    res.executives.append({"name": r[c_name]["text"], "role": r.get(c_role, {}).get("text") if c_role else None,
                                           "id": m.group(0) if m else None})
        elif "实际控制人" in joined:
            c_name = find_column(header, "实际控制人", "姓名", "名称")
            for r in rows:
                if c_name and c_name in r and r[c_name]["text"]:
                    res.controllers.append(_party(r[c_name]["text"], r[c_name]["hrefs"]))
    _dated_roles(res)
    # The page shows the state after its latest change: it was not public before that change.
    latest = max((c["date"] for c in res.changes if c["date"]), default=None)
    if latest is not None:
        from crawlers.extract.dates import to_utc

        if res.published_at is None or res.published_at < to_utc(latest):
            res.published_at = to_utc(latest)
    return res


def registry_records(res: RegistryResult) -> dict:
    return {"company": res.company, "shareholders": res.shareholders, "executives": res.executives,
            "controllers": res.controllers, "guarantees": res.guarantees, "changes": res.changes,
            "former_legal_representatives": res.former_legal_representatives}


_NOTE = re.compile(r"[（(]([^（）()]*)[）)]\s*$")


def _listed(text: str | None) -> list[tuple[str, str | None]]:
    """(name, role) of a change record's side: 汪志勇（出资比例：70.00%）；熊建国（监事）."""
    return [(n, r) for n, r, _share in _listed_shares(text)]


def _listed_shares(text: str | None) -> list[tuple[str, str | None, float | None]]:
    out = []
    for part in re.split(r"[；;，,、\n]+", nfkc(text or "")):
        part = part.strip()
        if not part:
            continue
        m = _NOTE.search(part)
        note = m.group(1).strip() if m else None
        name = part[:m.start()].strip() if m else part
        share = None
        if note and ("出资" in note or "%" in note):
            share, note = _share(note), None  # a share, not a role
        if name:
            out.append((name, note, share))
    return out


def _dated_roles(res: RegistryResult) -> None:
    """Start and end dates from the change records: a 法定代表人 / 股东 / 人员 change ends the roles on its
    left and starts those on its right. Ended roles are kept (``former_legal_representatives``, and
    shareholders and executives with ``end``); current ones get their ``start``."""
    def key(name: str) -> str:
        return normalize_label(name)

    for ch in sorted(res.changes, key=lambda c: c["date"]):
        what = nfkc(ch.get("field") or "")
        before, after = _listed(ch.get("old")), _listed(ch.get("new"))
        d = ch["date"]
        if "法定代表人" in what or "负责人" in what:
            new_names = {key(n) for n, _ in after}
            for name, _ in before:
                if key(name) not in new_names:
                    res.former_legal_representatives.append({"name": name, "end": d})
            if res.company and res.company.get("legal_representative") and \
                    key(res.company["legal_representative"]) in new_names:
                res.company["legal_representative_since"] = d
        elif "股东" in what or "投资人" in what or "股权" in what:
            old_names = {key(n) for n, _ in before}
            new_names = {key(n) for n, _ in after}
            current = {key(sh["name"]): sh for sh in res.shareholders}
            for name, _ in after:
                if key(name) not in old_names and key(name) in current:
                    current[key(name)]["start"] = d
            for name, _role, share in _listed_shares(ch.get("old")):
                if key(name) not in new_names and key(name) not in current:
                    res.shareholders.append({**_party(name, []), "share": share, "end": d})
        elif "人员" in what or "董事" in what or "监事" in what or "经理" in what:
            old_roles = {(key(n), r) for n, r in before}
            new_roles = {(key(n), r) for n, r in after}
            current = {(key(e["name"]), e.get("role")): e for e in res.executives}
            for name, role in after:
                if (key(name), role) not in old_roles and (key(name), role) in current:
                    current[(key(name), role)]["start"] = d
            for name, role in before:
                if (key(name), role) not in new_roles and (key(name), role) not in current:
                    res.executives.append({"name": name, "role": role, "id": None, "end": d})


def is_company_page(url: str, html_title: str) -> bool:
    """Heuristic for registry pages that should hold one company (used to flag unreadable ones)."""
    return bool(uscc_in(url)) or "company" in url.lower()



# --------------------------------------------------------------------------- aliases: brands and short names
# Place words a registered name starts with (provinces, larger cities, free-trade zones), longest first.
_PLACES = tuple(sorted((
    "北京", "上海", "天津", "重庆", "深圳", "广州", "杭州", "南京", "成都", "武汉", "厦门", "苏州", "合肥", "西安", "济南",
    "青岛", "宁波", "长沙", "郑州", "福州", "昆明", "南昌", "沈阳", "大连", "哈尔滨", "长春", "石家庄", "太原", "南宁",
    "贵阳", "兰州", "海口", "东莞", "佛山", "无锡", "温州", "珠海", "中山", "惠州", "常州", "嘉兴", "绍兴", "金华",
    "台州", "泉州", "烟台", "潍坊", "徐州", "扬州", "南通", "乌鲁木齐", "呼和浩特", "银川", "西宁", "拉萨",
    "广东", "浙江", "江苏", "山东", "福建", "四川", "湖北", "湖南", "河南", "河北", "安徽", "江西", "陕西", "山西",
    "辽宁", "吉林", "黑龙江", "云南", "贵州", "广西", "海南", "甘肃", "内蒙古", "新疆", "宁夏", "青海", "西藏",
    "前海", "横琴", "南沙", "滨海新区", "浦东新区", "中国(上海)自由贸易试验区"), key=len, reverse=True))
# Trade words between the firm's own name and its legal form, longest first.
_TRADES = tuple(sorted((
    "互联网金融信息服务", "互联网金融服务", "金融信息服务", "互联网金融", "网络科技", "信息技术", "信息科技", "信息服务",
    "金融服务", "电子商务", "投资管理", "资产管理", "金融科技", "网络技术", "科技", "网络", "金融", "信息", "投资", "咨询",
    "服务", "互联网", "技术", "控股", "集团"), key=len, reverse=True))
_GENERIC = re.compile(r"首页|官网|官方网站|信息披露|运营|数据|报告|公告|组织信息|关于我们|专栏|平台|网贷|查询|系统|企业|工商|"
                      r"信用|有限公司|\d")


def short_names(registered_name: str) -> list[str]:
    """Names a platform goes by that can be read off its registered name: 重庆渝麦网络科技有限公司 → 渝麦,
    武汉楚汇通网络科技有限公司 → 楚汇通 (place words and trade words dropped; two characters at least)."""
    from monitor.text import normalize_name

    name = normalize_name(registered_name)
    stripped = True
    while stripped:
        stripped = False
        for place in _PLACES:
            for form in (place + "市", place + "省", place):
                if name.startswith(form) and len(name) > len(form) + 1:
                    name, stripped = name[len(form):], True
                    break
            if stripped:
                break
    trimmed = True
    while trimmed:
        trimmed = False
        for trade in _TRADES:
            if name.endswith(trade) and len(name) - len(trade) >= 2:
                name, trimmed = name[: -len(trade)], True
                break
    return [name] if 2 <= len(name) <= 8 and name != normalize_name(registered_name) else []


def site_brands(html: str, tree=None) -> list[str]:
    """Brand names a platform's own page states: a 品牌 / 平台名称 field, and the site name its <title> ends
    with (2018年6月运营信息-泓信宝)."""
    tree = tree if tree is not None else parse_html(html)
    out: list[str] = []
    pairs = key_values(tree)
    for label in ("品牌", "平台品牌", "平台名称", "网站名称", "品牌名称"):
        value = pick(pairs, label)
        if value:
            out.append(value.strip())
    head = title(tree)
    parts = [p.strip() for p in re.split(r"\s*[-_|｜—–·]\s*", head) if p.strip()]
    if len(parts) >= 2:
        out.append(parts[-1])
    return [b for b in dict.fromkeys(nfkc(b) for b in out) if 2 <= len(b) <= 10 and not _GENERIC.search(b)]

"""Dated items of court notices, enforcement lists, complaint boards and news sites."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit

from monitor.text import nfkc

from crawlers.extract.dates import DATE_RE, find_published, parse_date, to_utc
from crawlers.extract.html import clean, element_text, parse_html, text_lines, title
from crawlers.extract.quantities import parse_amount
from crawlers.extract.tables import find_column, is_key_value_table, key_values, pick, table_records, uscc_in

COMPLAINT_KEYWORDS = ("提现困难", "无法提现", "提现失败", "逾期", "无法回款", "回款慢", "延期兑付", "兑付困难",
                      "失联", "跑路", "暴雷", "爆雷", "清盘", "立案", "诈骗", "非法集资", "停业", "暂停", "退出",
                      "良性退出", "立案侦查", "经侦", "冻结", "维权", "平台关闭", "网站打不开")
_CASE_NO = re.compile(r"[(（]\s*(?:19|20)\d{2}\s*[)）]\s*[\u4e00-\u9fa5\d]+?\d+\s*号")


def keywords(text: str) -> list[str]:
    t = nfkc(text or "")
    return [k for k in COMPLAINT_KEYWORDS if k in t]


_DOC_TYPES = (("开庭公告", "hearing"), ("判决书", "judgment"), ("裁定书", "ruling"), ("调解书", "mediation"),
              ("决定书", "decision"), ("立案", "filing"), ("失信", "dishonest"), ("被执行", "enforcement"))


def doc_type(text: str) -> str:
    """What kind of court document a heading announces (one case has a hearing notice, a judgment...)."""
    return next((code for word, code in _DOC_TYPES if word in text), "notice")


def court_kind(context: str) -> str:
    """lawsuit / enforcement / dishonest from the words around a court item."""
    if "失信" in context:
        return "dishonest"
    if "被执行" in context or "执行标的" in context or "执行案件" in context:
        return "enforcement"
    return "lawsuit"


def _external(prefix: str, *parts) -> str:
    return prefix + ":" + hashlib.sha1("|".join(str(p) for p in parts).encode()).hexdigest()[:16]


def extract_table_items(html: str, url: str, family: str, tree=None) -> tuple[list[dict], str]:
    """Items listed in tables (court lists, enforcement lists): one event per row. Returns (events, page text)."""
    tree = clean(tree if tree is not None else parse_html(html))
    body = tree.body if tree.body is not None else tree
    page_text = "\n".join(text_lines(body))
    context = title(tree) + " " + " ".join(element_text(h) for h in body.iter("h1", "h2", "h3"))
    events = []
    for table in body.iter("table"):
        if is_key_value_table(table):
            continue
        header, rows = table_records(table)
        if not rows:
            continue
        c_case = find_column(header, "案号", "编号", "文书号")
        c_date = find_column(header, "立案日期", "立案时间", "开庭日期", "开庭时间", "发布日期", "公布日期", "裁判日期",
                             "日期", "时间")
        c_party = find_column(header, "被执行人", "失信被执行人", "被告", "当事人", "被申请人", "名称", "企业名称")
        c_plaintiff = find_column(header, "原告", "申请人", "申请执行人")
        c_amount = find_column(header, "执行标的", "标的金额", "涉案金额", "金额", "标的")
        c_uscc = find_column(header, "统一社会信用代码", "信用代码", "证件号")
        c_title = find_column(header, "案由", "标题", "事由")
        if not (c_case or c_party):
            continue
        tctx = context + " " + " ".join(header)
        for r in rows:
            get = lambda c: r[c]["text"] if c and c in r else ""  # noqa: E731
            party = get(c_party)
            case_no = get(c_case)
            d = parse_date(get(c_date)) if c_date else None
            text = " ".join(v["text"] for v in r.values())
            kind = court_kind(tctx + " " + text) if family == "court" else family
            link = next((h for v in r.values() for h in v["hrefs"]), None)
            events.append({
                "kind": kind, "title": (get(c_title) or case_no or party)[:500] or kind,
                "body": text, "occurred_on": d, "published_at": to_utc(d) if d else None,
                "amount": parse_amount(get(c_amount)) if c_amount else None,
                "parties": [p for p in (party, get(c_plaintiff)) if p], "subject_name": party or None,
                "uscc": uscc_in(get(c_uscc)) or uscc_in(text), "keywords": keywords(text),
                "external_id": f"{kind}:{case_no}" if case_no else _external(kind, url, text),
                "detail_url": link,
            })
    return events, page_text


def is_list_page(el) -> bool:
    """Mostly links (a list of items with dates, a pager): not an item itself."""
    total = len("".join(text_lines(el)))
    without_links = len("".join(text_lines(el, skip_links=True)))
    return total > 0 and (total - without_links) >= 0.4 * total


# Notice families, in the order they are tried (a distress notice may also mention 暂停新标).
NOTICE_FAMILIES = (
    ("police_case", ("立案侦查", "经侦立案", "警情通报", "刑事立案")),
    ("deferred_payment", ("延期兑付",)),
    ("distress", ("兑付困难", "逾期兑付", "无法兑付", "提现困难")),
    ("wind_down", ("清盘",)),
    ("benign_exit", ("良性退出",)),
    ("stopped_operations", ("停止运营", "终止运营", "停业")),
    ("suspended_lending", ("暂停发标", "停止发标", "暂停发布新")),
)


def notice_family(heading: str, text: str = "") -> str | None:
    """The family of a platform or police notice: by its heading, else by its text."""
    for words in (nfkc(heading), nfkc(text)):
        for family, keys in NOTICE_FAMILIES:
            if any(k in words for k in keys):
                return family
    return None


def _signed_date(lines: list[str]):
    """The date of a notice: stated (发布时间), else its sign-off (a last line that is a date), else a
    date-only line near the top ("泓信宝 2018-10-15")."""
    published = find_published("\n".join(lines))
    if published:
        return published.date()
    for line in [*reversed(lines[-8:]), *lines[:8]]:
        m = DATE_RE.search(line)
        if m and len(line) - len(m.group(0)) <= 12:
            return parse_date(m.group(0))
    return None


def platform_notice(html: str, tree=None) -> dict | None:
    """A notice (公告, 说明, 警情通报) with its family and date, else None: ``{family, date, heading}``."""
    tree = clean(tree if tree is not None else parse_html(html))
    body = tree.body if tree.body is not None else tree
    if is_list_page(body):
        return None
    h1 = next(iter(body.iter("h1")), None)
    heading = element_text(h1) if h1 is not None else title(tree)
    lines = text_lines(body, skip_links=True)
    if not re.search(r"公告|说明|通报|通知|声明|告知书|致.*的信", heading):
        return None
    family = notice_family(heading, "\n".join(lines[:30]))
    return {"family": family, "date": _signed_date(lines), "heading": heading} if family else None


CLOSURE_WORDS = ("清盘", "停止运营", "终止运营", "良性退出", "停业", "暂停运营", "退出网贷", "清算", "停止发标")


def closure_notice(html: str, url: str, tree=None) -> dict | None:
    """A platform's own closure notice (公告: 清盘, 良性退出, 停止运营 ...) as a ``closure`` event, else None."""
    tree = clean(tree if tree is not None else parse_html(html))
    body = tree.body if tree.body is not None else tree
    h1 = next(iter(body.iter("h1")), None)
    heading = element_text(h1) if h1 is not None else title(tree)
    if not any(w in heading for w in CLOSURE_WORDS) or is_list_page(body):
        return None
    lines = text_lines(body, skip_links=True)
    text = "\n".join(lines)
    published = find_published(text)
    occurred = published.date() if published else _signed_date(lines)
    return {"kind": "closure", "title": heading[:500], "body": text[:20000],
            "occurred_on": occurred, "published_at": published, "family": notice_family(heading, text),
            "keywords": keywords(heading + text), "external_id": f"closure:{url}"}


# Families whose notice ends the platform's business: stored as ``closure`` events (the status reads them).
CLOSING_FAMILIES = ("wind_down", "benign_exit", "stopped_operations")


def event_kind(family: str) -> str:
    """The event kind a notice family is stored under: ``closure`` for the closing families, else the family."""
    return "closure" if family in CLOSING_FAMILIES else family


def notice_event(html: str, url: str, tree=None) -> dict | None:
    """A platform or police notice as an event of its family's kind (``family`` kept), else None.

    Read by :func:`platform_notice`; a closure heading without a notice word (停止运营说明 aside) is still
    read by :func:`closure_notice`."""
    tree = clean(tree if tree is not None else parse_html(html))
    notice = platform_notice(html, tree)
    if notice is None:
        closure = closure_notice(html, url, tree)
        if closure is None:
            return None
        family = closure.get("family") or "stopped_operations"
        return {**closure, "kind": event_kind(family), "family": family,
                "external_id": f"{event_kind(family)}:{url}"}
    body = tree.body if tree.body is not None else tree
    lines = text_lines(body, skip_links=True)
    text = "\n".join(lines)
    published = find_published(text)
    if published is None and notice["date"] is not None:
        published = to_utc(notice["date"])
    kind = event_kind(notice["family"])
    return {"kind": kind, "family": notice["family"], "title": notice["heading"][:500], "body": text[:20000],
            "occurred_on": notice["date"], "published_at": published,
            "keywords": keywords(notice["heading"] + text), "external_id": f"{kind}:{url}"}


def extract_article(html: str, url: str, family: str, tree=None) -> dict | None:
    """One article-like item (a court notice, a complaint post, a news article) or None when the page is a list."""
    tree = clean(tree if tree is not None else parse_html(html))
    body = tree.body if tree.body is not None else tree
    h1 = next(iter(body.iter("h1")), None)
    heading = element_text(h1) if h1 is not None else ""
    if not heading:
        return None
    article = next(iter(body.iter("article")), None)
    content_el = article if article is not None else body
    lines = text_lines(content_el, skip_links=True)
    text = "\n".join(lines)
    if len(text) < 20 or is_list_page(content_el):
        return None
    pairs = key_values(content_el)
    published = find_published(text)
    if published is None:
        for line in lines[:20]:
            m = DATE_RE.search(line)
            if m and len(line) <= 30:
                d = parse_date(m.group(0))
                published = to_utc(d) if d else None
                break
    if published is None:
        v = pick(pairs, "投诉时间", "投诉日期", "发帖时间")
        d = parse_date(v) if v else None
        published = to_utc(d) if d else None
    occurred = None
    for label in ("立案日期", "立案时间", "开庭日期", "开庭时间", "裁判日期", "发生日期", "投诉日期", "投诉时间"):
        v = pick(pairs, label)
        if v and parse_date(v):
            occurred = parse_date(v)
            break
    if occurred is None and published is not None:
        occurred = published.date()
    case_no = pick(pairs, "案号")
    m = _CASE_NO.search(nfkc(text)) if not case_no else None
    case_no = case_no or (m.group(0) if m else None)
    kind = court_kind(heading + " " + text) if family == "court" else family
    platform = pick(pairs, "投诉对象", "涉及平台", "平台名称", "平台", "被投诉方", "被投诉平台", "涉事平台")
    party = pick(pairs, "被执行人", "失信被执行人", "被告", "当事人", "被申请人")
    plaintiff = pick(pairs, "原告", "申请执行人", "申请人", "上诉人")
    amount_text = pick(pairs, "执行标的", "标的金额", "涉案金额", "涉诉金额", "涉及金额", "投诉金额", "金额")
    return {
        "kind": kind, "title": heading[:500], "body": text[:20000], "occurred_on": occurred,
        "published_at": published, "amount": parse_amount(amount_text) if amount_text else None,
        "parties": [p for p in (platform, party, plaintiff) if p], "subject_name": platform or party or plaintiff,
        "uscc": uscc_in(pick(pairs, "统一社会信用代码", "信用代码") or ""), "keywords": keywords(heading + text),
        "external_id": f"{kind}:{case_no}:{doc_type(heading)}" if case_no else f"{kind}:{url}",
    }



# --------------------------------------------------------------------------- posts inline on a list page
_POST_PLATFORM = ("投诉对象", "涉及平台", "被投诉方", "被投诉平台", "涉事平台", "平台名称", "平台")
_FIELD = re.compile(r"^\s*[\[【]?\s*([\u4e00-\u9fff]{2,6})\s*[\]】]?\s*[:：]?\s*(.+?)\s*$")
_POST_DATE = re.compile(r"(?:发表于|发布于|投诉时间|投诉日期|发帖时间|时间)\s*[:：]?\s*$")


def _post_groups(body) -> list:
    """The largest set of sibling elements of one kind (tag and class) that each carry a date: the posts."""
    best: list = []
    for parent in body.iter():
        groups: dict[tuple, list] = {}
        for child in parent:
            if isinstance(child.tag, str):
                groups.setdefault((child.tag, child.get("class")), []).append(child)
        for els in groups.values():
            dated = [e for e in els if DATE_RE.search(nfkc(element_text(e)))]
            if len(dated) >= 2 and len(dated) * 10 >= len(els) * 6 and len(dated) > len(best):
                best = dated
    return best


def _post_date(el):
    """The post's own date: a time element or a 发表于 line, else the last full date in it (a date in the
    text, 2018年4月在…出借, comes before the post's footer date)."""
    for sub in el.iter():
        if not isinstance(sub.tag, str):
            continue
        cls = (sub.get("class") or "").lower()
        if sub.tag == "time" or "time" in cls or "date" in cls:
            d = parse_date(sub.get("datetime") or element_text(sub))
            if d:
                return d
    text = nfkc(element_text(el))
    for m in DATE_RE.finditer(text):
        if _POST_DATE.search(text[:m.start()][-8:]):
            return parse_date(m.group(0))
    found = [parse_date(m.group(0)) for m in DATE_RE.finditer(text)]
    found = [d for d in found if d]
    return found[-1] if found else None


def inline_posts(html: str, url: str, family: str = "complaint", tree=None) -> list[dict]:
    """Posts shown inline on a list page (黑猫投诉 lists, forum thread lists with a preview): one event each,
    with its date, title, text and the platform as the post names it (``subject_name``; linked later)."""
    tree = clean(tree if tree is not None else parse_html(html))
    body = tree.body if tree.body is not None else tree
    events = []
    for el in _post_groups(body):
        own = DATE_RE.sub("", "".join(text_lines(el, skip_links=True)))
        if len(own) < 12:  # a list of links to posts (with their dates), not posts shown inline
            continue
        heading = next((h for h in el.iter("h1", "h2", "h3", "h4", "h5") if element_text(h)), None)
        if heading is None:
            # the first link with words (an author's link, wdzj_4003301, is not a title)
            heading = next((a for a in el.iter("a") if len(element_text(a)) >= 4
                            and re.search(r"[\u4e00-\u9fff]", element_text(a))), None)
        head = element_text(heading) if heading is not None else ""
        lines = text_lines(el)
        if not head and lines:
            head = lines[0]
        named, post_no = None, None
        for li in el.iter("li", "dd", "p", "span", "div"):
            m = _FIELD.match(element_text(li))
            if not m:
                continue
            key, value = m.group(1), m.group(2)
            if named is None and key in _POST_PLATFORM:
                named = value
            elif post_no is None and key in ("投诉编号", "编号", "帖子编号"):
                post_no = value
        d = _post_date(el)
        text = "\n".join(lines)
        ident = post_no or el.get("id") or hashlib.sha1(f"{head}|{d}".encode()).hexdigest()[:16]
        events.append({
            "kind": family, "title": head[:500] or family, "body": text[:20000], "occurred_on": d,
            "published_at": to_utc(d) if d else None, "subject_name": named, "parties": [named] if named else [],
            # keyed by site and post: the same post on another page of the list (it moves down) is one event
            "keywords": keywords(text), "external_id": _external(family, urlsplit(url).netloc, ident),
        })
    return events

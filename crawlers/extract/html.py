"""HTML to structures the extractors read: a cleaned tree, block text lines, links."""

from __future__ import annotations

from urllib.parse import urldefrag, urljoin

import lxml.etree
import lxml.html

from monitor.text import nfkc

DROP = {"script", "style", "noscript", "template", "iframe", "object", "svg", "canvas"}
CHROME = {"nav", "footer", "aside"}  # site chrome: links, ICP numbers, phone numbers
BLOCK = {"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "tr", "table", "thead", "tbody", "section",
         "article", "h1", "h2", "h3", "h4", "h5", "h6", "header", "main", "br", "hr", "blockquote",
         "pre", "caption", "form", "title", "body", "html", "figure", "figcaption", "address"}
CELL = {"td", "th"}
# class/id tokens of site chrome in <div>s (sites rarely use <nav>/<footer>)
CHROME_TOKENS = {"nav", "navbar", "menu", "footer", "foot", "breadcrumb", "sidebar", "ad", "ads", "banner",
                 "copyright", "topbar"}


def parse_html(text: str) -> lxml.html.HtmlElement:
    """A tolerant parse; empty or hopeless input gives an empty document instead of raising."""
    text = text.replace("\x00", "")
    try:
        tree = lxml.html.document_fromstring(text or "<html></html>")
    except (lxml.etree.ParserError, ValueError):
        tree = lxml.html.document_fromstring("<html></html>")
    return tree


def clean(tree: lxml.html.HtmlElement, chrome: bool = True) -> lxml.html.HtmlElement:
    """Remove scripts, styles and (``chrome``) navigation/footers in place; return the tree."""
    drop = DROP | CHROME if chrome else DROP
    for el in list(tree.iter()):
        if not isinstance(el.tag, str):  # comments, processing instructions
            if el.getparent() is not None:
                el.drop_tree()
            continue
        if el.getparent() is None:
            continue
        if el.tag in drop:
            el.drop_tree()
        elif chrome and el.tag in ("div", "ul", "section", "span", "p"):
            tokens = set((el.get("class") or "").lower().split()) | {(el.get("id") or "").lower()}
            if tokens & CHROME_TOKENS:
                el.drop_tree()
    return tree


def title(tree: lxml.html.HtmlElement) -> str:
    t = tree.find(".//title")
    return nfkc(t.text_content()).strip() if t is not None else ""


def element_text(el) -> str:
    """Whitespace-folded NFKC text of an element."""
    return " ".join(nfkc(el.text_content()).split())


def raw_text(el) -> str:
    """Whitespace-folded text of an element as printed (names and addresses keep full-width forms)."""
    return " ".join(el.text_content().replace("\u3000", " ").split())


def text_lines(el, skip_links: bool = False) -> list[str]:
    """The element's text split at block boundaries (cells joined by tabs), NFKC, no empty lines."""
    parts: list[str] = []

    def walk(node) -> None:
        if not isinstance(node.tag, str) or node.tag in DROP:
            if node.tail:
                parts.append(node.tail)
            return
        block = node.tag in BLOCK
        if block:
            parts.append("\n")
        elif node.tag in CELL:
            parts.append("\t")
        if node.text and not (skip_links and node.tag == "a"):
            parts.append(node.text)
        if not (skip_links and node.tag == "a"):
            for child in node:
                walk(child)
        if block:
            parts.append("\n")
        elif node.tag in CELL:
            parts.append("\t")
        if node.tail:
            parts.append(node.tail)

    walk(el)
    lines = []
    for line in nfkc("".join(parts)).split("\n"):
        cells = [" ".join(c.split()) for c in line.split("\t")]
        line = "\t".join(c for c in cells if c)
        if line:
            lines.append(line)
    return lines


def links(tree: lxml.html.HtmlElement, base_url: str) -> list[tuple[str, str]]:
    """Absolute http(s) links (fragment removed) with their anchor text, in page order."""
    out = []
    for a in tree.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "tel:", "#")):
            continue
        url = urldefrag(urljoin(base_url, href))[0]
        if url.startswith(("http://", "https://")):
            out.append((url, element_text(a)))
    return out

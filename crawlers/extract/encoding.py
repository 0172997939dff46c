"""Decode fetched bodies: declared charset (header, then meta), else detect."""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.I)
# GBK and GB2312 pages routinely contain characters only GB18030 defines; it is their superset.
_SUPERSETS = {"gbk": "gb18030", "gb2312": "gb18030", "cp936": "gb18030", "x-gbk": "gb18030",
              "ascii": "utf-8", "us-ascii": "utf-8", "iso-8859-1": "cp1252", "latin-1": "cp1252"}


def _canonical(name: str | bytes | None) -> str | None:
    if not name:
        return None
    if isinstance(name, bytes):
        name = name.decode("ascii", "ignore")
    try:
        codec = codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None
    return _SUPERSETS.get(codec, codec)


def declared_charset(body: bytes, content_type: str | None) -> tuple[str | None, str]:
    """The charset a response declares and where: ``(codec, "header"|"meta"|"none")``."""
    if content_type:
        m = _HEADER_CHARSET.search(content_type)
        if m and _canonical(m.group(1)):
            return _canonical(m.group(1)), "header"
    m = _META_CHARSET.search(body[:4096])
    if m and _canonical(m.group(1)):
        return _canonical(m.group(1)), "meta"
    return None, "none"


def decode_body(body: bytes, content_type: str | None = None) -> tuple[str, str, bool]:
    """Decode ``body`` to text.

    Returns ``(text, encoding, clean)``; ``clean`` is False when bytes had to be
    replaced (invalid for every plausible encoding). Order: BOM, declared charset
    (header, then ``<meta>``) when the body decodes with it, strict UTF-8, the
    declared charset or UTF-8 with a few bytes replaced, ``charset_normalizer``'s
    best guess, GB18030 with replacement.
    """
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", "replace"), "utf-8", True
    declared, _where = declared_charset(body, content_type)
    candidates = [c for c in (declared, "utf-8") if c]
    for codec in candidates:
        try:
            return body.decode(codec), codec, True
        except (UnicodeDecodeError, LookupError):
            continue
    # A page in its declared (or UTF-8) encoding with a few broken bytes: keep that reading.
    for codec in candidates:
        try:
            text = body.decode(codec, "replace")
        except LookupError:
            continue
        if text.count("\ufffd") <= max(8, len(text) // 200):
            return text, codec, False
    guess = None
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body[:200_000]).best()
        guess = _canonical(best.encoding) if best is not None else None
    except Exception:  # noqa: BLE001 - detection is best effort; fall back below
        guess = None
    for codec in dict.fromkeys([c for c in (guess, "gb18030") if c]):
        try:
            return body.decode(codec), codec, True
        except (UnicodeDecodeError, LookupError):
            continue
    codec = declared or guess or "gb18030"
    return body.decode(codec, "replace"), codec, False

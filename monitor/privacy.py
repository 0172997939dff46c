"""Personal data shown masked: national ID numbers, mobile phone numbers and personal account numbers.

The store keeps numbers as the sources gave them; masking happens where
things are presented (portal pages and JSON, exports, PDF briefings, CLI
output), always through this module. The styles follow what registries
publish:

* ID number (18 or 15 characters): first 6 and last 4 kept — ``110101********1234``
* mobile phone: first 3 and last 4 kept, a ``+86`` prefix kept — ``138****5678``
* account number (16–19 digits): first 4 and last 4 kept, length kept — ``6222***********1234``

USCCs (统一社会信用代码) are company identifiers and stay in full, and so do
accounts the caller knows to be an organisation's (``keep``).

>>> mask_text("借款人 王五 110101199003071234 手机 +86 138-1234-5678 卡号 6222021234567890123")
'借款人 王五 110101********1234 手机 +86 138****5678 卡号 6222***********0123'
>>> mask_text("平台 91440300MA5F00000X 转入 2018-06-01 金额 250000000.00 元")
'平台 91440300MA5F00000X 转入 2018-06-01 金额 250000000.00 元'
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Callable

from markupsafe import Markup

_B = r"(?<![0-9A-Za-z.])"  # nothing number-like right before
_E = r"(?![0-9A-Za-z]|\.\d)"  # ... or right after
_DATE = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_PATTERN = re.compile(
    _B + r"(?:"
    rf"(?P<id18>[1-9]\d{{5}}(?:18|19|20)\d{{2}}{_DATE}\d{{3}}[\dXx])"
    rf"|(?P<id15>[1-9]\d{{7}}{_DATE}\d{{3}})"
    r"|(?P<phone>(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2})"
    r"|(?P<account>\d{16,19}|\d{4}(?:[ -]\d{4}){3}(?:[ -]\d{1,3})?)"
    r")" + _E, re.ASCII)
# Full-width digits (crawled pages use them) are read as ASCII; the mapping is one to one, so positions hold.
_WIDE = str.maketrans("０１２３４５６７８９＋Ｘｘ－　", "0123456789+Xx- ")


def _valid_date(text: str) -> bool:
    try:
        date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return False
    return True


def _ric_valid(ident: str) -> bool:
    from stdnum.cn import ric

    return ric.is_valid(ident)


def _uscc_valid(text: str) -> bool:
    from stdnum.cn import uscc

    return uscc.is_valid(text)


def mask_id_number(ident: str) -> str:
    """``110101199003071234`` → ``110101********1234`` (15-character numbers: 5 stars)."""
    ident = ident.strip().translate(_WIDE)
    if len(ident) <= 10:
        return "*" * len(ident)
    return ident[:6] + "*" * (len(ident) - 10) + ident[-4:]


def mask_phone(phone: str) -> str:
    """``+86 138-1234-5678`` → ``+86 138****5678``: the country prefix as written, 3 + 4 digits kept."""
    found = re.match(r"((?:\+|00)?86[ -]?(?=1))?(.*)$", phone.strip().translate(_WIDE))
    prefix = found.group(1) or ""
    digits = re.sub(r"\D", "", found.group(2))
    if len(digits) < 7:
        return "*" * len(digits)
    return prefix + digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_account(account: str) -> str:
    """``6222021234567890123`` → ``6222***********0123`` (spaces dropped, length kept)."""
    digits = re.sub(r"[\s-]", "", account.translate(_WIDE))
    if len(digits) <= 8:
        return "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def _kind(m: re.Match, keep: Callable[[str], bool] | None) -> str | None:
    """What the match is (``id``, ``phone``, ``account``), or None when it stays as it is."""
    text = m.group(0)
    if m.group("id18"):
        if not _valid_date(text[6:14]):
            return None if _uscc_valid(text) else "account"
        if not _ric_valid(text.upper()) and _uscc_valid(text):
            return None  # an all-digit USCC that happens to look like a date
        return "id"
    if m.group("id15"):
        return "id" if _valid_date("19" + text[6:12]) else "account"
    if m.group("phone"):
        return "phone"
    digits = re.sub("[ -]", "", text)
    if len(digits) == 18 and _uscc_valid(digits):
        return None
    if keep is not None and keep(digits):
        return None
    return "account"


_MASKERS = {"id": mask_id_number, "phone": mask_phone, "account": mask_account}


def find_personal(text: str, keep: Callable[[str], bool] | None = None) -> list[tuple[str, str]]:
    """The personal numbers in ``text`` as (kind, number as written)."""
    out = []
    for m in _PATTERN.finditer(text.translate(_WIDE)):
        kind = _kind(m, keep)
        if kind is not None:
            out.append((kind, m.group(0)))
    return out


def mask_text(text: str, keep: Callable[[str], bool] | None = None) -> str:
    """``text`` with every ID number, mobile phone number and bank-card-length account number masked.

    ``keep(digits)`` tells which 16–19 digit numbers are known organisations' accounts (left in full).
    """
    if not text or len(text) < 11:
        return text

    parts, end = [], 0
    for m in _PATTERN.finditer(text.translate(_WIDE)):
        kind = _kind(m, keep)
        if kind is not None:
            parts += [text[end:m.start()], _MASKERS[kind](m.group(0))]
            end = m.end()
    return "".join(parts) + text[end:] if parts else text


class Masker:
    """One viewer's masking: masked unless ``full``; counts what it revealed (for the audit journal).

    ``keep`` names organisations' accounts (see :func:`account_keeper`).
    """

    def __init__(self, full: bool = False, keep: Callable[[str], bool] | None = None):
        self.full = full
        self.firms: set[str] = set()  # organisations' accounts learnt from evidence (keep_evidence)
        self._keep = keep
        self.revealed = 0

    def keep(self, account: str) -> bool:
        return account in self.firms or (self._keep is not None and self._keep(account))

    def learn(self, accounts) -> None:
        """Look up many accounts at once before a page shows them (``keep``'s ``learn``, when it has one)."""
        learn = getattr(self._keep, "learn", None)
        if learn is not None:
            learn(accounts)

    def keep_evidence(self, evidence: Any) -> None:
        """Learn from evidence (dicts, lists, objects with ``account_no``/``holder_id``) which accounts are
        held under a USCC: those are organisations' and stay in full."""
        from monitor.text import guess_holder_kind

        if isinstance(evidence, dict):
            if evidence.get("account_no") and guess_holder_kind(evidence.get("holder_id")) == "company":
                self.firms.add(str(evidence["account_no"]))
            for v in evidence.values():
                self.keep_evidence(v)
        elif isinstance(evidence, (list, tuple)):
            for v in evidence:
                self.keep_evidence(v)
        elif hasattr(evidence, "account_no") and hasattr(evidence, "holder_id"):
            self.keep_evidence({"account_no": evidence.account_no, "holder_id": evidence.holder_id})

    def text(self, value: str) -> str:
        if self.full:
            if len(value) >= 11:
                self.revealed += len(find_personal(value, self.keep))
            return value
        return mask_text(value, self.keep)

    def __call__(self, value: Any) -> Any:
        """A value about to be shown: strings (HTML markup kept as markup) and long integers masked."""
        if isinstance(value, Markup):
            return Markup(self.text(str(value)))
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**14:
            shown = self.text(str(value))
            return value if shown == str(value) else shown
        return value

    def data(self, value: Any) -> Any:
        """A JSON-like structure with every string (keys included) passed through :meth:`__call__`."""
        if isinstance(value, dict):
            return {self(k) if isinstance(k, str) else k: self.data(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.data(v) for v in value]
        return self(value)


def account_keeper(bind) -> Callable[[str], bool]:
    """``keep`` for :func:`mask_text`: accounts the store knows as an organisation's (a company holder,
    an institution's own, a custody account) stay in full; anyone else's are masked.

    ``bind`` is an engine or an open session; answers are cached.
    """
    from sqlalchemy import Engine, bindparam, text

    query = text("SELECT holder_kind, company_id, institution_id, is_custody FROM account WHERE account_no = :a")
    many = text("SELECT account_no, holder_kind, company_id, institution_id, is_custody FROM account "
                "WHERE account_no IN :a").bindparams(bindparam("a", expanding=True))
    known: dict[str, bool] = {}

    def run(q, params):
        if isinstance(bind, Engine):
            with bind.connect() as conn:
                return conn.execute(q, params).all()
        return bind.execute(q, params).all()

    def kept(row) -> bool:
        return row is not None and (row[0] == "company" or row[1] is not None or row[2] is not None or bool(row[3]))

    def keep(account: str) -> bool:
        if account not in known:
            rows = run(query, {"a": account})
            known[account] = kept(rows[0] if rows else None)
        return known[account]

    def learn(accounts) -> None:
        # One query for the accounts a page is about to show instead of one per account.
        todo = sorted({str(a) for a in accounts if a} - known.keys())
        for i in range(0, len(todo), 500):
            chunk = todo[i:i + 500]
            found = {r[0]: kept(r[1:]) for r in run(many, {"a": chunk})}
            known.update((a, found.get(a, False)) for a in chunk)

    keep.learn = learn
    return keep

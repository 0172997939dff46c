"""Statements as banks export them → normalised transfer rows, checked against balances and footers."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from monitor.statements import dates, recognise
from monitor.statements.aliases import (CREDIT_FLAGS, CURRENCIES, DEBIT_FLAGS, FOOTER_PATTERNS, OPENING_WORDS,
                                        WANYUAN_WORDS)
from monitor.statements.errors import StatementError
from monitor.statements.profiles import Profile, available, get as get_profile, pick
from monitor.statements.recognise import clean_text, flag_codes, header_roles, norm_label

CENT = Decimal("0.01")
WAN = Decimal(10000)
FEN = Decimal("0.01")
_FOOTER_RES = [re.compile(p, re.I) for p in FOOTER_PATTERNS]
_SUM_LABELS = {"合计", "本页合计", "本期合计", "本月合计", "总计", "total", "借方合计", "贷方合计", "收入合计",
               "支出合计"}
_BORDER = re.compile(r"^[\s+\-=|_─━┼┏┓┗┛│]*$")
_DIRECTION_WORDS = {"借方": "debit", "支出": "debit", "贷方": "credit", "收入": "credit"}


@dataclass
class Row:
    """One transaction row, normalised (amount positive, in the account currency's unit)."""

    txn_id: str | None
    txn_time: dt.datetime
    amount: Decimal
    payer_account: str | None
    payer_name: str | None
    payee_account: str | None
    payee_name: str | None
    currency: str
    purpose: str | None
    balance_after: Decimal | None
    source_line: int
    direction: str | None = None  # "debit"/"credit" from the owner's side; None in transfer files
    page: int = 1
    sheet: str | None = None  # the sheet of a workbook with several data sheets (source_line is its row)

    def as_json(self) -> dict:
        """The row as the corpus writes it (strings for amounts and times)."""
        found = {
            "txn_id": self.txn_id, "txn_time": self.txn_time.isoformat(timespec="seconds"),
            "amount": f"{self.amount:.2f}", "payer_account": self.payer_account, "payer_name": self.payer_name,
            "payee_account": self.payee_account, "payee_name": self.payee_name, "currency": self.currency,
            "purpose": self.purpose,
            "balance_after": None if self.balance_after is None else f"{self.balance_after:.2f}",
            "source_line": self.source_line,
        }
        if self.sheet is not None:
            found["sheet"] = self.sheet
        return found


@dataclass
class Statement:
    """A read statement: its rows and what the file says about itself."""

    path: Path
    encoding: str
    delimiter: str | None
    header_line: int
    columns: dict[str, str]  # role -> header word used
    kind: str  # "transfers" (payer/payee columns) or "account" (one account's view)
    profile: str | None = None
    owner_account: str | None = None
    owner_name: str | None = None
    institution: str | None = None  # from the profile
    currency: str | None = None
    period: tuple[dt.date, dt.date] | None = None
    unit: str = "元"
    preamble: list[tuple[str, str]] = field(default_factory=list)
    footer_totals: dict = field(default_factory=dict)
    balance_check: str = "no balance column"
    warnings: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)  # the header row's cells as written
    # the rows, one column each (see ROW_SCHEMA); ``rows`` makes Row objects of them when asked
    frame: object = field(default=None, repr=False, compare=False)
    # where things were found, for the checks' error messages
    preamble_totals: dict[str, str] = field(default_factory=dict, repr=False)
    footer_lines: dict[str, int] = field(default_factory=dict, repr=False)
    page_lines: dict[int, int] = field(default_factory=dict, repr=False)
    closing_row_balance: Decimal | None = field(default=None, repr=False)
    # a workbook with several data sheets: page -> sheet name, and each sheet's footer totals and lines
    sheet_pages: dict[int, str] = field(default_factory=dict, repr=False)
    sheet_totals: dict[str, dict] = field(default_factory=dict, repr=False)
    sheet_footer_lines: dict[str, dict[str, int]] = field(default_factory=dict, repr=False)
    failed_lines: list[int] = field(default_factory=list)  # rows whose status says the transfer failed
    # red-ink (negative) amounts per column, in cents: reversals the footer's column totals are net of
    red_ink: dict[str, int] = field(default_factory=dict, repr=False)
    # a statement in several currencies: each one's opening balance line, footer totals and their lines
    openings: dict[str, tuple[int, Decimal]] = field(default_factory=dict, repr=False)
    currency_totals: dict[str, dict] = field(default_factory=dict, repr=False)
    currency_footer_lines: dict[str, dict[str, int]] = field(default_factory=dict, repr=False)
    currency_closing: dict[str, Decimal | None] = field(default_factory=dict, repr=False)

    def metadata(self) -> dict:
        """Statement metadata as plain JSON values."""
        totals = {k: (f"{v:.2f}" if isinstance(v, Decimal) else v) for k, v in self.footer_totals.items()
                  if k != "page_totals"}
        if "page_totals" in self.footer_totals:
            totals["page_totals"] = [{k: (f"{v:.2f}" if isinstance(v, Decimal) else v) for k, v in p.items()}
                                     for p in self.footer_totals["page_totals"]]
        for sheet, found in self.sheet_totals.items():  # keyed by sheet name, as a workbook's footers are
            totals[sheet] = {k: (f"{v:.2f}" if isinstance(v, Decimal) else v) for k, v in found.items()}
        for code, found in self.currency_totals.items():  # keyed by currency: a section per currency
            totals[code] = {k: (f"{v:.2f}" if isinstance(v, Decimal) else v) for k, v in found.items()}
        return {
            "file": str(self.path), "profile": self.profile, "encoding": self.encoding,
            "delimiter": self.delimiter, "header_line": self.header_line, "kind": self.kind,
            "columns": self.columns, "owner_account": self.owner_account, "owner_name": self.owner_name,
            "currency": self.currency, "unit": self.unit,
            "period": [d.isoformat() for d in self.period] if self.period else None,
            "footer_totals": totals or None, "balance_check": self.balance_check, "warnings": self.warnings,
            "rows": 0 if self.frame is None else self.frame.height,
        }

    @property
    def rows(self) -> list[Row]:
        """The rows as :class:`Row` objects (made from :attr:`frame` on first use)."""
        cached = self.__dict__.get("_rows")
        if cached is None:
            cached = self.__dict__["_rows"] = _rows_of(self.frame)
            for row in cached if self.sheet_pages else ():
                row.sheet = self.sheet_pages.get(row.page)
        return cached

    @rows.setter
    def rows(self, rows: list[Row]) -> None:
        self.__dict__["_rows"] = list(rows)
        self.frame = _frame_of(self.__dict__["_rows"])

    def table(self):
        """The rows as a pyarrow table with the store's transfer columns plus ``balance_after``."""
        import polars as pl

        from monitor.statements.columnar import yuan

        frame = self.frame if self.frame is not None else _frame_of([])
        return frame.select(
            "txn_id", "txn_time", yuan("amount"), "payer_account", "payer_name",
            pl.lit(None, pl.String).alias("payer_id"), "payee_account", "payee_name",
            pl.lit(None, pl.String).alias("payee_id"), "purpose", "currency",
            pl.col("source_line").cast(pl.Int32), yuan("balance").alias("balance_after"),
        ).to_arrow(compat_level=pl.CompatLevel.oldest()).cast(TABLE_SCHEMA())


def TABLE_SCHEMA():
    """The schema of :meth:`Statement.table`."""
    import pyarrow as pa

    return pa.schema([
        ("txn_id", pa.string()), ("txn_time", pa.timestamp("us")), ("amount", pa.float64()),
        ("payer_account", pa.string()), ("payer_name", pa.string()), ("payer_id", pa.string()),
        ("payee_account", pa.string()), ("payee_name", pa.string()), ("payee_id", pa.string()),
        ("purpose", pa.string()), ("currency", pa.string()), ("source_line", pa.int32()),
        ("balance_after", pa.float64()),
    ])


def _row_schema():
    import polars as pl

    return {"txn_id": pl.String, "txn_time": pl.Datetime("us"), "amount": pl.Int64, "payer_account": pl.String,
            "payer_name": pl.String, "payee_account": pl.String, "payee_name": pl.String, "currency": pl.String,
            "purpose": pl.String, "balance": pl.Int64, "source_line": pl.Int64, "direction": pl.String,
            "page": pl.Int64}


def _to_cents(value: Decimal | None) -> int | None:
    return None if value is None else int(value * 100)


def _decimal(cents: int | None) -> Decimal | None:
    """Cents as the reader's Decimal (two places, as ``_cents`` makes them)."""
    return None if cents is None else (Decimal(cents) / 100).quantize(CENT)


def _frame_of(rows: list[Row]):
    """Row objects as a rows frame (amounts and balances in integer cents)."""
    import polars as pl

    return pl.DataFrame({
        "txn_id": [r.txn_id for r in rows], "txn_time": [r.txn_time for r in rows],
        "amount": [_to_cents(r.amount) for r in rows],
        "payer_account": [r.payer_account for r in rows], "payer_name": [r.payer_name for r in rows],
        "payee_account": [r.payee_account for r in rows], "payee_name": [r.payee_name for r in rows],
        "currency": [r.currency for r in rows], "purpose": [r.purpose for r in rows],
        "balance": [_to_cents(r.balance_after) for r in rows], "source_line": [r.source_line for r in rows],
        "direction": [r.direction for r in rows], "page": [r.page for r in rows],
    }, schema=_row_schema())


def _rows_of(frame) -> list[Row]:
    if frame is None:
        return []
    columns = {name: frame[name].to_list() for name in frame.columns}
    return [Row(txn_id=t, txn_time=when, amount=_decimal(a), payer_account=pa_, payer_name=pn,
                payee_account=qa, payee_name=qn, currency=cur, purpose=pur, balance_after=_decimal(bal),
                source_line=line, direction=d, page=page)
            for t, when, a, pa_, pn, qa, qn, cur, pur, bal, line, d, page in zip(
                *(columns[k] for k in ("txn_id", "txn_time", "amount", "payer_account", "payer_name",
                                       "payee_account", "payee_name", "currency", "purpose", "balance",
                                       "source_line", "direction", "page")))]


# --- amounts ----------------------------------------------------------------------------------------------

_AMOUNT = re.compile(r"^[+-]?\d+(\.\d+)?$")


def parse_amount(value: object, *, line: int | None = None, column: str | None = None) -> Decimal | None:
    """A written amount as a Decimal: separators, ``元``, ``￥``/``¥``, ``="…"``, tabs and ``(…)`` negatives."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise StatementError(f"not an amount: {value!r}", line=line, column=column)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = clean_text(value)
    if not text:
        return None
    negative = text.startswith("(") and text.endswith(")")
    text = text.strip("()")
    for junk in ("￥", "¥", "元", ",", "，", " ", "RMB", "CNY"):
        text = text.replace(junk, "")
    if text.startswith("-") and text[1:2] in "￥¥":
        text = "-" + text[2:]
    if not _AMOUNT.match(text):
        raise StatementError(f"not an amount: {clean_text(value)!r}", line=line, column=column,
                             hint="amounts are digits with optional separators, sign, 元 or ￥")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise StatementError(f"not an amount: {text!r}", line=line, column=column) from None
    return -number if negative else number


_CN_DIGITS = {c: n for n, c in enumerate("零壹贰叁肆伍陆柒捌玖")} | {"两": 2, "〇": 0}
_CN_UNITS = {"拾": 10, "佰": 100, "仟": 1000}


def amount_in_words(text: str) -> Decimal | None:
    """An amount written in capital numerals (``壹拾玖万陆仟柒佰肆拾柒元肆角捌分``), or ``None``."""
    text = re.sub(r"^(人民币|RMB)", "", clean_text(text).replace(" ", "")).rstrip("整正")
    whole, sep, fraction = text.replace("圆", "元").partition("元")
    if not sep and not re.fullmatch(r"(零?[壹贰叁肆伍陆柒捌玖]角)?(零?[壹贰叁肆伍陆柒捌玖]分)?", text):
        return None
    if not sep:
        whole, fraction = "", text
    total = section = digit = 0
    for char in whole:
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
        elif char in _CN_UNITS:
            section += (digit or 1) * _CN_UNITS[char]
            digit = 0
        elif char == "万":
            total += (section + digit) * 10_000
            section = digit = 0
        elif char == "亿":
            total = (total + section + digit) * 100_000_000
            section = digit = 0
        else:
            return None
    cents = (total + section + digit) * 100
    match = re.fullmatch(r"零?(?:([壹贰叁肆伍陆柒捌玖])角)?零?(?:([壹贰叁肆伍陆柒捌玖])分)?", fraction)
    if match is None:
        return None
    cents += 10 * _CN_DIGITS.get(match.group(1) or "零") + _CN_DIGITS.get(match.group(2) or "零")
    return Decimal(cents) / 100


def _cents(value: Decimal, factor: Decimal) -> Decimal:
    return (value * factor).quantize(CENT, rounding=ROUND_HALF_UP)


def currency_code(text: str | None) -> str | None:
    if not text:
        return None
    key = clean_text(text).lower()
    return CURRENCIES.get(key, key.upper() if re.fullmatch(r"[a-z]{3}", key) else None)


# --- the reader ---------------------------------------------------------------------------------------------

def read_statement(path: Path | str, *, profile: str | Profile | None = None, date_format: str | None = None,
                   account: str | None = None, delimiter: str | None = None, encoding: str | None = None,
                   instance_dir: Path | None = None, check: bool = True) -> Statement:
    """Read one statement or transfer file into a :class:`Statement`.

    ``profile`` forces a bank profile (else one is picked by header signature, else recognition alone);
    ``date_format`` is a strptime format for the date column; ``account`` the owner account of a
    single-account statement. With ``check`` a broken balance chain or footer that does not add up is an
    error. Raises :class:`StatementError` naming the file, line and column.
    """
    path = Path(path)
    try:
        try:
            return _read(path, profile, date_format, account, delimiter, encoding, instance_dir, check)
        except StatementError as exc:
            order = _stated_order(path, encoding, delimiter) if exc.code == "ambiguous_date_order" and \
                not date_format else None
            if order is None:
                raise
            # the period line (01/07/2017 - 31/07/2017) shows the order the rows' dates cannot
            for fmt in (order, f"{order} %H:%M:%S", f"{order} %H:%M"):
                try:
                    stmt = _read(path, profile, fmt, account, delimiter, encoding, instance_dir, check)
                except StatementError:
                    continue
                times = stmt.frame["txn_time"]
                if not stmt.period or (times.len() and not (stmt.period[0] <= times.min().date() and
                                                            times.max().date() <= stmt.period[1])):
                    continue  # the dates so read must lie in the period that gave their order
                stmt.warnings.append(f"day/month order of the dates taken from the stated period ({order})")
                return stmt
            raise exc from None
    except StatementError as exc:
        raise exc.at(path) from None


def _read(path, profile, date_format, account, delimiter, encoding, instance_dir, check) -> Statement:
    profiles = available(instance_dir)
    chosen: Profile | None = get_profile(profile, instance_dir) if isinstance(profile, str) else profile
    extra: dict = {}
    for p in ([chosen] if chosen else profiles.values()):
        for word, roles in p.extra_aliases().items():
            extra.setdefault(word, []).extend(roles)
    grid = recognise.load(path, encoding or (chosen.encoding if chosen else None))
    header = recognise.find_header(grid, delimiter or (chosen.delimiter if chosen else None), extra)
    if chosen is None:
        chosen = pick(path, header.cells, profiles)
        if chosen and (chosen.encoding or chosen.delimiter):
            # the profile fixes how the file is read: read it again its way
            grid = recognise.load(path, encoding or chosen.encoding)
            header = recognise.find_header(grid, delimiter or chosen.delimiter, chosen.extra_aliases())
    extra = chosen.extra_aliases() if chosen else {}
    date_format = date_format or (chosen.date_format if chosen else None)

    stmt = Statement(path=path, encoding=grid.encoding, delimiter=grid.delimiter, header_line=header.line,
                     columns={}, kind="account", profile=chosen.name if chosen else None,
                     header=list(header.cells))
    _read_preamble(stmt, grid, header)
    cols = _map_columns(header.cells, extra)
    stmt.columns = {role: header.cells[i] for role, i in cols.items() if not role.startswith("_")}
    if "amount" not in cols and not ("debit" in cols and "credit" in cols):
        raise StatementError("no amount column (nor debit and credit columns) in the header", line=header.line,
                             hint="name the amount column in the profile's [columns], e.g. \"发生额\" = \"amount\"")
    stmt.kind = "transfers" if ("payer_account" in cols or "payee_account" in cols) else "account"

    # unit: preamble, header word, or profile
    unit_words = [v for k, v in stmt.preamble if _preamble_key(k) == "unit"]
    money_headers = [header.cells[cols[r]] for r in ("amount", "debit", "credit", "balance") if r in cols]
    if (chosen and chosen.amount_unit in WANYUAN_WORDS) or any(w in v for v in unit_words + money_headers
                                                               for w in WANYUAN_WORDS):
        stmt.unit = "万元"
    in_fen = [h for h in money_headers if norm_label(h).endswith("(分)")]  # a custody file's 交易金额(分)
    if in_fen or (chosen and chosen.amount_unit == "分"):
        if stmt.unit != "元" or (in_fen and len(in_fen) != len(money_headers)):
            raise StatementError("money columns in different units (分 and others)", line=header.line,
                                 column=in_fen[0] if in_fen else None,
                                 hint="write amount_unit in the bank profile and read the columns apart")
        stmt.unit = "分"
    factor = {"万元": WAN, "分": FEN}.get(stmt.unit, Decimal(1))

    if chosen and chosen.owner_name and not stmt.owner_name:
        stmt.owner_name = chosen.owner_name
    if account:
        stmt.owner_account = account
    elif chosen and chosen.account_from == "fixed" and chosen.account:
        stmt.owner_account = chosen.account
    elif chosen and chosen.account_from == "filename" and chosen.filename_pattern and not stmt.owner_account:
        match = re.search(chosen.filename_pattern, path.name)
        if match:
            stmt.owner_account = match.group(1)
    stmt.institution = chosen.institution if chosen else None
    if chosen and chosen.currency and not stmt.currency:
        stmt.currency = currency_code(chosen.currency)

    # a workbook's one data sheet too; several sheets (pages that name their sheet) and fixed-width prints
    # are read row by row
    columnar_ok = grid.lines is not None or (grid.book is not None and len(grid.data_sheets) <= 1)
    # the column-wise amounts know 元 and 万元, and do not check amounts in words
    columnar_ok = columnar_ok and factor in (1, WAN) and "amount_words" not in cols
    built = _read_columnar(stmt, grid, header, cols, date_format, factor) if columnar_ok else None
    if built is None:  # several sheets, box-drawn prints, and columns the vectorised reading declines
        data, footers, opening = _split_rows(stmt, grid, header, cols)
        stmt.frame = _build_rows(stmt, data, cols, header, date_format, factor)
        own = clean_text(data[0][1][cols["own_account"]]) or None if data and "own_account" in cols else None
    else:
        stmt.frame, footers, opening, own = built
    owner_known = bool(stmt.owner_account)  # the rows were read with it
    if stmt.kind == "account" and not stmt.owner_account:
        if "own_account" in cols and stmt.frame.height:
            stmt.owner_account = own
        if not stmt.owner_account:
            raise StatementError("a single-account statement without its owner account (no 账号/卡号 line "
                                 "before the header)", line=header.line,
                                 hint="give --account ACC, or owner.account_from in the bank profile",
                                 code="no_owner")
    if stmt.kind == "account" and "own_account" in cols and stmt.frame.height:
        _same_owner_every_row(stmt, grid, header, cols["own_account"])
    if stmt.kind == "account" and not owner_known:
        import polars as pl

        debit = pl.col("direction") == "debit"
        stmt.frame = stmt.frame.with_columns(
            pl.when(debit).then(pl.lit(stmt.owner_account)).otherwise(pl.col("payer_account")).alias("payer_account"),
            pl.when(debit).then(pl.col("payee_account")).otherwise(pl.lit(stmt.owner_account)).alias("payee_account"))
    if not stmt.period:
        _period_from_name(stmt)
    _parse_footers(stmt, footers, cols, factor)
    several = _currencies(stmt)
    # currency sections (an opening line or a footer naming its currency): a balance chain per currency
    sectioned = several and (len(stmt.openings) > 1 or stmt.currency_totals)
    for written, (_, balance) in stmt.openings.items() if sectioned else ():
        if currency_code(written) in several:
            stmt.currency_totals.setdefault(currency_code(written), {}).setdefault(
                "opening_balance", _cents(balance, factor))
    if opening is not None and not sectioned:
        stmt.footer_totals.setdefault("opening_balance", _cents(opening[1], factor))
    if check and sectioned:  # a balance, a chain and a footer per currency
        _per_currency(stmt, _check_balances)
        _per_currency(stmt, _reconcile)
        _reconcile(stmt)  # the whole file's footer lines, if any
    elif check:
        _check_balances(stmt)
        _reconcile(stmt)
    return stmt


def _same_owner_every_row(stmt: Statement, grid, header, index: int) -> None:
    """An own-account column (本方账号, a bare 账号) names the owner on every row, else it is not one."""
    lines = set(stmt.frame["source_line"].to_list())
    for line, cells in grid.rows[header.index + 1:]:
        if line in lines and index < len(cells):
            value = re.sub(r"\s", "", clean_text(cells[index]))
            if value and value != stmt.owner_account:
                raise StatementError(f"the row names the account {value}, the statement is for "
                                     f"{stmt.owner_account}", line=line, column=header.cells[index],
                                     hint="if this column is the counterparty's, name it in the profile's "
                                          "[columns] (e.g. \"账号\" = \"counterparty_account\")")


def _preamble_key(key: str) -> str | None:
    label = norm_label(key)
    found = recognise.PREAMBLE_INDEX.get(label)
    for part in recognise.bilingual_parts(label) if found is None else ():  # 账号 Account No.
        found = recognise.PREAMBLE_INDEX.get(part)
        if found:
            break
    return found


_DATE_IN_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?|(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)"
    r"|(\d{1,2})[ -]([A-Z][a-z]{2})[ -](\d{4})")


_SLASHED = re.compile(r"(?<!\d)(\d{1,2})/(\d{1,2})/(\d{4})(?!\d)")


def _slashed_dates(text: str) -> list[dt.date]:
    """``01/07/2017 - 31/07/2017``: day/month or month/day as a day above 12 shows (else no dates)."""
    found = _SLASHED.findall(text)
    day_first = any(int(a) > 12 for a, _, _ in found)
    if day_first == any(int(b) > 12 for _, b, _ in found):
        return []  # no day above 12, or one on both sides: the order is not known
    try:
        return [dt.date(int(y), int(b), int(a)) if day_first else dt.date(int(y), int(a), int(b))
                for a, b, y in found]
    except ValueError:
        return []


def _stated_order(path: Path, encoding, delimiter) -> str | None:
    """``%d/%m/%Y`` or ``%m/%d/%Y`` when the preamble's period is written with slashes and a day above 12."""
    try:
        grid = recognise.load(path, encoding)
        header = recognise.find_header(grid, delimiter, {})
    except StatementError:
        return None
    for key, value in recognise.preamble_pairs([cells for _, cells in grid.rows[:header.index]]):
        found = _SLASHED.findall(value) if _preamble_key(key) == "period" else []
        if found and _slashed_dates(value):
            return "%d/%m/%Y" if any(int(a) > 12 for a, _, _ in found) else "%m/%d/%Y"
    return None


def _dates_in(text: str) -> list[dt.date]:
    if _SLASHED.search(text):  # before the pattern below, which would read 2017 - 31/07 in it
        return _slashed_dates(text)
    found = []
    for m in _DATE_IN_TEXT.finditer(text):
        try:
            if m.group(1):
                found.append(dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
            elif m.group(4):
                found.append(dt.date(int(m.group(4)), int(m.group(5)), int(m.group(6))))
            else:
                found.append(dt.datetime.strptime(f"{m.group(7)} {m.group(8)} {m.group(9)}", "%d %b %Y").date())
        except ValueError:
            continue
    return found


def _period_from_name(stmt: Statement) -> None:
    """A single-account statement without a stated period covers the days its name says, when every row lies
    within them: ``…_20171101_20171130.txt`` (a host-to-host file has no preamble), ``…_20170705.csv``.
    (A transfer file's name says when the batch was made, not a period.)"""
    found = _dates_in(stmt.path.stem)
    if stmt.kind != "account" or len(found) not in (1, 2):
        return
    found = found * 2 if len(found) == 1 else found
    if found[0] > found[1] or not stmt.frame.height:
        return
    first, last = stmt.frame["txn_time"].min().date(), stmt.frame["txn_time"].max().date()
    if found[0] <= first and last <= found[1]:
        stmt.period = (found[0], found[1])


def _read_preamble(stmt: Statement, grid, header) -> None:
    rows = [cells for _, cells in grid.rows[:header.index]]
    stmt.preamble = recognise.preamble_pairs(rows)
    start = end = None
    for key, value in stmt.preamble:
        field_name = _preamble_key(key)
        if field_name == "owner_account" and value and not stmt.owner_account:
            stmt.owner_account = re.sub(r"\s", "", value)
        elif field_name == "owner_name" and value and not stmt.owner_name:
            stmt.owner_name = value
        elif field_name == "currency" and value and not stmt.currency:
            stmt.currency = currency_code(value.split()[0])
        elif field_name == "period" and not stmt.period:
            found = _dates_in(value)
            if len(found) >= 2:
                stmt.period = (found[0], found[1])
        elif field_name == "period_start":
            found = _dates_in(value)
            start = found[0] if found else start
            if len(found) >= 2:
                end = found[1]
        elif field_name == "period_end":
            found = _dates_in(value)
            end = found[0] if found else end
        elif field_name in ("count", "total") and value:
            stmt.preamble_totals[field_name] = value
    if not stmt.period and start and end:
        stmt.period = (start, end)
    _read_sheet_preambles(stmt, grid)


def _read_sheet_preambles(stmt: Statement, grid) -> None:
    """A workbook's later data sheets: their preamble names the same account and currency, and widens the
    period."""
    for sheet in grid.data_sheets[1:]:
        above = grid.rows[sheet.start:sheet.header]

        def refuse(what, value, first):
            line = next((line for line, cells in above
                         if any(value in clean_text(c) for c in cells if isinstance(c, str))), None)
            raise StatementError(f"sheet {sheet.name!r} is for {what} {value}, the first sheet for {first}",
                                 line=line, hint="read the sheets as separate files")

        for key, value in recognise.preamble_pairs([cells for _, cells in above]):
            field_name = _preamble_key(key)
            if field_name == "owner_account" and value:
                account = re.sub(r"\s", "", value)
                if stmt.owner_account and account != stmt.owner_account:
                    refuse("account", account, stmt.owner_account)
            elif field_name == "currency" and value and stmt.currency:
                if currency_code(value.split()[0]) != stmt.currency:
                    refuse("currency", value.split()[0], stmt.currency)
            elif field_name == "period":
                found = _dates_in(value)
                if len(found) >= 2:
                    stmt.period = (min(stmt.period[0], found[0]), max(stmt.period[1], found[1])) \
                        if stmt.period else (found[0], found[1])


def _map_columns(cells: list[str], extra) -> dict[str, int]:
    """role -> column index; the best-ranked alias wins. Date and time candidates are kept apart."""
    best: dict[str, tuple[int, int]] = {}
    dates_: list[tuple[int, int]] = []
    times: list[tuple[int, int]] = []
    for index, label in enumerate(cells):
        roles = header_roles(label, extra)
        if not roles:
            continue
        if roles[0][1] == -1:  # a profile's word: that role only
            roles = roles[:1]
        for role, rank in roles:
            if role == "date":
                dates_.append((rank, index))
            elif role == "time":
                times.append((rank, index))
            elif role not in best or rank < best[role][0]:
                best[role] = (rank, index)
            if role not in ("date", "time"):
                break
    cols = {role: index for role, (_, index) in best.items() if role != "ignored"}
    for n, (_, index) in enumerate(sorted(dates_)):
        cols[f"_date{n}"] = index
    for n, (_, index) in enumerate(sorted(times)):
        cols[f"_time{n}"] = index
    return cols


def _is_sum_label(text: str) -> bool:
    # cheap tests first: this runs on every cell of every row
    return len(text) <= 16 and ("计" in text or text[:5].lower() == "total") and norm_label(text) in _SUM_LABELS


def _is_footer(texts: list[str], raw: str | None) -> bool:
    first = next((t for t in texts if t), "")
    if any(p.search(first) for p in _FOOTER_RES):
        return True
    if any(_is_sum_label(t) for t in texts):
        return True
    return bool(raw and "以上信息仅供参考" in raw)


class _Splitter:
    """Tells transaction rows from footer, opening-balance, page-break and repeated-header lines, in file order."""

    def __init__(self, grid, header, cols):
        self.grid, self.header, self.cols = grid, header, cols
        self.header_norm = [norm_label(c) for c in header.cells]
        self.needed = max(i for i in cols.values()) + 1
        self.date_cols = [i for r, i in cols.items() if r.startswith("_date") or r.startswith("_time")]
        self.data, self.footers, self.opening = [], [], None
        self.openings: dict[str, tuple[int, Decimal]] = {}  # currency cell -> opening line (a section each)
        self.page, self.in_footer, self.between_pages = 1, False, False
        self.last_index = len(grid.rows) - 1
        # a workbook with several data sheets: each sheet is a page; its title, preamble and header are skipped
        self.sheets = grid.data_sheets if len(grid.data_sheets) > 1 else []
        self.sheet_pages = {1: self.sheets[0].name} if self.sheets else {}
        self.next_sheet, self.skip_to = 1, -1
        self.status, self.failed = cols.get("status"), []

    def step(self, index: int) -> None:
        """Read the line at ``index`` of ``grid.rows``."""
        grid, header, cols = self.grid, self.header, self.cols
        if self.sheets:
            if self.next_sheet < len(self.sheets) and index >= self.sheets[self.next_sheet].start:
                sheet = self.sheets[self.next_sheet]
                self.next_sheet += 1
                self.page += 1
                self.sheet_pages[self.page] = sheet.name
                self.skip_to, self.in_footer = sheet.header, False
            if index <= self.skip_to:
                return
        line, cells = grid.rows[index]
        texts = [clean_text(c) if isinstance(c, str) else c for c in cells]
        strings = [t if isinstance(t, str) else str(t) for t in texts]
        raw = grid.lines[line - 1] if grid.lines is not None else None
        if raw is not None and "\x0c" in raw:
            self.between_pages = True  # a printed page break: the title and preamble repeat until the header
        if not any(s for s in strings):
            return
        if raw is not None and _BORDER.match(raw):
            return
        if norm_label(strings[0]) == self.header_norm[0] and \
                [norm_label(c) for c in strings[:len(self.header_norm)]] == self.header_norm:
            self.between_pages = False
            return  # the header again, on a new page
        if self.between_pages:
            return
        if _is_footer(strings, raw):
            self.footers.append((line, texts, raw, self.page, False))
            if any(_is_sum_label(s) and norm_label(s) == "本页合计" for s in strings):
                self.page += 1
                if self.sheets:
                    self.sheet_pages[self.page] = self.sheet_pages[self.page - 1]
            self.in_footer = True
            return
        lowered = " ".join(strings).lower()
        if any(w in lowered for w in OPENING_WORDS):
            bal = parse_amount(texts[cols["balance"]], line=line, column=header.cells[cols["balance"]]) \
                if "balance" in cols and cols["balance"] < len(texts) else None
            if bal is not None:
                self.opening = (line, bal)
                if "currency" in cols and cols["currency"] < len(strings) and strings[cols["currency"]]:
                    self.openings[strings[cols["currency"]]] = (line, bal)
            else:  # 期初余额：12,874,530.06  期末余额：… written across the line: its text says the figures
                self.footers.append((line, texts, raw, self.page, False))
            return
        if self.in_footer and all(not strings[i] for i in self.date_cols if i < len(strings)):
            self.footers.append((line, texts, raw, self.page, True))  # a footer's second line (CMBC 贷 totals)
            return
        if self.in_footer and len(texts) < self.needed and sum(1 for s in strings if s) == 1:
            self.footers.append((line, texts, raw, self.page, False))  # a note below the footer, one cell
            return
        if len(texts) < self.needed:
            truncated = index == self.last_index and not grid.ends_with_newline
            raise StatementError(
                ("the file ends inside this row" if truncated else "this row has fewer fields than the header")
                + f" ({len(texts)} of {len(header.cells)} fields)", line=line,
                code="truncated_row" if truncated else "short_row",
                hint="the file looks cut off: export it again" if truncated else
                "check the delimiter (--delimiter) and quoting")
        if self.status is not None and self.status < len(texts) and \
                norm_label(texts[self.status]) in _FAILED:
            self.failed.append(line)  # no money moved: not a transaction (its balance repeats the last)
            return
        self.data.append((line, texts, self.page))


def _split_rows(stmt, grid, header, cols):
    """Transaction rows, footer rows and the opening-balance row, in file order."""
    splitter = _Splitter(grid, header, cols)
    for index in range(header.index + 1, len(grid.rows)):
        splitter.step(index)
    stmt.sheet_pages = splitter.sheet_pages
    _note_failed(stmt, splitter.failed)
    stmt.openings = splitter.openings
    return splitter.data, splitter.footers, splitter.opening


def _note_failed(stmt: Statement, lines: list[int]) -> None:
    if lines:
        stmt.failed_lines = lines
        stmt.warnings.append(f"{len(lines)} failed row(s) left out (status 失败): lines "
                             + ", ".join(str(line) for line in lines))


def _pick_time_columns(first_line, cols, header, date_format, infer):
    """``(date column, its format, time column or None, its format)`` from the candidates' values.

    ``infer(index, date_format, prefer_time)`` is the column's format (:func:`dates.infer`).
    """
    candidates = sorted({i for r, i in cols.items() if r.startswith("_date") or r.startswith("_time")},
                        key=lambda i: [r for r, j in cols.items() if j == i and r.startswith("_")][0])
    ordered_dates = [i for r, i in sorted(cols.items()) if r.startswith("_date")]
    kinds, odd = {}, {}
    for index in candidates:
        label = header.cells[index]
        use_format = date_format if ordered_dates and index == ordered_dates[0] else None
        try:
            kinds[index] = infer(index, use_format, any(r == "time" for r, _ in header_roles(label)))
        except StatementError as exc:
            if exc.code != "bad_date":
                raise
            kinds[index], odd[index] = None, exc  # refused only if no other column gives the dates
    ordered_times = [i for r, i in sorted(cols.items()) if r.startswith("_time")]
    for index in ordered_dates + ordered_times:
        if kinds.get(index) and kinds[index].kind == "datetime":
            return index, kinds[index], None, None
    date_index = next((i for i in ordered_dates if kinds.get(i) and kinds[i].kind == "date"), None)
    if date_index is None:
        bad = ordered_dates[0] if ordered_dates else None
        if bad in odd:
            raise odd[bad]
        raise StatementError("cannot read the date column" if bad is not None else "no date column",
                             line=first_line if first_line is not None else header.line,
                             column=header.cells[bad] if bad is not None else None,
                             hint="give --date-format (strptime, e.g. %Y.%m.%d) or date_format in the profile")
    time_index = next((i for i in ordered_times + ordered_dates if kinds.get(i) and kinds[i].kind == "time"), None)
    return date_index, kinds[date_index], time_index, kinds.get(time_index) if time_index is not None else None


def _cell(texts, cols, role):
    index = cols.get(role)
    if index is None or index >= len(texts):
        return None
    value = texts[index]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = clean_text(value) if not isinstance(value, str) else value
    return text or None


@dataclass
class _Columns:
    """What every row is read with: the time columns and their formats, the roles, the unit."""

    cols: dict[str, int]
    label: list[str]
    factor: Decimal
    date_index: int
    date_fmt: object
    time_index: int | None
    time_fmt: object


def _build_rows(stmt, data, cols, header, date_format, factor):
    """The rows frame of ``data`` read row by row (status warnings go to ``stmt.warnings``)."""
    if not data:
        stmt.warnings.append("no transaction rows")
        return _frame_of([])

    def infer(index, use_format, prefer_time):
        values = [(line, texts[index] if index < len(texts) else "") for line, texts, _ in data]
        return dates.infer(values, column=header.cells[index], date_format=use_format, prefer_time=prefer_time)

    how = _Columns(cols, header.cells, factor, *_pick_time_columns(data[0][0], cols, header, date_format, infer))
    _name_time_columns(stmt, how)
    rows = []
    for line, texts, page in data:
        try:
            row, warning = _build_row(stmt, how, line, texts, page)
        except StatementError as exc:
            raise _in_sheet(exc, stmt.sheet_pages.get(page)) from None
        if warning:
            stmt.warnings.append(warning)
        rows.append(row)
    return _frame_of(rows)


def _in_sheet(exc: StatementError, sheet: str | None) -> StatementError:
    """The error naming the sheet its line is in (a workbook's sheets each count rows from 1)."""
    if sheet is not None:
        exc.message += f" (sheet {sheet!r})"
        exc.args = (str(exc),)
    return exc


def _name_time_columns(stmt, how: _Columns) -> None:
    stmt.columns["date"] = how.label[how.date_index]
    if how.time_index is not None:
        stmt.columns["time"] = how.label[how.time_index]


_SUCCESS = ("成功", "success", "successful", "已成功", "交易成功")
_FAILED = {"失败", "交易失败", "处理失败", "已失败", "failed", "failure", "fail"}


_ACCOUNTISH = re.compile(r"[\d\s-]*")  # digits, spaces, dashes: an account number (or nothing)


def _split_counterparty(both: str, line, column) -> tuple[str | None, str | None]:
    """``(account, name)`` of a combined cell: ``account / name``, ``name / account`` or ``name / account /
    bank`` (the bank is dropped: no key holds it)."""
    parts = [p.strip() for p in both.split("/")]
    if len(parts) == 1:
        return parts[0] or None, None
    if len(parts) == 2 and (_ACCOUNTISH.fullmatch(parts[0]) or not _ACCOUNTISH.fullmatch(parts[1])):
        return parts[0] or None, parts[1] or None  # account / name (as written when neither looks like one)
    if len(parts) == 2:
        return parts[1] or None, parts[0] or None
    if len(parts) == 3 and _ACCOUNTISH.fullmatch(parts[1]) and not _ACCOUNTISH.fullmatch(parts[0]):
        return parts[1] or None, parts[0] or None  # name / account / bank
    raise StatementError(f"cannot tell the account and the name in {both!r}", line=line, column=column,
                         hint="name the counterparty columns in the bank profile's [columns]")


def _build_row(stmt, how: _Columns, line, texts, page) -> tuple[Row, str | None]:
    """One row read from its cells, and its status warning; raises naming the line and column."""
    cols, label, factor = how.cols, how.label, how.factor
    try:
        when = how.date_fmt.parse(texts[how.date_index])
        if when is None:  # an empty cell in a column of date cells
            raise ValueError("no date")
        if how.time_index is not None and clean_text(texts[how.time_index]):
            when = dates.combine(when, how.time_fmt.parse(texts[how.time_index]))
    except (ValueError, TypeError) as exc:
        raise StatementError(f"cannot read the date/time ({exc})", line=line, column=label[how.date_index],
                             hint="give --date-format or date_format in the profile") from None
    if isinstance(when, dt.time):
        raise StatementError("a time without a date", line=line, column=label[how.date_index])

    def money(role):
        index = cols.get(role)
        if index is None or index >= len(texts):
            return None
        value = parse_amount(texts[index], line=line, column=label[index])
        return None if value is None else _cents(value, factor)

    balance = money("balance")
    direction = None
    if stmt.kind == "transfers":
        amount = money("amount")
        if amount is None:
            raise StatementError("no amount", line=line, column=label[cols["amount"]])
        if amount < 0:
            raise StatementError("a negative amount in a transfer file (payer and payee say the direction)",
                                 line=line, column=label[cols["amount"]])
        payer = (_cell(texts, cols, "payer_account"), _cell(texts, cols, "payer_name"))
        payee = (_cell(texts, cols, "payee_account"), _cell(texts, cols, "payee_name"))
    else:
        debit, credit = money("debit"), money("credit")
        if debit or credit:
            if debit and credit:
                raise StatementError("both a debit and a credit amount", line=line, column=label[cols["debit"]])
            direction, amount = ("debit", debit) if debit else ("credit", credit)
            if amount < 0:  # red ink (红字冲正 / 抹账): the money moved the other way
                column = direction
                direction, amount = ("credit" if column == "debit" else "debit"), -amount
                stmt.red_ink[column] = stmt.red_ink.get(column, 0) + _to_cents(amount)
                # noted here: the column-wise reading keeps no warning of the rows it hands over
                stmt.warnings.append(f"line {line}: a negative amount in the {label[cols[column]]} column read "
                                     f"as a reversal ({direction})")
        else:
            amount = money("amount")
            if amount is None:
                where = cols.get("amount", cols.get("debit"))
                raise StatementError("no amount", line=line, column=label[where] if where is not None else None)
            flag = _cell(texts, cols, "direction")
            if flag is not None:
                key = flag.lower()
                coded = flag_codes(label[cols["direction"]]).get(key)
                if key in DEBIT_FLAGS or coded == "debit":
                    direction = "debit"
                elif key in CREDIT_FLAGS or coded == "credit":
                    direction = "credit"
                else:
                    raise StatementError(f"unknown debit/credit flag {flag!r}", line=line,
                                         column=label[cols["direction"]],
                                         hint="flags are 借/贷, D/C, Dr/Cr, 收/支")
                if amount < 0:
                    amount = -amount
            else:
                direction = "debit" if amount < 0 else "credit"
                amount = abs(amount)
        if amount < 0:
            raise StatementError("a negative amount in a debit/credit column", line=line)
        other_account, other_name = _cell(texts, cols, "counterparty_account"), _cell(texts, cols,
                                                                                       "counterparty_name")
        both = _cell(texts, cols, "counterparty_both")
        if both and not (other_account or other_name):
            other_account, other_name = _split_counterparty(both, line, label[cols["counterparty_both"]])
        owner = (stmt.owner_account, stmt.owner_name)
        payer, payee = (owner, (other_account, other_name)) if direction == "debit" else \
            ((other_account, other_name), owner)
    words = _cell(texts, cols, "amount_words")
    if words is not None:
        said = amount_in_words(words)
        if said is None or _cents(said, factor) != amount:
            raise StatementError(f"the amount in words {words!r} " + ("cannot be read" if said is None else
                                 f"says {said:.2f}, the figure {amount:.2f}"), line=line,
                                 column=label[cols["amount_words"]], code="amount_words_mismatch",
                                 hint="ask for a new export, or map the column to \"ignored\" in the profile")
    currency = currency_code(_cell(texts, cols, "currency")) or stmt.currency or "CNY"
    purpose = _cell(texts, cols, "purpose") or _cell(texts, cols, "summary")
    status = _cell(texts, cols, "status")
    warning = None
    if status and status.lower() not in _SUCCESS:
        warning = f"line {line}: status {status!r}"
    return Row(
        txn_id=_cell(texts, cols, "txn_id"), txn_time=when, amount=amount,
        payer_account=payer[0], payer_name=payer[1], payee_account=payee[0], payee_name=payee[1],
        currency=currency, purpose=purpose, balance_after=balance, source_line=line,
        direction=direction, page=page), warning


# --- the body read column-wise ------------------------------------------------------------------------------

def _read_columnar(stmt, grid, header, cols, date_format, factor):
    """``(rows frame, footers, opening, owner account of the first row)`` of a text file or a sheet, read
    column-wise.

    Lines and values that the vectorised steps cannot read exactly as the row-by-row code would go through
    :class:`_Splitter` and :func:`_build_row` (so every result and error is theirs). ``None``: read the whole
    file row by row instead (a box-drawn print, Excel serial numbers, a date column of text and date cells).
    """
    import numpy as np
    import polars as pl

    from monitor.statements import columnar

    width = len(header.cells)
    first = header.index + 1
    sheet = grid.lines is None
    if sheet:
        if len(grid.rows) <= first:
            return None
        body = columnar.sheet_body([cells for _, cells in grid.rows[first:]], width)
    else:
        utf8 = isinstance(grid.lines, recognise.Utf8Lines)
        body = columnar.read_body(_Tail(grid.lines, first), grid.data if utf8 else None, grid.delimiter, width,
                                  skip=first)
    if body is None:
        return None
    splitter = _Splitter(grid, header, cols)
    labels = [norm_label(c) for c in header.cells]
    at = next((i for i, c in enumerate(labels) if c), 0)
    special = columnar.special_lines(body, grid.delimiter, at, labels[at], splitter.date_cols,
                                     splitter.needed).arg_true().to_list()
    if isinstance(grid.lines, recognise.Utf8Lines):  # the lines looked at below, without finding every line start
        grid.lines.remember({first + pos: text for pos, text in
                             zip(special, body["raw"].gather(special).to_list())})
    keep = np.zeros(body.height, dtype=bool)
    page = np.ones(body.height, dtype=np.int64)
    done = 0
    by_python: dict[int, list] = {}  # position -> cells of rows the row-by-row split decided
    for pos in special:
        keep[done:pos], page[done:pos] = not splitter.between_pages, splitter.page
        before = len(splitter.data)
        splitter.step(first + pos)
        if len(splitter.data) > before:
            _, texts, on_page = splitter.data.pop()
            keep[pos], page[pos] = True, on_page
            by_python[pos] = texts
        done = pos + 1
    keep[done:], page[done:] = not splitter.between_pages, splitter.page
    names = [f"c{i}" for i in range(width)]
    data = body.select(*names).with_columns(pos=pl.int_range(pl.len(), dtype=pl.Int64), page=pl.Series(page)) \
        .filter(pl.Series(keep))
    if by_python:
        texts_of = {f"c{i}": [columnar.cell_text(by_python[p][i], cleaned=True) if i < len(by_python[p]) else None
                              for p in by_python] for i in range(width)}
        fixed = pl.DataFrame({"pos": list(by_python), **texts_of}, schema={"pos": pl.Int64, **{n: pl.String
                                                                                                for n in names}})
        data = data.update(fixed, on="pos", include_nulls=True)
    if sheet:
        numbers = pl.Series([line for line, _ in grid.rows[first:]], dtype=pl.Int64)
        data = data.with_columns(line=numbers.gather(data["pos"]))
    else:
        data = data.with_columns(line=pl.col("pos") + first + 1)
    if "status" in cols:  # failed rows are no transactions, as _Splitter decides for the lines it reads
        status = data[f"c{cols['status']}"].fill_null("")
        failed_values = [v for v in status.unique().to_list() if v and norm_label(v) in _FAILED]
        failed = status.is_in(failed_values)
        splitter.failed = sorted(splitter.failed + data.filter(failed)["line"].to_list())
        data = data.filter(~failed)
    _note_failed(stmt, splitter.failed)
    if not data.height:
        stmt.warnings.append("no transaction rows")
        return _frame_of([]), splitter.footers, splitter.opening, None
    stmt.openings = splitter.openings
    rows = _SheetRows(grid.rows, first) if sheet else None
    frame = _columnar_rows(stmt, data, cols, header, date_format, factor, rows)
    if frame is None:
        return None
    if "own_account" not in cols:
        own = None
    elif sheet:
        own = clean_text(rows.cells(int(data["pos"][0]))[cols["own_account"]]) or None
    else:
        own = data[f"c{cols['own_account']}"][0] or None
    return frame, splitter.footers, splitter.opening, own


class _SheetRows:
    """A sheet's body rows (``grid.rows`` from ``first`` on) as :class:`_Splitter` gives their cells: text
    cleaned, other values as they are."""

    def __init__(self, rows, first: int):
        self.rows, self.first = rows, first

    def cells(self, pos: int) -> list:
        return [clean_text(c) if isinstance(c, str) else c for c in self.rows[self.first + pos][1]]

    def column(self, positions: list[int], index: int) -> list:
        """The cell at ``index`` of each row (empty text past a row's end)."""
        rows, first, out = self.rows, self.first, []
        for pos in positions:
            cells = rows[first + pos][1]
            value = cells[index] if index < len(cells) else ""
            out.append(clean_text(value) if isinstance(value, str) else value)
        return out


def _parsed_or_none(parse, value):
    try:
        return parse(value)
    except (ValueError, TypeError, OverflowError):
        return None  # the row goes row by row, which names the error


class _Tail:
    """The lines from ``first`` on, without copying them."""

    def __init__(self, lines, first: int):
        self.lines, self.first = lines, first

    def __len__(self) -> int:
        return max(0, len(self.lines) - self.first)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self.lines[self.first:][index]
        return self.lines[self.first + index]


def _columnar_rows(stmt, data, cols, header, date_format, factor, sheet_rows=None):
    """The rows frame of the transaction rows' cells; rows the vectorised reading doubts go row by row.

    ``sheet_rows``: a sheet's rows as typed cells (:class:`_SheetRows`), for date columns of date cells and
    for the rows read row by row.
    """
    import polars as pl

    from monitor.statements import columnar

    lines = data["line"]
    parsed: dict[int, object] = {}

    class Decline(Exception):
        pass

    def typed_cells(index):
        """A sheet column's cells ``(line, value)`` as the row-by-row inference has them, when it holds a
        value other than text (else ``None``)."""
        values = sheet_rows.column(data["pos"].to_list(), index)
        if all(isinstance(v, str) for v in values):
            return None
        return list(zip(lines.to_list(), values))

    def infer(index, use_format, prefer_time):
        typed = typed_cells(index) if sheet_rows is not None else None
        if typed is not None:
            present = [v for _, v in typed if not (isinstance(v, str) and not v.strip()) and v is not None]
            if dates._kind_of_typed(present) is None:
                raise Decline  # numbers (Excel serials) or text among the dates: row by row
            fmt = dates.infer(typed, column=header.cells[index], date_format=use_format, prefer_time=prefer_time)
            if fmt is not None:
                parsed[index] = pl.Series([_parsed_or_none(fmt.parse, v) for _, v in typed],
                                          dtype=pl.Time if fmt.kind == "time" else pl.Datetime("us"), strict=False)
            return fmt
        found = columnar.infer_column(data[f"c{index}"], lines, column=header.cells[index],
                                      date_format=use_format, prefer_time=prefer_time)
        if found is None or (found[0] is None and (data[f"c{index}"].fill_null("") != "").any()):
            raise Decline  # (unread values: the row-by-row inference names the one it cannot read)
        parsed[index] = found[1]
        return found[0]

    try:
        how = _Columns(cols, header.cells, factor, *_pick_time_columns(int(lines[0]), cols, header, date_format,
                                                                       infer))
    except Decline:
        return None
    if how.date_fmt.kind == "time" or (how.time_fmt is not None and how.time_fmt.kind != "time"):
        return None
    _name_time_columns(stmt, how)

    def text(role):
        index = cols.get(role)
        return pl.lit("") if index is None else pl.col(f"c{index}").fill_null("")

    def cell(role):
        index = cols.get(role)
        return pl.lit(None, pl.String) if index is None else \
            pl.when(pl.col(f"c{index}") != "").then(pl.col(f"c{index}"))

    wanyuan = factor != 1
    doubt = []  # conditions under which the row-by-row code decides the row
    when = parsed[how.date_index]
    frame = data.with_columns(_when=when)
    doubt.append(pl.col("_when").is_null())
    if how.time_index is not None:
        frame = frame.with_columns(_clock=parsed[how.time_index])
        has_time = pl.col(f"c{how.time_index}").fill_null("") != ""
        doubt.append(has_time & pl.col("_clock").is_null())
        frame = frame.with_columns(_when=pl.when(has_time).then(pl.col("_when").dt.combine(pl.col("_clock")))
                                   .otherwise(pl.col("_when")))
    money = {}
    for role in ("balance", "amount", "debit", "credit"):
        if role in cols:
            written = data[f"c{cols[role]}"].fill_null("")
            micros = columnar.amount_micros(written)
            money[role] = columnar.micros_to_cents(pl.lit(micros), wanyuan)
            doubt.append(pl.lit(micros.is_null() & (written != "")))
        else:
            money[role] = pl.lit(None, pl.Int64)
    frame = frame.with_columns(**{f"_{r}": e for r, e in money.items()})
    amount = pl.col("_amount")
    if stmt.kind == "transfers":
        doubt += [amount.is_null(), amount < 0]
        direction = pl.lit(None, pl.String)
        payer_account, payer_name = cell("payer_account"), cell("payer_name")
        payee_account, payee_name = cell("payee_account"), cell("payee_name")
    else:
        d, c = pl.col("_debit"), pl.col("_credit")
        has_d, has_c = d.is_not_null() & (d != 0), c.is_not_null() & (c != 0)
        doubt.append(has_d & has_c)
        flag = text("direction").str.to_lowercase()
        codes = flag_codes(header.cells[cols["direction"]]) if "direction" in cols else {}
        is_debit_flag = flag.is_in(list(DEBIT_FLAGS) + [k for k, v in codes.items() if v == "debit"])
        is_credit_flag = flag.is_in(list(CREDIT_FLAGS) + [k for k, v in codes.items() if v == "credit"])
        if "amount" not in cols:
            doubt.append(~has_d & ~has_c)
        else:
            doubt.append(~has_d & ~has_c & amount.is_null())
        if "direction" in cols:
            doubt.append(~has_d & ~has_c & (flag != "") & ~is_debit_flag & ~is_credit_flag)
            by_flag = pl.when(is_debit_flag).then(pl.lit("debit")).when(is_credit_flag).then(pl.lit("credit"))
        else:
            by_flag = pl.lit(None, pl.String)
        by_sign = pl.when(amount < 0).then(pl.lit("debit")).otherwise(pl.lit("credit"))
        direction = (pl.when(has_d).then(pl.lit("debit")).when(has_c).then(pl.lit("credit"))
                     .when(flag != "").then(by_flag).otherwise(by_sign))
        amount = pl.when(has_d).then(d).when(has_c).then(c).otherwise(amount.abs())
        doubt.append(has_d & (d < 0) | ~has_d & has_c & (c < 0))
        other_account, other_name = cell("counterparty_account"), cell("counterparty_name")
        if "counterparty_both" in cols:
            both = cell("counterparty_both")
            parts = both.str.splitn("/", 2)
            use = both.is_not_null() & other_account.is_null() & other_name.is_null()
            # not ``account / name``: the row-by-row split decides (name / account / bank)
            doubt.append(use & ((both.str.count_matches("/") > 1) |
                                ~both.str.split("/").list.first().str.contains(r"^[\d\s-]*$")))
            first = parts.struct.field("field_0").str.strip_chars(columnar.PY_WHITESPACE)
            second = parts.struct.field("field_1").fill_null("").str.strip_chars(columnar.PY_WHITESPACE)
            other_account = pl.when(use).then(pl.when(first != "").then(first)).otherwise(other_account)
            other_name = pl.when(use).then(pl.when(second != "").then(second)).otherwise(other_name)
        is_debit = direction == "debit"
        owner_account, owner_name = pl.lit(stmt.owner_account, pl.String), pl.lit(stmt.owner_name, pl.String)
        payer_account = pl.when(is_debit).then(owner_account).otherwise(other_account)
        payer_name = pl.when(is_debit).then(owner_name).otherwise(other_name)
        payee_account = pl.when(is_debit).then(other_account).otherwise(owner_account)
        payee_name = pl.when(is_debit).then(other_name).otherwise(owner_name)
    currency = cell("currency")
    if "currency" in cols:
        codes = {v: currency_code(v) for v in frame.select(currency.unique()).to_series().to_list() if v}
        currency = currency.replace_strict(codes, default=None, return_dtype=pl.String)
    currency = pl.coalesce(currency, pl.lit(stmt.currency or "CNY"))
    frame = frame.with_columns(
        _doubt=pl.any_horizontal(doubt).fill_null(True),
        txn_id=cell("txn_id"), txn_time=pl.col("_when").cast(pl.Datetime("us")), amount=amount,
        payer_account=payer_account, payer_name=payer_name, payee_account=payee_account, payee_name=payee_name,
        currency=currency, purpose=pl.coalesce(cell("purpose"), cell("summary")), balance=pl.col("_balance"),
        source_line=pl.col("line"), direction=direction, page=pl.col("page"), _status=cell("status"))
    doubted = frame.filter(pl.col("_doubt"))
    if doubted.height:
        fixed = []
        width = len(header.cells)
        for row in doubted.select("pos", "line", "page", *[f"c{i}" for i in range(width)]).iter_rows():
            pos, line, on_page, *texts = row
            # a missing cell reads as an empty one for every role of a transaction row
            texts = sheet_rows.cells(pos) if sheet_rows is not None else ["" if t is None else t for t in texts]
            fixed.append(_build_row(stmt, how, line, texts, on_page)[0])
        frame = frame.update(_frame_of(fixed).rename({"source_line": "line"}).with_columns(
            source_line=pl.col("line")), on="line", include_nulls=True)
    if "status" in cols:
        bad = frame.filter(pl.col("_status").is_not_null() &
                           ~pl.col("_status").str.to_lowercase().is_in(list(_SUCCESS)))
        stmt.warnings += [f"line {line}: status {status!r}"
                          for line, status in bad.select("line", "_status").iter_rows()]
    return frame.select(list(_row_schema())).cast(_row_schema())


# --- footers ------------------------------------------------------------------------------------------------

_NUM = r"[￥¥]?\s*(-?[\d,]+(?:\.\d+)?)"
_S = r"[\s:：,，|]*"  # what stands between a label and its number: spaces, colons, delimiters
_UNIT = r"(?:[(（](?:元|分)[)）])?"  # 成功金额(分): the unit is the statement's (its money columns say it)
_TEXT_TOTALS: list[tuple[re.Pattern, tuple[str, ...]]] = [
    (re.compile(r"^trailer" + _S + r"(\d+)" + _S + _NUM, re.I), ("count", "total")),
    (re.compile(r"(借方|贷方|收入|支出)合计" + _S + r"(\d+)\s*笔" + _S + r"(?:共\s*)?" + _NUM),
     ("dir", "_count", "_total")),
    (re.compile(r"(借方|贷方|收入|支出)(?:合计)?笔数" + _S + r"(\d+)"), ("dir", "_count")),
    (re.compile(r"(借方|贷方|收入|支出)(?:合计)?(?:金额|发生额)" + _S + _NUM), ("dir", "_total")),
    (re.compile(r"共\s*(\d+)\s*笔"), ("count",)),
    (re.compile(r"(借方|贷方|收入|支出)\s*(\d+)\s*笔"), ("dir", "_count")),
    (re.compile(r"笔\s*[，,]\s*(收入)\s*" + _NUM + r"\s*元"), ("dir", "_total")),
    (re.compile(r"[，,]\s*(支出)\s*" + _NUM + r"\s*元"), ("dir", "_total")),
    (re.compile(r"(?:期末余额|closing balance)" + _S + _NUM, re.I), ("closing_balance",)),
    (re.compile(r"(?:期初余额|opening balance)" + _S + _NUM, re.I), ("opening_balance",)),
    (re.compile(r"total (debit|credit)" + _S + _NUM + r"(?:" + _S + r"count" + _S + r"(\d+))?", re.I),
     ("dir", "_total", "_count")),
    (re.compile(r"number of transactions" + _S + r"(\d+)", re.I), ("count",)),
    (re.compile(r"(?<![\d.,])(\d+) transactions\b", re.I), ("count",)),
    (re.compile(r"失败笔数" + _S + r"(\d+)"), ("failed_count",)),
    # 借方合计 Total Debits,,,,12,(1,507,606.02): a bilingual label, the count, the total (red: a debit)
    (re.compile(r"^(借方|贷方)合计\s*total (?:debits|credits)" + _S + r"(\d+)" + _S + r"\(?" + _NUM, re.I),
     ("dir", "_count", "_total")),
    (re.compile(r"^合计" + _S + r"笔数" + _S + r"(\d+)|成功笔数" + _S + r"(\d+)"), ("count", "count")),
    (re.compile(r"成功金额" + _UNIT + _S + _NUM), ("total",)),
    (re.compile(r"失败金额" + _UNIT + _S + _NUM), ("failed_total",)),
]
_DIR_EN = {"debit": "debit", "credit": "credit"}


def _parse_footers(stmt: Statement, footers, cols, factor) -> None:
    totals: dict = {}
    lines: dict[str, int] = {}
    pages: list[dict] = []

    several = _currencies(stmt)
    section = None  # the currency of the footer line being read, in a statement of several

    def put(key, value, line, page=None):
        sheet = stmt.sheet_pages.get(page)
        into, where = (totals, lines) if sheet is None else \
            (stmt.sheet_totals.setdefault(sheet, {}), stmt.sheet_footer_lines.setdefault(sheet, {}))
        if section is not None:
            into, where = stmt.currency_totals.setdefault(section, {}), \
                stmt.currency_footer_lines.setdefault(section, {})
        if key not in into:
            into[key], where[key] = value, line

    for line, texts, raw, page, continuation in footers:
        strings = [t if isinstance(t, str) else str(t) for t in texts]
        section = currency_code(_cell(texts, cols, "currency")) if several else None
        if section is not None and section not in several:
            raise StatementError(f"a footer line for {section}, which no row of this statement is in", line=line,
                                 column=stmt.columns.get("currency"),
                                 hint="read each currency's section as a separate file")
        # text files: the line as written (a CSV footer may split an unquoted 1,234.56 into cells)
        joined = raw.replace('"', "") if raw is not None else "  ".join(s for s in strings if s)
        joined = re.sub(r"^\s*#\s*", "", joined).strip()
        for pattern, keys in _TEXT_TOTALS:
            for match in pattern.finditer(joined):
                groups = list(match.groups())
                prefix = ""
                if keys[0] == "dir":
                    word = groups.pop(0)
                    prefix = _DIRECTION_WORDS.get(word) or _DIR_EN[word.lower()]
                    keys_ = keys[1:]
                else:
                    keys_ = keys
                for key, value in zip(keys_, groups):
                    if value is None:
                        continue
                    name = prefix + key if key.startswith("_") else key
                    number = Decimal(value.replace(",", ""))
                    put(name, int(number) if name.endswith("count") else _cents(number, factor), line, page)
        # column-aware: a 合计/Total row (or its second line) with amounts under the money columns
        first_text = next((s for s in strings if s), "")
        is_sum = continuation or any(_is_sum_label(s) for s in strings) or \
            re.match(r"^共\s*\d+\s*笔$|^合计笔数", first_text) or (several and norm_label(first_text) == "closing balance")
        if not is_sum:
            continue
        found = {}
        flag = _cell(texts, cols, "direction")
        if flag is None:  # a signed amount column's totals, one line each: 支出10笔 -1,268,219.50
            word = next((m.group(1) for s in strings for m in [re.match(r"^(借方|贷方|收入|支出)\s*\d+\s*笔$", s)]
                         if m), None)
            flag = {"debit": "借", "credit": "贷"}.get(_DIRECTION_WORDS.get(word))
        for role in ("debit", "credit", "amount", "balance"):
            index = cols.get(role)
            if index is None or index >= len(texts):
                continue
            try:
                value = parse_amount(texts[index])
            except StatementError:
                continue
            if value is None:
                continue
            if role == "amount":
                key = {"debit": "debit_total", "credit": "credit_total"}.get(
                    "debit" if flag and flag.lower() in DEBIT_FLAGS else
                    "credit" if flag and flag.lower() in CREDIT_FLAGS else "", "total")
                value = abs(value) if key != "total" else value
            else:
                key = {"debit": "debit_total", "credit": "credit_total", "balance": "closing_balance"}[role]
            found[key] = _cents(value, factor)
        if any(_is_sum_label(s) and norm_label(s) == "本页合计" for s in strings):
            pages.append({"page": page, "line": line, **found})
        else:
            for key, value in found.items():
                put(key, value, line, page)
    section = None
    for key, value in stmt.preamble_totals.items():
        try:
            number = parse_amount(value)
        except StatementError:
            continue
        if number is not None:
            put(key, int(number) if key == "count" else _cents(number, factor), stmt.header_line - 1)
    if pages:
        totals["page_totals"] = [{k: v for k, v in p.items() if k != "line"} for p in pages]
        stmt.page_lines = {p["page"]: p["line"] for p in pages}
    stmt.footer_totals = totals
    stmt.footer_lines = lines


# --- checks -------------------------------------------------------------------------------------------------

def _currencies(stmt: Statement) -> list[str]:
    """The currencies of a statement whose rows are in several (each has its own balance), else ``[]``."""
    if stmt.kind != "account" or stmt.frame is None or not stmt.frame.height:
        return []
    found = stmt.frame["currency"].unique(maintain_order=True).to_list()
    return found if len(found) > 1 else []


def _per_currency(stmt: Statement, check) -> None:
    """``check`` (:func:`_check_balances` or :func:`_reconcile`) on each currency's rows and footer."""
    import copy

    import polars as pl

    closing = {}
    for code in _currencies(stmt):
        part = copy.copy(stmt)
        part.frame = stmt.frame.filter(pl.col("currency") == code)
        part.footer_totals = stmt.currency_totals.get(code, {})
        part.footer_lines = stmt.currency_footer_lines.get(code, {})
        part.sheet_totals, part.currency_totals, part.red_ink = {}, {}, {}
        part.closing_row_balance = stmt.currency_closing.get(code) if check is _reconcile else None
        check(part)
        if check is _check_balances:
            closing[code] = part.closing_row_balance
            stmt.balance_check = part.balance_check
    if check is _check_balances:
        stmt.currency_closing, stmt.closing_row_balance = closing, None


def _check_balances(stmt: Statement) -> None:
    """The running balance chains row by row, in file order or newest first (integer cents: exact)."""
    import numpy as np
    import polars as pl

    if stmt.kind != "account":
        return
    rows = stmt.frame.select(
        "balance", "amount", "source_line", "page",
        pl.when(pl.col("direction") == "debit").then(-pl.col("amount")).otherwise(pl.col("amount")).alias("signed"),
    ).filter(pl.col("balance").is_not_null() & stmt.frame["direction"].is_not_null())
    if not rows.height:
        return
    balance = rows["balance"].to_numpy()
    amount = rows["amount"].to_numpy()
    signed = rows["signed"].to_numpy()
    up = np.flatnonzero(balance[1:] != balance[:-1] + signed[1:]) + 1
    down = np.flatnonzero(balance[:-1] != balance[1:] + signed[:-1])
    if not len(up):
        newest_first = False
    elif not len(down):
        newest_first = True
    else:
        newest_first = len(down) < len(up)
    breaks = down if newest_first else up
    if len(breaks):
        i = int(breaks[0])
        before = i + 1 if newest_first else i - 1
        expected = int(balance[before]) + int(signed[i])
        raise _in_sheet(StatementError(
            f"the running balance breaks: {_decimal(int(balance[before])):.2f} "
            f"{'+' if signed[i] >= 0 else '-'} {_decimal(int(amount[i])):.2f} = {_decimal(expected):.2f}, "
            f"but the row states {_decimal(int(balance[i])):.2f}",
            line=int(rows["source_line"][i]), column=stmt.columns.get("balance"), code="balance_chain_break",
            hint="the file is damaged or rows are missing: ask the bank for a new export"),
            stmt.sheet_pages.get(int(rows["page"][i])))
    first = rows.height - 1 if newest_first else 0
    last = 0 if newest_first else rows.height - 1
    opening = stmt.footer_totals.get("opening_balance")
    if opening is not None and _decimal(int(balance[first]) - int(signed[first])) != opening:
        raise StatementError(
            f"the first row does not continue the opening balance {opening:.2f}",
            line=int(rows["source_line"][first]), column=stmt.columns.get("balance"), code="balance_chain_break")
    stmt.balance_check = "ok (newest first)" if newest_first else "ok"
    stmt.closing_row_balance = _decimal(int(balance[last]))


def _total(cents: int, count: int) -> Decimal:
    """A sum of row amounts as the row-by-row sum writes it (``Decimal(0)`` when there are no rows)."""
    return _decimal(cents) if count else Decimal(0)


def _reconcile(stmt: Statement) -> None:
    """The footer's counts and totals (and each page's) equal the rows' sums."""
    import polars as pl

    totals, lines = stmt.footer_totals, stmt.footer_lines
    frame = stmt.frame
    sides = {d: (n, total) for d, n, total in frame.group_by("direction").agg(
        pl.len(), pl.col("amount").sum()).iter_rows()}
    count = sum(n for n, _ in sides.values())
    total = sum(t for _, t in sides.values())
    (debits, debit_sum), (credits, credit_sum) = sides.get("debit", (0, 0)), sides.get("credit", (0, 0))
    red = sum(stmt.red_ink.values())  # a reversal leaves its column's total net of it, and the other side's
    actual = {
        "count": count, "total": _total(total, count),
        "debit_count": debits, "debit_total": _total(debit_sum - red, debits),
        "credit_count": credits, "credit_total": _total(credit_sum - red, credits),
    }
    if stmt.failed_lines or "status" in stmt.columns:
        actual["failed_count"] = len(stmt.failed_lines)
    closing = stmt.closing_row_balance
    if closing is not None:
        actual["closing_balance"] = closing
    for key, stated in totals.items():
        if key not in actual or key == "opening_balance":
            continue
        if stmt.kind == "transfers" and key.startswith(("debit", "credit")):
            continue
        if stated != actual[key]:
            label = key.replace("_", " ")
            raise StatementError(
                f"the footer states {label} {stated}, the rows give {actual[key]}", line=lines.get(key),
                code="footer_total_mismatch", hint="rows are missing or the footer is wrong: ask for a new export")
    _reconcile_sheets(stmt)
    pages = totals.get("page_totals", [])
    by_page = {(p, d): (n, t) for p, d, n, t in frame.group_by("page", "direction").agg(
        pl.len(), pl.col("amount").sum()).iter_rows()} if pages else {}
    for page in pages:
        for key, direction in (("debit_total", "debit"), ("credit_total", "credit")):
            if key in page:
                n, cents = by_page.get((page["page"], direction), (0, 0))
                got = _total(cents, n)
                if got != page[key]:
                    raise StatementError(
                        f"page {page['page']}: the page total states {key.replace('_', ' ')} {page[key]}, "
                        f"the page's rows give {got}", line=stmt.page_lines[page["page"]],
                        code="footer_total_mismatch")


def _reconcile_sheets(stmt: Statement) -> None:
    """Each sheet's footer (a workbook of month sheets) equals the sums of that sheet's rows."""
    import polars as pl

    for sheet, stated in stmt.sheet_totals.items():
        pages = [page for page, name in stmt.sheet_pages.items() if name == sheet]
        rows = stmt.frame.filter(pl.col("page").is_in(pages))
        sides = {d: (n, t) for d, n, t in rows.group_by("direction").agg(pl.len(), pl.col("amount").sum()).iter_rows()}
        (debits, debit_sum), (credits, credit_sum) = sides.get("debit", (0, 0)), sides.get("credit", (0, 0))
        count, total = sum(n for n, _ in sides.values()), sum(t for _, t in sides.values())
        actual = {"count": count, "total": _total(total, count), "debit_count": debits,
                  "debit_total": _total(debit_sum, debits), "credit_count": credits,
                  "credit_total": _total(credit_sum, credits)}
        balances = rows["balance"].drop_nulls()
        if stmt.balance_check == "ok" and len(balances):
            actual["closing_balance"] = _decimal(int(balances[-1]))
        for key, value in stated.items():
            if key in actual and value != actual[key]:
                raise StatementError(
                    f"sheet {sheet!r}: the footer states {key.replace('_', ' ')} {value}, the sheet's rows give "
                    f"{actual[key]}", line=stmt.sheet_footer_lines[sheet].get(key), code="footer_total_mismatch",
                    hint="rows are missing or the footer is wrong: ask for a new export")

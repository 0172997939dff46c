"""Hand-over exports: a case as FollowTheMoney entities for the receiving side's tools.

:func:`build_handover` reads the store as known at ``as_of`` and returns
``followthemoney`` :class:`~followthemoney.ValueEntity` objects: institutions
and registry companies (``Company``, USCC as ``registrationNumber`` and
``uscCode``), persons, ownership (``Ownership``), control and offices
(``Ownership`` with a role, ``Directorship``), guarantees (``UnknownLink``),
bank accounts (``BankAccount`` and their holders' ``Ownership``), payments
(``Payment``, per account pair and month by default) and the findings'
evidence pages (``Document`` with ``Documentation`` links). Every entity
carries the dataset name in ``datasets`` and the as-of moment in
``last_seen``. See ``docs/handover.md``.

Ids come from ``make_id`` over stable keys (USCC, account, relation
endpoints, kind and start, payment pair and period), so a receiver can merge
a later export into an earlier one. Keys of personal identifiers use their
masked form, so an id never hashes a full ID or card number (a hash of an
18-digit ID number is reversible by trying the birth dates).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit

from followthemoney import ValueEntity, model

from monitor.clock import as_utc
from monitor.errors import InputError
from monitor.privacy import Masker, account_keeper, mask_account, mask_id_number

FLOWS = ("none", "aggregated", "raw")
RAW_CAP = 50_000  # raw transfers in one export; aggregated payments have no cap
NAMESPACE = "monitor"
HOPS = 3  # related parties within this many control hops of an institution
# Relation kinds as FollowTheMoney schemata: (schema, source property, target property, role).
RELATION_SCHEMA = {
    "shareholder": ("Ownership", "owner", "asset", "shareholder (股东)"),
    "controller": ("Ownership", "owner", "asset", "actual controller (实际控制人)"),
    "executive": ("Directorship", "director", "organization", "executive (高管)"),
    "legal_representative": ("Directorship", "director", "organization", "legal representative (法定代表人)"),
    "guarantee": ("UnknownLink", "subject", "object", "guarantor (担保)"),
}


@dataclass
class Handover:
    """The entities of one export and what the caller reports (counts, a cap that applied)."""

    dataset: str
    as_of: datetime
    entities: dict[str, ValueEntity] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.entities.values():
            out[e.schema.name] = out.get(e.schema.name, 0) + 1
        return dict(sorted(out.items()))

    def lines(self) -> Iterable[bytes]:
        """JSON lines (UTF-8), ordered by id so that two exports of the same data compare equal."""
        import orjson

        for key in sorted(self.entities):
            yield orjson.dumps(self.entities[key].to_dict(), option=orjson.OPT_SORT_KEYS) + b"\n"

    def write(self, path) -> int:
        with open(path, "wb") as fh:
            for line in self.lines():
                fh.write(line)
        return len(self.entities)


def dataset_name(jurisdiction_code: str) -> str:
    """``monitor_<code>`` with characters FollowTheMoney dataset names do not take replaced.

    A code with no such character (a local code in Chinese, 示范市) keeps a short digest of
    itself, so that two such jurisdictions never share a dataset name.

    >>> dataset_name("440300"), dataset_name("A-1")
    ('monitor_440300', 'monitor_a_1')
    >>> dataset_name("示范市") != dataset_name("甲市")
    True
    """
    import hashlib
    import re

    slug = re.sub(r"[^a-z0-9_]", "_", jurisdiction_code.lower())
    if not slug.strip("_"):
        slug = "j" + hashlib.sha1(jurisdiction_code.encode("utf-8")).hexdigest()[:10]
    return "monitor_" + slug


def _iso_date(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10] or None


def _moment(value: datetime | None) -> str | None:
    return None if value is None else as_utc(value).isoformat(timespec="seconds")


class _Builder:
    def __init__(self, session, config, dataset: str, as_of: datetime, personal_data: bool):
        self.session, self.config = session, config
        self.out = Handover(dataset=dataset, as_of=as_of)
        self.as_of_iso = _moment(as_of)
        keeper = account_keeper(session)
        self.mask = Masker(full=personal_data, keep=keeper)
        self.keep: Callable[[str], bool] = keeper
        self.personal_data = personal_data
        self.holders: dict[str, str] = {}  # account entity id -> holder entity id

    # ------------------------------------------------------------------ entities
    def entity(self, schema: str, *key: Any) -> ValueEntity:
        """The entity of ``schema`` keyed by ``key`` (one object per id: later calls add to it)."""
        proxy = ValueEntity(model.get(schema), {})
        proxy.make_id(NAMESPACE, schema if not model.get(schema).is_a("LegalEntity") else "party", *key)
        found = self.out.entities.get(proxy.id)
        if found is not None:
            return found
        proxy.datasets.add(self.out.dataset)
        proxy.last_seen = self.as_of_iso
        self.out.entities[proxy.id] = proxy
        return proxy

    def text(self, value: Any) -> str | None:
        """Free text (crawled addresses, titles, purposes) with personal numbers masked."""
        return None if value in (None, "") else self.mask.text(str(value))

    def id_number(self, value: str) -> str:
        return value if self.personal_data else mask_id_number(value)

    # ------------------------------------------------------------------ parties
    def company(self, name: str, uscc: str | None, name_norm: str | None = None) -> ValueEntity:
        e = self.entity("Company", uscc or f"name:{name_norm or name}")
        e.add("name", name)
        if uscc:
            e.add("registrationNumber", uscc)
            e.add("uscCode", uscc)
        e.add("jurisdiction", "cn")
        return e

    def registry_company(self, row) -> ValueEntity:
        e = self.company(row.name, row.uscc, row.name_norm)
        e.add("address", self.text(row.address))
        e.add("incorporationDate", _iso_date(row.established_on))
        if row.registered_capital is not None:
            e.add("capital", f"{row.registered_capital:.2f} CNY")
        e.add("sourceUrl", row.registry_url)
        return e

    def person(self, name: str, id_number: str | None, row_id: int | None = None) -> ValueEntity:
        from monitor.text import guess_holder_kind

        is_id = guess_holder_kind(id_number) == "person"
        key = mask_id_number(id_number) if is_id else (f"row:{row_id}" if row_id is not None else "")
        e = self.entity("Person", name, key)
        e.add("name", name)
        if is_id:  # a 居民身份证 number: a Chinese national
            e.add("idNumber", self.id_number(id_number))
            e.add("nationality", "cn")
        return e

    def holder(self, name: str | None, holder_id: str | None, account_no: str) -> ValueEntity:
        """The holder of an account as named in transfer files (registry entity when the USCC matches)."""
        from monitor.text import guess_holder_kind

        kind = guess_holder_kind(holder_id)
        if kind == "company":
            return self.company(name or holder_id, holder_id.strip().upper())
        if kind == "person":
            return self.person(name or "?", holder_id)
        e = self.entity("LegalEntity", "holder", name or "", self.account_key(account_no))
        e.add("name", name or f"holder of {self.account_number(account_no)}")
        return e

    # ------------------------------------------------------------------ accounts
    def organisation_account(self, account_no: str, holder_id: str | None = None) -> bool:
        from monitor.text import guess_holder_kind

        return guess_holder_kind(holder_id) == "company" or self.keep(account_no)

    def account_key(self, account_no: str) -> str:
        return account_no if self.keep(account_no) else "masked:" + mask_account(account_no)

    def account_number(self, account_no: str) -> str:
        if self.personal_data or self.keep(account_no):
            return account_no
        return mask_account(account_no)

    def account(self, account_no: str, holder: ValueEntity | None, *, holder_id: str | None = None,
                bank: str | None = None, custody: bool = False) -> ValueEntity:
        org = self.organisation_account(account_no, holder_id)
        key = account_no if org else "masked:" + mask_account(account_no) + ":" + (holder.id if holder else "")
        e = self.entity("BankAccount", key)
        e.add("accountNumber", account_no if org or self.personal_data else mask_account(account_no))
        e.add("bankName", bank)
        if custody:
            e.add("accountType", "custody account (存管账户)")
        if holder is not None:
            self.holders.setdefault(e.id, holder.id)
            link = self.entity("Ownership", holder.id, e.id, "account holder")
            link.add("owner", holder)
            link.add("asset", e)
            link.add("role", "account holder (开户人)")
        return e


def _load_registry(session, as_of: datetime):
    from sqlmodel import select

    from monitor.models import Company, Person, Relation

    def rows(model_):
        return list(session.exec(select(model_).where(model_.available_at <= as_of).order_by(model_.id)))

    return rows(Company), rows(Person), rows(Relation)


def resolve_institutions(session, *, institution: str | None = None, jurisdiction: str | None = None):
    """(institutions, dataset name): one institution by id or USCC, or every one in a jurisdiction and below.

    Raises :class:`InputError` (exit 2) naming what was not found.
    """
    from sqlmodel import select

    from monitor.access import jurisdiction_closure
    from monitor.models import Institution, Jurisdiction

    if (institution is None) == (jurisdiction is None):
        raise InputError("give exactly one of --institution ID_OR_USCC and --jurisdiction CODE")
    if institution is not None:
        value = institution.strip()
        inst = session.get(Institution, int(value)) if value.isdigit() and len(value) < 18 else \
            session.exec(select(Institution).where(Institution.uscc == value.upper())).first()
        if inst is None:
            raise InputError(f"--institution {institution!r}: no institution with that id or USCC")
        jur = session.get(Jurisdiction, inst.jurisdiction_id) if inst.jurisdiction_id else None
        return [inst], dataset_name(jur.code if jur else "store")
    jur = session.exec(select(Jurisdiction).where(Jurisdiction.code == jurisdiction.strip())).first()
    if jur is None:
        raise InputError(f"--jurisdiction {jurisdiction!r}: no jurisdiction with that code")
    ids = sorted(jurisdiction_closure(session, [jur.id]))
    insts = list(session.exec(select(Institution).where(Institution.jurisdiction_id.in_(ids))
                              .order_by(Institution.id)))
    return insts, dataset_name(jur.code)


def build_handover(session, config, institutions: list, dataset: str, as_of: datetime, *,
                   flows: str = "aggregated", personal_data: bool = False, raw_cap: int = RAW_CAP) -> Handover:
    """The entities of ``institutions`` as known at ``as_of`` (aware datetime).

    ``flows``: ``none``, ``aggregated`` (payments per account pair and month)
    or ``raw`` (one payment per transfer, at most ``raw_cap``; a note says
    when the cap cut the list). Personal ID and card numbers are masked
    unless ``personal_data``.
    """
    from sqlmodel import select

    from graphs.registry import institution_key, related_parties, related_party_graph
    from monitor.models import Account

    if flows not in FLOWS:
        raise InputError(f"--flows {flows!r} is not one of: {', '.join(FLOWS)}")
    if as_of.tzinfo is None:
        raise InputError("as_of must be an aware datetime (e.g. UTC)")
    b = _Builder(session, config, dataset, as_of, personal_data)
    usccs = [i.uscc for i in institutions]

    # Registry parties within HOPS control hops of each institution, as the graphs see them at as_of.
    companies, persons, relations = _load_registry(session, as_of)
    G = related_party_graph(companies, persons, relations, institutions, as_of=as_of)
    wanted: set[str] = set()
    for uscc in usccs:
        wanted.update(related_parties(G, institution_key(uscc), k=HOPS))
    by_company = {c.id: c for c in companies}
    by_person = {p.id: p for p in persons}
    party: dict[tuple[str, int], ValueEntity] = {}
    for c in companies:
        key = institution_key(c.uscc) if c.uscc in usccs else f"company:{c.id}"
        if key in wanted:
            party[("company", c.id)] = b.registry_company(c)
    for p in persons:
        if f"person:{p.id}" in wanted:
            party[("person", p.id)] = b.person(p.name, p.id_key, p.id)
    for inst in institutions:
        e = b.company(inst.name, inst.uscc, inst.name_norm)
        e.add("alias", list(inst.aliases or []))
        e.add("website", inst.website)
        e.add("status", inst.status)
        e.add("classification", inst.kind)
        e.add("sector", "online lending (网络借贷)" if inst.kind == "p2p" else inst.kind)
        e.add("topics", "fin")
    for r in relations:
        if r.valid_from is not None and r.valid_from > as_of.date():
            continue
        src = party.get((r.subject_kind, r.subject_id))
        dst = party.get((r.object_kind, r.object_id))
        if src is None or dst is None or r.kind not in RELATION_SCHEMA:
            continue
        schema, source_prop, target_prop, role = RELATION_SCHEMA[r.kind]
        link = b.entity(schema, r.kind, src.id, dst.id, _iso_date(r.valid_from) or "")
        link.add(source_prop, src)
        link.add(target_prop, dst)
        link.add("role", " / ".join(x for x in (role, b.text(r.role)) if x))
        link.add("startDate", _iso_date(r.valid_from))
        link.add("endDate", _iso_date(r.valid_to))
        if r.share is not None and schema == "Ownership":
            link.add("percentage", f"{r.share * 100:.4g}")
        if r.amount is not None:
            link.add("summary", f"guaranteed amount {r.amount:.2f} CNY")

    # Accounts the store knows for these institutions, then the flows and the findings' evidence.
    accounts: dict[str, Any] = {}
    inst_ids = [i.id for i in institutions]
    for row in session.exec(select(Account).where(Account.institution_id.in_(inst_ids)).order_by(Account.id)):
        accounts[row.account_no] = row

    made: dict[str, ValueEntity] = {}

    def account_entity(no: str, name: str | None = None, holder_id: str | None = None) -> ValueEntity:
        # The first sighting decides the holder: per account, once (millions of flow rows name few accounts).
        if no in made:
            return made[no]
        row = accounts.get(no)
        if row is None and no not in accounts:
            row = accounts[no] = session.exec(select(Account).where(Account.account_no == no)).first()
        holder = None
        if row is not None and row.company_id is not None and ("company", row.company_id) in party:
            holder = party[("company", row.company_id)]
        elif row is not None and row.company_id is not None and row.company_id in by_company:
            holder = b.registry_company(by_company[row.company_id])
        elif row is not None and row.person_id is not None and row.person_id in by_person:
            p = by_person[row.person_id]
            holder = party.get(("person", p.id)) or b.person(p.name, p.id_key, p.id)
        elif row is not None and row.institution_id in inst_ids:
            inst = next(i for i in institutions if i.id == row.institution_id)
            holder = b.company(inst.name, inst.uscc, inst.name_norm)
        holder_id = holder_id or (row.holder_id_no if row is not None else None)
        name = name or (row.holder_name if row is not None else None)
        if holder is None and (name or holder_id):
            holder = b.holder(name, holder_id, no)
        made[no] = b.account(no, holder, holder_id=holder_id, bank=row.bank if row is not None else None,
                             custody=bool(row.is_custody) if row is not None else False)
        return made[no]

    for no in list(accounts):
        account_entity(no)
    if flows != "none":
        _payments(b, config, usccs, as_of, flows, raw_cap, account_entity)
    _evidence(b, session, institutions, as_of, account_entity)
    return b.out


def _payments(b: _Builder, config, usccs, as_of, flows, raw_cap, account_entity) -> None:
    from monitor.transfers import TransferStore

    store = TransferStore(config)
    if flows == "aggregated":
        rows = store.aggregate_edges(usccs, as_of=as_of, freq="month").to_pylist()
        for r in rows:
            payer = account_entity(r["payer_account"], r["payer_name"], r["payer_id"])
            payee = account_entity(r["payee_account"], r["payee_name"], r["payee_id"])
            period = _iso_date(r["period"])[:7]
            pay = b.entity("Payment", "month", payer.id, payee.id, period)
            _payment(b, pay, payer, payee, r["amount"])
            pay.add("date", period)
            pay.add("startDate", _iso_date(r["first_time"]))
            pay.add("endDate", _iso_date(r["last_time"]))
            pay.add("purpose", [b.text(p) for p in (r["purposes"] or []) if p])
            pay.add("summary", f"transfers: {r['count']} in {period}")
        return
    total = store.count(usccs, as_of=as_of)
    table = store.frame(usccs, as_of=as_of, columns=["txn_id", "txn_time", "amount", "payer_account", "payer_name",
                                                     "payer_id", "payee_account", "payee_name", "payee_id",
                                                     "purpose", "currency", "institution"])
    if table.num_rows > raw_cap:
        table = table.slice(0, raw_cap)
        b.out.notes.append(f"raw flows capped at {raw_cap:,} of {total:,} transfers (the earliest); "
                           "use --flows aggregated for all of them")
    for r in table.to_pylist():
        payer = account_entity(r["payer_account"], r["payer_name"], r["payer_id"])
        payee = account_entity(r["payee_account"], r["payee_name"], r["payee_id"])
        pay = b.entity("Payment", "transfer", r["institution"], r["txn_id"])
        _payment(b, pay, payer, payee, r["amount"], r["currency"])
        pay.add("date", _iso_date(r["txn_time"]))
        pay.add("transactionNumber", r["txn_id"])
        pay.add("purpose", b.text(r["purpose"]))


def _payment(b: _Builder, pay: ValueEntity, payer: ValueEntity, payee: ValueEntity, amount, currency=None) -> None:
    for account, party_prop, account_prop in ((payer, "payer", "payerAccount"),
                                              (payee, "beneficiary", "beneficiaryAccount")):
        pay.add(account_prop, account)
        # A Payment needs a payer and a beneficiary: the holder, else the account itself stands in.
        pay.add(party_prop, b.holders.get(account.id, account.id))
    pay.add("amount", f"{amount:.2f}")
    pay.add("currency", currency or "CNY")


def _evidence(b: _Builder, session, institutions, as_of, account_entity) -> None:
    """The findings' evidence pages (Document, linked by Documentation) and the accounts they name."""
    from sqlmodel import select

    from monitor.models import Document, Finding

    docs: dict[int, Document] = {}
    for inst in institutions:
        target = b.company(inst.name, inst.uscc, inst.name_norm)
        findings = session.exec(select(Finding).where(Finding.institution_id == inst.id, Finding.as_of <= as_of)
                                .order_by(Finding.as_of, Finding.id))
        for f in findings:
            evidence = f.evidence or {}
            for acc in evidence.get("accounts") or []:
                if acc.get("account_no"):
                    e = account_entity(str(acc["account_no"]), acc.get("holder_name"), acc.get("holder_id"))
                    if acc.get("role"):
                        e.add("notes", f"{f.kind}: {acc['role']}")
            for d in evidence.get("documents") or []:
                url = d.get("url")
                if not url:
                    continue
                row = None
                if d.get("document_id") is not None:
                    row = docs.get(d["document_id"]) or session.get(Document, d["document_id"])
                    if row is not None and row.institution_id not in (None, inst.id):
                        row = None  # another institution's page: not part of this case
                sha = (row.sha256 if row is not None else None) or d.get("sha256")
                doc = b.entity("Document", sha or "", url)
                doc.add("title", b.text(d.get("label")) or url)
                doc.add("sourceUrl", url)
                doc.add("fileName", urlsplit(url).path.rsplit("/", 1)[-1] or urlsplit(url).netloc or url)
                # FtM's contentHash is the SHA-1 of the body (Aleph's archive key); the store's sha256 goes in notes.
                doc.add("contentHash", _sha1(b.config, row))
                if sha:
                    doc.add("notes", f"sha256:{sha}")
                fetched = row.fetched_at if row is not None else d.get("fetched_at")
                doc.add("retrievedAt", _moment(fetched) if isinstance(fetched, datetime) else fetched)
                if row is not None:
                    doc.add("mimeType", (row.content_type or "").split(";")[0] or None)
                    doc.add("fileSize", row.size or None)
                    doc.add("publishedAt", _moment(row.published_at))
                link = b.entity("Documentation", doc.id, target.id, f.fingerprint)
                link.add("document", doc)
                link.add("entity", target)
                link.add("role", f"evidence of {f.kind}")
                link.add("summary", b.text(f.title))
                link.add("date", _iso_date(f.as_of))


def _sha1(config, row) -> str | None:
    """SHA-1 of a stored page's body (inline or in the evidence folder), None when the body is not kept."""
    import hashlib

    if row is None:
        return None
    body = row.body
    if body is None and row.body_path:
        path = config.evidence_path / row.body_path
        body = path.read_bytes() if path.is_file() else None
    return None if body is None else hashlib.sha1(body).hexdigest()

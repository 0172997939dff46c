"""The store's tables (SQLModel).

Conventions
-----------
* Times are timezone-aware ``datetime`` stored in UTC: SQLModel maps every
  ``datetime`` field to its ``UTCDateTime`` column type, which refuses naive
  values on write and reads aware UTC back from SQLite (which keeps no offset)
  and PostgreSQL alike. Moments from elsewhere go through
  :func:`monitor.clock.as_utc`. Calendar dates (the day a fact refers to) are
  ``date``.
* Everything *observed* keeps two dates: the date it refers to (``period``,
  ``occurred_on``, ``valid_from``) and ``available_at``, the earliest moment
  the bureau could have known it (the publication time stated by the source
  when there is one, else the fetch or ingest time). Every analysis filters
  ``available_at <= as_of``; see ``docs/architecture.md``.
* Vocabularies are plain strings checked against the ``StrEnum`` classes
  below, so adding a value needs no schema migration.
* Transfers (millions of rows) are **not** here: they live in the columnar
  transfer store (``monitor.transfers``); :class:`IngestFile` records each
  file that went in.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint, text
from sqlalchemy.orm import validates
from sqlmodel import Field, SQLModel

from monitor.clock import utcnow  # noqa: F401 - the store's clock, imported from here by many modules
from monitor.errors import InputError


def _json_column() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


def _json_list_column() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


# --------------------------------------------------------------------------- vocabularies
class InstitutionKind(StrEnum):
    P2P = "p2p"
    SMALL_LOAN = "small_loan"
    GUARANTOR = "guarantor"
    OTHER = "other"


class InstitutionStatus(StrEnum):
    OPERATING = "operating"
    TROUBLED = "troubled"  # overdue, withdrawals blocked
    COLLAPSED = "collapsed"  # 爆雷, 跑路, 立案
    CLOSED = "closed"  # orderly exit
    UNKNOWN = "unknown"


class SourceKind(StrEnum):
    DISCLOSURE = "disclosure"
    REGISTRY = "registry"
    COURT = "court"
    COMPLAINTS = "complaints"
    NEWS = "news"


class PartyKind(StrEnum):
    PERSON = "person"
    COMPANY = "company"


class RelationKind(StrEnum):
    SHAREHOLDER = "shareholder"
    CONTROLLER = "controller"
    EXECUTIVE = "executive"
    LEGAL_REPRESENTATIVE = "legal_representative"
    GUARANTEE = "guarantee"


class EventKind(StrEnum):
    LAWSUIT = "lawsuit"
    ENFORCEMENT = "enforcement"  # 被执行人
    DISHONEST = "dishonest"  # 失信被执行人
    COMPLAINT = "complaint"
    NEWS = "news"
    REGISTRY_CHANGE = "registry_change"
    CLOSURE = "closure"  # 清盘 / 良性退出 / 停止运营公告
    DISTRESS = "distress"  # 兑付困难 / 逾期兑付公告
    DEFERRED_PAYMENT = "deferred_payment"  # 延期兑付公告
    SUSPENDED_LENDING = "suspended_lending"  # 暂停发标公告
    POLICE_CASE = "police_case"  # 立案侦查 / 警情通报


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Band(StrEnum):
    RED = "red"  # 红
    ORANGE = "orange"  # 橙
    YELLOW = "yellow"  # 黄
    GREEN = "green"  # 绿


# Bands from calm to alarming (their names: monitor.labels).
BAND_ORDER = {Band.GREEN.value: 0, Band.YELLOW.value: 1, Band.ORANGE.value: 2, Band.RED.value: 3}


class AlertStatus(StrEnum):
    NEW = "new"
    INVESTIGATING = "investigating"
    ESCALATED = "escalated"
    CLOSED = "closed"


class CloseReason(StrEnum):
    FALSE_POSITIVE = "false_positive"
    RESOLVED = "resolved"
    HANDED_OVER = "handed_over"


class SweepStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"  # some stage failed, others ran
    FAILED = "failed"


class Role(StrEnum):
    INSPECTOR = "inspector"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


def _check_vocab(vocab: type[StrEnum], value: Any, what: str) -> str:
    try:
        return vocab(value).value
    except ValueError:
        allowed = ", ".join(v.value for v in vocab)
        raise InputError(f"{what} {value!r} is not one of: {allowed}") from None


def validate_uscc(value: str) -> str:
    """Return the compact USCC (统一社会信用代码) or raise :class:`InputError`."""
    from stdnum.cn import uscc
    from stdnum.exceptions import ValidationError

    try:
        return uscc.validate(value)
    except ValidationError as exc:
        raise InputError(f"invalid USCC {value!r}: {exc}") from None


# --------------------------------------------------------------------------- jurisdictions, institutions
class Jurisdiction(SQLModel, table=True):
    """A province, city or district; users and institutions belong to one."""

    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=32)  # e.g. administrative division code
    name: str = Field(max_length=100)
    level: str = Field(default="city", max_length=16)  # province / city / district
    parent_id: Optional[int] = Field(default=None, foreign_key="jurisdiction.id")


class Institution(SQLModel, table=True):
    """A supervised institution (P2P platform, small-loan company, guarantor, ...)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(index=True, max_length=200)
    name_norm: str = Field(index=True, max_length=200)
    uscc: str = Field(unique=True, index=True, max_length=18)
    kind: str = Field(default=InstitutionKind.P2P.value, max_length=16)
    status: str = Field(default=InstitutionStatus.OPERATING.value, max_length=16)
    jurisdiction_id: Optional[int] = Field(default=None, foreign_key="jurisdiction.id", index=True)
    district: Optional[str] = Field(default=None, max_length=100)
    website: Optional[str] = Field(default=None, max_length=500)
    custody_bank: Optional[str] = Field(default=None, max_length=200)
    aliases: list = _json_list_column()  # brands its own site states (汇溪贷); complaints and news use them
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @validates("uscc")
    def _v_uscc(self, _key: str, value: str) -> str:
        return validate_uscc(value)

    @validates("kind")
    def _v_kind(self, _key: str, value: str) -> str:
        return _check_vocab(InstitutionKind, value, "institution kind")

    @validates("status")
    def _v_status(self, _key: str, value: str) -> str:
        return _check_vocab(InstitutionStatus, value, "institution status")


class Source(SQLModel, table=True):
    """A place the crawlers start from (what the bureau knows: sources.csv or added by hand)."""

    __table_args__ = (UniqueConstraint("kind", "url"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    institution_id: Optional[int] = Field(default=None, foreign_key="institution.id", index=True)
    kind: str = Field(max_length=16)
    url: str = Field(max_length=1000)
    active: bool = True
    added_at: datetime = Field(default_factory=utcnow)
    last_crawled_at: Optional[datetime] = None
    last_status: Optional[str] = Field(default=None, max_length=200)

    @validates("kind")
    def _v_kind(self, _key: str, value: str) -> str:
        return _check_vocab(SourceKind, value, "source kind")


# --------------------------------------------------------------------------- parties and relations
class Company(SQLModel, table=True):
    """A firm seen in the registry (an institution, a shareholder, a borrower...).

    An institution's own registry record is the company with the same USCC.
    """

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    name_norm: str = Field(index=True, max_length=200)
    uscc: Optional[str] = Field(default=None, unique=True, index=True, max_length=18)
    registered_capital: Optional[float] = None  # 元
    paid_in_capital: Optional[float] = None  # 元
    legal_representative: Optional[str] = Field(default=None, max_length=100)
    address: Optional[str] = Field(default=None, max_length=500)
    established_on: Optional[date] = None
    registry_url: Optional[str] = Field(default=None, max_length=1000)
    available_at: datetime = Field(default_factory=utcnow)
    document_id: Optional[int] = Field(default=None, foreign_key="document.id")

    @validates("uscc")
    def _v_uscc(self, _key: str, value: Optional[str]) -> Optional[str]:
        return None if value in (None, "") else validate_uscc(value)


class Person(SQLModel, table=True):
    """A natural person (shareholder, controller, executive, borrower)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(index=True, max_length=100)
    # Registries publish masked ID numbers (110101********1234); the key tells
    # apart namesakes without storing more than the source showed.
    id_key: Optional[str] = Field(default=None, index=True, max_length=64)
    available_at: datetime = Field(default_factory=utcnow)


class Relation(SQLModel, table=True):
    """subject --kind--> object, e.g. person --shareholder(0.6)--> company.

    Guarantees are company --guarantee--> company (guarantor to guaranteed).
    """

    __table_args__ = (Index("ix_relation_object", "object_kind", "object_id"),
                      Index("ix_relation_subject", "subject_kind", "subject_id"))
    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    subject_kind: str = Field(max_length=16)  # person / company
    subject_id: int
    object_kind: str = Field(default=PartyKind.COMPANY.value, max_length=16)
    object_id: int
    share: Optional[float] = None  # 0..1 for shareholders
    role: Optional[str] = Field(default=None, max_length=100)  # e.g. 董事长, 总经理
    amount: Optional[float] = None  # guaranteed amount, 元
    valid_from: Optional[date] = None  # the date it refers to
    valid_to: Optional[date] = None
    available_at: datetime = Field(default_factory=utcnow)
    document_id: Optional[int] = Field(default=None, foreign_key="document.id")

    @validates("kind")
    def _v_kind(self, _key: str, value: str) -> str:
        return _check_vocab(RelationKind, value, "relation kind")

    @validates("subject_kind", "object_kind")
    def _v_party(self, _key: str, value: str) -> str:
        return _check_vocab(PartyKind, value, "party kind")


class Account(SQLModel, table=True):
    """A bank account seen in transfer files, resolved to its holder where possible."""

    id: Optional[int] = Field(default=None, primary_key=True)
    account_no: str = Field(unique=True, index=True, max_length=64)
    bank: Optional[str] = Field(default=None, max_length=200)
    holder_name: Optional[str] = Field(default=None, max_length=200)
    holder_id_no: Optional[str] = Field(default=None, max_length=64)  # USCC or (masked) ID number
    holder_kind: Optional[str] = Field(default=None, max_length=16)  # person / company
    person_id: Optional[int] = Field(default=None, foreign_key="person.id")
    company_id: Optional[int] = Field(default=None, foreign_key="company.id")
    institution_id: Optional[int] = Field(default=None, foreign_key="institution.id", index=True)
    is_custody: bool = False  # the platform's account at its custody bank
    first_seen_at: datetime = Field(default_factory=utcnow)


# --------------------------------------------------------------------------- evidence and facts
class Document(SQLModel, table=True):
    """A fetched page kept as evidence. Each changed body is a new version."""

    __table_args__ = (Index("ix_document_url_version", "url", "version"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000)
    final_url: Optional[str] = Field(default=None, max_length=2000)
    source_id: Optional[int] = Field(default=None, foreign_key="source.id", index=True)
    institution_id: Optional[int] = Field(default=None, foreign_key="institution.id", index=True)
    fetched_at: datetime = Field(default_factory=utcnow)
    http_status: Optional[int] = None
    content_type: Optional[str] = Field(default=None, max_length=200)
    encoding: Optional[str] = Field(default=None, max_length=32)
    sha256: str = Field(index=True, max_length=64)
    size: int = 0
    truncated: bool = False
    body: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    body_path: Optional[str] = Field(default=None, max_length=500)  # relative to evidence_dir
    etag: Optional[str] = Field(default=None, max_length=200)
    last_modified: Optional[str] = Field(default=None, max_length=100)
    version: int = 1
    previous_id: Optional[int] = Field(default=None, foreign_key="document.id")
    parser: Optional[str] = Field(default=None, max_length=64)
    parser_version: Optional[str] = Field(default=None, max_length=32)
    parse_status: Optional[str] = Field(default=None, max_length=32)  # ok / unreadable / error / skipped
    parse_error: Optional[str] = Field(default=None, max_length=1000)
    published_at: Optional[datetime] = None  # stated by the page
    available_at: datetime = Field(default_factory=utcnow)
    estimated: bool = False  # available_at: a deadline


class DisclosureFact(SQLModel, table=True):
    """One disclosed metric of one institution for one period (信息披露)."""

    __table_args__ = (Index("ix_fact_inst_metric_period", "institution_id", "metric", "period"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    institution_id: int = Field(foreign_key="institution.id")
    period: date  # first day of the month it refers to
    metric: str = Field(max_length=64)  # canonical name, see monitor.vocab.METRICS
    value: float
    unit: str = Field(max_length=16)  # 元, ratio, count, ...
    raw_label: Optional[str] = Field(default=None, max_length=200)
    raw_value: Optional[str] = Field(default=None, max_length=200)
    document_id: Optional[int] = Field(default=None, foreign_key="document.id")
    published_at: Optional[datetime] = None
    available_at: datetime = Field(default_factory=utcnow)
    # True: available_at is the regulatory deadline, the page stating no date (docs/architecture.md)
    estimated: bool = False
    suspect: Optional[str] = Field(default=None, max_length=300)  # why implausible: shown, never used as fact
    confidence: Optional[str] = Field(default=None, max_length=16)  # label match: exact / operator / family


class Event(SQLModel, table=True):
    """A dated event about an institution or firm: lawsuit, complaint, news, registry change..."""

    __table_args__ = (UniqueConstraint("kind", "external_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    institution_id: Optional[int] = Field(default=None, foreign_key="institution.id", index=True)
    company_id: Optional[int] = Field(default=None, foreign_key="company.id")
    subject_name: Optional[str] = Field(default=None, max_length=200)  # as named by the source
    title: str = Field(max_length=500)
    body: Optional[str] = None
    amount: Optional[float] = None  # 元 (claim, enforcement amount)
    keywords: list = _json_list_column()
    occurred_on: Optional[date] = None  # the date it refers to
    published_at: Optional[datetime] = None
    available_at: datetime = Field(default_factory=utcnow)
    url: Optional[str] = Field(default=None, max_length=2000)
    external_id: Optional[str] = Field(default=None, max_length=200)  # case number, post id...
    document_id: Optional[int] = Field(default=None, foreign_key="document.id")
    family: Optional[str] = Field(default=None, max_length=32)  # a notice's family (wind_down, benign_exit ...)

    @validates("kind")
    def _v_kind(self, _key: str, value: str) -> str:
        return _check_vocab(EventKind, value, "event kind")


class IngestFile(SQLModel, table=True):
    """One transfer file that went into the columnar store (or failed to).

    At most one ``ok`` row (the commit record) per sha256 (migration 0005).
    """

    __table_args__ = (Index("uq_ingestfile_sha256_ok", "sha256", unique=True,
                            sqlite_where=text("status = 'ok'"), postgresql_where=text("status = 'ok'")),)

    id: Optional[int] = Field(default=None, primary_key=True)
    path: str = Field(max_length=1000)
    sha256: str = Field(index=True, max_length=64)
    status: str = Field(default="ok", max_length=16)  # ok / duplicate / failed
    rows: int = 0
    rows_new: int = 0
    institution_id: Optional[int] = Field(default=None, foreign_key="institution.id")
    period_start: Optional[date] = None
    period_end: Optional[date] = None
    store_path: Optional[str] = Field(default=None, max_length=1000)
    ingested_at: datetime = Field(default_factory=utcnow)
    seconds: Optional[float] = None
    error: Optional[str] = None


# --------------------------------------------------------------------------- analysis results
class Finding(SQLModel, table=True):
    """A detector's or indicator's result, with evidence (see docs/architecture.md: evidence shape)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    sweep_id: Optional[int] = Field(default=None, foreign_key="sweeprun.id", index=True)
    detector: str = Field(max_length=64)  # module name, e.g. ponzi
    kind: str = Field(max_length=64)  # pattern, e.g. ponzi, self_financing
    institution_id: Optional[int] = Field(default=None, foreign_key="institution.id", index=True)
    severity: str = Field(default=Severity.MEDIUM.value, max_length=16)
    score: float = 0.0  # contribution proposed to the risk index
    title: str = Field(max_length=500)
    evidence: dict = _json_column()
    window_start: Optional[date] = None
    window_end: Optional[date] = None
    as_of: datetime
    fingerprint: str = Field(index=True, max_length=64)  # stable across sweeps, for alert dedup
    created_at: datetime = Field(default_factory=utcnow)

    @validates("severity")
    def _v_sev(self, _key: str, value: str) -> str:
        return _check_vocab(Severity, value, "severity")


class RuleSet(SQLModel, table=True):
    """Weights and thresholds of the risk index; a new version on every change.

    Versions are numbered across the store (unique); each jurisdiction (and the
    store-wide default, ``jurisdiction_id`` None) has at most one active set.
    """

    id: Optional[int] = Field(default=None, primary_key=True)
    version: int = Field(unique=True)
    weights: dict = _json_column()
    thresholds: dict = _json_column()
    note: Optional[str] = None
    created_by: Optional[int] = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    active: bool = False
    # The jurisdiction whose institutions (and sub-jurisdictions') it scores; None: the store-wide default.
    jurisdiction_id: Optional[int] = Field(default=None, foreign_key="jurisdiction.id", index=True)


class Score(SQLModel, table=True):
    """An institution's risk index at a date, with the contributions that add up to it."""

    __table_args__ = (Index("ix_score_inst_asof", "institution_id", "as_of"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    institution_id: int = Field(foreign_key="institution.id")
    sweep_id: Optional[int] = Field(default=None, foreign_key="sweeprun.id")
    as_of: datetime
    score: float
    band: str = Field(max_length=8)
    rule_version: int
    ruleset_id: Optional[int] = Field(default=None, foreign_key="ruleset.id")  # the exact rule set used
    contributions: list = _json_list_column()  # [{key, points, reason, finding_id, evidence}]
    created_at: datetime = Field(default_factory=utcnow)

    @validates("band")
    def _v_band(self, _key: str, value: str) -> str:
        return _check_vocab(Band, value, "band")


class Alert(SQLModel, table=True):
    """A case for inspectors; deduplicated by ``fingerprint``."""

    id: Optional[int] = Field(default=None, primary_key=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    fingerprint: str = Field(unique=True, max_length=64)
    kind: str = Field(max_length=32)  # band_change / finding
    title: str = Field(max_length=500)
    severity: str = Field(default=Severity.MEDIUM.value, max_length=16)
    status: str = Field(default=AlertStatus.NEW.value, max_length=16, index=True)
    close_reason: Optional[str] = Field(default=None, max_length=32)
    assignee_id: Optional[int] = Field(default=None, foreign_key="user.id")
    finding_id: Optional[int] = Field(default=None, foreign_key="finding.id")
    score_id: Optional[int] = Field(default=None, foreign_key="score.id")
    band: Optional[str] = Field(default=None, max_length=8)
    first_raised_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    reopen_count: int = 0

    @validates("status")
    def _v_status(self, _key: str, value: str) -> str:
        return _check_vocab(AlertStatus, value, "alert status")


class AlertNote(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", index=True)
    author_id: Optional[int] = Field(default=None, foreign_key="user.id")
    body: str
    created_at: datetime = Field(default_factory=utcnow)


class AuditEntry(SQLModel, table=True):
    """Append-only journal (who, when, what, old → new). The schema forbids UPDATE and DELETE."""

    __tablename__ = "audit_entry"
    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: Optional[int] = Field(default=None, foreign_key="user.id")
    actor: str = Field(max_length=100)  # username or "system"
    object_type: str = Field(max_length=32)
    object_id: Optional[int] = None
    action: str = Field(max_length=64)
    field: Optional[str] = Field(default=None, max_length=64)
    old: Optional[str] = None
    new: Optional[str] = None
    # Hash chain (monitor.audit): sha256 of this entry's content and of the previous entry's hash.
    prev_hash: Optional[str] = Field(default=None, max_length=64)
    hash: Optional[str] = Field(default=None, max_length=64, index=True)


class AlertState(SQLModel, table=True):
    """Per institution, the band that alerts were last raised against (written with those alerts)."""

    __tablename__ = "alert_state"
    institution_id: int = Field(foreign_key="institution.id", primary_key=True)
    band: str = Field(max_length=16)
    sweep_id: Optional[int] = Field(default=None, foreign_key="sweeprun.id")
    updated_at: datetime = Field(default_factory=utcnow)


class SweepRun(SQLModel, table=True):
    """One run of the chain (crawl → ingest → graphs → scores → alerts)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(default="full", max_length=16)  # full / light
    trigger: str = Field(default="cli", max_length=32)  # cli / scheduler / portal
    status: str = Field(default=SweepStatus.QUEUED.value, max_length=16, index=True)
    as_of: Optional[datetime] = None  # replay date; None = now
    requested_at: datetime = Field(default_factory=utcnow)
    requested_by: Optional[str] = Field(default=None, max_length=100)
    started_at: Optional[datetime] = None
    finished_at: Optional[datetime] = None
    heartbeat_at: Optional[datetime] = None
    host: Optional[str] = Field(default=None, max_length=200)
    pid: Optional[int] = None
    stages: dict = _json_column()  # {stage: {status, counts, errors, seconds}}
    error: Optional[str] = None
    jurisdiction_id: Optional[int] = Field(default=None, foreign_key="jurisdiction.id")  # None: the whole store

    @validates("status")
    def _v_status(self, _key: str, value: str) -> str:
        return _check_vocab(SweepStatus, value, "sweep status")


class Briefing(SQLModel, table=True):
    """A generated PDF briefing kept in the archive."""

    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # city / institution
    institution_id: Optional[int] = Field(default=None, foreign_key="institution.id")
    jurisdiction_id: Optional[int] = Field(default=None, foreign_key="jurisdiction.id")
    period_start: Optional[date] = None
    period_end: Optional[date] = None
    path: str = Field(max_length=1000)
    sha256: str = Field(max_length=64)
    pages: Optional[int] = None
    created_at: datetime = Field(default_factory=utcnow)
    created_by: Optional[str] = Field(default=None, max_length=100)


# --------------------------------------------------------------------------- people using the monitor
class User(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True, max_length=64)
    display_name: Optional[str] = Field(default=None, max_length=100)
    password_hash: str = Field(max_length=300)
    role: str = Field(default=Role.INSPECTOR.value, max_length=16)
    locale: Optional[str] = Field(default=None, max_length=8)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: Optional[datetime] = None
    can_view_personal: bool = False  # sees ID numbers, phones and personal accounts in full (journaled)
    session_epoch: int = 0  # raised at sign-out, password change and deactivation: older sign-ins end

    @validates("role")
    def _v_role(self, _key: str, value: str) -> str:
        return _check_vocab(Role, value, "role")


class UserJurisdiction(SQLModel, table=True):
    """Which jurisdictions a user may see (enforced by the scoped data access layer)."""

    __tablename__ = "user_jurisdiction"
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    jurisdiction_id: int = Field(foreign_key="jurisdiction.id", primary_key=True)

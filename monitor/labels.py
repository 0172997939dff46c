"""The codes the store keeps in English, named for people: one table per family, translated by the catalogues.

Each family maps a code to its message id (the English name, a msgid of ``monitor/translations``). The
portal translates a label with the request's catalogue; the PDF briefings in Chinese whatever the reader's
language (:func:`printed`), with catalogues loaded here, so no Flask application is needed. A printed
briefing uses other words than the portal for a few codes (shorter table cells, the dossier's terms): those
codes carry a second message, the same msgid under the context ``briefing``.

Finding kinds, evidence keys, account roles and disclosure metrics are named by the bilingual tables of
:mod:`monitor.vocab`; :func:`printed` reaches them too, so a briefing looks every code up here.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, NamedTuple

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from monitor import vocab

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
BRIEFING = "briefing"  # the msgctxt of a printed briefing's own word for a code
DASH = "—"


class Message(NamedTuple):
    id: str  # msgid: the English name
    context: str | None = None  # msgctxt, when the same msgid is worded differently there


def N_(msgid: str) -> Message:
    """A message id (``N_`` is one of pybabel's default keywords: the catalogues pick it up)."""
    return Message(msgid)


def pgettext(context: str, msgid: str) -> Message:
    """A message id with its context. Named after pybabel's default keyword so that the documented extract
    command picks it up; it translates nothing (:func:`translate` does)."""
    return Message(msgid, context)


@dataclass(frozen=True)
class Family:
    """The names of one kind of code: ``messages`` for the portal, ``briefing`` where the PDFs word it otherwise."""

    messages: Mapping[str, Message]
    briefing: Mapping[str, Message] = field(default_factory=dict)

    def message(self, code: str, in_briefing: bool = False) -> Message | None:
        return (self.briefing.get(code) if in_briefing else None) or self.messages.get(code)


FAMILIES: dict[str, Family] = {
    "band": Family({"red": N_("red"), "orange": N_("orange"), "yellow": N_("yellow"), "green": N_("green")}),
    "severity": Family({"low": N_("low"), "medium": N_("medium"), "high": N_("high"), "critical": N_("critical")}),
    "alert_status": Family(
        {"new": N_("new"), "investigating": N_("investigating"), "escalated": N_("escalated"),
         "closed": N_("closed")},
        {"new": pgettext("briefing", "new")}),
    "close_reason": Family(
        {"false_positive": N_("false positive"), "resolved": N_("resolved"), "handed_over": N_("handed over")},
        {"resolved": pgettext("briefing", "resolved")}),
    "alert_kind": Family(
        {"band_change": N_("risk band raised"), "finding": N_("finding"),
         "coverage_drop": N_("disclosure coverage dropped")},
        {"band_change": pgettext("briefing", "risk band raised"), "finding": pgettext("briefing", "finding")}),
    # The audit journal of an alert: actions, fields and who "system" is.
    "action": Family(
        {"create": N_("raised"), "status": N_("status change"), "note": N_("note added"), "assign": N_("assigned"),
         "close": N_("closed"), "reopen": N_("reopened")},
        {"create": pgettext("briefing", "raised"), "close": pgettext("briefing", "closed")}),
    "field": Family(
        {"status": N_("status"), "note": N_("note"), "assignee": N_("assignee"), "close_reason": N_("close reason"),
         "reopen_count": N_("times reopened")},
        {"assignee": pgettext("briefing", "assignee")}),
    "actor": Family({"system": N_("system")}),
    "event": Family(
        {"lawsuit": N_("lawsuit"), "enforcement": N_("enforcement"), "dishonest": N_("dishonest debtor"),
         "complaint": N_("complaint"), "news": N_("news"), "registry_change": N_("registry change"),
         "closure": N_("closure notice")},
        {"dishonest": pgettext("briefing", "dishonest debtor")}),
    "relation": Family(
        {"shareholder": N_("shareholder"), "controller": N_("controller"), "executive": N_("executive"),
         "legal_representative": N_("legal representative"), "guarantee": N_("guarantee")}),
    # Edges of the ownership chart and of the evidence tables: transfers and relations, as verbs.
    "edge": Family(
        {"transfer": N_("transfer"), "shareholder": N_("shareholding"), "controller": N_("control"),
         "guarantee": N_("guarantee"), "executive": N_("holds office"),
         "legal_representative": N_("legal representative")}),
    "institution_kind": Family(
        {"p2p": N_("P2P platform"), "small_loan": N_("small-loan company"), "guarantor": N_("guarantor"),
         "other": N_("other")},
        {"p2p": pgettext("briefing", "P2P platform")}),
    # The portal names an institution's operating status as monitor.status derives it (filed: a police case).
    "institution_status": Family(
        {"operating": N_("operating normally"), "troubled": N_("payment difficulties"), "collapsed": N_("collapsed"),
         "closed": N_("closed or winding up"), "unknown": N_("unknown"), "filed": N_("criminal case filed")}),
    "source": Family(
        {"disclosure": N_("platform disclosure"), "registry": N_("business registry"), "court": N_("court records"),
         "complaints": N_("complaint platforms"), "news": N_("news")}),
    "sweep_status": Family(
        {"queued": N_("queued"), "running": N_("running"), "succeeded": N_("succeeded"), "partial": N_("partial"),
         "failed": N_("failed")},
        {"queued": pgettext("briefing", "queued"), "partial": pgettext("briefing", "partial")}),
    "sweep_kind": Family({"full": N_("full sweep"), "light": N_("light sweep")}),
    "trigger": Family({"cli": N_("command line"), "portal": N_("portal"), "scheduler": N_("scheduler")}),
    "stage": Family({"crawl": N_("crawl"), "ingest": N_("ingest"), "detect": N_("detectors"),
                     "indicators": N_("indicators"), "scores": N_("risk index"), "alerts": N_("alerts"),
                     "coverage": N_("disclosure coverage")}),
    "user_role": Family({"inspector": N_("inspector"), "supervisor": N_("supervisor"),
                         "admin": N_("administrator")}),
}


# --------------------------------------------------------------------------- catalogues
def _babel_name(locale) -> str:
    return "zh_Hans_CN" if str(locale or "zh_CN").startswith("zh") else "en"


@functools.lru_cache(maxsize=None)
def translations(locale="zh_CN") -> NullTranslations:
    """The catalogue of ``locale`` (``zh_CN``/``zh_Hans_CN`` or ``en``), read once per process.

    The compiled ``messages.mo``; the ``messages.po`` compiled in memory when the ``.mo`` is missing or older
    (a checkout before ``make portal-assets``): alert titles and briefings must not fall back to msgids.
    """
    folder = TRANSLATIONS_DIR / _babel_name(locale) / "LC_MESSAGES"
    mo, po = folder / "messages.mo", folder / "messages.po"
    if po.exists() and (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
        with po.open("rb") as fh:
            catalog = read_po(fh)
        compiled = io.BytesIO()
        write_mo(compiled, catalog)
        compiled.seek(0)
        return Translations(compiled)
    with mo.open("rb") as fh:  # FileNotFoundError without either: an incomplete installation
        return Translations(fh)


def translate(catalogue, message: Message) -> str:
    """``message`` in ``catalogue`` (a Babel or gettext translations object)."""
    if message.context is None:
        return catalogue.ugettext(message.id)
    return catalogue.upgettext(message.context, message.id)


def message(family: str, code, in_briefing: bool = False) -> Message | None:
    """The message naming ``code`` of ``family`` (``None`` for an unknown code; ``KeyError`` for an unknown family)."""
    return FAMILIES[family].message(str(code), in_briefing)


def name(family: str, code, catalogue, in_briefing: bool = False) -> str:
    """``code`` named by ``catalogue``: unknown codes as they are, no code as a dash."""
    if code is None or code == "":
        return DASH
    msg = message(family, code, in_briefing)
    return str(code) if msg is None else translate(catalogue, msg)


def printed(family: str, code) -> str:
    """What a printed briefing (always Chinese) calls ``code`` of ``family``.

    Besides :data:`FAMILIES`: ``pattern`` (finding kinds, :data:`monitor.vocab.PATTERN_ZH`),
    ``account_role`` (:data:`monitor.vocab.ACCOUNT_ROLES`) and ``evidence`` (evidence keys and
    disclosure metrics, :func:`monitor.vocab.evidence_label`).
    """
    if code is None or code == "":
        return DASH
    if family == "pattern":
        return vocab.PATTERN_ZH.get(str(code), str(code))
    if family == "account_role":
        names = vocab.ACCOUNT_ROLES.get(str(code))
        return names[0] if names else str(code)
    if family == "evidence":
        return vocab.evidence_label(str(code))
    return name(family, code, translations("zh_CN"), in_briefing=True)

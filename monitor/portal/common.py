"""What every blueprint shares: the request's database session and scope, role checks, display formats."""

from __future__ import annotations

import functools
import gc

from flask import abort, current_app, g, has_request_context
from jinja2 import pass_context
from markupsafe import Markup
from flask_babel import get_locale, lazy_gettext as _l, lazy_pgettext as _lp
from flask_login import current_user
from sqlmodel import Session

from monitor import formatting as fmt
from monitor.access import Scope, has_role
from monitor.db import get_engine
from monitor.labels import FAMILIES
from monitor.privacy import Masker, account_keeper
from monitor.vocab import ACCOUNT_ROLES, PATTERN_ZH, evidence_code, evidence_label, node_label


# Codes stored in English are named by the one vocabulary (monitor.labels), the briefings' too.
def _lazy(family: str) -> dict:
    """A family of the one vocabulary (monitor.labels) as lazy strings, for Python code that formats a label."""
    return {code: _message_lazy(msg) for code, msg in FAMILIES[family].messages.items()}


def _message_lazy(msg):
    return _l(msg.id) if msg.context is None else _lp(msg.context, msg.id)


BAND_LABELS = _lazy("band")
STATUS_LABELS = _lazy("alert_status")
REASON_LABELS = _lazy("close_reason")
SEVERITY_LABELS = _lazy("severity")
KIND_LABELS = _lazy("institution_kind")
INST_STATUS_LABELS = _lazy("institution_status")
ROLE_LABELS = _lazy("user_role")
EVENT_LABELS = _lazy("event")
RELATION_LABELS = _lazy("relation")
SWEEP_LABELS = _lazy("sweep_status")
SWEEP_KIND_LABELS = _lazy("sweep_kind")
ALERT_KIND_LABELS = _lazy("alert_kind")
TRIGGER_LABELS = _lazy("trigger")
STAGE_LABELS = _lazy("stage")
ACTION_LABELS = _lazy("action")
FIELD_LABELS = _lazy("field")
ACTOR_LABELS = _lazy("actor")
# The counts a sweep's stages record, by the stage's key (others are not shown).
COUNT_LABELS = {"pages": _l("pages"), "facts": _l("figures"), "events": _l("events"), "companies": _l("companies"),
                "files": _l("files"), "rows_new": _l("new transfers"), "findings": _l("findings"),
                "scores": _l("scores"), "band_red": _l("red"), "band_orange": _l("orange"),
                "band_yellow": _l("yellow"), "created": _l("alerts raised"), "reopened": _l("reopened"),
                "errors": _l("errors"), "unreadable": _l("unreadable pages")}
# Rule settings that are neither bands nor patterns (patterns are named by PATTERN_ZH).
RULE_LABELS = {"alert_severity": _l("lowest severity that raises an alert"),
               "weak_cap_per_source": _l("most points of low/medium findings from one source"),
               "weak_cap": _l("most points of low/medium findings from all sources")}


_UNIT_EN = {"yuan": _l("yuan"), "元": _l("yuan"), "万元": _l("10k yuan"), "亿元": _l("100M yuan")}


# Portal texts of the core's coded errors (monitor.errors.MonitorError.code); other errors show as raised.
ERROR_TEXTS = {
    "alert_status_unknown": _l("Unknown alert status %(status)s."),
    "alert_transition": _l("An alert cannot go from “%(old)s” to “%(new)s”."),
    "alert_close_reason": _l("Choose a reason to close the alert."),
    "alert_reason_not_closing": _l("A reason is only given when closing."),
    "alert_assigned": _l("The alert is already assigned to %(username)s."),
    "note_empty": _l("A note needs text."),
    "user_unknown": _l("User %(username)s does not exist."),
    "user_name_length": _l("A user name has 1 to 64 characters."),
    "user_exists": _l("User %(username)s already exists."),
    "password_short": _l("A password needs at least %(count)d characters."),
    "jurisdiction_unknown": _l("Jurisdiction %(code_given)s does not exist."),
    "no_score": _l("No score yet: run a sweep first."),
    "period": _l("The period is not valid: give a week or a start and an end date, the end not before the start."),
}
_STATUS_PARAMS = ("old", "new", "status")


def error_text(exc) -> str:
    """The user's-language text of a core error (its message as raised when it has no known code)."""
    text = ERROR_TEXTS.get(getattr(exc, "code", None))
    if text is None:
        return str(exc)
    params = dict(exc.params)
    for key in _STATUS_PARAMS:
        if key in params:
            params[key] = str(STATUS_LABELS.get(params[key], params[key]))
    params = {k: ("—" if v is None else v) for k, v in params.items()}
    return str(text) % params


def monitor_config():
    return current_app.extensions["monitor_config"]


def db() -> Session:
    """The request's session (closed at teardown; writes commit explicitly)."""
    if "db" not in g:
        g.db = Session(get_engine(monitor_config()), expire_on_commit=False)
    return g.db


def scope() -> Scope:
    """The signed-in user's :class:`Scope` for this request."""
    if "scope" not in g:
        g.scope = Scope.for_user(db(), current_user.record)
    return g.scope


def masker() -> Masker:
    """The request's :class:`~monitor.privacy.Masker`: personal numbers in full only for users permitted to
    see them (the views that did are journaled after the request)."""
    if "masker" not in g:
        full = bool(current_user and current_user.is_authenticated and current_user.can_view_personal)
        g.masker = Masker(full=full, keep=account_keeper(db()))
    return g.masker


def _finalize(value):
    # Every {{ ... }} of every portal page passes here: personal numbers cannot be forgotten by a template.
    return masker()(value) if has_request_context() else value


def requires(role: str):
    """Allow a view only to ``role`` and above (403 otherwise; anonymous users never get here)."""
    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not has_role(current_user.role, role):
                abort(403)
            return view(*args, **kwargs)
        wrapped.required_role = role
        return wrapped
    return decorate


# --------------------------------------------------------------------------- formats (pure)
# The formats themselves live in monitor.formatting (no request needed: the PDFs use them too).
def format_money(yuan, locale: str = "zh_CN") -> str:
    """Amount in 元 with its unit: 万元 below 1 亿, 亿元 above (Chinese); yuan with separators (English)."""
    return fmt.money(yuan, locale)


def format_day(value, locale: str = "zh_CN") -> str:
    """A calendar date: 2018年6月1日 in Chinese, 2018-06-01 otherwise."""
    return fmt.day(value, locale)


def format_moment(value, tz: str = "Asia/Shanghai", locale: str = "zh_CN") -> str:
    """A moment in the bureau's time zone: 2018年6月1日 14:05 / 2018-06-01 14:05."""
    return fmt.moment(value, tz, locale)


def locale_name() -> str:
    """The request's locale name, looked up once per request (filters run for every cell)."""
    name = g.get("locale_name")
    if name is None:
        name = g.locale_name = str(get_locale() or "zh_CN")
    return name


def format_metric(value, zh: bool = True) -> str:
    """A detector's computed number for people: grouped digits, yes/no, codes and the keys of maps named
    (``monitor.vocab.EVIDENCE_METRICS``), short lists and mappings."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return ("是" if value else "否") if zh else ("yes" if value else "no")
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) >= 1000 else f"{value:.4g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, str):
        return evidence_code(value, zh)
    if isinstance(value, dict):
        text = ("；" if zh else "; ").join(f"{evidence_label(str(k), zh)}: {format_metric(v, zh)}"
                                           for k, v in value.items())
    elif isinstance(value, (list, tuple)):
        text = ("、" if zh else ", ").join(format_metric(v, zh) for v in value)
    else:
        return str(value)
    return text if len(text) <= 160 else text[:157] + "…"


def _translations():
    """The request's Babel translations, looked up once per request."""
    try:
        return g.monitor_translations
    except AttributeError:
        from flask_babel import get_translations

        g.monitor_translations = get_translations()
        return g.monitor_translations


_heap_frozen = False


def _freeze_heap_once() -> None:
    # The process's long-lived objects (modules, compiled templates, catalogues, Babel data) made every
    # full garbage collection walk them: a 60-90 ms pause that stalls all of a worker's threads and was
    # most of the portal's p95 under load. After the first request they stay out of the collector's view.
    global _heap_frozen
    if not _heap_frozen:
        _heap_frozen = True
        gc.freeze()


def install_filters(app) -> None:
    # Flask-Babel's template callables resolve the locale and the catalogue on every `_()`, a
    # hundred times per page; these do it once per request, with the same catalogue.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True)

    loc = locale_name

    app.jinja_env.finalize = _finalize
    app.jinja_env.filters["money"] = lambda v: fmt.money(v, loc())
    app.jinja_env.filters["money_in"] = lambda v, unit: fmt.money_in(v, unit, loc())
    app.jinja_env.filters["share"] = lambda v, digits=1: fmt.share(v, loc(), digits)
    app.jinja_env.filters["number"] = lambda v, digits=0: fmt.number(v, loc(), digits)
    app.jinja_env.filters["score"] = lambda v: fmt.score(v, loc())
    app.jinja_env.filters["month"] = lambda v: fmt.month(v, loc())
    app.jinja_env.filters["duration"] = lambda v: fmt.duration(v, loc())
    app.jinja_env.filters["evalue"] = lambda v, key, context=None: fmt.evidence_value(key, v, loc(), context)
    app.jinja_env.filters["ekey"] = lambda k: fmt.evidence_key(k, loc())
    app.jinja_env.filters["money_unit"] = lambda values: fmt.money_unit(values, loc())
    app.jinja_env.filters["summary"] = lambda metrics: fmt.summary_metrics(metrics, loc())
    app.jinja_env.filters["data_day"] = lambda v: fmt.day(fmt.local(v, monitor_config().timezone), loc()) \
        if v is not None and not isinstance(v, str) else fmt.day(v, loc())
    app.jinja_env.filters["unit_name"] = lambda unit: unit if fmt.is_zh(loc()) else str(_UNIT_EN.get(unit, unit))
    app.jinja_env.filters["metric"] = lambda v: format_metric(v, loc().startswith("zh"))
    app.jinja_env.filters["node"] = lambda v: node_label(str(v), loc().startswith("zh"))
    app.jinja_env.filters["day"] = lambda v: format_day(v, loc())
    app.jinja_env.filters["moment"] = lambda v: format_moment(v, monitor_config().timezone, loc())
    labels = {"band": BAND_LABELS, "status": STATUS_LABELS, "reason": REASON_LABELS, "severity": SEVERITY_LABELS,
              "kind": KIND_LABELS, "inst_status": INST_STATUS_LABELS, "role": ROLE_LABELS, "event": EVENT_LABELS,
              "sweep": SWEEP_LABELS, "relation": RELATION_LABELS, "sweep_kind": SWEEP_KIND_LABELS,
              "alert_kind": ALERT_KIND_LABELS,
              "trigger": TRIGGER_LABELS, "stage": STAGE_LABELS, "action": ACTION_LABELS, "field": FIELD_LABELS,
              "actor": ACTOR_LABELS, "count": COUNT_LABELS, "rule": {**BAND_LABELS, **RULE_LABELS}}
    translated: dict[tuple[str, str, object], object] = {}

    def label(v, what):
        # Labels are translated once per locale and process, not once per table cell.
        if v is None:
            return "—"
        if what == "pattern" or (what == "rule" and v in PATTERN_ZH):
            # finding kinds and the rule set's keys: the core vocabulary's Chinese names, English names
            return fmt.pattern_name(v, loc())
        if what in ("evidence", "metric"):  # a finding's numbers and disclosure metrics: the core tables
            return fmt.evidence_key(v, loc())
        if what == "account_role":
            names = ACCOUNT_ROLES.get(v)
            return (names[0] if loc().startswith("zh") else names[1]) if names else v
        lazy = labels[what].get(v)
        if lazy is None:
            return v
        key = (loc(), what, v)
        if key not in translated:
            translated[key] = str(lazy)
        return translated[key]

    # Context-bound so that Jinja never folds `'red'|label('band')` into the first locale at compile time.
    app.jinja_env.filters["label"] = pass_context(lambda _ctx, v, what: label(v, what))
    app.extensions["monitor_label"] = label
    app.jinja_env.globals["count_keys"] = COUNT_LABELS
    app.before_request(_freeze_heap_once)
    app.jinja_env.globals["in_zh"] = lambda: fmt.is_zh(loc())
    # A name inside a translated sentence: escaped, and marked as data for the English pages.
    app.jinja_env.filters["no_translate"] = lambda v: Markup('<span translate="no">%s</span>') % v

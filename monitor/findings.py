"""The one shape of a finding and its evidence, shared by detectors, indicators, the CLI, portal and PDFs.

Detectors and indicators return :class:`FindingResult` values (pure data);
the sweep stores them as :class:`monitor.models.Finding` rows with
``evidence`` = :meth:`Evidence.to_dict`. Each detector and indicator is
declared once, as a :class:`Detector` or :class:`Indicator` record (name,
labels, signal source, default weight, parameters, function); the registry,
the vocabulary's pattern names and signal sources and the default weights of
the risk index are built from those records. :data:`SEVERITY_POINTS` is the one
table of points per severity.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Mapping

from monitor.models import Severity

SEVERITY_ORDER = {s.value: i for i, s in enumerate(Severity)}  # low < medium < high < critical

# Points of a finding per severity before its kind's weight: the risk index's default
# ``severity.<level>`` weights (monitor.scoring.DEFAULT_WEIGHTS) and the base of every finding's ``score``.
SEVERITY_POINTS: dict[str, float] = {"low": 3.0, "medium": 8.0, "high": 25.0, "critical": 40.0}


@dataclass
class EvidenceAccount:
    account_no: str
    holder_name: str | None = None
    holder_id: str | None = None
    role: str | None = None  # e.g. custody, lender, borrower, collector, controller


@dataclass
class EvidenceEdge:
    src: str  # account number (or entity key for related-party edges)
    dst: str
    amount: float | None = None  # 元
    count: int | None = None
    first: str | None = None  # ISO time of the first transfer
    last: str | None = None
    kind: str | None = None  # transfer / shareholder / controller / guarantee ...


@dataclass
class EvidenceDocument:
    url: str
    document_id: int | None = None
    fetched_at: str | None = None
    sha256: str | None = None
    label: str | None = None  # e.g. the disclosure label the value came from


@dataclass
class Evidence:
    accounts: list[EvidenceAccount] = field(default_factory=list)
    edges: list[EvidenceEdge] = field(default_factory=list)
    window_start: str | None = None  # ISO date
    window_end: str | None = None
    paths: list[list[str]] = field(default_factory=list)  # related-party paths, node labels in order
    documents: list[EvidenceDocument] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)  # numbers the detector computed
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


@dataclass
class FindingResult:
    """What a detector or an indicator found about one institution."""

    detector: str  # module name, e.g. "ponzi"
    kind: str  # pattern, e.g. "ponzi", "self_financing"
    institution_uscc: str | None
    severity: str  # monitor.models.Severity value
    score: float  # points it adds to the risk index under the default rules (:func:`default_points`)
    title: str  # one line for people (Chinese; translated at display time if needed)
    evidence: Evidence = field(default_factory=Evidence)
    window_start: date | None = None
    window_end: date | None = None
    key: str = ""  # what makes two findings "the same" across sweeps (e.g. the collector account)

    @property
    def fingerprint(self) -> str:
        """Stable id across sweeps: detector, institution and key (not amounts or dates)."""
        raw = "|".join((self.detector, self.kind, self.institution_uscc or "", self.key))
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]

    def at_least(self, severity: str) -> bool:
        return SEVERITY_ORDER[self.severity] >= SEVERITY_ORDER[severity]

    def to_dict(self) -> dict[str, Any]:
        data = _jsonable(asdict(self))
        data["fingerprint"] = self.fingerprint
        return data


# --------------------------------------------------------------------------- detectors and indicators
@dataclass(frozen=True)
class Param:
    """A parameter of a detector or an indicator: its default, its unit and what it sets."""

    default: Any
    unit: str = ""  # 元, months, days, count, share (a fraction), ratio, factor, hops, flag
    help: str = ""


@dataclass(frozen=True, kw_only=True, eq=False)
class Detector:
    """One detector, declared once in its own module (``graphs/detectors/<name>.py``).

    ``name`` is also the kind of its findings. ``zh``/``en`` name the kind for people
    (:func:`monitor.vocab.pattern_names`); ``source`` is the key of
    :data:`monitor.vocab.SIGNAL_SOURCES` its evidence comes from; ``weight`` is the kind's default
    weight in the risk index (``None``: its findings are of other records' kinds).
    ``detect(inputs, params, as_of) -> list[FindingResult]``.
    """

    name: str
    zh: str
    en: str
    source: str
    weight: float | None
    params: Mapping[str, Param] = field(default_factory=dict)
    detect: Callable[..., list[FindingResult]]

    @property
    def defaults(self) -> dict[str, Any]:
        """Parameter name → default value."""
        return {name: p.default for name, p in self.params.items()}

    @property
    def finding_detector(self) -> str:
        """What its findings carry as ``detector``."""
        return self.name


@dataclass(frozen=True, kw_only=True, eq=False)
class Indicator(Detector):
    """One indicator of public data (``monitor/indicators.py``): ``detect(snapshot, params, as_of)``."""

    @property
    def finding_detector(self) -> str:
        return f"indicator.{self.name}"


def default_points(kind: str, severity: str) -> float:
    """What a finding adds to the risk index under the default rules, before caps: the ``score`` it carries."""
    from monitor.scoring import DEFAULT_WEIGHTS, finding_points  # the weights come from the records below

    return finding_points(DEFAULT_WEIGHTS, kind, severity)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=_default, ensure_ascii=False))


def _default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")

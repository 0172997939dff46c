"""The one shape of a finding and its evidence, shared by detectors, indicators, the CLI, portal and PDFs.

Detectors and indicators return :class:`FindingResult` values (pure data);
the sweep stores them as :class:`monitor.models.Finding` rows with
``evidence`` = :meth:`Evidence.to_dict`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from monitor.models import Severity

SEVERITY_ORDER = {s.value: i for i, s in enumerate(Severity)}  # low < medium < high < critical


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
    score: float  # contribution proposed to the risk index (points)
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


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=_default, ensure_ascii=False))


def _default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")

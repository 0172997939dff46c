"""Collapse-pattern detectors, one module each, and their registry.

Every detector module declares one :class:`monitor.findings.Detector` record,
``DETECTOR`` (name = the kind of its findings, labels, signal source, default
weight, parameters, ``detect``), and keeps ``NAME``, ``DEFAULTS`` (derived from
the parameters) and ``detect(inputs, params, as_of) -> list[FindingResult]``, a
pure function of :class:`Inputs`. The registry finds the modules of this
package (not ``_private`` ones, not the ``typologies`` subpackage): adding a
detector is adding its module. See ``docs/detectors.md``.
"""

from __future__ import annotations

import importlib
import pkgutil

from graphs.detectors._common import Inputs, RunningMonth, as_of_period
from monitor.findings import Detector

__all__ = ["DETECTORS", "RECORDS", "Detector", "Inputs", "RunningMonth", "as_of_period", "module", "record"]


def module(name: str):
    """The module of detector ``name``."""
    return importlib.import_module(f"{__name__}.{name}")


def _discover() -> dict[str, Detector]:
    records: dict[str, Detector] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.ispkg or info.name.startswith("_"):
            continue
        found = getattr(module(info.name), "DETECTOR", None)
        if not isinstance(found, Detector) or found.name != info.name:
            raise ImportError(f"graphs/detectors/{info.name}.py declares no DETECTOR named {info.name!r}")
        records[found.name] = found
    return records


# Detector name → its record, in name order.
RECORDS: dict[str, Detector] = _discover()
# The names, for code that runs them by name (graphs.run, monitor.evaluate).
DETECTORS: tuple[str, ...] = tuple(RECORDS)


def record(name: str) -> Detector:
    """The record of detector ``name`` (KeyError when there is none)."""
    return RECORDS[name]

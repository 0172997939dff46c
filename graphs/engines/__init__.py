"""Engines of the sweep's graph stage: where partitions are aggregated and detected.

An engine gives (a) each partition's aggregated edges and (b) the map of the
pure :func:`graphs.run.detect_partition` over the partitions, and returns the
findings in institution order. ``local`` (DuckDB and a process pool) is the
default; ``spark`` (Apache Spark SQL and ``applyInArrow``) serves a province.
Both give the same findings. See ``docs/architecture.md``, section *Growth*.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any, Iterable, Mapping, Protocol

from monitor.config import ConfigError  # graphs/ imports only monitor's core modules
from monitor.findings import FindingResult

ENGINES = ("local", "spark")


class Engine(Protocol):
    name: str

    def detect(self, config, as_of: datetime, institutions: Iterable[str] | None,
               params: Mapping[str, Mapping[str, Any]] | None, detectors: tuple[str, ...],
               across: bool = True) -> list[FindingResult]:
        """Phase 1 per partition, then (``across``) phase 2 on the reduced graph (:mod:`graphs.across`)."""


def check_engine(name: str) -> None:
    """Raise :class:`ConfigError` unless engine ``name`` exists and can start here."""
    import importlib.util
    import shutil

    if name not in ENGINES:
        raise ConfigError(f"engine {name!r} is not one of: {', '.join(ENGINES)}")
    if name == "spark":
        if importlib.util.find_spec("pyspark") is None:
            raise ConfigError("engine spark needs PySpark: pip install '.[spark]'")
        if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
            raise ConfigError("engine spark needs a Java runtime (Debian: openjdk-17-jre-headless; "
                              "scripts/install-system-packages.sh spark)")


def get_engine(name: str) -> Engine:
    """The engine called ``name`` (Spark is imported only when chosen)."""
    if name == "local":
        from graphs.engines.local import LocalEngine

        return LocalEngine()
    if name == "spark":
        from graphs.engines.spark import SparkEngine

        return SparkEngine()
    raise ConfigError(f"engine {name!r} is not one of: {', '.join(ENGINES)}")

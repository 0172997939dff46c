"""The embedded engine: DuckDB aggregates, a local process pool maps the partitions."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from monitor.findings import FindingResult


class LocalEngine:
    name = "local"

    def __init__(self, workers: int | None = None):
        self.workers = workers

    def detect(self, config, as_of, institutions: Iterable[str] | None,
               params: Mapping[str, Mapping[str, Any]] | None, detectors: tuple[str, ...],
               across: bool = True) -> list[FindingResult]:
        from graphs.run import detect

        return detect(config, as_of, institutions, params, detectors, workers=self.workers, engine="local",
                      across=across)

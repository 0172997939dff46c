"""Graphs over the store and collapse-pattern detectors.

* :mod:`graphs.registry` — the related-party graph (pure builders over registry rows).
* :mod:`graphs.flows` — the fund-flow graph (pure builders over transfers aggregated
  per account pair and period).
* :mod:`graphs.loading` — reads the SQL store and the transfer store into those
  graphs and into the detectors' inputs, one partition per institution.
* :mod:`graphs.platform` — one platform's flows read at role level (custody,
  lenders, borrowers, accounts tied to the platform), the input of the flow
  detectors.
* :mod:`graphs.detectors` — one module per collapse pattern, each a pure
  ``detect(inputs, params, as_of) -> list[FindingResult]``.
* :mod:`graphs.run` — the graph stage of a sweep: runs every detector on every
  partition, through an engine (:mod:`graphs.engines`: local processes or Spark).
* :mod:`graphs.across` — the patterns across partitions, on a graph of the holders
  that tie partitions together.
"""

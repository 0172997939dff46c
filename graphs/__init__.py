"""Graphs over the store and collapse-pattern detectors.

* :mod:`graphs.build` — pure builders of the related-party graph and the
  fund-flow graph (from aggregated transfers), plus thin store loaders.
* :mod:`graphs.platform` — one platform's flows read at role level (custody,
  lenders, borrowers, accounts tied to the platform), the input of the flow
  detectors.
* :mod:`graphs.detectors` — one module per collapse pattern, each a pure
  ``detect(inputs, params, as_of) -> list[FindingResult]``.
* :mod:`graphs.run` — loads what the detectors need from the store, partitioned
  by institution, and runs them all.
"""

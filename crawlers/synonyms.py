"""Operator synonyms for disclosure labels: ``<instance_dir>/synonyms.toml``.

::

    # label as printed = item (metric code or the guideline's name)
    [synonyms]
    "待收本金" = "outstanding_balance"
    "逾期项目占比" = "项目逾期率"

The file is read at the edge (the disclosure spider) and passed to
:func:`crawlers.extract.disclosure.extract_disclosure` as a plain mapping, so
a new spelling takes effect on the next crawl without a code change.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from monitor.vocab import ITEMS_BY_OFFICIAL, METRICS_BY_NAME

FILE_NAME = "synonyms.toml"


class SynonymsError(ValueError):
    """A synonyms file that cannot be used; the message names the file, line and column."""


def load_synonyms(path: str | Path) -> dict[str, str]:
    """label → metric code from a TOML file; ``{}`` when the file does not exist."""
    path = Path(path)
    if not path.exists():
        return {}
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # the message ends "(at line L, column C)"
        raise SynonymsError(f"{path}: {exc}") from None
    table = data.get("synonyms")
    if not isinstance(table, dict):
        raise SynonymsError(f"{path}:1:1: expected a [synonyms] table of label = item")
    out: dict[str, str] = {}
    for label, item in table.items():
        code = item if item in METRICS_BY_NAME else (ITEMS_BY_OFFICIAL[item].name if item in ITEMS_BY_OFFICIAL
                                                     else None)
        if not isinstance(item, str) or code is None:
            line, col = _position(text, label)
            raise SynonymsError(f"{path}:{line}:{col}: {label!r} = {item!r}: not a disclosure item "
                                f"(use a code such as outstanding_balance or a name such as 借贷余额)")
        out[label] = code
    return out


def _position(text: str, key: str) -> tuple[int, int]:
    for n, line in enumerate(text.splitlines(), 1):
        col = line.find(key)
        if col >= 0:
            return n, col + 1
    return 1, 1

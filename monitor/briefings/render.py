"""HTML → PDF with WeasyPrint, a fetcher that never leaves the monitor's own static files, and the archive."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint.urls import URLFetcher, URLFetcherResponse

from monitor import TEMPLATES_DIR
from monitor.errors import InputError
from monitor.privacy import Masker
from monitor.vocab import node_label

from . import labels

log = logging.getLogger(__name__)

TEMPLATE_DIR = TEMPLATES_DIR / "briefings"
STATIC_TYPES = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".woff2": "font/woff2"}


# --------------------------------------------------------------------------- fetching: own files only
class StaticOnlyFetcher(URLFetcher):
    """Serves files under ``templates/briefings/`` (by ``file:`` URL) and refuses everything else.

    Crawled pages may carry ``<img src="http://...">`` or CSS ``url(...)``; even
    if such markup reached the renderer, nothing leaves the machine. Refusals are
    logged and kept in :attr:`refused`.
    """

    def __init__(self, root: Path = TEMPLATE_DIR):
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.root = root.resolve()
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None):
        path = self._local_path(url)
        if path is None:
            self.refused.append(url)
            log.warning("briefing renderer refused to fetch %s (only the monitor's static files are served)",
                        url[:200])
            raise ValueError(f"refused: {url[:200]}")
        return URLFetcherResponse(path.as_uri(), path.read_bytes(),
                                  {"Content-Type": STATIC_TYPES.get(path.suffix, "application/octet-stream")})

    def _local_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.root) or path.suffix not in STATIC_TYPES or not path.is_file():
            return None
        return path


# --------------------------------------------------------------------------- templates
def environment(masker: Masker | None = None) -> Environment:
    """The Jinja environment of the briefings: autoescaping on, undefined names are errors, and every
    value shown passes ``masker`` (default: personal numbers masked; a PDF travels, so it is always masked)."""
    env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      finalize=masker or Masker())
    env.filters.update(money=labels.money, number=labels.number, pct=labels.pct, metric=labels.metric_value,
                       band=labels.band_zh, plain=labels.plain, evidence_metric=labels.evidence_metric_zh,
                       detector=labels.detector_zh, node=node_label, pattern=labels.pattern_zh, metric_name=labels.metric_zh,
                       short=lambda s, n=12: (s or "")[:n], label=labels.label,
                       money_in=labels.money_in, money_unit=labels.money_unit, evalue=labels.evidence_value,
                       ekey=labels.evidence_key)
    env.globals.update(L=labels, BANDS=labels.BANDS, BAND_COLOURS=labels.BAND_COLOURS)
    return env


def render_html(template: str, data: dict[str, Any], charts: dict[str, Any], masker: Masker | None = None) -> str:
    tz = data["timezone"]
    env = environment(masker)
    env.filters["t"] = lambda v: labels.local_time(v, tz)
    env.filters["d"] = lambda v: labels.local_time(v, tz, with_time=False)
    return env.get_template(template).render(data=data, charts=charts)


class _SvgPresentationNoise(logging.Filter):
    """Drops WeasyPrint's "unknown property" warnings for SVG presentation properties.

    The charts' SVG carries them in ``style`` attributes (``fill``, ``stroke``, ``text-anchor``);
    WeasyPrint's CSS pass does not know them and warns once per element (about a thousand lines for a
    briefing), while its SVG renderer draws them.
    """

    _NOISE = re.compile(r"^Ignored `(fill|stroke[a-z-]*|text-anchor|clip-path|opacity|fill-opacity)\s*:.*"
                        r"unknown property\.$")

    def filter(self, record: logging.LogRecord) -> bool:
        return not self._NOISE.match(record.getMessage())


_WEASYPRINT_LOG = logging.getLogger("weasyprint")
if not any(isinstance(f, _SvgPresentationNoise) for f in _WEASYPRINT_LOG.filters):
    _WEASYPRINT_LOG.addFilter(_SvgPresentationNoise())


def html_to_pdf(html: str) -> tuple[bytes, int, list[str]]:
    """Render HTML (base: the briefing templates folder) to PDF; returns bytes, pages and refused URLs."""
    from weasyprint import HTML

    fetcher = StaticOnlyFetcher()
    document = HTML(string=html, base_url=TEMPLATE_DIR.as_uri() + "/", url_fetcher=fetcher).render()
    pdf = document.write_pdf()
    return pdf, len(document.pages), fetcher.refused


# --------------------------------------------------------------------------- the archive
_SAFE = re.compile(r"[^0-9A-Za-z_.-]+")


def archive(config, pdf: bytes, pages: int, *, kind: str, name: str, institution_id: int | None = None,
            jurisdiction_id: int | None = None, period_start: date | None = None, period_end: date | None = None,
            created_by: str | None = None) -> int:
    """Keep the PDF under ``config.briefing_path`` and record it in the Briefing table; returns the row id."""
    from monitor.db import session_scope
    from monitor.models import Briefing

    folder = config.briefing_path
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"{_SAFE.sub('_', name)}-{stamp}.pdf"
    tmp = path.with_suffix(".part")
    tmp.write_bytes(pdf)
    tmp.replace(path)
    with session_scope(config) as session:
        row = Briefing(kind=kind, institution_id=institution_id, jurisdiction_id=jurisdiction_id,
                       period_start=period_start, period_end=period_end, path=str(path),
                       sha256=hashlib.sha256(pdf).hexdigest(), pages=pages, created_by=created_by)
        session.add(row)
        session.flush()
        return row.id


def write_out(out_path, pdf: bytes, force: bool = True) -> Path:
    """Write a copy to ``out_path`` (refusing to overwrite unless ``force``)."""
    out = Path(out_path)
    if out.exists() and not force:
        raise InputError(f"{out}: file exists (use --force to overwrite)")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    return out

"""PDF briefings (WeasyPrint): the weekly city briefing (城市金融风险周报) and the institution dossier (机构风险档案).

* :func:`render_city` / :func:`render_institution` — render, archive under
  ``config.briefing_path`` and record a :class:`~monitor.models.Briefing` row;
  both return ``(pdf_bytes, briefing_id)``.
* :func:`weekly_briefing_job` — the scheduler's Monday job.
* ``monitor brief city|institution`` — the CLI (:mod:`monitor.commands.brief`).

See ``docs/briefings.md``.
"""

from monitor.briefings.api import last_full_week, parse_period, render_city, render_institution, weekly_briefing_job
from monitor.briefings.data import AccessDenied

__all__ = ["AccessDenied", "last_full_week", "parse_period", "render_city", "render_institution",
           "weekly_briefing_job"]

"""The briefings' charts, drawn by Matplotlib as SVG with text kept as text (the PDF embeds the CJK font).

Every function is pure: data in, an SVG string (:class:`markupsafe.Markup`) out, the same bytes for the
same data (fixed hash salt, no date in the metadata). Counts get integer ticks; labels are never
clipped (tight bounding box, rotated dates).
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
from datetime import date
from pathlib import Path
from typing import Sequence

import matplotlib
from markupsafe import Markup, escape
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

FONT = "Noto Sans CJK SC"  # the family briefing.css names; WeasyPrint embeds it from the same files
# Debian's fonts-noto-cjk (scripts/system-packages.txt); registered by path so Matplotlib measures the text
# with the glyphs the PDF shows.
FONT_FILES = (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
              Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"))
PALETTE = ("#1f4e79", "#c62828", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037", "#ad1457")
GRID = "#d0d0d0"
INK = "#222222"
WIDTH = 6.6  # inches: a little under the A4 text width (180 mm) before the tight box trims the margins

STYLE = {
    "svg.fonttype": "none", "svg.hashsalt": "monitor-briefing", "font.family": [FONT, "sans-serif"],
    "font.size": 8, "axes.titlesize": 9.5, "axes.titleweight": "bold", "axes.edgecolor": "#888888",
    "axes.linewidth": 0.6, "axes.spines.top": False, "axes.spines.right": False, "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5, "legend.fontsize": 7.5, "legend.frameon": False, "axes.unicode_minus": False,
    "text.color": INK, "axes.labelcolor": INK, "xtick.color": INK, "ytick.color": INK,
}

_registered = False
# rcParams are global: the portal may render briefings from several threads at once.
_LOCK = threading.RLock()


def register_fonts() -> list[Path]:
    """Add the CJK font files that exist to Matplotlib's font manager (once); returns them."""
    global _registered
    found = [p for p in FONT_FILES if p.is_file()]
    if not _registered:
        for p in found:
            font_manager.fontManager.addfont(str(p))
        _registered = True
    return found


def _figure(height: float, width: float = WIDTH) -> Figure:
    register_fonts()
    return Figure(figsize=(width, height), layout="constrained")


_PROLOG = re.compile(r"^.*?(?=<svg\b)", re.S)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)


def _svg(fig: Figure, label: str) -> Markup:
    buf = io.StringIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(buf, format="svg", bbox_inches="tight", pad_inches=0.04, metadata={"Date": None})
    text = _METADATA.sub("", _PROLOG.sub("", buf.getvalue(), count=1), count=1)
    text = text.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    return Markup(_own_ids(text))


_ID = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')


def _own_ids(svg: str) -> str:
    """Prefix the SVG's ids (and the references to them) with a digest of the chart.

    Matplotlib numbers ids per figure (``line2d_1``, ``axes_1``); several charts inline in one
    document would define each id again.
    """
    prefix = "c" + hashlib.sha1(svg.encode("utf-8")).hexdigest()[:10] + "-"
    return _ID.sub(lambda m: m.group(1) + prefix + m.group(2), svg)


def _styled(func):
    """Build the figure inside the house style (the rcParams apply when artists are created)."""
    def wrapper(*args, **kwargs):
        with _LOCK, matplotlib.rc_context(STYLE):
            return func(*args, **kwargs)
    wrapper.__doc__, wrapper.__name__ = func.__doc__, func.__name__
    return wrapper


def _empty(ax, title: str) -> None:
    ax.set_axis_off()
    ax.text(0.5, 0.5, "（无数据）", ha="center", va="center", transform=ax.transAxes)
    if title:
        ax.set_title(title)


def _as_date(text: str) -> date:
    return date.fromisoformat(text[:10] if len(text) >= 10 else text[:7] + "-01")


def _number(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"


def shorten(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


@_styled
def grouped_bars(groups: Sequence[str], series: Sequence[tuple[str, str, Sequence[float]]], title: str = "",
                 colours_by_group: Sequence[str] | None = None, height: float = 2.3) -> Markup:
    """Vertical bars of counts: one cluster per group, one bar per series (name, colour, values); the
    last series is drawn solid (in ``colours_by_group`` when given), earlier ones faded."""
    fig = _figure(height)
    ax = fig.add_subplot()
    n = max(len(series), 1)
    width = 0.8 / n
    top = max([v for _, _, vals in series for v in vals] + [0])
    for s, (name, colour, values) in enumerate(series):
        last = s == len(series) - 1
        colours = list(colours_by_group) if (colours_by_group and last) else colour
        xs = [g - 0.4 + width * (s + 0.5) for g in range(len(groups))]
        bars = ax.bar(xs, values, width * 0.92, color=colours, alpha=1.0 if last else 0.45, label=name)
        ax.bar_label(bars, labels=[_number(v) if v else "" for v in values], fontsize=7, padding=1)
    ax.set_xticks(range(len(groups)), [str(g) for g in groups])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5, min_n_ticks=1))
    ax.set_ylim(0, max(top * 1.15, 1))
    ax.grid(axis="y", color=GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    if len(groups) > 8:
        ax.tick_params(axis="x", labelrotation=45)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")
    if len(series) > 1:  # beside the plot, never over a bar
        fig.legend(loc="outside right upper")
    if title:
        ax.set_title(title)
    return _svg(fig, title)


@_styled
def line_chart(series: Sequence[tuple[str, Sequence[tuple[str, float]]]], title: str = "",
               y_max: float | None = 100.0, thresholds: dict[str, float] | None = None,
               threshold_colours: dict[str, str] | None = None, y_label: str = "", height: float = 2.6) -> Markup:
    """Lines over dates: ``series`` = [(name, [(iso date or YYYY-MM, value), ...]), ...]; dashed lines at
    ``thresholds``; ``y_max`` None scales to the data."""
    from matplotlib import dates as mdates

    fig = _figure(height)
    ax = fig.add_subplot()
    series = [(name, pts) for name, pts in series if pts]
    if not series:
        _empty(ax, title)
        return _svg(fig, title)
    days = sorted({_as_date(d) for _, pts in series for d, _ in pts})
    for s, (name, pts) in enumerate(series):
        xs = [_as_date(d) for d, _ in pts]
        ax.plot(xs, [v for _, v in pts], color=PALETTE[s % len(PALETTE)], linewidth=1.4,
                marker="o" if len(pts) <= 40 else None, markersize=2.5, label=shorten(name, 28))
    for name, bound in (thresholds or {}).items():
        ax.axhline(float(bound), color=(threshold_colours or {}).get(name, GRID), linewidth=0.8, linestyle=(0, (4, 3)))
    if y_max is not None:
        ax.set_ylim(0, y_max)
    else:
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: _number(v)))
    if len(days) == 1:
        ax.set_xlim(days[0].toordinal() - 3, days[0].toordinal() + 3)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m" if (days[-1] - days[0]).days > 120 else "%Y-%m-%d"))
    ax.tick_params(axis="x", labelrotation=30)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    ax.grid(axis="y", color=GRID, linewidth=0.5)
    if y_label:
        ax.set_ylabel(y_label)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.32), ncols=2 if len(series) > 1 else 1)
    if title:
        ax.set_title(title)
    return _svg(fig, title)


@_styled
def hbars(rows: Sequence[tuple[str, float, str]], title: str = "", unit: str = "分") -> Markup:
    """Horizontal bars (label, value, colour), e.g. the contributions to a score; negative values go left."""
    fig = _figure(0.55 + 0.24 * max(len(rows), 1))
    ax = fig.add_subplot()
    if not rows:
        _empty(ax, title)
        return _svg(fig, title)
    labels = [shorten(label, 20) for label, _, _ in rows]
    values = [v for _, v, _ in rows]
    ys = list(range(len(rows)))[::-1]
    bars = ax.barh(ys, values, 0.7, color=[c for _, _, c in rows])
    ax.bar_label(bars, labels=[f"{v:+g} {unit}" for v in values], fontsize=7, padding=2)
    ax.set_yticks(ys, labels)
    ax.axvline(0, color=INK, linewidth=0.8)
    low, high = min(values + [0]), max(values + [0])
    span = (high - low) or 1
    ax.set_xlim(low - 0.25 * span * (low < 0), high + 0.25 * span)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6))
    ax.grid(axis="x", color=GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    if title:
        ax.set_title(title)
    return _svg(fig, title)


@_styled
def ownership_chart(nodes: Sequence[dict], edges: Sequence[dict]) -> Markup:
    """Owners and controllers above the institution: level 0 at the bottom, owners of owners above.

    ``nodes``: {id, name, kind (person/company), level}; ``edges``: {src, dst, kind, share}.
    """
    if not nodes:
        fig = _figure(0.5)
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.5, "（登记信息中无股东或实际控制人记录）", ha="center", va="center", transform=ax.transAxes)
        return _svg(fig, "股权结构")
    levels: dict[int, list[dict]] = {}
    for n in nodes:
        levels.setdefault(n["level"], []).append(n)
    max_level = max(levels)
    fig = _figure(0.9 + 1.0 * max_level)
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.35, max_level + 0.35)
    pos: dict[str, tuple[float, float]] = {}
    for level, row in levels.items():
        row = sorted(row, key=lambda n: n["name"])[:8]  # wider rows are unreadable on A4
        for k, n in enumerate(row):
            pos[n["id"]] = ((k + 0.5) / len(row), level)
    box_h = 0.36
    # One arrow and one label per pair: a person holding shares and controlling draws both on one line.
    pairs: dict[tuple[str, str], list[dict]] = {}
    for e in edges:
        if e["src"] in pos and e["dst"] in pos:
            pairs.setdefault((e["src"], e["dst"]), []).append(e)
    for (src, dst), group in pairs.items():
        (sx, sy), (dx, dy) = pos[src], pos[dst]
        controller = any(e["kind"] == "controller" for e in group)
        colour = "#c62828" if controller else "#555555"
        ax.annotate("", xy=(dx, dy + box_h / 2), xytext=(sx, sy - box_h / 2),
                    arrowprops={"arrowstyle": "-|>", "color": colour, "linewidth": 0.9,
                                "linestyle": (0, (4, 2)) if controller else "solid", "shrinkA": 0, "shrinkB": 0})
        words = ["实际控制" if e["kind"] == "controller" else
                 (f"{e['share'] * 100:.1f}%" if e.get("share") is not None else "持股") for e in group]
        ax.text((sx + dx) / 2 + 0.01, (sy + dy) / 2, "，".join(dict.fromkeys(words)), fontsize=7, color=colour,
                ha="left", va="center")
    for n in nodes:
        if n["id"] not in pos:
            continue
        x, y = pos[n["id"]]
        per_row = len([m for m in levels[n["level"]]][:8])
        fill = "#fde7e7" if n["level"] == 0 else ("#eef3fb" if n["kind"] == "company" else "#fff8e1")
        ax.text(x, y, f"{shorten(n['name'], max(8, 48 // per_row))}\n{'自然人' if n['kind'] == 'person' else '企业'}",
                ha="center", va="center", fontsize=7.5, linespacing=1.3,
                fontweight="bold" if n["level"] == 0 else "normal",
                bbox={"boxstyle": "round,pad=0.35", "facecolor": fill, "edgecolor": "#555555", "linewidth": 0.7})
    return _svg(fig, "股权与控制关系")


__all__ = ["grouped_bars", "line_chart", "hbars", "ownership_chart", "register_fonts", "shorten"]

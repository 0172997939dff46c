"""Charts as inline SVG built by hand (vector, text kept as text so the PDF embeds the CJK font).

Every function is pure: data in, an SVG string (:class:`markupsafe.Markup`) out.
All text that came from the store is escaped.
"""

from __future__ import annotations

from datetime import date
from typing import Sequence

from markupsafe import Markup, escape

FONT = "Noto Sans CJK SC"
PALETTE = ("#1f4e79", "#c62828", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037", "#ad1457")
GRID = "#d0d0d0"
INK = "#222222"


def _t(x: float, y: float, text: str, size: float = 9, anchor: str = "start", fill: str = INK,
       weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FONT}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{fill}">{escape(text)}</text>')


def _svg(width: float, height: float, body: list[str], label: str) -> Markup:
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
                  f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">'
                  + "".join(body) + "</svg>")


def _nice_max(value: float) -> float:
    """A round upper bound for an axis (1, 2, 5 × 10^k)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)


def shorten(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def grouped_bars(groups: Sequence[str], series: Sequence[tuple[str, str, Sequence[float]]],
                 width: int = 460, height: int = 200, title: str = "", colours_by_group: Sequence[str] | None = None,
                 ) -> Markup:
    """Vertical bars: one cluster per group, one bar per series (name, colour, values)."""
    left, right, top, bottom = 36, 10, 22 if title else 10, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    y_max = _nice_max(max([v for _, _, vals in series for v in vals] + [0]))
    body = [_t(width / 2, 14, title, 10, "middle", weight="bold")] if title else []
    for k in range(5):
        y = top + plot_h - plot_h * k / 4
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}" '
                    f'stroke-width="0.5"/>')
        body.append(_t(left - 4, y + 3, f"{y_max * k / 4:g}", 8, "end"))
    n_groups, n_series = max(len(groups), 1), max(len(series), 1)
    cluster = plot_w / n_groups
    bar_w = cluster * 0.7 / n_series
    for g, label in enumerate(groups):
        x0 = left + g * cluster + cluster * 0.15
        for s, (_name, colour, values) in enumerate(series):
            v = values[g]
            h = plot_h * v / y_max
            fill = colours_by_group[g] if colours_by_group and s == len(series) - 1 else colour
            opacity = "1" if s == len(series) - 1 else "0.45"
            x = x0 + s * bar_w
            body.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w * 0.92:.1f}" height="{h:.1f}" '
                        f'fill="{fill}" fill-opacity="{opacity}"/>')
            if v:
                body.append(_t(x + bar_w * 0.46, top + plot_h - h - 2, f"{v:g}", 7.5, "middle"))
        body.append(_t(left + g * cluster + cluster / 2, top + plot_h + 12, label, 8.5, "middle"))
    body.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{INK}" '
                f'stroke-width="0.8"/>')
    if len(series) > 1:
        x = left
        for s, (name, colour, _values) in enumerate(series):
            opacity = "1" if s == len(series) - 1 else "0.45"
            body.append(f'<rect x="{x}" y="{height - 11}" width="9" height="9" fill="{colour}" '
                        f'fill-opacity="{opacity}"/>')
            body.append(_t(x + 12, height - 3, name, 8))
            x += 14 + 9 * len(name) + 10
    return _svg(width, height, body, title)


def line_chart(series: Sequence[tuple[str, Sequence[tuple[str, float]]]], width: int = 460, height: int = 210,
               title: str = "", y_max: float | None = 100.0, thresholds: dict[str, float] | None = None,
               threshold_colours: dict[str, str] | None = None, y_format: str = "{:g}") -> Markup:
    """Lines over dates: ``series`` = [(name, [(iso date, value), ...]), ...]."""
    left, right, top = 42, 10, 22 if title else 10
    legend_rows = (len(series) + 1) // 2
    bottom = 24 + 12 * legend_rows
    plot_w, plot_h = width - left - right, height - top - bottom
    days = sorted({date.fromisoformat(d[:10]) for _, pts in series for d, _ in pts if len(d) >= 10}
                  | {date.fromisoformat(d + "-01") for _, pts in series for d, _ in pts if len(d) == 7})
    values = [v for _, pts in series for _, v in pts]
    top_value = y_max if y_max is not None else _nice_max(max(values + [0]))
    body = [_t(width / 2, 14, title, 10, "middle", weight="bold")] if title else []
    if not days:
        body.append(_t(width / 2, height / 2, "（无数据）", 9, "middle"))
        return _svg(width, height, body, title)
    d0, d1 = days[0].toordinal(), max(days[-1].toordinal(), days[0].toordinal() + 1)

    def px(iso: str) -> float:
        d = date.fromisoformat(iso if len(iso) >= 10 else iso + "-01")
        return left + plot_w * (d.toordinal() - d0) / (d1 - d0)

    def py(v: float) -> float:
        return top + plot_h - plot_h * min(max(v, 0), top_value) / top_value

    for k in range(5):
        y = top + plot_h - plot_h * k / 4
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}" '
                    f'stroke-width="0.5"/>')
        body.append(_t(left - 4, y + 3, y_format.format(top_value * k / 4), 7.5, "end"))
    for name, bound in (thresholds or {}).items():
        colour = (threshold_colours or {}).get(name, GRID)
        y = py(float(bound))
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{colour}" '
                    f'stroke-width="0.8" stroke-dasharray="4 3"/>')
    ticks = [days[0], days[len(days) // 2], days[-1]] if len(days) > 2 else days
    for d in dict.fromkeys(ticks):
        x = left + plot_w * (d.toordinal() - d0) / (d1 - d0)
        body.append(_t(x, top + plot_h + 11, d.isoformat(), 7.5, "middle"))
    for s, (name, pts) in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        coords = " ".join(f"{px(d):.1f},{py(v):.1f}" for d, v in pts)
        if len(pts) > 1:
            body.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="1.4"/>')
        for d, v in pts[-1:] if len(pts) > 1 else pts:
            body.append(f'<circle cx="{px(d):.1f}" cy="{py(v):.1f}" r="2" fill="{colour}"/>')
        lx = left + (s % 2) * plot_w / 2
        ly = top + plot_h + 24 + 12 * (s // 2)
        body.append(f'<rect x="{lx}" y="{ly - 7}" width="10" height="3" fill="{colour}"/>')
        body.append(_t(lx + 14, ly - 3, shorten(name, 24), 8))
    body.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{INK}" '
                f'stroke-width="0.8"/>')
    return _svg(width, height, body, title)


def hbars(rows: Sequence[tuple[str, float, str]], width: int = 460, title: str = "", unit: str = "分") -> Markup:
    """Horizontal bars (label, value, colour), e.g. the contributions to a score; negative values go left."""
    label_w, right, top, row_h = 170, 46, 22 if title else 6, 16
    height = top + row_h * max(len(rows), 1) + 6
    plot_w = width - label_w - right
    span = max([abs(v) for _, v, _ in rows] + [1])
    body = [_t(width / 2, 14, title, 10, "middle", weight="bold")] if title else []
    neg = any(v < 0 for _, v, _ in rows)
    zero = label_w + (plot_w * 0.25 if neg else 0)
    scale = (plot_w * (0.75 if neg else 1.0)) / span
    for i, (label, value, colour) in enumerate(rows):
        y = top + i * row_h
        w = abs(value) * scale
        x = zero if value >= 0 else zero - w
        body.append(_t(label_w - 6, y + 11, shorten(label, 18), 8.5, "end"))
        body.append(f'<rect x="{x:.1f}" y="{y + 2}" width="{max(w, 0.5):.1f}" height="{row_h - 5}" fill="{colour}"/>')
        # Negative values (caps) are labelled right of the zero line: left of the bar sits the row label.
        body.append(_t((x + w + 3) if value >= 0 else (zero + 3), y + 11, f"{value:+g} {unit}", 8, "start"))
    body.append(f'<line x1="{zero}" y1="{top}" x2="{zero}" y2="{height - 4}" stroke="{INK}" stroke-width="0.8"/>')
    return _svg(width, height, body, title)


def ownership_chart(nodes: Sequence[dict], edges: Sequence[dict], width: int = 480) -> Markup:
    """Owners and controllers above the institution: level 0 at the bottom, owners of owners above.

    ``nodes``: {id, name, kind (person/company), level}; ``edges``: {src, dst, kind, share}.
    """
    if not nodes:
        return _svg(width, 40, [_t(width / 2, 24, "（登记信息中无股东或实际控制人记录）", 9, "middle")], "股权结构")
    levels: dict[int, list[dict]] = {}
    for n in nodes:
        levels.setdefault(n["level"], []).append(n)
    max_level = max(levels)
    box_h, gap_y = 30, 46
    height = (max_level + 1) * box_h + max_level * gap_y + 20
    pos: dict[str, tuple[float, float, float]] = {}
    for level, row in levels.items():
        row = sorted(row, key=lambda n: n["name"])[:8]  # wider rows are unreadable on A4
        slot = (width - 10) / len(row)
        box_w = min(slot - 8, 150)
        y = 10 + (max_level - level) * (box_h + gap_y)
        for k, n in enumerate(row):
            cx = 5 + slot * k + slot / 2
            pos[n["id"]] = (cx, y, box_w)
    body = ['<defs><marker id="arr" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" '
            'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>']
    for e in edges:
        if e["src"] not in pos or e["dst"] not in pos:
            continue
        sx, sy, _ = pos[e["src"]]
        dx, dy, _ = pos[e["dst"]]
        controller = e["kind"] == "controller"
        colour = "#c62828" if controller else "#555"
        dash = ' stroke-dasharray="4 2"' if controller else ""
        body.append(f'<line x1="{sx:.1f}" y1="{sy + box_h:.1f}" x2="{dx:.1f}" y2="{dy:.1f}" stroke="{colour}" '
                    f'stroke-width="1"{dash} marker-end="url(#arr)"/>')
        label = "实际控制" if controller else (f"{e['share'] * 100:.1f}%" if e.get("share") is not None else "持股")
        body.append(_t((sx + dx) / 2 + 3, (sy + box_h + dy) / 2 + 3, label, 7.5, "start", colour))
    for n in nodes:
        if n["id"] not in pos:
            continue
        cx, y, box_w = pos[n["id"]]
        fill = "#fde7e7" if n["level"] == 0 else ("#eef3fb" if n["kind"] == "company" else "#fff8e1")
        body.append(f'<rect x="{cx - box_w / 2:.1f}" y="{y:.1f}" width="{box_w:.1f}" height="{box_h}" rx="3" '
                    f'fill="{fill}" stroke="#555" stroke-width="0.7"/>')
        body.append(_t(cx, y + 13, shorten(n["name"], int(box_w // 9)), 8.5, "middle",
                       weight="bold" if n["level"] == 0 else "normal"))
        body.append(_t(cx, y + 24, "自然人" if n["kind"] == "person" else "企业", 7, "middle", "#666"))
    return _svg(width, height, body, "股权与控制关系")

"""Bar charts as server-rendered SVG (no script, no library): each chart has its title and
description for assistive technology (``role="img"``, ``aria-labelledby``), a short text per bar,
and the page shows the same figures in a table next to it."""

import math

from django.utils.html import escape
from django.utils.safestring import mark_safe

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 8, 30, 36
# Contrast with the white background ≥ 3:1 (WCAG 1.4.11) for the bars, ≥ 4.5:1 for the text.
COLOURS = ("#1d3c6e", "#a34a00", "#2f6b2f")
TEXT = "#1b1b1b"


def _nice_top(value):
    """A round upper bound for the axis (1, 2, 2.5 or 5 × a power of ten)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def bar_chart(*, chart_id, title, desc, labels, series, value_text, bar_text=None):
    """``series``: [(name, [value or None per label]), ...]; ``value_text(value)``: a value as
    printed on the axis; ``bar_text(value)``: as a bar's own text (``value_text`` by default)."""
    bar_text = bar_text or value_text
    values = [v for _name, vs in series for v in vs if v is not None]
    top = _nice_top(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group_w = plot_w / max(len(labels), 1)
    bar_w = max(2.0, group_w * 0.8 / max(len(series), 1))
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    for k in range(5):  # the axis: 0, ¼, ½, ¾, top
        value = top * k / 4
        y = TOP + plot_h - plot_h * k / 4
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#c8c8c8"/>')
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="{TEXT}">'
            f"{escape(value_text(value))}</text>"
        )
    for i, label in enumerate(labels):
        x0 = LEFT + i * group_w + group_w * 0.1
        for j, (name, vs) in enumerate(series):
            value = vs[i]
            if value is None:
                continue
            h = plot_h * value / top
            x = x0 + j * bar_w
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS[j % len(COLOURS)]}"><title>{escape(f"{name}, {label} : {bar_text(value)}")}'
                "</title></rect>"
            )
        parts.append(
            f'<text x="{LEFT + i * group_w + group_w / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
            f'font-size="11" fill="{TEXT}">{escape(label)}</text>'
        )
    if len(series) > 1:  # the legend
        x = LEFT
        for j, (name, _vs) in enumerate(series):
            parts.append(f'<rect x="{x}" y="8" width="12" height="12" fill="{COLOURS[j % len(COLOURS)]}"/>')
            parts.append(f'<text x="{x + 16}" y="18" font-size="12" fill="{TEXT}">{escape(name)}</text>')
            x += 24 + 7 * len(name)
    parts.append("</svg>")
    return mark_safe("\n".join(parts))  # noqa: S308 (every text escaped above; numbers formatted here)

"""Server-side chart geometry for inline SVG: the charts work without
JavaScript, and each is drawn next to a data table holding the same numbers.

Functions return plain dicts of coordinates that templates/waivers/charts/*.html
draw; no markup is built here.
"""

import math

# Colours for waiver types (distinguishable, each ≥ 3:1 against white).
SERIES_COLOURS = ("#005ea2", "#c05600", "#538200", "#8168b3", "#3d4551")
BAR_COLOUR = "#005ea2"

HBAR_WIDTH = 640
HBAR_LABEL_WIDTH = 270
HBAR_ROW = 32
HBAR_BAR = 20
HBAR_VALUE_SPACE = 50

COLUMNS_WIDTH = 640
COLUMNS_HEIGHT = 260
COLUMNS_LEFT = 64
COLUMNS_BOTTOM = 50
COLUMNS_TOP = 10


def nice_max(value: int) -> int:
    """A round axis maximum at or above value (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def tick_steps(scale_max: int) -> int:
    """How many whole-number intervals to divide an axis of 0..scale_max into."""
    for steps in (4, 5, 2):
        if scale_max % steps == 0:
            return steps
    return 1


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def horizontal_bars(
    items: list[dict], *, label_key: str = "label", value_key: str = "count"
) -> dict:
    """One bar per item, longest first as given; labels left, values right."""
    top = max((item[value_key] for item in items), default=0)
    scale_max = nice_max(top)
    plot_width = HBAR_WIDTH - HBAR_LABEL_WIDTH - HBAR_VALUE_SPACE
    bars = []
    for index, item in enumerate(items):
        value = item[value_key]
        width = round(plot_width * value / scale_max, 1) if value else 0
        y = index * HBAR_ROW
        bars.append(
            {
                "label": _shorten(str(item[label_key]), 30),
                "value": value,
                "x": HBAR_LABEL_WIDTH,
                "y": y + (HBAR_ROW - HBAR_BAR) / 2,
                "width": width,
                "height": HBAR_BAR,
                "label_y": y + HBAR_ROW / 2 + 4,
                "value_x": HBAR_LABEL_WIDTH + width + 6,
            }
        )
    return {
        "width": HBAR_WIDTH,
        "height": max(len(items), 1) * HBAR_ROW + 4,
        "label_x": HBAR_LABEL_WIDTH - 8,
        "bars": bars,
        "colour": BAR_COLOUR,
    }


def stacked_columns(columns: list[dict], series: list[dict]) -> dict:
    """Vertical columns (e.g. months), each a stack of series (e.g. types).

    columns: [{"label": str, "values": {series value: n}}]
    series:  [{"value": str, "label": str}]
    """
    colours = {s["value"]: SERIES_COLOURS[i % len(SERIES_COLOURS)] for i, s in enumerate(series)}
    totals = [sum(column["values"].values()) for column in columns]
    scale_max = nice_max(max(totals, default=0))
    plot_height = COLUMNS_HEIGHT - COLUMNS_BOTTOM - COLUMNS_TOP
    plot_width = COLUMNS_WIDTH - COLUMNS_LEFT - 10
    slot = plot_width / max(len(columns), 1)
    bar_width = max(min(slot * 0.7, 60), 2)
    # Label at most ~16 columns so text never overlaps; slant labels when crowded.
    label_every = max(1, math.ceil(len(columns) / 16))
    slanted = len(columns) > 8
    drawn = []
    for index, column in enumerate(columns):
        x = COLUMNS_LEFT + index * slot + (slot - bar_width) / 2
        base = COLUMNS_TOP + plot_height
        rects = []
        for s in series:
            value = column["values"].get(s["value"], 0)
            if not value:
                continue
            height = plot_height * value / scale_max
            base -= height
            rects.append(
                {
                    "x": round(x, 1),
                    "y": round(base, 1),
                    "width": round(bar_width, 1),
                    "height": round(height, 1),
                    "colour": colours[s["value"]],
                    "title": f"{column['label']}: {value:,} {s['label']}",
                }
            )
        drawn.append(
            {
                "rects": rects,
                "label": column["label"] if index % label_every == 0 else "",
                "label_x": round(x + bar_width / 2, 1),
                "total": totals[index],
            }
        )
    steps = tick_steps(scale_max)
    ticks = [
        {
            "value": scale_max * i // steps,
            "y": round(COLUMNS_TOP + plot_height * (1 - i / steps), 1),
        }
        for i in range(steps + 1)
    ]
    return {
        "width": COLUMNS_WIDTH,
        "height": COLUMNS_HEIGHT,
        "left": COLUMNS_LEFT,
        "right": COLUMNS_WIDTH - 10,
        "axis_y": COLUMNS_TOP + plot_height,
        "label_y": COLUMNS_TOP + plot_height + 16,
        "columns": drawn,
        "slanted": slanted,
        "ticks": ticks,
        "legend": [{"label": s["label"], "colour": colours[s["value"]]} for s in series],
    }

"""PNG charts for /chart, readable on a phone. matplotlib (3.11+) shapes Persian itself; Vazirmatn ships in
views/fonts with its OFL licence. Labels use Persian digits in fa."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot
import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.ticker import FuncFormatter

from models.jalali import Pace
from models.stats import RankRow
from models.textnorm import strip_controls
from views.render import Renderer

FONTS = Path(__file__).with_name("fonts")
MAX_BARS = 25
COMMITMENT, ACHIEVED, EXPECTED, PATH = "#d9dee5", "#2e7d5b", "#c0392b", "#7f8c8d"


@cache
def _font() -> str:
    for path in sorted(FONTS.glob("Vazirmatn-*.ttf")):
        font_manager.fontManager.addfont(str(path))
    return "Vazirmatn"


def _style() -> None:
    plt.rcParams["font.family"] = _font()
    plt.rcParams["text.parse_math"] = False  # an agency named «… $x^2$ …» is text, not math


def _number_formatter(r: Renderer) -> FuncFormatter:
    return FuncFormatter(lambda value, _pos: r.number(int(value)) if value == int(value) else r.number(value))


def _png(fig) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return out.getvalue()


def ranking_bars(r: Renderer, title: str, rows: list[RankRow], pace: Pace) -> bytes:
    """Bars per agency in ranking order: commitment behind, achieved in front, expected as a tick."""
    rows = [row for row in rows if row.target > 0][:MAX_BARS]
    _style()
    fig, ax = plt.subplots(figsize=(8, 1.4 + 0.42 * max(len(rows), 1)))
    clean = [strip_controls(row.name) for row in rows]  # a name stored before names were cleaned
    names = [name if len(name) <= 32 else name[:31] + "…" for name in clean][::-1]
    targets = [row.target for row in rows][::-1]
    achieved = [row.achieved for row in rows][::-1]
    expected = [pace.expected(row.target) for row in rows][::-1]
    positions = range(len(rows))
    ax.barh(positions, targets, color=COMMITMENT, label=r.raw("export.chart_commitment"), height=0.7)
    ax.barh(positions, achieved, color=ACHIEVED, label=r.raw("export.chart_achieved"), height=0.42)
    ax.scatter(
        expected,
        positions,
        marker="|",
        s=260,
        color=EXPECTED,
        linewidths=2.5,
        zorder=3,
        label=r.raw("export.chart_expected"),
    )
    for y, (value, target) in enumerate(zip(achieved, targets, strict=True)):
        ax.text(max(value, 0) + max(targets) * 0.01, y, r.percent(value, target), va="center", fontsize=8)
    ax.set_yticks(list(positions), names, fontsize=9)
    ax.xaxis.set_major_formatter(_number_formatter(r))
    ax.set_title(title, fontsize=11)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def cumulative_line(r: Renderer, title: str, monthly: list[int], target: int, months_done: int) -> bytes:
    """Cumulative achieved per Jalali month against the linear path to the commitment."""
    _style()
    fig, ax = plt.subplots(figsize=(8, 4.2))
    names = r.raw_list("calendar.months")
    cumulative, total = [], 0
    for value in monthly[:months_done]:
        total += value
        cumulative.append(total)
    ax.plot(
        range(1, 13),
        [target * m / 12 for m in range(1, 13)],
        color=PATH,
        linestyle="--",
        label=r.raw("export.chart_target_path"),
    )
    ax.plot(
        range(1, len(cumulative) + 1),
        cumulative,
        color=ACHIEVED,
        marker="o",
        linewidth=2.2,
        label=r.raw("export.chart_cumulative"),
    )
    ax.set_xticks(range(1, 13), names, fontsize=8, rotation=45)
    ax.yaxis.set_major_formatter(_number_formatter(r))
    ax.set_ylim(bottom=0)
    ax.set_title(title, fontsize=11)
    ax.legend(loc="upper left", fontsize=9, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)

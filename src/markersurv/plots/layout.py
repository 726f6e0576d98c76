"""Layout checks of a drawn figure: text cut off at the canvas edge, tick labels that overlap.

A figure saved with such a defect reads wrong (a title without its end, two numbers run
together); :class:`~markersurv.figures.folder.FigureFolder` logs each one by figure name and
the tests of every figure kind require none.
"""

from __future__ import annotations

import textwrap
import warnings
from itertools import pairwise

from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

# Slack in pixels before a text counts as cut off or two labels as overlapping: antialiased
# glyph edges may touch the border.
TOLERANCE = 1.0


def _shown(text: Text) -> bool:
    return text.get_visible() and bool(text.get_text().strip()) and text.get_alpha() != 0


def _tick_labels(axis: Axis) -> tuple[list[Text], list[Text]]:
    """The shown labels of the ticks the axis draws (those inside its view interval), and
    every tick label it holds (matplotlib keeps labels of ticks outside the view, undrawn)."""
    low, high = sorted(axis.get_view_interval())
    slack = 1e-9 * (high - low)
    drawn, every = [], []
    for ticks, locs in (
        (axis.get_major_ticks(), axis.get_majorticklocs()),
        (axis.get_minor_ticks(), axis.get_minorticklocs()),
    ):
        for tick, loc in zip(ticks, locs, strict=False):
            labels = [tick.label1, tick.label2]
            every += labels
            if low - slack <= loc <= high + slack:
                drawn += [t for t in labels if _shown(t)]
    return drawn, every


def _drawn_texts(fig: Figure, *, ticks: bool = True) -> list[Text]:
    """The texts the figure shows: with the labels of drawn ticks, or without any tick
    label."""
    labels = [_tick_labels(axis) for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)]
    every = {id(t) for _, held in labels for t in held}
    drawn = {id(t) for shown, _ in labels for t in shown} if ticks else set()
    return [t for t in fig.findobj(Text) if _shown(t) and (id(t) not in every or id(t) in drawn)]


def clipped_texts(fig: Figure) -> list[str]:
    """The shown texts of ``fig`` that reach beyond its canvas.

    >>> from markersurv.plots.theme import new_figure
    >>> fig = new_figure(2, 1, layout=None)
    >>> _ = fig.text(0.5, 0.5, "a title far too long for so small a figure")
    >>> fig.draw_without_rendering()
    >>> clipped_texts(fig)
    ['a title far too long for so small a figure']
    """
    renderer = fig.canvas.get_renderer()
    canvas = fig.bbox
    found = []
    for text in _drawn_texts(fig):
        box = text.get_window_extent(renderer)
        if (
            box.x0 < canvas.x0 - TOLERANCE
            or box.x1 > canvas.x1 + TOLERANCE
            or box.y0 < canvas.y0 - TOLERANCE
            or box.y1 > canvas.y1 + TOLERANCE
        ):
            found.append(text.get_text())
    return found


def overlapping_ticks(fig: Figure) -> list[str]:
    """Pairs of neighbouring drawn tick labels of one axis of ``fig`` that overlap, as
    ``a / b``."""
    renderer = fig.canvas.get_renderer()
    found = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            drawn, _ = _tick_labels(axis)
            boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in drawn]
            boxes.sort(key=lambda item: (item[1].x0, item[1].y0))
            for (a, first), (b, second) in pairwise(boxes):
                if _overlap(first, second):
                    found.append(f"{a} / {b}")
    return found


def _overlap(a: Bbox, b: Bbox) -> bool:
    return (
        min(a.x1, b.x1) - max(a.x0, b.x0) > TOLERANCE
        and min(a.y1, b.y1) - max(a.y0, b.y0) > TOLERANCE
    )


def _wrapped(text: Text, size: float, room: float) -> bool:
    """Wrap ``text`` (``size`` pixels long) to fit ``room`` pixels; whether it changed."""
    if size <= 0.97 * room:
        return False
    words = " ".join(text.get_text().split())
    lines = len(text.get_text().splitlines())
    chars = int(len(words) / lines * 0.95 * room / size) - 1
    fitted = textwrap.fill(words, max(16, chars))
    if fitted == text.get_text():
        return False
    text.set_text(fitted)
    return True


def _room(text: Text, box: Bbox, canvas: Bbox) -> tuple[float, float]:
    """A text's length along its direction and the room it has there, from where it is
    anchored to the figure's edge(s) (vertical texts, such as y-axis labels, upwards)."""
    if abs(text.get_rotation() % 180 - 90) < 1:
        centre = box.y0 + box.height / 2
        return box.height, 2 * min(centre - canvas.y0, canvas.y1 - centre)
    if text.get_ha() == "left":
        return box.width, canvas.x1 - box.x0
    if text.get_ha() == "right":
        return box.width, box.x1 - canvas.x0
    centre = box.x0 + box.width / 2
    return box.width, 2 * min(centre - canvas.x0, canvas.x1 - centre)


def _laid_out(fig: Figure) -> None:
    """Draw without rendering; a layout that collapses is reported by
    :func:`layout_problems` (as the texts it leaves cut off), not warned about."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "constrained_layout not applied", UserWarning)
        fig.draw_without_rendering()


def fit_texts(fig: Figure) -> bool:
    """Wrap texts that reach beyond the figure (titles, axis labels, legend entries) to the
    room from their anchor to its edge, onto as many lines as they need (a long cohort,
    marker or endpoint name from the config), before the layout places them; whether any
    was wrapped. Leaves the figure laid out (drawn without rendering)."""
    any_wrapped = False
    for _ in range(6):
        _laid_out(fig)
        renderer = fig.canvas.get_renderer()
        wrapped = False
        for text in _drawn_texts(fig, ticks=False):
            size, room = _room(text, text.get_window_extent(renderer), fig.bbox)
            wrapped |= _wrapped(text, size, room)
        any_wrapped |= wrapped
        if not wrapped:
            break
    if any_wrapped:
        _laid_out(fig)
    return any_wrapped


def layout_problems(fig: Figure, *, laid_out: bool = False) -> list[str]:
    """Every clipped text and overlapping tick-label pair of ``fig``, in words (``laid_out``:
    the figure was just drawn, as :func:`fit_texts` leaves it)."""
    if not laid_out:
        _laid_out(fig)
    return [f"cut off at the edge: {t!r}" for t in clipped_texts(fig)] + [
        f"tick labels overlap: {p}" for p in overlapping_ticks(fig)
    ]


def freeze_layout(fig: Figure) -> None:
    """Keep the positions the layout engine just computed, so that saving the figure in each
    format does not lay it out again (the checks above already did)."""
    fig.set_layout_engine("none")

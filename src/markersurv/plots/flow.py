"""REMARK patient-flow diagram drawn from the harmonization counts (flow.json)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass

from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from markersurv.plots.checks import PlotDataError
from markersurv.plots.labels import AS_GIVEN, Labels, format_count
from markersurv.plots.theme import OKABE_ITO, new_figure, themed

_FONT = 7.5
_LINE = _FONT * 1.32 / 72  # inches per text line
_CHAR = 0.6 * _FONT / 72  # average character width, inches
_PAD = 0.08
_WIDTH = 10.4
_COHORT = (0.2, 2.2)  # x, width of each lane's boxes, inches
_EXCLUDED = (2.75, 2.25)
_INCLUDED = (5.45, 1.45)
_ANALYSED = (7.3, 2.9)
_ARROW_Y = 0.2  # below a lane's top, where its arrows run
_GRID_COLUMNS = 4
_GRID_BOX = 2.35
_EXCLUDED_EDGE = OKABE_ITO["vermillion"]
_MAIN_EDGE = "0.25"


@dataclass
class _Box:
    x: float
    y: float
    width: float
    height: float


def _wrap(lines: list[str], width: float) -> list[str]:
    chars = max(int((width - 2 * _PAD) / _CHAR), 10)
    out = []
    for line in lines:
        indent = len(line) - len(line.lstrip(" "))
        out += textwrap.wrap(
            line, chars, initial_indent="", subsequent_indent=" " * (indent + 2)
        ) or [""]
    return out


def _box_height(title: str | None, lines: list[str], width: float) -> float:
    n = len(_wrap(lines, width)) + (len(_wrap([title], width)) if title else 0)
    return n * _LINE + 2 * _PAD


def _draw_box(ax, x, y, width, title, lines, *, edge=_MAIN_EDGE, face="white") -> _Box:
    title_lines = _wrap([title], width) if title else []
    body = _wrap(lines, width)
    height = (len(title_lines) + len(body)) * _LINE + 2 * _PAD
    ax.add_patch(
        FancyBboxPatch(
            (x, y),
            width,
            height,
            boxstyle="round,pad=0,rounding_size=0.05",
            facecolor=face,
            edgecolor=edge,
            lw=0.9,
            gid="flow_box",
        )
    )
    if title_lines:
        ax.text(
            x + _PAD,
            y + _PAD,
            "\n".join(title_lines),
            ha="left",
            va="top",
            fontsize=_FONT,
            fontweight="bold",
            linespacing=1.32,
            gid="flow_text",
        )
    if body:
        ax.text(
            x + _PAD,
            y + _PAD + len(title_lines) * _LINE,
            "\n".join(body),
            ha="left",
            va="top",
            fontsize=_FONT,
            linespacing=1.32,
            gid="flow_text",
        )
    return _Box(x, y, width, height)


def _arrow(ax, start, end) -> None:
    ax.annotate(
        "",
        xy=end,
        xytext=start,
        arrowprops={"arrowstyle": "-|>", "color": "0.3", "lw": 0.8, "shrinkA": 0, "shrinkB": 0},
    )


def labelled(flow: Mapping, labels: Labels) -> dict:
    """``flow`` with marker and endpoint ids of its per-type counts replaced by labels."""

    def words(stats: Mapping) -> dict:
        out = dict(stats)
        for key in ("with_marker", "below_lod"):
            if key in stats:
                out[key] = {labels.marker(m): n for m, n in stats[key].items()}
        if "endpoints" in stats:
            out["endpoints"] = {labels.endpoint(e): c for e, c in stats["endpoints"].items()}
        return out

    cohorts = [
        {**c, "by_cancer_type": {t: words(s) for t, s in c.get("by_cancer_type", {}).items()}}
        for c in flow["cohorts"]
    ]
    by_type = {t: words(s) for t, s in flow["by_cancer_type"].items()}
    return {**flow, "cohorts": cohorts, "by_cancer_type": by_type}


def _reason(code: str) -> str:
    return code.replace("_", " ")


def _type_lines(stats: Mapping, k: int | None) -> list[str]:
    lines = []
    for marker, n in stats.get("with_marker", {}).items():
        below = stats.get("below_lod", {}).get(marker, 0)
        lines.append(f"{marker}: {format_count(n, k)} ({format_count(below, k)} below LOD)")
    for endpoint, counts in stats.get("endpoints", {}).items():
        lines.append(
            f"{endpoint}: {format_count(counts['n'], k)} "
            f"({format_count(counts['events'], k)} events)"
        )
    return lines


@dataclass
class _Spec:
    x: float
    dy: float  # below the lane's top
    width: float
    title: str
    lines: list[str]
    edge: str = _MAIN_EDGE

    @property
    def bottom(self) -> float:
        return self.dy + _box_height(self.title, self.lines, self.width)


def _lane(cohort: Mapping, k: int | None, max_types: int) -> dict[str, _Spec]:
    """Boxes of one cohort's lane: source records, exclusions, included, analysed."""
    tables = cohort.get("tables", {})
    name = str(cohort.get("label", cohort["cohort"]))
    if cohort.get("synthetic") and "synthetic" not in name.lower():
        name += " (synthetic)"
    specs = {
        "source": _Spec(
            _COHORT[0],
            0.0,
            _COHORT[1],
            name,
            [f"{t}: {format_count(v['records'], k)} records" for t, v in tables.items()],
        ),
        "included": _Spec(
            _INCLUDED[0],
            0.0,
            _INCLUDED[1],
            "Included",
            [f"{format_count(cohort['patients'], k)} patients"],
        ),
    }
    excluded = [
        (table, reason, n)
        for table, v in tables.items()
        for reason, n in v.get("excluded", {}).items()
    ]
    if excluded:
        several = len(tables) > 1
        specs["excluded"] = _Spec(
            _EXCLUDED[0],
            0.45,
            _EXCLUDED[1],
            f"Excluded: {format_count(sum(n for _, _, n in excluded), k)}",
            [
                f"{_reason(reason)}: {format_count(n, k)}" + (f" ({table})" if several else "")
                for table, reason, n in excluded
            ],
            _EXCLUDED_EDGE,
        )
    by_type = cohort.get("by_cancer_type", {})
    if len(by_type) <= max_types:
        lines = []
        for code, stats in by_type.items():
            lines.append(f"{code}: {format_count(stats['included'], k)} patients")
            lines += [f"  {line}" for line in _type_lines(stats, k)]
    else:
        lines = [f"{len(by_type)} cancer types: counts in the panel by cancer type below"]
    specs["analysed"] = _Spec(_ANALYSED[0], 0.0, _ANALYSED[1], "Analysed", lines)
    return specs


def _lane_height(specs: Mapping[str, _Spec]) -> float:
    return max(spec.bottom for spec in specs.values())


def _draw_lane(ax, specs: Mapping[str, _Spec], y: float) -> None:
    boxes = {
        name: _draw_box(ax, spec.x, y + spec.dy, spec.width, spec.title, spec.lines, edge=spec.edge)
        for name, spec in specs.items()
    }
    arrow_y = y + _ARROW_Y
    source, included, analysed = boxes["source"], boxes["included"], boxes["analysed"]
    _arrow(ax, (source.x + source.width, arrow_y), (included.x, arrow_y))
    _arrow(ax, (included.x + included.width, arrow_y), (analysed.x, arrow_y))
    if "excluded" in boxes:
        box = boxes["excluded"]
        middle = box.x + box.width / 2
        _arrow(ax, (middle, arrow_y), (middle, box.y))


def _type_box_lines(stats: Mapping, k: int | None) -> list[str]:
    reasons = stats.get("excluded", {})
    lines = [f"records: {format_count(stats['records'], k)}"]
    lines.append(f"excluded: {format_count(sum(reasons.values()), k)}")
    lines += [f"  {_reason(r)}: {format_count(n, k)}" for r, n in reasons.items()]
    lines.append(f"included: {format_count(stats['included'], k)} patients")
    return lines + _type_lines(stats, k)


def _grid_heights(by_type: Mapping, k: int | None) -> list[float]:
    heights = [
        _box_height("title", _type_box_lines(stats, k), _GRID_BOX) for stats in by_type.values()
    ]
    return [max(heights[i : i + _GRID_COLUMNS]) for i in range(0, len(heights), _GRID_COLUMNS)]


def plot_flow(
    flow: Mapping,
    *,
    suppress_below: int | None = None,
    title: str = "Patient flow (REMARK)",
    max_types_per_cohort: int = 3,
    labels: Labels = AS_GIVEN,
) -> Figure:
    """REMARK flow diagram: per cohort, source records, exclusions with reasons, included and
    analysed patients; then totals per cancer type.

    Parameters
    ----------
    flow : mapping
        The content of flow.json: ``cohorts`` (cohort, tables with records, included and
        excluded reasons, patients, by_cancer_type with records, included, excluded,
        with_marker, below_lod, endpoints), ``by_cancer_type`` totals, ``records``,
        ``patients``, ``excluded`` and ``reasons`` (descriptions of the reason codes).
    suppress_below : int, optional
        Print every count below this as ``<k`` (for reports shared outside the study).
        Counts that could be recovered by subtraction are not suppressed in turn.
    title : str
        Figure title.
    max_types_per_cohort : int
        A cohort with more cancer types than this lists them only in the per-type panel.

    Returns
    -------
    matplotlib.figure.Figure
        One axes labelled ``flow`` in inch coordinates; boxes are patches with gid
        ``flow_box``, their texts have gid ``flow_text``, the totals line ``flow_summary``.
    """
    for key in ("cohorts", "by_cancer_type", "records", "patients", "excluded"):
        if key not in flow:
            raise PlotDataError(f"flow.json needs the key {key!r}; found {sorted(flow)}")
    k = suppress_below
    flow = labelled(flow, labels)
    cohorts = list(flow["cohorts"])
    lanes = [_lane(cohort, k, max_types_per_cohort) for cohort in cohorts]
    lane_heights = [_lane_height(specs) + 0.3 for specs in lanes]
    grid = _grid_heights(flow["by_cancer_type"], k)
    reasons = dict(flow.get("reasons", {}))
    notes = [f"{_reason(code)}: {text}" for code, text in reasons.items()]
    note_lines = sum(len(textwrap.wrap(n, int((_WIDTH - 0.4) / _CHAR))) for n in notes)
    height = 1.1 + sum(lane_heights) + 0.35 + sum(h + 0.25 for h in grid) + note_lines * _LINE + 0.2

    with themed():
        fig = new_figure(_WIDTH, height, layout=None)
        ax = fig.add_axes((0, 0, 1, 1), label="flow")
        ax.set_xlim(0, _WIDTH)
        ax.set_ylim(height, 0)
        ax.axis("off")
        ax.text(0.2, 0.15, title, ha="left", va="top", fontsize=10, fontweight="bold")
        ax.text(
            0.2,
            0.45,
            f"{format_count(flow['records'], k)} source records from {len(cohorts)} "
            f"cohort{'s' if len(cohorts) != 1 else ''}; "
            f"{format_count(flow['excluded'], k)} excluded; "
            f"{format_count(flow['patients'], k)} patients included",
            ha="left",
            va="top",
            fontsize=8.5,
            gid="flow_summary",
        )
        for x, label in (
            (_COHORT[0], "Cohort: source records"),
            (_EXCLUDED[0], "Excluded (reason: n)"),
            (_INCLUDED[0], "Included"),
            (_ANALYSED[0], "Analysed by cancer type"),
        ):
            ax.text(x, 0.85, label, ha="left", va="top", fontsize=8, color="0.35")
        y = 1.1
        for specs, lane_height in zip(lanes, lane_heights, strict=True):
            _draw_lane(ax, specs, y)
            y += lane_height
        ax.text(
            0.2,
            y + 0.05,
            "Totals by cancer type (all cohorts)",
            ha="left",
            va="top",
            fontsize=9,
            fontweight="bold",
        )
        y += 0.35
        items = list(flow["by_cancer_type"].items())
        for row, row_height in enumerate(grid):
            for col, (code, stats) in enumerate(
                items[row * _GRID_COLUMNS : (row + 1) * _GRID_COLUMNS]
            ):
                n_cohorts = len(stats.get("cohorts", []))
                _draw_box(
                    ax,
                    0.2 + col * (_GRID_BOX + 0.2),
                    y,
                    _GRID_BOX,
                    f"{code}" + (f" ({n_cohorts} cohorts)" if n_cohorts > 1 else ""),
                    _type_box_lines(stats, k),
                    face="#F4F8FB",
                )
            y += row_height + 0.25
        if notes:
            wrapped = [
                line for n in notes for line in textwrap.wrap(n, int((_WIDTH - 0.4) / _CHAR))
            ]
            ax.text(
                0.2,
                y,
                "\n".join(wrapped),
                ha="left",
                va="top",
                fontsize=_FONT - 0.5,
                color="0.3",
                linespacing=1.32,
            )
    return fig

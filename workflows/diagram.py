"""Draw a lifecycle as an SVG state diagram, on the server, from the definition that runs it.

A page shows where a document stands and what may happen next. Drawn from the loaded `Flow`,
the picture cannot drift from the rules; drawn here with the standard library only (no script,
fonts or files to fetch), a page embeds it inline and tests read it as text.

Layout: states stand in columns by their shortest distance from the initial state, in
declaration order within a column. With that layering no transition skips a column forwards, so
every other one is a loop (above its box), a move within a column (down the column's right
side) or a move back (curved under the forward arrows to the column before, along a lane under
the boxes further back): no line is drawn through a box.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass
from xml.sax.saxutils import escape

from workflows.flow import Flow, StateSpec, TransitionSpec

FONT = "system-ui, Segoe UI, Noto Sans, PingFang SC, Microsoft YaHei, sans-serif"
STATE_SIZE, LABEL_SIZE = 13, 11
BOX_H, PAD_X, MIN_W, ROW_GAP, LOOP_STEP, MARGIN = 36.0, 14.0, 72.0, 30.0, 34.0, 12.0
INK, MUTED, ACCENT, FILL = "#374151", "#6b7280", "#1d4ed8", "#dbeafe"

Point = tuple[float, float]
Rect = tuple[float, float, float, float]


def _text_width(text: str, size: float) -> float:
    # An estimate, so no font is needed: wide (CJK) characters take about two Latin widths.
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text) * size * 0.6


def _x(text: str) -> str:
    return escape(text, {'"': "&quot;", "'": "&apos;"})


def _n(value: float) -> str:
    # One decimal keeps the output short and byte-for-byte stable.
    text = f"{value:.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def _p(point: Point) -> str:
    return f"{_n(point[0])},{_n(point[1])}"


def _toward(start: Point, end: Point, distance: float) -> Point:
    f = distance / (math.dist(start, end) or 1.0)
    return (start[0] + (end[0] - start[0]) * f, start[1] + (end[1] - start[1]) * f)


@dataclass(frozen=True)
class _Box:
    x: float
    y: float
    w: float

    @property
    def cy(self) -> float:
        return self.y + BOX_H / 2

    @property
    def right(self) -> float:
        return self.x + self.w


@dataclass(frozen=True)
class _Edge:
    """One arrow: a transition from one of its sources, and its place among its neighbours."""

    spec: TransitionSpec
    source: str
    text: str  # the trigger's label
    kind: str  # loop, forward, across (within a column), back (one column), lane (further back)
    column: int  # of a move within a column, or the one left of the gap a move crosses
    slot: int  # index among the arrows drawn side by side with this one
    count: int
    width: float  # of the label


@dataclass(frozen=True)
class _Route:
    kind: str  # the SVG path command joining the points: L (corners rounded), Q or C
    points: tuple[Point, ...]
    label: Point  # centre of the trigger's label


@dataclass(frozen=True)
class _Layout:
    layer: dict[str, int]
    boxes: dict[str, _Box]
    left: list[float]
    right: list[float]  # right edge of a column's widest box; its `reserve` follows
    reserve: list[float]  # room for the lanes of moves within the column, and their labels
    edges: list[_Edge]


def _layers(flow: Flow) -> dict[str, int]:
    layer, queue = {flow.initial: 0}, deque([flow.initial])
    while queue:
        state = queue.popleft()
        for spec in flow.transitions:
            if state in spec.sources and spec.dest not in layer:
                layer[spec.dest] = layer[state] + 1
                queue.append(spec.dest)
    # The loader refuses unreachable states; a hand-built Flow still gets them, last.
    return {s: layer.get(s, max(layer.values()) + 1) for s in flow.states}


def _edges(flow: Flow, layer: Mapping[str, int], names: Mapping[str, str]) -> list[_Edge]:
    drawn: list[tuple[TransitionSpec, str, str, str]] = []
    for spec in flow.transitions:
        for source in spec.sources:
            step = layer[spec.dest] - layer[source]
            if source == spec.dest:
                kind, key = "loop", source
            elif step:
                kind = "forward" if step > 0 else "back" if step == -1 else "lane"
                key = f"{source} {spec.dest}" if kind != "lane" else ""
            else:
                kind, key = "across", str(layer[source])
            drawn.append((spec, source, kind, f"{kind} {key}"))
    counts, seen, edges = Counter(key for *_, key in drawn), Counter[str](), []
    for spec, source, kind, key in drawn:
        text, column = names.get(spec.trigger, spec.trigger), min(layer[source], layer[spec.dest])
        width = _text_width(text, LABEL_SIZE)
        edges.append(_Edge(spec, source, text, kind, column, seen[key], counts[key], width))
        seen[key] += 1
    return edges


def _layout(flow: Flow, names: Mapping[str, str]) -> _Layout:
    layer = _layers(flow)
    edges = _edges(flow, layer, names)
    columns = [[s for s in flow.states if layer[s] == i] for i in range(max(layer.values()) + 1)]
    loops = Counter(e.source for e in edges if e.kind == "loop")
    widths = {s: _text_width(names.get(s, s), STATE_SIZE) + 2 * PAD_X for s in flow.states}
    widths = {s: max(MIN_W, LOOP_STEP * loops[s] + 12, w) for s, w in widths.items()}
    lay = _Layout(layer, {}, [], [], [], edges)
    x = 0.0
    for i, column in enumerate(columns):
        col_w = max(widths[s] for s in column)
        across = [e.width for e in edges if e.kind == "across" and e.column == i]
        gap = [e.width for e in edges if e.kind in ("forward", "back") and e.column == i]
        lay.left.append(x)
        lay.right.append(x + col_w)
        lay.reserve.append(24 + 10 * len(across) + max(across) if across else 0.0)
        tops, y = [], 0.0
        for index, state in enumerate(column):
            # A state with loops needs room above it for them and their labels.
            y += ROW_GAP + (44 + 16 * (loops[state] - 1) if loops[state] else 0) if index else 0
            tops.append(y)
            y += BOX_H
        # Columns are centred on one line, so a chain of single states is drawn straight.
        for state, top in zip(column, tops, strict=True):
            lay.boxes[state] = _Box(x + (col_w - widths[state]) / 2, top - y / 2, widths[state])
        x += col_w + lay.reserve[-1] + max(64.0, 44 + max(gap, default=0.0))
    return lay


def _bow(start: Point, end: Point, offset: float, at: float = 0.5) -> _Route:
    """A straight arrow, or one bent sideways by `offset`; its label at fraction `at` of it."""
    length = math.dist(start, end) or 1.0
    nx, ny = (start[1] - end[1]) / length, (end[0] - start[0]) / length
    bend = 2 * at * (1 - at) * offset  # how far the curve is from the chord at `at`
    chord = _toward(start, end, length * at)
    label = (chord[0] + nx * bend, chord[1] + ny * bend)
    if not offset:
        return _Route("L", (start, end), label)
    mid = ((start[0] + end[0]) / 2 + nx * offset, (start[1] + end[1]) / 2 + ny * offset)
    return _Route("Q", (start, mid, end), label)


def _route(edge: _Edge, lay: _Layout) -> _Route:
    s, d, k = lay.boxes[edge.source], lay.boxes[edge.spec.dest], edge.slot
    src, dst = lay.layer[edge.source], lay.layer[edge.spec.dest]
    if edge.kind == "loop":
        # Loops stand side by side on the top edge, their labels stepped up so none covers another.
        cx = s.x + s.w / 2 + (k - (edge.count - 1) / 2) * LOOP_STEP
        points = ((cx - 8, s.y), (cx - 20, s.y - 28), (cx + 20, s.y - 28), (cx + 8, s.y))
        return _Route("C", points, (cx, s.y - 30 - 16 * k))
    if edge.kind == "forward":
        # Parallel arrows between two states fan out around the straight one; labels sit in
        # the free part of the gap, past the lanes of moves within the source's column.
        free = (lay.right[src] + lay.reserve[src] + d.x) / 2
        at = min(0.8, max(0.2, (free - s.right) / ((d.x - s.right) or 1.0)))
        return _bow((s.right, s.cy), (d.x, d.cy), (k - (edge.count - 1) / 2) * 36, at)
    if edge.kind == "back":
        # Below the middle, so it never meets the forward arrows' ends, bending downwards (a
        # negative offset, as it runs right to left).
        return _bow((s.x, s.cy + 8), (d.right, d.cy + 8), -40 - 16 * k)
    if edge.kind == "across":
        x = lay.right[src] + 14 + 10 * k
        y0, y1 = (s.cy + 7, d.cy - 7) if d.y > s.y else (s.cy - 7, d.cy + 7)
        points = ((s.right, y0), (x, y0), (x, y1), (d.right, y1))
        return _Route("L", points, (x + 6 + edge.width / 2, (y0 + y1) / 2))
    between = [b.y for name, b in lay.boxes.items() if dst < lay.layer[name] < src]
    y = max([s.y, d.y, *between]) + BOX_H + 18 + 14 * k
    xa, xb = lay.left[src] - 14 - 8 * k, lay.right[dst] + lay.reserve[dst] + 14 + 8 * k
    y0, y1 = s.cy + 13, d.cy + 13  # below where a move back by one column ends
    lane = ((s.x, y0), (xa, y0), (xa, y), (xb, y), (xb, y1), (d.right, y1))
    return _Route("L", lane, ((xa + xb) / 2, y + 10))


def _path(route: _Route) -> str:
    *points, tip = route.points
    # The line stops short of the tip so that its end does not poke out of the arrowhead.
    points.append(_toward(tip, points[-1], min(6.0, math.dist(points[-1], tip) / 2)))
    if route.kind != "L":
        return f"M{_p(points[0])} {route.kind}{' '.join(_p(p) for p in points[1:])}"
    d = [f"M{_p(points[0])}"]
    for before, corner, after in zip(points, points[1:], points[2:], strict=False):
        a = _toward(corner, before, min(6.0, math.dist(corner, before) / 2))
        b = _toward(corner, after, min(6.0, math.dist(corner, after) / 2))
        d.append(f"L{_p(a)} Q{_p(corner)} {_p(b)}")
    return " ".join([*d, f"L{_p(points[-1])}"])


def _arrowhead(before: Point, tip: Point, colour: str) -> str:
    ux, uy = _toward((0, 0), (tip[0] - before[0], tip[1] - before[1]), 1.0)
    wing = [(tip[0] - 9 * ux + s * 4.5 * uy, tip[1] - 9 * uy - s * 4.5 * ux) for s in (1, -1)]
    return f'<polygon points="{_p(tip)} {_p(wing[0])} {_p(wing[1])}" fill="{colour}"/>'


def _place(centre: Point, width: float, taken: list[Rect], up: bool) -> Point:
    # A label steps off boxes and other labels (a loop's upwards, away from its box); the first
    # free place wins.
    x, y = centre
    for dy in (0, -16, 16, -32, 32, -48, 48) if up else (0, 16, -16, 32, -32, 48, -48):
        a = (x - width / 2 - 2, y + dy - 8, width + 4, 16.0)
        if not any(_overlap(a, b) for b in taken):
            taken.append(a)
            return (x, y + dy)
    return centre


def _overlap(a: Rect, b: Rect) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _text(at: Point, text: str, size: int, fill: str, bold: bool) -> str:
    weight = ' font-weight="bold"' if bold else ""
    halo = ' stroke="#fff" stroke-width="3" paint-order="stroke"' if size == LABEL_SIZE else ""
    return (
        f'<text x="{_n(at[0])}" y="{_n(at[1] + size * 0.35)}" font-size="{size}" fill="{fill}"'
        f' text-anchor="middle"{weight}{halo}>{_x(text)}</text>'
    )


def _edge_svg(edge: _Edge, route: _Route, at: Point, hot: bool) -> list[str]:
    spec, text, colour = edge.spec, edge.text, ACCENT if hot else MUTED
    classes = "transition" + (" allowed" if hot else "") + (" internal" if spec.internal else "")
    dash = ' stroke-dasharray="5 4"' if spec.internal else ""
    tip = f"{text}: {spec.description.strip()}" if spec.description else text
    return [
        f'<g class="{classes}" data-trigger="{_x(spec.trigger)}" data-source="{_x(edge.source)}"'
        f' data-dest="{_x(spec.dest)}">',
        f"<title>{_x(tip)}</title>",
        f'<path d="{_path(route)}" fill="none" stroke="{colour}"'
        f' stroke-width="{2 if hot else 1.3}"{dash}/>',
        _arrowhead(route.points[-2], route.points[-1], colour),
        _text(at, text, LABEL_SIZE, ACCENT if hot else INK, hot),
        "</g>",
    ]


def _state_svg(spec: StateSpec, box: _Box, text: str, current: bool, end: bool) -> list[str]:
    stroke, width, fill = (ACCENT, 3, FILL) if current else (INK, 1.5, "#fff")
    tip = f"{text}: {spec.description}" if spec.description else text
    out = [
        f'<g class="{"state current" if current else "state"}" data-state="{_x(spec.name)}">',
        f"<title>{_x(tip)}</title>",
        f'<rect x="{_n(box.x)}" y="{_n(box.y)}" width="{_n(box.w)}" height="{_n(BOX_H)}" rx="8"'
        f' fill="{fill}" stroke="{stroke}" stroke-width="{width}"/>',
    ]
    if end:  # a double border: nothing leads out of it
        out.append(
            f'<rect x="{_n(box.x + 4)}" y="{_n(box.y + 4)}" width="{_n(box.w - 8)}"'
            f' height="{_n(BOX_H - 8)}" rx="5" fill="none" stroke="{stroke}" stroke-width="1"/>'
        )
    return [*out, _text((box.x + box.w / 2, box.cy), text, STATE_SIZE, INK, current), "</g>"]


def _describe(flow: Flow, names: Mapping[str, str], current: str | None, ends: set[str]) -> str:
    def n(name: str) -> str:
        return names.get(name, name)

    marks = dict.fromkeys(ends, " (end)") | {flow.initial: " (start)"}
    states = ", ".join(n(s) + marks.get(s, "") for s in flow.states)
    moves = "; ".join(
        f"{n(t.trigger)}{' (internal)' * t.internal}: from {', '.join(map(n, t.sources))}"
        f" to {n(t.dest)}"
        for t in flow.transitions
    )
    text = f"States: {states}. Transitions: {moves}."
    if current is not None:
        allowed = ", ".join(map(n, flow.allowed_triggers(current))) or "nothing"
        text += f" Current state: {n(current)}; allowed from it: {allowed}."
    return text


def svg(
    flow: Flow,
    *,
    current: str | None = None,
    labels: Mapping[str, str] | None = None,
    title: str = "",
) -> str:
    """The lifecycle as an SVG document; `labels` translates state and trigger names.

    `current` (a state of the flow, else ValueError) is highlighted with the triggers a user may
    fire from it. The same arguments always give the same text.
    """
    names = labels or {}
    if current is not None and current not in flow.states:
        raise ValueError(f"{flow.name} has no state '{current}'")
    lay = _layout(flow, names)
    allowed = set(flow.allowed_triggers(current)) if current is not None else set()
    taken: list[Rect] = [(b.x, b.y, b.w, BOX_H) for b in lay.boxes.values()]
    points = [p for b in lay.boxes.values() for p in ((b.x, b.y), (b.right, b.y + BOX_H))]
    body: list[str] = []
    for edge in lay.edges:
        route = _route(edge, lay)
        at = _place(route.label, edge.width, taken, edge.kind == "loop")
        hot = edge.source == current and edge.spec.trigger in allowed
        body += _edge_svg(edge, route, at, hot)
        points += [*route.points, (at[0] - edge.width / 2 - 2, at[1] - 8)]
        points.append((at[0] + edge.width / 2 + 2, at[1] + 8))
    start = lay.boxes[flow.initial]
    dot = (start.x - 34, start.cy)
    points.append((dot[0] - 6, dot[1] - 6))
    body += [
        f'<g class="start"><circle cx="{_n(dot[0])}" cy="{_n(dot[1])}" r="5" fill="{INK}"/>',
        f'<path d="M{_p(dot)} L{_p((start.x - 6, start.cy))}" stroke="{INK}" stroke-width="1.5"/>',
        _arrowhead(dot, (start.x, start.cy), INK) + "</g>",
    ]
    ends = {s for s in flow.states if not any(s in t.sources for t in flow.transitions)}
    for spec in flow.state_specs:
        text, box = names.get(spec.name, spec.name), lay.boxes[spec.name]
        body += _state_svg(spec, box, text, spec.name == current, spec.name in ends)
    # The view box is the drawing's own extent, so the picture is sized to its content.
    x0, y0 = min(p[0] for p in points) - MARGIN, min(p[1] for p in points) - MARGIN
    w = math.ceil(max(p[0] for p in points) + MARGIN - x0)
    h = math.ceil(max(p[1] for p in points) + MARGIN - y0)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="{_n(x0)} {_n(y0)} {w} {h}"'
        f' width="{w}" height="{h}" font-family="{FONT}" data-machine="{_x(flow.name)}">'
    )
    desc = _describe(flow, names, current, ends)
    title_tag = f"<title>{_x(title or flow.name)}</title>"
    return "\n".join([head, title_tag, f"<desc>{_x(desc)}</desc>", *body, "</svg>\n"])

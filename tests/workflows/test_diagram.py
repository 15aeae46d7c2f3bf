"""The lifecycle diagram: a self-contained SVG drawn from the packaged workflow definitions."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from textwrap import dedent

import pytest
import yaml

from service.auth.tokens import ROLES
from workflows import DEFINITIONS_DIR, Flow, Guard, GuardContext, Refusal, load_flow, load_flows
from workflows.diagram import svg

SVG = "{http://www.w3.org/2000/svg}"
MACHINES = sorted(path.stem for path in DEFINITIONS_DIR.glob("*.yaml"))


def _allow(_ctx: GuardContext) -> Refusal | None:
    return None


def _guards() -> dict[str, dict[str, Guard]]:
    # The loader checks guard names; the picture never runs a guard, so each may allow all.
    guards: dict[str, dict[str, Guard]] = {}
    for path in DEFINITIONS_DIR.glob("*.yaml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        used = {g for t in doc["transitions"] for g in t.get("guards", [])}
        guards[path.stem] = dict.fromkeys(sorted(used), _allow)
    return guards


@pytest.fixture(scope="module")
def flows() -> dict[str, Flow]:
    return load_flows(DEFINITIONS_DIR, guards=_guards(), roles=ROLES)


def _parse(text: str) -> ET.Element:
    assert text.startswith("<svg")
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg"
    return root


def _groups(root: ET.Element, kind: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if kind in g.get("class", "").split()]


def _pairs(root: ET.Element, kind: str = "transition") -> Counter[tuple[str, str]]:
    return Counter(
        (g.get("data-source", ""), g.get("data-trigger", "")) for g in _groups(root, kind)
    )


def _box(root: ET.Element, state: str) -> ET.Element:
    (group,) = [g for g in _groups(root, "state") if g.get("data-state") == state]
    rect = group.find(f"{SVG}rect")
    assert rect is not None
    return rect


def _path(group: ET.Element) -> ET.Element:
    path = group.find(f"{SVG}path")
    assert path is not None
    return path


@pytest.mark.parametrize("machine", MACHINES)
def test_every_state_is_one_box_and_every_source_and_trigger_one_arrow(
    flows: dict[str, Flow], machine: str
) -> None:
    flow = flows[machine]
    root = _parse(svg(flow, title=f"{machine} lifecycle"))
    assert root.get("role") == "img"
    assert root.findtext(f"{SVG}title") == f"{machine} lifecycle"
    desc = root.findtext(f"{SVG}desc") or ""
    assert all(state in desc for state in flow.states)
    assert all(spec.trigger in desc for spec in flow.transitions)
    assert [g.get("data-state") for g in _groups(root, "state")] == list(flow.states)
    expected = Counter((s, spec.trigger) for spec in flow.transitions for s in spec.sources)
    assert _pairs(root) == expected
    assert len(_groups(root, "start")) == 1
    _x, _y, width, height = (float(v) for v in root.get("viewBox", "").split())
    assert (root.get("width"), root.get("height")) == (f"{width:g}", f"{height:g}")


@pytest.mark.parametrize("machine", MACHINES)
def test_the_current_state_and_the_triggers_allowed_from_it_are_highlighted(
    flows: dict[str, Flow], machine: str
) -> None:
    flow = flows[machine]
    for current in flow.states:
        root = _parse(svg(flow, current=current))
        states = _groups(root, "state")
        marked = [g.get("data-state") for g in states if g.get("class") == "state current"]
        assert marked == [current]
        assert all(g.get("class") in ("state", "state current") for g in states)
        assert _box(root, current).get("fill") != _box(root, flow.initial).get("fill") or (
            current == flow.initial
        )
        allowed = _pairs(root, "allowed")
        assert allowed == Counter((current, t) for t in flow.allowed_triggers(current))
        hot = {_path(g).get("stroke") for g in _groups(root, "allowed")}
        cold = {_path(g).get("stroke") for g in _groups(root, "transition")} - hot
        assert len(hot) <= 1 and not hot & cold


def test_the_shipped_order_offers_exactly_its_allowed_triggers(flows: dict[str, Flow]) -> None:
    root = _parse(svg(flows["order"], current="shipped"))
    assert set(_pairs(root, "allowed")) == {
        ("shipped", "post_receipt"),
        ("shipped", "record_delivery"),
    }
    current = _box(root, "shipped")
    assert float(current.get("stroke-width", "0")) > float(
        _box(root, "draft").get("stroke-width", "0")
    )


@pytest.mark.parametrize("machine", MACHINES)
def test_internal_transitions_are_dashed_and_end_states_have_a_double_border(
    flows: dict[str, Flow], machine: str
) -> None:
    flow = flows[machine]
    root = _parse(svg(flow))
    internal = {spec.trigger for spec in flow.transitions if spec.internal}
    for group in _groups(root, "transition"):
        dashed = _path(group).get("stroke-dasharray") is not None
        assert dashed == (group.get("data-trigger") in internal)
        assert ("internal" in group.get("class", "").split()) == dashed
    for group in _groups(root, "state"):
        state = group.get("data-state", "")
        end = not any(state in spec.sources for spec in flow.transitions)
        assert len(group.findall(f"{SVG}rect")) == (2 if end else 1)


def test_the_packaged_order_has_internal_transitions_to_draw(flows: dict[str, Flow]) -> None:
    root = _parse(svg(flows["order"]))
    dashed = {g.get("data-trigger") for g in _groups(root, "internal")}
    assert {"hold_for_credit", "invoice", "reopen_invoicing"} <= dashed


def test_chinese_labels_are_drawn_escaped_and_boxes_grow_with_them(
    flows: dict[str, Flow],
) -> None:
    flow = flows["order"]
    labels = {"receipted": "已签收入库 <R6>", "draft": "草稿", "post_receipt": "过账签收单 & 入库"}
    plain, translated = svg(flow, current="shipped"), svg(flow, current="shipped", labels=labels)
    assert "已签收入库 &lt;R6&gt;" in translated and "过账签收单 &amp; 入库" in translated
    root = _parse(translated)
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert {"已签收入库 <R6>", "草稿", "过账签收单 & 入库"} <= texts
    before, after = _box(_parse(plain), "receipted"), _box(root, "receipted")
    # Five CJK characters and " <R6>": about 13 px a CJK glyph at 13 px, plus the padding.
    assert float(after.get("width", "0")) > float(before.get("width", "0"))
    assert float(after.get("width", "0")) >= 5 * 13 + 5 * 8
    assert float(root.get("width", "0")) > float(_parse(plain).get("width", "0"))
    assert "草稿" in (root.findtext(f"{SVG}desc") or "")


def test_the_same_input_gives_the_same_text(flows: dict[str, Flow]) -> None:
    again = load_flows(DEFINITIONS_DIR, guards=_guards(), roles=ROLES)
    for machine, flow in flows.items():
        first = svg(flow, current=flow.initial, labels={"draft": "草稿"}, title="t")
        assert first == svg(
            again[machine], current=flow.initial, labels={"draft": "草稿"}, title="t"
        )
    assert svg(flows["order"], current="draft") != svg(flows["order"], current="shipped")


def test_text_with_markup_is_escaped_and_nothing_is_fetched(flows: dict[str, Flow]) -> None:
    title = "Order <script>&\"'</script>"
    labels = {"approve": "a<b>&c", "approved": "x\"y'z"}
    text = svg(flows["order"], current="approved", labels=labels, title=title)
    assert "<script" not in text and "a<b>" not in text
    assert "a&lt;b&gt;&amp;c" in text and "x&quot;y&apos;z" in text
    root = _parse(text)
    assert root.findtext(f"{SVG}title") == title
    assert {"a<b>&c", "x\"y'z"} <= {t.text for t in root.iter(f"{SVG}text")}
    assert not re.search(r"href|url\(|@import|<style|<image|<foreignObject", text)


def test_an_unknown_current_state_is_refused(flows: dict[str, Flow]) -> None:
    with pytest.raises(ValueError, match="no state 'lost'"):
        svg(flows["order"], current="lost")


LOOPY = """\
machine: loopy
initial: new
states: [new, review, done, archived]
transitions:
  - {trigger: edit, source: new, dest: new, roles: [sales]}
  - {trigger: note, source: new, dest: new, roles: [hq]}
  - {trigger: submit, source: new, dest: review, roles: [sales]}
  - {trigger: send_back, source: review, dest: new, roles: [hq]}
  - {trigger: approve, source: review, dest: done, roles: [hq]}
  - {trigger: reopen, source: done, dest: new, roles: [hq]}
  - {trigger: archive, source: [review, done], dest: archived, roles: [admin], internal: true}
"""


def _numbers(path: ET.Element) -> list[tuple[float, float]]:
    values = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", path.get("d", ""))]
    return list(zip(values[::2], values[1::2], strict=True))


def test_loops_and_moves_back_are_drawn_clear_of_the_boxes(tmp_path: Path) -> None:
    path = tmp_path / "loopy.yaml"
    path.write_text(dedent(LOOPY))
    flow = load_flow(path, guards={}, roles=ROLES)
    root = _parse(svg(flow, current="new"))
    assert _pairs(root) == Counter(
        (s, spec.trigger) for spec in flow.transitions for s in spec.sources
    )
    assert set(_pairs(root, "allowed")) == {("new", "edit"), ("new", "note"), ("new", "submit")}
    arrows = {(g.get("data-source"), g.get("data-trigger")): g for g in _groups(root, "transition")}
    top = {s: float(_box(root, s).get("y", "0")) for s in flow.states}
    bottom = {s: top[s] + float(_box(root, s).get("height", "0")) for s in flow.states}
    for trigger in ("edit", "note"):
        loop = _path(arrows["new", trigger])
        assert " C" in loop.get("d", "")
        assert all(y <= top["new"] for _x, y in _numbers(loop))
    # Back from the third column to the first: along a lane under its ends and the box between.
    lane = _numbers(_path(arrows["done", "reopen"]))
    assert max(y for _x, y in lane) > max(bottom["new"], bottom["review"], bottom["done"])
    for state in flow.states:
        left = float(_box(root, state).get("x", "0"))
        right = left + float(_box(root, state).get("width", "0"))
        assert not any(left < x < right and top[state] < y < bottom[state] for x, y in lane)
    # Back by one column: bent downwards, below the straight line between its ends.
    back = _numbers(_path(arrows["review", "send_back"]))
    assert back[1][1] > max(back[0][1], back[-1][1])
    assert _path(arrows["done", "archive"]).get("stroke-dasharray") is not None

"""Pages of logistics: the shipment and the delivery report from the order's page (R5, R7), the
signed receipt checked and posted with its scan (R6, R8), its printout, and the carriers' board
(R7).

Over HTTP, on both databases, as a browser sends the forms (see `tests.pages`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from service.carriers.queries import report_deadline
from service.journal import Event
from service.receipts.models import Receipt
from service.workdays import CalendarGap
from tests.flows import Flows
from tests.pages import Form, Person, forms_of, text_of
from tests.support import png_bytes, unique
from tests.test_scheduler import delivered_order, run

People = Callable[..., Person]
PNG = "image/png"


def _receipt_form(order_id: int) -> tuple[str, str]:
    """The receipt form's page and where it posts."""
    return f"/web/orders/{order_id}/receipt", f"/web/orders/{order_id}/receipt/form"


def _form_to(html: str, action: str) -> Form:
    return next(f for f in forms_of(html) if f.action == action)


def _error_of(html: str, name: str) -> str:
    """The refusal shown next to the input `name` (the text of its field-error)."""
    found = re.search(
        rf'name="{re.escape(name)}"[^>]*>\s*<span class="field-error"[^>]*>([^<]*)</span>', html
    )
    assert found, f"no refusal next to {name}"
    return found.group(1)


def _value_of(html: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert found, f"no input {name}"
    return found.group(1)


def _board_row(html: str, carrier: str) -> list[int]:
    """The numbers of a carrier's row on the board: receipts, late, being chased."""
    row = re.search(rf">{re.escape(carrier)}</a></td>(.*?)</tr>", html, re.S)
    assert row, f"{carrier} is not on the board"
    return [int(n) for n in re.findall(r'<td class="num">(?:<strong>)?(\d+)', row.group(1))]


def _judged_on(signed: date) -> None:
    """Skip when the working-day calendar cannot judge a receipt signed on `signed` (R7)."""
    try:
        report_deadline(signed)
    except CalendarGap:
        pytest.skip("the working-day calendar does not know the days after the signature yet")


def _count(flows: Flows, model: Any, order_id: int) -> int:
    with flows.backend.db.read() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(model).where(model.order_id == order_id)
            )
            or 0
        )


def _posted_receipts(flows: Flows, order_id: int) -> int:
    """Journal events of posting the order's receipt."""
    with flows.backend.db.read() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Event)
                .where(Event.entity_type == "order", Event.entity_id == order_id)
                .where(Event.trigger == "post_receipt")
            )
            or 0
        )


def _receipt_fill(flows: Flows, **more: str) -> dict[str, str]:
    return {
        "receipt_no": unique("RK"),
        "receipt_date": str(flows.today - timedelta(days=1)),
        **more,
    }


def test_r5_logistics_records_the_shipment_and_the_delivery_from_the_orders_page(
    flows: Flows, person: People
) -> None:
    order = flows.approved_order()
    logistics = person("logistics")
    page = f"/web/orders/{order['id']}"
    shown = logistics.page(page)
    assert f'href="{page}/ship"' in shown  # the shipment panel offers it
    shipped_on = str(flows.today - timedelta(days=2))
    done = logistics.submit(
        f"{page}/ship",
        f"{page}/shipment/record",
        {
            "warehouse_kind": "internal",
            "source_warehouse": "WX-central",
            "carrier": "Slow Freight",
            "waybill_no": "WB-1",
            "shipped_on": shipped_on,
            "lines[1].quantity": "3",
        },
    )
    assert done.status_code == 303, text_of(done.text)
    assert done.headers["location"] == f"{page}?done=shipments.done.ship"
    shipment = flows.logistics.get(f"/orders/{order['id']}/shipment").json()
    assert [(ln["line_no"], ln["shipped_qty"]) for ln in shipment["lines"]] == [(1, 10), (2, 3)]
    assert (shipment["carrier"], shipment["warehouse_kind"]) == ("Slow Freight", "internal")
    assert flows.order(order["id"])["state"] == "shipped"
    panel = text_of(logistics.page(done.headers["location"]))
    assert "The shipment is recorded." in panel
    assert shipment["shipment_no"] in panel and "Slow Freight" in panel and shipped_on in panel
    assert "Internal warehouse (third-party carrier)" in panel
    # The carrier reports the signature: from the panel's own form.
    reported = logistics.submit(
        page, f"{page}/shipment/delivery", {"delivered_on": str(flows.today - timedelta(days=1))}
    )
    assert reported.status_code == 303
    delivered = flows.logistics.get(f"/orders/{order['id']}/shipment").json()["delivered_on"]
    assert delivered == str(flows.today - timedelta(days=1))


def test_r5_a_refused_shipment_shows_the_reason_next_to_the_field_and_ships_nothing(
    flows: Flows, person: People
) -> None:
    order = flows.approved_order()
    page = f"/web/orders/{order['id']}"
    future = str(flows.today + timedelta(days=3))
    for locale, words in (("en", "is in the future"), ("zh", "晚于今天")):
        logistics = person("logistics", locale=locale)
        refused = logistics.submit(
            f"{page}/ship",
            f"{page}/shipment/record",
            {
                "warehouse_kind": "external",
                "source_warehouse": "WX",
                "carrier": "SF",
                "shipped_on": future,
            },
        )
        assert refused.status_code == 422
        assert words in _error_of(refused.text, "shipped_on")
        assert _value_of(refused.text, "shipped_on") == future
        assert 'value="external" selected' in refused.text
    assert flows.order(order["id"])["state"] == "approved"


def test_r6_r8_a_receipt_with_a_shortage_and_a_substitution_is_checked_then_posted(
    flows: Flows, person: People
) -> None:
    order = flows.shipped_order()
    ordered, substitute = flows.world.items[0], flows.world.items[1]
    other = flows.world.items[2]
    logistics = person("logistics")
    page, action = _receipt_form(order["id"])
    assert f'href="{page}"' in logistics.page(f"/web/orders/{order['id']}")  # the panel's link
    form = logistics.page(page)
    # Filled in with what was shipped: received = shipped until changed.
    assert _value_of(form, "lines[0].received_qty") == "10"
    assert _value_of(form, "lines[1].received_qty") == "5"
    fill = _receipt_fill(
        flows, **{"lines[0].received_qty": "7", "lines[1].item_code": other, "step": "check"}
    )
    checked = logistics.submit(
        page, action, fill, files={"file": ("签收单.png", png_bytes(unique("scan")), PNG)}
    )
    assert checked.status_code == 200, text_of(checked.text)
    assert '<tr class="shortage"' in checked.text
    assert '<tr class="substitution"' in checked.text
    words = text_of(checked.text)
    assert "Line 1: 3 short — 7 received of 10 shipped." in words
    assert f"Line 2: 5 of {other} received instead of {substitute}." in words
    assert "Scan attached: 签收单.png" in words
    # Checking books nothing.
    assert flows.order(order["id"])["state"] == "shipped"
    assert _posted_receipts(flows, order["id"]) == 0
    posted = logistics.send(_form_to(checked.text, action), {"step": "post"})
    assert posted.status_code == 303, text_of(posted.text)
    assert posted.headers["location"] == f"/web/orders/{order['id']}?done=receipts.done.post"
    assert flows.order(order["id"])["state"] == "receipted"
    receipt = flows.finance.get(f"/orders/{order['id']}/receipt").json()
    assert receipt["receipt_no"] == fill["receipt_no"]
    assert receipt["receipt_date"] == fill["receipt_date"]
    assert receipt["lines"] == [
        {
            "line_no": 1,
            "ordered_item_code": ordered,
            "received_item_code": ordered,
            "received_qty": 7,
        },
        {
            "line_no": 2,
            "ordered_item_code": substitute,
            "received_item_code": other,
            "received_qty": 5,
        },
    ]
    assert [(e["kind"], e["line_no"], e["quantity"]) for e in receipt["exceptions"]] == [
        ("shortage", 1, 3),
        ("substitution", 2, 5),
    ]
    # The order's page shows the receipt with its exceptions.
    panel = text_of(logistics.page(posted.headers["location"]))
    assert "The signed receipt is posted." in panel
    assert "Receipt exceptions" in panel and "Shortage" in panel and "Substitution" in panel
    assert fill["receipt_no"] in panel


def test_r6_a_refused_field_is_shown_next_to_it_in_the_readers_language_keeping_what_was_typed(
    flows: Flows, person: People
) -> None:
    order = flows.shipped_order()
    page, action = _receipt_form(order["id"])
    for locale, words in (
        ("en", "received 99 exceeds the 10 shipped on line 1"),
        ("zh", "第 1 行实收数 99 超过发货数 10"),
    ):
        logistics = person("logistics", locale=locale)
        fill = _receipt_fill(flows, **{"lines[0].received_qty": "99", "step": "post"})
        refused = logistics.submit(
            page, action, fill, files={"file": ("scan.png", png_bytes(unique("s")), PNG)}
        )
        assert refused.status_code == 422
        assert words in _error_of(refused.text, "lines[0].received_qty")
        assert _value_of(refused.text, "lines[0].received_qty") == "99"
        assert _value_of(refused.text, "receipt_no") == fill["receipt_no"]
        assert 'class="field-error"' in refused.text and "receipts." not in text_of(refused.text)
    # An unknown model and a date in the future, each next to its own input.
    logistics = person("logistics", locale="zh")
    unknown = logistics.submit(
        page,
        action,
        _receipt_fill(flows, **{"lines[1].item_code": "NO-SUCH-MODEL", "step": "check"}),
    )
    assert unknown.status_code == 422
    assert "商品 NO-SUCH-MODEL 不存在" in _error_of(unknown.text, "lines[1].item_code")
    future = str(flows.today + timedelta(days=1))
    late = logistics.submit(
        page,
        action,
        _receipt_fill(flows, receipt_date=future, step="post", **{"lines[1].received_qty": "6"}),
        files={"file": ("scan.png", png_bytes(unique("s")), PNG)},
    )
    assert late.status_code == 422
    assert "晚于今天" in _error_of(late.text, "receipt_date")
    assert _value_of(late.text, "receipt_date") == future
    # Every field at fault is shown at once, not one per post.
    assert "第 2 行实收数 6 超过发货数 5" in _error_of(late.text, "lines[1].received_qty")
    assert flows.order(order["id"])["state"] == "shipped"
    assert _count(flows, Receipt, order["id"]) == 0


def test_r6_the_check_finds_what_posting_would_refuse_not_only_the_quantities(
    flows: Flows, person: People
) -> None:
    # Logistics checks before posting: a receipt number already posted for the customer and a
    # date before the shipment are shown by the check, next to their inputs, all at once.
    posted = flows.receipted_order()
    order = flows.shipped_order()  # shipped three days ago
    shipped_on = str(flows.today - timedelta(days=3))
    page, action = _receipt_form(order["id"])
    logistics = person("logistics")
    before = str(flows.today - timedelta(days=4))
    checked = logistics.submit(
        page,
        action,
        _receipt_fill(flows, receipt_no=posted["receipt_no"], receipt_date=before, step="check"),
        files={"file": ("scan.png", png_bytes(unique("s")), PNG)},
    )
    assert checked.status_code == 422
    assert posted["receipt_no"] in _error_of(checked.text, "receipt_no")
    assert "already posted" in _error_of(checked.text, "receipt_no")
    assert shipped_on in _error_of(checked.text, "receipt_date")
    assert _count(flows, Receipt, order["id"]) == 0
    # A new number, signed after the shipment: nothing to say of either.
    fine = logistics.submit(page, action, _receipt_fill(flows, step="check"))
    for name in ("receipt_no", "receipt_date"):
        assert not re.search(rf'name="{name}"[^>]*>\s*<span class="field-error"', fine.text)


def test_r6_a_receipt_sent_twice_books_once(flows: Flows, person: People) -> None:
    order = flows.shipped_order()
    logistics = person("logistics")
    page, action = _receipt_form(order["id"])
    form = logistics.form(page, action)
    fill = _receipt_fill(flows, step="post")
    scan = {"file": ("scan.png", png_bytes(unique("scan")), PNG)}
    first = logistics.send(form, fill, files=scan)
    again = logistics.send(form, fill, files=scan)  # a double click, or the form sent again
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert _count(flows, Receipt, order["id"]) == 1
    assert _posted_receipts(flows, order["id"]) == 1


def test_r8_the_scan_is_stored_with_the_receipt_and_kept_when_a_post_is_refused(
    flows: Flows, person: People
) -> None:
    order = flows.shipped_order()
    logistics = person("logistics")
    page, action = _receipt_form(order["id"])
    content = png_bytes(unique("scan"))
    fill = _receipt_fill(flows, **{"lines[0].received_qty": "11", "step": "post"})
    refused = logistics.submit(page, action, fill, files={"file": ("rk.png", content, PNG)})
    assert refused.status_code == 422
    # The scan is kept by the form (a file input cannot keep it): no need to choose it again.
    kept = _form_to(refused.text, action)
    assert any(name == "evidence[0]" for name, _ in kept.fields)
    posted = logistics.send(kept, {"lines[0].received_qty": "10", "step": "post"})
    assert posted.status_code == 303, text_of(posted.text)
    receipt = flows.finance.get(f"/orders/{order['id']}/receipt").json()
    [scan] = receipt["evidence"]
    assert scan["filename"] == "rk.png" and scan["content_type"] == PNG
    assert flows.finance.get(f"/attachments/{scan['id']}/content").content == content
    # The order's page links the scan to the page that shows it.
    link = f"/web/attachments/{scan['id']}"
    assert f'href="{link}"' in logistics.page(f"/web/orders/{order['id']}")
    assert "rk.png" in text_of(person("finance").page(link))


def test_r6_a_scan_that_is_not_a_scan_is_refused_next_to_the_file_input(
    flows: Flows, person: People
) -> None:
    order = flows.shipped_order()
    page, action = _receipt_form(order["id"])
    refused = person("logistics").submit(
        page,
        action,
        _receipt_fill(flows, step="post"),
        files={"file": ("x.txt", b"hi", "text/plain")},
    )
    assert refused.status_code == 422
    assert "text/plain is not accepted" in _error_of(refused.text, "file")
    assert _count(flows, Receipt, order["id"]) == 0


def test_r8_the_printed_receipt_shows_its_lines_exceptions_and_signature_lines(
    flows: Flows, person: People
) -> None:
    order = flows.receipted_order(
        received=[
            {"line_no": 1, "received_qty": 8},
            {"line_no": 2, "received_qty": 5, "item_code": flows.world.items[3]},
        ]
    )
    receipt = flows.finance.get(f"/orders/{order['id']}/receipt").json()
    logistics = person("logistics")
    assert f'href="/web/receipts/{receipt["id"]}/print"' in logistics.page(
        f"/web/orders/{order['id']}"
    )
    for who, words in (
        (person("finance"), ("Shortage", "Substitution", "Received by (customer)")),
        (person("hq", locale="zh"), ("短少", "换型", "收货人（客户）")),
    ):
        printed = who.page(f"/web/receipts/{receipt['id']}/print")
        assert 'class="printout"' in printed and 'class="signatures"' in printed
        shown = text_of(printed)
        assert order["receipt_no"] in shown and flows.world.items[3] in shown
        assert all(w in shown for w in words), shown
        assert f'href="/web/orders/{order["id"]}"' in printed
    assert person("finance").get("/web/receipts/2147483647/print").status_code == 404


def test_r7_the_carrier_board_lists_a_receipt_reported_late(flows: Flows, person: People) -> None:
    today = flows.today
    carrier = unique("Slow")
    order = flows.approved_order(order_date=str(today - timedelta(days=30)))
    shipped = flows.ship(order["id"], carrier=carrier, shipped_on=str(today - timedelta(days=25)))
    assert shipped.status_code == 201, shipped.text
    signed = today - timedelta(days=20)
    _judged_on(signed)
    body = flows.receipt_body(order, receipt_date=str(signed))
    receipt = flows.post_receipt(order["id"], body).json()
    assert receipt["reported_late"] is True  # reported today, weeks after the signature
    since = str(signed)
    for who in (person("logistics"), person("finance", locale="zh")):
        board = who.page(f"/web/carriers?since={since}&until={today}")
        assert _board_row(board, carrier) == [1, 1, 0]
        assert f'href="/web/orders/{order["id"]}"' in board
        assert body["receipt_no"] in text_of(board)
    # One carrier's late receipts; the link from the board's row.
    logistics = person("logistics")
    one = logistics.page(f"/web/carriers?since={since}&until={today}&carrier={carrier}")
    assert body["receipt_no"] in text_of(one)
    others = logistics.page(f"/web/carriers?since={since}&until={today}&carrier=No-Such-Carrier")
    assert body["receipt_no"] not in text_of(others)
    # Without a period the board shows the last 90 days.
    assert body["receipt_no"] in text_of(logistics.page("/web/carriers"))
    assert 'href="/web/carriers"' in logistics.page("/web")  # in the menu


def test_r7_the_board_counts_the_deliveries_being_chased_and_links_their_tasks(
    flows: Flows, person: People
) -> None:
    today = flows.today
    carrier = unique("Chased")
    _judged_on(today - timedelta(days=20))
    order = delivered_order(
        flows,
        ordered=today - timedelta(days=30),
        shipped=today - timedelta(days=25),
        delivered=today - timedelta(days=20),
        carrier=carrier,
    )
    run(flows, f"{today}T08:00")  # R7's job chases the carrier: a task for logistics
    logistics = person("logistics")
    board = logistics.page("/web/carriers")
    assert _board_row(board, carrier) == [0, 0, 1]
    tasks = "/web/tasks?kind=carrier_receipt_overdue"
    assert f'href="{tasks}"' in board
    assert order["company_order_no"] in text_of(logistics.page(tasks))
    # The chase is logistics' work: finance sees the carrier's receipts, not the chase.
    finance = person("finance").page("/web/carriers")
    assert tasks not in finance
    assert carrier not in finance


def test_other_roles_are_refused_the_logistics_forms_and_see_no_button_for_them(
    flows: Flows, person: People
) -> None:
    approved = flows.approved_order()
    shipped = flows.shipped_order()
    finance = person("finance")
    page = f"/web/orders/{approved['id']}"
    shown = finance.page(page)
    assert f"{page}/ship" not in shown and "/shipment/record" not in shown
    shipped_page = finance.page(f"/web/orders/{shipped['id']}")
    assert f"/web/orders/{shipped['id']}/post_receipt" not in shipped_page
    assert f"/web/orders/{shipped['id']}/receipt" not in shipped_page
    assert "/receipt/form" not in shipped_page
    assert "/shipment/delivery" not in shipped_page
    csrf = dict(forms_of(shown)[0].fields)["csrf"]  # finance's own form token
    for path, data in (
        (f"{page}/shipment/record", {"warehouse_kind": "external", "carrier": "SF"}),
        (f"/web/orders/{shipped['id']}/shipment/delivery", {"delivered_on": str(flows.today)}),
        (f"/web/orders/{shipped['id']}/receipt/form", {"receipt_no": "RK-1", "step": "post"}),
    ):
        refused = finance.http.post(path, data={"csrf": csrf, "form_key": unique("k"), **data})
        assert refused.status_code == 403, path
        assert "this needs one of the roles: logistics" in text_of(refused.text).lower()
    for path in (
        f"{page}/ship",
        f"/web/orders/{shipped['id']}/receipt",
        f"/web/orders/{shipped['id']}/post_receipt",
    ):
        assert finance.get(path).status_code == 403
    assert flows.order(approved["id"])["state"] == "approved"
    assert flows.order(shipped["id"])["state"] == "shipped"


def test_bad_query_parameters_and_paths_are_refused_not_failed(person: People) -> None:
    logistics = person("logistics")
    refused = logistics.get("/web/carriers", since="2026-02-30", until="")
    assert refused.status_code == 422
    assert _value_of(refused.text, "since") == "2026-02-30"
    assert _error_of(refused.text, "since")
    reversed_period = logistics.get("/web/carriers", since="2026-06-01", until="2026-05-01")
    assert reversed_period.status_code == 422
    assert "after its end" in _error_of(reversed_period.text, "until")
    for params in (
        {"since": "1"},
        {"since": "x" * 11},
        {"before": "0"},
        {"before": str(2**31)},
        {"carrier": "x" * 101},
    ):
        assert logistics.get("/web/carriers", **params).status_code == 422, params
    for path in (
        "/web/orders/0/post_receipt",
        "/web/orders/2147483648/ship",
        "/web/receipts/abc/print",
    ):
        assert logistics.get(path).status_code == 422, path
    assert logistics.get("/web/orders/2147483647/post_receipt").status_code == 404
    assert logistics.get("/web/orders/2147483647/ship").status_code == 404

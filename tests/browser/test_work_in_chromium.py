"""Logistics and finance doing their main work in Chromium (issue: pages for people), and a page
of another role refused.

Each test logs in through the form as the role that does the task and clicks, types and chooses
files as a person would; the API confirms what was booked. Each saves one screenshot of where
the work ends into `screenshots/`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from playwright.sync_api import FilePayload, Locator, Page, expect

from tests.browser.conftest import SCREENSHOTS, Visit
from tests.flows import Flows
from tests.support import png_bytes, unique, unique_fapiao
from tests.test_invoice_exceptions import as_invoiced, book, booked_line

Open = Callable[..., Visit]
PNG = "image/png"


def _photograph(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _scan(name: str, mime_type: str = PNG) -> FilePayload:
    """A file as the file chooser gives it (a small PNG unless told otherwise)."""
    content = png_bytes(unique(name)) if mime_type == PNG else b"%PDF-1.4 " + name.encode()
    return FilePayload(name=name, mimeType=mime_type, buffer=content)


def _open_receipt_form(page: Page, order_id: int, number: str) -> None:
    """From the menu's orders awaiting their receipt, searched by the company's order number,
    to the order's page and on to its receipt form."""
    page.click("nav a[href='/web/orders?state=shipped']")
    page.fill("form[role=search] input[name=q]", number)
    page.click("form[role=search] button")
    page.click(f"a[href='/web/orders/{order_id}']")
    expect(page.locator("h1 .state")).to_have_text("Shipped")
    page.click(f"#receipt a[href='/web/orders/{order_id}/receipt']")


def _fill(form: Locator, values: dict[str, str]) -> None:
    for name, value in values.items():
        form.locator(f"[name='{name}']").fill(value)


def test_r8_logistics_posts_a_receipt_with_a_shortage_and_a_substitution_in_chromium(
    visit: Open, flows: Flows
) -> None:
    order = flows.shipped_order()
    number = order["company_order_no"]
    assert number
    ordered, substitute = flows.world.items[0], flows.world.items[1]
    other = flows.world.items[2]
    receipt_no, signed = unique("RK"), str(flows.today - timedelta(days=1))
    tab = visit("logistics")
    page = tab.page
    _open_receipt_form(page, order["id"], number)
    form = page.locator("#receipt-form")
    # Filled in with what was shipped; seven of ten came, and another model on line 2.
    expect(form.locator("input[name='lines[0].received_qty']")).to_have_value("10")
    expect(form.locator("input[name='lines[1].received_qty']")).to_have_value("5")
    _fill(
        form,
        {
            "receipt_no": receipt_no,
            "receipt_date": signed,
            "lines[0].received_qty": "7",
            "lines[1].item_code": other,
        },
    )
    form.locator("input[name=file]").set_input_files(_scan("签收单.png"))
    rows = form.locator("#receipt-lines tbody tr")
    # The rows are marked as they are typed...
    expect(rows.nth(0)).to_have_class("shortage")
    expect(rows.nth(1)).to_have_class("substitution")
    # ...and the check says what the posting will record, booking nothing.
    form.locator("button[name=step][value=check]").click()
    check = page.locator("#check")
    expect(check.locator("p.shortage")).to_have_text("Line 1: 3 short — 7 received of 10 shipped.")
    expect(check.locator("p.substitution")).to_have_text(
        f"Line 2: 5 of {other} received instead of {substitute}."
    )
    expect(rows.nth(0)).to_have_class("shortage")
    expect(rows.nth(1)).to_have_class("substitution")
    expect(form).to_contain_text("Scan attached: 签收单.png")  # no need to choose it again
    expect(form.locator("input[name=receipt_no]")).to_have_value(receipt_no)
    assert flows.order(order["id"])["state"] == "shipped"
    form.locator("button[name=step][value=post]").click()
    # The order's page with the receipt and its exceptions.
    expect(page.locator(".notice")).to_have_text("The signed receipt is posted.")
    assert page.url.endswith(f"/web/orders/{order['id']}?done=receipts.done.post")
    expect(page.locator("h1 .state")).to_have_text("Receipted")
    panel = page.locator("#receipt")
    expect(panel).to_contain_text(receipt_no)
    expect(panel.locator("a[href^='/web/attachments/']")).to_have_text("签收单.png")
    expect(panel.locator("tr.shortage")).to_contain_text("Shortage")
    expect(panel.locator("tr.substitution").last).to_contain_text("Substitution")
    _photograph(page, "receipt-posted-logistics-en")
    receipt = flows.finance.get(f"/orders/{order['id']}/receipt").json()
    assert (receipt["receipt_no"], receipt["receipt_date"]) == (receipt_no, signed)
    assert [(e["kind"], e["line_no"], e["quantity"]) for e in receipt["exceptions"]] == [
        ("shortage", 1, 3),
        ("substitution", 2, 5),
    ]
    assert [(ln["received_item_code"], ln["received_qty"]) for ln in receipt["lines"]] == [
        (ordered, 7),
        (other, 5),
    ]
    assert [scan["filename"] for scan in receipt["evidence"]] == ["签收单.png"]
    # The printout opens from the panel.
    panel.locator(f"a[href='/web/receipts/{receipt['id']}/print']").click()
    printout = page.locator(".printout")
    expect(printout).to_contain_text(receipt_no)
    expect(printout).to_contain_text("Shortage")
    expect(printout).to_contain_text("Received by (customer)")
    assert tab.errors == []


def test_r15_r18_finance_resolves_an_invoice_exception_with_evidence_in_chromium(
    visit: Open, flows: Flows
) -> None:
    # R15: the customer booked 8 of the 10 invoiced; the rules decide a return and reissue
    # once copies of the signed receipt and of the original invoice are attached.
    world = flows.world
    invoice = flows.issued_invoice(flows.receipted_order()["id"])
    eight = booked_line(world.items[0], 8, world.prices[world.items[0]])
    [exc] = book(flows, invoice, as_invoiced(world, l0=eight))
    assert (exc["kind"], exc["resolution"]) == ("quantity_over_invoiced", "reissue")
    tab = visit("finance", locale="zh")
    page = tab.page
    _open_from_the_queue(page, exc, invoice["invoice_no"], world.customer)
    # The rules' decision as stored: rule set, version, rule, the values they saw.
    expect(page.locator("h1")).to_contain_text(f"发票差异 {exc['id']}")
    expect(page.locator("h1 .state")).to_have_text("待处理")
    decision = page.locator("section.card", has=page.locator("h3", has_text="规则看到的数据"))
    expect(decision).to_contain_text("invoice_exception · 版本 1")
    expect(decision.locator("code")).to_have_text(["r15-over-invoiced"])
    expect(decision).to_contain_text("退回重开")
    expect(decision.locator("h3 + table tbody tr").first).to_be_visible()
    expect(page.locator(".notice")).to_contain_text("尚缺： 签收单复印件; 原发票复印件")
    confirm = page.locator(f"form[action='/web/exceptions/{exc['id']}/confirm']")
    # The evidence the rules ask for, one scan each.
    _attach(page, exc["id"], "signed_receipt_copy", _scan("签收单复印件.png"))
    _attach(page, exc["id"], "original_invoice_copy", _scan("原发票.pdf", "application/pdf"))
    files = page.locator("a[href^='/web/attachments/']")
    expect(files).to_have_text(["签收单复印件.png", "原发票.pdf"])
    expect(page.locator("p.notice", has_text="尚缺")).to_have_count(0)
    note = "签收单和原发票复印件已存档"
    confirm.locator("textarea[name=note]").fill(note)
    confirm.locator("button").click()
    # The new state, the resolution and who confirmed it, and the history.
    expect(page.locator("p.notice[role=status]")).to_have_text("处理方案已确认并执行。")
    expect(page.locator("h1 .state")).to_have_text("已处理")
    username = tab.site.people["finance"]
    resolution = page.locator("section.card", has=page.locator("a", has_text="查看发票"))
    expect(resolution).to_contain_text("退回重开")
    expect(resolution).to_contain_text(username)
    history = page.locator("section.card", has=page.locator("h2", has_text="历史记录"))
    confirmed = history.locator("tbody tr", has_text="确认")
    expect(confirmed).to_contain_text(username)
    expect(confirmed).to_contain_text("待处理 → 已处理")
    expect(history.locator("tbody tr", has_text="附上证据")).to_have_count(2)
    expect(page.locator(f"form[action='/web/exceptions/{exc['id']}/confirm']")).to_have_count(0)
    _photograph(page, "exception-resolved-finance-zh")
    _assert_reissued(flows, exc["id"], username)
    assert tab.errors == []


def _open_from_the_queue(page: Page, exc: dict[str, Any], invoice_no: str, customer: str) -> None:
    """The menu's queue, filtered by kind and customer, to the exception's page."""
    page.click("nav a[href='/web/exceptions']")
    search = page.locator("form[role=search]")
    search.locator("select[name=kind]").select_option(exc["kind"])
    search.locator("input[name=customer]").fill(customer)
    search.locator("button").click()
    link = f"a[href='/web/exceptions/{exc['id']}']"
    row = page.locator("tr", has=page.locator(link))
    expect(row).to_contain_text("开票数量多于实收（R15）")
    expect(row).to_contain_text(invoice_no)
    row.locator(link).click()


def _attach(page: Page, exception_id: int, kind: str, scan: FilePayload) -> None:
    form = page.locator(f"form[action='/web/exceptions/{exception_id}/evidence']")
    form.locator("select[name=kind]").select_option(kind)
    form.locator("input[name=file]").set_input_files(scan)
    form.locator("button").click()
    expect(page.locator("p.notice[role=status]")).to_have_text("证明材料已附上。")


def _assert_reissued(flows: Flows, exception_id: int, username: str) -> None:
    """R15 carried out and R18 recorded: the rule's resolution, its evidence, who confirmed."""
    done = flows.finance.get(f"/invoice-exceptions/{exception_id}").json()
    assert (done["state"], done["resolution"]) == ("resolved", "reissue")
    assert done["decision"]["rules"] == ["r15-over-invoiced"]
    assert done["confirmed_by"] == username
    assert sorted(e["kind"] for e in done["evidence"]) == [
        "original_invoice_copy",
        "signed_receipt_copy",
    ]
    assert done["result"]["red_letter_form_id"] and done["result"]["corrected_invoice_id"]


def _send(page: Page, action: str, fields: dict[str, str]) -> int:
    """Send a form to `action` from this tab, as a form of another person's page would."""
    with page.expect_navigation() as navigation:
        page.evaluate(
            """([action, fields]) => {
                const form = document.createElement("form");
                form.method = "post";
                form.action = action;
                for (const [name, value] of Object.entries(fields)) {
                    const input = document.createElement("input");
                    input.type = "hidden";
                    input.name = name;
                    input.value = value;
                    form.appendChild(input);
                }
                document.body.appendChild(form);
                form.submit();
            }""",
            [action, fields],
        )
    response = navigation.value
    return response.status if response else 0


def _refused_at(tab: Visit, path: str) -> str:
    """What Chromium logs for a document answered with 403 (not an error of the page)."""
    return (
        "console: Failed to load resource: the server responded with a status of 403 "
        f"(Forbidden) at {tab.site.url}{path}"
    )


def test_a_page_of_another_role_is_refused_in_chromium(visit: Open, flows: Flows) -> None:
    # Every invoice and exception page may be read by anyone signed in; their steps are
    # finance's. The receipt form is logistics' page.
    shipped = flows.shipped_order()
    invoice = flows.invoice(flows.receipted_order()["id"])
    receipt_form = f"/web/orders/{shipped['id']}/receipt"

    # Finance, in Chinese, opens logistics' receipt form from its address.
    finance = visit("finance", locale="zh")
    response = finance.page.goto(receipt_form)
    assert response is not None and response.status == 403
    expect(finance.page.locator("h1")).to_have_text("无权操作")
    expect(finance.page.locator(".problem")).to_contain_text("此操作需要以下角色之一：logistics")
    _photograph(finance.page, "refused-finance-zh")
    finance.page.click("a[href='/web']")  # back home from the refusal
    nav = finance.page.locator("nav")
    expect(nav.locator("a[href='/web/orders?state=shipped']")).to_have_count(0)
    finance.page.goto(f"/web/orders/{shipped['id']}")
    expect(finance.page.locator(f"a[href='{receipt_form}']")).to_have_count(0)

    # Logistics, in English: the invoice's page offers no step of finance, and finance's step
    # sent from logistics' tab (a form finance's page shows) is refused.
    logistics = visit("logistics")
    page = f"/web/invoices/{invoice['id']}"
    logistics.page.goto(page)
    expect(logistics.page.locator("h1")).to_contain_text(invoice["invoice_no"])
    for step in ("issue", "booking", "discard"):
        expect(logistics.page.locator(f"form[action='{page}/{step}']")).to_have_count(0)
    csrf = logistics.page.locator("form[action='/logout'] input[name=csrf]").input_value()
    status = _send(
        logistics.page,
        f"{page}/issue",
        {
            "csrf": csrf,
            "form_key": unique("key"),
            "fapiao_no": unique_fapiao(),
            "fapiao_date": str(flows.today),
        },
    )
    assert status == 403
    expect(logistics.page.locator("h1")).to_have_text("Forbidden")
    expect(logistics.page.locator(".problem")).to_contain_text(
        "this needs one of the roles: finance"
    )
    assert flows.finance.get(f"/invoices/{invoice['id']}").json()["state"] == "draft"
    # Chromium reports the refused document's status on the console; nothing else is logged.
    assert finance.errors == [_refused_at(finance, receipt_form)]
    assert logistics.errors == [_refused_at(logistics, f"{page}/issue")]

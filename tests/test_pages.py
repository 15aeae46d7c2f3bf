"""Pages: logging in, sessions and their form tokens, the language, and the orders' pages.

Over HTTP, on both databases, as a browser sends it (see `tests.pages`); the browser tests drive
the same pages in Chromium.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from service.auth import passwords, tokens
from service.journal import Event
from service.orders.models import Order
from tests.flows import Flows
from tests.pages import PASSWORD, Person, forms_of, text_of
from tests.support import Backend, unique
from tests.test_credit import held_order

People = Callable[..., Person]


def test_pages_need_a_login_and_come_back_after_it(
    backend: Backend, people: dict[str, str]
) -> None:
    with Person(backend.url, people["hq"]) as hq:
        answer = hq.get("/web/orders", q="PO-1")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/login?next=/web/orders%3Fq%3DPO-1"
        login = hq.submit(
            answer.headers["location"],
            "/login",
            {"username": people["hq"], "password": PASSWORD},
        )
        assert login.status_code == 303
        assert login.headers["location"] == "/web/orders?q=PO-1"
        cookie = next(c for c in login.headers.get_list("set-cookie") if "o2c_session=" in c)
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
        assert "Orders" in text_of(hq.page("/web/orders?q=PO-1"))


def test_a_page_that_does_not_exist_is_a_404_page_also_before_logging_in(
    backend: Backend, people: dict[str, str]
) -> None:
    with Person(backend.url, people["hq"]) as hq:
        # Before logging in (a bare page) and after it (with the menu).
        for _ in range(2):
            missing = hq.http.get("/web/login", headers={"accept": "text/html"})
            assert missing.status_code == 404
            assert "nothing is served at /web/login" in text_of(missing.text)
            hq.login()


def test_the_session_cookie_is_secure_behind_tls(backend: Backend, people: dict[str, str]) -> None:
    with Person(backend.url, people["hq"]) as hq:
        hq.http.headers["x-forwarded-proto"] = "https"
        login = hq.login()
        cookie = next(c for c in login.headers.get_list("set-cookie") if "o2c_session=" in c)
        assert "Secure" in cookie


def test_a_login_is_only_taken_from_the_login_form(
    backend: Backend, people: dict[str, str]
) -> None:
    with Person(backend.url, people["hq"]) as hq:
        forged = hq.http.post("/login", data={"username": people["hq"], "password": PASSWORD})
        assert forged.status_code == 403
        assert "out of date" in text_of(forged.text)
        assert hq.get("/web").status_code == 303


def test_login_goes_only_to_pages_of_this_service(backend: Backend, people: dict[str, str]) -> None:
    for elsewhere in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        with Person(backend.url, people["hq"]) as hq:
            login = hq.submit(
                "/login",
                "/login",
                {"username": people["hq"], "password": PASSWORD, "next": elsewhere},
            )
            assert login.headers["location"] == "/web"


def test_a_wrong_password_is_refused_in_the_readers_language(
    backend: Backend, people: dict[str, str]
) -> None:
    for locale, words in (("en", "wrong user name or password"), ("zh", "用户名或密码错误")):
        with Person(backend.url, people["finance"], locale=locale) as someone:
            answer = someone.login("not the password")
            assert answer.status_code == 401
            assert "set-cookie" not in answer.headers or "o2c_session" not in answer.headers.get(
                "set-cookie", ""
            )
            assert words in text_of(answer.text).lower()
            # What was typed is kept: the name, never the password.
            form = forms_of(answer.text)[0]
            assert ("username", people["finance"]) in form.fields
            assert ("password", "") in form.fields or all(k != "password" for k, _ in form.fields)
            assert someone.get("/web").status_code == 303


def test_repeated_failures_lock_the_name_for_a_while(backend: Backend) -> None:
    username = unique("lock")
    with backend.db.write() as session:
        tokens.create_user(session, username=username, roles=["finance"])
        passwords.set_password(session, username=username, password=PASSWORD)
    with Person(backend.url, username) as someone:
        for _ in range(passwords.MAX_FAILURES):
            assert someone.login("wrong wrong wrong").status_code == 401
        locked = someone.login(PASSWORD)  # even the right password, while locked
        assert locked.status_code == 403
        assert "too many failed attempts" in text_of(locked.text).lower()
        assert someone.get("/web").status_code == 303


def test_a_form_without_the_sessions_token_changes_nothing(flows: Flows, person: People) -> None:
    order = flows.create_order()
    hq = person("hq")
    form = hq.form(f"/web/orders/{order['id']}", f"/web/orders/{order['id']}/approve")
    forged = hq.send(form, {"csrf": "forged"})
    assert forged.status_code == 403
    missing = hq.http.post(f"/web/orders/{order['id']}/approve", data={"form_key": "k"})
    assert missing.status_code == 403
    assert flows.order(order["id"])["state"] == "draft"


def test_logging_out_ends_the_session(person: People) -> None:
    hq = person("hq")
    cookie = hq.http.cookies.get("o2c_session")
    assert hq.submit("/web", "/logout").status_code == 303
    assert hq.get("/web").status_code == 303
    hq.http.cookies.set("o2c_session", cookie or "")  # the old cookie is worth nothing now
    assert hq.get("/web").status_code == 303


def test_the_language_follows_the_browser_until_chosen(
    backend: Backend, people: dict[str, str]
) -> None:
    with Person(backend.url, people["hq"]) as hq:
        hq.http.cookies.clear()
        hq.login()
        hq.http.headers["accept-language"] = "zh-CN,zh;q=0.9"
        assert "订单" in text_of(hq.page("/web/orders"))
        chosen = hq.get("/lang/en", next="/web/orders")
        assert chosen.status_code == 303 and chosen.headers["location"] == "/web/orders"
        assert "Orders" in text_of(hq.page("/web/orders"))
        assert "订单" not in text_of(hq.page("/web/orders"))


def test_r1_hq_approves_an_order_once_however_often_the_form_is_sent(
    flows: Flows, person: People
) -> None:
    order = flows.create_order()
    hq = person("hq")
    page = f"/web/orders/{order['id']}"
    assert "Draft" in text_of(hq.page(page))
    form = hq.form(page, f"{page}/approve")
    first = hq.send(form)
    again = hq.send(form)  # a double click: the same form key
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    approved = flows.order(order["id"])
    assert approved["state"] == "approved"
    shown = text_of(hq.page(first.headers["location"]))
    assert "The order is approved." in shown
    assert approved["company_order_no"] in shown
    with flows.backend.db.read() as session:
        approvals = session.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.entity_id == order["id"], Event.entity_type == "order")
            .where(Event.trigger == "approve")
        )
    assert approvals == 1
    # The history says who did it and which rule decided.
    assert "credit_release v1" in shown  # the rule set that let it through


def test_r30_finance_releases_a_credit_hold_with_its_reason_and_sees_the_decision(
    flows: Flows, person: People
) -> None:
    order = held_order(flows)
    finance = person("finance")
    page = f"/web/orders/{order['id']}"
    shown = text_of(finance.page(page))
    assert "On credit hold" in shown
    assert "order amount plus open receivables exceeds the credit limit" in shown
    assert "over-credit-limit" in shown
    done = finance.submit(page, f"{page}/release_credit", {"reason": "paid in advance"})
    assert done.status_code == 303
    assert flows.order(order["id"])["state"] == "approved"
    assert "credit hold is released" in text_of(finance.page(done.headers["location"]))


def test_a_refused_field_is_shown_next_to_it_in_the_readers_language(
    flows: Flows, person: People
) -> None:
    order = held_order(flows)
    page = f"/web/orders/{order['id']}"
    for locale, words in (("en", "is required"), ("zh", "必填")):
        finance = person("finance", locale=locale)
        refused = finance.submit(page, f"{page}/reject_credit", {"reason": "   "})
        assert refused.status_code == 422
        assert 'aria-invalid="true"' in refused.text
        errors = refused.text.split('class="field-error"', 1)[1]
        assert words in errors.split("</span>", 1)[0]
    assert flows.order(order["id"])["state"] == "on_credit_hold"


def test_a_page_of_another_role_is_refused(flows: Flows, person: People) -> None:
    order = flows.create_order()
    logistics = person("logistics")
    page = f"/web/orders/{order['id']}"
    shown = logistics.page(page)
    assert f"{page}/approve" not in shown  # no button for what they may not do
    hq_form = person("hq").form(page, f"{page}/approve")
    refused = logistics.http.post(
        f"{page}/approve",
        data={
            "csrf": next(v for k, v in forms_of(shown)[0].fields if k == "csrf"),
            "form_key": dict(hq_form.fields)["form_key"],
        },
    )
    assert refused.status_code == 403
    assert "this needs one of the roles: hq" in text_of(refused.text).lower()
    assert 'href="/web/orders"' in refused.text  # the refusal keeps the menu: one click on
    assert flows.order(order["id"])["state"] == "draft"


def test_logistics_finds_an_order_by_company_order_po_or_receipt_number(
    flows: Flows, person: People
) -> None:
    order = flows.receipted_order()
    logistics = person("logistics")
    with flows.backend.db.read() as session:
        numbers = session.execute(
            select(Order.company_order_no, Order.customer_po_no).where(Order.id == order["id"])
        ).one()
    receipt_no = order["receipt_no"]
    for q in (*numbers, receipt_no):
        found = logistics.page(f"/web/orders?q={q}")
        assert f'href="/web/orders/{order["id"]}"' in found, q
    nothing = text_of(logistics.page("/web/orders?q=NO-SUCH-NUMBER"))
    assert "Nothing here." in nothing

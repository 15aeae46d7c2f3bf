"""Benchmark: returns and red-letter forms over HTTP, against reading a customer's invoice list.

Run with `python bench/bench_returns.py [--invoices N] [--customers N] [--returns N]
[--rounds N] [--database-url URL]`. A fresh SQLite file (or, with `--database-url`, a temporary
database on that PostgreSQL server, created and dropped) is migrated and seeded set-based with N
shipped orders (bench/seed.py) spread over `--customers` customers (bench/seed_returns.py); the
real app (`service.app.create_app`) runs under uvicorn in a thread of this process. One order of
each customer is receipted, invoiced and issued through the API, and its rows are copied to the
customer's other orders (N issued blue invoices in all); one return of the first customer is
requested, approved, received and given its method through the API and copied to `--returns` of
its other invoices. An approval report and a return receipt scan are uploaded once. Then, on one
keep-alive connection, after a short warm-up, `--rounds` rounds, each in another order:

- request: POST /returns (sales), one piece of line 2 of a fresh blue invoice of the first
  customer;
- return: that request, then /approve (hq), /receipt (logistics), /method (finance), the whole
  path of one return (the sum of the four);
- form: POST /red-letter-forms (finance) for a fresh blue invoice of the second customer;
- red-letter: that form, /skip-confirmation and /red-invoice (the sum of the three);
- uncredited: GET /returns/uncredited?customer=<first>&after=<a key>&limit=50;
- list: GET /returns?customer=<first>&before=<a key>&limit=50;
- baseline: GET /invoices?customer_code=<first>&limit=50, a plain authenticated read.

Every fifth round also (untimed) asks for a form exceeding what its blue line still holds
(refused: `red_letter_form.exceeds_remaining`) and takes the rest with a second form and red
invoice (the blue invoice is then voided). Every answer is checked: status, states, the rows and
order of each page; afterwards, for every blue invoice touched, the red lines per blue line must
not take back more than its quantity and amount, nor the returns more than its quantity. It
prints median and p95 of each and its ratio to the baseline; a wrong answer exits non-zero.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bench.bench_pages import serving
from bench.bench_receipts_http import database_for
from bench.seed import png, seed
from bench.seed_returns import Numbers, add_customers, clone_invoices, clone_returns, spread
from service.auth import tokens
from service.clock import business_date
from service.db import Database
from service.invoices.models import Invoice, InvoiceLine
from service.migrate import upgrade
from service.returns.models import Return, ReturnLine
from service.settings import load_settings

PAGE = 50
ROLES = ("sales", "hq", "finance")
WARMUP = 5


class Wrong(Exception):
    """An answer that is not what it must be."""


# --- HTTP, one keep-alive connection --------------------------------------------------------


@dataclass
class Client:
    http: HTTPConnection
    tokens: dict[str, str]

    def call(
        self,
        role: str,
        method: str,
        path: str,
        body: Any = None,
        *,
        files: tuple[str, bytes] | None = None,
    ) -> tuple[int, Any, float]:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        data: bytes | None = None
        if files is not None:
            boundary = "benchreturnsboundary"
            name, content = files
            data = (
                (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                    f'filename="{name}"\r\nContent-Type: image/png\r\n\r\n'
                ).encode()
                + content
                + f"\r\n--{boundary}--\r\n".encode()
            )
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        self.http.request(method, path, body=data, headers=headers)
        response = self.http.getresponse()
        raw = response.read()
        elapsed = time.perf_counter() - started
        try:
            answer = json.loads(raw) if raw else None
        except ValueError:
            answer = raw[:300]
        return response.status, answer, elapsed

    def expect(
        self, status: int, role: str, method: str, path: str, body: Any = None, **kw: Any
    ) -> tuple[Any, float]:
        got, answer, elapsed = self.call(role, method, path, body, **kw)
        if got != status:
            raise Wrong(f"{method} {path}: {got}, expected {status}: {str(answer)[:300]}")
        return answer, elapsed


def want(condition: bool, what: str) -> None:
    if not condition:
        raise Wrong(what)


# --- the world ------------------------------------------------------------------------------


@dataclass
class World:
    today: date
    codes: list[str]
    invoices: dict[str, list[int]]  # per customer, its issued blue invoices, oldest first
    seeded_returns: list[int]  # the first customer's returns copied from the template
    report_id: int = 0
    scan_id: int = 0
    return_states: list[str] = field(default_factory=list)  # after each step, from the template


def users(db: Database) -> dict[str, str]:
    made = {}
    with db.write() as session:
        for role in ROLES:
            tokens.create_user(session, username=f"bench-{role}", roles=[role])
            made[role] = tokens.issue_token(session, username=f"bench-{role}", name="bench")
    return made


def receipted_and_issued(client: Client, order_id: int, today: date, scan: int) -> dict[str, Any]:
    """Post the receipt of `order_id` in full, invoice and issue it, through the API."""
    order, _ = client.expect(200, "finance", "GET", f"/orders/{order_id}")
    body = {
        "receipt_no": Numbers.receipt(order_id),
        "receipt_date": str(today - timedelta(days=1)),
        "lines": [{"line_no": x["line_no"], "received_qty": x["quantity"]} for x in order["lines"]],
        "evidence": [scan],
    }
    client.expect(201, "logistics", "POST", f"/orders/{order_id}/receipt", body)
    invoice, _ = client.expect(201, "finance", "POST", "/invoices", {"order_id": order_id})
    issued, _ = client.expect(
        200,
        "finance",
        "POST",
        f"/invoices/{invoice['id']}/issue",
        {"fapiao_no": Numbers.fapiao(invoice["id"]), "fapiao_date": str(today)},
    )
    want(issued["state"] == "issued", f"invoice {invoice['id']} is {issued['state']}")
    return dict(issued)


def upload(client: Client, role: str, seed_text: str) -> int:
    answer, _ = client.expect(
        201, role, "POST", "/attachments", files=(f"{seed_text}.png", png(seed_text))
    )
    return int(answer["id"])


def prepare(db: Database, args: argparse.Namespace, client: Client) -> World:
    """Drive one order per customer and one return through the API; copy them set-based."""
    url = str(db.engine.url)
    today = business_date(load_settings(database_url=url).tz)
    started = time.perf_counter()
    seeded = seed(db, args.invoices, today=today)
    codes = add_customers(db, args.customers, today=today)
    blocks = spread(db, [o.id for o in seeded.orders], codes)
    client.tokens.update(users(db))
    client.tokens["logistics"] = seeded.token
    print(f"seeded {args.invoices:,} shipped orders in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    scan = upload(client, "logistics", "bench-receipt-scan")
    invoices: dict[str, list[int]] = {}
    templates = {
        code: receipted_and_issued(client, block[0], today, scan) for code, block in blocks.items()
    }
    for code, block in blocks.items():
        made = clone_invoices(db, block[0], block)
        invoices[code] = [templates[code]["id"], *(made[o] for o in block[1:])]
    print(
        f"issued {args.invoices:,} blue invoices of {len(codes)} customers in "
        f"{time.perf_counter() - started:.1f} s ({len(codes)} through the API, copied)"
    )
    client.http.close()  # idle past the server's keep-alive while copying: reconnect
    world = World(today, codes, invoices, [])
    world.report_id = upload(client, "hq", "bench-approval-report")
    world.scan_id = upload(client, "logistics", "bench-return-scan")
    # The template return: one piece of line 1, defective, on the first customer's first invoice.
    started = time.perf_counter()
    first = invoices[codes[0]]
    body = {
        "order_id": templates[codes[0]]["order_id"],
        "invoice_id": first[0],
        "reason": "defective",
        "note": "bench: customer found faults",
        "lines": [{"line_no": 1, "quantity": 1}],
    }
    ret, _ = client.expect(201, "sales", "POST", "/returns", body)
    states = [ret["state"]]
    path = f"/returns/{ret['id']}"
    done, _ = client.expect(
        200,
        "hq",
        "POST",
        f"{path}/approve",
        {"approval_report_id": world.report_id, "note": "agreed"},
    )
    states.append(done["state"])
    done, _ = client.expect(
        200,
        "logistics",
        "POST",
        f"{path}/receipt",
        {
            "receipt_no": f"THRK-{ret['id']}",
            "received_on": str(today - timedelta(days=1)),
            "scan_id": world.scan_id,
            "lines": [{"line_no": 1, "received_qty": 1}],
        },
    )
    states.append(done["state"])
    done, _ = client.expect(200, "finance", "POST", f"{path}/method", {"reason": ""})
    states.append(done["state"])
    world.return_states = states
    copies = clone_returns(db, int(ret["id"]), first[1 : args.returns + 1])
    world.seeded_returns = [int(ret["id"]), *copies]
    client.http.close()
    print(
        f"{len(world.seeded_returns):,} returns of {codes[0]} ({' → '.join(states)}) in "
        f"{time.perf_counter() - started:.1f} s (one through the API, copied)",
        flush=True,
    )
    return world


# --- one return, one red-letter form --------------------------------------------------------


class Returns:
    """The whole path of one return, step by step; checks each answer."""

    def __init__(self, client: Client, world: World) -> None:
        self.client, self.world = client, world

    def request(self, invoice_id: int, order_id: int) -> tuple[dict[str, Any], float]:
        body = {
            "order_id": order_id,
            "invoice_id": invoice_id,
            "reason": "defective",
            "note": "bench: customer found faults",
            "lines": [{"line_no": 2, "quantity": 1}],
        }
        ret, spent = self.client.expect(201, "sales", "POST", "/returns", body)
        want(ret["state"] == self.world.return_states[0], f"return requested: {ret['state']}")
        want(len(ret["lines"]) == 1 and ret["lines"][0]["quantity"] == 1, "return lines")
        return ret, spent

    def rest(self, ret: dict[str, Any]) -> float:
        states = self.world.return_states
        path = f"/returns/{ret['id']}"
        body: dict[str, Any] = {
            "approval_report_id": self.world.report_id,
            "note": "agreed with the buyer",
        }
        approved, a = self.client.expect(200, "hq", "POST", f"{path}/approve", body)
        want(approved["state"] == states[1], f"return approved: {approved['state']}")
        body = {
            "receipt_no": f"THRK-B-{ret['id']}",
            "received_on": str(self.world.today - timedelta(days=1)),
            "scan_id": self.world.scan_id,
            "lines": [
                {"line_no": x["line_no"], "received_qty": x["quantity"]} for x in ret["lines"]
            ],
        }
        received, b = self.client.expect(200, "logistics", "POST", f"{path}/receipt", body)
        want(received["state"] == states[2], f"return received: {received['state']}")
        chosen, c = self.client.expect(200, "finance", "POST", f"{path}/method", {"reason": ""})
        want(chosen["state"] == states[3], f"return method: {chosen['state']}")
        want(chosen["credit_method"] == "red_letter", f"method {chosen['credit_method']}")
        return a + b + c


def form_body(invoice: dict[str, Any], taken: list[tuple[int, int]]) -> dict[str, Any]:
    return {
        "invoice_id": invoice["id"],
        "reason": "sales_return",
        "lines": [{"blue_line_id": invoice["lines"][i]["id"], "quantity": q} for i, q in taken],
    }


class RedLetter:
    def __init__(self, client: Client, world: World) -> None:
        self.client, self.world = client, world
        self.fapiao = 0

    def form(self, invoice: dict[str, Any], taken: list[tuple[int, int]]) -> tuple[int, float]:
        made, spent = self.client.expect(
            201, "finance", "POST", "/red-letter-forms", form_body(invoice, taken)
        )
        want(made["state"] == "entered", f"form {made['id']}: {made['state']}")
        return int(made["id"]), spent

    def rest(self, form_id: int, invoice: dict[str, Any]) -> float:
        path = f"/red-letter-forms/{form_id}"
        skipped, a = self.client.expect(200, "finance", "POST", f"{path}/skip-confirmation")
        want(skipped["state"] == "no_confirmation_needed", f"form: {skipped['state']}")
        self.fapiao += 1
        body = {"fapiao_no": f"7{self.fapiao:019d}", "fapiao_date": str(self.world.today)}
        red, b = self.client.expect(201, "finance", "POST", f"{path}/red-invoice", body)
        want(
            red["kind"] == "red"
            and red["state"] == "issued"
            and red["original_id"] == invoice["id"],
            f"red invoice: {red['kind']} {red['state']} of {red['original_id']}",
        )
        want(all(line["quantity"] < 0 for line in red["lines"]), "red invoice lines not negative")
        return a + b

    def exceeding(self, invoice: dict[str, Any], taken: list[tuple[int, int]]) -> None:
        got, answer, _ = self.client.call(
            "finance", "POST", "/red-letter-forms", form_body(invoice, taken)
        )
        code = answer.get("code") if isinstance(answer, dict) else None
        want(
            got in (409, 422) and code == "red_letter_form.exceeds_remaining",
            f"a form over what is left: {got} {code}",
        )


# --- timing ---------------------------------------------------------------------------------


@dataclass
class Timing:
    name: str
    what: str
    latencies: list[float] = field(default_factory=list)

    def median(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else math.nan

    def p95(self) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return math.nan
        return ordered[max(0, math.ceil(len(ordered) * 0.95) - 1)] * 1000


def page_check(answer: Any, expected: list[int], key: str, what: str) -> None:
    found = [int(row[key]) for row in answer]
    want(found == expected, f"{what}: {found[:3]}… expected {expected[:3]}… ({len(found)} rows)")


def operations() -> list[Timing]:
    return [
        Timing("request", "POST /returns"),
        Timing("return", "request→approve→receipt→method"),
        Timing("form", "POST /red-letter-forms"),
        Timing("red-letter", "form→skip-confirmation→red-invoice"),
        Timing("uncredited", f"GET /returns/uncredited ?after= limit={PAGE}"),
        Timing("list", f"GET /returns ?before= limit={PAGE}"),
        Timing("baseline", f"GET /invoices ?customer_code= limit={PAGE}"),
    ]


def orders_of(db: Database, invoices: list[int]) -> dict[int, int]:
    with db.read() as session:
        found = {
            int(i): int(o)
            for i, o in session.execute(
                select(Invoice.id, Invoice.order_id).where(Invoice.id.in_(invoices))
            )
        }
    if len(found) != len(invoices):
        raise Wrong(f"{len(found)} of {len(invoices)} invoices found")
    return found


def measure(client: Client, world: World, db: Database, args: argparse.Namespace) -> list[Timing]:
    timings = {t.name: t for t in operations()}
    first, second = world.codes[0], world.codes[1]
    order_of = orders_of(db, world.invoices[first])
    seeded = sorted(world.seeded_returns)
    newest_invoices = world.invoices[first][::-1][:PAGE]
    returns, red = Returns(client, world), RedLetter(client, world)
    customer = f"customer={first}&limit={PAGE}"

    def one_return(n: int, timed: bool) -> None:
        invoice = world.invoices[first][1 + n]
        ret, spent = returns.request(invoice, order_of[invoice])
        rest = returns.rest(ret)
        if timed:
            timings["request"].latencies.append(spent)
            timings["return"].latencies.append(spent + rest)

    def one_form(n: int, timed: bool) -> None:
        invoice, _ = client.expect(200, "finance", "GET", f"/invoices/{world.invoices[second][n]}")
        want(invoice["state"] == "issued" and invoice["kind"] == "blue", "a blue invoice to red")
        form_id, spent = red.form(invoice, [(0, 3), (1, 2)])
        rest = red.rest(form_id, invoice)
        if timed:
            timings["form"].latencies.append(spent)
            timings["red-letter"].latencies.append(spent + rest)
        if n % 5 == 0:  # more than is left is refused; the rest voids the blue invoice
            red.exceeding(invoice, [(1, 4)])
            red.rest(red.form(invoice, [(0, 7), (1, 3)])[0], invoice)
            after, _ = client.expect(200, "finance", "GET", f"/invoices/{invoice['id']}")
            want(after["reversed_by_id"] is not None, f"invoice {invoice['id']} not reversed")

    def uncredited(n: int, timed: bool) -> None:
        j = (n * 7919) % (len(seeded) - PAGE)
        answer, spent = client.expect(
            200, "finance", "GET", f"/returns/uncredited?{customer}&after={seeded[j]}"
        )
        page_check(answer, seeded[j + 1 : j + 1 + PAGE], "return_id", "uncredited")
        want(all(r["customer_code"] == first for r in answer), "uncredited: another customer")
        if timed:
            timings["uncredited"].latencies.append(spent)

    def listed(n: int, timed: bool) -> None:
        j = PAGE + (n * 7919) % (len(seeded) - PAGE)
        answer, spent = client.expect(
            200, "finance", "GET", f"/returns?{customer}&before={seeded[j]}"
        )
        page_check(answer, seeded[j - PAGE : j][::-1], "id", "returns")
        if timed:
            timings["list"].latencies.append(spent)

    def baseline(n: int, timed: bool) -> None:
        answer, spent = client.expect(
            200, "finance", "GET", f"/invoices?customer_code={first}&limit={PAGE}"
        )
        page_check(answer, newest_invoices, "id", "invoices")
        if timed:
            timings["baseline"].latencies.append(spent)

    steps = [one_return, one_form, uncredited, listed, baseline]
    for n in range(WARMUP + args.rounds):
        timed = n >= WARMUP
        for step in steps[n % len(steps) :] + steps[: n % len(steps)]:
            step(n, timed)
    return list(timings.values())


def over_credited(db: Database, world: World, rounds: int) -> list[str]:
    """Blue lines of the invoices touched whose red lines or returns take back more than they
    hold (quantity or amount)."""
    touched = world.invoices[world.codes[0]][: max(rounds, len(world.seeded_returns)) + 1]
    touched += world.invoices[world.codes[1]][:rounds]
    wrong: list[str] = []
    red = InvoiceLine.__table__.alias("red")
    with db.read() as session:
        lines = {
            row.id: row
            for row in session.execute(
                select(InvoiceLine.id, InvoiceLine.quantity, InvoiceLine.amount).where(
                    InvoiceLine.invoice_id.in_(touched)
                )
            )
        }
        taken = session.execute(
            select(red.c.reverses_line_id, func.sum(red.c.quantity), func.sum(red.c.amount))
            .join(Invoice, Invoice.id == red.c.invoice_id)
            .where(Invoice.kind == "red", red.c.reverses_line_id.in_(list(lines)))
            .group_by(red.c.reverses_line_id)
        ).all()
        returned = session.execute(
            select(ReturnLine.invoice_line_id, func.sum(ReturnLine.quantity))
            .join(Return, Return.id == ReturnLine.return_id)
            .where(
                Return.state.not_in(("rejected", "cancelled")),
                ReturnLine.invoice_line_id.in_(list(lines)),
            )
            .group_by(ReturnLine.invoice_line_id)
        ).all()
    credited = 0
    for line_id, quantity, amount in taken:
        credited += 1
        blue = lines[line_id]
        if -quantity > blue.quantity or -Decimal(amount) > blue.amount:
            wrong.append(
                f"blue line {line_id}: red {quantity} {amount} of {blue.quantity} {blue.amount}"
            )
    for line_id, quantity in returned:
        if quantity > lines[line_id].quantity:
            wrong.append(
                f"blue line {line_id}: returns take {quantity} of {lines[line_id].quantity}"
            )
    if credited == 0 or not returned:
        wrong.append("no red line or return found on the invoices touched")
    return wrong


def report(timings: list[Timing]) -> None:
    base = next(t for t in timings if t.name == "baseline").median()
    print(f"{'':<11} {'what':<44} {'n':>4} {'median':>10} {'p95':>10} {'/baseline':>9}")
    for t in timings:
        print(
            f"{t.name:<11} {t.what:<44} {len(t.latencies):>4} {t.median():>7.1f} ms "
            f"{t.p95():>7.1f} ms {t.median() / base:>9.2f}"
        )


def run(database: AbstractContextManager[str], args: argparse.Namespace) -> bool:
    with database as url:
        db = Database(url)
        try:
            upgrade(db)
            with serving(url) as port:
                http = HTTPConnection("127.0.0.1", port, timeout=120)
                client = Client(http, {})
                try:
                    world = prepare(db, args, client)
                    print(
                        f"{args.invoices:,} blue invoices on {make_url(url).get_backend_name()}; "
                        f"{WARMUP} warm-up and {args.rounds} timed rounds, one connection",
                        flush=True,
                    )
                    started = time.perf_counter()
                    timings = measure(client, world, db, args)
                    print(f"measured in {time.perf_counter() - started:.1f} s")
                except Wrong as refused:
                    print(f"WRONG ANSWER: {refused}")
                    return False
                finally:
                    http.close()
            report(timings)
            wrong = over_credited(db, world, WARMUP + args.rounds)
        finally:
            db.dispose()
    for line in wrong[:10]:
        print(f"OVER-CREDITED: {line}")
    if not wrong:
        print("no blue line over-credited (red lines and returns per blue line checked)")
    return not wrong


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=20_000, help="blue invoices (20,000)")
    parser.add_argument("--customers", type=int, default=20, help="customers (20)")
    parser.add_argument("--returns", type=int, default=500, help="returns seeded (500)")
    parser.add_argument("--rounds", type=int, default=150, help="timed rounds (150)")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server (admin connection) to run on instead of a SQLite file: a "
        "temporary database is created there and dropped",
    )
    args = parser.parse_args()
    per = args.invoices // max(1, args.customers)
    if args.customers < 2:
        parser.error("--customers must be at least 2")
    if args.returns < 2 * PAGE or args.returns >= per:
        parser.error(f"--returns must be from {2 * PAGE} to {per - 1} (invoices per customer)")
    if args.rounds < 1 or WARMUP + args.rounds >= per:
        parser.error(f"--rounds must be from 1 to {per - WARMUP - 1}")
    with tempfile.TemporaryDirectory(prefix="o2c-bench-returns-") as tmp:
        database = database_for(parser, args.database_url, tmp, "returns.sqlite3")
        if database is None:
            return 1
        right = run(database, args)
    if not right:
        print("WRONG ANSWERS: see above")
    return 0 if right else 1


if __name__ == "__main__":
    sys.exit(main())

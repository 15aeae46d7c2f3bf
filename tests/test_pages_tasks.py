"""Pages: the task board and a task's page (README "Tasks", R7), as people of each role see them.

Over HTTP, on both databases, as a browser sends it (see `tests.pages`): the scheduler raises the
tasks, people find them on their board, take them and close them with a note from the page.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from service.db import utcnow
from service.journal import Event
from service.scheduler.models import Task
from service.scheduler.tasks import NewTask, raise_tasks
from tests.flows import Flows
from tests.pages import Person, forms_of, make_people, text_of
from tests.support import Backend, World, make_world
from tests.test_scheduler import carrier_tasks, delivered_order, run

People = Callable[..., Person]
TASK_LINK = re.compile(r'href="/web/tasks/(\d+)"')
NEXT_PAGE = re.compile(r'<p class="pager"><a href="([^"]+)"')


@pytest.fixture
def world(backend: Backend) -> World:
    # Contracts valid from the start of 2026, so the fixed calendar dates below are in force.
    today = date.today()
    return make_world(backend.db, today=today, contract_days=((date(2026, 1, 1) - today).days, 400))


def chase_task(flows: Flows) -> dict[str, Any]:
    """A delivery whose signed receipt is two working days late, and the task R7 raises for
    logistics when the scheduler runs."""
    order = delivered_order(
        flows, ordered=date(2026, 11, 9), shipped=date(2026, 11, 12), delivered=date(2026, 11, 13)
    )
    run(flows, "2026-11-18T08:00")
    [task] = carrier_tasks(flows, order["id"])
    return task


def raise_probe_tasks(
    backend: Backend, kind: str, due: list[datetime], owner_role: str = "logistics"
) -> list[int]:
    """Tasks of a kind of their own (so a test can count them), raised as the scheduler does."""
    runtime = backend.runtime
    with runtime.db.write() as session:
        return raise_tasks(
            session,
            runtime.workflows,
            [
                NewTask(
                    kind=kind,
                    subject_type="shipment",
                    subject_id=number,
                    period="p",
                    owner_role=owner_role,
                    title=f"probe {number}",
                    due_at=due_at,
                    detail={},
                )
                for number, due_at in enumerate(due, 1)
            ],
            actor="scheduler",
        )


def probe_kind() -> str:
    return f"probe_{uuid.uuid4().hex[:10]}"


def board_ids(who: Person, path: str) -> list[int]:
    """The tasks on the board at `path`, following its pages to the end."""
    ids: list[int] = []
    following: str | None = path
    while following:
        html = who.page(following)
        ids += [int(i) for i in TASK_LINK.findall(html)]
        found = NEXT_PAGE.search(html)
        following = found.group(1).replace("&amp;", "&") if found else None
    return ids


def state_of(backend: Backend, task_id: int) -> tuple[str, str | None, str]:
    with backend.db.read() as session:
        task = session.get(Task, task_id)
        assert task is not None
        return task.state, task.assignee, task.resolution


def events(backend: Backend, task_id: int, trigger: str) -> int:
    with backend.db.read() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Event)
                .where(Event.entity_type == "task", Event.entity_id == task_id)
                .where(Event.trigger == trigger)
            )
            or 0
        )


def csrf_of(who: Person) -> str:
    """The person's form token, as any of their pages carries it."""
    return dict(forms_of(who.page("/web"))[0].fields)["csrf"]


def test_r7_a_task_raised_by_the_scheduler_is_on_its_owner_roles_board(
    flows: Flows, person: People
) -> None:
    task = chase_task(flows)
    logistics = person("logistics")
    assert 'href="/web/tasks"' in logistics.page("/web")  # the menu has "Tasks"
    board = "/web/tasks?kind=carrier_receipt_overdue"
    assert task["id"] in board_ids(logistics, board)
    shown = text_of(logistics.page(board))
    assert "Chase the carrier for a signed receipt (R7)" in shown
    page = logistics.page(f"/web/tasks/{task['id']}")
    words = text_of(page)
    assert f"Task #{task['id']}: Chase the carrier for a signed receipt (R7)" in words
    assert "SF Express" in words and "2026-11-17" in words  # the carrier, the deadline
    assert f'href="/web/orders/{task["detail"]["order_id"]}"' in page
    assert "<svg" in page and "Raised by the scheduler" in words  # its workflow and history
    # In Chinese, the same task in Chinese words.
    zh = text_of(person("logistics", locale="zh").page(f"/web/tasks/{task['id']}"))
    assert "催承运商回传签收单（R7）" in zh and "待办" in zh
    # Finance works other tasks: not on their board, its page refused like the API.
    finance = person("finance")
    assert task["id"] not in board_ids(finance, board)
    assert finance.get(f"/web/tasks/{task['id']}").status_code == 403


def test_r7_logistics_takes_and_closes_a_task_with_a_note_from_its_page(
    flows: Flows, person: People
) -> None:
    task = chase_task(flows)
    logistics = person("logistics")
    page = f"/web/tasks/{task['id']}"
    taken = logistics.submit(page, f"{page}/take")
    assert taken.status_code == 303 and taken.headers["location"].startswith(page)
    shown = text_of(logistics.page(taken.headers["location"]))
    assert "The task is yours now." in shown and "In progress" in shown
    assert state_of(flows.backend, task["id"])[:2] == ("in_progress", logistics.username)
    closed = logistics.submit(page, f"{page}/close", {"note": "called SF; scan arrives today"})
    assert closed.status_code == 303
    shown = text_of(logistics.page(closed.headers["location"]))
    assert "The task is closed." in shown and "called SF; scan arrives today" in shown
    assert state_of(flows.backend, task["id"]) == (
        "done",
        logistics.username,
        "called SF; scan arrives today",
    )
    assert f"{page}/close" not in logistics.page(page)  # nothing more to do


def test_r7_a_double_submitted_take_or_close_books_once(flows: Flows, person: People) -> None:
    task = chase_task(flows)
    logistics = person("logistics")
    page = f"/web/tasks/{task['id']}"
    form = logistics.form(page, f"{page}/take")
    first, again = logistics.send(form), logistics.send(form)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    close = logistics.form(page, f"{page}/close")
    first = logistics.send(close, {"note": "done once"})
    again = logistics.send(close, {"note": "done once"})
    assert first.status_code == again.status_code == 303
    assert events(flows.backend, task["id"], "take") == 1
    assert events(flows.backend, task["id"], "close") == 1
    assert state_of(flows.backend, task["id"])[0] == "done"


def test_who_may_not_act_on_a_task_is_refused_403_and_sees_no_button(
    flows: Flows, person: People
) -> None:
    task = chase_task(flows)
    page = f"/web/tasks/{task['id']}"
    logistics = person("logistics")
    take = logistics.form(page, f"{page}/take")
    # Finance does not own the task: no board row, no page, and the form is refused.
    finance = person("finance")
    assert f"{page}/take" not in finance.get(page).text
    refused = finance.http.post(
        f"{page}/take", data={"csrf": csrf_of(finance), "form_key": dict(take.fields)["form_key"]}
    )
    assert refused.status_code == 403
    assert "belongs to the logistics role" in text_of(refused.text)
    # The scheduler may not take a task (the lifecycle gives it no such trigger).
    scheduler = person("scheduler")
    refused = scheduler.http.post(f"{page}/take", data={"csrf": csrf_of(scheduler)})
    assert refused.status_code == 403
    assert "this needs one of the roles" in text_of(refused.text)
    assert state_of(flows.backend, task["id"])[0] == "open"
    # Once taken, another person of logistics sees the task but neither close nor release.
    assert logistics.send(take).status_code == 303
    other_name = make_people(flows.backend.db, ["logistics"])["logistics"]
    with Person(flows.backend.url, other_name) as other:
        assert other.login().status_code == 303
        shown = other.page(page)
        assert f"{page}/close" not in shown and f"{page}/release" not in shown
        assert f"{page}/cancel" in shown  # their role may still say it is not needed
        refused = other.http.post(
            f"{page}/close", data={"csrf": csrf_of(other), "form_key": "a-key", "note": "x"}
        )
        assert refused.status_code == 409
        assert f"was taken by {logistics.username}" in text_of(refused.text)
    assert state_of(flows.backend, task["id"])[:2] == ("in_progress", logistics.username)


def test_a_refused_note_is_shown_next_to_it_in_the_readers_language(
    flows: Flows, person: People
) -> None:
    task = chase_task(flows)
    page = f"/web/tasks/{task['id']}"
    logistics = person("logistics")
    assert logistics.submit(page, f"{page}/take").status_code == 303
    for locale, words in (("en", "at most 2000"), ("zh", "2000")):
        someone = person("logistics", locale=locale)
        assert someone.username == logistics.username
        refused = someone.submit(page, f"{page}/close", {"note": "n" * 2001})
        assert refused.status_code == 422
        after = refused.text.split(f'action="{page}/close"', 1)[1]
        error = after.split('class="field-error"', 1)[1].split("</span>", 1)[0]
        assert words in error
        assert "n" * 2001 in after  # what was typed is kept
    assert state_of(flows.backend, task["id"])[0] == "in_progress"


def test_the_board_filters_by_state_kind_whose_and_overdue_and_counts_each_kind(
    backend: Backend, person: People
) -> None:
    kind = probe_kind()
    now = utcnow()
    late, soon, later = raise_probe_tasks(
        backend, kind, [now - timedelta(hours=2), now + timedelta(days=1), now + timedelta(days=2)]
    )
    logistics = person("logistics")
    board = f"/web/tasks?kind={kind}"
    assert sorted(board_ids(logistics, board)) == [late, soon, later]
    assert f"{kind} (3)" in text_of(logistics.page(f"/web/tasks?kind={kind}"))
    taken = logistics.submit(board, f"/web/tasks/{soon}/take")  # from the board
    assert taken.status_code == 303
    assert board_ids(logistics, f"/web/tasks?kind={kind}&scope=mine") == [soon]
    assert board_ids(logistics, f"/web/tasks?kind={kind}&overdue=true") == [late]
    assert board_ids(logistics, f"/web/tasks?kind={kind}&state=in_progress") == [soon]
    assert board_ids(logistics, f"/web/tasks?kind={kind}&state=done") == []
    assert "Nothing here." in text_of(logistics.page(f"/web/tasks?kind={kind}&state=done"))
    overdue = logistics.page(f"/web/tasks?kind={kind}&overdue=true")
    assert "overdue" in text_of(overdue) and f"{kind} (1)" in text_of(overdue)
    # Other roles do not see them, nor count them.
    sales = person("sales")
    assert board_ids(sales, board) == []
    assert f"{kind} (0)" in text_of(sales.page(board))


def test_the_board_pages_by_key_newest_first(backend: Backend, person: People) -> None:
    kind = probe_kind()
    raised = raise_probe_tasks(backend, kind, [utcnow() + timedelta(days=1)] * 51)
    logistics = person("logistics")
    first = logistics.page(f"/web/tasks?kind={kind}")
    ids = [int(i) for i in TASK_LINK.findall(first)]
    assert ids == sorted(raised, reverse=True)[:50]
    found = NEXT_PAGE.search(first)
    assert found is not None and f"before={ids[-1]}" in found.group(1)
    assert board_ids(logistics, f"/web/tasks?kind={kind}") == sorted(raised, reverse=True)


@pytest.mark.parametrize(
    "query",
    [
        "state=nonsense",
        "state=" + "a" * 33,
        "state=OPEN",
        "kind=not%20a%20kind",
        "kind=" + "k" * 49,
        "scope=everyone",
        "overdue=maybe",
        "before=0",
        "before=abc",
        "before=99999999999",
    ],
)
def test_bad_board_query_parameters_are_refused_422(person: People, query: str) -> None:
    answer = person("logistics").get(f"/web/tasks?{query}")
    assert answer.status_code == 422, (query, answer.status_code)
    assert "<html" in answer.text  # a page, not a problem document


def test_only_who_sees_every_task_may_list_them_all(person: People) -> None:
    refused = person("logistics").get("/web/tasks?scope=all")
    assert refused.status_code == 403
    assert '<option value="all"' not in person("logistics").page("/web/tasks")
    assert person("scheduler").get("/web/tasks?scope=all").status_code == 200


def test_a_task_that_does_not_exist_or_a_bad_id_is_refused(person: People) -> None:
    logistics = person("logistics")
    assert logistics.get("/web/tasks/2147483647").status_code == 404
    assert logistics.get("/web/tasks/0").status_code == 422
    assert logistics.get("/web/tasks/abc").status_code == 422
    refused = logistics.http.post("/web/tasks/1/explode", data={"csrf": csrf_of(logistics)})
    assert refused.status_code == 404

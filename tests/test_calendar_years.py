"""Working days beyond the calendar package: an admin loads a year's State Council holidays and
make-up working days; the package wins where it knows the year; nothing is ever guessed.

Each test runs on a SQLite file and a PostgreSQL database of its own module (loaded years are
never removed, so they stay out of the other tests' databases), through the real HTTP app.
"""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar
import httpx
import pytest
from sqlalchemy import select

from service import bootstrap, duedates, workdays
from service.calendar_years import notice as notices
from service.calendar_years.startup import DISAGREEMENT
from service.db import utcnow
from service.errors import Invalid
from service.scheduler.jobs import CALENDAR_GAP, JobRun, calendar_gap_task
from service.scheduler.models import Task
from service.scheduler.tasks import raise_tasks
from service.workcalendar import WorkingCalendarDay, WorkingCalendarYear
from service.workdays import CalendarGap
from tests.pages import Person, make_people
from tests.support import (
    BACKENDS,
    Backend,
    Server,
    fresh_database,
    make_users,
    migrate,
    settings_for,
)
from tests.test_cli_and_demo import O2C, _env

DATA = Path(__file__).resolve().parent / "data"
TEST_2027 = (DATA / "calendar_2027.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="module", params=BACKENDS)
def cal(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    """A database and server of this module's own, on each database."""
    with ExitStack() as stack:
        url = stack.enter_context(
            fresh_database(request.param, tmp_path_factory.mktemp("calendar"))
        )
        db = migrate(url)
        stack.callback(db.dispose)
        settings = settings_for(url)
        server = stack.enter_context(Server(settings, db))
        stack.callback(workdays.follow, None)
        yield Backend(
            name=request.param,
            db=db,
            settings=settings,
            url=server.url,
            runtime=server.app.state.ctx,
            tokens=make_users(db),
        )


@pytest.fixture(autouse=True)
def _following(cal: Backend) -> None:
    """The loaded years this process sees are those of this module's database."""
    workdays.follow(cal.db.lookup)


def notice(year: int, *, source: str = "TEST DATA - invented for the o2c test suite") -> str:
    """A valid file of `year`: a Wednesday of October off, the Saturday after it worked."""
    day = date(year, 10, 1)
    while day.weekday() != 2:
        day += timedelta(days=1)
    return (
        f"year: {year}\nsource: {source}\nholidays:\n  - {{name: 测试假日, date: {day}}}\n"
        f"workdays:\n  - {{name: 测试调休, date: {day + timedelta(days=3)}}}\n"
    )


def package_2026(*, drop: date | None = None, add_holiday: date | None = None) -> str:
    """2026 as the calendar package knows it, written as a file (with one change if asked)."""
    holidays = sorted(d for d in chinese_calendar.holidays if d.year == 2026 and d != drop)
    if add_holiday is not None:
        holidays = sorted([*holidays, add_holiday])
    ranges: list[list[date]] = []
    for day in holidays:
        if ranges and ranges[-1][-1] + timedelta(days=1) == day:
            ranges[-1].append(day)
        else:
            ranges.append([day])
    worked = sorted(d for d in chinese_calendar.workdays if d.year == 2026 and d != drop)
    lines = ["year: 2026", "source: TEST DATA - the package's own 2026, copied", "holidays:"]
    lines += [f"  - {{name: 假日, from: {r[0]}, to: {r[-1]}}}" for r in ranges]
    lines += ["workdays:", *(f"  - {{name: 调休, date: {d}}}" for d in worked)]
    return "\n".join(lines) + "\n"


def load(client: httpx.Client, text: str, **extra: Any) -> httpx.Response:
    return client.post("/calendar/years", json={"yaml": text, "file": "year.yaml", **extra})


def _tasks(cal: Backend, kind: str, year: int) -> list[Task]:
    with cal.db.read() as session:
        return list(
            session.scalars(
                select(Task).where(
                    Task.kind == kind, Task.subject_type == "calendar_year", Task.subject_id == year
                )
            )
        )


def test_due_dates_and_deadlines_in_a_year_loaded_by_an_admin(cal: Backend) -> None:
    terms = duedates.Terms(basis="receipt", days=40, non_working="next")
    received = date(2026, 12, 28)  # + 40 days: Saturday 2027-02-06, the test data's 春节
    # Before: nothing in 2027 is guessed, and the scheduler raised the admins' one task.
    with pytest.raises(CalendarGap, match="no notice of 2027 is loaded"):
        duedates.due_date(terms, received)
    with pytest.raises(CalendarGap):
        workdays.add_working_days(date(2026, 12, 30), 2)
    run = JobRun(as_of=utcnow(), tz=cal.settings.tz, workflows=cal.runtime.workflows)
    try:
        workdays.add_working_days(date(2026, 12, 31), 1)
    except CalendarGap as gap:
        waiting = calendar_gap_task(run, gap, [date(2026, 12, 31)], "a test's deadline")
    with cal.db.write() as session:
        raise_tasks(session, cal.runtime.workflows, [waiting], actor="scheduler")
    [gap_task] = _tasks(cal, CALENDAR_GAP, 2027)
    assert gap_task.state == "open"
    assert "o2c calendar load" in gap_task.title

    with cal.client("admin") as admin:
        answer = load(admin, TEST_2027)
        assert answer.status_code == 201, answer.text
        loaded = answer.json()
        assert loaded["outcome"] == "loaded"
        assert (loaded["year"], loaded["holidays"], loaded["workdays"]) == (2027, 28, 6)
        assert loaded["source"].startswith("TEST DATA")
        assert loaded["resolved_tasks"] == 1
        years = admin.get("/calendar/years").json()

    # After: the due date moves from the holiday to the make-up working Sunday.
    assert duedates.due_date(terms, received) == date(2027, 2, 14)
    assert workdays.is_working_day(date(2027, 2, 14))  # Sunday worked (调休)
    assert not workdays.is_working_day(date(2027, 2, 8))  # a Monday of the holiday
    assert workdays.is_working_day(date(2027, 3, 3))  # an ordinary Wednesday
    assert workdays.add_working_days(date(2026, 12, 30), 2) == date(2027, 1, 4)
    assert workdays.subtract_working_days(date(2027, 2, 15), 1) == date(2027, 2, 14)
    assert workdays.subtract_working_days(date(2027, 2, 14), 1) == date(2027, 2, 5)
    assert workdays.working_days_between(date(2027, 2, 5), date(2027, 2, 15)) == 2
    [gap_task] = _tasks(cal, CALENDAR_GAP, 2027)
    assert gap_task.state == "done"
    assert "loaded" in gap_task.resolution
    [shown] = [y for y in years["loaded"] if y["year"] == 2027]
    assert shown["source"].startswith("TEST DATA")
    assert shown["loaded_by"].startswith("u-admin")
    assert shown["package_disagrees"] == []
    assert years["package"]["name"] == "chinesecalendar"
    assert years["package"]["first_year"] == 2004

    with cal.client("admin") as admin:
        again = load(admin, TEST_2027)
        assert again.status_code == 201 and again.json()["outcome"] == "already_loaded"
        changed = load(admin, TEST_2027.replace("date: 2027-02-20", "date: 2027-02-27"))
        assert changed.status_code == 409, changed.text
        problem = changed.json()
        assert problem["code"] == "calendar.year_loaded_differently"
        assert problem["dates"] == "2027-02-20, 2027-02-27"


def test_a_calendar_file_is_refused_naming_each_field_and_line(cal: Backend) -> None:
    text = (
        "year: 2031\n"
        "source: ''\n"
        "holidays:\n"
        "  - {name: 国庆节, from: 2031-10-07, to: 2031-10-01}\n"
        "  - {name: 劳动节, date: 2030-05-01}\n"
        "  - {name: 春节, date: 2031-02-30}\n"
        "  - {name: 元旦, date: 2031-01-04}\n"
        "  - {name: 清明节, from: 2031-04-05, to: 2031-04-07, colour: red}\n"
        "workdays:\n"
        "  - {name: 调休, date: 2031-04-05}\n"
        "  - {name: 调休, date: 2031-04-08}\n"
    )
    with cal.client("admin") as admin:
        answer = load(admin, text)
        zh = admin.post(
            "/calendar/years",
            json={"yaml": text, "file": "2031.yaml"},
            headers={"Accept-Language": "zh-CN"},
        )
        years = admin.get("/calendar/years").json()
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["code"] == "calendar.file_refused"
    found = {(e["field"], e["code"]) for e in problem["errors"]}
    assert found == {
        ("source", "calendar.source_missing"),
        ("holidays[0].to", "calendar.range_reversed"),
        ("holidays[1].date", "calendar.date_outside_year"),
        ("holidays[2].date", "calendar.date_invalid"),
        ("holidays[3]", "calendar.holiday_only_weekend"),  # 2031-01-04 is a Saturday
        ("holidays[4].colour", "calendar.field_unknown"),
        ("workdays[0]", "calendar.day_holiday_and_workday"),
        ("workdays[1]", "calendar.workday_on_weekday"),  # 2031-04-08 is a Tuesday
    }
    reasons = {e["field"]: e["reason"] for e in problem["errors"]}
    assert reasons["holidays[0].to"].startswith("line 4: the range ends (2031-10-01)")
    assert reasons["holidays[1].date"] == "line 5: 2030-05-01 is not in 2031"
    assert reasons["holidays[2].date"].startswith("line 6: 2031-02-30 is not a date")
    assert "2031-04-05 is a holiday (line 8)" in reasons["workdays[0]"]
    zh_reasons = {e["field"]: e["reason"] for e in zh.json()["errors"]}
    assert zh_reasons["holidays[1].date"] == "第 5 行：2030-05-01 不在 2031 年内"
    assert all(y["year"] != 2031 for y in years["loaded"])


@pytest.mark.parametrize(
    ("text", "field", "code"),
    [
        ("year: 2031\nyear: 2032\n", "year", "calendar.duplicate_key"),
        ("year: [\n", "file", "calendar.not_yaml"),
        ("[" * 3000, "file", "calendar.not_yaml"),
        ("year: 2031\nsource: \x9c\n", "file", "calendar.not_yaml"),
        ('year: 2031\n"\\ud800": 1\n', "?", "calendar.field_unknown"),
        ("- 2031\n", "file", "calendar.not_a_mapping"),
        ("year: 1999\nsource: x\nholidays: []\n", "year", "calendar.year_invalid"),
        ("year: 2031\nsource: x\n", "holidays", "calendar.no_holidays"),
        (
            "year: 2031\nsource: x\nholidays:\n  - {date: 2031-10-01}\n",
            "holidays[0].name",
            "calendar.name_missing",
        ),
        (
            "year: 2031\nsource: x\nholidays:\n  - {name: a, from: 2031-07-01, to: 2031-07-31}\n",
            "holidays[0].to",
            "calendar.range_too_long",
        ),
        (
            "year: 2031\nsource: x\nholidays:\n  - {name: a, date: 2031-10-01}\n"
            "  - {name: b, from: 2031-09-30, to: 2031-10-02}\n",
            "holidays[1]",
            "calendar.day_listed_twice",
        ),
    ],
)
def test_typos_in_a_calendar_file_are_refused(
    cal: Backend, text: str, field: str, code: str
) -> None:
    with cal.client("admin") as admin:
        answer = load(admin, text)
    assert answer.status_code == 422, answer.text
    assert (field, code) in {(e["field"], e["code"]) for e in answer.json()["errors"]}


def test_text_that_is_not_a_file_and_odd_file_names_are_refused_or_cleaned() -> None:
    with pytest.raises(Invalid) as refused:
        notices.parse("year: \ud800\n", file="x.yaml")
    assert refused.value.code == "calendar.file_not_text"
    assert notices.file_name("C:\\notices\\2031.yaml") == "2031.yaml"
    assert notices.file_name("a\udcff.yaml") == "a?.yaml"
    assert notices.file_name(None) == "calendar.yaml"


def test_the_package_wins_a_changed_2026_is_refused_naming_the_dates(cal: Backend) -> None:
    changed = package_2026(drop=date(2026, 10, 10), add_holiday=date(2026, 12, 31))
    with cal.client("admin") as admin:
        answer = load(admin, changed)
        years = admin.get("/calendar/years").json()
    assert answer.status_code == 409, answer.text
    problem = answer.json()
    assert problem["code"] == "calendar.package_disagrees"
    assert [e["field"] for e in problem["errors"]] == ["year"]
    assert problem["dates"] == "2026-10-10, 2026-12-31"
    assert problem["count"] == 2
    assert "2026-10-10" in problem["detail"] and "2026-12-31" in problem["detail"]
    assert all(y["year"] != 2026 for y in years["loaded"])


def test_the_package_wins_an_identical_2026_is_a_no_op(cal: Backend) -> None:
    with cal.client("admin") as admin:
        answer = load(admin, package_2026())
    assert answer.status_code == 201, answer.text
    assert answer.json()["outcome"] == "same_as_package"
    with cal.db.read() as session:
        assert session.get(WorkingCalendarYear, 2026) is None


def test_only_an_admin_loads_a_year_and_a_dry_run_stores_nothing(cal: Backend) -> None:
    for role in ("sales", "finance", "hq", "logistics", "scheduler", "legal"):
        with cal.client(role) as client:
            refused = load(client, notice(2032))
            assert refused.status_code == 403, (role, refused.text)
            assert refused.json()["code"] == "auth.role_required"
            assert client.get("/calendar/years").status_code == 200
    with cal.client() as nobody:
        assert nobody.get("/calendar/years").status_code == 401
    with cal.client("admin") as admin:
        dry = load(admin, notice(2032), dry_run=True)
        assert dry.status_code == 201 and dry.json()["outcome"] == "dry_run"
        assert all(y["year"] != 2032 for y in admin.get("/calendar/years").json()["loaded"])
        uploaded = admin.post(
            "/calendar/years/file",
            files={"file": ("2032.yaml", notice(2032).encode(), "application/yaml")},
        )
        assert uploaded.status_code == 201, uploaded.text
        assert (uploaded.json()["outcome"], uploaded.json()["file"]) == ("loaded", "2032.yaml")
        binary = admin.post(
            "/calendar/years/file", files={"file": ("x.yaml", b"\xff\xfe\x00", "text/plain")}
        )
        assert binary.status_code == 422 and binary.json()["code"] == "calendar.file_not_text"
    assert workdays.is_working_day(date(2032, 10, 9))  # the Saturday worked


def test_a_year_loaded_by_another_process_is_seen_here(cal: Backend, tmp_path: Path) -> None:
    path = tmp_path / "2033.yaml"
    path.write_text(notice(2033), encoding="utf-8")
    env = {"O2C_DATABASE_URL": cal.settings.database_url}
    dry = subprocess.run(
        [*O2C, "calendar", "load", str(path), "--dry-run"],
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert dry.returncode == 0, dry.stderr
    assert "2033: valid; nothing stored (dry run)" in dry.stdout
    with pytest.raises(CalendarGap):
        workdays.is_working_day(date(2033, 10, 8))
    loaded = subprocess.run(
        [*O2C, "calendar", "load", str(path)],
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr
    assert "2033: loaded" in loaded.stdout
    # This process sees it at once: a day it does not know makes it look again.
    assert workdays.is_working_day(date(2033, 10, 8))  # the Saturday worked
    assert not workdays.is_working_day(date(2033, 10, 5))  # the Wednesday off
    listed = subprocess.run(
        [*O2C, "calendar", "years"],
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
    assert "2033  TEST DATA" in listed.stdout and "loaded by command-line" in listed.stdout
    path.write_text(notice(2033).replace("- {name: 测试调休", "- {name: 测试调休, colour: x"))
    broken = subprocess.run(
        [*O2C, "calendar", "load", str(path)],
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert broken.returncode == 1
    assert f"{path}: workdays[0].colour: line 6: unknown key colour" in broken.stderr
    assert "Traceback" not in broken.stderr


def test_the_deployment_directory_is_loaded_at_start_and_a_newer_package_is_loud(
    cal: Backend, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "2034.yaml").write_text(notice(2034), encoding="utf-8")
    (tmp_path / "README.md").write_text("not a calendar file\n", encoding="utf-8")
    # As if 2025 had been loaded before the package knew it, with a day the package now
    # knows otherwise (2025-10-08 was a day of the National Day holiday).
    with cal.db.write() as session:
        if session.get(WorkingCalendarYear, 2025) is None:
            session.add(
                WorkingCalendarYear(
                    year=2025,
                    source="an older notice",
                    file="2025.yaml",
                    digest="0" * 64,
                    loaded_by="someone",
                    loaded_at=utcnow(),
                    holidays=0,
                    workdays=1,
                )
            )
            session.flush()
            named = {d: False for d in chinese_calendar.holidays if d.year == 2025}
            named |= {d: True for d in chinese_calendar.workdays if d.year == 2025}
            named[date(2025, 10, 8)] = True
            session.add_all(
                WorkingCalendarDay(day=d, year=2025, working=w, name="x") for d, w in named.items()
            )
    settings = settings_for(cal.settings.database_url, calendar_dir=str(tmp_path))
    runtime = bootstrap.runtime(settings, cal.db)
    with caplog.at_level(logging.ERROR, logger="o2c.calendar"):
        bootstrap.calendar(runtime)
        bootstrap.calendar(runtime)  # a second start loads nothing twice, raises nothing twice
    assert workdays.is_working_day(date(2034, 10, 7))  # the Saturday worked
    assert not workdays.is_working_day(date(2025, 10, 8))  # the package wins
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and all("2025-10-08" in e and "package's days are used" in e for e in errors)
    [task] = _tasks(cal, DISAGREEMENT, 2025)
    assert task.owner_role == "admin"
    assert task.detail["dates"] == ["2025-10-08"]
    with cal.db.read() as session:
        row = session.get(WorkingCalendarYear, 2034)
        assert row is not None and (row.loaded_by, row.file) == ("startup", "2034.yaml")
    with cal.client("admin") as admin:
        years = admin.get("/calendar/years").json()
    [older] = [y for y in years["loaded"] if y["year"] == 2025]
    assert older["package_disagrees"] == ["2025-10-08"]


def test_the_calendar_page_lists_the_years_and_an_admin_uploads_one(cal: Backend) -> None:
    people = make_people(cal.db, ("admin", "sales"))
    with Person(cal.url, people["admin"]) as admin:
        assert admin.login().status_code == 303
        page = admin.page("/web/calendar")
        assert "chinesecalendar" in page and "Load a year" in page
        answer = admin.submit(
            "/web/calendar",
            "/web/calendar",
            files={"upload": ("2035.yaml", notice(2035).encode(), "application/yaml")},
        )
        assert answer.status_code == 200, answer.text
        assert "2035 is loaded" in answer.text and "测试调休" in answer.text
        listed = admin.page("/web/calendar")
        assert "2035" in listed and "TEST DATA" in listed and people["admin"] in listed
        broken = admin.submit(
            "/web/calendar", "/web/calendar", {"yaml": notice(2036).replace("2036-10", "2037-10")}
        )
        assert broken.status_code == 422
        assert "line 4: 2037-10-01 is not in 2036" in broken.text
        assert "2037-10-01" in broken.text  # what was typed is kept
    with Person(cal.url, people["admin"], locale="zh") as admin_zh:
        assert admin_zh.login().status_code == 303
        assert "已知年份" in admin_zh.page("/web/calendar")
    with Person(cal.url, people["sales"]) as sales:
        assert sales.login().status_code == 303
        page = sales.page("/web/calendar")
        assert "2035" in page and "Load a year" not in page
        refused = sales.http.post("/web/calendar", data={"yaml": notice(2036)})
        assert refused.status_code == 403

"""The tasks feature plugs in: people's task queue and board, and the task lifecycle's guards."""

from __future__ import annotations

from pathlib import Path

from service.metrics import OpenCount
from service.plugins import Feature, MenuEntry
from service.scheduler.models import Task
from service.tasks.guards import TASK_GUARDS
from service.tasks.pages import TASK_ROLES
from service.tasks.pages import router as pages
from service.tasks.routes import router
from service.workflow import Machine

FEATURE = Feature(
    name="tasks",
    routers=(router,),
    machines=(Machine(Task, TASK_GUARDS),),
    tags={"task": ("live", "assigned", "closed")},
    catalog=Path(__file__).parent / "locale",
    pages=(pages,),
    templates=Path(__file__).parent / "templates",
    menu=(MenuEntry("/web/tasks", "tasks.menu", roles=TASK_ROLES),),
    open_counts=(OpenCount("task", Task, "live"),),
)

"""What handlers are given: the database, who is acting and today's date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from casework.services.reach import Actor
from casework.store.database import Database


def provide_db(state: State) -> Database:
    db: Database = state.db
    return db


def provide_who(request: Request[Any, Any, Any]) -> Actor:
    who: Actor = request.user
    return who


def provide_today(state: State) -> date:
    today: Callable[[], date] = state.today
    return today()


DEPENDENCIES = {
    "db": Provide(provide_db, sync_to_thread=False),
    "who": Provide(provide_who, sync_to_thread=False),
    "today": Provide(provide_today, sync_to_thread=False),
}

# How a handler asks for them: `db: DB, who: Who, today: Today`.
DB = NamedDependency[Database]
Who = NamedDependency[Actor]
Today = NamedDependency[date]

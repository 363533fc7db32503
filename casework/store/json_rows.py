"""A table's rows gathered into one JSON column of a bigger statement, and read back as rows.

A page that needs a case and several short lists under it (its evidence, deadlines, events)
pays a round trip to the database for each list when each is its own statement. Gathered as
correlated subqueries of the case's own statement, they come back in one: PostgreSQL's
`json_agg(json_build_object(...))`, SQLite's `json_group_array(json_object(...))`. JSON
carries text, numbers, true/false and nested JSON, so dates, times and flags are turned back
into what the column itself would have given (`JsonRows.decode`).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Select, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement


class _JsonObject(FunctionElement[Any]):
    """`json_build_object(name, value, ...)` on PostgreSQL, `json_object(...)` on SQLite."""

    type = JSON()
    inherit_cache = True


@compiles(_JsonObject, "postgresql")
def _json_object_postgresql(element: _JsonObject, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_build_object({compiler.process(element.clauses, **kw)})"


@compiles(_JsonObject)
def _json_object_sqlite(element: _JsonObject, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_object({compiler.process(element.clauses, **kw)})"


class _JsonArray(FunctionElement[Any]):
    """The aggregate of JSON values into one array: `json_agg` / `json_group_array`."""

    type = JSON()
    inherit_cache = True


@compiles(_JsonArray, "postgresql")
def _json_array_postgresql(element: _JsonArray, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_agg({compiler.process(element.clauses, **kw)})"


@compiles(_JsonArray)
def _json_array_sqlite(element: _JsonArray, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_group_array({compiler.process(element.clauses, **kw)})"


class _Nested(FunctionElement[Any]):
    """A JSON column inside a JSON object: as it is on PostgreSQL; SQLite keeps JSON as text,
    which `json(...)` turns back into JSON (otherwise it would be nested as a string)."""

    type = JSON()
    inherit_cache = True


@compiles(_Nested, "postgresql")
def _nested_postgresql(element: _Nested, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(_Nested)
def _nested_sqlite(element: _Nested, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json({compiler.process(element.clauses, **kw)})"


def _reader(column: ColumnElement[Any]) -> Callable[[Any], Any] | None:
    """How a JSON value of this column becomes what the column gives (None: as it is)."""
    kind = column.type
    if isinstance(kind, DateTime):
        return datetime.fromisoformat
    if isinstance(kind, Date):
        return date.fromisoformat
    if isinstance(kind, Boolean):
        return bool  # SQLite's JSON has 0 and 1
    return None


class JsonRows:
    """Rows of `columns` (named as given) gathered as one JSON column, and read back in
    `order` as named tuples that answer to the column names, like the rows of a select."""

    def __init__(
        self, name: str, columns: Sequence[ColumnElement[Any]], order: Sequence[str]
    ) -> None:
        names = [str(c.key) for c in columns]
        if len(set(names)) != len(names) or not set(order) <= set(names):
            raise ValueError(f"{name}: column names must be unique and include {order}")
        if len(names) > 50:  # PostgreSQL takes at most 100 arguments to json_build_object
            raise ValueError(f"{name}: at most 50 columns in one JSON object")
        self.row = namedtuple(name, names)  # type: ignore[misc]  # a name per column, made here
        pairs: list[Any] = []
        for key, column in zip(names, columns, strict=True):
            value = _Nested(column) if isinstance(column.type, JSON) else column
            pairs += [literal_column(f"'{key}'"), value]
        self.item = _JsonObject(*pairs)
        self.readers = [(key, _reader(c)) for key, c in zip(names, columns, strict=True)]
        self.order = tuple(order)

    def gathered(self) -> Select[Any]:
        """The JSON array of the rows; the caller adds FROM and WHERE (`.where(...)`)."""
        return select(_JsonArray(self.item))

    def decode(self, value: Any) -> list[Any]:
        """The rows from the gathered column (None when there were none, on PostgreSQL)."""
        rows = []
        for item in value or ():
            for key, read in self.readers:
                if read is not None and item[key] is not None:
                    item[key] = read(item[key])
            rows.append(self.row(**item))
        # An aggregate's order is the database's choice: put them in order here.
        rows.sort(key=lambda r: tuple(getattr(r, k) for k in self.order))
        return rows

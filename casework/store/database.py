"""The database connection: URL resolution, engine set-up and schema migrations."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///casework.sqlite"
URL_VARIABLE = "CASEWORK_DATABASE_URL"
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def database_url(explicit: str | None = None) -> str:
    """--database wins, then CASEWORK_DATABASE_URL, then a SQLite file in this folder."""
    url = explicit or os.environ.get(URL_VARIABLE) or DEFAULT_URL
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; imports are much faster
    cursor.close()


# Connections a process keeps open to PostgreSQL. A web worker has a request in flight per
# open browser or API connection; with SQLAlchemy's default of 5, busier moments opened and
# closed a connection per request (a new server process each time, and its prepared
# statements lost).
POSTGRES_POOL = {"pool_size": 16, "max_overflow": 16}


def sqlite_file_missing(explicit: str | None = None) -> str | None:
    """The file a SQLite URL names when it does not exist yet (None for any other URL)."""
    url = database_url(explicit)
    if not url.startswith("sqlite:///") or url in ("sqlite://", "sqlite:///:memory:"):
        return None
    path = url.removeprefix("sqlite:///").split("?", 1)[0]
    return None if not path or Path(path).exists() else path


class DatabaseURLError(ValueError):
    """A database URL Casework cannot use; the message never shows its password."""


_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")


def without_password(text: str) -> str:
    """`postgresql://ann:***@host/db`: a URL (or a message quoting one) fit to print."""
    return _PASSWORD.sub(r"\1***@", text)


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    url = database_url(url)
    try:
        return _engine(url, **kwargs)
    except NoSuchModuleError:  # before ArgumentError, of which it is one
        scheme = url.split(":", 1)[0]
        raise DatabaseURLError(
            f"{scheme}: not a database Casework works with (sqlite:/// or postgresql://)"
        ) from None
    except ArgumentError:
        raise DatabaseURLError(
            f"{without_password(url)!r} is not a database URL (like sqlite:///casework.sqlite "
            "or postgresql://user@host/database)"
        ) from None
    except ModuleNotFoundError as error:
        if "psycopg" not in str(error):
            raise
        raise DatabaseURLError(
            "PostgreSQL needs its driver: install it with pip install 'casework[postgres]'"
        ) from None


def _engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("postgresql"):
        kwargs = {**POSTGRES_POOL, **kwargs}
    if url.startswith("sqlite"):
        # A writer waits up to a minute for another (a sweep, an import) rather than failing
        # at once: SQLite lets one write at a time.
        kwargs = {"connect_args": {"timeout": 60}, **kwargs}
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection_engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration."""
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


# The tables whose rows are a record: the application may add to them, never change them.
RECORD_TABLES = ("case_event", "case_evidence", "letter_pdf")
_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class RoleError(ValueError):
    """Roles that cannot be set up (a name that is not one, or a database without roles)."""


def grant_application_role(engine: Engine, role: str = "casework_app") -> None:
    """Make `role` the PostgreSQL role the application connects as: it reads and writes the
    tables but only adds to the record (RECORD_TABLES), and it owns nothing, so it cannot
    drop the triggers that guard the record or turn them off. The role running this (the
    owner of the tables, who migrates them) keeps that power to itself."""
    if engine.dialect.name != "postgresql":
        raise RoleError("roles are PostgreSQL's: a SQLite file has none (protect the file)")
    if not _ROLE_NAME.fullmatch(role):
        raise RoleError(f"role {role!r} must be lower-case letters, digits and _")
    record = ", ".join(RECORD_TABLES)
    with engine.begin() as connection:
        database = connection.exec_driver_sql("SELECT current_database()").scalar_one()
        exists = connection.exec_driver_sql(
            "SELECT 1 FROM pg_roles WHERE rolname = %(role)s", {"role": role}
        ).scalar()
        if not exists:
            connection.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
        for statement in (
            f'GRANT CONNECT ON DATABASE "{database}" TO "{role}"',
            f'GRANT USAGE ON SCHEMA public TO "{role}"',
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"',
            f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
            f'REVOKE UPDATE, DELETE, TRUNCATE ON {record} FROM "{role}"',
            f'REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM "{role}"',
        ):
            connection.exec_driver_sql(statement)


class Database:
    """An engine and its session factory; services open one transaction per action."""

    def __init__(self, url: str | None = None, **kwargs: Any) -> None:
        self.engine = make_engine(url, **kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._unwrapped = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._reading = sessionmaker(self._unwrapped, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits together at the end, or not at all."""
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def reads(self) -> Iterator[Session]:
        """A session for a service that only reads. On PostgreSQL it runs outside a
        transaction: at READ COMMITTED (PostgreSQL's default) each statement of a transaction
        takes its own snapshot anyway, so a transaction that only reads buys nothing but its
        BEGIN and COMMIT round trips. SQLite keeps one snapshot across a transaction's reads,
        so there it is one. Never for anything that writes."""
        if self.dialect == "postgresql":
            with self._reading() as session:
                yield session
        else:
            with self.transaction() as session:
                yield session

    @contextmanager
    def single_read(self) -> Iterator[Connection]:
        """A connection for one SELECT outside a transaction. One statement is consistent on
        its own, and this saves the BEGIN and COMMIT round trips a transaction costs: for the
        reads every request makes (who is asking), never for anything that writes."""
        with self._unwrapped.connect() as connection:
            yield connection

    def migrate(self) -> None:
        migrate(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()

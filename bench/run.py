"""Time import and a full sweep of a synthetic LA against a bare read of the same marks.

For each scale (schools of 1,000 pupils) and each database, on a fresh migrated database:

1. setup: migrate, add every school (what `casework init --school` does) and import its pupils;
2. import: every school's marks.csv through casework.services.register.importing.import_marks, timed
   one school at a time (median per school-year of 388,000 marks, and the total);
3. sweep: casework.services.sweep.sweep(db, as_of) as of the last school day of the year, in a
   child process that reports its own peak resident memory (VmHWM in /proc/self/status);
4. bare read: SELECT pupil_id, date, session, code FROM session_mark, every row fetched through
   the DBAPI cursor (fetchmany of 100,000, rows discarded), in a child process too.

Sweep and bare read alternate --repeat times; medians are quoted, and the sweep / bare-read
ratio is the figure. Results are printed as a markdown table and written into
docs/benchmarks.md between the results markers.

    python bench/run.py --scales 1,20,100 --databases sqlite,postgresql --repeat 3

With --record, a mode of its own: the same setup and import, then
casework.services.daily_sweep.daily_sweep(db, as_of, record=True) twice on the same database,
each in a child process reporting its peak RSS the same way: the first run opens a case for
every finding (the first day Casework is switched on), the second finds the same findings
already on open cases (an ordinary day). Written to docs/benchmarks.md under its own markers.

    python bench/run.py --record --scales 1,20 --databases sqlite,postgresql
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
DOCS = ROOT / "docs" / "benchmarks.md"
START = "<!-- results -->"  # runs are written after this marker
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
BARE_READ = "SELECT pupil_id, date, session, code FROM session_mark"

sys.path.insert(0, str(HERE))

import generate_la  # noqa: E402


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- databases ------------------------------------------------------------------------------


def pg_url(database: str, admin: str = PG_ADMIN) -> str:
    return admin.rsplit("/", 1)[0] + "/" + database


def fresh_database(kind: str, scale: int, admin: str) -> str:
    """An empty database for one run: a new SQLite file, or a PostgreSQL database of its own."""
    if kind == "sqlite":
        path = OUT / f"bench_{scale}.sqlite"
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{path}"
    name = f"casework_bench_{scale}"
    drop_pg(name, admin)
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return pg_url(name, admin)


def drop_pg(name: str, admin: str) -> None:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def drop_database(kind: str, scale: int, admin: str) -> None:
    if kind == "sqlite":
        path = OUT / f"bench_{scale}.sqlite"
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        drop_pg(f"casework_bench_{scale}", admin)


# -- child processes: the sweep and the bare read ------------------------------------------


def _status_kb(key: str) -> int:
    """A memory figure of this process from /proc/self/status (VmRSS now, VmHWM its peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _rss_kb() -> int:
    return _status_kb("VmRSS")


def _workers() -> int:
    """Sweep processes for the children: BENCH_WORKERS, else 1 (one process, as before)."""
    return int(os.environ.get("BENCH_WORKERS", "1"))


def child_sweep(url: str, as_of: date) -> dict[str, Any]:
    from casework.services.daily_sweep import daily_sweep
    from casework.services.sweep import sweep
    from casework.store.database import Database

    db = Database(url)
    baseline = _rss_kb()
    cpu = time.process_time()
    started = time.perf_counter()
    workers = _workers()
    result = (
        sweep(db, as_of)
        if workers == 1
        else daily_sweep(db, as_of, record=False, workers=workers).findings
    )
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    db.dispose()
    return {
        "seconds": seconds,
        "pupils": result.pupils,
        "findings": len(result.findings),
        "cpu": cpu,
        "load": os.getloadavg()[0],
        "baseline_kb": baseline,
        "maxrss_kb": _status_kb("VmHWM"),
    }


def child_record(url: str, as_of: date) -> dict[str, Any]:
    from casework.services.daily_sweep import daily_sweep
    from casework.store.database import Database

    db = Database(url)
    baseline = _rss_kb()
    cpu = time.process_time()
    started = time.perf_counter()
    result = daily_sweep(db, as_of, record=True, workers=_workers())
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    db.dispose()
    return {
        "seconds": seconds,
        "pupils": result.findings.pupils,
        "findings": len(result.findings.findings),
        "cases_opened": len(result.cases_opened),
        "evidence_added": len(result.evidence_added),
        "deadlines_due": len(result.deadlines_due),
        "deadlines_overdue": len(result.deadlines_overdue),
        "transitions_fired": len(result.transitions_fired),
        "cpu": cpu,
        "load": os.getloadavg()[0],
        "baseline_kb": baseline,
        "maxrss_kb": _status_kb("VmHWM"),
    }


def child_bare_read(url: str) -> dict[str, Any]:
    from casework.store.database import Database

    db = Database(url)
    baseline = _rss_kb()
    cpu = time.process_time()
    started = time.perf_counter()
    rows = 0
    with db.engine.connect() as connection:
        result = connection.exec_driver_sql(BARE_READ)
        cursor = result.cursor
        while True:
            batch = cursor.fetchmany(100_000)
            if not batch:
                break
            rows += len(batch)
        result.close()
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    db.dispose()
    return {
        "seconds": seconds,
        "cpu": cpu,
        "load": os.getloadavg()[0],
        "rows": rows,
        "baseline_kb": baseline,
        "maxrss_kb": _status_kb("VmHWM"),
    }


def run_child(args: list[str]) -> dict[str, Any]:
    """Run this script as a child process and return its JSON answer.

    The child reports its own peak RSS (VmHWM, the high-water mark of its address space).
    Not ru_maxrss from wait4 or RUSAGE_CHILDREN: Linux carries the parent's high-water mark
    into the child across fork and exec, so those would report the parent's memory.
    """
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    answer: dict[str, Any] = json.loads(completed.stdout)
    return answer


# -- one scale on one database --------------------------------------------------------------


@dataclass
class Result:
    database: str
    schools: int
    pupils: int = 0
    marks: int = 0
    setup: float = 0.0
    imports: list[float] = field(default_factory=list)
    import_load: list[float] = field(default_factory=list)
    sweeps: list[dict[str, Any]] = field(default_factory=list)
    reads: list[dict[str, Any]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def sweep(self) -> float:
        return statistics.median(s["seconds"] for s in self.sweeps)

    @property
    def read(self) -> float:
        return statistics.median(r["seconds"] for r in self.reads)

    @property
    def peak_mb(self) -> float:
        return max(s["maxrss_kb"] for s in self.sweeps) / 1024

    @property
    def baseline_mb(self) -> float:
        return max(s["baseline_kb"] for s in self.sweeps) / 1024


def set_up(kind: str, scale: int, admin: str) -> tuple[str, Result]:
    """A fresh database with every school, its pupils and its marks imported (timed)."""
    from casework.register.school import load_school
    from casework.services.register import importing, schools
    from casework.store.database import Database

    folders = generate_la.generate(scale)
    url = fresh_database(kind, scale, admin)
    result = Result(kind, scale)
    log(f"{kind} {scale} schools: setup")
    started = time.perf_counter()
    db = Database(url)
    db.migrate()
    for folder in folders:
        config = load_school(folder / "school.toml")
        schools.save_school(db, config)
        report = importing.import_pupils(db, folder / "pupils.csv", config.urn)
        result.pupils += report.added
    result.setup = time.perf_counter() - started
    for n, folder in enumerate(folders, start=1):
        urn = folder.name
        started = time.perf_counter()
        report = importing.import_marks(db, folder / "marks.csv", urn)
        result.imports.append(time.perf_counter() - started)
        result.import_load.append(os.getloadavg()[0])
        result.marks += report.added
        if n % 10 == 0 or n == len(folders):
            log(
                f"{kind} {scale}: imported {n} schools, last {result.imports[-1]:.2f} s, "
                f"median {statistics.median(result.imports):.2f} s"
            )
    db.dispose()
    return url, result


def run_one(kind: str, scale: int, repeat: int, admin: str, keep: bool) -> Result:
    as_of = generate_la.last_school_day()
    url, result = set_up(kind, scale, admin)
    for i in range(repeat):
        sweep = run_child(["--child", "sweep", "--url", url, "--as-of", as_of.isoformat()])
        result.sweeps.append(sweep)
        read = run_child(["--child", "read", "--url", url])
        result.reads.append(read)
        if read["rows"] != result.marks:
            raise RuntimeError(f"bare read saw {read['rows']} rows, expected {result.marks}")
        log(
            f"{kind} {scale}: run {i + 1}: sweep {sweep['seconds']:.2f} s "
            f"({sweep['findings']} findings, peak {sweep['maxrss_kb'] / 1024:.0f} MB), "
            f"bare read {read['seconds']:.2f} s (peak {read['maxrss_kb'] / 1024:.0f} MB)"
        )
    if not keep:
        drop_database(kind, scale, admin)
    return result


def run_record(kind: str, scale: int, admin: str, keep: bool) -> Result:
    """daily_sweep(record=True) twice on one database: the first day, then an ordinary day."""
    as_of = generate_la.last_school_day()
    url, result = set_up(kind, scale, admin)
    for day in ("first", "second"):
        run = run_child(["--child", "record", "--url", url, "--as-of", as_of.isoformat()])
        result.records.append(run)
        log(
            f"{kind} {scale}: {day} daily sweep {run['seconds']:.2f} s "
            f"({run['findings']} findings, {run['cases_opened']} cases opened, "
            f"{run['evidence_added']} findings added, peak {run['maxrss_kb'] / 1024:.0f} MB)"
        )
    if not keep:
        drop_database(kind, scale, admin)
    return result


# -- reporting ------------------------------------------------------------------------------


def machine(admin: str, databases: list[str]) -> dict[str, str]:
    import sqlite3

    mem_kb = 0
    cpu = ""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    info = {
        "cpus": f"{os.cpu_count()} ({cpu})" if cpu else str(os.cpu_count()),
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "date": date.today().isoformat(),
    }
    if "postgresql" in databases:
        import psycopg

        with psycopg.connect(admin) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            info["postgresql"] = row[0] if row else "?"
    import numpy
    import sqlalchemy

    info["libraries"] = f"numpy {numpy.__version__}, SQLAlchemy {sqlalchemy.__version__}"
    if "postgresql" in databases:
        info["libraries"] += f", psycopg {psycopg.__version__}"
    return info


def table(results: list[Result]) -> str:
    lines = [
        "| database | pupils | marks | setup s | import s / school-year (median) | "
        "import s total | sweep s (median) | bare read s (median) | sweep / bare read | "
        "sweep peak RSS MB | findings |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {'SQLite' if r.database == 'sqlite' else 'PostgreSQL'} | {r.pupils:,} | "
            f"{r.marks:,} | {r.setup:.1f} | {statistics.median(r.imports):.2f} | "
            f"{sum(r.imports):.0f} | {r.sweep:.1f} | {r.read:.1f} | {r.sweep / r.read:.2f} | "
            f"{r.peak_mb:.0f} | {r.sweeps[0]['findings']:,} |"
        )
    return "\n".join(lines)


def _list(values: list[float], digits: int = 2) -> str:
    return ", ".join(f"{v:.{digits}f}" for v in values)


def details(results: list[Result]) -> str:
    lines = [
        "Every measurement, in run order (seconds; CPU is the Python process's own time, "
        "without the database server's; load is the 1-minute load average at the end):",
        "",
    ]
    for r in results:
        name = "SQLite" if r.database == "sqlite" else "PostgreSQL"
        lines.append(
            f"- {name}, {r.schools} school{'' if r.schools == 1 else 's'}: "
            f"import per school min {min(r.imports):.2f}, "
            f"median {statistics.median(r.imports):.2f}, max {max(r.imports):.2f} "
            f"(load {min(r.import_load):.1f} to {max(r.import_load):.1f}); "
            f"sweep {_list([s['seconds'] for s in r.sweeps])} "
            f"(CPU {_list([s['cpu'] for s in r.sweeps], 1)}, "
            f"load {_list([s['load'] for s in r.sweeps], 1)}); "
            f"bare read {_list([x['seconds'] for x in r.reads])} "
            f"(CPU {_list([x['cpu'] for x in r.reads], 1)}, "
            f"load {_list([x['load'] for x in r.reads], 1)}); "
            f"sweep peak RSS {_list([s['maxrss_kb'] / 1024 for s in r.sweeps], 0)} MB "
            f"({r.baseline_mb:.0f} MB before the sweep started); "
            f"bare read peak RSS {_list([x['maxrss_kb'] / 1024 for x in r.reads], 0)} MB"
        )
    return "\n".join(lines)


def record_table(results: list[Result]) -> str:
    lines = [
        "| database | pupils | findings | run | daily sweep s | CPU s | load | "
        "cases opened | findings added | peak RSS MB |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for day, run in zip(("first day", "ordinary day"), r.records, strict=False):
            lines.append(
                f"| {'SQLite' if r.database == 'sqlite' else 'PostgreSQL'} | {r.pupils:,} | "
                f"{run['findings']:,} | {day} | {run['seconds']:.1f} | {run['cpu']:.1f} | "
                f"{run['load']:.1f} | {run['cases_opened']:,} | {run['evidence_added']:,} | "
                f"{run['maxrss_kb'] / 1024:.0f} |"
            )
    return "\n".join(lines)


def record_details(results: list[Result]) -> str:
    lines = [
        "Setup and import before the two runs, and what else each run did (deadlines due and "
        "overdue, transitions fired; the baseline is the child's RSS before it started):",
        "",
    ]
    for r in results:
        name = "SQLite" if r.database == "sqlite" else "PostgreSQL"
        runs = "; ".join(
            f"run {i}: {x['deadlines_due']} due, {x['deadlines_overdue']} overdue, "
            f"{x['transitions_fired']} fired, baseline {x['baseline_kb'] / 1024:.0f} MB"
            for i, x in enumerate(r.records, start=1)
        )
        lines.append(
            f"- {name}, {r.schools} school{'' if r.schools == 1 else 's'}: setup {r.setup:.1f} s, "
            f"import {sum(r.imports):.0f} s ({r.marks:,} marks); {runs}"
        )
    return "\n".join(lines)


def report(results: list[Result], command: str, info: dict[str, str], record: bool = False) -> str:
    described = "\n".join(f"- {key}: {value}" for key, value in info.items())
    body = (
        f"{record_table(results)}\n\n{record_details(results)}"
        if record
        else f"{table(results)}\n\n{details(results)}"
    )
    return (
        f"Command (from the repository root):\n\n```\n{command}\n```\n\n"
        f"Machine and versions:\n\n{described}\n\n{body}\n"
    )


def write_docs(
    text: str, key: str, path: Path = DOCS, prefix: str = "results", anchor: str = START
) -> None:
    """Put a run's results in the docs, replacing an earlier run with the same scales.

    A block sits between `<!-- {prefix} {key} start -->` and its end marker; a new one goes
    just after `anchor`, newest first.
    """
    start, end = f"<!-- {prefix} {key} start -->", f"<!-- {prefix} {key} end -->"
    block = f"{start}\n{text}{end}"
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if start in current and end in current:
        before = current.split(start, 1)[0]
        after = current.split(end, 1)[1]
        path.write_text(before + block + after, encoding="utf-8")
    elif anchor in current:  # new runs go after the marker, newest first
        before, after = current.split(anchor, 1)
        path.write_text(before + anchor + "\n\n" + block + "\n" + after, encoding="utf-8")
    else:
        path.write_text(current.rstrip() + "\n\n" + block + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1,20,100", help="numbers of schools, e.g. 1,20,100")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--admin-url", default=PG_ADMIN, help="PostgreSQL to create databases")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    parser.add_argument(
        "--record",
        action="store_true",
        help="time daily_sweep(record=True) twice (first day, ordinary day) instead",
    )
    parser.add_argument("--child", choices=("sweep", "read", "record"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--as-of", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "sweep":
        print(json.dumps(child_sweep(args.url, date.fromisoformat(args.as_of))))
        return 0
    if args.child == "record":
        print(json.dumps(child_record(args.url, date.fromisoformat(args.as_of))))
        return 0
    if args.child == "read":
        print(json.dumps(child_bare_read(args.url)))
        return 0
    command = "python bench/run.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    scales = [int(s) for s in args.scales.split(",")]
    databases = [d.strip() for d in args.databases.split(",")]
    for name in databases:
        if name not in ("sqlite", "postgresql"):
            parser.error(f"unknown database {name!r}")
    OUT.mkdir(parents=True, exist_ok=True)
    info = machine(args.admin_url, databases)
    log(f"generating {max(scales)} schools (reused when present)")
    generate_la.generate(max(scales))
    results = []
    for scale in scales:
        for kind in databases:
            if args.record:
                results.append(run_record(kind, scale, args.admin_url, args.keep))
                print(record_table(results[-1:]), flush=True)
            else:
                results.append(run_one(kind, scale, args.repeat, args.admin_url, args.keep))
                print(table(results[-1:]), flush=True)
    text = report(results, command, info, args.record)
    print(text)
    if not args.no_docs:
        key = f"{args.scales} {args.databases}"
        write_docs(text, f"record {key}" if args.record else key)
    return 0


if __name__ == "__main__":
    sys.exit(main())

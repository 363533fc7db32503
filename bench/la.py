"""Every row of issue 11's targets for a synthetic LA, on SQLite and PostgreSQL, in one run.

For each scale (schools of 1,000 pupils, from bench/generate_la.py) and each database:

1. setup: a fresh migrated database with every school and its pupils (no marks), "setup";
2. import of one school-year: a copy of "setup", then `casework import marks marks.csv`
   for one school (the installed entry point, a whole process), --repeat times;
3. "before": a copy of "setup" with every school's marks up to the day before the last school
   day (import_marks, not timed); "swept": a copy of it swept with daily_sweep(record=True)
   as of that day (the cases it opens stay); "full": a copy of "before" with the last day
   imported too (the whole year);
4. full sweep: casework.services.sweep.sweep on "full" as of the last day, and in the same
   run, alternately, the numpy floor: every school's register read into memory first (not
   timed), then evaluate_policy over those Registers alone (no database read in the timing);
5. first daily sweep: daily_sweep(record=True) on a fresh copy of "full" (a case for every
   finding), --repeat copies;
6. import of one school day for the LA, then the daily sweep after it: a fresh copy of
   "swept", the last day imported for every school through the CLI (one `casework import
   marks FILE...` process given every school's file, the whole process timed), then
   daily_sweep(record=True) as of that day timed on its own (the import is not inside it),
   --repeat copies;
7. `casework --help` and `casework stats UPN --json` as whole processes, --cli-runs each.

Every sweep and the floor run in a child process that reports its own time, load average and
peak resident memory (VmHWM from /proc/self/status, as bench/run.py does); a CLI process is
timed by this script around it, its VmHWM sampled from /proc/<pid>/status while it runs. The
databases of the run (SQLite files in bench/out/, PostgreSQL databases casework_la_<schools>_*)
are dropped at the end unless --keep; a process that takes over an hour is killed. Medians
are written into docs/benchmarks.md between markers of their own, with the 1-minute load
average beside every figure.

    python bench/la.py --scales 1,20,100 --databases sqlite,postgresql --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# This checkout's casework first: the venv's editable install may point at another checkout.
sys.path[:0] = [str(ROOT), str(HERE)]

import generate_la  # noqa: E402
import run as bench_run  # noqa: E402

OUT = HERE / "out"
PREFIX = "la results"
ANCHOR = "<!-- la results -->"
CASEWORK = Path(sys.executable).parent / "casework"  # the venv's installed entry point
ENV = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
}
ENV.pop("CASEWORK_DATABASE_URL", None)  # every command is given --database
ROLES = ("setup", "year", "before", "swept", "full", "first", "day")
CLONE_TRIES = 60  # seconds to wait for autovacuum to leave a template database
PROCESS_LIMIT = 3600.0  # seconds any one child or CLI process may take before it is killed

log = bench_run.log


# -- the generated files, split at the last school day --------------------------------------


def split_marks(folder: Path, last: date) -> tuple[Path, Path]:
    """The school's marks.csv in two: every day before `last`, and `last` alone (written once)."""
    before = folder / f"marks_before_{last.isoformat()}.csv"
    day = folder / f"marks_{last.isoformat()}.csv"
    source = folder / "marks.csv"
    if day.exists() and before.exists() and day.stat().st_mtime >= source.stat().st_mtime:
        return before, day
    key = f",{last.isoformat()},"  # upn,date,...: the date is the second column
    with source.open(encoding="utf-8") as lines:
        header = next(lines)
        kept, last_day = [header], [header]
        for line in lines:
            (last_day if key in line else kept).append(line)
    before.write_text("".join(kept), encoding="utf-8")
    day.write_text("".join(last_day), encoding="utf-8")  # last: marks the split done
    return before, day


# -- databases: one per role, copied from one another --------------------------------------


def url_of(kind: str, scale: int, role: str, admin: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{sqlite_path(scale, role)}"
    return bench_run.pg_url(pg_name(scale, role), admin)


def sqlite_path(scale: int, role: str) -> Path:
    return OUT / f"la_{scale}_{role}.sqlite"


def pg_name(scale: int, role: str) -> str:
    return f"casework_la_{scale}_{role}"


def drop(kind: str, scale: int, role: str, admin: str) -> None:
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(sqlite_path(scale, role)) + suffix).unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{pg_name(scale, role)}" WITH (FORCE)')


def create(kind: str, scale: int, role: str, admin: str) -> str:
    drop(kind, scale, role, admin)
    if kind == "postgresql":
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{pg_name(scale, role)}"')
    return url_of(kind, scale, role, admin)


def clone(kind: str, scale: int, source: str, role: str, admin: str) -> str:
    """A copy of the source role's database (no process may be connected to it)."""
    drop(kind, scale, role, admin)
    if kind == "sqlite":
        for suffix in ("", "-wal"):
            origin = Path(str(sqlite_path(scale, source)) + suffix)
            if origin.exists():
                shutil.copyfile(origin, str(sqlite_path(scale, role)) + suffix)
        return url_of(kind, scale, role, admin)
    import psycopg

    statement = f'CREATE DATABASE "{pg_name(scale, role)}" TEMPLATE "{pg_name(scale, source)}"'
    with psycopg.connect(admin, autocommit=True) as conn:
        # FILE_COPY copies the files at a checkpoint; the default of PostgreSQL 15 (WAL_LOG)
        # writes the whole template through the WAL, slow for gigabytes.
        if conn.info.server_version >= 150000:
            statement += " STRATEGY FILE_COPY"
    for attempt in range(CLONE_TRIES):
        try:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(statement)
            return url_of(kind, scale, role, admin)
        except psycopg.errors.ObjectInUse:  # autovacuum is in the template: wait for it
            if attempt + 1 == CLONE_TRIES:
                raise
            time.sleep(1)
    raise AssertionError("unreachable")


# -- child processes ------------------------------------------------------------------------


def child_floor(url: str, as_of: date) -> dict[str, Any]:
    """The rules' arithmetic alone: evaluate_policy over every school's Register in memory."""
    from sqlalchemy import select

    from casework.policy.rules import evaluate_policy, lookback_start
    from casework.services.register.school_register import load_register
    from casework.services.register.schools import school_context
    from casework.store.database import Database
    from casework.store.models import School

    db = Database(url)
    with db.transaction() as session:
        schools = [school_context(s) for s in session.scalars(select(School).order_by(School.urn))]
    due = [s for s in schools if s.calendar.covers(as_of) or as_of >= s.calendar.first_day]
    # The same windows and pupils the sweep reads, read first: none of this is timed.
    loaded = []
    for school in due:
        start = lookback_start(school.policy, school.calendar, as_of)
        register = load_register(db, school, start, as_of, on_roll_at=as_of)
        births = [p.date_of_birth for p in register.pupils]
        names = [f"{p.forename} {p.surname}" for p in register.pupils]
        loaded.append((school.policy, register.register, births, names))
    db.dispose()
    baseline = bench_run._rss_kb()
    cpu = time.process_time()
    started = time.perf_counter()
    findings = 0
    for policy, register_, births, names in loaded:
        findings += len(evaluate_policy(policy, register_, as_of, births=births, names=names))
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    return {
        "seconds": seconds,
        "findings": findings,
        "pupils": sum(len(r[1].pupils) for r in loaded),
        "matrix_mb": sum(r[1].codes.nbytes for r in loaded) / 1024 / 1024,
        "cpu": cpu,
        "load": os.getloadavg()[0],
        "baseline_kb": baseline,
        "maxrss_kb": bench_run._status_kb("VmHWM"),
    }


def run_child(args: list[str]) -> dict[str, Any]:
    """This script as a child process (this checkout's casework), and its JSON answer."""
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
        env=ENV,
        timeout=PROCESS_LIMIT,
    )
    answer: dict[str, Any] = json.loads(completed.stdout)
    return answer


def _hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:  # gone already
        pass
    return 0


def run_cli(args: list[str]) -> dict[str, Any]:
    """`casework ARGS` as a whole process: wall and CPU time, exit, output, sampled VmHWM.

    The process is waited for in this thread, so the time ends when it does; a second thread
    reads its high-water mark every 5 ms (the last reading before exit is the figure).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen([str(CASEWORK), *args], stdout=out, stderr=err, env=ENV)
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], _hwm_kb(process.pid))
                done.wait(0.005)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        limit = threading.Timer(PROCESS_LIMIT, process.kill)  # a hung process cannot hang us
        limit.start()
        # wait4 gives the process's own CPU time too (unlike its peak RSS, not inherited).
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        limit.cancel()
        code = process.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if code != 0:
        raise RuntimeError(f"casework {shlex.join(args)} exited {code}: {stderr.strip()[-500:]}")
    return {
        "seconds": seconds,
        "cpu": usage.ru_utime + usage.ru_stime,
        "load": os.getloadavg()[0],
        "maxrss_kb": peak[0],
        "stdout": stdout,
    }


# -- one scale on one database --------------------------------------------------------------


@dataclass
class Result:
    database: str
    schools: int
    pupils: int = 0
    marks: int = 0
    day_marks: int = 0
    setup: float = 0.0
    before_import: float = 0.0
    year_imports: list[dict[str, Any]] = field(default_factory=list)
    eve: dict[str, Any] = field(default_factory=dict)
    sweeps: list[dict[str, Any]] = field(default_factory=list)
    floors: list[dict[str, Any]] = field(default_factory=list)
    firsts: list[dict[str, Any]] = field(default_factory=list)
    day_imports: list[dict[str, Any]] = field(default_factory=list)
    dailies: list[dict[str, Any]] = field(default_factory=list)
    helps: list[dict[str, Any]] = field(default_factory=list)
    stats: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return "SQLite" if self.database == "sqlite" else "PostgreSQL"

    def median(self, runs: str) -> float:
        return statistics.median(r["seconds"] for r in getattr(self, runs))

    @property
    def ratio(self) -> float:
        return self.median("sweeps") / self.median("floors")

    def peak_mb(self, runs: str) -> float:
        return max(r["maxrss_kb"] for r in getattr(self, runs)) / 1024

    @property
    def sweep_peak_mb(self) -> float:
        return max(self.peak_mb(k) for k in ("sweeps", "firsts", "dailies"))


def warn(result: Result, message: str) -> None:
    log(f"WARNING: {message}")
    result.warnings.append(message)


def set_up(kind: str, scale: int, admin: str, folders: list[Path], result: Result) -> None:
    """The "setup" database: migrated, every school and its pupils, no marks."""
    from casework.register.school import load_school
    from casework.services.register import importing, schools
    from casework.store.database import Database

    started = time.perf_counter()
    db = Database(create(kind, scale, "setup", admin))
    db.migrate()
    for folder in folders:
        config = load_school(folder / "school.toml")
        schools.save_school(db, config)
        result.pupils += importing.import_pupils(db, folder / "pupils.csv", config.urn).added
    db.dispose()
    result.setup = time.perf_counter() - started


def import_files(url: str, files: list[tuple[Path, str]]) -> int:
    """Marks files imported in this process through import_marks (set-up, not timed)."""
    from casework.services.register import importing
    from casework.store.database import Database

    db = Database(url)
    added = sum(importing.import_marks(db, path, urn).added for path, urn in files)
    db.dispose()
    return added


def cli_import(url: str, path: Path, urn: str) -> dict[str, Any]:
    return run_cli(["import", "marks", str(path), "--school", urn, "--database", url, "--json"])


def run_scale(kind: str, scale: int, repeat: int, cli_runs: int, admin: str, keep: bool) -> Result:
    result = Result(kind, scale)
    folders = generate_la.generate(scale)
    from casework.register.calendar import SchoolCalendar
    from casework.register.school import load_school

    days = SchoolCalendar(load_school(generate_la.TEMPLATE).terms).days
    last, eve = days[-1], days[-2]
    splits = [(folder.name, *split_marks(folder, last)) for folder in folders]
    try:
        log(f"{kind} {scale}: setup")
        set_up(kind, scale, admin, folders, result)

        for i in range(repeat):
            folder = folders[i % len(folders)]
            url = clone(kind, scale, "setup", "year", admin)
            run = cli_import(url, folder / "marks.csv", folder.name)
            run["added"] = json.loads(run.pop("stdout"))["added"]
            result.year_imports.append(run)
            drop(kind, scale, "year", admin)
            log(f"{kind} {scale}: school-year import {run['seconds']:.2f} s ({run['added']:,})")

        log(f"{kind} {scale}: every school's marks up to {eve}")
        started = time.perf_counter()
        url = clone(kind, scale, "setup", "before", admin)
        result.marks = import_files(url, [(b, urn) for urn, b, _ in splits])
        result.before_import = time.perf_counter() - started

        url = clone(kind, scale, "before", "swept", admin)
        result.eve = run_child(["--child", "record", "--url", url, "--as-of", eve.isoformat()])
        log(f"{kind} {scale}: swept as of {eve}: {result.eve['seconds']:.2f} s")

        url = clone(kind, scale, "before", "full", admin)
        result.day_marks = import_files(url, [(d, urn) for urn, _, d in splits])
        result.marks += result.day_marks
        full = url
        if not keep:  # a copy of every day but the last is not needed again: free the space
            drop(kind, scale, "before", admin)

        for i in range(repeat):
            sweep = run_child(["--child", "sweep", "--url", full, "--as-of", last.isoformat()])
            floor = run_child(["--child", "floor", "--url", full, "--as-of", last.isoformat()])
            result.sweeps.append(sweep)
            result.floors.append(floor)
            if floor["findings"] != sweep["findings"]:
                warn(result, f"floor found {floor['findings']}, the sweep {sweep['findings']}")
            log(
                f"{kind} {scale}: run {i + 1}: sweep {sweep['seconds']:.2f} s, "
                f"floor {floor['seconds']:.2f} s ({sweep['findings']} findings)"
            )

        for i in range(repeat):
            url = clone(kind, scale, "full", "first", admin)
            first = run_child(["--child", "record", "--url", url, "--as-of", last.isoformat()])
            result.firsts.append(first)
            drop(kind, scale, "first", admin)
            log(
                f"{kind} {scale}: run {i + 1}: first daily sweep {first['seconds']:.2f} s "
                f"({first['cases_opened']} cases opened)"
            )

        for i in range(repeat):
            url = clone(kind, scale, "swept", "day", admin)
            started = time.perf_counter()
            # One process for every school's file: each goes to the school its pupils are at.
            day_files = [str(d) for _, _, d in splits]
            runs = [run_cli(["import", "marks", *day_files, "--database", url, "--json"])]
            took = time.perf_counter() - started
            reports = json.loads(runs[0]["stdout"])
            reports = reports if isinstance(reports, list) else [reports]
            added = sum(r["added"] for r in reports)
            if added != result.day_marks:
                warn(result, f"the day's import added {added} marks, not {result.day_marks}")
            result.day_imports.append(
                {
                    "seconds": took,
                    "load": os.getloadavg()[0],
                    "cpu": sum(r["cpu"] for r in runs),
                    "processes": len(runs),
                    "added": added,
                    "maxrss_kb": max(r["maxrss_kb"] for r in runs),
                }
            )
            daily = run_child(["--child", "record", "--url", url, "--as-of", last.isoformat()])
            result.dailies.append(daily)
            drop(kind, scale, "day", admin)
            if daily["findings"] != result.sweeps[0]["findings"]:
                warn(
                    result,
                    f"the daily sweep after the day found {daily['findings']}, "
                    f"the full sweep {result.sweeps[0]['findings']}",
                )
            log(
                f"{kind} {scale}: run {i + 1}: day import {took:.2f} s ({added:,} marks), "
                f"daily sweep after it {daily['seconds']:.2f} s "
                f"({daily['cases_opened']} opened, {daily['evidence_added']} added)"
            )

        upn = generate_la.upn_of(0, 0)
        for _ in range(cli_runs):
            result.helps.append(run_cli(["--help"]))
            result.stats.append(
                run_cli(["stats", upn, "--json", "--as-of", last.isoformat(), "--database", full])
            )
            json.loads(result.stats[-1]["stdout"])  # a JSON answer, or this fails loudly
        log(
            f"{kind} {scale}: --help {result.median('helps'):.2f} s, "
            f"stats --json {result.median('stats'):.2f} s"
        )
    finally:
        if not keep:
            for role in ROLES:
                drop(kind, scale, role, admin)
    return result


# -- reporting ------------------------------------------------------------------------------


def loads(runs: list[dict[str, Any]]) -> str:
    values = [r["load"] for r in runs]
    if len(values) > 3:
        return f"load {min(values):.1f} to {max(values):.1f}"
    return "load " + ", ".join(f"{v:.1f}" for v in values)


def seconds(runs: list[dict[str, Any]], digits: int = 2) -> str:
    """The median wall time, with the median CPU time of the process and the loads."""
    median = statistics.median(r["seconds"] for r in runs)
    cpu = statistics.median(r["cpu"] for r in runs)
    return f"{median:.{digits}f} s (CPU {cpu:.{digits}f}; {loads(runs)})"


# Each row: its words, the target at 100k, the figure, and whether it meets the target.
def rows(r: Result) -> list[tuple[str, str, str, bool | None]]:
    year = r.year_imports[0]["added"] if r.year_imports else 0
    return [
        (
            "full sweep, every rule",
            "under 6 s",
            seconds(r.sweeps),
            r.median("sweeps") < 6,
        ),
        (
            "numpy floor (evaluate_policy over the Registers in memory, same run)",
            "",
            seconds(r.floors),
            None,
        ),
        ("full sweep / numpy floor", "within 5x", f"{r.ratio:.1f}x", r.ratio <= 5),
        (
            "daily sweep after one new register session, with case work",
            "under 2 s",
            seconds(r.dailies),
            r.median("dailies") < 2,
        ),
        (
            f"first daily sweep (a case for every finding; "
            f"{r.firsts[0]['cases_opened']:,} cases opened)",
            "under 30 s",
            seconds(r.firsts),
            r.median("firsts") < 30,
        ),
        (
            f"import of one school day for the LA ({r.day_marks:,} marks, "
            f"one `casework import marks` of {r.schools} "
            f"{'file' if r.schools == 1 else 'files'}, whole process)",
            "under 3 s",
            seconds(r.day_imports),
            r.median("day_imports") < 3,
        ),
        (
            f"import of one school-year ({year:,} marks, `casework import marks`, whole process)",
            "under 3 s",
            seconds(r.year_imports),
            r.median("year_imports") < 3,
        ),
        (
            "`casework --help` (whole process)",
            "under 0.25 s",
            seconds(r.helps),
            r.median("helps") < 0.25,
        ),
        (
            "`casework stats UPN --json` (whole process)",
            "under 0.4 s",
            seconds(r.stats),
            r.median("stats") < 0.4,
        ),
        (
            "peak memory of any sweep (VmHWM of the child)",
            "under 1 GB",
            f"{r.sweep_peak_mb:.0f} MB (full {r.peak_mb('sweeps'):.0f}, first daily "
            f"{r.peak_mb('firsts'):.0f}, daily after the day {r.peak_mb('dailies'):.0f})",
            r.sweep_peak_mb < 1024,
        ),
    ]


def table(results: list[Result]) -> str:
    """One table per scale: a row per target, a column per database."""
    out = []
    for scale in dict.fromkeys(r.schools for r in results):
        of_scale = [r for r in results if r.schools == scale]
        header = "| what | target (at 100k) | " + " | ".join(r.name for r in of_scale) + " | met |"
        lines = [
            f"**{of_scale[0].pupils:,} pupils ({scale} school{'' if scale == 1 else 's'}, "
            f"{of_scale[0].marks:,} marks)**",
            "",
            header,
            "|---|---|" + "---:|" * len(of_scale) + "---|",
        ]
        per_database = [rows(r) for r in of_scale]
        for i, (what, target, _, _) in enumerate(per_database[0]):
            figures = [rs[i][2] for rs in per_database]
            met = []
            for r, rs in zip(of_scale, per_database, strict=True):
                verdict = rs[i][3]
                if verdict is not None:
                    met.append(f"{r.name} {'yes' if verdict else 'no'}")
            lines.append(f"| {what} | {target} | " + " | ".join(figures) + f" | {', '.join(met)} |")
        out.append("\n".join(lines))
    return "\n\n".join(out)


def _list(runs: list[dict[str, Any]], key: str = "seconds", digits: int = 2) -> str:
    return ", ".join(f"{r[key]:.{digits}f}" for r in runs)


def _mb(runs: list[dict[str, Any]]) -> str:
    return ", ".join(f"{r['maxrss_kb'] / 1024:.0f}" for r in runs)


def details(results: list[Result]) -> str:
    lines = [
        "Every measurement, in run order (seconds; CPU is the child's own, without the database "
        "server's; load is the 1-minute load average at the end of each; peak RSS is VmHWM, "
        "sampled for the CLI's processes):",
        "",
    ]
    for r in results:
        lines.append(
            f"- {r.name}, {r.schools} school{'' if r.schools == 1 else 's'}: "
            f"setup {r.setup:.1f} s; marks up to the day before imported in "
            f"{r.before_import:.0f} s; "
            f"swept as of that day with case work in {r.eve['seconds']:.2f} s "
            f"({r.eve['cases_opened']:,} cases opened). "
            f"Full sweep {_list(r.sweeps)} (CPU {_list(r.sweeps, 'cpu', 1)}, "
            f"{loads(r.sweeps)}; peak {_mb(r.sweeps)} MB; {r.sweeps[0]['findings']:,} findings); "
            f"floor {_list(r.floors, digits=3)} (CPU {_list(r.floors, 'cpu', 2)}, "
            f"{loads(r.floors)}; {r.floors[0]['matrix_mb']:.1f} MB of matrices; peak "
            f"{_mb(r.floors)} MB, reading included). "
            f"First daily sweep {_list(r.firsts)} (CPU {_list(r.firsts, 'cpu', 1)}, "
            f"{loads(r.firsts)}; peak {_mb(r.firsts)} MB; "
            f"{r.firsts[0]['evidence_added']:,} findings added). "
            f"Day import {_list(r.day_imports)} (CPU {_list(r.day_imports, 'cpu')}, "
            f"{loads(r.day_imports)}; "
            f"{r.day_imports[0]['processes']} process(es), peak {_mb(r.day_imports)} MB); "
            f"daily sweep after it {_list(r.dailies)} (CPU {_list(r.dailies, 'cpu', 1)}, "
            f"{loads(r.dailies)}; peak {_mb(r.dailies)} MB; "
            f"{r.dailies[0]['cases_opened']:,} cases opened, "
            f"{r.dailies[0]['evidence_added']:,} findings added). "
            f"School-year import {_list(r.year_imports)} (CPU {_list(r.year_imports, 'cpu')}, "
            f"{loads(r.year_imports)}; peak "
            f"{_mb(r.year_imports)} MB). "
            f"`--help` {_list(r.helps)} (CPU {_list(r.helps, 'cpu')}, {loads(r.helps)}); "
            f"`stats --json` {_list(r.stats)} (CPU {_list(r.stats, 'cpu')}, {loads(r.stats)}; "
            f"peak {_mb(r.stats)} MB)."
        )
        lines.extend(f"  - warning: {w}" for w in r.warnings)
    return "\n".join(lines)


def report(results: list[Result], command: str, info: dict[str, str], repeat: int) -> str:
    described = "\n".join(f"- {key}: {value}" for key, value in info.items())
    cli_runs = len(results[0].helps) if results else 0
    return (
        f"Command (from the repository root):\n\n```\n{command}\n```\n\n"
        f"Machine and versions:\n\n{described}\n\n"
        f"Medians of {repeat} runs ({cli_runs} for `--help` and `stats`): wall time, then "
        "the Python process's own CPU time (a CLI process's, or the child's; not the database "
        "server's, nor a sweep's worker processes'), then the 1-minute load average at the end "
        f"of each run. Sweeps ran on {os.environ.get('BENCH_WORKERS', '1')} process(es) "
        "(`casework sweep --workers`; the numpy floor always on one); peak memory is the "
        "sweeping process's own.\n\n"
        f"{table(results)}\n\n{details(results)}\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1,20,100", help="numbers of schools, e.g. 1,20,100")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cli-runs", type=int, default=7, help="runs of --help and of stats")
    parser.add_argument("--admin-url", default=bench_run.PG_ADMIN, help="PostgreSQL to use")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="sweep processes (default: the cores, as casework sweep uses)",
    )
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    parser.add_argument("--child", choices=("sweep", "record", "floor"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--as-of", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child = {
            "sweep": bench_run.child_sweep,
            "record": bench_run.child_record,
            "floor": child_floor,
        }[args.child]
        print(json.dumps(child(args.url, date.fromisoformat(args.as_of))))
        return 0
    if args.repeat < 1 or args.cli_runs < 1:
        parser.error("--repeat and --cli-runs must be at least 1")
    from casework.services.sweep_pool import default_workers

    # The sweeps' children use as many processes as `casework sweep` does by default.
    os.environ["BENCH_WORKERS"] = str(args.workers or default_workers())
    ENV["BENCH_WORKERS"] = os.environ["BENCH_WORKERS"]
    command = "python bench/la.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    scales = [int(s) for s in args.scales.split(",")]
    databases = [d.strip() for d in args.databases.split(",")]
    for name in databases:
        if name not in ("sqlite", "postgresql"):
            parser.error(f"unknown database {name!r}")
    if not CASEWORK.exists():
        parser.error(f"no casework entry point at {CASEWORK} (install the package in the venv)")
    OUT.mkdir(parents=True, exist_ok=True)
    info = bench_run.machine(args.admin_url, databases)
    log(f"generating {max(scales)} schools (reused when present)")
    generate_la.generate(max(scales))
    results = []
    for scale in scales:
        for kind in databases:
            results.append(
                run_scale(kind, scale, args.repeat, args.cli_runs, args.admin_url, args.keep)
            )
            print(table(results[-1:]), flush=True)
    text = report(results, command, info, args.repeat)
    print(text)
    if not args.no_docs:
        key = f"{args.scales} {args.databases}"
        bench_run.write_docs(text, key, prefix=PREFIX, anchor=ANCHOR)
    return 0


if __name__ == "__main__":
    sys.exit(main())

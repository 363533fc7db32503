"""The case page and `GET /api/cases/{id}` with 10,000 open cases on PostgreSQL, 16 clients.

    python bench/web.py                       # 10,000 cases, 16 clients, 3 repeats
    python bench/web.py --cases 2000 --seconds 5 --repeat 1 --no-write   # a quick look

1. a PostgreSQL database of its own (`casework_bench_web`, made with the admin connection
   and dropped at the end), migrated, with the example school and 10,000 pupils each with an
   open attendance concern, bulk-loaded by bench/web_world.py (COPY, not the ORM);
2. the app served by `uvicorn --factory casework.web.app:app_from_environment --workers 2`
   on a free 127.0.0.1 port, signed in with an API token (`Authorization: Bearer`);
3. per repeat and per path, wrk (C, one thread, 16 connections; `apt-get install wrk`) sends
   GETs of random case ids among the 10,000 for a fixed time after a warm-up and reports its
   latency percentiles; `--client httpx` uses 16 asyncio clients in Python instead, sharing a
   bounded number of requests, each timed by the client;
4. p50 / p95 / p99 and throughput, medians over the repeats, with the 1-minute load average,
   into docs/benchmarks.md between the web markers; and a short in-process profile of one
   case page (cProfile over the Litestar test client): where the time goes.

If `/api/cases/{id}` answers 404 or 405 the JSON API is not there yet: the script says so
and measures the case page alone. Traffic goes to 127.0.0.1 only; every loop is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DOCS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- web results -->", "<!-- /web results -->"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
DATABASE = "casework_bench_web"
PATHS = {"case page": "/cases/{id}", "JSON API": "/api/cases/{id}"}

sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import web_world  # noqa: E402


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def admin_sql(admin: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def drive(
    base: str, path: str, token: str, ids: list[int], requests: int, clients: int, seed: int
) -> dict[str, Any]:
    """`requests` GETs of `path` at random case ids, `clients` at a time; latencies in ms."""
    import httpx

    rng = random.Random(seed)
    targets = [path.format(id=rng.choice(ids)) for _ in range(requests)]
    latencies: list[float] = []
    failures: dict[int, int] = {}
    headers = {"Authorization": f"Bearer {token}"}
    queue = iter(targets)

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
            for target in queue:  # a shared iterator: each request is taken once
                started = time.perf_counter()
                response = await http.get(target)
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    failures[response.status_code] = failures.get(response.status_code, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    return {
        "n": len(latencies),
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "p99": percentile(latencies, 99),
        "rps": len(latencies) / elapsed,
        "failures": failures,
        "load": os.getloadavg()[0],
    }


WRK_SCRIPT = """
local ids = {%(ids)s}
math.randomseed(%(seed)d)
wrk.headers["Authorization"] = "Bearer %(token)s"
request = function()
  return wrk.format("GET", string.format("%(pattern)s", ids[math.random(#ids)]))
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%.3f %%.3f %%.3f %%.3f\\n", summary.requests,
    e.connect + e.read + e.write + e.timeout, e.status, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def drive_wrk(
    base: str, path: str, token: str, ids: list[int], seconds: int, clients: int, seed: int
) -> dict[str, Any]:
    """wrk (C, one thread) holding `clients` connections for `seconds`, each GET at a random
    case id; wrk's own latency percentiles, in ms."""
    import tempfile

    script = WRK_SCRIPT % {
        "ids": ",".join(map(str, ids)),
        "seed": seed,
        "token": token,
        "pattern": path.replace("{id}", "%d"),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as file:
        file.write(script)
        file.flush()
        command = ["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "-s", file.name, base]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    n, errors, non_200, duration, p50, p95, p99 = line.split()[1:]
    failures = {"not 200": int(non_200), "socket errors": int(errors)}
    return {
        "n": int(n),
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "rps": int(n) / float(duration),
        "failures": {k: v for k, v in failures.items() if v},
        "load": os.getloadavg()[0],
    }


def serve(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, CASEWORK_DATABASE_URL=url, CASEWORK_SECRET="bench-secret-" * 4)
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "casework.web.app:app_from_environment",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    return subprocess.Popen(command, env=env, cwd=ROOT)


def wait_until_up(base: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"uvicorn exited with {process.returncode}")
        try:
            if httpx.get(base + "/sign-in", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("the app did not answer within a minute")


def profile_case_page(url: str, case_ids: list[int], token: str, count: int = 60) -> str:
    """Where one case page's time goes, in this process and one request at a time: the whole
    request through Litestar's test client (the page and the API), the service alone
    (`cases.show_case`), and a cProfile of the service (the handler itself runs in a worker
    thread, out of cProfile's sight, so the service is profiled by calling it here)."""
    import logging
    from datetime import date

    from litestar.testing import TestClient

    from casework.services import cases
    from casework.services.access import sign_in
    from casework.store.database import Database
    from casework.web.app import create_app

    logging.getLogger("httpx").setLevel(logging.WARNING)
    db = Database(url)
    who = sign_in.actor_for_token(db, token)
    assert who is not None
    rng = random.Random(3)
    picks = [rng.choice(case_ids) for _ in range(count)]
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(db, secret="bench-secret-" * 4)) as client:
        per_path = {}
        for path in PATHS.values():
            for case_id in picks[:5]:
                client.get(path.format(id=case_id), headers=headers)
            started, cpu = time.perf_counter(), time.process_time()
            for case_id in picks:
                client.get(path.format(id=case_id), headers=headers)
            per_path[path] = (
                (time.perf_counter() - started) / count * 1000,
                (time.process_time() - cpu) / count * 1000,
            )
    today = date.today()
    started, cpu = time.perf_counter(), time.process_time()
    for case_id in picks:
        cases.show_case(db, case_id=case_id, who=who, today=today)
    service = (time.perf_counter() - started) / count * 1000
    service_cpu = (time.process_time() - cpu) / count * 1000
    profiler = cProfile.Profile()
    profiler.enable()
    for case_id in picks:
        cases.show_case(db, case_id=case_id, who=who, today=today)
    profiler.disable()
    db.dispose()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    (page, page_cpu), (api, api_cpu) = per_path.values()
    # CPU time as well as elapsed: on a shared machine the elapsed time swings with the load,
    # the CPU a request costs much less (it includes the test client's own, in this process).
    return (
        f"one request at a time, in one process: {page:.1f} ms per case page ({page_cpu:.1f} ms "
        f"of CPU) and {api:.1f} ms per API answer ({api_cpu:.1f} ms of CPU), of which "
        f"cases.show_case {service:.1f} ms ({service_cpu:.1f} ms of CPU; the rest: "
        f"authentication, the template or JSON, Litestar and the test client), load "
        f"{os.getloadavg()[0]:.2f}\n" + out.getvalue()
    )


def table(results: dict[str, list[dict[str, Any]]]) -> str:
    rows = [
        "| path | requests (median) | p50 ms | p95 ms | p99 ms | requests/s | load (1 min) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, runs in results.items():

        def med(key: str, runs: list[dict[str, Any]] = runs) -> float:
            return statistics.median(r[key] for r in runs)

        rows.append(
            f"| `GET {PATHS[name]}` ({name}) | {med('n'):.0f} | {med('p50'):.1f} | "
            f"{med('p95'):.1f} | {med('p99'):.1f} | {med('rps'):.0f} | "
            + ", ".join(f"{r['load']:.2f}" for r in runs)
            + " |"
        )
    return "\n".join(rows)


def write_docs(text: str) -> None:
    doc = DOCS.read_text()
    block = f"{START}\n{text}\n{END}"
    if START in doc and END in doc:
        before, rest = doc.split(START, 1)
        doc = before + block + rest.split(END, 1)[1]
    else:
        doc = doc.rstrip("\n") + "\n\n" + block + "\n"
    DOCS.write_text(doc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=2_000, help="per path and repeat")
    parser.add_argument("--warmup", type=int, default=200, help="requests (httpx)")
    parser.add_argument(
        "--client",
        choices=["wrk", "httpx"],
        default="wrk" if shutil.which("wrk") else "httpx",
        help="the load generator: wrk (Debian's wrk, C; the default when installed) or "
        "httpx (asyncio, in Python: its own CPU is taken from the server's 2 cores)",
    )
    parser.add_argument("--seconds", type=int, default=20, help="per path and repeat (wrk)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--admin", default=PG_ADMIN, help="PostgreSQL admin connection URL")
    parser.add_argument("--no-write", action="store_true", help="do not touch the docs")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if not 0 < args.requests <= 100_000 or not 0 < args.repeat <= 10:
        raise SystemExit("--requests must be 1..100000 and --repeat 1..10")

    from casework.services.access.sign_in import issue_token

    url = args.admin.rsplit("/", 1)[0] + "/" + DATABASE
    admin_sql(args.admin, f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    admin_sql(args.admin, f'CREATE DATABASE "{DATABASE}"')
    process: subprocess.Popen[bytes] | None = None
    try:
        started = time.perf_counter()
        built = web_world.build(url, args.cases)
        build_seconds = time.perf_counter() - started
        log(f"built in {build_seconds:.1f} s: {built['counts']}")
        from casework.store.database import Database

        db = Database(url)
        token = issue_token(db, built["lead"])
        db.dispose()
        ids = built["case_ids"]

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        process = serve(url, port, args.workers)
        wait_until_up(base, process)
        import httpx

        headers = {"Authorization": f"Bearer {token}"}
        paths = dict(PATHS)
        answer = httpx.get(base + PATHS["JSON API"].format(id=ids[0]), headers=headers)
        notes = []
        if answer.status_code in (404, 405):
            message = (
                f"GET /api/cases/{{id}} answers {answer.status_code}: the JSON API is not in "
                "this build yet, so only the case page is measured."
            )
            log(message)
            notes.append(message)
            del paths["JSON API"]
        elif answer.status_code != 200:
            raise SystemExit(f"GET /api/cases/{ids[0]} answered {answer.status_code}")
        page = httpx.get(base + PATHS["case page"].format(id=ids[0]), headers=headers)
        if page.status_code != 200:
            raise SystemExit(f"GET /cases/{ids[0]} answered {page.status_code}: {page.text[:300]}")

        results: dict[str, list[dict[str, Any]]] = {name: [] for name in paths}

        def measure(path: str, seed: int, warm_up: bool = False) -> dict[str, Any]:
            if args.client == "wrk":
                seconds = 5 if warm_up else args.seconds
                return drive_wrk(base, path, token, ids, seconds, args.clients, seed)
            count = args.warmup if warm_up else args.requests
            return asyncio.run(drive(base, path, token, ids, count, args.clients, seed))

        for path in paths.values():
            measure(path, seed=99, warm_up=True)
        for repeat in range(args.repeat):
            for name, path in paths.items():
                run = measure(path, seed=repeat + 1)
                log(f"{name} #{repeat + 1}: {run}")
                if run["failures"]:
                    raise SystemExit(f"{name}: answers other than 200: {run['failures']}")
                results[name].append(run)
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    profile = profile_case_page(url, ids, token)
    log(profile)
    first_line = profile.split("\n", 1)[0]
    if not args.keep:
        admin_sql(args.admin, f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')

    summary = table(results)
    print(summary)
    header = (
        f"Run of {time.strftime('%Y-%m-%d %H:%M')}: {args.cases:,} open cases on PostgreSQL "
        f"(bulk build {build_seconds:.0f} s), uvicorn with {args.workers} workers, "
        + (
            f"{args.clients} connections from wrk (one thread) on the same 2 cores, "
            f"{args.seconds} s per path per repeat after 5 s of warm-up, "
            if args.client == "wrk"
            else f"{args.clients} concurrent clients (httpx, asyncio) on the same 2 cores, "
            f"{args.requests} requests per path per repeat after {args.warmup} warm-up requests, "
        )
        + f"medians of {args.repeat} repeats; load averages are per repeat. "
        f"Python {sys.version.split()[0]}."
    )
    if not args.no_write:
        write_docs("\n\n".join([header, summary, *notes, f"Profile: {first_line}."]))


if __name__ == "__main__":
    main()

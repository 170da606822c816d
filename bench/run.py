"""Side-by-side measurements: the hello-world anchor and Walking Check (without storage, and with
DynamoDB on a local moto server), interleaved in one run so machine noise hits all alike.

Cold starts and warm latencies come from fresh interpreters that see only an unpacked Lambda zip
and the standard library (see ``bench/probe.py``). The web service is measured over loopback
as ``python -m skill serve`` runs it, with a bounded number of requests from a few keep-alive
client processes.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import math
import multiprocessing
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path
from typing import Any, cast

from bench import anchor
from skill import packaging
from skill.envelopes import APPLICATION_ID, Session, slot

REPO = Path(__file__).resolve().parent.parent
PROBE = Path(__file__).with_name("probe.py")
USER_ID = "amzn1.ask.account.BENCHUSER"
TABLE = "WalkingCheckDiaryBench"
REGION = "us-east-1"
# What the python3.11 Lambda runtime provides outside the zip (/var/runtime): boto3 and the
# packages botocore needs. The zip's own copies come first on sys.path, as on Lambda.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "urllib3", "dateutil")
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}

WARM_UP_REQUESTS = 50  # per web-service run, before the timed requests
ANCHOR, WC, WC_DDB = "anchor", "Walking Check", "Walking Check + DynamoDB"
MEMORY = "in-memory diary"


@dataclass(frozen=True)
class Settings:
    cold_runs: int
    warm_processes: int
    warm_requests: int  # per turn and process
    warm_requests_ddb: int  # DynamoDB turns go over loopback HTTP to moto: fewer of them
    http_requests: int  # per web-service variant
    http_clients: int


FULL = Settings(
    cold_runs=60,  # cold starts on a shared 2-core machine vary by ±20 ms; see median_interval
    warm_processes=3,
    warm_requests=1500,
    warm_requests_ddb=150,
    http_requests=10_000,
    http_clients=4,
)
QUICK = Settings(
    cold_runs=3, warm_processes=1, warm_requests=150, warm_requests_ddb=20, http_requests=300, http_clients=4
)


@dataclass
class Variant:
    name: str
    task: Path
    turns: tuple[str, ...]
    events: Path
    extra_path: list[Path] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    warm_requests: int = 0
    import_ms: list[float] = field(default_factory=list)
    cold_ms: list[float] = field(default_factory=list)
    warm_ns: dict[str, list[int]] = field(default_factory=dict)
    maxrss_kb: list[int] = field(default_factory=list)
    zip_bytes: int = 0
    unzipped_bytes: int = 0


# --- packages ---------------------------------------------------------------------------------


def build_anchor_zip(out: Path) -> tuple[Path, int, int]:
    """The anchor's handler plus ask-sdk-core and its runtime closure, zipped as packaging.py does."""
    packaging.check_target()
    handler = out / "anchor_src" / "lambda_function.py"
    handler.parent.mkdir(parents=True)
    handler.write_text(anchor.HANDLER_SOURCE, encoding="utf-8")
    files: dict[str, Path] = {"lambda_function.py": handler}
    dists = [metadata.distribution("ask-sdk-core"), *packaging.runtime_distributions("ask-sdk-core")]
    packaging.add_distributions(files, dists)
    packaging.add_bytecode(files, out / "anchor_pyc", keep_source=lambda name: name == "lambda_function.py")
    zip_path = out / "anchor.zip"
    unzipped = packaging._write_zip(zip_path, files)
    return zip_path, zip_path.stat().st_size, unzipped


def unpack(zip_path: Path, target: Path) -> Path:
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(target)
    return target


def lambda_runtime_dir(target: Path) -> Path:
    """Stand-in for /var/runtime: boto3 and the packages botocore needs, from this environment."""
    target.mkdir()
    for name in RUNTIME_PACKAGES:
        spec = find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit(f"{name} is not installed; it is needed to measure the DynamoDB variant")
        (target / name).symlink_to(next(iter(spec.submodule_search_locations)))
    return target


# --- envelopes --------------------------------------------------------------------------------


def _person(value: str) -> dict[str, Any]:
    return {"person": slot("person", value, value_id=value, slot_type="PersonType")}


def _minutes(value: str) -> dict[str, Any]:
    return {"minutes": slot("minutes", value)}


# A whole check: launch, for whom, two red-flag questions, self-checks and visit questions.
CHECK: tuple[tuple[str, dict[str, Any] | None], ...] = (
    ("LaunchRequest", None),
    ("ForWhomIntent", _person("self")),
    ("AMAZON.NoIntent", None),
    ("AMAZON.NoIntent", None),
    ("WalkTimeIntent", _minutes("8")),
    ("AMAZON.YesIntent", None),
    ("AMAZON.YesIntent", None),
    ("AMAZON.NoIntent", None),
    ("AMAZON.NoIntent", None),
    ("AMAZON.NoIntent", None),
)


def check_envelopes(session: Session) -> Iterator[dict[str, Any]]:
    """The envelopes of one check; the caller feeds each response to ``session.absorb``."""
    for name, slots in CHECK:
        yield session.launch() if name == "LaunchRequest" else session.intent(name, slots)


def walking_check_events() -> dict[str, Any]:
    """Launch, a mid-check answer (walking minutes, with session attributes) and the result turn,
    recorded from a real conversation through the skill."""
    from ask_sdk_model import RequestEnvelope

    from skill.dialog import build_skill

    skill = build_skill(store=None, skill_id=APPLICATION_ID)
    session = Session(USER_ID)
    recorded = []
    response: dict[str, Any] = {}
    for event in check_envelopes(session):
        recorded.append(event)
        envelope = skill.serializer.deserialize(payload=json.dumps(event), obj_type=RequestEnvelope)
        response = cast(
            dict[str, Any], skill.serializer.serialize(skill.invoke(request_envelope=envelope, context=None))
        )
        session.absorb(response)
    if "card" not in response["response"]:
        raise SystemExit("the scripted check did not reach a result; bench.run.CHECK needs updating")
    return {"cold": recorded[0], "launch": recorded[0], "answer": recorded[4], "result": recorded[-1]}


def anchor_events() -> dict[str, Any]:
    session = Session(USER_ID)
    launch = session.launch()
    return {
        "cold": launch,
        "launch": launch,
        "hello": session.intent("HelloWorldIntent"),
        "help": session.intent("AMAZON.HelpIntent"),
    }


# --- DynamoDB on moto ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_http(port: int, path: str, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{proc.args!r} exited with status {proc.returncode}")
        with contextlib.suppress(OSError):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        time.sleep(0.1)
    raise SystemExit(f"nothing answered on port {port} within {timeout:.0f} s")


@contextlib.contextmanager
def running(
    args: list[str], port: int, health: str, env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_for_http(port, health, proc)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def seed_diary(endpoint: str) -> None:
    """A returning user: consent given and a few logged walks, so launch and result read the diary."""
    from skill.persistence import DiaryEntry
    from skill.persistence.dynamodb import DynamoDBDiaryStore

    store = DynamoDBDiaryStore(TABLE, region=REGION, endpoint_url=endpoint)
    store.create_table()
    store.set_consent(USER_ID, True)
    today = dt.date.today()
    for days_ago, minutes in ((20, 15.0), (10, 12.0), (2, 9.0)):
        store.add(
            USER_ID, DiaryEntry(day=today - dt.timedelta(days=days_ago), walk_minutes=minutes, source="log")
        )


# --- measuring ----------------------------------------------------------------------------------


def run_probe(v: Variant, warm: int) -> None:
    cfg = {
        "path": [str(v.task), *map(str, v.extra_path)],
        "events": str(v.events),
        "turns": v.turns,
        "warm": warm,
    }
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "AWS_REGION": REGION, **v.env}
    # -I: no user site or PYTHON* variables; -S: no site-packages; -B: /var/task is read-only on
    # Lambda, so no bytecode is written there between runs.
    args = [sys.executable, "-I", "-S", "-B", "-c", PROBE.read_text(encoding="utf-8"), json.dumps(cfg)]
    spawned = time.monotonic()
    result = subprocess.run(
        args, cwd=v.task, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"{v.name}: probe failed\n{result.stderr[-3000:]}")
    out = json.loads(result.stdout.strip().splitlines()[-1])
    if warm:
        for name, samples in out["warm_ns"].items():
            v.warm_ns.setdefault(name, []).extend(samples)
        v.maxrss_kb.append(out["maxrss_kb"])
    else:
        v.import_ms.append(out["import_ms"])
        v.cold_ms.append((out["first_at"] - spawned) * 1000)


@dataclass
class HttpResult:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    workers: int = 0
    server_cpu_seconds: float = 0.0
    latencies_ns: list[int] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


class LoopbackClient:
    """A minimal HTTP/1.1 keep-alive client for the load generator.

    http.client parses every response header through the email package, which on these two
    shared cores cost as much CPU as the server's dialog; this reads only the status line and
    Content-Length, so the measurement is of the server rather than of the client.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock = self._connect()
        self.buffer = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def reconnect(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()
        self.sock, self.buffer = self._connect(), b""

    def _more(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk

    def post(self, body: bytes) -> tuple[int, bytes]:
        head = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        self.sock.sendall(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        while b"\r\n\r\n" not in self.buffer:
            self._more()
        header, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = header.split(b"\r\n")
        fields = dict(line.split(b":", 1) for line in lines[1:])
        length = int(next(v for k, v in fields.items() if k.strip().lower() == b"content-length"))
        while len(self.buffer) < length:
            self._more()
        payload, self.buffer = self.buffer[:length], self.buffer[length:]
        if any(
            k.strip().lower() == b"connection" and v.strip().lower() == b"close" for k, v in fields.items()
        ):
            self.reconnect()
        return int(lines[0].split()[1]), payload


def http_client(port: int, quota: int, user: str, out: Any) -> None:
    """One load-generator process: whole checks over one keep-alive connection until ``quota``
    requests were sent; every response must be a 200 with an Alexa response in it."""
    client = LoopbackClient(port)
    sent = errors = 0
    latencies: list[int] = []
    while sent < quota:
        session = Session(user, application_id=APPLICATION_ID)
        for event in check_envelopes(session):
            if sent >= quota:
                break
            body = json.dumps(event).encode()
            t = time.perf_counter_ns()
            try:
                status, payload = client.post(body)
                latencies.append(time.perf_counter_ns() - t)
                data = json.loads(payload)
                if status != 200 or "response" not in data:
                    errors += 1
                session.absorb(data)
            except (OSError, ValueError, StopIteration):
                errors += 1
                client.reconnect()
            sent += 1
    client.sock.close()
    out.put((sent, errors, latencies))


def measure_http(db: str, env: dict[str, str], settings: Settings, requests: int, log: Path) -> HttpResult:
    """The web service as ``python -m skill serve`` runs it (Granian, default worker count), under
    load from ``http_clients`` separate processes."""
    port = free_port()
    args = [sys.executable, "-m", "skill", "serve", "--no-verify", "--port", str(port), "--db", db]
    result = HttpResult()
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    with running(args, port, "/health", env, log) as server:
        quota = requests // settings.http_clients
        clients = [
            ctx.Process(target=http_client, args=(port, quota, f"{USER_ID}.{i}", out))
            for i in range(settings.http_clients)
        ]
        # Untimed: a few checks' worth, so the timed part starts with every worker serving.
        warm_up = ctx.Process(target=http_client, args=(port, WARM_UP_REQUESTS, f"{USER_ID}.warm", out))
        warm_up.start()
        out.get(timeout=600)
        warm_up.join()
        started = time.perf_counter()
        cpu_before = process_tree_cpu_seconds(server.pid)
        for c in clients:
            c.start()
        for _ in clients:
            sent, errors, latencies = out.get(timeout=600)
            result.requests += sent
            result.errors += errors
            result.latencies_ns.extend(latencies)
        result.seconds = time.perf_counter() - started
        result.server_cpu_seconds = process_tree_cpu_seconds(server.pid) - cpu_before
        for c in clients:
            c.join()
    result.workers = _workers_from(log)
    return result


def process_tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and all its descendants (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    return own + sum(process_tree_cpu_seconds(int(child)) for child in children)


def _workers_from(log: Path) -> int:
    match = re.search(r"with (\d+) worker", log.read_text(encoding="utf-8", errors="replace"))
    return int(match.group(1)) if match else 0


# --- report -------------------------------------------------------------------------------------


def pct(samples: list[int] | list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return float(ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered)) - 1))])


def median_interval(samples: list[float], confidence: float = 0.95) -> tuple[float, float]:
    """A distribution-free interval for the median: the order statistics k and n + 1 - k, with k
    the largest for which Binomial(n, 1/2) puts at most (1 - confidence) / 2 below k."""
    ordered = sorted(samples)
    n = len(ordered)
    tail, k = 0.0, 0
    while k < n // 2:
        tail += math.comb(n, k) / 2**n  # P(exactly k samples below the true median)
        if tail > (1 - confidence) / 2:
            break
        k += 1
    if k == 0:  # too few samples for the interval: the full range
        return ordered[0], ordered[-1]
    return ordered[k - 1], ordered[n - k]


def fmt_ms(value: float) -> str:
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def table(variants: list[Variant], http: dict[str, HttpResult]) -> str:
    base = variants[0]
    others = variants[1:]
    header = ["metric", base.name] + [c for v in others for c in (v.name, "× anchor")]
    rows: list[list[str]] = []

    def row(label: str, get: Callable[[Variant], float], fmt: Callable[[float], str] = fmt_ms) -> None:
        b = get(base)
        cells = [label, fmt(b)]
        for v in others:
            x = get(v)
            cells += [fmt(x), f"{x / b:.2f}×" if b else "—"]
        rows.append(cells)

    row("import of the handler module, ms (median)", lambda v: statistics.median(v.import_ms))
    row("cold start to first response, ms (median)", lambda v: statistics.median(v.cold_ms))
    row("cold start to first response, ms (min)", lambda v: min(v.cold_ms))
    # Each round starts every variant once, back to back, so a ratio within a round cancels most of
    # the machine's slow and fast stretches.
    ratio_cells = ["cold start ÷ anchor's in the same round: median (95% interval)", "—"]
    for v in others:
        ratios = [x / b for x, b in zip(v.cold_ms, base.cold_ms, strict=True)]
        low, high = median_interval(ratios)
        ratio_cells += [f"{statistics.median(ratios):.2f}× ({low:.2f}–{high:.2f})", ""]
    rows.append(ratio_cells)

    def warm(i: int, q: float) -> Callable[[Variant], float]:
        return lambda v: pct(v.warm_ns[v.turns[i]], q) / 1e6

    for i, label in enumerate(("launch", "mid-check answer (anchor: hello)", "result (anchor: help)")):
        for q in (50, 99):
            row(f"warm {label} p{q:g}, ms", warm(i, q))
    row("peak memory (VmHWM = own ru_maxrss), MB", lambda v: max(v.maxrss_kb) / 1024, lambda x: f"{x:.1f}")
    row("Lambda zip, MB", lambda v: v.zip_bytes / 1e6, lambda x: f"{x:.2f}")
    row("unzipped, MB", lambda v: v.unzipped_bytes / 1e6, lambda x: f"{x:.1f}")
    http_cells = ["web service (`skill serve --db`, SQLite), req/s", "—"]
    for v in others:
        r = http.get(v.name)
        http_cells += [f"{r.per_second:.0f} ({r.errors} errors)" if r else "—", ""]
    rows.append(http_cells)
    if MEMORY in http:
        r = http[MEMORY]
        rows.append(
            [
                "web service, in-memory diary (one process), req/s",
                "—",
                f"{r.per_second:.0f} ({r.errors} errors)",
            ]
            + [""] * (len(header) - 3)
        )
    cpu_cells = ["web service CPU per request (all server processes), ms", "—"]
    for v in others:
        r = http.get(v.name)
        cpu_cells += [f"{1000 * r.server_cpu_seconds / r.requests:.2f}" if r and r.requests else "—", ""]
    rows.append(cpu_cells)
    lat_cells = ["web service latency p50 / p99, ms", "—"]
    for v in others:
        r = http.get(v.name)
        lat_cells += [
            f"{pct(r.latencies_ns, 50) / 1e6:.2f} / {pct(r.latencies_ns, 99) / 1e6:.2f}" if r else "—",
            "",
        ]
    rows.append(lat_cells)

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def counts(variants: list[Variant], http: dict[str, HttpResult]) -> str:
    parts = [
        f"{v.name}: {len(v.cold_ms)} cold starts, {sum(map(len, v.warm_ns.values()))} warm requests"
        for v in variants
    ]
    parts += [
        f"{name} web service: {r.requests} requests in {r.seconds:.1f} s, {r.workers} worker process(es)"
        for name, r in http.items()
    ]
    return "; ".join(parts)


# --- main -----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run: few repetitions")
    parser.add_argument("--no-dynamodb", action="store_true", help="skip the DynamoDB (moto) variant")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    moto = Path(sys.executable).with_name("moto_server")
    with_ddb = not args.no_dynamodb
    if with_ddb and not moto.exists():
        raise SystemExit(f"{moto} not found (install the dev extras), or pass --no-dynamodb")

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="walking-check-bench-") as tmp_name:
        tmp = Path(tmp_name)

        def say(msg: str) -> None:
            print(f"[{time.perf_counter() - started:5.1f} s] {msg}", file=sys.stderr, flush=True)

        say("building the anchor zip and the Walking Check zip")
        anchor_zip, anchor_size, anchor_unzipped = build_anchor_zip(tmp)
        built = packaging.build(tmp / "build")
        events_dir = tmp / "events"
        events_dir.mkdir()
        (events_dir / "anchor.json").write_text(json.dumps(anchor_events()))
        (events_dir / "wc.json").write_text(json.dumps(walking_check_events()))

        a = Variant(
            ANCHOR,
            unpack(anchor_zip, tmp / "task-anchor"),
            ("launch", "hello", "help"),
            events_dir / "anchor.json",
        )
        a.zip_bytes, a.unzipped_bytes = anchor_size, anchor_unzipped
        wc_task = unpack(built.zip_path, tmp / "task-wc")
        wc_turns = ("launch", "answer", "result")
        w = Variant(WC, wc_task, wc_turns, events_dir / "wc.json", env={"SKILL_ID": APPLICATION_ID})
        w.zip_bytes, w.unzipped_bytes = built.zip_bytes, built.unzipped_bytes
        variants = [a, w]
        for v in variants:
            v.warm_requests = settings.warm_requests

        with contextlib.ExitStack() as stack:
            endpoint = ""
            if with_ddb:
                port = free_port()
                endpoint = f"http://127.0.0.1:{port}"
                say(f"starting moto_server on {endpoint}")
                moto_env = {**os.environ, **FAKE_CREDENTIALS}
                stack.enter_context(
                    running(
                        [str(moto), "-H", "127.0.0.1", "-p", str(port)], port, "/", moto_env, tmp / "moto.log"
                    )
                )
                os.environ.update(FAKE_CREDENTIALS)
                seed_diary(endpoint)
                d = Variant(
                    WC_DDB,
                    wc_task,
                    wc_turns,
                    events_dir / "wc.json",
                    extra_path=[lambda_runtime_dir(tmp / "runtime")],
                    env={
                        "SKILL_ID": APPLICATION_ID,
                        "DIARY_TABLE": TABLE,
                        # Standard AWS SDK setting: boto3 sends DynamoDB calls to moto.
                        "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
                        **FAKE_CREDENTIALS,
                    },
                    warm_requests=settings.warm_requests_ddb,
                )
                d.zip_bytes, d.unzipped_bytes = w.zip_bytes, w.unzipped_bytes
                variants.append(d)

            say(f"cold starts: {settings.cold_runs} rounds, interleaved")
            for _ in range(settings.cold_runs):
                for v in variants:
                    run_probe(v, warm=0)
            say(f"warm requests: {settings.warm_processes} process(es) per variant, interleaved")
            for _ in range(settings.warm_processes):
                for v in variants:
                    run_probe(v, warm=v.warm_requests)

            say("web service throughput")
            http: dict[str, HttpResult] = {}
            serve_env = {k: val for k, val in os.environ.items() if not k.startswith("DIARY_")}
            # SQLite (what `--db <file>` gives) and the in-memory store, which shows the web stack
            # without storage I/O.
            dbs = [(WC, str(tmp / "diary.sqlite3"), serve_env), (MEMORY, "memory:", serve_env)]
            if with_ddb:
                spec = f"dynamodb://{TABLE}?region={REGION}&endpoint_url={endpoint}"
                dbs.append((WC_DDB, spec, {**serve_env, **FAKE_CREDENTIALS}))
            # Two halves each, alternating, for the same reason as above.
            for half in range(2):
                for name, db, env in dbs:
                    r = measure_http(
                        db, env, settings, settings.http_requests // 2, tmp / f"serve-{half}.log"
                    )
                    total = http.setdefault(name, HttpResult())
                    total.requests += r.requests
                    total.errors += r.errors
                    total.seconds += r.seconds
                    total.latencies_ns += r.latencies_ns
                    total.workers = r.workers
                    total.server_cpu_seconds += r.server_cpu_seconds

        say("done")
        print()
        print(table(variants, http))
        print()
        print(counts(variants, http))
        print(
            f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; cold starts run the unpacked zip with "
            "`python -I -S -B` (sys.path = zip + stdlib, plus boto3 as the Lambda runtime provides it for DynamoDB)."
        )
        if http and any(r.errors for r in http.values()):
            return 1
    return 0

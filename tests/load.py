"""Load test of the web service: ``python -m tests.load`` (``make load``).

Starts ``python -m skill serve --no-verify`` on a free loopback port with a fresh SQLite diary,
then a separate client process sends whole conversations (launch, the check's answers with the
session attributes carried from turn to turn, the result, the diary consent) over keep-alive
HTTP/1.1 connections, ``--concurrency`` at a time, until ``--requests`` have been answered.
Meanwhile the server's resident memory (all its processes) is sampled from ``/proc/<pid>/status``.

It prints requests per second, p50 / p99 latency, the error count and the server's RSS in the
first and last quarter of the run, and exits non-zero if any request failed or memory grew by
more than ``--rss-tolerance-mb`` megabytes *and* ``--rss-tolerance-pct`` percent between them.
Standard library only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

APPLICATION_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
WARM_UP_REQUESTS = 300  # imports, caches and the SQLite schema settle before anything is measured


# -- the client ---------------------------------------------------------------------------------


def _slot(name: str, value: str, value_id: str | None = None) -> dict[str, Any]:
    slot: dict[str, Any] = {"name": name, "value": value, "confirmationStatus": "NONE"}
    if value_id is not None:
        slot["resolutions"] = {
            "resolutionsPerAuthority": [
                {
                    "authority": "x",
                    "status": {"code": "ER_SUCCESS_MATCH"},
                    "values": [{"value": {"name": value, "id": value_id}}],
                }
            ]
        }
    return slot


Turn = tuple[str, dict[str, Any]]  # (intent name or "launch", slots)
YES: Turn = ("AMAZON.YesIntent", {})
NO: Turn = ("AMAZON.NoIntent", {})

# Conversations as people have them: routine check with diary consent, a caregiver with unsure
# answers, a red flag (ends at once), a one-shot diary log, a trend question, help and repeat.
SCRIPTS: list[list[Turn]] = [
    [
        ("launch", {}),
        ("ForWhomIntent", {"person": _slot("person", "me", "self")}),
        NO,
        NO,
        ("WalkTimeIntent", {"minutes": _slot("minutes", "20")}),
        YES,
        YES,
        NO,
        NO,
        NO,
        NO,
        YES,
        NO,
        YES,
    ],
    [
        ("launch", {}),
        ("ForWhomIntent", {"person": _slot("person", "my mother", "mother")}),
        NO,
        NO,
        ("WalkTimeIntent", {"amount": _slot("amount", "half an hour", "30")}),
        ("UnsureIntent", {}),
        NO,
        ("AMAZON.HelpIntent", {}),
        YES,
        ("UnsureIntent", {}),
        YES,
        NO,
        NO,
        NO,
    ],
    [("launch", {}), YES, YES],
    [
        ("launch", {}),
        YES,
        NO,
        ("AMAZON.RepeatIntent", {}),
        NO,
        ("WalkTimeIntent", {"minutes": _slot("minutes", "5")}),
        NO,
        NO,
        YES,
        YES,
        YES,
        NO,
        NO,
        NO,
    ],
    [("LogWalkIntent", {"minutes": _slot("minutes", "12")}), YES],
    [("DiaryTrendIntent", {})],
]


def _envelope(user: str, session_id: str, new: bool, attributes: dict[str, Any], turn: Turn) -> bytes:
    name, slots = turn
    if name == "launch":
        request: dict[str, Any] = {"type": "LaunchRequest"}
    else:
        request = {
            "type": "IntentRequest",
            "dialogState": "COMPLETED",
            "intent": {"name": name, "confirmationStatus": "NONE", "slots": slots},
        }
    request |= {
        "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "locale": "en-US",
    }
    body = {
        "version": "1.0",
        "session": {
            "new": new,
            "sessionId": session_id,
            "application": {"applicationId": APPLICATION_ID},
            "attributes": attributes,
            "user": {"userId": user},
        },
        "context": {
            "System": {
                "application": {"applicationId": APPLICATION_ID},
                "user": {"userId": user},
                "device": {"deviceId": "amzn1.ask.device.load", "supportedInterfaces": {}},
                "apiEndpoint": "https://api.amazonalexa.com",
            }
        },
        "request": request,
    }
    return json.dumps(body).encode()


def _valid(status: int, data: bytes) -> dict[str, Any] | None:
    if status != 200:
        return None
    try:
        out = json.loads(data)
    except ValueError:
        return None
    response = out.get("response") if isinstance(out, dict) else None
    if out.get("version") != "1.0" or not isinstance(response, dict):
        return None
    speech = (response.get("outputSpeech") or {}).get("ssml", "")
    if not speech.startswith("<speak>") or not isinstance(response.get("shouldEndSession"), bool):
        return None
    return out


class _Worker(threading.Thread):
    def __init__(
        self, port: int, index: int, budget: _Budget, latencies: list[float], errors: list[str]
    ) -> None:
        super().__init__(daemon=True)
        self.port, self.index, self.budget = port, index, budget
        self.latencies, self.errors = latencies, errors

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        n = 0
        while True:
            script = SCRIPTS[(self.index + n) % len(SCRIPTS)]
            user = f"amzn1.ask.account.LOAD{self.index:02d}{n % 50:03d}"  # returning users, too
            session_id, attributes, new = f"amzn1.echo-api.session.{uuid.uuid4()}", {}, True
            n += 1
            for turn in script:
                if not self.budget.take():
                    conn.close()
                    return
                body = _envelope(user, session_id, new, attributes, turn)
                started = time.perf_counter()
                try:
                    conn.request("POST", "/", body, {"Content-Type": "application/json"})
                    response = conn.getresponse()
                    data = response.read()
                    out = _valid(response.status, data)
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                    out, data = None, type(exc).__name__.encode()
                self.latencies.append(time.perf_counter() - started)
                if out is None:
                    self.errors.append(data[:200].decode(errors="replace"))
                    break
                new = False
                attributes = out.get("sessionAttributes") or {}
                if out["response"]["shouldEndSession"]:
                    break


class _Budget:
    def __init__(self, total: int) -> None:
        self.left = total
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True


def client(port: int, requests: int, concurrency: int, out: Any) -> None:
    """The client process: ``requests`` requests from ``concurrency`` connections; results to ``out``."""
    latencies: list[float] = []
    errors: list[str] = []
    budget = _Budget(requests)
    workers = [_Worker(port, i, budget, latencies, errors) for i in range(concurrency)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put({"elapsed": time.perf_counter() - started, "latencies": latencies, "errors": errors})


# -- the server and the measurement ---------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _rss_kb(pid: int) -> int | None:
    """Resident memory of the server: the main process and all its worker processes."""
    try:
        own = next(
            int(line.split()[1])
            for line in Path(f"/proc/{pid}/status").read_text().splitlines()
            if line.startswith("VmRSS:")
        )
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except (OSError, StopIteration):
        return None
    return own + sum(_rss_kb(int(child)) or 0 for child in children)


def _wait_for_health(port: int, server: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with status {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not answer /health in time")


def _run_client(port: int, requests: int, concurrency: int) -> dict[str, Any]:
    queue: multiprocessing.Queue[dict[str, Any]] = multiprocessing.Queue()
    process = multiprocessing.Process(target=client, args=(port, requests, concurrency, queue))
    process.start()
    result = queue.get()  # before join: a full queue pipe would block the child's exit
    process.join()
    return result


def _percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.load", description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rss-tolerance-mb", type=float, default=5.0)
    parser.add_argument("--rss-tolerance-pct", type=float, default=10.0)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="walking-check-load-") as tmp:
        port = _free_port()
        log_path = Path(tmp) / "server.log"
        with log_path.open("wb") as log:
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "skill",
                    "serve",
                    "--no-verify",
                    "--port",
                    str(port),
                    "--db",
                    str(Path(tmp) / "diary.sqlite3"),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "SKILL_ID": ""},
            )
        try:
            _wait_for_health(port, server)
            warm = _run_client(port, WARM_UP_REQUESTS, args.concurrency)
            samples: list[tuple[float, int]] = []
            stop = threading.Event()

            def sample() -> None:
                while not stop.is_set():
                    if (kb := _rss_kb(server.pid)) is not None:
                        samples.append((time.monotonic(), kb))
                    stop.wait(0.1)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            result = _run_client(port, args.requests, args.concurrency)
            stop.set()
            sampler.join()
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        server_log = log_path.read_text(errors="replace")

    latencies = sorted(result["latencies"])
    errors: list[str] = warm["errors"] + result["errors"]
    quarter = max(1, len(samples) // 4)
    first = max(kb for _, kb in samples[:quarter]) / 1024 if samples else 0.0
    last = max(kb for _, kb in samples[-quarter:]) / 1024 if samples else 0.0
    growth = last - first
    grew = growth > args.rss_tolerance_mb and growth > first * args.rss_tolerance_pct / 100
    rate = len(latencies) / result["elapsed"]
    print(
        f"requests     {len(latencies)} at concurrency {args.concurrency} (after {WARM_UP_REQUESTS} warm-up)"
    )
    print(f"throughput   {rate:.0f} requests/s over {result['elapsed']:.1f} s")
    print(
        f"latency      p50 {_percentile(latencies, 0.50) * 1000:.1f} ms, p99 {_percentile(latencies, 0.99) * 1000:.1f} ms"
    )
    print(f"errors       {len(errors)}")
    print(
        f"server RSS   first quarter {first:.1f} MB, last quarter {last:.1f} MB (max of {len(samples)} samples)"
    )
    failures = []
    if errors:
        failures.append(f"{len(errors)} requests failed, first: {errors[0]!r}")
    if len(latencies) < args.requests:
        failures.append(f"only {len(latencies)} of {args.requests} requests were sent")
    if grew:
        failures.append(
            f"server memory grew by {growth:.1f} MB (tolerance {args.rss_tolerance_mb} MB or {args.rss_tolerance_pct}%)"
        )
    if not samples:
        failures.append("no memory samples were taken")
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    if failures:
        print("server log (last lines):\n" + "\n".join(server_log.splitlines()[-20:]), file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

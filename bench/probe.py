"""Runs inside a fresh interpreter started as Lambda starts one (``python -I -S -B``, the unpacked
zip first on ``sys.path``); standard library only. Prints one JSON line of measurements.

argv[1] is a JSON object: ``path`` (directories to put first on sys.path), ``events`` (a JSON file
of named envelopes: ``cold`` plus the warm ``turns``), ``turns`` and ``warm`` (requests per turn,
0 for a cold start only).
"""

import time

_READY = time.monotonic()

import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402


class _Context:
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    function_name = "bench"


def _peak_kb() -> int:
    """Peak resident memory of this process, in KiB.

    ru_maxrss on Linux carries over the parent's peak through fork and exec, so a probe started
    from a large process would report the parent's size; VmHWM belongs to this process alone.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _main() -> None:
    cfg = json.loads(sys.argv[1])
    sys.path[:0] = cfg["path"]
    # The Lambda runtime puts a handler on the root logger; log output costs what it costs there.
    sink = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115
    logging.getLogger().addHandler(sink)

    started = time.perf_counter()
    import lambda_function

    import_ms = (time.perf_counter() - started) * 1000
    with open(cfg["events"], encoding="utf-8") as f:
        events = json.load(f)
    handler = lambda_function.lambda_handler
    context = _Context()
    first = handler(events["cold"], context)
    first_at = time.monotonic()
    if "outputSpeech" not in first.get("response", {}):
        raise SystemExit(f"no speech in the first response: {first}")

    warm: dict[str, list[int]] = {name: [] for name in cfg["turns"]}
    if cfg["warm"]:
        turns = [(name, events[name]) for name in cfg["turns"]]
        for _ in range(min(200, cfg["warm"])):  # warm-up, not recorded
            for _, event in turns:
                handler(event, context)
        clock = time.perf_counter_ns
        for _ in range(cfg["warm"]):
            # Turns interleaved, so a slow stretch of the machine spreads over all of them.
            for name, event in turns:
                t = clock()
                handler(event, context)
                warm[name].append(clock() - t)
    out = {
        "ready": _READY,
        "import_ms": import_ms,
        "first_at": first_at,
        "warm_ns": warm,
        "maxrss_kb": _peak_kb(),
    }
    print(json.dumps(out))


_main()

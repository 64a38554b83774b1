"""A bounded load generator: how many updates a second the reference server answers.

Each of `threads` clients owns one stored completion and sends `updates` metadata updates
to it over one keep-alive connection, after a short warm-up; the run is over when they are
all answered (a fixed number of requests, never a duration, so it always stops). The server
runs in its own process (benchmarks/loopback.py with no added latency), so the figure is
the server's, measured from clients in another process; the server's CPU time over the run
says whether the server or the clients were the limit.
"""

from __future__ import annotations

import math
import socket
import statistics
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

import httpx

WARMUP = 5


def nodelay_client(base_url: str, api_key: str, timeout: float = 10.0) -> httpx.Client:
    """A keep-alive client that sends headers and body without waiting for a delayed ACK.

    httpx writes a POST's headers and body separately; without TCP_NODELAY the body waits
    up to 40 ms for the server's ACK on Linux loopback, which would measure the kernel.
    """
    transport = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
    return httpx.Client(
        base_url=base_url,
        headers={"authorization": f"Bearer {api_key}"},
        timeout=timeout,
        transport=transport,
    )


def create_stored(client: httpx.Client, model: str = "bench-model") -> str:
    """A stored completion to update; its id."""
    body = {"model": model, "messages": [{"role": "user", "content": "bench"}], "store": True}
    response = client.post("/chat/completions", json=body)
    response.raise_for_status()
    completion_id = response.json()["id"]
    assert isinstance(completion_id, str)
    return completion_id


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (no interpolation: p99 of 1000 samples is the 990th)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


@dataclass
class LoadResult:
    threads: int
    updates_each: int
    updates: int
    errors: int
    wall_s: float
    updates_per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    server_cpu_share: float | None
    # CPU the server spent per update, and what one core would answer at that cost: when
    # the server is not saturated (share < 1), the clients were the limit, not the server.
    server_cpu_ms_per_update: float | None
    server_updates_per_core_s: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_load(
    base_url: str,
    api_key: str,
    threads: int,
    updates_each: int,
    server_cpu: Any = None,
) -> LoadResult:
    """`threads` x `updates_each` updates; `server_cpu()` (optional) reads the server's CPU s."""
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors = [0] * threads
    ready = threading.Barrier(threads + 1)

    def worker(n: int) -> None:
        with nodelay_client(base_url, api_key) as client:
            completion_id = create_stored(client)
            path = f"/chat/completions/{completion_id}"
            for i in range(WARMUP):
                client.post(path, json={"metadata": {"warmup": str(i)}})
            ready.wait()
            for i in range(updates_each):
                started = time.perf_counter()
                response = client.post(path, json={"metadata": {"thread": str(n), "i": str(i)}})
                latencies[n].append(time.perf_counter() - started)
                if response.status_code != 200:
                    errors[n] += 1

    pool = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(threads)]
    for thread in pool:
        thread.start()
    ready.wait()
    cpu_before = server_cpu() if server_cpu else None
    started = time.perf_counter()
    for thread in pool:
        thread.join()
    wall = time.perf_counter() - started
    cpu_after = server_cpu() if server_cpu else None
    samples = [s for per_thread in latencies for s in per_thread]
    share = per_update = capacity = None
    if cpu_before is not None and cpu_after is not None and wall > 0 and samples:
        cpu = cpu_after - cpu_before
        share = round(cpu / wall, 3)
        per_update = round(1000 * cpu / len(samples), 3)
        capacity = round(len(samples) / cpu, 1) if cpu > 0 else None
    return LoadResult(
        threads=threads,
        updates_each=updates_each,
        updates=len(samples),
        errors=sum(errors),
        wall_s=round(wall, 3),
        updates_per_s=round(len(samples) / wall, 1) if wall else 0.0,
        p50_ms=round(statistics.median(samples) * 1000, 2),
        p99_ms=round(percentile(samples, 0.99) * 1000, 2),
        max_ms=round(max(samples) * 1000, 2),
        server_cpu_share=share,
        server_cpu_ms_per_update=per_update,
        server_updates_per_core_s=capacity,
    )


def bare_latency(base_url: str, api_key: str, samples: int) -> dict[str, float]:
    """Median seconds of one bare httpx request, by kind: the floor a sequential run pays.

    One keep-alive connection, TCP_NODELAY, the two requests the suite sends most: an update
    (POST with a body) and a retrieve (GET). `median_s` is over both, alternated.
    """
    with nodelay_client(base_url, api_key) as client:
        completion_id = create_stored(client)
        path = f"/chat/completions/{completion_id}"
        for i in range(WARMUP):
            client.get(path)
            client.post(path, json={"metadata": {"warmup": str(i)}})
        updates: list[float] = []
        retrieves: list[float] = []
        for i in range(samples):
            started = time.perf_counter()
            client.post(path, json={"metadata": {"i": str(i)}}).raise_for_status()
            updates.append(time.perf_counter() - started)
            started = time.perf_counter()
            client.get(path).raise_for_status()
            retrieves.append(time.perf_counter() - started)
    return {
        "median_s": statistics.median(updates + retrieves),
        "update_median_s": statistics.median(updates),
        "retrieve_median_s": statistics.median(retrieves),
        "samples": 2 * samples,
    }

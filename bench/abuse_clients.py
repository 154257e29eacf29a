#!/usr/bin/env python3
"""Hostile clients for bench/abuse.sh, against a `cipette serve` on 127.0.0.1 (standard library only).

  abuse_clients.py PORT slow      1,000 idle + 200 slowloris connections; latency of others
  abuse_clients.py PORT per-client 300 connections from one address: how many are refused
  abuse_clients.py PORT guess     wrong bearer tokens for 20 s: how many were checked

Every loop is bounded in count and time, and every address is on the loopback range.
"""
import asyncio
import statistics
import sys
import time

HOST = "127.0.0.1"


async def open_from(port, source):
    return await asyncio.open_connection(HOST, port, local_addr=(source, 0))


async def timed_get(port, target, headers=""):
    """One request on a new connection; returns (milliseconds, status line)."""
    start = time.perf_counter()
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}Connection: close\r\n\r\n".encode())
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), timeout=30)
    writer.close()
    return (time.perf_counter() - start) * 1000, data.split(b"\r\n", 1)[0].decode()


def summary(name, samples):
    samples = sorted(samples)
    p99 = samples[max(0, int(len(samples) * 0.99 + 0.5) - 1)]
    print(f"  {name}: {len(samples)} requests, p50 {statistics.median(samples):.1f} ms, "
          f"p99 {p99:.1f} ms, max {samples[-1]:.1f} ms")


async def slowloris(port, closed, seconds):
    """Sends a header line every 2 s; notes in `closed` when the server ends the connection."""
    start = time.monotonic()
    try:
        reader, writer = await open_from(port, "127.0.0.3")
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        for i in range(seconds // 2):
            await asyncio.sleep(2)
            writer.write(f"X-Drip-{i}: 1\r\n".encode())
            await writer.drain()
            try:
                if await asyncio.wait_for(reader.read(100), timeout=0.05) == b"":
                    closed.append(time.monotonic() - start)
                    return
            except asyncio.TimeoutError:
                pass
    except (ConnectionError, OSError):
        closed.append(time.monotonic() - start)


async def slow(port):
    idle = []
    for i in range(1000):  # 250 from each of 4 addresses: under the default 256 per client
        idle.append(await open_from(port, f"127.0.0.{10 + i % 4}"))
    closed = []
    drips = [asyncio.create_task(slowloris(port, closed, 30)) for _ in range(200)]
    await asyncio.sleep(1)
    print("  1,000 idle connections and 200 slowloris connections (a header line every 2 s) open")
    health, metrics = [], []
    for _ in range(200):
        health.append((await timed_get(port, "/healthz"))[0])
        metrics.append((await timed_get(port, "/api/v1/metrics?period=90"))[0])
    summary("/healthz meanwhile", health)
    summary("/api/v1/metrics?period=90 (cached) meanwhile", metrics)
    await asyncio.gather(*drips)
    if closed:
        after = sorted(closed)
        print(f"  slowloris connections closed by the server: {len(closed)} of 200, "
              f"after {after[0]:.1f}-{after[-1]:.1f} s")
    for _, writer in idle:
        writer.close()


async def per_client(port):
    held, refused = [], 0
    for _ in range(300):
        reader, writer = await open_from(port, "127.0.0.20")
        held.append((reader, writer))
    for reader, _ in held:
        try:
            data = await asyncio.wait_for(reader.read(64), timeout=0.2)
            if data.startswith(b"HTTP/1.1 503"):
                refused += 1
        except asyncio.TimeoutError:
            pass
    print(f"  300 connections from one address: {300 - refused} held, {refused} refused with 503")
    ms, status = await timed_get(port, "/healthz")
    print(f"  another address meanwhile: {status} in {ms:.1f} ms")
    for _, writer in held:
        writer.close()


async def guess(port):
    counts = {}
    end = time.monotonic() + 20
    sent = 0
    while time.monotonic() < end and sent < 100000:
        _, status = await timed_get(port, "/api/v1/metrics", f"Authorization: Bearer guess{sent}\r\n")
        counts[status] = counts.get(status, 0) + 1
        sent += 1
    checked = counts.get("HTTP/1.1 401 Unauthorized", 0)
    print(f"  {sent} wrong tokens in 20 s from one address: {checked} checked (401), "
          f"{counts.get('HTTP/1.1 429 Too Many Requests', 0)} refused unchecked (429)")


def main():
    port, mode = int(sys.argv[1]), sys.argv[2]
    asyncio.run({"slow": slow, "per-client": per_client, "guess": guess}[mode](port))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The lab's WAN link: a TCP proxy per upstream broker that can add latency, be cut and be restored.

Usage: wanproxy.py --control SOCKET --route LISTEN_HOST:PORT=TARGET_HOST:PORT [--route ...]
Control (one line per connection on the unix socket, a JSON reply):
  status | delay MS | cut [refuse|blackhole] | restore
"refuse" closes live connections and the listeners (new connects get ECONNREFUSED, as when a router
rejects); "blackhole" closes live connections but accepts new ones and never answers (as when a link
silently drops packets, so clients wait for their timeouts). Latency delays each chunk by MS in each
direction, keeping order.
"""
import argparse
import asyncio
import json
import os
import signal
import sys
import time

CHUNK = 65536
QUEUE_CHUNKS = 256  # bounds memory under delay: the reader waits when this many chunks are in flight


class Link:
    def __init__(self, routes):
        self.routes = routes  # [(lhost, lport, thost, tport)]
        self.delay_ms = 0
        self.cut = None  # None, "refuse" or "blackhole"
        self.servers = {}
        self.conns = set()  # writer pairs of live forwarded connections
        self.held = set()  # blackholed client writers
        self.pending = set()  # clients whose upstream connection is being opened
        self.stats = {"accepted": 0, "refused": 0, "up_bytes": 0, "down_bytes": 0}
        self.since = time.time()

    async def listen(self):
        for route in self.routes:
            if route in self.servers:
                continue
            lhost, lport, thost, tport = route
            self.servers[route] = await asyncio.start_server(
                lambda r, w, t=(thost, tport): self.on_client(r, w, t), lhost, lport, reuse_address=True)

    async def unlisten(self):
        servers, self.servers = list(self.servers.values()), {}
        for s in servers:
            s.close()
        for s in servers:
            await s.wait_closed()

    def drop_all(self):
        for pair in list(self.conns):
            for w in pair:
                w.transport.abort()
        self.conns.clear()
        for w in list(self.held) + list(self.pending):
            w.transport.abort()
        self.held.clear()

    async def on_client(self, reader, writer, target):
        if self.cut == "blackhole":
            self.held.add(writer)
            return
        if self.cut:
            self.stats["refused"] += 1
            writer.transport.abort()
            return
        self.pending.add(writer)
        try:
            treader, twriter = await asyncio.open_connection(*target)
        except OSError:
            writer.transport.abort()
            return
        finally:
            self.pending.discard(writer)
        if self.cut or writer.transport.is_closing():  # cut while we were connecting
            writer.transport.abort()
            twriter.transport.abort()
            return
        self.stats["accepted"] += 1
        pair = (writer, twriter)
        self.conns.add(pair)
        try:
            await asyncio.gather(self.pump(reader, twriter, "up_bytes"), self.pump(treader, writer, "down_bytes"))
        except asyncio.CancelledError:
            pass  # shutting down
        finally:
            self.conns.discard(pair)
            for w in pair:
                w.transport.abort()

    async def pump(self, reader, writer, counter):
        loop = asyncio.get_running_loop()
        q = asyncio.Queue(QUEUE_CHUNKS)

        async def read():
            try:
                while True:
                    data = await reader.read(CHUNK)
                    if not data:
                        break
                    await q.put((loop.time() + self.delay_ms / 1000.0, data))
            except (OSError, asyncio.IncompleteReadError):
                pass
            await q.put(None)

        async def write():
            try:
                while True:
                    item = await q.get()
                    if item is None:
                        break
                    due, data = item
                    wait = due - loop.time()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    writer.write(data)
                    self.stats[counter] += len(data)
                    await writer.drain()
            except OSError:
                pass
            # One side ended: end the whole connection, as a TCP peer would see it.
            writer.transport.abort()

        rt = asyncio.ensure_future(read())
        try:
            await write()
        finally:
            rt.cancel()

    def status(self):
        return {"delay_ms": self.delay_ms, "cut": self.cut or False, "live_connections": len(self.conns),
                "listening": sorted(f"{r[0]}:{r[1]}" for r in self.servers),
                "routes": [f"{r[0]}:{r[1]} -> {r[2]}:{r[3]}" for r in self.routes],
                "state_since": round(self.since, 3), **self.stats}

    async def command(self, line):
        words = line.split()
        if not words:
            return {"error": "empty command"}
        cmd, args = words[0], words[1:]
        if cmd == "status":
            pass
        elif cmd == "delay" and len(args) == 1 and args[0].isdigit():
            self.delay_ms = int(args[0])
            self.since = time.time()
        elif cmd == "cut" and len(args) <= 1 and (not args or args[0] in ("refuse", "blackhole")):
            self.cut = args[0] if args else "refuse"
            self.since = time.time()
            self.drop_all()
            if self.cut == "refuse":
                await self.unlisten()
            else:
                await self.listen()
        elif cmd == "restore":
            self.cut = None
            self.delay_ms = 0
            self.since = time.time()
            for w in list(self.held):
                w.transport.abort()
            self.held.clear()
            await self.listen()
        else:
            return {"error": f"unknown command: {line.strip()}"}
        return self.status()


async def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--control", required=True, help="unix socket path for commands")
    ap.add_argument("--route", action="append", required=True, help="LISTEN_HOST:PORT=TARGET_HOST:PORT")
    ap.add_argument("--delay", type=int, default=0)
    opts = ap.parse_args()
    routes = []
    for r in opts.route:
        left, _, right = r.partition("=")
        lh, _, lp = left.rpartition(":")
        th, _, tp = right.rpartition(":")
        routes.append((lh, int(lp), th, int(tp)))
    link = Link(routes)
    link.delay_ms = opts.delay
    await link.listen()

    async def on_control(reader, writer):
        try:
            line = (await reader.readline()).decode(errors="replace")
            reply = await link.command(line)
            writer.write((json.dumps(reply) + "\n").encode())
            await writer.drain()
        finally:
            writer.close()

    if os.path.exists(opts.control):
        os.unlink(opts.control)
    ctl = await asyncio.start_unix_server(on_control, opts.control)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"wanproxy: {len(routes)} routes, control {opts.control}", flush=True)
    await stop.wait()
    ctl.close()
    link.drop_all()
    await link.unlisten()
    try:
        os.unlink(opts.control)
    except OSError:
        pass


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)

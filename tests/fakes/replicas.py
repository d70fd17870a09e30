"""`headshot serve` replicas as real processes, for the end-to-end load test and benchmarks/load_bench.py.

Each replica is `python -m handlers.cli serve` with its own environment (Slack HTTP mode on its own port, or
Discord, or both) and the store they share; `start_replica` waits until it answers `/healthz`, and
`peak_rss_mb` reads the kernel's high-water mark of its resident memory (VmHWM).
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from tests.conftest import PROJECT_ROOT

STARTUP_TIMEOUT = 120.0  # a fresh interpreter imports slack-bolt, discord.py, SQLAlchemy, OpenCV


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Replica:
    process: asyncio.subprocess.Process
    probe_port: int  # /healthz and /readyz
    log_path: Path

    @property
    def probe_url(self) -> str:
        return f"http://127.0.0.1:{self.probe_port}"

    @property
    def alive(self) -> bool:
        return self.process.returncode is None

    def peak_rss_mb(self) -> float:
        """The most resident memory the process has used so far (VmHWM), in MiB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmHWM in /proc/PID/status")

    async def ready(self, timeout: float = STARTUP_TIMEOUT) -> None:
        """Waits for /readyz to say 200 (every adapter connected, the store answering, a scheduler tick)."""
        await _wait_for(f"{self.probe_url}/readyz", self, timeout)

    async def stop(self, timeout: float = 60.0) -> int:
        if self.alive:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), timeout)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        return int(self.process.returncode or 0)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def serve_environment(workdir: Path, **settings: str) -> dict[str, str]:
    """The process environment with none of the caller's Slack, Discord or headshot settings, plus these."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "DISCORD_", "HEADSHOT_")) and key != "PORT"
    }
    env.update(PYTHONPATH=str(PROJECT_ROOT), HEADSHOT_LOG_FORMAT="json", **settings)
    return env


async def start_replica(workdir: Path, name: str, *, probe_port: int, **settings: str) -> Replica:
    """Starts `headshot serve` in `workdir` (no .env there) with these settings; returns once it is alive."""
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "handlers.cli",
            "serve",
            cwd=workdir,
            env=serve_environment(workdir, HEADSHOT_HEALTH_PORT=str(probe_port), **settings),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=log,
        )
    replica = Replica(process, probe_port, log_path)
    await _wait_for(f"{replica.probe_url}/healthz", replica, STARTUP_TIMEOUT)
    return replica


async def _wait_for(url: str, replica: Replica, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if not replica.alive:
                raise AssertionError(f"headshot serve exited early:\n{replica.log()[-3000:]}")
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"{url} never answered 200:\n{replica.log()[-3000:]}")

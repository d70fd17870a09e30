"""The listeners `headshot serve` opens for operators: probes and metrics.

- HEADSHOT_HEALTH_PORT: `/healthz` (the process is alive: 200) and `/readyz` (200 when ready, else 503,
  with what is not: each enabled adapter connected, the store answering, the scheduler ticking). Slack's
  HTTP mode listener answers both on PORT too, for a load balancer in front of it.
- HEADSHOT_METRICS_PORT: `/metrics` in Prometheus' text format (`bot.metrics`). The same port as the
  health port is allowed: one listener then answers all three.

Both are off unless their port is set; a port that cannot be bound is logged and the bot runs on without
it (probes failing is what tells the operator).
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot import metrics
from bot.photo.work import photo_work
from bot.runtime import Runtime

log = logging.getLogger("headshot.probes")

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"


def add_probe_routes(app: web.Application, runtime: Runtime) -> None:
    async def health(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def ready(request: web.Request) -> web.Response:
        readiness = await runtime.readiness()
        return web.json_response(readiness.as_dict(), status=readiness.http_status)

    app.router.add_get(HEALTH_PATH, health)
    app.router.add_get(READY_PATH, ready)


def add_metrics_route(app: web.Application) -> None:
    async def exposition(request: web.Request) -> web.Response:
        body, content_type = metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": content_type})

    app.router.add_get(METRICS_PATH, exposition)


async def start_listeners(runtime: Runtime, *, host: str = "0.0.0.0") -> list[web.AppRunner]:
    """Starts the configured listeners; returns their runners (to clean up at the end)."""
    config = runtime.config
    wanted: dict[int, set[str]] = {}
    if config.health_port is not None:
        wanted.setdefault(config.health_port, set()).add("probes")
    if config.metrics_port is not None:
        wanted.setdefault(config.metrics_port, set()).add("metrics")
        metrics.enable()
        metrics.watch_adapters(runtime.health.connections)
        metrics.watch_photo_queue(lambda: photo_work().queued)
    runners: list[web.AppRunner] = []
    for port, parts in wanted.items():
        app = web.Application()
        if "probes" in parts:
            add_probe_routes(app, runtime)
        if "metrics" in parts:
            add_metrics_route(app)
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            await runner.cleanup()
            log.error(
                "cannot listen on %s:%d for %s: %s",
                host,
                port,
                " and ".join(sorted(parts)),
                exc.strerror or exc,
            )
            continue
        log.info("listening on %s:%d for %s", host, port, " and ".join(sorted(parts)))
        runners.append(runner)
    return runners


async def stop_listeners(runners: list[web.AppRunner]) -> None:
    for runner in runners:
        await runner.cleanup()

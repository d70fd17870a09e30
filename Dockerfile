# headshot-bot: one process serving Slack, Discord and the reminder scheduler (`headshot serve`).
#
# Two stages: the first installs the package into a virtual environment, the second copies only that
# environment onto a clean slim image, so no pip cache, build files or sources end up in the image.
# tests/ops/test_container.py runs this file's build-stage RUN steps in a fresh virtual environment, and
# checks the rest of it, because no Docker engine runs in CI.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
RUN python -m venv /opt/venv
# The headless OpenCV wheel comes from pyproject.toml: it needs no libGL, so no apt packages are needed.
RUN /opt/venv/bin/pip install --no-cache-dir .

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HEADSHOT_KNOWLEDGE_DIR=/app/knowledge \
    HEADSHOT_DATABASE_URL=sqlite:////app/data/headshot.db \
    HEADSHOT_LOG_FORMAT=json \
    HEADSHOT_HEALTH_PORT=8080 \
    PORT=3000
RUN useradd --create-home --uid 10001 --user-group headshot \
    && mkdir -p /app/data \
    && chown headshot:headshot /app/data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY knowledge ./knowledge
USER headshot
# The SQLite store (and nothing else) lives here; mount a named volume so it survives the container.
VOLUME /app/data
# Slack HTTP mode listens here (events at /slack/events, probes at /healthz).
EXPOSE 3000
# Readiness in every mode (Slack HTTP or Socket Mode, Discord, the scheduler alone): `serve` answers
# /readyz on HEADSHOT_HEALTH_PORT with 200 only while each enabled adapter is connected, the store answers
# and the scheduler ticks; a 503 or no answer makes urlopen raise, and the probe fail.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % (os.environ.get('HEADSHOT_HEALTH_PORT') or '8080'), timeout=4).close()"]
STOPSIGNAL SIGTERM
CMD ["headshot", "serve"]

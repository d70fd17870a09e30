"""The container files, checked without a Docker engine.

The Dockerfile is parsed: the final image is checked instruction by instruction, its HEALTHCHECK command
is run against a real listener, and the build stage's COPY and RUN steps are replayed in a fresh virtual
environment (the slow test). docker-compose.yml is loaded with PyYAML and checked against .env.example,
which in turn must list every setting bot/config.py reads.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web

from bot.config import CORE_SETTINGS
from handlers.registry import all_settings
from tests.conftest import PROJECT_ROOT

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
COMPOSE = PROJECT_ROOT / "docker-compose.yml"
ENV_EXAMPLE = PROJECT_ROOT / ".env.example"


# --- a small Dockerfile reader ----------------------------------------------------------------------


@dataclass
class Instruction:
    keyword: str
    argument: str

    def exec_form(self) -> list[str] | None:
        text = self.argument.strip()
        if text.startswith("["):
            value = json.loads(text)
            assert isinstance(value, list)
            return [str(v) for v in value]
        return None


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for instruction in self.all("ENV"):
            for pair in shlex.split(instruction.argument):
                key, _, value = pair.partition("=")
                values[key] = value
        return values


def read_dockerfile(path: Path = DOCKERFILE) -> list[Stage]:
    logical: list[str] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    stages: list[Stage] = []
    for line in logical:
        keyword, _, argument = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            words = argument.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base=words[0], name=name))
        else:
            assert stages, f"{keyword} before FROM"
            stages[-1].instructions.append(Instruction(keyword, argument.strip()))
    return stages


def _final_stage() -> Stage:
    return read_dockerfile()[-1]


# --- the image ----------------------------------------------------------------------------------------


def test_image_is_slim_non_root_with_volume_port_and_serve_command() -> None:
    stages = read_dockerfile()
    assert [s.base for s in stages] == ["python:3.11-slim", "python:3.11-slim"]
    final = stages[-1]
    users = final.all("USER")
    assert users and users[-1].argument not in {"root", "0"}
    user_index = final.instructions.index(users[-1])
    assert final.instructions.index(final.all("CMD")[-1]) > user_index
    assert [i.argument for i in final.all("VOLUME")] == ["/app/data"]
    assert [i.argument for i in final.all("EXPOSE")] == ["3000"]
    assert final.all("CMD")[-1].exec_form() == ["headshot", "serve"]
    # The volume's folder must belong to the user the bot runs as, or SQLite cannot write there.
    assert any("chown headshot:headshot /app/data" in i.argument for i in final.all("RUN"))
    assert users[-1].argument == "headshot"
    # The runtime gets the environment from the build stage, and the knowledge folder it is pointed at.
    assert any(i.argument.split()[:2] == ["--from=build", "/opt/venv"] for i in final.all("COPY"))
    env = final.env()
    workdir = final.all("WORKDIR")[-1].argument
    copied = {
        str(Path(workdir) / i.argument.split()[1]).rstrip("/.")
        for i in final.all("COPY")
        if not i.argument.startswith("--")
    }
    assert env["HEADSHOT_KNOWLEDGE_DIR"] in {str(Path(c)) for c in copied}
    assert env["HEADSHOT_DATABASE_URL"] == "sqlite:////app/data/headshot.db"
    assert env["PATH"].startswith("/opt/venv/bin:")


def test_only_the_headless_opencv_wheel_and_no_pip_cache() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert not re.search(r"opencv-python(?!-headless)", text)
    installs = [i for s in read_dockerfile() for i in s.all("RUN") if "pip install" in i.argument]
    assert installs and all("--no-cache-dir" in i.argument for i in installs)
    dependencies = " ".join(_pyproject()["project"]["dependencies"])
    assert "opencv-python-headless" in dependencies
    assert not re.search(r"opencv-(contrib-)?python(?!-headless)", dependencies)


def test_dockerignore_keeps_local_state_and_secrets_out() -> None:
    ignored = {
        line.strip()
        for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", ".env", "data", "tests"} <= ignored
    copied = {
        i.argument.split()[0]
        for s in read_dockerfile()
        for i in s.all("COPY")
        if not i.argument.startswith("--")
    }
    for source in copied | {"pyproject.toml", "README.md"}:
        assert source not in ignored


def _healthcheck_command() -> list[str]:
    healthchecks = _final_stage().all("HEALTHCHECK")
    assert len(healthchecks) == 1
    argument = healthchecks[0].argument
    assert "CMD [" in argument
    command = json.loads(argument[argument.index("CMD [") + 4 :])
    assert isinstance(command, list)
    return [sys.executable if part == "python" else str(part) for part in command]


async def _run(command: list[str], env: dict[str, str]) -> int:
    process = await asyncio.create_subprocess_exec(
        *command,
        env={"PATH": os.environ["PATH"], **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return await process.wait()


async def test_healthcheck_probes_readyz_in_every_mode(unused_tcp_port: int) -> None:
    command = _healthcheck_command()
    assert _final_stage().env()["HEADSHOT_HEALTH_PORT"] == "8080"
    probe_port = {"HEADSHOT_HEALTH_PORT": str(unused_tcp_port)}
    assert await _run(command, probe_port) == 1  # nothing listening: unhealthy

    probes: list[str] = []
    ready = {"now": True}

    async def readyz(request: web.Request) -> web.Response:
        probes.append(request.path)
        return web.json_response({"ready": ready["now"]}, status=200 if ready["now"] else 503)

    app = web.Application()
    app.router.add_get("/readyz", readyz)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    try:
        modes = [
            {"SLACK_SIGNING_SECRET": "s"},  # Slack HTTP mode
            {"SLACK_APP_TOKEN": "xapp-1"},  # Socket Mode
            {"DISCORD_TOKEN": "d"},
            {},  # the scheduler alone
        ]
        for mode in modes:
            assert await _run(command, {**probe_port, **mode}) == 0
        ready["now"] = False  # an adapter lost its connection, or the store stopped answering
        assert await _run(command, probe_port) == 1
        assert probes == ["/readyz"] * (len(modes) + 1)
    finally:
        await runner.cleanup()


# --- compose and .env.example -------------------------------------------------------------------------


def _pyproject() -> dict[str, Any]:
    import tomllib

    with (PROJECT_ROOT / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)


def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _env_example_names() -> set[str]:
    """Names set (`NAME=`) or shown commented out with their default (`# NAME=`) in .env.example."""
    names: set[str] = set()
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=", line)
        if match:
            names.add(match.group(1))
    return names


def _variables_in(value: object) -> set[str]:
    """Compose interpolations (`${NAME}`, `${NAME:-default}`, `$NAME`), not the escaped `$$NAME`."""
    text = json.dumps(value)
    return set(re.findall(r"(?<!\$)\$\{?([A-Z_][A-Z0-9_]*)", text))


def test_compose_services_profiles_and_volumes() -> None:
    compose = _compose()
    services = compose["services"]
    assert set(services) == {"bot", "postgres", "bot-postgres", "bot-a", "bot-b", "lb"}

    bot = services["bot"]
    assert "profiles" not in bot  # `docker compose up` starts it
    assert bot["build"] == "."
    assert bot["env_file"] == ".env"
    assert "bot-data:/app/data" in bot["volumes"]
    assert any(str(p).endswith(":${PORT:-3000}") for p in bot["ports"])

    postgres = services["postgres"]
    assert postgres["profiles"] == ["postgres", "scale"]
    assert postgres["image"] == "postgres:16-alpine"
    assert "postgres-data:/var/lib/postgresql/data" in postgres["volumes"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])

    on_postgres = services["bot-postgres"]
    assert on_postgres["profiles"] == ["postgres"]
    assert on_postgres["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    url = on_postgres["environment"]["HEADSHOT_DATABASE_URL"]
    assert url.startswith("postgresql+psycopg://") and "@postgres:5432/" in url
    # Same credentials on both sides.
    for name in ("POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"):
        assert f"${{{name}:-" in url
        assert postgres["environment"][name].startswith(f"${{{name}:-")
    # Both bots publish the same host port, so both cannot run at once (they would answer twice).
    assert on_postgres["ports"] == bot["ports"]
    assert set(compose["volumes"]) == {"bot-data", "postgres-data"}
    for service in services.values():
        for volume in service.get("volumes", []):
            assert volume.split(":")[0] in compose["volumes"]


def test_compose_scale_profile_two_replicas_on_one_postgres_each_with_its_probes_and_metrics() -> None:
    compose = _compose()
    services = compose["services"]
    in_profile = {name for name, service in services.items() if "scale" in service.get("profiles", [])}
    assert in_profile == {"postgres", "bot-a", "bot-b", "lb"}
    # The default `docker compose up` is as it was: only `bot`.
    assert {name for name, service in services.items() if "profiles" not in service} == {"bot"}

    replicas = [services["bot-a"], services["bot-b"]]
    environments = [replica["environment"] for replica in replicas]
    for replica, environment in zip(replicas, environments, strict=True):
        assert replica["image"] == services["bot"]["image"] and replica["env_file"] == ".env"
        assert replica["depends_on"] == {"postgres": {"condition": "service_healthy"}}
        assert "volumes" not in replica  # no SQLite file: all state in PostgreSQL
        # Each replica's probes and metrics, inside the container and published on a host port of its own.
        inner = {environment["HEADSHOT_HEALTH_PORT"], environment["HEADSHOT_METRICS_PORT"]}
        assert {port.split(":")[1] for port in replica["ports"]} == inner
    assert environments[0]["HEADSHOT_DATABASE_URL"] == environments[1]["HEADSHOT_DATABASE_URL"]
    assert (
        environments[0]["HEADSHOT_DATABASE_URL"]
        == services["bot-postgres"]["environment"]["HEADSHOT_DATABASE_URL"]
    )
    host_ports = [port.split(":")[0] for replica in replicas for port in replica["ports"]]
    assert len(set(host_ports)) == 4
    assert not set(host_ports) & {str(p).split(":")[0] for p in services["bot"]["ports"]}
    # One Discord bot, two shards: each replica runs its own, together they cover 0 and 1 once.
    assert {e["DISCORD_SHARD_COUNT"] for e in environments} == {"2"}
    assert sorted(e["DISCORD_SHARD_IDS"] for e in environments) == ["0", "1"]

    # Slack HTTP mode through the balancer on the port `bot` publishes (so the two set-ups cannot both run).
    lb = services["lb"]
    [published] = lb["ports"]
    assert published == "${PORT:-3000}:3000"
    assert str(services["bot"]["ports"][0]).startswith("${PORT:-3000}:")
    [mounted] = lb["configs"]
    config = compose["configs"][mounted["source"]]["content"]
    assert mounted["target"].startswith("/etc/nginx/")
    for environment, name in zip(environments, ("bot-a", "bot-b"), strict=True):
        assert f"server {name}:{environment['PORT']}" in config
    assert "location /slack/events" in config and "location = /readyz" in config
    assert "$" not in config  # Compose would interpolate it


def test_every_variable_compose_uses_is_in_env_example() -> None:
    compose = _compose()
    used = _variables_in(compose["services"])
    for service in compose["services"].values():
        used |= set(service.get("environment", {}))
    used -= {"PATH"}
    assert used, "the compose file uses no variables at all?"
    assert used - _env_example_names() == set()


def test_every_setting_is_declared_listed_in_env_example_and_documented_in_readme() -> None:
    declared = {s.name for s in (*CORE_SETTINGS, *all_settings())}
    assert {"SLACK_BOT_TOKEN", "DISCORD_TOKEN", "HEADSHOT_DATABASE_URL"} <= declared
    sources = [*(PROJECT_ROOT / "bot").rglob("*.py"), *(PROJECT_ROOT / "handlers").rglob("*.py")]
    read = {
        name
        for path in sources
        for name in re.findall(r"setting\(\s*\w+,\s*\"([A-Z][A-Z0-9_]*)\"", path.read_text(encoding="utf-8"))
    }
    assert read, "no setting is read through bot.config.setting?"
    assert read - declared == set(), "read but not declared as a Setting"
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    in_readme_table = {
        name
        for line in readme.splitlines()
        if line.startswith("| `")
        for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1])
    }
    listed = _env_example_names()
    assert declared - listed == set(), "declared but missing from .env.example"
    assert declared - in_readme_table == set(), "declared but missing from README's configuration table"
    assert in_readme_table - listed == set()


def test_every_setting_in_env_example_has_a_comment_above_it() -> None:
    setting = re.compile(r"^#?\s*[A-Z][A-Z0-9_]*=")
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if not setting.match(line):
            continue
        above = index - 1
        while above >= 0 and setting.match(lines[above]):
            above -= 1  # settings grouped under one comment
        assert above >= 0 and lines[above].startswith("# "), f"{line!r} has no comment above it"


def test_env_example_leaves_every_secret_empty() -> None:
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if re.match(r"^(SLACK_BOT_TOKEN|SLACK_APP_TOKEN|SLACK_SIGNING_SECRET|DISCORD_TOKEN)=", line):
            assert line.endswith("="), line


# --- the image's install steps, replayed ------------------------------------------------------------


def _replay_build_stage(workspace: Path) -> tuple[Path, dict[str, str]]:
    """Runs the build stage's COPY and RUN steps with the image's absolute paths moved under `workspace`.

    Returns the virtual environment's folder and the final stage's environment, mapped the same way.
    """
    build, final = read_dockerfile()[0], read_dockerfile()[-1]

    def mapped(text: str) -> str:
        return re.sub(r"(?<![\w.-])/(opt|src|app)(?=/|\b)", lambda m: f"{workspace}/{m.group(1)}", text)

    python_dir = workspace / "python-bin"
    python_dir.mkdir(parents=True)
    (python_dir / "python").symlink_to(sys.executable)
    env = {
        **{k: v for k, v in os.environ.items() if k.startswith(("PIP_", "HOME", "LANG", "SSL_", "TMP"))},
        **{k: mapped(v) for k, v in build.env().items()},
        "PATH": f"{python_dir}:{os.environ['PATH']}",
    }
    env.pop("PIP_NO_CACHE_DIR", None)  # the test may reuse pip's cache; the image must not keep one
    workdir = workspace
    for instruction in build.instructions:
        if instruction.keyword == "WORKDIR":
            workdir = Path(mapped(instruction.argument))
            workdir.mkdir(parents=True, exist_ok=True)
        elif instruction.keyword == "COPY":
            *sources, target = instruction.argument.split()
            destination = (workdir / target).resolve()
            for source in sources:
                origin = PROJECT_ROOT / source
                if origin.is_dir():
                    shutil.copytree(
                        origin, destination, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
                    )
                else:
                    destination.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(origin, destination / origin.name)
        elif instruction.keyword == "RUN":
            command = mapped(instruction.argument).replace("--no-cache-dir", "")
            subprocess.run(["bash", "-euo", "pipefail", "-c", command], cwd=workdir, env=env, check=True)
    venv = workspace / "opt" / "venv"
    final_env = {k: mapped(v).replace("$PATH", os.environ["PATH"]) for k, v in final.env().items()}
    for instruction in final.all("COPY"):
        if not instruction.argument.startswith("--"):
            source, target = instruction.argument.split()
            app_dir = Path(mapped(final.all("WORKDIR")[-1].argument))
            shutil.copytree(PROJECT_ROOT / source, app_dir / target)
    return venv, final_env


@pytest.mark.slow
def test_image_install_steps_work_in_a_fresh_virtual_environment(tmp_path: Path) -> None:
    """Slow (a minute or more): a real `pip install .` of a clean copy, as the image builds it."""
    venv, image_env = _replay_build_stage(tmp_path)
    headshot = venv / "bin" / "headshot"
    assert headshot.exists()
    env = {**image_env, "HOME": str(tmp_path), "HEADSHOT_LOG_FORMAT": "json"}
    # The installed package, not this checkout: run from an empty folder, with the image's settings.
    run_dir = tmp_path / "app"
    helped = subprocess.run(
        [str(headshot), "--help"], cwd=run_dir, env=env, capture_output=True, text=True, check=True
    )
    for command in ("serve", "doctor", "ask", "check", "reminders", "kb"):
        assert command in helped.stdout
    asked = subprocess.run(
        [str(headshot), "ask", "--json", "how often should I update my headshot?"],
        cwd=run_dir,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    answer = json.loads(asked.stdout)
    assert set(answer) >= {"answered", "answer", "passages"}
    assert len(answer["passages"]) >= 3

    pip_list = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "list", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    installed = {p["name"].lower() for p in json.loads(pip_list.stdout)}
    assert "opencv-python-headless" in installed and "opencv-python" not in installed
    assert not installed & {"torch", "tensorflow", "pytest", "mypy", "ruff"}
    imported = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import cv2, slack_bolt, discord, sqlalchemy, psycopg; print('ok')",
        ],
        cwd=run_dir,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert imported.stdout.strip() == "ok"
    size_mb = sum(f.stat().st_size for f in venv.rglob("*") if f.is_file() and not f.is_symlink()) / 2**20
    print(f"image environment: {size_mb:.0f} MB in {venv}")
    assert size_mb < 600


def test_an_env_file_copied_from_the_example_is_a_valid_console_configuration(tmp_path: Path) -> None:
    shutil.copy(ENV_EXAMPLE, tmp_path / ".env")
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "HEADSHOT_", "PORT"))
    }
    result = subprocess.run(
        [sys.executable, "-m", "handlers.cli", "doctor", "--json"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    checks = {c["check"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["adapters"]["status"] == "warn" and "console chat" in checks["adapters"]["detail"]
    assert checks["knowledge base"]["status"] == "ok"
    assert not (tmp_path / "data").exists()  # doctor created nothing

"""The platform adapters `headshot serve` and `headshot doctor` know: one line each.

Listed by module name and imported only when asked for, so an adapter whose SDK is broken fails alone
(its `AdapterSpec` must not import the SDK; its `run` does).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence

from bot.adapters import FAIL, WARN, Adapter, AdapterSpec, Setting
from bot.config import CORE_SETTINGS, malformed_secret, setting
from bot.logs import MIN_REDACTED_LENGTH

ADAPTER_MODULES: list[str] = [
    "handlers.slack.adapter",
    "handlers.discord.adapter",
]


def adapter_specs(modules: Sequence[str] | None = None) -> list[AdapterSpec]:
    specs: list[AdapterSpec] = []
    for name in ADAPTER_MODULES if modules is None else modules:
        spec = importlib.import_module(name).SPEC
        if not isinstance(spec, AdapterSpec):
            raise TypeError(f"{name}.SPEC is not an AdapterSpec")
        specs.append(spec)
    return specs


def create_adapters(environ: Mapping[str, str]) -> list[Adapter]:
    """Every registered adapter, with its settings read from `environ` (configured or not)."""
    return [spec.create(environ) for spec in adapter_specs()]


def all_settings() -> list[Setting]:
    """Every platform setting, in registry order (the core's own are `bot.config.CORE_SETTINGS`)."""
    return [setting for spec in adapter_specs() for setting in spec.settings]


def secrets_of(environ: Mapping[str, str]) -> list[str]:
    return [secret for adapter in create_adapters(environ) for secret in adapter.secrets()]


def secret_problems(environ: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(status, problem, fix) for every secret setting whose value cannot be what the platform issued."""
    found: list[tuple[str, str, str]] = []
    for declared in (*CORE_SETTINGS, *all_settings()):
        value = setting(environ, declared.name)
        if not declared.secret or value is None:
            continue
        if malformed_secret(value):
            found.append(
                (
                    FAIL,
                    f"{declared.name} contains a line break, space or control character",
                    f"Copy {declared.name} again, as one line (a value pasted across lines is cut)",
                )
            )
        elif len(value) < MIN_REDACTED_LENGTH:
            found.append(
                (
                    WARN,
                    f"{declared.name} is only {len(value)} character{'' if len(value) == 1 else 's'} long: "
                    "not what the platform issues, and too short to be hidden in logs",
                    f"Copy the real {declared.name} from the platform's settings page",
                )
            )
    return found

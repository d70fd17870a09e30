"""How well "when" phrases are read: the project's parser beside dateparser and parsedatetime.

Run: .venv/bin/python benchmarks/when_eval.py [--frozen] [--show-misses] [--only ours]

Reads the phrase sets in tests/reminders/data/ (when_phrases.toml for development; --frozen for the set
kept aside for an honest estimate). A case is right when the due moment is the expected one (to the
minute) and the repeat is the expected one, or, for a nonsense / past / too-far phrase, when it is refused.
The libraries get the same treatment as ours wherever they can: the same clock and zone, the same
day/month order for the zone, and a result in the past or more than 10 years ahead counts as refused. They
give no repeat, and have no rule for a day without a time, so besides the strict figure they are also
scored "lenient": the time is only checked when the phrase names one. dateparser and parsedatetime are
not dependencies of the bot: install them into the venv to compare (`pip install dateparser
parsedatetime`); a missing one is reported and skipped.
"""

from __future__ import annotations

import argparse
import importlib
import re
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.reminders.when import WhenError, month_first, parse_when, zone_from_name  # noqa: E402

DATA = ROOT / "tests" / "reminders" / "data"
_TIME_NAMED = re.compile(
    r"\d\s*(?:am|pm)\b|\d:\d\d|\bat \d|\b@|noon|midnight|tonight|evening|morning|afternoon|this time|"
    r"half past|o'clock|\bhours?\b|\bminutes?\b|\bmins?\b"
)


@dataclass(frozen=True)
class Case:
    phrase: str
    zone: str
    now: datetime
    due: datetime | None  # None: must be refused
    repeat: str | None

    @property
    def names_a_time(self) -> bool:
        return bool(_TIME_NAMED.search(self.phrase.lower()))


@dataclass(frozen=True)
class Reading:
    due: datetime | None  # None: refused
    repeat: str | None = None


def load_cases(path: Path) -> list[Case]:
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    cases: list[Case] = []
    for block in raw["block"]:
        zone = zone_from_name(block["zone"])
        now = datetime.fromisoformat(block["now"])
        for phrase, expected in block["cases"]:
            if expected == "error":
                cases.append(Case(phrase, block["zone"], now, None, None))
                continue
            moment, _, repeat = expected.partition(" ")
            due = datetime.fromisoformat(moment)
            if due.tzinfo is None:
                due = due.replace(tzinfo=zone)
            cases.append(Case(phrase, block["zone"], now, due, repeat or None))
    return cases


def ours(case: Case) -> Reading:
    try:
        when = parse_when(case.phrase, now=case.now, zone=zone_from_name(case.zone))
    except WhenError:
        return Reading(None)
    return Reading(when.due_at, when.repeat)


def _within_limits(due: datetime | None, case: Case) -> datetime | None:
    if due is None or due <= case.now or due > case.now + timedelta(days=3653):
        return None
    return due


def make_dateparser() -> Callable[[Case], Reading]:
    dateparser: Any = importlib.import_module("dateparser")

    def read(case: Case) -> Reading:
        zone = zone_from_name(case.zone)
        local_now = case.now.astimezone(zone)
        settings = {
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": local_now.replace(tzinfo=None),
            "TIMEZONE": case.zone,
            "RETURN_AS_TIMEZONE_AWARE": True,
            "DATE_ORDER": "MDY" if month_first(zone) else "DMY",
            "PREFER_DAY_OF_MONTH": "first",
        }
        try:
            parsed = dateparser.parse(case.phrase, languages=["en"], settings=settings)
        except Exception:
            parsed = None
        return Reading(_within_limits(parsed, case))

    return read


def make_parsedatetime() -> Callable[[Case], Reading]:
    module: Any = importlib.import_module("parsedatetime")
    calendar = module.Calendar(version=module.VERSION_CONTEXT_STYLE)

    def read(case: Case) -> Reading:
        zone: tzinfo = zone_from_name(case.zone)
        local_now = case.now.astimezone(zone)
        try:
            parsed, context = calendar.parseDT(
                case.phrase, sourceTime=local_now.replace(tzinfo=None), tzinfo=zone
            )
        except Exception:
            return Reading(None)
        if not context.hasDateOrTime:
            return Reading(None)
        return Reading(_within_limits(parsed, case))

    return read


def right(case: Case, reading: Reading, *, lenient: bool) -> bool:
    if case.due is None or reading.due is None:
        return case.due is None and reading.due is None
    if reading.repeat != case.repeat:
        return False
    expected = case.due.astimezone(reading.due.tzinfo)
    if lenient and not case.names_a_time:
        return reading.due.date() == expected.date()
    return abs((reading.due - case.due).total_seconds()) < 60


def import_seconds(module: str) -> float | None:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT)
    return float(done.stdout.strip()) if done.returncode == 0 else None


def evaluate(name: str, read: Callable[[Case], Reading], cases: list[Case], show: bool) -> None:
    read(cases[0])  # a first call loads vocabularies (dateparser: its language data); reported apart
    start = time.perf_counter()
    readings = [read(case) for case in cases]
    per_phrase_ms = (time.perf_counter() - start) * 1000 / len(cases)
    strict = sum(right(c, r, lenient=False) for c, r in zip(cases, readings, strict=True))
    lenient = sum(right(c, r, lenient=True) for c, r in zip(cases, readings, strict=True))
    refusals = [c for c in cases if c.due is None]
    refused = sum(r.due is None for c, r in zip(cases, readings, strict=True) if c.due is None)
    no_repeat = [i for i, c in enumerate(cases) if c.repeat is None]
    plain = sum(right(cases[i], readings[i], lenient=True) for i in no_repeat)
    print(
        f"  {name:<14} strict {strict:3d}/{len(cases)}   lenient {lenient:3d}/{len(cases)}   "
        f"without repeats (lenient) {plain:3d}/{len(no_repeat)}   refused {refused}/{len(refusals)}   "
        f"{per_phrase_ms:6.3f} ms a phrase"
    )
    if show:
        for case, reading in zip(cases, readings, strict=True):
            if not right(case, reading, lenient=False):
                got = (
                    "refused"
                    if reading.due is None
                    else reading.due.astimezone(zone_from_name(case.zone)).isoformat()
                )
                want = "refused" if case.due is None else case.due.isoformat()
                got += f" {reading.repeat}" if reading.repeat else ""
                want += f" {case.repeat}" if case.repeat else ""
                print(f"      miss [{case.zone}] {case.phrase!r}: got {got}, want {want}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--frozen", action="store_true", help="the frozen set (run it once, at the end)")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--only", choices=["ours", "dateparser", "parsedatetime"])
    args = parser.parse_args()
    path = DATA / ("when_phrases_frozen.toml" if args.frozen else "when_phrases.toml")
    cases = load_cases(path)
    print(f"{path.name}: {len(cases)} phrasings ({sum(c.due is None for c in cases)} to refuse)")
    parsers: list[tuple[str, Callable[[], Callable[[Case], Reading]], str]] = [
        ("ours", lambda: ours, "bot.reminders.when"),
        ("dateparser", make_dateparser, "dateparser"),
        ("parsedatetime", make_parsedatetime, "parsedatetime"),
    ]
    for name, make, module in parsers:
        if args.only and name != args.only:
            continue
        try:
            read = make()
        except ImportError:
            print(f"  {name:<14} not installed (pip install {module}); skipped")
            continue
        seconds = import_seconds(module)
        evaluate(name, read, cases, args.show_misses)
        if seconds is not None:
            print(f"  {'':<14} import {seconds * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

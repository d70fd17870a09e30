"""`headshot check`: analyze photos from the command line.

Exit code 0 when every file was analyzed (warnings included), 1 when any file could not be read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.messages import STATUS_MARKS, Status
from bot.photo.platforms import platform_names
from bot.runtime import Runtime


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check",
        help="analyze one or more photos",
        description="Review profile photos: a score, every check in plain words, the top fixes and a "
        "suggested square crop. Example: headshot check me.jpg --platform linkedin --crop-out out/",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.add_argument("--platform", default="generic", choices=list(platform_names()))
    parser.add_argument("--json", action="store_true", help="one JSON object per photo")
    parser.add_argument("--crop-out", metavar="DIR", help="write the suggested crop and a round preview here")
    parser.add_argument(
        "--compare", action="store_true", help="say which photo is the best one and why (JSON: a rank each)"
    )
    parser.set_defaults(func=run_check)


COLOURS = {"pass": "\033[32m", "warn": "\033[33m", "fail": "\033[31m", "skip": "\033[2m"}
RESET = "\033[0m"


def run_check(args: argparse.Namespace, runtime: Runtime) -> int:
    from bot.photo.limits import MAX_UPLOAD_BYTES
    from bot.photo.platforms import platform_spec
    from bot.photo.review import PhotoResult, analyze_bytes, comparison_reply, crop_images, rank
    from bot.photo.work import configure_photo_work

    configure_photo_work(runtime.config.photo_workers, runtime.config.photo_memory_mb)
    now = datetime.now(UTC)
    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    crop_dir = Path(args.crop_out) if args.crop_out else None
    if crop_dir is not None:
        crop_dir.mkdir(parents=True, exist_ok=True)
    total = len(args.paths)
    results: list[PhotoResult] = []
    crop_files: list[list[str]] = []
    for index, path_text in enumerate(args.paths, 1):
        if total > 3 and not args.json:
            print(f"[{index}/{total}] {path_text}", file=sys.stderr)
        path = Path(path_text)
        data, read_error = _read(path, MAX_UPLOAD_BYTES)
        if read_error is not None:
            result = PhotoResult(path.name, platform_spec(args.platform), error=read_error)
        else:
            result = analyze_bytes(data, filename=path.name, platform=args.platform, now=now)
        written: list[str] = []
        if result.analysis is not None and crop_dir is not None:
            rendered = crop_images(data, result)
            if rendered is not None:
                written = _write_crop(crop_dir, path, args.platform, rendered)
        results.append(result)
        crop_files.append(written)
        if not args.compare:
            _print(path_text, result, written, args.json, colour)
    if args.compare:
        order = rank(results)
        ranks = {index: place for place, index in enumerate(order, 1)}
        if not args.json:
            print(comparison_reply(results, order).text + "\n", flush=True)
        for index, (path_text, result) in enumerate(zip(args.paths, results, strict=True)):
            _print(path_text, result, crop_files[index], args.json, colour, rank=ranks[index])
    return 1 if any(result.analysis is None for result in results) else 0


def _print(
    path: str, result: Any, crop_files: list[str], as_json: bool, colour: bool, rank: int | None = None
) -> None:
    if as_json:
        record = to_json(path, result)
        if rank is not None:
            record["rank"] = rank
        print(json.dumps(record), flush=True)
    else:
        print(to_text(path, result, colour=colour, crop_files=crop_files), flush=True)


def _read(path: Path, limit: int) -> tuple[bytes, str | None]:
    try:
        if path.stat().st_size > limit:
            return b"", f"The file is larger than {limit // (1024 * 1024)} MB. Please use a smaller copy."
        return path.read_bytes(), None
    except FileNotFoundError:
        return b"", "No such file."
    except IsADirectoryError:
        return b"", "That is a folder, not a photo."
    except OSError as problem:
        return b"", f"Cannot read the file ({problem.strerror or 'unknown error'})."


def _write_crop(directory: Path, path: Path, platform: str, rendered: tuple[bytes, bytes]) -> list[str]:
    from bot.photo.crop import crop_file_names

    crop_name, preview_name = crop_file_names(path.stem, platform)
    crop_path, preview_path = directory / crop_name, directory / preview_name
    crop_path.write_bytes(rendered[0])
    preview_path.write_bytes(rendered[1])
    return [str(crop_path), str(preview_path)]


def to_json(path: str, result: Any) -> dict[str, Any]:
    analysis = result.analysis
    if analysis is None:
        return {
            "path": path,
            "ok": False,
            "error": result.error,
            "faces": None,
            "score": None,
            "checks": [],
            "crop": None,
            "taken_at": None,
            "ai_signals": [],
        }
    crop = analysis.crop
    return {
        "path": path,
        "ok": True,
        "error": None,
        "faces": len(analysis.faces),
        "score": analysis.score,
        "checks": [
            {"id": c.id, "status": str(c.status), "value": c.value, "message": c.message}
            for c in analysis.checks
        ],
        "crop": {"x": crop[0], "y": crop[1], "w": crop[2], "h": crop[3]} if crop else None,
        "taken_at": analysis.taken_at.isoformat() if analysis.taken_at else None,
        "ai_signals": list(analysis.ai_signals),
    }


def to_text(path: str, result: Any, *, colour: bool, crop_files: list[str]) -> str:
    def paint(status: str, text: str) -> str:
        return f"{COLOURS[status]}{text}{RESET}" if colour else text

    analysis = result.analysis
    if analysis is None:
        return f"{path}\n  {paint('fail', STATUS_MARKS[Status.FAIL])} Could not analyze: {result.error}\n"
    if analysis.faces:
        lines = [f"{path} — {analysis.score}/100 for {result.platform.label}"]
    else:
        lines = [f"{path} — I couldn't find a face ({analysis.score}/100 as a headshot)"]
    for check in analysis.checks:
        status = str(check.status)
        mark = paint(status, STATUS_MARKS[Status(status)])
        lines.append(f"  {mark} {check.id.replace('_', ' '):<14} {check.message}")
    fixes = analysis.fixes()
    if fixes:
        lines.append("  Top fixes:")
        lines += [f"    {n}. {fix}" for n, fix in enumerate(fixes, 1)]
    for file in crop_files:
        lines.append(f"  wrote {file}")
    return "\n".join(lines) + "\n"

"""Peak memory and throughput of photo work under load.

Run: .venv/bin/python benchmarks/photo_memory_bench.py [--workers N] [--memory-mb MB]

Each scenario runs in a fresh process and prints that process's peak resident memory (VmHWM):
- six decompression-heavy files (tiny files that decode to 7745 x 7745) posted at once, through the review
  (bounded slots, decode budget) and the naive way (every file fully decoded and converted at once, as
  the loader did before the budget);
- sixteen real photos (../shared/photos) at once against the same sixteen one after another: wall time and
  peak memory, and whether every review succeeded.
`--write-hostile DIR` writes the six hostile files (the tests keep four of them in tests/data/photos/hostile).
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIDE = 7745  # 60 million pixels: just under the loader's pixel cap


def write_hostile(directory: Path) -> list[Path]:
    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    directory.mkdir(parents=True, exist_ok=True)
    rgba = Image.new("RGBA", (SIDE, SIDE), (200, 180, 160, 255))
    paths = [directory / name for name in ("a.webp", "b.png", "c.avif", "d.gif", "e.heic", "f.tiff")]
    rgba.save(paths[0], "WEBP", lossless=True, quality=100, method=0)
    rgba.save(paths[1], "PNG", compress_level=9)
    rgb = rgba.convert("RGB")
    del rgba
    rgb.save(paths[2], "AVIF", quality=10, speed=10)
    rgb.convert("P").save(paths[3], "GIF")
    rgb.save(paths[4], "HEIF", quality=10)
    rgb.save(paths[5], "TIFF", compression="tiff_deflate")
    return paths


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _naive(data: bytes) -> None:
    """What the loader did before: decode in full, convert, then shrink, with no budget and no slots."""
    import pillow_heif
    from PIL import Image, ImageOps

    pillow_heif.register_heif_opener()
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        picture = ImageOps.exif_transpose(image) or image
        if picture.mode in ("RGBA", "LA", "PA", "P"):
            rgba = picture.convert("RGBA")
            background = Image.new("RGB", rgba.size, (255, 255, 255))
            background.paste(rgba, mask=rgba.getchannel("A"))
            picture = background
        picture.convert("RGB").resize((1024, 1024), Image.Resampling.BILINEAR)


def child(scenario: str, files: list[str], workers: int | None, memory_mb: int | None) -> None:
    from bot.photo.review import analyze_bytes
    from bot.photo.work import configure_photo_work

    configure_photo_work(workers, memory_mb)
    now = datetime.now(UTC)
    payloads = [Path(f).read_bytes() for f in files]
    base = _peak_mb()
    outcomes: list[str] = [""] * len(payloads)

    def review(index: int) -> None:
        if scenario.endswith("naive"):
            _naive(payloads[index])
            outcomes[index] = "decoded"
            return
        result = analyze_bytes(payloads[index], filename=Path(files[index]).name, platform="generic", now=now)
        outcomes[index] = (
            "reviewed" if result.analysis is not None else f"refused: {(result.error or '')[:60]}"
        )

    started = time.perf_counter()
    if scenario.startswith("sequential"):
        for index in range(len(payloads)):
            review(index)
    else:
        threads = [threading.Thread(target=review, args=(i,)) for i in range(len(payloads))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    elapsed = time.perf_counter() - started
    print(json.dumps({"peak_mb": _peak_mb(), "base_mb": base, "seconds": elapsed, "outcomes": outcomes}))


def run(
    scenario: str, files: list[Path], workers: int | None, memory_mb: int | None
) -> tuple[float, float, list[str]]:
    """(peak MB, seconds, outcome per file) of one scenario in a fresh process."""
    command = [sys.executable, __file__, "--child", scenario, *map(str, files)]
    if workers:
        command += ["--workers", str(workers)]
    if memory_mb:
        command += ["--memory-mb", str(memory_mb)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return float("nan"), float("nan"), [done.stderr.strip()[-200:]]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return float(result["peak_mb"]), float(result["seconds"]), [str(o) for o in result["outcomes"]]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int)
    parser.add_argument("--memory-mb", type=int)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--write-hostile", metavar="DIR")
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1:], args.workers, args.memory_mb)
        return
    if args.write_hostile:
        for path in write_hostile(Path(args.write_hostile)):
            print(f"{path} {path.stat().st_size} bytes")
        return
    from benchmarks.shared_data import shared_path
    from bot.photo.work import DEFAULT_MEMORY_MB

    budget = args.memory_mb or DEFAULT_MEMORY_MB
    with tempfile.TemporaryDirectory() as scratch:
        hostile = write_hostile(Path(scratch))
        sizes = ", ".join(f"{p.suffix[1:]} {p.stat().st_size:,} B" for p in hostile)
        print(f"six hostile files ({sizes}), decode budget {budget} MB")
        for scenario in ("at-once", "at-once-naive"):
            peak, seconds, outcomes = run(scenario, hostile, args.workers, args.memory_mb)
            label = "review (slots + budget)" if scenario == "at-once" else "naive (full decode, no budget)"
            print(f"  {label:32} peak {peak:7.0f} MB  {seconds:5.1f} s")
            for path, outcome in zip(hostile, outcomes, strict=False):
                print(f"      {path.suffix[1:]:5} {outcome}")
    photos = sorted(
        p for p in shared_path("photos").iterdir() if p.suffix in (".jpg", ".png") and "interfaces" in p.name
    )
    sixteen = photos[:16]
    print(f"sixteen real photos (../shared/photos, interfaces_*), workers {args.workers or 'one per core'}")
    for scenario in ("at-once", "sequential"):
        peak, seconds, outcomes = run(scenario, sixteen, args.workers, args.memory_mb)
        reviewed = sum(o == "reviewed" for o in outcomes)
        print(f"  {scenario:12} peak {peak:6.0f} MB  {seconds:5.1f} s  reviewed {reviewed}/16")


if __name__ == "__main__":
    main()

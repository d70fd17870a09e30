"""Speed, memory and detection rates of `headshot check`.

Run: .venv/bin/python benchmarks/check_bench.py [--runs N]

Prints the median analysis time of a 12 MP JPEG (made in-run from a shared headshot) and of the shared
16 MP and 24 MP photos, beside a plain full Pillow decode of the same file (the target: the review takes at
most 1.5x that, and at most 150 ms for the 12 MP JPEG) and the naive path (full decode, detection at full
size); the peak memory of analyzing the 12 MP photo in a fresh process; the face-count, degradation and
false-warning rates on the shared photos; and per check, the photos it should flag, flagged, false warnings.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.shared_data import shared_path  # noqa: E402
from bot.photo.analysis import check_ids  # noqa: E402
from bot.photo.review import analyze_bytes  # noqa: E402
from bot.photo.work import photo_work  # noqa: E402
from tests.photo.helpers import (  # noqa: E402
    DEGRADATIONS,
    analyzed_image,
    degraded,
    draw_sunglasses,
    flagged,
    forehead_cut,
    good_headshots,
    main_face,
    manifest,
)

NOW = datetime.now(UTC)


def twelve_megapixel_jpeg() -> bytes:
    with Image.open(shared_path("photos", "biden_official_portrait.jpg")) as source:
        big = source.convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC)
    out = io.BytesIO()
    big.save(out, "JPEG", quality=90)
    return out.getvalue()


def ours(data: bytes) -> None:
    analyze_bytes(data, filename="bench.jpg", platform="generic", now=NOW)


def plain_decode(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as image:
        image.load()


def naive(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as image:
        rgb = np.asarray(image.convert("RGB"))
    with photo_work().slot() as detector:
        detector.detect(rgb, working_side=None)


def median_ms(function: object, data: bytes, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function(data)  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _peak_rss_mb() -> float:
    # VmHWM belongs to this program's address space; ru_maxrss would also count the parent's
    # peak from before exec (Linux carries it across exec), which is the benchmark's own footprint.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_child(path: str) -> None:
    data = Path(path).read_bytes()
    tracemalloc.start()
    ours(data)
    _, peak = tracemalloc.get_traced_memory()
    print(
        json.dumps(
            {
                "tracemalloc_peak_mb": peak / 2**20,
                "maxrss_mb": _peak_rss_mb(),
            }
        )
    )


def rates() -> None:
    wrong = 0
    should: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    false: Counter[str] = Counter()
    for entry in manifest():
        result = analyze_bytes(
            shared_path("photos", entry["file"]).read_bytes(),
            filename=entry["file"],
            platform="generic",
            now=NOW,
        )
        count = len(result.analysis.faces) if result.analysis else -1
        wrong += count not in {entry["faces"], *entry.get("faces_acceptable", [])}
        expected = set(entry.get("expected_flags", []))
        found = flagged(result) if result.analysis else set()
        should.update(expected)
        hits.update(expected & found)
        false.update(found - expected)
    total = len(manifest())
    print(f"face count right: {total - wrong}/{total} ({100 * (total - wrong) / total:.1f}%)")
    print(f"per check on the {total} shared photos (expected flags from tests/data/photos/manifest.json):")
    print(f"  {'check':<14} {'should flag':>11} {'flagged':>8} {'false warnings':>15}")
    for check_id in check_ids():
        print(f"  {check_id:<14} {should[check_id]:>11} {hits[check_id]:>8} {false[check_id]:>15}")
    good = good_headshots()
    for kind, (_, check) in DEGRADATIONS.items():
        hit = sum(check in flagged(degraded(name, kind)) for name in good)
        print(
            f"degradation {kind:<24} flagged by {check:<12} {hit}/{len(good)} ({100 * hit / len(good):.0f}%)"
        )
    landmark_made: dict[str, tuple[str, Callable[[Image.Image], Image.Image]]] = {
        "forehead cut, face at 30%": ("framing", lambda im: forehead_cut(im, main_face(im), centre_at=0.3)),
        "forehead cut, face at 70%": ("framing", lambda im: forehead_cut(im, main_face(im), centre_at=0.7)),
        "dark sunglasses drawn": ("eyes", lambda im: draw_sunglasses(im, main_face(im))),
    }
    for kind, (check, make) in landmark_made.items():
        hit = 0
        for name in good:
            with Image.open(shared_path("photos", name)) as source:
                variant = make(source.convert("RGB"))
            hit += check in flagged(analyzed_image(variant))
        print(
            f"degradation {kind:<24} flagged by {check:<12} {hit}/{len(good)} ({100 * hit / len(good):.0f}%)"
        )
    warnings: Counter[str] = Counter()
    for name in good:
        result = analyze_bytes(
            shared_path("photos", name).read_bytes(), filename=name, platform="generic", now=NOW
        )
        warnings.update(flagged(result))
    worst = max(warnings.values(), default=0)
    found_any = dict(warnings) or "none"
    print(f"false warnings on {len(good)} good headshots: {found_any} (worst check {worst}/{len(good)})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--memory-child", metavar="JPEG", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    files = {
        "12 MP JPEG (4000x3000, generated)": twelve_megapixel_jpeg(),
        "16 MP phone JPEG (cat_on_armchair_phone)": shared_path(
            "photos", "cat_on_armchair_phone.jpg"
        ).read_bytes(),
        "24 MP JPEG (brewery_bartender_24mp)": shared_path(
            "photos", "brewery_bartender_24mp.jpg"
        ).read_bytes(),
    }
    ours(next(iter(files.values())))  # load the detector once, as a running bot has
    print(
        f"median of {args.runs} runs (naive: 3 runs); 'decode' is a plain full Pillow decode of the same file"
    )
    for label, data in files.items():
        fast = median_ms(ours, data, args.runs)
        decode = median_ms(plain_decode, data, args.runs)
        slow = median_ms(naive, data, 3)
        print(
            f"{label:<42} ours {fast:5.0f} ms   decode {decode:5.0f} ms ({fast / decode:.2f}x)   "
            f"naive {slow:6.0f} ms ({slow / fast:.1f}x slower)"
        )
    with tempfile.TemporaryDirectory() as scratch:
        photo = Path(scratch, "twelve.jpg")
        photo.write_bytes(files["12 MP JPEG (4000x3000, generated)"])
        child = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(photo)],
            capture_output=True,
            text=True,
            check=True,
        )
    memory = json.loads(child.stdout.strip().splitlines()[-1])
    print(
        f"12 MP memory: tracemalloc peak {memory['tracemalloc_peak_mb']:.0f} MB, "
        f"process max RSS {memory['maxrss_mb']:.0f} MB (target <= 250 MB)"
    )
    rates()


if __name__ == "__main__":
    main()

"""One platform list from a data file, its sources, and size wording that says what it means."""

from __future__ import annotations

import io

from PIL import Image

from bot.messages import Citation, Status
from bot.photo.crop import crop_file_names
from bot.photo.platforms import named_platforms, platform_names, platform_spec
from bot.photo.review import review_attachment
from tests.photo.helpers import NOW, analyzed_image, photo_bytes


def test_the_platform_list_comes_from_the_data_file_with_sources() -> None:
    assert set(named_platforms()) == {"linkedin", "slack", "discord", "github"}
    assert platform_names()[-1] == "generic"
    for name in named_platforms():
        spec = platform_spec(name)
        assert spec.name == name and spec.minimum <= spec.recommended
        assert spec.sources and all(source.url.startswith("https://") for source in spec.sources)
    assert platform_spec("Slack").minimum == 512 and not platform_spec("slack").circular
    assert platform_spec("myspace").name == "generic"


def _square(side: int) -> Image.Image:
    with Image.open(io.BytesIO(photo_bytes("interfaces_047_man_white_background.jpg"))) as image:
        return image.convert("RGB").resize((side, side))


def _resolution(side: int, platform: str) -> tuple[Status, str]:
    analysis = analyzed_image(_square(side), platform=platform).analysis
    assert analysis is not None
    line = next(c for c in analysis.checks if c.id == "resolution")
    return line.status, line.message


def test_size_wording_is_accurate() -> None:
    status, message = _resolution(500, "slack")
    assert status is Status.WARN and "12 px short" in message and "blurry" not in message
    status, message = _resolution(256, "discord")
    assert status is Status.PASS and "minimum (128×128)" in message and "enough for" not in message
    status, message = _resolution(1100, "slack")
    assert status is Status.PASS and "enough for a sharp Slack picture" in message


def test_a_named_platform_brings_its_advice_from_the_documents() -> None:
    asked: list[str] = []

    def cite(topic: str) -> Citation | None:
        asked.append(topic)
        return Citation("Real photos", "doc-1", f"quote for {topic}")

    data = photo_bytes("interfaces_047_man_white_background.jpg")
    [reply] = review_attachment(data, filename="me.jpg", platform="linkedin", now=NOW, cite=cite)
    topic = platform_spec("linkedin").advice_topic
    assert topic is not None and topic in asked
    assert any(topic in c.quote for c in reply.citations)
    asked.clear()
    review_attachment(data, filename="me.jpg", platform="generic", now=NOW, cite=cite)
    assert asked == []


def test_every_output_file_name_carries_the_platform() -> None:
    [reply] = review_attachment(
        photo_bytes("biden_official_portrait.jpg"),
        filename="me.jpg",
        platform="discord",
        now=NOW,
        cite=lambda t: None,
    )
    assert [image.filename for image in reply.images] == list(crop_file_names("me", "discord"))
    assert all("discord" in image.filename for image in reply.images)

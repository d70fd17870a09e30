"""Face counts, expected flags and false warnings on the real shared photographs."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.photo.helpers import DEGRADATIONS, analyzed, degraded, flagged, good_headshots, manifest

pytestmark = pytest.mark.slow  # analyses every photo in tests/data and their degraded copies


def test_face_count_is_right_on_at_least_95_percent_of_photos() -> None:
    wrong = []
    for entry in manifest():
        result = analyzed(entry["file"])
        assert result.analysis is not None, (entry["file"], result.error)
        accepted = {entry["faces"], *entry.get("faces_acceptable", [])}
        if len(result.analysis.faces) not in accepted:
            wrong.append((entry["file"], len(result.analysis.faces), entry["faces"]))
    assert len(wrong) <= 0.05 * len(manifest()), wrong


def test_expected_flags_come_out_warn_or_fail() -> None:
    missed = []
    expected_total = 0
    for entry in manifest():
        expected = set(entry.get("expected_flags", []))
        expected_total += len(expected)
        missed += [(entry["file"], check) for check in expected - flagged(analyzed(entry["file"]))]
    assert expected_total > 40
    assert len(missed) <= 0.1 * expected_total, missed


def test_good_headshots_get_at_most_ten_percent_false_warnings_per_check() -> None:
    good = good_headshots()
    assert len(good) >= 10
    warnings = Counter(check for name in good for check in flagged(analyzed(name)))
    for check, count in warnings.items():
        assert count <= 0.1 * len(good), (check, count)


def test_good_headshots_score_high_and_a_landscape_scores_low() -> None:
    for name in good_headshots():
        analysis = analyzed(name).analysis
        assert analysis is not None and analysis.score >= 80, name
    landscape = analyzed("sand_dunes.jpg").analysis
    assert landscape is not None and landscape.score < 60


def test_each_degradation_is_flagged_by_its_check_on_90_percent_of_good_headshots() -> None:
    good = good_headshots()
    for kind, (_, check) in DEGRADATIONS.items():
        hits = sum(check in flagged(degraded(name, kind)) for name in good)
        assert hits >= 0.9 * len(good), (kind, check, hits)


def test_a_face_lit_from_one_side_is_flagged_even_when_the_head_is_turned() -> None:
    # The shadow falls on the far side of the nose, not of the face box's centre.
    assert "lighting" in flagged(analyzed("interfaces_021_woman_shadowed_face.jpg"))
    assert "lighting" not in flagged(analyzed("interfaces_028_elderly_man.jpg"))  # soft, natural modelling


def test_a_colourful_patterned_wall_is_busy_but_warm_bokeh_is_not() -> None:
    assert "background" in flagged(analyzed("interfaces_006_man_graffiti_background.jpg"))
    assert "background" not in flagged(analyzed("interfaces_016_man_glasses_beard.jpg"))

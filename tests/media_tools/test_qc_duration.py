"""QC checks a file's duration against the film's declared runtime: a 20-second file for a
film declared 14 minutes is not the film."""

from __future__ import annotations

from pathlib import Path

import pytest

from media_tools import (
    QCReport,
    check_duration,
    duration_tolerance,
    make_stand_in,
    probe,
    qc_file,
    with_duration,
)


@pytest.fixture(scope="module")
def twenty_seconds(ffmpeg: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real 20-second file (picture and sound), made by ffmpeg."""
    folder = tmp_path_factory.mktemp("duration")
    return make_stand_in(folder / "short.mp4", "Vingt secondes", 20, 7, size=(320, 180))


def test_a_twenty_second_file_for_a_fourteen_minute_film_fails(twenty_seconds: Path) -> None:
    report = qc_file(twenty_seconds, "ebu-r128", declared_runtime_s=14 * 60)
    duration = report.check("duration")
    assert duration.passed is False
    assert duration.expected == "14:00"
    assert duration.measured == pytest.approx(20.0, abs=0.1)
    assert "duration" in report.failures and not report.passed


def test_a_file_of_the_declared_runtime_passes(twenty_seconds: Path) -> None:
    report = qc_file(twenty_seconds, "ebu-r128", declared_runtime_s=20)
    assert report.check("duration").passed is True
    assert "duration" not in report.failures


def test_without_a_declared_runtime_the_duration_is_reported_not_judged(
    twenty_seconds: Path,
) -> None:
    assert "duration" not in {c.name for c in qc_file(twenty_seconds, "ebu-r128").checks}
    info = probe(twenty_seconds)
    unknown = check_duration(info.duration_s, None)
    assert unknown.passed is None and unknown.expected == "unknown"


def test_the_tolerance_is_two_percent_or_ten_seconds_whichever_is_larger() -> None:
    assert duration_tolerance(60) == 10.0  # 2 % of a minute is 1.2 s: 10 s wins
    assert duration_tolerance(3600) == pytest.approx(72.0)  # 2 % of an hour
    assert check_duration(70.0, 60).passed is True
    assert check_duration(70.5, 60).passed is False
    assert check_duration(49.9, 60).passed is False
    assert check_duration(3600 + 72, 3600).passed is True
    assert check_duration(3600 - 73, 3600).passed is False
    assert check_duration(None, 60).passed is False


def test_a_stored_report_is_checked_again_against_another_runtime(twenty_seconds: Path) -> None:
    # The clip is 320x180: its picture checks fail whatever its duration.
    stored = qc_file(twenty_seconds, "ebu-r128", declared_runtime_s=20).to_dict()
    assert QCReport.from_dict(stored).check("duration").passed is True
    again = with_duration(stored, 20.0, 14 * 60)
    assert [c["name"] for c in again["checks"]].count("duration") == 1
    assert QCReport.from_dict(again).check("duration").passed is False
    assert QCReport.from_dict(again).check("duration").expected == "14:00"
    assert "duration" in QCReport.from_dict(again).failures
    fixed = with_duration(again, 20.0, 20)
    assert QCReport.from_dict(fixed).check("duration").passed is True
    assert fixed["passed"] == QCReport.from_dict(fixed).passed

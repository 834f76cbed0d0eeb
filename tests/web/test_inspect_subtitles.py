"""`anthologie inspect FILE --subtitles F.srt` prints each subtitle file's QC after the film's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from media_tools import MediaError, find_tools
from tests.components import require_component
from web.cli import inspect

ROOT = Path(__file__).resolve().parents[2]
CLIP = ROOT / "samples" / "media" / "big_buck_bunny_0_30.webm"
SUBTITLES = ROOT / "tests" / "data" / "subtitles"
EXAMPLE = ROOT / "test-artifacts" / "subtitle-qc-example.txt"


@pytest.fixture(scope="module", autouse=True)
def ffmpeg() -> None:
    try:
        find_tools()
    except MediaError as error:
        require_component("ffmpeg", str(error))


def test_inspect_prints_the_films_qc_then_each_subtitle_files() -> None:
    draft, clean = SUBTITLES / "draft_fr.srt", SUBTITLES / "clean_en.vtt"
    result = CliRunner().invoke(
        inspect, [str(CLIP), "--subtitles", str(draft), "--subtitles", str(clean)]
    )
    assert result.exit_code == 0, result.output
    out = result.output
    film, subtitles = out.split("\nSubtitles ", 1)
    assert "QC ebu-r128: FAIL" in film and "  FAIL Frame rate: 24 fps" in film
    assert subtitles.startswith(f"{draft}: SRT, utf-8, 5 cues — FAIL (4 errors, 3 warnings)")
    assert "gaps ≥ 2 frames at 24 fps" in subtitles  # the film's rate, from its probe
    assert "first cue at 0:01.000, last cue ends at 0:14.000, film 0:30.000" in subtitles
    rows = [line.split() for line in subtitles.splitlines() if line[:3].strip().isdigit()]
    found = [(int(row[0]), row[row.index(sev) + 1]) for row in rows for sev in row[1:4]
             if sev in ("error", "warning")]  # fmt: skip
    assert found == [
        (3, "line_too_long"),
        (6, "overlap"),
        (10, "gap_too_short"),
        (10, "too_short"),
        (14, "reading_speed"),
        (19, "too_many_lines"),
        (19, "uncovered_sound"),
    ]
    speed = next(row for row in rows if "reading_speed" in row)
    assert " ".join(speed) == (
        "14 4 0:07.000 error reading_speed 32 characters/s 17 characters/s 64 characters in 2 s"
    )
    assert f"Subtitles {clean}: VTT, utf-8, 7 cues — PASS (0 errors, 0 warnings)" in out
    assert out.rstrip().endswith("no finding")
    EXAMPLE.parent.mkdir(parents=True, exist_ok=True)
    EXAMPLE.write_text(
        f"$ anthologie inspect {CLIP.name} --subtitles {draft.name}\n…\nSubtitles "
        + subtitles.split("\nSubtitles ")[0].replace(f"{ROOT}/", "")
        + "\n",
        encoding="utf-8",
    )


def test_inspect_checks_reading_speed_for_the_audience_and_speaks_json() -> None:
    clean = SUBTITLES / "clean_fr.srt"
    adult = CliRunner().invoke(inspect, [str(CLIP), "--subtitles", str(clean), "--json"])
    youth = CliRunner().invoke(
        inspect, [str(CLIP), "--subtitles", str(clean), "--audience", "jeunesse", "--json"]
    )
    assert adult.exit_code == youth.exit_code == 0, adult.output + youth.output
    adult_data, youth_data = json.loads(adult.output), json.loads(youth.output)
    assert {"probe", "style", "qc", "subtitles"} <= set(adult_data)
    (report,) = adult_data["subtitles"]
    assert report["passed"] is True and report["findings"] == [] and report["cues"] == 7
    assert report["rules"]["max_cps"] == 17.0 and report["rules"]["frame_rate"] == 24.0
    (young,) = youth_data["subtitles"]
    assert young["passed"] is False and young["counts"] == {"reading_speed": 3}
    assert [(f["line"], f["cue"], f["measured"], f["limit"]) for f in young["findings"]] == [
        (2, 1, 15.6, 13.0),
        (7, 2, 15.0, 13.0),
        (12, 3, 15.9, 13.0),
    ]


def test_inspect_without_subtitles_prints_no_subtitle_section_and_refuses_a_missing_file(
    tmp_path: Path,
) -> None:
    plain = CliRunner().invoke(inspect, [str(CLIP), "--json"])
    assert plain.exit_code == 0 and "subtitles" not in json.loads(plain.output)
    missing = CliRunner().invoke(inspect, [str(CLIP), "--subtitles", str(tmp_path / "x.srt")])
    assert missing.exit_code == 2 and "does not exist" in missing.output
    unknown = CliRunner().invoke(inspect, [str(CLIP), "--audience", "ados"])
    assert unknown.exit_code == 2 and "jeunesse" in unknown.output

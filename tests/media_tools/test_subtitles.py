"""Subtitle QC: real SRT and WebVTT files with known faults, each found on its line; clean files
give no finding; SRT converts to a WebVTT that reads back the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from media_tools import MediaError
from media_tools.subtitles import (
    MAX_BYTES,
    Cue,
    SubtitleReport,
    TimedTextRules,
    check_subtitles,
    convert_to_vtt,
    parse_subtitles,
    qc_subtitles,
    read_subtitles,
    to_srt,
    to_vtt,
)
from tests.media_tools.conftest import REAL_CLIP

DATA = Path(__file__).resolve().parents[1] / "data" / "subtitles"


def qc(name: str, **kw: object) -> object:
    return qc_subtitles(DATA / name, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["clean_fr.srt", "clean_en.vtt"])
def test_a_clean_file_gives_no_finding(name: str) -> None:
    report = qc_subtitles(DATA / name)
    assert report.cue_count == 7
    assert report.findings == () and report.passed
    assert report.to_dict()["counts"] == {}


def test_the_clean_srt_is_read_through_its_bom_crlf_and_missing_final_blank_line() -> None:
    raw = (DATA / "clean_fr.srt").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and not raw.endswith(b"\n")
    parsed = read_subtitles(DATA / "clean_fr.srt")
    assert parsed.format == "srt"
    assert parsed.cues[0].lines == ("Regarde, le soleil se lève", "sur la forêt.")
    assert parsed.cues[-1].lines == ("Ce n'est qu'un papillon.",)
    assert parsed.cues[1].visible_lines == ("Encore une belle journée", "pour dormir au chaud.")
    assert [c.line for c in parsed.cues] == [2, 7, 12, 17, 22, 26, 31]


def test_the_clean_vtt_skips_its_header_note_and_style_blocks_and_keeps_cue_settings() -> None:
    parsed = read_subtitles(DATA / "clean_en.vtt")
    assert parsed.format == "vtt"
    first, third, last = parsed.cues[0], parsed.cues[2], parsed.cues[-1]
    assert (first.identifier, first.settings) == ("intro", "line:85% align:center")
    assert (first.start_ms, first.end_ms, first.line) == (2500, 5000, 12)
    assert third.visible_lines == ("– Can you hear the birds?", "– Yes, they sing so loud.")
    assert last.visible_lines == ("It's only a butterfly & nothing else.",)
    assert all("NOTE" not in line and "::cue" not in line for c in parsed.cues for line in c.lines)


@pytest.mark.parametrize(
    ("name", "code", "line", "cue", "measured"),
    [
        ("overlap.srt", "overlap", 12, 3, 0.5),
        ("out_of_order.srt", "out_of_order", 17, 4, None),
        ("three_lines.srt", "too_many_lines", 17, 4, 3),
        ("long_line.srt", "line_too_long", 27, 6, 50),
        ("fast.srt", "reading_speed", 22, 5, 25.0),
        ("short_cue.srt", "too_short", 22, 5, 0.4),
        ("long_cue.srt", "too_long", 22, 5, 9.0),
        ("one_frame_gap.srt", "gap_too_short", 12, 3, 1.0),
        ("bad_timestamp.srt", "bad_timestamp", 12, 3, None),
        ("missing_arrow.srt", "missing_arrow", 12, 3, None),
        ("garbage.srt", "encoding", 23, None, "0x81"),
    ],
)
def test_each_fault_is_found_on_its_line(
    name: str, code: str, line: int, cue: int | None, measured: object
) -> None:
    report = qc_subtitles(DATA / name)
    found = [f for f in report.findings if f.code == code]
    assert len(found) == 1, report.to_text()
    finding = found[0]
    assert (finding.line, finding.cue) == (line, cue)
    if measured is not None:
        assert finding.measured == measured
    # The fault is the only thing wrong with the file (garbage also holds a NUL byte).
    others = {f.code for f in report.findings} - {code}
    assert others <= ({"control_characters"} if name == "garbage.srt" else set())
    shown = report.to_text()
    assert code in shown and f"\n  {line} " in shown


def test_the_faulty_line_is_the_one_the_finding_names() -> None:
    lines = (DATA / "long_line.srt").read_text(encoding="utf-8").splitlines()
    assert len(lines[27 - 1]) == 50
    lines = (DATA / "missing_arrow.srt").read_text(encoding="utf-8").splitlines()
    assert lines[12 - 1] == "00:00:09,000 -> 00:00:12,200"


def test_findings_carry_severity_time_and_limit_and_the_report_counts_them() -> None:
    report = qc_subtitles(DATA / "fast.srt")
    (finding,) = report.findings
    assert (finding.severity, finding.time_s, finding.limit, finding.unit) == (
        "error",
        17.0,
        17.0,
        "characters/s",
    )
    data = report.to_dict()
    assert data["passed"] is False and data["errors"] == 1 and data["warnings"] == 0
    assert data["counts"] == {"reading_speed": 1}
    warned = qc_subtitles(DATA / "long_cue.srt")
    assert warned.passed and warned.to_dict()["warnings"] == 1


def test_a_stored_report_reads_back_the_same() -> None:
    report = qc_subtitles(DATA / "draft_fr.srt", rules=TimedTextRules.for_audience("jeunesse"))
    data = json.loads(json.dumps(report.to_dict()))
    again = SubtitleReport.from_dict(data)
    assert again.to_dict() == report.to_dict() and again.to_text() == report.to_text()
    assert not again.passed and again.rules.max_cps == 13.0


def test_hostile_text_is_read_in_one_pass() -> None:
    # Unclosed brackets by the million would make a backtracking scan quadratic (hours).
    junk = "<{\\" * 500_000
    parsed = parse_subtitles(f"1\n00:00:01,000 --> 00:00:03,000\n{junk}\n")
    (cue,) = parsed.cues
    assert cue.characters == len(junk)
    assert to_vtt(parsed.cues).count("&lt;") == 500_000


def test_reading_speed_is_a_setting_per_audience() -> None:
    adult = qc_subtitles(DATA / "clean_fr.srt")
    youth = qc_subtitles(DATA / "clean_fr.srt", rules=TimedTextRules.for_audience("jeunesse"))
    assert adult.passed and youth.rules.max_cps == 13.0
    assert [(f.code, f.line) for f in youth.findings] == [
        ("reading_speed", 2),
        ("reading_speed", 7),
        ("reading_speed", 12),
    ]
    with pytest.raises(ValueError, match="unknown audience"):
        TimedTextRules.for_audience("ados")


def test_the_gap_is_counted_in_frames_of_the_films_rate() -> None:
    cues = parse_subtitles(to_srt([Cue(0, 2000, ("Un",)), Cue(2070, 4000, ("Deux",))]))
    at_25 = check_subtitles(cues, TimedTextRules(frame_rate=25))  # 70 ms < 80 ms
    at_24 = check_subtitles(cues, TimedTextRules(frame_rate=24))  # 70 ms < 83 ms
    at_30 = check_subtitles(cues, TimedTextRules(frame_rate=30))  # 70 ms ≥ 66.7 ms
    assert at_25.codes() == at_24.codes() == {"gap_too_short"}
    assert at_30.findings == ()


def test_an_overlap_with_a_long_cue_two_cues_back_is_found() -> None:
    cues = [Cue(0, 6000, ("Long",)), Cue(6500, 7500, ("Court",)), Cue(5000, 8000, ("Pris",))]
    report = check_subtitles(parse_subtitles(to_srt(cues)))
    assert {(f.code, f.cue) for f in report.findings} >= {("overlap", 3), ("out_of_order", 3)}


def test_parse_problems_do_not_stop_the_reading() -> None:
    text = (
        "1\n00:00:01,000 --> 00:00:02,500\nPremière\n\n"
        "2\n00:00:03,000 --> 00:00:02,000\nÀ l'envers\n\n"
        "3\n00:00:04,000 --> 00:00:05,500\nTroisième\n"
        "4\n00:00:06,000 --> 00:00:07,500\nSans ligne vide\n\n"
        "Perdu au milieu\n\n"
        "5\n00:00:09,000 --> 00:00:10,500\nDernière"
    )
    parsed = parse_subtitles(text)
    assert [c.lines[0] for c in parsed.cues] == [
        "Première",
        "Troisième",
        "Sans ligne vide",
        "Dernière",
    ]
    assert [(p.code, p.line) for p in parsed.problems] == [
        ("end_before_start", 6),
        ("missing_blank_line", 12),
        ("not_a_cue", 16),
    ]


def test_a_vtt_without_its_header_or_with_srt_times_is_named() -> None:
    parsed = parse_subtitles("00:00:01.000 --> 00:00:02.000\nHi\n", "vtt")
    assert [(p.code, p.line) for p in parsed.problems] == [("vtt_header", 1)]
    report = qc_subtitles(DATA / "comma_time.vtt")
    assert [(f.code, f.line) for f in report.findings] == [
        ("bad_timestamp", 3),
        ("bad_timestamp", 3),
    ]
    assert "HH:MM:SS.mmm" in report.findings[0].message


def test_a_cue_glued_to_the_vtt_header_is_read_and_named() -> None:
    parsed = parse_subtitles(
        b"WEBVTT\n00:00:01.000 --> 00:00:02.000\nHi\n\n00:00:03.000 --> 00:00:04.000\nYo"
    )
    assert [c.lines for c in parsed.cues] == [("Hi",), ("Yo",)]
    assert [(p.code, p.line) for p in parsed.problems] == [("missing_blank_line", 2)]


def test_legacy_and_hostile_encodings_are_named(tmp_path: Path) -> None:
    latin = tmp_path / "latin.srt"
    latin.write_bytes("1\n00:00:01,000 --> 00:00:03,000\nDéjà vu\n".encode("cp1252"))
    parsed = read_subtitles(latin)
    assert parsed.encoding == "windows-1252" and parsed.cues[0].lines == ("Déjà vu",)
    assert [(p.code, p.line, p.measured) for p in parsed.problems] == [("encoding", 3, "0xE9")]
    wide = tmp_path / "wide.srt"
    wide.write_bytes("1\n00:00:01,000 --> 00:00:03,000\nBonjour\n".encode("utf-16"))
    parsed = read_subtitles(wide)
    assert parsed.cues[0].lines == ("Bonjour",)
    assert [p.severity for p in parsed.problems] == ["warning"]


def test_a_mess_is_summed_up_not_listed_line_by_line() -> None:
    cues = [Cue(i * 1000, i * 1000 + 300, ("Vite",)) for i in range(120)]
    report = check_subtitles(parse_subtitles(to_srt(cues)))
    assert report.counts == {"too_short": 120}
    assert len(report.findings) == 50 and report.to_dict()["warnings"] == 120
    assert report.to_text().endswith("… and 70 more too_short (warning)")
    assert SubtitleReport.from_dict(report.to_dict()).counts == {"too_short": 120}


def test_a_huge_file_is_refused_without_being_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.srt"
    with huge.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)
    report = qc_subtitles(huge)
    assert [f.code for f in report.findings] == ["too_large"] and not report.passed
    with pytest.raises(MediaError, match="cannot read"):
        read_subtitles(tmp_path / "absent.srt")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=300).map(lambda t: t.encode("utf-8")))
def test_any_bytes_give_a_report_never_an_exception(data: bytes) -> None:
    for fmt in ("srt", "vtt"):
        report = check_subtitles(parse_subtitles(data, fmt), film_duration_s=30.0, silences=[])
        assert isinstance(report.to_text(), str)


# Cue text a person could type: no control characters, no line breaks, no `-->`.
_TEXT_LINE = (
    st.text(
        st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(lambda s: s != "" and "-->" not in s)
)


@st.composite
def cue_lists(draw: st.DrawFn, alphabet: st.SearchStrategy[str] = _TEXT_LINE) -> list[Cue]:
    cues = []
    for _ in range(draw(st.integers(0, 8))):
        start = draw(st.integers(0, 10 * 3_600_000))
        end = start + draw(st.integers(1, 60_000))
        cues.append(Cue(start, end, tuple(draw(st.lists(alphabet, min_size=1, max_size=3)))))
    return cues


def _same(parsed: list[Cue], cues: list[Cue]) -> bool:
    return [(c.start_ms, c.end_ms, c.lines) for c in parsed] == [
        (c.start_ms, c.end_ms, c.lines) for c in cues
    ]


@settings(max_examples=200, deadline=None)
@given(cue_lists())
def test_random_cues_written_as_srt_read_back_identical(cues: list[Cue]) -> None:
    parsed = parse_subtitles(to_srt(cues).encode("utf-8"))
    assert parsed.problems == ()
    assert _same(list(parsed.cues), cues)


_VTT_SAFE = _TEXT_LINE.filter(lambda s: "&" not in s and "<" not in s)


@settings(max_examples=100, deadline=None)
@given(cue_lists(_VTT_SAFE))
def test_random_cues_written_as_vtt_read_back_identical(cues: list[Cue]) -> None:
    parsed = parse_subtitles(to_vtt(cues).encode("utf-8"))
    assert parsed.problems == () and parsed.format == "vtt"
    assert _same(list(parsed.cues), cues)


def test_srt_converts_to_a_webvtt_that_reads_back_the_same(tmp_path: Path) -> None:
    dst = tmp_path / "tracks" / "fr.vtt"
    assert convert_to_vtt(DATA / "clean_fr.srt", dst) == dst
    text = dst.read_text(encoding="utf-8")
    # What Chromium's WebVTT parser needs: the signature alone on the first line, a blank
    # line, times with a full stop, no BOM and no CR; the SRT numbers become cue identifiers.
    assert text.startswith("WEBVTT\n\n1\n00:00:02.500 --> 00:00:05.000\nRegarde")
    assert "\r" not in text and "\ufeff" not in text
    assert sorted(p.name for p in dst.parent.iterdir()) == ["fr.vtt"]  # no partial left
    source = read_subtitles(DATA / "clean_fr.srt").cues
    back = read_subtitles(dst)
    assert back.format == "vtt" and back.problems == ()
    assert _same(list(back.cues), list(source))
    assert qc_subtitles(dst).findings == ()


def test_conversion_keeps_webvtt_tags_and_escapes_the_rest(tmp_path: Path) -> None:
    src = tmp_path / "styled.srt"
    src.write_text(
        '1\n00:00:01,000 --> 00:00:03,000\n{\\an8}<font color="#ff0">Tom & Jerry</font>\n'
        "<i>a < b</i>\n",
        encoding="utf-8",
    )
    text = convert_to_vtt(src, tmp_path / "styled.vtt").read_text(encoding="utf-8")
    assert "00:00:01.000 --> 00:00:03.000 line:0\nTom &amp; Jerry\n<i>a &lt; b</i>\n" in text
    (cue,) = read_subtitles(tmp_path / "styled.vtt").cues
    assert cue.visible_lines == ("Tom & Jerry", "a < b")
    with pytest.raises(MediaError, match="no readable cue"):
        convert_to_vtt(DATA / "comma_time.vtt", tmp_path / "none.vtt")
    assert not (tmp_path / "none.vtt").exists()


def test_coverage_against_the_films_duration_and_silence_map() -> None:
    parsed = read_subtitles(DATA / "clean_fr.srt")
    short_film = check_subtitles(parsed, film_duration_s=20.0, silences=[])
    assert [(f.code, f.line) for f in short_film.findings] == [
        ("after_end", 26),
        ("after_end", 31),
    ]
    # Speech everywhere but the subtitles stop at 28 s of a 60-s film: 32 s unsubtitled.
    late = check_subtitles(parsed, film_duration_s=60.0, silences=[])
    (gap,) = late.findings
    assert (gap.code, gap.severity, gap.time_s, gap.measured) == (
        "uncovered_sound",
        "warning",
        28.0,
        32.0,
    )
    # The same stretch in silence is not a finding.
    quiet = check_subtitles(parsed, film_duration_s=60.0, silences=[(28.5, 60.0)])
    assert quiet.findings == ()


def test_the_real_clip_with_its_clean_subtitles_and_a_draft(ffmpeg: str) -> None:
    for name in ("clean_fr.srt", "clean_en.vtt"):
        report = qc_subtitles(DATA / name, REAL_CLIP)
        assert report.findings == (), report.to_text()
        assert report.rules.frame_rate == 24.0 and report.film_duration_s == 30.0
        assert report.silence_map == ()  # the clip's soundtrack never drops below -50 dBFS
    draft = qc_subtitles(DATA / "draft_fr.srt", REAL_CLIP)
    assert [(f.code, f.line) for f in draft.findings] == [
        ("line_too_long", 3),
        ("overlap", 6),
        ("gap_too_short", 10),
        ("too_short", 10),
        ("reading_speed", 14),
        ("too_many_lines", 19),
        ("uncovered_sound", 19),
    ]
    assert draft.findings[-1].time_s == 14.0 and draft.findings[-1].measured == 16.0

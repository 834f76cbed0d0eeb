"""The ffmpeg adapter: probe, analyse and render media files (plain paths and dataclasses).

Public API:

- Binaries and errors: `find_tools() -> Tools`, `ffmpeg_exe() -> str`, `MediaError`,
  `MediaTimeout`, `Cancelled`.
- Processes: `cancel_scope() -> Scope` (`cancel()` kills the ffmpeg a block started),
  `kill_all()`, `abandoned_partials(folder)` (temporary files whose writer is gone).
- Probe: `probe(path) -> MediaInfo` (with `VideoStream`, `AudioStream`, `SubtitleStream`;
  works without ffprobe), `sha256_of(path) -> str`.
- Style: `analyse_style(path, *, info=None) -> StyleProfile` (`to_dict`, `from_dict`,
  `vector()`, `descriptors(lang)`), `VECTOR_DIMENSIONS`, `PaletteColour`, `CutSettings`,
  `detect_cuts(times, back)`, `Loudness`.
- Images: `make_poster(src, dst, *, cuts=()) -> Poster`, `make_thumbnails(src, dst_dir,
  count=4) -> list[Path]`, `make_contact_sheet(src, dst, columns=4, rows=4) -> Path`,
  `extract_frame(src, dst, at_s, width=, height=)` (of a picture file too).
- Renders: `make_proxy(src, dst) -> Path`, `make_preview(src, dst, length=45) -> Path`,
  `choose_excerpt(duration, length, *, cuts=(), anchor=None)`, `make_title_card(dst, card)`,
  `make_sizzle_reel(items, dst)`, `make_programme(items, dst)` with `ReelItem` and
  `TitleCard`, `make_stand_in(dst, title, seconds, seed) -> Path`.
- Watermarks: `burn_watermark(src, dst, text) -> Path` (a recipient's name and the date
  burned into a band of the frame, audio copied), `burn_watermark_still(src, dst, text)` (the
  same on a picture, as a JPEG), `watermark_text(name, organisation, day)`,
  `watermark_box(width, height)` (where the band is).
- Delivery QC: `qc_file(src, spec, declared_runtime_s=None) -> QCReport`,
  `check_delivery(info, loudness, spec, declared_runtime_s=None)`,
  `check_duration(measured_s, declared_s)` (± the larger of 2 % and 10 s),
  `with_duration(report_dict, measured_s, declared_s)` (a stored report, rechecked),
  `measure_loudness(src) -> Loudness`, `loudness_of(profile)`, `SPECS`, `DeliverySpec`,
  `QCCheck`, `get_spec(name)`.
- Subtitles: `qc_subtitles(srt_or_vtt, film=None, rules=None) -> SubtitleReport` (`passed`,
  `findings` with code, severity, line, cue, time, measured and limit; `to_dict`, `to_text`),
  `TimedTextRules.for_audience("jeunesse")`, `read_subtitles(path)`, `parse_subtitles(data)`,
  `check_subtitles(parsed, rules, film_duration_s=, silences=)`, `silence_map(film)`,
  `convert_to_vtt(src, dst) -> Path` (for a `<track>`).

Every output is written under a temporary name beside its destination and renamed into
place; every ffmpeg runs from an argument list with a timeout and is killed with its process
group when the time is up, and (on Linux) by the kernel when the thread that started it dies.
"""

from media_tools.errors import MediaError, MediaTimeout
from media_tools.images import (
    Poster,
    extract_frame,
    make_contact_sheet,
    make_poster,
    make_thumbnails,
)
from media_tools.probe import (
    AudioStream,
    MediaInfo,
    SubtitleStream,
    VideoStream,
    probe,
    sha256_of,
)
from media_tools.qc import (
    SPECS,
    DeliverySpec,
    QCCheck,
    QCReport,
    check_delivery,
    check_duration,
    duration_tolerance,
    get_spec,
    loudness_of,
    measure_loudness,
    qc_file,
    with_duration,
)
from media_tools.render import (
    ReelItem,
    TitleCard,
    choose_excerpt,
    make_preview,
    make_programme,
    make_proxy,
    make_sizzle_reel,
    make_stand_in,
    make_title_card,
)
from media_tools.runner import (
    Cancelled,
    Scope,
    Tools,
    abandoned_partials,
    cancel_scope,
    ffmpeg_exe,
    find_tools,
    kill_all,
    own_partials,
)
from media_tools.style import (
    VECTOR_DIMENSIONS,
    CutSettings,
    Loudness,
    PaletteColour,
    StyleProfile,
    analyse_style,
    detect_cuts,
)
from media_tools.subtitles import (
    SubtitleReport,
    TimedTextRules,
    check_subtitles,
    convert_to_vtt,
    parse_subtitles,
    qc_subtitles,
    read_subtitles,
    silence_map,
)
from media_tools.watermark import (
    burn_watermark,
    burn_watermark_still,
    watermark_box,
    watermark_text,
)

__all__ = [
    "SPECS",
    "VECTOR_DIMENSIONS",
    "AudioStream",
    "Cancelled",
    "CutSettings",
    "DeliverySpec",
    "Loudness",
    "MediaError",
    "MediaInfo",
    "MediaTimeout",
    "PaletteColour",
    "Poster",
    "QCCheck",
    "QCReport",
    "ReelItem",
    "Scope",
    "StyleProfile",
    "SubtitleReport",
    "SubtitleStream",
    "TimedTextRules",
    "TitleCard",
    "Tools",
    "VideoStream",
    "abandoned_partials",
    "analyse_style",
    "burn_watermark",
    "burn_watermark_still",
    "cancel_scope",
    "check_delivery",
    "check_duration",
    "check_subtitles",
    "choose_excerpt",
    "convert_to_vtt",
    "detect_cuts",
    "duration_tolerance",
    "extract_frame",
    "ffmpeg_exe",
    "find_tools",
    "get_spec",
    "kill_all",
    "loudness_of",
    "make_contact_sheet",
    "make_poster",
    "make_preview",
    "make_programme",
    "make_proxy",
    "make_sizzle_reel",
    "make_stand_in",
    "make_thumbnails",
    "make_title_card",
    "measure_loudness",
    "own_partials",
    "parse_subtitles",
    "probe",
    "qc_file",
    "qc_subtitles",
    "read_subtitles",
    "sha256_of",
    "silence_map",
    "watermark_box",
    "watermark_text",
    "with_duration",
]

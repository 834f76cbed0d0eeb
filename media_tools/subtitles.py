"""Subtitle files: SRT and WebVTT read with the line of every problem, QC'd against the timed-text
figures, and converted to WebVTT for a `<track>`.

Why a parser of our own rather than `srt`, `webvtt-py` or `pysubs2`: a QC report has to say on
which line a file goes wrong and carry on past it. `srt` stops at the first malformed block
and gives a character offset; `webvtt-py` raises on the first bad cue; `pysubs2` skips what it
cannot read without saying so. Neither format needs more than a line-by-line reader (about
150 lines here), and keeping it lets every cue remember the line its timing sits on.

The figures (`TimedTextRules`) are those the professional guides agree on:

- Netflix Timed Text Style Guide (General Requirements; the English Template that other
  languages start from): at most 2 lines; a cue lasts at least 5/6 s (20 frames at 24 fps) and
  at most 7 s; 2 frames at least between two cues, whatever the frame rate; reading speed up
  to 17 characters per second for adult programmes, 13 for children's. Its French guide:
  42 characters a line.
- BBC Subtitle Guidelines: 160-180 words per minute for adults (about 15-17 characters per
  second), slower for children; no two subtitles on screen at once.
- DCMP Captioning Key: children's programmes are captioned at a lower presentation rate.

Coverage looks at the film: a cue after the film ends, and long stretches of sound with no cue
(from the silence map ffmpeg's `silencedetect` draws, as in the style analysis). Sound is not
always speech (music, effects), so that finding is a warning.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from media_tools.errors import MediaError
from media_tools.probe import MediaInfo, probe
from media_tools.runner import atomic_output, base_args, media_arg, run, timeout_for
from media_tools.style import SILENCE_DB, SILENCE_MIN_S, silence_intervals

MAX_FINDINGS_PER_CODE = 50
MAX_BYTES = 8 * 1024 * 1024  # a feature film's SRT is ~100 KB; beyond this it is not subtitles

# Reading speed (characters per second) by audience (catalog.models.Audience): the guides
# distinguish adult and children's programmes only, so family and general take the adult figure.
READING_SPEEDS: dict[str, float] = {
    "adulte": 17.0,
    "general": 17.0,
    "famille": 17.0,
    "jeunesse": 13.0,
}

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class TimedTextRules:
    """The limits a file is checked against; `for_audience("jeunesse")` lowers the reading speed."""

    audience: str = "adulte"
    max_lines: int = 2
    max_line_chars: int = 42
    max_cps: float = 17.0
    min_duration_s: float = 5 / 6
    max_duration_s: float = 7.0
    min_gap_frames: int = 2
    frame_rate: float = 25.0
    max_uncovered_sound_s: float = 10.0  # ours, not a guide's: a stretch worth a look

    @classmethod
    def for_audience(cls, audience: str | None = None, **changes: Any) -> TimedTextRules:
        name = audience or "adulte"
        if name not in READING_SPEEDS:
            known = ", ".join(READING_SPEEDS)
            raise ValueError(f"unknown audience {name!r}; known: {known}")
        return cls(audience=name, max_cps=READING_SPEEDS[name], **changes)

    @property
    def min_gap_s(self) -> float:
        return self.min_gap_frames / self.frame_rate


@dataclass(frozen=True)
class Cue:
    """One subtitle: times in milliseconds (exact, as both formats write them), its text lines
    as written (tags included), and the line of the file its timing sits on."""

    start_ms: int
    end_ms: int
    lines: tuple[str, ...]
    line: int = 0
    identifier: str = ""
    settings: str = ""  # WebVTT cue settings ("line:0 align:start")

    @property
    def start_s(self) -> float:
        return self.start_ms / 1000

    @property
    def end_s(self) -> float:
        return self.end_ms / 1000

    @property
    def duration_s(self) -> float:
        return (self.end_ms - self.start_ms) / 1000

    @property
    def visible_lines(self) -> tuple[str, ...]:
        """The lines a viewer reads: tags and `{\\an8}` overrides removed, entities decoded."""
        return tuple(visible_text(text) for text in self.lines)

    @property
    def characters(self) -> int:
        """Characters counted for reading speed: spaces count, line breaks do not."""
        return sum(len(text) for text in self.visible_lines)


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # "error" fails the file; "warning" is for a person to judge
    message: str
    line: int | None = None  # line of the file (1-based)
    cue: int | None = None  # the cue's position in the file (1-based)
    time_s: float | None = None
    measured: float | str | None = None
    limit: float | str | None = None
    unit: str = ""


@dataclass(frozen=True)
class ParsedSubtitles:
    format: str  # "srt" or "vtt"
    cues: tuple[Cue, ...]
    problems: tuple[Finding, ...] = ()
    encoding: str = "utf-8"


# The scans stop at the next opening bracket, so a line of a million "<" stays linear.
_TAG = re.compile(r"<[^<>\n]*>")
_OVERRIDE = re.compile(r"\{\\[^{}\n]*\}")  # {\an8}: an SSA position override, common in SRT
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_SRT_TIME = r"(\d{1,3}):(\d{1,2}):(\d{1,2})[,.](\d{3})"
_VTT_TIME = r"(?:(\d{1,4}):)?(\d{2}):(\d{2})\.(\d{3})"
_ARROW_LINE = re.compile(r"^\s*(\S+)\s*-->\s*(\S+)(.*)$")
_LOOKS_TIMED = re.compile(r"\d{1,2}:\d{2}[:.,]\d")
_INDEX = re.compile(r"^\s*\d+\s*$")
_SRT_BOX = re.compile(r"(?:[XY][12]:-?\d+\s*)+")  # SRT's optional X1:… Y2:… box


def visible_text(text: str) -> str:
    return html.unescape(_OVERRIDE.sub("", _TAG.sub("", text))).replace("\xa0", " ")


def _timestamp(text: str, pattern: str) -> int | None:
    m = re.fullmatch(pattern, text)
    if m is None:
        return None
    hours, minutes, seconds, millis = (int(g) if g else 0 for g in m.groups())
    if minutes > 59 or seconds > 59:
        return None
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis


def _decode(data: bytes) -> tuple[str, str, list[Finding]]:
    """Text, the encoding it was read with, and what is wrong with the bytes (named, with the
    line of the first bad byte)."""
    problems: list[Finding] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", "replace")
        problems.append(
            Finding("encoding", WARNING, "UTF-16 file: a <track> needs UTF-8 (convert it)", 1)
        )
        return text.lstrip("\ufeff"), "utf-16", problems
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8", problems
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        byte = data[error.start]
        try:
            text, encoding = data.decode("cp1252"), "windows-1252"
            how = "read as Windows-1252"
        except UnicodeDecodeError:
            text, encoding = data.decode("utf-8", "replace"), "utf-8 (damaged)"
            how = "unreadable bytes replaced by �"
        problems.append(
            Finding(
                "encoding",
                ERROR,
                f"byte 0x{byte:02X} is not UTF-8 ({how}); save the file as UTF-8",
                line,
                measured=f"0x{byte:02X}",
                limit="UTF-8",
            )
        )
        return text, encoding, problems


def _too_large(size: int, fmt: str | None) -> ParsedSubtitles:
    too_big = Finding(
        "too_large",
        ERROR,
        f"{size / 2**20:.1f} MB is too large for a subtitle file (limit {MAX_BYTES // 2**20} MB)",
        measured=size,
        limit=MAX_BYTES,
        unit="bytes",
    )
    return ParsedSubtitles(fmt or "srt", (), (too_big,), "")


def parse_subtitles(data: bytes | str, fmt: str | None = None) -> ParsedSubtitles:
    """Read SRT or WebVTT (BOM, CRLF or CR, a missing final blank line, NOTE/STYLE/REGION
    blocks and cue settings are fine). Never raises on content: what cannot be read becomes a
    problem with its line, and reading resumes at the next block."""
    problems: list[Finding] = []
    encoding = "utf-8"
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            return _too_large(len(data), fmt)
        text, encoding, problems = _decode(data)
    else:
        text = data.lstrip("\ufeff")
    lines = _NEWLINE.split(text)
    first = lines[0] if lines else ""
    is_vtt = first.startswith("WEBVTT") or fmt == "vtt"
    if is_vtt and not re.fullmatch(r"WEBVTT(?:[ \t].*)?", first):
        problems.append(
            Finding(
                "vtt_header",
                ERROR,
                f"a WebVTT file starts with the line WEBVTT, not {first[:40]!r}",
                1,
            )
        )
    for number, line in enumerate(lines, start=1):
        if _CONTROL.search(line):
            problems.append(
                Finding("control_characters", ERROR, "control characters in the text", number)
            )
    reader = _Reader(lines, "vtt" if is_vtt else "srt", problems)
    cues = reader.read()
    return ParsedSubtitles("vtt" if is_vtt else "srt", tuple(cues), tuple(problems), encoding)


class _Reader:
    def __init__(self, lines: list[str], fmt: str, problems: list[Finding]) -> None:
        self.lines = lines
        self.fmt = fmt
        self.problems = problems
        self.pattern = _VTT_TIME if fmt == "vtt" else _SRT_TIME

    def problem(self, code: str, message: str, line: int, cue: int | None = None) -> None:
        self.problems.append(Finding(code, ERROR, message, line, cue))

    def blocks(self, start: int) -> Iterable[tuple[int, list[str]]]:
        """(first line number, lines) of each block; blank lines separate blocks, and so does
        a timing line inside a block (the WebVTT rule; in SRT a forgotten blank line)."""
        block: list[str] = []
        at = start
        for number in range(start, len(self.lines)):
            line = self.lines[number].rstrip()
            if not line.strip():
                if block:
                    yield at + 1, block
                block = []
                continue
            if block and "-->" in line and len(block) > 1:
                # A cue's timing (after its SRT index) inside the previous block.
                carried = [block.pop()] if _INDEX.match(block[-1]) and self.fmt == "srt" else []
                yield at + 1, block
                self.problem(
                    "missing_blank_line",
                    "no blank line before this cue",
                    number + 1 - len(carried),
                )
                block, at = carried, number - len(carried)
            if not block:
                at = number
            block.append(line)
        if block:
            yield at + 1, block

    def read(self) -> list[Cue]:
        start = 0
        if self.fmt == "vtt":
            start = len(self.lines)  # the header runs to the first blank line
            for number, line in enumerate(self.lines):
                if not line.strip():
                    start = number
                    break
                if number and "-->" in line:  # a cue glued to the header (the spec reads it)
                    start = number - 1 if number > 1 else number  # with its identifier
                    self.problem("missing_blank_line", "no blank line after the header", start + 1)
                    break
        cues: list[Cue] = []
        for first, block in self.blocks(start):
            if self.fmt == "vtt" and re.match(r"(NOTE|STYLE|REGION)(\s|$)", block[0]):
                continue
            cue = self.cue(first, block, len(cues) + 1)
            if cue is not None:
                cues.append(cue)
        return cues

    def cue(self, first: int, block: list[str], position: int) -> Cue | None:
        identifier = ""
        timing_at = 0
        if "-->" not in block[0]:
            if len(block) == 1 or (self.fmt == "srt" and not _INDEX.match(block[0])):
                self.not_a_cue(first, block, position)
                return None
            identifier, timing_at = block[0].strip(), 1
        timing = block[timing_at]
        number = first + timing_at
        m = _ARROW_LINE.match(timing)
        if m is None:
            if len(_LOOKS_TIMED.findall(timing)) >= 2:
                self.problem(
                    "missing_arrow",
                    f"the timing line needs ' --> ' between its two times: {timing[:60]!r}",
                    number,
                    position,
                )
            else:
                self.problem(
                    "missing_timing",
                    f"expected the cue's timing (start --> end), found {timing[:60]!r}",
                    number,
                    position,
                )
            return None
        start = _timestamp(m.group(1), self.pattern)
        end = _timestamp(m.group(2), self.pattern)
        shape = "HH:MM:SS.mmm" if self.fmt == "vtt" else "HH:MM:SS,mmm"
        for text, value in ((m.group(1), start), (m.group(2), end)):
            if value is None:
                self.problem(
                    "bad_timestamp", f"{text[:30]!r} is not a time ({shape})", number, position
                )
        if start is None or end is None:
            return None
        settings = m.group(3).strip()
        if self.fmt == "srt" and settings and not _SRT_BOX.fullmatch(settings):
            what = f"unexpected text after the end time: {settings[:30]!r}"
            self.problem("bad_timestamp", what, number, position)
            return None
        if end <= start:
            self.problem("end_before_start", "the cue ends before it starts", number, position)
            return None
        text = tuple(block[timing_at + 1 :])
        return Cue(start, end, text, number, identifier, settings if self.fmt == "vtt" else "")

    def not_a_cue(self, first: int, block: list[str], position: int) -> None:
        if len(_LOOKS_TIMED.findall(block[0])) >= 2:
            self.problem(
                "missing_arrow",
                f"the timing line needs ' --> ' between its two times: {block[0][:60]!r}",
                first,
                position,
            )
        else:
            self.problem(
                "not_a_cue",
                f"text outside a cue (a blank line inside a subtitle?): {block[0][:60]!r}",
                first,
                position,
            )


def read_subtitles(path: Path) -> ParsedSubtitles:
    """Parse a file (the format from its WEBVTT header, or else its suffix); raises MediaError
    only when it cannot be opened."""
    path = Path(path)
    try:
        size = path.stat().st_size
        fmt = "vtt" if path.suffix.lower() == ".vtt" else None
        if size > MAX_BYTES:  # never read a hostile file into memory
            return _too_large(size, fmt)
        data = path.read_bytes()
    except OSError as error:
        raise MediaError(path, f"cannot read the subtitle file ({error.strerror})") from None
    return parse_subtitles(data, fmt)


# ------------------------------------------------------------------ writing


def _clock(ms: int, sep: str) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{sep}{millis:03d}"


def to_srt(cues: Sequence[Cue]) -> str:
    blocks = []
    for number, cue in enumerate(cues, start=1):
        timing = f"{_clock(cue.start_ms, ',')} --> {_clock(cue.end_ms, ',')}"
        blocks.append("\n".join([str(number), timing, *cue.lines]))
    return "\n\n".join(blocks) + "\n" if blocks else ""


_VTT_TAG = re.compile(r"</?(?:[ibuv]|c|lang|ruby|rt)(?:[.\s][^<>]*)?>|<\d[\d:.]*>")
_ENTITY = re.compile(r"&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
_POSITION = {"an7": "line:0", "an8": "line:0", "an9": "line:0"}


def _vtt_text(line: str) -> str:
    """A cue line safe for WebVTT: its tags kept (<i>, <b>, <u>), others (<font>) dropped,
    `&` and a stray `<` escaped, and `-->` (which would end the cue) broken."""
    line = _OVERRIDE.sub("", line)
    out = []
    position = 0
    for m in re.finditer(r"<[^<>\n]*>|&|<", line):
        out.append(line[position : m.start()])
        token = m.group(0)
        if token == "&":
            out.append("&" if _ENTITY.match(line, m.start()) else "&amp;")
        elif token == "<":
            out.append("&lt;")
        elif _VTT_TAG.fullmatch(token):
            out.append(token)
        position = m.end()
    out.append(line[position:])
    return "".join(out).replace("-->", "--&gt;")


def to_vtt(cues: Sequence[Cue]) -> str:
    """WebVTT text: the header, then each cue (identifier, timing with its settings, text)."""
    blocks = ["WEBVTT"]
    for cue in cues:
        settings = cue.settings
        if not settings:
            for line in cue.lines:
                if m := re.search(r"\{\\(an\d)\}", line):
                    settings = _POSITION.get(m.group(1), "")
        timing = f"{_clock(cue.start_ms, '.')} --> {_clock(cue.end_ms, '.')}"
        head = [cue.identifier] if cue.identifier and "-->" not in cue.identifier else []
        text = [_vtt_text(line) for line in cue.lines]
        blocks.append("\n".join([*head, f"{timing} {settings}".rstrip(), *text]))
    return "\n\n".join(blocks) + "\n"


def convert_to_vtt(src: Path, dst: Path) -> Path:
    """Write `src` (SRT or WebVTT) as UTF-8 WebVTT at `dst`, under a temporary name renamed into
    place. Cues that cannot be read are left out: QC the file to see which."""
    parsed = read_subtitles(src)
    if not parsed.cues:
        raise MediaError(src, "no readable cue to convert")
    text = to_vtt(parsed.cues)
    with atomic_output(Path(dst)) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")
    return Path(dst)


# ------------------------------------------------------------------ QC


@dataclass(frozen=True)
class SubtitleReport:
    """A file's QC, shaped like the delivery QC's report: `passed`, `to_dict()`, and counts."""

    path: str
    format: str
    encoding: str
    rules: TimedTextRules
    cue_count: int
    findings: tuple[Finding, ...]
    film_duration_s: float | None = None
    first_cue_s: float | None = None
    last_cue_end_s: float | None = None
    silence_map: tuple[tuple[float, float], ...] | None = None
    omitted: tuple[tuple[str, str, int], ...] = ()  # (code, severity, how many) beyond the cap

    @property
    def passed(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings)

    @property
    def counts(self) -> dict[str, int]:
        """Findings by code, those left out of `findings` included."""
        counts: dict[str, int] = {}
        for finding in self.findings:
            counts[finding.code] = counts.get(finding.code, 0) + 1
        for code, _, more in self.omitted:
            counts[code] = counts.get(code, 0) + more
        return counts

    def _count(self, severity: str) -> int:
        shown = sum(f.severity == severity for f in self.findings)
        return shown + sum(more for _, sev, more in self.omitted if sev == severity)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SubtitleReport:
        """The report `to_dict` stored (unknown keys are ignored)."""
        rule_names = {f.name for f in dataclasses.fields(TimedTextRules)}
        finding_names = {f.name for f in dataclasses.fields(Finding)}
        return cls(
            path=str(data.get("path", "")),
            format=str(data.get("format", "")),
            encoding=str(data.get("encoding", "")),
            rules=TimedTextRules(
                **{k: v for k, v in data.get("rules", {}).items() if k in rule_names}
            ),
            cue_count=int(data.get("cues", 0)),
            findings=tuple(
                Finding(**{k: v for k, v in f.items() if k in finding_names})
                for f in data.get("findings", [])
            ),
            film_duration_s=data.get("film_duration_s"),
            first_cue_s=data.get("first_cue_s"),
            last_cue_end_s=data.get("last_cue_end_s"),
            omitted=tuple((str(c), str(s), int(n)) for c, s, n in data.get("omitted", [])),
        )

    def codes(self) -> set[str]:
        return {f.code for f in self.findings}

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.format,
            "encoding": self.encoding,
            "passed": self.passed,
            "rules": dataclasses.asdict(self.rules),
            "cues": self.cue_count,
            "film_duration_s": self.film_duration_s,
            "first_cue_s": self.first_cue_s,
            "last_cue_end_s": self.last_cue_end_s,
            "errors": self._count(ERROR),
            "warnings": self._count(WARNING),
            "counts": self.counts,
            "findings": [dataclasses.asdict(f) for f in self.findings],
            "omitted": [list(row) for row in self.omitted],
        }

    def to_text(self) -> str:
        """The report as a table a person reads in a terminal (English)."""
        r = self.rules
        errors, warnings = self._count(ERROR), self._count(WARNING)
        verdict = "PASS" if self.passed else "FAIL"
        head = [
            f"Subtitles {self.path}: {self.format.upper()}, {self.encoding}, "
            f"{self.cue_count} cues — {verdict} ({errors} errors, {warnings} warnings)",
            f"  rules ({r.audience}): ≤ {r.max_lines} lines of ≤ {r.max_line_chars} characters, "
            f"≤ {r.max_cps:g} characters/s, {r.min_duration_s:.3g}-{r.max_duration_s:g} s a cue, "
            f"gaps ≥ {r.min_gap_frames} frames at {r.frame_rate:g} fps",
        ]
        if self.cue_count and self.first_cue_s is not None and self.last_cue_end_s is not None:
            film = (
                f", film {_time(self.film_duration_s)}" if self.film_duration_s is not None else ""
            )
            head.append(
                f"  first cue at {_time(self.first_cue_s)}, last cue ends at "
                f"{_time(self.last_cue_end_s)}{film}"
            )
        if not self.findings:
            return "\n".join([*head, "  no finding"])
        rows = [("line", "cue", "time", "severity", "code", "measured", "limit", "what")]
        for f in self.findings:
            rows.append(
                (
                    "" if f.line is None else str(f.line),
                    "" if f.cue is None else str(f.cue),
                    "" if f.time_s is None else _time(f.time_s),
                    f.severity,
                    f.code,
                    _value(f.measured, f.unit),
                    _value(f.limit, f.unit),
                    f.message,
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(7)]
        table = [
            "  " + "".join(f"{cell:{w}}  " for cell, w in zip(row, widths, strict=False)) + row[7]
            for row in rows
        ]
        more = [f"  … and {n} more {code} ({severity})" for code, severity, n in self.omitted]
        return "\n".join([*head, *(line.rstrip() for line in table), *more])


def _time(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    ms = round(seconds * 1000)
    minutes, rest = divmod(ms, 60_000)
    return f"{minutes}:{rest // 1000:02d}.{rest % 1000:03d}"


def _value(value: float | str | None, unit: str) -> str:
    if value is None:
        return ""
    shown = f"{value:.3g}" if isinstance(value, float) else str(value)
    return f"{shown} {unit}".strip()


def _check_cues(cues: Sequence[Cue], rules: TimedTextRules) -> list[Finding]:
    found: list[Finding] = []
    eps = 0.0005  # times are whole milliseconds

    def add(code: str, severity: str, message: str, cue: Cue, position: int, **kw: Any) -> None:
        line = kw.pop("line", cue.line)
        found.append(Finding(code, severity, message, line, position, cue.start_s, **kw))

    for position, cue in enumerate(cues, start=1):
        if position > 1 and cue.start_ms < cues[position - 2].start_ms:
            add(
                "out_of_order",
                ERROR,
                f"starts before the previous cue (at {_time(cues[position - 2].start_s)})",
                cue,
                position,
            )
        visible = cue.visible_lines
        if not any(text.strip() for text in visible):
            add("empty_cue", WARNING, "a cue with no text", cue, position)
            continue
        if len(visible) > rules.max_lines:
            add(
                "too_many_lines",
                ERROR,
                " / ".join(visible)[:60],
                cue,
                position,
                measured=len(visible),
                limit=rules.max_lines,
                unit="lines",
            )
        for offset, text in enumerate(visible, start=1):
            if len(text) > rules.max_line_chars:
                add(
                    "line_too_long",
                    ERROR,
                    f"{text[:30]!r}…",
                    cue,
                    position,
                    line=cue.line + offset,
                    measured=len(text),
                    limit=rules.max_line_chars,
                    unit="characters",
                )
        cps = cue.characters / cue.duration_s
        if cps > rules.max_cps + 1e-9:
            add(
                "reading_speed",
                ERROR,
                f"{cue.characters} characters in {cue.duration_s:g} s",
                cue,
                position,
                measured=round(cps, 1),
                limit=rules.max_cps,
                unit="characters/s",
            )
        if cue.duration_s < rules.min_duration_s - eps:
            add(
                "too_short",
                WARNING,
                "on screen too briefly to be read",
                cue,
                position,
                measured=cue.duration_s,
                limit=round(rules.min_duration_s, 3),
                unit="s",
            )
        if cue.duration_s > rules.max_duration_s + eps:
            add(
                "too_long",
                WARNING,
                "stays after it is read",
                cue,
                position,
                measured=cue.duration_s,
                limit=rules.max_duration_s,
                unit="s",
            )
    # In time order, each cue against the one still on screen the longest before it.
    ordered = sorted(enumerate(cues, start=1), key=lambda pair: (pair[1].start_ms, pair[0]))
    before: Cue | None = None
    for position, cue in ordered:
        if before is None or cue.end_ms > before.end_ms:
            before, cue_before = cue, before
        else:
            cue_before = before
        if cue_before is None:
            continue
        gap = (cue.start_ms - cue_before.end_ms) / 1000
        if gap < -eps:
            add(
                "overlap",
                ERROR,
                f"on screen with the cue on line {cue_before.line} "
                f"(until {_time(cue_before.end_s)})",
                cue,
                position,
                measured=round(-gap, 3),
                limit=0.0,
                unit="s",
            )
        elif gap < rules.min_gap_s - eps:
            frames = gap * rules.frame_rate
            add(
                "gap_too_short",
                WARNING,
                f"{gap * 1000:.0f} ms after the previous cue",
                cue,
                position,
                measured=round(frames, 2),
                limit=rules.min_gap_frames,
                unit="frames",
            )
    return found


def _uncovered(
    spans: Iterable[tuple[float, float]], cover: Iterable[tuple[float, float]]
) -> list[tuple[float, float]]:
    """The parts of `spans` that no interval of `cover` touches (both sorted by start)."""
    cover = sorted(cover)
    left: list[tuple[float, float]] = []
    for start, end in spans:
        at = start
        for c_start, c_end in cover:
            if c_end <= at or c_start >= end:
                continue
            if c_start > at:
                left.append((at, c_start))
            at = max(at, c_end)
        if at < end:
            left.append((at, end))
    return left


def _check_coverage(
    cues: Sequence[Cue],
    rules: TimedTextRules,
    duration_s: float | None,
    silences: Sequence[tuple[float, float]] | None,
) -> list[Finding]:
    found: list[Finding] = []
    if duration_s is None:
        return found
    frame = 1 / rules.frame_rate
    for position, cue in enumerate(cues, start=1):
        if cue.end_s > duration_s + frame:
            found.append(
                Finding(
                    "after_end",
                    ERROR,
                    f"ends after the film ({_time(duration_s)})",
                    cue.line,
                    position,
                    cue.start_s,
                    round(cue.end_s, 3),
                    round(duration_s, 3),
                    "s",
                )
            )
    if silences is None:
        return found
    sound = _uncovered([(0.0, duration_s)], silences)
    for start, end in _uncovered(sound, [(c.start_s, c.end_s) for c in cues]):
        if end - start >= rules.max_uncovered_sound_s:
            nearest = min(cues, key=lambda c: abs(c.start_s - end), default=None)
            found.append(
                Finding(
                    "uncovered_sound",
                    WARNING,
                    f"sound from {_time(start)} to {_time(end)} with no subtitle "
                    "(untranslated speech, or music?)",
                    None if nearest is None else nearest.line,
                    None,
                    round(start, 3),
                    round(end - start, 1),
                    rules.max_uncovered_sound_s,
                    "s",
                )
            )
    return found


def check_subtitles(
    parsed: ParsedSubtitles,
    rules: TimedTextRules | None = None,
    *,
    path: str = "",
    film_duration_s: float | None = None,
    silences: Sequence[tuple[float, float]] | None = None,
) -> SubtitleReport:
    """QC parsed cues against the rules and, when given, the film's duration and silence map
    (pure: no file is read here)."""
    rules = rules or TimedTextRules()
    cues = parsed.cues
    findings = [*parsed.problems, *_check_cues(cues, rules)]
    findings += _check_coverage(cues, rules, film_duration_s, silences)
    findings.sort(key=lambda f: (f.line if f.line is not None else 10**9, f.code))
    # A binary file or a machine-made mess gives thousands of findings: the first of each code
    # tell what is wrong, the rest are counted.
    kept: list[Finding] = []
    left_out: dict[tuple[str, str], int] = {}
    per_code: dict[str, int] = {}
    for finding in findings:
        per_code[finding.code] = per_code.get(finding.code, 0) + 1
        if per_code[finding.code] <= MAX_FINDINGS_PER_CODE:
            kept.append(finding)
        else:
            key = (finding.code, finding.severity)
            left_out[key] = left_out.get(key, 0) + 1
    return SubtitleReport(
        path=path,
        format=parsed.format,
        encoding=parsed.encoding,
        rules=rules,
        cue_count=len(cues),
        findings=tuple(kept),
        omitted=tuple((code, severity, n) for (code, severity), n in left_out.items()),
        film_duration_s=None if film_duration_s is None else round(film_duration_s, 3),
        first_cue_s=min((c.start_s for c in cues), default=None),
        last_cue_end_s=max((c.end_s for c in cues), default=None),
        silence_map=None if silences is None else tuple(silences),
    )


def silence_map(
    src: Path, *, info: MediaInfo | None = None, timeout: float | None = None
) -> list[tuple[float, float]] | None:
    """Where the film's first audio track is silent (the style analysis's silencedetect
    settings), or None without sound."""
    src = Path(src)
    info = info or probe(src)
    if not info.audio:
        return None
    args = [*base_args(), "-v", "info", "-i", media_arg(src), "-map", f"0:{info.audio[0].index}"]
    args += ["-af", f"silencedetect=noise={SILENCE_DB:g}dB:duration={SILENCE_MIN_S:g}"]
    args += ["-f", "null", "-"]
    limit = timeout if timeout is not None else timeout_for(info.duration_s, per_second=0.5)
    done = run(args, timeout=limit, subject=src, what="silence detection")
    return silence_intervals(done.stderr.splitlines(), info.duration_s or 0.0)


def qc_subtitles(
    subtitles: Path,
    film: Path | None = None,
    rules: TimedTextRules | None = None,
    *,
    info: MediaInfo | None = None,
    silences: Sequence[tuple[float, float]] | None = None,
) -> SubtitleReport:
    """Read and QC a subtitle file; with `film`, also against its duration, frame rate (when
    `rules` leaves the default) and silence map (measured unless given)."""
    rules = rules or TimedTextRules()
    duration = None
    if film is not None:
        info = info or probe(Path(film))
        duration = info.duration_s
        if info.video and info.video.frame_rate and rules.frame_rate == TimedTextRules.frame_rate:
            rules = dataclasses.replace(rules, frame_rate=round(info.video.frame_rate, 3))
        if silences is None:
            silences = silence_map(Path(film), info=info)
    return check_subtitles(
        read_subtitles(subtitles),
        rules,
        path=str(subtitles),
        film_duration_s=duration,
        silences=silences,
    )


__all__ = [
    "MAX_BYTES",
    "MAX_FINDINGS_PER_CODE",
    "READING_SPEEDS",
    "Cue",
    "Finding",
    "ParsedSubtitles",
    "SubtitleReport",
    "TimedTextRules",
    "check_subtitles",
    "convert_to_vtt",
    "parse_subtitles",
    "qc_subtitles",
    "read_subtitles",
    "silence_map",
    "to_srt",
    "to_vtt",
    "visible_text",
]

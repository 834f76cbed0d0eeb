"""One language per page: a French page holds no English interface text, and the reverse.

Every role (curator, filmmaker, broadcaster, and a visitor with no account) crawls the pages
its links reach on a catalog of real Québec films with a bundle, a share, an answer, a media
file with its QC and an import job with rejected rows; a film form is posted with mistakes so
that its field errors show. Each page is read in French (the default) and in English (the
header's switch), its visible text taken (scripts, styles, typed-in values and anything
marked with another `lang` left out), the catalog's own data (titles, synopses, names, e-mail
addresses, numbers) taken out, and what remains checked against two word lists:

- in French, no English interface phrase: every English text of the .po file that differs
  from its French (as phrases of two words or more, so the list follows new strings), the
  enums' raw codes, and a curated list of words that leak ("Status", "None", "True", ...);
- in English, no French interface phrase: every French text of the .po file that has a
  different English one (two words or more), and a curated list ("Statut", "Aucun", ...).
"""

from __future__ import annotations

import functools
import io
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html import unescape as html_unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from catalog.fields import NAMES
from catalog.ingest import check_row
from catalog.models import (
    Audience,
    Bundle,
    BundleItem,
    BundleStatus,
    Film,
    Form,
    JobStatus,
    MediaAsset,
    Proposal,
    Role,
    ShareLink,
    Status,
    User,
    UserRole,
    Verdict,
)
from catalog.records import film_to_record
from curation.bundles import NOT_SELECTED
from curation.rules import NO_RUNTIME, TOO_LONG
from tests.web.quebec import column_map, quebec_subset
from web.i18n import PROBLEMS, problem
from web.usecases import cataloguing

PO_FILE = Path(__file__).resolve().parents[2] / "web/translations/en/LC_MESSAGES/messages.po"

# -- reading a page ------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
VOID |= {"track", "wbr"}
HIDDEN = {"script", "style", "template", "textarea", "noscript", "svg"}
SHOWN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt", "hx-confirm")
CODES = {"data-value"}  # what a picker stores (a country's English name), never shown
# Sentences a page's script shows later (data-sending="Envoi du fichier : …"), not codes.
_SENTENCE = re.compile(r"^[^{}\[\]<>=]*[^\W\d_]{2,}[^{}\[\]<>=]* [^{}\[\]<>=]*$")
# Tags that break the line of text; inline ones (<strong>Statut</strong>:) do not.
INLINE = {"a", "abbr", "b", "bdi", "cite", "code", "em", "i", "kbd", "mark", "q", "s", "small"}
INLINE |= {"span", "strong", "sub", "sup", "time", "u", "var", "data", "output", "label"}


class _Text(HTMLParser):
    """The words a reader sees or hears: text, labels in attributes, button values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page_lang = ""
        self.chunks: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, hidden)

    @property
    def hidden(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.page_lang = found.get("lang", "")[:2]
            return
        if tag not in INLINE:
            self.chunks.append(" ")
        # Text marked with another language (the switch's "English", a synopsis shown in
        # the other language with its note) is not the interface's.
        lang = found.get("lang", "")[:2]
        hidden = self.hidden or tag in HIDDEN or bool(lang and lang != self.page_lang)
        if not hidden:
            for name in SHOWN_ATTRIBUTES:
                if found.get(name):
                    self.chunks.append(f" {found[name]} ")
            for name, value in found.items():
                if name.startswith("data-") and name not in CODES and _SENTENCE.match(value):
                    self.chunks.append(f" {value} ")
            if tag == "input" and found.get("type") in ("submit", "button"):
                self.chunks.append(f" {found.get('value', '')} ")
        if tag not in VOID:
            self.stack.append((tag, hidden))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag not in INLINE:
            self.chunks.append(" ")
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.chunks.append(data)


def visible_text(html: str) -> tuple[str, str]:
    """The page's language ("fr", "en") and its visible text on one line."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser.page_lang, " ".join("".join(parser.chunks).split())


def without_data(text: str, data: Iterable[str]) -> str:
    """`text` with the catalog's own data (longest first) and every number taken out."""
    values = sorted({d.strip() for d in data if len(d.strip()) > 1}, key=len, reverse=True)
    if values:
        # Whole words only: a subject "hiver" is data, "Archiver" is the interface's.
        alternatives = "|".join(map(re.escape, values))
        text = re.sub(rf"(?<!\w)(?:{alternatives})(?!\w)", "¶", text)
    return re.sub(r"\d+(?:[.,:]\d+)*", "#", text)


# -- the word lists ------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{[^}]*\}|<[^>]*>")
_SPLIT = re.compile(r"[«»\"“”()\[\]:;!?…·—–|/]|\.(?:\s|$)|,\s")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def phrases(message: str) -> set[str]:
    """The runs of two words or more in a message, between its placeholders and punctuation."""
    found = set()
    for piece in _SPLIT.split(_PLACEHOLDER.sub("|", message)):
        words = _WORD.findall(piece)
        if len(words) >= 2:
            found.add(" ".join(words))
    return found


@functools.cache
def po_pairs() -> tuple[tuple[str, str], ...]:
    with PO_FILE.open("rb") as handle:
        catalog = read_po(handle)
    pairs = []
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs += [(i, s) for i, s in zip(ids * len(strings), strings, strict=False) if s]
    return tuple(pairs)


def _enum_codes(*enums: Iterable[object]) -> set[str]:
    return {str(getattr(member, "value", member)) for enum in enums for member in enum}


# Raw codes that are French words too ("fiction", "famille") are not a leak in French.
FRENCH_CODES = {"fiction", "animation", "jeunesse", "famille", "adulte", "admin"}
ENGLISH_WORDS = {
    "Status", "Accepted", "Submitted", "Declined", "Archived", "channels", "unknown",
    "Unknown", "loudness", "true_peak", "loudness_range", "frame_rate", "resolution",
    "captions", "required", "optional", "reported", "any", "is not a", "must be",
    "is required", "is outside", "is before", "is below", "did you mean", "Edit", "Save",
    "Remove", "Delete", "Cancel", "pin", "unpin", "up", "down", "remove", "add", "None",
    "True", "False", "true", "false", "yes", "Yes", "seconds", "hours",
    "rows", "new", "updated", "unchanged", "rejected", "warning", "imported", "fps",
    "an audio track", "Search", "Region", "Title", "Year", "Runtime", "Language",
}  # fmt: skip
ENGLISH_WORDS |= (
    _enum_codes(Status, Form, Audience, Role, UserRole, JobStatus, BundleStatus, Verdict)
    - FRENCH_CODES
)
# The catalog's column names are codes too ("runtime", "contact_email"): a page says "Durée".
ENGLISH_WORDS |= set(NAMES) - {"genres"}
FRENCH_WORDS = {
    "Statut", "Soumis", "Accepté", "Refusé", "Archivé", "Modifier", "Enregistrer",
    "Retirer", "Supprimer", "Annuler", "durée", "Durée", "Aucun", "Aucune", "aucun",
    "aucune", "Oui", "Non", "inconnu", "inconnue", "Région", "région", "Titre", "Année",
    "Langue", "langues", "canaux", "i/s", "n'est pas", "doit être", "est requis",
    "Sous-titres", "Vidéodescription", "Jeunesse", "Famille", "Adulte",
    "Général", "Documentaire", "Expérimental", "Hybride", "jeunesse", "famille", "adulte",
    "Réalisation", "Musique", "Scénario", "Intéressé", "Peut-être", "Je passe",
    "Observatoire", "lignes", "ligne", "nouveaux",
    "avec", "pour", "dans", "sans", "et", "le", "la", "les", "des", "du", "une",
}  # fmt: skip


def _one_word(message: str) -> set[str]:
    """The message's word when it has only one ("Chargement…"), to be checked alone."""
    words = _WORD.findall(_PLACEHOLDER.sub(" ", message))
    return set(words) if len(words) == 1 else set()


@functools.cache
def forbidden() -> dict[str, re.Pattern[str]]:
    """For each page language, a pattern of the other language's interface phrases."""
    pairs = po_pairs()
    french = {p for msgid, _ in pairs for p in phrases(msgid)}
    english = {p for _, msgstr in pairs for p in phrases(msgstr)}
    # A phrase both languages write the same way ("Bas-Saint-Laurent") is no one's leak.
    english_only = {p for msgid, msgstr in pairs if msgid != msgstr for p in phrases(msgstr)}
    french_only = {p for msgid, msgstr in pairs if msgid != msgstr for p in phrases(msgid)}
    # Single words too, when the other language never writes them ("Workbench", "Atelier").
    french_words = {w.casefold() for msgid, _ in pairs for w in _WORD.findall(msgid)}
    english_words = {w.casefold() for _, msgstr in pairs for w in _WORD.findall(msgstr)}
    english_only |= {
        w for _, msgstr in pairs for w in _one_word(msgstr) if w.casefold() not in french_words
    }
    french_only |= {
        w for msgid, _ in pairs for w in _one_word(msgid) if w.casefold() not in english_words
    }
    lists = {
        "fr": (english_only - french) | ENGLISH_WORDS,
        "en": (french_only - english) | FRENCH_WORDS,
    }
    return {lang: _pattern(words) for lang, words in lists.items()}


def _pattern(words: Iterable[str]) -> re.Pattern[str]:
    alternatives = "|".join(
        re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True)
    )
    # Whole words: no letter, digit, apostrophe or hyphen on either side.
    return re.compile(rf"(?<![\w'’-])(?:{alternatives})(?![\w’-]|'\w)")


# Each language's punctuation: "Statut : Soumis" and « » in French, "Status: Submitted" and
# “ ” in English.
TYPOGRAPHY = {
    "en": re.compile(r"(?<=[^\s#]) [:;!?](?=\s|$)|[«»]|(?<=#)\s%"),
    "fr": re.compile(r"(?<=[^\W\d_]):(?=\s)|(?<=#)%"),
}


@dataclass(frozen=True)
class Leak:
    url: str
    lang: str
    phrase: str
    context: str

    def __str__(self) -> str:
        return f"{self.url} [{self.lang}] {self.phrase!r} in «…{self.context}…»"


def leaks(url: str, html: str, data: Iterable[str] = (), asked: str = "") -> list[Leak]:
    """The other language's interface phrases in a page, once each; `asked` is the language
    the page was asked in (a fragment for htmx has no <html lang> of its own)."""
    lang, text = visible_text(html)
    if not lang and "<html" not in html:
        lang = asked
    if lang not in ("fr", "en") or (asked and lang != asked):
        return [Leak(url, lang, "<html lang>", text[:200])]
    text = without_data(text, data)
    found: dict[str, Leak] = {}
    for match in [*forbidden()[lang].finditer(text), *TYPOGRAPHY[lang].finditer(text)]:
        phrase = match.group(0)
        context = text[max(0, match.start() - 40) : match.end() + 40]
        found.setdefault(phrase, Leak(url, lang, phrase, context))
    return list(found.values())


# -- the checker can fail ------------------------------------------------------------------


def page(lang: str, body: str) -> str:
    head = f'<!doctype html><html lang="{lang}"><head><title>t</title></head>'
    return f"{head}<body>{body}</body></html>"


def test_the_checker_finds_a_planted_english_word_in_a_french_page() -> None:
    found = leaks("/x", page("fr", "<p>Statut : <strong>Accepted</strong></p>"))
    assert [leak.phrase for leak in found] == ["Accepted"]


def test_the_checker_finds_a_planted_french_word_in_an_english_page() -> None:
    found = leaks("/x", page("en", "<p>Status: <strong>Accepté</strong></p>"))
    assert [leak.phrase for leak in found] == ["Accepté"]


def test_the_checker_follows_the_po_file() -> None:
    # Any English text of the .po file with two words or more is caught in French, and the
    # reverse: the lists grow with the interface.
    for msgid, msgstr in po_pairs():
        english = sorted(phrases(msgstr) - {p for i, _ in po_pairs() for p in phrases(i)})
        french = sorted(phrases(msgid) - {p for _, s in po_pairs() for p in phrases(s)})
        if msgid != msgstr and english and french:
            break
    else:
        pytest.fail("the .po file has no phrase to plant")
    assert [x.phrase for x in leaks("/x", page("fr", f"<p>{english[0]}</p>"))] == [english[0]]
    assert [x.phrase for x in leaks("/x", page("en", f"<p>{french[0]}</p>"))] == [french[0]]


def test_the_checker_catches_a_single_word_the_other_language_never_writes() -> None:
    # "Chargement…" / "Loading…" are one-word messages of the .po file.
    assert [x.phrase for x in leaks("/x", page("fr", "<p>Loading…</p>"))] == ["Loading"]
    assert [x.phrase for x in leaks("/x", page("en", "<p>Chargement…</p>"))] == ["Chargement"]
    assert leaks("/x", page("fr", "<p>Menu</p>")) == leaks("/x", page("en", "<p>Menu</p>")) == []


def test_the_checker_leaves_out_data_scripts_typed_values_and_marked_languages() -> None:
    body = (
        "<p>Titre : La Pêche</p><script>var Status = true;</script>"
        '<textarea name="note">None of this</textarea>'
        '<p lang="en">A synopsis in English</p> <small>(en anglais)</small>'
        "<p>Réalisation : John Status Smith, 12 minutes</p>"
    )
    assert leaks("/x", page("fr", body), data=["John Status Smith"]) == []
    assert leaks("/x", page("fr", body)) != []  # the name is data only when said so


def test_the_checker_knows_each_language_s_colon_and_quotes() -> None:
    assert [x.phrase for x in leaks("/x", page("en", "<p>Runtime : 12 min</p>"))] == [" :"]
    assert [x.phrase for x in leaks("/x", page("en", "<p>Title « Aube »</p>"))] == ["«", "»"]
    assert [x.phrase for x in leaks("/x", page("fr", "<p>Durée: 12 min</p>"))] == [":"]
    assert leaks("/x", page("fr", "<p>Durée : 12:30</p>")) == []
    assert leaks("/x", page("en", "<p>Running time: 12:30</p>")) == []
    assert [x.phrase for x in leaks("/x", page("en", "<p>Share 45 %</p>"))] == [" %"]
    assert [x.phrase for x in leaks("/x", page("fr", "<p>Part 45%</p>"))] == ["%"]
    assert leaks("/x", page("fr", "<p>Part 45\u00a0%</p>")) == []


def test_the_checker_reads_attributes_and_buttons() -> None:
    body = '<input type="submit" value="Save"><a title="Remove" href="/">x</a>'
    assert {x.phrase for x in leaks("/x", page("fr", body))} == {"Save", "Remove"}
    # A confirmation and a message a script shows later are read; a stored code is not.
    body = '<form hx-confirm="Remove it?"></form><div data-done="File received and checked">'
    assert {x.phrase for x in leaks("/x", page("fr", body))} == {
        "Remove",
        "File received and checked",
    }
    assert (
        leaks("/x", page("fr", '<option data-value="South Africa">Afrique du Sud</option>')) == []
    )


# -- a catalog with something on every page ------------------------------------------------

BAD_RUNTIME = "douze minutes"
BAD_YEAR = "deux mille"
BAD_EMAIL = "pas-un-courriel"
BAD_DATE = "le premier mai"


@dataclass
class Catalog:
    bundle_id: int
    film_ids: list[int]  # with a media file, told only in French, only in English
    submitted_id: int  # the filmmaker's submission
    job_id: int
    share_url: str
    users: dict[str, int]
    data: set[str] = field(default_factory=set)


def _unplaced(film_id: int | None, reason: str, english: str, french: str) -> dict[str, object]:
    return {
        "film_id": film_id,
        "reason": reason,
        "blocking": [reason],
        "group_id": None,
        "message_en": english,
        "message_fr": french,
    }


def _film_data(film: Film) -> Iterator[str]:
    record = film_to_record(film)
    free_text = [
        *("external_id", "original_title", "title_fr", "title_en", "logline", "genres"),
        *("synopsis_fr", "synopsis_en", "synopsis_long_fr", "synopsis_long_en"),
        *("subjects", "style_tags", "municipality", "production_company"),
        *("directors", "producers", "writers", "cinematographers", "editors", "composers"),
        *("cast", "festival_selections", "awards", "rights_notes", "contact_name"),
        "contact_email",
    ]
    for name in free_text:
        value = record.get(name)
        yield from value if isinstance(value, list) else [str(value or "")]
    yield film.display_title
    yield film.curator_message or ""


def _import_with_rejected_rows(client: FlaskClient, tmp_path: Path) -> int:
    """A curator's upload with three bad rows, skipped: its job page lists them."""
    source = tmp_path / "erreurs.csv"
    source.write_text(
        "original_title,runtime,year,contact_email\n"
        f"Un film en trop,{BAD_RUNTIME},2001,\n"
        f"Un autre film,12,{BAD_YEAR},\n"
        f"Un dernier film,10,2003,{BAD_EMAIL}\n"
        ",10,2004,\n",
        encoding="utf-8",
    )
    with source.open("rb") as handle:
        response = client.post(
            "/catalogue/import",
            data={"file": (handle, "erreurs.csv"), "skip_invalid": "1"},
            content_type="multipart/form-data",
        )
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


@pytest.fixture
def catalog(app: Flask, engine: Engine, make_user: Callable[..., int], tmp_path: Path) -> Catalog:
    cataloguing.import_catalog(engine, quebec_subset(tmp_path), column_map())
    users = {role: make_user(role) for role in ("curator", "filmmaker", "broadcaster")}
    with Session(engine) as session:
        films = list(session.exec(select(Film).order_by(Film.id)))
        # One film told only in French, one only in English, one the filmmaker's.
        assert all(f.synopsis_fr and f.synopsis_en for f in films[:3])
        films[0].title_en = "Beluga Days"
        films[1].synopsis_en = None
        films[2].synopsis_fr = None
        films[3].owner_id = users["filmmaker"]
        films[3].status = Status.submitted
        films[4].status = Status.declined
        films[4].curator_message = "Merci, mais le film dépasse la durée de la case."
        # A proposal that left films out, for the workbench's unplaced panel.
        proposal = Proposal(
            facet="subject",
            slot_minutes=44,
            unplaced=[
                _unplaced(films[6].id, NO_RUNTIME, "no runtime", "pas de durée"),
                _unplaced(films[7].id, TOO_LONG, "longer than the slot", "plus long que la case"),
                _unplaced(films[8].id, NOT_SELECTED, "not selected", "non retenu"),
            ],
        )
        session.add(proposal)
        session.flush()
        bundle = Bundle(
            proposal_id=proposal.id,
            facet="subject",
            slot_minutes=44,
            label="Gens de mer et de bois",
            label_en="People of the sea and the woods",
            explanation="Trois films sur le travail au bord du fleuve.",
            explanation_en="Three films about work by the river.",
            pitch_text="Trois regards sur le fleuve.",
            status=BundleStatus.edited,
        )
        bundle.items = [
            BundleItem(film_id=f.id, position=i, pinned=i == 0)  # type: ignore[call-arg]
            for i, f in enumerate(films[:3])
        ]
        session.add(bundle)
        session.add(
            MediaAsset(
                film_id=films[0].id,  # type: ignore[arg-type]
                path="originals/a.mp4",
                size_bytes=12_345_678,
                sha256="0" * 64,
                probe={
                    "container": "mp4",
                    "duration_s": 20.0,
                    "video": {"codec": "h264", "width": 1920, "height": 1080, "frame_rate": 25.0},
                    "audio": [{"codec": "aac", "channels": 1, "sample_rate": 48000}],
                    "subtitles": [],
                },
                qc={
                    "spec": "ebu-r128",
                    "passed": False,
                    "checks": [
                        {
                            "name": "loudness",
                            "measured": -19.5,
                            "expected": "-23 ± 1",
                            "passed": False,
                            "unit": "LUFS",
                        },
                        {
                            "name": "true_peak",
                            "measured": -0.5,
                            "expected": "≤ -1",
                            "passed": False,
                            "unit": "dBTP",
                        },
                        {
                            "name": "loudness_range",
                            "measured": 7.0,
                            "expected": "reported",
                            "passed": None,
                            "unit": "LU",
                        },
                        {
                            "name": "resolution",
                            "measured": "1920x1080",
                            "expected": "any",
                            "passed": None,
                            "unit": "",
                        },
                        {
                            "name": "frame_rate",
                            "measured": 25.0,
                            "expected": "any",
                            "passed": None,
                            "unit": "fps",
                        },
                        {
                            "name": "captions",
                            "measured": False,
                            "expected": "optional",
                            "passed": None,
                            "unit": "",
                        },
                    ],
                },
            )
        )
        session.commit()
        assert bundle.id is not None
        bundle_id = bundle.id
        data = {text for film in films for text in _film_data(film)}
        for user in session.exec(select(User)):
            data |= {user.display_name, user.email}

    curator = app.test_client()
    _log_in(curator, users["curator"])
    page = curator.post(
        f"/pitch/anthologies/{bundle_id}/partages",
        data={"recipient_name": "Julie Tremblay", "recipient_email": "julie@example.org"},
    ).get_data(as_text=True)
    share_url = page.split('id="created-link"', 1)[0].rsplit('value="', 1)[1].split('"', 1)[0]
    curator.post(
        f"/pitch/anthologies/{bundle_id}/partages",
        data={"broadcaster_id": str(users["broadcaster"]), "recipient_name": ""},
    )
    broadcaster = app.test_client()
    _log_in(broadcaster, users["broadcaster"])
    answer = broadcaster.post(
        f"/pitch/anthologies/{bundle_id}/reponse",
        data={"verdict": "maybe", "comment": "Peut-être pour l'hiver prochain"},
    )
    assert answer.status_code == 200
    job_id = _import_with_rejected_rows(curator, tmp_path)
    # A few edits, so that the bundle's history and the film's decision have words to show.
    edit = f"/atelier/anthologies/{bundle_id}/modifier"
    second, third = (f.id for f in films[1:3])
    for form in (
        {"action": "up", "film_id": str(second)},
        {"action": "pin", "film_id": str(third)},
        {"action": "rename", "label": "Gens de mer et de bois", "label_en": ""},
        {"action": "add", "film_id": str(second)},  # already there: refused, in words
    ):
        assert curator.post(edit, data=form).status_code in (200, 302, 409)
    curator.post(
        f"/catalogue/films/{films[5].id}/decision",
        data={"decision": "accepted", "message": "Bienvenue au catalogue."},
    )
    with Session(engine) as session:
        for bundle_data in session.exec(select(Bundle)):
            data |= {bundle_data.label, bundle_data.label_en, bundle_data.pitch_text}
            data |= {bundle_data.explanation, bundle_data.explanation_en}
        data |= {share.recipient_name for share in session.exec(select(ShareLink))}
    data |= {
        "Julie Tremblay",
        "julie@example.org",
        "Peut-être pour l'hiver prochain",
        "Bienvenue au catalogue.",
        "Très beau cadrage.",
        "klingonais",
        "erreurs.csv",
        "Un film en trop",
        "Un autre film",
        "Un dernier film",
        BAD_RUNTIME,
        BAD_YEAR,
        BAD_EMAIL,
        BAD_DATE,
        "Anthologie",  # the product's name
        "ebu-r128",
        "EBU R128",
        "LUFS",
        "dBTP",
        "mp4",
        "h264",
        "aac",
        "Hz",
        "LU",
    }
    film_ids = [f.id for f in films[:3]]
    submitted_id = films[3].id
    return Catalog(bundle_id, film_ids, submitted_id, job_id, share_url, users, data)  # type: ignore[arg-type]


def _log_in(client: FlaskClient, user_id: int) -> None:
    with client.session_transaction() as session:
        session["user_id"] = user_id


# -- crawling ------------------------------------------------------------------------------

SKIPPED = ("/static/", "/media/", "/api/", "/langue/", "/deconnexion", "/fiche.")
_LINK = re.compile(r"""(?:href|hx-get)="([^"#]*)""")


def _shape(url: str) -> str:
    """The page a URL is an instance of: ids as N, a query by its keys only."""
    parts = urlsplit(url)
    keys = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(keys)


def crawl(client: FlaskClient, starts: Iterable[str], limit: int = 80) -> dict[str, str]:
    """Every HTML page the links of `starts` reach (one of each shape), by URL."""
    pages: dict[str, str] = {}
    shapes: set[str] = set()
    starts = list(starts)
    visited: set[str] = set()
    queue = deque(starts)
    while queue and len(visited) < limit:
        url = queue.popleft()
        shape = _shape(url)
        if url in visited or (shape in shapes and url not in starts):
            continue
        if any(part in url for part in SKIPPED):
            continue
        shapes.add(shape)
        visited.add(url)
        try:
            response = client.get(url, follow_redirects=True)
        except Exception as error:  # a page that fails is reported with the leaks
            pages[f"{url} (error)"] = page("error", f"{type(error).__name__}: {error}")
            continue
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        pages[f"{url} ({response.status_code})"] = html
        for href in _LINK.findall(html):
            target = urljoin(url, href.replace("&amp;", "&"))
            if target.startswith("/") and not target.startswith("//"):
                queue.append(target)
    return pages


class _Forms(HTMLParser):
    """The POST forms of a page that take a runtime: their action and fields with values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form" and found.get("method", "").lower() == "post":
            self.forms.append((found.get("action", ""), {}))
        elif not self.forms or not found.get("name"):
            return
        elif tag == "input" and found.get("type") not in ("file", "submit", "checkbox"):
            self.forms[-1][1][found["name"]] = found.get("value", "")
        elif tag == "textarea":
            self.forms[-1][1].setdefault(found["name"], "")
        elif tag == "select":
            self._select = found["name"]
            self.forms[-1][1].setdefault(found["name"], "")
        elif tag == "option" and self._select and "selected" in found:
            self.forms[-1][1][self._select] = found.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def post_film_forms_with_mistakes(client: FlaskClient, pages: dict[str, str]) -> dict[str, str]:
    """Every film form among `pages`, posted with a runtime, a year, an e-mail and a date
    that are wrong: the pages that come back show their field errors."""
    shown: dict[str, str] = {}
    for key, html in list(pages.items()):
        url = key.split(" ", 1)[0]
        parser = _Forms()
        parser.feed(html)
        for action, fields in parser.forms:
            if "runtime" not in fields:
                continue
            fields |= {"runtime": BAD_RUNTIME, "year": BAD_YEAR, "original_title": ""}
            for name, bad in (("contact_email", BAD_EMAIL), ("rights_window_start", BAD_DATE)):
                if name in fields:
                    fields[name] = bad
            target = urljoin(url, action) if action else url
            response = client.post(target, data=fields)
            html = response.get_data(as_text=True)
            shown[f"POST {target} ({response.status_code})"] = html
            assert BAD_RUNTIME in html, f"{target} did not show the form back with its errors"
    return shown


def switch(client: FlaskClient, lang: str) -> None:
    """The header's language switch (French is also the default)."""
    client.post(f"/langue/{lang}", headers={"Referer": "/"})


def pages_of(app: Flask, catalog: Catalog, role: str, lang: str) -> dict[str, str]:
    client = app.test_client()
    switch(client, lang)
    if role == "visitor":
        pages = crawl(client, ["/connexion", "/page-qui-n-existe-pas", catalog.share_url])
        wrong = client.post("/connexion", data={"email": "x@y.ca", "password": "non"})
        pages["POST /connexion (wrong password)"] = wrong.get_data(as_text=True)
        return pages
    _log_in(client, catalog.users[role])
    starts = ["/", "/page-qui-n-existe-pas"]
    if role == "curator":
        starts += [f"/catalogue/films/{film_id}" for film_id in catalog.film_ids]
        starts += [f"/atelier/anthologies/{catalog.bundle_id}"]
        starts += [f"/catalogue/taches/{catalog.job_id}"]
        starts += [f"/pitch/anthologies/{catalog.bundle_id}/partages"]
    if role == "filmmaker":
        starts += ["/soumissions/nouvelle"]
    if role == "curator":
        starts += [f"/atelier/anthologies/{catalog.bundle_id}/historique"]
        starts += [f"/catalogue/films/{catalog.submitted_id}/jugement"]
    pages = crawl(client, starts)
    pages |= post_film_forms_with_mistakes(client, pages)
    if role == "curator":
        pages |= _curator_answers(client, catalog)
    return pages


def _curator_answers(client: FlaskClient, catalog: Catalog) -> dict[str, str]:
    """What a curator's actions answer: a bulk edit (done, and refused), a score (given, and
    out of range)."""
    first, second = catalog.film_ids[:2]
    judging = f"/catalogue/films/{catalog.submitted_id}/jugement"
    posts = [
        ("/catalogue/lot", {"film_id": [str(first), str(second)], "audience": "general"}),
        ("/catalogue/lot", {"film_id": [str(first)], "original_language": "klingonais"}),
        (judging, {"score": "4", "note": "Très beau cadrage."}),
        (judging, {"score": "9", "note": ""}),
    ]
    shown = {}
    for url, form in posts:
        response = client.post(url, data=form, headers={"HX-Request": "true"})
        shown[f"POST {url} {sorted(form)} ({response.status_code})"] = response.get_data(
            as_text=True
        )
    return shown


ROLES = ("curator", "filmmaker", "broadcaster", "visitor")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_page_speaks_one_language(app: Flask, catalog: Catalog, lang: str) -> None:
    found: list[Leak] = []
    visited = 0
    for role in ROLES:
        pages = pages_of(app, catalog, role, lang)
        visited += len(pages)
        for url, html in pages.items():
            found += leaks(f"{role} {url}", html, catalog.data, lang)
    assert visited >= 20, f"only {visited} pages were reached"
    assert found == [], "\n" + "\n".join(map(str, found))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_crawl_reaches_every_main_page(app: Flask, catalog: Catalog) -> None:
    reached = {
        _shape(key.split(" ")[-2] if key.startswith("POST") else key.split(" ", 1)[0])
        for role in ROLES
        for key in pages_of(app, catalog, role, "fr")
    }
    expected = {
        "/catalogue/?", "/catalogue/films/N?", "/soumissions/?", "/soumissions/N?",
        "/soumissions/nouvelle?", "/atelier/?", "/atelier/anthologies/N?", "/pitch/?",
        "/pitch/anthologies/N?", "/pitch/anthologies/N/partages?", "/observatoire/?",
        "/catalogue/import?", "/catalogue/taches/N?", "/connexion?", "/page-qui-n-existe-pas?",
        "/atelier/propositions/N/non-places?", "/atelier/anthologies/N/historique?",
        "/catalogue/films/N/jugement?", "/soumissions/boite?", "/catalogue/films/N/modifier?",
    }  # fmt: skip
    assert expected - reached == set()


# -- the data in the page's language -------------------------------------------------------


def _paragraph_of(html: str, text: str) -> str:
    """The element around `text` (its opening tag onwards), to read its lang and its note."""
    at = html.index(html_escape(text))
    start = html.rfind("<", 0, html.rfind(">", 0, at))
    return html[start : html.find("</p>", at) + 4]


def html_escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_each_language_shows_its_own_data_and_marks_the_other(
    app: Flask, engine: Engine, catalog: Catalog
) -> None:
    with Session(engine) as session:
        both, french_only, english_only = (session.get(Film, i) for i in catalog.film_ids)
        assert both and french_only and english_only
        bundle = session.get(Bundle, catalog.bundle_id)
        assert bundle is not None
        label, label_en = bundle.label, bundle.label_en
    for lang, other_note in (("fr", "(en anglais)"), ("en", "(in French)")):
        client = app.test_client()
        switch(client, lang)
        _log_in(client, catalog.users["broadcaster"])
        pitch = client.get(f"/pitch/anthologies/{catalog.bundle_id}").get_data(as_text=True)
        inbox = client.get("/pitch/").get_data(as_text=True)
        own, other = ("synopsis_en", "synopsis_fr")
        if lang == "fr":
            own, other = other, own
        # A film told in both: only the page's language.
        assert html_escape(getattr(both, own)) in pitch
        assert html_escape(getattr(both, other)) not in pitch
        # A film told in one language only: that one, marked as such, with a note.
        alone = english_only if lang == "fr" else french_only
        text = getattr(alone, other)
        shown = _paragraph_of(pitch, text)
        assert f'lang="{"en" if lang == "fr" else "fr"}"' in shown, shown
        assert other_note in shown, shown
        # Titles and the bundle's name in the page's language where the record has them.
        assert (both.title_en if lang == "en" else both.display_title) in pitch
        assert html_escape(label_en if lang == "en" else label) in inbox
        _log_in(client, catalog.users["curator"])
        title = html_escape(both.title_en if lang == "en" else both.display_title)
        for url in ("/catalogue/", "/atelier/", f"/atelier/anthologies/{catalog.bundle_id}"):
            assert title in client.get(url).get_data(as_text=True), url


# -- every field error of the catalog has its words in both languages -----------------------

# A row that trips each check of catalog.fields and catalog.ingest, by the error's code.
TRIPS: dict[str, dict[str, object]] = {
    "whole_number": {"year": BAD_YEAR},
    "outside": {"year": "1700"},
    "duration": {"runtime": BAD_RUNTIME},
    "runtime_range": {"runtime": "30 h"},
    "yes_no": {"closed_captions": "peut-être"},
    "not_yes_no": {"year": True},
    "choice": {"form": "opéra"},
    "language": {"original_languages": "martien"},
    "region": {"region": "Atlantide"},
    "date": {"rights_window_start": BAD_DATE},
    "email": {"contact_email": BAD_EMAIL},
    "nul": {"logline": "a\x00b"},
    "one_value": {"year": {"valeur": 1}},
    "required": {"original_title": None},
    "unknown_place": {"municipality": "Atlantide-sur-Mer"},
    "ambiguous_place": {"municipality": "Saint-Lambert"},
    "other_region": {"municipality": "Rimouski", "region": "06"},
    "age_order": {"audience_age_min": "12", "audience_age_max": "8"},
    "date_order": {"rights_window_start": "2026-05-01", "rights_window_end": "2026-01-01"},
    "unlisted": {"municipality": "Atlantide-sur-Mer", "region": "01"},
}


# Mistakes of a mapping given on the command line or in the import form's box.
FILE_ONLY = {"map_form", "map_field", "map_file", "mapped_missing", "two_columns", "unreadable"}
FILE_ONLY |= {"empty"}  # an empty upload reads as a header without a title column


def test_every_check_of_the_catalog_has_a_code() -> None:
    # Each raise site names its mistake, so that no page falls back to the English message.
    root = PO_FILE.parents[4]
    for path in (root / "catalog/fields.py", root / "catalog/ingest.py"):
        source = path.read_text(encoding="utf-8")
        uncoded = r"(?:Field|Ingest)Error\(\s*(?:f?\"[^\"]*\"|str\(\w+\))\s*\)"
        assert not re.search(uncoded, source), path
    assert set(TRIPS) | set(REFUSED_FILES) | {"csv", "json"} | FILE_ONLY == set(PROBLEMS)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("code", sorted(TRIPS))
def test_each_field_error_is_said_in_the_page_s_language(app: Flask, code: str) -> None:
    cells = {"original_title": "Aube"} | TRIPS[code]
    _record, errors, warnings = check_row(2, cells)
    found = [p for p in [*errors, *warnings] if p.code == code]
    assert found, [(p.code, p.message) for p in [*errors, *warnings]]
    texts = {}
    for lang in ("fr", "en"):
        with app.test_request_context(headers={"Accept-Language": lang}):
            texts[lang] = problem(found[0])
        assert (
            leaks("/", page(lang, f"<p>{escape(texts[lang])}</p>"), map(str, cells.values())) == []
        )
    assert texts["fr"] != texts["en"]
    # The job's report stores the problem as JSON: it reads back the same.
    stored = {"message": found[0].message, "code": code, "params": dict(found[0].params)}
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert problem(stored) == texts["fr"]


# A file the importer refuses, by the code of its failure, and what its page says in French.
REFUSED_FILES: dict[str, tuple[bytes, str]] = {
    "unknown_columns": (b"original_title,couleur\nAube,bleu\n", "Colonnes inconnues : couleur."),
    "no_title": (b"year\n2001\n", "Aucune colonne de titre"),
    "header_twice": (b"original_title,year,year\nAube,1,2\n", "deux fois dans l'en-tête : year"),
    "not_utf8": ("original_title\nÉté\n".encode("latin-1"), "n'est pas en UTF-8 (ligne 2)"),
    # Rows the importer cannot take, set aside: the report names them.
    "cells": (b"original_title,year\nAube,2001,de trop\n", "Cette ligne a 3 cellules"),
    "duplicate": (
        b"external_id,original_title\nx-1,Aube\nx-1,Aube encore\n",
        "le même film que la ligne 2",
    ),
}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("code", sorted(REFUSED_FILES))
def test_an_import_s_failure_is_said_in_the_page_s_language(
    app: Flask, make_user: Callable[..., int], code: str
) -> None:
    content, french = REFUSED_FILES[code]
    client = app.test_client()
    _log_in(client, make_user("curator"))
    response = client.post(
        "/catalogue/import",
        data={"file": (io.BytesIO(content), "envoi.csv"), "skip_invalid": "1"},
        content_type="multipart/form-data",
    )
    job = response.headers["Location"]
    for lang in ("fr", "en"):
        switch(client, lang)
        html = client.get(job).get_data(as_text=True)
        assert leaks(job, html, ["envoi.csv", "couleur", "year", "x-1"], lang) == []
        if lang == "fr":
            assert french in html_unescape(html)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_error_pages_speak_the_interface_s_language_and_the_api_json(
    app: Flask, make_user: Callable[..., int]
) -> None:
    client = app.test_client()
    _log_in(client, make_user("filmmaker"))
    for lang, missing, refused in (
        ("fr", "Page introuvable", "Accès refusé"),
        ("en", "Page not found", "Access denied"),
    ):
        switch(client, lang)
        page_404 = client.get("/nulle-part")
        page_403 = client.get("/catalogue/")
        assert (page_404.status_code, page_403.status_code) == (404, 403)
        assert missing in page_404.get_data(as_text=True)
        assert refused in page_403.get_data(as_text=True)
        for response in (page_404, page_403):
            assert leaks(response.request.path, response.get_data(as_text=True), (), lang) == []
    # The JSON API keeps its own answers.
    answer = client.get("/api/v1/films/999999")
    assert answer.status_code in (403, 404) and "error" in answer.get_json()
    # Refusals said in English below the views are said in the page's language too.
    switch(client, "fr")
    nul = client.post("/connexion", data={"email": "a\x00b", "password": "x"})
    assert nul.status_code == 400 and "caractère nul" in nul.get_data(as_text=True)
    app.config["WTF_CSRF_ENABLED"] = True
    expired = client.post("/connexion", data={"email": "a@b.ca", "password": "x"})
    assert expired.status_code == 400
    assert "Ce formulaire a expiré" in html_unescape(expired.get_data(as_text=True))
    assert leaks("/connexion", expired.get_data(as_text=True), (), "fr") == []

"""Words for groups of films: cluster keywords, bundle labels, and "why these".

Clusters: class-based TF-IDF (as in BERTopic): all texts of a class are one document; a term
weighs its frequency in the class times log(1 + A / f), A the average words per class and f
the term's frequency over all classes, so words common everywhere sink and a class's own rise.

Bundles are named from their own films only (`LabelIndex`, `unique_labels`): a label may
say only what more than half of them share (a curator's subject, a word of their French
texts for the French label and of their English texts for the English one, a form or genre
of the bilingual vocabulary, a region, an audience), and no two bundles of one proposal
read alike.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix

from curation.films import (
    OUTSIDE_QUEBEC,
    CurationFilm,
    from_region,
    region_name,
    region_with_article,
)
from curation.stopwords import STOP_WORDS, fold
from curation.vocabulary import AUDIENCES, GENRES, UNTELLING, genre_codes

_WORD = re.compile(r"[^\W\d_]{3,}")
# For labels: hyphenated names stay whole ("Côte-Nord", "Val-d'Or"); an elided article or
# pronoun ("l'", "d'", "qu'") is cut off; words under three letters are dropped.
_TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+|['’][^\W\d_a-zà-ÿ][^\W\d_]*)*")
_ELIDED = re.compile(r"^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)


def tokens(text: str) -> list[str]:
    """A text's words as labels may show them, stop words (FR and EN) and elisions out."""
    return [w for w in map(_label_word, _TOKEN.findall(text)) if w is not None]


@lru_cache(maxsize=1 << 18)
def _label_word(token: str) -> str | None:
    """A token as `tokens` keeps it (its elision cut off), or None for a stop word.

    Remembered per token: a large catalog says each of its words many times over."""
    word = _ELIDED.sub("", token)
    lower = word.lower()
    if len(word) >= 3 and (lower if lower.isascii() else fold(lower)) not in STOP_WORDS:
        return word
    return None


# Form → (French singular, French plural, English singular, English plural).
_FORMS = {
    "fiction": ("fiction", "fictions", "fiction", "fictions"),
    "documentary": ("documentaire", "documentaires", "documentary", "documentaries"),
    "animation": ("film d'animation", "films d'animation", "animated film", "animated films"),
    "experimental": (
        "film expérimental",
        "films expérimentaux",
        "experimental film",
        "experimental films",
    ),
    "hybrid": ("hybride", "hybrides", "hybrid film", "hybrid films"),
}


def words(text: str) -> list[str]:
    """Lower-cased words of three letters or more, accents kept, stop words (FR and EN) out."""
    return [w for w in _WORD.findall(text.lower()) if _kept(w)]


@lru_cache(maxsize=1 << 18)
def _kept(word: str) -> bool:
    # An ASCII word is its own folded form; folding only the others keeps this fast.
    return (word if word.isascii() else fold(word)) not in STOP_WORDS


class KeywordIndex:
    """Term counts of a set of texts, for keywords of any grouping of them."""

    def __init__(self, texts: Sequence[str]) -> None:
        # The document-term counts, built as scikit-learn's CountVectorizer would with `words`
        # as its analyzer, less its per-token bookkeeping (a third of the time at 100k texts).
        # Terms are numbered as first met; keywords break ties by the term itself.
        vocabulary: dict[str, int] = {}
        indices: list[int] = []
        indptr = [0]
        for text in texts:
            indices.extend([vocabulary.setdefault(w, len(vocabulary)) for w in words(text)])
            indptr.append(len(indices))
        self.counts: csr_matrix = csr_matrix(
            (np.ones(len(indices)), np.asarray(indices, dtype=np.int64), indptr),
            shape=(len(texts), len(vocabulary)),
        )
        self.counts.sum_duplicates()
        self.terms: NDArray[np.str_] = np.array(list(vocabulary), dtype=str)
        totals = np.asarray(self.counts.sum(axis=0)).ravel()
        self.term_totals = totals

    def class_keywords(self, classes: Sequence[Sequence[int]], top: int = 8) -> list[list[str]]:
        """Keywords of each class (rows of the texts), best first, by class-based TF-IDF."""
        if not classes or not len(self.terms):
            return [[] for _ in classes]
        rows = np.concatenate([np.asarray(c, dtype=np.intp) for c in classes])
        cols = np.repeat(np.arange(len(classes)), [len(c) for c in classes])
        membership = csr_matrix(
            (np.ones(len(rows)), (cols, rows)), shape=(len(classes), self.counts.shape[0])
        )
        per_class = csr_matrix(membership @ self.counts)
        sizes = np.asarray(per_class.sum(axis=1)).ravel()
        average = sizes.mean() if len(sizes) else 1.0
        frequency = np.asarray(per_class.sum(axis=0)).ravel()
        idf = np.log1p(average / np.maximum(frequency, 1))
        out = []
        for c in range(len(classes)):
            start, end = per_class.indptr[c], per_class.indptr[c + 1]
            terms, tf = per_class.indices[start:end], per_class.data[start:end]
            score = tf / max(sizes[c], 1) * idf[terms]
            order = sorted(range(len(terms)), key=lambda j: (-score[j], self.terms[terms[j]]))
            out.append([str(self.terms[terms[j]]) for j in order[:top]])
        return out


def working_title(keywords: Sequence[str]) -> str:
    """ "Noël · Famille · Magie": the three best keywords, for a curator to rename."""
    chosen = [k[:1].upper() + k[1:] for k in keywords[:3]]
    return " · ".join(chosen) if chosen else "Sans mots-clés"


def region_title(code: str | None) -> str:
    """The title of a region group: "Regards sur la Gaspésie–Îles-de-la-Madeleine"."""
    if code is None:
        return "Origine à préciser"
    if code == OUTSIDE_QUEBEC:
        return "Regards d'ailleurs"
    return "Regards sur " + region_with_article(code)


def region_title_en(code: str | None) -> str:
    """The English title of a region group: "Views of Gaspésie–Îles-de-la-Madeleine"."""
    if code is None:
        return "Origin to be specified"
    if code == OUTSIDE_QUEBEC:
        return "Views from elsewhere"
    return "Views of " + region_name(code)


def region_name_en(code: str | None) -> str:
    if code is None:
        return "unknown region"
    return "outside Québec" if code == OUTSIDE_QUEBEC else region_name(code)


def _quoted_fr(items: Sequence[str]) -> str:
    quoted = [f"« {k} »" for k in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " et " + quoted[-1]


def _quoted_en(items: Sequence[str]) -> str:
    quoted = [f"“{k}”" for k in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _majority(values: Sequence[str | None], n: int) -> tuple[str, int] | None:
    counts = Counter(v for v in values if v)
    if not counts:
        return None
    value, count = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    # A trait worth saying is held by at least half of the n films, and by two or more.
    return (value, count) if count * 2 >= n and count >= 2 else None


def explain(
    films: Sequence[CurationFilm],
    keywords: Sequence[str],
    closeness: float,
    keywords_en: Sequence[str] | None = None,
) -> tuple[str, str]:
    """One line, in French and in English, on why these films belong together.

    `keywords` are said in the French line, `keywords_en` (default: the same) in the English.
    """
    n = len(films)
    fr, en = [f"{n} films"], [f"{n} films"]
    keywords_en = keywords if keywords_en is None else keywords_en
    if keywords:
        fr.append(f"mots-clés communs {_quoted_fr(keywords)}")
    if keywords_en:
        en.append(f"shared keywords {_quoted_en(keywords_en)}")
    form = _majority([f.form for f in films], n)
    if form and form[0] in _FORMS:
        _, fr_plural, _, en_plural = _FORMS[form[0]]
        if form[1] == n:
            fr.append(f"tous des {fr_plural}")
            en.append(f"all {en_plural}")
        else:
            fr.append(f"{form[1]} {fr_plural} sur {n}")
            en.append(f"{form[1]} of {n} {en_plural}")
    region = _majority([f.region_code for f in films], n)
    if region:
        code, count = region
        where_en = region_name_en(code)
        if count == n:
            fr.append(f"tous {from_region(code)}")
            en.append(f"all from {where_en}")
        else:
            fr.append(f"{count} sur {n} {from_region(code)}")
            en.append(f"{count} of {n} from {where_en}")
    genres = [g for f in films for g in genre_codes(f.genres) if g != f.form]
    genre = _majority(genres, n)
    if genre:
        fr.append(f"genre commun : {GENRES[genre[0]][0].lower()}")
        en.append(f"common genre: {GENRES[genre[0]][1].lower()}")
    fr.append(f"proximité moyenne {closeness:.2f}".replace(".", ","))
    en.append(f"mean closeness {closeness:.2f}")
    return fr[0] + " : " + " ; ".join(fr[1:]) + ".", en[0] + ": " + "; ".join(en[1:]) + "."


def mean_pairwise(vectors: NDArray[np.floating]) -> float:
    """Mean cosine between distinct rows (rows unit length); 1.0 for a single row."""
    n = len(vectors)
    if n < 2:
        return 1.0
    total = float(np.square(vectors.sum(axis=0)).sum())  # = Σ_ij cos(i, j), diagonal included
    diagonal = float(np.square(vectors).sum())
    return (total - diagonal) / (n * (n - 1))


# -- bundle labels ---------------------------------------------------------------------------


@lru_cache(maxsize=1 << 17)
def _word_key(word: str) -> str:
    """A word compared loosely: no case, no accents, a final plural s or x dropped."""
    key = fold(word)
    return key[:-1] if len(key) > 4 and key[-1] in "sx" else key


@lru_cache(maxsize=1 << 18)
def _entry(token: str) -> tuple[str, str] | None:
    """A token's key (`_word_key`) and the spelling a label would keep, None for a stop word.

    "Innus" and "ONF" keep their capitals; "Pêcheurs" at a sentence start does not."""
    word = _label_word(token)
    if word is None:
        return None
    return _word_key(word), word if word[1:].islower() or word.isupper() else word.lower()


class WordPresence:
    """Which films use which words (compared by `_word_key`), and how each is usually spelt.

    Unlike `KeywordIndex`, which weighs words by how often a group says them, this asks of
    each word in how many of a bundle's films it appears: a label may only say what most of
    its films say.
    """

    def __init__(self, texts: Sequence[str]) -> None:
        self.n = len(texts)
        self.keys: list[frozenset[str]] = []
        # (key, spelling) pairs over all texts, each token looked up once (`_entry`), and
        # each text's keys: counted once at the end rather than text by text.
        entries: list[tuple[str, str]] = []
        for text in texts:
            found = [e for e in map(_entry, _TOKEN.findall(text)) if e is not None]
            entries += found
            self.keys.append(frozenset([key for key, _ in found]))
        spelt = Counter(entries)
        self.df: Counter[str] = Counter(itertools.chain.from_iterable(self.keys))
        spellings: dict[str, Counter[str]] = {}
        for (key, kept), count in spelt.items():
            spellings.setdefault(key, Counter())[kept] += count
        # The usual spelling; lower case wins a tie ("pêche" over "Pêche" at a sentence start).
        self.spelling = {
            k: min(c.items(), key=lambda kv: (-kv[1], not kv[0].islower(), kv[0]))[0]
            for k, c in spellings.items()
        }

    def shared(self, rows: Sequence[int]) -> list[tuple[str, str, float]]:
        """(key, spelling, score) of the words more than half of `rows` use, best first.

        The score is the share of the rows using the word times its rarity in all texts.
        """
        n = len(rows)
        counts = Counter(k for r in rows for k in self.keys[r])
        found = [
            (k, self.spelling[k], c / n * math.log(1 + self.n / self.df[k]))
            for k, c in counts.items()
            if _most(c, n)
        ]
        return sorted(found, key=lambda t: (-t[2], t[0]))


def _most(count: int, n: int) -> bool:
    """True of "most" films: more than half of them, and of two or more."""
    return count * 2 > n and count >= 2


@dataclass(frozen=True)
class LabelWord:
    """A thing true of most of a bundle's films, to say in French and (if it can) in English.

    `kind`: "region", "subject" (a curator's subject or a word of the synopses), "genre"
    (form and genres through the vocabulary) or "audience". `en` is None when the word only
    exists in French (a French subject with no English text saying it).
    """

    key: str
    fr: str | None
    en: str | None
    kind: str


@dataclass(frozen=True)
class BundleWords:
    """What most of a bundle's films share, most telling first, and its opening film's title."""

    region: str | None
    words: tuple[LabelWord, ...]
    opening_title: str

    @property
    def keywords_fr(self) -> list[str]:
        return [w.fr for w in self.words if w.kind == "subject" and w.fr][:3]

    @property
    def keywords_en(self) -> list[str]:
        return [w.en for w in self.words if w.kind == "subject" and w.en][:3]


class LabelIndex:
    """The catalog's words in French and in English, for labels of any bundle of its films.

    A film's French words come from `text_fr` and its subjects, its English words from
    `text_en`; a film that has neither lends its `text` to both.
    """

    def __init__(self, films: Sequence[CurationFilm]) -> None:
        self.row = {f.id: i for i, f in enumerate(films)}
        self.films = list(films)
        plain = [f.text if not (f.text_fr or f.text_en) else "" for f in films]
        french = [f.text_fr or p for f, p in zip(films, plain, strict=True)]
        english = [f.text_en or p for f, p in zip(films, plain, strict=True)]
        self.french = WordPresence(french)
        # Films with one text of no stated language lend it to both: read it once.
        self.english = self.french if english == french else WordPresence(english)
        subject_df: Counter[str] = Counter()
        for f in films:
            subject_df.update({_word_key(s) for s in f.subjects})
        self.subject_df = subject_df

    def bundle_words(self, films: Sequence[CurationFilm]) -> BundleWords:
        """What is true of most of `films` (in running order: the first opens the bundle)."""
        n = len(films)
        rows = [self.row[f.id] for f in films]
        specific: dict[str, tuple[float, LabelWord]] = {}
        # A curator's subjects first: at equal share and rarity they beat synopsis words.
        subjects = Counter(k for f in films for k in {_word_key(s): s for s in f.subjects})
        spelt = {_word_key(s): s for f in reversed(films) for s in f.subjects}
        for key, count in subjects.items():
            if _most(count, n):
                score = 1.5 * count / n * math.log(1 + len(self.films) / self.subject_df[key])
                name = spelt[key]
                english = name if name[:1].isupper() else None  # a proper noun reads in both
                specific[key] = (score, LabelWord(key, name, english, "subject"))
        english_words = {k: (w, s) for k, w, s in self.english.shared(rows)}
        # "direct" and "cinéma" add nothing to the subject "cinéma direct", nor "danseuse"
        # to "danse".
        within = {_word_key(t) for w in specific.values() for t in tokens(w[1].fr or "")}

        def said(key: str) -> bool:
            return key in specific or any(key.startswith(k) or k.startswith(key) for k in within)

        for key, word, score in self.french.shared(rows):
            if said(key):
                continue
            en = english_words.pop(key, (None, 0.0))[0]  # the same word in both: "Innus"
            specific[key] = (score, LabelWord(key, word, en, "subject"))
        for key, (word, score) in english_words.items():
            if not said(key):
                specific[key] = (score, LabelWord(key, None, word, "subject"))
        region = _majority([f.region_code for f in films], n)
        region_code = region[0] if region and _most(region[1], n) else None
        # Said otherwise already: "documentaire" by the form, "Gaspésie" by the region.
        named = {_word_key(n) for c in GENRES.values() for n in c}
        named |= {_word_key(t) for t in tokens(region_name(region_code))} if region_code else set()
        ranked: list[LabelWord] = []
        stems: set[str] = {k[:6] for k in named}
        # At equal share and rarity, the longer word is usually the more telling one.
        for _, w in sorted(specific.values(), key=lambda sw: (-sw[0], -len(sw[1].key), sw[1].key)):
            stem = w.key[:6]  # "transmission" and "transmet", "gaspésienne" and "gaspésie"
            if w.key not in named and stem not in stems:
                ranked.append(w)
                stems.add(stem)

        described: list[LabelWord] = []
        forms = [f.form for f in films]
        codes = Counter(
            c
            for f in films
            for c in dict.fromkeys(genre_codes([*([f.form] if f.form else []), *f.genres]))
        )
        for code, count in sorted(codes.items(), key=lambda kv: (-kv[1], kv[0] not in forms)):
            if code not in UNTELLING and _most(count, n):
                fr, en = GENRES[code]
                described.append(LabelWord("genre:" + code, fr, en, "genre"))
        if region_code is not None:
            described.append(
                LabelWord(
                    "region:" + region_code,
                    region_name(region_code)[:1].upper() + region_name(region_code)[1:],
                    region_name_en(region_code)[:1].upper() + region_name_en(region_code)[1:],
                    "region",
                )
            )
        audience = _majority([f.audience for f in films], n)
        if audience and _most(audience[1], n) and audience[0] in AUDIENCES:
            fr, en = AUDIENCES[audience[0]]
            described.append(LabelWord("audience:" + audience[0], fr, en, "audience"))
        return BundleWords(region_code, (*ranked, *described), films[0].title if films else "")


def _cap(word: str) -> str:
    return word[:1].upper() + word[1:]


def _parts(words: Sequence[LabelWord], lang: str) -> list[str]:
    return [_cap(getattr(w, lang)) for w in words if getattr(w, lang)]


class _Label:
    """One bundle's label being made: its head (a region's title), its words, and the next."""

    def __init__(self, facet: str, found: BundleWords) -> None:
        self.found = found
        self.head_fr = self.head_en = ""
        pool = list(found.words)
        if facet == "region" and found.region is not None:
            self.head_fr, self.head_en = region_title(found.region), region_title_en(found.region)
            pool = [w for w in pool if w.kind != "region"]
            self.used: list[LabelWord] = []
        else:
            # Two telling words in each language (French ones from French texts, English ones
            # from English texts), then what the vocabulary says: form, genre, region.
            subjects = [w for w in pool if w.kind == "subject"]
            chosen = {
                id(w) for w in [w for w in subjects if w.fr][:2] + [w for w in subjects if w.en][:2]
            }
            specific = [w for w in subjects if id(w) in chosen]
            described = [w for w in pool if w.kind != "subject"]
            few = min(len([w for w in specific if w.fr]), len([w for w in specific if w.en]))
            self.used = specific + described[: 1 if few >= 2 else 2]
        # To tell alike bundles apart, the crisp facts first (region, form, audience).
        self.rest = sorted(
            (w for w in pool if w not in self.used), key=lambda w: w.kind == "subject"
        )
        self.around = False
        self.number = 1
        # Each language's words as written, kept up to date by `widen` (texts are asked for
        # again at every round of `unique_labels`).
        self.parts = {lang: _parts(self.used, lang) for lang in ("fr", "en")}

    def text(self, lang: str) -> str:
        head = self.head_fr if lang == "fr" else self.head_en
        parts = self.parts[lang]
        if not head and not parts:
            # Nothing is shared by most films: name the film that opens the bundle.
            title = self.found.opening_title
            head = f"Autour de « {title} »" if lang == "fr" else f"Around “{title}”"
        words = " · ".join(parts)
        label = f"{head} — {words}" if head and words else head or words
        if self.around and self.found.opening_title not in label:
            title = self.found.opening_title
            label += f", autour de « {title} »" if lang == "fr" else f", around “{title}”"
        return label if self.number == 1 else f"{label} ({self.number})"

    def widen(self) -> bool:
        """One more true word, then the film that opens the bundle; False when none is left."""
        if self.rest:
            word = self.rest.pop(0)
            self.used.append(word)
            for lang, parts in self.parts.items():
                parts += _parts([word], lang)
        elif not self.around:
            self.around = True
        else:
            return False
        return True


def unique_labels(
    facet: str, found: Sequence[BundleWords], taken: Sequence[str] = ()
) -> list[tuple[str, str]]:
    """(French, English) labels, one per bundle in order, none equal to another or to `taken`.

    Each label says what most of its films share. Bundles that would read alike all take
    their next true word (a region, a form…), so none stays vaguer than the others; then
    the title of the film that opens each; a number only when even that is the same.
    """
    labels = [_Label(facet, f) for f in found]
    reserved = {fold(t) for t in taken}

    def keys(label: _Label) -> tuple[str, str]:
        return fold(label.text("fr")), fold(label.text("en"))

    # Each label's texts are made again only when it changes (a large set takes many rounds),
    # and only the changed ones are looked at for new clashes: every label of a clash changes
    # (widened or numbered), so a clash between two unchanged labels was settled before.
    said = [keys(label) for label in labels]
    holders: dict[str, set[int]] = {}
    for i, pair in enumerate(said):
        for key in pair:
            holders.setdefault(key, set()).add(i)
    changed: Sequence[int] = range(len(labels))
    while True:
        looked = {key for i in changed for key in said[i]}
        clashes = {tuple(sorted(holders[key])) for key in looked if len(holders[key]) > 1}
        clashes |= {(i,) for key in looked & reserved for i in holders[key]}
        if not clashes:
            break
        widened = {i: labels[i].widen() for i in sorted({i for c in clashes for i in c})}
        for clash in sorted(clashes):
            if not any(widened[i] for i in clash):  # nothing left to say: number them
                first = 1 if len(clash) == 1 else 0  # alone, it clashes with a taken name
                for n, i in enumerate(clash, start=first):
                    labels[i].number += n
        for i in widened:  # every label of a clash changed: widened or numbered
            for key in said[i]:
                holders[key].discard(i)
            said[i] = keys(labels[i])
            for key in said[i]:
                holders.setdefault(key, set()).add(i)
        changed = sorted(widened)
    return [(label.text("fr"), label.text("en")) for label in labels]

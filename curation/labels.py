"""Words for groups of films: keywords by class-based TF-IDF, a working title, and "why these".

Class-based TF-IDF (as in BERTopic): all texts of a class are one document; a term weighs
its frequency in the class times log(1 + A / f), A the average words per class and f the
term's frequency over all classes, so words common everywhere sink and a class's own rise.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import CountVectorizer

from curation.films import (
    OUTSIDE_QUEBEC,
    CurationFilm,
    from_region,
    region_name,
    region_with_article,
)
from curation.stopwords import STOP_WORDS, fold

_WORD = re.compile(r"[^\W\d_]{3,}")

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
    # An ASCII word is its own folded form; folding only the others keeps this fast.
    return [
        w for w in _WORD.findall(text.lower()) if (w if w.isascii() else fold(w)) not in STOP_WORDS
    ]


class KeywordIndex:
    """Term counts of a set of texts, for keywords of any grouping of them."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.vectorizer = CountVectorizer(analyzer=words, dtype=np.float64)
        try:
            self.counts: csr_matrix = csr_matrix(self.vectorizer.fit_transform(texts))
            self.terms: NDArray[np.str_] = self.vectorizer.get_feature_names_out()
        except ValueError:  # no word at all in any text
            self.counts = csr_matrix((len(texts), 0))
            self.terms = np.array([], dtype=str)
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

    def shared_keywords(self, rows: Sequence[int], top: int = 3) -> list[str]:
        """The group's most telling words that at least two of its texts use (or any, alone)."""
        if not len(self.terms) or not rows:
            return []
        sub = self.counts[np.asarray(rows, dtype=np.intp)]
        present = np.asarray((sub > 0).sum(axis=0)).ravel()
        tf = np.asarray(sub.sum(axis=0)).ravel()
        idf = np.log1p(self.counts.shape[0] / np.maximum(self.term_totals, 1))
        need = 2 if len(rows) > 1 else 1
        candidates = np.flatnonzero(present >= need)
        order = sorted(candidates, key=lambda t: (-tf[t] * idf[t], self.terms[t]))
        return [str(self.terms[t]) for t in order[:top]]


def working_title(keywords: Sequence[str]) -> str:
    """ "Noël · Famille · Magie": the three best keywords, for a curator to rename."""
    chosen = [k[:1].upper() + k[1:] for k in keywords[:3]]
    return " · ".join(chosen) if chosen else "Sans titre"


def region_title(code: str | None) -> str:
    """The title of a region group: "Regards sur la Gaspésie–Îles-de-la-Madeleine"."""
    if code is None:
        return "Origine à préciser"
    if code == OUTSIDE_QUEBEC:
        return "Regards d'ailleurs"
    return "Regards sur " + region_with_article(code)


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
    films: Sequence[CurationFilm], keywords: Sequence[str], closeness: float
) -> tuple[str, str]:
    """One line, in French and in English, on why these films belong together."""
    n = len(films)
    fr, en = [f"{n} films"], [f"{n} films"]
    if keywords:
        fr.append(f"mots-clés communs {_quoted_fr(keywords)}")
        en.append(f"shared keywords {_quoted_en(keywords)}")
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
        where_en = "outside Québec" if code == OUTSIDE_QUEBEC else region_name(code)
        if count == n:
            fr.append(f"tous {from_region(code)}")
            en.append(f"all from {where_en}")
        else:
            fr.append(f"{count} sur {n} {from_region(code)}")
            en.append(f"{count} of {n} from {where_en}")
    genre = _majority([g for f in films for g in dict.fromkeys(f.genres)], n)
    if genre:
        fr.append(f"genre commun : {genre[0]}")
        en.append(f"common genre: {genre[0]}")
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

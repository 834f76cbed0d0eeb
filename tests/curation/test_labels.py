"""Bundle labels: each names what most of its own films share, in French and in English, and
no two of one proposal read alike."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from curation import CurationFilm, propose_bundles, to_json_dict
from curation.films import region_name
from curation.labels import BundleWords, LabelWord, tokens, unique_labels
from curation.stopwords import fold
from curation.vocabulary import AUDIENCES, genre_code, genre_name
from tests.curation.catalogs import film, one_group

# Three themes, each in French and in English; the films of a theme share its words.
THEMES = {
    "mer": (
        "Les pêcheurs de crevettes du fleuve partent en mer à l'aube sur leur bateau.",
        "Shrimp fishermen of the river go to sea at dawn on their boat.",
    ),
    "forêt": (
        "Des bûcherons abattent les épinettes de la forêt boréale pendant l'hiver.",
        "Loggers fell the spruce of the boreal forest through the winter.",
    ),
    "ville": (
        "Une danseuse traverse la ville la nuit, entre les néons et les ruelles.",
        "A dancer crosses the city at night, among neon signs and alleys.",
    ),
}


SUBJECTS = {"mer": ("pêche", "Saint-Laurent"), "forêt": ("forêt",), "ville": ("danse",)}


def themed(id: int, theme: str, region: str, **fields: object) -> CurationFilm:
    fr, en = THEMES[theme]
    values: dict[str, object] = {
        "subjects": SUBJECTS[theme],
        "region_code": region,
        "form": "documentary",
        "text_fr": f"{fr} Film {id}.",
        "text_en": f"{en} Film {id}.",
        "text": f"{fr} {en}",
    }
    values.update(fields)
    return film(id, 11, **values)


def vectors_for(films: Sequence[CurationFilm]) -> np.ndarray:
    axes = {theme: i for i, theme in enumerate(THEMES)}
    rows = np.full((len(films), 4), 0.05, dtype=np.float32)
    for r, f in enumerate(films):
        theme = next(t for t, (fr, _) in THEMES.items() if f.text_fr.startswith(fr))
        rows[r, axes[theme]] = 1.0
        rows[r, 3] = 0.01 * r  # no two films quite alike
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def true_words(f: CurationFilm, lang: str) -> str:
    """Everything a label may truly say of one film, folded."""
    at = 1 if lang == "en" else 0
    said = [f.text_en if at else f.text_fr, *f.subjects]
    said += [genre_name(g, lang) for g in (f.form, *f.genres) if genre_code(g)]
    said += [region_name(f.region_code), "outside Québec" if f.region_code == "99" else ""]
    said += [AUDIENCES[f.audience][at]] if f.audience in AUDIENCES else []
    return fold(" ".join(said))


def label_parts(label: str) -> list[str]:
    head, _, words = label.rpartition(" — ")
    return [p.split(" (")[0] for p in (words or head).split(" · ") if p]


def assert_true_of_most(label: str, films: Sequence[CurationFilm], lang: str) -> None:
    for part in label_parts(label):
        holding = sum(fold(part) in true_words(f, lang) for f in films)
        assert holding * 2 > len(films), (label, part, holding, len(films))


def test_labels_are_true_of_most_of_their_films_and_unique_within_a_proposal() -> None:
    # 16 films of three themes; the sea films from two regions, so one theme gives two
    # bundles that the same words would describe alike.
    films = [
        *(themed(i, "mer", "09") for i in range(1, 5)),
        *(themed(i, "mer", "11") for i in range(5, 9)),
        *(themed(i, "forêt", "08") for i in range(9, 13)),
        *(themed(i, "ville", "06" if i % 2 else "03") for i in range(13, 17)),
    ]
    proposal = propose_bundles(films, one_group(films), vectors_for(films))
    by_id = {f.id: f for f in films}
    assert len(proposal.bundles) >= 4
    french = [b.label for b in proposal.bundles]
    english = [b.label_en for b in proposal.bundles]
    assert len(set(french)) == len(french) and len(set(english)) == len(english)
    for bundle in proposal.bundles:
        members = [by_id[i] for i in bundle.film_ids]
        assert "Sans titre" not in bundle.label and "Groupe" not in bundle.label
        assert_true_of_most(bundle.label, members, "fr")
        assert_true_of_most(bundle.label_en, members, "en")
    # The cluster's words do not leak: no sea bundle speaks of the forest, and back.
    for bundle in proposal.bundles:
        themes = {
            next(t for t in THEMES if by_id[i].text_fr.startswith(THEMES[t][0]))
            for i in bundle.film_ids
        }
        if themes == {"mer"}:
            assert "Forêt" not in bundle.label and "Pêche" in bundle.label
            assert "Fishermen" in bundle.label_en
    # The two sea bundles share their words; a true word (their region) tells them apart.
    sea = [b for b in proposal.bundles if "Pêche" in b.label]
    assert len(sea) == 2
    assert {"Côte-Nord" in b.label or "Gaspésie" in b.label for b in sea} == {True}


def test_a_french_label_and_explanation_have_english_counterparts() -> None:
    films = [themed(i, "mer", "11") for i in range(1, 5)]
    proposal = propose_bundles(films, one_group(films), vectors_for(films))
    (bundle,) = proposal.bundles
    assert "Pêche · " in bundle.label and "Saint-Laurent" in bundle.label
    assert bundle.label.endswith(" · Documentaire")
    assert "Fishermen" in bundle.label_en and "Documentary" in bundle.label_en
    assert (
        "« pêche »" in bundle.explanation_fr and "tous des documentaires" in bundle.explanation_fr
    )
    assert "“fishermen”" in bundle.explanation_en and "all documentaries" in bundle.explanation_en
    assert to_json_dict(proposal, films, "en")["bundles"][0]["label"] == bundle.label_en
    assert to_json_dict(proposal, films, "fr")["bundles"][0]["label"] == bundle.label


def test_source_genres_are_said_through_the_vocabulary() -> None:
    films = [
        film(i, 11, genres=("Documentaries", "International Movies"), form=None, text=f"Film {i}")
        for i in range(1, 5)
    ]
    (bundle,) = propose_bundles(films, one_group(films), vectors_for_plain(4)).bundles
    assert "Documentaire" in bundle.label and "Documentaries" not in bundle.label
    assert "International" not in bundle.label and "international" not in bundle.label
    assert "Documentary" in bundle.label_en
    assert (
        "genre commun" not in bundle.explanation_fr or "documentaries" not in bundle.explanation_fr
    )


def vectors_for_plain(n: int) -> np.ndarray:
    rows = np.eye(n, 4, dtype=np.float32) + 0.5
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_alike_bundles_are_told_apart_by_true_words_then_their_opening_film() -> None:
    words = (LabelWord("genre:documentary", "Documentaire", "Documentary", "genre"),)
    found = [BundleWords(None, words, f"Titre {i}") for i in range(3)]
    labels = unique_labels("subject", found)
    assert labels == [
        (f"Documentaire, autour de « Titre {i} »", f"Documentary, around “Titre {i}”")
        for i in range(3)
    ]
    # The same opening title too: a number, at last.
    twins = unique_labels("subject", [BundleWords(None, words, "Titre")] * 2)
    assert [fr for fr, _ in twins] == [
        "Documentaire, autour de « Titre »",
        "Documentaire, autour de « Titre » (2)",
    ]
    # Nothing shared at all: the bundle is named after the film that opens it.
    assert unique_labels("subject", [BundleWords(None, (), "Le pêcheur")]) == [
        ("Autour de « Le pêcheur »", "Around “Le pêcheur”")
    ]
    # Region bundles keep their title and add what sets each apart; a taken name is avoided.
    innu = LabelWord("innus", "Innus", "Innus", "subject")
    region = [BundleWords("09", (innu,), "A"), BundleWords("09", (), "B")]
    assert unique_labels("region", region) == [
        ("Regards sur la Côte-Nord — Innus", "Views of Côte-Nord — Innus"),
        ("Regards sur la Côte-Nord, autour de « B »", "Views of Côte-Nord, around “B”"),
    ]
    assert unique_labels("region", region[1:], taken=["Regards sur la Côte-Nord"]) == [
        ("Regards sur la Côte-Nord, autour de « B »", "Views of Côte-Nord, around “B”")
    ]


def test_label_words_drop_elisions_and_keep_hyphenated_names() -> None:
    assert tokens("L'homme d'Ekuanitshit vit aujourd'hui à Val-d'Or, sur la Côte-Nord.") == [
        "homme",
        "Ekuanitshit",
        "vit",
        "Val-d'Or",
        "Côte-Nord",
    ]
    assert tokens("qu'il l'a eu") == []

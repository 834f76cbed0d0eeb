"""Small hand-made and random catalogs for the curation tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from hypothesis import strategies as st
from numpy.typing import NDArray

from curation import CurationFilm, SlotRules
from curation.cluster import Cluster


def film(id: int, minutes: float | None = 10, **fields: object) -> CurationFilm:
    """A film with sensible defaults: regional (Gaspésie), French, general audience."""
    values: dict[str, object] = {
        "title": f"Film {id}",
        "runtime_seconds": None if minutes is None else round(minutes * 60),
        "directors": (f"Director {id}",),
        "region_code": "11",
        "audience": "general",
        "languages": ("fra",),
        "form": "fiction",
    }
    values.update(fields)
    return CurationFilm(id=id, **values)  # type: ignore[arg-type]


def one_group(films: Sequence[CurationFilm], gid: str = "g") -> list[Cluster]:
    return [Cluster(gid, "subject", tuple(f.id for f in films), "Groupe", (), "", "", 1.0)]


def same_vectors(n: int, dim: int = 8) -> NDArray[np.float32]:
    rows = np.ones((n, dim), dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def random_vectors(n: int, seed: int = 0, dim: int = 8) -> NDArray[np.float32]:
    rows = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


AUDIENCE_VALUES = [None, "jeunesse", "famille", "general", "general", "adulte"]
REGIONS = [None, "01", "03", "06", "11", "11", "99"]
LANGUAGES = ["fra", "eng", "iku"]


@st.composite
def catalogs(draw: st.DrawFn, max_films: int = 16, slot_minutes: int = 44) -> list[CurationFilm]:
    """Random catalogs with the awkward cases: no runtime, shared directors, unknown fields.

    Most runtimes are short enough to share the slot, and half the catalogs are "friendly"
    (known French films, mostly regional, for a general audience), so that bundles do form
    and the rules are tested on them, not only on their absence.
    """
    n = draw(st.integers(min_value=0, max_value=max_films))
    friendly = draw(st.booleans())
    # Friendly: mostly Québec regions outside Montréal, the floor's only default count.
    regions = ["01", "11", "03", "16", "99", "06", None] if friendly else REGIONS
    audiences = ["general", "adulte", "general"] if friendly else AUDIENCE_VALUES
    languages = st.just(("fra",)) if friendly else st.sets(st.sampled_from(LANGUAGES), max_size=2)
    directors = [f"Réal {i}" for i in range(max(1, n))]
    films = []
    for i in range(1, n + 1):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            minutes = None
        elif kind == 1:
            minutes = draw(st.integers(slot_minutes // 2, slot_minutes + 5))
        elif kind <= 5:  # a share of the slot, so that a few of them fill it
            minutes = slot_minutes // draw(st.integers(2, 5))
        else:
            minutes = draw(st.integers(1, max(2, slot_minutes // 2)))
        films.append(
            CurationFilm(
                id=i,
                title=f"Film {i}",
                runtime_seconds=None if minutes is None else minutes * 60,
                directors=tuple(draw(st.sets(st.sampled_from(directors), max_size=2))),
                region_code=draw(st.sampled_from(regions)),
                audience=draw(st.sampled_from(audiences)),
                languages=tuple(draw(languages)),
                subtitle_languages=tuple(draw(st.sets(st.sampled_from(LANGUAGES), max_size=1))),
                form=draw(st.sampled_from([None, "fiction", "documentary", "animation"])),
            )
        )
    return films


@st.composite
def rule_sets(draw: st.DrawFn) -> SlotRules:
    slot = draw(st.sampled_from([22, 44, 52, 90]))
    return SlotRules(
        slot_minutes=slot,
        interstitial_seconds=draw(st.sampled_from([0, 15, 30])),
        min_films=draw(st.integers(1, 3)),
        max_films=draw(st.integers(3, 6)),
        regional_floor=draw(st.sampled_from([0.0, 0.5, 0.5, 0.75, 1.0])),
        min_regions=draw(st.sampled_from([1, 1, 2])),
        outside_quebec_counts=draw(st.booleans()),
        unknown_language_ok=draw(st.booleans()),
    )

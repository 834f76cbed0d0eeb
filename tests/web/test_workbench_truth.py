"""The workbench tells the truth: cards list their films, gauges turn red out of bounds,
warnings name the film at fault once in the page's language, replacements are searched over
every free film, the history is in words and can be gone back to, and the films a proposal
left out are shown by reason with their fix."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from catalog import bundles as bundle_edits
from catalog import vectors
from catalog.models import (
    Audience,
    Bundle,
    BundleItem,
    BundleRevision,
    Credit,
    Film,
    Proposal,
    Role,
    Status,
)
from web.usecases.curating import TEXT_FACET

Login = Callable[[str], int]


def add_film(
    session: Session, title: str, minutes: float | None, region: str = "01", **fields: Any
) -> int:
    director = fields.pop("director", f"Cinéaste de {title}")
    film = Film(
        original_title=title,
        match_key=title.casefold(),
        sort_title=title.casefold(),
        runtime_seconds=None if minutes is None else round(minutes * 60),
        region_code=region,
        status=fields.pop("status", Status.accepted),
        original_languages=fields.pop("languages", ["fra"]),
        synopsis_fr=fields.pop("synopsis_fr", f"Un film sur {title}."),
        **fields,
    )
    session.add(film)
    session.flush()
    assert film.id is not None
    session.add(Credit(film_id=film.id, role=Role.director, name=director))
    return film.id


def add_bundle(
    session: Session, film_ids: Sequence[int], slot: int = 44, label: str = "Essai"
) -> int:
    bundle = Bundle(facet="subject", slot_minutes=slot, label=label)
    bundle.items = [BundleItem(film_id=i, position=n) for n, i in enumerate(film_ids)]  # type: ignore[call-arg]
    session.add(bundle)
    session.flush()
    assert bundle.id is not None
    return bundle.id


def lighthouse_and_tide(session: Session) -> tuple[int, int, int]:
    """Two films that fill a 44-minute slot together (20 + 22 min, both regional), in a bundle:
    their ids and the bundle's."""
    kept = add_film(session, "Le Phare", 20, "01")
    target = add_film(session, "La Marée", 22, "02")
    return kept, target, add_bundle(session, [kept, target])


def save_vectors(app: Flask, session: Session, rows: dict[int, Sequence[float]]) -> None:
    """Vectors for these films under the configured model, as `anthologie embed` stores them."""
    model_id = f"{app.config['EMBEDDING_MODEL']}/4"
    vectors.save_vectors(
        session,
        TEXT_FACET,
        model_id,
        [
            (i, f"h{i}", np.asarray(v, dtype=np.float32) / np.linalg.norm(v))
            for i, v in rows.items()
        ],
    )


def editor(client: FlaskClient, bundle_id: int, **query: object) -> str:
    response = client.get(f"/atelier/anthologies/{bundle_id}", query_string=query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def post(client: FlaskClient, bundle_id: int, **form: object) -> str:
    response = client.post(
        f"/atelier/anthologies/{bundle_id}/modifier", data=form, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def in_english(client: FlaskClient) -> None:
    with client.session_transaction() as session:
        session["lang"] = "en"


def warnings_of(html: str) -> list[str]:
    found = re.search(r'<ul class="warnings" role="alert">(.*?)</ul>', html, re.S)
    if found is None:
        return []
    return [
        re.sub(r"\s+", " ", li).strip()
        for li in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)
    ]


def test_cards_list_their_films_with_runtime_and_region_name(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    with Session(engine) as session:
        a = add_film(session, "Les Grands Vents", 20, "01")
        b = add_film(session, "Rivière-aux-Rats", 22, "04")
        add_bundle(session, [a, b], label="Vents et rivières")
        session.commit()
    login("curator")
    page = client.get("/atelier/").get_data(as_text=True)
    card = page[page.index("Vents et rivières") :]
    assert "Les Grands Vents" in card and "Rivière-aux-Rats" in card
    assert "20:00 · Bas-Saint-Laurent" in card
    assert "22:00 · Mauricie" in card


def test_the_runtime_gauge_turns_red_and_says_by_how_much(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    with Session(engine) as session:
        ids = [
            add_film(session, "Premier", 20, "01"),
            add_film(session, "Deuxième", 22, "02"),
            add_film(session, "Le Long Métrage", 50, "03"),
        ]
        bundle_id = add_bundle(session, ids)
        fits = add_bundle(session, ids[:2], label="Dans la fenêtre")
        session.commit()
    login("curator")
    page = editor(client, bundle_id)
    gauge = page[page.index('class="gauge runtime') :]
    assert gauge.startswith('class="gauge runtime bad" data-state="over"')
    assert "1:32:00" in gauge[:600]
    assert "dépasse la case de 48 min (fenêtre 41:00–44:00)" in gauge[:600]
    assert '<meter class="bad"' in gauge[:900]
    said = warnings_of(page)
    assert any("Le plus long : « Le Long Métrage » (50:00)" in w for w in said), said
    good = editor(client, fits)
    assert 'class="gauge runtime" data-state="ok"' in good
    assert "dans la fenêtre 41:00–44:00" in good and '<meter class="good"' in good
    in_english(client)
    english = editor(client, bundle_id)
    assert "exceeds the slot by 48 min (window 41:00–44:00)" in english


def test_the_regional_gauge_turns_red_under_the_floor(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    with Session(engine) as session:
        montreal = add_film(session, "Île de béton", 30, "06")
        region = add_film(session, "Côte-Nord", 12, "09")
        bundle_id = add_bundle(session, [montreal, region])
        session.commit()
    login("curator")
    page = editor(client, bundle_id)
    assert 'class="gauge regional bad" data-state="under"' in page
    assert "sous le plancher" in page
    said = warnings_of(page)
    assert any("« Île de béton » (Montréal)" in w for w in said), said


def test_warnings_name_the_film_once_in_french_and_in_english(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    with Session(engine) as session:
        child = add_film(session, "Petit Loup", 14, "01", audience=Audience.jeunesse)
        unrated = add_film(session, "Sans étiquette", 14, "02")
        adult = add_film(session, "Nuit blanche", 14, "03", audience=Audience.adulte)
        bundle_id = add_bundle(session, [child, unrated, adult])
        session.commit()
    login("curator")
    page = editor(client, bundle_id)
    french = warnings_of(page)
    # The core finds two clashing pairs (Petit Loup with each other film): one warning.
    audience = [w for w in french if w.startswith("Publics incompatibles")]
    assert len(audience) == 1, french
    assert audience[0].count("« Petit Loup »") == 1
    assert "« Sans étiquette » (public non précisé)" in audience[0]
    # The film that clashes with each other one is the one at fault (the others go together).
    assert (
        "« Petit Loup » (Jeunesse) ne va pas avec « Sans étiquette » (public non précisé) ni"
        in audience[0]
    )
    assert page.count('class="item at-fault"') == 1
    culprit = r'class="item at-fault"[^>]*>\s*<span class="title"><a [^>]*>Petit Loup<'
    assert re.search(culprit, page)
    assert len(french) == len(set(french))
    assert not any("unknown" in w or "jeunesse et" in w for w in french), french
    in_english(client)
    english = warnings_of(editor(client, bundle_id))
    audience = [w for w in english if w.startswith("Incompatible audiences")]
    assert len(audience) == 1, english
    assert "“Sans étiquette” (audience not set)" in audience[0]
    assert not any("unknown" in w or "Publics" in w for w in english), english


def test_a_replacement_is_found_beyond_the_sixty_nearest(
    app: Flask, client: FlaskClient, engine: Engine, login: Login
) -> None:
    """80 free films sit right by the bundle but none has the runtime the slot needs; the one
    that fits is the farthest of all, and it is offered, closest first among those that fit."""
    with Session(engine) as session:
        kept, target, bundle_id = lighthouse_and_tide(session)
        near = [add_film(session, f"Voisin {n}", 5, "03") for n in range(80)]
        near += [add_film(session, f"Sans durée {n}", None, "03") for n in range(10)]
        far = add_film(session, "Loin là-bas", 21.5, "04")
        add_film(session, "Loin et refusé", 21, "05", status=Status.submitted)
        rows: dict[int, Sequence[float]] = {kept: (1, 0.05, 0, 0), target: (1, 0, 0.05, 0)}
        rows |= {i: (1, 0.01 * (n % 7), 0.01, 0) for n, i in enumerate(near)}
        rows[far] = (-1, 0, 0, 0.2)
        save_vectors(app, session, rows)
        session.commit()
    login("curator")
    page = editor(client, bundle_id, swap_for=target)
    suggestions = page[page.index('class="suggestions"') :]
    suggestions = suggestions[: suggestions.index("</div>")]
    assert "Loin là-bas" in suggestions
    assert "1 film libre respecte toutes les règles à sa place" in suggestions
    assert "Loin et refusé" not in suggestions and "Voisin" not in suggestions
    swapped = post(client, bundle_id, action="swap", film_id=target, with_id=far)
    assert "Toutes les règles sont respectées." in swapped


def test_no_replacement_says_why(client: FlaskClient, engine: Engine, login: Login) -> None:
    with Session(engine) as session:
        _kept, target, bundle_id = lighthouse_and_tide(session)
        for n in range(3):
            add_film(session, f"Court {n}", 4, "03")
        add_film(session, "Sans durée", None, "03")
        add_film(session, "Même cinéaste", 22, "05", director="Cinéaste de Le Phare")
        session.commit()
    login("curator")
    page = editor(client, bundle_id, swap_for=target)
    why = re.search(r'<p class="why">(.*?)</p>', page, re.S)
    assert why is not None, page
    text = why.group(1)
    assert "Aucun des 5 films libres ne respecte toutes les règles à sa place" in text
    assert "il faudrait un film de 21:00 à 24:00" in text
    assert "3 trop courts" in text and "1 sans durée" in text
    assert "1 d&#39;un cinéaste déjà présent" in text or "1 d'un cinéaste déjà présent" in text
    # The film of the right runtime that breaks one rule is offered, with the rule named.
    near = page[page.index('<ul class="near">') :]
    near = near[: near.index("</ul>")]
    assert "Même cinéaste" in near and "son cinéaste est déjà dans l" in near
    assert "Remplacer quand même" in near and "Court" not in near


def test_history_in_words_and_going_back_to_a_version(
    client: FlaskClient, engine: Engine, login: Login, make_user: Callable[..., int]
) -> None:
    with Session(engine) as session:
        kept, target, bundle_id = lighthouse_and_tide(session)
        other = add_bundle(session, [add_film(session, "Ailleurs", 42, "03")], label="Autre")
        session.commit()
    login("curator")
    post(client, other, action="rename", label="Autre nom")
    post(client, bundle_id, action="rename", label="Marées hautes")
    post(client, bundle_id, action="pin", film_id=kept)
    post(client, bundle_id, action="up", film_id=target)
    page = post(client, bundle_id, action="remove", film_id=target)
    for said in (
        "Retiré « La Marée »",
        "Monté « La Marée »",
        "Épinglé « Le Phare »",
        "Renommé « Marées hautes »",
    ):
        assert said in page, said
    history = page[page.index('<ol class="revisions">') :]
    history = history[: history.index("</ol>")]
    assert not re.search(r"\b(pin|up|remove|rename)\b", re.sub(r"<[^>]+>", " ", history))
    with Session(engine) as session:
        revisions = session.exec(
            select(BundleRevision).order_by(BundleRevision.id)  # type: ignore[arg-type]
        ).all()
        renamed = next(r for r in revisions if r.bundle_id == bundle_id)
        foreign = next(r for r in revisions if r.bundle_id == other)
    assert page.count("Revenir à cette version") == 3  # every revision but the newest
    assert "hx-confirm" in page[page.index("Revenir à cette version") - 900 :]
    back = post(client, bundle_id, action="revert", revision_id=renamed.id)
    assert "Revenu à la version du" in back
    with Session(engine) as session:
        bundle = session.get(Bundle, bundle_id)
        assert bundle is not None
        assert [i.film_id for i in sorted(bundle.items, key=lambda i: i.position)] == [kept, target]
        assert not any(i.pinned for i in bundle.items)
        assert bundle.label == "Marées hautes"
        count = len(
            session.exec(select(BundleRevision).where(BundleRevision.bundle_id == bundle_id)).all()
        )
    assert count == 5  # the revert is a revision of its own: it can be undone too
    assert "Historique (5)" in back
    # A revision of another bundle is refused, in words.
    refused = post(client, bundle_id, action="revert", revision_id=foreign.id)
    assert "Cette version n&#39;est pas une version de cette anthologie." in refused or (
        "Cette version n'est pas une version de cette anthologie." in refused
    )
    # Only curators go back in time.
    broadcaster = make_user("broadcaster")
    with client.session_transaction() as session:
        session["user_id"] = broadcaster
    response = client.post(
        f"/atelier/anthologies/{bundle_id}/modifier",
        data={"action": "revert", "revision_id": renamed.id},
    )
    assert response.status_code == 403


def test_the_editor_lists_the_newest_revisions_and_links_to_all(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    with Session(engine) as session:
        _kept, _target, bundle_id = lighthouse_and_tide(session)
        session.commit()
    login("curator")
    for n in range(20):
        page = post(client, bundle_id, action="pitch", pitch_text=f"Version {n}")
    assert "Historique (20)" in page
    assert (
        page.count('class="revisions"') == 1 and page.count("Texte de présentation modifié") == 15
    )
    assert f"/atelier/anthologies/{bundle_id}/historique" in page
    full = client.get(f"/atelier/anthologies/{bundle_id}/historique").get_data(as_text=True)
    assert full.count("Texte de présentation modifié") == 20
    # Without the editor to swap into, going back is a plain form that asks first.
    assert full.count('data-confirm="Revenir à la version du') == 19 and "hx-post" not in full


def test_destructive_actions_ask_first_and_every_htmx_action_shows_it_is_busy(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    with Session(engine) as session:
        ids = [add_film(session, "Le Phare", 20, "01"), add_film(session, "La Marée", 22, "02")]
        bundle_id = add_bundle(session, ids)
        session.commit()
    login("curator")
    post(client, bundle_id, action="rename", label="Marées")
    post(client, bundle_id, action="rename", label="Marées basses")
    page = editor(client, bundle_id)
    tags = re.findall(r"<(?:form|a)\b[^>]*\bhx-(?:get|post)=[^>]*>", page)
    assert tags and all('hx-indicator="#workbench-busy"' in t for t in tags)
    assert 'id="workbench-busy"' in page
    confirmed = [t for t in tags if "hx-confirm" in t]
    assert len(confirmed) == len(ids) + 1 + 1  # each Retirer, the archive, one revert
    assert any("Retirer « Le Phare »" in t for t in confirmed)
    response = client.post(
        f"/atelier/anthologies/{bundle_id}/modifier",
        data={"action": "archive"},
        headers={"HX-Request": "true"},
    )
    assert response.headers["HX-Redirect"] == "/atelier/"
    assert (
        "Marées" not in client.get("/atelier/").get_data(as_text=True).split("Anthologies</h2>")[1]
    )


def unplaced_entry(film_id: int, reason: str) -> dict[str, Any]:
    return {
        "film_id": film_id,
        "reason": reason,
        "blocking": [reason],
        "group_id": "g1",
        "message_en": reason,
        "message_fr": reason,
        "pinned": False,
    }


def test_the_unplaced_panel_groups_films_by_reason_with_their_fix(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    with Session(engine) as session:
        no_runtime = [add_film(session, f"Sans durée {n:02d}", None, "01") for n in range(12)]
        too_long = add_film(session, "Le Très Long", 95, "02")
        untold = add_film(session, "Le Muet", 12, "03", synopsis_fr=None)
        floor = add_film(session, "Le Montréalais", 12, "06")
        placed = add_film(session, "Déjà placé", 12, "04")
        add_bundle(session, [placed, add_film(session, "Compagnon", 30, "05")])
        entries = [unplaced_entry(i, "no_runtime") for i in no_runtime]
        entries += [
            unplaced_entry(too_long, "longer_than_slot"),
            unplaced_entry(untold, "regional_floor"),
            unplaced_entry(floor, "regional_floor"),
            unplaced_entry(placed, "not_selected"),
        ]
        proposal = Proposal(
            facet="subject", slot_minutes=44, rules={"slot_minutes": 44}, unplaced=entries
        )
        session.add(proposal)
        session.commit()
        proposal_id = proposal.id
    login("curator")
    page = client.get("/atelier/").get_data(as_text=True)
    panel = page[page.index('id="unplaced"') :]
    assert "Films non placés (15)" in panel  # the film placed by hand since is left out
    assert "Déjà placé" not in panel
    groups = re.findall(r'data-reason="([a-z_]+)"', panel)
    assert groups == ["no_runtime", "no_synopsis", "longer_than_slot", "regional_floor"]
    assert "<strong>Sans durée</strong> (12) → Compléter la durée" in panel
    assert "<strong>Sans synopsis</strong> (1)" in panel and "Le Muet" in panel
    assert (
        "<strong>Plus longs que la case</strong> (1) → Le proposer dans une case plus longue"
        in panel
    )
    # A large group shows its first films and links to the rest.
    assert panel.count("Sans durée 0") == 8 and "Sans durée 11" not in panel
    assert f"/atelier/propositions/{proposal_id}/non-places?raison=no_runtime" in panel
    assert re.search(rf'class="fix" href="/catalogue/(films/)?{no_runtime[0]}(/modifier)?"', panel)
    full = client.get(f"/atelier/propositions/{proposal_id}/non-places?raison=no_runtime")
    assert full.status_code == 200
    text = full.get_data(as_text=True)
    assert "Sans durée 11" in text and "Le Muet" not in text
    in_english(client)
    english = client.get("/atelier/").get_data(as_text=True)
    assert "Unplaced films (15)" in english and "No runtime" in english


def test_going_back_needs_the_csrf_token(
    app: Flask, client: FlaskClient, engine: Engine, login: Login
) -> None:
    with Session(engine) as session:
        kept, target, bundle_id = lighthouse_and_tide(session)
        session.commit()
    login("curator")
    post(client, bundle_id, action="remove", film_id=kept)
    post(client, bundle_id, action="add", film_id=kept)
    with Session(engine) as session:
        first = session.exec(
            select(BundleRevision.id).where(BundleRevision.bundle_id == bundle_id)
        ).first()
    app.config["WTF_CSRF_ENABLED"] = True
    url = f"/atelier/anthologies/{bundle_id}/modifier"
    refused = client.post(url, data={"action": "revert", "revision_id": first})
    assert refused.status_code == 400
    page = editor(client, bundle_id)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    done = client.post(url, data={"action": "revert", "revision_id": first, "csrf_token": token})
    assert done.status_code == 302
    with Session(engine) as session:
        bundle = session.get(Bundle, bundle_id)
        assert bundle is not None and [i.film_id for i in bundle.items] == [target]


def test_the_pitch_text_is_written_in_french_and_english_and_undone_together(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    with Session(engine) as session:
        _kept, _target, bundle_id = lighthouse_and_tide(session)
        session.commit()
    login("curator")
    post(client, bundle_id, action="pitch", pitch_text="Avant.", pitch_text_en="Before.")
    page = post(client, bundle_id, action="pitch", pitch_text="Deux phares.", pitch_text_en="")
    assert "Deux phares." in page
    with Session(engine) as session:
        bundle = session.get(Bundle, bundle_id)
        assert bundle is not None and (bundle.pitch_text, bundle.pitch_text_en) == (
            "Deux phares.",
            "",
        )
        [_latest, before, *_] = bundle_edits.history(session, bundle_id)
    post(client, bundle_id, action="revert", revision_id=before.id)
    with Session(engine) as session:
        bundle = session.get(Bundle, bundle_id)
        assert bundle is not None and (bundle.pitch_text, bundle.pitch_text_en) == (
            "Avant.",
            "Before.",
        )

"""Seasons in the workbench and the pitch room: stored with one bundle per episode, edited with
the season rules re-checked, reverted, delivered as XMLTV (valid against the DTD), CSV, JSON
and a PDF kit, and shared whole."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import curation
from catalog import seasons as stored
from catalog.models import Answer, Bundle, Film, Job, JobStatus, Season, SeasonAnswer, ShareLink
from tests.components import require_component
from tests.conftest import SAMPLES
from web.usecases import cataloguing
from web.usecases.curating import rules_from, to_curation

Login = Callable[[str], int]
# The XMLTV project's own DTD, as Debian ships it (libxmltv-perl; .ci/run installs it).
XMLTV_DTD = Path("/usr/share/sgml/xmltv/dtd/0.5/xmltv.dtd")


def xmltv_dtd() -> Any:
    if not XMLTV_DTD.is_file():
        require_component("the XMLTV DTD", "apt-get install libxmltv-perl")
    return etree.DTD(str(XMLTV_DTD))


def season_films(session: Session, episodes: int) -> list[list[Film]]:
    """`episodes` pairs of demo films, each pair a 22-minute bundle keeping every rule, no
    film or director twice and no Québec region twice in the season."""
    rules = rules_from({"slot_minutes": 22})
    films = session.exec(
        select(Film)
        .where(col(Film.runtime_seconds) <= 15 * 60, col(Film.region_code).is_not(None))
        .order_by(col(Film.id))
    ).all()
    chosen: list[list[Film]] = []
    used_regions: set[str] = set()
    used_directors: set[str] = set()
    for a in films:
        for b in films:
            if len(chosen) == episodes:
                return chosen
            pair = [a, b]
            regions = {f.region_code or "" for f in pair}
            directors = {d for f in pair for d in f.directors}
            if (
                a.id == b.id
                or len(regions) < 2
                or regions & used_regions
                or "99" in regions
                or directors & used_directors
                or len(directors) < 2
                or any(set(f.original_languages) - {"fra"} for f in pair)
                or curation.check_bundle([to_curation(f, "") for f in pair], rules)
            ):
                continue
            chosen.append(pair)
            used_regions |= regions
            used_directors |= directors
            break
    assert len(chosen) == episodes
    return chosen


def make_season(engine: Engine, labels: tuple[str, str, str, str]) -> int:
    """A 3-episode 22-minute season of the demo catalog (imported here) from six regions that
    keeps every rule. `labels`: the season's name in French and English, then its episodes'
    stem ("Épisode" → "Épisode 1"…) in French and English."""
    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
    label, label_en, episode, episode_en = labels
    with Session(engine) as session:
        episodes = season_films(session, 3)
        season = stored.create(
            session,
            label,
            label_en,
            "territoire",
            22,
            {
                "slot_minutes": 22,
                "episodes": 3,
                "concept": "territoire",
                "min_regions": 6,
                "max_region_share": 0.5,
                "montreal_max_share": 0.5,
            },
            {},
            [
                stored.EpisodePlan(
                    f"{episode} {i + 1}", f"{episode_en} {i + 1}", [f.id or 0 for f in e]
                )
                for i, e in enumerate(episodes)
            ],
        )
        session.commit()
        assert season.id is not None
        return season.id


@pytest.fixture
def season_id(engine: Engine) -> int:
    return make_season(engine, ("Saison d'essai", "Test season", "Épisode", "Episode"))


def ask(client: FlaskClient, engine: Engine, tmp_path: Path, **form: str) -> tuple[str, Job]:
    """Ask for a 3 × 22 min season of 90 demo films through the form; the job's page and the
    job (done: jobs run at once here)."""
    from tests.web.test_workbench import small_catalog

    cataloguing.import_catalog(engine, small_catalog(tmp_path))
    response = client.post("/atelier/saisons/", data={"slot": "22", "episodes": "3", **form})
    assert response.status_code == 302
    with Session(engine) as session:
        job = session.exec(select(Job).where(Job.kind == "season")).one()
    assert job.status == JobStatus.done, job.message
    return client.get(response.headers["Location"]).get_data(as_text=True), job


def episodes_of(engine: Engine, season_id: int) -> list[list[int]]:
    with Session(engine) as session:
        return [
            [i.film_id for i in sorted(b.items, key=lambda i: i.position)]
            for b in stored.episodes(session, season_id)
        ]


def bundle_ids(engine: Engine, season_id: int) -> list[int]:
    with Session(engine) as session:
        return [b.id or 0 for b in stored.episodes(session, season_id)]


def rule_row(html: str, code: str) -> str:
    return html.split(f'data-rule="{code}"', 1)[1].split("</tr>", 1)[0]


def change(client: FlaskClient, season_id: int, **form: object) -> str:
    response = client.post(
        f"/atelier/saisons/{season_id}/modifier", data=form, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="season"')
    return html


def test_a_season_is_stored_with_one_bundle_per_episode_and_listed(
    client: FlaskClient, engine: Engine, login: Login, season_id: int
) -> None:
    assert [len(e) for e in episodes_of(engine, season_id)] == [2, 2, 2]
    with Session(engine) as session:
        bundles = stored.episodes(session, season_id)
        assert [b.label for b in bundles] == ["Épisode 1", "Épisode 2", "Épisode 3"]
        assert stored.season_of(session, bundles[1].id or 0) is not None
    login("curator")
    listing = client.get("/atelier/saisons/").get_data(as_text=True)
    assert f"/atelier/saisons/{season_id}" in listing and "Saison d&#39;essai" in listing
    page = client.get(f"/atelier/saisons/{season_id}").get_data(as_text=True)
    assert page.count('<article class="episode') == 3
    for code in ("regions", "region_share", "montreal_share", "directors", "episode_rules"):
        assert "✓" in rule_row(page, code), code
    assert "toutes respectées" in page
    english = client.get(f"/atelier/saisons/{season_id}", headers={"Accept-Language": "en"})
    assert "Test season" in english.get_data(as_text=True)
    # In the workbench, each episode's card and editor say whose it is, in words.
    workbench = client.get("/atelier/").get_data(as_text=True)
    assert workbench.count("Épisode de saison · case de 22 min") == 3
    assert "season ·" not in workbench
    editor = client.get(f"/atelier/anthologies/{bundles[0].id}").get_data(as_text=True)
    assert "Épisode de saison · case de 22 min" in editor
    client.post("/langue/en")
    assert "Season episode · 22-minute slot" in client.get("/atelier/").get_data(as_text=True)


def test_moving_a_film_rechecks_the_season_rules_and_a_revert_brings_it_back(
    client: FlaskClient, engine: Engine, login: Login, season_id: int
) -> None:
    login("curator")
    before = episodes_of(engine, season_id)
    first, second, _third = bundle_ids(engine, season_id)
    film = before[0][1]
    page = client.get(f"/atelier/saisons/{season_id}").get_data(as_text=True)
    # The revision the season was proposed at, last in its history (oldest first there).
    proposed = re.findall(r'name="revision_id" value="(\d+)"', page)[-1]
    moved = change(client, season_id, action="move", film_id=film, bundle_id=first, target=second)
    after = episodes_of(engine, season_id)
    assert after[0] == before[0][:1] and after[1] == [*before[1], film]
    # Episode 1 now holds one film and episode 2 runs past its window: the season says so.
    assert "⚠" in rule_row(moved, "episode_rules")
    assert "1, 2" in rule_row(moved, "episode_rules")
    # The regions stay six: the film changed episode, not season.
    assert "✓" in rule_row(moved, "regions")
    assert "à revoir" in moved
    history = client.get(f"/atelier/saisons/{season_id}").get_data(as_text=True)
    assert "Retiré" in history and "Ajouté" in history
    reverted = change(client, season_id, action="revert", revision_id=proposed)
    assert episodes_of(engine, season_id) == before
    assert "✓" in rule_row(reverted, "episode_rules")
    assert "toutes respectées" in reverted


def test_a_move_into_the_same_film_or_a_locked_episode_is_refused(
    client: FlaskClient, engine: Engine, login: Login, season_id: int
) -> None:
    login("curator")
    before = episodes_of(engine, season_id)
    first, second, _third = bundle_ids(engine, season_id)
    locked = change(client, season_id, action="lock", bundle_id=second)
    assert "Déverrouiller l&#39;épisode" in locked or "Déverrouiller l'épisode" in locked
    refused = change(
        client, season_id, action="move", film_id=before[0][0], bundle_id=first, target=second
    )
    assert "Cet épisode est verrouillé" in refused
    assert episodes_of(engine, season_id) == before
    # A bundle of another season (or none) is not an episode of this one.
    with Session(engine) as session:
        stray = Bundle(facet="subject", slot_minutes=22, label="Ailleurs")
        session.add(stray)
        session.commit()
        stray_id = stray.id
    outside = change(
        client, season_id, action="move", film_id=before[0][0], bundle_id=first, target=stray_id
    )
    assert "n&#39;appartient pas à cette saison" in outside
    assert episodes_of(engine, season_id) == before


def test_pin_and_swap_edit_the_episode_bundle(
    client: FlaskClient, engine: Engine, login: Login, season_id: int
) -> None:
    login("curator")
    first = bundle_ids(engine, season_id)[0]
    film = episodes_of(engine, season_id)[0][0]
    pinned = change(client, season_id, action="pin", film_id=film, bundle_id=first)
    assert "épinglé" in pinned
    with Session(engine) as session:
        bundle = session.get(Bundle, first)
        assert bundle is not None and bundle.items[0].pinned
    # Replacements are offered in place, and the swap is a bundle edit of that episode.
    offer = client.get(f"/atelier/saisons/{season_id}?swap_for={film}").get_data(as_text=True)
    candidates = re.findall(r'name="with_id" value="(\d+)"', offer)
    if candidates:
        change(
            client, season_id, action="swap", film_id=film, with_id=candidates[0], bundle_id=first
        )
        assert int(candidates[0]) in episodes_of(engine, season_id)[0]
    else:
        assert 'class="why"' in offer


def test_the_xmltv_guide_is_valid_against_the_dtd(
    client: FlaskClient, engine: Engine, login: Login, season_id: int
) -> None:
    login("curator")
    response = client.get(
        f"/atelier/saisons/{season_id}/guide.xml?debut=2027-01-04&heure=20:30&jour=jeudi"
    )
    assert response.status_code == 200 and response.mimetype == "application/xml"
    document = etree.fromstring(response.data)
    dtd = xmltv_dtd()
    assert dtd.validate(document), dtd.error_log.filter_from_errors()
    programmes = document.findall("programme")
    assert len(programmes) == 3
    # Thursdays from 7 January 2027, at 20:30 Montréal time (EST, -0500), one a week.
    assert [p.get("start") for p in programmes] == [
        "20270107203000 -0500",
        "20270114203000 -0500",
        "20270121203000 -0500",
    ]
    assert programmes[0].get("stop") == "20270107205200 -0500"
    first = programmes[0]
    assert [t.get("lang") for t in first.findall("title")] == ["fr", "en"]
    assert first.find("title").text == "Saison d'essai"
    assert {d.get("lang") for d in first.findall("desc")} == {"fr", "en"}
    assert "Au programme" in first.find("desc[@lang='fr']").text
    assert first.find("episode-num[@system='xmltv_ns']").text == "0.0/3."
    assert programmes[2].find("episode-num[@system='onscreen']").text == "3/3"
    with Session(engine) as session:
        runtime = sum(
            f.runtime_seconds or 0
            for f in session.exec(
                select(Film).where(col(Film.id).in_(episodes_of(engine, season_id)[0]))
            )
        )
    assert first.find("length").text == str(round(runtime / 60))
    assert first.find("length").get("units") == "minutes"
    assert first.find("category[@lang='en']").text == "Anthology"
    # A document missing what the DTD requires fails: the validation can fail.
    first.remove(first.find("title[@lang='en']"))
    first.remove(first.find("title"))
    assert not dtd.validate(document)


def test_the_guide_refuses_a_bad_date(client: FlaskClient, login: Login, season_id: int) -> None:
    login("curator")
    assert client.get(f"/atelier/saisons/{season_id}/guide.xml?debut=demain").status_code == 400
    bad_day = f"/atelier/saisons/{season_id}/guide.xml?debut=2027-01-04&jour=jamais"
    assert client.get(bad_day).status_code == 400


def test_csv_json_and_the_season_kit(
    client: FlaskClient, engine: Engine, login: Login, season_id: int
) -> None:
    login("curator")
    data = client.get(f"/atelier/saisons/{season_id}/saison.json").get_json()
    assert [len(e["films"]) for e in data["episodes"]] == [2, 2, 2]
    assert data["rules_kept"] is True
    assert {m["rule"] for m in data["measures"]} >= {"regions", "montreal_share", "directors"}
    regions = next(m for m in data["measures"] if m["rule"] == "regions")
    assert regions["value"] == 6 and regions["limit"] == 6
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(f"/atelier/saisons/{season_id}/saison.csv").get_data(True))
        )
    )
    assert len(rows) == 6 and [r["episode"] for r in rows] == ["1", "1", "2", "2", "3", "3"]
    assert [int(r["position"]) for r in rows[:2]] == [1, 2]
    kit = client.get(f"/atelier/saisons/{season_id}/saison.pdf")
    assert kit.status_code == 200 and kit.mimetype == "application/pdf"
    pdf = PdfReader(io.BytesIO(kit.data))
    # The season's cover, each episode's cover and its two films' pages, the contact page.
    assert len(pdf.pages) == 1 + 3 * (1 + 2) + 1
    cover = pdf.pages[0].extract_text()
    assert "Saison d'essai" in cover and "Épisode 3" in cover
    json.dumps(data)


def test_season_pages_are_for_curators_only(
    client: FlaskClient, login: Login, season_id: int
) -> None:
    urls = [
        "/atelier/saisons/",
        f"/atelier/saisons/{season_id}",
        f"/atelier/saisons/{season_id}/saison.json",
        f"/atelier/saisons/{season_id}/saison.csv",
        f"/atelier/saisons/{season_id}/guide.xml?debut=2027-01-04",
        f"/atelier/saisons/{season_id}/partages",
    ]
    for url in urls:
        assert client.get(url).status_code in (302, 401), url
    login("broadcaster")
    for url in urls:
        assert client.get(url).status_code in (403, 404), url
    moved = client.post(f"/atelier/saisons/{season_id}/modifier", data={"action": "lock"})
    assert moved.status_code in (403, 404)
    assert client.get(f"/pitch/saisons/{season_id}").status_code == 404


def test_season_edits_need_the_csrf_token(
    app: Flask, client: FlaskClient, engine: Engine, login: Login, season_id: int
) -> None:
    login("curator")
    app.config["WTF_CSRF_ENABLED"] = True
    first = bundle_ids(engine, season_id)[0]
    refused = client.post(
        f"/atelier/saisons/{season_id}/modifier", data={"action": "lock", "bundle_id": first}
    )
    assert refused.status_code == 400
    page = client.get(f"/atelier/saisons/{season_id}").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"')[0]
    done = client.post(
        f"/atelier/saisons/{season_id}/modifier",
        data={"action": "lock", "bundle_id": first, "csrf_token": token},
    )
    assert done.status_code == 302
    with Session(engine) as session:
        bundle = session.get(Bundle, first)
        assert bundle is not None and bundle.status.value == "locked"


def test_a_season_shared_whole_is_answered_per_episode_and_for_the_season(
    app: Flask, client: FlaskClient, engine: Engine, login: Login, season_id: int
) -> None:
    login("curator")
    page = client.post(
        f"/atelier/saisons/{season_id}/partages",
        data={
            "recipients": "Ana Roy <ana@tele.example>\nBen Cole <ben@tv.example>",
            "language": "en",
            "days": "10",
        },
    ).get_data(as_text=True)
    links = re.findall(r'value="(http://localhost/pitch/saisons/lien/[^"]+)"', page)
    assert len(links) >= 2
    with Session(engine) as session:
        shares = session.exec(select(ShareLink)).all()
        assert len(shares) == 2 * 3
        assert {s.recipient_language for s in shares} == {"en"}
    ana_link = links[0]
    buyer = app.test_client()
    season_page = buyer.get(ana_link.removeprefix("http://localhost"))
    assert season_page.status_code == 200
    html = season_page.get_data(as_text=True)
    ids = bundle_ids(engine, season_id)
    for bundle_id in ids:
        assert f"/pitch/anthologies/{bundle_id}" in html
    assert "Test season" in html  # the link's language
    # Each episode opens on its own pitch page, where it is answered as a bundle.
    assert buyer.get(f"/pitch/anthologies/{ids[1]}").status_code == 200
    answered = buyer.post(f"/pitch/anthologies/{ids[1]}/reponse", data={"verdict": "maybe"})
    assert answered.status_code == 200
    whole = buyer.post(
        f"/pitch/saisons/{season_id}/reponse", data={"verdict": "interested", "comment": "Oui"}
    )
    assert whole.status_code == 200
    with Session(engine) as session:
        given = session.exec(select(SeasonAnswer)).one()
        assert given.verdict == "interested" and given.comment == "Oui"
        share = session.get(ShareLink, given.share_id)
        assert share is not None and share.recipient_name == "Ana Roy"
        episode_answer = session.exec(select(Answer)).one()
        assert episode_answer.bundle_id == ids[1]
    report = client.get(f"/atelier/saisons/{season_id}/partages").get_data(as_text=True)
    assert "Ana Roy" in report and "Ben Cole" in report
    assert "Intéressé" in report and "Oui" in report and "Peut-être" in report
    kit = buyer.get(f"/pitch/saisons/{season_id}/dossier.pdf")
    assert kit.status_code == 200
    assert "Test season" in PdfReader(io.BytesIO(kit.data)).pages[0].extract_text()
    # A forged token opens nothing; another browser without the link sees nothing.
    assert app.test_client().get(f"/pitch/saisons/{season_id}").status_code == 404
    assert buyer.get("/pitch/saisons/lien/forged").status_code == 404


def test_asking_for_a_season_solves_and_stores_it(
    client: FlaskClient, engine: Engine, login: Login, tmp_path: Path
) -> None:
    login("curator")
    status, job = ask(
        client,
        engine,
        tmp_path,
        concept_kind="all",
        min_regions="4",
        max_region_share="40",
        montreal_max_share="30",
    )
    season_id = job.result["season_id"]
    assert season_id, job.result
    with Session(engine) as session:
        season = session.get(Season, season_id)
        assert season is not None and season.rules["max_region_share"] == 0.4
        assert season.rules["concept"] == "" and season.label == "Saison 3 × 22 min"
        assert len(stored.episodes(session, season_id)) == 3
    assert f"/atelier/saisons/{season_id}" in status
    page = client.get(f"/atelier/saisons/{season_id}").get_data(as_text=True)
    assert "toutes respectées" in page
    for code in ("regions", "region_share", "montreal_share", "episode_rules"):
        assert "✓" in rule_row(page, code), code


def test_a_youth_season_keeps_each_episode_within_one_age_band(
    client: FlaskClient, engine: Engine, login: Login, tmp_path: Path
) -> None:
    from tests.web.test_workbench import small_catalog

    cataloguing.import_catalog(engine, small_catalog(tmp_path))
    bands = {}
    with Session(engine) as session:  # the catalog split between two age bands
        for film in session.exec(select(Film)):
            film.audience_age_min, film.audience_age_max = (6, 8) if (film.id or 0) % 2 else (9, 12)
            bands[film.id] = (film.audience_age_min, film.audience_age_max)
            session.add(film)
        session.commit()
    login("curator")
    form = {"slot": "22", "episodes": "3", "concept_kind": "all", "min_regions": "2"}
    response = client.post("/atelier/saisons/", data={**form, "one_age_band": "1"})
    assert response.status_code == 302
    with Session(engine) as session:
        job = session.exec(select(Job).where(Job.kind == "season")).one()
        assert job.status == JobStatus.done and job.result["season_id"], job.result
        season = session.get(Season, job.result["season_id"])
        assert season is not None and season.rules["one_age_band"] is True
    episodes = episodes_of(engine, job.result["season_id"])
    assert len(episodes) == 3
    for films in episodes:
        assert len({bands[i] for i in films}) == 1, [bands[i] for i in films]
    page = client.get(f"/atelier/saisons/{job.result['season_id']}").get_data(as_text=True)
    assert "une même tranche d'âge par épisode" in page and "toutes respectées" in page
    assert "✓" in rule_row(page, "episode_rules")
    # Without the box, the rule is off: episodes mix the two bands.
    client.post("/atelier/saisons/", data=form)
    with Session(engine) as session:
        jobs = session.exec(select(Job).where(Job.kind == "season").order_by(col(Job.id))).all()
        season = session.get(Season, jobs[-1].result["season_id"])
        assert season is not None and season.rules["one_age_band"] is False
    mixed = episodes_of(engine, jobs[-1].result["season_id"])
    assert any(len({bands[i] for i in films}) > 1 for films in mixed)


def test_a_season_no_catalog_can_keep_says_which_rule_blocks(
    client: FlaskClient, engine: Engine, login: Login, tmp_path: Path
) -> None:
    login("curator")
    status, job = ask(
        client,
        engine,
        tmp_path,
        concept_kind="region",
        region="11",
        min_regions="3",
        max_region_share="100",
    )
    assert job.result["season_id"] is None and job.result["blocked_fr"]
    with Session(engine) as session:
        assert session.exec(select(Season)).first() is None
    assert "Aucune saison ne tient ces règles" in status
    assert job.result["blocked_fr"][0] in status.replace("&#39;", "'")


def test_a_season_form_out_of_bounds_is_refused(client: FlaskClient, login: Login) -> None:
    login("curator")
    response = client.post("/atelier/saisons/", data={"slot": "22", "episodes": "40"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ces réglages ne font pas une saison" in page
    assert client.post("/atelier/saisons/", data={"slot": "23"}).status_code == 400
    odd_concept = {"slot": "22", "concept_kind": "anything"}
    assert client.post("/atelier/saisons/", data=odd_concept).status_code == 400


def test_a_broadcaster_sees_only_the_episodes_shared_with_them(
    client: FlaskClient, engine: Engine, login: Login, season_id: int
) -> None:
    from datetime import timedelta

    from catalog import sharing
    from catalog.models import utcnow

    user_id = login("broadcaster")
    first, second, _third = bundle_ids(engine, season_id)
    with Session(engine) as session:
        sharing.share_bundle(
            session, first, "Télé", utcnow() + timedelta(days=3), None, broadcaster_id=user_id
        )
        session.commit()
    page = client.get(f"/pitch/saisons/{season_id}").get_data(as_text=True)
    assert f"/pitch/anthologies/{first}" in page
    assert f"/pitch/anthologies/{second}" not in page
    kit = PdfReader(io.BytesIO(client.get(f"/pitch/saisons/{season_id}/dossier.pdf").data))
    # The season's cover, episode 1's cover and its two films, the contact page.
    assert len(kit.pages) == 1 + (1 + 2) + 1
    cover = kit.pages[0].extract_text()
    assert "Épisode 1" in cover and "Épisode 2" not in cover
    answered = client.post(f"/pitch/saisons/{season_id}/reponse", data={"verdict": "pass"})
    assert answered.status_code == 200
    with Session(engine) as session:
        given = session.exec(select(SeasonAnswer)).one()
        assert given.user_id == user_id and given.share_id is None and given.verdict == "pass"

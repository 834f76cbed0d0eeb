"""The pitch player's plays and media tickets: a recipient streams their own watermarked copy
through a signed, expiring ticket (no session needed), within the link's view cap; the
player's progress is kept as a union; the clean files stay with curators."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from catalog.models import (
    Bundle,
    BundleItem,
    Film,
    MediaAsset,
    PitchEvent,
    ShareLink,
    Viewing,
    utcnow,
)
from tests.clips import make_clip
from web.access import link_token
from web.tickets import Ticket, issue
from web.usecases import playback

Login = Callable[[str], int]


@dataclass(frozen=True)
class Pitch:
    bundle_id: int
    film_ids: list[int]
    asset_id: int
    preview: Path


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("clip") / "preview.mp4", 3.0, seed=5)


@pytest.fixture
def pitch(app: Flask, engine: Engine, clip: Path) -> Pitch:
    """A bundle of two films, the first with a real preview and a poster."""
    root = Path(app.config["MEDIA_ROOT"])
    folder = root / "derived" / "abc"
    folder.mkdir(parents=True)
    (folder / "preview.mp4").write_bytes(clip.read_bytes())
    (folder / "poster.jpg").write_bytes(b"\xff\xd8\xff\xe0 poster")
    with Session(engine) as session:
        films = [Film(original_title=t, match_key=t.lower()) for t in ("Le fleuve", "La côte")]
        session.add_all(films)
        session.flush()
        bundle = Bundle(facet="subject", slot_minutes=44, label="Rives")
        bundle.items = [BundleItem(film_id=f.id or 0, position=i) for i, f in enumerate(films)]  # type: ignore[call-arg]
        session.add(bundle)
        asset = MediaAsset(
            film_id=films[0].id or 0,
            path="originals/a.mp4",
            size_bytes=1,
            sha256="a" * 64,
            preview_path="derived/abc/preview.mp4",
            poster_path="derived/abc/poster.jpg",
        )
        session.add(asset)
        session.commit()
        return Pitch(
            bundle.id or 0, [f.id or 0 for f in films], asset.id or 0, folder / "preview.mp4"
        )


def make_share(engine: Engine, pitch: Pitch, name: str, **fields: Any) -> int:
    with Session(engine) as session:
        share = ShareLink(
            bundle_id=pitch.bundle_id,
            recipient_name=name,
            recipient_organisation="Télé-Québec",
            expires_at=utcnow() + timedelta(days=7),
            **fields,
        )
        session.add(share)
        session.commit()
        assert share.id is not None
        return share.id


def holder(app: Flask, share_id: int) -> FlaskClient:
    """A browser that opened the share's private link."""
    browser = app.test_client()
    with app.test_request_context():
        token = link_token(share_id)
    assert browser.get(f"/pitch/lien/{token}").status_code == 200
    return browser


def play(browser: FlaskClient, pitch: Pitch, film_id: int | None = None) -> Any:
    data = {} if film_id is None else {"film_id": str(film_id)}
    return browser.post(f"/pitch/anthologies/{pitch.bundle_id}/lecture", data=data)


def viewing(engine: Engine, share_id: int, film_id: int | None) -> Viewing | None:
    with Session(engine) as session:
        return session.exec(
            select(Viewing).where(Viewing.share_id == share_id, Viewing.film_id == film_id)
        ).first()


def path_of(url: str) -> str:
    assert url.startswith("http://localhost/media/t/"), url
    return url.removeprefix("http://localhost")


def test_a_recipient_plays_their_watermarked_copy_by_ticket(
    app: Flask, engine: Engine, pitch: Pitch
) -> None:
    share_id = make_share(engine, pitch, "Julie Tremblay")
    julie = holder(app, share_id)
    film = pitch.film_ids[0]
    # The clean preview is not theirs; the poster is.
    assert julie.get(f"/media/{pitch.asset_id}/preview").status_code == 404
    assert julie.get(f"/media/{pitch.asset_id}/proxy").status_code == 404
    assert julie.get(f"/media/{pitch.asset_id}/poster").status_code == 200
    answer = play(julie, pitch, film)
    assert answer.status_code == 200
    url = answer.get_json()["url"]
    # Usable anywhere: a fresh client without any session streams it, with Range.
    outside = app.test_client()
    whole = outside.get(path_of(url))
    assert whole.status_code == 200 and whole.mimetype == "video/mp4"
    assert whole.headers["Cache-Control"] == "private, no-store"
    cached = Path(app.config["MEDIA_ROOT"]) / "watermarks" / str(share_id)
    assert whole.data == (cached / f"{pitch.asset_id}-preview.mp4").read_bytes()
    assert whole.data != pitch.preview.read_bytes()
    part = outside.get(path_of(url), headers={"Range": "bytes=10-99"})
    assert part.status_code == 206 and part.data == whole.data[10:100]
    row = viewing(engine, share_id, film)
    assert row is not None and row.plays == 1 and row.first_played_at is not None
    assert row.duration_seconds is not None and 2.5 < row.duration_seconds < 3.5
    with Session(engine) as session:
        kinds = session.exec(select(PitchEvent.kind)).all()
    assert "played_preview" in kinds
    # A film of the bundle without a preview, and a film outside it, have nothing to play.
    assert play(julie, pitch, pitch.film_ids[1]).status_code == 404
    assert play(julie, pitch, 999_999).status_code == 404


def test_two_recipients_get_different_files(app: Flask, engine: Engine, pitch: Pitch) -> None:
    bodies = []
    for name in ("Julie Tremblay", "Marc Ouellet"):
        browser = holder(app, make_share(engine, pitch, name))
        url = play(browser, pitch, pitch.film_ids[0]).get_json()["url"]
        bodies.append(app.test_client().get(path_of(url)).data)
    assert bodies[0][:4] == bodies[1][:4] and bodies[0] != bodies[1]


def test_tickets_expire_cannot_be_forged_and_die_with_their_link(
    app: Flask, engine: Engine, pitch: Pitch
) -> None:
    share_id = make_share(engine, pitch, "Julie")
    julie = holder(app, share_id)
    url = path_of(play(julie, pitch, pitch.film_ids[0]).get_json()["url"])
    anyone = app.test_client()
    assert anyone.get(url).status_code == 200
    token = url.rsplit("/", 1)[1]
    tampered = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    refused = anyone.get(f"/media/t/{tampered}")
    assert refused.status_code == 403 and "invalide" in refused.get_data(as_text=True)
    with app.test_request_context():
        stale = issue(Ticket(share_id, pitch.asset_id, False), -5)
        other_kind = issue(Ticket(share_id, pitch.asset_id, False), 60).replace("a", "a")
    expired = anyone.get(f"/media/t/{stale}")
    assert expired.status_code == 410 and "expiré" in expired.get_data(as_text=True)
    assert anyone.get(f"/media/t/{other_kind}").status_code == 200
    # Another app's secret signs nothing here.
    foreign = Flask("elsewhere")
    foreign.config["SECRET_KEY"] = "not ours"
    with foreign.test_request_context():
        forged = issue(Ticket(share_id, pitch.asset_id, False), 60)
    assert anyone.get(f"/media/t/{forged}").status_code == 403
    with Session(engine) as session:
        share = session.get(ShareLink, share_id)
        assert share is not None
        share.revoked_at = utcnow()
        session.add(share)
        session.commit()
    closed = anyone.get(url)
    assert closed.status_code == 410 and "plus ouvert" in closed.get_data(as_text=True)
    assert play(julie, pitch, pitch.film_ids[0]).status_code in (404, 410)


def test_a_window_not_yet_open_plays_nothing(app: Flask, engine: Engine, pitch: Pitch) -> None:
    share_id = make_share(engine, pitch, "Julie")
    with app.test_request_context():
        ticket = issue(Ticket(share_id, pitch.asset_id, False), 600)
    with Session(engine) as session:
        share = session.get(ShareLink, share_id)
        assert share is not None
        share.starts_at = utcnow() + timedelta(days=1)
        session.add(share)
        session.commit()
    assert app.test_client().get(f"/media/t/{ticket}").status_code == 410


def test_the_view_cap_refuses_the_next_play_in_the_viewers_language(
    app: Flask, engine: Engine, pitch: Pitch
) -> None:
    share_id = make_share(engine, pitch, "Julie", view_cap=2)
    julie = holder(app, share_id)
    film = pitch.film_ids[0]
    assert play(julie, pitch, film).status_code == 200
    assert play(julie, pitch, film).status_code == 200
    refused = play(julie, pitch, film)
    assert refused.status_code == 403
    assert refused.get_json() == {"error": "Limite de 2 visionnements atteinte pour ce film"}
    row = viewing(engine, share_id, film)
    assert row is not None and row.plays == 2
    julie.post("/langue/en")
    refused = play(julie, pitch, film)
    assert refused.status_code == 403
    assert refused.get_json()["error"] == "Limit of 2 plays reached for this film"
    # The cap is per recipient: another link to the same bundle plays on.
    other = holder(app, make_share(engine, pitch, "Marc", view_cap=2))
    assert play(other, pitch, film).status_code == 200


def test_progress_is_kept_as_the_union_of_played_ranges(
    app: Flask, engine: Engine, pitch: Pitch
) -> None:
    share_id = make_share(engine, pitch, "Julie")
    julie = holder(app, share_id)
    film = pitch.film_ids[0]
    url = f"/pitch/anthologies/{pitch.bundle_id}/progression"

    def report(ranges: object) -> int:
        return julie.post(url, data={"film_id": film, "played": json.dumps(ranges)}).status_code

    assert report([[0, 1]]) == 409  # nothing played yet
    play(julie, pitch, film)
    assert report([[0, 1.5]]) == 204
    assert report([[0, 1.5], [2.0, 2.5]]) == 204
    assert report([[1.0, 2.2]]) == 204  # a replay overlapping both
    row = viewing(engine, share_id, film)
    assert row is not None and row.watched == [[0.0, 2.5]] and row.watched_seconds == 2.5
    assert report([[0, 600]]) == 400  # past the 3-s clip
    assert report("0-1") == 400
    assert julie.post(url, data={"film_id": film, "played": "not json"}).status_code == 400
    assert report([[0, 1]] * 500) == 400
    # Someone without the link reports nothing.
    stranger = app.test_client()
    assert stranger.post(url, data={"film_id": film, "played": "[[0,1]]"}).status_code == 404


def test_a_curator_previews_the_clean_file_without_counting(
    app: Flask, engine: Engine, client: FlaskClient, pitch: Pitch, login: Login
) -> None:
    login("curator")
    answer = play(client, pitch, pitch.film_ids[0])
    assert answer.status_code == 200
    assert answer.get_json()["url"] == f"/media/{pitch.asset_id}/preview"
    assert client.get(answer.get_json()["url"]).data == pitch.preview.read_bytes()
    progress = client.post(
        f"/pitch/anthologies/{pitch.bundle_id}/progression",
        data={"film_id": pitch.film_ids[0], "played": "[[0, 1]]"},
    )
    assert progress.status_code == 204
    with Session(engine) as session:
        assert session.exec(select(Viewing)).all() == []
    assert not (Path(app.config["MEDIA_ROOT"]) / "watermarks").exists()


def test_a_broadcaster_account_gets_a_watermarked_copy_too(
    app: Flask, engine: Engine, client: FlaskClient, pitch: Pitch, login: Login
) -> None:
    user_id = login("broadcaster")
    share_id = make_share(engine, pitch, "Diffuseur", broadcaster_id=user_id)
    assert client.get(f"/media/{pitch.asset_id}/preview").status_code == 404
    answer = play(client, pitch, pitch.film_ids[0])
    assert answer.status_code == 200 and "/media/t/" in answer.get_json()["url"]
    row = viewing(engine, share_id, pitch.film_ids[0])
    assert row is not None and row.plays == 1


def test_playlists_carry_the_recipients_tickets_and_count_a_play_when_streamed(
    app: Flask, engine: Engine, pitch: Pitch
) -> None:
    share_id = make_share(engine, pitch, "Julie", view_cap=1)
    julie = holder(app, share_id)
    film = pitch.film_ids[0]
    playlist = julie.get(f"/anthologies/{pitch.bundle_id}/fiche.m3u").get_data(as_text=True)
    urls = [line for line in playlist.splitlines() if line.startswith("http")]
    assert len(urls) == 1 and "/media/t/" in urls[0]
    assert viewing(engine, share_id, film) is None, "downloading a playlist spends no play"
    anywhere = app.test_client()
    assert anywhere.get(path_of(urls[0])).status_code == 200
    row = viewing(engine, share_id, film)
    assert row is not None and row.plays == 1
    # The same ticket's Range requests are the same play.
    assert anywhere.get(path_of(urls[0]), headers={"Range": "bytes=0-9"}).status_code == 206
    row = viewing(engine, share_id, film)
    assert row is not None and row.plays == 1
    # A fresh playlist's ticket is another play: over the cap of 1.
    again = julie.get(f"/anthologies/{pitch.bundle_id}/fiche.m3u").get_data(as_text=True)
    fresh = next(line for line in again.splitlines() if line.startswith("http"))
    refused = anywhere.get(path_of(fresh))
    assert refused.status_code == 403 and "Limite de 1" in refused.get_data(as_text=True)
    decisions = julie.get(f"/anthologies/{pitch.bundle_id}/fiche.edl").get_data(as_text=True)
    sources = [line for line in decisions.splitlines() if line.startswith("* SOURCE FILE: ")]
    assert len(sources) == 1 and "/media/t/" in sources[0]


def test_a_curators_playlist_keeps_the_clean_proxies(
    app: Flask, engine: Engine, client: FlaskClient, pitch: Pitch, login: Login
) -> None:
    with Session(engine) as session:
        asset = session.get(MediaAsset, pitch.asset_id)
        assert asset is not None
        asset.proxy_path = asset.preview_path
        session.add(asset)
        session.commit()
    login("curator")
    playlist = client.get(f"/anthologies/{pitch.bundle_id}/fiche.m3u").get_data(as_text=True)
    assert f"http://localhost/media/{pitch.asset_id}/proxy" in playlist.splitlines()


@pytest.fixture
def counted_encodes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Path]]:
    made: list[Path] = []
    real = playback.burn_watermark

    def counting(src: Path, dst: Path, text: str) -> Path:
        made.append(dst)
        return real(src, dst, text)

    monkeypatch.setattr(playback, "burn_watermark", counting)
    yield made


def test_concurrent_first_plays_make_one_encode_and_never_half_a_file(
    app: Flask, engine: Engine, pitch: Pitch, counted_encodes: list[Path]
) -> None:
    share_id = make_share(engine, pitch, "Julie")
    root = Path(app.config["MEDIA_ROOT"])
    with Session(engine) as session:
        share = session.get(ShareLink, share_id)
        asset = session.get(MediaAsset, pitch.asset_id)
        assert share is not None and asset is not None
        session.expunge_all()
    results: list[bytes] = []

    def first_play() -> None:
        results.append(playback.watermarked_preview(root, share, asset).read_bytes())

    threads = [threading.Thread(target=first_play) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(counted_encodes) == 1
    assert len(results) == 4 and len(set(results)) == 1 and results[0][4:8] == b"ftyp"
    folder = root / "watermarks" / str(share_id)
    assert sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock")) == [
        f"{pitch.asset_id}-preview.mp4"
    ]


def test_a_new_share_has_its_watermarks_made_ahead(
    app: Flask, engine: Engine, pitch: Pitch
) -> None:
    share_id = make_share(engine, pitch, "Julie")
    with app.app_context():
        playback.queue_watermarks(engine, share_id)  # the test app runs jobs at once
    assert (
        Path(app.config["MEDIA_ROOT"])
        / "watermarks"
        / str(share_id)
        / f"{pitch.asset_id}-preview.mp4"
    ).is_file()


def test_the_reel_plays_as_the_recipients_watermarked_copy(
    app: Flask, engine: Engine, pitch: Pitch, clip: Path
) -> None:
    from web.usecases.media import reel_name

    root = Path(app.config["MEDIA_ROOT"])
    with Session(engine) as session:
        bundle = session.get(Bundle, pitch.bundle_id)
        assert bundle is not None
        reel = root / reel_name(bundle)
    reel.parent.mkdir(parents=True)
    reel.write_bytes(clip.read_bytes())
    share_id = make_share(engine, pitch, "Julie")
    julie = holder(app, share_id)
    assert julie.get(f"/media/anthologies/{pitch.bundle_id}/bande-annonce").status_code == 404
    answer = play(julie, pitch)
    assert answer.status_code == 200
    body = app.test_client().get(path_of(answer.get_json()["url"])).data
    assert body[4:8] == b"ftyp" and body != reel.read_bytes()
    row = viewing(engine, share_id, None)
    assert row is not None and row.plays == 1


def test_the_share_command_has_each_recipients_watermarks_made(
    app: Flask, engine: Engine, pitch: Pitch
) -> None:
    result = app.test_cli_runner().invoke(
        args=["share", str(pitch.bundle_id), "--to", "Julie <julie@tq.test>", "--to", "Marc"]
    )
    assert result.exit_code == 0, result.output
    with Session(engine) as session:
        ids = session.exec(select(ShareLink.id).order_by(ShareLink.id)).all()
    assert len(ids) == 2
    for share_id in ids:
        folder = Path(app.config["MEDIA_ROOT"]) / "watermarks" / str(share_id)
        assert (folder / f"{pitch.asset_id}-preview.mp4").is_file()


def test_sharing_from_the_page_has_the_watermarks_made_once_it_is_sent(
    app: Flask, engine: Engine, client: FlaskClient, pitch: Pitch, login: Login
) -> None:
    login("curator")
    page = client.post(
        f"/pitch/anthologies/{pitch.bundle_id}/partages",
        data={"recipients": "Julie Tremblay <julie@tq.test>", "days": "7", "language": "fr"},
    )
    assert page.status_code == 200
    page.close()  # the response sent: its queued work runs
    with Session(engine) as session:
        share_id = session.exec(select(ShareLink.id)).one()
    folder = Path(app.config["MEDIA_ROOT"]) / "watermarks" / str(share_id)
    assert (folder / f"{pitch.asset_id}-preview.mp4").is_file()


def test_revoking_a_link_deletes_its_watermarked_copies(
    app: Flask, engine: Engine, pitch: Pitch, client: FlaskClient, login: Callable[[str], int]
) -> None:
    kept, revoked = make_share(engine, pitch, "Julie"), make_share(engine, pitch, "Marc")
    folders = {s: Path(app.config["MEDIA_ROOT"]) / "watermarks" / str(s) for s in (kept, revoked)}
    with app.app_context():
        for share_id in (kept, revoked):
            playback.queue_watermarks(engine, share_id)  # the test app runs jobs at once
    assert all(folder.is_dir() for folder in folders.values())
    login("curator")
    assert client.post(f"/pitch/partages/{revoked}/revoquer").status_code == 302
    assert not folders[revoked].exists(), "a revoked recipient's copies are gone"
    assert folders[kept].is_dir(), "the other recipient's copies stay"

"""The observatory page, open without an account: its filters are a permalink and change the
numbers as catalog.funnel counts them; each chart's data downloads as CSV and JSON equal to
the funnel, funding and indicators; the annual report is a PDF of one page per chart.

The small catalog below, counted by hand (runtime in seconds; no bundle yet):

    title   year form         region  audience  runtime
    Aube    2020 fiction      06      general    600
    Brume   2020 fiction      06      jeunesse  1200
    Cap     2021 documentary  11      general    900
    Dune    2021 documentary  11      jeunesse  1800
    Écume   2020 documentary  99      adulte    5400
    (and one submission still waiting, whose title must appear nowhere)
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from catalog import funding, funnel, indicators
from catalog.models import Bundle, BundleItem, Film
from tests.catalog.test_funding import CENTS_2019, CENTS_2020, GRANTS, MONTREAL_2019, MONTREAL_2020
from tests.catalog.test_funding import write as write_grants
from web.usecases import cataloguing, charts
from web.usecases.funding import import_funding

FILMS = """original_title,year,runtime,form,region,audience,original_languages,status
Aube,2020,00:10:00,fiction,06,general,fra,accepted
Brume,2020,00:20:00,fiction,06,jeunesse,fra,accepted
Cap,2021,00:15:00,documentary,11,general,fra,accepted
Dune,2021,00:30:00,documentary,11,jeunesse,eng,accepted
Écume,2020,01:30:00,documentary,99,adulte,eng,accepted
Titre secret en attente,2021,00:05:00,documentary,11,general,fra,submitted
"""
SECRET = "Titre secret en attente"


def percent(share: float) -> str:
    return f"{100 * share:.1f}".replace(".", ",") + " %"


@pytest.fixture
def observed(engine: Engine, tmp_path: Path) -> Engine:
    films = tmp_path / "films.csv"
    films.write_text(FILMS, encoding="utf-8")
    cataloguing.import_catalog(engine, films)
    import_funding(engine, write_grants(tmp_path / "grants.csv", GRANTS))
    return engine


def data(client: FlaskClient, chart: str, query: str = "") -> dict[str, Any]:
    response = client.get(f"/observatoire/donnees/{chart}.json{query}")
    assert response.status_code == 200
    found: dict[str, Any] = json.loads(response.get_data(as_text=True))
    return found


def csv_rows(client: FlaskClient, chart: str, query: str = "") -> list[dict[str, str]]:
    response = client.get(f"/observatoire/donnees/{chart}.csv{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def catalog_by_group(rows: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    return {
        r["group"]: (int(r["films"]), int(r["runtime_seconds"]))
        for r in rows
        if r["stage"] == "catalog"
    }


def test_the_observatory_is_open_without_an_account_and_names_no_film(
    client: FlaskClient, observed: Engine
) -> None:
    page = client.get("/observatoire/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "5 films au catalogue :" in html
    # The charts are SVG drawn on the server, scaled to their container, with values on them.
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 6
    assert html.count('width="100%" role="img"') == 6
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]
    bodies = [html]
    for chart in ("entonnoir-origines", "entonnoir-regions", "indicateurs"):
        for fmt in ("csv", "json"):
            bodies.append(client.get(f"/observatoire/donnees/{chart}.{fmt}").get_data(as_text=True))
    report = PdfReader(io.BytesIO(client.get("/observatoire/rapport-2021.pdf").data))
    bodies += [page.extract_text() for page in report.pages]
    for body in bodies:
        for title in (SECRET, "Aube", "Brume", "Écume"):
            assert title not in body


def test_the_filters_are_a_permalink_and_change_the_numbers(
    client: FlaskClient, observed: Engine
) -> None:
    everything = catalog_by_group(data(client, "entonnoir-origines")["rows"])
    assert everything == {
        "montreal": (2, 1800),
        "quebec_outside_montreal": (2, 2700),
        "outside_quebec_or_unknown": (1, 5400),
        "total": (5, 9900),
    }
    documentaries = catalog_by_group(
        data(client, "entonnoir-origines", "?forme=documentary")["rows"]
    )
    assert documentaries == {
        "montreal": (0, 0),
        "quebec_outside_montreal": (2, 2700),
        "outside_quebec_or_unknown": (1, 5400),
        "total": (3, 8100),
    }
    of_2020 = catalog_by_group(data(client, "entonnoir-origines", "?annee=2020")["rows"])
    assert of_2020["total"] == (3, 7200) and of_2020["quebec_outside_montreal"] == (0, 0)
    youth = catalog_by_group(
        data(client, "entonnoir-origines", "?public=jeunesse&langue=eng")["rows"]
    )
    assert youth["total"] == (1, 1800) and youth["quebec_outside_montreal"] == (1, 1800)

    # The same figures as catalog.funnel gives for that filter, every stage and rate.
    with Session(observed) as session:
        expected = funnel.funnel(session, funnel.FunnelFilter(form="documentary"))
    rows = data(client, "entonnoir-origines", "?forme=documentary")["rows"]
    for row in (*expected.groups, expected.total):
        for s in row.stages:
            (got,) = [r for r in rows if r["group"] == row.key and r["stage"] == s.stage]
            assert (got["films"], got["runtime_seconds"], got["films_rate"]) == (
                s.films,
                s.runtime,
                s.films_rate,
            )

    # The page with the filter in its query string says the filtered numbers, and its
    # permalink and download links carry the filter.
    html = client.get("/observatoire/?forme=documentary&mesure=duree").get_data(as_text=True)
    assert "3 films au catalogue :" in html
    assert (
        f"Les régions du Québec hors Montréal : {percent(2 / 3)} des films du catalogue, "
        f"{percent(2700 / 8100)} de sa durée."
    ) in html
    assert "/observatoire/?forme=documentary&amp;mesure=duree" in html
    assert "/observatoire/donnees/entonnoir-regions.csv?forme=documentary&amp;mesure=duree" in html
    assert '<option value="documentary" selected>' in html
    assert "2 h 15" in html  # Documentaries in hours: 8,100 s
    # An unknown value is ignored, not an error.
    assert client.get("/observatoire/?forme=%3Cscript%3E&annee=abc").status_code == 200


def test_a_region_accepted_but_never_proposed_stands_out(
    client: FlaskClient, observed: Engine
) -> None:
    with Session(observed) as session:
        cap = session.exec(select(Film).where(Film.original_title == "Cap")).one()
        bundle = Bundle(facet="region", slot_minutes=22, label="x")
        bundle.items = [BundleItem(film_id=cap.id, position=0)]  # type: ignore[call-arg]
        session.add(bundle)
        session.commit()
    rows = csv_rows(client, "entonnoir-regions")
    stalled = {r["region"] for r in rows if r["stalled"] == "1"}
    # The Gaspésie (11) has a film proposed; outside Québec (99) is not a region to flag.
    assert stalled == {"06"}
    proposed = {r["region"]: int(r["films"]) for r in rows if r["stage"] == "proposed"}
    assert proposed["11"] == 1 and proposed["06"] == 0
    html = client.get("/observatoire/").get_data(as_text=True)
    assert "Une région bloquée : ses films sont au catalogue, aucun n'a été proposé." in html
    assert "06 Montréal — 2 films au catalogue" in html
    assert html.count('<tr class="stalled">') == 1


def test_the_funding_data_and_headline(client: FlaskClient, observed: Engine) -> None:
    share = (MONTREAL_2019 + MONTREAL_2020) / (CENTS_2019 + CENTS_2020)
    html = client.get("/observatoire/").get_data(as_text=True)
    assert f"Montréal a reçu {percent(share)} du financement de Téléfilm destiné au Québec" in html
    assert "Licence du gouvernement ouvert" in html

    by_year = data(client, "financement-montreal")
    assert [(r["period"], r["quebec_cents"], r["montreal_cents"]) for r in by_year["rows"]] == [
        ("2019-2020", CENTS_2019, MONTREAL_2019),
        ("2020-2021", CENTS_2020, MONTREAL_2020),
    ]
    assert by_year["rows"][1]["montreal_share"] == round(3 / 7, 4)
    assert "Licence du gouvernement ouvert" in by_year["source"]

    # Every region and year (unplaced grants under no region), as catalog.funding sums them.
    years = csv_rows(client, "financement-annees")
    assert [(r["period"], r["region"], int(r["cents"])) for r in years] == [
        ("2019-2020", "", 10_000),
        ("2019-2020", "01", 25_000),
        ("2019-2020", "06", 150_050),
        ("2020-2021", "", 40_000),
        ("2020-2021", "03", 300_000),
        ("2020-2021", "06", 300_000),
        ("2020-2021", "15", 60_000),
    ]

    regions = {r["region"]: r for r in csv_rows(client, "financement-regions")}
    with Session(observed) as session:
        summary = funding.summary(session)
    assert len(regions) == 17
    for r in summary.by_region:
        assert (int(regions[r.region_code]["cents"]), int(regions[r.region_code]["films"])) == (
            r.cents,
            r.films,
        )
    assert (regions["06"]["cents"], regions["06"]["films"]) == ("450050", "2")
    assert regions["11"]["films"] == "2"
    placed = sum(r.cents for r in summary.by_region)
    assert float(regions["06"]["funding_share"]) == round(450_050 / placed, 4)


def test_the_indicators_never_show_a_count_under_five(
    client: FlaskClient, observed: Engine
) -> None:
    rows = data(client, "indicateurs")["rows"]
    with Session(observed) as session:
        expected = indicators.compute(indicators.facts(session))
    youth = expected.series["youth"]
    got = [r for r in rows if r["indicator"] == "youth"]
    assert [r["year"] for r in got] == [*expected.years, "all"]
    # Every youth cell here is small: suppressed, never a number.
    assert [r["count"] for r in got] == [c.count for c in (*youth.cells, youth.total)]
    assert all(r["count"] is None for r in got)
    for r in rows:
        if r["count"] is not None:
            assert r["count"] >= 5 and r["base"] - r["count"] >= 5
    table = csv_rows(client, "indicateurs")
    assert {r["suppressed"] for r in table if r["indicator"] == "youth"} == {"1"}


def test_the_annual_report_is_a_pdf_of_one_page_per_chart(
    client: FlaskClient, observed: Engine
) -> None:
    response = client.get("/observatoire/rapport-2021.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 6
    text = [" ".join(page.extract_text().split()) for page in reader.pages]
    assert all("rapport annuel 2021" in t for t in text)
    assert "Le parcours des films" in text[0]
    assert "les films de l'année de production 2021" in text[0]
    assert "2 films au catalogue" in text[0]  # Cap and Dune, the films of 2021
    assert "Montréal a reçu" in text[2] and "Licence du gouvernement ouvert" in text[2]
    assert "2019-2020" in text[2]
    assert "Licence du gouvernement ouvert" in text[3] and "Indicateurs" in text[5]
    assert client.get("/observatoire/rapport-99999.pdf").status_code == 404


def test_a_chart_never_fetches_anything() -> None:
    spec = {
        "data": {"url": "https://example.com/grants.csv"},
        "mark": "bar",
        "encoding": {"x": {"field": "a", "type": "quantitative"}},
    }
    with pytest.raises(ValueError, match="not allowed"):
        charts.svg(spec, "x")
    drawn = charts.svg(
        charts.grouped_bars(
            [{"c": "A", "s": "x", "v": 3, "label": "3"}],
            title="",
            category="c",
            category_order=["A"],
            series="s",
            series_order=["x"],
            value="v",
            value_title="n",
            legend="s",
        ),
        'Titre "cité" & <b>',
    )
    assert drawn.startswith("<svg") and 'width="100%"' in drawn and 'class="chart"' in drawn
    assert 'aria-label="Titre &quot;cité&quot; &amp; &lt;b>"' in drawn
    assert ">3</text>" in drawn


def test_every_chart_is_valid_vega_lite(
    client: FlaskClient, observed: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page skips Altair's schema check for speed; here every chart goes through it."""
    monkeypatch.setattr(charts, "VALIDATE", True)
    for query in ("", "?mesure=duree&forme=documentary", "?reference=2021"):
        assert client.get(f"/observatoire/{query}").status_code == 200

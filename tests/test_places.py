import csv
import re
from pathlib import Path

import pytest

from catalog.observatory import MONTREAL, OUTSIDE_QUEBEC
from catalog.places import (
    Community,
    Municipality,
    PlaceError,
    PlaceIndex,
    Region,
    UnknownPlace,
    default_index,
    normalise_place,
)

DATA = Path(__file__).parents[1] / "catalog" / "data"


@pytest.fixture(scope="module")
def index() -> PlaceIndex:
    return PlaceIndex.load()


# -- normalise_place ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Montréal", "montreal"),
        ("  TROIS-RIVIÈRES ", "trois rivieres"),
        ("Saguenay–Lac-Saint-Jean", "saguenay lac saint jean"),
        ("Baie-D’Urfé", "baie d urfe"),
        ("St-Bruno", "saint bruno"),
        ("Ste-Julie", "sainte julie"),
        ("Notre-Dame-de-St-Hippolyte", "notre dame de saint hippolyte"),
        ("St. Lambert", "saint lambert"),
        ("Saint-Lambert (Ville)", "saint lambert"),
        ("Sacré-Cœur", "sacre coeur"),
        ("Saint-Louis-du-Ha! Ha!", "saint louis du ha ha"),
        ("Mile   End", "mile end"),
    ],
)
def test_normalise_place(text: str, expected: str) -> None:
    assert normalise_place(text) == expected


def test_a_trailing_st_is_not_taken_for_saint() -> None:
    assert normalise_place("Rue St") == "rue st"


# -- regions --------------------------------------------------------------------------------


def test_regions_are_the_seventeen_and_hors_quebec(index: PlaceIndex) -> None:
    regions = index.regions
    assert [r.code for r in regions] == [f"{n:02d}" for n in range(1, 18)] + ["99"]
    assert regions[0] == Region("01", "Bas-Saint-Laurent")
    assert regions[5] == Region(MONTREAL, "Montréal")
    assert regions[-1] == Region(OUTSIDE_QUEBEC, "Hors Québec")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1", "01"),
        ("01", "01"),
        (" 6 ", "06"),
        ("99", "99"),
        ("gaspesie iles de la madeleine", "11"),
        ("GASPÉSIE–ÎLES-DE-LA-MADELEINE", "11"),
        ("Gaspésie", "11"),
        ("Saguenay–Lac-Saint-Jean", "02"),
        ("Saguenay", "02"),
        ("Abitibi", "08"),
        ("bas-st-laurent", "01"),
        ("Montreal", "06"),
        ("Capitale", "03"),
        ("hors quebec", "99"),
        ("Hors-Québec", "99"),
        ("outside Quebec", "99"),
        ("Eastern Townships", "05"),
    ],
)
def test_region_accepts_codes_names_and_short_forms(
    index: PlaceIndex, text: str, code: str
) -> None:
    assert index.region(text).code == code


@pytest.mark.parametrize("text", ["18", "0", "Atlantis", ""])
def test_unknown_region_lists_the_valid_forms(index: PlaceIndex, text: str) -> None:
    with pytest.raises(PlaceError, match="unknown region") as raised:
        index.region(text)
    assert "01 Bas-Saint-Laurent" in str(raised.value)
    assert "99 Hors Québec" in str(raised.value)


def test_an_ambiguous_region_prefix_names_the_candidates(index: PlaceIndex) -> None:
    with pytest.raises(PlaceError, match="ambiguous") as raised:
        index.region("Mont")
    assert "06 Montréal" in str(raised.value)
    assert "16 Montérégie" in str(raised.value)


def test_place_error_is_a_value_error() -> None:
    assert issubclass(PlaceError, ValueError)


# -- municipalities -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "region"),
    [
        ("Rimouski", "Rimouski", "01"),
        ("rimouski", "Rimouski", "01"),
        ("Montreal", "Montréal", "06"),
        ("MONTRÉAL", "Montréal", "06"),
        ("Quebec", "Québec", "03"),
        ("Trois-Rivieres", "Trois-Rivières", "04"),
        ("Riviere du Loup", "Rivière-du-Loup", "01"),
        ("Val D'Or", "Val-d'Or", "08"),
        ("St-Bruno-de-Montarville", "Saint-Bruno-de-Montarville", "16"),
        ("Ste-Julie", "Sainte-Julie", "16"),
        ("St-Jérôme", "Saint-Jérôme", "15"),
        ("Laval", "Laval", "13"),
    ],
)
def test_municipality_by_name(index: PlaceIndex, text: str, name: str, region: str) -> None:
    town = index.municipality(text)
    assert (town.name, town.region_code) == (name, region)


def test_municipality_carries_the_repertoire_fields(index: PlaceIndex) -> None:
    town = index.municipality("Rimouski")
    assert town == Municipality(
        code=town.code,
        name="Rimouski",
        designation="Ville",
        region_code="01",
        mrc_name="Rimouski-Neigette",
        population=town.population,
    )
    assert town.population > 40_000


@pytest.mark.parametrize(
    "borough",
    ["Outremont", "Verdun", "Lachine", "LaSalle", "Saint-Laurent", "Anjou", "Pierrefonds",
     "Rosemont", "Plateau-Mont-Royal", "Le Plateau-Mont-Royal", "Saint-Léonard",
     "Rivière-des-Prairies–Pointe-aux-Trembles", "Île-des-Soeurs"],
)  # fmt: skip
def test_montreal_boroughs_resolve_to_montreal(index: PlaceIndex, borough: str) -> None:
    town = index.municipality(borough)
    assert (town.name, town.region_code) == ("Montréal", MONTREAL)


@pytest.mark.parametrize(
    ("alias", "name", "region"),
    [
        ("Town Of Mount Royal", "Mont-Royal", "06"),
        ("Chicoutimi", "Saguenay", "02"),
        ("Jonquière", "Saguenay", "02"),
        ("La Baie", "Saguenay", "02"),
        ("Hull", "Gatineau", "07"),
        ("Aylmer", "Gatineau", "07"),
        ("Sainte-Foy", "Québec", "03"),
        ("Ste-Foy", "Québec", "03"),
        ("Charlesbourg", "Québec", "03"),
        ("Quebec City", "Québec", "03"),
        ("Saint-Hubert", "Longueuil", "16"),
        ("Valleyfield", "Salaberry-de-Valleyfield", "16"),
        ("Mansonville", "Potton", "05"),
    ],
)
def test_former_and_english_names_resolve(
    index: PlaceIndex, alias: str, name: str, region: str
) -> None:
    town = index.municipality(alias)
    assert (town.name, town.region_code) == (name, region)


def test_ville_marie_is_the_abitibi_town_not_the_montreal_borough(index: PlaceIndex) -> None:
    assert index.municipality("Ville-Marie").region_code == "08"


def test_every_alias_points_to_a_municipality_and_shadows_none() -> None:
    with open(DATA / "quebec_municipalities.csv", encoding="utf-8") as f:
        towns = list(csv.DictReader(f))
    codes = {row["mcode"] for row in towns}
    names = {normalise_place(row["munnom"]) for row in towns}
    with open(DATA / "municipality_aliases.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows
    for row in rows:
        assert row["municipality_code"] in codes, row
        assert normalise_place(row["alias"]) not in names, row
        assert row["note"], row


def test_an_alias_that_is_a_municipality_name_is_refused() -> None:
    regions = [Region("01", "Bas-Saint-Laurent")]
    towns = [Municipality("10043", "Rimouski", "Ville", "01", "Rimouski-Neigette", 48_000)]
    with pytest.raises(ValueError, match="is the name of a municipality"):
        PlaceIndex(regions, towns, {"RIMOUSKI": "10043"})


def test_a_name_shared_across_regions_needs_the_region(index: PlaceIndex) -> None:
    with pytest.raises(PlaceError, match="several regions") as raised:
        index.municipality("Saint-Lambert")
    message = str(raised.value)
    assert "08 Abitibi-Témiscamingue" in message
    assert "16 Montérégie" in message
    assert index.municipality("Saint-Lambert", region_code="16").designation == "Ville"
    assert index.municipality("St-Lambert", region_code="8").designation == "Paroisse"
    assert index.municipality("Saint-Lambert", region_code="Montérégie").region_code == "16"


def test_a_region_that_matches_none_of_the_namesakes_is_still_ambiguous(
    index: PlaceIndex,
) -> None:
    with pytest.raises(PlaceError, match="several regions"):
        index.municipality("L'Ange-Gardien", region_code="01")


def test_a_region_hint_does_not_move_a_unique_name(index: PlaceIndex) -> None:
    assert index.municipality("Rimouski", region_code="06").region_code == "01"


def test_namesakes_in_one_region_give_the_most_populous(index: PlaceIndex) -> None:
    # Bedford is both a ville (2,852) and a canton (722), both in Estrie.
    town = index.municipality("Bedford")
    assert (town.designation, town.region_code) == ("Ville", "05")
    assert index.municipality("Akulivik").designation == "Village nordique"


def test_a_designation_in_parentheses_chooses_among_namesakes(index: PlaceIndex) -> None:
    assert index.municipality("Bedford (canton)").designation == "Canton"
    assert index.municipality("Saint-Lambert (ville)").region_code == "16"
    # A loose designation does not reject the only town of that name.
    assert index.municipality("Rimouski (municipalité)").name == "Rimouski"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Montréal (Québec)", "Montréal"),
        ("Lévis, QC", "Lévis"),
        ("Gaspé, Gaspésie", "Gaspé"),
        ("Saint-Lambert, Montérégie", "Saint-Lambert"),
        ("Havre-aux-Maisons, Îles-de-la-Madeleine", "Les Îles-de-la-Madeleine"),
    ],
)
def test_province_region_and_place_qualifiers_are_checked(
    index: PlaceIndex, text: str, name: str
) -> None:
    assert index.municipality(text).name == name


def test_a_qualifier_that_disagrees_is_an_error(index: PlaceIndex) -> None:
    with pytest.raises(PlaceError, match="matches"):
        index.municipality("Gaspé (Estrie)")
    with pytest.raises(PlaceError, match="qualifier"):
        index.municipality("Saint-Pierre, Île d'Orléans")


def test_unknown_municipality_suggests_close_names(index: PlaceIndex) -> None:
    with pytest.raises(PlaceError, match="unknown municipality") as raised:
        index.municipality("Notre-Dame-Prairies")
    assert "did you mean Notre-Dame-des-Prairies" in str(raised.value)
    with pytest.raises(PlaceError, match="did you mean Montréal"):
        index.municipality("Montrael")


def test_unknown_municipality_without_a_close_name(index: PlaceIndex) -> None:
    with pytest.raises(PlaceError) as raised:
        index.municipality("Zzyzx")
    assert str(raised.value) == "unknown municipality 'Zzyzx'"


def test_placeholder_toponyms_are_not_names(index: PlaceIndex) -> None:
    with pytest.raises(PlaceError, match="unknown municipality"):
        index.municipality("Toponyme à venir")


def test_the_index_holds_every_municipality(index: PlaceIndex) -> None:
    towns = index.municipalities
    assert len(towns) == 1281
    assert len({t.code for t in towns}) == 1281
    assert {t.region_code for t in towns} == {f"{n:02d}" for n in range(1, 18)}


def test_default_index_is_read_once() -> None:
    assert default_index() is default_index()
    assert default_index().municipality("Outremont").region_code == MONTREAL


def test_load_reads_another_folder(tmp_path: Path) -> None:
    (tmp_path / "quebec_regions.csv").write_text(
        "region_code,region_name,n_municipal_entities\n01,Bas-Saint-Laurent,1\n", encoding="utf-8"
    )
    (tmp_path / "quebec_municipalities.csv").write_text(
        "mcode,munnom,mdes,region_code,region_name,mrc_code,mrc_name,mpopul,msuperf\n"
        "10043,Rimouski,Ville,01,Bas-Saint-Laurent,100,Rimouski-Neigette,48000,338\n",
        encoding="utf-8",
    )
    index = PlaceIndex.load(tmp_path)
    assert [r.code for r in index.regions] == ["01", "99"]
    assert index.municipality("rimouski").code == "10043"
    with pytest.raises(PlaceError):
        index.municipality("Montréal")


# -- Indigenous communities -----------------------------------------------------------------


def test_the_communities_are_the_55_of_the_eleven_nations(index: PlaceIndex) -> None:
    communities = index.communities
    assert len(communities) == len({c.name for c in communities}) == 55
    nations = {c.nation for c in communities}
    assert len(nations) == 11
    inuit = [c for c in communities if c.nation == "Inuit"]
    assert len(inuit) == 14 and {c.region_code for c in inuit} == {"10"}
    assert {c.region_code for c in communities} <= {r.code for r in index.regions[:17]}


@pytest.mark.parametrize(
    ("text", "name", "region"),
    [
        ("Kitcisakik", "Kitcisakik", "08"),
        ("Opitciwan", "Opitciwan", "04"),
        ("Pakua Shipu", "Pakua Shipu", "09"),
        ("Ekuanitshit", "Ekuanitshit", "09"),
        ("Uashat mak Mani-utenam", "Uashat mak Mani-utenam", "09"),
        ("Kanesatake", "Kanesatake", "15"),
        ("Gespeg", "Gespeg", "11"),
        ("KITCISAKIK (Québec)", "Kitcisakik", "08"),
        # Where the répertoire lists the place, its entry is the one given.
        ("Wendake", "Wendake", "03"),
        ("Kahnawake", "Kahnawake", "16"),
        ("Mashteuiatsh", "Mashteuiatsh", "02"),
        ("Wemotaci", "Wemotaci", "04"),
        ("Manawan", "Manawan", "14"),
        ("Kuujjuaq", "Kuujjuaq", "10"),
    ],
)
def test_a_community_resolves_to_its_region(
    index: PlaceIndex, text: str, name: str, region: str
) -> None:
    found = index.place(text)
    assert (found.name, found.region_code) == (name, region)


def test_a_community_the_repertoire_lacks_is_no_municipality(index: PlaceIndex) -> None:
    found = index.place("Kitcisakik")
    assert isinstance(found, Community)
    assert (found.nation, found.kind) == ("Anishinabeg (Algonquins)", "établissement")
    with pytest.raises(UnknownPlace):
        index.municipality("Kitcisakik")  # the répertoire alone does not know it


def test_a_community_and_a_namesake_elsewhere_need_the_region(index: PlaceIndex) -> None:
    # The Naskapi village lives on its 1A-N land in Côte-Nord; the répertoire also lists the
    # unpeopled "village naskapi" land of that name in Nord-du-Québec.
    with pytest.raises(PlaceError, match="several regions"):
        index.place("Kawawachikamach")
    assert index.place("Kawawachikamach", region_code="09").region_code == "09"


def test_an_unknown_place_is_told_apart_from_an_ambiguous_one(index: PlaceIndex) -> None:
    with pytest.raises(UnknownPlace) as raised:
        index.place("Joutel", region_code="10")
    assert raised.value.text == "Joutel" and raised.value.suggestions == []
    with pytest.raises(UnknownPlace) as raised:
        index.place("Pakua Chipu")
    assert raised.value.suggestions == ["Pakua Shipu"]


def test_a_community_in_another_region_than_the_repertoire_says_is_refused() -> None:
    regions = [Region("03", "Capitale-Nationale"), Region("05", "Estrie")]
    towns = [Municipality("23802", "Wendake", "Réserve indienne", "03", "Québec", 2234)]
    wrong = Community("Wendake", "Hurons-Wendat", "05", "réserve")
    with pytest.raises(ValueError, match="répertoire puts 'Wendake' in 03"):
        PlaceIndex(regions, towns, communities=[wrong])
    with pytest.raises(ValueError, match="unknown region 04"):
        PlaceIndex(regions, towns, communities=[Community("Opitciwan", "Atikamekw", "04", "r")])


def test_the_community_file_names_its_columns_and_regions() -> None:
    with (DATA / "quebec_indigenous_communities.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["name", "other_names", "nation", "region_code", "kind"]
    assert all(re.fullmatch(r"(0[1-9]|1[0-7])", row["region_code"]) for row in rows)

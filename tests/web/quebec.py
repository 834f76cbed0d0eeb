"""A few real Québec films of samples/quebec_shorts.csv, imported as the catalog would."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

from catalog.ingest import ColumnMap
from tests.conftest import SAMPLES

# The sample file's columns the importer names otherwise, and those it has no field for.
MAP = ("runtime=runtime_minutes", "region=region_code")
IGNORE = ("region_basis", "source_url")
CLI_OPTIONS = [option for pair in MAP for option in ("--map", pair)] + [
    option for column in IGNORE for option in ("--ignore", column)
]

# Ten films on distinct subjects, read in the data: two about fishing at sea, and others.
FISHING = ("qc-0020", "qc-0092")  # Le beau plaisir (béluga), Charrette à chien (pêcheur côtier)
OTHERS = (
    "qc-0024",  # Bûcherons de la Manouane
    "qc-0035",  # Déneigement
    "qc-0037",  # La Lutte
    "qc-0040",  # Patinoire
    "qc-0043",  # Au-delà du 6 décembre
    "qc-0053",  # Normétal
    "qc-0066",  # Attiuk
    "qc-0110",  # César et son canot d'écorce
)
TEN = FISHING + OTHERS


def column_map() -> ColumnMap:
    return ColumnMap.from_options(MAP, IGNORE)


def quebec_subset(
    folder: Path, ids: Sequence[str] = TEN, edits: Mapping[str, Mapping[str, str]] | None = None
) -> Path:
    """These films' rows of samples/quebec_shorts.csv, in that file's format; `edits` changes
    some columns of some rows ({external_id: {column: value}}), to make a mistake on purpose."""
    with (SAMPLES / "quebec_shorts.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        kept = [row for row in reader if row["external_id"] in set(ids)]
    assert len(kept) == len(ids), "a chosen film is missing from samples/quebec_shorts.csv"
    for row in kept:
        row.update((edits or {}).get(row["external_id"], {}))
    path = folder / "quebec-subset.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(kept)
    return path

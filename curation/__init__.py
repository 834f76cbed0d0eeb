"""The curation core: pure functions and estimators from vectors and metadata to bundles.

Numpy arrays and frozen dataclasses in, dataclasses out; no database, file, network or
process. The shell (`web`) builds `CurationFilm`s from the catalog, stores vectors and
clusters, and calls what is listed here.
"""

from curation.bundles import (
    Blocked,
    Bundle,
    BundleItem,
    Mapper,
    ProposalSet,
    Unplaced,
    bundle_id,
    order_items,
    propose_bundles,
    to_json_dict,
)
from curation.cluster import (
    FACETS,
    Cluster,
    FilmClusterer,
    StyleEncoder,
    cluster_films,
    match_clusters,
    mixed_vectors,
)
from curation.embedding import Embedder, film_text, nearest, normalise_rows, text_hash
from curation.films import CurationFilm, region_name
from curation.labels import KeywordIndex, explain, working_title
from curation.neighbours import NeighbourIndex, nearest_in
from curation.packing import Packing, pack_slot
from curation.rules import (
    DEFAULT_AUDIENCE_PAIRS,
    DEFAULT_WINDOWS,
    RULES,
    SlotRules,
    Violation,
    check_bundle,
    fitting,
)
from curation.stopwords import FRENCH_STOP_WORDS

__all__ = [
    "DEFAULT_AUDIENCE_PAIRS",
    "DEFAULT_WINDOWS",
    "FACETS",
    "FRENCH_STOP_WORDS",
    "RULES",
    "Blocked",
    "Bundle",
    "BundleItem",
    "Cluster",
    "CurationFilm",
    "Embedder",
    "FilmClusterer",
    "KeywordIndex",
    "Mapper",
    "NeighbourIndex",
    "Packing",
    "ProposalSet",
    "SlotRules",
    "StyleEncoder",
    "Unplaced",
    "Violation",
    "bundle_id",
    "check_bundle",
    "cluster_films",
    "explain",
    "film_text",
    "fitting",
    "match_clusters",
    "mixed_vectors",
    "nearest",
    "nearest_in",
    "normalise_rows",
    "order_items",
    "pack_slot",
    "propose_bundles",
    "region_name",
    "text_hash",
    "to_json_dict",
    "working_title",
]

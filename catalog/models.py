"""The catalog's tables: films with their credits, regions, municipalities, media and vectors.

Names follow PBCore where it has one (see docs/import-format.md for the mapping).
"""

import enum
from datetime import UTC, date, datetime
from typing import Any, Optional

from sqlalchemy import JSON, BigInteger, Column, Index, LargeBinary, UniqueConstraint, event
from sqlalchemy import Enum as SAEnum
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, Relationship, SQLModel

# JSON on SQLite, JSONB on PostgreSQL.
JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Form(enum.StrEnum):
    fiction = "fiction"
    documentary = "documentary"
    animation = "animation"
    experimental = "experimental"
    hybrid = "hybrid"


class Audience(enum.StrEnum):
    jeunesse = "jeunesse"
    famille = "famille"
    general = "general"
    adulte = "adulte"


class Status(enum.StrEnum):
    submitted = "submitted"
    accepted = "accepted"
    declined = "declined"
    archived = "archived"


class Role(enum.StrEnum):
    """Credit roles (pbcoreCreatorRole / pbcoreContributorRole), in export column order."""

    director = "director"
    producer = "producer"
    writer = "writer"
    cinematographer = "cinematographer"
    editor = "editor"
    composer = "composer"
    cast = "cast"
    # The crew beyond the six head credits (0015), so the technicians who usually stay
    # invisible are named: camera, sound, light, design, post-production, production.
    camera_operator = "camera_operator"
    sound_recordist = "sound_recordist"
    sound_designer = "sound_designer"
    gaffer = "gaffer"
    art_director = "art_director"
    costume_designer = "costume_designer"
    makeup_artist = "makeup_artist"
    vfx = "vfx"
    animator = "animator"
    colorist = "colorist"
    music_supervisor = "music_supervisor"
    production_manager = "production_manager"
    assistant_director = "assistant_director"


def _json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(JSONType, nullable=False))


class UserRole(enum.StrEnum):
    filmmaker = "filmmaker"
    curator = "curator"
    broadcaster = "broadcaster"
    admin = "admin"


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, index=True)
    display_name: str
    password_hash: str
    role: UserRole = Field(index=True)
    organisation: str = ""
    locale: str = Field(default="fr", max_length=8)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    # Raised by log-out, a password change or deactivation: sessions made before no longer
    # count, even from a cookie copied elsewhere.
    session_epoch: int = 0


class LoginFailures(SQLModel, table=True):
    """Recent failed log-ins of one account ("account:…") or one address ("address:…")."""

    key: str = Field(primary_key=True, max_length=320)
    failures: int = 0
    first_at: datetime = Field(default_factory=utcnow)
    locked_until: datetime | None = None


class Region(SQLModel, table=True):
    """A Québec administrative region (01–17), or 99 for productions from outside Québec."""

    code: str = Field(primary_key=True, max_length=2)
    name: str


class Municipality(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=8)
    name: str = Field(index=True)
    designation: str = ""
    region_code: str = Field(foreign_key="region.code", index=True)
    mrc_name: str = ""
    population: int | None = None


class Film(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # Stable keys: the source's own id when it has one, else title + year + first director.
    external_id: str | None = Field(default=None, unique=True, index=True)
    match_key: str = Field(index=True)
    # Folded (no case, no accents) for ordering and for title search across all titles.
    sort_title: str = Field(default="", index=True)
    search_text: str = ""
    # Hash of the raw imported row, so that an unchanged row is recognised without parsing.
    source_hash: str | None = Field(default=None, index=True)

    original_title: str
    title_fr: str | None = None
    title_en: str | None = None
    year: int | None = None
    runtime_seconds: int | None = None
    form: Form | None = None
    genres: list[str] = _json_list()
    subjects: list[str] = _json_list()
    style_tags: list[str] = _json_list()
    synopsis_fr: str | None = None
    synopsis_en: str | None = None
    synopsis_long_fr: str | None = None
    synopsis_long_en: str | None = None
    logline: str | None = None
    original_languages: list[str] = _json_list()
    subtitle_languages: list[str] = _json_list()
    closed_captions: bool | None = None
    described_video: bool | None = None
    audience: Audience | None = None
    audience_age_min: int | None = None
    audience_age_max: int | None = None
    countries: list[str] = _json_list()
    region_code: str | None = Field(default=None, foreign_key="region.code", index=True)
    municipality: str | None = None
    production_company: str | None = None
    festival_selections: list[str] = _json_list()
    awards: list[str] = _json_list()
    rights_territories: list[str] = _json_list()
    rights_window_start: date | None = None
    rights_window_end: date | None = None
    rights_exclusive: bool | None = None
    rights_notes: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    status: Status = Field(default=Status.submitted, index=True)
    # Who submitted it (a filmmaker account), what the curator answered, and a screener link
    # when the film was not uploaded.
    owner_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    curator_message: str | None = None
    screener_url: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    credits: list["Credit"] = Relationship(
        back_populates="film",
        sa_relationship_kwargs={
            "cascade": "all, delete-orphan",
            "order_by": "(Credit.role, Credit.position)",
            "lazy": "selectin",
        },
    )

    def names(self, role: Role) -> list[str]:
        return [c.name for c in self.credits if c.role == role]

    @property
    def directors(self) -> list[str]:
        return self.names(Role.director)

    @property
    def display_title(self) -> str:
        return self.title_fr or self.original_title

    def lacks(self) -> list[str]:
        """What a curator needs and this record does not say, in the catalog's field names."""
        return missing_fields(
            runtime_seconds=self.runtime_seconds,
            has_synopsis=bool(self.synopsis_fr or self.synopsis_en),
            year=self.year,
            form=self.form,
            has_directors=bool(self.directors),
            region_code=self.region_code,
            original_languages=self.original_languages,
            audience=self.audience,
        )


def missing_fields(
    *,
    runtime_seconds: int | None,
    has_synopsis: bool,
    year: int | None,
    form: Any,
    has_directors: bool,
    region_code: str | None,
    original_languages: list[str] | None,
    audience: Any,
) -> list[str]:
    """The fields a curator needs that a record leaves empty (see Film.lacks)."""
    empty = {
        "runtime": runtime_seconds is None,
        "synopsis": not has_synopsis,
        "year": year is None,
        "form": form is None,
        "directors": not has_directors,
        "region": region_code is None,
        "original_languages": not original_languages,
        "audience": audience is None,
    }
    return [name for name, is_empty in empty.items() if is_empty]


class Credit(SQLModel, table=True):
    """A person's part in a film (pbcoreCreator / pbcoreContributor)."""

    # A film's credits of one role, in order (a list's directors): a role alone is too
    # common a value to index.
    __table_args__ = (Index("ix_credit_film_role", "film_id", "role", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    film_id: int = Field(foreign_key="film.id", index=True, ondelete="CASCADE")
    role: Role
    position: int = 0
    name: str = Field(index=True)
    # The person's region for this film when known (a Region code; not a foreign key so an
    # old import keeps loading), and their name folded (no case, no accents, single spaces)
    # that a person's page gathers their credits by (0015).
    region_code: str | None = Field(default=None, max_length=2, index=True)
    person_key: str = Field(default="", max_length=200, index=True)

    film: Optional["Film"] = Relationship(back_populates="credits")


@event.listens_for(Credit, "before_insert")
@event.listens_for(Credit, "before_update")
def _key_credit(_mapper: Any, _connection: Any, credit: Credit) -> None:
    """Every credit the ORM writes carries its person's key (bulk imports set it themselves,
    catalog.records.credit_rows), so a person's page never misses one."""
    from catalog.people import person_key

    credit.person_key = person_key(credit.name or "")


class FilmChange(SQLModel, table=True):
    """One edit of a film's record: who made it, how, and each field's value before and after.

    `changes` maps a field name to `[before, after]` (JSON values); `kind` says where the
    edit came from: "edit" (one film's form), "bulk" (several films at once), "submission",
    "decision" (accepted/declined) or "revert".
    """

    id: int | None = Field(default=None, primary_key=True)
    film_id: int = Field(foreign_key="film.id", index=True, ondelete="CASCADE")
    user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    kind: str = Field(default="edit", max_length=24)
    changes: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONType, nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow, index=True)


class Review(SQLModel, table=True):
    """One curator's judging of a submission: a score from 1 to 5 and private notes.

    Curators see each other's scores and notes; filmmakers never do.
    """

    __table_args__ = (UniqueConstraint("film_id", "user_id", name="uq_review_film_user"),)

    id: int | None = Field(default=None, primary_key=True)
    film_id: int = Field(foreign_key="film.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    score: int | None = None
    note: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class MediaAsset(SQLModel, table=True):
    """A film's media file and what was derived from it (probe, images, proxy)."""

    id: int | None = Field(default=None, primary_key=True)
    film_id: int = Field(foreign_key="film.id", index=True, ondelete="CASCADE")
    path: str
    size_bytes: int = Field(sa_type=BigInteger)
    sha256: str = Field(index=True, max_length=64)
    probe: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    poster_path: str | None = None
    thumbnail_paths: list[str] = _json_list()
    contact_sheet_path: str | None = None
    proxy_path: str | None = None
    preview_path: str | None = None
    # The style profile's numbers and descriptors, and its fixed-length vector (float32).
    style: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    style_vector: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    qc: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    # A stand-in clip replaces a film's real media in the demo; pages label it as such.
    is_stand_in: bool = False
    analysed_at: datetime | None = None
    analysis_error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CatalogVersion(SQLModel, table=True):
    """One row whose number goes up with every write to films, credits, media, regions,
    bundles or their items.

    Database triggers keep it (migration 0003), so no write path can forget it, bulk
    imports included: a list of films or a pitch rendered at one version is still right
    while the number has not moved. Answers and pitch events do not move it.
    """

    id: int = Field(default=1, primary_key=True)
    version: int = Field(default=0, sa_type=BigInteger)


class Embedding(SQLModel, table=True):
    """A film's vector for one facet and model, keyed by the hash of the text it came from."""

    __table_args__ = (UniqueConstraint("film_id", "facet", "model_id"),)

    id: int | None = Field(default=None, primary_key=True)
    film_id: int = Field(foreign_key="film.id", index=True, ondelete="CASCADE")
    facet: str = Field(max_length=32)
    model_id: str
    dimension: int
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    source_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class JobStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class Job(SQLModel, table=True):
    """Background work (import, embedding, analysis, proposals) and how far it got.

    Work is done in small committed steps. A run holds the job by a lease (`lease_owner`,
    `lease_expires_at`) that it renews while it works; a job whose lease ran out (its worker
    died) is queued again by any live worker and resumes with the steps not yet done.
    """

    __table_args__ = (UniqueConstraint("parent_id", "child_key", name="uq_job_parent_child"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True, max_length=32)
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    status: JobStatus = Field(default=JobStatus.queued, index=True)
    done: int = 0
    total: int = 0
    message: str = ""
    attempts: int = 0
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    heartbeat_at: datetime | None = None
    finished_at: datetime | None = None
    # The run holding the job ("host:pid:token"), and until when unless it renews.
    lease_owner: str | None = Field(default=None, max_length=120)
    lease_expires_at: datetime | None = None
    # A catalog-wide job fans out into children (0017): each names its parent and a key
    # (a film's id, a chunk's range) unique under that parent, so a child is made once.
    parent_id: int | None = Field(
        default=None, foreign_key="job.id", index=True, ondelete="CASCADE"
    )
    child_key: str | None = Field(default=None, max_length=64)


class Cluster(SQLModel, table=True):
    """A group of films on one facet, with an identity that survives re-clustering."""

    id: str = Field(primary_key=True, max_length=40)
    facet: str = Field(index=True, max_length=16)
    name: str
    keywords: list[str] = _json_list()
    explanation: str = ""
    film_ids: list[int] = _json_list()
    # A curator's rename or note survives re-clustering while the membership mostly holds.
    renamed: bool = False
    note: str = ""
    updated_at: datetime = Field(default_factory=utcnow)


class Proposal(SQLModel, table=True):
    """One run of the bundle engine: its settings, and what it could not place and why."""

    id: int | None = Field(default=None, primary_key=True)
    facet: str = Field(max_length=16)
    slot_minutes: int
    rules: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    unplaced: list[Any] = _json_list()
    blocked_by: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONType, nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow)


class BundleStatus(enum.StrEnum):
    proposed = "proposed"
    edited = "edited"
    locked = "locked"
    archived = "archived"


class Bundle(SQLModel, table=True):
    """An anthology: ordered films filling a broadcast slot (pbcoreRelation)."""

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id", index=True)
    facet: str = Field(max_length=16)
    slot_minutes: int
    label: str  # French, or the curator's own name
    label_en: str = ""  # English; empty: the same as `label`
    explanation: str = ""
    explanation_en: str = ""
    pitch_text: str = ""
    pitch_text_en: str = ""  # English; empty: the French one, marked as such (0013)
    scores: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    status: BundleStatus = Field(default=BundleStatus.proposed, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    items: list["BundleItem"] = Relationship(
        back_populates="bundle",
        sa_relationship_kwargs={
            "cascade": "all, delete-orphan",
            "order_by": "BundleItem.position",
            "lazy": "selectin",
        },
    )


class BundleItem(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("bundle_id", "film_id"),)

    id: int | None = Field(default=None, primary_key=True)
    bundle_id: int = Field(foreign_key="bundle.id", index=True, ondelete="CASCADE")
    film_id: int = Field(foreign_key="film.id", index=True, ondelete="CASCADE")
    position: int = 0
    pinned: bool = False

    bundle: Optional["Bundle"] = Relationship(back_populates="items")


class BundleRevision(SQLModel, table=True):
    """A bundle's state after each edit, so its history can be read back."""

    id: int | None = Field(default=None, primary_key=True)
    bundle_id: int = Field(foreign_key="bundle.id", index=True, ondelete="CASCADE")
    snapshot: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONType, nullable=False)
    )
    note: str = ""
    created_at: datetime = Field(default_factory=utcnow)


class ShareLink(SQLModel, table=True):
    """A bundle shared with a broadcaster account, or by a private link for a named recipient.

    The URL carries a signed token naming this row; expiry and revocation are checked here
    on every request, so a leaked link can be cut off.
    """

    id: int | None = Field(default=None, primary_key=True)
    bundle_id: int = Field(foreign_key="bundle.id", index=True, ondelete="CASCADE")
    recipient_name: str
    recipient_email: str = ""
    broadcaster_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    expires_at: datetime
    revoked_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    # One named person per link (0009): their organisation and the language the page, the
    # invitation and the kit speak to them in.
    recipient_organisation: str = ""
    recipient_language: str = Field(default="fr", max_length=8)
    # The viewing window opens at starts_at (None: at once) and closes at expires_at.
    starts_at: datetime | None = None
    # Plays allowed per film (None: no cap); counted in Viewing.plays.
    view_cap: int | None = None
    # The invitation e-mail: when it left, or why it could not.
    invited_at: datetime | None = None
    invite_error: str = ""
    reminded_at: datetime | None = None


class Viewing(SQLModel, table=True):
    """What one recipient watched of one film (film_id None: the bundle's sizzle reel).

    The player reports the ranges it actually played; `watched` keeps their union, so a
    replay or a Range request re-fetching bytes does not count twice.
    """

    __table_args__ = (UniqueConstraint("share_id", "film_id", name="uq_viewing_share_film"),)

    id: int | None = Field(default=None, primary_key=True)
    share_id: int = Field(foreign_key="sharelink.id", index=True, ondelete="CASCADE")
    bundle_id: int = Field(foreign_key="bundle.id", index=True, ondelete="CASCADE")
    film_id: int | None = Field(default=None, foreign_key="film.id", ondelete="CASCADE")
    plays: int = 0
    # [[start, end], ...] in seconds, merged and sorted.
    watched: list[list[float]] = Field(
        default_factory=list, sa_column=Column(JSONType, nullable=False)
    )
    watched_seconds: float = 0.0
    duration_seconds: float | None = None
    first_played_at: datetime | None = None
    last_seen_at: datetime | None = None


class Verdict(enum.StrEnum):
    interested = "interested"
    maybe = "maybe"
    pass_ = "pass"


class Answer(SQLModel, table=True):
    """A broadcaster's answer on a bundle (film_id empty) or on one of its films."""

    id: int | None = Field(default=None, primary_key=True)
    bundle_id: int = Field(foreign_key="bundle.id", index=True, ondelete="CASCADE")
    film_id: int | None = Field(default=None, foreign_key="film.id", index=True)
    share_id: int | None = Field(default=None, foreign_key="sharelink.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    # Stored by value ("pass"): the member is named pass_ only because pass is a keyword.
    verdict: Verdict = Field(
        sa_type=SAEnum(Verdict, values_callable=lambda e: [m.value for m in e], name="verdict")
    )
    comment: str = ""
    created_at: datetime = Field(default_factory=utcnow)


class PitchEvent(SQLModel, table=True):
    """Who opened or played what in the pitch room, and when."""

    id: int | None = Field(default=None, primary_key=True)
    bundle_id: int = Field(foreign_key="bundle.id", index=True, ondelete="CASCADE")
    film_id: int | None = Field(default=None, foreign_key="film.id")
    share_id: int | None = Field(default=None, foreign_key="sharelink.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    kind: str = Field(max_length=24)
    created_at: datetime = Field(default_factory=utcnow)


class FundingGrant(SQLModel, table=True):
    """One line of Telefilm Canada's proactive disclosure of funding (catalog/funding.py).

    Reference data, replaced as a whole by each import. The cells are kept as the disclosure
    gives them ("0", its "not applicable", stored empty); amounts are whole cents. A Québec
    grant's city is placed in its administrative region when the place table can tell which
    (`region_code` 01–17); a grant from outside Québec has region 99; a Québec grant whose
    city cannot be placed, or a grant that names no province or country, has none.
    """

    id: int | None = Field(default=None, primary_key=True)
    # The file's line the grant starts on, and the fingerprint of its raw cells.
    source_line: int
    row_hash: str = Field(max_length=64)
    period: str = Field(max_length=9, index=True)  # fiscal year, "2009-2010"
    quarter: str = Field(max_length=2)  # "P1" … "P4"
    recipient: str
    city: str = ""
    province: str = ""
    country: str = ""
    title: str = ""
    language: str = ""
    genre: str = ""
    granted_on: date | None = None  # "0000-00-00" in the file: unknown
    final_cents: int = Field(sa_type=BigInteger)
    original_cents: int = Field(sa_type=BigInteger)
    kind: str = ""  # the disclosure's "Type": Advance, Contribution, Investment…
    programme: str = ""  # its "Purpose": Development Program, Production Program…
    comments: str = ""
    quebec: bool = Field(default=False, index=True)
    region_code: str | None = Field(
        default=None, foreign_key="region.code", index=True, max_length=2
    )
    municipality: str | None = None  # the place's official name, when placed


class SelfIdentification(SQLModel, table=True):
    """A filmmaker's voluntary, consented self-identification for one submitted film.

    Kept apart from the film's record so that it is never loaded with it: no page, export,
    API answer or history entry of a film reads this table; only the filmmaker's own form
    and the aggregates of catalog/indicators.py (with small counts suppressed) do. A row
    exists only with consent (`consent_at`); withdrawing consent deletes it.

    `director_gender`: "woman", "man", "non_binary" or "prefer_not" (None: not answered);
    for a co-direction, "woman" when at least one woman directs. `first_film` and
    `indigenous` (an Indigenous director or a production from an Indigenous community):
    True, False or None (not answered); `nation`: the nation or community, as written.
    """

    id: int | None = Field(default=None, primary_key=True)
    film_id: int = Field(foreign_key="film.id", unique=True, ondelete="CASCADE")
    director_gender: str | None = Field(default=None, max_length=16)
    first_film: bool | None = None
    indigenous: bool | None = None
    nation: str | None = Field(default=None, max_length=200)
    consent_at: datetime
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    updated_at: datetime = Field(default_factory=utcnow)


class Season(SQLModel, table=True):
    """An anthology series planned whole: its episodes (each a Bundle, in `SeasonEpisode`
    order) and the season-wide rules they keep together (curation/season.py's SeasonRules,
    as plain settings in `rules`; what the solver measured when it chose them in `measured`)."""

    id: int | None = Field(default=None, primary_key=True)
    label: str
    label_en: str = ""  # empty: the same as `label`
    concept: str = ""  # what the curator asked for ("territoire", a theme, a region…)
    slot_minutes: int
    episodes: int  # how many were asked for
    rules: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    measured: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONType, nullable=False)
    )
    status: str = Field(default="draft", max_length=16, index=True)  # draft, archived
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class SeasonEpisode(SQLModel, table=True):
    """One episode of a season, in broadcast order: a bundle, edited as any other."""

    __table_args__ = (UniqueConstraint("bundle_id", name="uq_seasonepisode_bundle"),)

    id: int | None = Field(default=None, primary_key=True)
    season_id: int = Field(foreign_key="season.id", index=True, ondelete="CASCADE")
    bundle_id: int = Field(foreign_key="bundle.id", ondelete="CASCADE")
    position: int = 0


class SeasonAnswer(SQLModel, table=True):
    """A broadcaster's answer on a whole season (answers on an episode or one of its films
    are `Answer` rows of that episode's bundle). `share_id`: the recipient's share of the
    first episode they were given, which names who answered through a private link."""

    id: int | None = Field(default=None, primary_key=True)
    season_id: int = Field(foreign_key="season.id", index=True, ondelete="CASCADE")
    share_id: int | None = Field(
        default=None, foreign_key="sharelink.id", index=True, ondelete="CASCADE"
    )
    user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    verdict: str = Field(max_length=16)  # a Verdict's value: interested, maybe, pass
    comment: str = ""
    created_at: datetime = Field(default_factory=utcnow)


class VersionKind(enum.StrEnum):
    """What a film's version file is: a text track or an audio track (0014)."""

    subtitles = "subtitles"  # translation of the dialogue
    captions = "captions"  # closed captions (CRTC delivery)
    sdh = "sdh"  # subtitles for the deaf and hard of hearing
    dub = "dub"  # a dubbed audio track
    described = "described"  # described video (audio description)


class FilmVersion(SQLModel, table=True):
    """A subtitle file or an audio track attached to a film, in one language.

    `kind` is a VersionKind value; `qc` holds the subtitle QC report (media_tools.subtitles)
    or the audio probe's findings; `path` is under MEDIA_ROOT; a subtitle file is also kept
    as WebVTT at `vtt_path` for the players' `<track>`.
    """

    __table_args__ = (
        UniqueConstraint("film_id", "kind", "language", name="uq_filmversion_film_kind_language"),
    )

    id: int | None = Field(default=None, primary_key=True)
    film_id: int = Field(foreign_key="film.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=16)
    language: str = Field(max_length=8)
    path: str
    vtt_path: str | None = None
    original_name: str = ""
    format: str = Field(default="", max_length=16)
    size_bytes: int = Field(default=0, sa_type=BigInteger)
    sha256: str = Field(default="", max_length=64)
    duration_seconds: float | None = None
    qc: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    uploaded_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PromoAsset(SQLModel, table=True):
    """A film's promotional material (0016): a making-of or interview clip, a still, a set
    photo, a teacher's guide PDF…, with its kind and language ("" when it has no speech).

    `media_type` is "video", "image" or "pdf" (found by probing, not by the name); a clip
    gets a browser-playable `preview_path` and a `thumbnail_path`, made like a film's.
    """

    id: int | None = Field(default=None, primary_key=True)
    film_id: int = Field(foreign_key="film.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=24)  # making_of, interview, set_visit, still, set_photo,
    # teacher_guide, trailer, press
    language: str = Field(default="", max_length=8)
    title: str = ""
    media_type: str = Field(max_length=8)
    path: str
    original_name: str = ""
    size_bytes: int = Field(default=0, sa_type=BigInteger)
    sha256: str = Field(default="", max_length=64)
    probe: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    preview_path: str | None = None
    thumbnail_path: str | None = None
    position: int = 0
    uploaded_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)

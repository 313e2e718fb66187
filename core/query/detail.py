"""Everything Shoebox knows about one file, for the detail pane and `shoebox show`-like reads."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from core.catalog import Catalog
from core.files.kinds import pair_key
from core.places.events import event_of_file
from core.places.geocoder import place_label
from core.places.store import file_place
from core.query.display import camera_label
from core.query.errors import QueryError

TAGS_SHOWN = 20


@dataclass
class TextLine:
    text: str
    confidence: float
    box: list[list[float]]
    frame_ms: int


@dataclass
class FileDetail:
    id: int
    path: str
    name: str
    folder: str
    kind: str
    format: str                        # jpeg, heic, raw, mp4... (core.files.kinds)
    size: int
    content_hash: str | None
    width: int | None                  # as shown: upright (EXIF orientation 5-8 swaps them)
    height: int | None
    duration_s: float | None
    taken_at: float | None
    taken_at_source: str | None        # core.files.dates.DATE_SOURCES, or mtime
    gps_lat: float | None
    gps_lon: float | None
    camera_make: str | None
    camera_model: str | None
    status: str                        # present | missing
    caption: str | None = None
    tags: list[str] = field(default_factory=list)          # best first
    segments: list[tuple[float, float, str]] = field(default_factory=list)  # transcript
    language: str | None = None
    errors: list[str] = field(default_factory=list)        # "stage: what went wrong"
    collection: str | None = None
    place: str | None = None            # 'Kyoto, Kyoto, Japan' (town, region, country)
    place_inferred: bool = False        # from the file's event, not its own GPS
    event: str | None = None            # 'Kyoto, 1-5 April 2023': the event it belongs to
    # text read in the picture (the text stage), in reading order; box: four (x, y) corners
    # as fractions of the picture's width and height; frame_ms -1 for a photo
    text_lines: list[TextLine] = field(default_factory=list)
    picture_kind: str | None = None    # screenshot | document (core.pipeline.picture_kinds)
    companions: list[str] = field(default_factory=list)  # RAW twins kept with it (names)
    # what people and other programs wrote: a description (Google Takeout, or an XMP
    # sidecar / the file's own XMP/IPTC: core.xmp.read), keywords, a rating, albums
    keywords: list[str] = field(default_factory=list)
    description: str | None = None
    rating: int | None = None           # 0-5; -1: rejected
    albums: list[str] = field(default_factory=list)
    favorite: bool = False
    # for a date from a Takeout JSON (UTC there): the zone it was turned into local time in,
    # 'Asia/Tokyo' (from the position) or 'machine' (no position: this machine's zone)
    date_zone: str | None = None

    @property
    def text(self) -> str:
        """The text read in the picture, one line per line (what "copy text" copies)."""
        return "\n".join(ln.text for ln in self.text_lines)

    @property
    def camera(self) -> str:
        return camera_label(self.camera_make, self.camera_model)

    def to_dict(self) -> dict:
        return asdict(self)


_FILE_COLUMNS = ("id", "path", "name", "folder", "kind", "format", "size", "content_hash", "width",
                 "height", "duration_s", "taken_at", "taken_at_source", "gps_lat", "gps_lon",
                 "camera_make", "camera_model", "status")


def file_detail(catalog: Catalog, file_id: int) -> FileDetail:
    """Facts, caption, tags, transcript, collection and recorded problems of one file.
    QueryError when the file is no longer in the catalog."""
    with catalog.read() as conn:
        conn.execute("BEGIN")  # one snapshot: the file and its results agree
        try:
            f = conn.execute(f"SELECT {', '.join(_FILE_COLUMNS)}, orientation, error "
                             "FROM files WHERE id = ?", (int(file_id),)).fetchone()
            if f is None:
                raise QueryError(f"file {file_id} is no longer in the catalog")
            d = FileDetail(**{c: f[c] for c in _FILE_COLUMNS})
            if f["orientation"] in (5, 6, 7, 8):  # stored sideways: a portrait shows portrait
                d.width, d.height = d.height, d.width
            cap = conn.execute("SELECT text FROM captions WHERE file_id = ?",
                               (d.id,)).fetchone()
            d.caption = cap[0] if cap else None
            d.tags = [r[0] for r in conn.execute(
                "SELECT tag, max(score) AS s FROM tags WHERE file_id = ? GROUP BY tag "
                "ORDER BY s DESC LIMIT ?", (d.id, TAGS_SHOWN))]
            d.segments = [(r[0], r[1], r[2]) for r in conn.execute(
                "SELECT start_s, end_s, text FROM transcript_segments WHERE file_id = ? "
                "ORDER BY start_s", (d.id,))]
            lang = conn.execute("SELECT language FROM transcripts WHERE file_id = ?",
                                (d.id,)).fetchone()
            d.language = lang[0] if lang else None
            if f["error"]:
                d.errors.append(f"scan: {f['error']}")
            d.errors += [f"{r[0]}: {r[1] or 'failed'}" for r in conn.execute(
                "SELECT stage, error FROM jobs WHERE file_id = ? AND state = 'error' "
                "ORDER BY stage", (d.id,))]
            col = conn.execute(
                "SELECT coalesce(c.name, ?) FROM cluster_members m "
                "JOIN clusters c ON c.id = m.cluster_id WHERE m.file_id = ?",
                ("Unnamed collection", d.id)).fetchone()
            d.collection = col[0] if col else None
            _add_place(conn, d)
            d.text_lines = [TextLine(r[0], r[1], json.loads(r[2]), r[3]) for r in conn.execute(
                "SELECT text, confidence, box, frame_ms FROM text_lines WHERE file_id = ? "
                "ORDER BY frame_ms, line_no", (d.id,))]
            kind = conn.execute("SELECT kind FROM picture_kinds WHERE file_id = ?",
                                (d.id,)).fetchone()
            d.picture_kind = kind[0] if kind else None
            _add_takeout(conn, d)
            key = pair_key(d.name)
            xmp = conn.execute("SELECT keywords, description FROM xmp_reads WHERE file_id = ?",
                               (d.id,)).fetchone()
            if xmp is not None:
                d.keywords = (xmp[0] or "").splitlines()
                d.description = d.description or xmp[1]   # the Takeout's, else the XMP's
            rating = conn.execute("SELECT rating FROM ratings WHERE file_id = ?",
                                  (d.id,)).fetchone()
            d.rating = rating[0] if rating else None
            d.companions = sorted(r[0] for r in conn.execute(
                "SELECT name FROM files WHERE folder = ? AND kind = 'other' "
                "AND status = 'present'", (d.folder,)) if pair_key(r[0]) == key)
        finally:
            conn.execute("COMMIT")
    return d


def _add_takeout(conn, d: FileDetail) -> None:
    r = conn.execute("SELECT text FROM descriptions WHERE file_id = ?", (d.id,)).fetchone()
    d.description = r[0] if r else None
    d.albums = [r[0] for r in conn.execute(
        "SELECT a.name FROM album_files af JOIN albums a ON a.id = af.album_id "
        "WHERE af.file_id = ? ORDER BY a.name", (d.id,))]
    d.favorite = bool(conn.execute("SELECT favorite FROM files WHERE id = ?",
                                   (d.id,)).fetchone()[0])
    if d.taken_at_source == "takeout" and d.content_hash:
        r = conn.execute("SELECT tz FROM takeout_items WHERE content_hash = ?",
                         (d.content_hash,)).fetchone()
        d.date_zone = r[0] if r else None


def _add_place(conn, d: FileDetail) -> None:
    p = file_place(conn, d.id)
    if p is not None:
        d.place = place_label(p.place, p.region, p.country, with_region=True) or None
        d.place_inferred = p.inferred
    d.event = event_of_file(conn, d.id)


def showcase_file(catalog: Catalog) -> int | None:
    """A file that shows the detail pane at its fullest (a date, a camera and a place), or
    None: for screenshots and demos."""
    with catalog.read() as conn:
        row = conn.execute(
            "SELECT id FROM files WHERE status = 'present' AND gps_lat IS NOT NULL AND "
            "camera_model IS NOT NULL ORDER BY name LIMIT 1").fetchone()
    return row[0] if row else None

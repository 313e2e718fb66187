"""Import a Google Takeout (zips or extracted folders) into a library folder.

Every media file is copied once into FOLDER/YEAR/, straight out of its zip (no extraction
first): a photo in `Photos from 2019` and in an album folder is one photo, and a content the
library already has is not copied again. Each copy is written to a hidden temporary name and
renamed when whole, and each settled file is journalled (`takeout_journal`), so an import that
was killed goes on where it stopped and nothing is left half-copied. The JSON sidecars are
matched by core.importers.takeout_names and not copied: what they say is recorded by content
hash (`takeout_items`, `takeout_albums`) and put on the files by core.scan.takeout_meta once
FOLDER is scanned.

With `write_metadata` the JSON's date and position are also written into each copied photo's
own EXIF where it has none (core.xmp.packet), in the hidden temporary copy before its rename:
the Takeout is never written to, and a photo that cannot take them is copied as exported. The
journal keeps both hashes, so the same photo exported again is still recognised.
By default the copies keep the exported bytes.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import xxhash

from core.catalog import Catalog, Connection
from core.errors import LibraryError
from core.files.kinds import classify
from core.importers.takeout_names import match_json, motion_stem, norm, photo_stems
from core.scan.hashing import CHUNK, hash_file
from core.scan.roots import add_root, is_within, list_roots
from core.scan.scanner import scan
from core.scan.takeout_meta import apply_takeout
from core.tasks import TaskState

COPY_THREADS = 4  # reading a zip member and writing it is I/O: a few keep the disk busy
JOURNAL_BATCH = 200
PART_SUFFIX = ".shoebox-part"
# formats exiv2 writes EXIF into safely; others (HEIC, RAW, videos) are copied as exported
EXIF_WRITABLE = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp")
UNDATED = "Undated"
_YEAR_FOLDER = re.compile(r"(?:^|\D)((?:19|20)\d\d)$")  # Photos from 2019, Fotos von 2019


@dataclass(frozen=True)
class Entry:
    """A file of the Takeout: in a zip (member) or on disk (path)."""

    key: str               # zip::member or the path: names it in the journal and the summary
    folder: str            # its folder's name: 'Photos from 2019', or an album's
    name: str
    size: int
    zip: str | None = None
    member: str | None = None

    def open(self, zips: dict[str, zipfile.ZipFile]):
        if self.zip is None:
            return open(self.key, "rb")
        return zips[self.zip].open(self.member)


@dataclass
class Meta:
    json_key: str
    taken_at: float | None = None
    taken_utc: float | None = None
    tz: str | None = None
    tz_source: str | None = None
    gps: tuple[float, float] | None = None
    description: str = ""
    favorite: bool = False
    people: tuple[str, ...] = ()


@dataclass
class Summary:
    media: int = 0              # media files in the Takeout (every copy of each counted)
    matched_json: int = 0
    companions: int = 0         # motion-photo movies kept with their photo
    copied: int = 0
    duplicates: int = 0         # the same content again, in the Takeout or the library
    already_imported: int = 0   # settled by an earlier run of this import
    albums: int = 0
    other_files: int = 0        # neither media nor JSON (html, ...): not copied
    unmatched: list[dict] = field(default_factory=list)   # {file, reason}
    failed: list[dict] = field(default_factory=list)      # {file, reason}: not copied
    metadata_written: int = 0   # copies given the JSON's date/position in their own EXIF
    metadata_failed: list[dict] = field(default_factory=list)  # {file, reason}: as exported
    scan: dict = field(default_factory=dict)
    into: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    def text(self) -> str:
        lines = [(f"{self.media} media files: {self.copied} copied into {self.into}, "
                  f"{self.duplicates} duplicates skipped, "
                  f"{self.already_imported} imported before"),
                 (f"{self.matched_json} matched their JSON, {self.companions} motion-photo "
                  f"movies kept with their photo, {len(self.unmatched)} without JSON"),
                 f"{self.albums} albums"]
        if self.other_files:
            lines.append(f"{self.other_files} other files (not photos or videos) left out")
        if self.scan:
            lines.append("scan: " + ", ".join(f"{v} {k}" for k, v in self.scan.items() if v))
        if self.metadata_written or self.metadata_failed:
            lines.append(f"date and position written into {self.metadata_written} photos")
        if self.metadata_failed:
            lines.append(f"{len(self.metadata_failed)} photos kept as exported (their "
                         "metadata could not be written):")
            lines += [f"  {u['file']}: {u['reason']}" for u in self.metadata_failed]
        if self.failed:
            lines.append(f"{len(self.failed)} files could not be read out of the Takeout:")
            lines += [f"  {u['file']}: {u['reason']}" for u in self.failed]
        if self.unmatched:
            lines.append("no JSON found for:")
            lines += [f"  {u['file']}: {u['reason']}" for u in self.unmatched]
        return "\n".join(lines)


# --- reading the Takeout -------------------------------------------------------------------

def list_entries(paths: list[str | os.PathLike]) -> tuple[list[Entry], dict[str, zipfile.ZipFile]]:
    """Every file of the Takeouts given (zips or folders), and the zips, opened."""
    entries: list[Entry] = []
    zips: dict[str, zipfile.ZipFile] = {}
    for p in paths:
        path = Path(p).expanduser()
        if path.is_dir():
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames.sort()
                for name in sorted(filenames):
                    full = os.path.join(dirpath, name)
                    if name.endswith(PART_SUFFIX):
                        continue
                    entries.append(Entry(full, os.path.basename(dirpath), name,
                                         os.path.getsize(full)))
        elif path.is_file():
            try:
                zf = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError) as e:
                raise LibraryError(f"{path} is not a Takeout zip that can be read: {e}") from e
            key = str(path.resolve())
            zips[key] = zf
            for info in zf.infolist():
                if info.is_dir():
                    continue
                parts = info.filename.split("/")
                folder = parts[-2] if len(parts) > 1 else ""
                entries.append(Entry(f"{key}::{info.filename}", folder, parts[-1],
                                     info.file_size, key, info.filename))
        else:
            raise LibraryError(f"{path} does not exist: give a Takeout zip or its folder")
    return entries, zips


def _read_json(e: Entry, zips) -> dict | None:
    try:
        with e.open(zips) as f:
            data = json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError, zipfile.BadZipFile):
        return None
    return data if isinstance(data, dict) else None


_tz_finder = None
_tz_lock = threading.Lock()


def zone_at(lat: float, lon: float) -> str | None:
    """The time zone name at a position (offline table), or None (at sea, say)."""
    global _tz_finder
    with _tz_lock:
        if _tz_finder is None:
            from timezonefinder import TimezoneFinder

            _tz_finder = TimezoneFinder()
        return _tz_finder.timezone_at(lat=lat, lng=lon)


def local_time(utc: float, gps: tuple[float, float] | None) -> tuple[float, str, str]:
    """(taken_at, zone, 'position' | 'machine'): photoTakenTime (UTC) as the wall-clock time
    where the photo was taken, stored as EXIF dates are (read as this machine's local time)."""
    zone = zone_at(*gps) if gps else None
    if zone:
        from zoneinfo import ZoneInfo

        wall = datetime.fromtimestamp(utc, ZoneInfo(zone)).replace(tzinfo=None)
        return time.mktime(wall.timetuple()), zone, "position"
    return utc, "machine", "machine"


def _position(data: dict) -> tuple[float, float] | None:
    for key in ("geoData", "geoDataExif"):
        g = data.get(key) or {}
        try:
            lat, lon = float(g.get("latitude", 0)), float(g.get("longitude", 0))
        except (TypeError, ValueError):
            continue
        if (lat, lon) != (0.0, 0.0) and -90 <= lat <= 90 and -180 <= lon <= 180:
            return lat, lon
    return None


def read_meta(key: str, data: dict) -> Meta:
    people = data.get("people") if isinstance(data.get("people"), list) else []
    names = tuple(dict.fromkeys(str(p["name"]).strip() for p in people
                                if isinstance(p, dict) and str(p.get("name") or "").strip()))
    m = Meta(key, description=str(data.get("description") or "").strip(),
             favorite=bool(data.get("favorited")), gps=_position(data), people=names)
    try:
        m.taken_utc = float((data.get("photoTakenTime") or {}).get("timestamp"))
    except (TypeError, ValueError):
        m.taken_utc = None
    if m.taken_utc is not None and m.taken_utc > 0:
        m.taken_at, m.tz, m.tz_source = local_time(m.taken_utc, m.gps)
    return m


def _is_media(name: str) -> bool:
    return classify(name) is not None or motion_stem(name) is not None


def _year_of(folder: str) -> str | None:
    m = _YEAR_FOLDER.search(folder)
    return m.group(1) if m else None


@dataclass
class _Item:
    entry: Entry
    meta: Meta | None
    companion: bool = False
    albums: tuple[str, ...] = ()


def plan_items(entries: list[Entry], zips, summary: Summary) -> list[_Item]:
    """Each media file with its JSON's facts (or None, the reason in summary.unmatched) and
    its album; year folders first, so a photo lands by the name it has there."""
    jsons: dict[tuple[str, str], str] = {}
    titles: dict[str, list[str]] = {}
    data: dict[str, dict] = {}
    album_names: dict[str, str] = {}
    media: list[Entry] = []
    for e in entries:
        if e.name.lower().endswith(".json"):
            d = _read_json(e, zips)
            if d is None:
                summary.failed.append({"file": e.key, "reason": "this JSON cannot be read "
                                       "(damaged, or not JSON): its photo is left undated"})
                continue
            key = f"{e.folder}/{e.name}"
            if "photoTakenTime" not in d and "creationTime" not in d and d.get("title"):
                album_names[e.folder] = str(d["title"])  # the album's own metadata.json
                continue
            jsons[(e.folder, norm(e.name))] = key
            data[key] = d
            if d.get("title"):
                titles.setdefault(norm(str(d["title"])), []).append(key)
        elif _is_media(e.name):
            media.append(e)
        else:
            summary.other_files += 1
    media.sort(key=lambda e: (_year_of(e.folder) is None or e.folder in album_names, e.key))
    items: list[_Item] = []
    metas: dict[str, Meta] = {}
    by_stem: dict[tuple[str, str], Meta] = {}
    # names first; a title names only a JSON no file claimed by name (two photos titled
    # IMG_1.jpg are IMG_1.jpg and IMG_1(1).jpg: the second must not take the first's JSON)
    by_name = {e.key: match_json(e.folder, e.name, jsons) for e in media}
    claimed = {m.json for m in by_name.values() if m.json}
    free_titles = {t: [k for k in keys if k not in claimed] for t, keys in titles.items()}
    for e in media:
        m = by_name[e.key]
        if m.json is None:
            m = match_json(e.folder, e.name, {}, free_titles)
        album = album_names.get(e.folder) or (e.folder if _year_of(e.folder) is None else None)
        albums = (album,) if album else ()
        if m.json is None and motion_stem(e.name) is not None:
            items.append(_Item(e, None, True, albums))
            continue
        meta = None
        if m.json is not None:
            meta = metas.get(m.json) or metas.setdefault(m.json, read_meta(m.json, data[m.json]))
            summary.matched_json += 1
            for s in photo_stems(e.name):
                by_stem[(e.folder, s)] = meta
        else:
            summary.unmatched.append({"file": e.key, "reason": m.rule})
        items.append(_Item(e, meta, False, albums))
    for it in items:  # a motion movie takes its photo's facts; alone, it is unmatched
        if it.companion:
            meta = by_stem.get((it.entry.folder, motion_stem(it.entry.name)))
            if meta is None:
                it.companion = False
                summary.unmatched.append({"file": it.entry.key, "reason": "a movie without a "
                                          "JSON and without a photo of the same name"})
            else:
                it.meta = meta
                summary.companions += 1
    summary.media = len(items)
    summary.albums = len({a for it in items for a in it.albums})
    return items


# --- copying -------------------------------------------------------------------------------

class _Copier:
    """Copies entries into FOLDER, once per content, journalling each settled one."""

    def __init__(self, catalog: Catalog, into: Path, zips, summary: Summary,
                 write_metadata: bool = False):
        self.catalog, self.into, self.zips, self.summary = catalog, into, zips, summary
        self.write_metadata = write_metadata
        self.lock = threading.Lock()
        with catalog.read() as conn:
            self.known = {r[0] for r in conn.execute(
                "SELECT content_hash FROM files WHERE status = 'present' "
                "AND content_hash IS NOT NULL")}
            # a photo given its metadata has other bytes in the library than in the Takeout:
            # the exported content is known too, and its facts go to the library's bytes
            self.kept_as = dict(conn.execute(
                "SELECT j.content_hash, j.library_hash FROM takeout_journal j JOIN files f "
                "ON f.content_hash = j.library_hash AND f.status = 'present'").fetchall())
            self.known.update(self.kept_as)
            self.done = {r[0]: r[1] for r in conn.execute(
                "SELECT source, coalesce(library_hash, content_hash) FROM takeout_journal")}
            # a content of a size already seen is hashed before it is written: a photo of
            # an album is mostly one of `Photos from YYYY` again, and need not be written
            self.sizes = {r[0] for r in conn.execute(
                "SELECT DISTINCT size FROM files WHERE status = 'present'")}
        self.pending_journal: list[tuple] = []
        self.pending_facts: list[tuple[str, _Item]] = []
        self.hashes: set[str] = set()

    def folder_for(self, it: _Item) -> Path:
        if it.meta and it.meta.taken_at is not None:
            return self.into / str(datetime.fromtimestamp(it.meta.taken_at).year)
        return self.into / (_year_of(it.entry.folder) or UNDATED)

    def copy(self, it: _Item) -> None:
        e = it.entry
        h = self.done.get(e.key)
        if h is not None:
            with self.lock:
                self.summary.already_imported += 1
                self.pending_facts.append((h, it))
            return
        if e.size in self.sizes and self._known_content(it):
            return
        folder = self.folder_for(it)
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{threading.get_ident()}-{e.name}{PART_SUFFIX}"
        hasher = xxhash.xxh3_128()
        try:
            try:
                with open(tmp, "wb") as dst, e.open(self.zips) as src:
                    while chunk := src.read(CHUNK):
                        hasher.update(chunk)
                        dst.write(chunk)
            except (OSError, zipfile.BadZipFile, EOFError) as err:
                self._failed(e, err)
                return
            h = hasher.hexdigest()
            kept = h   # the content in the library: other bytes once metadata is written
            if self.write_metadata and h not in self.known:
                kept = self._write_metadata(tmp, it) or h
            with self.lock:
                if h in self.known or kept in self.known:
                    outcome, dest = "duplicate", None
                    kept = self.kept_as.get(h, h) if h in self.known else kept
                    self.summary.duplicates += 1
                else:
                    dest = self._free_name(folder, e.name, kept)
                    if dest.exists():  # copied by a run killed before its journal was written
                        tmp.unlink()
                    else:
                        os.replace(tmp, dest)
                    self.known.update((h, kept))
                    if kept != h:
                        self.kept_as[h] = kept
                    self.sizes.add(e.size)
                    outcome = "copied"
                    self.summary.copied += 1
                    if kept != h:
                        self.summary.metadata_written += 1
                self.pending_journal.append((e.key, e.size, h, str(dest) if dest else None,
                                             outcome, time.time(), kept if kept != h else None))
                self.pending_facts.append((kept, it))
        finally:
            if tmp.exists():
                tmp.unlink()

    def _known_content(self, it: _Item) -> bool:
        """Hash the entry without writing it; True (and settled) when its content is known."""
        hasher = xxhash.xxh3_128()
        try:
            with it.entry.open(self.zips) as src:
                while chunk := src.read(CHUNK):
                    hasher.update(chunk)
        except (OSError, zipfile.BadZipFile, EOFError) as err:
            self._failed(it.entry, err)
            return True
        h = hasher.hexdigest()
        with self.lock:
            if h not in self.known:
                return False
            self.summary.duplicates += 1
            self.pending_journal.append((it.entry.key, it.entry.size, h, None, "duplicate",
                                         time.time(), self.kept_as.get(h)))
            self.pending_facts.append((self.kept_as.get(h, h), it))
        return True

    def _write_metadata(self, tmp: Path, it: _Item) -> str | None:
        """Write the JSON's date and position into the temporary copy's own EXIF (where it
        has none); the new content's hash, or None when nothing was written (the copy is then
        the exported bytes: a failure is listed, never fatal)."""
        m = it.meta
        if m is None or it.companion or not it.entry.name.lower().endswith(EXIF_WRITABLE):
            return None
        taken = (datetime.fromtimestamp(m.taken_at).strftime("%Y:%m:%d %H:%M:%S")
                 if m.taken_at is not None else None)
        if taken is None and m.gps is None:
            return None
        from core.xmp.packet import XmpError, with_exif_date_gps

        written = tmp.with_name(tmp.name[:-len(PART_SUFFIX)] + ".exif" + PART_SUFFIX)
        try:
            data = with_exif_date_gps(tmp.read_bytes(), taken, m.gps, it.entry.key)
            if data is None:
                return None
            written.write_bytes(data)
            os.replace(written, tmp)  # whole or not at all: tmp stays the exported bytes
        except (XmpError, OSError) as err:
            written.unlink(missing_ok=True)
            with self.lock:
                self.summary.metadata_failed.append({"file": it.entry.key, "reason": str(err)})
            return None
        return xxhash.xxh3_128(data).hexdigest()

    def _failed(self, e: Entry, err: Exception) -> None:
        """A file that cannot be read out of the Takeout: listed, and the import goes on."""
        if isinstance(err, OSError):
            reason = err.strerror or str(err)
        else:  # zipfile checks each member's CRC as it reads
            reason = f"damaged in the zip ({err})"
        with self.lock:
            self.summary.failed.append({"file": e.key, "reason": f"not copied: {reason}"})

    def _free_name(self, folder: Path, name: str, h: str) -> Path:
        """name, else 'name (2)' ...: never over another content; the same content (left by a
        killed run) is that copy."""
        stem, dot, ext = name.rpartition(".")
        stem, ext = (stem, dot + ext) if stem else (name, "")
        n = 1
        while True:
            dest = folder / (name if n == 1 else f"{stem} ({n}){ext}")
            if not dest.exists():
                return dest
            if dest.stat().st_size and hash_file(dest)[0] == h:
                return dest
            n += 1

    def flush(self, force: bool = False) -> None:
        with self.lock:
            if not force and len(self.pending_journal) + len(self.pending_facts) < JOURNAL_BATCH:
                return
            journal, facts = self.pending_journal, self.pending_facts
            self.pending_journal, self.pending_facts = [], []
        self.hashes.update(h for h, _ in facts)
        self.catalog.write(_record, journal, facts)


def _record(conn: Connection, journal: list[tuple], facts: list[tuple[str, _Item]]) -> None:
    now = time.time()
    for h, it in facts:
        m = it.meta
        if m is not None:
            # The same photo in a year folder and an album has two JSONs: what either says
            # counts (the year folder's, read first, wins where both say something).
            conn.execute(
                "INSERT INTO takeout_items(content_hash, json_path, taken_at, "
                "taken_utc, tz, tz_source, gps_lat, gps_lon, description, favorite, "
                "companion, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(content_hash) DO UPDATE SET "
                "taken_at = coalesce(taken_at, excluded.taken_at), "
                "taken_utc = coalesce(taken_utc, excluded.taken_utc), "
                "tz = coalesce(tz, excluded.tz), "
                "tz_source = coalesce(tz_source, excluded.tz_source), "
                "gps_lat = coalesce(gps_lat, excluded.gps_lat), "
                "gps_lon = coalesce(gps_lon, excluded.gps_lon), "
                "description = coalesce(description, excluded.description), "
                "favorite = max(favorite, excluded.favorite), "
                "companion = max(companion, excluded.companion)",
                (h, m.json_key, m.taken_at, m.taken_utc, m.tz, m.tz_source,
                 m.gps[0] if m.gps else None, m.gps[1] if m.gps else None,
                 m.description or None, int(m.favorite), int(it.companion), now))
            conn.executemany("INSERT OR IGNORE INTO takeout_people(content_hash, name) "
                             "VALUES (?, ?)", [(h, n) for n in m.people])
        conn.executemany("INSERT OR IGNORE INTO takeout_albums(content_hash, album) "
                         "VALUES (?, ?)", [(h, a) for a in it.albums])
    conn.executemany(
        "INSERT OR REPLACE INTO takeout_journal(source, size, content_hash, dest, outcome, "
        "done_at, library_hash) VALUES (?, ?, ?, ?, ?, ?, ?)", journal)


# --- the import ----------------------------------------------------------------------------

def _remove_partial_copies(target: Path) -> None:
    """The temporary files of a run that was killed mid-copy: never a whole file."""
    for dirpath, _dirs, names in os.walk(target):
        for name in names:
            if name.startswith(".") and name.endswith(PART_SUFFIX):
                Path(dirpath, name).unlink(missing_ok=True)


def import_takeout(catalog: Catalog, paths: list[str | os.PathLike], into: str | os.PathLike,
                   task: TaskState | None = None, *, data_home: Path | None = None,
                   write_metadata: bool = False) -> Summary:
    """Copy the Takeouts' media into `into` (by year), record what their JSON says, add
    `into` to the library when no library folder holds it, and scan it. `write_metadata`:
    also write the JSON's date and position into the copies' own EXIF (default: the copies
    are the exported bytes)."""
    task = task or TaskState("import")
    target = Path(into).expanduser()
    target.mkdir(parents=True, exist_ok=True)
    target = target.resolve()
    summary = Summary(into=str(target))
    _remove_partial_copies(target)
    task.status("reading the Takeout")
    entries, zips = list_entries(paths)
    try:
        items = plan_items(entries, zips, summary)
        copier = _Copier(catalog, target, zips, summary, write_metadata)
        task.start(len(items), f"copying {len(items)} photos and videos")

        def one(it: _Item) -> None:
            task.check()
            copier.copy(it)
            task.advance()
            copier.flush()

        # the year folders' files first, all of them: a photo of an album is mostly one of
        # them again, and must be found a duplicate, not copied by a thread racing its twin
        # (it would land in Undated/, the album folder having no year)
        with ThreadPoolExecutor(COPY_THREADS, thread_name_prefix="takeout-copy") as pool:
            for batch in ([it for it in items if not it.albums], [it for it in items
                                                                   if it.albums]):
                for _ in pool.map(one, batch):
                    pass
        copier.flush(force=True)
    finally:
        for zf in zips.values():
            zf.close()
    if not any(is_within(str(target), r.path) for r in list_roots(catalog)):
        add_root(catalog, target, data_home)
    report = scan(catalog, task, folders=[(str(target), True)],
                  skip=[data_home] if data_home else None)
    catalog.write(apply_takeout, sorted(copier.hashes))
    summary.scan = {"new": report.new, "changed": report.changed, "moved": report.moved,
                    "problems": report.problems}
    return summary

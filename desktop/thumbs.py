"""Thumbnails for the grid: decoded off the GUI thread as QImage, turned into QPixmap on it.

Requests are served newest first: the view asks for what it paints, so the most recent asks are
what is on screen now, and asks for items scrolled past fall to the back (and are dropped when
the queue grows long). Finished pixmaps live in a small LRU cache.

Where a thumbnail comes from: the pipeline's on-disk thumbnail cache (core.media.thumbnails),
filled on the spot for files the indexer has not reached; files without a content hash are
decoded directly (JPEG draft mode keeps that cheap; videos use their first frame).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtGui import QImage, QImageReader, QPixmap

from core.media.images import register_heif
from core.media.thumbnails import cached_thumbnail_path, ensure_thumbnail
from core.pipeline.workers import lower_thread_priority

log = logging.getLogger(__name__)

THUMB_PX = 256          # decoded size; the view scales down to its cell
BATCH_MS = 30           # thumbnails arriving within this long repaint together
MAX_PENDING = 400       # requests beyond this (scrolled far past) are dropped, oldest first


@dataclass(frozen=True)
class ThumbRequest:
    file_id: int
    path: str
    kind: str
    content_hash: str | None = None


def _pil_to_qimage(img) -> QImage:
    img = img.convert("RGB")
    data = img.tobytes("raw", "RGB")
    qimg = QImage(data, img.width, img.height, 3 * img.width, QImage.Format_RGB888)
    # a copy that owns its pixels (`data` goes away with this frame), in the format a pixmap
    # holds: QPixmap.fromImage on the GUI thread then converts nothing
    return qimg.convertToFormat(QImage.Format_RGB32)


def _read_with_qt(path: str, size: int) -> QImage | None:
    """A cached thumbnail (a small JPEG) read by Qt: one call that lets go of the GIL for
    the whole read, where Pillow's open, decode and conversions run Python throughout and held
    the GUI thread's next paint while a page of thumbnails decoded. None when Qt cannot
    read it (Pillow then tries)."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    full = reader.size()
    if full.isValid() and max(full.width(), full.height()) > size:
        reader.setScaledSize(full.scaled(size, size, Qt.KeepAspectRatio))
    qimg = reader.read()
    if qimg.isNull():
        log.debug("Qt cannot read %s (%s); trying Pillow", path, reader.errorString())
        return None
    return qimg.convertToFormat(QImage.Format_RGB32)


def _cached_thumbnail(req: ThumbRequest, size: int, paths) -> str | None:
    """The pipeline's on-disk thumbnail for this file, made now (and kept for next time) when
    the pipeline has not reached the file yet. None when there is no cache to use."""
    if paths is None or not req.content_hash:
        return None
    found = cached_thumbnail_path(req.content_hash, size, paths)
    if found is not None:
        return str(found)
    row = {"path": req.path, "kind": req.kind, "content_hash": req.content_hash}
    return str(ensure_thumbnail(paths, row, size))


def decode_thumbnail(req: ThumbRequest, size: int = THUMB_PX, paths=None) -> QImage:
    """A QImage no larger than size x size, upright (EXIF orientation applied), from the
    thumbnail cache under `paths` when given, else from the file itself.
    Raises OSError/ValueError (and PyAV errors) for files that cannot be decoded."""
    from PIL import Image, ImageOps

    cached = _cached_thumbnail(req, size, paths)
    if cached:
        qimg = _read_with_qt(cached, size)
        if qimg is not None:
            return qimg
        with Image.open(cached) as img:
            img.thumbnail((size, size))
            return _pil_to_qimage(img)
    if req.kind == "video":
        return _video_frame(req.path, size)
    if req.path.lower().endswith((".heic", ".heif", ".hif")):
        register_heif()
    with Image.open(req.path) as img:
        img.draft("RGB", (size, size))  # JPEG: decode at 1/2..1/8 scale, much faster
        img = ImageOps.exif_transpose(img)
        img.thumbnail((size, size))
        return _pil_to_qimage(img)


def _video_frame(path: str, size: int) -> QImage:
    import av

    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            img = frame.to_image()
            img.thumbnail((size, size))
            return _pil_to_qimage(img)
    raise ValueError("the video has no frames")


class _Results(QObject):
    image = Signal(int, object)  # file_id, QImage or None (failed)


class _Worker(QRunnable):
    def __init__(self, loader: ThumbnailLoader):
        super().__init__()
        self.loader = loader

    def run(self) -> None:
        lower_thread_priority()   # decoding yields to the GUI thread that paints what it makes
        loader = self.loader
        while True:
            req = loader._pop()
            if req is None:
                return
            try:
                qimg = decode_thumbnail(req, loader.decode_px, loader.paths)
            except Exception as e:  # noqa: BLE001 - any undecodable file gets the "broken" tile, not a crash
                log.debug("no thumbnail for %s: %s", req.path, e)
                qimg = None
            loader._results.image.emit(req.file_id, qimg)


class ThumbnailLoader(QObject):
    """`get()` returns a cached pixmap or None (and queues the work); `ready(file_id)` fires
    when one arrives. All public methods are for the GUI thread."""

    ready = Signal(int)
    readyBatch = Signal(list)  # file ids that arrived in the last few ms (one repaint)

    def __init__(self, paths=None, capacity: int = 3000, threads: int = 2,
                 decode_px: int = THUMB_PX, parent: QObject | None = None):
        super().__init__(parent)
        self.paths = paths  # data folder whose thumbnail cache to use (None: decode files)
        self.decode_px = decode_px
        self._capacity = capacity
        self._cache: OrderedDict[int, QPixmap] = OrderedDict()
        self._failed: set[int] = set()
        self._lock = threading.Lock()
        self._pending: OrderedDict[int, ThumbRequest] = OrderedDict()  # newest last
        self._in_flight: set[int] = set()
        self._threads = threads
        self._active = 0
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._results = _Results(self)
        self._results.image.connect(self._on_image)
        self._arrived: list[int] = []
        self._batch_timer = QTimer(self)
        self._batch_timer.setSingleShot(True)
        self._batch_timer.setInterval(BATCH_MS)
        self._batch_timer.timeout.connect(self._flush_batch)
        self.decoded = 0  # count, for tests and benchmarks

    def get(self, req: ThumbRequest) -> QPixmap | None:
        pm = self._cache.get(req.file_id)
        if pm is not None:
            self._cache.move_to_end(req.file_id)
            return pm
        if req.file_id in self._failed:
            return None
        self.request(req)
        return None

    def failed(self, file_id: int) -> bool:
        return file_id in self._failed

    def request(self, req: ThumbRequest) -> None:
        start = False
        with self._lock:
            if req.file_id in self._in_flight:
                return
            self._pending.pop(req.file_id, None)
            self._pending[req.file_id] = req  # (re)asked now: to the front of the line
            while len(self._pending) > MAX_PENDING:
                self._pending.popitem(last=False)
            if self._active < self._threads:
                self._active += 1
                start = True
        if start:
            self._pool.start(_Worker(self))

    def _pop(self) -> ThumbRequest | None:
        with self._lock:
            if not self._pending:
                self._active -= 1
                return None
            _, req = self._pending.popitem(last=True)
            self._in_flight.add(req.file_id)
            return req

    @Slot(int, object)
    def _on_image(self, file_id: int, qimg) -> None:
        with self._lock:
            self._in_flight.discard(file_id)
        if qimg is None:
            self._failed.add(file_id)
        else:
            self._cache[file_id] = QPixmap.fromImage(qimg)
            self.decoded += 1
            while len(self._cache) > self._capacity:
                self._cache.popitem(last=False)
        self.ready.emit(file_id)
        self._arrived.append(file_id)
        if not self._batch_timer.isActive():
            self._batch_timer.start()

    def _flush_batch(self) -> None:
        ids, self._arrived = self._arrived, []
        if ids:
            self.readyBatch.emit(ids)

    def forget(self, file_id: int) -> None:
        """Drop a cached thumbnail (the file changed or moved)."""
        self._cache.pop(file_id, None)
        self._failed.discard(file_id)

    def clear_pending(self) -> None:
        with self._lock:
            self._pending.clear()

    def get_cached(self, file_id: int) -> QPixmap | None:
        return self._cache.get(file_id)

    def cached(self, file_id: int) -> bool:
        return file_id in self._cache

    def wait_done(self, ms: int = 10000) -> bool:
        return self._pool.waitForDone(ms)


def scaled(pm: QPixmap, size: QSize) -> QPixmap:
    return pm.scaled(size, Qt.KeepAspectRatio, Qt.SmoothTransformation)

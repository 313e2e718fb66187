"""The detail pane: a large preview (photos upright per EXIF; videos play, seek and jump to a
transcript time), caption, tags, EXIF, the text read in the photo (selectable, copyable, its
lines outlined on the preview), transcript with clickable times, an "Ask about this photo"
box and this file's problems. Everything is read and decoded in workers."""

from __future__ import annotations

import datetime as dt
import logging
import os

from PySide6.QtCore import Q_ARG, QMetaObject, QPointF, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.files.dates import is_capture_source
from core.files.kinds import format_of
from core.people import name_face
from core.query import FileDetail, clock, file_detail, file_size
from core.query.people import faces_of_file
from core.search import ask
from desktop.elided_label import ElidedLabel
from desktop.qt_logging import quiet_ffmpeg
from desktop.thumbs import ThumbRequest, decode_thumbnail
from desktop.views.tiles import heading
from desktop.workers import describe, run_async, run_long

log = logging.getLogger(__name__)

PREVIEW_PX = 1024
PREVIEW_MIN_H = 120  # px: the preview's least height (the pane fits a 600 px window)


def load_preview(file_id: int, path: str, kind: str, content_hash: str | None, paths,
                 size: int = PREVIEW_PX):
    return decode_thumbnail(ThumbRequest(file_id, path, kind, content_hash), size, paths)


def load_file_faces(catalog, paths, file_id: int) -> list:
    """Worker thread: the file's faces with their crops (QImage)."""
    from PySide6.QtGui import QImage


    out = []
    for f in faces_of_file(catalog, file_id):
        img = QImage(str(f.crop_path(paths)))
        out.append((f, None if img.isNull() else img))
    return out


fmt_time = clock  # one format for times and lengths, tile and pane alike


class DetailPane(QWidget):
    moreLikeThis = Signal(int)
    closed = Signal()
    loaded = Signal(int)  # file id, once the facts are shown (tests wait on it)
    answered = Signal(str)
    personClicked = Signal(int)  # a named face was clicked: show that person
    facesShown = Signal(int)  # file id, once its faces are shown

    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.services = services
        self.file_id: int | None = None
        self.info: FileDetail | None = None
        self._pending_seek: float | None = None
        self._player = None
        self._video = None
        self._playing = False  # what the user asked for (the player's own state lags: _media)
        self.setMinimumWidth(320)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        head = QHBoxLayout()
        self.name = ElidedLabel("")  # a long file name never widens the window
        self.name.setObjectName("itemName")
        self.name.setTextInteractionFlags(Qt.TextSelectableByMouse)
        head.addWidget(self.name, 1)
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Close the detail pane (Esc)")
        close.clicked.connect(self._close)
        head.addWidget(close)
        outer.addLayout(head)

        self.preview = QLabel("")
        self.preview.setAlignment(Qt.AlignCenter)
        self.preview.setMinimumHeight(PREVIEW_MIN_H)
        # Ignored: the picture is scaled to the label, so the label must not take the picture's
        # size as its minimum (that made the window grow on every video frame)
        self.preview.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Ignored)
        outer.addWidget(self.preview, 3)
        self.video_box = QWidget()
        vb = QVBoxLayout(self.video_box)
        vb.setContentsMargins(0, 0, 0, 0)
        controls = QHBoxLayout()
        self.play_btn = QToolButton()
        self.play_btn.setText("▶")
        self.play_btn.clicked.connect(self.toggle_play)
        self.seek = QSlider(Qt.Horizontal)
        self.seek.sliderMoved.connect(
            lambda ms: self._player and self._media("setPosition", Q_ARG("qint64", ms)))
        self.time_label = QLabel("0:00")
        controls.addWidget(self.play_btn)
        controls.addWidget(self.seek, 1)
        controls.addWidget(self.time_label)
        vb.addLayout(controls)
        self.video_box.hide()
        outer.addWidget(self.video_box)

        self.scroll = scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        body = QWidget()
        self.body = QVBoxLayout(body)
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet("font-size: 11pt; font-style: italic;")
        self.body.addWidget(self.caption)
        self.tags = QLabel("")
        self.tags.setWordWrap(True)
        self.body.addWidget(self.tags)
        self.form = QFormLayout()
        self.body.addLayout(self.form)
        self.text_title = heading("Text in this photo")
        self.body.addWidget(self.text_title)
        self.text_view = QPlainTextEdit()   # read-only, yet selectable and copyable
        self.text_view.setReadOnly(True)
        self.text_view.setMaximumHeight(140)
        self.body.addWidget(self.text_view)
        text_row = QHBoxLayout()
        self.copy_text_btn = QPushButton("Copy text")
        self.copy_text_btn.clicked.connect(self.copy_text)
        self.outline_box = QCheckBox("Outline it on the picture")
        self.outline_box.setChecked(True)
        self.outline_box.toggled.connect(lambda _on: self._fit_preview())
        text_row.addWidget(self.copy_text_btn)
        text_row.addWidget(self.outline_box)
        text_row.addStretch(1)
        self.text_row = QWidget()
        self.text_row.setLayout(text_row)
        self.body.addWidget(self.text_row)
        self.people_row = QHBoxLayout()
        self.people_row.setSpacing(4)
        self.people_box = QWidget()
        self.people_box.setLayout(self.people_row)
        self.people_box.hide()
        self.body.addWidget(self.people_box)
        self.transcript_title = heading("Transcript")
        self.transcript = QListWidget()
        self.transcript.setWordWrap(True)
        self.transcript.setMinimumHeight(120)
        self.transcript.itemActivated.connect(self._segment_clicked)
        self.transcript.itemClicked.connect(self._segment_clicked)
        self.body.addWidget(self.transcript_title)
        self.body.addWidget(self.transcript)
        ask_row = QHBoxLayout()
        self.ask_edit = QLineEdit()
        self.ask_edit.setPlaceholderText("Ask about this photo…  (Ctrl+K)")
        self.ask_edit.returnPressed.connect(self.ask)
        ask_btn = QPushButton("Ask")
        ask_btn.clicked.connect(self.ask)
        ask_row.addWidget(self.ask_edit, 1)
        ask_row.addWidget(ask_btn)
        self.body.addLayout(ask_row)
        self.answer = QLabel("")
        self.answer.setWordWrap(True)
        self.answer.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.body.addWidget(self.answer)
        self.errors = QLabel("")
        self.errors.setWordWrap(True)
        self.errors.setStyleSheet("color: #d04040;")
        self.body.addWidget(self.errors)
        buttons = QHBoxLayout()
        self.more_btn = QPushButton("More like this")
        self.more_btn.clicked.connect(lambda: self.file_id and self.moreLikeThis.emit(self.file_id))
        buttons.addWidget(self.more_btn)
        buttons.addStretch(1)
        self.body.addLayout(buttons)
        self.body.addStretch(1)
        scroll.setWidget(body)
        outer.addWidget(scroll, 2)
        self._preview_pm: QPixmap | None = None
        self._asked: dict[int, tuple[str, str]] = {}  # file id -> (last question, its answer)

    # --- people ---
    def _show_faces(self, file_id: int, faces) -> None:
        if file_id != self.file_id:
            return
        while self.people_row.count():
            w = self.people_row.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self.face_buttons: list[QToolButton] = []
        for face, img in faces:
            b = QToolButton()
            b.setToolButtonStyle(Qt.ToolButtonTextUnderIcon)
            if img is not None:
                b.setIcon(QIcon(QPixmap.fromImage(img)))
                b.setIconSize(QSize(56, 56))
            named = face.person_name
            b.setText(named or "Who?")
            b.setToolTip(f"{named}: show everyone's photos of them" if named else
                         "Name this face (it joins the person of that name, or starts one)")
            b.clicked.connect(lambda _c=False, f=face: self._face_clicked(f))
            self.people_row.addWidget(b)
            self.face_buttons.append(b)
        self.people_row.addStretch(1)
        self.people_box.setVisible(bool(faces))
        self.facesShown.emit(file_id)

    def _face_clicked(self, face) -> None:
        if face.person_name:
            self.personClicked.emit(face.person_id)
            return
        name, ok = QInputDialog.getText(self, "Who is this?", "Name:")
        if ok and name.strip():
            fid = self.file_id
            run_async(name_face, self.services.catalog, face.id, name.strip(),
                      on_done=lambda _pid: (self.services.libraryChanged.emit(),
                                            self.show_file(fid)),
                      on_error=lambda e: self.errors.setText(describe(e)))

    # --- loading ---
    def show_file(self, file_id: int, at_s: float | None = None) -> None:
        if file_id != self.file_id:  # the Ask box holds this item's own last question, or none
            question, answer = self._asked.get(file_id, ("", ""))
            self.ask_edit.setText(question)
            self.answer.setText(answer)
        self.file_id = file_id
        self._pending_seek = at_s
        run_async(file_detail, self.services.catalog, file_id,
                  on_done=lambda info, fid=file_id: self._show_info(fid, info),
                  on_error=lambda e: self.errors.setText(describe(e)))

    def _show_info(self, file_id: int, f: FileDetail) -> None:
        if file_id != self.file_id:
            return
        self.info = f
        self.name.setText(f.name)
        self.name.setToolTip(f.path)
        self.caption.setText(f.caption or "")
        self.caption.setVisible(bool(f.caption))
        self.tags.setText("  ".join(f"#{t}" for t in f.tags))
        self.tags.setVisible(bool(f.tags))
        while self.form.rowCount():
            self.form.removeRow(0)
        rows = []
        if f.taken_at and is_capture_source(f.taken_at_source):
            src = {"exif": "", "container": " (video)", "filename": " (from its file name)",
                   "takeout": " (from Google Photos)", "xmp": " (from its XMP metadata)"}.get(
                f.taken_at_source or "", f" ({f.taken_at_source})")
            rows.append(("Taken", dt.datetime.fromtimestamp(f.taken_at)
                         .strftime("%A %d %B %Y, %H:%M") + src))
        else:   # a file date is when it was copied: never shown as when it was taken
            rows.append(("Taken", "Unknown date"))
            if f.taken_at:
                rows.append(("File date", dt.datetime.fromtimestamp(f.taken_at)
                             .strftime("%d %B %Y, %H:%M") + " (copied or changed)"))
        if f.description:
            rows.append(("Description", f.description))
        if f.albums:
            rows.append(("Albums", ", ".join(f.albums)))
        if f.favorite:
            rows.append(("Favourite", "★"))
        if f.camera:
            rows.append(("Camera", f.camera))
        if f.place:
            rows.append(("Place", f"probably {f.place} (from its event: the photo has no GPS)"
                         if f.place_inferred else f.place))
        elif f.gps_lat is not None and f.gps_lon is not None:  # not named yet: index it
            rows.append(("Place", f"{f.gps_lat:.5f}, {f.gps_lon:.5f}"))
        if f.event:
            rows.append(("Event", f.event))
        if f.width:
            rows.append(("Size", f"{f.width} × {f.height}  ·  {file_size(f.size)}"))
        if f.format == "raw":
            rows.append(("Format", "Camera RAW"))
        if f.companions:  # the RAW the camera wrote beside this JPEG (or a motion photo's
            # movie): one shot, moved together
            raw = all(format_of(n) == "raw" for n in f.companions)
            rows.append(("RAW" if raw else "With it", "  ".join(f.companions)))
        if f.duration_s:
            rows.append(("Length", fmt_time(f.duration_s)))
        if f.picture_kind:
            rows.append(("Kind", f.picture_kind.capitalize()))
        if f.collection:
            rows.append(("Collection", f.collection))
        if f.language:
            rows.append(("Language", f.language))
        rows.append(("Folder", f.folder))
        for k, v in rows:
            if k == "Folder":  # one long word: elided in the middle, whole in the tooltip
                lab = ElidedLabel(str(v), mode=Qt.ElideMiddle)
            else:
                lab = QLabel(str(v))
                lab.setWordWrap(True)
            lab.setTextInteractionFlags(Qt.TextSelectableByMouse)
            self.form.addRow(k, lab)
        self._show_text(f)
        self.transcript.clear()
        for start, _end, text in f.segments:
            it = QListWidgetItem(f"{fmt_time(start)}   {text.strip()}")
            it.setData(Qt.UserRole, start)
            self.transcript.addItem(it)
        has_tr = bool(f.segments)
        if has_tr and self._pending_seek is not None:
            self._highlight_at(self._pending_seek)  # the line the search matched
        self.transcript.setVisible(has_tr)
        self.transcript_title.setVisible(has_tr)
        self.ask_edit.setPlaceholderText(
            "Ask about this photo…  (Ctrl+K)" if f.kind == "photo"
            else "Ask about this video…  (Ctrl+K)")
        self.errors.setText("\n".join("⚠ " + e for e in f.errors))
        self.more_btn.setEnabled(True)
        self.stop_media()
        if f.kind == "video":
            self._show_video(f.path)
        else:
            self.video_box.hide()
        run_async(load_file_faces, self.services.catalog, self.services.paths, file_id,
                  on_done=lambda faces, fid=file_id: self._show_faces(fid, faces),
                  on_error=lambda e: self.errors.setText(describe(e)))
        self.preview.setText("Loading…")
        run_async(load_preview, file_id, f.path, f.kind, f.content_hash,
                  self.services.paths,
                  on_done=lambda img, fid=file_id: self._show_preview(fid, img),
                  on_error=lambda e, fid=file_id: self._preview_failed(fid, e))
        self.loaded.emit(file_id)

    def _show_preview(self, file_id: int, img) -> None:
        if file_id != self.file_id:
            return
        self._preview_pm = QPixmap.fromImage(img)
        self._fit_preview()

    def _preview_failed(self, file_id: int, e: BaseException) -> None:
        if file_id == self.file_id:
            self._preview_pm = None
            self.preview.setPixmap(QPixmap())
            self.preview.setText(f"Cannot show this file:\n{describe(e)}")

    def _fit_preview(self) -> None:
        if self._preview_pm is not None and not self._preview_pm.isNull():
            # no taller than the picture at the pane's width: the facts, the transcript and the
            # Ask box get the rest (a wide video left half the pane empty at 900x600)
            pw, ph = self._preview_pm.width(), self._preview_pm.height()
            self.preview.setMaximumHeight(max(PREVIEW_MIN_H, round(self.preview.width() * ph / pw)))
            pm = self._preview_pm.scaled(self.preview.size(), Qt.KeepAspectRatio,
                                         Qt.SmoothTransformation)
            if self.outline_box.isChecked():
                self._outline(pm)
            self.preview.setPixmap(pm)

    # --- text read in the photo ---
    def _show_text(self, f: FileDetail) -> None:
        self.text_title.setText("Text in this photo" if f.kind == "photo"
                                else "Text in this video")
        self.text_view.setPlainText(f.text)
        has = bool(f.text_lines)
        for w in (self.text_title, self.text_view, self.text_row):
            w.setVisible(has)
        self.outline_box.setVisible(has and f.kind == "photo")

    def photo_lines(self) -> list:
        """The lines read in the photo shown (a video's frames are not outlined)."""
        if self.info is None or self.info.kind != "photo":
            return []
        return [ln for ln in self.info.text_lines if ln.frame_ms < 0]

    def _outline(self, pm: QPixmap) -> None:
        """Draw each line's box (fractions of the picture) on the scaled preview."""
        lines = self.photo_lines()
        if not lines:
            return
        painter = QPainter(pm)
        try:
            painter.setRenderHint(QPainter.Antialiasing)
            pen = QPen(QColor(255, 200, 0, 230))
            pen.setWidthF(max(1.5, pm.width() / 400))
            painter.setPen(pen)
            w, h = pm.width() / pm.devicePixelRatio(), pm.height() / pm.devicePixelRatio()
            for ln in lines:
                painter.drawPolygon(QPolygonF([QPointF(x * w, y * h) for x, y in ln.box]))
        finally:
            painter.end()

    def copy_text(self) -> None:
        selected = self.text_view.textCursor().selectedText().replace("\u2029", "\n")
        QGuiApplication.clipboard().setText(selected or self.text_view.toPlainText())

    def resizeEvent(self, e) -> None:
        super().resizeEvent(e)
        self._fit_preview()

    # --- video ---
    def _ensure_player(self) -> bool:
        if self._player is not None:
            return True
        try:
            from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
        except ImportError as e:  # PySide6-Addons missing: show the still frame only
            log.warning("video playback unavailable: %s", e)
            return False
        from PySide6.QtMultimedia import QVideoSink

        self._player = QMediaPlayer(self)
        quiet_ffmpeg()  # no FFmpeg stream details on stderr
        self._audio = QAudioOutput(self)
        self._player.setAudioOutput(self._audio)
        # frames go to a sink and onto the preview label: no native video surface needed. Set
        # once: changing outputs tears down the player's threads (see _media)
        self._video = QVideoSink(self)
        self._video.videoFrameChanged.connect(self._frame)
        self._player.setVideoOutput(self._video)
        self._player.positionChanged.connect(self._position)
        self._player.durationChanged.connect(lambda d: self.seek.setRange(0, d))
        self._player.mediaStatusChanged.connect(self._media_status)
        return True

    def _show_video(self, path: str) -> None:
        self.video_box.show()
        if not self._ensure_player():
            return
        self._media("setSource", Q_ARG(QUrl, QUrl.fromLocalFile(path)))
        if self._pending_seek is not None:
            self.seek_to(self._pending_seek)

    def seek_to(self, seconds: float) -> None:
        self._pending_seek = seconds
        if self._player is not None:
            self._media("setPosition", Q_ARG("qint64", int(seconds * 1000)))
        self.seek.setValue(int(seconds * 1000))
        self.time_label.setText(fmt_time(seconds))
        self._highlight_at(seconds)

    def _media_status(self, status) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        if status == QMediaPlayer.EndOfMedia:  # played to the end: Play starts it again
            self._playing = False
            self.play_btn.setText("▶")
        if status == QMediaPlayer.LoadedMedia and self._pending_seek is not None:
            self._media("setPosition", Q_ARG("qint64", int(self._pending_seek * 1000)))

    def _position(self, ms: int) -> None:
        if not self.seek.isSliderDown():
            self.seek.setValue(ms)
        self.time_label.setText(fmt_time(ms / 1000))
        self._highlight_at(ms / 1000)

    def _highlight_at(self, seconds: float) -> None:
        """The transcript line being said at `seconds` is the current one (it follows playback
        rather than staying on a clicked line)."""
        row = -1
        for i in range(self.transcript.count()):
            if float(self.transcript.item(i).data(Qt.UserRole)) <= seconds + 0.05:
                row = i
            else:
                break
        if row >= 0 and row != self.transcript.currentRow():
            self.transcript.setCurrentRow(row)
            self.transcript.scrollToItem(self.transcript.item(row))

    def toggle_play(self) -> None:
        if self._player is None or self.info is None or self.info.kind != "video" \
                or not self.isVisible():
            return
        self._playing = not self._playing
        self._media("play" if self._playing else "pause")
        self.play_btn.setText("❚❚" if self._playing else "▶")

    def _media(self, slot: str, *args) -> None:
        """Call a QMediaPlayer slot from the event loop, not from Python. Stopping or pausing
        ends work in the player's FFmpeg threads, which wait for the GIL (PySide checks for Python
        overrides while they disconnect from our QAudioOutput); called from Python, the GUI
        thread held the GIL while waiting for those threads: Esc on a played video froze the
        app (seen under X11). A queued call runs in C++ with the GIL free, in call order."""
        QMetaObject.invokeMethod(self._player, slot, Qt.QueuedConnection, *args)

    def _frame(self, frame) -> None:
        if not self._playing:
            return  # the still (thumbnail or the matched moment) stays until Play
        img = frame.toImage()
        if not img.isNull():
            self._preview_pm = QPixmap.fromImage(img)
            self._fit_preview()

    def stop_media(self) -> None:
        if self._player is not None:
            self._playing = False
            self._media("stop")
            self.play_btn.setText("▶")

    def _segment_clicked(self, item: QListWidgetItem) -> None:
        self.seek_to(float(item.data(Qt.UserRole)))

    # --- ask ---
    def ask(self) -> None:
        q = self.ask_edit.text().strip()
        if not q or self.file_id is None:
            return
        s, fid = self.services, self.file_id
        self.answer.setText("Thinking…")
        self._reveal_answer()
        run_long(ask, s.catalog, s.registry, fid, q,
                 on_done=lambda a, fid=fid: self._answered(fid, a),
                 on_error=lambda e, fid=fid: fid == self.file_id and self._answer_text(describe(e)))

    def _answered(self, fid: int, a) -> None:
        if fid != self.file_id:
            return
        text = a.answer or "I don't know."
        if a.based_on:
            text += f"\n(based on {', '.join(a.based_on)})"
        if a.notices:
            text += "\n" + " ".join(a.notices)
        self._answer_text(text)

    def show_ask(self) -> None:
        """The Ask box, scrolled into view, with the cursor in it (Ctrl+K)."""
        self.scroll.ensureWidgetVisible(self.ask_edit)
        self.ask_edit.setFocus(Qt.ShortcutFocusReason)
        self.ask_edit.selectAll()

    def _reveal_answer(self) -> None:
        """The answer under the box is read at once, not found by scrolling (once the label
        has its new height)."""
        QTimer.singleShot(50, self.scroll,
                          lambda: self.scroll.ensureWidgetVisible(self.answer, 0, 4))

    def _answer_text(self, text: str) -> None:
        self.answer.setText(text)
        self._reveal_answer()
        if self.file_id is not None:
            self._asked[self.file_id] = (self.ask_edit.text(), text)
        self.answered.emit(text)

    def _close(self) -> None:
        self.stop_media()
        self.closed.emit()

    def current_path(self) -> str | None:
        return self.info.path if self.info else None

    def reveal_folder(self) -> str | None:
        p = self.current_path()
        return os.path.dirname(p) if p else None

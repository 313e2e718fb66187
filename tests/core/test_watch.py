"""The watcher turns real file-system events into debounced, collapsed rescans that keep the
catalog current without a full rescan."""

import queue
import shutil

from core.scan.roots import add_root
from core.scan.scanner import scan
from core.scan.watcher import FolderWatcher, _collapse
from tests.media_factory import write_jpeg


def test_collapse_keeps_only_the_outermost_recursive_scopes():
    pending = {"/l/a": True, "/l/a/b": False, "/l/a/b/c": True, "/l/z": False}
    assert _collapse(pending) == [("/l/a", True), ("/l/z", False)]


def wait_for(q: queue.Queue, timeout=10.0):
    return q.get(timeout=timeout)


def test_new_moved_and_deleted_files_reach_the_catalog_through_the_watcher(catalog, tmp_path):
    lib = tmp_path / "lib"
    write_jpeg(lib / "old.jpg")
    add_root(catalog, lib)
    scan(catalog)
    batches: queue.Queue = queue.Queue()

    def on_changes(scopes):
        batches.put(scan(catalog, folders=scopes))

    watcher = FolderWatcher([str(lib)], on_changes, debounce_s=0.2, max_wait_s=2.0)
    assert watcher.start() == []
    try:
        write_jpeg(lib / "trip" / "new.jpg", seed=5)
        report = wait_for(batches)
        while not report.new:  # the folder event may arrive before the file's
            report = wait_for(batches)
        assert report.new == 1

        shutil.move(lib / "old.jpg", lib / "trip" / "old.jpg")
        report = wait_for(batches)
        assert (report.moved, report.new, report.missing) == (1, 0, 0)

        (lib / "trip" / "new.jpg").unlink()
        report = wait_for(batches)
        assert report.missing == 1
    finally:
        watcher.stop()
    with catalog.read() as conn:
        present = {r[0] for r in conn.execute("SELECT name FROM files WHERE status='present'")}
    assert present == {"old.jpg"}


def test_files_in_hidden_folders_do_not_wake_the_watcher(catalog, tmp_path):
    lib = tmp_path / "lib"
    (lib / ".cache").mkdir(parents=True)
    (lib / "trip").mkdir()
    calls: queue.Queue = queue.Queue()
    watcher = FolderWatcher([str(lib)], calls.put, debounce_s=0.1)
    watcher.start()
    try:
        write_jpeg(lib / ".cache" / "thumb.jpg")
        (lib / "notes.txt").write_text("not media")
        # the control, heard after them (inotify keeps the order): a wrongly noted event
        # would come in this batch or one before it, never after
        write_jpeg(lib / "trip" / "seen.jpg")
        assert calls.get(timeout=10) == [(str(lib / "trip"), False)]
    finally:
        watcher.stop()


def test_a_missing_folder_is_reported_not_fatal(tmp_path):
    watcher = FolderWatcher([str(tmp_path / "gone")], lambda s: None)
    try:
        assert watcher.start() == [str(tmp_path / "gone")]
    finally:
        watcher.stop()


def test_a_sidecar_another_program_changed_is_read_and_shoeboxs_own_writes_wake_nothing(
        catalog, tmp_path):
    from core.xmp.write import write_sidecars
    from tests.core.xmp import golden
    from tests.core.xmp.helpers import plant_face

    lib = tmp_path / "lib"
    write_jpeg(lib / "a.jpg")
    write_jpeg(lib / "b.jpg", seed=1)
    add_root(catalog, lib)
    scan(catalog)
    with catalog.read() as conn:
        b_id = conn.execute("SELECT id FROM files WHERE name = 'b.jpg'").fetchone()[0]
    plant_face(catalog, b_id, (0.1, 0.1, 0.3, 0.3), name="Anna")
    (lib / "control").mkdir()   # where the control change below is made
    batches: queue.Queue = queue.Queue()
    watcher = FolderWatcher([str(lib)], batches.put, debounce_s=0.2, max_wait_s=2.0)
    assert watcher.start() == []
    try:
        assert write_sidecars(catalog).written == 1  # Shoebox's own write: no event
        # a control change in another folder, heard after that write: an event the write
        # woke would come in this batch or one before it
        write_jpeg(lib / "control" / "c.jpg", seed=2)
        assert wait_for(batches) == [(str(lib / "control"), False)]
        (lib / "a.jpg.xmp").write_text(golden.digikam(), encoding="utf-8")  # digiKam's
        assert wait_for(batches) == [(str(lib), False)]
        scan(catalog, folders=[(str(lib), False)])
        with catalog.read() as conn:
            assert conn.execute("SELECT keywords FROM xmp_reads x JOIN files f ON "
                                "f.id = x.file_id WHERE f.name = 'a.jpg'").fetchone()[0]
    finally:
        watcher.stop()

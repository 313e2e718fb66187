"""Render each main view of the app into PNGs (for the README):

    python -m desktop.screenshots OUTDIR [--media DIR] [--width 1000] [--dark]

Builds a throw-away library in a temporary data folder from a folder of real media (default:
the sample library, `shoebox sample`; a folder with photos/, near-duplicates/ and videos/ is
laid out as a phone's), scans it, makes the
thumbnails, and renders: grid, search results, detail, collections, reorganize review,
duplicates, problems and the welcome dialog. Works offscreen (QT_QPA_PLATFORM=offscreen) or
under Xvfb.

The library is built by core.demo.build_demo_library: no CLIP weights ship offline, so the
collections here come from colour histograms stored as the image vectors; with a real CLIP
model the pipeline makes them from what the photos show.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path


def _copy_media(src: Path, lib: Path) -> None:
    layout = {"photos": "Phone/2019", "near-duplicates": "Wallpapers", "videos": "Videos"}
    for sub, dst in layout.items():
        if (src / sub).is_dir():
            target = lib / dst
            target.mkdir(parents=True, exist_ok=True)
            for f in sorted((src / sub).iterdir()):
                if f.is_file():
                    shutil.copy2(f, target / f.name)
    apple = lib / "Phone" / "2019" / "apple.jpg"
    if apple.exists():  # an exact duplicate for the duplicates view
        shutil.copy2(apple, lib / "Phone" / "apple (copy).jpg")
    (lib / "Phone" / "IMG_broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a photo")


def _sample_media(lib: Path) -> None:
    from core.sample import write_sample

    write_sample(lib)
    (lib / "Phone" / "IMG_broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a photo")


def _wait(cond, timeout=20.0) -> bool:
    from PySide6.QtCore import QCoreApplication

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        if cond():
            for _ in range(5):
                QCoreApplication.processEvents()
                time.sleep(0.02)
            return True
        time.sleep(0.02)
    return False


def _save(widget, path: Path, width: int) -> None:
    """Grab, downscale and quantise: screenshots stay small (well under 150 KB)."""
    from PIL import Image
    from PySide6.QtCore import QBuffer, QIODevice

    img = widget.grab().toImage()
    buf = QBuffer()
    buf.open(QIODevice.WriteOnly)
    img.save(buf, "PNG")
    import io

    pil = Image.open(io.BytesIO(bytes(buf.data()))).convert("RGB")
    if pil.width > width:
        pil = pil.resize((width, round(pil.height * width / pil.width)), Image.LANCZOS)
    pil = pil.quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                       dither=Image.Dither.FLOYDSTEINBERG)
    pil.save(path, optimize=True)
    print(f"{path}  {path.stat().st_size // 1024} KB")


FULL, SMALL = (1280, 800), (900, 600)


def _render_views(win, services, media: Path, out: Path, width: int, size, suffix: str):
    """Each main view at one window size, the detail pane open where it belongs."""
    from core.query import showcase_file

    win.show_page("library")
    win.resize(*size)
    win.show()
    grid = win.library.grid
    grid.scrollToTop()  # (the larger size left it scrolled)
    _wait(lambda: win.library.rows_loaded and grid.visible_ids()
          and all(services.thumbs.cached(i) for i in grid.visible_ids()))
    win.status_area.refresh_counts()
    _wait(lambda: win.status_area.error_count > 0, 5)
    _save(win, out / f"grid{suffix}.png", width)

    win.search_edit.setText("butterfly" if (media / "photos").is_dir() else "Lisbon")
    win.search.run_now()
    _wait(lambda: win.library.mode == "search" and win.library.model.rowCount() > 0)
    _wait(lambda: all(services.thumbs.cached(i) for i in grid.visible_ids()), 5)
    grid.setCurrentIndex(win.library.model.index(0))
    _save(win, out / f"search{suffix}.png", width)

    # the showcase photo (camera, place) beside the library, selected there: not beside search
    # results it is not one of
    showcase = showcase_file(services.catalog) or grid.current_id()
    win.search.clear()
    _wait(lambda: win.library.mode == "library" and win.library.rows_loaded)
    grid.setCurrentIndex(win.library.model.index_of(showcase))
    grid.scrollTo(grid.currentIndex())
    win.open_detail(showcase)
    _wait(lambda: win.detail.info is not None and win.detail._preview_pm is not None)
    grid.scrollTo(grid.currentIndex())  # again: the pane made the grid narrower
    _wait(lambda: all(services.thumbs.cached(i) for i in grid.visible_ids()), 5)
    _save(win, out / f"detail{suffix}.png", width)
    win.close_detail()

    win.show_page("collections")
    _wait(lambda: win.collections.collections, 10)
    _wait(win.collections.pictured, 10)
    _wait(lambda: False, 0.3)
    _save(win, out / f"collections{suffix}.png", width)

    win.show_page("reorganize")
    _wait(lambda: win.reorganize.plan is not None, 10)
    _save(win, out / f"reorganize{suffix}.png", width)

    win.show_page("duplicates")
    _wait(lambda: win.duplicates.groups, 15)
    _wait(lambda: False, 1.0)  # thumbnails of the group rows
    _save(win, out / f"duplicates{suffix}.png", width)

    win.show_page("problems")
    _wait(lambda: win.problems.entries, 5)
    _save(win, out / f"problems{suffix}.png", width)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Render the app's main views into PNGs")
    ap.add_argument("outdir")
    ap.add_argument("--media", default=None,
                    help="folder with photos/, near-duplicates/, videos/ (default: the sample "
                         "library)")
    ap.add_argument("--width", type=int, default=1000, help="PNG width in pixels")
    ap.add_argument("--dark", action="store_true", help="render the dark theme")
    args = ap.parse_args(argv)
    out = Path(args.outdir)
    out.mkdir(parents=True, exist_ok=True)

    tmp = Path(tempfile.mkdtemp(prefix="shoebox-shots-"))
    os.environ["SHOEBOX_HOME"] = str(tmp / "home")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    # imported only now: huggingface_hub reads HF_HUB_OFFLINE when it is imported
    from PySide6.QtWidgets import QApplication

    from desktop import qt_logging

    qt_logging.install()  # Qt's own messages go to the log, as in the app

    from core.config import Paths, Settings
    from core.demo import build_demo_library
    from desktop.app import create_window
    from desktop.services import Services
    from desktop.style import apply_theme, icon

    app = QApplication.instance() or QApplication(sys.argv)
    app.setWindowIcon(icon("shoebox"))
    apply_theme(app, dark=args.dark)
    paths = Paths(tmp / "home")
    lib = tmp / "Pictures"
    media = Path(args.media) if args.media else lib
    if args.media:
        _copy_media(media, lib)
    else:
        _sample_media(lib)
    services = Services(paths, Settings(watch=False))
    try:
        cat = services.catalog
        # a small library: groups of two are worth showing (three found none by colour alone)
        build_demo_library(cat, services.registry, services.settings, paths, lib,
                           min_collection_size=2)
        services.qsettings.setValue("welcomed", True)

        win = create_window(services, start_background=False, welcome=False)
        for size, suffix in ((FULL, ""), (SMALL, "-900x600")):
            _render_views(win, services, media, out, args.width if not suffix else SMALL[0],
                          size, suffix)

        from desktop.views.welcome import WelcomeDialog

        dlg = WelcomeDialog(services, win, first_run=True)
        dlg.add_folder(str(lib))
        dlg.show()
        _wait(lambda: dlg.status, 15)
        _save(dlg, out / "welcome.png", min(args.width, 700))
        dlg.close()
        win.close()
    finally:
        services.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

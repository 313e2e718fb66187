"""Shoebox's desktop app (PySide6). The only package that imports Qt.

    desktop.app.main()                  entry point (`shoebox-desktop`, `make run`)
    desktop.app.create_window(...)      build the main window on given paths/settings (tests)
    desktop.workers                     the one place core work becomes Qt signals
    desktop.thumbs.ThumbnailLoader      QImage thumbnails made off the GUI thread, LRU pixmaps
    desktop.library_model.LibraryModel  the virtualised grid model (QAbstractListModel), over
                                        desktop.grid_rows: a list, or pages fetched by id
    desktop.screenshots                 `python -m desktop.screenshots OUTDIR`
"""

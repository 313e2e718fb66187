"""Shoebox keeps its own state inside its data folder: with HOME pointing at an empty folder,
a session that opens a file dialog and reads text with ONNX Runtime (OCR) leaves nothing in
that home but the data folder. (A child process: Qt and ONNX Runtime read their paths once.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SESSION = """
import os, sys
from pathlib import Path
from PySide6.QtWidgets import QApplication, QFileDialog
app = QApplication([])
from core.config import Paths, Settings
from desktop.services import Services
paths = Paths(Path(os.environ["SHOEBOX_HOME"]))
services = Services(paths, Settings())
dlg = QFileDialog(None, "Add a folder")
dlg.setOption(QFileDialog.DontUseNativeDialog)
dlg.setDirectory(str(paths.home))
dlg.show(); app.processEvents(); dlg.reject(); app.processEvents()
del dlg
from PIL import Image
from models.ocr import TextReader, package_folder
reader = TextReader(package_folder(), cpu_threads=1)
reader.load()
reader.read(Image.new("RGB", (200, 80), "white"))
reader.unload()
services.close()
print("done")
"""


def test_a_session_writes_nothing_outside_the_data_folder(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    data = home / "shoebox-data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "ORT_"))}
    env.update(HOME=str(home), SHOEBOX_HOME=str(data), QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-c", SESSION], check=False, cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=240)
    assert out.returncode == 0 and "done" in out.stdout, out.stderr[-3000:]
    outside = sorted(str(p.relative_to(home)) for p in home.rglob("*")
                     if data not in p.parents and p != data)
    assert outside == []
    assert (data / "qt").exists()        # Qt's own state went inside instead

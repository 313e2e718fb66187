"""The one adapter between core tasks and Qt: progress arrives as signals on the GUI thread;
pause, resume and cancel reach the running task; failures come back as messages."""

from __future__ import annotations

import threading
import time

import pytest

from core.errors import ShoeboxError
from desktop.workers import Background, format_progress, run_async


@pytest.fixture
def bg(qapp):
    b = Background()
    yield b
    b.shutdown()  # a QThread must never be destroyed while it runs


def _counting(n: int, seen_threads: list):
    def work(task):
        seen_threads.append(threading.current_thread())
        task.start(n, "counting")
        for _ in range(n):
            task.check()
            time.sleep(0.01)
            task.advance()
        return "counted"
    return work


def test_progress_pause_resume_and_result(qtbot, bg):
    progress, threads, results = [], [], []
    bg.progress.connect(progress.append)
    bg.finished.connect(lambda name, r: results.append((name, r)))
    bg.submit("count", _counting(60, threads))
    qtbot.waitUntil(lambda: bool(progress) and progress[-1].done > 5, timeout=5000)
    assert threads[0] is not threading.main_thread()
    bg.pause()
    qtbot.wait(150)
    held = progress[-1].done
    qtbot.wait(300)
    assert progress[-1].done <= held + 1  # paused: no progress
    assert held < 60
    bg.resume()
    assert bg.wait_idle(10)
    assert results == [("count", "counted")]
    p = progress[-1]
    head, details = format_progress(p)
    assert "Count: counting" == head and "/60" in details and "/s" in details


def test_cancel_and_failure_are_reported(qtbot, bg):
    failed, finished = [], []
    bg.failed.connect(lambda n, m: failed.append((n, m)))
    bg.finished.connect(lambda n, r: finished.append(n))
    bg.submit("long", _counting(500, []))
    qtbot.wait(100)
    bg.cancel_current()
    assert bg.wait_idle(10)
    assert finished == [] and failed == []  # cancelled: neither

    def broken(task):
        raise ShoeboxError("the folder went away: reconnect the drive")

    bg.submit("broken", broken)
    assert bg.wait_idle(10)
    assert failed == [("broken", "the folder went away: reconnect the drive")]


def test_tasks_run_one_at_a_time_in_order(qtbot, bg):
    order = []
    gate, running = threading.Event(), threading.Event()

    def first(task):
        running.set()
        assert gate.wait(10)
        order.append("first")

    bg.submit("first", first)
    assert running.wait(5)  # "first" runs: the rest has to wait in the queue
    for name in ("a", "b", "c"):
        bg.submit(name, lambda task, n=name: order.append(n) or n)
    bg.submit("a", lambda task: order.append("dup"))  # same name still waiting: not doubled
    bg.submit("first", lambda task: order.append("again"))  # running, not waiting: queued
    assert bg.pending_names() == ["a", "b", "c", "first"]
    gate.set()
    assert bg.wait_idle(10)
    assert order == ["first", "a", "b", "c", "again"]


def test_run_async_delivers_on_the_gui_thread(qtbot, qapp):
    got, errors = [], []
    run_async(lambda x: (threading.current_thread().name, x * 2), 21,
              on_done=lambda r: got.append((threading.current_thread(), r)))
    run_async(lambda: 1 / 0, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(got and errors), timeout=5000)
    thread, (worker_name, value) = got[0]
    assert thread is threading.main_thread() and value == 42
    assert worker_name != threading.main_thread().name
    assert isinstance(errors[0], ZeroDivisionError)


def test_long_calls_never_hold_up_short_ones(qtbot, qapp):
    """An LLM answer or a near-duplicate pass takes seconds; a search or a dry run started
    meanwhile must not wait behind them (three of them once filled the short-call pool)."""
    import time

    from desktop.workers import run_long

    release = threading.Event()
    long_done, short_done = [], []
    for i in range(4):
        run_long(lambda i=i: release.wait(10) and i, on_done=long_done.append)
    t0 = time.monotonic()
    run_async(lambda: "searched", on_done=short_done.append)
    qtbot.waitUntil(lambda: bool(short_done), timeout=5000)
    assert time.monotonic() - t0 < 2 and not long_done
    release.set()
    qtbot.waitUntil(lambda: len(long_done) == 4, timeout=10000)


def test_chips_filter_the_library(tmp_path, services, make_window, qtbot):
    from core.scan.roots import add_root
    from core.scan.scanner import scan
    from tests.media_factory import write_jpeg, write_video

    lib = tmp_path / "lib"
    write_jpeg(lib / "here.jpg", gps=(48.85, 2.35))
    write_jpeg(lib / "nowhere.jpg", seed=4)
    write_video(lib / "clip.mp4", seconds=0.5, audio=None)
    add_root(services.catalog, lib)
    scan(services.catalog)
    win = make_window()
    model = win.library.model
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=5000)
    win.chips["video"].setChecked(True)
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=5000)
    assert model.row_tuple(0)[4] == "clip.mp4"
    win.chips["video"].setChecked(False)
    win.chips["gps"].setChecked(True)
    qtbot.waitUntil(lambda: model.rowCount() == 1 and model.row_tuple(0)[4] == "here.jpg",
                    timeout=5000)
    win.chips["gps"].setChecked(False)
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=5000)
    win.close()

# SPDX-License-Identifier: GPL-2.0
"""conftest.py beside watchdog's own tests/ (from its sdist): its emitter tests on rinotify.

watchdog's tests/utils.py picks the platform's emitter class (InotifyEmitter and
InotifyFullEmitter on Linux) into module globals that its start_watching() fixture reads
when it makes an emitter; these are replaced by rinotify.watchdog's, for every test. At
the end a line says how many emitters ran on /dev/rinotify, and how many fell back to
watchdog's own reader (none should: clients_test.sh checks both).
"""

from __future__ import annotations

import pytest

import rinotify.watchdog

started = {"rinotify": 0, "fallback": 0}


class CountingEmitter(rinotify.watchdog.RinotifyEmitter):
    def on_thread_start(self) -> None:
        super().on_thread_start()
        started["fallback" if self.fallback else "rinotify"] += 1


class CountingFullEmitter(rinotify.watchdog.RinotifyFullEmitter):
    def on_thread_start(self) -> None:
        super().on_thread_start()
        started["fallback" if self.fallback else "rinotify"] += 1


@pytest.fixture(autouse=True)
def _rinotify_emitters(monkeypatch: pytest.MonkeyPatch) -> None:
    import tests.utils

    monkeypatch.setattr(tests.utils, "Emitter", CountingEmitter)
    monkeypatch.setattr(tests.utils, "InotifyFullEmitter", CountingFullEmitter)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(
        f"rinotify: emitters on /dev/rinotify: {started['rinotify']}, fallen back: {started['fallback']}"
    )

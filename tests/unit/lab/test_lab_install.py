"""Two labs share one venv cache: building its venvs is one process at a time, under the cache's lock."""
from __future__ import annotations

import fcntl
import threading

from osops_lab import install
from osops_lab.paths import LabPaths


def test_ensure_venvs_waits_for_the_cache_lock_another_lab_holds(tmp_path):
    paths = LabPaths(home=tmp_path / 'run-b', cache=tmp_path / 'cache')
    paths.cache.mkdir()
    done = threading.Event()
    worker = threading.Thread(target=lambda: (install.ensure_venvs(paths, (), log=lambda message: None), done.set()))
    with (paths.cache / 'install.lock').open('a') as other:  # the other lab, building
        fcntl.flock(other, fcntl.LOCK_EX)
        worker.start()
        assert not done.wait(0.5)  # nothing to build, yet it waits for the lock
    assert done.wait(10)  # the other lab is done: it goes on
    worker.join(10)

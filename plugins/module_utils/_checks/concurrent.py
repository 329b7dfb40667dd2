# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Running a batch's checks whose work is a subprocess (a project's tool) side by side.

``check_batch`` runs its other checks in order in its own thread while the
tools run in a pool of threads; every result comes back in the order of the
batch, so what is reported does not depend on which tool ends first.  Each
tool runs through the module's ``run_command`` with a time limit: a tool
that fails, or does not finish and is killed, is an Error of its own check
only.

Standard library only: this runs on service hosts.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError

# At most this many tools at once: enough to overlap the waits of the five
# status tools and the schema tools of a control host, few enough not to
# crowd its memory (a tool's import takes 100-200 MB).
WORKERS = 8


class CommandTimeout(OsopsError):
    """A command that did not finish within its time and was killed."""


def timed_runner(run_command, timeout):
    """``run_command`` (``AnsibleModule.run_command``'s signature) that kills a command still running after ``timeout`` s.

    The returned function raises :class:`CommandTimeout` for a killed
    command and OsopsError for one that could not start (never the module's
    own ``fail_json``, which would end the module from a worker thread).
    """
    def run(argv, **kwargs):
        killed = threading.Event()
        timers = []

        def watch(proc):
            def kill():
                if proc.poll() is None:
                    killed.set()
                    proc.kill()
            timer = threading.Timer(timeout, kill)
            timer.daemon = True
            timers.append(timer)
            timer.start()

        try:
            result = run_command(argv, before_communicate_callback=watch, handle_exceptions=False, **kwargs)
        except OSError as exc:
            raise OsopsError('%s could not start: %s.' % (argv[0], exc.strerror or exc))
        finally:
            for timer in timers:
                timer.cancel()
        if killed.is_set():
            raise CommandTimeout('%s did not finish within %d s and was stopped: run it by hand on the host to see '
                                 'why it hangs (a database or message queue that does not answer?), or raise '
                                 'check_batch\'s tool_timeout.' % (os.path.basename(argv[0]), timeout))
        return result
    return run


def run_in_order(jobs, background, on_error, workers=WORKERS):
    """The results of ``jobs`` (callables without arguments), in their order.

    The jobs whose index is in ``background`` run in a pool of at most
    ``workers`` threads, started first; the others run one after the other
    in this thread meanwhile.  A background job that raises gives
    ``on_error(index, exc)`` as its result; the others' results are kept.
    """
    background = sorted(set(background))
    results = [None] * len(jobs)
    if not background:
        return [job() for job in jobs]
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(background)))) as pool:
        futures = dict((index, pool.submit(jobs[index])) for index in background)
        for index, job in enumerate(jobs):
            if index not in futures:
                results[index] = job()
        for index, future in futures.items():
            try:
                results[index] = future.result()
            except Exception as exc:  # pylint: disable=broad-except
                results[index] = on_error(index, exc)
    return results

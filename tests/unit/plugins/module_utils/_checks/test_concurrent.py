"""The runner of check_batch's tools: results in the batch's order, one job's failure its own."""

import threading
import time

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.concurrent import CommandTimeout, run_in_order, timed_runner
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError


def test_results_keep_the_order_of_the_jobs_whichever_ends_first():
    ended = []
    released = threading.Event()

    def slow():  # ends only once the later background job and the foreground ones have ended
        assert released.wait(10)
        ended.append('slow')
        return 'slow'

    def quick():
        ended.append('quick')
        return 'quick'

    def foreground(name):
        def job():
            ended.append(name)
            if name == 'last':
                released.set()
            return name
        return job

    jobs = [slow, foreground('first'), quick, foreground('last')]
    assert run_in_order(jobs, [0, 2], lambda index, exc: None) == ['slow', 'first', 'quick', 'last']
    # the slow job ran beside the others (run one after the other, it would have waited for nothing)
    assert ended[-1] == 'slow'


def test_background_jobs_run_side_by_side():
    barrier = threading.Barrier(3, timeout=10)

    def meet(name):
        def job():
            barrier.wait()  # BrokenBarrierError unless all three run at once
            return name
        return job

    assert run_in_order([meet('a'), meet('b'), meet('c')], [0, 1, 2], lambda index, exc: exc) == ['a', 'b', 'c']


def test_a_background_job_that_raises_is_its_own_error_only():
    def broken():
        raise KeyError('boom')

    seen = []
    results = run_in_order([lambda: 1, broken, lambda: 3], [1, 2],
                           lambda index, exc: seen.append((index, type(exc).__name__)) or 'error of %d' % index)
    assert results == [1, 'error of 1', 3]
    assert seen == [(1, 'KeyError')]


def test_without_background_jobs_they_run_in_order_in_this_thread():
    names = []
    assert run_in_order([lambda: names.append(threading.current_thread().name) or 'x'] * 2, [], None) == ['x', 'x']
    assert names == [threading.current_thread().name] * 2


class FakeProcess:
    def __init__(self, ends_after):
        self.ends = time.monotonic() + ends_after
        self.killed = False

    def poll(self):
        return 0 if self.killed or time.monotonic() >= self.ends else None

    def kill(self):
        self.killed = True


def fake_run_command(ends_after, rc=0):
    """A run_command whose process ends after ``ends_after`` s unless it is killed before."""
    calls = []

    def run(argv, before_communicate_callback=None, **kwargs):
        calls.append(dict(kwargs, argv=argv))
        proc = FakeProcess(ends_after)
        before_communicate_callback(proc)
        while proc.poll() is None:
            time.sleep(0.01)
        return (-9 if proc.killed else rc), 'out', 'err'
    return run, calls


def test_a_command_that_ends_in_time_is_returned_as_run_command_returns_it():
    run, calls = fake_run_command(0.05)
    assert timed_runner(run, 5)(['/venv/bin/tool', 'upgrade'], environ_update={'A': '1'}) == (0, 'out', 'err')
    # never the module's fail_json from a worker thread: an OSError comes back to the runner
    assert calls == [dict(argv=['/venv/bin/tool', 'upgrade'], environ_update={'A': '1'}, handle_exceptions=False)]


def test_a_command_past_its_time_is_killed_and_named():
    run, _calls = fake_run_command(30)
    began = time.monotonic()
    with pytest.raises(CommandTimeout) as raised:
        timed_runner(run, 1)(['/venv/bin/keystone-status', '--config-file', '/etc/keystone/keystone.conf'])
    assert time.monotonic() - began < 10
    assert raised.value.msg.startswith('keystone-status did not finish within 1 s and was stopped')
    assert 'tool_timeout' in raised.value.msg


def test_a_command_that_cannot_start_is_an_error_not_a_module_failure():
    def run(argv, **kwargs):
        raise FileNotFoundError(2, 'No such file or directory')

    with pytest.raises(OsopsError) as raised:
        timed_runner(run, 5)(['/venv/bin/nova-status'])
    assert raised.value.msg == '/venv/bin/nova-status could not start: No such file or directory.'

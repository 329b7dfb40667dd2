"""Discovery through the OpenStack APIs: what it lists and when, and what it imports."""

import os
import subprocess
import sys
import threading

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._discovery import api as discovery_api
from ansible_collections.osops.lifecycle.plugins.module_utils._discovery import methods as discovery_methods


@pytest.mark.parametrize('choice, computes, note', [
    ('auto', 0, None),
    ('auto', 500, None),  # the limit itself is still read
    ('auto', 501, '501 nova-compute services > 500: hypervisor details (type, version, host address) not read; '
                  'nova-api looks each hypervisor up one by one; pass params.hypervisors: always to read them.'),
    ('auto', 5002, '5,002 nova-compute services > 500: hypervisor details (type, version, host address) not read;'),
    ('always', 5002, None),
    ('never', 0, 'params.hypervisors is never: hypervisor details (type, version, host address) not read.'),
])
def test_hypervisors_are_skipped_above_the_limit_with_auto_only(choice, computes, note):
    assert discovery_methods.HYPERVISORS_AUTO_LIMIT == 500
    skipped = discovery_api.hypervisors_skipped(choice, computes)
    if note is None or note.endswith('.'):
        assert skipped == note
    else:
        assert skipped.startswith(note)


@pytest.mark.parametrize('maximum, expected', [
    ('2.104', '2.87'),  # from 2.88 nova-api asks every hypervisor's nova-compute for its uptime
    ('2.88', '2.87'),
    ('2.87', '2.87'),
    ('2.60', '2.60'),
    (None, None),
    ('nonsense', None),
])
def test_hypervisors_are_listed_below_the_uptime_microversion(maximum, expected):
    assert discovery_api.hypervisor_microversion(maximum) == expected


def test_in_background_runs_at_once_and_gives_back_a_result_or_an_error():
    started, release = threading.Event(), threading.Event()

    def work():
        started.set()
        if not release.wait(10):  # the caller must go on while this runs
            raise AssertionError('the caller waited for the work')
        return 'done'

    future = discovery_api.in_background(work)
    assert started.wait(10)
    assert not future.done()
    release.set()
    assert future.result(10) == 'done'
    failing = discovery_api.in_background(lambda: int('not a number'))
    with pytest.raises(ValueError, match='not a number'):
        failing.result(10)


def test_importing_discovery_leaves_sqlalchemy_and_openstacksdk_for_later():
    # cluster_discover imports the store (SQLAlchemy, alembic) while its API discovery runs, and the
    # info modules never need openstacksdk: importing the discovery module must not import them.
    code = ('import sys; from ansible_collections.osops.lifecycle.plugins.module_utils._discovery import '
            'api, inference, inventory, methods, summary, topology; '
            'print(sorted(m for m in ("sqlalchemy", "alembic", "openstack") if m in sys.modules))')
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True,
                            env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert result.stdout.strip() == '[]'

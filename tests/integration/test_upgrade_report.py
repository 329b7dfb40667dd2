"""The upgrade's HTML report, written by a real ansible-playbook run of playbooks/upgrade_report.yml and opened
in a real headless Chromium: what it shows (a row per host, a bar per step that ran in its outcome's colour,
the pause, failure and rollback marks, the versions and the readiness counts) is what the store holds.

The upgrade (the lab's plan, started by the upgrade module) is driven through the store as the upgrade role
would: five batches, a pause and a continue, a failed restart in compute1's batch, a rollback.  The lab tier
does the same with the store of a real whole-lab upgrade (test_upgrade_lab.py).
"""

import pytest

from ansible_collections.osops.lifecycle.tests.integration.report_page import COLOURS, assert_page_matches_store
from ansible_collections.osops.lifecycle.tests.integration.test_upgrade_playbooks import _lab, module, playbook, printed, stored
from ansible_collections.osops.lifecycle.tests.unit.plugins.module_utils._store.helpers import upgrade_story


@pytest.fixture
def lab(tmp_path):
    """Cluster lab (a controller, two computes at 2025.1) in a SQLite store."""
    return _lab(tmp_path, 'sqlite:///%s' % (tmp_path / 'store.db'))


def test_the_report_shows_what_the_store_holds(lab, tmp_path):
    module(lab, 'upgrade', cluster='lab', target_release='2026.1')
    (upgrade,) = stored(lab)
    story = upgrade_story(lab['url'], upgrade['id'])
    reports = tmp_path / 'reports'
    lines = printed(playbook(lab, 'upgrade_report', osops_upgrade_cluster='lab', osops_upgrade_report_dir=str(reports)))
    path = str(reports / ('upgrade-%s.html' % upgrade['id']))
    assert lines == ['upgrade %s of lab: 2025.1 -> 2026.1, rolled_back' % upgrade['id'],
                     '%d steps ran of %d; paused, failed, rollback, rolled back'
                     % (len([s for s in story['steps'] if s['started_at']]), len(story['steps'])),
                     'report: %s' % path]
    page, truth = assert_page_matches_store(path, lab['url'], upgrade['id'], 'upgrade-report-rolled-back')
    assert [row['host'] for row in page['rows']] == ['lab', 'controller', 'compute1', 'compute2']
    assert truth['marks'] == ['paused', 'failed', 'rolling_back', 'rolled_back']
    # the failed restart on compute1 is shown in the failure's colour until the rollback reverts it
    colours = set(b['colour'] for row in page['rows'] for b in row['bars'])
    assert colours == {COLOURS['done'], COLOURS['reverted']}
    assert page['versions']['nova'] == {'before': '31.3.1 × 3', 'after': '31.3.1 × 3'}
    assert page['checks']['before'] == {'Success': 1, 'Warning': 1, 'Failure': 0, 'Error': 0}
    # nothing changed: a second run writes nothing
    again = playbook(lab, 'upgrade_report', osops_upgrade_id=upgrade['id'], osops_upgrade_cluster='lab',
                     osops_upgrade_report_dir=str(reports))
    assert again.returncode == 0 and 'changed=0' in again.stdout

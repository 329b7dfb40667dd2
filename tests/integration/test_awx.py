"""The collection's AWX material (awx/): surveys, the state store credential type, the example project; and
pause and status jobs run the way AWX runs them (ansible-runner over a private data directory) on a
PostgreSQL store.  The lab tier runs discover, check, upgrade, a pause job during the upgrade job, the
continue and the status the same way against the real lab (test_mixed_lab.py).
"""

import json

import pytest
import yaml

from ansible_collections.osops.lifecycle.tests.secretscan import KEYSTONE_PASSWORD, PG_PASSWORD
from ansible_collections.osops.lifecycle.tests.integration.awxjob import AWX, ROOT, SurveyError, awx_job, survey_extra_vars
from ansible_collections.osops.lifecycle.tests.integration.test_upgrade_playbooks import _lab, module, stored, table

SURVEY_TYPES = {'text', 'textarea', 'password', 'integer', 'float', 'multiplechoice', 'multiselect'}
# survey -> the role whose documented variables it sets
ROLES = {'discover': 'discover', 'check': 'check', 'upgrade': 'upgrade', 'upgrade_pause': 'upgrade',
         'upgrade_status': 'upgrade'}
# AWX's own localhost: local connection, the interpreter the job runs ansible-playbook with
LOCAL = {'_meta': {'hostvars': {'localhost': {'ansible_connection': 'local',
                                              'ansible_python_interpreter': '{{ ansible_playbook_python }}'}}},
         'all': {'hosts': ['localhost']}}
OPENSTACK = {'host': 'http://127.0.0.9:5000/v3', 'username': 'admin', 'password': KEYSTONE_PASSWORD,
             'project': 'admin', 'domain': 'Default'}


def _documented(role):
    specs = yaml.safe_load((ROOT / 'roles' / role / 'meta' / 'argument_specs.yml').read_text())['argument_specs']
    return set(name for spec in specs.values() for name in spec.get('options', {}))


@pytest.mark.parametrize('name', sorted(ROLES))
def test_each_survey_asks_what_its_role_documents_and_its_defaults_pass(name):
    survey = json.loads((AWX / 'surveys' / ('%s.json' % name)).read_text())
    assert survey['name'] and survey['spec']
    documented = _documented(ROLES[name])
    for question in survey['spec']:
        assert question['type'] in SURVEY_TYPES and question['question_name'] and question['question_description']
        assert question['variable'] in documented, '%s asks %s, which role %s does not document' % (
            name, question['variable'], ROLES[name])
        if question['type'] == 'multiplechoice':
            assert question['default'] in question['choices']
    required = dict((q['variable'], q['default']) for q in survey['spec'] if q['required'] and q['default'] == '')
    answers = dict((var, 'lab') for var in required)
    assert set(survey_extra_vars(name, answers)) == set(q['variable'] for q in survey['spec']
                                                        if q['variable'] in answers or q['default'] != '')
    assert (AWX / 'project' / ('%s.yml' % name)).exists()


def test_answers_awx_would_refuse_are_refused():
    with pytest.raises(SurveyError, match='asks no'):
        survey_extra_vars('upgrade', {'osops_upgrade_cluster': 'lab', 'osops_upgrade_store': 'sqlite:///x'})
    with pytest.raises(SurveyError, match='must be one of'):
        survey_extra_vars('upgrade', {'osops_upgrade_cluster': 'lab', 'osops_upgrade_target_release': '2099.1'})
    with pytest.raises(SurveyError, match='integer'):
        survey_extra_vars('upgrade', {'osops_upgrade_cluster': 'lab', 'osops_upgrade_batch_size': 0})
    with pytest.raises(SurveyError, match='required'):
        survey_extra_vars('upgrade_pause', {})


def test_the_store_credential_injects_the_url_as_a_secret_environment_variable():
    credential = json.loads((AWX / 'credential_types' / 'osops_store.json').read_text())
    (field,) = credential['inputs']['fields']
    assert field['secret'] is True and credential['inputs']['required'] == [field['id']]
    assert credential['injectors'] == {'env': {'OSOPS_STORE_URL': '{{ %s }}' % field['id']}}
    assert 'extra_vars' not in credential['injectors']


def test_every_project_playbook_imports_a_playbook_of_the_collection():
    for path in sorted((AWX / 'project').glob('*.yml')):
        (play,) = yaml.safe_load(path.read_text())
        target = play['ansible.builtin.import_playbook']
        assert target == 'osops.lifecycle.%s' % path.stem
        assert (ROOT / 'playbooks' / ('%s.yml' % path.stem)).exists(), target
    assert 'callbacks_enabled = osops.lifecycle.check_table' in (AWX / 'project' / 'ansible.cfg').read_text()


def test_pause_and_status_jobs_as_awx_runs_them_on_postgresql(tmp_path, postgres):
    lab = _lab(tmp_path, postgres.empty_database())
    module(lab, 'upgrade', cluster='lab', target_release='2026.1', started_by='ops@bastion')
    module(lab, 'upgrade_step', cluster='lab', state='claimed')  # the upgrade job runs its first batch
    pause = awx_job(tmp_path, '1', 'upgrade_pause', LOCAL, OPENSTACK, lab['url'],
                    survey={'osops_upgrade_cluster': 'lab'})
    assert pause.status == 'successful', pause.stdout[-3000:]
    assert [u['status'] for u in stored(lab)] == ['paused']
    status = awx_job(tmp_path, '2', 'upgrade_status', LOCAL, OPENSTACK, lab['url'],
                     survey={'osops_upgrade_cluster': 'lab'})
    assert status.status == 'successful', status.stdout[-3000:]
    (lines,) = status.task_messages('Status')
    shown = dict(table(lines))
    assert (shown['upgrade'], shown['releases'], shown['status']) == (stored(lab)[0]['id'], '2025.1 -> 2026.1', 'paused')
    # the store's password (its credential) and keystone's (the OpenStack credential) are in no event or output
    for job in (pause, status):
        written = job.everything_written()
        assert 'Status' in written or 'paused' in written
        assert PG_PASSWORD not in written and OPENSTACK['password'] not in written
        assert job.private_data_dir.joinpath('env', 'tmp_openstack_clouds.yaml').stat().st_mode & 0o077 == 0

"""Workflows: the steps of a session laid out in order, validation of actions and downloads."""

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OptionError
from ansible_collections.osops.lifecycle.plugins.module_utils._maintenance import workflow

ACTIONS = [{'plugin': 'site.ops.announce', 'type': 'pre', 'metadata': {'to': 'ops'}},
           {'plugin': 'site.ops.patch', 'type': 'host', 'metadata': {'reboot': True}},
           {'plugin': '/srv/tasks/firmware.yml', 'type': 'host', 'metadata': {}},
           {'plugin': 'site.ops.report', 'type': 'post', 'metadata': {}}]


def brief(steps):
    return [(s['stage'], s['phase'], s.get('batch'), s.get('host'), s['action'], s.get('plugin')) for s in steps]


def host(stage, batch, name):
    """The default workflow's steps of one host with ACTIONS' two host actions."""
    return [(stage, 'host', batch, name, 'disable', None), (stage, 'host', batch, name, 'notify', None),
            (stage, 'host', batch, name, 'drain', None), (stage, 'host', batch, name, 'host_action', 'site.ops.patch'),
            (stage, 'host', batch, name, 'host_action', '/srv/tasks/firmware.yml'),
            (stage, 'host', batch, name, 'enable', None), (stage, 'host', batch, name, 'verify', None)]


def test_the_default_workflow_laid_out_stage_after_stage():
    steps = workflow.lay_out('default', [['c1', 'c2'], ['c3']], ACTIONS, [{'url': 'http://x'}])
    assert brief(steps) == [
        (1, 'prepare', None, 'c1', 'download', None), (1, 'prepare', None, 'c2', 'download', None),
        (1, 'prepare', None, 'c3', 'download', None),
        (2, 'prepare', None, None, 'pre_action', 'site.ops.announce'),
    ] + host(3, 1, 'c1') + host(3, 1, 'c2') + host(4, 2, 'c3') + [
        (5, 'complete', None, None, 'post_action', 'site.ops.report')]
    assert steps[3]['metadata'] == {'to': 'ops'} and steps[7]['metadata'] == {'reboot': True}


def test_without_download_nor_actions_only_the_host_steps():
    steps = workflow.lay_out('default', [['c1']], [], [])
    assert brief(steps) == [(1, 'host', 1, 'c1', action, None)
                            for action in ('disable', 'notify', 'drain', 'enable', 'verify')]


def test_an_unknown_workflow_is_named():
    with pytest.raises(OptionError) as info:
        workflow.host_steps('express')
    assert info.value.msg == ("Option workflow: got 'express', expected one of default. More workflows come with "
                              "later versions of the collection.")


@pytest.mark.parametrize('plugin,ok', [
    ('site.ops.patch', True), ('community.general.make', True), ('tasks/patch.yml', True), ('patch.yaml', True),
    ('patch', False), ('site.ops', False), ('run this.sh', False), ('/nowhere/tasks.yml', False),
])
def test_action_plugins_are_task_files_or_fqcns(plugin, ok):
    action = [{'plugin': plugin, 'type': 'host'}]
    if ok:
        workflow.check_actions(action)
    else:
        with pytest.raises(OptionError) as info:
            workflow.check_actions(action)
        assert info.value.msg.startswith("Option actions[0].plugin: got %r" % plugin)


def test_an_existing_absolute_task_file_is_accepted(tmp_path):
    tasks = tmp_path / 'tasks.yml'
    tasks.write_text('- ansible.builtin.debug:\n')
    workflow.check_actions([{'plugin': str(tasks), 'type': 'pre'}])


@pytest.mark.parametrize('checksum,ok', [
    ('sha256:0123abcdef', True), ('md5:00', True), ('sha256:xyz', False), ('0123', False), ('crc32:00', False)])
def test_download_checksums(checksum, ok):
    download = [{'url': 'http://x', 'checksum': checksum, 'dest': '/tmp/x'}]
    if ok:
        workflow.check_download(download)
    else:
        with pytest.raises(OptionError) as info:
            workflow.check_download(download)
        assert info.value.msg.startswith("Option download[0].checksum: got %r, expected ALGORITHM:HEX" % checksum)


@pytest.mark.parametrize('statuses,expected', [
    ({}, []),                                                    # nothing started
    ({'disable': 'running'}, ['c1']),                            # may have disabled it
    ({'disable': 'failed'}, ['c1']),
    ({'disable': 'done', 'enable': 'failed'}, ['c1']),
    ({'disable': 'done', 'enable': 'done'}, []),
    ({'disable': 'skipped'}, ['c1']),
])
def test_hosts_to_enable(statuses, expected):
    steps = [dict(s, status=statuses.get(s['action'], 'pending'))
             for s in workflow.lay_out('default', [['c1']], [], [])]
    assert workflow.hosts_to_enable(steps) == expected

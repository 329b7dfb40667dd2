"""The newest_venv filter chooses the venv a project runs before an upgrade."""

import pytest

from ansible_collections.osops.lifecycle.plugins.filter.newest_venv import newest_venv


def found(*names, venvs_dir='/openstack/venvs'):
    return [{'path': '%s/%s' % (venvs_dir, name), 'isdir': True} for name in names]


@pytest.mark.parametrize('names,before,expected', [
    # the newest older than the target's major version: the one running now
    (['nova-31.3.1', 'nova-33.0.2', 'nova-29.4.0'], '33.0.0', '31.3.1'),
    # the target's major counts from its first .0.0, whatever the first version is
    (['nova-32.2.1', 'nova-33.0.2'], '33.1.0', '32.2.1'),
    # only newer ones (the upgrade is done, the old venv removed): the newest
    (['nova-33.0.2', 'nova-33.1.0'], '33.0.0', '33.1.0'),
    # versions compare as versions, not as text
    (['nova-9.1.0', 'nova-10.0.0', 'nova-10.0.0.0rc1'], None, '10.0.0'),
    (['nova-9.1.0', 'nova-10.0.0'], '11.0.0', '10.0.0'),
    # names whose rest is not a version, and other projects' venvs, do not count
    (['nova-master', 'novaclient-99.0.0', 'heat-32.9.0', 'nova-31.3.1'], '33.0.0', '31.3.1'),
    (['nova-master', 'placement-14.0.0'], '33.0.0', None),
    ([], '33.0.0', None),
])
def test_chooses_the_version(names, before, expected):
    venv = newest_venv('/openstack/venvs', 'nova', found(*names), before=before)
    assert (venv and venv['version']) == expected


def test_interpreter_is_under_the_venvs_dir_as_given():
    venv = newest_venv('/srv/venvs/', 'cinder', found('cinder-25.0.0', venvs_dir='/srv/venvs'), before='27.0.0')
    assert venv == {'version': '25.0.0', 'python': '/srv/venvs//cinder-25.0.0/bin/python'}

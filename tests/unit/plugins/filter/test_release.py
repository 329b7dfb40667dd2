"""The release filter."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.osops.lifecycle.plugins.filter.release import release
from ansible_collections.osops.lifecycle.plugins.module_utils._releases.rules import all_series


@pytest.mark.parametrize('found', all_series(), ids=str)
def test_by_id_and_name(found):
    assert release(found.id) == release(found.name.title()) == found.as_dict()


def test_by_project_version():
    assert release('31.3.1', 'nova')['id'] == '2025.1'
    assert release('1.0.0', 'nova') is None


def test_unknown_release_is_a_clear_error():
    with pytest.raises(AnsibleFilterError, match=r"Unknown OpenStack release '2030.9'; known releases: "):
        release('2030.9')


@pytest.mark.parametrize('versions,below,expected', [
    (['31.3.1', '33.0.2', '29.4.0'], None, '33.0.2'),
    (['31.3.1', '33.0.2', '29.4.0'], '33.0.0', '31.3.1'),
    (['9.1.0', '10.0.0'], None, '10.0.0'),
    (['33.0.2'], '33.0.0', None),
    ([], None, None),
    (['not-a-version', '1.0'], None, '1.0'),
])
def test_newest_version(versions, below, expected):
    from ansible_collections.osops.lifecycle.plugins.filter.release import newest_version
    assert newest_version(versions, below=below) == expected

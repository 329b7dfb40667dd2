"""Release data and upgrade paths: the whole series matrix."""

import json

import pytest
from packaging.version import Version

from ansible_collections.osops.lifecycle.plugins.module_utils._releases import rules as _releases
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._releases.rules import ReleaseError

IDS = ['2021.2', '2022.1', '2022.2', '2023.1', '2023.2', '2024.1', '2024.2',
       '2025.1', '2025.2', '2026.1', '2026.2', '2027.1']

# The supported upgrades, written out by hand from the SLURP rules so the
# matrix below does not re-derive them with the code under test.
ALLOWED = {
    ('2021.2', '2022.1'), ('2022.1', '2022.2'), ('2022.2', '2023.1'),
    ('2023.1', '2023.2'), ('2023.1', '2024.1'), ('2023.2', '2024.1'),
    ('2024.1', '2024.2'), ('2024.1', '2025.1'), ('2024.2', '2025.1'),
    ('2025.1', '2025.2'), ('2025.1', '2026.1'), ('2025.2', '2026.1'),
    ('2026.1', '2026.2'), ('2026.1', '2027.1'), ('2026.2', '2027.1'),
}


def test_the_table_covers_2021_2_to_2027_1_oldest_first():
    assert [s.id for s in _releases.all_series()] == IDS
    assert _releases.series('2027.1').status == 'future'


def test_every_series_is_released_after_the_one_before():
    dates = [s.released for s in _releases.all_series()]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)


@pytest.mark.parametrize('series_id', IDS)
def test_slurp_flag_follows_the_cadence_rule(series_id):
    year, number = series_id.split('.')
    assert _releases.series(series_id).slurp == (int(year) >= 2023 and number == '1')


@pytest.mark.parametrize('source', IDS)
@pytest.mark.parametrize('target', IDS)
def test_upgrade_path_matrix(source, target):
    allowed, reason = _releases.check_upgrade_path(source, target)
    assert allowed == ((source, target) in ALLOWED)
    assert reason.startswith('%s → %s ' % (source, target))
    if source == target:
        assert 'not an upgrade' in reason
    elif IDS.index(target) < IDS.index(source):
        assert 'backwards' in reason
    elif not allowed:
        assert 'only N→N+1 or SLURP→next SLURP is supported' in reason


@pytest.mark.parametrize('source', IDS)
def test_upgrade_paths_list_exactly_the_allowed_targets(source):
    assert [s.id for s in _releases.upgrade_paths(source)] == \
        [target for target in IDS if (source, target) in ALLOWED]


@pytest.mark.parametrize('source,target,reason', [
    ('2024.1', '2026.1', '2024.1 → 2026.1 skips 2025.1 (SLURP) and 2025.2: '
                         'only N→N+1 or SLURP→next SLURP is supported.'),
    ('2025.2', '2026.2', '2025.2 → 2026.2 skips 2026.1 (SLURP): only N→N+1 or SLURP→next '
                         'SLURP is supported; 2025.2 is not a SLURP release, so it only '
                         'upgrades to 2026.1.'),
    ('2024.1', '2025.2', '2024.1 → 2025.2 skips 2025.1 (SLURP): '
                         'only N→N+1 or SLURP→next SLURP is supported.'),
    ('2024.1', '2025.1', '2024.1 → 2025.1 goes from a SLURP release to the next SLURP '
                         'release, skipping 2024.2.'),
    ('2026.1', '2026.2', '2026.1 → 2026.2 is one release forward (N→N+1).'),
    ('2026.1', '2025.1', '2026.1 → 2025.1 goes backwards: downgrades are not supported.'),
    ('2025.1', '2025.1', '2025.1 → 2025.1 is not an upgrade: both are the same release.'),
])
def test_reasons_are_operator_readable(source, target, reason):
    assert _releases.check_upgrade_path(source, target)[1] == reason


@pytest.mark.parametrize('key', ['2026.1', 'gazpacho', 'Gazpacho', ' GAZPACHO '])
def test_series_is_found_by_id_or_name(key):
    found = _releases.series(key)
    assert (found.id, found.name) == ('2026.1', 'gazpacho')
    assert _releases.series(found) is found


@pytest.mark.parametrize('key', ['2026.3', 'icehouse', '', 'nova'])
def test_unknown_series_lists_the_known_ones(key):
    with pytest.raises(ReleaseError) as info:
        _releases.series(key)
    assert isinstance(info.value, OsopsError)
    assert info.value.msg.startswith('Unknown OpenStack release %r; known releases: ' % key)
    assert '2021.2 (xena)' in info.value.msg and '2027.1 (indri)' in info.value.msg


def test_check_upgrade_path_rejects_unknown_releases():
    with pytest.raises(ReleaseError):
        _releases.check_upgrade_path('2025.1', '2031.1')


def _shipped_versions():
    for series in _releases.all_series():
        for project, (first, last) in series.projects.items():
            yield project, str(first), series.id
            yield project, str(last), series.id


@pytest.mark.parametrize('project,version,series_id', list(_shipped_versions()))
def test_release_of_every_shipped_version(project, version, series_id):
    assert _releases.release_of(project, version).id == series_id


@pytest.mark.parametrize('project,version,series_id', [
    ('nova', '29.2.1.dev12', '2024.1'),   # a development build of a stable branch
    ('nova', '34.1.0', '2026.2'),         # a point release after the data snapshot
    ('placement', '15.0.0', '2026.1'),
    ('neutron', Version('27.0.3'), '2025.2'),
])
def test_release_of_matches_on_the_major_version(project, version, series_id):
    assert _releases.release_of(project, version).id == series_id


@pytest.mark.parametrize('project,version', [
    ('nova', '23.0.0'),    # wallaby: older than the table
    ('nova', '35.0.0'),    # not released
    ('swift', '2.30.0'),   # a project the table does not track
])
def test_release_of_unknown_is_none(project, version):
    assert _releases.release_of(project, version) is None


def test_release_of_refuses_what_is_not_a_version():
    with pytest.raises(ReleaseError) as info:
        _releases.release_of('nova', '2:29.0.0-0ubuntu1')
    assert "nova version '2:29.0.0-0ubuntu1' is not a version" in info.value.msg


def test_majors_never_overlap_between_series():
    """release_of is unambiguous: each project's majors grow with the series."""
    last_major = {}
    for series in _releases.all_series():
        for project, (first, last) in series.projects.items():
            assert first <= last
            assert first.major > last_major.get(project, -1)
            last_major[project] = last.major


@pytest.mark.parametrize('series_id,measured,oldest', [
    ('2024.1', 67, None),  # not known: never guessed
    ('2024.2', None, None),
    ('2025.1', 68, 67),
    ('2025.2', 70, 67),
    ('2026.1', 72, 68),
    ('2026.2', 74, 72),
    ('2027.1', None, None),  # not released: nothing is known
    ('2023.1', None, None),
])
def test_nova_compute_service_versions(series_id, measured, oldest):
    found = _releases.series(series_id)
    assert found.nova_compute_service_version == measured
    assert found.nova_oldest_compute_service_version == oldest


@pytest.mark.parametrize('series_id', IDS)
def test_oldest_compute_version_is_one_of_an_earlier_slurp_release(series_id):
    found = _releases.series(series_id)
    if found.nova_oldest_compute_service_version is not None:
        earlier_slurps = [s.nova_compute_service_version for s in _releases.all_series()
                          if s.slurp and s < found]
        assert found.nova_oldest_compute_service_version in earlier_slurps


@pytest.mark.parametrize('series_id', IDS)
def test_nova_needs_placement_1_36_on_every_released_series(series_id):
    found = _releases.series(series_id)
    expected = None if found.status == 'future' else Version('1.36')
    assert found.nova_min_placement_microversion == expected


def test_measured_max_microversions():
    hibiscus = _releases.series('2026.2')
    assert hibiscus.nova_max_microversion == Version('2.104')
    assert hibiscus.placement_max_microversion == Version('1.39')
    assert hibiscus.nova_max_microversion > Version('2.96')  # compared as versions, not text


def test_series_order_and_dict_form():
    caracal, epoxy = _releases.series('2024.1'), _releases.series('2025.1')
    assert caracal < epoxy and str(epoxy) == '2025.1'
    data = json.loads(json.dumps(epoxy.as_dict()))
    assert data['projects']['nova'] == {'first': '31.0.0', 'last': '31.3.1'}
    assert data['released'] == '2025-04-02' and data['slurp'] is True
    assert data['nova_min_placement_microversion'] == '1.36'
    assert _releases.series('2024.2').as_dict()['eol'] == '2026-04-29'


def test_records_are_frozen():
    with pytest.raises(AttributeError):
        _releases.series('2025.1').slurp = False
    with pytest.raises(TypeError):
        _releases.series('2025.1').projects['nova'] = None


@pytest.mark.parametrize('version, series_id, note', [
    (67, '2024.1', "service version 67 is 2024.1's (measured); 2023.2's is not measured and may be the same number"),
    (68, '2025.1', "service version 68 is 2025.1's (measured); 2024.2's is not measured and may be the same number"),
    (70, '2025.2', None),
    (72, '2026.1', None),
    (74, '2026.2', None),
    (69, '2025.1', 'service version 69 lies between 2025.1 (68) and 2025.2 (70): taken as the older, 2025.1'),
    (73, '2026.1', 'service version 73 lies between 2026.1 (72) and 2026.2 (74): taken as the older, 2026.1'),
])
def test_release_of_nova_service_version(version, series_id, note):
    found, why = _releases.release_of_nova_service_version(version)
    assert (found.id, why) == (series_id, note)


@pytest.mark.parametrize('version, reason', [
    (None, 'no service version recorded (None)'),
    ('68', "no service version recorded ('68')"),
    (True, 'no service version recorded (True)'),
    (0, 'service version 0: the service never recorded a version'),
    (66, 'service version 66 is older than any release this collection has measured '
         '(67=2024.1, 68=2025.1, 70=2025.2, 72=2026.1, 74=2026.2)'),
    (75, 'service version 75 is newer than any release this collection has measured'),
])
def test_release_of_unknown_nova_service_version_is_none_with_a_reason(version, reason):
    found, why = _releases.release_of_nova_service_version(version)
    assert found is None and why.startswith(reason)

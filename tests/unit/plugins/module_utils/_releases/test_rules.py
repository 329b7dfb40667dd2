"""Release lookups and upgrade paths: the whole series matrix."""

import datetime
import json

import pytest
from packaging.version import Version

from ansible_collections.osops.lifecycle.plugins.module_utils._releases import rules as _releases
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._releases.rules import ReleaseError

IDS = [s.id for s in _releases.all_series()]


def _cadence_slurp(series_id):
    """SLURP as the release cadence (TC resolution 20220210) words it: every .1 from 2023.1."""
    year, number = series_id.split('.')
    return int(year) >= 2023 and number == '1'


# The rule's definition over the ids alone (the cadence decides SLURP), so the matrix below does
# not re-derive it with the code under test or its data's slurp flags: one release forward
# (N→N+1), or a SLURP release to the next SLURP release (two forward); never the same release,
# backwards, further, or to a release that is not out on ``today`` (its date in the release data).
FORWARD = {(source, target): ('next' if j == i + 1 else 'slurp')
           for i, source in enumerate(IDS) for j, target in enumerate(IDS)
           if j == i + 1 or (j == i + 2 and _cadence_slurp(source) and _cadence_slurp(target))}
RELEASED = {s.id: s.released for s in _releases.all_series()}
TODAY = datetime.date(2026, 12, 4)
# 2027.1 (indri) is planned for 2027-03-24: the day before and the day itself.
TODAYS = [TODAY, datetime.date(2027, 3, 23), datetime.date(2027, 3, 24)]


def expected_rule(source, target, today):
    i, j = IDS.index(source), IDS.index(target)
    if i == j:
        return 'same'
    if j < i:
        return 'backwards'
    if (source, target) not in FORWARD:
        return 'too_far'
    if RELEASED[target] > today:
        return 'unreleased'
    return FORWARD[(source, target)]


ALLOWED = {(source, target) for source in IDS for target in IDS
           if expected_rule(source, target, TODAY) in ('next', 'slurp')}


@pytest.mark.parametrize('today', TODAYS, ids=str)
@pytest.mark.parametrize('source', IDS)
@pytest.mark.parametrize('target', IDS)
def test_upgrade_path_matrix(source, target, today):
    allowed, rule, reason = _releases.check_upgrade_path(source, target, today)
    assert rule == expected_rule(source, target, today)
    assert allowed == (rule in ('next', 'slurp'))
    assert reason.startswith('%s → %s' % (source, target))
    assert {'same': 'not an upgrade', 'backwards': 'backwards', 'next': '(N→N+1)', 'slurp': 'to the next SLURP release',
            'too_far': 'only N→N+1 or SLURP→next SLURP is supported',
            'unreleased': '%s is not released yet (planned for %s)' % (target, RELEASED[target])}[rule] in reason


def test_the_rules_are_the_documented_ones():
    assert _releases.ALLOWED_RULES + _releases.REFUSED_RULES == ('next', 'slurp', 'same', 'backwards', 'too_far', 'unreleased')


@pytest.mark.parametrize('source', ['2026.1', '2026.2'])
def test_an_unreleased_target_is_refused_today(source):
    """2027.1 is not out on 2026-12-04 (issue 11): refused, whatever the SLURP rules say."""
    assert _releases.check_upgrade_path(source, '2027.1', TODAY) == (
        False, 'unreleased', '%s → 2027.1: 2027.1 is not released yet (planned for 2027-03-24).' % source)


def test_today_is_the_default():
    today = datetime.date.today()
    for source in IDS:
        for target in IDS:
            assert _releases.check_upgrade_path(source, target) == _releases.check_upgrade_path(source, target, today)


@pytest.mark.parametrize('source', IDS)
def test_upgrade_paths_list_exactly_the_allowed_targets(source):
    assert [s.id for s in _releases.upgrade_paths(source, TODAY)] == \
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
    assert _releases.check_upgrade_path(source, target, TODAY).reason == reason


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


@pytest.mark.parametrize('source,target', sorted(ALLOWED))
def test_a_supported_upgrade_keeps_the_computes_it_starts_from(source, target):
    """The target's control plane accepts the source's computes, wherever both are known."""
    source, target = _releases.series(source), _releases.series(target)
    if None not in (source.nova_compute_service_version, target.nova_oldest_compute_service_version):
        assert target.nova_oldest_compute_service_version <= source.nova_compute_service_version


def test_series_order_and_dict_form():
    assert sorted(_releases.all_series(), reverse=True) == list(reversed(_releases.all_series()))
    for found in _releases.all_series():
        assert str(found) == found.id
        data = json.loads(json.dumps(found.as_dict()))
        assert (data['id'], data['name'], data['slurp'], data['status']) == (
            found.id, found.name, found.slurp, found.status)
        assert data['released'] == found.released.isoformat()
        assert data['eol'] == (found.eol and found.eol.isoformat())
        assert data['projects'] == dict((project, {'first': str(first), 'last': str(last)})
                                        for project, (first, last) in found.projects.items())
        for field in ('nova_min_placement_microversion', 'nova_max_microversion', 'placement_max_microversion'):
            assert data[field] == (getattr(found, field) and str(getattr(found, field)))
        for field in ('nova_compute_service_version', 'nova_oldest_compute_service_version'):
            assert data[field] == getattr(found, field)


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

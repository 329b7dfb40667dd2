"""The lab's releases: which venvs make up each release, and which nova upgrades it allows."""

import pytest

from osops_lab import releases
from osops_lab.releases import RELEASES, UnknownRelease, get_release, upgrade_refusal, venvs_for

#: What ``labctl releases`` prints, the versions docs/lab.md lists.
VERSIONS = {
    '2024.1': {'nova': '29.4.0', 'keystone': '25.0.0', 'placement': '11.0.1', 'glance': '28.2.0', 'neutron': '24.2.2'},
    '2025.1': {'nova': '31.3.1', 'keystone': '27.1.0', 'placement': '13.0.1', 'glance': '30.2.0', 'neutron': '26.0.6'},
    '2025.2': {'nova': '32.2.1', 'keystone': '28.1.0', 'placement': '14.0.0', 'glance': '31.1.0', 'neutron': '27.0.4'},
    '2026.1': {'nova': '33.0.2', 'keystone': '29.1.0', 'placement': '15.0.0', 'glance': '32.0.0', 'neutron': '28.0.2'},
    '2026.2': {'nova': '34.0.0', 'keystone': '30.0.0', 'placement': '16.0.0', 'glance': '33.0.0', 'neutron': '29.0.0'},
}
CONSTRAINTS = {
    '2024.1': 'uc-unmaintained_2024.1.txt',
    '2025.1': 'uc-stable_2025.1.txt',
    '2025.2': 'uc-stable_2025.2.txt',
    '2026.1': 'uc-stable_2026.1.txt',
    '2026.2': 'lab-2026.2-freeze.txt',
}
SERVICES = {'nova', 'keystone', 'placement', 'glance', 'neutron'}


def test_known_releases():
    assert list(RELEASES) == list(VERSIONS)
    assert [r.compute_service_version for r in RELEASES.values()] == [67, 68, 70, 72, 74]


@pytest.mark.parametrize('name', ['2023.2', '2026.3', 'master', ''])
def test_get_release_unknown(name):
    with pytest.raises(UnknownRelease) as info:
        get_release(name)
    assert str(info.value) == (
        'unknown release %r; the lab knows: 2024.1, 2025.1, 2025.2, 2026.1, 2026.2' % name)


def test_get_release_known():
    assert get_release('2025.1') is RELEASES['2025.1']


@pytest.mark.parametrize('name', list(VERSIONS))
def test_venvs_for(name):
    release = get_release(name)
    specs = venvs_for(release)
    assert len(specs) == 5
    assert {s.service: s.version for s in specs} == VERSIONS[name]
    assert len({s.name for s in specs}) == 5
    assert sorted(s.name for s in specs) == sorted('%s-%s' % kv for kv in VERSIONS[name].items())
    for spec in specs:
        assert spec.constraints == CONSTRAINTS[name]
        assert spec.constraints_path.is_file(), spec.constraints_path
        assert spec.constraints_path.parent.name == 'constraints'
        assert spec.packages[0] == '%s==%s' % (releases.DISTRIBUTIONS[spec.service], spec.version)
        assert releases.UWSGI in spec.packages
        assert release.spec(spec.service) is spec
    assert release.spec('nova') is release.nova
    assert {s.service for s in release.shared} == SERVICES - {'nova'}


def test_venvs_differ_between_releases():
    names = [s.name for r in RELEASES.values() for s in venvs_for(r)]
    assert len(names) == len(set(names)) == 25


def test_only_2024_1_pins_old_setuptools():
    assert all('setuptools<81' in s.packages for s in venvs_for(RELEASES['2024.1']))
    assert not any('setuptools<81' in s.packages for r in list(RELEASES.values())[1:] for s in venvs_for(r))


def test_spec_unknown_service():
    with pytest.raises(KeyError, match="release 2025.1 has no venv for 'cinder'"):
        RELEASES['2025.1'].spec('cinder')


def test_freeze_pins_the_2026_2_services():
    pins = dict(line.split('==', 1) for line in
                RELEASES['2026.2'].nova.constraints_path.read_text().splitlines() if '==' in line)
    for spec in venvs_for(RELEASES['2026.2']):
        assert pins[releases.DISTRIBUTIONS[spec.service]] == spec.version


@pytest.mark.parametrize('source,target', [
    ('2024.1', '2024.2'),
    ('2024.1', '2025.1'),  # SLURP
    ('2025.1', '2025.2'),
    ('2025.2', '2026.1'),
    ('2025.1', '2026.1'),  # SLURP
    ('2026.1', '2026.2'),
])
def test_upgrade_allowed(source, target):
    assert upgrade_refusal(source, target) is None


@pytest.mark.parametrize('source,target,why', [
    # nova 29 -> 34
    ('2024.1', '2026.2', '2026.2 skips too far; from 2024.1 the next step is 2024.2 or the next SLURP release 2025.1'),
    ('2024.1', '2026.1', '2026.1 skips too far; from 2024.1 the next step is 2024.2 or the next SLURP release 2025.1'),
    ('2025.2', '2026.2', '2026.2 skips too far; from 2025.2 the next step is 2026.1'),
    ('2025.1', '2026.2', '2026.2 skips too far; from 2025.1 the next step is 2025.2 or the next SLURP release 2026.1'),
    ('2024.2', '2025.2', '2025.2 skips too far; from 2024.2 the next step is 2025.1'),
    ('2026.1', '2025.1', '2025.1 is not newer than 2026.1 (nova never goes backwards)'),
    ('2025.2', '2025.1', '2025.1 is not newer than 2025.2 (nova never goes backwards)'),
    ('2025.1', '2025.1', '2025.1 is not newer than 2025.1 (nova never goes backwards)'),
])
def test_upgrade_refused(source, target, why):
    assert upgrade_refusal(source, target) == why


def test_allowed_upgrades_between_lab_releases():
    names = list(RELEASES)
    allowed = {(a, b) for a in names for b in names if upgrade_refusal(a, b) is None}
    assert allowed == {('2024.1', '2025.1'), ('2025.1', '2025.2'), ('2025.1', '2026.1'),
                       ('2025.2', '2026.1'), ('2026.1', '2026.2')}

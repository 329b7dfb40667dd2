"""The release data: properties every series and every project's versions must have.

The rows are facts (data.py says where each comes from); these tests check them
against each other and against the rules they follow, never against a copy.
"""

import pytest
from packaging.version import Version

from ansible_collections.osops.lifecycle.plugins.module_utils._releases import rules as _releases

IDS = [s.id for s in _releases.all_series()]
RELEASED = [s for s in _releases.all_series() if s.status != 'future']
FUTURE = [s for s in _releases.all_series() if s.status == 'future']


def test_ids_are_consecutive_half_years_dated_by_their_release():
    """``.1`` is released in spring and ``.2`` in autumn of the id's year, with no series left out."""
    assert len(IDS) == len(set(IDS)) >= 2
    for before, after in zip(IDS, IDS[1:]):
        year, number = map(int, before.split('.'))
        assert after == ('%d.2' % year if number == 1 else '%d.1' % (year + 1))
    for series in _releases.all_series():
        year, number = map(int, series.id.split('.'))
        assert series.released.year == year and (series.released.month <= 6) == (number == 1), series.id


def test_names_follow_the_alphabet_from_one_series_to_the_next():
    names = [s.name for s in _releases.all_series()]
    assert all(name.isalpha() and name.islower() for name in names)
    for before, after in zip(names, names[1:]):
        assert ord(after[0]) - ord('a') == (ord(before[0]) - ord('a') + 1) % 26, (before, after)


@pytest.mark.parametrize('series_id', IDS)
def test_ids_are_official_from_2023_1(series_id):
    assert _releases.series(series_id).official_id == (series_id >= '2023.1')


def test_every_series_is_released_after_the_one_before():
    dates = [s.released for s in _releases.all_series()]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)


@pytest.mark.parametrize('series_id', IDS)
def test_slurp_flag_follows_the_cadence_rule(series_id):
    year, number = series_id.split('.')
    assert _releases.series(series_id).slurp == (int(year) >= 2023 and number == '1')


def test_majors_never_overlap_between_series():
    """release_of is unambiguous: each project's majors grow with the series."""
    last_major = {}
    for series in _releases.all_series():
        for project, (first, last) in series.projects.items():
            assert first <= last
            assert first.major > last_major.get(project, -1)
            last_major[project] = last.major


@pytest.mark.parametrize('series_id', IDS)
def test_oldest_compute_version_is_one_of_an_earlier_slurp_release(series_id):
    found = _releases.series(series_id)
    if found.nova_oldest_compute_service_version is not None:
        earlier_slurps = [s.nova_compute_service_version for s in _releases.all_series()
                          if s.slurp and s < found]
        assert found.nova_oldest_compute_service_version in earlier_slurps


def test_future_series_come_last_and_know_nothing_yet():
    assert _releases.all_series()[:len(RELEASED)] == tuple(RELEASED)
    for series in FUTURE:
        assert dict(series.projects) == {} and series.eol is None
        assert (series.nova_compute_service_version, series.nova_oldest_compute_service_version,
                series.nova_min_placement_microversion, series.nova_max_microversion,
                series.placement_max_microversion) == (None, None, None, None, None)


@pytest.mark.parametrize('series_id', IDS)
def test_an_end_of_life_comes_after_the_release(series_id):
    series = _releases.series(series_id)
    assert (series.eol is not None) == (series.status == 'end of life')
    if series.eol is not None:
        assert series.eol > series.released


def test_measured_nova_service_versions_grow_with_the_series():
    measured = [s.nova_compute_service_version for s in RELEASED if s.nova_compute_service_version is not None]
    assert measured and measured == sorted(set(measured))
    oldest = [s.nova_oldest_compute_service_version for s in RELEASED
              if s.nova_oldest_compute_service_version is not None]
    assert oldest and oldest == sorted(oldest)  # nova never accepts older computes again
    for series in RELEASED:
        if None not in (series.nova_compute_service_version, series.nova_oldest_compute_service_version):
            assert series.nova_oldest_compute_service_version <= series.nova_compute_service_version


@pytest.mark.parametrize('series_id', [s.id for s in RELEASED])
def test_nova_of_a_released_series_works_with_its_placement(series_id):
    series = _releases.series(series_id)
    assert isinstance(series.nova_min_placement_microversion, Version)
    assert series.nova_min_placement_microversion <= series.placement_max_microversion


@pytest.mark.parametrize('field', ['nova_max_microversion', 'placement_max_microversion'])
def test_maximum_microversions_are_versions_that_never_go_down(field):
    maxima = [getattr(s, field) for s in RELEASED]
    assert all(isinstance(maximum, Version) for maximum in maxima)  # compared as versions, not text
    assert maxima == sorted(maxima)

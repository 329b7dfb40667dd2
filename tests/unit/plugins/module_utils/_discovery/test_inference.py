"""Release inference from an API's maximum microversion: never guessed."""

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._discovery import inference
from ansible_collections.osops.lifecycle.plugins.module_utils._releases.rules import all_series


@pytest.mark.parametrize('project, maximum, release, reason', [
    ('nova', '2.104', '2026.2', 'nova API maximum microversion 2.104 is the maximum of 2026.2 only'),
    ('nova', '2.103', '2026.1', 'nova API maximum microversion 2.103 is the maximum of 2026.1 only'),
    ('nova', '2.93', '2022.2', 'nova API maximum microversion 2.93 is the maximum of 2022.2 only'),
    ('nova', '2.100', None, 'nova API maximum microversion 2.100 is the maximum of 2025.1 and 2025.2: '
                            'the API alone cannot tell them apart'),
    ('nova', '2.96', None, 'nova API maximum microversion 2.96 is the maximum of 2024.1 and 2024.2:'),
    ('placement', '1.39', None, 'placement API maximum microversion 1.39 is the maximum of 2022.1 and 2022.2 and '
                                '2023.1'),
    ('placement', '1.38', '2021.2', 'placement API maximum microversion 1.38 is the maximum of 2021.2 only'),
    ('nova', '2.200', None, 'nova API maximum microversion 2.200 identifies no release: the recorded maximums '
                            'are 2.90 in 2021.2'),
    ('nova', '2.97', None, 'nova API maximum microversion 2.97 identifies no release'),
    ('glance', '2.17', None, None),
])
def test_release_from_microversion_is_never_guessed(project, maximum, release, reason):
    found, why = inference.release_from_microversion(project, maximum)
    assert found == release
    assert (why or '').startswith(reason or '')


def test_release_from_microversion_waits_for_the_next_release(monkeypatch):
    """A maximum unique so far names no release while the release after it is not recorded."""
    import dataclasses

    series = [s for s in all_series() if s.projects]
    last = series[-1]
    unrecorded = dataclasses.replace(last, id='2099.1', nova_max_microversion=None)
    monkeypatch.setattr(inference, 'all_series', lambda: [*series, unrecorded])
    found, why = inference.release_from_microversion('nova', str(last.nova_max_microversion))
    assert found is None
    assert why.endswith('and 2099.1, whose maximum is not recorded, may answer the same')

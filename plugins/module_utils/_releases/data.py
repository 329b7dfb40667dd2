# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Facts about OpenStack release series, as plain data.

Kept as a Python literal (not a JSON/YAML file) so it travels inside the
AnsiballZ payload of every module that imports ``_releases``.  Nothing here
is computed: ``_releases`` parses and checks it.

Where the facts come from:

* name, id, release date, status, end of life and each project's first and
  last version of the series: the openstack/releases repository
  (``deliverables/<series>/<project>.yaml`` and ``data/series_status.yaml``,
  snapshot of mid-2026).  The 2026.2 versions come from the package index
  (PyPI), published after that snapshot.
* SLURP flag: the OpenStack release cadence (TC resolution
  20220210-release-cadence-adjustment): from 2023.1 every ``.1`` release is
  a SLURP release.
* ``nova_compute_service_version``: measured in the project's lab, the
  ``services.version`` that real nova 29.4.0, 31.3.1, 32.2.1, 33.0.2 and
  34.0.0 computes wrote.  None means not measured: never guessed.
* ``nova_oldest_compute_service_version``: the oldest compute service version
  the release's control plane accepts (nova's
  ``OLDEST_SUPPORTED_SERVICE_VERSION``, a release name, resolved to that
  release's measured service version; nova 34.0.0 names 'Gazpacho').  It
  is the version of a previous SLURP release, but nova moves it when it
  chooses (2025.2 still accepts 2024.1 computes), so it is recorded per
  release, never derived.  Real upgrades in the lab agree: 2024.1 computes
  were refused by 2026.2 (``TooOldComputeService``).
* ``nova_min_placement_microversion``: what ``nova-status upgrade check``
  requires (its "Placement API" check), 1.36 for every nova from 2021.2
  through 2026.2.  Unknown (None) for releases that are not out.
* ``nova_max_microversion`` / ``placement_max_microversion``: the maximum API
  microversion the service answers in its version document.  Measured on the
  lab's real services for 2024.1, 2025.1, 2025.2, 2026.1 and 2026.2 (each
  release's own nova and placement); for every release they agree with the
  projects' own history (nova's ``rest_api_version_history.rst`` "Maximum in"
  headings, placement's ``versionadded`` notes), which gives the others.
  Several releases share a maximum (nova 2.100 is 2025.1 and 2025.2; placement
  has answered 1.39 since 2022.1), so a maximum alone often names no release.

Ids before 2023.1 are not official (the releases repository only names those
series); the ``YYYY.N`` id is the one operators and this collection's
documentation use, derived from the release date (``.1`` spring, ``.2``
autumn), and ``official_id`` says so.
"""

from __future__ import annotations

# Oldest first.  ``projects`` maps a project to (first, last) version of the series.
SERIES = (
    {
        'name': 'xena', 'id': '2021.2', 'official_id': False, 'slurp': False,
        'released': '2021-10-06', 'status': 'end of life', 'eol': '2025-12-19',
        'projects': {
            'nova': ('24.0.0', '24.2.1'), 'keystone': ('20.0.0', '20.0.1'),
            'placement': ('6.0.0', '6.0.0'), 'cinder': ('19.0.0', '19.3.0'),
            'neutron': ('19.0.0', '19.7.0'), 'glance': ('23.0.0', '23.1.0'),
            'cloudkitty': ('15.0.0', '15.0.1'),
        },
        'nova_compute_service_version': None,  # not measured
        'nova_oldest_compute_service_version': None,  # not known
        'nova_min_placement_microversion': '1.36',
        'nova_max_microversion': '2.90',  # documented
        'placement_max_microversion': '1.38',  # documented
    },
    {
        'name': 'yoga', 'id': '2022.1', 'official_id': False, 'slurp': False,
        'released': '2022-03-30', 'status': 'unmaintained', 'eol': None,
        'projects': {
            'nova': ('25.0.0', '25.3.0'), 'keystone': ('21.0.0', '21.0.1'),
            'placement': ('7.0.0', '7.0.0'), 'cinder': ('20.0.0', '20.3.2'),
            'neutron': ('20.0.0', '20.5.0'), 'glance': ('24.0.0', '24.2.1'),
            'cloudkitty': ('16.0.0', '16.0.1'),
        },
        'nova_compute_service_version': None,  # not measured
        'nova_oldest_compute_service_version': None,  # not known
        'nova_min_placement_microversion': '1.36',
        'nova_max_microversion': '2.90',  # documented
        'placement_max_microversion': '1.39',  # documented
    },
    {
        'name': 'zed', 'id': '2022.2', 'official_id': False, 'slurp': False,
        'released': '2022-10-05', 'status': 'unmaintained', 'eol': None,
        'projects': {
            'nova': ('26.0.0', '26.3.0'), 'keystone': ('22.0.0', '22.0.2'),
            'placement': ('8.0.0', '8.0.0'), 'cinder': ('21.0.0', '21.3.2'),
            'neutron': ('21.0.0', '21.2.1'), 'glance': ('25.0.0', '25.1.0'),
            'cloudkitty': ('17.0.0', '17.0.1'),
        },
        'nova_compute_service_version': None,  # not measured
        'nova_oldest_compute_service_version': None,  # not known
        'nova_min_placement_microversion': '1.36',
        'nova_max_microversion': '2.93',  # documented
        'placement_max_microversion': '1.39',  # documented
    },
    {
        'name': 'antelope', 'id': '2023.1', 'official_id': True, 'slurp': True,
        'released': '2023-03-22', 'status': 'unmaintained', 'eol': None,
        'projects': {
            'nova': ('27.0.0', '27.5.1'), 'keystone': ('23.0.0', '23.0.2'),
            'placement': ('9.0.0', '9.0.0'), 'cinder': ('22.0.0', '22.3.0'),
            'neutron': ('22.0.0', '22.2.1'), 'glance': ('26.0.0', '26.1.0'),
            'cloudkitty': ('18.0.0', '18.1.0'),
        },
        'nova_compute_service_version': None,  # not measured
        'nova_oldest_compute_service_version': None,  # not known
        'nova_min_placement_microversion': '1.36',
        'nova_max_microversion': '2.95',  # documented
        'placement_max_microversion': '1.39',  # documented
    },
    {
        'name': 'bobcat', 'id': '2023.2', 'official_id': True, 'slurp': False,
        'released': '2023-10-04', 'status': 'end of life', 'eol': '2025-04-30',
        'projects': {
            'nova': ('28.0.0', '28.3.1'), 'keystone': ('24.0.0', '24.1.0'),
            'placement': ('10.0.0', '10.0.1'), 'cinder': ('23.0.0', '23.5.0'),
            'neutron': ('23.0.0', '23.5.0'), 'glance': ('27.0.0', '27.1.1'),
            'cloudkitty': ('19.0.0', '19.1.0'),
        },
        'nova_compute_service_version': None,  # not measured
        'nova_oldest_compute_service_version': None,  # not known
        'nova_min_placement_microversion': '1.36',
        'nova_max_microversion': '2.95',  # documented
        'placement_max_microversion': '1.39',  # documented
    },
    {
        'name': 'caracal', 'id': '2024.1', 'official_id': True, 'slurp': True,
        'released': '2024-04-03', 'status': 'unmaintained', 'eol': None,
        'projects': {
            'nova': ('29.0.0', '29.4.0'), 'keystone': ('25.0.0', '25.0.0'),
            'placement': ('11.0.0', '11.0.1'), 'cinder': ('24.0.0', '24.5.0'),
            'neutron': ('24.0.0', '24.2.2'), 'glance': ('28.0.0', '28.2.0'),
            'cloudkitty': ('20.0.0', '20.1.0'),
        },
        'nova_compute_service_version': 67,  # measured: nova 29.4.0 computes (lab)
        'nova_oldest_compute_service_version': None,  # not known
        'nova_min_placement_microversion': '1.36',
        'nova_max_microversion': '2.96',  # measured in the lab and documented
        'placement_max_microversion': '1.39',  # measured in the lab and documented
    },
    {
        'name': 'dalmatian', 'id': '2024.2', 'official_id': True, 'slurp': False,
        'released': '2024-10-02', 'status': 'end of life', 'eol': '2026-04-29',
        'projects': {
            'nova': ('30.0.0', '30.3.0'), 'keystone': ('26.0.0', '26.1.1'),
            'placement': ('12.0.0', '12.0.2'), 'cinder': ('25.0.0', '25.3.1'),
            'neutron': ('25.0.0', '25.2.3'), 'glance': ('29.0.0', '29.2.1'),
            'cloudkitty': ('21.0.0', '21.0.1'),
        },
        'nova_compute_service_version': None,  # not measured
        'nova_oldest_compute_service_version': None,  # not known
        'nova_min_placement_microversion': '1.36',
        'nova_max_microversion': '2.96',  # documented
        'placement_max_microversion': '1.39',  # documented
    },
    {
        'name': 'epoxy', 'id': '2025.1', 'official_id': True, 'slurp': True,
        'released': '2025-04-02', 'status': 'maintained', 'eol': None,
        'projects': {
            'nova': ('31.0.0', '31.3.1'), 'keystone': ('27.0.0', '27.0.2'),
            'placement': ('13.0.0', '13.0.0'), 'cinder': ('26.0.0', '26.3.0'),
            'neutron': ('26.0.0', '26.0.5'), 'glance': ('30.0.0', '30.2.0'),
            'cloudkitty': ('22.0.0', '22.1.0'),
        },
        'nova_compute_service_version': 68,  # measured: nova 31.3.1 computes (lab)
        'nova_oldest_compute_service_version': 67,  # 'Caracal' (2024.1)
        'nova_min_placement_microversion': '1.36',
        'nova_max_microversion': '2.100',  # measured in the lab and documented
        'placement_max_microversion': '1.39',  # measured in the lab and documented
    },
    {
        'name': 'flamingo', 'id': '2025.2', 'official_id': True, 'slurp': False,
        'released': '2025-10-01', 'status': 'maintained', 'eol': None,
        'projects': {
            'nova': ('32.0.0', '32.2.1'), 'keystone': ('28.0.0', '28.0.2'),
            'placement': ('14.0.0', '14.0.0'), 'cinder': ('27.0.0', '27.0.0'),
            'neutron': ('27.0.0', '27.0.3'), 'glance': ('31.0.0', '31.1.0'),
            'cloudkitty': ('23.0.0', '23.0.0'),
        },
        'nova_compute_service_version': 70,  # measured: nova 32.2.1 computes (lab)
        'nova_oldest_compute_service_version': 67,  # 'Caracal' (2024.1)
        'nova_min_placement_microversion': '1.36',
        'nova_max_microversion': '2.100',  # measured in the lab and documented
        'placement_max_microversion': '1.39',  # measured in the lab and documented
    },
    {
        'name': 'gazpacho', 'id': '2026.1', 'official_id': True, 'slurp': True,
        'released': '2026-04-01', 'status': 'maintained', 'eol': None,
        'projects': {
            'nova': ('33.0.0', '33.0.2'), 'keystone': ('29.0.0', '29.0.2'),
            'placement': ('15.0.0', '15.0.0'), 'cinder': ('28.0.0', '28.0.0'),
            'neutron': ('28.0.0', '28.0.1'), 'glance': ('32.0.0', '32.0.0'),
            'cloudkitty': ('24.0.0', '24.0.0'),
        },
        'nova_compute_service_version': 72,  # measured: nova 33.0.2 computes (lab)
        'nova_oldest_compute_service_version': 68,  # 'Epoxy' (2025.1)
        'nova_min_placement_microversion': '1.36',
        'nova_max_microversion': '2.103',  # measured in the lab and documented
        'placement_max_microversion': '1.39',  # measured in the lab and documented
    },
    {
        # Versions from the package index: the releases snapshot predates 2026.2.
        'name': 'hibiscus', 'id': '2026.2', 'official_id': True, 'slurp': False,
        'released': '2026-09-30', 'status': 'maintained', 'eol': None,
        'projects': {
            'nova': ('34.0.0', '34.0.0'), 'keystone': ('30.0.0', '30.0.0'),
            'placement': ('16.0.0', '16.0.0'), 'cinder': ('29.0.0', '29.0.0'),
            'neutron': ('29.0.0', '29.0.0'), 'glance': ('33.0.0', '33.0.0'),
            'cloudkitty': ('25.0.0', '25.0.0'),
        },
        'nova_compute_service_version': 74,  # measured: nova 34.0.0 computes (lab)
        'nova_oldest_compute_service_version': 72,  # 'Gazpacho' (2026.1)
        'nova_min_placement_microversion': '1.36',
        'nova_max_microversion': '2.104',  # measured in the lab and documented
        'placement_max_microversion': '1.39',  # measured in the lab and documented
    },
    {
        # Planned (data/series_status.yaml); nothing is released yet.
        'name': 'indri', 'id': '2027.1', 'official_id': True, 'slurp': True,
        'released': '2027-03-24', 'status': 'future', 'eol': None,
        'projects': {},
        'nova_compute_service_version': None,
        'nova_oldest_compute_service_version': None,
        'nova_min_placement_microversion': None,
        'nova_max_microversion': None,
        'placement_max_microversion': None,
    },
)

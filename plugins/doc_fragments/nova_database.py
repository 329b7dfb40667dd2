# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # The checks that read nova's databases.
    DOCUMENTATION = r'''
options:
  config_files:
    description:
      - nova's C(--config-file) arguments; C([api_database] connection) names
        the API database, whose cell mappings name the cell databases.
      - Defaults to C(/etc/nova/nova.conf).
requirements:
  - The interpreter of nova's environment on the host (SQLAlchemy and the
    database driver nova uses), for example
    C(ansible_python_interpreter=/openstack/venvs/nova-<version>/bin/python).
notes:
  - Only reads the databases. Database URLs and passwords never appear in
    results or messages.
'''

# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

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

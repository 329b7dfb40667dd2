# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # Options of the checks that read a service's configuration on its host.
    DOCUMENTATION = r'''
options:
  config_files:
    description:
      - The service's C(--config-file) arguments, in order; later files win.
      - Defaults to C(/etc/<project>/<project>.conf).
    type: list
    elements: path
  config_dir:
    description:
      - The service's C(--config-dir), if it runs with one. Its C(*.conf)
        files are read after O(config_files), in name order.
    type: path
notes:
  - Runs on the service's host and needs only the Python standard library.
  - A config file that is missing or cannot be parsed is recorded as an
    C(Error) result of the check, not as a module failure, so the other
    checks of a run are still reported.
'''

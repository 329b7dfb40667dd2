# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # Options of the venv driver's modules that act on one service on its host.
    DOCUMENTATION = r'''
options:
  name:
    description:
      - The service as its process manager knows it - the systemd unit
        (C(nova-compute), C(keystone-wsgi-public); C(.service) may be left
        out) or the supervisord program (C([program:<name>])).
    type: str
    required: true
  manager:
    description:
      - The process manager that starts the service.
      - V(auto) takes V(supervisord) when O(supervisord_config) is given,
        V(systemd) when O(unit_path) is given or
        C(/etc/systemd/system/<name>.service) exists, else V(supervisord)
        when a supervisord runs in this module's mount namespace or its
        default config exists.
    type: str
    choices: [auto, systemd, supervisord]
    default: auto
  unit_path:
    description:
      - The systemd unit file. Its drop-ins C(<unit_path>.d/*.conf) count
        too (a later C(ExecStart=) wins, as in systemd).
      - Defaults to C(/etc/systemd/system/<name>.service), where
        openstack-ansible writes its units.
    type: path
  supervisord_config:
    description:
      - The supervisord config file holding (or including, with
        C([include] files)) the service's C([program:<name>]) section.
      - Defaults to the C(-c) of the supervisord running in this mount
        namespace, else C(/etc/supervisord.conf), else
        C(/etc/supervisor/supervisord.conf).
    type: path
  supervisorctl:
    description:
      - The supervisorctl to run (with C(-c) O(supervisord_config)).
      - Defaults to the one beside the running supervisord, else the one on
        E(PATH).
    type: path
  uwsgi_ini:
    description:
      - The uWSGI ini of an API served by uWSGI. Defaults to the C(--ini)
        of the service's command when it starts C(uwsgi).
      - When the ini sets C(virtualenv) (or its aliases C(home), C(venv),
        C(pyhome)), that is the service's venv; otherwise the venv is the
        one holding the program its command starts (C(<venv>/bin/<program>)).
    type: path
notes:
  - Runs on the service's host and needs only the Python standard library.
  - Read the running processes' command lines and memory maps under
    C(/proc) to tell which venv they run from; as root (C(become)) on real
    hosts.
'''

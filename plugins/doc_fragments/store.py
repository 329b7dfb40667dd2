# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # The state store option of every module and plugin that reads or writes it.
    DOCUMENTATION = r'''
options:
  store:
    description:
      - URL of the state store (SQLAlchemy form) - V(sqlite:///PATH),
        V(postgresql+psycopg://USER:PASSWORD@HOST/DB) or
        V(mysql+pymysql://USER:PASSWORD@HOST/DB).
      - When omitted, E(OSOPS_STORE_URL), then the SQLite file
        C(~/.ansible/osops/store.db) on the host the task runs on.
      - Opening a store applies the collection's schema migrations; a store
        written by a newer osops.lifecycle is refused untouched.
      - The password in the URL never appears in results, messages or logs.
    type: str
requirements:
  - SQLAlchemy >= 2.0
  - alembic >= 1.13
  - psycopg >= 3.1 (PostgreSQL) or PyMySQL >= 1.1 (MariaDB/MySQL)
notes:
  - The store lives where the task runs; run store tasks on the controller
    (C(delegate_to=localhost), C(run_once=true)), or give a database URL
    shared by every controller (an AWX job's filesystem is thrown away).
'''

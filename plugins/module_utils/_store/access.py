# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The store of a module's ``store`` option, opened with its password masked in every output."""

from __future__ import annotations

import contextlib
import os
from urllib.parse import unquote

from ansible_collections.osops.lifecycle.plugins.module_utils._secrets import url_password
from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import open_store, sqlite_path, store_url


@contextlib.contextmanager
def module_store(module, read_only=False, predict=False):
    """Open the store of ``module``'s ``store`` option; its password is masked in every output.

    With ``read_only``, a SQLite store file that does not exist yet is not
    created: None is yielded and the caller reports that nothing is stored.
    With ``predict`` (check mode of a state module), an empty in-memory store
    stands in for it, so changes are predicted without creating the file.
    """
    with option_store(module.params.get('store'), module.ansible.no_log_values.update, read_only, predict) as store:
        yield store


@contextlib.contextmanager
def option_store(option, hide, read_only=False, predict=False):
    """The store a ``store`` option names (:func:`module_store` without a module).

    ``hide`` receives the set of strings to mask in every output (the URL's
    password as written and percent-decoded) before the store opens.
    """
    url = store_url(option)
    password = url_password(url)
    if password:
        # As written in the URL, and as the database driver may quote it (percent-decoded).
        hide(set((password, unquote(password))))
    path = sqlite_path(url)
    if (read_only or predict) and path is not None and not os.path.exists(path):
        if not predict:
            yield None
            return
        url = 'sqlite://'
    store = open_store(url)
    try:
        yield store
    finally:
        store.close()

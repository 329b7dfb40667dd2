# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which values are credentials, so they are masked in output and never stored."""

from __future__ import annotations

import re
from urllib.parse import unquote

# Keys whose values are credentials wherever they appear.
SECRET_KEY = re.compile(r'(passw(or)?d|secret|token|credentials?|(^|_)key)$', re.IGNORECASE)


def secret_values(data):
    """Every value under a key that names a secret (password, token, ...) in nested data."""
    found = set()
    if isinstance(data, dict):
        for key, value in data.items():
            if SECRET_KEY.search(str(key)) and isinstance(value, str) and value:
                found.add(value)
            else:
                found |= secret_values(value)
    elif isinstance(data, list):
        for value in data:
            found |= secret_values(value)
    return found


# The password of a URL (``scheme://user:PASSWORD@host/...``), up to the last
# ``@`` before the path, so a password holding an unencoded ``@`` is masked whole.
_URL_PASSWORD = re.compile(r'(//[^/:@\s]*:)([^/\s]*)@')


def url_password(url):
    """The password in a URL as it is written there, or None."""
    match = _URL_PASSWORD.search(url or '')
    return match.group(2) if match and match.group(2) else None


def mask_url(text):
    """``text`` with the password of every URL in it shown as ``***``."""
    return _URL_PASSWORD.sub(r'\1***@', text)


def hide_password(text, password):
    """``text`` with ``password`` (as written in a URL, and percent-decoded) and every URL's password as ``***``."""
    if password:
        for form in sorted({password, unquote(password)}, key=len, reverse=True):
            text = text.replace(form, '***')
    return mask_url(text)

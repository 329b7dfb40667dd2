# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read an OpenStack service's oslo.config files on its host.

Reproduces what the service itself would see: the ``--config-file`` files in
order, then the ``--config-dir`` files in sorted order, later values winning;
and ``find_file`` searching the same directories as
``oslo_config.cfg.ConfigOpts.find_file``.  Standard library only, so the
check modules that use it run with any interpreter on a service host.
"""

from __future__ import annotations

import configparser
import glob
import json
import os

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError

# A section name no oslo.config file uses, so that configparser does not
# copy [DEFAULT] values into every other section.
_NO_DEFAULT_SECTION = '\x00osops-no-default'
# oslo.config's strings for booleans (oslo_config.types.Boolean).
_TRUE = ('true', '1', 'on', 'yes')
_FALSE = ('false', '0', 'off', 'no')


class ServiceConfig:
    """The merged configuration of one service, as oslo.config reads it."""

    def __init__(self, project, config_files=None, config_dir=None):
        self.project = project
        if config_files is None:
            config_files = [os.path.join('/etc', project, project + '.conf')]
        self.config_files = list(config_files)
        self.config_dir = config_dir
        self._parser = configparser.RawConfigParser(
            strict=False, default_section=_NO_DEFAULT_SECTION,
            interpolation=None)
        self._parser.optionxform = str
        for path in self.config_files:
            if not os.path.isfile(path):
                raise OsopsError(
                    'Config file %s of %s does not exist on this host; pass the '
                    'files the service runs with in config_files.'
                    % (path, project))
            self._read(path)
        if config_dir is not None:
            if not os.path.isdir(config_dir):
                raise OsopsError('Config dir %s of %s is not a directory.'
                                 % (config_dir, project))
            for path in sorted(glob.glob(os.path.join(config_dir, '*.conf'))):
                self._read(path)

    def _read(self, path):
        try:
            with open(path, encoding='utf-8') as handle:
                self._parser.read_file(handle, source=path)
        except (OSError, UnicodeDecodeError, configparser.Error) as exc:
            raise OsopsError('Cannot read %s config %s: %s'
                             % (self.project, path, exc))

    def get(self, section, option, default=None):
        """The value of ``[section] option``, or ``default`` when unset."""
        if self._parser.has_option(section, option):
            return self._parser.get(section, option)
        return default

    def get_bool(self, section, option, default=False):
        """A boolean option parsed as oslo.config does (true/yes/on/1 ...)."""
        value = self.get(section, option)
        if value is None:
            return default
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise OsopsError('[%s] %s = %s in the %s config is not a boolean; use true or false.'
                         % (section, option, value, self.project))

    def get_int(self, section, option, default):
        """An integer option; OsopsError naming it when it is not one."""
        value = self.get(section, option)
        if value is None:
            return default
        try:
            return int(value.strip())
        except ValueError:
            raise OsopsError('[%s] %s = %s in the %s config is not an integer.'
                             % (section, option, value, self.project))

    def search_dirs(self):
        """Directories ``find_file`` searches, in oslo.config's order."""
        dirs = []
        if self.config_dir:
            dirs.append(_fixpath(self.config_dir))
        for path in reversed(self.config_files):
            dirs.append(os.path.dirname(_fixpath(path)))
        dirs.extend([
            _fixpath(os.path.join('~', '.' + self.project)),
            _fixpath('~'),
            os.path.join('/etc', self.project),
            '/etc',
        ])
        return dirs

    def find_file(self, name):
        """Locate ``name`` beside the config files, or return None."""
        for directory in self.search_dirs():
            path = os.path.join(directory, name)
            if os.path.exists(path):
                return path
        return None


def _fixpath(path):
    return os.path.abspath(os.path.expanduser(path))


def is_json(path):
    """Whether the file at ``path`` parses as JSON (oslo.utils' test)."""
    with open(path, encoding='utf-8') as handle:
        data = handle.read()
    try:
        json.loads(data)
    except ValueError:
        return False
    return True


def files_key(files):
    """A hashable key for a ``config_files`` option (None, the default, differs from [])."""
    return None if files is None else tuple(files)


# The options of every module that reads a service's configuration on its host
# (the ``osops.lifecycle.service_config`` doc fragment).
CONFIG_ARGUMENT_SPEC = dict(
    config_files=dict(type='list', elements='path'),
    config_dir=dict(type='path'),
)

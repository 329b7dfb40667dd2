# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# The checks a host runs in its osops.lifecycle.check_batch, as the check
# role builds them. Each filter is documented in its own file beside this one
# (config_checks.yml, nova_db_checks.yml, backends_checks.yml, schema_checks.yml,
# status_checks.yml), as ansible-core documents a file of
# several filters.

from __future__ import annotations

import posixpath

from ansible_collections.osops.lifecycle.plugins.filter.newest_venv import newest_venv
from ansible_collections.osops.lifecycle.plugins.filter.release import newest_version


def _files_option(config_files, project):
    """A check's options naming the project's config files, when ``config_files`` lists the project."""
    return {'config_files': config_files[project]} if project in config_files else {}


def config_checks(service_groups, group_names, config_files=None):
    config_files = config_files or {}
    on_host = set(group_names)
    held = [project for project, groups in service_groups.items() if on_host & set(groups)]
    checks = [{'module': 'check_policy_json', 'options': dict({'project': project}, **_files_option(config_files, project))}
              for project in held]
    if 'nova' in held:
        checks.append({'module': 'check_service_user_token', 'options': _files_option(config_files, 'nova')})
    if 'cloudkitty' in held:
        checks.append({'module': 'check_cloudkitty_storage', 'options': _files_option(config_files, 'cloudkitty')})
    return checks


def backends_checks(service_groups, group_names, venvs, venvs_dir, target_projects, config_files=None, members=False,
                    python_if_needed=False):
    config_files = config_files or {}
    on_host = set(group_names)
    names = set(posixpath.basename(item['path']) for item in venvs)
    runs = []
    for project, groups in service_groups.items():
        venv = newest_venv(venvs_dir, project, [{'path': name} for name in names],
                           before=(target_projects.get(project) or {}).get('first'))
        if on_host & set(groups) and venv:
            runs.append(dict({'project': project, 'python': venv['python']}, **_files_option(config_files, project)))
    if members:
        return [dict({'module': 'check_backends', 'python': run.pop('python'), 'options': run},
                     **({'python_if_needed': True} if python_if_needed else {})) for run in runs]
    return runs


def nova_db_checks(target_release, config_files=None, cloud_checks=False, current_release=None,
                   venv_version=None, venvs_dir=None, upgrade_path=True):
    files = _files_option(config_files or {}, 'nova')
    checks = [{'module': 'check_rpc_pin', 'options': dict(files)}]
    if not cloud_checks:
        return checks
    if current_release:
        source = {'current_release': current_release, 'current_release_source': 'given (osops_check_current_release)'}
    else:
        source = {'from_nova_database': True}
        if venv_version:
            source.update(version=venv_version,
                          current_release_source='from the newest nova venv under %s older than the target (nova-%s)'
                          % (venvs_dir, venv_version))
    checks = checks + [
        {'module': 'check_cells_v2', 'options': dict(files)},
        {'module': 'check_old_computes', 'options': dict(files, target_release=target_release)},
        {'module': 'check_hw_machine_type', 'options': dict(files)},
        {'module': 'check_online_migrations', 'options': dict(files)},
    ]
    if upgrade_path:
        checks.append({'module': 'check_upgrade_path', 'options': dict(files, **source, target_release=target_release)})
    return checks


def schema_checks(projects, venvs, venvs_dir, target_projects, running=None, config_files=None, ask_tool=False):
    config_files = config_files or {}
    names = [{'path': posixpath.basename(item['path'])} for item in venvs]
    checks = []
    for project in projects:
        versions = (running or {}).get(project)
        if versions:  # the newest version a process of the project runs
            venv = posixpath.join(venvs_dir, '%s-%s' % (project, versions[-1]))
        else:
            found = newest_venv(venvs_dir, project, names, before=(target_projects.get(project) or {}).get('first'))
            venv = found and posixpath.dirname(posixpath.dirname(found['python']))
        if venv:
            options = dict({'project': project, 'venv': venv}, **_files_option(config_files, project))
            if ask_tool:
                options['ask_tool'] = True
            checks.append({'module': 'check_schema_migrations', 'options': options})
    return checks


def status_checks(projects, venvs, target_projects, config_files=None):
    checks = []
    for project in projects:
        first = (target_projects.get(project) or {}).get('first')
        if not first:
            continue
        prefix = '%s-%s.' % (project, str(first).split('.', 1)[0])
        paths = dict((posixpath.basename(item['path'])[len(project) + 1:], item['path'])
                     for item in venvs if posixpath.basename(item['path']).startswith(prefix))
        newest = newest_version(list(paths))  # by version: 33.0.10 after 33.0.2
        if newest:
            checks.append({'module': 'status_check', 'options': {
                'project': project, 'venv': paths[newest],
                'config_files': (config_files or {})[project] if project in (config_files or {})
                else ['/etc/%s/%s.conf' % (project, project)]}})
    return checks


class FilterModule:
    def filters(self):
        return {'config_checks': config_checks, 'nova_db_checks': nova_db_checks, 'backends_checks': backends_checks,
                'schema_checks': schema_checks, 'status_checks': status_checks}

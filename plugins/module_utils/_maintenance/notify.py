# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``notify`` step of a maintenance session: ask the application's manager before its instances move.

Fenix's interaction with the application: the manager of a host's instances
(a webhook URL: the instance's metadata key, else the property of that name
of the instance's Keystone project, else the session's) receives one HTTP
POST with the session, the host and its instances, and answers in the same
HTTP exchange:

- ``ACK``: go on (the instances move);
- ``NACK``: leave this host for later; the step fails and with it the
  session, with the manager's reason;
- nothing within the timeout: the session's default action (ACK or NACK).

A reply is a JSON object ``{"reply": "ACK"|"NACK", "reason": "..."}`` or
the bare word ``ACK`` / ``NACK``.  Anything else, an HTTP error status, or
no connection at all, is an error naming the URL and what was expected.
``group_instances`` and ``judge_reply`` are pure; ``project_webhooks`` reads
Keystone, ``post`` does the HTTP.
"""

from __future__ import annotations

import json
import socket
import time

from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.urls import open_url

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import MaintenanceError
from ansible_collections.osops.lifecycle.plugins.module_utils._secrets import mask_url

REPLIES = ('ACK', 'NACK')
EXPECTED = 'a JSON object {"reply": "ACK"} or {"reply": "NACK", "reason": "..."} (or the bare word ACK or NACK)'


def host_servers(conn, host):
    """Every instance nova places on ``host``, every project: id, name, status, project and metadata."""
    return [dict(id=s.id, name=s.name, status=s.status, project_id=s.project_id, metadata=dict(s.metadata or {}))
            for s in conn.compute.servers(details=True, all_projects=True, compute_host=host)
            if s.compute_host == host]


def project_webhooks(conn, project_ids, key):
    """``(urls, unread)``: project id -> the project's property ``key`` (Keystone keeps a project's unknown
    attributes, e.g. ``openstack project set --property maintenance_webhook=URL``; openstacksdk returns
    them in the project's body), for the projects that have it; and ``[{project_id, error}]`` of those that
    cannot be read (e.g. not allowed to this user) - their instances get the session's webhook."""
    from openstack import exceptions as sdk_exceptions  # pylint: disable=import-outside-toplevel
    urls, unread = {}, []
    for project_id in sorted(set(p for p in project_ids if p)):
        try:
            url = conn.identity.get_project(project_id).to_dict(computed=False).get(key)
        except sdk_exceptions.NotFoundException:  # deleted since: no property
            continue
        except sdk_exceptions.SDKException as exc:
            unread.append({'project_id': project_id, 'error': str(exc)})
            continue
        if isinstance(url, str) and url.strip():
            urls[project_id] = url.strip()
    return urls, unread


def group_instances(servers, webhook, metadata_key, projects=None):
    """``[(url, [instances])]`` in a stable order: each instance goes to the URL of its metadata
    ``metadata_key``, else to its project's (``projects``: project id -> URL), else to ``webhook``;
    instances with none are returned apart.

    Returns ``(groups, unmanaged)``.
    """
    groups, unmanaged = {}, []
    for server in sorted(servers, key=lambda s: (s['name'] or '', s['id'])):
        url = ((server.get('metadata') or {}).get(metadata_key) or (projects or {}).get(server.get('project_id'))
               or webhook)
        entry = {k: server.get(k) for k in ('id', 'name', 'status', 'project_id')}
        if url:
            groups.setdefault(url, []).append(entry)
        else:
            unmanaged.append(entry)
    return sorted(groups.items()), unmanaged


def judge_reply(url, body):
    """``(reply, reason)`` of a manager's answer; MaintenanceError naming the URL when it is no reply."""
    text = body.decode('utf-8', 'replace') if isinstance(body, bytes) else body
    stripped = (text or '').strip()
    if stripped.upper() in REPLIES:
        return stripped.upper(), None
    try:
        data = json.loads(stripped)
    except ValueError:
        data = None
    if isinstance(data, dict) and str(data.get('reply', '')).upper() in REPLIES:
        reason = data.get('reason')
        return str(data['reply']).upper(), None if reason is None else str(reason)
    raise MaintenanceError('The application manager at %s answered something that is not a reply: %r. Expected %s. '
                           'Fix the manager (or the webhook URL), then continue the session.'
                           % (mask_url(url), stripped[:200], EXPECTED), url=mask_url(url))


def post(url, payload, timeout, opener=open_url):
    """POST ``payload`` as JSON to ``url``; ``(reply, reason, seconds)``, reply ``TIMEOUT`` when no answer came
    within ``timeout`` seconds.  An HTTP error status or no connection: MaintenanceError."""
    started = time.monotonic()
    try:
        response = opener(url, data=json.dumps(payload), method='POST', timeout=timeout,
                          headers={'Content-Type': 'application/json', 'Accept': 'application/json'})
        body = response.read()
    except HTTPError as exc:
        raise MaintenanceError('The application manager at %s answered HTTP %s: expected status 200 with %s. Fix the '
                               'manager (or the webhook URL), then continue the session.'
                               % (mask_url(url), exc.code, EXPECTED), url=mask_url(url), status=exc.code)
    except (socket.timeout, TimeoutError):
        return 'TIMEOUT', None, round(time.monotonic() - started, 3)
    except URLError as exc:
        if isinstance(exc.reason, (socket.timeout, TimeoutError)):
            return 'TIMEOUT', None, round(time.monotonic() - started, 3)
        raise MaintenanceError('Cannot reach the application manager at %s: %s. Start it, or fix the webhook URL '
                               '(session metadata, the instances\' metadata or their project\'s property), then continue the session.'
                               % (mask_url(url), exc.reason), url=mask_url(url))
    reply, reason = judge_reply(url, body)
    return reply, reason, round(time.monotonic() - started, 3)


def notify_host(servers, session, host, webhook, metadata_key, timeout, default_action, check_mode=False,
                poster=post, projects=None, unread=()):
    """Notify every manager of ``host``'s instances; the result of the module (NACK: MaintenanceError).

    Each reply: ``url``, ``instances`` (ids), ``reply`` (ACK, NACK, TIMEOUT),
    ``reason``, ``action`` (the one taken: ACK or NACK), ``seconds``.
    ``projects`` and ``unread`` are what ``project_webhooks`` read.
    """
    groups, unmanaged = group_instances(servers, webhook, metadata_key, projects)
    replies = []
    for url, instances in groups:
        entry = {'url': mask_url(url), 'instances': [i['id'] for i in instances]}
        if check_mode:
            replies.append(dict(entry, reply=None, reason=None, action=None, seconds=0))
            continue
        payload = {'event': 'MAINTENANCE', 'session': session, 'host': host, 'instances': instances,
                   'reply_timeout': timeout}
        reply, reason, seconds = poster(url, payload, timeout)
        action = default_action if reply == 'TIMEOUT' else reply
        replies.append(dict(entry, reply=reply, reason=reason, action=action, seconds=seconds))
    result = {'changed': bool(groups), 'replies': replies, 'unmanaged': [i['id'] for i in unmanaged],
              'unread_projects': list(unread)}
    refused = [r for r in replies if r['action'] == 'NACK']
    if refused:
        why = '; '.join('%s answered %s%s' % (r['url'], 'NACK' if r['reply'] == 'NACK' else
                                              'nothing within %s s (default action NACK)' % timeout,
                                              ': %s' % r['reason'] if r['reason'] else '') for r in refused)
        raise MaintenanceError('The application manager refused the maintenance of host %s: %s. The host is left '
                               'as it is (its instances did not move); continue the session once the application '
                               'agrees.' % (host, why), **result)
    if not groups:
        result['msg'] = 'host %s: no application manager to notify (%d instances)' % (host, len(unmanaged))
    elif check_mode:
        result['msg'] = 'host %s: would notify %s' % (host, ', '.join(r['url'] for r in replies))
    else:
        result['msg'] = 'host %s: %s' % (host, ', '.join(
            '%s %s' % (r['url'], r['reply'] if r['reply'] != 'TIMEOUT' else 'no reply (default action %s)' % r['action'])
            for r in replies))
    if unread:
        result['msg'] += ' (the properties of project%s %s could not be read: their instances went to the session\'s ' \
            'webhook)' % ('' if len(unread) == 1 else 's', ', '.join(u['project_id'] for u in unread))
    return result

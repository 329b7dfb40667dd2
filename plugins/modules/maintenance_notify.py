#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: maintenance_notify
short_description: Ask the application's manager before a compute host's instances move (Fenix's interaction)
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - The C(notify) step of a maintenance session. Reads the instances nova
    places on O(host) (every project) and sends each application manager
    one HTTP POST (JSON) - C(event) C(MAINTENANCE), C(session), C(host),
    C(instances) (C(id), C(name), C(status), C(project_id)),
    C(reply_timeout) - then waits for its answer in the same exchange.
  - An instance's manager is the URL in its metadata key O(metadata_key),
    else the property of the same name of the instance's Keystone project
    (C(openstack project set --property maintenance_webhook=URL PROJECT);
    Keystone keeps it as an extra attribute of the project), else O(webhook)
    (the session's). Instances with none are not notified (RV(unmanaged)).
    A project that cannot be read (the user may not read it) is skipped - its
    instances get O(webhook) - and named in RV(unread_projects).
  - The answer is a JSON object whose C(reply) is C(ACK) or C(NACK) (with a
    C(reason)), or the bare word C(ACK) or C(NACK). C(ACK) - go on. C(NACK) - the task fails with the manager's
    reason and the host is left as it is. No answer within O(timeout) - the
    O(default_action). Any other answer, an HTTP error status or a manager
    that cannot be reached fails the task naming the URL and what was
    expected.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - osops.lifecycle.openstack
options:
  host:
    description: The compute host whose instances are about to move.
    type: str
    required: true
  session:
    description: The maintenance session's id, sent to the manager.
    type: str
    required: true
  webhook:
    description: The session's application manager (from the session's metadata); instances without their own get it.
    type: str
  metadata_key:
    description:
      - The server metadata key that names an instance's own manager (a URL), and the Keystone project property
        that names the manager of the project's instances.
    type: str
    default: maintenance_webhook
  timeout:
    description: Seconds to wait for each manager's answer.
    type: int
    default: 60
  default_action:
    description: What no answer within O(timeout) means.
    type: str
    choices: [ACK, NACK]
    default: ACK
attributes:
  check_mode:
    support: full
    details: Lists the managers it would notify and sends nothing.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
  action_group:
    support: full
    membership:
      - osops.lifecycle.openstack
notes:
  - Run it on the controller (C(delegate_to=localhost)); the managers must be reachable from there.
  - Managers are notified one after the other; a host's wait is at most O(timeout) per manager.
seealso:
  - module: osops.lifecycle.maintenance_session
  - module: osops.lifecycle.compute_host_drain
'''

EXAMPLES = r'''
- name: Ask the application before compute1's instances move
  osops.lifecycle.maintenance_notify:
    cloud: mycloud
    host: compute1
    session: "{{ session_id }}"
    webhook: https://app-manager.example.com/maintenance
    timeout: 120
    default_action: NACK
  delegate_to: localhost
'''

RETURN = r'''
replies:
  description:
    - One per manager - C(url) (its password masked), C(instances) (ids),
      C(reply) (C(ACK), C(NACK), C(TIMEOUT); null in check mode), C(reason)
      (the manager's), C(action) (the one taken - C(ACK) or C(NACK)),
      C(seconds) (how long it took).
  returned: always
  type: list
  elements: dict
  sample: [{url: 'http://127.0.0.1:8080/', instances: [5b1c0d7e-...], reply: ACK, reason: null, action: ACK, seconds: 0.02}]
unmanaged:
  description: Instances of the host no manager was notified of (no webhook for them).
  returned: always
  type: list
  elements: str
  sample: []
unread_projects:
  description: Projects of the host's instances whose properties could not be read (C(project_id), C(error)); their instances went to O(webhook).
  returned: always
  type: list
  elements: dict
  sample: []
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._base.openstack import OpenStackModule
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OptionError
from ansible_collections.osops.lifecycle.plugins.module_utils._maintenance.notify import host_servers, notify_host, project_webhooks


class MaintenanceNotifyModule(OpenStackModule):
    argument_spec = dict(
        host=dict(type='str', required=True),
        session=dict(type='str', required=True),
        webhook=dict(type='str'),
        metadata_key=dict(type='str', default='maintenance_webhook', no_log=False),
        timeout=dict(type='int', default=60),
        default_action=dict(type='str', default='ACK', choices=['ACK', 'NACK']),
    )
    module_kwargs = dict(supports_check_mode=True)

    def validate(self):
        super().validate()
        if self.params['timeout'] < 1:
            raise OptionError('timeout', self.params['timeout'], 'a positive number of seconds')
        webhook = self.params['webhook']
        if webhook and not webhook.startswith(('http://', 'https://')):
            raise OptionError('webhook', webhook, 'an http:// or https:// URL',
                              'Set the session\'s metadata webhook to the application manager\'s URL.')

    def run(self):
        p = self.params
        servers = host_servers(self.conn, p['host'])
        projects, unread = project_webhooks(self.conn, [s['project_id'] for s in servers
                                                        if not s['metadata'].get(p['metadata_key'])], p['metadata_key'])
        self.exit_json(**notify_host(servers, p['session'], p['host'], p['webhook'], p['metadata_key'], p['timeout'],
                                     p['default_action'], check_mode=self.check_mode, projects=projects, unread=unread))


def main():
    MaintenanceNotifyModule()()


if __name__ == '__main__':
    main()

#!/usr/bin/env python
"""openstack-ansible's dynamic inventory as Ansible meets it: ``--list`` prints the inventory
OSA keeps in ``$OSA_CONFIG_DIR/openstack_inventory.json`` (OSA's script regenerates that file
from openstack_user_config.yml first; here the file is given), ``--host`` one host's variables."""
import json
import os
import sys

path = os.path.join(os.environ.get('OSA_CONFIG_DIR', '/etc/openstack_deploy'), 'openstack_inventory.json')
with open(path, encoding='utf-8') as handle:
    inventory = json.load(handle)
if len(sys.argv) > 2 and sys.argv[1] == '--host':
    print(json.dumps(inventory['_meta']['hostvars'].get(sys.argv[2], {})))
else:
    print(json.dumps(inventory))

"""Make ``ansible_collections.osops.lifecycle`` importable from this checkout.

The collection is exposed through a link tree under ``.cache/collections``
(git-ignored), so unit tests import it by its real name without installing it.
"""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, '.cache', 'collections')
LINK = os.path.join(COLLECTIONS, 'ansible_collections', 'osops', 'lifecycle')


def _link_tree():
    # When the checkout itself sits at .../ansible_collections/osops/lifecycle
    # (ansible-test's layout), use that tree.
    parts = ROOT.split(os.sep)
    if parts[-3:-2] == ['ansible_collections']:
        return os.sep.join(parts[:-3])
    if not os.path.islink(LINK):
        os.makedirs(os.path.dirname(LINK), exist_ok=True)
        try:
            os.symlink(ROOT, LINK)
        except FileExistsError:
            pass
    return COLLECTIONS


sys.path.insert(0, _link_tree())

"""Make the lab's package (``tests/lab/osops_lab``) importable for its unit tests.

Only its pure logic is tested here: nothing is installed, started or sent on the network.
"""

import os
import sys

LAB = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'lab')
if LAB not in sys.path:
    sys.path.insert(0, LAB)

# labctl keeps __pycache__ out of tests/lab; do the same while importing the package here.
_bytecode = sys.dont_write_bytecode
sys.dont_write_bytecode = True
try:
    import osops_lab.releases  # pylint: disable=unused-import
    import osops_lab.services  # pylint: disable=unused-import
finally:
    sys.dont_write_bytecode = _bytecode

"""``python -m osops_lab``: same as tests/lab/labctl, once inside the lab's tools venv."""
import sys

from .cli import main

sys.exit(main())

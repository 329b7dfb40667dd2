"""Offline stand-in for pip's ``get-pip.py`` bootstrap script.

osops-lifecycle-offline-get-pip  (marker: install-get-pip.sh only replaces
cache files that carry this line, never a real get-pip.py someone saved).

Why: ``ansible-test sanity --venv`` creates each sanity virtual environment
with ``python -m venv --without-pip`` and then bootstraps pip by running
``~/.ansible/test/cache/get_pip_<version>.py`` (downloaded on first use from
ci-files.testing.ansible.com, which is unreachable here).  ansible-test runs
that file through ``quiet_pip.py`` with ``runpy`` as ``__main__`` under the new
environment's interpreter, with get-pip style arguments, e.g.::

    --disable-pip-version-check pip==24.2 --no-setuptools --no-wheel

This script does what get-pip does, without any download of its own:

1. ``python -m ensurepip`` (in a subprocess) installs the pip wheel bundled
   with CPython, with no network access;
2. that pip then installs the requested packages (``pip==24.2``) with
   ``--upgrade``; index and find-links settings come from the machine's
   pip.conf, exactly as for every other pip run;
3. honours ``--no-setuptools`` / ``--no-wheel``: ensurepip (CPython < 3.12)
   also installs setuptools, which get-pip would not have installed, so it is
   removed again unless it was already there.
"""

import subprocess
import sys

# get-pip.py options that pip itself does not understand.
_GET_PIP_ONLY = {'--no-setuptools', '--no-wheel', '--no-pip'}


def _run(cmd):
    print('[offline get-pip] ' + ' '.join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def _has(module):
    """Return True if the target interpreter can import the given module."""
    return subprocess.run([sys.executable, '-c', 'import ' + module],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          check=False).returncode == 0


def main(argv):
    pip_args = [arg for arg in argv if arg not in _GET_PIP_ONLY]
    packages = [arg for arg in pip_args if not arg.startswith('-')]
    unwanted = [name for flag, name in (('--no-setuptools', 'setuptools'), ('--no-wheel', 'wheel'))
                if flag in argv and not _has(name)]

    # ensurepip ignores PIP_* variables and pip.conf and installs from the
    # wheel shipped inside CPython: it works offline.
    _run([sys.executable, '-m', 'ensurepip', '--upgrade', '--default-pip'])

    if packages:
        # Same semantics as get-pip.py: install (or upgrade to) the requested
        # versions, e.g. the pip version ansible-test pins.
        _run([sys.executable, '-m', 'pip', 'install', '--upgrade'] + pip_args)

    # What ensurepip added but get-pip was told not to install.
    leftovers = [name for name in unwanted if _has(name)]
    if leftovers:
        _run([sys.executable, '-m', 'pip', 'uninstall', '--yes', '--disable-pip-version-check'] + leftovers)


if __name__ == '__main__':
    try:
        main(sys.argv[1:])
    except subprocess.CalledProcessError as ex:
        sys.exit(ex.returncode or 1)

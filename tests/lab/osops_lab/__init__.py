"""osops-lab: a real, upgradable OpenStack on one machine, for osops.lifecycle's lab tests.

Everything runs on 127.0.0.0/8. Simulated hosts are sshd + supervisord pairs living in their own
UTS and mount namespaces; services come from PyPI venvs kept outside the checkout.
"""

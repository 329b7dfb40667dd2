"""Simulated hosts: one supervisord per host, in its own UTS and mount namespaces.

Each host gets:

* its own hostname (UTS namespace);
* its own ``/etc`` (an overlay on the real one) in which ``/etc/<service>/`` is bind-mounted from
  the host's directory under the lab home, plus an ``/etc/hosts`` naming every lab host;
* ``/openstack/venvs/<service>-<version>``, openstack-ansible's venv layout, bind-mounted from the
  lab's venv cache (whose real path stays visible: venvs are not relocatable);
* an sshd on ``<address>:2222`` (root, key only) and every service of the host, all children of
  the host's supervisord so that they can be stopped and started by name with supervisorctl.

Every process a host starts carries ``OSOPS_LAB_MEMBER=<lab home>`` in its environment, which is
how ``down`` finds leftovers of a half-started lab.
"""
from __future__ import annotations

import dataclasses
import os
import shlex
import signal
import subprocess
import time
from pathlib import Path

from .paths import LabPaths

SSH_PORT = 2222
#: Environment marker inherited by every process of the lab.
MEMBER_ENV = "OSOPS_LAB_MEMBER"


class HostError(RuntimeError):
    """A command on a lab host failed (the message carries the log tail)."""


@dataclasses.dataclass(frozen=True)
class Program:
    """A supervisord program: one service process (group) on a host."""

    name: str
    command: str
    environment: dict[str, str] = dataclasses.field(default_factory=dict)
    autostart: bool = False
    stopwaitsecs: int = 20

    def render(self, log_dir: Path) -> str:
        """The ``[program:x]`` section."""
        env = ",".join(f'{k}="{v}"' for k, v in sorted(self.environment.items()))
        lines = [
            f"[program:{self.name}]",
            f"command = {self.command}",
            f"autostart = {str(self.autostart).lower()}",
            "autorestart = false",
            "startsecs = 1",
            "startretries = 0",
            # services fork workers: signal the whole process group
            "stopasgroup = true",
            "killasgroup = true",
            "stopsignal = TERM",
            f"stopwaitsecs = {self.stopwaitsecs}",
            "redirect_stderr = true",
            f"stdout_logfile = {log_dir / (self.name + '.out')}",
            "stdout_logfile_maxbytes = 10MB",
            "stdout_logfile_backups = 0",
        ]
        if env:
            lines.append(f"environment = {env}")
        return "\n".join(lines) + "\n"


@dataclasses.dataclass
class Host:
    """One simulated host of the lab."""

    name: str
    address: str
    roles: tuple[str, ...]
    paths: LabPaths

    @property
    def dir(self) -> Path:
        """The host's own directory under the lab home."""
        return self.paths.hosts_dir / self.name

    @property
    def etc(self) -> Path:
        """Real directory holding ``/etc/<service>/`` of this host."""
        return self.dir / "etc"

    @property
    def log_dir(self) -> Path:
        """Service logs of this host."""
        return self.dir / "log"

    @property
    def lib(self) -> Path:
        """Service state (state_path, data) of this host."""
        return self.dir / "lib"

    @property
    def sock(self) -> Path:
        """supervisord's control socket."""
        return self.dir / "supervisor.sock"

    @property
    def pid_file(self) -> Path:
        """PID of the host's supervisord (also the holder of its namespaces)."""
        return self.dir / "supervisord.pid"

    @property
    def conf(self) -> Path:
        """supervisord.conf of this host."""
        return self.dir / "supervisord.conf"

    def pid(self) -> int | None:
        """PID of the running supervisord, or None."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if _alive(pid) else None

    def prepare(self, etc_dirs: tuple[str, ...]) -> None:
        """Create the host's directories and its sshd host key."""
        for d in (self.etc, self.log_dir, self.lib, self.dir / "overlay" / "upper", self.dir / "overlay" / "work"):
            d.mkdir(parents=True, exist_ok=True)
        for svc in etc_dirs:
            (self.etc / svc).mkdir(exist_ok=True)
        key = self.dir / "ssh_host_ed25519_key"
        if not key.exists():
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", self.name, "-f", str(key)],
                           check=True)

    def host_public_key(self) -> str:
        """The sshd host key (``type base64``), for known_hosts."""
        return " ".join((self.dir / "ssh_host_ed25519_key.pub").read_text().split()[:2])

    def sshd_program(self) -> Program:
        """sshd on the host's address only; root by key only."""
        cfg = self.dir / "sshd_config"
        cfg.write_text(
            "\n".join(
                [
                    f"ListenAddress {self.address}:{SSH_PORT}",
                    f"HostKey {self.dir / 'ssh_host_ed25519_key'}",
                    "PidFile none",
                    "PermitRootLogin prohibit-password",
                    "PubkeyAuthentication yes",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    f"AuthorizedKeysFile {self.paths.ssh_dir / 'authorized_keys'}",
                    "StrictModes no",
                    "UsePAM no",
                    "UseDNS no",
                    "PrintMotd no",
                    "MaxStartups 100",
                    "MaxSessions 100",
                    "Subsystem sftp internal-sftp",
                ]
            )
            + "\n"
        )
        return Program("sshd", f"/usr/sbin/sshd -D -e -f {cfg}", autostart=True, stopwaitsecs=5)

    def write_supervisord_conf(self, programs: list[Program]) -> None:
        """Render supervisord.conf with ``programs`` (sshd first)."""
        head = f"""[unix_http_server]
file = {self.sock}
chmod = 0700

[supervisord]
nodaemon = true
logfile = {self.log_dir / 'supervisord.log'}
logfile_maxbytes = 10MB
logfile_backups = 0
pidfile = {self.pid_file}
childlogdir = {self.log_dir}
environment = {MEMBER_ENV}="{self.paths.home}",PYTHONWARNINGS="ignore",HOME="{self.lib}"

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl = unix://{self.sock}

"""
        self.conf.write_text(head + "\n".join(p.render(self.log_dir) for p in programs))

    def start(self, supervisord: Path, hosts_file: Path, etc_dirs: tuple[str, ...]) -> int:
        """Start the host's supervisord inside fresh UTS and mount namespaces; return its PID."""
        overlay = self.dir / "overlay"
        script = [
            "set -e",
            f"hostname {self.name}",
            f"mount -t overlay osops-lab-etc -o lowerdir=/etc,upperdir={overlay / 'upper'},"
            f"workdir={overlay / 'work'} /etc",
            f"mount --bind {hosts_file} /etc/hosts",
        ]
        for svc in etc_dirs:
            script += [f"mkdir -p /etc/{svc}", f"mount --bind {self.etc / svc} /etc/{svc}"]
        script += [
            "mount -t tmpfs -o size=1m osops-lab-openstack /openstack",
            "mkdir /openstack/venvs",
            f"mount --bind {self.paths.venvs} /openstack/venvs",
            f"exec {supervisord} -n -c {self.conf}",
        ]
        log = (self.log_dir / "host-start.log").open("w")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "VIRTUAL_ENV"))}
        env[MEMBER_ENV] = str(self.paths.home)
        proc = subprocess.Popen(
            ["unshare", "--uts", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", "\n".join(script)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env,
            cwd=self.dir,
        )
        self.pid_file.write_text(f"{proc.pid}\n")
        return proc.pid

    def ctl(self, supervisorctl: Path, *args: str, check: bool = True) -> str:
        """Run supervisorctl against this host's supervisord; return its output."""
        res = subprocess.run([str(supervisorctl), "-c", str(self.conf), *args], capture_output=True, text=True, check=False)
        if check and res.returncode != 0:
            raise HostError(f"supervisorctl {' '.join(args)} on {self.name}: {res.stdout}{res.stderr}".strip())
        return res.stdout

    def exec_argv(self, argv: list[str]) -> list[str]:
        """``argv`` wrapped so that it runs inside this host's namespaces (its /etc and hostname)."""
        pid = self.pid()
        if pid is None:
            raise HostError(f"host {self.name} is not running")
        return ["nsenter", "-t", str(pid), "-m", "-u", "--", *argv]

    def run(self, argv: list[str], log_name: str, env: dict[str, str] | None = None) -> None:
        """Run a command inside the host, logging to ``log/<log_name>``; raise with the log tail on failure."""
        log = self.log_dir / log_name
        full_env = dict(os.environ, PYTHONWARNINGS="ignore", **(env or {}))
        full_env[MEMBER_ENV] = str(self.paths.home)
        with log.open("a") as out:
            out.write(f"$ {shlex.join(argv)}\n")
            out.flush()
            rc = subprocess.run(self.exec_argv(argv), stdout=out, stderr=subprocess.STDOUT, env=full_env,
                                stdin=subprocess.DEVNULL, check=False).returncode
        if rc != 0:
            tail = "".join(log.read_text().splitlines(keepends=True)[-20:])
            raise HostError(f"{shlex.join(argv)} failed on {self.name} (rc={rc}); {log}:\n{tail}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def lab_member_pids(home: Path) -> list[int]:
    """PIDs of every live process carrying the lab's environment marker."""
    marker = f"{MEMBER_ENV}={home}".encode()
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            env = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker in env.split(b"\0") and _alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def kill_all(pids: list[int], sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to each PID (and its process group), ignoring the ones already gone."""
    own_group = os.getpgid(0)
    for pid in pids:
        try:
            group = os.getpgid(pid)
            if group != own_group:
                os.killpg(group, sig)
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def wait_gone(pids: list[int], timeout: float) -> list[int]:
    """Wait until the PIDs exit (bounded); return those still alive."""
    deadline = time.monotonic() + timeout
    alive = [p for p in pids if _alive(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [p for p in alive if _alive(p)]
    return alive

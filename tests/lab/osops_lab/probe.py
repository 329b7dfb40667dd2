"""An availability probe of the lab's APIs, run in a thread while something (an upgrade) changes the lab.

Every ``interval`` seconds, from a fresh openstacksdk connection (no cached token): a keystone token
by password, then ``GET /v2.1/servers`` of the compute API with it. Each ask is recorded with its
start, its outcome and how long the answer took.

Figures per service: the share of good answers; the **longest outage**, the time from the start of
the first failed ask to the start of the next good one (a slow good answer is no outage; it shows in
the slowest answer); and the slowest answer.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

SERVICES = ("keystone", "compute")


@dataclass(frozen=True)
class Ask:
    """One ask of one service: when it started (monotonic), whether it was answered well, in how long."""

    started: float
    good: bool
    seconds: float


@dataclass(frozen=True)
class Summary:
    """A service's figures over a probe's run."""

    asks: int
    good: float
    longest_outage: float
    slowest: float

    def line(self, name: str) -> str:
        return (f"probe {name}: {self.asks} asks, {self.good:.1%} good, longest outage {self.longest_outage:.1f} s, "
                f"slowest answer {self.slowest:.1f} s")


class Probe(threading.Thread):
    """Asks keystone for a token and nova for its servers every ``interval`` seconds until ``stop`` is set."""

    def __init__(self, clouds_yaml: str, interval: float = 0.5, cloud: str = "lab") -> None:
        super().__init__(daemon=True)
        self.clouds_yaml, self.interval, self.cloud = clouds_yaml, interval, cloud
        self.asks: dict[str, list[Ask]] = {name: [] for name in SERVICES}
        self.stop = threading.Event()

    def run(self) -> None:
        import openstack.config
        import openstack.connection

        region = openstack.config.OpenStackConfig(config_files=[self.clouds_yaml]).get_one(cloud=self.cloud)
        while not self.stop.is_set():
            began = time.monotonic()
            conn = openstack.connection.Connection(config=region)
            try:
                token = bool(conn.session.get_token())
            except Exception:  # noqa: BLE001 - any failure is a bad answer
                token = False
            asked = time.monotonic()
            self.asks["keystone"].append(Ask(began, token, asked - began))
            try:
                good = token and conn.compute.get("/servers", microversion="2.1").status_code == 200
            except Exception:  # noqa: BLE001
                good = False
            self.asks["compute"].append(Ask(asked, bool(good), time.monotonic() - asked))
            conn.close()
            self.stop.wait(max(0.0, self.interval - (time.monotonic() - began)))

    def summary(self, name: str) -> Summary:
        """The figures of ``name`` (keystone or compute) so far."""
        asks = list(self.asks[name])
        longest, down_since = 0.0, None
        for ask in asks:
            if not ask.good and down_since is None:
                down_since = ask.started
            elif ask.good and down_since is not None:
                longest, down_since = max(longest, ask.started - down_since), None
        if down_since is not None:
            longest = max(longest, asks[-1].started + asks[-1].seconds - down_since)
        good = sum(1 for a in asks if a.good)
        return Summary(len(asks), good / len(asks) if asks else 0.0, longest,
                       max((a.seconds for a in asks if a.good), default=0.0))

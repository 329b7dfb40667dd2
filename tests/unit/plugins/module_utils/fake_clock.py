"""A clock for unit tests of bounded waits: it moves only when slept on."""


class Clock:
    """Call it for the time; ``sleep(seconds)`` moves it on at once."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds

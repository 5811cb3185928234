"""What goes wrong with a stack, each error one line for people (the CLI prints it as is).

::

    StackError              the stack could not be built, started or inspected
    ├── EngineUnavailable   no Docker engine answers, or the docker CLI or Compose is missing
    ├── ImageError          an image could not be built or prepared (which, and why)
    ├── PortInUse           a port the stack publishes is taken: which setting moves it
    └── ServiceUnhealthy    a service did not become healthy; its last log lines follow

A missing engine and a taken port are mistakes in the environment, so they are also
:class:`~pulpo.errors.UsageError`.
"""

from pulpo.errors import PulpoError, UsageError


class StackError(PulpoError):
    """The stack could not be built, started or inspected."""


class EngineUnavailable(StackError, UsageError):
    """No Docker engine, CLI or Compose to talk to."""


class ImageError(StackError):
    """An image could not be built or prepared; says which and why in one line."""


class PortInUse(StackError, UsageError):
    """A port the stack publishes is taken by something else."""


class ServiceUnhealthy(StackError):
    """A service did not become healthy, or stopped."""

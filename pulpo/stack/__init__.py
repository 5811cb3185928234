"""The Docker stack of a generated project: its files, its images, and running it.

Everything Pulpo knows about the stack starts from one table, :data:`services.SERVICES`
(MongoDB, the API, the Prefect server, the flows, the test-runner): each entry says
its image online and offline, its port, healthcheck, dependencies, environment and
what it installs. The rest reads the table:

==================  ===========================================================================
``services``        the table, and what is derived from it (published ports, service order,
                    offline wheelhouses)
``pins``            the versions the stack depends on: official images, Prefect, SecantusDB
``inputs``          :class:`StackInputs`, what ``pulpo compile`` hands over; the stack's name,
                    the paths the images copy, the project's requirements
``layout``          where the stack's files are
``files``           :func:`render`: the Compose files, Dockerfiles and requirement files
                    (templates in ``pulpo/stack/templates``)
``compose``         :class:`~pulpo.stack.compose.Stack`: a compiled stack's files, modes
                    and settings, and Compose called on them
``engine``          the Docker engine and Compose: found, or said to be missing
``wheel``, ``tags`` the Pulpo wheel the images install; content tags
``offline``         local base images and wheelhouses where no registry is reachable
``images``          :func:`~pulpo.stack.images.prepare`: every image exists, only what
                    changed is built
``running``         ``up``, ``down``, ``ps``, ``logs``; waiting until healthy
``diagnosis``       why a stack did not come up, in one line and the logs that say why
``progress``        how long steps report what they do (plain lines, or a live terminal line)
==================  ===========================================================================

Compilation and running meet only here: the generate stage calls
``render(StackInputs(...))``; the command line compiles, then calls
:func:`~pulpo.stack.running.up`. Adding a service is one entry in the table plus
the templates its entry names.
"""

from pulpo.stack.files import render
from pulpo.stack.inputs import StackInputs

__all__ = ["StackInputs", "render"]

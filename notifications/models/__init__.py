# Models of the notifications app, one module per domain, each imported here.
from .notifications import *  # noqa: F403
from .preferences import *  # noqa: F403

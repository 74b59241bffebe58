# Models of the plans app, one module per domain, each imported here.
from .plans import *  # noqa: F403

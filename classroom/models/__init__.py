# Models of the classroom app, one module per domain, each imported here.
from .sessions import *  # noqa: F403

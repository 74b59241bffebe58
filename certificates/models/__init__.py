# Models of the certificates app, one module per domain, each imported here.
from .certificates import *  # noqa: F403

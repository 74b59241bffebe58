# Models of the review app, one module per domain, each imported here.
from .review import *  # noqa: F403

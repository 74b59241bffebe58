# Models of the learning app, one module per domain, each imported here.
from .ledger import *  # noqa: F403
from .progress import *  # noqa: F403
from .requirements import *  # noqa: F403
from .yearclose import *  # noqa: F403

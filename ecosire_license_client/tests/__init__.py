from . import test_activation
from . import test_lifecycle
from . import test_tampering
from . import test_enforcement
from . import test_http

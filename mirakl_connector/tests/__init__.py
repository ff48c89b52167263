from . import test_mk_instance
from . import test_connection
from . import test_security
from . import test_mk_job
from . import test_dispatch

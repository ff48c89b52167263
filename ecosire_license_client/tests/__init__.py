from . import test_license

from . import ecosire_license
from . import ecosire_license_mixin

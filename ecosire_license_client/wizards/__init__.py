from . import ecosire_license_offline_wizard

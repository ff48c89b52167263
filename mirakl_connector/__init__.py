from . import models
from . import services
from . import wizards

from . import ir_actions_act_window
from . import ir_cron
from . import ir_ui_view
from . import mk_instance_flow
from . import mk_instance
from . import mk_job
from . import mk_sync_log

import logging

from odoo import api, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)


class EcosireLicenseMixin(models.AbstractModel):
    """Gate features of a model behind a licence for `_license_product`.

    Use it around actions that need a licence (sending data, activating a connection), never
    around reading data: an invalid licence must not hide or lose anything.

    * UI actions: ``self._check_license()`` raises a UserError that says what is wrong.
    * Crons: ``if not self._check_license(raise_if_invalid=False): return`` skips the run with
      a logged warning; queued work stays where it is until the licence is valid again.
    """

    _name = "ecosire.license.mixin"
    _description = "Licensed Feature Mixin"

    # Technical name of the product a licence must cover, set by each inheriting model.
    _license_product = None

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    @api.model
    def _check_license(self, raise_if_invalid=True):
        """True when a valid licence (or one in its grace period) covers `_license_product`."""
        verdict = self._license_verdict()
        if verdict.ok:
            return True
        if raise_if_invalid:
            raise UserError(verdict.message)
        _logger.warning(
            "%s: skipped because the %s licence is not valid (%s): %s",
            self._name, self._license_product, verdict.state, verdict.message,
        )
        return False

    @api.model
    def _license_verdict(self):
        if not self._license_product:
            raise NotImplementedError(f"{self._name} must set _license_product")
        return self.env["ecosire.license"]._license_verdict(self._license_product)

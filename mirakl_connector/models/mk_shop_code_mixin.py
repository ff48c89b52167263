from odoo import api, models


class MkShopCodeMixin(models.AbstractModel):
    """A list of codes the operator defines for a shop (carriers, shipping types; the master
    data to come): one record per (shop, code), refreshed in place from Mirakl's answer and
    archived, never deleted, when Mirakl stops listing it, so records that use it keep it.
    A concrete model declares instance_id, code and active, and names the list to read."""

    _name = "mk.shop.code.mixin"
    _description = "Mirakl Codes of a Shop"

    # the key of the list in Mirakl's answer, e.g. "carriers" for SH21
    _mirakl_answer_key = None

    @api.model
    def _sync_from_mirakl(self, instance, answer):
        """Mirakl's answer -> this shop's records, updated in place; returns (created, updated)."""
        existing = {
            record.code: record
            for record in self.with_context(active_test=False).search(
                [("instance_id", "=", instance.id)]
            )
        }
        created = updated = 0
        seen = set()
        for item in answer.get(self._mirakl_answer_key) or []:
            code = item.get("code")
            if not code:
                continue
            seen.add(code)
            values = dict(self._prepare_mirakl_values(instance, item), active=True)
            if code in existing:
                existing[code].write(values)
                updated += 1
            else:
                self.create(dict(values, instance_id=instance.id, code=code))
                created += 1
        for code, record in existing.items():
            if code not in seen:
                record.active = False
        return created, updated

    @api.model
    def _prepare_mirakl_values(self, instance, item):
        """The values of one listed code (its label by default)."""
        return {"label": item.get("label") or item["code"]}

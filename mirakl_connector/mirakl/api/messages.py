"""Messaging calls: inbox threads, replies, attachments and threads with the operator."""

from ..paging import MAX_PAGE_SIZE
from .params import filter_query, json_part, segment


class MessagesApi:
    """Inbox calls (M10-M14)."""

    def get_thread(self, thread_id):
        """M10: one message thread with its messages."""
        return self._request("M10", "GET", "/api/inbox/threads/%s" % segment(thread_id))

    def list_threads(self, limit=MAX_PAGE_SIZE, page_token=None, **filters):
        """M11: one page of threads (entity_type, entity_id, updated_since, with_messages,
        channel_codes)."""
        return self._seek_page("M11", "/api/inbox/threads", _m11_query(filters), limit,
                               page_token)

    def iter_threads(self, limit=MAX_PAGE_SIZE, **filters):
        """M11: every matching thread."""
        return self._iter_seek("M11", "/api/inbox/threads", _m11_query(filters), limit)

    def reply_to_thread(self, thread_id, body, to, topic=None, files=None):
        """M12: reply in a thread. ``to``: [{"type": "CUSTOMER"|"OPERATOR"|"SHOP", "id"?}].
        Not retried blindly (the message would be posted twice)."""
        message = {"body": body, "to": list(to)}
        if topic:
            message["topic"] = topic
        return self._request("M12", "POST", "/api/inbox/threads/%s/message"
                             % segment(thread_id),
                             files=json_part("message_input", message, files))

    def download_attachment(self, attachment_id):
        """M13: one message attachment -> MiraklFile."""
        return self._request("M13", "GET", "/api/inbox/threads/%s/download"
                             % segment(attachment_id), expect="file")

    def create_operator_thread(self, body, entity, topic, files=None):
        """M14: open a thread with the operator. ``entity``: {"type": …}; not retried blindly."""
        thread = {"body": body, "entity": entity, "topic": topic}
        return self._request("M14", "POST", "/api/inbox/threads",
                             files=json_part("thread_input", thread, files))


def _m11_query(filters):
    if filters.get("entity_id") and not filters.get("entity_type"):
        raise ValueError("M11 entity_id needs entity_type (e.g. MMP_ORDER)")
    array = ("entity_id", "channel_codes")
    return filter_query("M11", filters, array + ("entity_type", "updated_since",
                                                  "with_messages", "sort"), array)

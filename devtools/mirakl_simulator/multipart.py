"""multipart/form-data parsing with the stdlib email parser (the cgi module is gone in 3.13)."""

from email import policy
from email.parser import BytesParser

from .web import ApiError


class Part:
    def __init__(self, name, filename, content_type, content):
        self.name = name
        self.filename = filename
        self.content_type = content_type
        self.content = content

    @property
    def text(self):
        return self.content.decode("utf-8-sig")


def parse_form(request):
    """The parts of a multipart/form-data body, in order; 415 for any other content type."""
    if request.content_type != "multipart/form-data":
        raise ApiError(
            415, "Expected multipart/form-data, got '%s'" % (request.content_type or "none")
        )
    head = b"Content-Type: " + request.headers["content-type"].encode("latin-1") + b"\r\n\r\n"
    message = BytesParser(policy=policy.HTTP).parsebytes(head + request.body)
    if not message.is_multipart():
        raise ApiError(400, "Malformed multipart body")
    parts = []
    for item in message.iter_parts():
        name = item.get_param("name", header="content-disposition")
        content = item.get_payload(decode=True) or b""
        parts.append(Part(name, item.get_filename(), item.get_content_type(), content))
    return parts


def form_fields(request):
    """{name: [Part, …]} for a multipart request."""
    fields = {}
    for part in parse_form(request):
        fields.setdefault(part.name, []).append(part)
    return fields

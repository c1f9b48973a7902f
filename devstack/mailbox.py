"""The local stack's mail catcher: SES v2's sending API on a local port, keeping every message instead of sending it.

    http://127.0.0.1:3004/                a page for people: the messages, newest first
    http://127.0.0.1:3004/messages.json   for programs: [{to, subject, text, html, sent_at, ...}], newest first
                                          (DELETE empties the mailbox)
    boto3.client("sesv2", endpoint_url="http://127.0.0.1:3004")   # or AWS_ENDPOINT_URL_SESV2

Why serve SES v2 rather than read moto's sent messages: moto's SES wants every sender verified first, keeps its
messages inside the moto process (devstack's moto runs in-process, but a reader would depend on moto's internals),
and fills templates its own way; here one small server both receives and shows the mail, and templates are
rendered as SES renders them (below), so a template error shows up locally rather than first in AWS.

SES v2 operations served (REST JSON, as boto3's sesv2 client speaks it; requests are not signature-checked):

- SendEmail with Content.Simple (Subject, Body.Text, Body.Html), Content.Template (TemplateName or TemplateArn,
  or inline TemplateContent; TemplateData a JSON object) or Content.Raw (a MIME message). Destination needs a
  recipient; FromEmailAddress is required but not verified. Answers {"MessageId"}.
- CreateEmailTemplate, GetEmailTemplate, UpdateEmailTemplate, DeleteEmailTemplate, ListEmailTemplates.
- Templates also come from the template's AWS::SES::Template resources (SubjectPart, TextPart, HtmlPart), named by
  their TemplateName when written out, else by their logical id (what `!Ref` to them gives the functions locally).

Rendering follows SES's Handlebars templates: `{{name}}` and `{{a.b}}` replacements (HTML-escaped in the HTML part,
`{{{name}}}` not), `{{#if x}}...{{else}}...{{/if}}`, `{{#unless x}}`, `{{#each list}}...{{this}}, {{@index}},
{{field}}...{{/each}}`. A replacement whose value the TemplateData lacks is a rendering failure, as in SES: the
call succeeds and the message is not delivered; locally it is logged and listed under "Rendering failures" on the
page (and /rendering-failures.json). Other Handlebars helpers and partials are rendering failures too.

Messages live in memory for the life of the stack. Bad requests get SES's errors (BadRequestException 400,
NotFoundException 404, AlreadyExistsException 400) as boto3 expects them: an `x-amzn-ErrorType` header and
`{"message": ...}`.
"""

import base64
import email
import email.policy
import html
import json
import logging
import re
import threading
import urllib.parse
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from devstack.template import resources_of_type

LOG = logging.getLogger(__name__)
MAX_BODY_BYTES = 10 * 1024 * 1024  # SES v2's message size limit (40 MB) is more than a dev mailbox needs
TAG = re.compile(r"\{\{(\{)?\s*([#/]?)\s*([^{}]*?)\s*\}?\}\}")


class SesError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class RenderingFailure(Exception):
    """SES accepted the message but cannot fill its template: it is not delivered."""


# Handlebars, as much of it as SES templates use


@dataclass
class _Node:
    kind: str  # "text", "var", "raw", "if", "unless", "each"
    value: str
    children: list["_Node"] = field(default_factory=list)
    otherwise: list["_Node"] = field(default_factory=list)


def _parse(template: str) -> list[_Node]:
    root: list[_Node] = []
    stack: list[tuple[_Node | None, list[_Node]]] = [(None, root)]
    position = 0
    for match in TAG.finditer(template):
        if match.start() > position:
            stack[-1][1].append(_Node("text", template[position : match.start()]))
        position = match.end()
        triple, sigil, expression = match[1], match[2], match[3]
        if sigil == "#":
            helper, _, argument = expression.partition(" ")
            if helper not in ("if", "unless", "each") or not argument.strip():
                raise RenderingFailure(f"unsupported block helper {{{{#{expression}}}}}")
            node = _Node(helper, argument.strip())
            stack[-1][1].append(node)
            stack.append((node, node.children))
        elif sigil == "/":
            opened = stack[-1][0]
            if opened is None or opened.kind != expression:
                raise RenderingFailure(f"unexpected {{{{/{expression}}}}}")
            stack.pop()
        elif expression == "else":
            opened = stack[-1][0]
            if opened is None:
                raise RenderingFailure("{{else}} outside a block")
            stack[-1] = (opened, opened.otherwise)
        elif expression.startswith(("!", ">")):
            if expression.startswith(">"):
                raise RenderingFailure(f"partials are not supported: {{{{{expression}}}}}")
        else:
            if not re.fullmatch(
                r"(this|@index|@key|[A-Za-z0-9_\-]+)(\.[A-Za-z0-9_\-]+)*|\.\./[A-Za-z0-9_.\-]+", expression
            ):
                raise RenderingFailure(f"unsupported expression {{{{{expression}}}}}")
            stack[-1][1].append(_Node("raw" if triple else "var", expression))
    if len(stack) > 1:
        raise RenderingFailure(f"{{{{#{stack[-1][0].kind if stack[-1][0] else ''}}}}} is never closed")
    if position < len(template):
        root.append(_Node("text", template[position:]))
    return root


_MISSING = object()


def _lookup(path: str, scopes: list[dict[str, Any]]) -> Any:
    if path.startswith("../"):
        return _lookup(path[3:], scopes[:-1]) if len(scopes) > 1 else _MISSING
    names = path.split(".")
    scope = scopes[-1]
    if names[0] == "this":
        value: Any = scope.get("this", _MISSING)
        names = names[1:]
    else:
        value = scope.get(names[0], _MISSING)
        if value is _MISSING and "this" in scope and isinstance(scope["this"], dict):
            value = scope["this"].get(names[0], _MISSING)
        names = names[1:]
    for name in names:
        value = value.get(name, _MISSING) if isinstance(value, dict) else _MISSING
    return value


def _truthy(value: Any) -> bool:
    return value is not _MISSING and value not in (None, False, "", 0) and value != [] and value != {}


def _text_of(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value) if isinstance(value, dict | list) else str(value)


def _render_nodes(nodes: list[_Node], scopes: list[dict[str, Any]], escape: bool) -> str:
    out = []
    for node in nodes:
        if node.kind == "text":
            out.append(node.value)
        elif node.kind in ("var", "raw"):
            value = _lookup(node.value, scopes)
            if value is _MISSING:
                raise RenderingFailure(f"Attribute '{node.value}' is not present in the rendering data.")
            text = _text_of(value)
            out.append(html.escape(text) if escape and node.kind == "var" else text)
        elif node.kind in ("if", "unless"):
            chosen = _truthy(_lookup(node.value, scopes)) == (node.kind == "if")
            out.append(_render_nodes(node.children if chosen else node.otherwise, scopes, escape))
        else:  # each
            items = _lookup(node.value, scopes)
            if items is _MISSING:
                raise RenderingFailure(f"Attribute '{node.value}' is not present in the rendering data.")
            if not items:
                out.append(_render_nodes(node.otherwise, scopes, escape))
            elif isinstance(items, dict):
                for key, item in items.items():
                    out.append(_render_nodes(node.children, [*scopes, {"this": item, "@key": key}], escape))
            else:
                for index, item in enumerate(items):
                    out.append(_render_nodes(node.children, [*scopes, {"this": item, "@index": index}], escape))
    return "".join(out)


def render(template: str | None, data: dict[str, Any], *, escape_html: bool = False) -> str | None:
    """A template part filled with `data` as SES fills it; RenderingFailure when it cannot be."""
    if template is None:
        return None
    return _render_nodes(_parse(template), [{**data, "this": data}], escape_html)


# The mailbox


@dataclass(frozen=True)
class EmailTemplate:
    name: str
    subject: str | None
    text: str | None
    html: str | None
    created_at: float


def ses_templates(template: dict[str, Any]) -> list[EmailTemplate]:
    """The template's AWS::SES::Template resources, named by TemplateName if written out, else by logical id."""
    found = []
    for logical_id, properties in resources_of_type(template, "AWS::SES::Template").items():
        content = properties.get("Template") or {}
        name = content.get("TemplateName")
        found.append(
            EmailTemplate(
                name if isinstance(name, str) else logical_id,
                content.get("SubjectPart"),
                content.get("TextPart"),
                content.get("HtmlPart"),
                datetime.now(UTC).timestamp(),
            )
        )
    return found


@dataclass
class Mailbox:
    templates: dict[str, EmailTemplate] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)  # oldest first; served newest first
    rendering_failures: list[dict[str, Any]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        if self.server is None:
            raise RuntimeError("the mailbox is not serving")
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def newest_first(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(reversed(self.messages))

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.rendering_failures.clear()

    # SES v2

    def send_email(self, request: dict[str, Any]) -> dict[str, Any]:
        sender = request.get("FromEmailAddress")
        destination = request.get("Destination") or {}
        recipients = {kind: list(destination.get(f"{kind}Addresses") or []) for kind in ("To", "Cc", "Bcc")}
        content = request.get("Content") or {}
        kinds = [kind for kind in ("Simple", "Template", "Raw") if kind in content]
        if len(kinds) != 1:
            raise SesError(400, "BadRequestException", "Content needs exactly one of Simple, Template or Raw")
        message_id = f"{uuid.uuid4()}-local"
        if kinds == ["Raw"]:
            message = self._raw(content["Raw"], sender, recipients)
        else:
            if not isinstance(sender, str) or "@" not in sender:
                raise SesError(400, "BadRequestException", "FromEmailAddress is required")
            if not any(recipients.values()):
                raise SesError(400, "BadRequestException", "Destination needs at least one recipient")
            message = {"from": sender, "to": recipients["To"], "cc": recipients["Cc"], "bcc": recipients["Bcc"]}
            if kinds == ["Simple"]:
                simple = content["Simple"]
                body = simple.get("Body") or {}
                if not (simple.get("Subject") or {}).get("Data") or not (body.get("Text") or body.get("Html")):
                    raise SesError(400, "BadRequestException", "Simple content needs a Subject and a Text or Html body")
                message |= {
                    "subject": simple["Subject"]["Data"],
                    "text": (body.get("Text") or {}).get("Data"),
                    "html": (body.get("Html") or {}).get("Data"),
                    "template": None,
                }
            else:
                try:
                    message |= self._from_template(content["Template"])
                except RenderingFailure as failure:
                    self._rendering_failure(message_id, message, content["Template"], str(failure))
                    return {"MessageId": message_id}
        message |= {
            "message_id": message_id,
            "reply_to": list(request.get("ReplyToAddresses") or []),
            "sent_at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
        with self._lock:
            self.messages.append(message)
        LOG.info("mail to %s caught: %s", ", ".join(message["to"]), message["subject"])
        return {"MessageId": message_id}

    def _raw(self, raw: dict[str, Any], sender: Any, recipients: dict[str, list[str]]) -> dict[str, Any]:
        try:
            parsed = email.message_from_bytes(base64.b64decode(raw["Data"], validate=True), policy=email.policy.default)
        except (KeyError, TypeError, ValueError) as error:
            raise SesError(400, "BadRequestException", "Raw.Data must be a base64 MIME message") from error

        def addresses(header: str) -> list[str]:
            return [address.addr_spec for address in getattr(parsed[header], "addresses", ())]

        to = recipients["To"] or addresses("To")
        if not to and not recipients["Cc"] and not recipients["Bcc"]:
            raise SesError(400, "BadRequestException", "the message names no recipient")
        parts = {}
        for kind in ("plain", "html"):
            part = parsed.get_body(preferencelist=(kind,))
            parts[kind] = part.get_content() if part is not None else None  # type: ignore[attr-defined]
        return {
            "from": sender or str(parsed["From"] or ""),
            "to": to,
            "cc": recipients["Cc"] or addresses("Cc"),
            "bcc": recipients["Bcc"],
            "subject": str(parsed["Subject"] or ""),
            "text": parts["plain"],
            "html": parts["html"],
            "template": None,
        }

    def _from_template(self, request: dict[str, Any]) -> dict[str, Any]:
        try:
            data = json.loads(request.get("TemplateData") or "{}")
        except ValueError as error:
            raise SesError(400, "BadRequestException", "TemplateData is not valid JSON") from error
        if not isinstance(data, dict):
            raise SesError(400, "BadRequestException", "TemplateData must be a JSON object")
        if "TemplateContent" in request:
            inline = request["TemplateContent"]
            template = EmailTemplate("(inline)", inline.get("Subject"), inline.get("Text"), inline.get("Html"), 0)
        else:
            name = request.get("TemplateName") or str(request.get("TemplateArn", "")).rpartition("template/")[2]
            with self._lock:
                found = self.templates.get(name)
            if found is None:
                raise SesError(404, "NotFoundException", f"Template {name or '(none)'} does not exist.")
            template = found
        return {
            "subject": render(template.subject, data) or "",
            "text": render(template.text, data),
            "html": render(template.html, data, escape_html=True),
            "template": template.name,
        }

    def _rendering_failure(self, message_id: str, message: dict[str, Any], request: dict[str, Any], why: str) -> None:
        name = request.get("TemplateName") or request.get("TemplateArn") or "(inline)"
        LOG.warning("mail to %s not delivered: rendering template %s failed: %s", message["to"], name, why)
        with self._lock:
            self.rendering_failures.append(
                {
                    "message_id": message_id,
                    "to": message["to"],
                    "template": name,
                    "error": why,
                    "failed_at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                }
            )

    def put_template(self, name: str, content: Any, *, create: bool) -> None:
        if not name or not isinstance(content, dict):
            raise SesError(400, "BadRequestException", "TemplateName and TemplateContent are required")
        for part in ("Subject", "Text", "Html"):
            if content.get(part) is not None:
                try:
                    _parse(content[part])
                except RenderingFailure as error:
                    raise SesError(400, "BadRequestException", f"{part}: {error}") from error
        with self._lock:
            exists = name in self.templates
            if create and exists:
                raise SesError(400, "AlreadyExistsException", f"Template {name} already exists.")
            if not create and not exists:
                raise SesError(404, "NotFoundException", f"Template {name} does not exist.")
            self.templates[name] = EmailTemplate(
                name, content.get("Subject"), content.get("Text"), content.get("Html"), datetime.now(UTC).timestamp()
            )

    def get_template(self, name: str) -> EmailTemplate:
        with self._lock:
            found = self.templates.get(name)
        if found is None:
            raise SesError(404, "NotFoundException", f"Template {name} does not exist.")
        return found

    def delete_template(self, name: str) -> None:
        with self._lock:
            if self.templates.pop(name, None) is None:
                raise SesError(404, "NotFoundException", f"Template {name} does not exist.")

    def route(self, method: str, path: str, body: bytes) -> tuple[int, str, bytes]:
        """(status, content type, body) for a request; SesError for SES's own errors."""
        if method == "GET" and path == "/":
            return 200, "text/html; charset=utf-8", self.page().encode()
        if path == "/messages.json":
            if method == "DELETE":
                self.clear()
                return 204, "application/json", b""
            if method == "GET":
                return 200, "application/json", json.dumps(self.newest_first()).encode()
        if method == "GET" and path == "/rendering-failures.json":
            with self._lock:
                failures = list(reversed(self.rendering_failures))
            return 200, "application/json", json.dumps(failures).encode()
        if path.startswith("/v2/email/"):
            try:
                request = json.loads(body or b"{}")
            except ValueError:
                raise SesError(400, "BadRequestException", "the request body is not JSON") from None
            if not isinstance(request, dict):
                raise SesError(400, "BadRequestException", "the request body must be a JSON object")
            return 200, "application/json", json.dumps(self._ses(method, path, request)).encode()
        return 404, "application/json", json.dumps({"message": "Not found"}).encode()

    def _ses(self, method: str, path: str, request: dict[str, Any]) -> dict[str, Any]:
        if path == "/v2/email/outbound-emails" and method == "POST":
            try:
                return self.send_email(request)
            except (AttributeError, TypeError, KeyError) as error:  # a member of the wrong JSON type
                raise SesError(400, "BadRequestException", f"malformed SendEmail request: {error}") from error
        if path == "/v2/email/templates":
            if method == "POST":
                self.put_template(str(request.get("TemplateName") or ""), request.get("TemplateContent"), create=True)
                return {}
            if method == "GET":
                with self._lock:
                    listed = sorted(self.templates.values(), key=lambda template: template.name)
                return {
                    "TemplatesMetadata": [
                        {"TemplateName": template.name, "CreatedTimestamp": template.created_at} for template in listed
                    ]
                }
        prefix = "/v2/email/templates/"
        if path.startswith(prefix) and "/" not in path[len(prefix) :]:
            name = urllib.parse.unquote(path[len(prefix) :])
            if method == "GET":
                template = self.get_template(name)
                content = {"Subject": template.subject, "Text": template.text, "Html": template.html}
                return {
                    "TemplateName": name,
                    "TemplateContent": {part: value for part, value in content.items() if value is not None},
                }
            if method == "PUT":
                self.put_template(name, request.get("TemplateContent"), create=False)
                return {}
            if method == "DELETE":
                self.delete_template(name)
                return {}
        raise SesError(404, "NotFoundException", f"{method} {path} is not served by the local mailbox")

    def page(self) -> str:
        """The messages for people, newest first; every value escaped, each HTML body in a sandboxed frame."""
        esc = html.escape
        items = []
        for message in self.newest_first():
            recipients = ", ".join(message["to"] + message.get("cc", []))
            frame = (
                f'<iframe sandbox title="HTML body" srcdoc="{esc(message["html"], quote=True)}"></iframe>'
                if message.get("html")
                else ""
            )
            text = f"<pre>{esc(message['text'])}</pre>" if message.get("text") else ""
            template = f" · template {esc(message['template'])}" if message.get("template") else ""
            items.append(
                f"<article><h2>{esc(message['subject'])}</h2>"
                f"<p class=meta>to {esc(recipients)} · from {esc(message['from'])} · "
                f"<time>{esc(message['sent_at'])}</time>{template}</p>{frame}{text}</article>"
            )
        with self._lock:
            failures = list(reversed(self.rendering_failures))
        failed = "".join(
            f"<li>{esc(', '.join(failure['to']))}: template {esc(failure['template'])}: {esc(failure['error'])}</li>"
            for failure in failures
        )
        return (
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>Local mailbox</title>"
            "<style>body{font-family:sans-serif;max-width:60rem;margin:auto;padding:1rem}"
            "article{border-bottom:1px solid #ccc;padding:.5rem 0}.meta{color:#555}"
            "iframe{width:100%;height:20rem;border:1px solid #ddd}pre{white-space:pre-wrap}</style></head><body>"
            f"<h1>Local mailbox</h1><p>{len(items)} message(s), newest first; caught, never sent. "
            '<a href="/">Reload</a> · <a href="/messages.json">messages.json</a></p>'
            + (f"<h2>Rendering failures (not delivered)</h2><ul>{failed}</ul>" if failed else "")
            + ("".join(items) or "<p>No mail yet.</p>")
            + "</body></html>"
        )

    # Serving

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server = ThreadingHTTPServer((host, port), _handler(self))
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.1,), name="mailbox-http", daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def _handler(mailbox: Mailbox) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            headers: dict[str, str] = {}
            if length > MAX_BODY_BYTES:
                status, kind, body = 400, "application/json", b'{"message": "Request too large"}'
                headers["x-amzn-ErrorType"] = "BadRequestException"
                self.close_connection = True
            else:
                data = self.rfile.read(length)
                try:
                    status, kind, body = mailbox.route(self.command, urllib.parse.urlsplit(self.path).path, data)
                except SesError as error:
                    status, kind = error.status, "application/json"
                    body = json.dumps({"message": error.message}).encode()
                    headers["x-amzn-ErrorType"] = error.code
                except Exception:  # a bug here, not the caller's fault
                    LOG.exception("the mailbox failed on %s %s", self.command, self.path)
                    status, kind, body = 500, "application/json", b'{"message": "Internal error"}'
                    headers["x-amzn-ErrorType"] = "InternalFailure"
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            # The page shows what functions wrote: no script of a message may run, not even in its frame.
            self.send_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if body:
                self.wfile.write(body)

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

        def do_PUT(self) -> None:
            self._answer()

        def do_DELETE(self) -> None:
            self._answer()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def start_mailbox(template: dict[str, Any], *, host: str = "127.0.0.1", port: int = 0) -> Mailbox:
    """Serve the mailbox on host:port (0: a free one; see .url), with the template's SES templates; stop() ends it."""
    mailbox = Mailbox(templates={found.name: found for found in ses_templates(template)})
    mailbox.serve(host, port)
    return mailbox


def local_environment(host: str, port: int) -> dict[str, str]:
    """What the functions need to send their mail to the mailbox on host:port with boto3's sesv2 client."""
    return {"AWS_ENDPOINT_URL_SESV2": f"http://{host}:{port}"}

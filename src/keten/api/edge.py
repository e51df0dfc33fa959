"""Checks at the HTTP edge that hold for every route, present and future (PACT v2/v3, iLEAP,
keten's own and the dashboard's), before any handler or the store sees the request:

- no control characters (NUL, C0, DEL) in the path, the query or a form body: PostgreSQL
  cannot store NUL in text and no identifier, filter or credential holds one (400);
- no NUL escape (``\\u0000``) in a JSON body, for the same reason (400);
- JSON bodies nested at most ``MAX_JSON_DEPTH`` levels: deeper documents would exhaust
  Python's recursion limit in any parser (400).

Every body but a multipart upload is inspected (routes parse JSON whatever the client's
content type says); multipart uploads are files and go through keten's file readers.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote_to_bytes

import numpy as np
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from keten.api.errors import error_body

#: PACT and iLEAP documents nest about 8 levels, a Carbon Added bundle about 12.
MAX_JSON_DEPTH = 64
_CONTROL = re.compile(rb"[\x00-\x1f\x7f]")
# A \u0000 escape preceded by an even number of backslashes (an odd count escapes the "\").
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_OPEN = np.zeros(256, dtype=np.int8)
_OPEN[[ord("["), ord("{")]] = 1
_OPEN[[ord("]"), ord("}")]] = -1


def json_depth(body: bytes) -> int:
    """Deepest nesting of arrays/objects in a JSON text (brackets inside strings ignored)."""
    if b"[" not in body and b"{" not in body:
        return 0
    bare = _JSON_STRING.sub(b'""', body)
    steps = _OPEN[np.frombuffer(bare, dtype=np.uint8)]
    if not steps.any():
        return 0
    return int(np.cumsum(steps, dtype=np.int64).max())


def _is_multipart(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower().startswith("multipart/")


def _is_form(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded"


def request_problem(scope: Scope, body: bytes | None, content_type: str) -> str | None:
    """Why this request is refused at the edge, or None."""
    path = scope.get("path", "")
    if _CONTROL.search(path.encode("utf-8", "surrogateescape")):
        return "the path contains a control character (e.g. NUL)"
    query = scope.get("query_string", b"")
    if query and _CONTROL.search(unquote_to_bytes(query.replace(b"+", b" "))):
        return "the query contains a control character (e.g. NUL)"
    if body is None:
        return None
    if _is_form(content_type) and _CONTROL.search(unquote_to_bytes(body.replace(b"+", b" "))):
        return "the form contains a control character (e.g. NUL)"
    if not _is_form(content_type):  # JSON, or what a route will try to read as JSON
        if _JSON_NUL.search(body):
            return "the JSON body contains a NUL character (\\u0000)"
        depth = json_depth(body)
        if depth > MAX_JSON_DEPTH:
            return f"the JSON body is nested {depth} levels deep; at most {MAX_JSON_DEPTH}"
    return None


class EdgeMiddleware:
    """Pure ASGI middleware refusing the requests :func:`request_problem` names, with 400 and a
    PACT Error body; JSON and form bodies are read once and handed on unchanged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        content_type = ""
        for name, value in scope.get("headers", []):
            if name == b"content-type":
                content_type = value.decode("latin-1")
        body: bytes | None = None
        if scope.get("method") in ("POST", "PUT", "PATCH") and not _is_multipart(content_type):
            chunks = []
            more = True
            while more:
                message = await receive()
                if message["type"] != "http.request":  # client went away
                    await self.app(scope, _replay([message]), send)
                    return
                chunks.append(message.get("body", b""))
                more = bool(message.get("more_body", False))
            body = b"".join(chunks)
        problem = request_problem(scope, body, content_type)
        if problem is not None:
            await _reply(send, problem)
            return
        if body is None:
            await self.app(scope, receive, send)
        else:
            await self.app(
                scope,
                _replay([{"type": "http.request", "body": body, "more_body": False}], receive),
                send,
            )


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    queue = list(messages)

    async def receive() -> Message:
        if queue:
            return queue.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive


async def _reply(send: Send, message: str) -> None:
    body = json.dumps(error_body("BadRequest", message)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


#: What the edge enforces on every path and query string, as an OpenAPI ``pattern``.
NO_CONTROL_PATTERN = "^[^\\u0000-\\u001f\\u007f]*$"


def declare_edge_constraints(document: dict[str, Any]) -> dict[str, Any]:
    """Add to an OpenAPI document what :class:`EdgeMiddleware` enforces on every operation's
    path and query parameters (no control characters), so a request valid by the document is
    never refused at the edge."""
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") in ("path", "query"):
                    _forbid_controls(parameter.get("schema", {}))
    return document


def _forbid_controls(schema: dict[str, Any]) -> None:
    if schema.get("type") == "string" and "enum" not in schema and "format" not in schema:
        schema.setdefault("pattern", NO_CONTROL_PATTERN)
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            _forbid_controls(sub)
    if isinstance(schema.get("items"), dict):
        _forbid_controls(schema["items"])

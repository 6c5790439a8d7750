"""A local Telegram Bot API stand-in for end-to-end tests and the benchmark (stdlib only).

Serves what python-telegram-bot calls on 127.0.0.1 (getMe, getUpdates with long polling, the send
and edit methods, the command menu, webhook management) and checks every call against the
official method list (standins/data/botapi_subset.json, cut from the Bot API 10.1 spec): the method
exists, required fields are present, no unknown fields, field types, Telegram HTML well formed,
text 1-4,096 characters after entity parsing, callback_data 1-64 bytes. Anything wrong is kept
in `invalid` and answered with 400, as Telegram would.

Faults can be injected per method (`fail("sendMessage", 429, retry_after=1)`, `fail(..., 502)`).

Regenerate the spec subset:  python standins/botapi.py --subset ../shared/botapi/api.json
"""

from __future__ import annotations

import html
import itertools
import json
import re
import socket
import struct
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

SPEC_FILE = Path(__file__).parent / "data" / "botapi_subset.json"
SERVED = (
    "getMe",
    "getUpdates",
    "sendMessage",
    "sendVenue",
    "sendLocation",
    "sendChatAction",
    "answerCallbackQuery",
    "editMessageText",
    "editMessageReplyMarkup",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
    "deleteWebhook",
    "setWebhook",
    "getWebhookInfo",
    "close",
    "logOut",
)
SCALARS = ("Integer", "Float", "String", "Boolean", "True")
HTML_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
    "tg-emoji", "code", "pre", "blockquote", "tg-time",
}  # fmt: skip
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)>")
ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
BOT_USER = {"id": 999000, "is_bot": True, "first_name": "Wijkbot", "username": "wijkbot_test_bot"}


# -- validation ----------------------------------------------------------------------------------


def load_spec(path: Path = SPEC_FILE) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def check_type(value: Any, type_name: str, spec: dict[str, Any], where: str) -> list[str]:
    """Errors of a JSON value against a Bot API type such as 'Array of InlineKeyboardButton'."""
    if type_name.startswith("Array of "):
        if not isinstance(value, list):
            return [f"{where}: expected an array"]
        inner = type_name.removeprefix("Array of ")
        return [
            e
            for i, item in enumerate(value)
            for e in check_type(item, inner, spec, f"{where}[{i}]")
        ]
    if type_name == "Integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif type_name == "Float":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif type_name == "String":
        ok = isinstance(value, str)
    elif type_name in ("Boolean", "True"):
        ok = isinstance(value, bool) and (value or type_name == "Boolean")
    elif type_name == "InputFile":
        ok = isinstance(value, str)
    else:
        return _check_object(value, type_name, spec, where)
    return [] if ok else [f"{where}: expected {type_name}, got {type(value).__name__}"]


def _check_object(value: Any, type_name: str, spec: dict[str, Any], where: str) -> list[str]:
    definition = spec["types"].get(type_name)
    if definition is None:
        return [f"{where}: unknown type {type_name}"]
    if "subtypes" in definition:
        attempts = [check_type(value, sub, spec, where) for sub in definition["subtypes"]]
        return [] if any(not a for a in attempts) else [f"{where}: matches no {type_name}"]
    if not isinstance(value, dict):
        return [f"{where}: expected a {type_name} object"]
    return _check_fields(value, definition.get("fields", []), spec, where, raw=False)


def _check_fields(
    values: dict[str, Any],
    fields: list[dict[str, Any]],
    spec: dict[str, Any],
    where: str,
    *,
    raw: bool,
) -> list[str]:
    errors = []
    known = {f["name"]: f for f in fields}
    for name in values:
        if name not in known and not raw:  # Telegram ignores unknown parameters, see ignored()
            errors.append(f"{where}: unknown field {name}")
    for f in fields:
        if f["name"] not in values:
            if f["required"]:
                errors.append(f"{where}: missing required field {f['name']}")
            continue
        value = values[f["name"]]
        if raw:  # a form parameter: strings as sent, everything else JSON-serialised
            errors += _check_raw(value, f["types"], spec, f"{where}.{f['name']}")
        else:
            attempts = [check_type(value, t, spec, f"{where}.{f['name']}") for t in f["types"]]
            if all(attempts):
                errors += attempts[0]
    return errors


def _check_raw(value: Any, types: list[str], spec: dict[str, Any], where: str) -> list[str]:
    if isinstance(value, str) and "String" in types:
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [f"{where}: not valid JSON for {' or '.join(types)}"]
    attempts = [check_type(value, t, spec, where) for t in types]
    return [] if any(not a for a in attempts) else attempts[0]


def parse_html(text: str) -> tuple[str, list[str]]:
    """The plain text Telegram would show, and what is wrong with the markup."""
    errors: list[str] = []
    stack: list[str] = []
    plain: list[str] = []
    pos = 0
    for match in re.finditer(r"<[^<>]*>|&[^&;\s]*;?|[<>&]", text):
        plain.append(text[pos : match.start()])
        pos = match.end()
        token = match.group(0)
        if token.startswith("&"):
            if ENTITY.fullmatch(token):
                plain.append(html.unescape(token))
            else:
                errors.append(f"bare '&' or unsupported entity {token!r}")
            continue
        tag = TAG.fullmatch(token)
        if tag is None:
            errors.append(f"bare {token!r}")
            continue
        closing, name = tag.group(1), tag.group(2).lower()
        if name not in HTML_TAGS:
            errors.append(f"unsupported tag <{name}>")
        elif closing:
            if not stack or stack[-1] != name:
                errors.append(f"</{name}> does not close the open tag")
            else:
                stack.pop()
        else:
            stack.append(name)
    plain.append(text[pos:])
    if stack:
        errors.append(f"unclosed tags {stack}")
    return "".join(plain), errors


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def ignored(method: str, params: dict[str, Any], spec: dict[str, Any]) -> list[str]:
    """Parameters the method does not have. Telegram ignores them, and python-telegram-bot sends
    some by design (its default parse_mode goes along with sendVenue), so they are not errors."""
    known = {f["name"] for f in spec["methods"].get(method, {}).get("fields", [])}
    return [name for name in params if name not in known]


def check_call(method: str, params: dict[str, Any], spec: dict[str, Any]) -> list[str]:
    """Every way a call could be rejected by Telegram that a bot can get wrong."""
    definition = spec["methods"].get(method)
    if definition is None:
        return [f"{method}: no such method"]
    errors = _check_fields(params, definition.get("fields", []), spec, method, raw=True)
    if errors:
        return errors
    text_field = "text" if method in ("sendMessage", "editMessageText") else None
    if text_field and isinstance(params.get(text_field), str):
        text = params[text_field]
        plain = text
        if params.get("parse_mode") == "HTML":
            plain, html_errors = parse_html(text)
            errors += [f"{method}.text: {e}" for e in html_errors]
        elif params.get("parse_mode") not in (None, ""):
            errors.append(f"{method}: only HTML is checked here, got {params['parse_mode']}")
        size = utf16_len(plain.strip())
        if not 1 <= size <= 4096:
            errors.append(f"{method}.text: {size} characters after entity parsing")
    markup = params.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                errors.append(f"{method}: callback_data of {len(data.encode())} bytes")
    return errors


# -- the server ----------------------------------------------------------------------------------


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int
    errors: list[str] = field(default_factory=list)
    at: float = field(default_factory=time.perf_counter)

    def value(self, name: str) -> Any:
        """A parameter decoded: JSON where it parses (numbers, objects), else the string."""
        raw = self.params.get(name)
        if not isinstance(raw, str):
            return raw
        try:
            return json.loads(raw)
        except ValueError:
            return raw

    @property
    def chat_id(self) -> int | None:
        value = self.value("chat_id")
        return value if isinstance(value, int) else None

    @property
    def plain_text(self) -> str:
        text = self.params.get("text", "")
        return parse_html(text)[0] if self.params.get("parse_mode") == "HTML" else text


class BotApiStandIn:
    """Start with `start()`, point the bot at `base_url`, push updates, read `calls`."""

    def __init__(self, token: str = "123456:TEST", spec: dict[str, Any] | None = None) -> None:
        self.token = token
        self.spec = spec or load_spec()
        self.calls: list[Call] = []
        self.invalid: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.sent: dict[int, dict[str, Any]] = {}  # message_id -> the Message we returned
        self.chats: dict[int, dict[str, Any]] = {}
        self.first_get_updates: float | None = None
        self.confirmed_offset = 0
        self.delivered = 0  # sendMessage calls answered 200, counted without scanning `calls`
        self.record_calls = True
        self._faults: dict[str, deque[tuple[int, int | None]]] = {}
        self._cond = threading.Condition()
        # Like Telegram, ids only grow: a stand-in started later (a bot restart in a test) goes
        # on above the ids of an earlier one, which a durable inbox remembers as answered.
        self._ids = itertools.count(time.time_ns() // 1_000_000 % 2_000_000_000)
        self._message_ids = itertools.count(1000)
        self._stopping = False
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --

    def start(self) -> BotApiStandIn:
        standin = self

        class Handler(_Handler):
            owner = standin

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def ignored_parameters(self) -> set[tuple[str, str]]:
        """(method, parameter) pairs sent that the method does not know (Telegram ignores them)."""
        with self._cond:
            return {
                (c.method, p) for c in self.calls for p in ignored(c.method, c.params, self.spec)
            }

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # -- what tests do --

    def push(self, update: dict[str, Any]) -> int:
        with self._cond:
            update_id = next(self._ids)
            self.updates.append({"update_id": update_id, **update})
            for key in ("message", "edited_message", "channel_post"):
                if key in update:
                    self.chats[update[key]["chat"]["id"]] = update[key]["chat"]
            self._cond.notify_all()
        return update_id

    def fail(
        self,
        method: str,
        status: int | str,
        *,
        retry_after: int | None = None,
        times: int = 1,
        seconds: float = 10.0,
    ):
        """The next `times` calls of `method` get this fault: an HTTP status (429 with
        retry_after, 500, 502, …), "reset" (the connection is cut before anything is done),
        "reset_after" (the call is carried out, then the connection is cut) or "stall" (the call
        is carried out after `seconds`, as a slow Telegram would)."""
        with self._cond:
            queue = self._faults.setdefault(method, deque())
            extra = seconds if status == "stall" else retry_after
            queue.extend([(status, extra)] * times)

    def clear_faults(self) -> None:
        """The faults still queued are dropped: the stand-in answers normally again."""
        with self._cond:
            self._faults.clear()

    def replies(self, chat_id: int | None = None, method: str | None = None) -> list[Call]:
        """Delivered (200) send calls, optionally for one chat or one method."""
        sends = ("sendMessage", "sendVenue", "sendLocation")
        with self._cond:
            return [
                c
                for c in self.calls
                if c.status == 200
                and (c.method == method if method else c.method in sends)
                and (chat_id is None or c.chat_id == chat_id)
            ]

    def updates_confirmed(self, update_id: int) -> bool:
        """True once the bot asked for updates past this one (it has taken it)."""
        with self._cond:
            return self.confirmed_offset > update_id

    def methods(self) -> list[str]:
        with self._cond:
            return [c.method for c in self.calls]

    # -- what the handler thread does --

    def _handle(self, method: str, params: dict[str, Any]) -> tuple[int | str, Any]:
        with self._cond:
            faults = self._faults.get(method)
            fault = faults.popleft() if faults else None
        if fault is not None and fault[0] == "stall":
            time.sleep(float(fault[1] or 0))
            fault = None
        after = fault is not None and fault[0] == "reset_after"
        if fault is not None and not after:
            status, retry_after = fault
            with self._cond:
                self._record(Call(method, params, 0 if status == "reset" else int(status)))
            if status == "reset":
                return "reset", None
            with self._cond:
                if status == 429:
                    wait = retry_after or 1
                    return 429, {
                        "ok": False,
                        "error_code": 429,
                        "description": f"Too Many Requests: retry after {wait}",
                        "parameters": {"retry_after": wait},
                    }
                return int(status), None  # a proxy's HTML error page, not Bot API JSON
        status, payload = self._answer(method, params)
        return ("reset", None) if after else (status, payload)

    def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, Any]:
        """What Telegram would answer, the call carried out."""
        errors = check_call(method, params, self.spec) if method in SERVED else []
        if method not in SERVED:
            errors = [f"{method}: not served by the stand-in"]
        if errors:
            with self._cond:
                call = Call(method, params, 400, errors)
                self._record(call)
                self.invalid.append(call)
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: " + errors[0]}
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        with self._cond:
            result = self._result(method, Call(method, params, 200))
            self._record(Call(method, params, 200))
        return 200, {"ok": True, "result": result}

    def _record(self, call: Call) -> None:
        if call.status == 200 and call.method == "sendMessage":
            self.delivered += 1
        if self.record_calls or call.status != 200 or call.method != "getUpdates":
            self.calls.append(call)

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset", 0) or 0)
        limit = int(params.get("limit", 100) or 100)
        timeout = float(params.get("timeout", 0) or 0)
        deadline = time.monotonic() + timeout
        with self._cond:
            if self.first_get_updates is None:
                self.first_get_updates = time.perf_counter()
            if offset:
                self.confirmed_offset = max(self.confirmed_offset, offset)
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
            while not self.updates and not self._stopping:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            batch = self.updates[:limit]
            self._record(Call("getUpdates", params, 200))
            return batch

    def _result(self, method: str, call: Call) -> Any:
        if method == "getMe":
            return {**BOT_USER, "can_join_groups": True, "can_read_all_group_messages": False,
                    "supports_inline_queries": False}  # fmt: skip
        if method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        if method == "getMyCommands":
            return []
        if method in ("sendMessage", "sendVenue", "sendLocation"):
            return self._message(call)
        if method in ("editMessageText", "editMessageReplyMarkup"):
            message = self.sent.get(int(call.value("message_id") or 0))
            if message is None:
                return True
            message = dict(message)
            message.pop("reply_markup", None)
            if call.value("reply_markup"):
                message["reply_markup"] = call.value("reply_markup")
            if method == "editMessageText":
                message["text"] = call.plain_text
            return message
        return True

    def _message(self, call: Call) -> dict[str, Any]:
        chat_id = call.chat_id or 0
        chat = self.chats.get(chat_id, {"id": chat_id, "type": "private", "first_name": "Inwoner"})
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": BOT_USER,
        }
        if call.method == "sendMessage":
            message["text"] = call.plain_text
            markup = call.value("reply_markup")
            if isinstance(markup, dict) and "inline_keyboard" in markup:
                message["reply_markup"] = markup
        else:
            location = {"latitude": call.value("latitude"), "longitude": call.value("longitude")}
            message["location"] = location
            if call.method == "sendVenue":
                message["venue"] = {
                    "location": location,
                    "title": call.value("title"),
                    "address": call.value("address"),
                }
        self.sent[message["message_id"]] = message
        return message


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up (the bot stopping) is normal here, not worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    owner: BotApiStandIn
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm the second waits for the
    # client's delayed ACK (about 40 ms), a stall of this stand-in that real Telegram does not have.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        prefix = f"/bot{self.owner.token}/"
        if not self.path.startswith(prefix):
            self._send(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        method = self.path[len(prefix) :].split("?", 1)[0]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if "json" in (self.headers.get("Content-Type") or ""):
            params = {
                k: v if isinstance(v, str) else json.dumps(v)
                for k, v in json.loads(body or b"{}").items()
            }
        else:
            params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        status, payload = self.owner._handle(method, params)
        if status == "reset":
            self._reset()
            return
        try:
            self._send(status, payload)
        except (BrokenPipeError, ConnectionResetError):  # the bot gave up waiting (shutdown)
            self.close_connection = True

    def _reset(self) -> None:
        """Cut the connection with a TCP reset, no answer: what a broken proxy does."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def _send(self, status: int, payload: Any) -> None:
        if payload is None:
            data = b"<html><body>Bad Gateway</body></html>"
            content_type = "text/html"
        else:
            data = json.dumps(payload).encode()
            content_type = "application/json"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


# -- updates as Telegram sends them --------------------------------------------------------------

_message_ids = itertools.count(1)


def user(user_id: int, language: str = "nl") -> dict[str, Any]:
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": f"Inwoner{user_id}",
        "language_code": language,
    }


def private_chat(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "type": "private", "first_name": f"Inwoner{user_id}"}


def group_chat(chat_id: int = -100123) -> dict[str, Any]:
    return {"id": chat_id, "type": "supergroup", "title": "Buurtapp Zandweerd"}


def message(
    user_id: int,
    *,
    chat: dict[str, Any] | None = None,
    language: str = "nl",
    **content: Any,
) -> dict[str, Any]:
    return {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": chat or private_chat(user_id),
        "from": user(user_id, language),
        **content,
    }


def text_message(user_id: int, text: str, **kwargs: Any) -> dict[str, Any]:
    """A text message with the entities Telegram would add (commands, @mentions)."""
    entities = []
    if text.startswith("/"):
        entities.append({"type": "bot_command", "offset": 0, "length": len(text.split()[0])})
    for found in re.finditer(r"@\w+", text):
        entities.append({"type": "mention", "offset": utf16_len(text[: found.start()]),
                         "length": utf16_len(found.group(0))})  # fmt: skip
    extra = {"entities": entities} if entities else {}
    return message(user_id, text=text, **extra, **kwargs)


def text_update(user_id: int, text: str, **kwargs: Any) -> dict[str, Any]:
    return {"message": text_message(user_id, text, **kwargs)}


def location_update(user_id: int, lat: float, lon: float) -> dict[str, Any]:
    return {"message": message(user_id, location={"latitude": lat, "longitude": lon})}


def callback_update(
    user_id: int, data: str, from_message: dict[str, Any] | None = None
) -> dict[str, Any]:
    query: dict[str, Any] = {
        "id": str(next(_message_ids)),
        "from": user(user_id),
        "chat_instance": str(user_id),
        "data": data,
    }
    if from_message is not None:
        query["message"] = from_message
    return {"callback_query": query}


def make_subset(full: Path, target: Path = SPEC_FILE) -> None:
    """Cuts the served methods and every type they reach out of the full api.json."""
    spec = json.loads(full.read_text(encoding="utf-8"))
    methods = {m: spec["methods"][m] for m in SERVED}
    types: dict[str, Any] = {}
    todo = [t for m in methods.values() for f in m.get("fields", []) for t in f["types"]]
    while todo:
        name = todo.pop().removeprefix("Array of ").removeprefix("Array of ")
        if name in SCALARS or name in types or name not in spec["types"]:
            continue
        definition = spec["types"][name]
        types[name] = definition
        todo += definition.get("subtypes", [])
        todo += [t for f in definition.get("fields", []) for t in f["types"]]
    subset = {
        "version": spec["version"],
        "source": "PaulSonOfLars/telegram-bot-api-spec api.json, cut by standins/botapi.py",
        "methods": methods,
        "types": types,
    }
    target.write_text(json.dumps(subset, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--subset":
        make_subset(Path(sys.argv[2]))
    else:
        print(__doc__)

"""Local API Gateway (HTTP API, payload 2.0) in front of AWS's own Lambda emulator, from ``template.yaml``.

    python -m infra.emulator --port 3000            # what `make serve` runs: the checkout's code
    python -m infra.emulator --code-dir .aws-sam/build/DigitFunction   # serve the built package

The API Gateway side is this project's (the SAM CLI's `start-api` mishandles binary bodies on HTTP APIs,
aws-sam-cli issue #3110, which is exactly an upload): each request becomes the event an HTTP API sends
(lower-case headers, cookies, raw query string, binary bodies base64-encoded, request context with
request id and stage), and API Gateway's own answers are kept: 404 for no route or a method HTTP APIs do
not route (TRACE, CONNECT...), 413 for a body over 10 MB or an event over Lambda's 6 MB, 500 for a
function error, timeout or malformed answer, 503 past the 30 s integration timeout.

The Lambda side is AWS's: each warm execution environment is an ``aws-lambda-rie`` process running
``awslambdaric`` (infra/rie.py), up to ``--concurrency`` of them; their START / END / REPORT lines and
the function's logs go to this console.
"""

from __future__ import annotations

import argparse
import base64
import json
import queue
import secrets
import signal
import sys
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from infra.rie import ExecutionEnvironment, Invocation, RieUnavailable, check_runtime_client, find_rie
from infra.sam_template import ApiConfig, Route, match_route, read_api

REPO_ROOT = Path(__file__).resolve().parent.parent
HTTP_API_BODY_LIMIT = 10 * 1024 * 1024  # API Gateway HTTP API's own payload limit
PAYLOAD_LIMIT = 6 * 1024 * 1024  # Lambda's synchronous invocation payload (the event)
INTEGRATION_TIMEOUT_S = 30.0  # HTTP API's maximum integration timeout
# HTTP API passes these bodies as text; every other body is base64-encoded.
TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/xml", "+json", "+xml",
              "application/x-www-form-urlencoded")
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
GATEWAY_ANSWERS = {
    400: "Bad Request", 404: "Not Found", 413: "Request Entity Too Large", 500: "Internal Server Error", 503: "Service Unavailable",
}


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str = "127.0.0.1"


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def is_text(content_type: str) -> bool:
    media_type = content_type.split(";")[0].strip().lower()
    return any(media_type.startswith(kind) or media_type.endswith(kind) for kind in TEXT_TYPES)


def to_event(request: HttpRequest, route: Route, path_parameters: dict[str, str], request_id: str) -> dict[str, Any]:
    """The payload 2.0 event HTTP API sends for ``request`` on ``route`` ($default stage)."""
    headers: dict[str, str] = {}
    for name, value in request.headers:  # repeated headers are joined with commas
        headers[name.lower()] = f"{headers[name.lower()]},{value}" if name.lower() in headers else value
    cookies = [c.strip() for c in headers.pop("cookie", "").split(";") if c.strip()]
    query: dict[str, str] = {}
    for name, value in parse_qsl(request.query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    text = is_text(headers.get("content-type", ""))
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0", "routeKey": route.key, "rawPath": request.path, "rawQueryString": request.query,
        "cookies": cookies or None, "headers": headers, "queryStringParameters": query or None,
        "pathParameters": path_parameters or None,
        "requestContext": {
            "accountId": "123456789012", "apiId": "local", "domainName": headers.get("host", "127.0.0.1"),
            "domainPrefix": headers.get("host", "127.0.0.1").split(".")[0],
            "http": {"method": request.method, "path": request.path, "protocol": "HTTP/1.1",
                     "sourceIp": request.source_ip, "userAgent": headers.get("user-agent", "")},
            "requestId": request_id, "routeKey": route.key, "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"), "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": bool(request.body) and not text,
    }
    if request.body:
        event["body"] = request.body.decode("utf-8", "replace") if text else base64.b64encode(request.body).decode()
    return {key: value for key, value in event.items() if value is not None}


def from_result(payload: Any) -> HttpResponse:
    """A payload 2.0 response: ``statusCode``/``headers``/``cookies``/``body``; anything else is a 200 JSON."""
    if not (isinstance(payload, dict) and "statusCode" in payload):
        return HttpResponse(200, [("content-type", "application/json")], json.dumps(payload).encode())
    body = payload.get("body") or ""
    data = base64.b64decode(body) if payload.get("isBase64Encoded") else body.encode()
    headers = [(name, str(value)) for name, value in (payload.get("headers") or {}).items()]
    for name, values in (payload.get("multiValueHeaders") or {}).items():
        headers += [(name, str(value)) for value in values]
    headers += [("set-cookie", cookie) for cookie in payload.get("cookies") or []]
    return HttpResponse(int(payload["statusCode"]), headers, data)


def gateway_answer(status: int) -> HttpResponse:
    """API Gateway's own error body, as it sends it."""
    body = json.dumps({"message": GATEWAY_ANSWERS[status]}, separators=(",", ":")).encode()
    return HttpResponse(status, [("content-type", "application/json")], body)


def gateway_request_id() -> str:
    return base64.b64encode(secrets.token_bytes(10)).decode()  # HTTP API's ids look like "Rvw4Uj-8IAMEVmw="


class Gateway:
    """Routes, CORS, limits and the function's execution environments (up to ``concurrency``, like Lambda
    scaling out: a request that finds every environment busy starts another, up to the limit, then waits)."""

    def __init__(self, api: ApiConfig, *, rie: Path, concurrency: int = 1,
                 integration_timeout_s: float = INTEGRATION_TIMEOUT_S, log: Any = sys.stdout) -> None:
        self.api, self.rie, self.concurrency, self.integration_timeout_s = api, rie, concurrency, integration_timeout_s
        self.log = log
        self._idle: queue.Queue[ExecutionEnvironment] = queue.Queue()
        self._environments: list[ExecutionEnvironment] = []
        self._lock = threading.Lock()

    def handle(self, request: HttpRequest) -> HttpResponse:
        request_id = gateway_request_id()
        response = self._dispatch(request, request_id)
        return replace(response, headers=[*response.headers, ("apigw-requestid", request_id)])

    def _dispatch(self, request: HttpRequest, request_id: str) -> HttpResponse:
        preflight = self._preflight(request)
        if preflight is not None:
            return preflight
        found = match_route(self.api.routes, request.method, request.path)
        if found is None:
            return gateway_answer(404)
        event = to_event(request, *found, request_id)
        if len(json.dumps(event).encode()) > PAYLOAD_LIMIT:  # Lambda refuses the invocation itself
            return gateway_answer(413)
        outcome: list[Any] = []
        call = threading.Thread(target=lambda: outcome.append(self._invoke(event)), daemon=True)
        call.start()
        call.join(self.integration_timeout_s)
        if not outcome:
            return gateway_answer(503)  # the gateway stops waiting; the function runs on
        if not outcome[0].ok:
            self._note(f"gateway: the function failed, 500: {json.dumps(outcome[0].error)[:500]}")
            return gateway_answer(500)
        try:
            return self._with_cors(request, from_result(outcome[0].payload))
        except (ValueError, TypeError, KeyError):  # a malformed answer from the function
            return gateway_answer(500)

    def _invoke(self, event: dict[str, Any]) -> Invocation:
        with self._lock:
            if self._idle.empty() and len(self._environments) < self.concurrency:
                self._environments.append(ExecutionEnvironment(self.api.function, rie=self.rie))
                self._idle.put(self._environments[-1])
        environment = self._idle.get()  # RIE runs one invocation at a time
        try:
            return environment.invoke(event)
        except RieUnavailable as error:
            return Invocation(error={"errorType": "Runtime.EmulatorUnavailable", "errorMessage": str(error)})
        finally:
            self._idle.put(environment)

    def _note(self, text: str) -> None:
        self.log.write(text + "\n")
        self.log.flush()

    def _allowed_origin(self, origin: str | None) -> str | None:
        origins = (self.api.cors or {}).get("AllowOrigins") or []
        origins = origins.split(",") if isinstance(origins, str) else origins
        if origin is None or not origins:
            return None
        return "*" if "*" in origins else (origin if origin in origins else None)

    def _preflight(self, request: HttpRequest) -> HttpResponse | None:
        """HTTP API answers CORS preflights itself when CORS is configured, without calling the function."""
        headers = {name.lower(): value for name, value in request.headers}
        if not self.api.cors or request.method != "OPTIONS" or "access-control-request-method" not in headers:
            return None
        allowed = self._allowed_origin(headers.get("origin"))
        if allowed is None:
            return HttpResponse(204, [], b"")
        cors = self.api.cors
        return HttpResponse(204, [
            ("access-control-allow-origin", allowed),
            ("access-control-allow-methods", ",".join(cors.get("AllowMethods") or ["*"])),
            ("access-control-allow-headers", ",".join(cors.get("AllowHeaders") or [])),
            ("access-control-max-age", str(cors.get("MaxAge", 0))),
        ], b"")

    def _with_cors(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        origin = next((value for name, value in request.headers if name.lower() == "origin"), None)
        allowed = self._allowed_origin(origin)
        if allowed is None:
            return response
        extra = [("access-control-allow-origin", allowed)]
        if expose := (self.api.cors or {}).get("ExposeHeaders"):
            extra.append(("access-control-expose-headers", ",".join(expose)))
        return replace(response, headers=[*response.headers, *extra])

    def stop(self) -> None:
        for environment in self._environments:
            environment.stop()


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as browsers expect
    server: _Server

    def _handle(self) -> None:
        length_text = self.headers.get("content-length") or "0"
        length = int(length_text) if length_text.isdigit() else -1
        if not 0 <= length <= HTTP_API_BODY_LIMIT:
            self.close_connection = True  # the body is not read at all
            self._send_gateway_answer(413 if length > 0 else 400)
            return
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        request = HttpRequest(self.command, path, query, list(self.headers.items()), body, self.client_address[0])
        self._send(self.server.gateway.handle(request))

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _handle

    def __getattr__(self, name: str) -> Any:
        # http.server looks up do_<METHOD> and answers a missing one with its HTML 501 page. HTTP APIs
        # route only the methods above (ANY included); their docs are silent on others (TRACE, CONNECT,
        # made-up ones): the answer is the gateway's own no-route one, 404 {"message":"Not Found"}.
        if name.startswith("do_"):
            return self._unrouted
        raise AttributeError(name)

    def _unrouted(self) -> None:
        self.close_connection = True  # a body, if any, is not read
        self._send_gateway_answer(404)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Malformed requests (bad request line, header too long...) get JSON too, never an HTML page."""
        self.close_connection = True
        self.request_version = "HTTP/1.1"  # a request line that did not parse leaves 0.9 (no status line at all)
        self._send_gateway_answer(code if code in GATEWAY_ANSWERS else 400)

    def _send_gateway_answer(self, status: int) -> None:
        answer = gateway_answer(status)
        self._send(replace(answer, headers=[*answer.headers, ("apigw-requestid", gateway_request_id())]))

    def _send(self, response: HttpResponse) -> None:
        self.send_response_only(response.status)
        self.send_header("date", formatdate(usegmt=True))
        for name, value in response.headers:
            if name.lower() not in {"content-length", "connection", "transfer-encoding", "date"}:
                self.send_header(name, value)
        self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        if getattr(self, "command", None) != "HEAD":
            self.wfile.write(response.body)
        self.log_request(response.status, len(response.body))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    gateway: Gateway


def _pairs(values: list[str]) -> dict[str, str]:
    return dict(value.split("=", 1) for value in values)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Serve template.yaml's HTTP API + Lambda locally, without Docker.")
    parser.add_argument("--template", type=Path, default=REPO_ROOT / "template.yaml")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--code-dir", type=Path, help="serve this package (e.g. .aws-sam/build/DigitFunction; "
                        "default: the template's CodeUri, the checkout itself: edit, restart, no build)")
    parser.add_argument("--parameter-overrides", nargs="*", default=[], metavar="NAME=VALUE")
    parser.add_argument("--env", nargs="*", default=[], metavar="NAME=VALUE", help="extra environment variables")
    parser.add_argument("--timeout", type=float, help="override the function's timeout (seconds)")
    parser.add_argument("--integration-timeout", type=float, default=INTEGRATION_TIMEOUT_S)
    parser.add_argument("--concurrency", type=int, default=1,
                        help="execution environments (RIE processes) at most; Lambda scales out, one call each")
    return parser.parse_args(argv)


def build_api(args: argparse.Namespace) -> ApiConfig:
    api = read_api(args.template.resolve(), _pairs(args.parameter_overrides))
    function = replace(
        api.function,
        code_dir=args.code_dir.resolve() if args.code_dir else api.function.code_dir,
        environment={**api.function.environment, **_pairs(args.env)},
        timeout_s=args.timeout or api.function.timeout_s,
    )
    return replace(api, function=function)


def _stop_on_signal(*_: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    api = build_api(args)
    try:
        rie = find_rie()
        check_runtime_client()
    except RieUnavailable as error:
        raise SystemExit(f"emulator: {error}") from None
    server = _Server((args.host, args.port), _RequestHandler)
    server.gateway = Gateway(api, rie=rie, concurrency=args.concurrency, integration_timeout_s=args.integration_timeout)
    function = api.function
    print(f"{function.logical_id} ({function.handler}, {function.memory_mb} MB, {function.timeout_s:g} s) from "
          f"{function.code_dir}\nLambda: {rie} + awslambdaric, up to {args.concurrency} execution environment(s)\n"
          f"routes: {', '.join(route.key for route in api.routes)}\n"
          f"serving http://{args.host}:{server.server_port} (Ctrl+C to stop)", flush=True)
    signal.signal(signal.SIGTERM, _stop_on_signal)  # `kill` stops the RIE processes too, as Ctrl+C does
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.gateway.stop()


if __name__ == "__main__":
    main()

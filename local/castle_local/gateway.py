"""The local API Gateway: HTTP + WebSocket on 127.0.0.1, routing exactly as template.yaml's events say.

- REST: each `Type: Api` event (path with {params} or {proxy+}, method, authorizer) becomes a route;
  requests become API Gateway REST proxy (v1) events, and Cognito-authorized routes verify the JWT
  (RS256, against the user pool's JWKS URL) and pass its claims in requestContext.authorizer.claims.
- WebSocket: $connect / $disconnect / route-selected messages go to the functions the template's
  AWS::ApiGatewayV2 routes integrate; the management API (POST/GET/DELETE /@connections/{id}) is
  served here too, so handlers' apigatewaymanagementapi calls reach the browser.
- `/` serves the static trading UI (web/); `/v1/auth/*` is a small Cognito proxy for the UI;
  `/_castle/status` describes the running stack.
"""

from __future__ import annotations

import asyncio
import base64
import json
import mimetypes
import re
import secrets
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from aiohttp import WSMsgType, web

from castle_local.containers import (
    INTEGRATION_TIMEOUT_S,
    Containers,
    InProcessContainers,
    IntegrationTimeoutError,
    InvocationError,
)
from castle_local.lambda_router import LambdaRouter, error_payload
from castle_local.template import ApiRoute, Template, WebSocketRoute

WS_PATHS = ("/ws", "/stream")


@dataclass
class CompiledRoute:
    route: ApiRoute
    pattern: re.Pattern[str]
    params: list[str]

    @property
    def specificity(self) -> tuple[int, int, int]:
        greedy = any(p.endswith("+") for p in re.findall(r"\{([^}]+)\}", self.route.path))
        return (int(greedy), len(self.params), -len(self.route.path))


def compile_route(route: ApiRoute) -> CompiledRoute:
    params: list[str] = []
    pattern = ""
    for part in route.path.strip("/").split("/"):
        found = re.fullmatch(r"\{([^}]+)\}", part)
        if found is None:
            pattern += "/" + re.escape(part)
            continue
        name = found.group(1)
        greedy = name.endswith("+")
        name = name.rstrip("+")
        params.append(name)
        pattern += f"/(?P<{_group(name)}>" + (".+" if greedy else "[^/]+") + ")"
    return CompiledRoute(route, re.compile("^" + (pattern or "/") + "/?$", re.DOTALL), params)


def _group(name: str) -> str:
    return re.sub(r"\W", "_", name)


class JwtVerifier:
    """Verifies Cognito tokens like API Gateway's Cognito authorizer (signature, expiry, issuer)."""

    def __init__(self, jwks_url: str, issuer: str) -> None:
        self.issuer = issuer
        self._client = jwt.PyJWKClient(jwks_url, cache_keys=True)

    def claims(self, token: str) -> dict[str, Any]:
        key = self._client.get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token, key.key, algorithms=["RS256"], issuer=self.issuer, options={"verify_aud": False}
        )
        return claims


@dataclass
class Connection:
    connection_id: str
    socket: web.WebSocketResponse
    connected_at_ms: int
    source_ip: str
    last_active_ms: int = 0


@dataclass
class GatewayStats:
    requests: int = 0
    ws_messages_out: int = 0
    started_at: float = field(default_factory=time.time)


class Gateway:
    def __init__(
        self,
        template: Template,
        router: LambdaRouter,
        *,
        web_root: Path,
        stage: str,
        status: Callable[[], dict[str, Any]] | None = None,
        workers: int = 8,
    ) -> None:
        self.template = template
        self.router = router
        self.web_root = web_root
        self.stage = stage
        self.status = status or dict
        self.routes = sorted((compile_route(r) for r in template.api_routes()), key=lambda r: r.specificity)
        self.ws_routes: dict[str, WebSocketRoute] = {r.route_key: r for r in template.websocket_routes()}
        self.ws_route_selection = self._route_selection_expression()
        self.connections: dict[str, Connection] = {}
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lambda")
        # Where REST invocations run: worker processes (stack.py), else here one at a time.
        self.containers: Containers = InProcessContainers(router, self.pool)
        self.stats = GatewayStats()
        self._verifiers: dict[str, JwtVerifier] = {}
        self.host = "127.0.0.1:8080"
        self.seed: Callable[[], Any] | None = None
        self.auth_proxy: Callable[[str, dict[str, Any]], Awaitable[tuple[int, dict[str, Any]]]] | None = None

    def _route_selection_expression(self) -> str:
        for api in self.template.of_type("AWS::ApiGatewayV2::Api"):
            if api.properties.get("ProtocolType") == "WEBSOCKET":
                return str(api.properties.get("RouteSelectionExpression", "$request.body.action"))
        return "$request.body.action"

    # ---- app ----------------------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(client_max_size=6 * 1024 * 1024)
        app.router.add_route("*", "/_castle/status", self._status)
        app.router.add_route("POST", "/_castle/seed", self._seed)
        app.router.add_route("*", "/{stage_prefix:[^/@]*/?}@connections/{connection_id}", self._management)
        # [\s\S], not `.`: a decoded path may hold a newline (%0A), routed like any other character.
        app.router.add_route("*", r"/{tail:[\s\S]*}", self._dispatch)
        app.on_shutdown.append(self._close_sockets)
        return app

    async def _status(self, _: web.Request) -> web.Response:
        body = {
            "stage": self.stage,
            "routes": [f"{r.route.method} {r.route.path} -> {r.route.function_id}" for r in self.routes],
            "websocket_routes": sorted(self.ws_routes),
            "connections": len(self.connections),
            "requests": self.stats.requests,
            "invocations": {k: v.invocations for k, v in self.router.stats.items()},
            **self.status(),
        }
        return web.json_response(body)

    async def _seed(self, _: web.Request) -> web.Response:
        if self.seed is None:
            return _json_error(404, "Seeding is not available.", code=-1000)
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self.pool, self.seed)
        except Exception as exc:  # report the reason to `castle seed`
            return _json_error(500, f"{type(exc).__name__}: {exc}", code=-1000)
        return web.json_response({"seeded": True})

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if request.headers.get("Upgrade", "").lower() == "websocket" and (
            path in WS_PATHS or path.startswith(tuple(p + "/" for p in WS_PATHS))
        ):
            return await self._websocket(request)
        if (
            path.startswith("/v1/auth/")
            and self.auth_proxy is not None
            and not self._match(path, request.method)
        ):
            payload = await request.json() if request.can_read_body else {}
            status, body = await self.auth_proxy(path.removeprefix("/v1/auth/"), payload)
            return web.json_response(body, status=status)
        matched = self._match(path, request.method)
        if matched is not None:
            compiled, params = matched
            return await self._invoke_rest(request, compiled, params)
        if request.method in ("GET", "HEAD"):
            static = self._static_file(path)
            if static is not None:
                return static
        if any(c.pattern.match(path) for c in self.routes):
            return _json_error(405, "Method not allowed.", code=-1000)
        return _json_error(404, "Unknown endpoint.", code=-1000)

    def _match(self, path: str, method: str) -> tuple[CompiledRoute, dict[str, str]] | None:
        for compiled in self.routes:
            if compiled.route.method not in ("ANY", method):
                continue
            found = compiled.pattern.match(path)
            if found:
                params = {name: found.group(_group(name)) for name in compiled.params}
                return compiled, params
        return None

    def _static_file(self, path: str) -> web.StreamResponse | None:
        relative = path.lstrip("/") or "index.html"
        target = (self.web_root / relative).resolve()
        if not target.is_relative_to(self.web_root.resolve()):
            return None
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            return None
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        return web.FileResponse(target, headers={"Content-Type": content_type, "Cache-Control": "no-cache"})

    # ---- REST -----------------------------------------------------------------------------------------
    async def _invoke_rest(
        self, request: web.Request, compiled: CompiledRoute, params: dict[str, str]
    ) -> web.StreamResponse:
        self.stats.requests += 1
        route = compiled.route
        claims: dict[str, Any] | None = None
        if route.authorizer.kind == "unsupported":
            # Never serve a protected route unprotected: only Cognito authorizers exist locally.
            return web.json_response(
                {"message": f"Authorizer {route.authorizer.name} is not emulated"}, status=501
            )
        if route.authorizer.kind == "cognito":
            claims = self._authorize(request, route)
            if claims is None:
                return web.json_response({"message": "Unauthorized"}, status=401)
        event = await self.rest_event(request, route, params, claims)
        deadline = time.time() + INTEGRATION_TIMEOUT_S
        try:
            result = await asyncio.wrap_future(self.containers.submit(route.function_id, event, deadline))
        except IntegrationTimeoutError:
            return web.json_response({"message": "Endpoint request timed out"}, status=504)
        except Exception as exc:  # an unhandled exception in the handler is a 502, as on AWS
            payload = exc.payload if isinstance(exc, InvocationError) else error_payload(exc)
            print(
                f"castle: {route.function_id} raised {payload['errorType']}: {payload['errorMessage']}",
                file=sys.__stderr__,
                flush=True,
            )
            return web.json_response({"message": "Internal server error"}, status=502)
        return _proxy_response(result)

    def _authorize(self, request: web.Request, route: ApiRoute) -> dict[str, Any] | None:
        token = request.headers.get("Authorization", "")
        token = token.removeprefix("Bearer ").strip()
        if not token:
            return None
        pool = route.authorizer.user_pool_id
        verifier = self._verifiers.get(pool)
        if verifier is None:
            attrs = self.template.physical.get(pool)
            if attrs is None:
                return None
            verifier = JwtVerifier(attrs["JwksUrl"], attrs["ProviderURL"])
            self._verifiers[pool] = verifier
        try:
            return verifier.claims(token)
        except jwt.PyJWTError:
            return None

    async def rest_event(
        self, request: web.Request, route: ApiRoute, params: dict[str, str], claims: dict[str, Any] | None
    ) -> dict[str, Any]:
        raw = await request.read()
        # A text body that is not UTF-8 reaches the function with replacement characters (its own
        # parser then refuses it with a 400), never as a gateway crash.
        text = raw.decode(errors="replace")
        text_types = ("json", "text", "x-www-form-urlencoded", "xml")
        is_text = not raw or any(t in request.headers.get("Content-Type", "text") for t in text_types)
        multi_headers: dict[str, list[str]] = {}
        for name, value in request.headers.items():
            multi_headers.setdefault(name, []).append(value)
        multi_query: dict[str, list[str]] = {}
        for name, value in request.query.items():
            multi_query.setdefault(name, []).append(value)
        now = time.time()
        request_id = str(uuid.uuid4())
        context: dict[str, Any] = {
            "resourceId": "local",
            "resourcePath": route.path,
            "httpMethod": request.method,
            "extendedRequestId": request_id,
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "path": f"/{self.stage}{request.path}",
            "accountId": "123456789012",
            "protocol": f"HTTP/{request.version.major}.{request.version.minor}",
            "stage": self.stage,
            "domainPrefix": "local",
            "requestTimeEpoch": int(now * 1000),
            "requestId": request_id,
            "identity": {
                "sourceIp": request.remote or "127.0.0.1",
                "userAgent": request.headers.get("User-Agent"),
                "accountId": None,
                "caller": None,
                "user": None,
                "userArn": None,
                "cognitoIdentityId": None,
                "cognitoIdentityPoolId": None,
                "apiKey": None,
                "accessKey": None,
            },
            "domainName": self.host,
            "apiId": "local",
        }
        if claims is not None:
            context["authorizer"] = {"claims": {k: _claim_text(v) for k, v in claims.items()}}
        return {
            "resource": route.path,
            "path": request.path,
            "httpMethod": request.method,
            "headers": {k: v[-1] for k, v in multi_headers.items()} or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": params or None,
            "stageVariables": None,
            "requestContext": context,
            "body": (text if is_text else base64.b64encode(raw).decode()) if raw else None,
            "isBase64Encoded": bool(raw) and not is_text,
            # Not in API Gateway's v1 events: the exact query as sent, which Binance signatures cover
            # (castle.auth.http_request prefers it when present, else rebuilds candidates).
            "rawQueryString": request.rel_url.raw_query_string,  # still percent-encoded, as signed
        }

    # ---- WebSocket ----------------------------------------------------------------------------------
    def ws_event(
        self,
        conn: Connection,
        route_key: str,
        event_type: str,
        request: web.Request | None,
        body: str | None = None,
    ) -> dict[str, Any]:
        now_ms = int(time.time() * 1000)
        context: dict[str, Any] = {
            "routeKey": route_key,
            "eventType": event_type,
            "extendedRequestId": str(uuid.uuid4()),
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "messageDirection": "IN",
            "stage": self.stage,
            "connectedAt": conn.connected_at_ms,
            "requestTimeEpoch": now_ms,
            "identity": {"sourceIp": conn.source_ip},
            "requestId": str(uuid.uuid4()),
            "domainName": self.host,
            "connectionId": conn.connection_id,
            "apiId": "local",
        }
        event: dict[str, Any] = {"requestContext": context, "isBase64Encoded": False}
        if event_type == "MESSAGE":
            context["messageId"] = str(uuid.uuid4())
            event["body"] = body
        if event_type == "DISCONNECT":
            context["disconnectStatusCode"] = 1000
        if request is not None:
            multi_headers: dict[str, list[str]] = {}
            for name, value in request.headers.items():
                multi_headers.setdefault(name, []).append(value)
            event["headers"] = {k: v[-1] for k, v in multi_headers.items()}
            event["multiValueHeaders"] = multi_headers
            query = dict(request.query)
            # Binance-style paths (/ws/btcusdt@trade, /stream?streams=...) travel as query parameters.
            tail = request.path.split("/", 2)[2] if request.path.count("/") >= 2 else ""
            if tail and "streams" not in query:
                query["streams"] = tail
            if query:
                event["queryStringParameters"] = query
                event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()}
        return event

    async def _call_ws(self, route_key: str, event: dict[str, Any]) -> Any:
        route = self.ws_routes.get(route_key)
        if route is None:
            return {"statusCode": 200}
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.pool, self.router.invoke, route.function_id, event)
        except Exception as exc:
            print(
                f"castle: websocket {route_key} raised {type(exc).__name__}: {exc}",
                file=sys.__stderr__,
                flush=True,
            )
            return {"statusCode": 500}

    def select_route(self, body: str) -> str:
        expression = self.ws_route_selection
        if expression.startswith("$request.body."):
            try:
                value: Any = json.loads(body)
                for key in expression.removeprefix("$request.body.").split("."):
                    value = value.get(key) if isinstance(value, dict) else None
            except ValueError:
                value = None
            if isinstance(value, str) and value in self.ws_routes:
                return value
        return "$default"

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        conn = Connection(
            connection_id=secrets.token_urlsafe(12).replace("-", "A").replace("_", "B"),
            socket=web.WebSocketResponse(heartbeat=30),
            connected_at_ms=int(time.time() * 1000),
            source_ip=request.remote or "127.0.0.1",
        )
        self.connections[conn.connection_id] = conn
        result = await self._call_ws("$connect", self.ws_event(conn, "$connect", "CONNECT", request))
        if isinstance(result, dict) and int(result.get("statusCode", 200)) >= 300:
            self.connections.pop(conn.connection_id, None)
            return web.Response(status=int(result["statusCode"]), text=str(result.get("body", "")))
        await conn.socket.prepare(request)
        try:
            async for message in conn.socket:
                if message.type != WSMsgType.TEXT:
                    continue
                route_key = self.select_route(message.data)
                reply = await self._call_ws(
                    route_key, self.ws_event(conn, route_key, "MESSAGE", None, message.data)
                )
                if isinstance(reply, dict) and reply.get("body") and not conn.socket.closed:
                    await conn.socket.send_str(str(reply["body"]))
        finally:
            self.connections.pop(conn.connection_id, None)
            await self._call_ws("$disconnect", self.ws_event(conn, "$disconnect", "DISCONNECT", None))
        return conn.socket

    async def _management(self, request: web.Request) -> web.Response:
        """apigatewaymanagementapi: PostToConnection, GetConnection, DeleteConnection."""
        connection_id = request.match_info["connection_id"]
        conn = self.connections.get(connection_id)
        if conn is None or conn.socket.closed:
            return web.json_response(
                {"message": f"Connection {connection_id} is gone"},
                status=410,
                headers={"x-amzn-ErrorType": "GoneException"},
            )
        if request.method == "POST":
            data = await request.read()
            await conn.socket.send_str(data.decode())
            self.stats.ws_messages_out += 1
            conn.last_active_ms = int(time.time() * 1000)
            return web.Response(status=200)
        if request.method == "DELETE":
            await conn.socket.close()
            return web.Response(status=204)
        return web.json_response(
            {
                "connectedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(conn.connected_at_ms / 1000)),
                "identity": {"sourceIp": conn.source_ip},
                "lastActiveAt": time.strftime(
                    "%Y-%m-%dT%H:%M:%SZ", time.gmtime((conn.last_active_ms or conn.connected_at_ms) / 1000)
                ),
            }
        )

    async def _close_sockets(self, _: web.Application) -> None:
        for conn in list(self.connections.values()):
            await conn.socket.close()


def _claim_text(value: Any) -> str:
    if isinstance(value, list):
        return "[" + " ".join(str(v) for v in value) + "]"
    return str(value)


def _json_error(status: int, message: str, *, code: int) -> web.Response:
    return web.json_response({"code": code, "msg": message}, status=status)


def _proxy_response(result: Any) -> web.Response:
    """API Gateway's handling of a Lambda proxy integration's answer."""
    if not isinstance(result, dict) or "statusCode" not in result:
        return web.json_response({"message": "Internal server error"}, status=502)
    headers: dict[str, str] = {}
    response = web.Response(status=int(result["statusCode"]))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        for value in values:
            response.headers.add(name, str(value))
    for name, value in (result.get("headers") or {}).items():
        headers[name] = str(value)
    response.headers.update(headers)
    body = result.get("body")
    if body is not None:
        response.body = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    if "Content-Type" not in response.headers and "content-type" not in response.headers:
        response.headers["Content-Type"] = "application/json"
    return response

"""The server's HTTP edges: bearer-token auth, request size limits and the mapping of every error to a
JSON ``{"error": {"type", "message"}}`` body with the status its ``BriefingError`` class names."""

import hmac
import logging
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.config import Settings
from assistant.errors import AuthError, BriefingError, TooLargeError
from assistant.protocol import API, UPLOAD_PATH, ErrorBody, ErrorInfo

log = logging.getLogger(__name__)

_MULTIPART_SLACK = 64 * 1024  # form boundaries and headers around the uploaded bytes
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text}
    for code, text in [
        (400, "Bad request (e.g. a body that is not JSON)"),
        (401, "Missing or wrong bearer token"),
        (413, "Request too large"),
        (422, "Invalid request (validation error, question too long, bad date)"),
        (503, "The index cannot be reached"),
    ]
}
"""The error responses every API route documents in the OpenAPI spec."""


def bearer_check(settings: Settings) -> Callable[..., None]:
    """A dependency that requires ``Authorization: Bearer <api_token>`` when a token is set."""
    token = settings.api_token.get_secret_value().encode() if settings.api_token else None
    scheme = HTTPBearer(auto_error=False, description="BRIEFING_API_TOKEN (required when the server has one)")

    def check(creds: Annotated[HTTPAuthorizationCredentials | None, Depends(scheme)]) -> None:
        if token is None:
            return
        if creds is None:
            raise AuthError("this server requires a token: send 'Authorization: Bearer <BRIEFING_API_TOKEN>'")
        if not hmac.compare_digest(creds.credentials.encode(), token):
            raise AuthError("wrong bearer token: use the server's BRIEFING_API_TOKEN")

    return check


def body_limits(settings: Settings) -> Callable[[str], int | None]:
    upload = int(settings.max_file_mb * 1024 * 1024) + _MULTIPART_SLACK
    body = settings.max_request_kb * 1024

    def limit_for(path: str) -> int | None:
        if path == UPLOAD_PATH:
            return upload
        return body if path.startswith(API) else None  # the UI's own routes keep Gradio's limits

    return limit_for


class BodyLimit:
    """ASGI middleware: a request body over its path's limit gets 413 with a JSON error body,
    before or while it is read."""

    def __init__(self, app: Any, limit_for: Callable[[str], int | None]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        limit = self.limit_for(scope["path"]) if scope["type"] == "http" else None
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(scope["path"], limit, int(declared))(scope, receive, send)
            return
        seen = 0

        async def limited() -> Any:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise StarletteHTTPException(413, _too_large_message(scope["path"], limit, None))
            return message

        await self.app(scope, limited, send)


def _too_large_message(path: str, limit: int, size: int | None) -> str:
    what = "upload" if path == UPLOAD_PATH else "request body"
    setting = "BRIEFING_MAX_FILE_MB" if path == UPLOAD_PATH else "BRIEFING_MAX_REQUEST_KB"
    got = f" ({size / 1024:.0f} KB)" if size is not None else ""
    return f"{what} too large{got}: the limit is {limit // 1024} KB ({setting}); send less per request"


def _too_large(path: str, limit: int, size: int | None) -> JSONResponse:
    return _json_error(TooLargeError(_too_large_message(path, limit, size)))


def error_info(exc: BriefingError) -> ErrorInfo:
    return ErrorInfo(type=type(exc).__name__, message=str(exc))


def unexpected_error(exc: Exception) -> ErrorInfo:
    return ErrorInfo(type="InternalError", message=f"unexpected {type(exc).__name__} (see the server log)")


def _json_error(exc: BriefingError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, AuthError) else None
    return JSONResponse(ErrorBody(error=error_info(exc)).model_dump(), exc.http_status, headers=headers)


_HTTP_TYPES = {400: "BadRequest", 404: "NotFoundError", 405: "MethodNotAllowed", 413: "TooLargeError"}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(BriefingError)
    async def briefing_error(request: Request, exc: BriefingError) -> JSONResponse:
        return _json_error(exc)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            ctx = next((e.get("ctx") or {} for e in errors if e.get("type") == "json_invalid"), {})
            info = ErrorInfo(type="BadRequest", message=f"the body is not valid JSON: {ctx.get('error', '')}")
            return JSONResponse(ErrorBody(error=info).model_dump(), 400)
        shown = "; ".join(f"{_loc(e.get('loc', ()))}: {e.get('msg', '')}" for e in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        info = ErrorInfo(type="InputError", message=f"invalid request: {shown}{more}")
        return JSONResponse(ErrorBody(error=info).model_dump(), 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        info = ErrorInfo(
            type=_HTTP_TYPES.get(exc.status_code, f"HTTP{exc.status_code}"), message=str(exc.detail)
        )
        return JSONResponse(ErrorBody(error=info).model_dump(), exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error in %s %s", request.method, request.url.path)
        return JSONResponse(ErrorBody(error=unexpected_error(exc)).model_dump(), 500)


def _loc(loc: Any) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"

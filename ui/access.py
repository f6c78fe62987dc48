"""Who may reach the workspace: loopback by default, other addresses only with credentials.

Kept free of Gradio so that ``briefing ui --host 0.0.0.0`` refuses at once.
"""

from __future__ import annotations

from assistant import Briefing
from assistant.config import is_loopback
from assistant.errors import ConfigError

__all__ = ["check_bind", "credentials", "is_loopback"]


def credentials(briefing: Briefing) -> tuple[str, str] | None:
    """``ui_auth`` ("user:password") as Gradio's ``auth`` pair; ``ConfigError`` when malformed."""
    secret = briefing.settings.ui_auth
    if secret is None:
        return None
    user, sep, password = secret.get_secret_value().partition(":")
    if not (sep and user and password):
        raise ConfigError("BRIEFING_UI_AUTH must be 'user:password' with both parts non-empty")
    return user, password


def check_bind(briefing: Briefing, host: str) -> tuple[str, str] | None:
    """The credentials to ask for on ``host``; ``ConfigError`` off loopback without any."""
    auth = credentials(briefing)
    if not is_loopback(host) and auth is None:
        raise ConfigError(
            f"refusing to serve the workspace on {host} without credentials: set BRIEFING_UI_AUTH=user:password "
            "(or bind 127.0.0.1)"
        )
    return auth

"""Email settings for Django, from the workspace's gpqi.toml `[email]` section with environment
variables taking precedence (GPQI_EMAIL_HOST, GPQI_EMAIL_PORT, GPQI_EMAIL_HOST_USER,
GPQI_EMAIL_HOST_PASSWORD, GPQI_EMAIL_USE_TLS, GPQI_EMAIL_USE_SSL, GPQI_EMAIL_FROM,
GPQI_EMAIL_TIMEOUT). The password is read from the environment only, never from a file that
might be copied or committed. A malformed gpqi.toml is reported when the workspace is opened,
not here (settings must load for the error page to work)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from gpqi.workspace import CONFIG_FILE, EmailSection, WorkspaceError, load_config


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def django_email_settings(workspace: Path) -> dict[str, Any]:
    section = EmailSection()
    path = Path(workspace) / CONFIG_FILE
    if path.exists():
        with contextlib.suppress(WorkspaceError):
            section = load_config(path).email
    env = os.environ
    return {
        "EMAIL_BACKEND": env.get("GPQI_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"),
        "EMAIL_HOST": env.get("GPQI_EMAIL_HOST", section.host),
        "EMAIL_PORT": int(env.get("GPQI_EMAIL_PORT", section.port)),
        "EMAIL_HOST_USER": env.get("GPQI_EMAIL_HOST_USER", section.username),
        "EMAIL_HOST_PASSWORD": env.get("GPQI_EMAIL_HOST_PASSWORD", ""),
        "EMAIL_USE_TLS": _flag(env["GPQI_EMAIL_USE_TLS"]) if "GPQI_EMAIL_USE_TLS" in env else section.use_tls,
        "EMAIL_USE_SSL": _flag(env["GPQI_EMAIL_USE_SSL"]) if "GPQI_EMAIL_USE_SSL" in env else section.use_ssl,
        "EMAIL_TIMEOUT": int(env.get("GPQI_EMAIL_TIMEOUT", section.timeout)),
        "DEFAULT_FROM_EMAIL": env.get("GPQI_EMAIL_FROM", section.from_address),
    }

"""Settings read once from the environment, with defaults that are safe for the demo."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE = ROOT / "var" / "doolae.sqlite"
DEMO_SECRET = "demo-secret-change-me-in-production-0123456789"


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{DEFAULT_SQLITE}"
    redis_url: str = "redis://127.0.0.1:6379/0"
    secret_key: str = DEMO_SECRET
    # Production turns on Secure cookies and refuses the demo secret.
    production: bool = False
    public_base_url: str = "http://127.0.0.1:8000"
    client_ip_header: str | None = None  # e.g. Fly-Client-IP behind Fly's proxy
    session_days: int = 30
    sign_in_code_minutes: int = 30
    # Failed sign-ins tolerated per window before a 429.
    sign_in_limit_per_account: int = 5
    sign_in_limit_per_address: int = 30
    sign_in_window_minutes: int = 15

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        defaults = cls()
        settings = cls(
            database_url=env.get("DATABASE_URL", defaults.database_url),
            redis_url=env.get("REDIS_URL", defaults.redis_url),
            secret_key=env.get("SECRET_KEY", defaults.secret_key),
            production=env.get("DOOLAE_ENV", "demo") == "production",
            public_base_url=env.get("PUBLIC_BASE_URL", defaults.public_base_url).rstrip("/"),
            client_ip_header=env.get("CLIENT_IP_HEADER") or None,
        )
        if settings.production and settings.secret_key == DEMO_SECRET:
            raise RuntimeError("SECRET_KEY must be set in production")
        return settings

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://"))

    @property
    def sqlite_path(self) -> Path:
        return Path(self.database_url.removeprefix("sqlite:///"))

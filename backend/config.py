"""Settings read once from the environment, with defaults that are safe for the demo."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE = ROOT / "var" / "doolae.sqlite"
DEMO_SECRET = "demo-secret-change-me-in-production-0123456789"


def quiet_hours(text: str) -> dict:
    """QUIET_HOURS="21-7" (school time) or "off"."""
    if text.strip().lower() == "off":
        return {"quiet_from_hour": None, "quiet_until_hour": None}
    start, end = (int(part) for part in text.split("-"))
    return {"quiet_from_hour": start, "quiet_until_hour": end}


def push_fallback(text: str) -> tuple[tuple[str, float], ...]:
    """PUSH_FALLBACK="absent=120,rule_serious=120": minutes a push of each kind may stay unopened before one SMS
    stands in for it; "off" for none."""
    if text.strip().lower() in ("", "off"):
        return ()
    pairs = (part.split("=", 1) for part in text.split(",") if part.strip())
    return tuple((kind.strip(), float(minutes)) for kind, minutes in pairs)


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
    # Codes given in bulk (printed slips that go home with the child, SMS to a classroom) wait for the parent longer.
    invite_code_days: int = 14
    # Failed sign-ins tolerated before each further attempt waits (1 s, then twice as long each time, at most the
    # longest wait); failures are forgotten after a quiet window.
    sign_in_limit_per_account: int = 5
    sign_in_limit_per_address: int = 30
    sign_in_window_minutes: int = 15
    sign_in_longest_wait_seconds: int = 600
    # The case team's counselling notes ask for the password again after this long without a request (0: never).
    password_idle_minutes: int = 15
    # Twilio: SMS is on when an account and a sender (Messaging Service or number) are set.
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_from: str | None = None
    twilio_api_url: str | None = None  # a local stand-in (demo, tests); None is Twilio itself
    # Web Push: on when a VAPID key pair is set.
    vapid_private_key: str | None = None  # PEM
    vapid_public_key: str | None = None  # base64url, for the browser's subscribe()
    vapid_subject: str = "mailto:admin@doolae.invalid"
    # LINE: each school sets its own Official Account (notify.line_account); this only points the official SDK at a
    # local stand-in (demo, tests). None is LINE itself (https://api.line.me).
    line_api_url: str | None = None
    quiet_from_hour: int | None = 21  # no SMS from 21:00 …
    quiet_until_hour: int | None = 7  # … until 07:00 school time, unless urgent; None: no quiet hours
    # Attendance alerts wait this long, so that a mis-tap corrected at once sends nothing (0: send at once).
    alert_grace_minutes: float = 3.0
    # A push of these kinds not opened (nor "seen" tapped) within so many minutes gets one SMS in its place.
    push_fallback_minutes: tuple[tuple[str, float], ...] = (("absent", 120.0), ("rule_serious", 120.0))
    send_attempts: int = 8  # then a message is marked failed
    retry_base_seconds: float = 2.0  # backoff: base × 2^attempt, at most 10 minutes, at least Retry-After
    photo_dir: str = str(ROOT / "var" / "photos")  # home-visit photos (backend/visits/storage.py) …
    photo_store: str = ""  # … unless this names a bucket: s3://bucket or s3://bucket/prefix
    # boto3 reads the bucket's endpoint and keys from AWS_* itself, but the region only from
    # AWS_DEFAULT_REGION; Fly.io's Tigris sets AWS_REGION.
    photo_store_region: str | None = None
    # Without Redis (the demo on a bare machine) the web process runs the jobs itself.
    inprocess_jobs: bool = False
    # Names this deployment's queue on a shared Redis (Fly sets FLY_APP_NAME).
    deployment: str = "doolae"
    # The worker answers its health check on this port (0: no check), and exits when it has not polled Redis
    # for this long, so that the platform restarts it.
    worker_health_port: int = 8081
    worker_give_up_seconds: float = 120.0
    # host:port of push services accepted besides the browsers' own (a local stand-in for tests and the demo).
    push_service_hosts: tuple[str, ...] = ()

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
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID") or None,
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or None,
            twilio_messaging_service_sid=env.get("TWILIO_MESSAGING_SERVICE_SID") or None,
            twilio_from=env.get("TWILIO_FROM") or None,
            twilio_api_url=env.get("TWILIO_API_URL") or None,
            vapid_private_key=env.get("VAPID_PRIVATE_KEY") or None,
            vapid_public_key=env.get("VAPID_PUBLIC_KEY") or None,
            vapid_subject=env.get("VAPID_SUBJECT", defaults.vapid_subject),
            line_api_url=env.get("LINE_API_URL") or None,
            inprocess_jobs=env.get("DOOLAE_INPROCESS_JOBS") == "1",
            alert_grace_minutes=float(env.get("ALERT_GRACE_MINUTES", defaults.alert_grace_minutes)),
            **quiet_hours(env.get("QUIET_HOURS", "21-7")),
            push_fallback_minutes=(push_fallback(env["PUSH_FALLBACK"]) if "PUSH_FALLBACK" in env
                                   else defaults.push_fallback_minutes),
            photo_dir=env.get("PHOTO_DIR", defaults.photo_dir),
            photo_store=env.get("PHOTO_STORE", ""),
            photo_store_region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None,
            deployment=env.get("DEPLOYMENT") or env.get("FLY_APP_NAME") or defaults.deployment,
            worker_health_port=int(env.get("WORKER_HEALTH_PORT", defaults.worker_health_port)),
            worker_give_up_seconds=float(env.get("WORKER_GIVE_UP_SECONDS", defaults.worker_give_up_seconds)),
            push_service_hosts=tuple(h.strip() for h in env.get("PUSH_SERVICE_HOSTS", "").split(",") if h.strip()),
        )
        if settings.production and settings.secret_key == DEMO_SECRET:
            raise RuntimeError("SECRET_KEY must be set in production")
        return settings

    def as_env(self) -> dict[str, str]:
        """These settings as the environment from_env() reads back: for a child process (the server or worker a
        test starts), so that it runs with the same settings without changing this process's environment."""
        quiet = "off" if self.quiet_from_hour is None else f"{self.quiet_from_hour}-{self.quiet_until_hour}"
        env = {
            "DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url, "SECRET_KEY": self.secret_key,
            "DOOLAE_ENV": "production" if self.production else "demo", "PUBLIC_BASE_URL": self.public_base_url,
            "VAPID_SUBJECT": self.vapid_subject, "QUIET_HOURS": quiet, "PHOTO_DIR": self.photo_dir,
            "PHOTO_STORE": self.photo_store, "DEPLOYMENT": self.deployment,
            "WORKER_HEALTH_PORT": str(self.worker_health_port),
            "WORKER_GIVE_UP_SECONDS": str(self.worker_give_up_seconds),
            "PUSH_SERVICE_HOSTS": ",".join(self.push_service_hosts),
            "DOOLAE_INPROCESS_JOBS": "1" if self.inprocess_jobs else "",
            "ALERT_GRACE_MINUTES": str(self.alert_grace_minutes),
            "PUSH_FALLBACK": ",".join(f"{kind}={minutes:g}" for kind, minutes in self.push_fallback_minutes) or "off",
        }
        optional = {
            "CLIENT_IP_HEADER": self.client_ip_header, "TWILIO_ACCOUNT_SID": self.twilio_account_sid,
            "TWILIO_AUTH_TOKEN": self.twilio_auth_token,
            "TWILIO_MESSAGING_SERVICE_SID": self.twilio_messaging_service_sid,
            "TWILIO_FROM": self.twilio_from, "TWILIO_API_URL": self.twilio_api_url,
            "VAPID_PRIVATE_KEY": self.vapid_private_key, "VAPID_PUBLIC_KEY": self.vapid_public_key,
            "AWS_REGION": self.photo_store_region, "LINE_API_URL": self.line_api_url,
        }
        return {**env, **{name: value for name, value in optional.items() if value}}

    def push_fallback_after(self, kind: str) -> float | None:
        """Minutes before an unopened push of this kind falls back to SMS; None: it never does."""
        return dict(self.push_fallback_minutes).get(kind)

    @property
    def sms_enabled(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token
                    and (self.twilio_messaging_service_sid or self.twilio_from))

    @property
    def push_enabled(self) -> bool:
        return bool(self.vapid_private_key and self.vapid_public_key)

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://"))

    @property
    def sqlite_path(self) -> Path:
        return Path(self.database_url.removeprefix("sqlite:///"))

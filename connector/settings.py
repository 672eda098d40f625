"""Every CONNECTOR_* key, typed, read once.

Values come from the environment, then from an optional TOML file named by
CONNECTOR_CONFIG_FILE (keys without the prefix, lower case), then from the
defaults below. A bad value stops start-up with a message naming the key:
a connector that silently runs with a wrong setting loses leads.
"""
from __future__ import annotations

import base64
import dataclasses
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

PREFIX = "CONNECTOR_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The judgement shipped with the package, built by `connector train` from corpus/.
PACKAGED_JUDGEMENT = Path(__file__).resolve().parent / "judgement" / "judgement.npz"
LOCAL_JUDGEMENT = "judgement.npz"  # in data_dir: one retrained on the business's own labels
MIN_TOKEN_LENGTH = 16
_SOURCE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


APP_NAME = "wp-lead-connector"


def default_data_dir() -> Path:
    import platformdirs

    return platformdirs.user_data_path(APP_NAME, appauthor=False)


class ConfigError(Exception):
    """Configuration that cannot work. The message names the key."""


@dataclass(frozen=True)
class Settings:
    # Where the SQLite file, the generated webhook token and other local state live.
    # Default: the platform's user data folder (~/.local/share/wp-lead-connector on
    # Linux), or the config file's folder when CONNECTOR_CONFIG_FILE is given, so
    # every command finds the same database whatever folder it is run from.
    data_dir: Path = field(default_factory=lambda: default_data_dir())
    # SQLAlchemy URL; empty means the SQLite file data_dir/connector.db.
    # postgresql+psycopg://user@host/db switches to PostgreSQL.
    database_url: str = ""
    # Shared secret the form plugins send as ?token= or X-Connector-Token.
    # Empty: one is generated on first start and kept in data_dir/webhook-token.
    webhook_token: str = field(default="", repr=False)
    # More secrets, each naming its sender: "cf7=<token>,shop-site=<token>" (or a
    # TOML table). A name that is a plugin's is accepted only on that plugin's hook.
    source_tokens: dict[str, str] = field(default_factory=dict, repr=False)
    # WPForms webhook secrets (X-WPForms-Webhook-Signature), and Standard Webhooks
    # secrets (whsec_…; several while rotating): a JSON list, one secret, or a TOML list.
    wpforms_secrets: tuple[str, ...] = field(default=(), repr=False)
    standard_webhook_secrets: tuple[str, ...] = field(default=(), repr=False)
    # How old a WPForms signature may be: its requests wait in a background queue.
    signature_tolerance_seconds: int = 3600
    # Larger request bodies get 413 and are not stored.
    max_body_bytes: int = 5_000_000
    # Without an entry id, the same fields from the same form within this many
    # seconds are one entry sent twice (0 turns this off).
    duplicate_window_seconds: int = 600
    # The YAML field mappings and routing rules.
    mappings_dir: Path = PROJECT_ROOT / "mappings"
    # The learned judgement: empty for the one `connector train --local` made in
    # data_dir (when there is one) or else the packaged one; "none" for rules alone.
    judgement_file: str = ""
    # How many reverse proxies in front of us set X-Forwarded-For / -Proto.
    trusted_proxies: int = 0
    log_level: str = "INFO"
    # How long a worker owns a claimed delivery; a crashed worker's rows
    # come back after this.
    lease_seconds: int = 120
    # Longest sleep of an idle worker; enqueues wake it at once anyway.
    poll_seconds: float = 5.0
    # Deliveries claimed per round trip.
    worker_batch_size: int = 10
    # SQLite waits this long for the single write lock before giving up.
    sqlite_busy_timeout_ms: int = 10_000
    # Intake waits at most this long for the database; past it the request is kept
    # in the spool on disk (data_dir/spool), answered 200 and stored when it can
    # be: Forminator gives up after 5 s, and CF7 shows the visitor an error.
    intake_lock_wait_ms: int = 2_000
    # Address `connector serve` listens on.
    host: str = "127.0.0.1"
    port: int = 8000
    # Web threads of `connector serve`.
    serve_threads: int = 8
    # Run the outbox worker inside the web process (`connector serve` always does).
    embedded_worker: bool = False
    # Optional "webhook" destination: every routed lead is POSTed here as JSON.
    forward_url: str = ""
    # Signs forwarded bodies (X-Connector-Signature: sha256=<hmac>).
    forward_secret: str = field(default="", repr=False)
    forward_timeout_seconds: float = 10.0
    # Salesforce (environment keys SALESFORCE_*, as Salesforce's own docs name them).
    # The flow follows from what is given: a private key -> JWT bearer (recommended
    # for servers); a username and password -> username-password; only a client id
    # and secret -> client credentials (login_url must then be your My Domain).
    salesforce_login_url: str = "https://login.salesforce.com"
    salesforce_client_id: str = field(default="", repr=False)
    salesforce_client_secret: str = field(default="", repr=False)
    salesforce_username: str = ""
    salesforce_password: str = field(default="", repr=False)
    salesforce_security_token: str = field(default="", repr=False)
    salesforce_private_key_file: str = ""
    salesforce_api_version: str = "62.0"
    # Who owns new Leads (a user 005… or queue 00G… id); empty: Salesforce decides.
    salesforce_lead_owner_id: str = ""
    # Who gets the call-back Task when the Lead's owner is a queue: user ids,
    # taken in turn (round robin by submission).
    salesforce_task_owner_ids: tuple[str, ...] = ()
    # Sforce-Auto-Assign header on Lead creation: TRUE, FALSE or an assignment rule
    # id; empty sends none (Salesforce then applies the default rule).
    salesforce_auto_assign: str = ""
    salesforce_lead_source: str = "Web"
    # An External ID field on Lead (e.g. WP_Submission_Id__c): new Leads are then
    # upserted on it, keyed on the submission, so not even a race makes a second one.
    salesforce_lead_external_id_field: str = ""
    salesforce_timeout_seconds: float = 15.0
    # Slow down when this share of the daily API allowance is used (Sforce-Limit-Info).
    salesforce_slow_down_at: float = 0.9
    # Mailchimp (environment keys MAILCHIMP_*): the API key (its -usN suffix names the
    # data centre), the audience, and the API's address (tests point it elsewhere).
    mailchimp_api_key: str = field(default="", repr=False)
    mailchimp_list_id: str = ""
    mailchimp_base_url: str = ""
    mailchimp_timeout_seconds: float = 10.0
    # The audience's GDPR "marketing" permission id, enabled for members who consented.
    mailchimp_marketing_permission_id: str = ""
    # The secret in the audience webhook's URL: /hooks/mailchimp?secret=<this>.
    mailchimp_webhook_secret: str = field(default="", repr=False)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'connector.db'}"

    @property
    def judgement_path(self) -> Path | None:
        if self.judgement_file.lower() == "none":
            return None
        if self.judgement_file:
            return Path(self.judgement_file).expanduser()
        local = self.data_dir / LOCAL_JUDGEMENT
        return local if local.is_file() else PACKAGED_JUDGEMENT

    @property
    def database_description(self) -> str:
        """Which database is in use, without its password: for logs and `connector check`."""
        from sqlalchemy.engine import make_url

        url = make_url(self.resolved_database_url)
        if url.get_backend_name() == "sqlite":
            return f"SQLite {Path(url.database or ':memory:').absolute()}"
        return f"PostgreSQL {url.render_as_string(hide_password=True)}"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Settings":
        """Settings from CONNECTOR_* variables, over CONNECTOR_CONFIG_FILE, over defaults."""
        values: dict[str, Any] = {}
        config_file = env.get(PREFIX + "CONFIG_FILE")
        if config_file:
            path = Path(config_file).expanduser().absolute()
            values.update(_read_config_file(path))
            # A relative data_dir in the file is relative to the file, not to
            # wherever a command happens to be run from.
            values["data_dir"] = path.parent / _path(PREFIX + "DATA_DIR",
                                                     values.get("data_dir", "."))
        for f in dataclasses.fields(cls):
            for key in (PREFIX + f.name.upper(), _own_prefix_key(f.name)):
                if key and key in env:
                    values[f.name] = env[key]
        if "data_dir" in values:
            values["data_dir"] = _path(PREFIX + "DATA_DIR", values["data_dir"]).absolute()
        return cls.from_mapping(values)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> "Settings":
        """Settings from plain values (strings or typed), each checked."""
        known = {f.name: f for f in dataclasses.fields(cls)}
        kwargs = {}
        for name, raw in values.items():
            if name not in known:
                raise ConfigError(f"{PREFIX}{name.upper()} is not a known setting")
            kwargs[name] = _PARSERS[name](PREFIX + name.upper(), raw)
        settings = cls(**kwargs)
        settings.validate()
        return settings

    def validate(self) -> None:
        url = self.resolved_database_url
        if not (url.startswith("sqlite:") or url.startswith("postgresql")):
            raise ConfigError(
                f"{PREFIX}DATABASE_URL must be a sqlite:/// or postgresql+psycopg:// URL")
        if url.startswith("postgresql") and not url.startswith("postgresql+psycopg:"):
            raise ConfigError(
                f"{PREFIX}DATABASE_URL must use the psycopg driver: postgresql+psycopg://…")
        if self.webhook_token and len(self.webhook_token) < MIN_TOKEN_LENGTH:
            raise ConfigError(
                f"{PREFIX}WEBHOOK_TOKEN must be at least {MIN_TOKEN_LENGTH} characters")
        for name, token in self.source_tokens.items():
            if not _SOURCE_NAME.match(name):
                raise ConfigError(f"{PREFIX}SOURCE_TOKENS: '{name}' is not a valid source name "
                                  "(letters, digits, '-' and '_')")
            if len(token) < MIN_TOKEN_LENGTH:
                raise ConfigError(f"{PREFIX}SOURCE_TOKENS: the token for '{name}' must be at "
                                  f"least {MIN_TOKEN_LENGTH} characters")
        for secret in self.standard_webhook_secrets:
            try:
                body = secret.removeprefix("whsec_").rstrip("=")
                base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
            except ValueError:
                raise ConfigError(f"{PREFIX}STANDARD_WEBHOOK_SECRETS: each secret must be "
                                  "whsec_ followed by base64") from None
        sf_url = urlsplit(self.salesforce_login_url)
        if sf_url.scheme != "https" and sf_url.hostname not in ("127.0.0.1", "localhost"):
            raise ConfigError("SALESFORCE_LOGIN_URL must be an https URL")
        if self.salesforce_private_key_file and not Path(self.salesforce_private_key_file).is_file():
            raise ConfigError("SALESFORCE_PRIVATE_KEY_FILE names a file that does not exist")
        if not 0 < self.salesforce_slow_down_at <= 1:
            raise ConfigError("SALESFORCE_SLOW_DOWN_AT must be a share between 0 and 1")
        if self.mailchimp_api_key and not re.search(r"-[a-z]+\d+$", self.mailchimp_api_key):
            raise ConfigError("MAILCHIMP_API_KEY must end in its data centre, like -us21")
        if self.mailchimp_webhook_secret and len(self.mailchimp_webhook_secret) < MIN_TOKEN_LENGTH:
            raise ConfigError(f"MAILCHIMP_WEBHOOK_SECRET must be at least {MIN_TOKEN_LENGTH} "
                              "characters")
        if bool(self.mailchimp_api_key) != bool(self.mailchimp_list_id):
            raise ConfigError("MAILCHIMP_API_KEY and MAILCHIMP_LIST_ID go together")
        if self.forward_url:
            parts = urlsplit(self.forward_url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ConfigError(f"{PREFIX}FORWARD_URL must be an http(s) URL")
        if self.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ConfigError(f"{PREFIX}LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        if not (self.mappings_dir / "routing.yaml").is_file():
            raise ConfigError(
                f"{PREFIX}MAPPINGS_DIR must hold routing.yaml ({self.mappings_dir} does not)")

    def salesforce_missing_keys(self) -> list[str]:
        """The SALESFORCE_* keys still needed when only some are set; [] when none or enough are."""
        given = {"SALESFORCE_CLIENT_ID": self.salesforce_client_id,
                 "SALESFORCE_CLIENT_SECRET": self.salesforce_client_secret,
                 "SALESFORCE_USERNAME": self.salesforce_username,
                 "SALESFORCE_PASSWORD": self.salesforce_password,
                 "SALESFORCE_PRIVATE_KEY_FILE": self.salesforce_private_key_file}
        # The flows auth.Credentials.flow accepts, each with what it needs.
        flows = (("SALESFORCE_PRIVATE_KEY_FILE", ("SALESFORCE_CLIENT_ID", "SALESFORCE_USERNAME",
                                                  "SALESFORCE_PRIVATE_KEY_FILE")),
                 ("SALESFORCE_PASSWORD", ("SALESFORCE_CLIENT_ID", "SALESFORCE_USERNAME",
                                          "SALESFORCE_PASSWORD")),
                 ("SALESFORCE_USERNAME", ("SALESFORCE_CLIENT_ID", "SALESFORCE_USERNAME",
                                          "SALESFORCE_PASSWORD")),
                 ("SALESFORCE_CLIENT_ID", ("SALESFORCE_CLIENT_ID", "SALESFORCE_CLIENT_SECRET")),
                 ("SALESFORCE_CLIENT_SECRET", ("SALESFORCE_CLIENT_ID",
                                               "SALESFORCE_CLIENT_SECRET")))
        if not any(given.values()):
            return []
        if any(all(given[k] for k in needs) for _, needs in flows):
            return []
        # The flow the given keys point to: a key file means JWT, a password or
        # user the username-password flow, else client credentials.
        needs = next(n for marker, n in flows if given[marker])
        return [k for k in needs if not given[k]]

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)


# Keys their vendors' docs name without our prefix.
_OWN_PREFIXES = ("salesforce_", "mailchimp_")


def _own_prefix_key(name: str) -> str | None:
    return name.upper() if name.startswith(_OWN_PREFIXES) else None


def _read_config_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{PREFIX}CONFIG_FILE names {path}, which does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{PREFIX}CONFIG_FILE {path} is not valid TOML: {exc}") from None
    return {k.lower().removeprefix(PREFIX.lower()): v for k, v in data.items()}


def _int_at_least(minimum: int) -> Callable[[str, Any], int]:
    def parse(key: str, raw: Any) -> int:
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{key} must be a whole number, not {raw!r}") from None
        if value < minimum:
            raise ConfigError(f"{key} must be at least {minimum}")
        return value
    return parse


_positive_int = _int_at_least(1)
_non_negative_int = _int_at_least(0)


def _positive_float(key: str, raw: Any) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{key} must be a number, not {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{key} must be greater than zero")
    return value


def _bool(key: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{key} must be true or false, not {raw!r}")


def _port(key: str, raw: Any) -> int:
    value = _non_negative_int(key, raw)
    if value > 65535:
        raise ConfigError(f"{key} must be a port number (0-65535)")
    return value


def _source_tokens(key: str, raw: Any) -> dict[str, str]:
    if isinstance(raw, dict):
        return {str(k).strip(): str(v).strip() for k, v in raw.items()}
    tokens = {}
    for pair in _str(key, raw).split(","):
        if not pair.strip():
            continue
        name, sep, token = pair.partition("=")
        if not sep:
            raise ConfigError(f"{key} must be name=token pairs separated by commas")
        tokens[name.strip()] = token.strip()
    return tokens


def _secrets(key: str, raw: Any) -> tuple[str, ...]:
    if isinstance(raw, (list, tuple)):
        return tuple(str(s) for s in raw if str(s))
    text = _str(key, raw)
    if text.startswith("["):
        # Secrets may hold commas (WPForms' do), so several come as a JSON list.
        try:
            values = json.loads(text)
        except ValueError:
            raise ConfigError(f"{key} starts with '[' but is not a JSON list of strings") from None
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ConfigError(f"{key} must be a JSON list of strings")
        return tuple(v for v in values if v)
    return (text,) if text else ()


def _str(key: str, raw: Any) -> str:
    if not isinstance(raw, str):
        raise ConfigError(f"{key} must be text")
    return raw.strip()


def _path(key: str, raw: Any) -> Path:
    if isinstance(raw, Path):
        return raw.expanduser()
    return Path(_str(key, raw)).expanduser()


_PARSERS: dict[str, Callable[[str, Any], Any]] = {
    "data_dir": _path,
    "database_url": _str,
    "webhook_token": _str,
    "max_body_bytes": _positive_int,
    "source_tokens": _source_tokens,
    "wpforms_secrets": _secrets,
    "standard_webhook_secrets": _secrets,
    "signature_tolerance_seconds": _positive_int,
    "duplicate_window_seconds": _non_negative_int,
    "mappings_dir": _path,
    "judgement_file": _str,
    "trusted_proxies": _non_negative_int,
    "log_level": _str,
    "lease_seconds": _positive_int,
    "poll_seconds": _positive_float,
    "worker_batch_size": _positive_int,
    "sqlite_busy_timeout_ms": _positive_int,
    "intake_lock_wait_ms": _positive_int,
    "host": _str,
    "port": _port,
    "serve_threads": _positive_int,
    "embedded_worker": _bool,
    "forward_url": _str,
    "forward_secret": _str,
    "forward_timeout_seconds": _positive_float,
    "salesforce_login_url": _str,
    "salesforce_client_id": _str,
    "salesforce_client_secret": _str,
    "salesforce_username": _str,
    "salesforce_password": _str,
    "salesforce_security_token": _str,
    "salesforce_private_key_file": _str,
    "salesforce_api_version": _str,
    "salesforce_lead_owner_id": _str,
    "salesforce_task_owner_ids": lambda key, raw: tuple(
        p.strip() for p in (raw if isinstance(raw, (list, tuple)) else _str(key, raw).split(","))
        if str(p).strip()),
    "salesforce_auto_assign": _str,
    "salesforce_lead_source": _str,
    "salesforce_lead_external_id_field": _str,
    "salesforce_timeout_seconds": _positive_float,
    "salesforce_slow_down_at": _positive_float,
    "mailchimp_api_key": _str,
    "mailchimp_list_id": _str,
    "mailchimp_base_url": _str,
    "mailchimp_timeout_seconds": _positive_float,
    "mailchimp_marketing_permission_id": _str,
    "mailchimp_webhook_secret": _str,
}

from pathlib import Path

import pytest

from connector.settings import ConfigError, Settings
from connector.webhook_token import resolve_token, token_matches


def test_defaults_are_the_embedded_sqlite_file_in_the_user_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    s = Settings.from_env({})
    assert s.data_dir == tmp_path / "xdg" / "wp-lead-connector"
    assert s.resolved_database_url == f"sqlite:///{tmp_path}/xdg/wp-lead-connector/connector.db"


def test_the_default_data_folder_does_not_depend_on_the_working_directory(monkeypatch,
                                                                          tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    here = Settings.from_env({}).resolved_database_url
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert Settings.from_env({}).resolved_database_url == here


def test_a_relative_data_dir_is_made_absolute_where_it_is_given(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert Settings.from_env({"CONNECTOR_DATA_DIR": "state"}).data_dir == tmp_path / "state"


def test_a_config_file_keeps_its_data_next_to_it(monkeypatch, tmp_path):
    (tmp_path / "site").mkdir()
    config = tmp_path / "site" / "connector.toml"
    config.write_text("port = 9000\n")
    monkeypatch.chdir(tmp_path)
    assert Settings.from_env({"CONNECTOR_CONFIG_FILE": "site/connector.toml"}).data_dir == \
        tmp_path / "site"
    config.write_text('data_dir = "state"\n')
    assert Settings.from_env({"CONNECTOR_CONFIG_FILE": str(config)}).data_dir == \
        tmp_path / "site" / "state"


def test_the_database_in_use_is_described_without_its_password(tmp_path):
    assert Settings(data_dir=tmp_path).database_description == f"SQLite {tmp_path}/connector.db"
    pg = Settings(database_url="postgresql+psycopg://app:s3cret@db.internal:5432/leads")
    assert "s3cret" not in pg.database_description
    assert pg.database_description.startswith("PostgreSQL postgresql+psycopg://app:")


@pytest.mark.parametrize("env, missing", [
    ({}, []),
    ({"SALESFORCE_CLIENT_ID": "id", "SALESFORCE_CLIENT_SECRET": "s"}, []),
    ({"SALESFORCE_CLIENT_ID": "id"}, ["SALESFORCE_CLIENT_SECRET"]),
    ({"SALESFORCE_USERNAME": "u@x.si"}, ["SALESFORCE_CLIENT_ID", "SALESFORCE_PASSWORD"]),
    ({"SALESFORCE_USERNAME": "u@x.si", "SALESFORCE_PASSWORD": "p"}, ["SALESFORCE_CLIENT_ID"]),
    ({"SALESFORCE_CLIENT_ID": "id", "SALESFORCE_USERNAME": "u@x.si",
      "SALESFORCE_PASSWORD": "p"}, []),
])
def test_partly_configured_salesforce_names_the_missing_keys(env, missing):
    assert Settings.from_env(env).salesforce_missing_keys() == missing


def test_a_private_key_without_client_id_and_user_names_both(tmp_path):
    key = tmp_path / "server.key"
    key.write_text("-----BEGIN PRIVATE KEY-----\n")
    settings = Settings.from_env({"SALESFORCE_PRIVATE_KEY_FILE": str(key)})
    assert settings.salesforce_missing_keys() == ["SALESFORCE_CLIENT_ID", "SALESFORCE_USERNAME"]


def test_environment_overrides_the_config_file(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('max_body_bytes = 2000\nport = 9000\nlease_seconds = 30\n')
    s = Settings.from_env({"CONNECTOR_CONFIG_FILE": str(config), "CONNECTOR_PORT": "9100"})
    assert (s.max_body_bytes, s.port, s.lease_seconds) == (2000, 9100, 30)


@pytest.mark.parametrize("env, message", [
    ({"CONNECTOR_MAX_BODY_BYTES": "lots"}, "CONNECTOR_MAX_BODY_BYTES must be a whole number"),
    ({"CONNECTOR_LEASE_SECONDS": "0"}, "CONNECTOR_LEASE_SECONDS must be at least 1"),
    ({"CONNECTOR_PORT": "70000"}, "CONNECTOR_PORT must be a port number"),
    ({"CONNECTOR_EMBEDDED_WORKER": "maybe"}, "CONNECTOR_EMBEDDED_WORKER must be true or false"),
    ({"CONNECTOR_DATABASE_URL": "mysql://x"}, "CONNECTOR_DATABASE_URL must be a sqlite"),
    ({"CONNECTOR_DATABASE_URL": "postgresql://x/db"}, "must use the psycopg driver"),
    ({"CONNECTOR_WEBHOOK_TOKEN": "short"}, "CONNECTOR_WEBHOOK_TOKEN must be at least 16"),
    ({"CONNECTOR_FORWARD_URL": "ftp://x"}, "CONNECTOR_FORWARD_URL must be an http"),
    ({"CONNECTOR_MAPPINGS_DIR": "/nonexistent"}, "CONNECTOR_MAPPINGS_DIR must hold routing.yaml"),
    ({"CONNECTOR_CONFIG_FILE": "/nonexistent.toml"}, "does not exist"),
])
def test_bad_values_stop_start_up_naming_the_key(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_unknown_keys_in_the_config_file_are_refused(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('max_body_byte = 2000\n')
    with pytest.raises(ConfigError, match="CONNECTOR_MAX_BODY_BYTE is not a known setting"):
        Settings.from_env({"CONNECTOR_CONFIG_FILE": str(config)})


def test_secrets_stay_out_of_repr():
    s = Settings(webhook_token="supersecret-token-123", forward_secret="hush-hush")
    assert "supersecret" not in repr(s) and "hush" not in repr(s)


def test_a_generated_token_is_kept_private_and_reused(tmp_path: Path):
    first = resolve_token("", tmp_path)
    assert len(first) >= 32
    assert (tmp_path / "webhook-token").stat().st_mode & 0o777 == 0o600
    assert resolve_token("", tmp_path) == first
    assert resolve_token("configured-token-123456", tmp_path) == "configured-token-123456"


def test_token_comparison():
    assert token_matches("abc", "abc")
    assert not token_matches("abc", "abd") and not token_matches("abc", None)


def test_source_tokens_and_secret_lists_are_read_from_text():
    s = Settings.from_env({
        "CONNECTOR_SOURCE_TOKENS": "cf7=aaaaaaaaaaaaaaaa1, shop-site=bbbbbbbbbbbbbbbb2",
        "CONNECTOR_WPFORMS_SECRETS": '["a,b;c$", "second"]',
        "CONNECTOR_STANDARD_WEBHOOK_SECRETS": "whsec_c2VjcmV0LXNlY3JldC0xMjM0NTY="})
    assert s.source_tokens == {"cf7": "aaaaaaaaaaaaaaaa1", "shop-site": "bbbbbbbbbbbbbbbb2"}
    assert s.wpforms_secrets == ("a,b;c$", "second")
    assert s.standard_webhook_secrets == ("whsec_c2VjcmV0LXNlY3JldC0xMjM0NTY=",)
    assert "aaaa" not in repr(s) and "a,b;c$" not in repr(s)


@pytest.mark.parametrize("env, message", [
    ({"CONNECTOR_SOURCE_TOKENS": "cf7"}, "must be name=token pairs"),
    ({"CONNECTOR_SOURCE_TOKENS": "cf7=short"}, "the token for 'cf7' must be at least 16"),
    ({"CONNECTOR_SOURCE_TOKENS": "bad name=aaaaaaaaaaaaaaaaaaaa"}, "not a valid source name"),
    ({"CONNECTOR_WPFORMS_SECRETS": '["unterminated'}, "not a JSON list of strings"),
    ({"CONNECTOR_STANDARD_WEBHOOK_SECRETS": "whsec_***"}, "whsec_ followed by base64"),
    ({"CONNECTOR_DUPLICATE_WINDOW_SECONDS": "-1"}, "must be at least 0"),
])
def test_bad_auth_settings_name_the_key(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_salesforce_keys_use_salesforces_own_names(tmp_path):
    from connector.adapters.registry import configured_destinations, salesforce_credentials
    env = {"SALESFORCE_CLIENT_ID": "3MVG9-key", "SALESFORCE_USERNAME": "int@acme.example",
           "SALESFORCE_PASSWORD": "pw", "SALESFORCE_SECURITY_TOKEN": "tok",
           "SALESFORCE_TASK_OWNER_IDS": "005A, 005B", "SALESFORCE_API_VERSION": "61.0"}
    s = Settings.from_env(env)
    assert s.salesforce_task_owner_ids == ("005A", "005B")
    assert salesforce_credentials(s).flow == "password"
    assert "pw" not in repr(s) and "tok" not in repr(s)
    assert "salesforce" in configured_destinations(s)
    assert "salesforce" not in configured_destinations(Settings())


@pytest.mark.parametrize("env, message", [
    ({"SALESFORCE_LOGIN_URL": "http://login.salesforce.com"}, "must be an https URL"),
    ({"SALESFORCE_PRIVATE_KEY_FILE": "/nonexistent.pem"}, "names a file that does not exist"),
    ({"SALESFORCE_SLOW_DOWN_AT": "2"}, "between 0 and 1"),
])
def test_bad_salesforce_settings_name_the_key(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


@pytest.mark.parametrize("file, text, message", [
    ("salesforce.yaml", "lead: [FirstName]\n", "'lead' must map Salesforce fields"),
    ("mailchimp.yaml", "merge_fields:\n  FNAME: 3\n", "'merge_fields' must map merge tags"),
])
def test_a_broken_destination_mapping_stops_start_up_naming_the_file(tmp_path, file, text,
                                                                     message):
    import shutil
    from connector.adapters.registry import configured_destinations
    from connector.settings import PROJECT_ROOT
    mappings = tmp_path / "mappings"
    shutil.copytree(PROJECT_ROOT / "mappings", mappings)
    (mappings / file).write_text(text)
    s = Settings(mappings_dir=mappings, salesforce_client_id="k", salesforce_client_secret="s",
                 mailchimp_api_key="k-us21", mailchimp_list_id="l")
    with pytest.raises(ConfigError, match=message):
        configured_destinations(s)

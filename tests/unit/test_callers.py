"""Reading the token a caller presents."""
from __future__ import annotations

import pytest

from connector.auth.callers import bearer_token


@pytest.mark.parametrize("header, token", [
    ("Bearer s3cret-token-0123", "s3cret-token-0123"),
    ("BEARER  s3cret-token-0123 ", "s3cret-token-0123"),
    # An operator's token may hold "=" anywhere; it is still the token.
    ("Bearer a=b,c=d-0123456789", "a=b,c=d-0123456789"),
    ("Bearer", None),
    ("Basic dXNlcjpwYXNz", None),
    ("", None),
    (None, None),
])
def test_the_bearer_token_is_read_whatever_it_holds(header, token):
    assert bearer_token(header) == token

from hypothesis import given, strategies as st
from urllib.parse import urlencode

from connector.intake.phpquery import parse_php_query


def test_brackets_expand_into_nested_objects_and_lists():
    qs = ("fields%5Bemail%5D%5Bvalue%5D=a%40b.si&names%5Bfirst_name%5D=Ana"
          "&checkbox%5B0%5D=x&checkbox%5B1%5D=y&plain=z+w")
    assert parse_php_query(qs) == {
        "fields": {"email": {"value": "a@b.si"}},
        "names": {"first_name": "Ana"},
        "checkbox": ["x", "y"],
        "plain": "z w",
    }


def test_empty_brackets_append_like_php():
    assert parse_php_query("a[]=1&a[]=2") == {"a": ["1", "2"]}


def test_sparse_numeric_keys_stay_an_object():
    assert parse_php_query("c[1]=a&c[3]=b") == {"c": {"1": "a", "3": "b"}}


def test_keys_that_are_not_bracket_syntax_are_kept_as_sent():
    assert parse_php_query("a[b=1&[x]=2") == {"a[b": "1", "[x]": "2"}


def test_blank_values_are_kept():
    assert parse_php_query("soglasje=&x=1") == {"soglasje": "", "x": "1"}


@given(st.dictionaries(st.text(alphabet="abcdefgh_-", min_size=1), st.text(), max_size=8))
def test_flat_bodies_round_trip(data):
    assert parse_php_query(urlencode(data)) == data


def test_the_top_level_stays_an_object_even_with_numeric_keys():
    assert parse_php_query("0=a&1=b") == {"0": "a", "1": "b"}

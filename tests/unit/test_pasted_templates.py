"""Custom bodies CF7 to Webhook builds by pasting raw answers into a template, read back."""
from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import assume, given, settings, strategies as st

from connector.intake.pasted_templates import (TemplateError, pasted_structure,
                                               read_json_template, read_pairs_template)


def plugin_body(template: str, data: dict[str, Any]) -> str:
    """CF7 to Webhook's substitution (class-module-zapier.php, pull_the_trigger): a
    string is pasted as is, anything else as PHP's json_encode() output."""
    body = template
    for key, value in data.items():
        if not isinstance(value, str):
            value = json.dumps(value, separators=(",", ":")).replace("/", "\\/")
        body = body.replace(f"[{key}]", value)
    return body


def test_quotes_markup_and_line_breaks_in_answers_are_read_as_typed():
    template = ('{"name": "[your-name]", "company": "[your-company]", '
                '"message": "[your-message]", "source": "website"}')
    data = {"your-name": "Mary Johnson", "your-company": 'The "Best" Bakery',
            "your-message": 'Hi,\r\nwe\'d like a "Demo" of the <b>Pro</b> plan, {soon}, [ok]?\r\n'
                            'Thanks, "Mary"'}

    assert read_json_template(plugin_body(template, data)) == {
        "name": "Mary Johnson", "company": 'The "Best" Bakery',
        "message": data["your-message"], "source": "website"}


@pytest.mark.parametrize("placeholder", ['"[interests]"', "[interests]"])
def test_a_pasted_checkbox_list_becomes_the_list_quoted_or_not(placeholder):
    body = plugin_body('{"interests": ' + placeholder + ', "email": "[your-email]"}',
                       {"interests": ["Demo", "Izdelava strani/SEO"], "your-email": "a@b.si"})

    assert read_json_template(body) == {"interests": ["Demo", "Izdelava strani/SEO"],
                                        "email": "a@b.si"}


def test_a_file_pasted_between_quotes_becomes_its_object():
    body = plugin_body('{"brief": "[your-file]", "email": "[your-email]"}',
                       {"your-file": {"filename": "brief.pdf", "content": "JVBERg=="},
                        "your-email": "a@b.si"})

    assert read_json_template(body)["brief"] == {"filename": "brief.pdf", "content": "JVBERg=="}


def test_nested_templates_and_the_templates_own_escapes():
    template = ('{"lead": {"text": "*New lead*\\n\\nName: \\"[your-name]\\"", '
                '"note": "[your-message]", "tags": ["web", "[kind]"]}, "n": 3, "ok": true}')
    data = {"your-name": "Žiga", "your-message": 'a "}" b\\c', "kind": 'quote "x"'}

    assert read_json_template(plugin_body(template, data)) == {
        "lead": {"text": '*New lead*\n\nName: "Žiga"', "note": 'a "}" b\\c',
                 "tags": ["web", 'quote "x"']},
        "n": 3, "ok": True}


@pytest.mark.parametrize("body", [
    '{"a": bare words}',             # broken outside any string: the template's fault
    '{"a": "x",}',
    '{"a" "x"}',
    '{"a": "never closed}',
    'just words',
    '{"a": "x"} trailing',
])
def test_a_body_no_reading_fits_is_refused(body):
    with pytest.raises(TemplateError):
        read_json_template(body)


def test_a_body_built_to_explode_the_search_gives_up():
    with pytest.raises(TemplateError, match="too many ways"):
        read_json_template('{"a": "' + '", "b": "' * 40 + '", "c": 1 x}')


def test_a_body_nested_beyond_reason_gives_up():
    with pytest.raises(TemplateError, match="nested too deeply"):
        read_json_template('{"a": ' * 5000 + '"x' + "}" * 5000)


# Answers as people type them: quotes, brackets, commas, markup, line breaks,
# any letter (lone surrogates cannot arrive in UTF-8). Backslashes are left out:
# a typed "\n" cannot be told from the template's own escape. So, below, are
# answers with a quote, comma, quote, word, quote and colon: the one shape that
# reads as a field of the template itself.
typed = st.sampled_from(list('ab Ž1"\'{}[],.<>/&%+\r\n\t?!-')) | st.characters(
    exclude_categories=("Cs",))
answer = st.text(alphabet=typed, max_size=40).filter(lambda s: "\\" not in s)


@settings(max_examples=300, deadline=None)
@given(st.lists(answer, min_size=1, max_size=6),
       st.lists(st.text(alphabet="abcdefXYZ ,\"/", max_size=8), max_size=3))
def test_any_answers_pasted_into_a_json_template_read_back(answers, ticked):
    assume(not any(re.search(r'"\s*,\s*"[^"]*"\s*:', a) for a in answers))
    assume(all(pasted_structure(a) is None for a in answers))
    names = [f"field-{i}" for i in range(len(answers))]
    template = "{" + ", ".join(f'"{n}": "[{n}]"' for n in names) + ', "choices": "[choices]"}'
    data = {**dict(zip(names, answers)), "choices": ticked}

    assert read_json_template(plugin_body(template, data)) == data


def test_form_like_template_keeps_spaces_plus_percent_ampersand_and_line_breaks():
    body = plugin_body(
        "name=[your-name]&phone=[your-phone]&company=[your-company]&message=[your-message]",
        {"your-name": "John Smith", "your-phone": "+44 20 7946 0958",
         "your-company": "Smith & Sons Ltd", "your-message": "Hello,\nquote for 25 seats (20%).\n"})

    assert read_pairs_template(body) == {
        "name": "John Smith", "phone": "+44 20 7946 0958", "company": "Smith & Sons Ltd",
        "message": "Hello,\nquote for 25 seats (20%).\n"}


def test_form_like_template_decodes_only_valid_escapes_and_nests_brackets():
    body = 'k%5B%5D=ko%C5%BEa&k[]=50%ZZ %C5&interests=["Demo","Pricing"]&empty='

    assert read_pairs_template(body) == {"k": ["koža", "50%ZZ %C5"],
                                         "interests": ["Demo", "Pricing"], "empty": ""}


pair_answer = answer.filter(lambda s: not re.search(r"&[\w.\-\[\]%]+=|%[0-9A-Fa-f]{2}", s))


@settings(max_examples=300, deadline=None)
@given(st.lists(pair_answer, min_size=1, max_size=6))
def test_any_answers_pasted_into_a_form_like_template_read_back(answers):
    assume(all(pasted_structure(a) is None for a in answers))
    names = [f"field_{i}" for i in range(len(answers))]
    template = "&".join(f"{n}=[{n}]" for n in names)

    assert read_pairs_template(plugin_body(template, dict(zip(names, answers)))) == dict(
        zip(names, answers))

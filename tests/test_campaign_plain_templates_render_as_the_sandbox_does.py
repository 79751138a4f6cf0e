"""Plain bodies (text and bare ``{{ name }}``) skip the sandbox: the text must be the same."""

import pytest

from crm.campaigns.templating import MessageTemplate, _env, plain_parts

CONTEXT = {
    "first_name": "Camille", "last_name": "Durand", "civility": "Mme", "residence": "Les Tilleuls",
    "building": None, "entrance": "A", "agency_name": "Blois", "agency_phone": "02 54 00 00 00",
}
VARIABLES = {"date": "jeudi 19", "heure": "9h", "none_left": "rien"}

PLAIN = [
    "Bonjour {{ first_name }}, coupure d'eau {{date}} à {{  heure }}.",
    "{{ civility }} {{ last_name }}\r\nBâtiment {{ building }} entrée {{ entrance }}.\r",
    "Accolades seules { ni } ni }} ne comptent : {{ agency_name }} {{ agency_phone }}\n\n",
    "Sans champ du tout, 100 % texte. ",
    "{{ none_left }} et {{ residence }}",
]
NOT_PLAIN = [
    "Bonjour {{ first_name|upper }}",
    "{% if building %}Bât. {{ building }}{% endif %}",
    "{# note #}Bonjour",
    "Bonjour {{- first_name }}",
    "Valeur {{ none }} et {{ true }}",
]


@pytest.mark.parametrize("body", PLAIN)
def test_a_plain_body_renders_exactly_as_the_sandbox_renders_it(body):
    template = MessageTemplate(body, VARIABLES)
    assert template._parts is not None
    expected = _env.from_string(body).render({**VARIABLES, **CONTEXT}).strip()
    assert template.render(CONTEXT) == expected


@pytest.mark.parametrize("body", NOT_PLAIN)
def test_any_other_jinja_goes_through_the_sandbox(body):
    assert plain_parts(body) is None
    template = MessageTemplate(body, VARIABLES)
    assert template.render(CONTEXT) == _env.from_string(body).render({**VARIABLES, **CONTEXT}).strip()


def test_a_brace_glued_to_a_placeholder_is_left_to_jinja():
    assert plain_parts("{{{ first_name }}") is None
    assert plain_parts("a {{{ first_name }} b") is None


def test_a_missing_value_is_still_named_by_the_sandbox():
    import jinja2

    template = MessageTemplate("Bonjour {{ first_name }}", {})
    with pytest.raises(jinja2.UndefinedError):
        template.render({"last_name": "Durand"})

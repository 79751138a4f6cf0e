"""The password rule: long enough, not one of the passwords tried first by every
attacker, and not the user's own e-mail address."""

from __future__ import annotations

import re

MIN_LENGTH = 8

# The most used passwords in public leak statistics, with the French favourites; a
# password is refused when, lowercased and without trailing digits or symbols, it is one
# of them ("Azerty123!" is "azerty").
COMMONEST = frozenset("""
123456 123456789 12345678 1234567890 12345 1234567 111111 000000 123123 654321 666666 121212
112233 123321 987654321 123qwe 1q2w3e4r 1qaz2wsx qwerty qwertyuiop azerty azertyuiop
password passw0rd password1 motdepasse mot2passe mdp admin administrateur administrator root
toor welcome bienvenue letmein iloveyou jetaime loveyou monkey dragon football soccer baseball
master shadow sunshine princess superman batman starwars pokemon trustno1 login abc123 abcdef
abcdefgh secret changeme default test testtest demo guest user utilisateur marseille paris
lyon toulouse bordeaux nantes doudou chouchou loulou soleil nicolas camille julien thomas
alexandre maxime marine olivier isabelle chocolat coucou bonjour salut france allezlom
azertyui qwertz zxcvbnm asdfgh aaaaaa qazwsx hello hello123 freedom whatever trustme
""".split())

_TAIL = re.compile(r"[\d\W_]+$")


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why ``password`` is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"the password needs at least {MIN_LENGTH} characters"
    lowered = password.lower()
    core = _TAIL.sub("", lowered) or lowered
    if lowered in COMMONEST or core in COMMONEST or len(set(lowered)) <= 2:
        return "this password is among the most common ones: choose another"
    if email:
        address = email.strip().lower()
        local = address.partition("@")[0]
        if address in lowered or (len(local) >= 4 and local in lowered):
            return "the password must not contain the e-mail address"
    return None

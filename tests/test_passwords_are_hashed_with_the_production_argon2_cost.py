"""Passwords are hashed with argon2's production cost (64 MiB, 3 passes). The test users'
hashes are made with the cheapest parameters by the factories; the login accepts them only
because argon2 reads the cost of a check from the stored hash — production is not weakened."""

from argon2 import PasswordHasher, extract_parameters, profiles

from crm.auth import hash_password, verify_password


def test_a_new_password_is_hashed_with_at_least_64_mib_and_3_passes():
    params = extract_parameters(hash_password("un-mot-de-passe"))
    assert params.memory_cost >= 64 * 1024
    assert params.time_cost >= 3


def test_a_check_reads_its_cost_from_the_stored_hash():
    cheap = PasswordHasher.from_parameters(profiles.CHEAPEST).hash("un-mot-de-passe")
    assert verify_password(cheap, "un-mot-de-passe")
    assert not verify_password(cheap, "un-autre")

"""The on-disk derivation cache: same equations as a fresh derivation, keyed by declaration and engine source."""

import subprocess
import sys

import sympy as sp

import replica
from replica import derivation_cache
from replica.derivation import _derive
from replica.models import IsingPrior, MarginConstraint, Model


def test_a_cached_derivation_is_the_derivation(tmp_path, monkeypatch):
    monkeypatch.setenv("REPLICA_CACHE_DIR", str(tmp_path))
    model = replica.get_model("sign-perceptron")
    fresh = _derive(model)
    derivation_cache.store(model, fresh)
    loaded = derivation_cache.load(model)
    assert sp.simplify(loaded.free_entropy.expression - fresh.free_entropy.expression) == 0
    assert sp.simplify(loaded.capacity.alpha_c - fresh.capacity.alpha_c) == 0
    assert loaded.saddle_point.fixed_point.keys() == fresh.saddle_point.fixed_point.keys()
    assert len(list((tmp_path / "derivations").glob("*.pickle"))) == 1
    assert not list((tmp_path / "derivations").glob("*.partial"))  # written atomically, nothing left behind


def test_the_key_follows_the_declaration_not_the_name(tmp_path, monkeypatch):
    monkeypatch.setenv("REPLICA_CACHE_DIR", str(tmp_path))

    class WiderMargin(MarginConstraint):  # another declaration (its source differs) under a known name
        name = "wider-margin"

    plain = Model(name="same-name", summary="", reference="", prior=IsingPrior(), channel=MarginConstraint())
    edited = Model(name="same-name", summary="", reference="", prior=IsingPrior(), channel=WiderMargin())
    assert derivation_cache._key(plain) != derivation_cache._key(edited)
    derivation_cache.store(plain, _derive(replica.get_model("ising-perceptron")))
    assert derivation_cache.load(edited) is None


def test_damaged_entries_are_derived_again_and_the_cache_can_be_switched_off(tmp_path, monkeypatch):
    monkeypatch.setenv("REPLICA_CACHE_DIR", str(tmp_path))
    model = replica.get_model("gardner")
    derivation_cache.store(model, _derive(model))
    (entry,) = (tmp_path / "derivations").glob("*.pickle")
    entry.write_bytes(b"not a pickle")
    assert derivation_cache.load(model) is None
    monkeypatch.setenv("REPLICA_CACHE_DIR", "off")
    assert derivation_cache.cache_folder() is None and derivation_cache.load(model) is None


def test_a_second_process_reads_what_the_first_wrote(tmp_path):
    """Two fresh interpreters: the first derives and stores, the second loads the entry (and derives nothing)."""
    script = ("import replica, replica.derivation as d\n"
              "calls = []\n"
              "original = d._derive\n"
              "d._derive = lambda m: calls.append(m.name) or original(m)\n"
              "print(float(replica.theory('gardner').alpha_c(kappa=1.0)), len(calls))\n")
    env = {"REPLICA_CACHE_DIR": str(tmp_path), "PATH": ""}
    first, second = (subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                                    timeout=300) for _ in range(2))
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    value_first, derived_first = first.stdout.split()
    value_second, derived_second = second.stdout.split()
    assert (derived_first, derived_second) == ("1", "0")
    assert value_first == value_second

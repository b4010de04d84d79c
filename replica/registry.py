"""Registries of named declarations, collected from the modules of a package on first use.

The family registry (:mod:`replica.models.family`) and the check registry (:mod:`capacity.checks`) are both a
:class:`Registry`: every module of their package that declares a module-level tuple (``FAMILIES``, ``CHECKS``) adds
its entries, so a new family or check needs its own module and nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Callable

from .errors import ModelDeclarationError, ParameterError

__all__ = ["Registry"]


class Registry:
    """Declarations by name.

    Parameters
    ----------
    package : str
        The package whose modules declare entries.
    attribute : str
        The module-level tuple of declarations each module may define.
    key : callable
        The name of an entry.
    missing : callable
        ``missing(name, known_names)``: the message for a name not registered (raised as a
        :class:`~replica.errors.ParameterError` about ``model``).
    """

    def __init__(self, package: str, attribute: str, key: Callable, missing: Callable):
        self.package, self.attribute, self.key, self.missing = package, attribute, key, missing
        self._entries: dict = {}
        self._discovered = False

    def add(self, entry):
        """Register ``entry`` (its name must be new; registering the same object again does nothing)."""
        name = self.key(entry)
        if name in self._entries and self._entries[name] is not entry:
            raise ModelDeclarationError(f"{name!r} is already registered in {self.package}")
        self._entries[name] = entry
        return entry

    def _discover(self) -> None:
        if self._discovered:
            return
        self._discovered = True
        package = importlib.import_module(self.package)
        for module in pkgutil.iter_modules(package.__path__):
            loaded = importlib.import_module(f"{self.package}.{module.name}")
            for entry in getattr(loaded, self.attribute, ()):
                self.add(entry)

    def get(self, name: str):
        """The entry named ``name``."""
        self._discover()
        try:
            return self._entries[name]
        except KeyError:
            raise ParameterError("model", self.missing(name, sorted(self._entries))) from None

    def entries(self) -> list:
        """Every entry, sorted by name."""
        self._discover()
        return [self._entries[name] for name in sorted(self._entries)]

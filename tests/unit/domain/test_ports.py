"""Ports and adapters stay paired. mypy proves that an adapter the container hands out as a port fits it; this
checks what mypy cannot see: a port that nothing implements, or an adapter the container hands out untyped
(as Any, or as its own class), which mypy would then never compare with its port."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

import pytest

import chalicelib.adapters
import chalicelib.services
from chalicelib.domain import ports

pytestmark = pytest.mark.unit

CHALICELIB = Path(__file__).resolve().parents[3] / "chalicelib"
# The container's two halves: the adapters (Adapters) and the use cases on top of them (Container)
WIRING = ((CHALICELIB / "adapters_wiring.py", "Adapters"), (CHALICELIB / "bootstrap.py", "Container"))


def _is_port_module(name: str) -> bool:
    """The ports live in the modules of the package chalicelib.domain.ports, one per subject."""
    return name.startswith(f"{ports.__name__}.")


def _protocols() -> dict[str, type]:
    return {name: value for name, value in vars(ports).items()
            if inspect.isclass(value) and getattr(value, "_is_protocol", False) and _is_port_module(value.__module__)}


def _members(protocol: type) -> dict[str, inspect.Signature]:
    """The protocol's methods (its own and its bases'), each with its signature."""
    found: dict[str, inspect.Signature] = {}
    for cls in reversed(protocol.__mro__):
        if cls in (object, Protocol) or not _is_port_module(cls.__module__):
            continue
        for name, value in vars(cls).items():
            if inspect.isfunction(value) and (name == "__call__" or not name.startswith("_")):
                found[name] = inspect.signature(value)
    return found


def _parameters(signature: inspect.Signature) -> list[tuple[str, Any]]:
    return [(p.name, p.kind) for p in signature.parameters.values() if p.name != "self"]


def _implements(candidate: object, protocol: type) -> bool:
    """Structurally, by name: every method of the protocol, taking parameters of the same names and kinds."""
    for name, expected in _members(protocol).items():
        if name == "__call__" and not inspect.isclass(candidate):
            method: Any = candidate  # a function (or lru_cache wrapper) stands for a callable protocol
        else:
            method = inspect.getattr_static(candidate, name, None) if inspect.isclass(candidate) else None
        if method is None or not callable(method):
            return False
        try:
            if _parameters(inspect.signature(method)) != _parameters(expected):
                return False
        except (TypeError, ValueError):
            return False
    return True


def _adapters(package: ModuleType = chalicelib.adapters) -> dict[str, object]:
    """Every class and function defined in the package (the adapters unless told), by name (but the payment
    processors' parsers: a use case gets them through `parser_for`, not as a port)."""
    found: dict[str, object] = {}
    for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        if info.name.startswith("chalicelib.adapters.processors."):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (inspect.isclass(value) or callable(value)) and getattr(value, "__module__", None) == module.__name__:
                found[name] = value
    return found


def _container_members() -> list[ast.FunctionDef]:
    members = []
    for path, class_name in WIRING:
        tree = ast.parse(path.read_text())
        wiring = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name)
        members += [n for n in wiring.body if isinstance(n, ast.FunctionDef)]
    return members


def _adapter_imports(member: ast.FunctionDef) -> set[str]:
    return {alias.name for node in ast.walk(member) if isinstance(node, ast.ImportFrom)
            and (node.module or "").startswith("chalicelib.adapters") for alias in node.names}


def test_the_package_exports_every_port_of_its_modules():
    """`from chalicelib.domain.ports import X` works for every port, whichever subject's module defines it."""
    defined = {}
    for info in pkgutil.iter_modules(ports.__path__, f"{ports.__name__}."):
        module = importlib.import_module(info.name)
        defined |= {name: value for name, value in vars(module).items()
                    if inspect.isclass(value) and getattr(value, "_is_protocol", False)
                    and value.__module__ == module.__name__}
    assert len(defined) > 40  # the walk found the modules
    assert {name: getattr(ports, name, None) for name in defined} == defined
    assert sorted(ports.__all__) == sorted([*defined, "DueEntry"])


def test_every_port_has_an_implementation():
    """An adapter, or for what one use case offers the others (PolicyBook, TenantLookup, Links) a service."""
    implementations = {**_adapters(), **_adapters(chalicelib.services)}
    unimplemented = sorted(name for name, protocol in _protocols().items()
                           if not any(_implements(found, protocol) for found in implementations.values()))
    assert unimplemented == []


def test_the_services_implement_the_ports_other_use_cases_take():
    from chalicelib.services.links import LinkService
    from chalicelib.services.policies import PolicyService
    from chalicelib.services.tenants import TenantService

    assert _implements(PolicyService, ports.PolicyBook)
    assert _implements(TenantService, ports.TenantLookup)
    assert _implements(LinkService, ports.Links)
    assert not _implements(TenantService, ports.Links)


def test_the_container_hands_out_each_adapter_as_a_port_it_implements():
    protocols, adapters = _protocols(), _adapters()
    port_adapters = {name for name, adapter in adapters.items()
                     if any(_implements(adapter, protocol) for protocol in protocols.values())}
    checked, wrong = [], []
    for member in _container_members():
        built = _adapter_imports(member) & port_adapters
        if not built:
            continue
        returns = ast.unparse(member.returns) if member.returns else "nothing"
        checked.append(member.name)
        for adapter in sorted(built):
            if returns not in protocols or not _implements(adapters[adapter], protocols[returns]):
                wrong.append(f"Container.{member.name} builds {adapter} but returns {returns}")
    assert wrong == []
    assert "account_repository" in checked and "email" in checked  # the scan found the container's adapters


def test_the_check_tells_a_fitting_adapter_from_one_that_does_not_fit():
    class Sms:
        def send(self, *, phone: str, text: str, sender_id: str | None, tags: dict[str, str]) -> str:
            return "id"

        def opt_in(self, phone: str) -> None:
            return None

    class PositionalSms:
        def send(self, phone: str, text: str, sender_id: str | None, tags: dict[str, str]) -> str:
            return "id"

        def opt_in(self, phone: str) -> None:
            return None

    def calendar(country: str | None, region: str | None) -> Any:
        return None

    assert _implements(Sms, ports.SmsSender)
    assert not _implements(PositionalSms, ports.SmsSender)
    assert not _implements(Sms, ports.FinanceNotifier)
    assert _implements(calendar, ports.HolidayCalendar)
    assert not _implements(Sms, ports.HolidayCalendar)

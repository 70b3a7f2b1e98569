"""What a view is about: one practice, one network or the whole programme, parsed once.

In a URL a focus is written `ZZ0001` (a practice code), `network:ZN001` or `programme`;
`Focus.parse` reads that text and `str(focus)` writes it back, so nothing else slices strings.
`check` says whether a user may ask for it (a practice of their own; a network with a shared
practice; the programme is open to everyone, with disclosure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from gpqi.access.errors import NotVisible
from gpqi.access.scope import Access

NETWORK_PREFIX = "network:"
PROGRAMME = "programme"


@dataclass(frozen=True)
class Focus:
    kind: Literal["practice", "network", "programme"]
    code: str = ""  # the practice or network code; empty for the programme

    @classmethod
    def parse(cls, text: str) -> Focus:
        text = text.strip()
        if text == PROGRAMME:
            return cls("programme")
        if text.startswith(NETWORK_PREFIX):
            code = text[len(NETWORK_PREFIX) :]
            if not code:
                raise NotVisible("No such network")
            return cls("network", code)
        if not text:
            raise NotVisible("No such practice")
        return cls("practice", text)

    @classmethod
    def practice(cls, code: str) -> Focus:
        return cls("practice", code)

    @classmethod
    def network(cls, code: str) -> Focus:
        return cls("network", code)

    @property
    def is_practice(self) -> bool:
        return self.kind == "practice"

    @property
    def is_network(self) -> bool:
        return self.kind == "network"

    @property
    def is_programme(self) -> bool:
        return self.kind == "programme"

    def __str__(self) -> str:
        if self.kind == "programme":
            return PROGRAMME
        return f"{NETWORK_PREFIX}{self.code}" if self.kind == "network" else self.code

    def members(self, access: Access) -> list[str]:
        """The shared practices this focus covers, sorted."""
        if self.is_practice:
            return [self.code] if self.code in access.shared else []
        if self.is_network:
            return access.shared_in_network(self.code)
        return access.visible()

    def own_members(self, access: Access) -> set[str]:
        """Of its members, the user's own (drawn and listed as themselves)."""
        return {c for c in self.members(access) if c in access.own}

    def check(self, access: Access) -> Focus:
        """This focus if the user may ask for it, else NotVisible (as if it did not exist)."""
        if self.is_practice and not access.may_view_practice(self.code):
            raise NotVisible("No such practice")
        if self.is_network and not access.may_view_network(self.code):
            raise NotVisible("No such network")
        return self


def default_focus(access: Access) -> Focus:
    """The user's home practice, else their network, else the programme."""
    if access.home_practice and access.home_practice in access.shared:
        return Focus.practice(access.home_practice)
    if access.home_network:
        return Focus.network(access.home_network)
    return Focus("programme")

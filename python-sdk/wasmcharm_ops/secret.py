"""Juju secrets, as ``ops.model.Secret`` names them: read what this unit was granted,
and create, update, grant and remove what it or its application owns. Content is a
dict of strings; it reaches Juju through the host and never a command line."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import Enum
from typing import Any

from . import _host
from ._host import InvalidInputError, NotFoundError, call

_s = _host.secrets


class SecretNotFoundError(NotFoundError):
    """No secret of that id or label, or none this unit may read."""


def _get(fn: Any, *args: Any) -> Any:
    try:
        return call(fn, *args)
    except NotFoundError as e:
        raise SecretNotFoundError(e.message, e.kind) from None


class SecretRotate(Enum):
    """How often Juju sends the owner ``secret-rotate``."""

    NEVER = "never"
    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"

    def _to_host(self) -> _s.RotatePolicy:
        return getattr(_s.RotatePolicy, self.name)

    @staticmethod
    def _from_host(policy: _s.RotatePolicy | None) -> SecretRotate | None:
        return None if policy is None else SecretRotate[policy.name]


@dataclass
class SecretInfo:
    """What the owner sees of a secret (``secret.get_info()``)."""

    id: str
    label: str | None
    description: str | None
    expires: str | None
    rotation: SecretRotate | None
    rotates: str | None
    revision: int


def _expire(value: Any) -> str | None:
    """``expire=``: a datetime, a timedelta from now, or Juju's own text."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise InvalidInputError("expire: a datetime needs a time zone", "invalid-input")
        return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, datetime.timedelta):
        return f"{int(value.total_seconds())}s"
    return str(value)


def _metadata(
    label: str | None,
    description: str | None,
    expire: Any,
    rotate: SecretRotate | None,
) -> _s.SecretMetadata:
    return _s.SecretMetadata(
        label=label,
        description=description,
        expire=_expire(expire),
        rotate=None if rotate is None else rotate._to_host(),
    )


def _content(content: dict[str, str]) -> list[tuple[str, str]]:
    if not isinstance(content, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in content.items()
    ):
        raise InvalidInputError("secret content is a dict of strings", "invalid-input")
    return list(content.items())


class Secret:
    """A secret, by id (``secret:...``) or label: ``get_content``, and for its owner
    ``set_content``, ``set_info``, ``grant``, ``revoke``, ``get_info`` and removal."""

    def __init__(self, id: str | None = None, label: str | None = None) -> None:  # noqa: A002
        if id is None and label is None:
            raise TypeError("a secret is named by id or label")
        self._id = id
        self._label = label

    @property
    def id(self) -> str | None:
        """The secret's URI."""
        return self._id

    @property
    def label(self) -> str | None:
        return self._label

    def get_content(self, *, refresh: bool = False) -> dict[str, str]:
        """The revision this unit tracks, or with ``refresh`` the newest (then tracked)."""
        revision = _s.Revision.REFRESH if refresh else _s.Revision.TRACKED
        return dict(_get(_s.get, self._id, self._label, revision))

    def peek_content(self) -> dict[str, str]:
        """The newest revision, without tracking it."""
        return dict(_get(_s.get, self._id, self._label, _s.Revision.PEEK))

    def get_info(self) -> SecretInfo:
        """What the owner knows of it."""
        owned = _get(_s.owned_info, self._id, self._label)
        self._id = owned.id
        return SecretInfo(
            id=owned.id,
            label=owned.label,
            description=owned.description,
            expires=owned.expiry,
            rotation=SecretRotate._from_host(owned.rotation),
            rotates=owned.rotates,
            revision=owned.revision,
        )

    def _owned_id(self) -> str:
        if self._id is None:
            self._id = _get(_s.owned_info, None, self._label).id
        return self._id

    def set_content(self, content: dict[str, str]) -> None:
        """A new revision (unless it equals the newest)."""
        call(_s.update, self._owned_id(), _content(content), _metadata(None, None, None, None))

    def set_info(
        self,
        *,
        label: str | None = None,
        description: str | None = None,
        expire: Any = None,
        rotate: SecretRotate | None = None,
    ) -> None:
        """Changes the metadata given; the rest stays."""
        call(
            _s.update,
            self._owned_id(),
            None,
            _metadata(label, description, expire, rotate),
        )
        if label is not None:
            self._label = label

    def grant(self, relation: Any, *, unit: Any = None) -> None:
        """Lets the application across ``relation`` (or one of its units) read it."""
        call(_s.grant, self._owned_id(), relation.id, None if unit is None else unit.name)

    def revoke(self, relation: Any, *, unit: Any = None) -> None:
        """Takes back what :meth:`grant` gave."""
        call(_s.revoke, self._owned_id(), relation.id, None if unit is None else unit.name)

    def remove_revision(self, revision: int) -> None:
        """Removes one revision."""
        call(_s.remove, self._owned_id(), revision)

    def remove_all_revisions(self) -> None:
        """Removes the secret."""
        call(_s.remove, self._owned_id(), None)

    def __repr__(self) -> str:
        return f"<Secret {self._id or self._label}>"


def add(
    owner: _s.SecretOwner,
    content: dict[str, str],
    label: str | None,
    description: str | None,
    expire: Any,
    rotate: SecretRotate | None,
) -> Secret:
    """Creates a secret owned by the application or the unit."""
    meta = _metadata(label, description, expire, rotate)
    return Secret(call(_s.create, _content(content), meta, owner), label)

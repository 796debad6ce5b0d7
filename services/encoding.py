"""Event encoding: msgspec JSON, decoded with the event's own type so values come back typed."""

from __future__ import annotations

import typing
from collections.abc import Callable
from dataclasses import fields
from datetime import datetime
from functools import cache
from typing import Any, NotRequired, TypedDict
from uuid import UUID

import msgspec
from eventsourcing.domain import CanSnapshotAggregate, DomainEventProtocol
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent
from eventsourcing.utils import get_topic, resolve_topic

from services.personal_data import PersonalDataKeys, open_sealed

_encoder = msgspec.json.Encoder(decimal_format="string")
_untyped = msgspec.json.Decoder()
_IDENTITY = frozenset({"originator_id", "originator_version"})


class _Sealed(msgspec.Struct):
    """A personal-data field as stored: encrypted with the subject's own key."""

    sealed: bytes


class PersonalDataUnavailable(RuntimeError):
    """An event holds personal data but the mapper has no key store to seal it with."""


def _personal(cls: type) -> dict[str, Any]:
    personal: dict[str, Any] = getattr(cls, "PERSONAL_DATA", None) or {}
    return personal


class _SnapshotEnvelope(msgspec.Struct):
    timestamp: datetime
    topic: str
    state: msgspec.Raw


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


@cache
def _event_state_type(cls: type) -> Any:
    """A TypedDict of the event's dataclass fields (identity excluded)."""
    hints = typing.get_type_hints(cls)
    personal = _personal(cls)
    spec: dict[str, Any] = {
        f.name: _Sealed if f.name in personal else hints[f.name]
        for f in fields(cls)
        if f.name not in _IDENTITY
    }
    spec["class_version"] = NotRequired[int]
    return TypedDict(f"{cls.__qualname__}State", spec)  # type: ignore[operator]


@cache
def _event_decoder(cls: type) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(_event_state_type(cls))


@cache
def _aggregate_state_type(cls: type) -> Any:
    """A TypedDict of an aggregate's annotated attributes, for its snapshots."""
    hints = {k: v for k, v in typing.get_type_hints(cls).items() if not k.isupper()}
    hints.update(_created_on=datetime, _modified_on=datetime, class_version=int)
    return TypedDict(f"{cls.__qualname__}State", hints, total=False)  # type: ignore[operator]


@cache
def _aggregate_decoder(cls: type) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(_aggregate_state_type(cls))


def _upcast(cls: type, raw: dict[str, Any]) -> dict[str, Any]:
    """Run the class's upcast_vN_vN+1 methods from the stored class_version to the current."""
    version = raw.pop("class_version", 1)
    while version < getattr(cls, "class_version", 1):
        getattr(cls, f"upcast_v{version}_v{version + 1}")(raw)
        version += 1
    return raw


class MsgspecMapper(Mapper[UUID]):
    """Encodes `vars(event)` with msgspec; decodes with the event class as the target type.

    The default mapper decodes without type information, so dates, UUIDs, decimals and
    enums would come back as strings. Snapshots decode their state with the aggregate's
    own annotations. Older class versions are upcast before typed conversion.

    Fields an event class lists in PERSONAL_DATA are sealed with the subject's own key
    (`keys`, set by the application); once the key is forgotten they decode as the
    placeholder the class gives for them.
    """

    keys: PersonalDataKeys | None = None

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        for name in _personal(type(domain_event)):
            state[name] = _Sealed(self._keys().seal(originator_id, _encoder.encode(state[name])))
        data = _encoder.encode(state)
        if self.compressor:
            data = self.compressor.compress(data)
        if self.cipher:
            data = self.cipher.encrypt(data)
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=get_topic(type(domain_event)),
            state=data,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        cls = resolve_topic(stored_event.topic)
        data = stored_event.state
        try:
            if self.cipher:
                data = self.cipher.decrypt(data)
            if self.compressor:
                data = self.compressor.decompress(data)
            if issubclass(cls, CanSnapshotAggregate):
                state = self._decode_snapshot(data)
            else:
                state = self._decode_event(cls, data)
                if _personal(cls):
                    self._unseal(cls, stored_event.originator_id, state)
        except (msgspec.DecodeError, msgspec.ValidationError, AttributeError, TypeError) as e:
            msg = (
                f"Failed to decode stored event {stored_event.topic} "
                f"{stored_event.originator_id} v{stored_event.originator_version}: {e}"
            )
            raise MapperDeserialisationError(msg) from e
        originator_id = stored_event.originator_id
        state["originator_id"] = (
            originator_id if isinstance(originator_id, UUID) else UUID(str(originator_id))
        )
        state["originator_version"] = stored_event.originator_version
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return typing.cast(DomainEventProtocol[UUID], event)

    def rebuild_decoder(self) -> Callable[[str, Any, int, bytes], Any]:
        """A decoder for a rebuild: (topic, originator id, version, stored state) → event.

        The same typed decoding as `to_domain_event` (upcasting older class versions,
        unsealing personal data), but each lookup is made once: the event class and its
        decoder per topic, and every personal-data key, read in one query when the decoder
        is made (a subject without a key there, e.g. created since, is asked for once).
        Not for the live path: a key forgotten after this moment is still used by it; the
        erasure's own event, later in the log, blanks what it decoded.
        """
        store = self.keys
        keys: dict[UUID, bytes | None] = dict(store.all_keys()) if store is not None else {}
        plans: dict[str, tuple[type, msgspec.json.Decoder[Any], int, dict[str, Any]]] = {}
        cipher, compressor = self.cipher, self.compressor

        def key_of(subject_id: UUID) -> bytes | None:
            if subject_id not in keys:
                keys[subject_id] = self._keys().key_for(subject_id, create=False)
            return keys[subject_id]

        def decode(topic: str, originator_id: Any, originator_version: int, data: bytes) -> Any:
            plan = plans.get(topic)
            if plan is None:
                cls = resolve_topic(topic)
                plan = plans[topic] = (
                    cls,
                    _event_decoder(cls),
                    getattr(cls, "class_version", 1),
                    _personal(cls),
                )
            cls, decoder, current, personal = plan
            subject = originator_id if isinstance(originator_id, UUID) else UUID(str(originator_id))
            try:
                if cipher:
                    data = cipher.decrypt(data)
                if compressor:
                    data = compressor.decompress(data)
                try:
                    state: dict[str, Any] = decoder.decode(data)
                    if state.pop("class_version", 1) != current:
                        state = self._decode_event(cls, data)
                except msgspec.ValidationError:
                    state = self._decode_event(cls, data)  # an older shape: upcast
                if personal:
                    hints = _hints(cls)
                    for name, erased in personal.items():
                        key = key_of(subject)
                        plain = (
                            None if key is None else open_sealed(key, subject, state[name].sealed)
                        )
                        state[name] = (
                            erased
                            if plain is None
                            else msgspec.json.decode(plain, type=hints[name])
                        )
            except (msgspec.DecodeError, msgspec.ValidationError, AttributeError, TypeError) as e:
                raise MapperDeserialisationError(
                    f"Failed to decode stored event {topic} {originator_id}"
                    f" v{originator_version}: {e}"
                ) from e
            state["originator_id"] = subject
            state["originator_version"] = originator_version
            event: Any = object.__new__(cls)
            object.__setattr__(event, "__dict__", state)
            return event

        return decode

    def _keys(self) -> PersonalDataKeys:
        if self.keys is None:
            raise PersonalDataUnavailable("Personal data needs the per-person key store.")
        return self.keys

    def _unseal(self, cls: type, subject: UUID | str, state: dict[str, Any]) -> None:
        subject_id = subject if isinstance(subject, UUID) else UUID(str(subject))
        hints = _hints(cls)
        for name, erased in _personal(cls).items():
            plain = self._keys().unseal(subject_id, state[name].sealed)
            state[name] = erased if plain is None else msgspec.json.decode(plain, type=hints[name])

    @staticmethod
    def _decode_event(event_cls: type, data: bytes) -> dict[str, Any]:
        current = getattr(event_cls, "class_version", 1)
        try:
            state: dict[str, Any] = _event_decoder(event_cls).decode(data)
            if state.pop("class_version", 1) == current:
                return state
        except msgspec.ValidationError:
            pass  # an older shape: upcast below
        raw = _upcast(event_cls, _untyped.decode(data))
        typed: dict[str, Any] = msgspec.convert(raw, _event_state_type(event_cls))
        typed.pop("class_version", None)
        return typed

    @staticmethod
    def _decode_snapshot(data: bytes) -> dict[str, Any]:
        envelope = msgspec.json.decode(data, type=_SnapshotEnvelope)
        aggregate_cls = resolve_topic(envelope.topic)
        current = getattr(aggregate_cls, "class_version", 1)
        decoder = _aggregate_decoder(aggregate_cls)
        state: dict[str, Any] = decoder.decode(envelope.state)
        if state.get("class_version", 1) != current:
            # An older shape: upcast the plain state first, then convert it to the types.
            raw = _upcast(aggregate_cls, _untyped.decode(envelope.state))
            state = msgspec.convert(raw, _aggregate_state_type(aggregate_cls))
            if current > 1:
                state["class_version"] = current  # already upcast: mutate() must not redo it
        return {"timestamp": envelope.timestamp, "topic": envelope.topic, "state": state}

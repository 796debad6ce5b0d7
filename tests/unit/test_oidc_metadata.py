"""The provider's discovery document as api/oidc.py keeps it: read anew after a day (so
changed endpoints and keys are picked up), and refused when it names another issuer
(OpenID Connect Discovery 1.0 §4.3) -- then not kept either."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from api.oidc import METADATA_MAX_AGE, _metadata, _Provider
from services.sso import SsoRefused

ISSUER = "https://login.example.dk"


def _provider(document: dict[str, Any], loaded_ago: float) -> tuple[_Provider, list[int]]:
    provider = _Provider(
        None, client_id="tvaers", server_metadata_url=f"{ISSUER}/.well-known/openid-configuration"
    )
    provider.server_metadata.update(
        {"issuer": ISSUER, "jwks": {"keys": []}, "_loaded_at": time.time() - loaded_ago}
    )
    reads: list[int] = []

    async def load() -> dict[str, Any]:
        if "_loaded_at" not in provider.server_metadata:
            reads.append(1)
            provider.server_metadata.update({**document, "_loaded_at": time.time()})
        return provider.server_metadata

    provider.load_server_metadata = load  # type: ignore[method-assign]
    return provider, reads


def test_a_fresh_document_is_kept_and_an_old_one_read_anew() -> None:
    provider, reads = _provider({"issuer": ISSUER}, loaded_ago=60)
    asyncio.run(_metadata(provider, ISSUER))
    assert reads == []
    assert "jwks" in provider.server_metadata
    provider, reads = _provider({"issuer": ISSUER}, loaded_ago=METADATA_MAX_AGE + 1)
    asyncio.run(_metadata(provider, ISSUER + "/"))
    assert reads == [1]
    assert "jwks" not in provider.server_metadata  # the keys are fetched anew too


def test_a_document_naming_another_issuer_is_refused_and_forgotten() -> None:
    provider, _ = _provider({"issuer": "https://evil.example"}, loaded_ago=METADATA_MAX_AGE + 1)
    with pytest.raises(SsoRefused):
        asyncio.run(_metadata(provider, ISSUER))
    assert provider.server_metadata == {}

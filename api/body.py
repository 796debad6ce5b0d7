"""What every API request must be before a handler sees it: one hook for all routes.

Litestar reads a JSON body leniently: any Content-Type, the last of duplicate keys, `0`
for `false`, `"1e5"` for a decimal, and nesting until Python's recursion limit (a 500).
`StrictRequests()`, the app's `before_request` hook, refuses for every operation of the
JSON API, before the handler runs:

- a body (or a Content-Type) that does not say `application/json` or `application/*+json`
  (UTF-8): 415 `unsupported-media-type`. A form a browser can post cross-site
  (`text/plain`, form-encoded, multipart) never reaches a JSON handler;
- JSON that is malformed, nested deeper than `MAX_DEPTH`, or has a key twice in one
  object: 400;
- values the schema's types accept only leniently (`0` as a boolean, `"3"` as a number):
  400, as msgspec's strict mode says;
- a decimal given as a string that `DECIMAL_PATTERN` (the OpenAPI document's pattern)
  does not match, e.g. `"1e5"` or `"NaN"`: 400;
- a query parameter the operation does not declare (a misspelt `asof=` used to be
  ignored silently): 400.

It also answers OPTIONS with every method of the path in `Allow` (Litestar's own OPTIONS
handler knows only the methods of the first controller that registered a path).

The web UI under /ui posts forms and has no JSON body parameter: it is not affected.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Litestar, Request, Response
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, ValidationException
from litestar.handlers import HTTPRouteHandler
from litestar.params import BodyKwarg
from litestar.routes import HTTPRoute
from litestar.status_codes import HTTP_204_NO_CONTENT, HTTP_415_UNSUPPORTED_MEDIA_TYPE

MAX_DEPTH = 32
"""Arrays and objects inside each other: no request body of the API needs more than 4."""

# A decimal as the API reads it from a string (it takes a JSON number too).
DECIMAL_PATTERN = r"^-?[0-9]{1,15}(\.[0-9]{1,6})?$"
_DECIMAL = re.compile(DECIMAL_PATTERN)

_JSON_MEDIA_TYPE = re.compile(r"^application/(?:[a-z0-9!#$&^_.-]+\+)?json$")


class UnsupportedMediaType(HTTPException):
    """415: the body is not JSON by its Content-Type."""

    status_code = HTTP_415_UNSUPPORTED_MEDIA_TYPE


class _DuplicateKey(ValueError):
    pass


@dataclass(frozen=True)
class _Rules:
    """What one operation accepts: its JSON body's type (if any) and its query parameters."""

    body: Any | None
    strict: msgspec.json.Decoder[Any] | None
    query: frozenset[str] | None
    info: msgspec.inspect.Type | None = None
    """The body type's msgspec description (costly to build: ~0.5 ms), made once; None
    when it holds no decimal (nothing for `_bad_decimals` to look at)."""
    required: bool = False
    """Whether the operation needs a body (its `data` has no default)."""


def _refuse(detail: str, field: str = "data", message: str | None = None) -> ValidationException:
    return ValidationException(
        detail, extra=[{"key": field, "message": message or detail, "source": "body"}]
    )


def _missing(body: Any) -> ValidationException:
    """400 for a request without the body the operation reads, naming the body's schema."""
    name = getattr(body, "__name__", "JSON object")
    return ValidationException(
        f"The request has no body: this operation reads a JSON object ({name} in the "
        "OpenAPI document); send `{}` when every field may be left out.",
        extra=[{"key": "body", "message": f"missing: a {name} object", "source": "body"}],
    )


def _json_body_type(handler: HTTPRouteHandler) -> Any | None:
    """The type of the handler's JSON body (`data`), or None when it reads no JSON."""
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return None
    kwarg = data.kwarg_definition
    if isinstance(kwarg, BodyKwarg) and kwarg.media_type != RequestEncodingType.JSON:
        return None
    return data.annotation


def _rules(handler: HTTPRouteHandler, query_names: set[str]) -> _Rules:
    body = _json_body_type(handler)
    strict: msgspec.json.Decoder[Any] | None = None
    if body is not None:
        try:
            strict = msgspec.json.Decoder(body, strict=True)
        except TypeError:  # a type msgspec cannot decode by itself: Litestar's own reading
            strict = None
    # Only the API's documented operations refuse unknown query parameters.
    query = frozenset(query_names) if handler.resolve_include_in_schema() else None
    info = msgspec.inspect.type_info(body) if strict is not None else None
    if info is not None and not _holds_decimal(info, set()):
        info = None  # walking the body for decimals would find none
    data = handler.parsed_fn_signature.parameters.get("data")
    required = body is not None and data is not None and not data.has_default
    return _Rules(body=body, strict=strict, query=query, info=info, required=required)


def _holds_decimal(info: msgspec.inspect.Type, seen: set[type]) -> bool:
    """Whether a value of this type can hold a decimal anywhere inside it."""
    if isinstance(info, msgspec.inspect.DecimalType):
        return True
    if isinstance(info, msgspec.inspect.Metadata):
        return _holds_decimal(info.type, seen)
    if isinstance(info, msgspec.inspect.StructType):
        if info.cls in seen:  # a type inside itself: looked at already
            return False
        seen.add(info.cls)
        return any(_holds_decimal(field.type, seen) for field in info.fields)
    if isinstance(info, msgspec.inspect.UnionType):
        return any(_holds_decimal(kind, seen) for kind in info.types)
    if isinstance(
        info,
        msgspec.inspect.ListType | msgspec.inspect.SetType | msgspec.inspect.FrozenSetType,
    ):
        return _holds_decimal(info.item_type, seen)
    if isinstance(info, msgspec.inspect.DictType):
        return _holds_decimal(info.value_type, seen)
    return False


def _check_media_type(request: Request[Any, Any, Any], body: bytes) -> None:
    header = request.headers.get("content-type")
    if header is None:
        if body:
            raise UnsupportedMediaType("A request body must be sent as application/json.")
        return
    media_type, options = request.content_type
    charset = options.get("charset", "utf-8").strip('"').lower()
    if not _JSON_MEDIA_TYPE.match(media_type.lower()) or charset not in {"utf-8", "utf8"}:
        raise UnsupportedMediaType(
            f"This operation reads JSON: send Content-Type application/json (UTF-8), "
            f"not {header[:100]!r}."
        )


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return obj


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _number(text: str) -> float | int:
    """A JSON number with a fraction or exponent; integral ones (`3.0`, `1e5`) are integers.

    JSON Schema counts `3.0` as an integer, so a schema's `integer` takes it (and
    Litestar's reading turns it into 3); `3.5` stays a float and is refused for an int.
    """
    number = float(text)
    return int(number) if number.is_integer() else number


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest in `value` (iteratively: no recursion limit)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


# Made once: `json.loads` with hooks builds a decoder (and its scanner) on every call.
_DECODER = json.JSONDecoder(
    object_pairs_hook=_no_duplicates, parse_constant=_no_constant, parse_float=_number
)


def _parse(body: bytes) -> Any:
    """The body as Python values: refused when malformed, too deep or with a key twice."""
    try:
        text = body.decode("utf-8")
        value = _DECODER.decode(text)
    except RecursionError:
        raise _refuse(f"The JSON body nests deeper than {MAX_DEPTH} levels.") from None
    except _DuplicateKey as duplicate:
        key = str(duplicate)
        raise _refuse(
            f"The JSON body names `{key[:100]}` twice in one object.", field=key[:100]
        ) from None
    except ValueError:  # JSONDecodeError, UnicodeDecodeError, NaN/Infinity
        raise _refuse("The request body is not valid UTF-8 JSON.") from None
    if _depth(value) > MAX_DEPTH:
        raise _refuse(f"The JSON body nests deeper than {MAX_DEPTH} levels.")
    return value


_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)


def _field(path: str) -> str:
    """msgspec's `$.obligations[0].text` as Litestar names fields: `obligations.0.text`."""
    name = re.sub(r"\[(\d+)\]", r".\1", path).lstrip(".")
    return name or "data"


def _check_types(rules: _Rules, value: Any) -> None:
    """Refuse what only a lenient reading accepts (Litestar's own reports everything else)."""
    if rules.strict is None:
        return
    try:
        msgspec.convert(value, rules.body, strict=True, str_keys=True)
    except msgspec.ValidationError as error:
        try:
            msgspec.convert(value, rules.body, strict=False, str_keys=True)
        except (msgspec.ValidationError, TypeError):
            return  # wrong even when read leniently: Litestar's own 400 says where
        found = _AT.match(str(error))
        message = found.group("message") if found else str(error)
        field = _field(found.group("path") or "") if found else "data"
        raise _refuse(f"Invalid `{field}`: {message}.", field=field, message=message) from None
    for field in _bad_decimals(rules.info, value, "") if rules.info is not None else ():
        raise _refuse(
            f'Invalid `{field}`: a decimal is a number, or a string such as "1234.50".',
            field=field,
            message=f"Expected a decimal matching {DECIMAL_PATTERN}",
        )


def _bad_decimals(info: msgspec.inspect.Type, value: Any, path: str) -> Iterator[str]:
    """The fields holding a decimal as a string DECIMAL_PATTERN does not match."""
    if isinstance(info, msgspec.inspect.Metadata):
        yield from _bad_decimals(info.type, value, path)
    elif isinstance(info, msgspec.inspect.DecimalType):
        if isinstance(value, str) and not _DECIMAL.match(value):
            yield path or "data"
    elif isinstance(info, msgspec.inspect.StructType) and isinstance(value, dict):
        for field in info.fields:
            if field.encode_name in value:
                where = f"{path}.{field.encode_name}" if path else field.encode_name
                yield from _bad_decimals(field.type, value[field.encode_name], where)
    elif isinstance(info, msgspec.inspect.UnionType):
        for kind in info.types:
            yield from _bad_decimals(kind, value, path)
    elif isinstance(
        info,
        msgspec.inspect.ListType | msgspec.inspect.SetType | msgspec.inspect.FrozenSetType,
    ) and isinstance(value, list):
        for index, item in enumerate(value):
            yield from _bad_decimals(info.item_type, item, f"{path}.{index}")
    elif isinstance(info, msgspec.inspect.DictType) and isinstance(value, dict):
        for key, item in value.items():
            yield from _bad_decimals(info.value_type, item, f"{path}.{key}")


def _check_query(rules: _Rules, request: Request[Any, Any, Any]) -> None:
    if rules.query is None:
        return
    unknown = sorted(set(request.query_params) - rules.query)
    if unknown:
        names = ", ".join(f"`{name[:50]}`" for name in unknown[:5])
        known = ", ".join(sorted(rules.query)) or "none"
        raise ValidationException(
            f"Unknown query parameter {names}; this operation takes: {known}.",
            extra=[
                {"key": name[:50], "message": "unknown query parameter", "source": "query"}
                for name in unknown[:5]
            ],
        )


class StrictRequests:
    """The app's `before_request` hook (one per app): each operation's rules worked out once."""

    def __init__(self) -> None:
        self._rules: dict[HTTPRouteHandler, _Rules] = {}
        self._allow: dict[HTTPRouteHandler, str] = {}
        self._ready = False

    def _learn(self, app: Litestar) -> None:
        for route in app.routes:
            if not isinstance(route, HTTPRoute):
                continue
            for method, (handler, model) in route.route_handler_map.items():
                if method == "OPTIONS":
                    # Litestar's own OPTIONS handler answers the methods of the first
                    # controller that registered the path; two controllers share some.
                    self._allow[handler] = ", ".join(sorted(route.methods))
                else:
                    # The dependencies' query parameters (format=, as_of=...) included.
                    names = {p.field_alias for p in model.expected_query_params}
                    self._rules[handler] = _rules(handler, names)
        self._ready = True

    async def __call__(self, request: Request[Any, Any, Any]) -> Response[None] | None:
        if not self._ready:
            self._learn(request.app)
        handler = request.route_handler
        if handler in self._allow:
            return Response(
                None, status_code=HTTP_204_NO_CONTENT, headers={"Allow": self._allow[handler]}
            )
        rules = self._rules.get(handler)
        if rules is None:
            return None
        _check_query(rules, request)
        if rules.body is None:
            return None
        body = await request.body()
        _check_media_type(request, body)
        if body:
            _check_types(rules, _parse(body))
        elif rules.required:
            raise _missing(rules.body)
        return None

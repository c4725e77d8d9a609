"""The pydantic payload converter, reading payloads back under the `RECORDED` context.

Every payload a worker or client decodes was written into a Temporal history at some time:
an update accepted last year, an activity's input scheduled before a rule changed. It must be
read as it was written, or a running case fails on replay. Sinergi's free-text types
(domain/text.py) refuse bad text where it enters (the API) and step aside under this context.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter, PydanticPayloadConverter
from temporalio.converter import DataConverter, DefaultPayloadConverter, JSONPlainPayloadConverter

from domain.text import RECORDED_CONTEXT


class RecordedJsonConverter(PydanticJSONPlainPayloadConverter):
    def from_payload(self, payload: Payload, type_hint: type | None = None) -> Any:
        hint: Any = type_hint if type_hint is not None else Any
        try:
            adapter: TypeAdapter[Any] = self._type_adapter(hint)
        except TypeError:  # an unhashable hint: no cache
            adapter = TypeAdapter(hint)
        return adapter.validate_json(payload.data, context=RECORDED_CONTEXT)


class RecordedPayloadConverter(PydanticPayloadConverter):
    def __init__(self) -> None:
        super().__init__()
        recorded = RecordedJsonConverter()
        converters = [
            recorded if isinstance(c, JSONPlainPayloadConverter) else c
            for c in DefaultPayloadConverter.default_encoding_payload_converters
        ]
        # CompositePayloadConverter keeps them by encoding; rebuild with ours in place.
        super(PydanticPayloadConverter, self).__init__(*converters)


recorded_data_converter = DataConverter(payload_converter_class=RecordedPayloadConverter)

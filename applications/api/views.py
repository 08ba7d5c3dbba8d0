"""API endpoints (versioned under /api/v1/)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from applications.api.framework import OperatorAPIView


class Ping(OperatorAPIView):
    """Check the credential, the address and the clock: the cheapest authenticated call."""

    @extend_schema(
        operation_id="ping",
        responses=inline_serializer(
            "Ping", {"operator": serializers.CharField(), "key_id": serializers.CharField(),
                     "request_id": serializers.CharField(), "server_time": serializers.DateTimeField()},
        ),
        examples=[OpenApiExample("ok", value={"operator": "株式会社サンプル申請サービス", "key_id": "zk_0123456789abcdef",
                                              "request_id": "3f2a…", "server_time": "2026-11-26T09:00:00+09:00"})],
    )  # fmt: skip
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        from django.utils import timezone

        principal = request.user
        return Response(
            {"operator": principal.operator.name, "key_id": principal.credential.key_id,  # type: ignore[union-attr]
             "request_id": request.request_id, "server_time": timezone.localtime().isoformat()}  # type: ignore[attr-defined]
        )  # fmt: skip

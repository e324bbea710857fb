"""GET /openapi.json: the OpenAPI 3 document of the whole REST surface (castle.openapi)."""

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from castle.openapi import openapi_document

router = Router()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated


@router.get("/openapi.json")
def openapi() -> dict[str, Any]:
    return openapi_document()

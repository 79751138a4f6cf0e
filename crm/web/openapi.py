"""The OpenAPI 3.1 document of ``/api/openapi.json``, generated from the route table.

Summaries and descriptions come from the views' docstrings, access from their
``@auth`` declaration. What a route table cannot tell — query parameters, the JSON body's
pydantic model, a success status other than 200, non-JSON bodies — is declared in ``OPS``
below, by route name, or on the view itself as an ``openapi`` attribute (a dict with the
same keys, which wins). Request schemas are the pydantic models' ``model_json_schema()``;
OpenAPI 3.1 takes JSON Schema 2020-12 as pydantic writes it.
"""

from __future__ import annotations

import importlib
import inspect
import re
from typing import Any

from pydantic import BaseModel

from crm import auth

# Query parameters: name -> (JSON Schema, description).
Param = tuple[dict[str, Any], str]
INT: dict[str, Any] = {"type": "integer"}
DATE: dict[str, Any] = {"type": "string", "format": "date"}
STR: dict[str, Any] = {"type": "string"}

PAGING: dict[str, Param] = {
    "page": ({"type": "integer", "minimum": 1, "default": 1}, "Page, from 1."),
    "per_page": ({"type": "integer", "minimum": 1, "maximum": 1000, "default": 50},
                 "Items per page (at most 1000)."),
}
AGENCY: dict[str, Param] = {"agency": (INT, "Agency id (admins; others: their own agency).")}
INTENTS = ["opt_out", "opt_in", "problem_persists", "problem_solved", "callback_request",
           "thanks", "question", "other"]
SURVEY_QUERY: dict[str, Param] = {
    "year": ({"type": "integer", "minimum": 2000, "maximum": 2100}, "Year (default: this year)."),
    "agency": (STR, "Agency id, name or code (managers: their own)."),
}
KPI_QUERY: dict[str, Param] = {
    "from": (DATE, "First lease start date (YYYY-MM-DD)."),
    "to": (DATE, "Last lease start date (YYYY-MM-DD), default today."),
    **AGENCY,
}
CSV_BODY = {"text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {"schema": {"type": "object", "properties": {
                "file": {"type": "string", "format": "binary"}}}}}
TWILIO_FORM = {"application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {
    "MessageSid": STR, "From": STR, "To": STR, "Body": STR, "NumSegments": STR,
    "MessageStatus": STR, "ErrorCode": STR}}}}

# Per route name: query (dict of Param), body ("module:Model" or a content dict),
# status (success code), produces (content type of the success answer).
OPS: dict[str, dict[str, Any]] = {
    "metrics": {"produces": "text/plain"},
    "healthz": {"responses": {"503": "The database is unreachable."}},
    "api_login": {"body": "crm.web.views_core:LoginIn", "responses": {"401": "Wrong credentials."}},
    "api_estate": {"query": AGENCY},
    "api_tenants": {"query": {**AGENCY, "residence": (INT, "Residence id."),
                              "building": (INT, "Building id."),
                              "q": (STR, "Name, contract reference or phone number."), **PAGING}},
    "api_import_tenants": {"body": CSV_BODY, "query": {"background": (
        STR, "1: run as a background job (202 and the job), 0: answer within the request; "
             "default: a job when the file is larger than CRM_IMPORT_INLINE_MAX_BYTES.")},
        "responses": {"202": "Large file: a background job, its status at the Location URL.",
                      "422": "Wrong file structure."}},
    "api_import_job": {"responses": {"404": "No such import job among the caller's."}},
    "api_import_surveys": {"body": CSV_BODY, "responses": {"422": "Wrong file structure."}},
    "api_calls_queue": {"query": {"date": (DATE, "Day (YYYY-MM-DD), default today (local time)."),
                                  **AGENCY, **PAGING}},
    "api_call_claim": {"responses": {"409": "Claimed by another adviser."}},
    "api_call_attempts": {"body": "crm.calls.api_views:AttemptIn"},
    "api_call_interview": {"body": "crm.calls.api_views:InterviewIn"},
    "api_kpi_courtesy_calls": {"query": KPI_QUERY},
    "api_kpi_courtesy_calls_csv": {"query": KPI_QUERY, "produces": "text/csv"},
    "api_campaign_create": {"body": "crm.campaigns.service:CampaignIn", "status": 201},
    "api_campaign_preview_draft": {"body": "crm.campaigns.service:CampaignIn"},
    "api_campaign_audience_count": {"body": "crm.campaigns.views:AudienceCountIn"},
    "api_campaign_presets": {"query": PAGING},
    "api_campaign_launch": {"status": 202, "responses": {"409": "The campaign was cancelled."}},
    "api_tenant_sms": {"body": "crm.campaigns.views:DirectSmsIn", "status": 202},
    "twilio_sms": {"body": TWILIO_FORM, "produces": "text/xml",
                   "responses": {"403": "Missing or wrong X-Twilio-Signature."}},
    "twilio_status": {"body": TWILIO_FORM, "produces": None,
                      "responses": {"403": "Missing or wrong X-Twilio-Signature."}},
    "api_inbox": {"query": {
        **AGENCY,
        "status": ({"type": "string", "enum": ["open", "handled", "all"], "default": "open"},
                   "Message status."),
        "intent": ({"type": "string", "enum": INTENTS}, "Understood intent."),
        "campaign": (INT, "Campaign id."), **PAGING}},
    "api_inbox_reply": {"body": "crm.inbox.views:ReplyIn", "status": 202},
    "api_reply_templates": {"query": {**AGENCY, **PAGING}},
    "api_reply_template_create": {"body": "crm.inbox.reply_templates_api:ReplyTemplateIn", "status": 201,
                                  "responses": {"409": "The agency already has 50 templates."}},
    "api_reply_template_update": {"body": "crm.inbox.reply_templates_api:ReplyTemplatePatch"},
    "api_reply_template_delete": {"status": 204, "produces": None},
    "api_survey_comparison": {"query": {**SURVEY_QUERY, **PAGING}},
    "api_survey_comparison_csv": {"query": SURVEY_QUERY, "produces": "text/csv"},
}


def _model(ref: str) -> type[BaseModel]:
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)


def _body(spec: Any, schemas: dict[str, Any]) -> dict[str, Any]:
    if isinstance(spec, dict):
        return {"required": True, "content": spec}
    model = _model(spec)
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    return {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}}


def _operation(method: str, path: str, handler: Any, name: str,
               schemas: dict[str, Any]) -> dict[str, Any]:
    meta = OPS.get(name, {}) | (getattr(handler, "openapi", None) or {})
    doc = inspect.cleandoc(getattr(handler, "__doc__", None) or name)
    summary, _, description = doc.partition("\n")
    produces = meta.get("produces", "application/json")
    ok: dict[str, Any] = {"description": "OK"}
    if produces:
        ok["content"] = {produces: {"schema": {"type": "string"} if produces != "application/json"
                                    else {}}}
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    responses: dict[str, Any] = {str(meta.get("status", 200)): ok}
    for code, text in meta.get("responses", {}).items():
        responses[code] = {"description": text} | ({} if code == "503" else error)
    responses["4XX"] = {"description": "Error"} | error
    op: dict[str, Any] = {"operationId": name, "summary": summary.strip(), "responses": responses}
    if description.strip():
        op["description"] = description.strip()
    params = [{"name": p, "in": "path", "required": True, "schema": INT}
              for p in re.findall(r"\{(\w+)", path)]
    params += [{"name": q, "in": "query", "required": False, "schema": schema, "description": text}
               for q, (schema, text) in meta.get("query", {}).items()]
    if params:
        op["parameters"] = params
    if "body" in meta:
        op["requestBody"] = _body(meta["body"], schemas)
    declared = getattr(handler, "crm_access", None)
    if declared == auth.PUBLIC:
        op["security"] = []
    elif declared:
        op["x-roles"] = sorted(declared)
    return op


def document(routes: list[tuple[str, str, Any, str]]) -> dict[str, Any]:
    """The OpenAPI document of ``routes`` (method, path, handler, name)."""
    schemas: dict[str, Any] = {"Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["code", "message", "details"],
                                 "properties": {"code": STR, "message": STR, "details": {}}}},
    }}
    paths: dict[str, Any] = {}
    for method, path, handler, name in routes:
        clean = re.sub(r"\{(\w+)(:[^}]*)?\}", r"{\1}", path)
        paths.setdefault(clean, {})[method.lower()] = _operation(method, clean, handler, name, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "CRM HLM — appels de courtoisie et SMS", "version": "1"},
        "paths": paths,
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": schemas},
        "security": [{"bearer": []}],
    }

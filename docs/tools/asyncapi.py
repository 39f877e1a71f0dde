#!/usr/bin/env python3
"""Writes docs/asyncapi.yaml from the golden fixtures of voice-contracts and the topic catalogue below.

Run from the repository root after adding an event type or a topic: python3 docs/tools/asyncapi.py
local-stack's ApiDocumentsTest fails when the document misses a topic, an event type or a fixture.
"""
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "voice-contracts/src/main/resources/contracts/fixtures"
OUT = ROOT / "docs/asyncapi.yaml"

# channel id -> (address, key, description, producer, consumers, event types)
CHANNELS = {
    "callEvents": ("voice.call.events.v1", "call SID", "Call lifecycle from the gateway.", "gateway-service",
                   ["callback-service", "analytics"], ["voice.call.created", "voice.call.status_changed", "voice.call.unroutable"]),
    "sessionEvents": ("voice.session.events.v1", "call SID", "Live session lifecycle and state from the media bridge.",
                      "media-bridge-service", ["analytics"],
                      ["voice.session.started", "voice.session.state_changed", "voice.session.barge_in",
                       "voice.session.ended"]),
    "transcripts": ("voice.transcripts.v1", "call SID", "One record per caller or agent turn.", "media-bridge-service",
                    ["evaluation-service", "analytics"], ["voice.transcript.turn"]),
    "toolRequests": ("voice.tool.requests.v1", "call SID", "Function calls of the model, to be executed within the agent contract.",
                     "media-bridge-service", ["tool-executor-service"], ["voice.tool.requested"]),
    "toolReplies": ("voice.tool.replies.{instanceId}", "call SID",
                    "Per bridge instance: the result of a tool call goes back to the instance holding the call (its reply_topic).",
                    "tool-executor-service", ["media-bridge-service"], ["voice.tool.completed"]),
    "toolResults": ("voice.tool.results.v1", "call SID", "Every tool result, for evaluation and analytics.",
                    "tool-executor-service", ["evaluation-service", "analytics"], ["voice.tool.completed"]),
    "outcomes": ("voice.outcomes.v1", "call SID", "The outcome of each finished session (published by the gateway "
                 "instead when the call's media bridge was lost mid-call or refused the call before saying anything: "
                 "failed, media_bridge_lost or media_bridge_refused; and for an outbound call a machine answered under "
                 "synchronous machine detection, where no session starts: no_answer).",
                 "media-bridge-service (gateway-service for a call whose bridge was lost or refused it, or that a "
                 "machine answered before any session)",
                 ["gateway-service", "evaluation-service", "callback-service", "analytics"], ["voice.session.outcome"]),
    "callbacks": ("voice.callbacks.v1", "call SID", "Work for humans: callback requests.", "tool-executor-service",
                  ["callback-service"], ["voice.callback.requested"]),
    "evaluations": ("voice.evaluations.v1", "call SID (tenant id for voice.launch_gate.evaluated)",
                    "Scores of finished sessions, and launch gate results of agent versions (the config service's rollout gate).",
                    "evaluation-service", ["config-service", "analytics"],
                    ["voice.evaluation.completed", "voice.launch_gate.evaluated"]),
    "config": ("voice.config.v1", "tenant id", "Compacted: the latest published view of each tenant.", "config-service",
               ["gateway-service", "media-bridge-service", "tool-executor-service", "evaluation-service",
                "callback-service"], ["voice.config.tenant_published"]),
    "logs": ("voice.logs.v1", "call SID", "Log lines of a call, for the live log stream.", "any service",
             ["gateway-service"], ["voice.log.line"]),
}


def message_id(wire_name):
    parts = wire_name.removeprefix("voice.").replace(".", "_").split("_")
    return parts[0] + "".join(p.capitalize() for p in parts[1:])


def schema_of(value):
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer"}
    if isinstance(value, float):
        return {"type": "number"}
    if isinstance(value, str):
        return {"type": "string"}
    if isinstance(value, list):
        return {"type": "array", "items": schema_of(value[0]) if value else {}}
    if isinstance(value, dict):
        return {"type": "object", "properties": {k: schema_of(v) for k, v in value.items()}}
    return {}


def dump(value, indent=0):
    """A tiny YAML emitter (block style; strings JSON-quoted, which is valid YAML)."""
    pad = "  " * indent
    lines = []
    if isinstance(value, dict):
        if not value:
            return [pad + "{}"]
        for k, v in value.items():
            key = k if k.replace("_", "").replace("-", "").isalnum() else json.dumps(k)
            if isinstance(v, (dict, list)) and v:
                lines.append(f"{pad}{key}:")
                lines.extend(dump(v, indent + 1))
            else:
                lines.append(f"{pad}{key}: {scalar(v)}")
    elif isinstance(value, list):
        for v in value:
            if isinstance(v, (dict, list)) and v:
                inner = dump(v, indent + 1)
                lines.append(f"{pad}- {inner[0].strip()}")
                lines.extend(inner[1:])
            else:
                lines.append(f"{pad}- {scalar(v)}")
    return lines


def scalar(v):
    if isinstance(v, dict):
        return "{}"
    if isinstance(v, list):
        return "[]"
    return json.dumps(v)


def main():
    fixtures = {p.stem: json.loads(p.read_text()) for p in sorted(FIXTURES.glob("*.json"))}
    messages, operations, channels = {}, {}, {}
    for channel_id, (address, key, description, producer, consumers, types) in CHANNELS.items():
        channel = {"address": address, "description": f"{description} Key: {key}. Dead letters: `{address}.dlt`.",
                   "messages": {message_id(t): {"$ref": f"#/components/messages/{message_id(t)}"} for t in types}}
        if "{instanceId}" in address:
            channel["parameters"] = {"instanceId": {"description": "voice.bridge.instance-id of the bridge that asked"}}
        channel["bindings"] = {"kafka": {"topic": address if "{" not in address else None,
                                         "topicConfiguration": {"cleanup.policy": ["compact"] if channel_id == "config" else ["delete"]}}}
        if channel["bindings"]["kafka"]["topic"] is None:
            del channel["bindings"]["kafka"]["topic"]
        channels[channel_id] = channel
        operations[f"{channel_id}Publish"] = {
            "action": "send", "channel": {"$ref": f"#/channels/{channel_id}"},
            "summary": f"{producer} publishes",
            "messages": [{"$ref": f"#/channels/{channel_id}/messages/{message_id(t)}"} for t in types]}
        operations[f"{channel_id}Consume"] = {
            "action": "receive", "channel": {"$ref": f"#/channels/{channel_id}"},
            "summary": "consumed by " + ", ".join(consumers),
            "messages": [{"$ref": f"#/channels/{channel_id}/messages/{message_id(t)}"} for t in types]}
        for t in types:
            example = fixtures[t]
            messages[message_id(t)] = {
                "name": t, "title": t, "contentType": "application/cloudevents+json",
                "headers": {"$ref": "#/components/schemas/RecordHeaders"},
                "payload": {"allOf": [{"$ref": "#/components/schemas/Envelope"},
                                      {"type": "object", "properties": {"type": {"const": t},
                                                                        "data": schema_of(example["data"])}}]},
                "bindings": {"kafka": {"key": {"type": "string", "description": key}}},
                "examples": [{"name": t, "headers": {"ce_type": t, "ce_id": example["id"],
                                                      "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
                              "payload": example}]}
    doc = {
        "asyncapi": "3.0.0",
        "info": {"title": "Voice agent platform events", "version": "1.0.0",
                 "description": "Every record is a CloudEvents 1.0 structured JSON envelope (docs/topics.md). Generated by docs/tools/asyncapi.py from the golden fixtures of voice-contracts."},
        "defaultContentType": "application/cloudevents+json",
        "servers": {"local": {"host": "localhost:9092", "protocol": "kafka", "description": "bin/local-stack"},
                    "compose": {"host": "kafka:9092", "protocol": "kafka", "description": "deploy/docker-compose.yml"}},
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": {
                "RecordHeaders": {"type": "object", "properties": {
                    "ce_type": {"type": "string", "description": "the envelope's type"},
                    "ce_id": {"type": "string", "description": "the envelope's id"},
                    "traceparent": {"type": "string", "description": "W3C trace context of the producing span"}}},
                "Envelope": {"type": "object", "required": ["specversion", "id", "type", "source", "time", "data"],
                             "properties": {"specversion": {"const": "1.0"}, "id": {"type": "string", "format": "uuid"},
                                            "type": {"type": "string"}, "source": {"type": "string"},
                                            "time": {"type": "string", "format": "date-time"},
                                            "datacontenttype": {"const": "application/json"},
                                            "subject": {"type": "string", "description": "call SID"},
                                            "callsid": {"type": "string"}, "tenantid": {"type": "string"},
                                            "schemaversion": {"type": "integer"}, "data": {"type": "object"}}}},
            "messages": messages}}
    OUT.write_text("# Generated by docs/tools/asyncapi.py — edit the fixtures or the script, not this file.\n"
                   + "\n".join(dump(doc)) + "\n")


if __name__ == "__main__":
    main()

"""JSON Schemas of the CAP routes' answers, and the example message the import route documents."""

from __future__ import annotations

from typing import Any

# A realistic message a city duty room would post: 赣州市气象台's typhoon warning for five counties.
EXAMPLE_CAP = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>36070041600000_20260801080000_0</identifier>
  <sender>36070041600000</sender>
  <sent>2026-08-01T08:00:00+08:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <language>zh-CN</language>
    <category>Met</category>
    <event>台风</event>
    <responseType>Prepare</responseType>
    <urgency>Expected</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <effective>2026-08-01T08:00:00+08:00</effective>
    <expires>2026-08-02T08:00:00+08:00</expires>
    <senderName>赣州市气象台</senderName>
    <headline>赣州市气象台发布台风橙色预警信号</headline>
    <description>受今年第8号台风影响，预计未来24小时内章贡区、南康区、赣县区、信丰县、于都县将出现平均风力10级以上大风并伴有暴雨。</description>
    <instruction>1. 停止室内外大型集会和高空作业；2. 加固或拆除易被风吹动的搭建物；3. 转移危险地带人员。</instruction>
    <area>
      <areaDesc>章贡区、南康区、赣县区、信丰县、于都县</areaDesc>
      <geocode><valueName>GB/T 2260</valueName><value>360702</value></geocode>
      <geocode><valueName>GB/T 2260</valueName><value>360703</value></geocode>
      <geocode><valueName>GB/T 2260</valueName><value>360704</value></geocode>
      <geocode><valueName>GB/T 2260</valueName><value>360722</value></geocode>
      <geocode><valueName>GB/T 2260</valueName><value>360731</value></geocode>
    </area>
  </info>
</alert>
"""

CAP_MEDIA_TYPES = ("application/cap+xml", "application/xml", "text/xml")

IMPORT_BODY: dict[str, Any] = {
    media: {"schema": {"type": "string", "description": "a CAP 1.2 alert (XML)"}, "example": EXAMPLE_CAP}
    for media in CAP_MEDIA_TYPES
}

IMPORT_RESULT: dict[str, Any] = {
    "title": "CapImportResult",
    "type": "object",
    "required": ["outcome", "identifier", "sender", "status", "msg_type", "warning"],
    "properties": {
        "outcome": {"enum": ["created", "updated", "cancelled", "unchanged", "ignored"],
                    "description": "unchanged: the same message again (idempotent); ignored: Test/System/Draft "
                                   "status or Ack/Error type, validated but never a warning"},
        "identifier": {"type": "string"}, "sender": {"type": "string"}, "status": {"type": "string"},
        "msg_type": {"type": "string"}, "reason": {"type": "string"},
        "signature": {"enum": ["absent", "digest_valid", "digest_mismatch", "unchecked"],
                      "description": "the enveloped XML signature's reference digest, recomputed (the signer's "
                                     "key is not checked); a mismatch is shown, not refused"},
        "notes": {"type": "array", "items": {"type": "object", "required": ["pointer", "message"]},
                  "description": "what was kept but not understood (e.g. a polygon that is not coordinates)"},
        "warning": {"type": ["object", "null"], "description": "the warning version, as GET /warnings/{id}"},
    },
    "examples": [{"outcome": "created", "identifier": "36070041600000_20260801080000_0",
                  "sender": "36070041600000", "status": "Actual", "msg_type": "Alert",
                  "warning": {"id": "w1", "series_id": "w1", "colour": "orange", "hazard": "typhoon"}}],
}

"""CAP 1.2 conformance: every shared sample imports or is refused with the XSD's reason; round trip;
real-world deviations accepted; hostile XML refused early."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import pytest
from lxml import etree

from integrations.cap import schema
from integrations.cap.export import chinese_first, export_checked, identifier, sender_code, to_xml
from integrations.cap.geocodes import alert_units, unit_code
from integrations.cap.model import NS, from_doc, to_doc
from integrations.cap.parse import read_alert
from integrations.cap.safexml import CapError, Limits
from tests.integrations.cap_samples import INVALID, SAMPLES, need_samples, sample_files

FILES = sample_files() or [None]


def _name(path: Path | None) -> str:
    return path.name if path else "no-samples"


def test_the_samples_are_all_here() -> None:
    need_samples()
    names = {p.name for p in sample_files()}
    assert len(names) >= 23 and set(INVALID) <= names


@pytest.mark.parametrize("path", FILES, ids=_name)
def test_sample_imports_or_is_refused_with_the_xsd_reason(path: Path | None) -> None:
    need_samples()
    assert path is not None
    data = path.read_bytes()
    if path.name in INVALID:
        with pytest.raises(CapError) as refused:
            read_alert(data)
        assert refused.value.reason == "schema"
        first = refused.value.errors[0]
        assert first["element"] == INVALID[path.name]
        assert first["rule"] == "xsd:sequence"
        assert first["pointer"].startswith("/alert/")
        assert "not expected" in first["message"]
        return
    alert = read_alert(data)
    assert alert.identifier and alert.sender and alert.sent.tzinfo is not None
    assert alert.status in ("Actual", "Exercise", "System", "Test", "Draft")
    # The model holds what the XML holds: as many info blocks and areas as the message has.
    root = etree.fromstring(data)
    assert len(alert.infos) == len(root.findall(f"{{{NS}}}info"))
    assert sum(len(i.areas) for i in alert.infos) == len(root.findall(f".//{{{NS}}}area"))
    assert sum(len(a.polygons) for i in alert.infos for a in i.areas) == len(root.findall(f".//{{{NS}}}polygon"))


@pytest.mark.parametrize("path", FILES, ids=_name)
def test_round_trip_keeps_every_field_and_validates(path: Path | None) -> None:
    need_samples()
    assert path is not None
    if path.name in INVALID:
        pytest.skip("refused on import by design")
    alert = read_alert(path.read_bytes())
    xml = export_checked(alert)
    assert schema.errors_of(etree.fromstring(xml)) == []
    again = read_alert(xml)
    alert.infos = chinese_first(alert.infos)
    alert.signed, alert.signature = False, "absent"  # a signature is never carried over
    assert to_doc(again) == to_doc(alert)
    assert from_doc(to_doc(alert)) == alert


def test_samples_keep_languages_references_resources_and_geocodes() -> None:
    need_samples()
    dwd = read_alert(next(SAMPLES.glob("de-dwd__*.xml")).read_bytes())
    assert [i.language for i in dwd.infos] == ["de-DE", "en", "fr", "es", "ar", "ru", "tr", "pl"]
    noaa = read_alert((SAMPLES / "us-nws__NOAA_MultiplePolygons.xml").read_bytes())
    assert noaa.msg_type == "Update" and len(noaa.references) == 8
    assert all(r.sent is not None for r in noaa.references)
    assert len(noaa.infos[0].areas[0].polygons) == 2
    cancel = read_alert((SAMPLES / "us-ipaws__ipaws-5e6dd9de023f1930ef6548d9.xml").read_bytes())
    assert cancel.msg_type == "Cancel" and cancel.infos == [] and cancel.signed
    picture = read_alert((SAMPLES / "us-ipaws__ipaws-5e7e0fc5023f1930efcf3deb.xml").read_bytes())
    assert picture.infos[0].resources[0].deref_uri  # kept as data, never opened
    usgs = read_alert((SAMPLES / "us-usgs__earthquake-iso8859-1.cap").read_bytes())
    assert "Usulután" in (usgs.infos[0].headline or "") + (usgs.infos[0].description or "") + str(
        [a.area_desc for a in usgs.infos[0].areas])
    assert usgs.infos[0].language == "en-US"  # CAP's default when <language> is absent
    tw = read_alert((SAMPLES / "tw-cwa__fifows_extremely-rain_202404221457.cap").read_bytes())
    assert tw.infos[0].language == "zh-TW" and tw.references[0].identifier.startswith("CWA-Weather")
    assert len([a for i in tw.infos for a in i.areas]) == 21
    assert alert_units(tw) == []  # Taiwanese geocodes are not GB/T 2260 units
    ph = read_alert((SAMPLES / "ph-pagasa__ph.cap").read_bytes())
    assert ph.status == "Test" and not ph.is_live


def test_signature_digests_are_recomputed() -> None:
    need_samples()
    for name in ("ph-pagasa__ph.cap", "us-usgs__earthquake-iso8859-1.cap",
                 "us-ipaws__ipaws-5e6dd9de023f1930ef6548d9.xml", "us-ipaws__ipaws-5e7e0fc5023f1930efcf3deb.xml"):
        assert read_alert((SAMPLES / name).read_bytes()).signature == "digest_valid", name
    assert read_alert((SAMPLES / "tg-meteotogo__invalid_digest.xml").read_bytes()).signature == "digest_mismatch"
    # One changed letter after signing is caught.
    signed = (SAMPLES / "us-ipaws__ipaws-5e7e0fc5023f1930efcf3deb.xml").read_bytes()
    tampered = signed.replace(b"<urgency>Immediate", b"<urgency>Expected", 1)
    assert tampered != signed
    assert read_alert(tampered).signature == "digest_mismatch"
    assert read_alert((SAMPLES / "oasis-spec__v1dot2_appendix_adot1.xml").read_bytes()).signature == "absent"


# --- real-world deviations -------------------------------------------------------------------

def _minimal(body_extra: str = "", *, sent: str = "2026-07-01T02:00:00+08:00", prefix: str = "",
             area: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{NS}"' if prefix else f'xmlns="{NS}"'
    area = area or (f"<{p}area><{p}areaDesc>章贡区</{p}areaDesc><{p}geocode><{p}valueName>GB/T 2260</{p}valueName>"
                    f"<{p}value>360702</{p}value></{p}geocode></{p}area>")
    return (f'<{p}alert {xmlns}><{p}identifier>36070041600000_20260701020000_0</{p}identifier>'
            f"<{p}sender>36070041600000</{p}sender><{p}sent>{sent}</{p}sent><{p}status>Actual</{p}status>"
            f"<{p}msgType>Alert</{p}msgType><{p}scope>Public</{p}scope>{body_extra}"
            f"<{p}info><{p}language>zh-CN</{p}language><{p}category>Met</{p}category><{p}event>暴雨</{p}event>"
            f"<{p}urgency>Immediate</{p}urgency><{p}severity>Extreme</{p}severity><{p}certainty>Likely</{p}certainty>"
            f"<{p}senderName>赣州市气象台</{p}senderName><{p}headline>赣州市气象台发布暴雨红色预警</{p}headline>"
            f"{area}</{p}info></{p}alert>")


def test_prefixed_and_default_namespaces_read_the_same() -> None:
    default = read_alert(_minimal().encode())
    prefixed = read_alert(_minimal(prefix="cap").encode())
    assert to_doc(default) == to_doc(prefixed)
    assert alert_units(default) == ["360702"]


def test_iso_8859_1_declared_is_decoded() -> None:
    text = _minimal().replace("赣州市气象台发布暴雨红色预警", "Alerte météo à Besançon").replace(
        "章贡区", "Besançon").replace("赣州市气象台", "Météo").replace("暴雨", "Pluie")
    data = ('<?xml version="1.0" encoding="ISO-8859-1"?>\n' + text).encode("iso-8859-1")
    alert = read_alert(data)
    assert alert.infos[0].headline == "Alerte météo à Besançon"


def test_utf8_bom_and_utf16_are_read() -> None:
    assert read_alert(codecs.BOM_UTF8 + _minimal().encode()).infos[0].event == "暴雨"
    utf16 = ('<?xml version="1.0" encoding="UTF-16"?>' + _minimal()).encode("utf-16")
    assert read_alert(utf16).infos[0].event == "暴雨"


def test_whitespace_in_polygons_and_circles() -> None:
    area = ("<area><areaDesc>x</areaDesc><polygon>\n  25.8,114.9 \t 25.9,115.0\n25.85 , 115.1  25.8,114.9\n"
            "</polygon><circle>  25.85,114.95   10 </circle></area>")
    alert = read_alert(_minimal(area=area).encode())
    geo = alert.infos[0].areas[0]
    assert geo.polygons == [[(25.8, 114.9), (25.9, 115.0), (25.85, 115.1), (25.8, 114.9)]]
    assert (geo.circles[0].lat, geo.circles[0].lon, geo.circles[0].radius_km) == (25.85, 114.95, 10.0)


def test_geometry_that_is_not_coordinates_is_kept_noted_and_not_used() -> None:
    area = ("<area><areaDesc>x</areaDesc><polygon>25.8,114.9 25.9,115.0 25.85,115.1 25.8,114.9</polygon>"
            "<polygon>25.8,114.9 north,115.0 25.85,115.1 25.8,114.9</polygon>"
            "<polygon>95.8 114.9 25.9 115.0</polygon><circle>25.8,114.9</circle></area>")
    alert = read_alert(_minimal(area=area).encode())
    geo = alert.infos[0].areas[0]
    assert len(geo.polygons) == 1 and geo.circles == []
    assert [(p.value_name, p.value) for p in geo.unread_geometry] == [
        ("polygon", "25.8,114.9 north,115.0 25.85,115.1 25.8,114.9"), ("polygon", "95.8 114.9 25.9 115.0"),
        ("circle", "25.8,114.9")]
    assert [n["pointer"] for n in alert.notes] == ["/alert/info[1]/area[1]/polygon[2]",
                                                   "/alert/info[1]/area[1]/polygon[3]",
                                                   "/alert/info[1]/area[1]/circle"]
    # Exported as written, so the round trip keeps it.
    again = read_alert(export_checked(alert))
    assert again.infos[0].areas[0] == geo


def test_z_times_are_refused_by_the_xsd_pattern_naming_sent() -> None:
    with pytest.raises(CapError) as refused:
        read_alert(_minimal(sent="2026-07-01T02:00:00Z").encode())
    error = refused.value.errors[0]
    assert error["element"] == "sent" and error["rule"] == "xsd:pattern" and error["pointer"] == "/alert/sent"


def test_cap_1_1_and_other_roots_are_refused_with_their_reason() -> None:
    old = _minimal().replace(NS, "urn:oasis:names:tc:emergency:cap:1.1")
    with pytest.raises(CapError) as refused:
        read_alert(old.encode())
    assert refused.value.reason == "namespace" and "CAP 1.1" in refused.value.errors[0]["message"]
    with pytest.raises(CapError) as refused:
        read_alert(b"<feed xmlns='http://www.w3.org/2005/Atom'/>")
    assert refused.value.reason == "not_cap"
    with pytest.raises(CapError) as refused:
        read_alert(b"<alert><oops")
    assert refused.value.reason == "not_xml"


def test_bad_enumeration_names_element_and_rule() -> None:
    with pytest.raises(CapError) as refused:
        read_alert(_minimal().replace("<severity>Extreme", "<severity>Red").encode())
    error = refused.value.errors[0]
    assert error["element"] == "severity" and error["rule"] == "xsd:enumeration"
    assert error["pointer"] == "/alert/info[1]/severity"


# --- hostile XML ---------------------------------------------------------------------------

BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                            for i in range(1, 10))
                  + ']><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol9;</identifier></alert>')
XXE = ('<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&xxe;</identifier></alert>')


def test_billion_laughs_is_refused_before_expansion() -> None:
    with pytest.raises(CapError) as refused:
        read_alert(BILLION_LAUGHS.encode())
    assert refused.value.reason == "doctype"


@pytest.mark.parametrize("doc", [
    XXE,
    '<!DOCTYPE alert SYSTEM "http://127.0.0.1:9/cap.dtd"><alert/>',
    '<!DOCTYPE alert [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p">%p;]><alert/>',
], ids=["file-entity", "external-dtd", "parameter-entity"])
def test_external_entities_and_dtds_are_refused(doc: str) -> None:
    with pytest.raises(CapError) as refused:
        read_alert(doc.encode())
    assert refused.value.reason == "doctype"
    assert "passwd" not in str(refused.value.errors) and "root:" not in str(refused.value.errors)


def test_a_declaration_hidden_in_utf16_is_still_refused() -> None:
    with pytest.raises(CapError) as refused:
        read_alert(XXE.replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16"))
    assert refused.value.reason == "doctype"


def test_100_mb_is_refused_on_its_size_without_parsing() -> None:
    head = _minimal().encode()
    huge = head[:-len(b"</alert>")] + b"<note>" + b"x" * (100 << 20) + b"</note></alert>"
    with pytest.raises(CapError) as refused:
        read_alert(huge)
    assert refused.value.reason == "too_large" and refused.value.errors[0]["rule"] == "max_bytes"


def test_10000_deep_is_refused_at_the_depth_limit() -> None:
    deep = "<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'>" + "<a>" * 10_000 + "</a>" * 10_000 + "</alert>"
    with pytest.raises(CapError) as refused:
        read_alert(deep.encode())
    assert refused.value.reason == "too_deep"


def test_too_many_elements_is_refused() -> None:
    wide = "<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'>" + "<a/>" * 2_000 + "</alert>"
    with pytest.raises(CapError) as refused:
        read_alert(wide.encode(), limits=Limits(max_elements=1_000))
    assert refused.value.reason == "too_many_elements"


# --- out: the national identifier ---------------------------------------------------------------

def test_identifier_has_the_gbt_35965_layout() -> None:
    from datetime import UTC, datetime

    code = sender_code("360700", "416")
    value = identifier(code, datetime(2026, 7, 1, 18, 5, 9, tzinfo=UTC), 3)
    assert value == "36070041600000_20260702020509_3"  # Beijing time
    assert len(value) == 31 and re.fullmatch(r"\d{14}_\d{14}_\d", value)
    with pytest.raises(ValueError):
        sender_code("36070", "416")
    with pytest.raises(ValueError):
        identifier(code, datetime(2026, 7, 1, tzinfo=UTC), 10)


def test_export_puts_chinese_first_and_validates() -> None:
    alert = read_alert(_minimal().encode())
    english = from_doc(to_doc(alert)).infos[0]
    english.language, english.headline = "en-US", "Red rainstorm warning"
    alert.infos = [english, *alert.infos]
    root = etree.fromstring(to_xml(alert))
    assert schema.errors_of(root) == []
    assert [i.findtext(f"{{{NS}}}language") for i in root.findall(f"{{{NS}}}info")] == ["zh-CN", "en-US"]


def test_gb2260_unit_codes() -> None:
    assert unit_code("360702") == "360702"
    assert unit_code("360702000000") == "360702"
    assert unit_code("360702001000") is None  # a township below the county
    assert unit_code("36070") is None

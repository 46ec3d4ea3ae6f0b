"""Enveloped XML signatures on CAP alerts: is the signed content the content we received?

We check the reference digest (the alert, minus its signature, canonicalised and hashed as the
signature says) — which catches any change to the alert after signing. We do not check the
signature value against the signer's key: that needs a trust store of issuers' certificates (a
deployment decision, see docs/cap.md). Anything we cannot recompute is "unchecked". A mismatch is
recorded and shown, not refused: signers' canonicalisation quirks make false alarms possible (one
shared sample said to verify does not recompute here), and a duty room must still see the warning.
"""

from __future__ import annotations

import base64
import copy
import hashlib
from typing import Any

from lxml import etree

DSIG = "http://www.w3.org/2000/09/xmldsig#"
ENVELOPED = DSIG + "enveloped-signature"
_C14N = {
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315": (False, False),
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments": (False, True),
    # C14N 1.1 differs from 1.0 only for xml:id/xml:base attributes, which CAP does not use.
    "http://www.w3.org/2006/12/xml-c14n11": (False, False),
    "http://www.w3.org/2006/12/xml-c14n11#WithComments": (False, True),
    "http://www.w3.org/2001/10/xml-exc-c14n#": (True, False),
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments": (True, True),
}
_DIGESTS = {
    DSIG + "sha1": hashlib.sha1,
    "http://www.w3.org/2001/04/xmlenc#sha256": hashlib.sha256,
    "http://www.w3.org/2001/04/xmldsig-more#sha384": hashlib.sha384,
    "http://www.w3.org/2001/04/xmlenc#sha512": hashlib.sha512,
}

ABSENT, VALID, MISMATCH, UNCHECKED = "absent", "digest_valid", "digest_mismatch", "unchecked"


def _q(name: str) -> str:
    return f"{{{DSIG}}}{name}"


def _without(root: etree._Element, signature: etree._Element) -> etree._ElementTree:
    """A copy of the document (with any processing instructions outside the alert: URI="" is the
    whole document) with the signature element removed and the text around it kept."""
    tree = copy.deepcopy(root.getroottree())
    doc = tree.getroot()
    sig = doc.find(_q("Signature"))
    assert sig is not None
    tail = sig.tail or ""
    previous = sig.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        doc.text = (doc.text or "") + tail
    doc.remove(sig)
    return tree


def check(root: etree._Element) -> str:
    """ABSENT, VALID, MISMATCH (the alert changed after signing) or UNCHECKED (a form we do not recompute)."""
    signature = root.find(_q("Signature"))
    if signature is None:
        return ABSENT
    refs = signature.findall(f"{_q('SignedInfo')}/{_q('Reference')}")
    if len(refs) != 1 or refs[0].get("URI") not in ("", None):
        return UNCHECKED
    ref = refs[0]
    transforms = [t.get("Algorithm", "") for t in ref.findall(f"{_q('Transforms')}/{_q('Transform')}")]
    if not transforms or transforms[0] != ENVELOPED or len(transforms) > 2:
        return UNCHECKED
    # With no canonicalisation transform, XMLDSig converts the node-set with C14N 1.0 without comments.
    exclusive, comments = _C14N.get(transforms[1], (None, None)) if len(transforms) == 2 else (False, False)
    if exclusive is None:
        return UNCHECKED
    method = ref.find(_q("DigestMethod"))
    digest = _DIGESTS.get(method.get("Algorithm", "") if method is not None else "")
    expected = (ref.findtext(_q("DigestValue")) or "").strip()
    if digest is None or not expected:
        return UNCHECKED
    prefixes: list[Any] | None = None
    if exclusive and len(transforms) == 2:
        inclusive = ref.findall(f"{_q('Transforms')}/{_q('Transform')}")[1].find(
            "{http://www.w3.org/2001/10/xml-exc-c14n#}InclusiveNamespaces")
        if inclusive is not None:
            prefixes = (inclusive.get("PrefixList") or "").split()
    # URI="" excludes comments whatever the algorithm says (XMLDSig §4.3.3.3); our parser drops them anyway.
    del comments
    body = etree.tostring(_without(root, signature), method="c14n", exclusive=exclusive, with_comments=False,
                          inclusive_ns_prefixes=prefixes)
    try:
        wanted = base64.b64decode(expected, validate=False)
    except ValueError:
        return MISMATCH
    return VALID if digest(body).digest() == wanted else MISMATCH

"""Messages of the CAP import page (zh first, en from the same keys)."""

from __future__ import annotations

CAP_MESSAGES: dict[str, dict[str, str]] = {
    "zh": {
        "cap.title": "导入 CAP 预警",
        "cap.hint": "上传或粘贴 CAP 1.2 消息（XML）。先按官方 XSD 校验，不合格的消息整条拒收、不留半条数据；"
                    "重复导入同一标识不重复生成；Update/Cancel 必须引用已导入的预警；Test/System 状态从不生成预警，"
                    "Exercise 只进演练数据。",
        "cap.file": "选择文件（.xml / .cap）",
        "cap.paste": "或粘贴消息",
        "cap.submit": "校验并导入",
        "cap.clear": "清空",
        "cap.working": "正在校验…",
        "cap.created": "已导入，新预警已下发到区域内各单位",
        "cap.updated": "已更新预警（新版本）",
        "cap.cancelled": "已解除预警",
        "cap.unchanged": "该消息已导入过，未作改动",
        "cap.ignored": "消息有效，但不生成预警",
        "cap.open": "打开预警",
        "cap.refused": "拒收",
        "cap.line": "第 {n} 行",
        "cap.where": "位置",
        "cap.rule": "规则",
        "cap.empty": "请先选择文件或粘贴消息",
        "cap.drill": "演练",
        "cap.refused_docs": "拒收哪些消息、为什么：见 docs/cap.md",
        "cap.sig.digest_valid": "数字签名摘要核对一致（未核验签发者证书）",
        "cap.sig.digest_mismatch": "注意：数字签名摘要不符，消息可能在签名后被改动，请向发布单位核实",
        "cap.sig.unchecked": "带数字签名，形式未能核对",
    },
    "en": {
        "cap.title": "Import a CAP warning",
        "cap.hint": "Upload or paste a CAP 1.2 message (XML). It is validated against the official XSD first; an "
                    "invalid message is refused whole, nothing half-imported; the same identifier again changes "
                    "nothing; Update/Cancel must reference a warning already imported; Test/System never become "
                    "warnings, Exercise only drill data.",
        "cap.file": "Choose a file (.xml / .cap)",
        "cap.paste": "or paste the message",
        "cap.submit": "Validate and import",
        "cap.clear": "Clear",
        "cap.working": "Validating…",
        "cap.created": "Imported: the new warning went to every unit in its area",
        "cap.updated": "Warning updated (a new version)",
        "cap.cancelled": "Warning cancelled",
        "cap.unchanged": "This message was imported before; nothing changed",
        "cap.ignored": "Valid, but it does not become a warning",
        "cap.open": "Open the warning",
        "cap.refused": "Refused",
        "cap.line": "line {n}",
        "cap.where": "where",
        "cap.rule": "rule",
        "cap.empty": "Choose a file or paste a message first",
        "cap.drill": "Drill",
        "cap.refused_docs": "What is refused and why: docs/cap.md",
        "cap.sig.digest_valid": "Signature digest matches (the signer's certificate is not checked)",
        "cap.sig.digest_mismatch": "Caution: the signature digest does not match; the message may have been "
                                   "altered after signing. Check with the issuer",
        "cap.sig.unchecked": "Signed in a form we could not check",
    },
}

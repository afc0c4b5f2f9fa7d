"""A small TNEF (winmail.dat) writer, after [MS-OXTNEF], producing what Outlook sends.

Outlook in "Rich Text" mode wraps a mail's body and attachments into one winmail.dat: a stream
of attributes (level, id, type, length, data, checksum). The message body travels as MAPI
property PR_BODY in ``attMAPIProps``; each attachment starts with ``attAttachRendData`` and
carries its short name in ``attAttachTitle`` (in the OEM code page, e.g. cp1252), its bytes in
``attAttachData`` and its long name as PR_ATTACH_LONG_FILENAME (Unicode) in ``attAttachment``.
"""

from __future__ import annotations

import struct

SIGNATURE = 0x223E9F78
LVL_MESSAGE, LVL_ATTACHMENT = 0x01, 0x02

# attribute ids and their data types ([MS-OXTNEF] 2.1.3.1)
ATP_BYTE, ATP_STRING, ATP_WORD, ATP_DWORD = 0x0006, 0x0001, 0x0003, 0x0008
ATT_TNEF_VERSION = 0x9006
ATT_OEM_CODEPAGE = 0x9007
ATT_MESSAGE_CLASS = 0x8008
ATT_MAPI_PROPS = 0x9003
ATT_ATTACH_REND_DATA = 0x9002
ATT_ATTACH_TITLE = 0x8010
ATT_ATTACH_DATA = 0x800F
ATT_ATTACHMENT = 0x9005

# MAPI property types and tags
PT_LONG, PT_STRING8, PT_UNICODE, PT_BINARY = 0x0003, 0x001E, 0x001F, 0x0102
PR_BODY = 0x1000
PR_ATTACH_LONG_FILENAME = 0x3707
PR_ATTACH_METHOD = 0x3705


def _attribute(level: int, att_id: int, att_type: int, data: bytes) -> bytes:
    checksum = sum(data) & 0xFFFF
    return struct.pack("<BHHI", level, att_id, att_type, len(data)) + data + struct.pack("<H", checksum)


def _padded(data: bytes) -> bytes:
    return data + b"\x00" * (-len(data) % 4)


def _mapi_props(props: list[tuple[int, int, object]]) -> bytes:
    """A MAPI property list: count, then per property type, tag and value (padded to 4)."""
    out = struct.pack("<I", len(props))
    for prop_type, tag, value in props:
        out += struct.pack("<HH", prop_type, tag)
        if prop_type == PT_LONG:
            out += struct.pack("<I", value)
            continue
        if prop_type == PT_UNICODE:
            raw = str(value).encode("utf-16-le") + b"\x00\x00"
        elif prop_type == PT_STRING8:
            raw = str(value).encode("cp1252") + b"\x00"
        else:
            raw = bytes(value)  # type: ignore[arg-type]
        out += struct.pack("<II", 1, len(raw)) + _padded(raw)
    return out


def winmail_dat(
    body: str,
    attachments: list[tuple[str, bytes]],
    codepage: int = 1252,
    long_filenames: bool = True,
) -> bytes:
    """A winmail.dat with ``body`` (PR_BODY in the code page) and ``(filename, data)`` files.

    ``long_filenames=False`` leaves out PR_ATTACH_LONG_FILENAME, as older Outlook versions do:
    then the only name is attAttachTitle in the code page.
    """
    encoding = f"cp{codepage}"
    out = struct.pack("<IH", SIGNATURE, 0x1234)
    out += _attribute(LVL_MESSAGE, ATT_TNEF_VERSION, ATP_DWORD, struct.pack("<I", 0x00010000))
    out += _attribute(LVL_MESSAGE, ATT_OEM_CODEPAGE, ATP_BYTE, struct.pack("<II", codepage, 0))
    out += _attribute(LVL_MESSAGE, ATT_MESSAGE_CLASS, ATP_WORD, b"IPM.Microsoft Mail.Note\x00")
    out += _attribute(LVL_MESSAGE, ATT_MAPI_PROPS, ATP_BYTE, _mapi_props([(PT_STRING8, PR_BODY, body)]))
    for filename, data in attachments:
        # attachment type 1 (file), position -1, no rendering size, no flags
        rend = struct.pack("<HiHHI", 1, -1, 0, 0, 0)
        out += _attribute(LVL_ATTACHMENT, ATT_ATTACH_REND_DATA, ATP_BYTE, rend)
        title = filename.encode(encoding, "replace") + b"\x00"
        out += _attribute(LVL_ATTACHMENT, ATT_ATTACH_TITLE, ATP_STRING, title)
        out += _attribute(LVL_ATTACHMENT, ATT_ATTACH_DATA, ATP_BYTE, data)
        props: list[tuple[int, int, object]] = [(PT_LONG, PR_ATTACH_METHOD, 1)]
        if long_filenames:
            props.append((PT_UNICODE, PR_ATTACH_LONG_FILENAME, filename))
        out += _attribute(LVL_ATTACHMENT, ATT_ATTACHMENT, ATP_BYTE, _mapi_props(props))
    return out

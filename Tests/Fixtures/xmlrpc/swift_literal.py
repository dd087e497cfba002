"""Python text as a Swift string literal, for the fixture generators beside this file."""


def swift_literal(text):
    """A Swift string literal for `text` (str, or UTF-8 bytes): backslash, quote,
    \\n, \\r, \\t escaped; other controls and all non-ASCII as \\u{...}."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    out = []
    for ch in text:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == "\"":
            out.append("\\\"")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif o < 0x20 or o >= 0x7F:
            out.append("\\u{%X}" % o)
        else:
            out.append(ch)
    return "\"" + "".join(out) + "\""

/// Python's `repr()` of a `str`, for messages supervisord builds with `%r`,
/// e.g. the spawnerr `can't parse command 'sh -c \'x': No closing quotation`
/// that `supervisorctl status` shows.
///
/// Single quotes unless the text contains `'` and no `"`; `\\`, the chosen
/// quote, `\t`, `\n`, `\r` escaped; other non-printable code points written
/// `\xhh`, `\uhhhh` or `\Uhhhhhhhh`. "Printable" is Python's rule: not in the
/// categories Cc, Cf, Cs, Co, Cn, Zl, Zp, Zs, except the ASCII space.
public func pythonRepr(_ s: String) -> String {
    let scalars = s.unicodeScalars
    let quote: Unicode.Scalar = scalars.contains("'") && !scalars.contains("\"") ? "\"" : "'"
    var out = String.UnicodeScalarView()
    out.append(quote)
    for c in scalars {
        switch c {
        case quote, "\\":
            out.append("\\"); out.append(c)
        case "\t": out.append(contentsOf: "\\t".unicodeScalars)
        case "\n": out.append(contentsOf: "\\n".unicodeScalars)
        case "\r": out.append(contentsOf: "\\r".unicodeScalars)
        default:
            if isPythonPrintable(c) {
                out.append(c)
            } else {
                out.append(contentsOf: escaped(c).unicodeScalars)
            }
        }
    }
    out.append(quote)
    return String(out)
}

private func isPythonPrintable(_ c: Unicode.Scalar) -> Bool {
    if c.value < 0x7f { return c.value >= 0x20 }
    switch c.properties.generalCategory {
    case .control, .format, .surrogate, .privateUse, .unassigned,
         .lineSeparator, .paragraphSeparator, .spaceSeparator:
        return false
    default:
        return true
    }
}

private func escaped(_ c: Unicode.Scalar) -> String {
    let hex = String(c.value, radix: 16)
    let (prefix, width) = c.value <= 0xff ? ("\\x", 2) : c.value <= 0xffff ? ("\\u", 4) : ("\\U", 8)
    return prefix + String(repeating: "0", count: width - hex.count) + hex
}

// supervisor's `datatypes.url`, the check supervisorctl applies to `-s`:
// `urllib.parse.urlparse(value)` must find a scheme and a netloc or a path,
// else `-s` is a usage error (`value '/tmp/sock' is not a URL`, exit 2).
// Only what that check needs of urlparse (CPython 3.11 urlsplit) is here.

public enum PythonURL {
    /// urlparse's `uses_params`: schemes whose last path segment loses its `;params`.
    private static let usesParams: Set<String> = ["", "ftp", "hdl", "prospero", "http", "imap", "https", "shttp",
                                                  "rtsp", "rtspu", "sip", "sips", "mms", "sftp", "tel"]

    /// `datatypes.url(value)` succeeds.
    public static func isURL(_ value: String) -> Bool {
        // urlsplit strips leading C0 controls and spaces, and drops tab/CR/LF anywhere.
        var url = Substring(value.drop { $0.unicodeScalars.allSatisfy { $0.value <= 0x20 } })
        // By scalar: "\r\n" is one Character and would slip past a Character filter.
        url = Substring(String(String.UnicodeScalarView(url.unicodeScalars.filter { $0 != "\t" && $0 != "\r" && $0 != "\n" })))
        var scheme = ""
        if let colon = url.firstIndex(of: ":"), colon > url.startIndex,
           let first = url.first, first.isASCII, first.isLetter,
           url[..<colon].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }) {
            scheme = url[..<colon].lowercased()
            url = url[url.index(after: colon)...]
        }
        guard !scheme.isEmpty else { return false }
        var netloc = Substring("")
        if url.hasPrefix("//") {
            let rest = url.dropFirst(2)
            let end = rest.firstIndex { "/?#".contains($0) } ?? rest.endIndex
            netloc = rest[..<end]
            url = rest[end...]
        }
        if let hash = url.firstIndex(of: "#") { url = url[..<hash] }
        if let q = url.firstIndex(of: "?") { url = url[..<q] }
        var path = url
        if usesParams.contains(scheme), path.contains(";") {
            // _splitparams: the `;` after the last `/` (or the first one without a `/`).
            let from = path.lastIndex(of: "/") ?? path.startIndex
            if let semi = path[from...].firstIndex(of: ";") { path = path[..<semi] }
        }
        return !netloc.isEmpty || !path.isEmpty
    }
}

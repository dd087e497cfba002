// SHA-1 (FIPS 180-4), for `[unix_http_server] password={SHA}<hex>`. Not for
// anything new: it is here only because supervisord's config format uses it.

/// A one-shot SHA-1 digest.
public enum SHA1 {
    /// The 20-byte digest of `message`.
    public static func digest<C: Collection>(_ message: C) -> [UInt8] where C.Element == UInt8 {
        var h: [UInt32] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0]
        var data = Array(message)
        let bitLength = UInt64(data.count) &* 8
        data.append(0x80)
        while data.count % 64 != 56 { data.append(0) }
        for i in (0..<8).reversed() { data.append(UInt8(truncatingIfNeeded: bitLength >> (UInt64(i) * 8))) }
        var w = [UInt32](repeating: 0, count: 80)
        for chunk in stride(from: 0, to: data.count, by: 64) {
            for i in 0..<16 {
                let b = chunk + i * 4
                w[i] = UInt32(data[b]) << 24 | UInt32(data[b + 1]) << 16 | UInt32(data[b + 2]) << 8 | UInt32(data[b + 3])
            }
            for i in 16..<80 {
                let x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
                w[i] = x << 1 | x >> 31
            }
            var (a, b, c, d, e) = (h[0], h[1], h[2], h[3], h[4])
            for i in 0..<80 {
                let f: UInt32, k: UInt32
                switch i {
                case 0..<20: f = (b & c) | (~b & d); k = 0x5A82_7999
                case 20..<40: f = b ^ c ^ d; k = 0x6ED9_EBA1
                case 40..<60: f = (b & c) | (b & d) | (c & d); k = 0x8F1B_BCDC
                default: f = b ^ c ^ d; k = 0xCA62_C1D6
                }
                let t = (a << 5 | a >> 27) &+ f &+ e &+ k &+ w[i]
                e = d; d = c; c = b << 30 | b >> 2; b = a; a = t
            }
            h[0] = h[0] &+ a; h[1] = h[1] &+ b; h[2] = h[2] &+ c; h[3] = h[3] &+ d; h[4] = h[4] &+ e
        }
        return h.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - UInt32($0) * 8)) } }
    }

    /// Lower-case hex of the digest (what `{SHA}` passwords hold).
    public static func hexDigest(_ string: String) -> String {
        let digits = Array("0123456789abcdef")
        return String(digest(Array(string.utf8)).flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }
}

/// `[unix_http_server] username=/password=` as the control server checks them.
public struct ControlCredentials: Sendable, Equatable {
    public var username: String
    /// Cleartext, or `{SHA}` followed by the hex SHA-1 of the password.
    public var password: String
    public init(username: String, password: String) { self.username = username; self.password = password }

    /// Whether `auth user pass` is accepted (supervisord's `encrypted_password`
    /// check in http.py: `{SHA}` compares digests, hex case-insensitively).
    public func accepts(user: String, password given: String) -> Bool {
        guard user == username else { return false }
        if password.hasPrefix("{SHA}") {
            return SHA1.hexDigest(given) == String(password.dropFirst(5)).lowercased()
        }
        return given == password
    }
}

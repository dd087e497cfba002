// One HTTP/1.0 exchange on loopback, for the tests of /metrics and the web
// page: the request written whole, the answer read until the server closes,
// every wait bounded (SO_RCVTIMEO).
import Foundation
import XCTest

struct HTTPAnswer {
    var status: Int
    /// Header names lower-cased; the first of several with one name.
    var headers: [String: String]
    var body: Data
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// `METHOD path` to 127.0.0.1:`port` over HTTP/1.0 (or 1.1); nil when nothing answers.
func httpExchange(port: Int, _ path: String, method: String = "GET", headers: [String: String] = [:],
                  body: String = "", timeout: Double = 10, http11: Bool = false) -> HTTPAnswer? {
    guard let c = ControlClient(port: port) else { return nil }
    var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
    setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    // HTTP/1.1 (chromedriver refuses 1.0) with `Connection: close`, so the
    // answer still ends at the close.
    var request = "\(method) \(path) HTTP/\(http11 ? "1.1" : "1.0")\r\n"
    if http11 { request += "Host: 127.0.0.1:\(port)\r\nConnection: close\r\n" }
    for (k, v) in headers { request += "\(k): \(v)\r\n" }
    if !body.isEmpty || method == "POST" { request += "Content-Length: \(body.utf8.count)\r\n" }
    request += "\r\n" + body
    guard c.send(request) else { return nil }
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = recv(c.fd, &buffer, buffer.count, 0)
        if n <= 0 { break }
        data.append(contentsOf: buffer[0..<n])
        // A server that keeps the connection open (chromedriver) is done
        // once the Content-Length is in.
        if let end = data.range(of: Data("\r\n\r\n".utf8)) {
            let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).lowercased()
            if let r = head.range(of: "\r\ncontent-length:") {
                let digits = head[r.upperBound...].drop { $0 == " " }.prefix { $0.isNumber }
                if let length = Int(digits), data.count - end.upperBound >= length { break }
            }
        }
    }
    guard let end = data.range(of: Data("\r\n\r\n".utf8)) else { return nil }
    let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
    guard let statusLine = head.first, statusLine.split(separator: " ").count >= 2,
          let status = Int(statusLine.split(separator: " ")[1]) else { return nil }
    var fields: [String: String] = [:]
    for line in head.dropFirst() {
        guard let colon = line.firstIndex(of: ":") else { continue }
        let name = line[..<colon].lowercased()
        if fields[name] == nil { fields[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
    }
    return HTTPAnswer(status: status, headers: fields, body: Data(data[end.upperBound...]))
}

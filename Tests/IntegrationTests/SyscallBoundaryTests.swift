// The syscall boundary, checked on the sources: raw libc calls live in
// SwiftvisorOS (and the C target) only; SwiftvisorCore imports nothing; the
// daemon module and the executables reach the OS through SwiftvisorOS.
import Foundation
import XCTest

final class SyscallBoundaryTests: XCTestCase {
    private var sources: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
    }

    /// Every .swift file under Sources/<module>, with its lines (comments stripped).
    private func files(in module: String) throws -> [(path: String, lines: [String])] {
        let dir = sources.appendingPathComponent(module)
        guard let walker = FileManager.default.enumerator(atPath: dir.path) else { return [] }
        var result: [(String, [String])] = []
        for case let relative as String in walker where relative.hasSuffix(".swift") {
            let text = try String(contentsOfFile: dir.appendingPathComponent(relative).path, encoding: .utf8)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
                let s = String(line)
                guard let comment = s.range(of: "//") else { return s }
                return String(s[..<comment.lowerBound])
            }
            result.append(("\(module)/\(relative)", lines))
        }
        XCTAssertFalse(result.isEmpty, "no sources found for \(module) at \(dir.path)")
        return result
    }

    private func imports(_ lines: [String]) -> [String] {
        lines.compactMap { line in
            let t = line.trimmingCharacters(in: .whitespaces)
            guard t.hasPrefix("import ") || t.contains(" import ") else { return nil }
            return t.split(separator: " ").last.map(String.init)
        }
    }

    /// Modules that may not touch libc themselves.
    private let shellModules = ["SwiftvisorDaemon", "swiftvisord", "swiftvisorctl"]
    private let osModules: Set<String> = ["Glibc", "Musl", "Darwin", "Foundation", "FoundationEssentials", "CSwiftvisor", "WinSDK"]

    func test_core_importsNothingButTheStandardLibrary() throws {
        for file in try files(in: "SwiftvisorCore") {
            let found = imports(file.lines).filter { $0 != "Synchronization" }
            XCTAssertEqual(found, [], "\(file.path) imports \(found): SwiftvisorCore must stay pure")
            for (i, line) in file.lines.enumerated() where line.contains("@_silgen_name") || line.contains("Glibc.") {
                XCTFail("\(file.path):\(i + 1) reaches the OS: \(line)")
            }
        }
    }

    func test_daemonAndExecutables_reachTheOSOnlyThroughSwiftvisorOS() throws {
        for module in shellModules {
            for file in try files(in: module) {
                let bad = imports(file.lines).filter(osModules.contains)
                XCTAssertEqual(bad, [], "\(file.path) imports \(bad): call a SwiftvisorOS wrapper (System.swift) instead")
                for (i, line) in file.lines.enumerated()
                where line.contains("Glibc.") || line.contains("@_silgen_name") || line.range(of: #"\bswv_"#, options: .regularExpression) != nil {
                    XCTFail("\(file.path):\(i + 1) calls libc directly: \(line)")
                }
            }
        }
    }

    /// The scan itself must see what it forbids (a test that cannot fail proves nothing).
    func test_theScan_findsAnImportAndAQualifiedCall() {
        XCTAssertEqual(imports(["import Glibc", "@testable import Foundation", "let x = 1"]), ["Glibc", "Foundation"])
        XCTAssertEqual(imports(["// import Glibc"].map { String($0[..<$0.range(of: "//")!.lowerBound]) }), [])
    }
}

// The docs cannot drift from the binaries: every ```sh block in docs/ carries
// a marker comment on the line before it, and the runnable ones are executed
// here, in order, in a scratch copy of config/ with the built binaries first
// on PATH (and `.build/debug` pointing at them, as in a clone).
//
//   <!-- doc-test: run -->             executed by the test of its document
//   <!-- doc-test: ctl -->             needs the full swiftvisorctl: executed by the *_needsCtl tests
//   <!-- doc-test: run timeout=2 -->   a command that runs until stopped (tail -f): stopped after 2 s
//   <!-- doc-test: manual (reason) --> needs a real host (root, systemd); the reason names the test covering it
import Foundation
import XCTest

struct DocBlock {
    var file: String
    var line: Int
    var kind: String
    var timeout: Int?
    var body: String
}

enum DocBlocks {
    static let documents = ["getting-started.md", "operations.md", "migrating-from-supervisor.md", "recipes.md"]

    /// Every ```sh block of `path`, and the `file:line` of those without a valid marker.
    static func parse(_ path: String, name: String) throws -> (blocks: [DocBlock], unmarked: [String]) {
        let lines = try OpsTools.read(path).components(separatedBy: "\n")
        var blocks: [DocBlock] = [], unmarked: [String] = []
        var i = 0
        var previous = ""
        while i < lines.count {
            let line = lines[i]
            if line.hasPrefix("```") {
                let lang = line.dropFirst(3).trimmingCharacters(in: .whitespaces)
                let start = i + 1
                var body: [String] = []
                i += 1
                while i < lines.count, !lines[i].hasPrefix("```") { body.append(lines[i]); i += 1 }
                if lang == "sh" {
                    if let marker = marker(previous), ["run", "ctl", "manual"].contains(marker.kind) {
                        blocks.append(DocBlock(file: name, line: start, kind: marker.kind, timeout: marker.timeout,
                                               body: body.joined(separator: "\n")))
                    } else {
                        unmarked.append("docs/\(name):\(start)")
                    }
                }
            }
            if !line.trimmingCharacters(in: .whitespaces).isEmpty { previous = line }
            i += 1
        }
        return (blocks, unmarked)
    }

    static func marker(_ line: String) -> (kind: String, timeout: Int?)? {
        let t = line.trimmingCharacters(in: .whitespaces)
        guard t.hasPrefix("<!-- doc-test:"), t.hasSuffix("-->") else { return nil }
        let words = t.dropFirst("<!-- doc-test:".count).dropLast(3).split(separator: " ").map(String.init)
        guard let kind = words.first else { return nil }
        let timeout = words.first { $0.hasPrefix("timeout=") }.flatMap { Int($0.dropFirst("timeout=".count)) }
        if kind == "manual" && words.count < 2 { return nil }  // a manual block must say why
        return (kind, timeout)
    }
}

final class OpsDocsTests: XCTestCase {
    var sandbox: Sandbox!
    private var runner: OpsProcess?

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() {
        // Stop any daemon a block started (by its pidfile), then whatever is left of the runner.
        if let pid = (try? OpsTools.read(pidfile)).flatMap({ Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) {
            terminateAndWait(pid, timeout: 15)
        }
        runner?.killGroup()
        for pid in sandbox.spawnedPids(in: (try? OpsTools.read(sandbox.dir + "/config/run/swiftvisord.log")) ?? "") {
            sandbox.killIfAlive(pid)
        }
        sandbox.cleanup()
    }

    private var pidfile: String { sandbox.dir + "/config/run/swiftvisord.pid" }
    private func docPath(_ name: String) -> String { OpsTools.packageFile("docs/" + name) }

    func test_docs_everyShellBlockHasADocTestMarker() throws {
        var unmarked: [String] = []
        var counts: [String: Int] = [:]
        for doc in DocBlocks.documents {
            let parsed = try DocBlocks.parse(docPath(doc), name: doc)
            unmarked += parsed.unmarked
            for b in parsed.blocks { counts[b.kind, default: 0] += 1 }
        }
        XCTAssertEqual(unmarked, [], "```sh blocks without <!-- doc-test: run|ctl|manual (reason) -->")
        XCTAssertGreaterThan(counts["run", default: 0], 5, "the docs have runnable blocks: \(counts)")
        print("doc blocks: \(counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
    }

    func test_docs_gettingStarted_runBlocks() throws { try runDocument("getting-started.md", withCtl: false) }
    func test_docs_operations_runBlocks() throws { try runDocument("operations.md", withCtl: false) }
    func test_docs_migrating_runBlocks() throws { try runDocument("migrating-from-supervisor.md", withCtl: false) }
    func test_docs_recipes_runBlocks() throws { try runDocument("recipes.md", withCtl: false) }

    /// Need the finished swiftvisorctl (branch ctl): expected to fail until it lands.
    func test_docs_gettingStarted_allBlocks_needsCtl() throws { try runDocument("getting-started.md", withCtl: true) }
    func test_docs_recipes_allBlocks_needsCtl() throws { try runDocument("recipes.md", withCtl: true) }

    /// Run the document's blocks in order in one shell (so variables carry
    /// over), `set -e`, each preceded by its `file:line` in the output.
    private func runDocument(_ doc: String, withCtl: Bool, file: StaticString = #filePath, line: UInt = #line) throws {
        let parsed = try DocBlocks.parse(docPath(doc), name: doc)
        let blocks = parsed.blocks.filter { $0.kind == "run" || (withCtl && $0.kind == "ctl") }
        if blocks.isEmpty { throw XCTSkip("docs/\(doc) has no \(withCtl ? "run or ctl" : "run") blocks") }

        // A fresh clone's config/ (run/ empty), and .build/debug as in the clone.
        let copy = try OpsProcess.run(["/bin/cp", "-R", OpsTools.packageFile("config"), sandbox.dir + "/config"])
        XCTAssertEqual(copy.status, 0, copy.stderr, file: file, line: line)
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: sandbox.dir + "/config/run")) ?? [] where entry != ".gitignore" {
            try FileManager.default.removeItem(atPath: sandbox.dir + "/config/run/" + entry)
        }
        try FileManager.default.createDirectory(atPath: sandbox.dir + "/.build", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: sandbox.dir + "/.build/debug", withDestinationPath: Binaries.directory)
        try FileManager.default.createDirectory(atPath: sandbox.dir + "/.doc", withIntermediateDirectories: true)

        var script = "set -e\ncd '\(sandbox.dir)'\n"
        for (n, b) in blocks.enumerated() {
            let blockFile = ".doc/\(n).sh"
            try (b.body + "\n").write(toFile: sandbox.dir + "/" + blockFile, atomically: true, encoding: .utf8)
            script += "echo '>>> docs/\(b.file):\(b.line) (\(b.kind))'\n"
            if let t = b.timeout {
                // Runs until stopped (tail -f): it must still be running after t seconds.
                script += "rc=0; timeout \(t) sh -e ./\(blockFile) || rc=$?\n"
                script += "if [ $rc -ne 124 ]; then echo \"docs/\(b.file):\(b.line): exited with $rc before \(t)s\" >&2; exit 1; fi\n"
            } else {
                script += ". ./\(blockFile)\n"
            }
        }
        script += "echo '>>> all blocks passed'\n"
        let main = try sandbox.write(script, to: ".doc/main.sh")
        let path = Binaries.directory + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let p = try OpsProcess(["/bin/sh", main], environment: [
            "PATH": path, "CONF": sandbox.dir + "/config/swiftvisord.conf", "PIDFILE": pidfile,
        ], directory: sandbox.dir)
        runner = p
        let status = p.wait(timeout: 60)
        _ = p.stdout.waitForEOF(timeout: 2)
        let transcript = p.stdout.text + (p.stderr.text.isEmpty ? "" : "\n--- stderr ---\n" + p.stderr.text)
        if ProcessInfo.processInfo.environment["SWIFTVISOR_DOCS_VERBOSE"] == "1" { print(transcript) }
        XCTAssertEqual(status, 0, "docs/\(doc): a block failed (the last >>> line names it):\n\(transcript)", file: file, line: line)
        XCTAssertTrue(p.stdout.text.contains(">>> all blocks passed"), transcript, file: file, line: line)
    }
}

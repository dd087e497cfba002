// The real swiftvisord binary: --check / -t, --dump-config, and supervisord's
// usage errors (exit 2, `Error: ...` then `For help, use <argv0> -h`).
import Foundation
import XCTest

struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum Binary {
    /// The test bundle runs from .build/<triple>/debug; swiftvisord is built beside it.
    static var swiftvisord: String {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return exe.deletingLastPathComponent().appendingPathComponent("swiftvisord").path
    }

    static func run(_ args: [String], cwd: String? = nil) throws -> RunResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: swiftvisord)
        p.arguments = args
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes to the end before waiting so a large dump cannot block the child.
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return RunResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}

final class SwiftvisordConfigCommandTests: XCTestCase {
    var scratch = ""

    override func setUpWithError() throws {
        scratch = try Paths.scratch()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: scratch)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = scratch + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func test_check_printsSummaryAndWarnings_exits0() throws {
        let conf = try write("a.conf", "[supervisord]\nlogfile=\(scratch)/l\npidfile=\(scratch)/p\n[program:a]\ncommand=/bin/cat\nautorestar=true\n")
        for flag in ["--check", "-t"] {
            let r = try Binary.run(["-c", conf, flag])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stdout, "\(conf): OK: 1 program, 1 process, 1 group, 1 warning\nwarning: \(conf):6: [program:a] unknown option \"autorestar\" is ignored (supervisord ignores it too; a typo?)\n")
            XCTAssertEqual(r.stderr, "")
        }
    }

    func test_dumpConfig_printsOneJSONDocument_withResolvedValues() throws {
        let conf = try write("a.conf", "[supervisord]\nlogfile=\(scratch)/l\npidfile=\(scratch)/p\n[program:w]\ncommand=/bin/echo %(process_num)02d\nnumprocs=2\nprocess_name=%(program_name)s_%(process_num)02d\nenvironment=A=\"x y\"\nstopsignal=int\nstdout_logfile_maxbytes=1KB\n")
        let r = try Binary.run(["-c", conf, "--dump-config"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let sup = try XCTUnwrap(json["supervisord"] as? [String: Any])
        XCTAssertEqual(sup["logfile"] as? String, "\(scratch)/l")
        let groups = try XCTUnwrap(json["groups"] as? [[String: Any]])
        XCTAssertEqual(groups.count, 1)
        XCTAssertEqual(groups[0]["name"] as? String, "w")
        let procs = try XCTUnwrap(groups[0]["processes"] as? [[String: Any]])
        XCTAssertEqual(procs.map { $0["name"] as? String }, ["w_00", "w_01"])
        XCTAssertEqual(procs.map { $0["command"] as? String }, ["/bin/echo 00", "/bin/echo 01"])
        XCTAssertEqual(procs[0]["stopsignal"] as? String, "INT")
        XCTAssertEqual(procs[0]["stdout_logfile_maxbytes"] as? Int, 1024)
        XCTAssertEqual(procs[0]["stdout_logfile"] as? String, "AUTO")
        XCTAssertEqual(procs[0]["environment"] as? [String: String], ["A": "x y"])
        XCTAssertTrue(procs[0]["umask"] is NSNull)
    }

    func test_badConfig_printsOneErrorNamingFileLineSectionOption_exits2() throws {
        let conf = try write("bad.conf", "[supervisord]\nlogfile=\(scratch)/l\n[program:web]\ncommand=/bin/cat\nstartsecs=5s\n")
        for flag in ["--check", "--dump-config"] {
            let r = try Binary.run(["-c", conf, flag])
            XCTAssertEqual(r.status, 2)
            XCTAssertEqual(r.stdout, "")
            XCTAssertEqual(r.stderr, "Error: \(conf):5: [program:web] startsecs: \"5s\" is not an integer (write a number of seconds, e.g. startsecs=5)\nFor help, use \(Binary.swiftvisord) -h\n")
        }
    }

    /// Configs that trapped or hung the reader (issue 10): `--check` and a
    /// foreground start both refuse them at once with file:line and the
    /// limit, exit 2, and never crash (a trap would exit 132/133, a hang
    /// would hit the timeout).
    func test_hostileConfigs_areRefusedAtCheckAndStart_withFileLineAndLimit() throws {
        let head = "[supervisord]\nlogfile=\(scratch)/l\npidfile=\(scratch)/p\n"
        let cases: [(String, String)] = [
            ("[program:]\ncommand=/bin/cat\n", ":4: [program:] name: the section has an empty name after 'program:'"),
            ("[program:]\n", ":4: [program:] command: is missing"),
            ("[eventlistener:]\ncommand=/bin/cat\nevents=TICK_5\n", ":4: [eventlistener:] name: the section has an empty name"),
            ("[fcgi-program:]\ncommand=/bin/cat\nsocket=tcp://127.0.0.1:9000\n", ":4: [fcgi-program:] name: the section has an empty name"),
            ("[program:w]\ncommand=/bin/echo %(here)99999999999999999999s\n", ":5: [program:w] command: \"/bin/echo %(here)99999999999999999999s\" asks for a width of 99999999999999999999, above the limit of 4096"),
            ("[program:w]\ncommand=/bin/echo %(here).99999999999999999999s\n", "above the limit of 4096"),
            ("[program:w]\ncommand=/bin/echo %(here)9999999999999s\n", "above the limit of 4096"),
            ("[program:w]\ncommand=/bin/echo %(here)2000000000s\n", "above the limit of 4096"),
            ("minfds=-1\n", ":4: [supervisord] minfds: \"-1\" is below the minimum of 0"),
            ("minprocs=-1\n", ":4: [supervisord] minprocs: \"-1\" is below the minimum of 0"),
            ("[program:w]\ncommand=/bin/cat\nstdout_logfile_backups=9223372036854775807\n", ":6: [program:w] stdout_logfile_backups: \"9223372036854775807\" is above the limit of 1000"),
            ("[program:w]\ncommand=/bin/cat\nprocess_name=%(process_num)d\nnumprocs=99999999\n", ":7: [program:w] numprocs: \"99999999\" is above the limit of 10000"),
        ]
        for (i, (body, expected)) in cases.enumerated() {
            let conf = try write("hostile\(i).conf", head + body)
            for args in [["--check"], ["-n"]] {
                let r = try OpsProcess.run([Binary.swiftvisord, "-c", conf] + args, timeout: 20)
                XCTAssertEqual(r.status, 2, "\(args) \(body): \(r.stderr)")
                XCTAssertTrue(r.stderr.hasPrefix("Error: \(conf)"), "\(args) \(body): \(r.stderr)")
                XCTAssertTrue(r.stderr.contains(expected), "\(args) \(body): \(r.stderr)")
            }
        }
    }

    func test_nonUTF8Config_namesTheLine() throws {
        let path = scratch + "/latin1.conf"
        let bytes = Array("[supervisord]\nlogfile=\(scratch)/l\n[program:caf".utf8) + [0xE9] + Array("]\ncommand=/bin/cat\n".utf8)
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let r = try Binary.run(["-c", path, "--check"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.hasPrefix("Error: \(path):3: the line is not valid UTF-8"), r.stderr)
    }

    /// supervisord blocks for ever in open() on a FIFO nobody writes; the
    /// reader opens it non-blocking and reads it as empty.
    func test_fifoAsConfigOrInclude_doesNotHang() throws {
        let fifo = scratch + "/fifo.conf"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let r = try OpsProcess.run([Binary.swiftvisord, "-c", fifo, "--check"], timeout: 20)
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("the file has no [supervisord] section"), r.stderr)
        let conf = try write("inc.conf", "[supervisord]\nlogfile=\(scratch)/l\n[include]\nfiles=fifo.conf\n")
        let included = try OpsProcess.run([Binary.swiftvisord, "-c", conf, "--check"], timeout: 20)
        XCTAssertEqual(included.status, 0, included.stderr)
    }

    func test_fragmentAsMainConfig_exits2() throws {
        let conf = try write("frag.conf", "[program:web]\ncommand=/bin/cat\n")
        let r = try Binary.run(["-c", conf, "--check"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.hasPrefix("Error: \(conf): the file has no [supervisord] section"), r.stderr)
    }

    func test_relativeConfigPath_resolvesAgainstWorkingDirectory() throws {
        _ = try write("rel.conf", "[supervisord]\n[program:a]\ncommand=/bin/echo %(here)s\n")
        let r = try Binary.run(["-c", "rel.conf", "--dump-config"], cwd: scratch)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("\"command\": \"/bin/echo \(scratch)\""), r.stdout)
        XCTAssertTrue(r.stdout.contains("\"logfile\": \"\(scratch)/supervisord.log\""), r.stdout)
    }

    func test_commandLineOverride_beatsConfig() throws {
        let conf = try write("a.conf", "[supervisord]\nlogfile=\(scratch)/l\npidfile=\(scratch)/p\nloglevel=warn\n")
        let r = try Binary.run(["-c", conf, "-e", "debug", "--identifier=me", "--dump-config"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("\"loglevel\": \"debug\""), r.stdout)
        XCTAssertTrue(r.stdout.contains("\"identifier\": \"me\""), r.stdout)
    }

    func test_usageErrors_matchSupervisord() throws {
        let conf = try write("a.conf", "[supervisord]\n")
        let cases: [([String], String)] = [
            (["-c", conf, "-x"], "option -x not recognized"),
            (["-c", conf, "--bogus"], "option --bogus not recognized"),
            (["-c", conf, "extra"], "positional arguments are not supported: ['extra']"),
            (["-c", conf, "-c", conf], "conflicting command line option '-c'"),
            (["-c"], "option -c requires argument"),
            (["-c", conf, "--nodaemon=1"], "option --nodaemon must not have an argument"),
            (["-c", conf, "--check", "--dump-config"], "--check and --dump-config cannot be combined"),
        ]
        for (args, message) in cases {
            let r = try Binary.run(args)
            XCTAssertEqual(r.status, 2, "\(args)")
            XCTAssertEqual(r.stderr, "Error: \(message)\nFor help, use \(Binary.swiftvisord) -h\n", "\(args)")
        }
    }

    func test_longOptionPrefix_isAccepted_likeGetopt() throws {
        let conf = try write("a.conf", "[supervisord]\nlogfile=\(scratch)/l\npidfile=\(scratch)/p\n")
        let r = try Binary.run(["--conf", conf, "--dump"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("{"))
    }

    func test_helpAndVersion_exit0() throws {
        let h = try Binary.run(["-h"])
        XCTAssertEqual(h.status, 0)
        XCTAssertTrue(h.stdout.contains("Usage: \(Binary.swiftvisord) [options]"), h.stdout)
        let v = try Binary.run(["--version"])
        XCTAssertEqual(v.status, 0)
        XCTAssertEqual(v.stdout, "4.3.0\n")
    }

    /// `--check` and `--dump-config` of whole configs, through the binary.
    func checkAndDump(_ corpus: ConfigCorpus, _ names: [String]) throws {
        for name in names {
            let conf = corpus.path(name)
            let r = try Binary.run(["-c", conf, "--check"], cwd: scratch)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.hasPrefix("\(conf): OK: "), r.stdout)
            let d = try Binary.run(["-c", conf, "--dump-config"], cwd: scratch)
            XCTAssertEqual(d.status, 0, d.stderr)
            XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(d.stdout.utf8)))
        }
    }

    func test_projectConfigs_checkAndDumpThroughTheBinary() throws {
        try checkAndDump(.owned, ["container-stdio.conf", "group-priorities.conf", "environment-override.conf", "includes-nothing.conf"])
    }

    func test_sharedConfigs_checkAndDumpThroughTheBinary() throws {
        try checkAndDump(try ConfigCorpus.sharedOrSkip(), [
            "TrafeX__docker-php-nginx__config_supervisord.conf", "DataDog__dd-agent__supervisord.dev.conf",
            "tiangolo__uwsgi-nginx-docker__docker-images_supervisord-debian.conf"])
    }
}

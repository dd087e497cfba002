// Configs that made the reader trap, hang or allocate without bound (issue
// 10): each is refused with file:line and the limit it broke, or read as
// supervisord 4.3.0 reads it. Before the limits, each of these killed the
// test process (a trap) or ran for minutes.
import XCTest
@testable import SwiftvisorCore

final class ConfigLimitsTests: XCTestCase {
    func assertRejected(_ body: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(rejection(mainConfig(body)), message, file: file, line: line)
    }

    // MARK: empty section names

    func test_emptyProgramName_withoutCommand_givesSupervisordsMissingCommandError() {
        assertRejected("[program:]\n",
                       "/etc/sv.conf:4: [program:] command: is missing: every program needs a command (add a line such as command=/usr/bin/myapp --port 8000)")
    }

    func test_emptyProgramName_withCommand_isRefused() {
        assertRejected("[program:]\ncommand=/bin/cat\n",
                       "/etc/sv.conf:4: [program:] name: the section has an empty name after 'program:' (name it, e.g. [program:web])")
        assertRejected("[program: ]\ncommand=/bin/cat\n",
                       "/etc/sv.conf:4: [program: ] name: the section has an empty name after 'program:' (name it, e.g. [program:web])")
    }

    func test_emptyProgramName_withNumprocsZero_isRefused() {
        assertRejected("[program:]\nnumprocs=0\n",
                       "/etc/sv.conf:4: [program:] name: the section has an empty name after 'program:' (name it, e.g. [program:web])")
    }

    func test_emptyEventListenerName_givesSupervisordsEventsError_thenRefusesTheName() {
        assertRejected("[eventlistener:]\ncommand=/bin/cat\n",
                       "/etc/sv.conf:4: [eventlistener:] events: an event listener needs an events line (list event types, e.g. events=PROCESS_STATE,TICK_60)")
        assertRejected("[eventlistener:]\nevents=TICK_5\n",
                       "/etc/sv.conf:4: [eventlistener:] command: is missing: every program needs a command (add a line such as command=/usr/bin/myapp --port 8000)")
        assertRejected("[eventlistener:]\ncommand=/bin/cat\nevents=TICK_5\n",
                       "/etc/sv.conf:4: [eventlistener:] name: the section has an empty name after 'eventlistener:' (name it, e.g. [eventlistener:web])")
    }

    func test_emptyFcgiProgramName_givesSupervisordsSocketError_thenRefusesTheName() {
        assertRejected("[fcgi-program:]\ncommand=/bin/cat\n",
                       "/etc/sv.conf:4: [fcgi-program:] socket: an fcgi-program needs a socket line (write socket=unix:///path/to/%(program_name)s.sock or socket=tcp://127.0.0.1:9000)")
        assertRejected("[fcgi-program:]\nsocket=tcp://127.0.0.1:9000\n",
                       "/etc/sv.conf:4: [fcgi-program:] command: is missing: every program needs a command (add a line such as command=/usr/bin/myapp --port 8000)")
        assertRejected("[fcgi-program:]\ncommand=/bin/cat\nsocket=tcp://127.0.0.1:9000\n",
                       "/etc/sv.conf:4: [fcgi-program:] name: the section has an empty name after 'fcgi-program:' (name it, e.g. [fcgi-program:web])")
    }

    func test_emptyGroupName_isRefused() {
        assertRejected("[program:a]\ncommand=/bin/cat\n[group:]\nprograms=a\n",
                       "/etc/sv.conf:6: [group:] name: the section has an empty name after 'group:' (name it, e.g. [group:web])")
    }

    func test_processNameExpandingToNothing_isRefused() {
        var host = FakeConfigHost()
        host.environment["EMPTY"] = ""
        host.files["/etc/sv.conf"] = mainConfig("[program:a]\ncommand=/bin/cat\nprocess_name=%(ENV_EMPTY)s\n")
        XCTAssertThrowsError(try ConfigLoader(host: host).load(path: "/etc/sv.conf")) { error in
            XCTAssertEqual("\(error)", "/etc/sv.conf:6: [program:a] process_name: \"%(ENV_EMPTY)s\" expands to an empty name (give the process a name, e.g. process_name=%(program_name)s)")
        }
    }

    // MARK: % widths and precisions

    func test_hugeFormatWidth_isRefusedWithTheLimit() {
        assertRejected("[program:a]\ncommand=/bin/echo %(here)99999999999999999999s\n",
                       "/etc/sv.conf:5: [program:a] command: \"/bin/echo %(here)99999999999999999999s\" asks for a width of 99999999999999999999, above the limit of 4096 (use a width of at most 4096, e.g. %(process_num)02d)")
        assertRejected("[program:a]\ncommand=/bin/echo %(here)9999999999999s\n",
                       "/etc/sv.conf:5: [program:a] command: \"/bin/echo %(here)9999999999999s\" asks for a width of 9999999999999, above the limit of 4096 (use a width of at most 4096, e.g. %(process_num)02d)")
        assertRejected("[program:a]\ncommand=/bin/echo %(here)2000000000s\n",
                       "/etc/sv.conf:5: [program:a] command: \"/bin/echo %(here)2000000000s\" asks for a width of 2000000000, above the limit of 4096 (use a width of at most 4096, e.g. %(process_num)02d)")
    }

    func test_hugeFormatPrecision_isRefusedWithTheLimit() {
        assertRejected("[program:a]\ncommand=/bin/echo %(here).99999999999999999999s\n",
                       "/etc/sv.conf:5: [program:a] command: \"/bin/echo %(here).99999999999999999999s\" asks for a precision of 99999999999999999999, above the limit of 4096 (use a precision of at most 4096, e.g. %(process_num)02d)")
        assertRejected("[program:a]\ncommand=/bin/echo %(process_num).5000d\n",
                       "/etc/sv.conf:5: [program:a] command: \"/bin/echo %(process_num).5000d\" asks for a precision of 5000, above the limit of 4096 (use a precision of at most 4096, e.g. %(process_num)02d)")
    }

    func test_hugeWidth_inSupervisordSection_andInclude_isRefused() {
        assertRejected("[unix_http_server]\nfile=%(here)99999999999999999999s\n",
                       "/etc/sv.conf:5: [unix_http_server] file: \"%(here)99999999999999999999s\" asks for a width of 99999999999999999999, above the limit of 4096 (use a width of at most 4096, e.g. %(process_num)02d)")
        XCTAssertEqual(rejection("[supervisord]\nlogfile=%(here)99999999999999999999s\n"),
                       "/etc/sv.conf:2: [supervisord] logfile: \"%(here)99999999999999999999s\" asks for a width of 99999999999999999999, above the limit of 4096 (use a width of at most 4096, e.g. %(process_num)02d)")
    }

    func test_widthAtTheLimit_isAccepted_withLeadingZerosNotCounted() throws {
        let c = try load(mainConfig("[program:a]\ncommand=/bin/echo %(program_name)0004096s\n"))
        XCTAssertEqual(c.groups[0].processes[0].command.count, "/bin/echo ".count + 4096)
        XCTAssertEqual(try Expansion.expand("%(n)05d", names: ["n": .int(42)]), "00042")
    }

    func test_valueExpandingBeyondOneMebibyte_isRefused() {
        let value = String(repeating: "%(here)4096s", count: 300)
        let message = rejection(mainConfig("[program:a]\ncommand=\(value)\n"))
        XCTAssertEqual(message?.hasPrefix("/etc/sv.conf:5: [program:a] command: \"%(here)4096s"), true, message ?? "accepted")
        XCTAssertEqual(message?.hasSuffix("...\" expands to more than 1048576 characters, the limit for one value (shorten the value or the names it inserts)"), true, message ?? "accepted")
    }

    func test_valuesRepeatedForManyProcesses_areBoundedInAll() {
        // 4 KiB per process and 10000 processes per section: 40 MiB per section,
        // refused in the second section, before 100000 processes exist.
        var body = ""
        for i in 0..<2 {
            body += "[program:p\(i)]\ncommand=/bin/echo %(program_name)4096s\nprocess_name=%(process_num)d\nnumprocs=10000\n"
        }
        XCTAssertEqual(rejection(mainConfig(body)),
                       "/etc/sv.conf:9: [program:p1] command: the configuration expands to more than 67108864 bytes of values in all, the limit for one configuration (64 MiB) (lower numprocs or shorten the values repeated for every process)")
    }

    // MARK: numbers

    func test_negativeMinfdsAndMinprocs_areRefused() {
        XCTAssertEqual(rejection("[supervisord]\nminfds=-1\n"),
                       "/etc/sv.conf:2: [supervisord] minfds: \"-1\" is below the minimum of 0 (write a number of at least 0, e.g. minfds=1024)")
        XCTAssertEqual(rejection("[supervisord]\nminprocs=-1\n"),
                       "/etc/sv.conf:2: [supervisord] minprocs: \"-1\" is below the minimum of 0 (write a number of at least 0, e.g. minprocs=200)")
        var o = ConfigOverrides()
        o.minfds = "-5"
        XCTAssertEqual(rejection(mainConfig(""), overrides: o),
                       "-a: \"-5\" is below the minimum of 0 (write a number of at least 0, e.g. minfds=1024)")
    }

    func test_integerBeyond64Bits_isOutOfRange_notNotAnInteger() {
        XCTAssertEqual(rejection(mainConfig("[program:a]\ncommand=/bin/cat\npriority=99999999999999999999\n")),
                       "/etc/sv.conf:6: [program:a] priority: \"99999999999999999999\" is out of range (write a whole number from -9223372036854775808 to 9223372036854775807, e.g. priority=999)")
        XCTAssertEqual(rejection(mainConfig("[program:a]\ncommand=/bin/cat\nnumprocs=99999999999999999999\n")),
                       "/etc/sv.conf:6: [program:a] numprocs: \"99999999999999999999\" is out of range (write a number of processes from 1 to 10000, e.g. numprocs=2)")
    }

    func test_hugeLogfileBackups_isRefusedWithTheLimit() {
        assertRejected("[program:a]\ncommand=/bin/cat\nstdout_logfile_backups=9223372036854775807\n",
                       "/etc/sv.conf:6: [program:a] stdout_logfile_backups: \"9223372036854775807\" is above the limit of 1000 (write a number of backups from 0 to 1000, e.g. stdout_logfile_backups=10)")
        assertRejected("[program:a]\ncommand=/bin/cat\nstderr_logfile_backups=1001\n",
                       "/etc/sv.conf:6: [program:a] stderr_logfile_backups: \"1001\" is above the limit of 1000 (write a number of backups from 0 to 1000, e.g. stderr_logfile_backups=10)")
        XCTAssertEqual(rejection("[supervisord]\nlogfile_backups=5000\n"),
                       "/etc/sv.conf:2: [supervisord] logfile_backups: \"5000\" is above the limit of 1000 (write a number of backups from 0 to 1000, e.g. logfile_backups=10)")
    }

    /// The range the error message names is the range read: Int.min itself
    /// was refused as "out of range (… from -9223372036854775808 …)" because
    /// the magnitude was built positive and overflowed before the sign.
    func test_intMin_isRead_andOneBelowIsOutOfRange() throws {
        let c = try load(mainConfig("[program:a]\ncommand=/bin/cat\npriority=-9223372036854775808\nstartsecs=-9223372036854775808\n"))
        XCTAssertEqual(c.groups[0].processes[0].priority, Int.min)
        XCTAssertEqual(c.groups[0].processes[0].startsecs, Int.min)
        XCTAssertEqual(rejection(mainConfig("[program:a]\ncommand=/bin/cat\npriority=-9223372036854775809\n")),
                       "/etc/sv.conf:6: [program:a] priority: \"-9223372036854775809\" is out of range (write a whole number from -9223372036854775808 to 9223372036854775807, e.g. priority=999)")
        XCTAssertEqual(PythonSyntax.int("-0o_17", radix: 8), -15)
        XCTAssertEqual(PythonSyntax.int("-99999999999999999999", saturating: true), Int.min)
        XCTAssertEqual(PythonSyntax.int("-9_223_372_036_854_775_807"), -Int.max)
    }

    /// A NUL byte was read on and cut every C string at it: the command ran
    /// truncated, and `[program:z<NUL>q]` sent both of its AUTO logs to `z`.
    func test_nulByte_isRefusedWithItsLine() {
        XCTAssertEqual(rejection(mainConfig("[program:a]\ncommand=/bin/echo a\u{0}b\n")),
                       "/etc/sv.conf:5: the line holds a NUL byte (remove it: no name, path, command or value can hold a NUL byte)")
        XCTAssertEqual(rejection(mainConfig("[program:z\u{0}q]\r\ncommand=/bin/cat\n")),
                       "/etc/sv.conf:4: the line holds a NUL byte (remove it: no name, path, command or value can hold a NUL byte)")
        XCTAssertEqual(rejection(mainConfig("[program:a]\rcommand=/bin/cat\renvironment=A=\u{0}\n")),
                       "/etc/sv.conf:6: the line holds a NUL byte (remove it: no name, path, command or value can hold a NUL byte)")
    }

    func test_negativeBackups_keepNone_asSupervisordDoes() throws {
        let c = try load(mainConfig("[program:a]\ncommand=/bin/cat\nstdout_logfile_backups=-3\n"))
        XCTAssertEqual(c.groups[0].processes[0].stdout.backups, -3)
    }

    func test_hugeNumprocs_isRefusedQuickly() {
        let started = ContinuousClock.now
        assertRejected("[program:a]\ncommand=/bin/cat\nprocess_name=%(process_num)d\nnumprocs=99999999\n",
                       "/etc/sv.conf:7: [program:a] numprocs: \"99999999\" is above the limit of 10000 (write a number of processes from 1 to 10000, e.g. numprocs=2)")
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(1))
    }

    func test_numprocsStartNearIntMax_isRefused_notOverflowed() {
        assertRejected("[program:a]\ncommand=/bin/cat\nprocess_name=%(process_num)d\nnumprocs=2\nnumprocs_start=9223372036854775807\n",
                       "/etc/sv.conf:8: [program:a] numprocs_start: \"9223372036854775807\" is above the limit of 1000000000 (write a number from -1000000000 to 1000000000, e.g. numprocs_start=0)")
    }

    func test_totalProcessesAcrossSections_isBounded() {
        var body = ""
        for i in 0..<11 { body += "[program:p\(i)]\ncommand=/bin/cat\nprocess_name=%(process_num)d\nnumprocs=10000\n" }
        let message = rejection(mainConfig(body))
        XCTAssertEqual(message, "/etc/sv.conf:47: [program:p10] numprocs: the configuration defines more than 100000 processes, the limit for one swiftvisord (lower numprocs or split the programs across several swiftvisord instances)")
    }

    func test_hugeByteSizes_areOutOfRange() {
        assertRejected("[program:a]\ncommand=/bin/cat\nstdout_logfile_maxbytes=9999999999GB\n",
                       "/etc/sv.conf:6: [program:a] stdout_logfile_maxbytes: \"9999999999GB\" is out of range: a byte size is at most 9223372036854775807 bytes (8 EB) (write a number of bytes with an optional KB, MB or GB suffix, e.g. stdout_logfile_maxbytes=50MB)")
        assertRejected("[program:a]\ncommand=/bin/cat\nstdout_capture_maxbytes=99999999999999999999\n",
                       "/etc/sv.conf:6: [program:a] stdout_capture_maxbytes: \"99999999999999999999\" is out of range: a byte size is at most 9223372036854775807 bytes (8 EB) (write a number of bytes with an optional KB, MB or GB suffix, e.g. stdout_capture_maxbytes=50MB)")
    }

    func test_modesBeyondPermissionBits_areRefused() {
        assertRejected("[program:a]\ncommand=/bin/cat\numask=77777777777777777777777\n",
                       "/etc/sv.conf:6: [program:a] umask: \"77777777777777777777777\" is not a valid mode: it must be from 0 to 07777 (octal) (write octal digits, e.g. umask=022)")
        assertRejected("[unix_http_server]\nfile=/tmp/s.sock\nchmod=17777\n",
                       "/etc/sv.conf:6: [unix_http_server] chmod: \"17777\" is not a valid mode: it must be from 0 to 07777 (octal) (write octal digits, e.g. chmod=022)")
        XCTAssertNotNil(try? load(mainConfig("[program:a]\ncommand=/bin/cat\numask=7777\n")))
    }

    // MARK: file contents

    func test_invalidUTF8_namesTheLine() {
        var host = FakeConfigHost()
        host.rawFiles["/etc/sv.conf"] = Array("[supervisord]\r\nlogfile=/tmp/a\rpidfile=/tmp/b\n".utf8) + [0x23, 0xC3, 0x28, 0x0A] + Array("x=1\n".utf8)
        XCTAssertThrowsError(try ConfigLoader(host: host).load(path: "/etc/sv.conf")) { error in
            XCTAssertEqual("\(error)", "/etc/sv.conf:4: the line is not valid UTF-8 (save the file as UTF-8)")
        }
        XCTAssertEqual(ConfigReader.firstInvalidUTF8Line([0x61, 0x0A, 0x0A, 0xFF]), 3)
        XCTAssertEqual(ConfigReader.firstInvalidUTF8Line([0xFF]), 1)
    }

    func test_includeMatchingMoreThanAThousandFiles_isRefused() {
        var host = FakeConfigHost()
        for i in 0..<1001 { host.files["/etc/conf.d/p\(i).conf"] = "" }
        host.addParents(of: "/etc/conf.d/p0.conf")
        XCTAssertEqual(rejection(mainConfig("[include]\nfiles=conf.d/*.conf\n"), host: host),
                       "/etc/sv.conf:5: [include] files: matches more than 1000 files, the limit for one configuration (merge the included files or narrow the patterns)")
        host.files["/etc/conf.d/p1000.conf"] = nil
        XCTAssertNoThrow(try load(mainConfig("[include]\nfiles=conf.d/*.conf\n"), host: host))
    }

    func test_inputBeyondSixteenMebibytes_isRefused() {
        let filler = String(repeating: "; padding padding padding padding padding padding padding padding\n", count: (ConfigLimits.inputBytes / 66) + 10)
        XCTAssertEqual(rejection(mainConfig(filler)),
                       "/etc/sv.conf: the config files read so far are larger than 16777216 bytes, the limit for a configuration (16 MiB) (a configuration is text of a few kilobytes: check that the file is the one meant)")
    }
}

import XCTest
@testable import SwiftvisorCore

final class ConfigLoaderTests: XCTestCase {
    func test_defaults_matchSupervisord() throws {
        let c = try load("[supervisord]\n[program:web]\ncommand=/bin/cat\n")
        XCTAssertEqual(c.configFile, "/etc/sv.conf")
        XCTAssertEqual(c.supervisord.logfile, "/srv/supervisord.log")  // made absolute against the cwd
        XCTAssertEqual(c.supervisord.pidfile, "/srv/supervisord.pid")
        XCTAssertEqual(c.supervisord.childlogdir, "/tmp")
        XCTAssertEqual(c.supervisord.loglevel, "info")
        XCTAssertEqual(c.supervisord.umask, 0o22)
        let p = try XCTUnwrap(c.groups.first?.processes.first)
        XCTAssertEqual(p.name, "web")
        XCTAssertEqual(p.priority, 999)
        XCTAssertTrue(p.autostart)
        XCTAssertEqual(p.autorestart, .unexpected)
        XCTAssertEqual(p.startsecs, 1)
        XCTAssertEqual(p.startretries, 3)
        XCTAssertEqual(p.exitcodes, [0])
        XCTAssertEqual(p.stopsignal.name, "TERM")
        XCTAssertEqual(p.stopwaitsecs, 10)
        XCTAssertEqual(p.stdout.target, .auto)
        XCTAssertEqual(p.stdout.maxbytes, 52_428_800)
        XCTAssertNil(p.environment)
        XCTAssertEqual(p.location, SourceLocation(file: "/etc/sv.conf", line: 2))
    }

    func test_expansion_namesPerSection() throws {
        var host = FakeConfigHost()
        host.environment["FOO"] = "bar"
        let c = try load(mainConfig("[program:w]\ncommand=/bin/echo %(program_name)s %(group_name)s %(here)s %(host_node_name)s %(ENV_FOO)s %(process_num)02d/%(numprocs)d\nnumprocs=2\nprocess_name=%(program_name)s_%(process_num)d\n"), host: host)
        XCTAssertEqual(c.groups[0].processes.map(\.command), ["/bin/echo w w /etc box bar 00/2", "/bin/echo w w /etc box bar 01/2"])
    }

    func test_supervisordEnvironment_isAvailableAsENV_andMergedUnderProgramEnvironment() throws {
        let c = try load("[supervisord]\nlogfile=/tmp/l\npidfile=/tmp/p\nenvironment=FOO=1,SHARED=global\n[program:a]\ncommand=/bin/echo %(ENV_FOO)s %(ENV_X)s\nenvironment=X=\"%(ENV_FOO)s-x\",SHARED=mine\n")
        let p = c.groups[0].processes[0]
        XCTAssertEqual(p.command, "/bin/echo 1 1-x")
        XCTAssertEqual(p.environment?.map { "\($0.key)=\($0.value)" }, ["FOO=1", "SHARED=mine", "X=1-x"])
    }

    func test_numprocs_processNamesAndOrderingByName() throws {
        let c = try load(mainConfig("[program:n]\ncommand=/bin/cat\nnumprocs=3\nnumprocs_start=9\nprocess_name=n%(process_num)d\n"))
        XCTAssertEqual(c.groups[0].processes.map(\.name), ["n10", "n11", "n9"])
        XCTAssertEqual(c.groups[0].processes.map(\.processNum), [10, 11, 9])
    }

    func test_numprocsZero_makesAnEmptyGroup() throws {
        let c = try load(mainConfig("[program:n]\ncommand=/bin/cat\nnumprocs=0\n"))
        XCTAssertEqual(c.groups.map(\.name), ["n"])
        XCTAssertEqual(c.groups[0].processes, [])
    }

    func test_groups_sortedByPriorityThenName_groupAbsorbsPrograms() throws {
        let c = try load(mainConfig("[program:z]\ncommand=/bin/z\n[program:b]\ncommand=/bin/b\npriority=1\n[program:a]\ncommand=/bin/a %(group_name)s\n[group:g]\nprograms=a,b\npriority=5\n[eventlistener:l]\ncommand=/bin/l\nevents=tick_5,TICK_5\n"))
        XCTAssertEqual(c.groups.map(\.name), ["l", "g", "z"])
        XCTAssertEqual(c.groups[1].processes.map(\.namespec), ["g:a", "g:b"])
        XCTAssertEqual(c.groups[1].processes[0].command, "/bin/a g")
        XCTAssertEqual(c.groups[0].priority, -1)
        XCTAssertEqual(c.groups[0].eventListener?.events, ["TICK_5"])
        XCTAssertEqual(c.programSections, ["program:z", "program:b", "program:a", "eventlistener:l"])
    }

    func test_defaultSection_appliesToEveryProgram() throws {
        let c = try load("[DEFAULT]\nautostart=false\n" + mainConfig("[program:a]\ncommand=/bin/a\n[program:b]\ncommand=/bin/b\nautostart=true\n"))
        XCTAssertEqual(c.groups.map { $0.processes[0].autostart }, [false, true])
    }

    func test_redirectStderr_forcesNoStderrLog_andWarnsAboutAGivenFile() throws {
        let c = try load(mainConfig("[program:a]\ncommand=/bin/a\nredirect_stderr=true\nstderr_logfile=/tmp/e.log\n"))
        XCTAssertEqual(c.groups[0].processes[0].stderr.target, LogTarget.none)
        XCTAssertEqual(c.warnings.map(\.description), ["/etc/sv.conf:7: For [program:a], redirect_stderr=true but stderr_logfile has also been set to a filename, the filename has been ignored"])
    }

    func test_resultHandler_pythonCallable_warnsAndLoads_knownOnesQuietly() throws {
        let c = try load(mainConfig("[eventlistener:l]\ncommand=/bin/a\nevents=TICK_5\nresult_handler=mymod:handler\n"))
        XCTAssertEqual(c.warnings.map(\.description), ["/etc/sv.conf:7: [eventlistener:l] result_handler: \"mymod:handler\" is Python code swiftvisord cannot run; the default handler is used (only a RESULT body of OK is success)"])
        for known in ["supervisor_stdout:event_handler", "supervisor_stdlog:log_handler", "supervisor.dispatchers:default_handler"] {
            let k = try load(mainConfig("[eventlistener:l]\ncommand=/bin/a\nevents=PROCESS_LOG\nresult_handler=\(known)\n"))
            XCTAssertEqual(k.warnings, [])
            XCTAssertEqual(k.groups[0].eventListener?.resultHandler, known)
        }
    }

    func test_syslogLogfile_isRewrittenToSyslogFlag_withDeprecationWarning() throws {
        let c = try load(mainConfig("[program:a]\ncommand=/bin/a\nstdout_logfile=syslog\n"))
        let p = c.groups[0].processes[0]
        XCTAssertEqual(p.stdout.target, LogTarget.none)
        XCTAssertTrue(p.stdout.syslog)
        XCTAssertEqual(c.warnings.first?.message, "For [program:a], stdout_logfile=syslog but this is deprecated and will be removed.  Use stdout_syslog=true to enable syslog instead.")
    }

    func test_autoLogWithoutRollover_warns() throws {
        let c = try load(mainConfig("[program:a]\ncommand=/bin/a\nstdout_logfile_maxbytes=0\n"))
        XCTAssertEqual(c.warnings.map(\.description), ["/etc/sv.conf:6: For [program:a], AUTO logging used for stdout_logfile without rollover, set maxbytes > 0 to avoid filling up filesystem unintentionally"])
    }

    func test_unknownOptionsAndSections_areAccepted_andListedWithFileAndLine() throws {
        let c = try load(mainConfig("[program:a]\ncommand=/bin/a\nautorestar=true\n[foo]\nbar=1\n"))
        XCTAssertEqual(c.groups[0].processes[0].autorestart, .unexpected)
        XCTAssertEqual(c.warnings.map(\.description), [
            "/etc/sv.conf:6: [program:a] unknown option \"autorestar\" is ignored (supervisord ignores it too; a typo?)",
            "/etc/sv.conf:7: unknown section [foo] is ignored (supervisord ignores it too)",
        ])
        XCTAssertFalse(c.warnings[0].supervisordWarns)
    }

    func test_servers_ctl_andRPCInterface_areRead() throws {
        let c = try load(mainConfig("[unix_http_server]\nfile=%(here)s/../run/./s.sock\nchmod=0770\nchown=alice:staff\n[inet_http_server]\nport=*:9001\nusername=u\npassword=p\n[supervisorctl]\nserverurl=unix://%(here)s/s.sock\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"))
        XCTAssertEqual(c.unixHTTPServers.first?.file, "/run/s.sock")
        XCTAssertEqual(c.unixHTTPServers.first?.chmod, 0o770)
        XCTAssertEqual(c.unixHTTPServers.first?.chownUID, 1000)
        XCTAssertEqual(c.unixHTTPServers.first?.chownGID, 50)
        XCTAssertEqual(c.inetHTTPServers.first?.host, "")
        XCTAssertEqual(c.inetHTTPServers.first?.port, 9001)
        XCTAssertEqual(c.supervisorctl?.serverurl, "unix:///etc/s.sock")
        XCTAssertEqual(c.rpcInterfaces, ["supervisor": "supervisor.rpcinterface:make_main_rpcinterface"])
    }

    func test_fcgiProgram_socketResolved() throws {
        let c = try load(mainConfig("[fcgi-program:f]\ncommand=/bin/f\nsocket=unix:///tmp/%(program_name)s.sock\nuser=alice\n[fcgi-program:t]\ncommand=/bin/t\nsocket=tcp://LocalHost:9000\n"))
        XCTAssertEqual(c.groups[0].fcgi?.socket, "unix:///tmp/f.sock")
        XCTAssertEqual(c.groups[0].fcgi?.ownerUID, 1000)
        XCTAssertEqual(c.groups[0].fcgi?.mode, 0o700)
        XCTAssertEqual(c.groups[1].fcgi?.socket, "tcp://localhost:9000")
    }

    func test_commandLineOverrides_beatConfigValues_andConfigIsStillValidated() throws {
        var o = ConfigOverrides()
        o.loglevel = "debug"
        o.logfile = "/var/log/x.log"
        o.nodaemon = true
        o.user = "alice"
        let c = try load(mainConfig("loglevel=warn\nnodaemon=false\n"), overrides: o)
        XCTAssertEqual(c.supervisord.loglevel, "debug")
        XCTAssertEqual(c.supervisord.logfile, "/var/log/x.log")
        XCTAssertTrue(c.supervisord.nodaemon)
        XCTAssertEqual(c.supervisord.user?.uid, 1000)
        XCTAssertNotNil(rejection(mainConfig("loglevel=loud\n"), overrides: o))
    }

    func test_locateDefaultConfig_searchesSupervisordsList() throws {
        var host = FakeConfigHost()
        host.files["/etc/supervisor/supervisord.conf"] = "[supervisord]\n"
        XCTAssertEqual(try ConfigLoader(host: host).locateDefaultConfig(argv0: "/usr/bin/swiftvisord"), "/etc/supervisor/supervisord.conf")
        host.files["/usr/etc/supervisord.conf"] = "[supervisord]\n"
        XCTAssertEqual(try ConfigLoader(host: host).locateDefaultConfig(argv0: "/usr/bin/swiftvisord"), "/usr/etc/supervisord.conf")
        XCTAssertEqual(ConfigLoader.defaultSearchPaths(argv0: "/usr/bin/swiftvisord"),
                       ["/usr/etc/supervisord.conf", "/usr/supervisord.conf", "supervisord.conf", "etc/supervisord.conf",
                        "/etc/supervisord.conf", "/etc/supervisor/supervisord.conf"])
        XCTAssertThrowsError(try ConfigLoader(host: FakeConfigHost()).locateDefaultConfig(argv0: "swiftvisord")) { error in
            XCTAssertEqual("\(error)", "No config file found at default paths (etc/supervisord.conf, supervisord.conf, supervisord.conf, etc/supervisord.conf, /etc/supervisord.conf, /etc/supervisor/supervisord.conf) (use the -c option to specify a config file at a different path)")
        }
    }

    func test_summary_countsProgramsProcessesGroups_andListsWarnings() throws {
        let c = try load(mainConfig("[program:a]\ncommand=/bin/a\nnumprocs=2\nprocess_name=a%(process_num)d\nautorestar=true\n[program:b]\ncommand=/bin/b\n"))
        XCTAssertEqual(c.summary(), "/etc/sv.conf: OK: 2 programs, 3 processes, 2 groups, 1 warning\nwarning: /etc/sv.conf:8: [program:a] unknown option \"autorestar\" is ignored (supervisord ignores it too; a typo?)")
    }

    func test_cgroupOption_isASwiftvisordExtension_readAsBoolean_listedByCheckAndDump_notWarnedAsUnknown() throws {
        let c = try load(mainConfig("[program:a]\ncommand=/bin/a\ncgroup=true\n[program:b]\ncommand=/bin/b\n"))
        XCTAssertEqual(c.groups.first { $0.name == "a" }?.processes.first?.cgroup, true)
        XCTAssertEqual(c.groups.first { $0.name == "b" }?.processes.first?.cgroup, false)
        XCTAssertTrue(c.warnings.isEmpty, "\(c.warnings)")
        XCTAssertEqual(c.summary(), "/etc/sv.conf: OK: 2 programs, 2 processes, 2 groups, 0 warnings\nextension: /etc/sv.conf:6: [program:a] cgroup=true: swiftvisord only (supervisord ignores it); each process runs in a cgroup of its own and stop ends every process in it")
        XCTAssertTrue(c.dump().serialized().contains("\"cgroup\":true"), c.dump().serialized())
        XCTAssertThrowsError(try load(mainConfig("[program:a]\ncommand=/bin/a\ncgroup=maybe\n"))) { error in
            XCTAssertTrue("\(error)".contains("cgroup"), "\(error)")
        }
    }

    func test_logfileTimestamps_swiftvisordOnly_defaultFromSupervisordSection_listedByCheckAndDump() throws {
        let c = try load(mainConfig("[program:a]\ncommand=/bin/a\nstderr_logfile_timestamps=false\n[program:b]\ncommand=/bin/b\nstdout_logfile_timestamps=true\n[program:c]\ncommand=/bin/c\n"))
        let b = c.groups.first { $0.name == "b" }?.processes.first
        XCTAssertEqual(b?.stdout.timestamps, true)
        XCTAssertEqual(b?.stderr.timestamps, false)
        XCTAssertEqual(c.groups.first { $0.name == "c" }?.processes.first?.stdout.timestamps, false)
        XCTAssertTrue(c.warnings.isEmpty, "\(c.warnings)")
        XCTAssertTrue(c.summary().contains("[program:b] stdout_logfile_timestamps=true: swiftvisord only"), c.summary())
        XCTAssertTrue(c.dump().serialized().contains("\"stdout_logfile_timestamps\":true"), c.dump().serialized())
        // [supervisord] childlog_timestamps is every program's default; a program may still say no.
        let d = try load(mainConfig("childlog_timestamps=true\n[program:a]\ncommand=/bin/a\nstderr_logfile_timestamps=false\n"))
        let a = d.groups.first?.processes.first
        XCTAssertEqual(a?.stdout.timestamps, true)
        XCTAssertEqual(a?.stderr.timestamps, false)
        XCTAssertTrue(d.summary().contains("childlog_timestamps=true: swiftvisord only"), d.summary())
        XCTAssertThrowsError(try load(mainConfig("[program:a]\ncommand=/bin/a\nstdout_logfile_timestamps=sometimes\n"))) { error in
            XCTAssertTrue("\(error)".contains("stdout_logfile_timestamps"), "\(error)")
        }
    }

    func test_dump_resolvedValuesUnderSupervisordNames() throws {
        let c = try load(mainConfig("[program:a]\ncommand=/bin/a\n  --flag\nstopsignal=sigkill\numask=002\nautorestart=true\nexitcodes=0,2\nstdout_logfile=NONE\nenvironment=A=1\nuser=alice\ndirectory=/tmp\n"))
        let json = c.dump().serialized()
        XCTAssertTrue(json.hasPrefix("{\"supervisord\":{\"logfile\":\"/tmp/sv.log\",\"logfile_maxbytes\":52428800,"), json)
        XCTAssertTrue(json.contains("\"groups\":[{\"name\":\"a\",\"priority\":999,\"kind\":\"program\",\"processes\":[{\"name\":\"a\",\"group\":\"a\",\"program_name\":\"a\",\"process_num\":0,\"numprocs\":1,\"numprocs_start\":0,\"command\":\"/bin/a\\n--flag\",\"directory\":\"/tmp\",\"umask\":2,\"priority\":999,\"autostart\":true,\"autorestart\":true,\"startsecs\":1,\"startretries\":3,\"exitcodes\":[0,2],\"stopsignal\":\"KILL\","), json)
        XCTAssertTrue(json.contains("\"user\":\"alice\",\"redirect_stderr\":false,\"stdout_logfile\":\"NONE\","), json)
        XCTAssertTrue(json.contains("\"stderr_logfile\":\"AUTO\","), json)
        XCTAssertTrue(json.contains("\"environment\":{\"A\":\"1\"},\"serverurl\":\"AUTO\"}"), json)
    }
}

final class ConfigIncludeTests: XCTestCase {
    func host(_ files: [String: String]) -> FakeConfigHost {
        var h = FakeConfigHost(files)
        for f in files.keys { h.addParents(of: f) }
        return h
    }

    func test_include_relativeToMainFile_sortedPerPattern_hereIsIncludedFilesDirectory() throws {
        let h = host([
            "/etc/conf.d/b.conf": "[program:b]\ncommand=/bin/echo %(here)s\n",
            "/etc/conf.d/a.conf": "[program:a]\ncommand=/bin/echo a\n[program:b]\npriority=5\n",
            "/opt/x/x.ini": "[program:x]\ncommand=/bin/x %(here)s\n",
        ])
        let c = try load(mainConfig("[include]\nfiles=conf.d/*.conf /opt/x/*.ini\n"), host: h)
        XCTAssertEqual(c.filesRead, ["/etc/sv.conf", "/etc/conf.d/a.conf", "/etc/conf.d/b.conf", "/opt/x/x.ini"])
        XCTAssertEqual(c.infos, ["Included extra file \"/etc/conf.d/a.conf\" during parsing",
                                 "Included extra file \"/etc/conf.d/b.conf\" during parsing",
                                 "Included extra file \"/opt/x/x.ini\" during parsing"])
        XCTAssertEqual(c.groups.map(\.name), ["b", "a", "x"])
        XCTAssertEqual(c.groups[0].processes[0].command, "/bin/echo /etc/conf.d")  // merged with a.conf's priority=5
        XCTAssertEqual(c.groups[2].processes[0].command, "/bin/x /opt/x")
    }

    func test_include_noMatch_isAWarningWithLine() throws {
        let c = try load(mainConfig("[include]\nfiles=nomatch/*.conf\n"), host: host([:]))
        XCTAssertEqual(c.warnings.map(\.description), ["/etc/sv.conf:5: No file matches via include \"/etc/nomatch/*.conf\""])
        XCTAssertTrue(c.warnings[0].supervisordWarns)
    }

    func test_include_canOverrideMainFileKeys() throws {
        let h = host(["/etc/ov/1.conf": "[program:m]\ncommand=/bin/override\n"])
        let c = try load(mainConfig("[program:m]\ncommand=/bin/main\nautostart=false\n[include]\nfiles=ov/*.conf\n"), host: h)
        XCTAssertEqual(c.groups[0].processes[0].command, "/bin/override")
        XCTAssertFalse(c.groups[0].processes[0].autostart)
    }

    func test_include_isNotRecursive_andANestedIncludeIsWarnedAbout() throws {
        let h = host(["/etc/d/1.conf": "[include]\nfiles=never/*.conf\n[program:z]\ncommand=/bin/z\n",
                      "/etc/d/never/n.conf": "[program:n]\ncommand=/bin/n\n"])
        let c = try load(mainConfig("[include]\nfiles=d/*.conf\n"), host: h)
        XCTAssertEqual(c.groups.map(\.name), ["z"])
        XCTAssertEqual(c.warnings.map(\.description), ["/etc/d/1.conf:2: [include] in an included file is ignored: includes do not nest"])
    }

    func test_include_fragmentSuppliesSupervisordSection() throws {
        let h = host(["/etc/s/s.conf": "[supervisord]\nlogfile=/tmp/l\npidfile=/tmp/p\n"])
        let c = try load("[include]\nfiles=s/*.conf\n[program:a]\ncommand=/bin/a\n", host: h)
        XCTAssertEqual(c.supervisord.logfile, "/tmp/l")
    }

    func test_include_filesMayUseHereAndHostNodeName() throws {
        let h = host(["/etc/box/a.conf": "[program:a]\ncommand=/bin/a\n"])
        let c = try load(mainConfig("[include]\nfiles=%(here)s/%(host_node_name)s/*.conf\n"), host: h)
        XCTAssertEqual(c.groups.map(\.name), ["a"])
    }
}

final class JSONValueTests: XCTestCase {
    func test_serialized_keepsKeyOrder_escapesStrings() {
        let v: JSONValue = .object([("b", .int(1)), ("a", .array([.string("q\"\\\n\t\u{1}é"), .null, .bool(true)])), ("e", .object([]))])
        XCTAssertEqual(v.serialized(), "{\"b\":1,\"a\":[\"q\\\"\\\\\\n\\t\\u0001é\",null,true],\"e\":{}}")
    }

    func test_serialized_prettyPrintsLikePythonJsonDumpsIndent2() {
        let v: JSONValue = .object([("a", .array([.int(1)])), ("b", .array([]))])
        XCTAssertEqual(v.serialized(indent: 2), "{\n  \"a\": [\n    1\n  ],\n  \"b\": []\n}")
    }
}

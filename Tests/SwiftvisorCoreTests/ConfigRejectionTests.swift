// Every config supervisord 4.3.0 rejects is rejected, with one message that
// names file, line, section and option, says what is wrong and what is right.
// Each message is asserted in full.
import XCTest
@testable import SwiftvisorCore

final class ConfigRejectionTests: XCTestCase {
    var host: FakeConfigHost = {
        var h = FakeConfigHost()
        h.environment["COLON"] = "a:b"
        return h
    }()

    func assertRejected(_ body: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(rejection(mainConfig(body), host: host), message, file: file, line: line)
    }

    func test_reject_unknownName() {
        assertRejected("[program:a]\ncommand=/bin/echo %(nope)s\n",
                       "/etc/sv.conf:5: [program:a] command: \"/bin/echo %(nope)s\" uses %(nope), which cannot be expanded here (available names: group_name, here, host_node_name, numprocs, process_num, program_name, ENV_<variable>; write %% for a literal percent sign)")
    }

    func test_reject_lonePercent() {
        assertRejected("[program:a]\ncommand=/bin/echo 100%\n",
                       "/etc/sv.conf:5: [program:a] command: \"/bin/echo 100%\" is badly formatted: a lone '%' at the end (write %(name)s to insert a value and %% for a literal percent sign)")
    }

    func test_reject_missingCommand() {
        assertRejected("[program:a]\npriority=1\n",
                       "/etc/sv.conf:4: [program:a] command: is missing: every program needs a command (add a line such as command=/usr/bin/myapp --port 8000)")
    }

    func test_reject_numprocsWithoutProcessNum() {
        assertRejected("[program:a]\ncommand=/bin/cat\nnumprocs=2\n",
                       "/etc/sv.conf:4: [program:a] process_name: numprocs is 2 but process_name \"%(program_name)s\" does not contain %(process_num) (give each process its own name, e.g. process_name=%(program_name)s_%(process_num)02d)")
    }

    func test_reject_colonInProgramName() {
        assertRejected("[program:a:b]\ncommand=/bin/cat\n",
                       "/etc/sv.conf:4: [program:a:b] name: \"a:b\" is not a valid program name because it contains a colon (use only letters, digits, '_', '-' and '.')")
    }

    func test_reject_colonInProcessName() {
        assertRejected("[program:a]\ncommand=/bin/cat\nprocess_name=x:y\n",
                       "/etc/sv.conf:6: [program:a] process_name: \"x:y\" is not a valid process name because it contains a colon (use only letters, digits, '_', '-' and '.')")
    }

    func test_reject_colonInExpandedProcessName() {
        assertRejected("[program:a]\ncommand=/bin/cat\nprocess_name=%(ENV_COLON)s\n",
                       "/etc/sv.conf:6: [program:a] process_name: \"a:b\" is not a valid process name because it contains a colon (use only letters, digits, '_', '-' and '.')")
    }

    func test_reject_unknownSignal() {
        assertRejected("[program:a]\ncommand=/bin/cat\nstopsignal=FOO\n",
                       "/etc/sv.conf:6: [program:a] stopsignal: \"FOO\" is not a valid signal name (write one of TERM, HUP, INT, QUIT, KILL, USR1, USR2, e.g. stopsignal=TERM)")
    }

    func test_reject_unknownSignalNumber() {
        assertRejected("[program:a]\ncommand=/bin/cat\nstopsignal=35\n",
                       "/etc/sv.conf:6: [program:a] stopsignal: \"35\" is not a valid signal number (write a signal name, e.g. stopsignal=TERM)")
    }

    func test_reject_badBoolean() {
        assertRejected("[program:a]\ncommand=/bin/cat\nautostart=maybe\n",
                       "/etc/sv.conf:6: [program:a] autostart: \"maybe\" is not a boolean (write true or false, e.g. autostart=true)")
    }

    func test_reject_badInteger() {
        assertRejected("[program:a]\ncommand=/bin/cat\nstartsecs=5s\n",
                       "/etc/sv.conf:6: [program:a] startsecs: \"5s\" is not an integer (write a number of seconds, e.g. startsecs=5)")
    }

    func test_reject_badByteSizeUnit() {
        assertRejected("[program:a]\ncommand=/bin/cat\nstdout_logfile_maxbytes=1K\n",
                       "/etc/sv.conf:6: [program:a] stdout_logfile_maxbytes: \"1K\" is not a byte size (write a number of bytes with an optional KB, MB or GB suffix, e.g. stdout_logfile_maxbytes=50MB)")
    }

    func test_reject_badByteSizeFraction() {
        assertRejected("[program:a]\ncommand=/bin/cat\nstdout_logfile_maxbytes=1.5MB\n",
                       "/etc/sv.conf:6: [program:a] stdout_logfile_maxbytes: \"1.5MB\" is not a byte size (write a number of bytes with an optional KB, MB or GB suffix, e.g. stdout_logfile_maxbytes=50MB)")
    }

    func test_reject_badLogLevel() {
        assertRejected("loglevel=verbose\n",
                       "/etc/sv.conf:4: [supervisord] loglevel: \"verbose\" is not a log level (write one of critical, error, warn, info, debug, trace, blather, e.g. loglevel=info)")
    }

    func test_reject_exitCodeOver255() {
        assertRejected("[program:a]\ncommand=/bin/cat\nexitcodes=0,256\n",
                       "/etc/sv.conf:6: [program:a] exitcodes: \"0,256\" is not a valid list of exit codes (write comma-separated numbers from 0 to 255, e.g. exitcodes=0,2)")
    }

    func test_reject_stopasgroupWithoutKillasgroup() {
        assertRejected("[program:a]\ncommand=/bin/cat\nstopasgroup=true\nkillasgroup=false\n",
                       "/etc/sv.conf:7: [program:a] killasgroup: stopasgroup=true cannot be combined with killasgroup=false (remove killasgroup or set killasgroup=true)")
    }

    func test_reject_groupNamesUndefinedProgram() {
        assertRejected("[program:a]\ncommand=/bin/cat\n[group:g]\nprograms=a,zz\n",
                       "/etc/sv.conf:7: [group:g] programs: names unknown program or fcgi-program \"zz\" (define [program:zz] or remove it from programs=)")
    }

    func test_reject_groupNameAmbiguous() {
        assertRejected("[program:f]\ncommand=/bin/f\n[fcgi-program:f]\ncommand=/bin/f\nsocket=unix:///tmp/f.sock\n[group:g]\nprograms=f\n",
                       "/etc/sv.conf:10: [group:g] programs: \"f\" is ambiguous: it exists as [program:f] and [fcgi-program:f] (rename one of the two sections)")
    }

    func test_reject_includeWithoutFiles() {
        assertRejected("[include]\n",
                       "/etc/sv.conf:4: [include] files: the [include] section has no files setting (list the files to include, e.g. files=conf.d/*.conf)")
    }

    func test_reject_missingProgramAccount() {
        assertRejected("[program:a]\ncommand=/bin/cat\nuser=nobody2\n",
                       "/etc/sv.conf:6: [program:a] user: user \"nobody2\" does not exist on this host (name an existing account or create it first)")
    }

    func test_reject_missingSupervisordAccount() {
        assertRejected("user=nobody2\n",
                       "/etc/sv.conf:4: [supervisord] user: user \"nobody2\" does not exist on this host (name an existing account or create it first)")
    }

    func test_reject_missingLogDirectory() {
        assertRejected("[program:a]\ncommand=/bin/cat\nstdout_logfile=/nonexistent/a.log\n",
                       "/etc/sv.conf:6: [program:a] stdout_logfile: the directory \"/nonexistent\" named in \"/nonexistent/a.log\" does not exist (create /nonexistent or choose a path in an existing directory)")
    }

    func test_reject_missingSupervisordLogDirectory() {
        assertRejected("childlogdir=/nonexistent\n",
                       "/etc/sv.conf:4: [supervisord] childlogdir: \"/nonexistent\" is not an existing directory (create the directory or name one that exists)")
    }

    func test_reject_eventListenerRedirectStderr() {
        assertRejected("[eventlistener:e]\ncommand=/bin/cat\nevents=TICK_5\nredirect_stderr=true\n",
                       "/etc/sv.conf:7: [eventlistener:e] redirect_stderr: redirect_stderr=true is not allowed for an event listener: it would interfere with the listener protocol (remove redirect_stderr or set redirect_stderr=false)")
    }

    func test_reject_unknownEventType() {
        assertRejected("[eventlistener:e]\ncommand=/bin/cat\nevents=TICK_7\n",
                       "/etc/sv.conf:6: [eventlistener:e] events: \"TICK_7\" is not an event type (use one of EVENT, PROCESS_COMMUNICATION, PROCESS_COMMUNICATION_STDERR, PROCESS_COMMUNICATION_STDOUT, PROCESS_GROUP, PROCESS_GROUP_ADDED, PROCESS_GROUP_REMOVED, PROCESS_LOG, PROCESS_LOG_STDERR, PROCESS_LOG_STDOUT, PROCESS_STATE, PROCESS_STATE_BACKOFF, PROCESS_STATE_EXITED, PROCESS_STATE_FATAL, PROCESS_STATE_RUNNING, PROCESS_STATE_STARTING, PROCESS_STATE_STOPPED, PROCESS_STATE_STOPPING, PROCESS_STATE_UNKNOWN, REMOTE_COMMUNICATION, SUPERVISOR_STATE_CHANGE, SUPERVISOR_STATE_CHANGE_RUNNING, SUPERVISOR_STATE_CHANGE_STOPPING, TICK, TICK_3600, TICK_5, TICK_60)")
    }

    func test_reject_eventListenerWithoutEvents() {
        assertRejected("[eventlistener:e]\ncommand=/bin/cat\n",
                       "/etc/sv.conf:4: [eventlistener:e] events: an event listener needs an events line (list event types, e.g. events=PROCESS_STATE,TICK_60)")
    }

    func test_reject_eventListenerBufferSizeZero() {
        assertRejected("[eventlistener:e]\ncommand=/bin/cat\nevents=TICK_5\nbuffer_size=0\n",
                       "/etc/sv.conf:7: [eventlistener:e] buffer_size: \"0\" is not a valid buffer size (write a number of at least 1, e.g. buffer_size=10)")
    }

    func test_reject_inetUsernameWithoutPassword() {
        assertRejected("[inet_http_server]\nport=127.0.0.1:9001\nusername=u\n",
                       "/etc/sv.conf:6: [inet_http_server] password: is missing: a username needs a password and a password needs a username (set both username and password, or neither)")
    }

    func test_reject_inetWithoutPort() {
        assertRejected("[inet_http_server]\n",
                       "/etc/sv.conf:4: [inet_http_server] port: is missing (write the address to listen on, e.g. port=127.0.0.1:9001)")
    }

    func test_reject_inetPortOutOfRange() {
        assertRejected("[inet_http_server]\nport=70000\n",
                       "/etc/sv.conf:5: [inet_http_server] port: \"70000\" is not a valid port (write host:port or a port from 1 to 65535, e.g. port=127.0.0.1:9001)")
    }

    func test_reject_unixWithoutFile() {
        assertRejected("[unix_http_server]\nchmod=0700\n",
                       "/etc/sv.conf:4: [unix_http_server] file: is missing (write the socket path, e.g. file=/var/run/supervisor.sock)")
    }

    func test_reject_unixChownMissingAccount() {
        assertRejected("[unix_http_server]\nfile=/tmp/s.sock\nchown=nosuch\n",
                       "/etc/sv.conf:6: [unix_http_server] chown: \"nosuch\" names user \"nosuch\", which does not exist on this host (write user or user:group with existing names)")
    }

    func test_reject_unixChownMissingGroup() {
        assertRejected("[unix_http_server]\nfile=/tmp/s.sock\nchown=root:nogroup\n",
                       "/etc/sv.conf:6: [unix_http_server] chown: \"root:nogroup\" names group \"nogroup\", which does not exist on this host (write user or user:group with existing names)")
    }

    func test_reject_unixBadChmod() {
        assertRejected("[unix_http_server]\nfile=/tmp/s.sock\nchmod=999\n",
                       "/etc/sv.conf:6: [unix_http_server] chmod: \"999\" is not an octal number (write octal digits, e.g. chmod=022)")
    }

    func test_reject_unknownRPCFactory() {
        assertRejected("[rpcinterface:x]\nsupervisor.rpcinterface_factory = nosuch.mod:fn\n",
                       "/etc/sv.conf:5: [rpcinterface:x] supervisor.rpcinterface_factory: \"nosuch.mod:fn\" cannot be resolved: swiftvisord implements only the standard interface (write supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface)")
    }

    func test_reject_rpcWithoutFactory() {
        assertRejected("[rpcinterface:x]\nfoo=bar\n",
                       "/etc/sv.conf:4: [rpcinterface:x] supervisor.rpcinterface_factory: is missing: every [rpcinterface:x] section names its factory (write supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface)")
    }

    func test_reject_badUmask() {
        assertRejected("[program:a]\ncommand=/bin/cat\numask=999\n",
                       "/etc/sv.conf:6: [program:a] umask: \"999\" is not an octal number (write octal digits, e.g. umask=022)")
    }

    func test_reject_badAutorestart() {
        assertRejected("[program:a]\ncommand=/bin/cat\nautorestart=sometimes\n",
                       "/etc/sv.conf:6: [program:a] autorestart: \"sometimes\" is not a valid autorestart value (write true, false or unexpected, e.g. autorestart=unexpected)")
    }

    func test_reject_badEnvironment() {
        assertRejected("[program:a]\ncommand=/bin/cat\nenvironment=A=foo@bar\n",
                       "/etc/sv.conf:6: [program:a] environment: \"A=foo@bar\" is not a list of KEY=value pairs (it ends early or lacks an '=') (write KEY=value pairs separated by commas and quote values with other characters than letters, digits and _/.+-():, e.g. environment=A=\"1 2\",B=x)")
    }

    func test_reject_environmentUnclosedQuote() {
        assertRejected("[program:a]\ncommand=/bin/cat\nenvironment=A=\"x\n",
                       "/etc/sv.conf:6: [program:a] environment: a quotation in environment= is not closed (close every quote, e.g. environment=A=\"x y\")")
    }

    func test_reject_processNumInOncePerSectionKey() {
        assertRejected("[program:a]\ncommand=/bin/cat\npriority=%(process_num)d\n",
                       "/etc/sv.conf:6: [program:a] priority: \"%(process_num)d\" uses %(process_num), which cannot be expanded here (available names: here, ENV_<variable>; write %% for a literal percent sign)")
    }

    func test_reject_duplicateProcessNames() {
        assertRejected("[program:a]\ncommand=/bin/a\nprocess_name=x\n[program:b]\ncommand=/bin/b\nprocess_name=x\n[group:g]\nprograms=a,b\n",
                       "/etc/sv.conf:7: [group:g] process_name: two processes of group \"g\" are both named \"x\" (make process_name unique, e.g. process_name=%(program_name)s_%(process_num)02d)")
    }

    func test_reject_fcgiWithoutSocket() {
        assertRejected("[fcgi-program:f]\ncommand=/bin/cat\n",
                       "/etc/sv.conf:4: [fcgi-program:f] socket: an fcgi-program needs a socket line (write socket=unix:///path/to/%(program_name)s.sock or socket=tcp://127.0.0.1:9000)")
    }

    func test_reject_fcgiRelativeSocket() {
        assertRejected("[fcgi-program:f]\ncommand=/bin/cat\nsocket=unix://rel.sock\n",
                       "/etc/sv.conf:6: [fcgi-program:f] socket: unix socket path \"rel.sock\" is not absolute (write an absolute path, e.g. socket=unix:///var/run/f.sock)")
    }

    func test_reject_fcgiBadSocket() {
        assertRejected("[fcgi-program:f]\ncommand=/bin/cat\nsocket=udp://x:1\n",
                       "/etc/sv.conf:6: [fcgi-program:f] socket: \"udp://x:1\" is not a socket address (write socket=unix:///absolute/path or socket=tcp://host:port)")
    }

    func test_reject_fcgiOwnerOnTCP() {
        assertRejected("[fcgi-program:f]\ncommand=/bin/f\nsocket=tcp://127.0.0.1:9000\nsocket_owner=root\n",
                       "/etc/sv.conf:6: [fcgi-program:f] socket: socket_owner and socket_mode apply only to a unix domain socket (remove socket_owner and socket_mode, or use socket=unix:///path)")
    }

    func test_reject_fcgiBacklogZero() {
        assertRejected("[fcgi-program:f]\ncommand=/bin/f\nsocket=tcp://127.0.0.1:9000\nsocket_backlog=0\n",
                       "/etc/sv.conf:7: [fcgi-program:f] socket_backlog: \"0\" is not a valid backlog (write a number from 1 to 65535, e.g. socket_backlog=128)")
    }

    func test_reject_missingDirectory() {
        assertRejected("directory=/nonexistent\n",
                       "/etc/sv.conf:4: [supervisord] directory: \"/nonexistent\" is not an existing directory (create the directory or name one that exists)")
    }

    func test_reject_fragmentAsMainConfig() {
        XCTAssertEqual(rejection("[program:a]\ncommand=/bin/cat\n", host: host),
                       "/etc/sv.conf: the file has no [supervisord] section (a file with only program sections is a fragment: add a [supervisord] section or include it from a main config with [include] files=)")
    }

    func test_reject_optionBeforeAnySection() {
        XCTAssertEqual(rejection("command=/bin/cat\n[supervisord]\n", host: host),
                       "/etc/sv.conf:1: \"command=/bin/cat\" comes before any [section] header (start the file with a section such as [supervisord] or [program:name])")
    }

    func test_reject_lineWithoutEquals() {
        XCTAssertEqual(rejection(mainConfig("[program:a]\ncommand=/bin/cat\njunk\n"), host: host),
                       "/etc/sv.conf:6: [program:a] \"junk\" is neither a [section] header nor a key=value line (write key=value, or start a continuation line with more indentation than its key)")
    }

    func test_reject_missingConfigFile() {
        XCTAssertThrowsError(try ConfigLoader(host: host).load(path: "/etc/none.conf")) { error in
            XCTAssertEqual("\(error)", "/etc/none.conf: the config file does not exist (check the path given to -c)")
        }
    }

    func test_reject_invalidUTF8() {
        var h = host
        h.rawFiles["/etc/bin.conf"] = [0x5B, 0xFF, 0x5D]
        XCTAssertThrowsError(try ConfigLoader(host: h).load(path: "/etc/bin.conf")) { error in
            XCTAssertEqual("\(error)", "/etc/bin.conf:1: the line is not valid UTF-8 (save the file as UTF-8)")
        }
    }

    func test_reject_errorInIncludedFile_namesThatFile() {
        var h = host
        h.files["/etc/conf.d/a.conf"] = "[program:a]\ncommand=/bin/cat\nstartsecs=soon\n"
        h.addParents(of: "/etc/conf.d/a.conf")
        XCTAssertEqual(rejection(mainConfig("[include]\nfiles=conf.d/*.conf\n"), host: h),
                       "/etc/conf.d/a.conf:3: [program:a] startsecs: \"soon\" is not an integer (write a number of seconds, e.g. startsecs=5)")
    }

    func test_reject_badCommandLineValue_namesTheFlag() {
        var o = ConfigOverrides()
        o.loglevel = "loud"
        XCTAssertEqual(rejection(mainConfig(""), host: host, overrides: o),
                       "-e: \"loud\" is not a log level (write one of critical, error, warn, info, debug, trace, blather, e.g. loglevel=info)")
    }
}

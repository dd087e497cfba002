// swiftvisord's start-up, in supervisord's order (supervisord.py main/run,
// options.py realize) with its races fixed: the socket and pidfile are checked
// before any AUTO log is deleted, and a daemonizing launcher returns only once
// the daemon is ready.
import SwiftvisorCore
import SwiftvisorOS

/// Run the daemon on `config` until it shuts down; returns the exit status.
public func runDaemon(config initial: Configuration, options: CommandLineOptions, argv0: String) -> Int32 {
    let config = initial
    let host = LiveConfigHost()
    let loader = ConfigLoader(host: host)
    let configPath = config.configFile
    let loadAgain: () -> Result<Configuration, ConfigError> = {
        do throws(ConfigError) { return .success(try loader.load(path: configPath, overrides: options.overrides)) } catch {
            return .failure(error)
        }
    }
    func fail(_ message: String) -> Int32 {
        writeStandardError("Error: \(message)\nFor help, use \(argv0) -h\n")
        return 2
    }

    // Started with fd 0, 1 or 2 closed, the first files opened would take
    // those numbers and "stderr" would be written into the main log.
    StandardStreams.ensureOpen()
    // The signals the event loop reads are held from here on: the pidfile
    // exists (locked) long before the loop runs, and a SIGTERM sent on its
    // word must be an orderly shutdown, not the default action.
    Sys.blockSignals(Daemon.handledSignals)
    // SIGPIPE: a child closing its stdin, or a client vanishing, must never kill the daemon.
    Sys.ignoreSIGPIPE()

    // User switch before anything is created, so files belong to the new user.
    if let user = config.supervisord.user, let message = Privileges.drop(to: user) {
        return fail(message)
    }
    var parseNotes: [(LogLevel, String)] = []
    if let note = Daemon.runningAsRootNote(config) { parseNotes.append((.critical, note)) }
    if let note = Daemon.setUIDNote(config) { parseNotes.append((.info, note)) }
    for (limit, minimum, name, option) in [(ResourceLimit.openFiles, config.supervisord.minfds, "RLIMIT_NOFILE", "minfds"),
                                           (ResourceLimit.processes, config.supervisord.minprocs, "RLIMIT_NPROC", "minprocs")] {
        switch limit.raise(toAtLeast: minimum) {
        case .unchanged: break
        case .raised(let to): parseNotes.append((.info, "Increased \(name) limit to \(to)"))
        case .refused(let current):
            let what = limit == .openFiles ? "file descriptors" : "available processes"
            return fail("The minimum number of \(what) required to run this process is \(minimum) as per the \"\(option)\" command-line argument or config file setting. The current environment will only allow you to open \(current) \(what).  Either raise the number of usable \(what) in your environment (see README.rst) or lower the \(option) setting in the config file to allow the process to start.")
        }
    }

    // The control socket is bound while still in the foreground, so "already
    // listening" reaches the terminal, and before AUTO logs are wiped.
    let control: ControlSocketSetup
    do { control = try ControlSocketSetup.bind(config) } catch { return fail(error.description) }

    // One daemon per config: the pidfile's lock is taken before anything of
    // the first daemon's (AUTO logs, state file, pidfile) could be touched.
    let pidFile: PidFile
    do { pidFile = try PidFile.lock(config.supervisord.pidfile) } catch {
        control.remove()
        return fail(error.description)
    }
    // Never seen empty: it names us at once (with -d, the launcher, until the
    // daemon's own pid replaces it below).
    let earlyPidWrite = Result(catching: { () throws(SystemError) in try pidFile.write(pid: PidFile.currentPID) })

    let foreground = config.supervisord.nodaemon
    var readiness: ReadinessPipe? = nil
    if !foreground {
        do { readiness = try Daemonizer.detach(directory: config.supervisord.directory, umask: config.supervisord.umask,
                                                   keeping: control.descriptors + pidFile.descriptors) } catch {
            return fail("could not daemonize: \(error)")
        }
    }

    let log: MainLog
    do {
        let path = config.supervisord.logfile == "syslog" ? nil : config.supervisord.logfile
        log = try MainLog(path: path, maxbytes: config.supervisord.logfileMaxbytes, backups: config.supervisord.logfileBackups,
                          threshold: LogLevel.named(config.supervisord.loglevel) ?? .info,
                          echoToStdout: foreground && !config.supervisord.silent)
        log.toSyslog = config.supervisord.logfile == "syslog"
    } catch {
        control.remove()
        pidFile.release()
        readiness?.send(2)
        return fail("could not open the log file \(config.supervisord.logfile): \(error)")
    }
    // supervisord's make_logger order: criticals, the config's warnings and
    // infos, then the infos of the uid switch and the rlimits.
    for (level, message) in parseNotes where level == .critical { log.log(level, message) }
    Daemon.logParseMessages(config, to: log)
    for (level, message) in parseNotes where level != .critical { log.log(level, message) }
    if !config.supervisord.nocleanup {
        AutoLogFile.removeStale(directory: config.supervisord.childlogdir, identifier: config.supervisord.identifier)
    }
    control.announce(to: log)
    if !foreground { log.info("daemonizing the supervisord process") }

    let pid = PidFile.currentPID
    do throws(SystemError) {
        if foreground { try earlyPidWrite.get() } else { try pidFile.write(pid: pid) }
    } catch {
        log.critical("could not write pidfile \(config.supervisord.pidfile): \(error)")
    }

    let daemon: Daemon
    do {
        daemon = try Daemon(launch: DaemonLaunch(loadConfig: loadAgain, programName: argv0), config: config, log: log)
    } catch {
        log.critical("could not start the event loop: \(error)")
        readiness?.send(2)
        pidFile.release()
        control.remove()
        return 2
    }
    daemon.pidFile = pidFile
    control.attach(to: daemon, log: log)
    let status: Int32
    do { status = try daemon.run(readiness: readiness) } catch {
        log.critical("event loop failed: \(error)")
        status = 2
    }
    daemon.pidFile?.release()
    control.remove()
    log.close()
    return status
}

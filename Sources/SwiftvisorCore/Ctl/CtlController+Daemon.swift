// swiftvisorctl's daemon verbs: reload, shutdown, version, open
// (supervisorctl.py do_reload, do_shutdown, do_version, do_open).

extension CtlController {
    // MARK: reload, shutdown, version, open

    func confirm(_ question: String) -> Bool {
        guard interactive else { return true }
        return (terminal.readLine(prompt: question) ?? "").lowercased().hasPrefix("y")
    }

    func doShutdown(_ arg: String) throws(CtlAbort) {
        guard noArguments(arg, "shutdown") else { return }
        guard confirm("Really shut the remote supervisord process down y/N? ") else { return }
        do {
            switch try transport.send(.shutdown) {
            case .ok: output("Shut down")
            case .fault(let f) where f.code == .shutdownState: output("ERROR: already shutting down")
            case .fault(let f):
                exitStatus = CtlExitStatus.generic
                throw CtlAbort.unexpectedFault(f)
            }
        } catch let e as CtlTransportError {
            exitStatus = CtlExitStatus.generic
            switch e {
            case .refused: output("ERROR: \(serverURL) refused connection (already shut down?)")
            case .noSuchFile: output("ERROR: \(serverURL) no such file (already shut down?)")
            default: throw .transport(e)
            }
        } catch let e as CtlAbort {
            throw e
        } catch {
            throw .transport(.closed)
        }
    }

    func doReload(_ arg: String) throws(CtlAbort) {
        guard noArguments(arg, "reload") else { return }
        guard confirm("Really restart the remote supervisord process y/N? ") else { return }
        switch try send(.reload) {
        case .ok: output("Restarted supervisord")
        case .fault(let f):
            exitStatus = CtlExitStatus.generic
            if f.code == .shutdownState { output("ERROR: already shutting down"); return }
            throw .unexpectedFault(f)
        }
    }

    func doVersion(_ arg: String) throws(CtlAbort) {
        guard noArguments(arg, "version") else { return }
        guard try upcheck() else { return }
        for case .version(let v) in try items(.version) { output(v.supervisor) }
    }

    func doOpen(_ arg: String) throws(CtlAbort) {
        let url = arg.trimmingPythonWhitespace()
        let scheme = url.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map { $0.lowercased() } ?? ""
        guard url.contains(":"), scheme == "unix" || scheme == "http" else {
            output("ERROR: url must be http:// or unix://")
            exitStatus = CtlExitStatus.generic
            return
        }
        serverURL = url
        transport.reset(serverURL: url, username: username, password: password)
        let old = exitStatus
        try doStatus("")
        exitStatus = old
    }
}

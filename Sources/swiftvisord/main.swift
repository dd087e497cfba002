// swiftvisord entry point: kept tiny; the logic lives in SwiftvisorDaemon.
import SwiftvisorDaemon

switch runConfigCommand(arguments: Array(CommandLine.arguments.dropFirst()), argv0: CommandLine.arguments[0]) {
case .exit(let status):
    exitProcess(status)
case .run:
    // Running the daemon is wired in by the lead (Daemon.swift).
    writeDaemonNotYetAvailable()
    exitProcess(1)
}

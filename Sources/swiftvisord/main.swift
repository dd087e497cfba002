// swiftvisord entry point: kept tiny; the logic lives in SwiftvisorDaemon.
import SwiftvisorDaemon

let argv0 = CommandLine.arguments[0]
// The HTTP worker is this same binary, started by the daemon itself.
if CommandLine.arguments.count == 2 && CommandLine.arguments[1] == httpWorkerSwitch {
    exitProcess(runHTTPWorker())
}
switch runConfigCommand(arguments: Array(CommandLine.arguments.dropFirst()), argv0: argv0) {
case .exit(let status):
    exitProcess(status)
case .run(let config, let options):
    exitProcess(runDaemon(config: config, options: options, argv0: argv0))
}

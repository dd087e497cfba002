// swiftvisorctl: supervisorctl's command-line client for swiftvisord.
import SwiftvisorCore
import SwiftvisorOS

Sys.exit(CtlMain.run(CommandLine.arguments))

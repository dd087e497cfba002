// swiftvisorctl: supervisorctl's command-line client for swiftvisord.
import SwiftvisorCore
import SwiftvisorOS
import Glibc

exit(CtlMain.run(CommandLine.arguments))

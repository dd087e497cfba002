// The daemon: wires the core's decisions to the OS layer.
import SwiftvisorCore
import SwiftvisorOS

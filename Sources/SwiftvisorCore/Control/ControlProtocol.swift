// The swiftvisor control protocol ("SWV1"): constants shared by the daemon's
// control server and swiftvisorctl. The full wire description for third-party
// clients is docs/protocol.md; keep the two in step.

/// Version tag, limits and fault codes of the line protocol.
public enum ControlProtocol {
    /// First word of every reply status line. A client that sees anything else
    /// talks to an incompatible daemon (or to something that is not swiftvisord).
    public static let version = "SWV1"

    /// The API version swiftvisorctl reports in supervisorctl's compatibility
    /// message (`... expects to talk to a server with API version 3.0 ...`).
    public static let apiVersion = "3.0"

    /// Longest request line accepted, newline included. Longer lines get
    /// `SWV1 ERR 102` and the connection is closed, so a client that never
    /// sends a newline cannot make the daemon buffer without bound.
    public static let maxRequestLine = 64 * 1024

    /// Connections served at once; further ones are accepted and closed at once
    /// so the backlog never fills with clients that will not be served.
    public static let maxConnections = 512

    /// A streaming reply stops reading the followed file while this many bytes
    /// wait to be written: a slow `tail -f` reader costs bounded memory and loses
    /// nothing (it lags).
    public static let streamHighWater = 256 * 1024

    /// A connection whose pending reply has made no write progress for this many
    /// seconds is closed: a client that never reads cannot pin a reply forever.
    public static let stalledWriterTimeout: Double = 60

    /// Most bytes of a log one `readlog`/`mainlog` request returns: a longer
    /// range is clamped (a negative OFFSET keeps the newest bytes, a positive
    /// one the first bytes from OFFSET, so a client pages on). Whatever the
    /// numbers sent, the daemon never reads more than this for one request.
    public static let maxLogRead = 1024 * 1024

    /// Raw bytes per `log` item: a read is sent as several items, read from the
    /// file one at a time while the client takes them (clients concatenate).
    public static let logItemBytes = 16 * 1024

    /// Highest rotation `readlog --file=N` accepts: the most backups a config
    /// may keep (`ConfigLimits.logfileBackups`).
    public static let maxLogFileIndex = ConfigLimits.logfileBackups

    /// A reply is produced item by item while fewer than this many encoded
    /// bytes wait for the client: a client that does not read holds at most
    /// this (plus one item) in the daemon, whatever the size of its reply.
    public static let replyLowWater = 64 * 1024

    /// Connections at once that have not authenticated (only when the server
    /// section has `username=`/`password=`). A new one beyond this closes the
    /// oldest unauthenticated one, so clients that never authenticate can hold
    /// at most this many of `maxConnections` and never lock an operator out.
    public static let maxUnauthenticated = 64

    /// Seconds a connection has to authenticate (when credentials are
    /// configured) before it is closed.
    public static let authTimeout: Double = 10

    /// Seconds a connection may sit with no request, reply or stream in
    /// progress before it is closed.
    public static let idleTimeout: Double = 300

    /// Seconds the listener is left unwatched when no descriptor is free even
    /// after closing the reserve one (then accepting is tried again).
    public static let acceptRetryDelay: Double = 0.05

    /// swiftvisorctl: longest reply line it reads (a `data` item is at most
    /// 3 × `followReadBytes` encoded, a `log` item 3 × `logItemBytes`; a
    /// `process` item a few KiB). A longer line
    /// ends the command with an error instead of growing a buffer without bound.
    public static let maxReplyLine = 1024 * 1024

    /// swiftvisorctl: seconds to wait for the connection to be accepted.
    public static let clientConnectTimeout: Double = 10

    /// swiftvisorctl: seconds to wait for each reply line. Not for `start` and
    /// `stop`, which wait for the processes (as long as `startsecs` and
    /// `stopwaitsecs` say; the server was proven alive by the version check
    /// every command does first), nor for the lines of a follow stream
    /// (`tail -f`, `fg`), which last while the stream does.
    public static let clientReplyTimeout: Double = 30

    /// Log files open for `follow` streams at once, over every connection.
    /// Each target holds a descriptor and is read on every append to its
    /// file, so without a bound one request line of thousands of
    /// `NAME CHANNEL` pairs (or a few such clients) took every descriptor
    /// (spawns then failed with EMFILE) and made each child write cost
    /// thousands of reads. A follow that would pass it is refused (`ERR 30`).
    public static let maxFollowedFiles = 1024

    /// Most raw bytes of one `data` item of a follow stream (one read of the
    /// file). Large, so a follower behind the end catches up in few reads and
    /// items; encoded (at most 3×) it stays well under `maxReplyLine`.
    public static let followReadBytes = 128 * 1024

    /// Bytes of an existing file sent when a follow starts (supervisord's
    /// tail_f_producer sends the last 1024 bytes).
    public static let followBacklog = 1024

    /// Line sent on a follow stream when the followed file shrank
    /// (supervisord's wording, http.py tail_f_producer).
    public static let truncatedNotice = "==> File truncated <==\n"
}

/// A fault code. supervisord's numbers (xmlrpc.py `Faults`) where one exists,
/// so tools that know them read ours; 100 and up are swiftvisor's own.
/// A struct, not an enum, so that a client decodes codes it does not know.
public struct FaultCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public init(_ rawValue: Int) { self.rawValue = rawValue }

    public static let unknownMethod = FaultCode(1)
    public static let incorrectParameters = FaultCode(2)
    public static let badArguments = FaultCode(3)
    public static let shutdownState = FaultCode(6)
    public static let badName = FaultCode(10)
    public static let badSignal = FaultCode(11)
    public static let noFile = FaultCode(20)
    public static let notExecutable = FaultCode(21)
    public static let failed = FaultCode(30)
    public static let abnormalTermination = FaultCode(40)
    public static let spawnError = FaultCode(50)
    public static let alreadyStarted = FaultCode(60)
    public static let notRunning = FaultCode(70)
    public static let success = FaultCode(80)
    public static let alreadyAdded = FaultCode(90)
    public static let stillRunning = FaultCode(91)
    public static let cantReread = FaultCode(92)
    /// swiftvisor: the server has credentials and this connection has not sent `auth`.
    public static let authRequired = FaultCode(100)
    /// swiftvisor: `auth` with a wrong user or password; the connection is closed.
    public static let authFailed = FaultCode(101)
    /// swiftvisor: a request line over `ControlProtocol.maxRequestLine`; the connection is closed.
    public static let lineTooLong = FaultCode(102)
    /// swiftvisor: a request line that is not valid (bad percent escape, option syntax).
    public static let badRequest = FaultCode(103)

    /// supervisord's symbolic name (`BAD_NAME`), used as the fault string prefix.
    public var name: String {
        switch rawValue {
        case 1: return "UNKNOWN_METHOD"
        case 2: return "INCORRECT_PARAMETERS"
        case 3: return "BAD_ARGUMENTS"
        case 4: return "SIGNATURE_UNSUPPORTED"
        case 6: return "SHUTDOWN_STATE"
        case 10: return "BAD_NAME"
        case 11: return "BAD_SIGNAL"
        case 20: return "NO_FILE"
        case 21: return "NOT_EXECUTABLE"
        case 30: return "FAILED"
        case 40: return "ABNORMAL_TERMINATION"
        case 50: return "SPAWN_ERROR"
        case 60: return "ALREADY_STARTED"
        case 70: return "NOT_RUNNING"
        case 80: return "SUCCESS"
        case 90: return "ALREADY_ADDED"
        case 91: return "STILL_RUNNING"
        case 92: return "CANT_REREAD"
        case 100: return "AUTH_REQUIRED"
        case 101: return "AUTH_FAILED"
        case 102: return "LINE_TOO_LONG"
        case 103: return "BAD_REQUEST"
        default: return "FAULT_\(rawValue)"
        }
    }

    public var description: String { "\(rawValue) \(name)" }
}

/// A whole request failed: the `SWV1 ERR <code> <message>` status line.
public struct ControlFault: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: FaultCode
    /// supervisord's fault string: `NAME` or `NAME: detail` (e.g. `BAD_NAME: web`).
    public var message: String

    /// A fault whose message is built as supervisord builds its faultString.
    public init(_ code: FaultCode, _ detail: String = "") {
        self.code = code
        self.message = detail.isEmpty ? code.name : "\(code.name): \(detail)"
    }

    /// A fault with a message taken verbatim (decoding, or a custom wording).
    public init(code: FaultCode, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue) \(message)" }
}

/// Main-log levels with supervisord's numeric values (loggers.py `LevelsByName`).
public enum LogLevel: Int, Sendable {
    case critical = 50
    case error = 40
    case warn = 30
    case info = 20
    case debug = 10
    case trace = 5
    case blather = 3

    /// The four-letter tag written in each main-log line.
    public var tag: String {
        switch self {
        case .critical: return "CRIT"
        case .error: return "ERRO"
        case .warn: return "WARN"
        case .info: return "INFO"
        case .debug: return "DEBG"
        case .trace: return "TRAC"
        case .blather: return "BLAT"
        }
    }
}

extension LogLevel {
    /// The level of a `loglevel=` value (already validated by the config reader).
    public static func named(_ name: String) -> LogLevel? {
        switch name.lowercased() {
        case "critical": return .critical
        case "error": return .error
        case "warn": return .warn
        case "info": return .info
        case "debug": return .debug
        case "trace": return .trace
        case "blather": return .blather
        default: return nil
        }
    }
}

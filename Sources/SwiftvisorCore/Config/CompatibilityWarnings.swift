// Where swiftvisor follows Supervisor HEAD and 4.3.0 reads the same text
// differently (the environment= tokenizer, datatypes.py
// `dict_of_key_value_pairs`; %% in [supervisord] environment=, options.py
// `ServerOptions.read_config`; and 4.3.0 expanding *_logfile twice), the
// config still loads, but --check says so: no difference stays silent.

extension ConfigReader {
    /// Warn when 4.3.0's legacy tokenizer reads `environment=` differently.
    mutating func warnIfLegacyEnvironmentDiffers(_ text: String, parsed: [EnvironmentVariable], location: SourceLocation, section: String) {
        let legacy: String
        do {
            let pairs = try EnvironmentSyntax.parse(text, legacy: true)
            if pairs == parsed { return }
            legacy = "reads it as " + pairs.map { "\($0.key)=\(PythonSyntax.repr($0.value))" }.joined(separator: ", ")
        } catch {
            legacy = "rejects it"
        }
        let ours = parsed.map { "\($0.key)=\(PythonSyntax.repr($0.value))" }.joined(separator: ", ")
        config.warnings.append(ConfigWarning(location: location,
            message: "[\(section)] environment: supervisord 4.3.0 \(legacy); swiftvisord reads \(ours) as Supervisor 4.4 does"))
    }

    /// Warn when expanding a second time (as 4.3.0 does) would change or reject the value.
    mutating func warnIfSecondExpansionDiffers(_ value: String, names: [String: ExpansionValue], location: SourceLocation, section: String, option: String) {
        guard value.contains("%") else { return }
        let second: String
        do {
            let again = try Expansion.expand(value, names: names)
            if again == value { return }
            second = "reads it as \"\(again)\""
        } catch {
            second = "rejects it (it expands %-formats twice there)"
        }
        config.warnings.append(ConfigWarning(location: location,
            message: "[\(section)] \(option): supervisord 4.3.0 \(second); swiftvisord uses \"\(value)\""))
    }
}

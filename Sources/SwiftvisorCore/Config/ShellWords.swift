/// Why a `command=` line could not be split into words. The description is
/// Python's `ValueError` text, which supervisord puts in spawnerr as
/// `can't parse command '<cmd>': No closing quotation`.
public enum ShellWordsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A `'` or `"` is never closed.
    case noClosingQuotation
    /// The line ends with a backslash that has nothing to escape.
    case noEscapedCharacter

    /// Python's message, as supervisord shows it after `can't parse command '...': `.
    public var description: String {
        switch self {
        case .noClosingQuotation: return "No closing quotation"
        case .noEscapedCharacter: return "No escaped character"
        }
    }
}

/// Splits a `command=` value into argv exactly as supervisord does with
/// Python's `shlex.split(s)` (POSIX mode, no comments). There is no shell:
/// `$VAR`, globs, `|`, `;` and `#` are ordinary characters.
///
/// Python's rules, which differ from sh in places users trip over:
/// - Words are separated by space, tab, CR and LF only (not VT or FF).
/// - `'...'` keeps everything literally, backslashes included.
/// - Inside `"..."` a backslash escapes only `"` and `\`; before any other
///   character (`$`, a backquote, newline) it stays in the word.
/// - Outside quotes a backslash takes the next character literally; a
///   backslash-newline yields a newline (sh would join the lines).
/// - `''` and `""` are empty words; `x''` is just `x`.
///
/// Works on Unicode scalars, as Python iterates code points (so CR LF is two
/// separators, not one grapheme).
public func splitCommandLine(_ s: String) throws(ShellWordsError) -> [String] {
    // The lexer states of shlex.read_token, with whitespace_split=True and no
    // commenters or punctuation characters.
    enum State { case between, word, quoted(Unicode.Scalar), escape(after: EscapeOrigin) }
    enum EscapeOrigin: Equatable { case word, doubleQuote }

    let backslash: Unicode.Scalar = "\\"
    func isSeparator(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\r" || c == "\n" }

    var words: [String] = []
    var token = String.UnicodeScalarView()
    var state = State.between

    func finishWord() {
        words.append(String(token))
        token = String.UnicodeScalarView()
    }

    for c in s.unicodeScalars {
        switch state {
        case .between:
            if isSeparator(c) {
                continue
            } else if c == backslash {
                state = .escape(after: .word)
            } else if c == "'" || c == "\"" {
                state = .quoted(c)
            } else {
                token.append(c)
                state = .word
            }
        case .word:
            if isSeparator(c) {
                finishWord()
                state = .between
            } else if c == "'" || c == "\"" {
                state = .quoted(c)
            } else if c == backslash {
                state = .escape(after: .word)
            } else {
                token.append(c)
            }
        case .quoted(let quote):
            // Leaving a quote returns to `.word` even when nothing was added,
            // which is how `''` becomes an empty word.
            if c == quote {
                state = .word
            } else if c == backslash && quote == "\"" {
                state = .escape(after: .doubleQuote)
            } else {
                token.append(c)
            }
        case .escape(let origin):
            // Within double quotes only the quote and the backslash itself are
            // escapable; otherwise the backslash is kept.
            if origin == .doubleQuote && c != "\"" && c != backslash {
                token.append(backslash)
            }
            token.append(c)
            state = origin == .doubleQuote ? .quoted("\"") : .word
        }
    }

    switch state {
    case .quoted: throw .noClosingQuotation
    case .escape: throw .noEscapedCharacter
    case .word: finishWord()
    case .between: break
    }
    return words
}

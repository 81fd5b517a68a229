//! Text from policies and from AWS (finding messages, names, tag values, policy logs) reaches a
//! terminal only with its control characters made visible: an escape sequence in a bucket name
//! or a policy's message must not move the cursor, rewrite earlier lines, set the window title
//! or hide text, and a bidirectional override must not reorder what a reader sees.

use std::borrow::Cow;

fn is_unsafe(c: char, keep_newlines: bool) -> bool {
    match c {
        '\n' => !keep_newlines,
        // C0 controls, DEL and C1 controls (ESC, CSI, OSC, …).
        '\0'..='\x1f' | '\x7f'..='\u{9f}' => true,
        // Bidirectional embeddings, overrides and isolates; marks; zero-width joiners that hide
        // text; the line and paragraph separators.
        '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}' => true,
        '\u{feff}' => true,
        _ => false,
    }
}

fn escape(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe(c, keep_newlines)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c, keep_newlines) {
            match c {
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                other => out.push_str(&format!("\\u{{{:x}}}", other as u32)),
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One line of text, safe for a terminal: every control character (newlines included) escaped.
pub fn safe_line(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// Text of several lines, safe for a terminal: newlines kept, every other control escaped.
pub fn safe_text(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_made_visible() {
        assert_eq!(safe_line("bucket"), "bucket");
        assert!(matches!(safe_line("plain é ü 漢"), Cow::Borrowed(_)));
        assert_eq!(safe_line("a\x1b[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(safe_line("x\ny\r\tz"), "x\\ny\\r\\tz");
        assert_eq!(safe_line("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(safe_line("admin\u{202e}txt.exe"), "admin\\u{202e}txt.exe");
        assert_eq!(safe_line("\x1b]0;pwned\x07"), "\\u{1b}]0;pwned\\u{7}");
        assert_eq!(safe_text("one\ntwo\x1b[A"), "one\ntwo\\u{1b}[A");
    }
}

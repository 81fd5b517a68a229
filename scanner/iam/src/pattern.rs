//! IAM wildcard matching (`*` any run, `?` one character) and policy variables (`${aws:username}`).

/// IAM wildcard matching: `*` any run, `?` one character. Case-insensitive when `fold_case`
/// (actions are; ARNs are not). Linear in practice, `O(len(pattern) × len(value))` at worst.
pub fn wildcard_match(pattern: &str, value: &str, fold_case: bool) -> bool {
    if pattern.is_ascii() && value.is_ascii() {
        return matches_bytes(pattern.as_bytes(), value.as_bytes(), fold_case);
    }
    let (p, v): (Vec<char>, Vec<char>) = if fold_case {
        (pattern.to_lowercase().chars().collect(), value.to_lowercase().chars().collect())
    } else {
        (pattern.chars().collect(), value.chars().collect())
    };
    matches_generic(&p, &v, |a, b| a == b, '*', '?')
}

fn matches_bytes(p: &[u8], v: &[u8], fold_case: bool) -> bool {
    if fold_case {
        matches_generic(p, v, |a, b| a.eq_ignore_ascii_case(&b), b'*', b'?')
    } else {
        matches_generic(p, v, |a, b| a == b, b'*', b'?')
    }
}

/// Iterative matching with backtracking to the last `*`.
fn matches_generic<T: Copy + PartialEq>(p: &[T], v: &[T], eq: impl Fn(T, T) -> bool, star: T, one: T) -> bool {
    let (mut pi, mut vi, mut last_star, mut mark) = (0usize, 0usize, None::<usize>, 0usize);
    while vi < v.len() {
        if pi < p.len() && p[pi] != star && (p[pi] == one || eq(p[pi], v[vi])) {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == star {
            last_star = Some(pi);
            mark = vi;
            pi += 1;
        } else if let Some(s) = last_star {
            pi = s + 1;
            mark += 1;
            vi = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == star {
        pi += 1;
    }
    pi == p.len()
}

/// Whether a string holds a policy variable (`${…}`).
pub fn has_variables(s: &str) -> bool {
    s.contains("${")
}

/// What a policy variable resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// Every variable had a value.
    Value(String),
    /// A variable's key is not in the request (and no default was given): the element using it
    /// matches nothing.
    Missing,
    /// A variable's value is not known to the analysis (e.g. `${aws:SourceIp}` of a future request).
    Unknown(String),
}

/// Replace the policy variables of `s`: `${key}` by the key's single value from `lookup`,
/// `${key, 'default'}` by the default when the key is absent, and the escapes `${*}`, `${?}`,
/// `${$}` by a literal `*`, `?`, `$`. `lookup` says `Some(Some(v))` for a value, `Some(None)` for
/// an absent key and `None` for a key whose value is unknown. An unterminated `${` is literal.
///
/// Simplification: a `*` or `?` produced by `${*}`, `${?}` or inside a substituted value is
/// matched as a wildcard afterwards, where AWS would match it literally; both only widen a match.
pub fn resolve(s: &str, lookup: &dyn Fn(&str) -> Option<Option<String>>) -> Resolved {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let inner = after[..end].trim();
        rest = &after[end + 1..];
        match inner {
            "*" => out.push('*'),
            "?" => out.push('?'),
            "$" => out.push('$'),
            _ => {
                let (key, default) = match inner.split_once(',') {
                    Some((k, d)) => {
                        let d = d.trim();
                        let d = d.strip_prefix('\'').and_then(|d| d.strip_suffix('\'')).unwrap_or(d);
                        (k.trim(), Some(d.to_string()))
                    }
                    None => (inner, None),
                };
                match lookup(key) {
                    Some(Some(v)) => out.push_str(&v),
                    Some(None) => match default {
                        Some(d) => out.push_str(&d),
                        None => return Resolved::Missing,
                    },
                    None => return Resolved::Unknown(key.to_string()),
                }
            }
        }
    }
    out.push_str(rest);
    Resolved::Value(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("s3:Get*", "s3:GetObject", true));
        assert!(wildcard_match("S3:GET*", "s3:getobject", true));
        assert!(!wildcard_match("s3:Get*", "s3:PutObject", true));
        assert!(wildcard_match("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y", false));
        assert!(!wildcard_match("arn:aws:s3:::B/*", "arn:aws:s3:::b/x", false));
        assert!(wildcard_match("ssm:GetParameter?", "ssm:GetParameters", true));
        assert!(wildcard_match("*", "", true));
        assert!(wildcard_match("a*b*c", "aXXbYYc", false));
        assert!(!wildcard_match("a*b*c", "aXXbYY", false));
        assert!(wildcard_match("s3:*Object*", "s3:PutObjectAcl", true));
        assert!(wildcard_match("arn:aws:s3:::bücket/?", "arn:aws:s3:::bücket/é", false));
        assert!(!wildcard_match("", "x", false));
        // Pathological patterns stay fast.
        let long = "a".repeat(10_000);
        assert!(!wildcard_match(&format!("{}b", "*a".repeat(50)), &long, false));
    }

    #[test]
    fn variables() {
        let lookup = |k: &str| -> Option<Option<String>> {
            match k {
                "aws:username" => Some(Some("alice".into())),
                "aws:PrincipalTag/team" => Some(None),
                _ => None,
            }
        };
        assert_eq!(resolve("user/${aws:username}", &lookup), Resolved::Value("user/alice".into()));
        assert_eq!(resolve("t/${aws:PrincipalTag/team}", &lookup), Resolved::Missing);
        assert_eq!(resolve("t/${aws:PrincipalTag/team, 'none'}", &lookup), Resolved::Value("t/none".into()));
        assert_eq!(resolve("ip/${aws:SourceIp}", &lookup), Resolved::Unknown("aws:SourceIp".into()));
        assert_eq!(resolve("a${*}b${?}${$}", &lookup), Resolved::Value("a*b?$".into()));
        assert_eq!(resolve("open ${aws:username", &lookup), Resolved::Value("open ${aws:username".into()));
    }
}

//! Condition operators, evaluated in three-valued logic against a [`Context`].
//!
//! Follows AWS's documented semantics: every value of one condition is OR-ed, every key and
//! operator of a block AND-ed; a key absent from the request fails a positive operator and
//! satisfies a negated one (`StringNotEquals`, `ArnNotLike`, `NotIpAddress`, …); `…IfExists` is
//! true when the key is absent; `ForAllValues` is true for an absent key and requires every
//! request value to match, `ForAnyValue` is false for an absent key and requires one; `Null`
//! tests presence. Policy variables in string and ARN values are resolved from the context. A key
//! the analysis does not know makes the condition `Unknown`; an operator AWS does not define
//! too (and is named in the outcome's problems). A value whose policy variable has no value never
//! helps a condition hold.

use crate::context::{Context, KeyValue, Tri};
use crate::pattern::{Resolved, resolve, wildcard_match};
use crate::policy::Condition;
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    NumericEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    Arn,
}

/// A parsed operator: its family, whether it is negated, and its modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Operator {
    family: Option<Family>,
    negated: bool,
    null: bool,
    if_exists: bool,
    set: Option<SetOp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetOp {
    ForAll,
    ForAny,
}

fn parse_operator(op: &str) -> Option<Operator> {
    let (set, base) = match op.split_once(':') {
        Some((q, base)) if q.eq_ignore_ascii_case("ForAllValues") => (Some(SetOp::ForAll), base),
        Some((q, base)) if q.eq_ignore_ascii_case("ForAnyValue") => (Some(SetOp::ForAny), base),
        Some(_) => return None,
        None => (None, op),
    };
    let (base, if_exists) = match base.strip_suffix("IfExists") {
        Some(b) => (b, true),
        None => (base, false),
    };
    use Family::*;
    let (family, negated) = match base {
        "StringEquals" => (StringEquals, false),
        "StringNotEquals" => (StringEquals, true),
        "StringEqualsIgnoreCase" => (StringEqualsIgnoreCase, false),
        "StringNotEqualsIgnoreCase" => (StringEqualsIgnoreCase, true),
        "StringLike" => (StringLike, false),
        "StringNotLike" => (StringLike, true),
        "NumericEquals" => (NumericEquals, false),
        "NumericNotEquals" => (NumericEquals, true),
        "NumericLessThan" => (NumericLessThan, false),
        "NumericLessThanEquals" => (NumericLessThanEquals, false),
        "NumericGreaterThan" => (NumericGreaterThan, false),
        "NumericGreaterThanEquals" => (NumericGreaterThanEquals, false),
        "DateEquals" => (DateEquals, false),
        "DateNotEquals" => (DateEquals, true),
        "DateLessThan" => (DateLessThan, false),
        "DateLessThanEquals" => (DateLessThanEquals, false),
        "DateGreaterThan" => (DateGreaterThan, false),
        "DateGreaterThanEquals" => (DateGreaterThanEquals, false),
        "Bool" => (Bool, false),
        "BinaryEquals" => (BinaryEquals, false),
        "IpAddress" => (IpAddress, false),
        "NotIpAddress" => (IpAddress, true),
        "ArnEquals" | "ArnLike" => (Arn, false),
        "ArnNotEquals" | "ArnNotLike" => (Arn, true),
        "Null" if !if_exists && set.is_none() => {
            return Some(Operator { family: None, negated: false, null: true, if_exists, set });
        }
        _ => return None,
    };
    Some(Operator { family: Some(family), negated, null: false, if_exists, set })
}

/// Whether `operator` is one AWS defines.
pub fn is_known_operator(operator: &str) -> bool {
    parse_operator(operator).is_some()
}

/// Evaluate one condition.
pub fn evaluate(c: &Condition, ctx: &Context) -> Tri {
    let Some(op) = parse_operator(&c.operator) else { return Tri::Unknown };
    let value = ctx.get(&c.key);
    if op.null {
        let present = match &value {
            KeyValue::Values(_) => true,
            KeyValue::Absent => false,
            KeyValue::Unknown => return Tri::Unknown,
        };
        // "true": the key must be absent; "false": present. Several values are OR-ed.
        return Tri::from_bool(c.values.iter().any(|v| {
            if v.eq_ignore_ascii_case("true") {
                !present
            } else if v.eq_ignore_ascii_case("false") {
                present
            } else {
                false
            }
        }));
    }
    let family = op.family.expect("not Null");
    let request = match value {
        KeyValue::Unknown => return Tri::Unknown,
        KeyValue::Absent => {
            return Tri::from_bool(match op.set {
                Some(SetOp::ForAll) => true,
                Some(SetOp::ForAny) => false,
                None => op.if_exists || op.negated,
            });
        }
        KeyValue::Values(v) => v,
    };
    // The condition's values, with policy variables resolved (string and ARN operators only).
    let mut values: Vec<Result<String, ()>> = Vec::with_capacity(c.values.len());
    let mut missing = false;
    for v in &c.values {
        if matches!(family, Family::StringEquals | Family::StringEqualsIgnoreCase | Family::StringLike | Family::Arn)
            && v.contains("${")
        {
            match resolve(v, &|k| ctx.variable(k)) {
                Resolved::Value(s) => values.push(Ok(s)),
                // No value: this value cannot match anything.
                Resolved::Missing => missing = true,
                Resolved::Unknown(_) => values.push(Err(())),
            }
        } else {
            values.push(Ok(v.clone()));
        }
    }
    // A value whose variable has no value never helps a condition hold: it matches nothing for a
    // positive operator, and a negated one cannot be shown to differ from it. (AWS: an unresolved
    // variable "might cause the entire statement to be invalid"; this is the reading that never
    // lets it widen a statement.)
    if missing && op.negated {
        return Tri::False;
    }
    // Whether one request value matches one of the condition's values (positive form).
    let matches_one = |rv: &str| -> Tri {
        let mut out = Tri::False;
        for v in &values {
            let t = match v {
                Ok(v) => Tri::from_bool(compare(family, rv, v)),
                Err(()) => Tri::Unknown,
            };
            out = out.or(t);
            if out == Tri::True {
                break;
            }
        }
        out
    };
    let per_value = |rv: &str| -> Tri {
        let m = matches_one(rv);
        if op.negated { m.not() } else { m }
    };
    match op.set {
        Some(SetOp::ForAll) => request.iter().fold(Tri::True, |acc, rv| acc.and(per_value(rv))),
        // A single-valued operator on a multivalued key matches when any value does.
        Some(SetOp::ForAny) | None => request.iter().fold(Tri::False, |acc, rv| acc.or(per_value(rv))),
    }
}

fn compare(family: Family, request: &str, policy: &str) -> bool {
    use Family::*;
    match family {
        StringEquals | BinaryEquals => request == policy,
        StringEqualsIgnoreCase => request.to_lowercase() == policy.to_lowercase(),
        StringLike => wildcard_match(policy, request, false),
        Bool => request.eq_ignore_ascii_case(policy),
        NumericEquals | NumericLessThan | NumericLessThanEquals | NumericGreaterThan | NumericGreaterThanEquals => {
            let (Ok(r), Ok(p)) = (request.trim().parse::<f64>(), policy.trim().parse::<f64>()) else { return false };
            match family {
                NumericEquals => r == p,
                NumericLessThan => r < p,
                NumericLessThanEquals => r <= p,
                NumericGreaterThan => r > p,
                _ => r >= p,
            }
        }
        DateEquals | DateLessThan | DateLessThanEquals | DateGreaterThan | DateGreaterThanEquals => {
            let (Some(r), Some(p)) = (parse_date(request), parse_date(policy)) else { return false };
            match family {
                DateEquals => r == p,
                DateLessThan => r < p,
                DateLessThanEquals => r <= p,
                DateGreaterThan => r > p,
                _ => r >= p,
            }
        }
        IpAddress => ip_in(request, policy),
        Arn => arn_like(policy, request),
    }
}

/// ARN comparison: each of the six colon-separated parts is matched on its own, with wildcards.
fn arn_like(pattern: &str, arn: &str) -> bool {
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    let a: Vec<&str> = arn.splitn(6, ':').collect();
    if p.len() != 6 || a.len() != 6 {
        return pattern == "*" && !arn.is_empty();
    }
    p.iter().zip(&a).all(|(p, a)| wildcard_match(p, a, false))
}

/// Whether an address lies in a CIDR block (or equals a single address).
fn ip_in(address: &str, block: &str) -> bool {
    let Ok(addr) = address.trim().parse::<IpAddr>() else { return false };
    let (net, bits) = match block.trim().split_once('/') {
        Some((n, b)) => match (n.parse::<IpAddr>(), b.parse::<u32>()) {
            (Ok(n), Ok(b)) => (n, b),
            _ => return false,
        },
        None => match block.trim().parse::<IpAddr>() {
            Ok(n) => (n, if n.is_ipv4() { 32 } else { 128 }),
            Err(_) => return false,
        },
    };
    match (addr, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) if bits <= 32 => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) if bits <= 128 => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// Seconds since the epoch of an ISO 8601 date or date-time (`2026-01-31`, `2026-01-31T12:00:00Z`,
/// with fractions and offsets) or of epoch seconds.
pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let days = days_from_civil(y, m, d);
    if b.len() == 10 {
        return Some(days * 86_400);
    }
    if b[10] != b'T' && b[10] != b't' && b[10] != b' ' {
        return None;
    }
    let (hh, mm) = (num(11..13)?, num(14..16)?);
    let (ss, mut rest) = if b.get(16) == Some(&b':') { (num(17..19)?, s.get(19..)?) } else { (0, s.get(16..)?) };
    if let Some(r) = rest.strip_prefix('.') {
        rest = r.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match rest {
        "" | "Z" | "z" => 0,
        r if (r.starts_with('+') || r.starts_with('-')) && r.len() == 6 && r.as_bytes()[3] == b':' => {
            let sign = if r.starts_with('-') { -1 } else { 1 };
            sign * (r[1..3].parse::<i64>().ok()? * 3600 + r[4..6].parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    if hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss - offset)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(op: &str, key: &str, values: &[&str]) -> Condition {
        Condition { operator: op.into(), key: key.into(), values: values.iter().map(|v| v.to_string()).collect() }
    }

    fn ctx(pairs: &[(&str, &[&str])]) -> Context {
        let mut c = Context::closed();
        for (k, v) in pairs {
            c.set_many(k, v.iter().map(|s| s.to_string()).collect());
        }
        c
    }

    #[test]
    fn strings_and_absent_keys() {
        let c = ctx(&[("aws:PrincipalTag/team", &["web"])]);
        assert_eq!(evaluate(&cond("StringEquals", "aws:principaltag/TEAM", &["web", "api"]), &c), Tri::True);
        assert_eq!(evaluate(&cond("StringEquals", "aws:PrincipalTag/team", &["Web"]), &c), Tri::False);
        assert_eq!(evaluate(&cond("StringEqualsIgnoreCase", "aws:PrincipalTag/team", &["WEB"]), &c), Tri::True);
        assert_eq!(evaluate(&cond("StringNotEquals", "aws:PrincipalTag/team", &["api"]), &c), Tri::True);
        assert_eq!(evaluate(&cond("StringLike", "aws:PrincipalTag/team", &["w?b"]), &c), Tri::True);
        assert_eq!(evaluate(&cond("StringNotLike", "aws:PrincipalTag/team", &["w*"]), &c), Tri::False);
        // Absent: positive false, negated true, IfExists true.
        assert_eq!(evaluate(&cond("StringEquals", "aws:SourceVpc", &["vpc-1"]), &c), Tri::False);
        assert_eq!(evaluate(&cond("StringNotEquals", "aws:SourceVpc", &["vpc-1"]), &c), Tri::True);
        assert_eq!(evaluate(&cond("StringEqualsIfExists", "aws:SourceVpc", &["vpc-1"]), &c), Tri::True);
        assert_eq!(evaluate(&cond("Null", "aws:SourceVpc", &["true"]), &c), Tri::True);
        assert_eq!(evaluate(&cond("Null", "aws:PrincipalTag/team", &["false"]), &c), Tri::True);
        // Unknown keys and operators.
        let open = Context::open();
        assert_eq!(evaluate(&cond("StringEquals", "aws:SourceVpc", &["vpc-1"]), &open), Tri::Unknown);
        assert_eq!(evaluate(&cond("Null", "aws:SourceVpc", &["true"]), &open), Tri::Unknown);
        assert_eq!(evaluate(&cond("StringSortOf", "aws:PrincipalTag/team", &["web"]), &c), Tri::Unknown);
        assert!(!is_known_operator("NullIfExists") && is_known_operator("ForAnyValue:StringLikeIfExists"));
    }

    #[test]
    fn set_operators() {
        let c = ctx(&[("aws:TagKeys", &["env", "team"])]);
        assert_eq!(evaluate(&cond("ForAllValues:StringEquals", "aws:TagKeys", &["env", "team", "x"]), &c), Tri::True);
        assert_eq!(evaluate(&cond("ForAllValues:StringEquals", "aws:TagKeys", &["env"]), &c), Tri::False);
        assert_eq!(evaluate(&cond("ForAnyValue:StringEquals", "aws:TagKeys", &["env"]), &c), Tri::True);
        assert_eq!(evaluate(&cond("ForAnyValue:StringEquals", "aws:TagKeys", &["x"]), &c), Tri::False);
        assert_eq!(evaluate(&cond("ForAllValues:StringNotEquals", "aws:TagKeys", &["x"]), &c), Tri::True);
        assert_eq!(evaluate(&cond("ForAnyValue:StringNotEquals", "aws:TagKeys", &["env"]), &c), Tri::True);
        // Absent key: ForAllValues true, ForAnyValue false.
        let empty = Context::closed();
        assert_eq!(evaluate(&cond("ForAllValues:StringEquals", "aws:TagKeys", &["env"]), &empty), Tri::True);
        assert_eq!(evaluate(&cond("ForAnyValue:StringEquals", "aws:TagKeys", &["env"]), &empty), Tri::False);
    }

    #[test]
    fn numbers_dates_bools_ips_arns() {
        let c = ctx(&[
            ("aws:MultiFactorAuthAge", &["300"]),
            ("aws:CurrentTime", &["2026-06-01T12:00:00Z"]),
            ("aws:SecureTransport", &["true"]),
            ("aws:SourceIp", &["10.1.2.3"]),
            ("aws:SourceArn", &["arn:aws:cloudfront::123456789012:distribution/E1"]),
            ("ip6", &["2001:db8::1"]),
        ]);
        assert_eq!(evaluate(&cond("NumericLessThan", "aws:MultiFactorAuthAge", &["3600"]), &c), Tri::True);
        assert_eq!(evaluate(&cond("NumericGreaterThanEquals", "aws:MultiFactorAuthAge", &["301"]), &c), Tri::False);
        assert_eq!(evaluate(&cond("NumericNotEquals", "aws:MultiFactorAuthAge", &["300"]), &c), Tri::False);
        assert_eq!(evaluate(&cond("NumericEquals", "aws:MultiFactorAuthAge", &["abc"]), &c), Tri::False);
        assert_eq!(evaluate(&cond("DateLessThan", "aws:CurrentTime", &["2027-01-01"]), &c), Tri::True);
        assert_eq!(evaluate(&cond("DateGreaterThan", "aws:CurrentTime", &["1780000000"]), &c), Tri::True);
        assert_eq!(evaluate(&cond("DateEquals", "aws:CurrentTime", &["2026-06-01T14:00:00+02:00"]), &c), Tri::True);
        assert_eq!(evaluate(&cond("Bool", "aws:SecureTransport", &["TRUE"]), &c), Tri::True);
        assert_eq!(evaluate(&cond("Bool", "aws:SecureTransport", &["false"]), &c), Tri::False);
        assert_eq!(evaluate(&cond("IpAddress", "aws:SourceIp", &["10.0.0.0/8"]), &c), Tri::True);
        assert_eq!(evaluate(&cond("IpAddress", "aws:SourceIp", &["10.1.2.3"]), &c), Tri::True);
        assert_eq!(evaluate(&cond("NotIpAddress", "aws:SourceIp", &["192.168.0.0/16", "10.1.0.0/16"]), &c), Tri::False);
        assert_eq!(evaluate(&cond("IpAddress", "ip6", &["2001:db8::/32"]), &c), Tri::True);
        assert_eq!(evaluate(&cond("IpAddress", "ip6", &["10.0.0.0/8"]), &c), Tri::False);
        assert_eq!(
            evaluate(&cond("ArnLike", "aws:SourceArn", &["arn:aws:cloudfront::*:distribution/*"]), &c),
            Tri::True
        );
        assert_eq!(
            evaluate(&cond("ArnEquals", "aws:SourceArn", &["arn:aws:cloudfront::123456789012:distribution/E2"]), &c),
            Tri::False
        );
        assert_eq!(evaluate(&cond("ArnNotLike", "aws:SourceArn", &["arn:aws:s3:::*"]), &c), Tri::True);
        // A wildcard does not cross an ARN's colons.
        assert_eq!(evaluate(&cond("ArnLike", "aws:SourceArn", &["arn:aws:*"]), &c), Tri::False);
    }

    #[test]
    fn policy_variables_in_values() {
        let mut c = ctx(&[("aws:username", &["alice"]), ("s3:prefix", &["home/alice/x"])]);
        assert_eq!(evaluate(&cond("StringLike", "s3:prefix", &["home/${aws:username}/*"]), &c), Tri::True);
        assert_eq!(evaluate(&cond("StringLike", "s3:prefix", &["home/${aws:PrincipalTag/x}/*"]), &c), Tri::False);
        // A negated operator cannot be shown to differ from a value that does not exist.
        assert_eq!(evaluate(&cond("StringNotLike", "s3:prefix", &["x/${aws:PrincipalTag/x}", "y"]), &c), Tri::False);
        assert_eq!(evaluate(&cond("StringNotLike", "s3:prefix", &["y"]), &c), Tri::True);
        c = {
            let mut o = Context::open();
            o.set("s3:prefix", "home/alice/x");
            o
        };
        assert_eq!(evaluate(&cond("StringLike", "s3:prefix", &["home/${aws:username}/*"]), &c), Tri::Unknown);
        assert_eq!(evaluate(&cond("StringLike", "s3:prefix", &["home/*", "x/${aws:username}"]), &c), Tri::True);
    }

    #[test]
    fn dates_parse() {
        assert_eq!(parse_date("1970-01-02"), Some(86_400));
        assert_eq!(parse_date("2024-02-29T23:59:59Z"), Some(1_709_251_199));
        assert_eq!(parse_date("2024-02-29T23:59:59.5Z"), Some(1_709_251_199));
        assert_eq!(parse_date("2024-02-29T23:59Z"), Some(1_709_251_140));
        assert_eq!(parse_date("soon"), None);
        assert_eq!(parse_date("2024-13-01"), None);
    }
}

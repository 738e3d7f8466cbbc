//! Go duration strings (`500ms`, `1m30s`), as Pebble's layers write them. Kept as
//! written, so that a plan shows what the charm gave, and checked as Go would parse them.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoDuration {
    text: String,
    nanos: u128,
}

impl GoDuration {
    pub fn parse(text: &str) -> Result<Self, String> {
        let nanos = parse(text).ok_or_else(|| format!("invalid duration {text:?}"))?;
        Ok(GoDuration {
            text: text.to_string(),
            nanos,
        })
    }

    pub fn is_zero(&self) -> bool {
        self.nanos == 0
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn from_millis(ms: u64) -> Self {
        GoDuration {
            text: format!("{ms}ms"),
            nanos: u128::from(ms) * 1_000_000,
        }
    }

    pub fn as_millis(&self) -> u64 {
        u64::try_from(self.nanos / 1_000_000).unwrap_or(u64::MAX)
    }
}

impl fmt::Display for GoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A duration as Go prints one (`1h0m0s`, `1m30s`, `1.5s`, `500ms`), as Pebble shows a
/// notice's `repeat-after`.
pub fn format_ms(ms: u64) -> String {
    if ms == 0 {
        return "0s".into();
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let (hours, minutes) = (ms / 3_600_000, ms / 60_000 % 60);
    let (seconds, millis) = (ms / 1000 % 60, ms % 1000);
    let seconds = if millis == 0 {
        format!("{seconds}s")
    } else {
        let fraction = format!("{millis:03}");
        format!("{seconds}.{}s", fraction.trim_end_matches('0'))
    };
    match (hours, minutes) {
        (0, 0) => seconds,
        (0, m) => format!("{m}m{seconds}"),
        (h, m) => format!("{h}h{m}m{seconds}"),
    }
}

/// Nanoseconds in a Go duration string; `None` if Go would refuse it. Negative
/// durations are refused too: nothing in a layer may be negative.
pub fn parse(text: &str) -> Option<u128> {
    if text == "0" {
        return Some(0);
    }
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    if rest.is_empty() {
        return None;
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(number_len);
        if number.is_empty() || number == "." {
            return None;
        }
        let value: f64 = number.parse().ok()?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let scale = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        total += value * scale;
        rest = tail;
    }
    Some(total as u128)
}

impl Serialize for GoDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for GoDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // YAML reads `5` as a number; Pebble reads every duration as text, so must we.
        let value = serde_yaml::Value::deserialize(d)?;
        let text = match &value {
            serde_yaml::Value::String(s) => s.clone(),
            serde_yaml::Value::Number(n) => n.to_string(),
            _ => return Err(serde::de::Error::custom("invalid duration")),
        };
        GoDuration::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_as_go_prints_it() {
        assert_eq!(format_ms(3_600_000), "1h0m0s");
        assert_eq!(format_ms(90_000), "1m30s");
        assert_eq!(format_ms(1_500), "1.5s");
        assert_eq!(format_ms(500), "500ms");
        assert_eq!(format_ms(0), "0s");
        for ms in [1, 999, 1000, 61_001, 7_200_000] {
            assert_eq!(
                parse(&format_ms(ms)),
                Some(u128::from(ms) * 1_000_000),
                "{ms}"
            );
        }
    }

    #[test]
    fn go_syntax() {
        assert_eq!(parse("500ms"), Some(500_000_000));
        assert_eq!(parse("1m30s"), Some(90_000_000_000));
        assert_eq!(parse("1.5h"), Some(5_400_000_000_000));
        assert_eq!(parse("0"), Some(0));
        assert_eq!(parse("0s"), Some(0));
        for bad in ["5", "", "s", "1x", "-1s", "1 s"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_bare_number_is_refused_with_pebbles_words() {
        let err = serde_yaml::from_str::<GoDuration>("5")
            .unwrap_err()
            .to_string();
        assert!(err.contains("invalid duration \"5\""), "{err}");
    }
}

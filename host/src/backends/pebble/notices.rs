//! Notices as Pebble keeps them (`/v1/notices`): one per type and key, counting its
//! occurrences.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::sandbox::names::Malformed;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoticeType {
    ChangeUpdate,
    Custom,
    Warning,
}

impl NoticeType {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeType::ChangeUpdate => "change-update",
            NoticeType::Custom => "custom",
            NoticeType::Warning => "warning",
        }
    }
}

/// A notice in the words of `GET /v1/notices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Notice {
    pub id: String,
    /// None (JSON null) for a public notice.
    #[serde(default)]
    pub user_id: Option<u32>,
    #[serde(rename = "type")]
    pub kind: String,
    pub key: String,
    pub first_occurred: String,
    pub last_occurred: String,
    pub last_repeated: String,
    pub occurrences: u32,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub last_data: BTreeMap<String, String>,
    /// A Go duration, as Pebble prints it (`1h0m0s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_after: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_after: Option<String>,
}

/// Which notices to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoticeFilter {
    pub types: Vec<NoticeType>,
    pub keys: Vec<NoticeKey>,
    /// RFC 3339.
    pub after: Option<String>,
}

/// A notice's key as a filter names it: printable, on one line, no commas (the query
/// separates keys with them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeKey(String);

impl NoticeKey {
    pub const MAX: usize = 256;

    pub fn parse(key: &str) -> Result<Self, Malformed> {
        // Pebble splits the query's keys at commas and trims each.
        let ok = !key.is_empty()
            && key.len() <= Self::MAX
            && key.trim() == key
            && !key.chars().any(|c| c.is_control() || c == ',');
        if ok {
            Ok(NoticeKey(key.to_string()))
        } else {
            Err(Malformed::new(
                "a notice key",
                key,
                "1 to 256 bytes of printable text on one line, without commas or spaces around it",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The key of a custom notice, by Pebble's rule: `example.com/path`, lower-case words
/// of letters and digits joined by single hyphens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomKey(String);

impl CustomKey {
    pub fn parse(key: &str) -> Result<Self, Malformed> {
        // Pebble's `^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)+(/[a-z0-9]+(-[a-z0-9]+)*)+$`.
        let word = |w: &str| {
            !w.is_empty()
                && w.split('-').all(|part| {
                    !part.is_empty()
                        && part
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                })
        };
        let ok = key.len() <= NoticeKey::MAX
            && key.split_once('/').is_some_and(|(domain, path)| {
                let labels: Vec<&str> = domain.split('.').collect();
                labels.len() >= 2 && labels.iter().all(|l| word(l)) && path.split('/').all(word)
            });
        if ok {
            Ok(CustomKey(key.to_string()))
        } else {
            Err(Malformed::new(
                "a custom notice key",
                key,
                "`DOMAIN/PATH` as `example.com/db/backup`: lower-case letters and digits, \
                 words joined by single hyphens, at most 256 bytes",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The most data a notice carries, keys and values together (Pebble's limit).
pub const NOTICE_DATA: usize = 4 << 10;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_keys_follow_pebbles_rule() {
        for ok in [
            "example.com/a",
            "canonical.com/db/backup-done",
            "a-b.c1/x-2/y",
        ] {
            assert!(CustomKey::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "bad",
            "example.com",
            "example.com/",
            "Example.com/a",
            "example.com/a_b",
            "example..com/a",
            "-x.com/a",
            "x.com/a--b",
            "x.com/a b",
        ] {
            assert!(CustomKey::parse(bad).is_err(), "{bad}");
        }
        assert!(CustomKey::parse(&format!("x.com/{}", "a".repeat(250))).is_ok());
        assert!(CustomKey::parse(&format!("x.com/{}", "a".repeat(251))).is_err());
        assert!(NoticeKey::parse("a,b").is_err());
        assert!(NoticeKey::parse(" ").is_err());
        assert!(NoticeKey::parse(" x").is_err());
        assert!(NoticeKey::parse("42").is_ok());
    }
}

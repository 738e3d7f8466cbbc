//! Secrets as the hook tools take and give them: named by id or label, read at a
//! revision, and (on the owner's side) created, updated, shared and removed.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::sandbox::names::{Malformed, SecretExpiry, SecretKey, SecretLabel, SecretUri};

/// A secret as a charm names it: by its id, its label, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    Id(SecretUri),
    Label(SecretLabel),
    Both(SecretUri, SecretLabel),
}

impl SecretRef {
    pub fn id(&self) -> Option<&SecretUri> {
        match self {
            SecretRef::Id(id) | SecretRef::Both(id, _) => Some(id),
            SecretRef::Label(_) => None,
        }
    }

    pub fn label(&self) -> Option<&SecretLabel> {
        match self {
            SecretRef::Label(label) | SecretRef::Both(_, label) => Some(label),
            SecretRef::Id(_) => None,
        }
    }
}

/// Which revision of a secret `secret-get` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretRevision {
    Tracked,
    Refresh,
    Peek,
}

/// One secret as `secret-info-get` describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct SecretInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation: Option<String>,
    /// RFC 3339: when Juju next sends `secret-rotate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotates: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<u32>,
    /// `application` or `unit`, for a secret this unit or its application owns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<SecretOwner>,
}

/// Who owns a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SecretOwner {
    Application,
    Unit,
}

impl SecretOwner {
    pub fn as_str(self) -> &'static str {
        match self {
            SecretOwner::Application => "application",
            SecretOwner::Unit => "unit",
        }
    }
}

/// How often Juju asks the owner to rotate a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RotatePolicy {
    Never,
    Hourly,
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    Yearly,
}

impl RotatePolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            RotatePolicy::Never => "never",
            RotatePolicy::Hourly => "hourly",
            RotatePolicy::Daily => "daily",
            RotatePolicy::Weekly => "weekly",
            RotatePolicy::Monthly => "monthly",
            RotatePolicy::Quarterly => "quarterly",
            RotatePolicy::Yearly => "yearly",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(text.into())).ok()
    }
}

/// A description is the charm's prose, passed as one argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretDescription(String);

impl SecretDescription {
    /// Longer than this is not a description.
    pub const MAX: usize = 4096;

    pub fn parse(text: &str) -> Result<Self, Malformed> {
        let ok = text.len() <= Self::MAX
            && !text
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t');
        if ok {
            Ok(SecretDescription(text.to_string()))
        } else {
            Err(Malformed::new(
                "a secret description",
                text,
                "at most 4096 bytes of text, with no control characters but newline and tab",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What `secret-add` and `secret-set` take besides content; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretMetadata {
    pub label: Option<SecretLabel>,
    pub description: Option<SecretDescription>,
    pub expire: Option<SecretExpiry>,
    pub rotate: Option<RotatePolicy>,
}

/// A secret's content, each key by Juju's rule and the sizes within Juju's limits.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretContent(BTreeMap<SecretKey, String>);

/// Why content is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentError {
    #[error("a secret's content needs at least one key")]
    Empty,
    #[error(transparent)]
    Key(#[from] Malformed),
    #[error("the secret content has the key {0:?} twice")]
    Repeated(String),
    #[error(
        "the secret content has {keys} keys; the host passes at most {most} in one call",
        most = SecretContent::MAX_KEYS
    )]
    TooManyKeys { keys: usize },
    #[error(
        "the value of secret key {key:?} is {size} bytes base64-encoded; Juju takes at most \
         {} a value",
        SecretContent::MAX_BYTES
    )]
    ValueTooLarge { key: String, size: usize },
    #[error(
        "the secret content is {size} bytes base64-encoded; Juju takes at most {} in all",
        SecretContent::MAX_BYTES
    )]
    TooLarge { size: usize },
}

impl SecretContent {
    /// Juju 3.6's limit, for a value and for the whole content, counted base64-encoded.
    pub const MAX_BYTES: usize = 1_000_000;
    /// Each key is a file and a word of the tool's command line: no secret needs more.
    pub const MAX_KEYS: usize = 1000;

    pub fn parse(pairs: Vec<(String, String)>) -> Result<Self, ContentError> {
        if pairs.is_empty() {
            return Err(ContentError::Empty);
        }
        if pairs.len() > Self::MAX_KEYS {
            return Err(ContentError::TooManyKeys { keys: pairs.len() });
        }
        let encoded = |value: &str| value.len().div_ceil(3) * 4;
        let mut content = BTreeMap::new();
        let mut total = 0;
        for (key, value) in pairs {
            let parsed = SecretKey::parse(&key)?;
            let size = encoded(&value);
            if size > Self::MAX_BYTES {
                return Err(ContentError::ValueTooLarge { key, size });
            }
            total += size;
            if content.insert(parsed, value).is_some() {
                return Err(ContentError::Repeated(key));
            }
        }
        if total > Self::MAX_BYTES {
            return Err(ContentError::TooLarge { size: total });
        }
        Ok(SecretContent(content))
    }

    pub fn iter(&self) -> impl Iterator<Item = (&SecretKey, &String)> {
        self.0.iter()
    }

    /// As a state file keeps it.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.0
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }
}

// Content is a secret: never printed, not even in a debug log.
impl fmt::Debug for SecretContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<&str> = self.0.keys().map(|k| k.as_str()).collect();
        write!(f, "SecretContent(keys: {keys:?})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn content_is_checked_as_juju_checks_it() {
        assert!(SecretContent::parse(pairs(&[("password", "x")])).is_ok());
        assert_eq!(
            SecretContent::parse(Vec::new()).unwrap_err(),
            ContentError::Empty
        );
        let err = SecretContent::parse(pairs(&[("pw", "x")])).unwrap_err();
        assert!(
            err.to_string()
                .contains("\"pw\" is not a secret content key"),
            "{err}"
        );
        let err = SecretContent::parse(pairs(&[("abc", "1"), ("abc", "2")])).unwrap_err();
        assert_eq!(err, ContentError::Repeated("abc".into()));
        let big = "x".repeat(750_001);
        let err = SecretContent::parse(vec![("abc".into(), big)]).unwrap_err();
        assert!(
            matches!(
                err,
                ContentError::ValueTooLarge {
                    size: 1_000_004,
                    ..
                }
            ),
            "{err}"
        );
        let half = "x".repeat(450_000);
        let err = SecretContent::parse(vec![("abc".into(), half.clone()), ("def".into(), half)])
            .unwrap_err();
        assert!(matches!(err, ContentError::TooLarge { .. }), "{err}");
        let many: Vec<(String, String)> = (0..1001)
            .map(|i| (format!("k{i:04}"), String::new()))
            .collect();
        assert_eq!(
            SecretContent::parse(many).unwrap_err(),
            ContentError::TooManyKeys { keys: 1001 }
        );
    }

    #[test]
    fn content_never_shows_its_values() {
        let content = SecretContent::parse(pairs(&[("password", "hunter2")])).unwrap();
        let shown = format!("{content:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("password"), "{shown}");
    }

    #[test]
    fn a_description_is_one_argument_of_prose() {
        assert!(SecretDescription::parse("the admin password\nfor the db").is_ok());
        assert!(SecretDescription::parse("a\0b").is_err());
        assert!(SecretDescription::parse(&"x".repeat(4097)).is_err());
    }
}

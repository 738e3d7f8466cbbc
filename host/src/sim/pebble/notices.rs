//! Notices in a simulated container, with Pebble's occurrence counting: one notice per
//! type and key, its `occurrences` counting each time it is recorded again.

use std::collections::BTreeMap;

use crate::backends::pebble::notices::{CustomKey, NoticeFilter};
use crate::backends::pebble::{ApiError, Notice};

/// What a simulated container's clock says: the simulation keeps time still.
pub const NOW: &str = "2026-01-01T00:00:00Z";

/// The most notices a simulated container keeps.
const MOST_NOTICES: usize = 10_000;

#[derive(Debug, Clone, Default)]
pub struct Notices {
    notices: Vec<Notice>,
}

impl Notices {
    pub fn from_model(notices: &[Notice]) -> Result<Self, String> {
        let mut ids = std::collections::BTreeSet::new();
        for notice in notices {
            if notice.id.parse::<u64>().is_err() {
                return Err(format!("notice id {:?} is not a number", notice.id));
            }
            if !ids.insert(&notice.id) {
                return Err(format!("two notices have the id {}", notice.id));
            }
        }
        Ok(Notices {
            notices: notices.to_vec(),
        })
    }

    pub fn to_model(&self) -> Vec<Notice> {
        self.notices.clone()
    }

    pub fn get(&self, id: &str) -> Result<Notice, ApiError> {
        self.notices
            .iter()
            .find(|n| n.id == id)
            .cloned()
            // A 404 with no kind, as the daemon gives it.
            .ok_or_else(|| ApiError {
                status: 404,
                kind: None,
                message: format!("cannot find notice with ID {id:?}"),
            })
    }

    pub fn list(&self, filter: &NoticeFilter) -> Result<Vec<Notice>, ApiError> {
        let after = filter
            .after
            .as_deref()
            .map(|a| {
                humantime::parse_rfc3339_weak(a).map_err(|e| {
                    ApiError::bad_request(format!("invalid \"after\" timestamp {a:?}: {e}"))
                })
            })
            .transpose()?;
        let mut out: Vec<Notice> = self
            .notices
            .iter()
            .filter(|n| {
                filter.types.is_empty() || filter.types.iter().any(|t| t.as_str() == n.kind)
            })
            .filter(|n| filter.keys.is_empty() || filter.keys.iter().any(|k| k.as_str() == n.key))
            .filter(|n| {
                after.is_none_or(|after| {
                    humantime::parse_rfc3339_weak(&n.last_repeated).is_ok_and(|t| t > after)
                })
            })
            .cloned()
            .collect();
        out.sort_by(|a, b| {
            (&a.last_repeated, a.id.parse::<u64>().unwrap_or(0))
                .cmp(&(&b.last_repeated, b.id.parse::<u64>().unwrap_or(0)))
        });
        Ok(out)
    }

    /// Records a custom notice; the same key again is the same notice, once more.
    pub fn add_custom(
        &mut self,
        key: &CustomKey,
        data: &BTreeMap<String, String>,
        repeat_after: Option<String>,
    ) -> Result<String, ApiError> {
        if let Some(notice) = self
            .notices
            .iter_mut()
            .find(|n| n.kind == "custom" && n.key == key.as_str())
        {
            notice.occurrences = notice.occurrences.saturating_add(1);
            notice.last_occurred = NOW.into();
            // Within the repeat-after this occurrence gives, a notice occurs without
            // repeating; the simulation's clock never moves, so only one without it
            // repeats.
            if repeat_after.is_none() {
                notice.last_repeated = NOW.into();
            }
            notice.last_data = data.clone();
            notice.repeat_after = repeat_after;
            return Ok(notice.id.clone());
        }
        if self.notices.len() >= MOST_NOTICES {
            return Err(ApiError::bad_request(format!(
                "the simulated container keeps at most {MOST_NOTICES} notices"
            )));
        }
        let id = self
            .notices
            .iter()
            .filter_map(|n| n.id.parse::<u64>().ok())
            .max()
            .unwrap_or(0)
            .checked_add(1)
            .ok_or_else(|| ApiError::bad_request("no notice id is left".into()))?;
        self.notices.push(Notice {
            id: id.to_string(),
            user_id: Some(0),
            kind: "custom".into(),
            key: key.as_str().to_string(),
            first_occurred: NOW.into(),
            last_occurred: NOW.into(),
            last_repeated: NOW.into(),
            occurrences: 1,
            last_data: data.clone(),
            repeat_after,
            expire_after: Some("168h0m0s".into()),
        });
        Ok(id.to_string())
    }
}

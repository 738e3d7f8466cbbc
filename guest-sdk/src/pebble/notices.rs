//! A container's notices, as `ops`' `Container.get_notice`, `get_notices` and
//! `pebble notify`.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{Container, Notice, NoticeFilter, host};
use crate::Result;
use crate::error::host as call;

impl Container {
    /// The notice behind a `pebble-custom-notice` event, by id.
    ///
    /// ```no_run
    /// use wasmcharm_sdk::prelude::*;
    /// fn on_pebble_custom_notice(event: &NoticeEvent) -> Result<()> {
    ///     let notice = container(&event.container).notice(&event.notice_id)?;
    ///     log::info!("{} happened {} times", notice.key, notice.occurrences);
    ///     Ok(())
    /// }
    /// ```
    pub fn notice(&self, id: &str) -> Result<Notice> {
        call(host::get_notice(&self.name, id))
    }

    /// Notices of the given types and keys (all when empty), last repeated after
    /// `after` (RFC 3339), oldest first.
    ///
    /// ```no_run
    /// use wasmcharm_sdk::pebble::{self, NoticeFilter, NoticeType};
    /// let custom = pebble::container("db").notices(&NoticeFilter {
    ///     types: vec![NoticeType::Custom],
    ///     keys: vec![],
    ///     after: None,
    /// })?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn notices(&self, filter: &NoticeFilter) -> Result<Vec<Notice>> {
        call(host::get_notices(&self.name, filter))
    }

    /// Records a custom notice (`key` as `example.com/path`); the same key again is the
    /// same notice, occurring once more. Returns its id.
    ///
    /// ```no_run
    /// let id = wasmcharm_sdk::pebble::container("db")
    ///     .notify("example.com/db/backup-done", &[("path", "/srv/backup.tgz")], None)?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn notify(
        &self,
        key: &str,
        data: &[(&str, &str)],
        repeat_after: Option<Duration>,
    ) -> Result<String> {
        let data: BTreeMap<String, String> = data
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let data: Vec<(String, String)> = data.into_iter().collect();
        call(host::notify(
            &self.name,
            key,
            &data,
            repeat_after.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        ))
    }
}

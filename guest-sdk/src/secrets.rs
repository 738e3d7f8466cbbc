//! Secrets: those this unit has been granted, and those it or its application owns
//! ([`add`], [`Secret`]).
//!
//! ```no_run
//! use wasmcharm_sdk::secrets::{self, Revision};
//!
//! let content = secrets::get_by_label("db-password", Revision::Tracked)?;
//! let password = content.get("password");
//! # Ok::<(), wasmcharm_sdk::Error>(())
//! ```

use std::collections::BTreeMap;

use crate::__bindings::juju::charm::secrets as host;
use crate::Result;
use crate::error::host as call;

pub use host::{Revision, SecretInfo};

/// A secret's content by its id (`secret:...`).
///
/// ```no_run
/// use wasmcharm_sdk::secrets::{self, Revision};
/// let c = secrets::get("secret:cr4n0eog5r6d8t2rjmf0", Revision::Refresh)?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn get(id: &str, revision: Revision) -> Result<BTreeMap<String, String>> {
    Ok(call(host::get(Some(id), None, revision))?
        .into_iter()
        .collect())
}

/// A secret's content by the label this unit gave it.
///
/// ```no_run
/// use wasmcharm_sdk::secrets::{self, Revision};
/// let c = secrets::get_by_label("db-password", Revision::Peek)?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn get_by_label(label: &str, revision: Revision) -> Result<BTreeMap<String, String>> {
    Ok(call(host::get(None, Some(label), revision))?
        .into_iter()
        .collect())
}

/// What Juju knows of a secret, by id.
///
/// ```no_run
/// let info = wasmcharm_sdk::secrets::info("secret:cr4n0eog5r6d8t2rjmf0")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn info(id: &str) -> Result<SecretInfo> {
    call(host::info(Some(id), None))
}

pub use host::{OwnedSecret, RotatePolicy, SecretOwner};

use crate::relation::Relation;

/// A secret's metadata, as `ops`' `add_secret` and `set_info` take it: a field not set is
/// left as it is.
///
/// ```no_run
/// use std::time::Duration;
/// use wasmcharm_sdk::secrets::{Metadata, RotatePolicy};
/// let metadata = Metadata::new()
///     .label("admin-password")
///     .description("the database's admin password")
///     .expire_in(Duration::from_secs(30 * 24 * 3600))
///     .rotate(RotatePolicy::Monthly);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    label: Option<String>,
    description: Option<String>,
    expire: Option<String>,
    rotate: Option<RotatePolicy>,
}

impl Metadata {
    /// Metadata that changes nothing: set what is needed with the setters.
    pub fn new() -> Self {
        Self::default()
    }

    /// This unit's name for the secret, unique among its secrets.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// What the secret is for, as its owner describes it.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Expires this long from now (`secret-expired` is sent then).
    pub fn expire_in(mut self, after: std::time::Duration) -> Self {
        // Whole seconds, in Go's duration syntax, which Juju reads.
        self.expire = Some(format!("{}s", after.as_secs().max(1)));
        self
    }

    /// Expires at an RFC 3339 time (`2027-01-01T00:00:00Z`).
    pub fn expire_at(mut self, time: impl Into<String>) -> Self {
        self.expire = Some(time.into());
        self
    }

    /// How often Juju asks the owner to rotate it (`secret-rotate`).
    pub fn rotate(mut self, policy: RotatePolicy) -> Self {
        self.rotate = Some(policy);
        self
    }

    fn to_host(&self) -> host::SecretMetadata {
        host::SecretMetadata {
            label: self.label.clone(),
            description: self.description.clone(),
            expire: self.expire.clone(),
            rotate: self.rotate,
        }
    }
}

fn content<K: AsRef<str>, V: AsRef<str>>(
    content: impl IntoIterator<Item = (K, V)>,
) -> Vec<(String, String)> {
    content
        .into_iter()
        .map(|(k, v)| (k.as_ref().to_string(), v.as_ref().to_string()))
        .collect()
}

/// A secret by its id, as `ops`' `Secret`: this unit's or its application's own, or
/// one it has been granted.
///
/// ```no_run
/// use wasmcharm_sdk::secrets::{self, Metadata, SecretOwner};
/// let secret = secrets::add(
///     SecretOwner::Application,
///     [("password", "s3cret")],
///     Metadata::new().label("admin-password"),
/// )?;
/// secret.set_content([("password", "n3w")])?;
/// secret.remove_all_revisions()?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    id: String,
}

/// Creates a secret owned by this unit's application (the leader only) or by this unit.
/// Content keys are Juju's: three or more lower-case letters, digits and single inner
/// hyphens, starting with a letter.
///
/// ```no_run
/// use wasmcharm_sdk::secrets::{self, Metadata, SecretOwner};
/// let secret = secrets::add(SecretOwner::Unit, [("token", "abc")], Metadata::new())?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn add<K: AsRef<str>, V: AsRef<str>>(
    owner: SecretOwner,
    secret_content: impl IntoIterator<Item = (K, V)>,
    metadata: Metadata,
) -> Result<Secret> {
    let id = call(host::create(
        &content(secret_content),
        &metadata.to_host(),
        owner,
    ))?;
    Ok(Secret { id })
}

/// The secrets this unit and its application own.
///
/// ```no_run
/// for secret in wasmcharm_sdk::secrets::owned()? {
///     log::info!("own {}", secret.id());
/// }
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn owned() -> Result<Vec<Secret>> {
    Ok(call(host::owned())?
        .into_iter()
        .map(|id| Secret { id })
        .collect())
}

/// An owned secret by the label this unit gave it.
///
/// ```no_run
/// let secret = wasmcharm_sdk::secrets::owned_by_label("admin-password")?;
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
pub fn owned_by_label(label: &str) -> Result<Secret> {
    let info = call(host::owned_info(None, Some(label)))?;
    Ok(Secret { id: info.id })
}

impl Secret {
    /// The secret by its id (`secret:...`), e.g. from a relation's databag.
    pub fn from_id(id: impl Into<String>) -> Self {
        Secret { id: id.into() }
    }

    /// `secret:...`, to hand to another application through a relation.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The content, at the revision this unit tracks (or the newest, with
    /// [`Revision::Refresh`] or [`Revision::Peek`]).
    pub fn content(&self, revision: Revision) -> Result<BTreeMap<String, String>> {
        get(&self.id, revision)
    }

    /// New content: a new revision, unless it is what the newest revision holds.
    pub fn set_content<K: AsRef<str>, V: AsRef<str>>(
        &self,
        secret_content: impl IntoIterator<Item = (K, V)>,
    ) -> Result<()> {
        call(host::update(
            &self.id,
            Some(&content(secret_content)),
            &Metadata::new().to_host(),
        ))
    }

    /// New metadata; the content stays.
    pub fn set_info(&self, metadata: Metadata) -> Result<()> {
        call(host::update(&self.id, None, &metadata.to_host()))
    }

    /// What its owner knows of it: owner, label, expiry, rotation, newest revision.
    pub fn info(&self) -> Result<OwnedSecret> {
        call(host::owned_info(Some(&self.id), None))
    }

    /// Lets the application on the other side of `relation` read it.
    pub fn grant(&self, relation: Relation) -> Result<()> {
        call(host::grant(&self.id, relation.id, None))
    }

    /// Lets one remote unit of `relation` read it.
    pub fn grant_unit(&self, relation: Relation, unit: &str) -> Result<()> {
        call(host::grant(&self.id, relation.id, Some(unit)))
    }

    /// Takes back [`Secret::grant`].
    pub fn revoke(&self, relation: Relation) -> Result<()> {
        call(host::revoke(&self.id, relation.id, None))
    }

    /// Takes back [`Secret::grant_unit`].
    pub fn revoke_unit(&self, relation: Relation, unit: &str) -> Result<()> {
        call(host::revoke(&self.id, relation.id, Some(unit)))
    }

    /// Removes one revision (in `secret-remove`, once no consumer tracks it).
    pub fn remove_revision(&self, revision: u32) -> Result<()> {
        call(host::remove(&self.id, Some(revision)))
    }

    /// Removes the secret.
    pub fn remove_all_revisions(&self) -> Result<()> {
        call(host::remove(&self.id, None))
    }
}

//! The capability policy a charm declares under `machine:` in `wasmcharm.yaml`, checked
//! before every machine call. Deny by default: what is not declared is refused, and the
//! refusal names the rule the charm would have to add. Every name is first parsed by its
//! consumer's grammar ([`names`]): a `"*"` widens which names are allowed, never what a
//! name may look like.

pub mod caps;
pub mod env;
pub mod names;
pub mod trust;
pub mod yaml;

use std::fmt;

/// The kernel's longest path, and so the longest a charm may name.
const PATH_MAX: usize = 4096;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;

pub use env::{CommandGrant, CommandRule, CommandRules};
use names::{Malformed, PackageName, PackageSpec, Repository, SnapName, SystemdUnit};

/// Why a name the charm gave cannot be used: it does not follow its grammar, or the
/// policy does not allow it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(transparent)]
    Malformed(#[from] Malformed),
    #[error(transparent)]
    Denied(#[from] Denied),
}

/// An allow-list of names; `"*"` allows every name.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct AllowList(Vec<String>);

impl AllowList {
    /// Only what both lists allow.
    pub fn narrowed(&self, by: &AllowList) -> AllowList {
        let star = |l: &AllowList| l.0.iter().any(|n| n == "*");
        match (star(self), star(by)) {
            (_, true) => self.clone(),
            (true, false) => by.clone(),
            (false, false) => AllowList(
                self.0
                    .iter()
                    .filter(|n| by.0.contains(n))
                    .cloned()
                    .collect(),
            ),
        }
    }

    pub fn names(&self) -> &[String] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn allows(&self, name: &str) -> bool {
        self.0.iter().any(|n| n == "*" || n == name)
    }
}

impl<const N: usize> From<[&str; N]> for AllowList {
    fn from(names: [&str; N]) -> Self {
        AllowList(names.iter().map(|n| n.to_string()).collect())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FileRules {
    /// Absolute path prefixes the charm may read.
    pub read: Vec<PathBuf>,
    /// Absolute path prefixes the charm may write, create and remove (and read).
    pub write: Vec<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// apt packages the charm may install, remove or query.
    pub packages: AllowList,
    /// apt repositories (`ppa:owner/name` or a deb line) it may add or remove.
    pub repositories: AllowList,
    /// systemd units it may control or query (`ssh` covers `ssh.service`).
    pub services: AllowList,
    /// snaps it may install, remove or query.
    pub snaps: AllowList,
    /// Programs it may run, exactly as the charm passes them in `argv[0]`, each with
    /// the variables the charm may set for it.
    pub commands: CommandRules,
    pub files: FileRules,
    /// Whether it may ask Juju to reboot the machine (`juju-reboot`), which stops every
    /// other unit on it too.
    pub reboot: bool,
}

/// A call the policy refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("wasmcharm.yaml does not allow {what} `{name}`: {hint}")]
pub struct Denied {
    what: &'static str,
    name: String,
    hint: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Access::Read => "read",
            Access::Write => "write",
        })
    }
}

/// Where an operator keeps a charm's narrower policy, out of any charm's reach.
pub const OVERRIDE_DIR: &str = "/etc/wasmcharm";

/// Prefixes allowed by both lists: each of one that lies within one of the other.
fn narrowed_prefixes(mine: &[PathBuf], by: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for a in mine {
        for b in by {
            if a.starts_with(b) && !out.contains(a) {
                out.push(a.clone());
            } else if b.starts_with(a) && !out.contains(b) {
                out.push(b.clone());
            }
        }
    }
    out
}

/// An operator's narrowing of a policy: each rule it gives is intersected with the
/// charm's; a rule it leaves out leaves the charm's as it is.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Narrowing {
    pub packages: Option<AllowList>,
    pub repositories: Option<AllowList>,
    pub services: Option<AllowList>,
    pub snaps: Option<AllowList>,
    pub commands: Option<CommandRules>,
    pub files: Option<FileNarrowing>,
    /// `false` takes the reboot away; `true` leaves the charm's as it is.
    pub reboot: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FileNarrowing {
    pub read: Option<Vec<PathBuf>>,
    pub write: Option<Vec<PathBuf>>,
}

impl Policy {
    /// This policy, narrowed by an operator's: only what both allow.
    pub fn narrowed(&self, by: &Narrowing) -> Policy {
        let list = |mine: &AllowList, theirs: &Option<AllowList>| match theirs {
            Some(theirs) => mine.narrowed(theirs),
            None => mine.clone(),
        };
        let files = by.files.clone().unwrap_or_default();
        let prefixes = |mine: &[PathBuf], theirs: &Option<Vec<PathBuf>>| match theirs {
            Some(theirs) => narrowed_prefixes(mine, theirs),
            None => mine.to_vec(),
        };
        Policy {
            packages: list(&self.packages, &by.packages),
            repositories: list(&self.repositories, &by.repositories),
            services: list(&self.services, &by.services),
            snaps: list(&self.snaps, &by.snaps),
            commands: match &by.commands {
                Some(theirs) => self.commands.narrowed(theirs),
                None => self.commands.clone(),
            },
            files: FileRules {
                read: prefixes(&self.files.read, &files.read),
                write: prefixes(&self.files.write, &files.write),
            },
            reboot: self.reboot && by.reboot.unwrap_or(true),
        }
    }

    /// A reboot, if the charm declares it may ask for one.
    pub fn check_reboot(&self) -> Result<(), Denied> {
        if self.reboot {
            Ok(())
        } else {
            Err(Denied {
                what: "operation",
                name: "juju-reboot".into(),
                hint: "declare it with `reboot: true` under machine".into(),
            })
        }
    }

    /// A package spec the charm gave, parsed, if the policy lists its name.
    pub fn package(&self, spec: &str) -> Result<PackageSpec, Refusal> {
        let spec = PackageSpec::parse(spec)?;
        check(&self.packages, "package", "packages", spec.name())?;
        Ok(spec)
    }

    /// Refreshing the package lists installs nothing: any charm that declares packages
    /// may do it.
    pub fn check_apt_update(&self) -> Result<(), Denied> {
        if self.packages.is_empty() {
            Err(Denied {
                what: "operation",
                name: "apt-get update".into(),
                hint: "declare the packages the charm installs in machine.packages".into(),
            })
        } else {
            Ok(())
        }
    }

    /// Reloading unit files starts and stops nothing: any charm that declares services
    /// may do it.
    pub fn check_daemon_reload(&self) -> Result<(), Denied> {
        if self.services.is_empty() {
            Err(Denied {
                what: "operation",
                name: "systemctl daemon-reload".into(),
                hint: "declare the units the charm manages in machine.services".into(),
            })
        } else {
            Ok(())
        }
    }

    /// A package the charm asks dpkg about.
    pub fn package_name(&self, name: &str) -> Result<PackageName, Refusal> {
        let name = PackageName::parse(name)?;
        check(&self.packages, "package", "packages", name.name())?;
        Ok(name)
    }

    pub fn repository(&self, line: &str) -> Result<Repository, Refusal> {
        let repository = Repository::parse(line)?;
        check(
            &self.repositories,
            "repository",
            "repositories",
            &repository,
        )?;
        Ok(repository)
    }

    /// A unit the charm named, parsed, if the policy lists it (`ssh` covers
    /// `ssh.service`).
    pub fn service(&self, unit: &str) -> Result<SystemdUnit, Refusal> {
        let unit = SystemdUnit::parse(unit)?;
        let service = format!("{}.service", unit.bare());
        if self.services.allows(&unit)
            || self.services.allows(unit.bare())
            || self.services.allows(&service)
        {
            Ok(unit)
        } else {
            Err(denied("service", "services", &unit).into())
        }
    }

    pub fn snap(&self, name: &str) -> Result<SnapName, Refusal> {
        let snap = SnapName::parse(name)?;
        check(&self.snaps, "snap", "snaps", snap.name())?;
        Ok(snap)
    }

    /// What the charm may do when it runs `program`: refused unless a rule names it.
    pub fn command(&self, program: &str) -> Result<CommandGrant, Denied> {
        self.commands
            .grant(program)
            .ok_or_else(|| denied("command", "commands", program))
    }

    /// Checks a path the charm wants to touch and returns it normalised, so that the
    /// backend acts on exactly the path that was checked.
    pub fn check_path(&self, path: &str, access: Access) -> Result<PathBuf, Refusal> {
        // Resolving a path is work for each of its components: the kernel's own limit
        // keeps that small whatever the charm sends.
        if path.len() > PATH_MAX {
            return Err(Malformed::new(
                "a path",
                path,
                "a path is at most 4096 bytes (the kernel's PATH_MAX)",
            )
            .into());
        }
        let normal = normalise(path).ok_or_else(|| Denied {
            what: "path",
            name: path.to_string(),
            hint: "paths must be absolute".into(),
        })?;
        if access == Access::Write && normal.starts_with(OVERRIDE_DIR) {
            return Err(Refusal::Denied(Denied {
                what: "path",
                name: path.to_string(),
                hint: format!(
                    "{OVERRIDE_DIR} holds the operator's policy, which no charm may write"
                ),
            }));
        }
        let prefixes = match access {
            Access::Read => self.files.read.iter().chain(&self.files.write),
            Access::Write => [].iter().chain(&self.files.write),
        };
        let allowed = prefixes
            .filter_map(|p| normalise(&p.to_string_lossy()))
            .any(|prefix| normal.starts_with(&prefix));
        if allowed {
            Ok(normal)
        } else {
            Err(Refusal::Denied(Denied {
                what: "path",
                name: path.to_string(),
                hint: format!(
                    "add it, or a directory above it, to machine.files.{}",
                    match access {
                        Access::Read => "read (or write)",
                        Access::Write => "write",
                    }
                ),
            }))
        }
    }
}

impl Policy {
    /// Checks where a checked path really leads (see `Machine::resolve_path`) against
    /// the declared prefixes, resolved the same way.
    pub fn check_resolved(
        &self,
        asked: &str,
        real: &Path,
        access: Access,
        mut resolve: impl FnMut(&Path) -> PathBuf,
    ) -> Result<(), Denied> {
        let prefixes: Vec<&PathBuf> = match access {
            Access::Read => self.files.read.iter().chain(&self.files.write).collect(),
            Access::Write => self.files.write.iter().collect(),
        };
        let allowed = prefixes
            .into_iter()
            .filter_map(|p| normalise(&p.to_string_lossy()))
            .any(|prefix| real.starts_with(resolve(&prefix)));
        if allowed {
            Ok(())
        } else {
            Err(Denied {
                what: "path",
                name: asked.to_string(),
                hint: format!(
                    "it leads through a link to {}, outside machine.files.{access}",
                    real.display()
                ),
            })
        }
    }
}

fn check(list: &AllowList, what: &'static str, key: &str, name: &str) -> Result<(), Denied> {
    if list.allows(name) {
        Ok(())
    } else {
        Err(denied(what, key, name))
    }
}

fn denied(what: &'static str, key: &str, name: &str) -> Denied {
    Denied {
        what,
        name: name.to_string(),
        hint: format!("add it to machine.{key}"),
    }
}

/// Resolves `.` and `..` lexically; `None` for a relative path. `..` at the root stays
/// at the root, as the kernel does.
fn normalise(path: &str) -> Option<PathBuf> {
    let path = Path::new(path);
    if !path.is_absolute() || path.as_os_str().as_encoded_bytes().contains(&0) {
        return None;
    }
    let mut out = PathBuf::from("/");
    for part in path.components() {
        match part {
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(name) => out.push(name),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy {
            packages: ["openssh-server"].into(),
            services: ["ssh"].into(),
            commands: ["ua"].into(),
            files: FileRules {
                read: vec!["/etc/ssh".into()],
                write: vec!["/etc/ssh/sshd_config.d".into()],
            },
            ..Policy::default()
        }
    }

    #[test]
    fn allows_what_is_declared_and_nothing_else() {
        let p = policy();
        assert!(p.package("openssh-server").is_ok());
        let err = p.package("nginx").unwrap_err().to_string();
        assert_eq!(
            err,
            "wasmcharm.yaml does not allow package `nginx`: add it to machine.packages"
        );
        assert!(p.service("ssh").is_ok());
        assert!(p.service("ssh.service").is_ok());
        assert!(p.service("sshd").is_err());
        let declared_with_type = Policy {
            services: ["ssh.service"].into(),
            ..Policy::default()
        };
        assert!(declared_with_type.service("ssh").is_ok());
        assert!(p.command("ua").is_ok());
        assert!(p.command("/usr/bin/ua").is_err());
        assert!(p.snap("lxd").is_err());
        assert!(p.repository("ppa:x/y").is_err());
    }

    #[test]
    fn a_star_allows_every_name() {
        let p = Policy {
            packages: ["*"].into(),
            ..Policy::default()
        };
        assert!(p.package("anything").is_ok());
        assert!(p.package("nginx=1.2-3").is_ok());
        let err = p.package("-oDPkg::Pre-Invoke::=sh").unwrap_err();
        assert!(matches!(err, Refusal::Malformed(_)), "{err}");
    }

    #[test]
    fn a_version_or_release_is_allowed_with_its_package() {
        let p = policy();
        assert!(p.package("openssh-server=1:9.6p1-3ubuntu13").is_ok());
        assert!(p.package("openssh-server/jammy-updates").is_ok());
        assert!(p.package("nginx=1").is_err());
    }

    #[test]
    fn paths_are_normalised_before_the_prefix_check() {
        let p = policy();
        assert_eq!(
            p.check_path("/etc/ssh/./sshd_config", Access::Read)
                .unwrap(),
            Path::new("/etc/ssh/sshd_config")
        );
        assert!(p.check_path("/etc/ssh/../shadow", Access::Read).is_err());
        assert!(p.check_path("/etc/sshd", Access::Read).is_err());
        assert!(p.check_path("etc/ssh/x", Access::Read).is_err());
        assert!(p.check_path("/../../etc/ssh/x", Access::Read).is_ok());
    }

    #[test]
    fn a_reboot_is_declared_and_an_operator_can_take_it_away() {
        let charm = Policy {
            reboot: true,
            ..Policy::default()
        };
        assert!(charm.check_reboot().is_ok());
        assert!(Policy::default().check_reboot().is_err());
        let keep = charm.narrowed(&Narrowing::default());
        assert!(keep.check_reboot().is_ok());
        let take = charm.narrowed(&Narrowing {
            reboot: Some(false),
            ..Narrowing::default()
        });
        assert!(take.check_reboot().is_err());
        // An override cannot grant what the charm does not declare.
        let grant = Policy::default().narrowed(&Narrowing {
            reboot: Some(true),
            ..Narrowing::default()
        });
        assert!(grant.check_reboot().is_err());
    }

    #[test]
    fn an_override_only_narrows() {
        let charm = Policy {
            packages: ["openssh-server", "nginx"].into(),
            commands: ["*"].into(),
            files: FileRules {
                read: vec!["/etc".into()],
                write: vec!["/etc/ssh".into()],
            },
            ..Policy::default()
        };
        let operator = Narrowing {
            packages: Some(["openssh-server", "telnetd"].into()),
            commands: Some(["ua"].into()),
            services: Some(["*"].into()),
            files: Some(FileNarrowing {
                read: Some(vec!["/etc/ssh".into()]),
                write: Some(vec!["/".into()]),
            }),
            ..Narrowing::default()
        };
        let p = charm.narrowed(&operator);
        assert!(p.package("openssh-server").is_ok());
        assert!(p.package("nginx").is_err() && p.package("telnetd").is_err());
        assert!(p.command("ua").is_ok() && p.command("rm").is_err());
        assert!(p.service("ssh").is_err(), "the charm declared no services");
        assert!(p.check_path("/etc/ssh/x", Access::Read).is_ok());
        assert!(p.check_path("/etc/passwd", Access::Read).is_err());
        assert!(p.check_path("/etc/ssh/x", Access::Write).is_ok());
    }

    #[test]
    fn what_an_override_leaves_out_stays_as_the_charm_has_it() {
        let charm = Policy {
            packages: ["openssh-server"].into(),
            services: ["ssh"].into(),
            ..Policy::default()
        };
        let narrowing: Narrowing = serde_yaml::from_str("packages: []\n").unwrap();
        let p = charm.narrowed(&narrowing);
        assert!(p.package("openssh-server").is_err());
        assert!(p.service("ssh").is_ok());
    }

    #[test]
    fn no_charm_may_write_the_operators_policy() {
        let p = Policy {
            files: FileRules {
                read: vec![],
                write: vec!["/".into()],
            },
            ..Policy::default()
        };
        let err = p
            .check_path("/etc/wasmcharm/openssh.yaml", Access::Write)
            .unwrap_err();
        assert!(err.to_string().contains("operator's policy"), "{err}");
    }

    #[test]
    fn writing_needs_a_write_rule() {
        let p = policy();
        assert!(p.check_path("/etc/ssh/sshd_config", Access::Write).is_err());
        assert!(
            p.check_path("/etc/ssh/sshd_config.d/10-charm.conf", Access::Write)
                .is_ok()
        );
        // Write implies read.
        assert!(
            p.check_path("/etc/ssh/sshd_config.d/10-charm.conf", Access::Read)
                .is_ok()
        );
    }
}

//! The grammars of the names a charm hands the host for a hook tool or a machine tool to
//! act on, each as its consumer defines it (Juju, Debian, systemd, snapd). A name is
//! parsed into its type before any program sees it, and the backends take only these
//! types: no string from the guest reaches an argv unparsed, and none of them can begin
//! with `-`, so none can be read as an option.

use std::fmt;

/// A name that does not follow its grammar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{shown} is not {what}: {rule}")]
pub struct Malformed {
    what: &'static str,
    shown: String,
    rule: &'static str,
}

impl Malformed {
    pub fn new(what: &'static str, input: &str, rule: &'static str) -> Self {
        Malformed {
            what,
            shown: shown(input),
            rule,
        }
    }
}

/// The input as a message may quote it: escaped, and cut short if long.
pub fn shown(input: &str) -> String {
    const MAX: usize = 80;
    if input.len() <= MAX {
        return format!("{input:?}");
    }
    let cut = input.floor_char_boundary(MAX);
    format!("{:?}... ({} bytes)", &input[..cut], input.len())
}

/// No name any of these tools takes is longer (systemd's limit for a unit name).
const MAX_NAME: usize = 255;

macro_rules! names {
    ($(
        $(#[$doc:meta])*
        $name:ident: $what:literal, $rule:literal, $check:expr;
    )+) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            pub const RULE: &'static str = $rule;

            pub fn parse(input: &str) -> Result<Self, Malformed> {
                let check: fn(&str) -> bool = $check;
                if input.len() <= MAX_NAME && check(input) {
                    Ok($name(input.to_string()))
                } else {
                    Err(Malformed::new($what, input, $rule))
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )+};
}

fn lower_or_digit(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

fn alnum(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// Not empty, starts with a character `first` takes, the rest from `rest`.
fn word(s: &str, first: fn(char) -> bool, rest: fn(char) -> bool) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(first) && chars.all(rest)
}

/// Juju's application (and charm) names: lower-case words of letters and digits joined
/// by single hyphens, the first starting with a letter, none all digits.
pub fn valid_application(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.split('-').all(|w| {
            !w.is_empty()
                && w.chars().all(lower_or_digit)
                && w.chars().any(|c| c.is_ascii_lowercase())
        })
}

fn valid_unit(name: &str) -> bool {
    name.split_once('/')
        .is_some_and(|(app, n)| valid_application(app) && valid_index(n))
}

/// A decimal number as Juju writes one: no sign, no leading zero.
fn valid_index(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 9
        && n.chars().all(|c| c.is_ascii_digit())
        && (n == "0" || !n.starts_with('0'))
}

/// Juju's rule for a secret's content keys: `^[a-z](?:-?[a-z0-9]){2,}$`.
fn valid_secret_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    bytes.first().is_some_and(u8::is_ascii_lowercase)
        && bytes.iter().all(|b| alnum(b) || *b == b'-')
        && !key.ends_with('-')
        && !key.contains("--")
        && key.bytes().filter(|b| alnum(b)).count() >= 3
}

/// Juju's storage names: a lower-case letter, then lower-case letters, digits and `-`.
fn valid_storage_name(name: &str) -> bool {
    word(
        name,
        |c| c.is_ascii_lowercase(),
        |c| lower_or_digit(c) || c == '-',
    )
}

/// Whether `time` is an RFC 3339 time as Go's `time.RFC3339` parses it.
pub fn is_rfc3339(time: &str) -> bool {
    valid_rfc3339(time)
}

/// `YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)`, each field in its range.
fn valid_rfc3339(time: &str) -> bool {
    let digits = |s: &str, max: u32| {
        !s.is_empty()
            && s.bytes().all(|b| b.is_ascii_digit())
            && s.parse::<u32>().is_ok_and(|n| n <= max)
    };
    let Some((date, rest)) = time.split_once(['T', 't']) else {
        return false;
    };
    let date_ok = matches!(date.split('-').collect::<Vec<_>>()[..],
        [y, m, d] if y.len() == 4 && digits(y, 9999) && m.len() == 2 && digits(m, 12)
            && m != "00" && d.len() == 2 && digits(d, 31) && d != "00");
    let (clock, zone) = match rest.strip_suffix(['Z', 'z']) {
        Some(clock) => (clock, None),
        None => match rest.rfind(['+', '-']) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => return false,
        },
    };
    let (clock, fraction) = clock.split_once('.').unwrap_or((clock, "0"));
    let clock_ok = matches!(clock.split(':').collect::<Vec<_>>()[..],
        [h, m, s] if h.len() == 2 && digits(h, 23) && m.len() == 2 && digits(m, 59)
            && s.len() == 2 && digits(s, 60))
        && fraction.len() <= 9
        && digits(fraction, u32::MAX);
    let zone_ok = zone.is_none_or(|z| {
        matches!(z.split(':').collect::<Vec<_>>()[..],
            [h, m] if h.len() == 2 && digits(h, 23) && m.len() == 2 && digits(m, 59))
    });
    date_ok && clock_ok && zone_ok
}

/// Go's `time.ParseDuration` without a sign: numbers, each with a unit (`1h30m`, `1.5h`).
fn valid_go_duration(duration: &str) -> bool {
    let mut rest = duration;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let number = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        let (value, tail) = rest.split_at(number);
        let value_ok = match value.split_once('.') {
            Some((whole, fraction)) => {
                (!whole.is_empty() || !fraction.is_empty()) && !fraction.contains('.')
            }
            None => !value.is_empty(),
        };
        let Some(unit) = ["ns", "us", "µs", "ms", "s", "m", "h"]
            .iter()
            .filter(|u| tail.starts_with(*u))
            .max_by_key(|u| u.len())
        else {
            return false;
        };
        if !value_ok {
            return false;
        }
        rest = &tail[unit.len()..];
    }
    true
}

/// Debian policy 5.6.1: lower-case letters, digits, `+`, `-` and `.`, two characters at
/// least, starting with a letter or digit.
fn valid_debian_name(name: &str) -> bool {
    name.len() >= 2
        && word(name, lower_or_digit, |c| {
            lower_or_digit(c) || matches!(c, '+' | '-' | '.')
        })
}

/// Debian policy 5.6.12: `[epoch:]upstream[-revision]`, the upstream part starting with
/// a digit.
fn valid_debian_version(version: &str) -> bool {
    let rest = match version.split_once(':') {
        Some((epoch, rest)) if !epoch.is_empty() && epoch.chars().all(|c| c.is_ascii_digit()) => {
            rest
        }
        _ => version,
    };
    word(
        rest,
        |c| c.is_ascii_digit(),
        |c| alnum(c) || matches!(c, '.' | '+' | '~' | '-' | ':'),
    )
}

/// `name` or `name:arch`.
fn valid_package_name(name: &str) -> bool {
    match name.split_once(':') {
        Some((name, arch)) => {
            valid_debian_name(name) && word(arch, lower_or_digit, |c| lower_or_digit(c) || c == '-')
        }
        None => valid_debian_name(name),
    }
}

/// What `apt-get install` takes: `name`, `name:arch`, `name=version` or `name/release`.
fn valid_package_spec(spec: &str) -> bool {
    let (name, rest) = split_package(spec);
    valid_package_name(name)
        && match rest {
            None => true,
            Some(('=', version)) => valid_debian_version(version),
            Some((_, release)) => word(release, alnum, |c| {
                alnum(c) || matches!(c, '.' | '+' | '-' | '_' | '~')
            }),
        }
}

fn split_package(spec: &str) -> (&str, Option<(char, &str)>) {
    match spec.find(['=', '/']) {
        Some(i) => {
            let sep = if spec.as_bytes()[i] == b'=' { '=' } else { '/' };
            (&spec[..i], Some((sep, &spec[i + 1..])))
        }
        None => (spec, None),
    }
}

/// The unit types a charm manages; a name with none of them is a service.
const UNIT_TYPES: [&str; 8] = [
    "service",
    "socket",
    "timer",
    "target",
    "path",
    "mount",
    "automount",
    "slice",
];

/// systemd.unit(5): letters, digits, `:`, `-`, `_`, `.`, `\` and one `@` for a template
/// instance.
fn valid_systemd_unit(unit: &str) -> bool {
    let stem = match unit.rsplit_once('.') {
        Some((stem, kind)) if UNIT_TYPES.contains(&kind) => stem,
        _ => unit,
    };
    let chars_ok = word(
        stem,
        |c| alnum(c) || c == '_',
        |c| alnum(c) || matches!(c, ':' | '-' | '_' | '.' | '\\' | '@'),
    );
    chars_ok && stem.matches('@').count() <= 1
}

/// snapd's rule: 2 to 40 lower-case letters, digits and single inner hyphens, at least
/// one letter; a parallel install adds `_key` (1 to 10 letters and digits).
fn valid_snap(name: &str) -> bool {
    let (name, key) = match name.split_once('_') {
        Some((n, k)) => (n, Some(k)),
        None => (name, None),
    };
    let name_ok = (2..=40).contains(&name.len())
        && name.chars().all(|c| lower_or_digit(c) || c == '-')
        && name.chars().any(|c| c.is_ascii_lowercase())
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--");
    name_ok && key.is_none_or(|k| (1..=10).contains(&k.len()) && k.chars().all(lower_or_digit))
}

/// `[track/]risk[/branch]`: up to three parts of letters, digits, `.`, `_` and `-`.
fn valid_snap_channel(channel: &str) -> bool {
    let parts: Vec<&str> = channel.split('/').collect();
    parts.len() <= 3
        && parts
            .iter()
            .all(|p| word(p, alnum, |c| alnum(c) || matches!(c, '.' | '_' | '-')))
}

/// What `add-apt-repository` takes: `ppa:owner/name`; `cloud:SERIES-RELEASE[/POCKET]`
/// (the Ubuntu Cloud Archive); a component (`universe`); or a one-line `deb`/`deb-src`
/// source: options in brackets, a URI, a suite (`./` for a flat repository) and
/// components, all printable, none starting with `-`, no `#` (which would end the line
/// for apt).
fn valid_repository(line: &str) -> bool {
    if matches!(line, "main" | "universe" | "restricted" | "multiverse") {
        return true;
    }
    if let Some(cloud) = line.strip_prefix("cloud:") {
        let (archive, pocket) = cloud.split_once('/').unwrap_or((cloud, "updates"));
        return word(archive, lower_or_digit, |c| {
            lower_or_digit(c) || matches!(c, '-' | '.')
        }) && word(
            pocket,
            |c| c.is_ascii_lowercase(),
            |c| c.is_ascii_lowercase(),
        );
    }
    if let Some(ppa) = line.strip_prefix("ppa:") {
        return ppa.split_once('/').is_some_and(|(owner, name)| {
            word(owner, lower_or_digit, |c| {
                lower_or_digit(c) || matches!(c, '+' | '-' | '.')
            }) && word(name, lower_or_digit, |c| {
                lower_or_digit(c) || matches!(c, '+' | '-' | '.' | '_')
            })
        });
    }
    let mut words = line.split(' ');
    if !matches!(words.next(), Some("deb" | "deb-src")) {
        return false;
    }
    let mut rest: Vec<&str> = words.collect();
    if rest.first().is_some_and(|w| w.starts_with('[')) {
        let Some(end) = rest.iter().position(|w| w.ends_with(']')) else {
            return false;
        };
        let options = rest[..=end].join(" ");
        let inner = &options[1..options.len() - 1];
        if !inner.split(' ').filter(|o| !o.is_empty()).all(|o| {
            o.split_once('=').is_some_and(|(k, v)| {
                word(k, |c| c.is_ascii_alphabetic(), |c| alnum(c) || c == '-')
                    && !v.is_empty()
                    && v.chars()
                        .all(|c| alnum(c) || matches!(c, ',' | '.' | '_' | '/' | ':' | '+' | '-'))
            })
        }) {
            return false;
        }
        rest.drain(..=end);
    }
    let [uri, suite, components @ ..] = rest.as_slice() else {
        return false;
    };
    let uri_ok = [
        "http://",
        "https://",
        "ftp://",
        "file:/",
        "mirror://",
        "mirror+http://",
    ]
    .iter()
    .any(|s| uri.starts_with(s))
        && uri.chars().all(|c| c.is_ascii_graphic() && c != '#');
    let rest = |c: char| alnum(c) || matches!(c, '.' | '_' | '/' | '+' | '-' | '~');
    let part = |w: &str| word(w, alnum, rest);
    // A flat repository names a directory (`./`, `/`, `stable/`) and no components.
    let flat = suite.ends_with('/')
        && components.is_empty()
        && word(suite, |c| alnum(c) || matches!(c, '.' | '/'), rest);
    uri_ok && (flat || (part(suite) && components.iter().all(|c| part(c))))
}

/// Juju's endpoint (and extra-binding) names: a lower-case letter, then lower-case
/// letters, digits, `-` and `_`.
fn valid_endpoint(name: &str) -> bool {
    word(
        name,
        |c| c.is_ascii_lowercase(),
        |c| lower_or_digit(c) || matches!(c, '-' | '_'),
    )
}

/// The id Juju gives a secret: 20 characters of base32hex (`0-9`, `a-v`).
fn valid_secret_xid(id: &str) -> bool {
    id.len() == 20
        && id
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='v').contains(&c))
}

fn valid_secret_uri(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("secret:") else {
        return valid_secret_xid(uri);
    };
    match rest.strip_prefix("//") {
        Some(qualified) => qualified.split_once('/').is_some_and(|(model, id)| {
            model.len() == 36
                && model.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
                && valid_secret_xid(id)
        }),
        None => valid_secret_xid(rest),
    }
}

/// Labels are the charm's own words: printable, on one line, not starting with `-`.
fn valid_label(label: &str) -> bool {
    !label.is_empty() && !label.starts_with('-') && !label.chars().any(char::is_control)
}

/// `action-set`'s rule for a key: dotted parts, each lower-case letters, digits and
/// inner hyphens.
fn valid_action_key(key: &str) -> bool {
    key.split('.').all(|part| {
        word(part, lower_or_digit, |c| lower_or_digit(c) || c == '-') && !part.ends_with('-')
    })
}

fn valid_env_name(name: &str) -> bool {
    word(
        name,
        |c| c.is_ascii_alphabetic() || c == '_',
        |c| alnum(c) || c == '_',
    )
}

names! {
    /// A package as `apt-get` takes it: a Debian name, with an optional `:arch`,
    /// `=version` or `/release`.
    PackageSpec: "a Debian package",
        "a name of lower-case letters, digits, `+`, `-` and `.` (starting with a letter or \
         digit), optionally followed by `:ARCH`, `=VERSION` or `/RELEASE`",
        valid_package_spec;

    /// A package as dpkg knows it: a Debian name, with an optional `:arch`.
    PackageName: "a Debian package name",
        "lower-case letters, digits, `+`, `-` and `.` (starting with a letter or digit), \
         optionally followed by `:ARCH`",
        valid_package_name;

    /// An apt source: `ppa:owner/name` or a one-line `deb` source.
    Repository: "an apt repository",
        "`ppa:OWNER/NAME`, or a one-line `deb [OPTIONS] URI SUITE [COMPONENT...]` with an \
         http, https, ftp or file URI",
        valid_repository;

    /// A systemd unit; a name without a unit type is a service.
    SystemdUnit: "a systemd unit",
        "letters, digits, `:`, `-`, `_`, `.`, `\\` and one `@`, starting with a letter, digit \
         or `_`, optionally ending in a unit type such as `.service` or `.timer`",
        valid_systemd_unit;

    /// A snap, optionally with its parallel-install key.
    SnapName: "a snap name",
        "2 to 40 lower-case letters, digits and single inner hyphens with at least one \
         letter, optionally followed by `_KEY`",
        valid_snap;

    SnapChannel: "a snap channel",
        "`[TRACK/]RISK[/BRANCH]`, each part letters, digits, `.`, `_` and `-`",
        valid_snap_channel;

    /// `app/N`.
    UnitName: "a unit name",
        "`APPLICATION/NUMBER`, e.g. `postgresql/0`",
        valid_unit;

    /// What `relation-get` reads a bag of: a unit, or (for the application bag) an
    /// application.
    RelationMember: "a unit or application name",
        "`APPLICATION/NUMBER` for a unit's bag, or `APPLICATION` for the application's",
        |s| valid_unit(s) || valid_application(s);

    /// A relation endpoint or extra binding, as the metadata declares it.
    BindingName: "a binding name",
        "a lower-case letter, then lower-case letters, digits, `-` and `_`",
        valid_endpoint;

    /// A resource, as the metadata declares it.
    ResourceName: "a resource name",
        "a lower-case letter, then lower-case letters, digits, `-` and `_`",
        valid_endpoint;

    /// A secret's URI, `secret:ID` or `secret://MODEL-UUID/ID`.
    SecretUri: "a secret id",
        "`secret:ID` or `secret://MODEL-UUID/ID`, where ID is the 20 characters Juju gave \
         the secret",
        valid_secret_uri;

    SecretLabel: "a secret label",
        "printable characters on one line, not starting with `-`",
        valid_label;

    /// A key of a secret's content, by Juju's rule (`^[a-z](?:-?[a-z0-9]){2,}$`).
    SecretKey: "a secret content key",
        "at least 3 lower-case letters, digits and single inner hyphens, starting with a \
         letter, e.g. `admin-password`",
        valid_secret_key;

    /// When a secret expires, as `secret-add --expire` takes it.
    SecretExpiry: "a secret expiry",
        "an RFC 3339 time (`2027-01-01T00:00:00Z`) or a duration from now (`24h`, `1h30m`, \
         `90s`)",
        |s| valid_rfc3339(s) || valid_go_duration(s);

    /// A storage name, as the metadata declares it.
    StorageName: "a storage name",
        "a lower-case letter, then lower-case letters, digits and `-`",
        valid_storage_name;

    /// A key of an action's results.
    ActionKey: "an action result key",
        "dot-separated parts of lower-case letters, digits and inner hyphens, e.g. \
         `backup.size`",
        valid_action_key;

    /// The name of an environment variable.
    EnvName: "an environment variable name",
        "a letter or `_`, then letters, digits and `_`",
        valid_env_name;
}

/// A storage instance, `NAME/INDEX` (`data/0`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StorageId {
    name: StorageName,
    index: u32,
}

impl StorageId {
    pub const RULE: &'static str = "`NAME/INDEX`, e.g. `data/0`";

    pub fn new(name: StorageName, index: u32) -> Self {
        StorageId { name, index }
    }

    pub fn parse(input: &str) -> Result<Self, Malformed> {
        let malformed = || Malformed::new("a storage instance", input, Self::RULE);
        let (name, index) = input.split_once('/').ok_or_else(malformed)?;
        if !valid_index(index) {
            return Err(malformed());
        }
        Ok(StorageId {
            name: StorageName::parse(name).map_err(|_| malformed())?,
            index: index.parse().map_err(|_| malformed())?,
        })
    }

    pub fn name(&self) -> &StorageName {
        &self.name
    }

    pub fn index(&self) -> u32 {
        self.index
    }
}

impl fmt::Display for StorageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.name, self.index)
    }
}

impl PackageSpec {
    /// The package's name, without its architecture, version or release: what the
    /// policy lists.
    pub fn name(&self) -> &str {
        let (name, _) = split_package(&self.0);
        name.split_once(':').map_or(name, |(n, _)| n)
    }
}

impl PackageName {
    /// The name without its architecture: what the policy lists.
    pub fn name(&self) -> &str {
        self.0.split_once(':').map_or(&self.0, |(n, _)| n)
    }
}

impl SystemdUnit {
    /// The name without `.service`, which systemd adds when there is no type.
    pub fn bare(&self) -> &str {
        self.0.strip_suffix(".service").unwrap_or(&self.0)
    }
}

impl SnapName {
    /// The snap's name, without a parallel-install key: what the policy lists.
    pub fn name(&self) -> &str {
        self.0.split_once('_').map_or(&self.0, |(n, _)| n)
    }
}

impl SecretUri {
    /// The URI as Juju prints it: `secret:` added to a bare id.
    pub fn canonical(&self) -> String {
        if self.0.starts_with("secret:") {
            self.0.clone()
        } else {
            format!("secret:{}", self.0)
        }
    }
}

/// `action-set` keys Juju fills itself from the action's own output.
pub const RESERVED_ACTION_KEYS: [&str; 4] =
    ["stdout", "stdout-encoding", "stderr", "stderr-encoding"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages() {
        for ok in [
            "openssh-server",
            "libc6:amd64",
            "nginx=1.18.0-6ubuntu14",
            "openssh-server=1:9.6p1-3ubuntu13",
            "ubuntu-advantage-tools/jammy-updates",
            "g++",
            "lib32z1",
        ] {
            assert!(PackageSpec::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "-oDPkg::Pre-Invoke::=touch /tmp/x",
            "--simulate",
            "a",
            "Nginx",
            "nginx=latest",
            "nginx=",
            "nginx/",
            "nginx /x",
            "nginx\n",
            "",
        ] {
            assert!(PackageSpec::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(PackageSpec::parse("libc6:amd64").unwrap().name(), "libc6");
        assert_eq!(PackageSpec::parse("a1=2:3-4").unwrap().name(), "a1");
        let err = PackageSpec::parse("-oDPkg::Pre-Invoke::=x")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("\"-oDPkg::Pre-Invoke::=x\" is not a Debian package: a name of"),
            "{err}"
        );
    }

    #[test]
    fn repositories() {
        for ok in [
            "ppa:ua-client/stable",
            "deb http://archive.ubuntu.com/ubuntu jammy main universe",
            "deb [arch=amd64 signed-by=/usr/share/keyrings/k.gpg] https://x.example/apt stable main",
            "deb-src http://deb.debian.org/debian bookworm main",
            "deb [signed-by=/etc/apt/keyrings/k.gpg] https://pkgs.k8s.io/core:/stable:/v1.31/deb/ /",
            "deb https://nvidia.github.io/libnvidia-container/stable/deb/$(ARCH) /",
            "deb http://download.opensuse.org/repositories/home:/x/xUbuntu_22.04/ ./",
            "cloud:jammy-antelope",
            "cloud:jammy-bobcat/proposed",
            "universe",
        ] {
            assert!(Repository::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "--remove",
            "ppa:",
            "ppa:a/-b",
            "deb http://x jammy main\ndeb http://evil jammy main",
            "deb -o http://x jammy main",
            "deb http://x -jammy main",
            "deb [trusted=yes http://x jammy main",
            "deb gopher://x jammy main",
            "deb http://x/# jammy main",
            "deb http://x/ -/",
            "deb http://x/ ./ main",
            "cloud:",
            "cloud:jammy antelope",
            "rm -rf /",
        ] {
            assert!(Repository::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn systemd_units() {
        for ok in [
            "ssh",
            "ssh.service",
            "getty@tty1.service",
            "apt-daily.timer",
            "systemd-journald",
        ] {
            assert!(SystemdUnit::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["--all", "-.mount", "a b", "a@b@c", "x/y", "", "ssh;reboot"] {
            assert!(SystemdUnit::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(SystemdUnit::parse("ssh.service").unwrap().bare(), "ssh");
        assert!(SystemdUnit::parse(&"a".repeat(256)).is_err());
    }

    #[test]
    fn snaps() {
        for ok in ["lxd", "juju-db", "go", "lxd_2", "0ad"] {
            assert!(SnapName::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "--devmode",
            "a",
            "-lxd",
            "lxd-",
            "a--b",
            "LXD",
            "123",
            "lxd_",
            "lxd_toolongkey1",
        ] {
            assert!(SnapName::parse(bad).is_err(), "{bad}");
        }
        for ok in ["stable", "5.21/stable", "latest/edge/fix-1"] {
            assert!(SnapChannel::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["--classic", "a/b/c/d", "", "x y"] {
            assert!(SnapChannel::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn juju_names() {
        assert!(UnitName::parse("postgresql/0").is_ok());
        assert!(UnitName::parse("pg-k8s/12").is_ok());
        for bad in [
            "--output=/etc/x",
            "pg/",
            "pg/01",
            "Pg/0",
            "pg/0/1",
            "1pg/0",
            "a--b/0",
        ] {
            assert!(UnitName::parse(bad).is_err(), "{bad}");
        }
        assert!(RelationMember::parse("postgresql").is_ok());
        assert!(RelationMember::parse("--format=yaml").is_err());
        assert!(BindingName::parse("db-admin_2").is_ok());
        assert!(BindingName::parse("-r").is_err());
        for ok in [
            "secret:cmapcv7jd6af7t8fgd6g",
            "cmapcv7jd6af7t8fgd6g",
            "secret://d7a2a4e4-4f69-4b8f-8a0e-2d0c3c0bd0a1/cmapcv7jd6af7t8fgd6g",
        ] {
            assert!(SecretUri::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["--output=/x", "secret:short", "secret:CMAPCV7JD6AF7T8FGD6G"] {
            assert!(SecretUri::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            SecretUri::parse("cmapcv7jd6af7t8fgd6g")
                .unwrap()
                .canonical(),
            "secret:cmapcv7jd6af7t8fgd6g"
        );
        assert!(SecretLabel::parse("db password").is_ok());
        for ok in ["abc", "admin-password", "a1b", "tls-ca-2"] {
            assert!(SecretKey::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ab", "-abc", "abc-", "a--b", "Abc", "1abc", "a_bc", "key#file", "a-b",
        ] {
            assert!(SecretKey::parse(bad).is_err(), "{bad}");
        }
        for ok in [
            "2027-01-01T00:00:00Z",
            "2027-01-01T00:00:00.5+02:00",
            "24h",
            "1h30m",
            "1.5h",
            "90s",
            "500ms",
        ] {
            assert!(SecretExpiry::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "--rotate=daily",
            "tomorrow",
            "24",
            "h",
            "-24h",
            "2027-13-01T00:00:00Z",
            "2027-01-01 00:00:00",
            "2027-01-01T00:00:00",
            "1..5h",
        ] {
            assert!(SecretExpiry::parse(bad).is_err(), "{bad}");
        }
        assert!(StorageId::parse("data/0").is_ok());
        for bad in ["data", "data/-1", "data/01", "Data/0", "-d/0", "data/0/1"] {
            assert!(StorageId::parse(bad).is_err(), "{bad}");
        }
        assert!(SecretLabel::parse("--output").is_err());
        assert!(SecretLabel::parse("a\nb").is_err());
        for ok in ["result", "backup.size", "a-b.c1"] {
            assert!(ActionKey::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["--format", "a=b", "A", "a.", "-a", "a-", "a..b", ""] {
            assert!(ActionKey::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn env_names() {
        assert!(EnvName::parse("UA_LOG_LEVEL").is_ok());
        assert!(EnvName::parse("_x1").is_ok());
        for bad in ["LD_PRELOAD=x", "1A", "A-B", "", "A B"] {
            assert!(EnvName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn long_input_is_cut_in_messages() {
        let err = PackageSpec::parse(&"-".repeat(10_000))
            .unwrap_err()
            .to_string();
        assert!(err.len() < 400, "{err}");
        assert!(err.contains("(10000 bytes)"), "{err}");
    }
}

//! `machine.commands`: the programs a charm may run and, for each, the environment
//! variables it may set. A command's environment is built from an allow-list: what the
//! host sets, a few variables any command may be given ([`ANY_COMMAND`]), and what the
//! charm declares for that program. Anything else is refused before the program starts.

use serde::Deserialize;

use super::names::{EnvName, Malformed};

/// Variables a charm may set for any command it is allowed to run: they choose a
/// language, a time zone or plain output, and no code, provided their values are names
/// and not paths ([`valid_any_command_value`]).
pub const ANY_COMMAND: [&str; 6] = [
    "LANG",
    "LANGUAGE",
    "LC_ALL",
    "LC_MESSAGES",
    "TZ",
    "NO_COLOR",
];

/// A locale name (`C.UTF-8`, `en_GB.UTF-8@euro`): never a path, which glibc would
/// follow to a catalog or locale of the charm's own.
fn locale_name(value: &str) -> bool {
    !value.is_empty()
        && !value.starts_with('.')
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'@' | b'-'))
}

/// What a value of one of [`ANY_COMMAND`] may be.
fn valid_any_command_value(name: &str, value: &str) -> bool {
    match name {
        "LANGUAGE" => value
            .split(':')
            .all(|part| part.is_empty() || locale_name(part)),
        // A zone name (`Europe/London`) or a POSIX rule (`EST5EDT,M3.2.0,M11.1.0`):
        // not a file of the charm's choosing (`:/path`, `/path`, `..`).
        "TZ" => {
            !value.starts_with([':', '/'])
                && !value.contains("..")
                && value.bytes().all(|b| {
                    b.is_ascii_alphanumeric()
                        || matches!(
                            b,
                            b'/' | b'_' | b'+' | b'-' | b',' | b'.' | b':' | b'<' | b'>'
                        )
                })
        }
        "NO_COLOR" => !value.contains('\0'),
        _ => locale_name(value),
    }
}

/// Variables no rule may grant: they decide which program a rule's name runs (`PATH`),
/// or which code the C library, a shell or an interpreter loads into it, so granting
/// one would undo the rule itself.
fn never_granted(name: &str) -> bool {
    const NAMES: [&str; 22] = [
        "PATH",
        "GCONV_PATH",
        "LOCPATH",
        "NLSPATH",
        "GLIBC_TUNABLES",
        "HOSTALIASES",
        "IFS",
        "ENV",
        "BASH_ENV",
        "SHELLOPTS",
        "BASHOPTS",
        "PS4",
        "PROMPT_COMMAND",
        "PYTHONSTARTUP",
        "PYTHONPATH",
        "PYTHONHOME",
        "PERL5OPT",
        "PERL5LIB",
        "RUBYOPT",
        "RUBYLIB",
        "NODE_OPTIONS",
        "OPENSSL_CONF",
    ];
    NAMES.contains(&name) || name.starts_with("LD_") || name.starts_with("BASH_FUNC_")
}

/// One entry of `machine.commands`: a program (or `"*"`), alone or with the
/// variables the charm may set for it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RuleFile")]
pub struct CommandRule {
    pub program: String,
    /// `None` when the entry names no variables: in an operator's narrowing, that keeps
    /// what the charm declares.
    pub env: Option<Vec<EnvName>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RuleFile {
    Program(String),
    WithEnv(RuleWithEnv),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleWithEnv {
    program: String,
    #[serde(default)]
    env: Option<Vec<String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("machine.commands: {0}")]
    Name(#[from] Malformed),
    #[error(
        "machine.commands: `{program}` may not be given `{name}`: it decides which program \
         or code runs, which the rule itself decides"
    )]
    Never { program: String, name: String },
    #[error("machine.commands: a rule needs a program name")]
    NoProgram,
}

impl TryFrom<RuleFile> for CommandRule {
    type Error = RuleError;

    fn try_from(file: RuleFile) -> Result<Self, RuleError> {
        let (program, env) = match file {
            RuleFile::Program(program) => (program, None),
            RuleFile::WithEnv(RuleWithEnv { program, env }) => (program, env),
        };
        if program.is_empty() {
            return Err(RuleError::NoProgram);
        }
        let env = match env {
            None => None,
            Some(names) => Some(
                names
                    .iter()
                    .map(|name| {
                        let parsed = EnvName::parse(name)?;
                        if never_granted(name) {
                            return Err(RuleError::Never {
                                program: program.clone(),
                                name: name.clone(),
                            });
                        }
                        Ok(parsed)
                    })
                    .collect::<Result<_, RuleError>>()?,
            ),
        };
        Ok(CommandRule { program, env })
    }
}

impl From<&str> for CommandRule {
    fn from(program: &str) -> Self {
        CommandRule {
            program: program.to_string(),
            env: None,
        }
    }
}

/// `machine.commands` as a whole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct CommandRules(Vec<CommandRule>);

impl<const N: usize> From<[&str; N]> for CommandRules {
    fn from(programs: [&str; N]) -> Self {
        CommandRules(programs.iter().map(|p| CommandRule::from(*p)).collect())
    }
}

impl From<Vec<CommandRule>> for CommandRules {
    fn from(rules: Vec<CommandRule>) -> Self {
        CommandRules(rules)
    }
}

/// What the rules let a charm do when it runs one program.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandGrant {
    env: Vec<EnvName>,
}

/// A variable the charm may not set for the program it runs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvRefusal {
    #[error(transparent)]
    Malformed(#[from] Malformed),
    #[error(
        "wasmcharm.yaml does not let the charm set `{name}` for `{program}`: declare it as \
         `{{program: {program}, env: [{name}]}}` in machine.commands (any command may be given \
         {})",
        ANY_COMMAND.join(", ")
    )]
    Undeclared { program: String, name: String },
    #[error(
        "`{name}` is {value}, which is not a value any command may be given: a locale or \
         time-zone name, never a path"
    )]
    Value { name: String, value: String },
}

impl CommandGrant {
    /// Checks one variable the charm sets for `program`.
    pub fn check_env(&self, program: &str, name: &str, value: &str) -> Result<(), EnvRefusal> {
        let parsed = EnvName::parse(name)?;
        if self.env.contains(&parsed) {
            Ok(())
        } else if ANY_COMMAND.contains(&name) {
            if valid_any_command_value(name, value) {
                Ok(())
            } else {
                Err(EnvRefusal::Value {
                    name: name.to_string(),
                    value: super::names::shown(value),
                })
            }
        } else {
            Err(EnvRefusal::Undeclared {
                program: program.to_string(),
                name: name.to_string(),
            })
        }
    }
}

impl CommandRules {
    pub fn rules(&self) -> &[CommandRule] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// What every rule naming `program` (or `"*"`) grants together; `None` when no
    /// rule names it.
    pub fn grant(&self, program: &str) -> Option<CommandGrant> {
        let mut matched = false;
        let mut env = Vec::new();
        for rule in &self.0 {
            if rule.program == "*" || rule.program == program {
                matched = true;
                for name in rule.env.iter().flatten() {
                    if !env.contains(name) {
                        env.push(name.clone());
                    }
                }
            }
        }
        matched.then_some(CommandGrant { env })
    }

    /// Only what both allow: a program both name (or one names and the other covers
    /// with `"*"`), with the variables both grant; an operator's rule that names no
    /// variables keeps the charm's.
    pub fn narrowed(&self, by: &CommandRules) -> CommandRules {
        let mut out = Vec::new();
        for mine in &self.0 {
            for theirs in &by.0 {
                let program = match (mine.program == "*", theirs.program == "*") {
                    (_, true) => &mine.program,
                    (true, false) => &theirs.program,
                    (false, false) if mine.program == theirs.program => &mine.program,
                    (false, false) => continue,
                };
                let env = match &theirs.env {
                    None => mine.env.clone(),
                    Some(allowed) => Some(
                        mine.env
                            .iter()
                            .flatten()
                            .filter(|n| allowed.contains(n))
                            .cloned()
                            .collect(),
                    ),
                };
                out.push(CommandRule {
                    program: program.clone(),
                    env,
                });
            }
        }
        CommandRules(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(yaml: &str) -> CommandRules {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn rules_are_names_or_programs_with_variables() {
        let r = rules("[rm, {program: ua, env: [UA_LOG_LEVEL]}]");
        let ua = r.grant("ua").unwrap();
        assert!(ua.check_env("ua", "UA_LOG_LEVEL", "debug").is_ok());
        assert!(
            ua.check_env("ua", "LANG", "C.UTF-8").is_ok(),
            "any command may take LANG"
        );
        let err = ua
            .check_env("ua", "OPENSSL_CONF", "/tmp/x")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("does not let the charm set `OPENSSL_CONF` for `ua`"),
            "{err}"
        );
        let rm = r.grant("rm").unwrap();
        assert!(rm.check_env("rm", "UA_LOG_LEVEL", "x").is_err());
        assert!(r.grant("sh").is_none());
    }

    #[test]
    fn malformed_names_are_refused_whatever_is_declared() {
        let r = rules("[{program: '*', env: [A]}]");
        let grant = r.grant("x").unwrap();
        let err = grant.check_env("x", "A=B", "x").unwrap_err().to_string();
        assert!(err.contains("is not an environment variable name"), "{err}");
        assert!(grant.check_env("x", "LD_PRELOAD", "x").is_err());
    }

    #[test]
    fn a_language_or_time_zone_is_a_name_never_a_path() {
        let grant = rules("[ls]").grant("ls").unwrap();
        for (name, value) in [
            ("LANG", "en_GB.UTF-8"),
            ("LC_ALL", "C"),
            ("LANGUAGE", "en_GB:en"),
            ("TZ", "Europe/London"),
            ("TZ", "EST5EDT,M3.2.0,M11.1.0"),
            ("NO_COLOR", "1"),
        ] {
            assert!(grant.check_env("ls", name, value).is_ok(), "{name}={value}");
        }
        for (name, value) in [
            ("LANGUAGE", "../../../../tmp/charm"),
            ("LANGUAGE", "en:/tmp/x"),
            ("LANG", "/tmp/locale"),
            ("LC_ALL", ".."),
            ("TZ", ":/tmp/zone"),
            ("TZ", "/etc/shadow"),
            ("TZ", "../../../tmp/zone"),
        ] {
            let err = grant.check_env("ls", name, value).unwrap_err().to_string();
            assert!(err.contains("never a path"), "{name}={value}: {err}");
        }
    }

    #[test]
    fn path_and_the_loader_cannot_be_granted() {
        for name in [
            "PATH",
            "LD_PRELOAD",
            "LD_LIBRARY_PATH",
            "GCONV_PATH",
            "BASH_ENV",
            "PYTHONPATH",
            "OPENSSL_CONF",
        ] {
            let err =
                serde_yaml::from_str::<CommandRules>(&format!("[{{program: ua, env: [{name}]}}]"))
                    .unwrap_err()
                    .to_string();
            assert!(err.contains(&format!("may not be given `{name}`")), "{err}");
        }
        let err = serde_yaml::from_str::<CommandRules>("[{program: ua, env: [A-B]}]")
            .unwrap_err()
            .to_string();
        assert!(err.contains("is not an environment variable name"), "{err}");
    }

    #[test]
    fn an_operator_narrows_programs_and_variables() {
        let charm = rules("[{program: ua, env: [A, B]}, {program: '*', env: [C]}]");
        let keep = charm.narrowed(&rules("[ua]"));
        let ua = keep.grant("ua").unwrap();
        for name in ["A", "B", "C"] {
            assert!(ua.check_env("ua", name, "x").is_ok(), "{name}");
        }
        assert!(keep.grant("rm").is_none());
        let only_a = charm.narrowed(&rules("[{program: ua, env: [A]}]"));
        let ua = only_a.grant("ua").unwrap();
        assert!(ua.check_env("ua", "A", "x").is_ok());
        assert!(ua.check_env("ua", "B", "x").is_err() && ua.check_env("ua", "C", "x").is_err());
        let none = charm.narrowed(&rules("[{program: '*', env: []}]"));
        assert!(none.grant("rm").unwrap().check_env("rm", "C", "x").is_err());
        assert!(charm.narrowed(&rules("[]")).grant("ua").is_none());
    }
}

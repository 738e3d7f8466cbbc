//! A container's filesystem as Pebble's files API sees it, in memory: every directory
//! explicit, modes and owners kept as given, and each refusal with the kind and message
//! the real daemon gives (checked against v1.32.1 in `host/tests/pebble_agreement.rs`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::backends::pebble::{ApiError, FileInfo, FileOptions, FileType};

/// Who owns an entry, and its mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Meta {
    /// Octal, as Pebble prints it (`"644"`).
    #[serde(with = "octal")]
    pub permissions: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

mod octal {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(mode: &u32, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{mode:03o}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        let text = String::deserialize(d)?;
        u32::from_str_radix(&text, 8)
            .ok()
            .filter(|m| *m <= 0o7777)
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "permissions {text:?}: expected an octal mode such as \"644\""
                ))
            })
    }
}

impl Meta {
    fn with_mode(mut self, permissions: u32) -> Self {
        self.permissions = permissions;
        self
    }

    /// root's, with `permissions`.
    pub fn root(permissions: u32) -> Self {
        Meta {
            permissions,
            user_id: Some(0),
            user: Some("root".into()),
            group_id: Some(0),
            group: Some("root".into()),
        }
    }

    /// Pebble's rules for an owner: a group needs a user, and a user id a group.
    fn check(options: &FileOptions) -> Result<(), ApiError> {
        let user = options.user_id.is_some() || options.user.is_some();
        let group = options.group_id.is_some() || options.group.is_some();
        if group && !user {
            return Err(file_error("must specify user, not just group".into()));
        }
        if options.user_id.is_some() && options.user.is_none() && !group {
            return Err(file_error("must specify group, not just UID".into()));
        }
        Ok(())
    }

    /// What a request's options make: the given mode or `default`, and the given owner
    /// (root when none is given). A name given alone is kept alone: the simulation knows
    /// no `/etc/passwd` to look it up in.
    fn from_options(options: &FileOptions, default: u32) -> Self {
        let owner_given = options.user_id.is_some() || options.user.is_some();
        let group_given = options.group_id.is_some() || options.group.is_some();
        let root = Meta::root(options.permissions.unwrap_or(default));
        Meta {
            permissions: root.permissions,
            user_id: if owner_given {
                options.user_id
            } else {
                root.user_id
            },
            user: if owner_given {
                options.user.clone()
            } else {
                root.user
            },
            group_id: if group_given {
                options.group_id
            } else {
                root.group_id
            },
            group: if group_given {
                options.group.clone()
            } else {
                root.group
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    File { content: Vec<u8>, meta: Meta },
    Dir { meta: Meta },
}

/// A file as a state describes it: its text, or its text with a mode and owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FileModel {
    Text(String),
    Full {
        content: String,
        #[serde(flatten)]
        meta: Meta,
    },
}

/// A directory as a state describes it: its path, or its path with a mode and owner.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DirModel {
    Path(String),
    Full {
        path: String,
        #[serde(with = "octal")]
        permissions: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<String>,
    },
}

#[derive(Debug, Clone, Default)]
pub struct Files {
    nodes: BTreeMap<String, Node>,
}

/// The most entries a simulated container holds, and the deepest path: what a charm
/// makes in one run is kept in memory and written to the state.
const MOST_ENTRIES: usize = 10_000;
const MOST_DEPTH: usize = 64;

fn too_many() -> ApiError {
    file_error(format!(
        "the simulated container holds at most {MOST_ENTRIES} files and directories, each at \
         most {MOST_DEPTH} deep"
    ))
}

/// A file's content as a state keeps it: its text, or `base64:` and its bytes when it
/// is not UTF-8 (or could be read as that form), as stored state is kept.
fn text(content: &[u8]) -> String {
    use base64::Engine;
    match std::str::from_utf8(content) {
        Ok(text) if !text.starts_with("base64:") => text.to_string(),
        _ => format!(
            "base64:{}",
            base64::engine::general_purpose::STANDARD.encode(content)
        ),
    }
}

fn bytes(text: &str) -> Result<Vec<u8>, String> {
    use base64::Engine;
    match text.strip_prefix("base64:") {
        Some(encoded) => base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|e| format!("a file's `base64:` content does not decode: {e}")),
        None => Ok(text.as_bytes().to_vec()),
    }
}

fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) => "/",
        Some(i) => &path[..i],
        None => "/",
    }
}

fn name(path: &str) -> String {
    match path.rsplit('/').next() {
        Some("") | None => "/".into(),
        Some(n) => n.to_string(),
    }
}

fn absolute(path: &str) -> Result<(), ApiError> {
    if path.starts_with('/') {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "paths must be absolute, got {path:?}"
        )))
    }
}

pub fn file_error(message: String) -> ApiError {
    ApiError {
        status: 500,
        kind: Some("generic-file-error".into()),
        message,
    }
}

/// `/a/b/c` without trailing slashes (Pebble cleans paths the same way).
fn clean(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        "/".into()
    } else {
        trimmed.to_string()
    }
}

/// The ancestors of `path`, nearest the root first, without `/` itself.
fn ancestors(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut p = parent(path);
    while p != "/" {
        out.push(p.to_string());
        p = parent(p);
    }
    out.reverse();
    out
}

impl Files {
    /// The files and directories a state gives, each one's parents made as `mkdir -p`
    /// would (root's, 0755).
    pub fn from_model(
        files: &BTreeMap<String, FileModel>,
        directories: &[DirModel],
    ) -> Result<Self, String> {
        let mut out = Files::default();
        let add_parents = |out: &mut Files, path: &str| {
            for dir in ancestors(path) {
                out.nodes.entry(dir).or_insert(Node::Dir {
                    meta: Meta::root(0o755),
                });
            }
        };
        for dir in directories {
            let (path, meta) = match dir {
                DirModel::Path(path) => (path.clone(), Meta::root(0o755)),
                DirModel::Full {
                    path,
                    permissions,
                    user,
                    group,
                } => {
                    let mut meta = Meta::root(*permissions);
                    if user.is_some() {
                        meta.user = user.clone();
                        meta.user_id = None;
                    }
                    if group.is_some() {
                        meta.group = group.clone();
                        meta.group_id = None;
                    }
                    (path.clone(), meta)
                }
            };
            absolute(&path).map_err(|e| e.message)?;
            add_parents(&mut out, &path);
            out.nodes.insert(clean(&path), Node::Dir { meta });
        }
        for (path, file) in files {
            absolute(path).map_err(|e| e.message)?;
            add_parents(&mut out, path);
            let (content, meta): (Vec<u8>, Meta) = match file {
                FileModel::Text(text) => (bytes(text)?, Meta::root(0o644)),
                FileModel::Full { content, meta } => (bytes(content)?, meta.clone()),
            };
            if matches!(out.nodes.get(path), Some(Node::Dir { .. })) {
                return Err(format!("{path} is both a file and a directory"));
            }
            out.nodes.insert(clean(path), Node::File { content, meta });
        }
        if out.nodes.len() > MOST_ENTRIES
            || out
                .nodes
                .keys()
                .any(|p| p.split('/').filter(|c| !c.is_empty()).count() > MOST_DEPTH)
        {
            return Err(too_many().message);
        }
        // A file cannot be a parent.
        for path in out.nodes.keys() {
            for dir in ancestors(path) {
                if matches!(out.nodes.get(&dir), Some(Node::File { .. })) {
                    return Err(format!("{path} is under {dir}, which is a file"));
                }
            }
        }
        Ok(out)
    }

    /// The files and directories as a state describes them: each directory that holds
    /// nothing, or whose mode or owner is not the default, is listed; the rest are
    /// implied by what they hold.
    pub fn to_model(&self) -> (BTreeMap<String, FileModel>, Vec<DirModel>) {
        let parents: std::collections::BTreeSet<&str> =
            self.nodes.keys().map(|p| parent(p)).collect();
        let mut files = BTreeMap::new();
        let mut dirs = Vec::new();
        for (path, node) in &self.nodes {
            match node {
                Node::File { content, meta } => {
                    let text = text(content);
                    let model = if *meta == Meta::root(0o644) {
                        FileModel::Text(text)
                    } else {
                        FileModel::Full {
                            content: text,
                            meta: meta.clone(),
                        }
                    };
                    files.insert(path.clone(), model);
                }
                Node::Dir { meta } => {
                    let empty = !parents.contains(path.as_str());
                    if *meta != Meta::root(0o755) {
                        dirs.push(DirModel::Full {
                            path: path.clone(),
                            permissions: meta.permissions,
                            user: meta.user.clone().filter(|u| u != "root"),
                            group: meta.group.clone().filter(|g| g != "root"),
                        });
                    } else if empty {
                        dirs.push(DirModel::Path(path.clone()));
                    }
                }
            }
        }
        (files, dirs)
    }

    fn node(&self, path: &str) -> Option<Node> {
        if path == "/" {
            return Some(Node::Dir {
                meta: Meta::root(0o755),
            });
        }
        self.nodes.get(path).cloned()
    }

    fn is_dir(&self, path: &str) -> bool {
        matches!(self.node(path), Some(Node::Dir { .. }))
    }

    /// The nearest ancestor of `path` that is a file, if any is.
    fn file_above(&self, path: &str) -> Option<String> {
        ancestors(path)
            .into_iter()
            .find(|dir| matches!(self.nodes.get(dir), Some(Node::File { .. })))
    }

    /// Whether `more` new entries, the deepest at `path`, fit; and its names are no
    /// longer than Linux takes.
    fn room(&self, path: &str, more: usize) -> Result<(), ApiError> {
        if let Some(long) = path.split('/').find(|n| n.len() > 255) {
            return Err(file_error(format!(
                "open {path}: file name too long ({} bytes)",
                long.len()
            )));
        }
        let depth = path.split('/').filter(|p| !p.is_empty()).count();
        if depth > MOST_DEPTH || self.nodes.len() + more > MOST_ENTRIES {
            return Err(too_many());
        }
        Ok(())
    }

    /// `mkdir -p` of `path`'s missing ancestors (and `path` itself, with `itself`).
    fn make_parents(&mut self, path: &str, meta: &Meta, itself: bool) -> Result<(), ApiError> {
        if let Some(file) = self.file_above(path) {
            return Err(file_error(format!("mkdir {file}: not a directory")));
        }
        self.room(path, ancestors(path).len() + 1)?;
        let mut dirs = ancestors(path);
        if itself {
            dirs.push(path.to_string());
        }
        for dir in dirs {
            self.nodes
                .entry(dir)
                .or_insert_with(|| Node::Dir { meta: meta.clone() });
        }
        Ok(())
    }

    pub fn push(
        &mut self,
        path: &str,
        content: &[u8],
        options: &FileOptions,
    ) -> Result<(), ApiError> {
        absolute(path)?;
        let path = clean(path);
        if self.is_dir(&path) {
            return Err(file_error(format!("open {path}: is a directory")));
        }
        let dir = parent(&path).to_string();
        match self.node(&dir) {
            Some(Node::Dir { .. }) => {}
            // The parents Pebble makes are 0755 and owned as the file will be.
            _ if options.make_parents => self
                .make_parents(
                    &path,
                    &Meta::from_options(options, 0o755).with_mode(0o755),
                    false,
                )
                .map_err(|e| e.prefixed("cannot create directory: "))?,
            Some(Node::File { .. }) => {
                return Err(file_error(format!("open {path}: not a directory")));
            }
            None if self.file_above(&dir).is_some() => {
                return Err(file_error(format!("open {path}: not a directory")));
            }
            None => {
                return Err(ApiError::not_found(format!(
                    "open {path}: no such file or directory"
                )));
            }
        }
        if !self.nodes.contains_key(&path) {
            self.room(&path, 1)?;
        }
        self.nodes.insert(
            path,
            Node::File {
                content: content.to_vec(),
                meta: Meta::from_options(options, 0o644),
            },
        );
        Ok(())
    }

    pub fn pull(&self, path: &str) -> Result<Vec<u8>, ApiError> {
        absolute(path)?;
        match self.node(&clean(path)) {
            Some(Node::File { content, .. }) => Ok(content),
            // In the real daemon's words (v1.32.1, tests/real_pebble.rs).
            Some(Node::Dir { .. }) => Err(file_error(format!(
                "can only read a regular file: {path:?}"
            ))),
            None => Err(ApiError::not_found(format!(
                "stat {path}: no such file or directory"
            ))),
        }
    }

    fn info(&self, path: &str, node: &Node) -> FileInfo {
        let (kind, size, meta) = match node {
            Node::File { content, meta } => (FileType::File, Some(content.len() as u64), meta),
            Node::Dir { meta } => (FileType::Directory, None, meta),
        };
        FileInfo {
            path: path.to_string(),
            name: name(path),
            kind,
            size,
            permissions: meta.permissions,
            last_modified: "2026-01-01T00:00:00Z".into(),
            user_id: meta.user_id,
            user: meta.user.clone(),
            group_id: meta.group_id,
            group: meta.group.clone(),
        }
    }

    pub fn list(
        &self,
        path: &str,
        pattern: Option<&str>,
        itself: bool,
    ) -> Result<Vec<FileInfo>, ApiError> {
        absolute(path)?;
        if let Some(pattern) = pattern {
            glob(pattern, "").map_err(|_| ApiError {
                status: 400,
                kind: Some("generic-file-error".into()),
                message: "syntax error in pattern".into(),
            })?;
        }
        let path = clean(path);
        let node = match self.node(&path) {
            Some(node) => node,
            None if self.file_above(&path).is_some() => {
                return Err(ApiError {
                    status: 400,
                    kind: Some("generic-file-error".into()),
                    message: format!("stat {path}: not a directory"),
                });
            }
            None => {
                return Err(ApiError::not_found(format!(
                    "stat {path}: no such file or directory"
                )));
            }
        };
        if matches!(node, Node::File { .. }) || itself {
            return Ok(vec![self.info(&path, &node)]);
        }
        Ok(self
            .nodes
            .iter()
            .filter(|(p, _)| parent(p) == path && p.as_str() != "/")
            .filter(|(p, _)| pattern.is_none_or(|pat| glob(pat, &name(p)).unwrap_or(false)))
            .map(|(p, node)| self.info(p, node))
            .collect())
    }

    pub fn make_dir(&mut self, path: &str, options: &FileOptions) -> Result<(), ApiError> {
        absolute(path)?;
        Meta::check(options)?;
        let path = clean(path);
        let meta = Meta::from_options(options, 0o755);
        match self.node(&path) {
            Some(Node::File { .. }) => {
                return Err(file_error(format!("mkdir {path}: not a directory")));
            }
            Some(Node::Dir { .. }) if options.make_parents => return Ok(()),
            Some(Node::Dir { .. }) => {
                return Err(file_error(format!("mkdir {path}: file exists")));
            }
            None => {}
        }
        if options.make_parents {
            return self.make_parents(&path, &meta, true);
        }
        match self.node(parent(&path)) {
            Some(Node::Dir { .. }) => {}
            Some(Node::File { .. }) => {
                return Err(file_error(format!(
                    "mkdir {path}.mkdir-new: not a directory"
                )));
            }
            None if self.file_above(&path).is_some() => {
                return Err(file_error(format!(
                    "mkdir {path}.mkdir-new: not a directory"
                )));
            }
            None => {
                return Err(ApiError::not_found(format!(
                    "mkdir {path}.mkdir-new: no such file or directory"
                )));
            }
        }
        self.room(&path, 1)?;
        self.nodes.insert(path, Node::Dir { meta });
        Ok(())
    }

    pub fn remove(&mut self, path: &str, recursive: bool) -> Result<(), ApiError> {
        absolute(path)?;
        let path = clean(path);
        let is_under = |p: &str| {
            p.len() > path.len() && p.starts_with(&path) && p.as_bytes()[path.len()] == b'/'
        };
        match self.node(&path) {
            // Pebble removes a missing path recursively without complaint.
            None if recursive => Ok(()),
            None => Err(ApiError::not_found(format!(
                "remove {path}: no such file or directory"
            ))),
            Some(Node::File { .. }) => {
                self.nodes.remove(&path);
                Ok(())
            }
            Some(Node::Dir { .. }) => {
                let has_children = self.nodes.keys().any(|p| is_under(p));
                if has_children && !recursive {
                    return Err(file_error(format!("remove {path}: directory not empty")));
                }
                self.nodes.retain(|p, _| !is_under(p) && *p != path);
                Ok(())
            }
        }
    }
}

/// Go's `filepath.Match` on one name: `*`, `?`, `[...]` classes with ranges and `^`,
/// and `\` escapes. A malformed pattern is an error, as in Go.
fn glob(pattern: &str, name: &str) -> Result<bool, ()> {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Syntax first, so that a bad pattern is refused whatever it is matched against.
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '[' => i = class_end(&p, i)?,
            '\\' if i + 1 >= p.len() => return Err(()),
            '\\' => i += 2,
            _ => i += 1,
        }
    }
    Ok(matches(&p, &n))
}

/// The index just past the class opening at `start`.
fn class_end(p: &[char], start: usize) -> Result<usize, ()> {
    let mut i = start + 1;
    if p.get(i) == Some(&'^') {
        i += 1;
    }
    let mut first = true;
    loop {
        match p.get(i) {
            None => return Err(()),
            Some(']') if !first => return Ok(i + 1),
            // Go reads `-` and `]` only escaped, or `]` as the class's end.
            Some('-' | ']') => return Err(()),
            Some(c) => {
                // The low end of a range, or the one character.
                if *c == '\\' {
                    if i + 1 >= p.len() {
                        return Err(());
                    }
                    i += 2;
                } else {
                    i += 1;
                }
                if p.get(i) == Some(&'-') {
                    match p.get(i + 1) {
                        None | Some(']' | '-') => return Err(()),
                        Some('\\') if i + 2 >= p.len() => return Err(()),
                        Some('\\') => i += 3,
                        Some(_) => i += 2,
                    }
                }
            }
        }
        first = false;
    }
}

fn class_matches(class: &[char], c: char) -> bool {
    let (negated, class) = match class.first() {
        Some('^') => (true, &class[1..]),
        _ => (false, class),
    };
    let mut i = 0;
    let mut found = false;
    while i < class.len() {
        let lo = if class[i] == '\\' {
            i += 1;
            class.get(i).copied().unwrap_or('\\')
        } else {
            class[i]
        };
        i += 1;
        let hi = if class.get(i) == Some(&'-') {
            i += 1;
            if class.get(i) == Some(&'\\') {
                i += 1;
            }
            let hi = class.get(i).copied().unwrap_or(lo);
            i += 1;
            hi
        } else {
            lo
        };
        if lo <= c && c <= hi {
            found = true;
            break;
        }
    }
    found != negated
}

/// One piece of a (well-formed) pattern.
enum Piece<'a> {
    Star,
    Any,
    Class(&'a [char]),
    Char(char),
}

fn pieces(p: &[char]) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '*' => {
                out.push(Piece::Star);
                i += 1;
            }
            '?' => {
                out.push(Piece::Any);
                i += 1;
            }
            '[' => {
                let end = class_end(p, i).unwrap_or(p.len());
                out.push(Piece::Class(&p[i + 1..end.saturating_sub(1).max(i + 1)]));
                i = end;
            }
            '\\' => {
                out.push(Piece::Char(p.get(i + 1).copied().unwrap_or('\\')));
                i += 2;
            }
            c => {
                out.push(Piece::Char(c));
                i += 1;
            }
        }
    }
    out
}

/// Matching with one remembered star, as shell wildcards are matched: each position of
/// the name is tried once per star, so the time is at most the pattern's length times
/// the name's, whatever the pattern.
fn matches(p: &[char], n: &[char]) -> bool {
    let pieces = pieces(p);
    let one = |piece: &Piece, c: char| match piece {
        Piece::Any => true,
        Piece::Class(class) => class_matches(class, c),
        Piece::Char(want) => *want == c,
        Piece::Star => false,
    };
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match pieces.get(pi) {
            Some(Piece::Star) => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some(piece) if one(piece, n[ni]) => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                // The last star takes one more character, and matching goes on from there.
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    pieces[pi..]
        .iter()
        .all(|piece| matches!(piece, Piece::Star))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_is_gos_filepath_match() {
        let yes = |p: &str, n: &str| assert!(glob(p, n).unwrap(), "{p} {n}");
        let no = |p: &str, n: &str| assert!(!glob(p, n).unwrap(), "{p} {n}");
        yes("*.yaml", "a.yaml");
        no("*.yaml", "a.yml");
        yes("a?c", "abc");
        yes("[a-c]x", "bx");
        no("[^a-c]x", "bx");
        yes("[^a-c]x", "dx");
        yes("\\*", "*");
        no("\\*", "a");
        for bad in [
            "[", "[a", "[]", "[]a]", "a\\", "[a-]", "[-a]", "[a-b-c]", "[a--]", "[ab--c]",
        ] {
            assert!(glob(bad, "a").is_err(), "{bad}");
        }
        yes("*a*b*", "xaybz");
        yes("[\\a-c]", "b");
        no("*a*b*", "xbya");
        yes("a*", "a");
        yes("*", "");
    }

    #[test]
    fn binary_content_survives_the_state() {
        let mut files = Files::default();
        let opts = FileOptions {
            make_parents: true,
            ..FileOptions::default()
        };
        files.push("/d/bin", &[0xff, 0, 1], &opts).unwrap();
        files.push("/d/odd", b"base64:x", &opts).unwrap();
        let (model, dirs) = files.to_model();
        let back = Files::from_model(&model, &dirs).unwrap();
        assert_eq!(back.pull("/d/bin").unwrap(), [0xff, 0, 1]);
        assert_eq!(back.pull("/d/odd").unwrap(), b"base64:x");
    }

    #[test]
    fn glob_takes_time_in_proportion_to_its_input() {
        let pattern = format!("{}b", "*".repeat(2000));
        let name = "a".repeat(4000);
        let started = std::time::Instant::now();
        assert!(!glob(&pattern, &name).unwrap());
        // Exponential backtracking would take longer than the universe has left.
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn a_container_holds_a_bounded_number_of_entries() {
        let mut files = Files::default();
        let deep = format!("/d{}", "/a".repeat(2040));
        let err = files
            .make_dir(
                &deep,
                &FileOptions {
                    make_parents: true,
                    ..FileOptions::default()
                },
            )
            .unwrap_err();
        assert!(err.message.contains("at most"), "{}", err.message);
        assert!(files.nodes.is_empty());
    }
}

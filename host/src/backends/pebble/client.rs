//! The real backend: each container's Pebble over its UNIX socket, with hyper and
//! hyperlocal. The charm's calls are synchronous; a current-thread tokio runtime is made
//! on the first Pebble call (machine charms never pay for it) and each call runs to
//! completion inside it, with a deadline.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use hyperlocal::UnixConnector;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use std::collections::BTreeMap;

use super::daemon::{Current, ServiceInfo};
use super::layer::{CheckLevel, Layer};
use super::{
    ApiError, CheckInfo, CheckRun, ChecksAction, CustomKey, ExecRequest, FileInfo, FileOptions,
    FileType, Identity, IdentityName, Notice, NoticeFilter, Pebble, ServiceAction, Signal,
};
use crate::backends::error::BackendError;
use crate::backends::process::Output;
use crate::sandbox::caps;

/// Where Juju mounts each workload container's Pebble socket in the charm container.
pub const DEFAULT_SOCKET_DIR: &str = "/charm/containers";
/// Points the host at other sockets: `<dir>/<container>/pebble.socket`.
pub const SOCKET_DIR_ENV: &str = "WASMCHARM_PEBBLE_SOCKET_DIR";

/// One request and its answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a start, stop or replan may take before the charm is told it timed out.
const CHANGE_TIMEOUT: Duration = Duration::from_secs(300);
/// Each long poll on a change; Pebble answers 504 when it runs out, and we ask again.
const WAIT_POLL: Duration = Duration::from_secs(4);
/// The most of one answer the client reads: what the host carries for a call, and room
/// for the envelope around it.
const BODY_CAP: usize = caps::TRANSFER + (64 << 10);
/// The longest path and query of a request (http refuses URIs of 64 KiB).
const MAX_REQUEST_PATH: usize = 32 << 10;
/// One websocket message or frame of exec output: no larger than all of it may be.
const WS_MESSAGE_CAP: usize = caps::TRANSFER;

type HttpClient = Client<UnixConnector, Full<Bytes>>;

pub struct PebbleClient {
    socket_dir: PathBuf,
    change_timeout: Duration,
    deadline: Option<tokio::time::Instant>,
    runtime: Option<(tokio::runtime::Runtime, HttpClient)>,
}

impl PebbleClient {
    pub fn new(socket_dir: impl Into<PathBuf>) -> Self {
        PebbleClient {
            socket_dir: socket_dir.into(),
            change_timeout: CHANGE_TIMEOUT,
            deadline: None,
            runtime: None,
        }
    }

    /// Gives up on a change after `timeout` instead of five minutes.
    pub fn with_change_timeout(mut self, timeout: Duration) -> Self {
        self.change_timeout = timeout;
        self
    }

    pub fn from_env() -> Self {
        Self::new(
            std::env::var_os(SOCKET_DIR_ENV)
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(DEFAULT_SOCKET_DIR)),
        )
    }

    fn socket(&self, container: &str) -> PathBuf {
        self.socket_dir.join(container).join("pebble.socket")
    }

    /// Runs `f` against the container's socket on the (lazily made) runtime.
    fn run<T, F, Fut>(&mut self, container: &str, f: F) -> Result<T, BackendError>
    where
        F: FnOnce(Http) -> Fut,
        Fut: Future<Output = Result<T, BackendError>>,
    {
        let socket = self.socket(container);
        let (runtime, client) = match &mut self.runtime {
            Some(made) => &*made,
            none => {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_io()
                    .enable_time()
                    .build()
                    .map_err(|e| {
                        BackendError::Connection(format!("cannot start the Pebble client: {e}"))
                    })?;
                let client = Client::builder(TokioExecutor::new()).build(UnixConnector);
                &*none.insert((runtime, client))
            }
        };
        // Every wait is cut to what is left of the dispatch.
        let left = self.deadline.map_or(Duration::MAX, |d| {
            d.saturating_duration_since(tokio::time::Instant::now())
        });
        let http = Http {
            client: client.clone(),
            socket,
            container: container.to_string(),
            change_timeout: self.change_timeout.min(left),
            request_timeout: REQUEST_TIMEOUT.min(left),
        };
        // Each step has its own bound; the call as a whole (connects and websocket
        // handshakes included) also ends by the dispatch's deadline.
        let shown = format!("Pebble in container {container:?}");
        runtime.block_on(async move {
            match tokio::time::timeout(left, f(http)).await {
                Ok(result) => result,
                Err(_) => Err(BackendError::Timeout {
                    command: shown,
                    timeout: left,
                }),
            }
        })
    }
}

/// A JSON response as Pebble wraps every one.
#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    #[serde(rename = "status-code", default)]
    status_code: u16,
    /// Kept as text until the call says what it holds: parsed into a `serde_json::Value`,
    /// an answer of 16 MiB (`[0,0,...]`, from a workload that serves its own socket)
    /// would take the host some 256 MiB.
    #[serde(default)]
    result: Option<Box<RawValue>>,
    #[serde(default)]
    change: Option<String>,
}

impl Envelope {
    /// The result as `T`; a missing or null result is `T`'s default.
    fn result<T: DeserializeOwned + Default>(&self, what: &str) -> Result<T, BackendError> {
        let Some(raw) = &self.result else {
            return Ok(T::default());
        };
        serde_json::from_str::<Option<T>>(raw.get())
            .map(Option::unwrap_or_default)
            .map_err(|e| BackendError::BadOutput {
                command: format!("Pebble {what}"),
                detail: e.to_string(),
            })
    }
}

/// A list in an answer, refused past `MOST` entries as it is read: each entry is a
/// struct of the host's, larger than the few bytes (`{}`) that can stand for it.
struct Few<T, const MOST: usize>(Vec<T>);

impl<T, const MOST: usize> Default for Few<T, MOST> {
    fn default() -> Self {
        Few(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>, const MOST: usize> Deserialize<'de> for Few<T, MOST> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries<T, const MOST: usize>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>, const MOST: usize> serde::de::Visitor<'de> for Entries<T, MOST> {
            type Value = Few<T, MOST>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                write!(f, "a list of at most {MOST} entries")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = seq.next_element()? {
                    if out.len() == MOST {
                        return Err(serde::de::Error::custom(format!(
                            "more than {MOST} entries; the host reads at most {MOST}"
                        )));
                    }
                    out.push(entry);
                }
                Ok(Few(out))
            }
        }
        deserializer.deserialize_seq(Entries(std::marker::PhantomData))
    }
}

// What each answer's result holds, as far as the host reads it. Every field may be
// missing, as in the older Pebbles that did not send it.

#[derive(Deserialize, Default)]
#[serde(default)]
struct ErrorResult {
    message: Option<String>,
    kind: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ChangeResult {
    err: Option<String>,
    tasks: Few<TaskResult, 100>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TaskResult {
    data: TaskData,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "kebab-case")]
struct TaskData {
    exit_code: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ServiceResult {
    name: String,
    startup: Option<String>,
    current: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "kebab-case")]
struct FileResult {
    path: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    size: Option<u64>,
    permissions: Option<String>,
    last_modified: String,
    user_id: Option<u32>,
    user: Option<String>,
    group_id: Option<u32>,
    group: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FileOperationResult {
    error: Option<ErrorResult>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "kebab-case")]
struct ExecResult {
    task_id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ChecksChanged {
    changed: Few<String, 10_000>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Healthy {
    healthy: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NoticeAdded {
    id: String,
}

/// A JSON object of at most `MOST` entries, read as it is parsed (as [`Few`] reads
/// lists).
struct FewByName<T, const MOST: usize>(BTreeMap<String, T>);

impl<T, const MOST: usize> Default for FewByName<T, MOST> {
    fn default() -> Self {
        FewByName(BTreeMap::new())
    }
}

impl<'de, T: Deserialize<'de>, const MOST: usize> Deserialize<'de> for FewByName<T, MOST> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries<T, const MOST: usize>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>, const MOST: usize> serde::de::Visitor<'de> for Entries<T, MOST> {
            type Value = FewByName<T, MOST>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                write!(f, "an object of at most {MOST} entries")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((key, value)) = map.next_entry()? {
                    if out.len() == MOST {
                        return Err(serde::de::Error::custom(format!(
                            "more than {MOST} entries; the host reads at most {MOST}"
                        )));
                    }
                    out.insert(key, value);
                }
                Ok(FewByName(out))
            }
        }
        deserializer.deserialize_map(Entries(std::marker::PhantomData))
    }
}

fn api_error(status: u16, result: ErrorResult) -> BackendError {
    BackendError::Pebble(ApiError {
        status,
        kind: result.kind,
        message: result
            .message
            .unwrap_or_else(|| "Pebble gave an error without a message".to_string()),
    })
}

/// One container's socket, for the length of a call.
struct Http {
    client: HttpClient,
    socket: PathBuf,
    container: String,
    change_timeout: Duration,
    request_timeout: Duration,
}

impl Http {
    fn unreachable(&self, e: impl std::fmt::Display) -> BackendError {
        BackendError::Connection(format!(
            "cannot connect to the Pebble of container {:?} at {}: {e}",
            self.container,
            self.socket.display()
        ))
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        accept: Option<&str>,
        body: Bytes,
    ) -> Result<(StatusCode, Option<HeaderValue>, Bytes), BackendError> {
        // hyperlocal panics on a URI that does not parse, and http takes none longer
        // than this; the host's checks keep paths far shorter, this keeps the promise.
        if path.len() > MAX_REQUEST_PATH {
            return Err(BackendError::InvalidInput(format!(
                "a request to Pebble of {} bytes; at most {MAX_REQUEST_PATH} are sent",
                path.len()
            )));
        }
        let uri = unix_uri(&self.socket, path)?;
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(ct) = content_type {
            request = request.header(CONTENT_TYPE, ct);
        }
        if let Some(accept) = accept {
            request = request.header(ACCEPT, accept);
        }
        let request = request.body(Full::new(body)).map_err(|e| {
            BackendError::InvalidInput(format!("cannot build a request for {path}: {e}"))
        })?;
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| self.unreachable(e))?;
            let status = response.status();
            let content_type = response.headers().get(CONTENT_TYPE).cloned();
            // The workload controls what a pull returns: read no more than the host
            // carries, and a little for the multipart and JSON around it.
            let body = http_body_util::Limited::new(response.into_body(), BODY_CAP)
                .collect()
                .await
                .map_err(|e| {
                    if e.is::<http_body_util::LengthLimitError>() {
                        BackendError::TooLarge {
                            what: format!("Pebble's answer to {path}"),
                            limit: caps::TRANSFER,
                        }
                    } else {
                        self.unreachable(e)
                    }
                })?
                .to_bytes();
            Ok((status, content_type, body))
        };
        tokio::time::timeout(self.request_timeout, exchange)
            .await
            .map_err(|_| BackendError::Timeout {
                command: format!("Pebble {path} in container {:?}", self.container),
                timeout: self.request_timeout,
            })?
    }

    /// A JSON request whose answer is an envelope; error envelopes become errors.
    async fn json(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Envelope, BackendError> {
        let (content_type, body) = match body {
            Some(v) => (Some("application/json"), Bytes::from(v.to_string())),
            None => (None, Bytes::new()),
        };
        let started = std::time::Instant::now();
        let shown = format!("{method} {path}");
        let (status, _, body) = self.send(method, path, content_type, None, body).await?;
        log::debug!(
            "pebble {:?}: {shown}: {status} in {:.2} ms",
            self.container,
            started.elapsed().as_secs_f64() * 1000.0
        );
        envelope(status, &body)
    }

    /// Waits for a change; its error, if it failed, as [`BackendError::ChangeFailed`].
    async fn wait(&self, change: &str) -> Result<ChangeResult, BackendError> {
        let deadline = tokio::time::Instant::now() + self.change_timeout;
        loop {
            let poll =
                WAIT_POLL.min(deadline.saturating_duration_since(tokio::time::Instant::now()));
            let path = format!(
                "/v1/changes/{change}/wait?timeout={}ms",
                poll.as_millis().max(1)
            );
            match self.json(Method::GET, &path, None).await {
                Ok(env) => {
                    let result: ChangeResult = env.result("change")?;
                    if let Some(err) = result.err {
                        return Err(BackendError::ChangeFailed(err));
                    }
                    return Ok(result);
                }
                Err(BackendError::Pebble(e)) if e.status == 504 => {}
                Err(e) => return Err(e),
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(BackendError::Timeout {
                    command: format!("Pebble change {change} in container {:?}", self.container),
                    timeout: self.change_timeout,
                });
            }
        }
    }

    async fn websocket(
        &self,
        task: &str,
        name: &str,
    ) -> Result<tokio_tungstenite::WebSocketStream<tokio::net::UnixStream>, BackendError> {
        let stream = tokio::net::UnixStream::connect(&self.socket)
            .await
            .map_err(|e| self.unreachable(e))?;
        let url = format!("ws://localhost/v1/tasks/{task}/websocket/{name}");
        let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
            .max_message_size(Some(WS_MESSAGE_CAP))
            .max_frame_size(Some(WS_MESSAGE_CAP))
            // What waits to be sent, stdin and the pongs a peer asks for, is bounded
            // too: a peer that pings and never reads cannot grow it.
            .max_write_buffer_size(WS_MESSAGE_CAP + (64 << 10));
        let (ws, _) = tokio_tungstenite::client_async_with_config(url, stream, Some(config))
            .await
            .map_err(|e| self.unreachable(format!("exec {name} websocket: {e}")))?;
        Ok(ws)
    }
}

/// An id the workload's Pebble gave (a change's, a task's), which the client puts into
/// a path: Pebble's are decimal numbers (the simulation's tasks `1-0`), and anything
/// but letters, digits and `-` is refused before it is used.
fn id<'a>(what: &str, id: &'a str) -> Result<&'a str, BackendError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(id)
    } else {
        Err(BackendError::BadOutput {
            command: "Pebble".into(),
            detail: format!(
                "{what} {} is not one Pebble gives: letters, digits and `-`",
                crate::sandbox::names::shown(id)
            ),
        })
    }
}

/// The URI hyperlocal's connector reads (the socket's path, hex-encoded, as the host),
/// made as `hyperlocal::Uri::new` makes it but without its `unwrap`: a path that does
/// not parse is an error, never a panic.
fn unix_uri(socket: &std::path::Path, path: &str) -> Result<hyper::Uri, BackendError> {
    use std::fmt::Write;
    let mut host = String::new();
    for b in socket.to_string_lossy().as_bytes() {
        let _ = write!(host, "{b:02x}");
    }
    format!("unix://{host}:0{path}")
        .parse()
        .map_err(|e| BackendError::InvalidInput(format!("cannot make a request for {path}: {e}")))
}

fn envelope(status: StatusCode, body: &[u8]) -> Result<Envelope, BackendError> {
    let env: Envelope = serde_json::from_slice(body).map_err(|e| BackendError::BadOutput {
        command: "Pebble".into(),
        detail: format!(
            "HTTP {status}: {e} in {}",
            crate::sandbox::names::shown(&String::from_utf8_lossy(&body[..body.len().min(512)]))
        ),
    })?;
    if env.kind == "error" {
        let code = if env.status_code == 0 {
            status.as_u16()
        } else {
            env.status_code
        };
        return Err(api_error(code, env.result("error")?));
    }
    Ok(env)
}

fn query(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn mode(m: Option<u32>) -> Option<String> {
    m.map(|m| format!("{m:03o}"))
}

fn owner_fields(o: &FileOptions, into: &mut serde_json::Map<String, Value>) {
    if let Some(p) = mode(o.permissions) {
        into.insert("permissions".into(), json!(p));
    }
    if let Some(u) = o.user_id {
        into.insert("user-id".into(), json!(u));
    }
    if let Some(u) = &o.user {
        into.insert("user".into(), json!(u));
    }
    if let Some(g) = o.group_id {
        into.insert("group-id".into(), json!(g));
    }
    if let Some(g) = &o.group {
        into.insert("group".into(), json!(g));
    }
}

/// The per-path results of a files request: the first error, if any.
fn file_results(env: &Envelope) -> Result<(), BackendError> {
    let results: Few<FileOperationResult, 1000> = env.result("files")?;
    match results.0.into_iter().find_map(|r| r.error) {
        Some(error) => {
            let status = match error.kind.as_deref() {
                Some("not-found") => 404,
                Some("permission-denied") => 403,
                _ => 500,
            };
            Err(api_error(status, error))
        }
        None => Ok(()),
    }
}

/// Parses a multipart body fully held in memory.
async fn multipart(
    content_type: Option<&HeaderValue>,
    body: Bytes,
) -> Result<Vec<(String, Option<String>, Bytes)>, BackendError> {
    let bad = |detail: String| BackendError::BadOutput {
        command: "Pebble files".into(),
        detail,
    };
    let content_type = content_type
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| bad("a multipart answer without a content type".into()))?;
    let boundary = multer::parse_boundary(content_type).map_err(|e| bad(e.to_string()))?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut parts = multer::Multipart::new(stream, boundary);
    let mut out = Vec::new();
    while let Some(field) = parts.next_field().await.map_err(|e| bad(e.to_string()))? {
        let name = field.name().unwrap_or_default().to_string();
        let filename = field.file_name().map(str::to_string);
        let data = field.bytes().await.map_err(|e| bad(e.to_string()))?;
        out.push((name, filename, data));
    }
    Ok(out)
}

fn file_type(s: &str) -> FileType {
    match s {
        "file" => FileType::File,
        "directory" => FileType::Directory,
        "symlink" => FileType::Symlink,
        "socket" => FileType::Socket,
        "named-pipe" => FileType::NamedPipe,
        "device" => FileType::Device,
        _ => FileType::Unknown,
    }
}

fn go_duration_ms(ms: u64) -> String {
    format!("{ms}ms")
}

/// A boundary long enough for Pebble (which wants 32 characters or more) and unlikely
/// to occur in a file.
fn boundary() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("wasmcharm-boundary-{nanos:032x}")
}

impl Pebble for PebbleClient {
    fn set_deadline(&mut self, deadline: std::time::Instant) {
        self.deadline = Some(tokio::time::Instant::from_std(deadline));
    }

    fn can_connect(&mut self, container: &str) -> bool {
        self.run(container, |http| async move {
            http.json(Method::GET, "/v1/system-info", None)
                .await
                .map(drop)
        })
        .is_ok()
    }

    fn add_layer(
        &mut self,
        container: &str,
        label: &str,
        layer: &Layer,
        combine: bool,
    ) -> Result<(), BackendError> {
        let yaml = BackendError::serialised("the layer, as YAML", |buffer| {
            serde_yaml::to_writer(buffer, layer)
        })?;
        let yaml = String::from_utf8(yaml)
            .map_err(|e| BackendError::InvalidInput(format!("the layer's YAML: {e}")))?;
        let body = json!({"action": "add", "label": label, "format": "yaml", "layer": yaml, "combine": combine});
        self.run(container, |http| async move {
            http.json(Method::POST, "/v1/layers", Some(body))
                .await
                .map(drop)
        })
    }

    fn plan(&mut self, container: &str) -> Result<Layer, BackendError> {
        let env = self.run(container, |http| async move {
            http.json(Method::GET, "/v1/plan?format=yaml", None).await
        })?;
        let yaml: String = env.result("plan")?;
        crate::sandbox::yaml::check(&yaml).map_err(|detail| BackendError::BadOutput {
            command: "Pebble plan".into(),
            detail: format!("the plan: {detail}"),
        })?;
        serde_yaml::from_str::<Option<Layer>>(&yaml)
            .map(Option::unwrap_or_default)
            .map_err(|e| BackendError::BadOutput {
                command: "Pebble plan".into(),
                detail: e.to_string(),
            })
    }

    fn services(
        &mut self,
        container: &str,
        names: &[String],
    ) -> Result<Vec<ServiceInfo>, BackendError> {
        let path = format!("/v1/services?names={}", query(&names.join(",")));
        let env = self.run(container, |http| async move {
            http.json(Method::GET, &path, None).await
        })?;
        let services: Few<ServiceResult, 10_000> = env.result("services")?;
        Ok(services
            .0
            .into_iter()
            .map(|s| ServiceInfo {
                current: match s.current.as_deref() {
                    Some("active") => Current::Active,
                    Some("backoff") => Current::Backoff,
                    Some("error") => Current::Error,
                    _ => Current::Inactive,
                },
                name: s.name,
                startup: s.startup.as_deref().unwrap_or("disabled").into(),
            })
            .collect())
    }

    fn services_action(
        &mut self,
        container: &str,
        action: ServiceAction,
        names: &[String],
    ) -> Result<(), BackendError> {
        let body = json!({"action": action.as_str(), "services": names});
        self.run(container, |http| async move {
            let env = http.json(Method::POST, "/v1/services", Some(body)).await?;
            let change = env.change.ok_or_else(|| BackendError::BadOutput {
                command: "Pebble services".into(),
                detail: "an async answer without a change id".into(),
            })?;
            http.wait(id("a change id", &change)?).await.map(drop)
        })
    }

    fn push(
        &mut self,
        container: &str,
        path: &str,
        content: Vec<u8>,
        options: &FileOptions,
    ) -> Result<(), BackendError> {
        // The path is also the part's quoted filename: nothing in it may end the quotes
        // or the header line.
        if path.contains(['"', '\\', '\r', '\n']) || path.chars().any(char::is_control) {
            return Err(BackendError::InvalidInput(format!(
                "{} is not a path a file can be pushed to: no quotes, backslashes or \
                 control characters",
                crate::sandbox::names::shown(path)
            )));
        }
        let mut file = serde_json::Map::new();
        file.insert("path".into(), json!(path));
        file.insert("make-dirs".into(), json!(options.make_parents));
        owner_fields(options, &mut file);
        let request = json!({"action": "write", "files": [Value::Object(file)]});
        let boundary = boundary();
        let head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"request\"\r\n\
             Content-Type: application/json\r\n\r\n{request}\r\n--{boundary}\r\n\
             Content-Disposition: form-data; name=\"files\"; filename=\"{path}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        );
        let tail = format!("\r\n--{boundary}--\r\n");
        // The body is built around the content where it lies (a large allocation grows
        // in place), not copied beside it: the host holds the guest's bytes once.
        let mut body = content;
        body.reserve_exact(head.len() + tail.len());
        body.splice(0..0, head.into_bytes());
        body.extend_from_slice(tail.as_bytes());
        let content_type = format!("multipart/form-data; boundary={boundary}");
        self.run(container, |http| async move {
            let (status, _, answer) = http
                .send(
                    Method::POST,
                    "/v1/files",
                    Some(&content_type),
                    None,
                    Bytes::from(body),
                )
                .await?;
            file_results(&envelope(status, &answer)?)
        })
    }

    fn pull(&mut self, container: &str, path: &str) -> Result<Vec<u8>, BackendError> {
        let uri = format!("/v1/files?action=read&path={}", query(path));
        let what = format!("{path} in container {container:?}");
        self.run(container, |http| async move {
            let (status, content_type, body) = http
                .send(
                    Method::GET,
                    &uri,
                    None,
                    Some("multipart/form-data"),
                    Bytes::new(),
                )
                .await?;
            if !status.is_success() {
                envelope(status, &body)?;
            }
            let mut content = None;
            for (name, _, data) in multipart(content_type.as_ref(), body).await? {
                match name.as_str() {
                    "files" if data.len() > caps::TRANSFER => {
                        return Err(BackendError::TooLarge {
                            what,
                            limit: caps::TRANSFER,
                        });
                    }
                    "files" => content = Some(data.to_vec()),
                    "response" => file_results(&envelope(status, &data)?)?,
                    _ => {}
                }
            }
            content.ok_or_else(|| BackendError::BadOutput {
                command: "Pebble files".into(),
                detail: "no file in the answer".into(),
            })
        })
    }

    fn list_files(
        &mut self,
        container: &str,
        path: &str,
        pattern: Option<&str>,
        itself: bool,
    ) -> Result<Vec<FileInfo>, BackendError> {
        let mut uri = format!("/v1/files?action=list&path={}", query(path));
        if let Some(p) = pattern {
            uri.push_str(&format!("&pattern={}", query(p)));
        }
        if itself {
            uri.push_str("&itself=true");
        }
        let env = self.run(container, |http| async move {
            http.json(Method::GET, &uri, None).await
        })?;
        // A directory of 100,000 entries is 20 MiB of the host's structs at most.
        let files: Few<FileResult, 100_000> = env.result("files")?;
        Ok(files
            .0
            .into_iter()
            .map(|f| FileInfo {
                kind: file_type(&f.kind),
                path: f.path,
                name: f.name,
                size: f.size,
                permissions: f
                    .permissions
                    .and_then(|p| u32::from_str_radix(&p, 8).ok())
                    .unwrap_or(0),
                last_modified: f.last_modified,
                user_id: f.user_id,
                user: f.user,
                group_id: f.group_id,
                group: f.group,
            })
            .collect())
    }

    fn make_dir(
        &mut self,
        container: &str,
        path: &str,
        options: &FileOptions,
    ) -> Result<(), BackendError> {
        let mut dir = serde_json::Map::new();
        dir.insert("path".into(), json!(path));
        dir.insert("make-parents".into(), json!(options.make_parents));
        owner_fields(options, &mut dir);
        let body = json!({"action": "make-dirs", "dirs": [Value::Object(dir)]});
        self.run(container, |http| async move {
            file_results(&http.json(Method::POST, "/v1/files", Some(body)).await?)
        })
    }

    fn remove_path(
        &mut self,
        container: &str,
        path: &str,
        recursive: bool,
    ) -> Result<(), BackendError> {
        let body = json!({"action": "remove", "paths": [{"path": path, "recursive": recursive}]});
        self.run(container, |http| async move {
            file_results(&http.json(Method::POST, "/v1/files", Some(body)).await?)
        })
    }

    fn exec(&mut self, container: &str, request: ExecRequest) -> Result<Output, BackendError> {
        let mut request = request;
        // Pebble kills the command at its timeout; never later than the dispatch's end.
        let left = self.deadline.map(|d| {
            u64::try_from(
                d.saturating_duration_since(tokio::time::Instant::now())
                    .as_millis(),
            )
            .unwrap_or(u64::MAX)
        });
        // Pebble reads a timeout of 0 as none at all: the least it is sent is 1 ms.
        let timeout_ms = match (request.timeout_ms, left) {
            (Some(t), Some(l)) => Some(t.min(l)),
            (t, l) => t.or(l),
        }
        .map(|t| t.max(1));
        let mut body = serde_json::Map::new();
        body.insert("command".into(), json!(request.command));
        body.insert("split-stderr".into(), json!(true));
        if !request.environment.is_empty() {
            let env: serde_json::Map<String, Value> = request
                .environment
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            body.insert("environment".into(), Value::Object(env));
        }
        let optional = [
            ("working-dir", request.working_dir.clone().map(Value::from)),
            (
                "service-context",
                request.service_context.clone().map(Value::from),
            ),
            ("user", request.user.clone().map(Value::from)),
            ("group", request.group.clone().map(Value::from)),
            ("user-id", request.user_id.map(Value::from)),
            ("group-id", request.group_id.map(Value::from)),
            // What is left of the dispatch, when the charm asked for longer or for
            // nothing: Pebble kills the command then, as it never outlives the hook.
            (
                "timeout",
                timeout_ms.map(|t| Value::from(go_duration_ms(t))),
            ),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                body.insert(key.into(), value);
            }
        }
        let stdin = request.stdin.take().unwrap_or_default();
        let command = crate::backends::process::display_redacted(&request.command, &[]);
        let timeout = timeout_ms;
        self.run(container, |http| async move {
            let env = http
                .json(Method::POST, "/v1/exec", Some(Value::Object(body)))
                .await?;
            let change = env.change.clone().unwrap_or_default();
            id("a change id", &change)?;
            let task = env.result::<ExecResult>("exec")?.task_id.ok_or_else(|| {
                BackendError::BadOutput {
                    command: "Pebble exec".into(),
                    detail: "no task-id in the answer".into(),
                }
            })?;
            id("a task id", &task)?;
            // Pebble starts the command once stdio (and stderr) are connected.
            let _control = http.websocket(&task, "control").await?;
            let mut stdio = http.websocket(&task, "stdio").await?;
            let stderr_ws = http.websocket(&task, "stderr").await?;
            let end = Message::text(r#"{"command":"end"}"#);
            let received = std::cell::Cell::new(0usize);
            let feed = async {
                if !stdin.is_empty() {
                    stdio.send(Message::binary(stdin)).await?;
                }
                stdio.send(end.clone()).await?;
                read_stream(&mut stdio, &received).await
            };
            let streams = futures_util::future::join(feed, read_stream_owned(stderr_ws, &received));
            let (stdout, stderr) = tokio::time::timeout(http.change_timeout, streams)
                .await
                .map_err(|_| BackendError::Timeout {
                    command: format!("{command} in container {:?}", http.container),
                    timeout: http.change_timeout,
                })?;
            let ws_error = |e: StreamError| match e {
                StreamError::TooLarge => BackendError::TooLarge {
                    what: format!("the output of {command} in container {:?}", http.container),
                    limit: caps::TRANSFER,
                },
                StreamError::Socket(e) => http.unreachable(format!("exec websocket: {e}")),
            };
            let (stdout, stderr) = (stdout.map_err(ws_error)?, stderr.map_err(ws_error)?);
            let result = match http.wait(&change).await {
                Ok(result) => result,
                Err(BackendError::ChangeFailed(err)) if err.contains("timed out") => {
                    return Err(BackendError::Timeout {
                        command: format!("{command} in container {:?}", http.container),
                        timeout: Duration::from_millis(timeout.unwrap_or(0)),
                    });
                }
                Err(BackendError::ChangeFailed(_)) => ChangeResult::default(),
                Err(e) => return Err(e),
            };
            let code = result
                .tasks
                .0
                .first()
                .and_then(|t| t.data.exit_code)
                .unwrap_or(-1);
            Ok(Output {
                code: i32::try_from(code).unwrap_or(-1),
                stdout,
                stderr,
            })
        })
    }

    fn checks(
        &mut self,
        container: &str,
        level: &CheckLevel,
        names: &[String],
    ) -> Result<Vec<CheckInfo>, BackendError> {
        let mut path = format!("/v1/checks?names={}", query(&names.join(",")));
        if !level.is_unset() {
            path.push_str(&format!("&level={}", query(level.as_str())));
        }
        let env = self.run(container, |http| async move {
            http.json(Method::GET, &path, None).await
        })?;
        let checks: Few<CheckInfo, 10_000> = env.result("checks")?;
        Ok(checks.0)
    }

    fn checks_action(
        &mut self,
        container: &str,
        action: ChecksAction,
        names: &[String],
    ) -> Result<Vec<String>, BackendError> {
        let body = json!({"action": action.as_str(), "checks": names});
        let env = self.run(container, |http| async move {
            http.json(Method::POST, "/v1/checks", Some(body)).await
        })?;
        let changed: ChecksChanged = env.result("checks")?;
        Ok(changed.changed.0)
    }

    fn refresh_check(&mut self, container: &str, name: &str) -> Result<CheckRun, BackendError> {
        let body = json!({"name": name});
        let env = self.run(container, |http| async move {
            http.json(Method::POST, "/v1/checks/refresh", Some(body))
                .await
        })?;
        let Some(raw) = &env.result else {
            return Err(BackendError::BadOutput {
                command: "Pebble checks/refresh".into(),
                detail: "no result".into(),
            });
        };
        serde_json::from_str(raw.get()).map_err(|e| BackendError::BadOutput {
            command: "Pebble checks/refresh".into(),
            detail: e.to_string(),
        })
    }

    fn health(
        &mut self,
        container: &str,
        level: &CheckLevel,
        names: &[String],
    ) -> Result<bool, BackendError> {
        let mut path = format!("/v1/health?names={}", query(&names.join(",")));
        if !level.is_unset() {
            path.push_str(&format!("&level={}", query(level.as_str())));
        }
        // Unhealthy is a sync answer with HTTP 502, not an error.
        let env = self.run(container, |http| async move {
            http.json(Method::GET, &path, None).await
        })?;
        let health: Healthy = env.result("health")?;
        Ok(health.healthy)
    }

    fn notice(&mut self, container: &str, id: &str) -> Result<Notice, BackendError> {
        let path = format!("/v1/notices/{}", query(id));
        let env = self.run(container, |http| async move {
            http.json(Method::GET, &path, None).await
        })?;
        let Some(raw) = &env.result else {
            return Err(BackendError::NotFound(format!("no notice {id}")));
        };
        serde_json::from_str(raw.get()).map_err(|e| BackendError::BadOutput {
            command: "Pebble notices".into(),
            detail: e.to_string(),
        })
    }

    fn notices(
        &mut self,
        container: &str,
        filter: &NoticeFilter,
    ) -> Result<Vec<Notice>, BackendError> {
        let mut params = Vec::new();
        if !filter.types.is_empty() {
            let types: Vec<&str> = filter.types.iter().map(|t| t.as_str()).collect();
            params.push(format!("types={}", query(&types.join(","))));
        }
        if !filter.keys.is_empty() {
            let keys: Vec<&str> = filter.keys.iter().map(|k| k.as_str()).collect();
            params.push(format!("keys={}", query(&keys.join(","))));
        }
        if let Some(after) = &filter.after {
            params.push(format!("after={}", query(after)));
        }
        let path = format!("/v1/notices?{}", params.join("&"));
        let env = self.run(container, |http| async move {
            http.json(Method::GET, &path, None).await
        })?;
        let notices: Few<Notice, 10_000> = env.result("notices")?;
        Ok(notices.0)
    }

    fn notify(
        &mut self,
        container: &str,
        key: &CustomKey,
        data: &BTreeMap<String, String>,
        repeat_after_ms: Option<u64>,
    ) -> Result<String, BackendError> {
        let mut body = json!({"action": "add", "type": "custom", "key": key.as_str()});
        if !data.is_empty() {
            body["data"] = json!(data);
        }
        if let Some(ms) = repeat_after_ms {
            body["repeat-after"] = json!(go_duration_ms(ms));
        }
        let env = self.run(container, |http| async move {
            http.json(Method::POST, "/v1/notices", Some(body)).await
        })?;
        let added: NoticeAdded = env.result("notices")?;
        Ok(added.id)
    }

    fn identities(&mut self, container: &str) -> Result<BTreeMap<String, Identity>, BackendError> {
        let env = self.run(container, |http| async move {
            http.json(Method::GET, "/v1/identities", None).await
        })?;
        let identities: FewByName<Identity, 10_000> = env.result("identities")?;
        Ok(identities.0)
    }

    fn replace_identities(
        &mut self,
        container: &str,
        identities: &BTreeMap<IdentityName, Identity>,
    ) -> Result<(), BackendError> {
        let named: BTreeMap<&str, &Identity> =
            identities.iter().map(|(n, i)| (n.as_str(), i)).collect();
        let body = json!({"action": "replace", "identities": named});
        self.run(container, |http| async move {
            http.json(Method::POST, "/v1/identities", Some(body))
                .await
                .map(drop)
        })
    }

    fn remove_identities(
        &mut self,
        container: &str,
        names: &[IdentityName],
    ) -> Result<(), BackendError> {
        let named: BTreeMap<&str, Value> =
            names.iter().map(|n| (n.as_str(), Value::Null)).collect();
        let body = json!({"action": "remove", "identities": named});
        self.run(container, |http| async move {
            http.json(Method::POST, "/v1/identities", Some(body))
                .await
                .map(drop)
        })
    }

    fn send_signal(
        &mut self,
        container: &str,
        signal: Signal,
        services: &[String],
    ) -> Result<(), BackendError> {
        let body = json!({"signal": signal.as_str(), "services": services});
        self.run(container, |http| async move {
            http.json(Method::POST, "/v1/signals", Some(body))
                .await
                .map(drop)
        })
    }
}

/// Why an exec stream stopped early.
enum StreamError {
    Socket(tokio_tungstenite::tungstenite::Error),
    /// stdout and stderr together passed the host's cap.
    TooLarge,
}

impl From<tokio_tungstenite::tungstenite::Error> for StreamError {
    fn from(e: tokio_tungstenite::tungstenite::Error) -> Self {
        match e {
            tokio_tungstenite::tungstenite::Error::Capacity(_) => StreamError::TooLarge,
            e => StreamError::Socket(e),
        }
    }
}

/// Binary frames until Pebble's `{"command":"end"}` (or the socket closes), counting
/// into `received`, which the exec's other stream shares: the two together stop at the
/// cap.
async fn read_stream(
    ws: &mut tokio_tungstenite::WebSocketStream<tokio::net::UnixStream>,
    received: &std::cell::Cell<usize>,
) -> Result<Vec<u8>, StreamError> {
    let mut out = Vec::new();
    while let Some(message) = ws.next().await {
        match message? {
            Message::Binary(data) => {
                received.set(received.get() + data.len());
                if received.get() > caps::TRANSFER {
                    return Err(StreamError::TooLarge);
                }
                out.extend_from_slice(&data);
            }
            Message::Text(text) if text.contains("\"end\"") => break,
            Message::Close(_) => break,
            _ => {}
        }
    }
    Ok(out)
}

async fn read_stream_owned(
    mut ws: tokio_tungstenite::WebSocketStream<tokio::net::UnixStream>,
    received: &std::cell::Cell<usize>,
) -> Result<Vec<u8>, StreamError> {
    read_stream(&mut ws, received).await
}

//! `wasmcharm pebble-sim`: one simulated container served over Pebble's real HTTP API on
//! a UNIX socket, so that the real client (and charms dispatched against it) can be
//! tested with no Pebble installed. Answers and error messages follow Pebble v1.19.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONNECTION, CONTENT_TYPE, HeaderValue, UPGRADE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;

use crate::backends::pebble::daemon::Change;
use crate::backends::pebble::layer::{CheckLevel, Layer};
use crate::backends::pebble::notices::{NoticeKey, NoticeType};
use crate::backends::pebble::{
    ApiError, ChecksAction, CustomKey, ExecRequest, FileOptions, FileType, Identity, IdentityName,
    NoticeFilter, Signal,
};
use crate::backends::process::Output;
use crate::sim::pebble::SimContainer;

const VERSION: &str = "v1.19.2";
const TIME: &str = "2026-01-01T00:00:00Z";

/// What the server holds between requests.
struct Server {
    container: Mutex<SimContainer>,
    /// Exec tasks by id: the output they produce once their streams connect.
    execs: Mutex<HashMap<String, (String, Output)>>,
}

type Answer = Response<Full<Bytes>>;

/// Serves `container` on `socket` until the process is stopped.
pub fn serve(socket: &Path, container: SimContainer) -> std::io::Result<()> {
    if socket.exists() {
        std::fs::remove_file(socket)?;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let server = Arc::new(Server {
        container: Mutex::new(container),
        execs: Mutex::new(HashMap::new()),
    });
    runtime.block_on(async move {
        let listener = tokio::net::UnixListener::bind(socket)?;
        loop {
            let (stream, _) = listener.accept().await?;
            let server = server.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    let server = server.clone();
                    async move { Ok::<_, std::convert::Infallible>(server.handle(req).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .with_upgrades()
                    .await;
            });
        }
    })
}

fn respond(status: StatusCode, body: Value) -> Answer {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn sync(result: Value) -> Answer {
    respond(
        StatusCode::OK,
        json!({"type": "sync", "status-code": 200, "status": "OK", "result": result}),
    )
}

fn async_change(change: &str, result: Value) -> Answer {
    respond(
        StatusCode::ACCEPTED,
        json!({"type": "async", "status-code": 202, "status": "Accepted", "change": change, "result": result}),
    )
}

fn error(e: &ApiError) -> Answer {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut result = json!({"message": e.message});
    if let Some(kind) = &e.kind {
        result["kind"] = json!(kind);
    }
    respond(
        status,
        json!({
            "type": "error",
            "status-code": e.status,
            "status": status.canonical_reason().unwrap_or(""),
            "result": result,
        }),
    )
}

fn change_json(change: &Change, exit_code: Option<i32>) -> Value {
    let tasks: Vec<Value> = change
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut task = json!({
                "id": format!("{}-{i}", change.id),
                "kind": t.kind,
                "summary": t.summary,
                "status": t.status,
                "progress": {"label": "", "done": 1, "total": 1},
                "spawn-time": TIME,
                "ready-time": TIME,
            });
            if !t.log.is_empty() {
                task["log"] = json!(
                    t.log
                        .iter()
                        .map(|l| format!("{TIME} {l}"))
                        .collect::<Vec<_>>()
                );
            }
            if let Some(code) = exit_code {
                task["data"] = json!({"exit-code": code});
            }
            task
        })
        .collect();
    let mut value = json!({
        "id": change.id,
        "kind": change.kind,
        "summary": change.summary,
        "status": change.status,
        "tasks": tasks,
        "ready": change.ready(),
        "spawn-time": TIME,
        "ready-time": TIME,
    });
    if let Some(err) = &change.err {
        value["err"] = json!(err);
    }
    value
}

fn query(req: &Request<Incoming>) -> Vec<(String, String)> {
    let raw = req.uri().query().unwrap_or_default();
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| s.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (escaped, bytes[i]) {
            (Some(b), _) => {
                out.push(b);
                i += 3;
                continue;
            }
            (None, b'+') => out.push(b' '),
            (None, b) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn get<'a>(q: &'a [(String, String)], key: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// A query's comma-separated list, across repeats of the key.
fn list(q: &[(String, String)], key: &str) -> Vec<String> {
    q.iter()
        .filter(|(k, _)| k == key)
        .flat_map(|(_, v)| v.split(',').map(str::to_string).collect::<Vec<_>>())
        .filter(|n| !n.is_empty())
        .collect()
}

/// `level=alive|ready`, or none.
fn level(q: &[(String, String)]) -> Result<CheckLevel, ApiError> {
    match get(q, "level").unwrap_or_default() {
        "" => Ok(CheckLevel::Unset),
        "alive" => Ok(CheckLevel::Alive),
        "ready" => Ok(CheckLevel::Ready),
        _ => Err(bad("level must be \"alive\" or \"ready\"")),
    }
}

/// A JSON body's list of strings.
fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|n| n.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::bad_request(message.into())
}

fn file_item(path: &str, result: Result<(), ApiError>) -> Value {
    match result {
        Ok(()) => json!({"path": path}),
        Err(e) => {
            json!({"path": path, "error": {"message": e.message, "kind": e.kind.unwrap_or_else(|| "generic-file-error".into())}})
        }
    }
}

fn file_options(v: &Value, parents_key: &str) -> FileOptions {
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let number = |k: &str| {
        v.get(k)
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    };
    FileOptions {
        make_parents: v.get(parents_key).and_then(Value::as_bool).unwrap_or(false),
        permissions: text("permissions").and_then(|p| u32::from_str_radix(&p, 8).ok()),
        user_id: number("user-id"),
        user: text("user"),
        group_id: number("group-id"),
        group: text("group"),
    }
}

impl Server {
    async fn handle(self: Arc<Self>, req: Request<Incoming>) -> Answer {
        let path = req.uri().path().to_string();
        let method = req.method().clone();
        // Websockets take the request whole.
        if let Some(rest) = path.strip_prefix("/v1/tasks/") {
            return self.websocket(req, rest).await;
        }
        let q = query(&req);
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body = match req.into_body().collect().await {
            Ok(b) => b.to_bytes(),
            Err(e) => return error(&bad(format!("cannot read request body: {e}"))),
        };
        let result = match (path.as_str(), method.clone()) {
            ("/v1/system-info", Method::GET) => Ok(sync(
                json!({"boot-id": "wasmcharm-pebble-sim", "version": VERSION}),
            )),
            ("/v1/health", Method::GET) => self.health(&q),
            ("/v1/checks", Method::GET) => self.get_checks(&q),
            ("/v1/checks", Method::POST) => self.post_checks(&body),
            ("/v1/checks/refresh", Method::POST) => self.refresh_check(&body),
            ("/v1/notices", Method::GET) => self.get_notices(&q),
            ("/v1/notices", Method::POST) => self.post_notices(&body),
            (p, Method::GET) if p.starts_with("/v1/notices/") => {
                let id = &p["/v1/notices/".len()..];
                self.container().notice(id).map(|n| sync(json!(n)))
            }
            ("/v1/identities", Method::GET) => Ok(sync(json!(self.container().identities()))),
            ("/v1/identities", Method::POST) => self.post_identities(&body),
            ("/v1/signals", Method::POST) => self.signals(&body),
            ("/v1/layers", Method::POST) => self.layers(&body),
            ("/v1/plan", Method::GET) => self.plan(&q),
            ("/v1/services", Method::GET) => self.get_services(&q),
            ("/v1/services", Method::POST) => self.post_services(&body),
            ("/v1/files", Method::GET) => self.get_files(&q),
            ("/v1/files", Method::POST) => self.post_files(&content_type, body).await,
            ("/v1/exec", Method::POST) => self.exec(&body),
            ("/v1/changes", Method::GET) => self.changes(&q),
            (p, Method::GET) if p.starts_with("/v1/changes/") => self.change(p, &q).await,
            (
                "/v1/system-info" | "/v1/health" | "/v1/layers" | "/v1/plan" | "/v1/services"
                | "/v1/files" | "/v1/exec" | "/v1/checks" | "/v1/checks/refresh" | "/v1/notices"
                | "/v1/identities" | "/v1/signals",
                m,
            ) => Err(ApiError {
                status: 405,
                kind: None,
                message: format!("method {:?} not allowed", m.as_str()),
            }),
            // The daemon gives this one no kind.
            _ => Err(ApiError {
                status: 404,
                kind: None,
                message: "invalid API endpoint requested".into(),
            }),
        };
        result.unwrap_or_else(|e| error(&e))
    }

    fn container(&self) -> std::sync::MutexGuard<'_, SimContainer> {
        self.container.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn layers(&self, body: &[u8]) -> Result<Answer, ApiError> {
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| bad(format!("cannot decode request body: {e}")))?;
        let text = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let action = text("action");
        if action != "add" {
            return Err(bad(format!("invalid action {action:?}")));
        }
        let label = text("label");
        if label.is_empty() {
            return Err(bad("label must be set"));
        }
        let format = text("format");
        if format != "yaml" {
            return Err(bad(format!("invalid format {format:?}")));
        }
        let layer = Layer::parse(&label, &text("layer"))?;
        let combine = v.get("combine").and_then(Value::as_bool).unwrap_or(false);
        self.container().daemon.add_layer(&label, &layer, combine)?;
        Ok(sync(json!(true)))
    }

    /// Healthy is 200; unhealthy is the same sync answer with 502, as Pebble sends it.
    fn health(&self, q: &[(String, String)]) -> Result<Answer, ApiError> {
        let level = level(q)?;
        let healthy = self.container().health(&level, &list(q, "names"))?;
        Ok(if healthy {
            sync(json!({"healthy": true}))
        } else {
            respond(
                StatusCode::BAD_GATEWAY,
                json!({"type": "sync", "status-code": 502, "status": "Bad Gateway", "result": {"healthy": false}}),
            )
        })
    }

    fn get_checks(&self, q: &[(String, String)]) -> Result<Answer, ApiError> {
        let level = level(q)?;
        Ok(sync(json!(
            self.container().checks(&level, &list(q, "names"))
        )))
    }

    fn post_checks(&self, body: &[u8]) -> Result<Answer, ApiError> {
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| bad(format!("cannot decode data from request body: {e}")))?;
        let action = match v.get("action").and_then(Value::as_str).unwrap_or_default() {
            "start" => ChecksAction::Start,
            "stop" => ChecksAction::Stop,
            other => return Err(bad(format!("invalid action {other:?}"))),
        };
        let names = strings(&v, "checks");
        let changed = self.container().checks_action(action, &names)?;
        Ok(sync(json!({"changed": changed})))
    }

    fn refresh_check(&self, body: &[u8]) -> Result<Answer, ApiError> {
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| bad(format!("cannot decode data from request body: {e}")))?;
        let name = v.get("name").and_then(Value::as_str).unwrap_or_default();
        if name.is_empty() {
            return Err(bad("name is required"));
        }
        Ok(sync(json!(self.container().refresh_check(name)?)))
    }

    fn get_notices(&self, q: &[(String, String)]) -> Result<Answer, ApiError> {
        // Unknown types match nothing, as in Pebble (a newer client's types).
        let named = list(q, "types");
        let types: Vec<NoticeType> = named
            .iter()
            .filter_map(|t| serde_json::from_value(json!(t)).ok())
            .collect();
        if !named.is_empty() && types.is_empty() {
            return Ok(sync(json!([])));
        }
        let keys = list(q, "keys")
            .iter()
            .map(|k| NoticeKey::parse(k).map_err(|e| bad(e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        let filter = NoticeFilter {
            types,
            keys,
            after: get(q, "after").map(str::to_string),
        };
        Ok(sync(json!(self.container().notices(&filter)?)))
    }

    fn post_notices(&self, body: &[u8]) -> Result<Answer, ApiError> {
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| bad(format!("cannot decode request body: {e}")))?;
        let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default();
        if text("action") != "add" {
            return Err(bad(format!("invalid action {:?}", text("action"))));
        }
        if text("type") != "custom" {
            return Err(bad(format!(
                "invalid type {:?} (can only add \"custom\" notices)",
                text("type")
            )));
        }
        let key = CustomKey::parse(text("key")).map_err(|_| {
            bad(format!(
                "invalid key {:?} (must be in \"example.com/path\" format)",
                text("key")
            ))
        })?;
        let data: BTreeMap<String, String> = match v.get("data") {
            None | Some(Value::Null) => BTreeMap::new(),
            Some(d) => {
                serde_json::from_value(d.clone()).map_err(|e| bad(format!("invalid data: {e}")))?
            }
        };
        let repeat_after = match v.get("repeat-after").and_then(Value::as_str) {
            None => None,
            Some(d) => Some(
                crate::backends::pebble::duration::parse(d)
                    .map(|nanos| u64::try_from(nanos / 1_000_000).unwrap_or(u64::MAX))
                    .ok_or_else(|| bad(format!("invalid repeat-after duration {d:?}")))?,
            ),
        };
        let id = self.container().notify(&key, &data, repeat_after)?;
        Ok(sync(json!({"id": id})))
    }

    fn post_identities(&self, body: &[u8]) -> Result<Answer, ApiError> {
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| bad(format!("cannot decode request body: {e}")))?;
        let given = v
            .get("identities")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut c = self.container();
        match v.get("action").and_then(Value::as_str).unwrap_or_default() {
            "remove" => {
                let names = given
                    .keys()
                    .map(|n| IdentityName::parse(n).map_err(|e| bad(e.to_string())))
                    .collect::<Result<Vec<_>, _>>()?;
                c.remove_identities(&names)?;
            }
            "replace" => {
                let mut named = BTreeMap::new();
                for (name, identity) in given {
                    let parsed = IdentityName::parse(&name).map_err(|_| {
                        bad(format!(
                            "invalid identity for {name:?}: identity name \"\" invalid: must \
                             start with an alphabetic character and only contain alphanumeric \
                             characters, underscore, and hyphen"
                        ))
                    })?;
                    let identity: Identity = serde_json::from_value(identity)
                        .map_err(|e| bad(format!("invalid identity for {name:?}: {e}")))?;
                    named.insert(parsed, identity);
                }
                c.replace_identities(&named)?;
            }
            other => return Err(bad(format!("invalid action {other:?}"))),
        }
        Ok(sync(Value::Null))
    }

    fn signals(&self, body: &[u8]) -> Result<Answer, ApiError> {
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| bad(format!("cannot decode request body: {e}")))?;
        let services = strings(&v, "services");
        let name = v.get("signal").and_then(Value::as_str).unwrap_or_default();
        let signal = Signal::parse(name).map_err(|_| ApiError {
            status: 500,
            kind: None,
            message: format!(
                "cannot send signal to {:?}: invalid signal name {name:?}",
                services.first().map(String::as_str).unwrap_or_default()
            ),
        })?;
        self.container().send_signal(signal, &services)?;
        Ok(sync(json!(true)))
    }

    fn plan(&self, q: &[(String, String)]) -> Result<Answer, ApiError> {
        let format = get(q, "format").unwrap_or_default();
        if format != "yaml" {
            return Err(bad(format!("invalid format {format:?}")));
        }
        Ok(sync(json!(self.container().daemon.plan().to_pebble_yaml())))
    }

    fn get_services(&self, q: &[(String, String)]) -> Result<Answer, ApiError> {
        let names: Vec<String> = q
            .iter()
            .filter(|(k, _)| k == "names")
            .flat_map(|(_, v)| v.split(',').map(str::to_string).collect::<Vec<_>>())
            .filter(|n| !n.is_empty())
            .collect();
        let list: Vec<Value> = self
            .container()
            .daemon
            .services(&names)
            .into_iter()
            .map(|s| {
                let mut v = json!({"name": s.name, "startup": s.startup, "current": s.current});
                if s.current != crate::backends::pebble::Current::Inactive {
                    v["current-since"] = json!(TIME);
                }
                v
            })
            .collect();
        Ok(sync(json!(list)))
    }

    fn post_services(&self, body: &[u8]) -> Result<Answer, ApiError> {
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| bad(format!("cannot decode data from request body: {e}")))?;
        let names: Vec<String> = v
            .get("services")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|n| n.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let mut c = self.container();
        let d = &mut c.daemon;
        let id = match v.get("action").and_then(Value::as_str).unwrap_or_default() {
            "start" => d.start(&names)?,
            "stop" => d.stop(&names)?,
            "restart" => d.restart(&names)?,
            "replan" if !names.is_empty() => return Err(bad("replan accepts no service names")),
            "replan" => d.replan()?,
            "autostart" if !names.is_empty() => {
                return Err(bad("autostart accepts no service names"));
            }
            "autostart" => d.autostart()?,
            other => return Err(bad(format!("invalid action {other:?}"))),
        };
        Ok(async_change(&id, Value::Null))
    }

    /// `GET /v1/changes?select=in-progress|ready|all`; in-progress by default.
    fn changes(&self, q: &[(String, String)]) -> Result<Answer, ApiError> {
        let c = self.container();
        let wanted: Box<dyn Fn() -> bool> = match get(q, "select").unwrap_or("in-progress") {
            "all" => Box::new(|| true),
            "ready" => Box::new(|| !c.hold_changes),
            "in-progress" => Box::new(|| c.hold_changes),
            other => {
                return Err(bad(format!(
                    "select should be one of: all,in-progress,ready (got {other:?})"
                )));
            }
        };
        let list: Vec<Value> = c
            .daemon
            .changes()
            .iter()
            .filter(|_| wanted())
            .map(|change| change_json(change, None))
            .collect();
        Ok(sync(json!(list)))
    }

    async fn change(&self, path: &str, q: &[(String, String)]) -> Result<Answer, ApiError> {
        let rest = path.trim_start_matches("/v1/changes/");
        let (id, wait) = match rest.strip_suffix("/wait") {
            Some(id) => (id, true),
            None => (rest, false),
        };
        let held = {
            let c = self.container();
            c.daemon.change(id)?;
            c.hold_changes
        };
        if held && wait {
            let timeout = get(q, "timeout").unwrap_or("0s").to_string();
            let nanos = crate::backends::pebble::duration::parse(&timeout).unwrap_or(0);
            // A real Pebble holds the request this long; so do we, within reason.
            let pause = std::time::Duration::from_nanos(u64::try_from(nanos).unwrap_or(0))
                .min(std::time::Duration::from_secs(10));
            tokio::time::sleep(pause).await;
            return Err(ApiError {
                status: 504,
                kind: None,
                message: format!("timed out waiting for change after {timeout}"),
            });
        }
        let c = self.container();
        let mut change = c.daemon.change(id)?.clone();
        if held {
            change.status = "Doing".into();
            change.err = None;
        }
        let exit_code = self
            .execs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .find(|(change_id, _)| change_id == id)
            .map(|(_, out)| out.code);
        let mut value = change_json(&change, exit_code);
        if held {
            value["ready"] = json!(false);
        }
        Ok(sync(value))
    }

    fn get_files(&self, q: &[(String, String)]) -> Result<Answer, ApiError> {
        let paths: Vec<&str> = q
            .iter()
            .filter(|(k, _)| k == "path")
            .map(|(_, v)| v.as_str())
            .collect();
        match get(q, "action").unwrap_or_default() {
            "list" => {
                let path = paths.first().copied().unwrap_or_default();
                let itself = get(q, "itself") == Some("true");
                let c = self.container();
                let list = c.list_files(path, get(q, "pattern"), itself)?;
                Ok(sync(json!(list
                    .into_iter()
                    .map(|f| {
                        let mut v = json!({
                            "path": f.path, "name": f.name,
                            "type": match f.kind { FileType::File => "file", FileType::Directory => "directory", _ => "unknown" },
                            "permissions": format!("{:03o}", f.permissions),
                            "last-modified": f.last_modified,
                            "user-id": f.user_id, "user": f.user, "group-id": f.group_id, "group": f.group,
                        });
                        if let Some(size) = f.size {
                            v["size"] = json!(size);
                        }
                        v
                    })
                    .collect::<Vec<_>>())))
            }
            "read" => {
                let boundary = "wasmcharm-pebble-sim-boundary-0123456789abcdef";
                let c = self.container();
                let mut body = Vec::new();
                let mut results = Vec::new();
                for path in &paths {
                    match c.pull(path) {
                        Ok(content) => {
                            body.extend_from_slice(
                                format!(
                                    "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{path}\"\r\n\
                                     Content-Type: application/octet-stream\r\n\r\n"
                                )
                                .as_bytes(),
                            );
                            body.extend_from_slice(&content);
                            body.extend_from_slice(b"\r\n");
                            results.push(file_item(path, Ok(())));
                        }
                        Err(e) => results.push(file_item(path, Err(e))),
                    }
                }
                let envelope =
                    json!({"type": "sync", "status-code": 200, "status": "OK", "result": results});
                body.extend_from_slice(
                    format!(
                        "--{boundary}\r\nContent-Disposition: form-data; name=\"response\"\r\n\
                         Content-Type: application/json\r\n\r\n{envelope}\r\n--{boundary}--\r\n"
                    )
                    .as_bytes(),
                );
                let content_type =
                    HeaderValue::from_str(&format!("multipart/form-data; boundary={boundary}"))
                        .map_err(|e| bad(format!("cannot answer in multipart: {e}")))?;
                let mut response = Response::new(Full::new(Bytes::from(body)));
                response.headers_mut().insert(CONTENT_TYPE, content_type);
                Ok(response)
            }
            other => Err(bad(format!("invalid action {other:?}"))),
        }
    }

    async fn post_files(&self, content_type: &str, body: Bytes) -> Result<Answer, ApiError> {
        if content_type.starts_with("multipart/form-data") {
            let boundary = multer::parse_boundary(content_type).map_err(|e| bad(e.to_string()))?;
            if boundary.len() < 32 {
                return Err(bad("boundary must be 32 characters or more"));
            }
            let stream =
                futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
            let mut parts = multer::Multipart::new(stream, boundary);
            let mut request: Option<Value> = None;
            let mut contents: HashMap<String, Vec<u8>> = HashMap::new();
            while let Some(field) = parts.next_field().await.map_err(|e| bad(e.to_string()))? {
                let name = field.name().unwrap_or_default().to_string();
                let filename = field.file_name().map(str::to_string);
                let data = field.bytes().await.map_err(|e| bad(e.to_string()))?;
                match (name.as_str(), filename) {
                    ("request", _) => {
                        request = Some(
                            serde_json::from_slice(&data)
                                .map_err(|e| bad(format!("cannot decode request: {e}")))?,
                        )
                    }
                    ("files", Some(path)) => {
                        contents.insert(path, data.to_vec());
                    }
                    _ => {}
                }
            }
            let request = request.ok_or_else(|| bad("must include request field"))?;
            if request.get("action").and_then(Value::as_str) != Some("write") {
                return Err(bad("multipart action must be \"write\""));
            }
            let mut c = self.container();
            let results: Vec<Value> = request
                .get("files")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|f| {
                    let path = f.get("path").and_then(Value::as_str).unwrap_or_default();
                    let result = match contents.get(path) {
                        Some(content) => c.push(path, content, &file_options(f, "make-dirs")),
                        None => Err(ApiError::bad_request(format!(
                            "no file content for path {path:?}"
                        ))),
                    };
                    file_item(path, result)
                })
                .collect();
            return Ok(sync(json!(results)));
        }
        let v: Value = serde_json::from_slice(&body)
            .map_err(|e| bad(format!("cannot decode request body: {e}")))?;
        let mut c = self.container();
        let results: Vec<Value> = match v.get("action").and_then(Value::as_str).unwrap_or_default()
        {
            "make-dirs" => v
                .get("dirs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|d| {
                    let path = d.get("path").and_then(Value::as_str).unwrap_or_default();
                    file_item(path, c.make_dir(path, &file_options(d, "make-parents")))
                })
                .collect(),
            "remove" => v
                .get("paths")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|p| {
                    let path = p.get("path").and_then(Value::as_str).unwrap_or_default();
                    let recursive = p.get("recursive").and_then(Value::as_bool).unwrap_or(false);
                    file_item(path, c.remove_path(path, recursive))
                })
                .collect(),
            "write" => return Err(bad("must use multipart with \"write\" action")),
            other => return Err(bad(format!("invalid action {other:?}"))),
        };
        Ok(sync(json!(results)))
    }

    fn exec(&self, body: &[u8]) -> Result<Answer, ApiError> {
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| bad(format!("cannot decode request body: {e}")))?;
        let command: Vec<String> = v
            .get("command")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if command.is_empty() {
            return Err(bad("must specify command"));
        }
        let request = ExecRequest {
            command: command.clone(),
            ..ExecRequest::default()
        };
        let mut c = self.container();
        // Pebble looks the program up before it creates the change.
        let output = c.exec(&request)?;
        let change = c.daemon.record_exec(&command, None);
        let task = format!("{change}-0");
        self.execs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(task.clone(), (change.clone(), output));
        Ok(async_change(
            &change,
            json!({"task-id": task, "environment": {}, "working-dir": "/root"}),
        ))
    }

    async fn websocket(&self, req: Request<Incoming>, rest: &str) -> Answer {
        let (task, stream) = match rest.split_once("/websocket/") {
            Some(parts) => parts,
            None => {
                return error(&ApiError::not_found(
                    "invalid API endpoint requested".into(),
                ));
            }
        };
        let output = self
            .execs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(task)
            .map(|(_, out)| out.clone());
        let Some(output) = output else {
            return error(&ApiError::not_found(format!(
                "cannot find task with id {task:?}"
            )));
        };
        let Some(key) = req
            .headers()
            .get("sec-websocket-key")
            .and_then(|k| HeaderValue::from_str(&derive_accept_key(k.as_bytes())).ok())
        else {
            return error(&bad("expected a websocket upgrade"));
        };
        let send: Option<Vec<u8>> = match stream {
            "stdio" => Some(output.stdout),
            "stderr" => Some(output.stderr),
            _ => None,
        };
        tokio::spawn(async move {
            let Ok(upgraded) = hyper::upgrade::on(req).await else {
                return;
            };
            let mut ws =
                WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
            if let Some(data) = send {
                if !data.is_empty() {
                    let _ = ws.send(Message::binary(data)).await;
                }
                let _ = ws.send(Message::text(r#"{"command":"end"}"#)).await;
            }
            // Drain what the client sends (stdin, then its end marker) until it closes.
            while let Some(Ok(message)) = ws.next().await {
                if matches!(message, Message::Close(_)) {
                    break;
                }
            }
        });
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let headers = response.headers_mut();
        headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
        headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
        headers.insert("sec-websocket-accept", key);
        response
    }
}

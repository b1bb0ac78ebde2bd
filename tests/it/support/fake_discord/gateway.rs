//! The WebSocket gateway: the accept loop and one task per connection. It fakes the connection
//! lifecycle of Discord's docs (Topics > Gateway, and the opcodes and close codes of Topics > Opcodes
//! and Status Codes): HELLO (op 10) with `heartbeat_interval`, Heartbeat (op 1) answered by Heartbeat
//! ACK (op 11), Identify (op 2) answered by READY or, with a wrong token, close 4004 "Authentication
//! failed", Resume (op 6) answered by RESUMED or Invalid Session (op 9, `d: false`), dispatches (op 0)
//! with the connection's sequence numbers, and closes from the server side with a chosen code. While
//! the fake's gateway is down, connections are closed at accept, before the handshake.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::Shared;

pub(super) enum GatewayCommand {
    Dispatch(String, Value),
    Close(u16),
}

pub(super) struct GatewayClient {
    pub(super) tx: mpsc::UnboundedSender<GatewayCommand>,
    pub(super) identified: bool,
}

pub(super) async fn gateway_accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        };
        {
            let mut state = shared.lock();
            if state.gateway_down {
                state.refused_connections += 1;
                drop(state);
                drop(stream);
                shared.changed.notify_waiters();
                continue;
            }
        }
        let _ = stream.set_nodelay(true);
        let task = tokio::spawn(gateway_connection(stream, Arc::clone(&shared)));
        let mut state = shared.lock();
        state.gateway_tasks.retain(|t| !t.is_finished());
        state.gateway_tasks.push(task.abort_handle());
    }
}

fn frame(value: &Value) -> WsMessage {
    WsMessage::Text(value.to_string())
}

async fn gateway_connection(stream: TcpStream, shared: Arc<Shared>) {
    let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else { return };
    let (tx, mut rx) = mpsc::unbounded_channel();
    let conn_id = {
        let mut state = shared.lock();
        state.next_gateway_id += 1;
        state.stats.connections += 1;
        let id = state.next_gateway_id;
        state.gateway_clients.insert(id, GatewayClient { tx, identified: false });
        id
    };
    shared.changed.notify_waiters();
    let hello =
        json!({"op": 10, "d": {"heartbeat_interval": shared.options.heartbeat_interval_ms}, "s": null, "t": null});
    let mut seq: u64 = 0;
    let mut closed_by_fake = false;
    let mut close_code = None;
    let mut commands_open = true;
    if ws.send(frame(&hello)).await.is_ok() {
        loop {
            tokio::select! {
                command = rx.recv(), if commands_open => match command {
                    Some(GatewayCommand::Dispatch(t, d)) => {
                        seq += 1;
                        let _ = ws.send(frame(&json!({"op": 0, "t": t, "s": seq, "d": d}))).await;
                    }
                    Some(GatewayCommand::Close(code)) => {
                        closed_by_fake = true;
                        shared.lock().gateway_clients.remove(&conn_id);
                        let close = CloseFrame { code: CloseCode::from(code), reason: "fake disconnect".into() };
                        let _ = ws.close(Some(close)).await;
                    }
                    None => commands_open = false,
                },
                incoming = ws.next() => match incoming {
                    Some(Ok(WsMessage::Text(text))) => {
                        let Ok(payload) = serde_json::from_str::<Value>(&text) else { continue };
                        for reply in gateway_op(&shared, conn_id, &payload, &mut seq) {
                            closed_by_fake |= matches!(reply, WsMessage::Close(_));
                            let _ = ws.send(reply).await;
                        }
                        shared.changed.notify_waiters();
                    }
                    Some(Ok(WsMessage::Close(frame))) => {
                        // Keep reading: tungstenite answers the close frame, then the stream ends.
                        close_code = frame.map(|f| u16::from(f.code));
                    }
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => break,
                },
            }
        }
    }
    let mut state = shared.lock();
    state.gateway_clients.remove(&conn_id);
    if !closed_by_fake {
        state.stats.client_closes += 1;
        if close_code.is_some() {
            state.stats.last_close_code = close_code;
        }
    }
    drop(state);
    shared.changed.notify_waiters();
}

/// Handles one client payload; returns the frames to send back.
fn gateway_op(shared: &Shared, conn_id: u64, payload: &Value, seq: &mut u64) -> Vec<WsMessage> {
    let d = payload.get("d").cloned().unwrap_or(Value::Null);
    let mut state = shared.lock();
    match payload.get("op").and_then(Value::as_u64) {
        Some(1) => {
            state.stats.heartbeats += 1;
            vec![frame(&json!({"op": 11, "d": null, "s": null, "t": null}))]
        }
        Some(2) => {
            state.identify = Some(d.clone());
            state.stats.identifies += 1;
            let token = d.get("token").and_then(Value::as_str).unwrap_or_default();
            let bare = token.strip_prefix("Bot ").unwrap_or(token);
            if shared.options.token.as_deref().is_some_and(|expected| expected != bare) {
                let close = CloseFrame { code: CloseCode::from(4004), reason: "Authentication failed.".into() };
                return vec![WsMessage::Close(Some(close))];
            }
            let session_id = format!("fake-session-{}", state.sessions.len() + 1);
            state.sessions.push(session_id.clone());
            state.stats.readies += 1;
            if let Some(client) = state.gateway_clients.get_mut(&conn_id) {
                client.identified = true;
            }
            *seq = 1;
            let ready = json!({
                "v": 10,
                "user": shared.bot_user(),
                "guilds": [],
                "session_id": session_id,
                "resume_gateway_url": shared.gateway_url,
                "shard": d.get("shard").cloned().unwrap_or_else(|| json!([0, 1])),
                "application": {"id": shared.options.application_id.to_string(), "flags": 0},
            });
            vec![frame(&json!({"op": 0, "t": "READY", "s": 1, "d": ready}))]
        }
        Some(6) => {
            let known =
                d.get("session_id").and_then(Value::as_str).is_some_and(|s| state.sessions.iter().any(|k| k == s));
            if !known {
                return vec![frame(&json!({"op": 9, "d": false, "s": null, "t": null}))];
            }
            state.stats.resumes += 1;
            if let Some(client) = state.gateway_clients.get_mut(&conn_id) {
                client.identified = true;
            }
            *seq = d.get("seq").and_then(Value::as_u64).unwrap_or(0) + 1;
            vec![frame(&json!({"op": 0, "t": "RESUMED", "s": *seq, "d": {}}))]
        }
        _ => Vec::new(),
    }
}

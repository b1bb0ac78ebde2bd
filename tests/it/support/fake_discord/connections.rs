//! REST connections that can be dropped without a response: [`RestListener`] hands axum
//! [`RestStream`]s whose kill switch ([`ConnHandle`]) a handler can set, so that a request is processed
//! and its answer never arrives ([`LostResponse::Close`](super::LostResponse::Close), and
//! [`LostResponse::Hang`](super::LostResponse::Hang) once the fake is dropped). No Discord doc
//! describes this: it is the network failure that Create Message's `nonce` + `enforce_nonce` (Discord's
//! docs: Message resource > Create Message) protects against.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// The REST listener: hands axum streams that a handler can sever ([`LostResponse::Close`]).
pub(super) struct RestListener {
    pub(super) inner: TcpListener,
    pub(super) closed: Arc<AtomicBool>,
}

impl Listener for RestListener {
    type Io = RestStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, addr)) => {
                    let _ = stream.set_nodelay(true);
                    let io = RestStream {
                        inner: stream,
                        killed: Arc::new(AtomicBool::new(false)),
                        closed: Arc::clone(&self.closed),
                    };
                    return (io, addr);
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A TCP stream that reads EOF and refuses writes once killed, so hyper drops the connection
/// without sending the response it was given.
pub(super) struct RestStream {
    inner: TcpStream,
    killed: Arc<AtomicBool>,
    closed: Arc<AtomicBool>,
}

impl RestStream {
    fn dead(&self) -> bool {
        self.killed.load(Ordering::SeqCst) || self.closed.load(Ordering::SeqCst)
    }
}

impl AsyncRead for RestStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if self.dead() {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for RestStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.dead() {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.dead() {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Given to each request: the kill switch of its connection.
#[derive(Clone)]
pub(super) struct ConnHandle(pub(super) Arc<AtomicBool>);

impl Connected<IncomingStream<'_, RestListener>> for ConnHandle {
    fn connect_info(stream: IncomingStream<'_, RestListener>) -> Self {
        ConnHandle(Arc::clone(&stream.io().killed))
    }
}

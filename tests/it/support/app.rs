//! `spawn_app`: the integration tests' one way to start the bot in process. It builds the same
//! [`App`] that `digestbot serve` runs, with the credentials given (never the environment), runs it
//! on a task, and stops it gracefully when the handle says so or is dropped.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use digestbot::app::{App, Credentials, Listener};
use digestbot::bot::Bot;
use digestbot::clock::Clock;
use digestbot::config::Config;
use digestbot::corrections::Corrector;
use digestbot::editors::Editors;
use digestbot::scheduler::Scheduler;

/// The running app.
pub struct Running {
    /// The app's bot: its config, digests, state and clock.
    pub bot: Bot,
    /// The HTTP listener's address (`/healthz`, `/metrics`, Slack's routes).
    pub addr: Option<SocketAddr>,
    /// A scheduler over the app's sinks, for tests that step through slots ([`App::stepped`]).
    pub scheduler: Scheduler,
    /// A corrections watcher over the app's sinks, for tests that step through its looks.
    pub corrector: Corrector,
    /// The editors' channel over the app's sinks, when the config names one (stepped tests tell it
    /// of each look at the folder themselves).
    pub editors: Option<Arc<Editors>>,
    stop: Mutex<Option<oneshot::Sender<()>>>,
    task: tokio::sync::Mutex<Option<JoinHandle<anyhow::Result<()>>>>,
}

/// Builds the app on `127.0.0.1:0` with `tune` applied (retry bounds, endpoint limits, stepped
/// slots), and runs it.
pub async fn spawn_app(
    config: Config,
    credentials: Credentials,
    clock: Arc<dyn Clock>,
    tune: impl FnOnce(App) -> App,
) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    spawn_app_on(config, credentials, clock, Listener::Bound(listener), tune).await
}

/// [`spawn_app`] listening where `listener` says (`Listener::FromConfig`: the config's address).
pub async fn spawn_app_on(
    config: Config,
    credentials: Credentials,
    clock: Arc<dyn Clock>,
    listener: Listener,
    tune: impl FnOnce(App) -> App,
) -> Running {
    let app = tune(App::build(config, credentials, clock, listener).await.expect("the app builds"));
    let (bot, addr, scheduler, corrector) = (app.bot().clone(), app.local_addr(), app.scheduler(), app.corrector());
    let editors = app.editors();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(app.run(async {
        let _ = stopped.await;
    }));
    Running {
        bot,
        addr,
        scheduler,
        corrector,
        editors,
        stop: Mutex::new(Some(stop)),
        task: tokio::sync::Mutex::new(Some(task)),
    }
}

impl Running {
    /// `http://127.0.0.1:PORT` of the HTTP listener.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr.expect("the app serves HTTP"))
    }

    /// Waits until the app stops on its own (a fatal error), and returns how its run ended.
    pub async fn stop_when_done(&self) -> anyhow::Result<()> {
        match self.task.lock().await.take() {
            Some(task) => task.await.expect("the app's task did not panic"),
            None => Ok(()),
        }
    }

    /// Stops the app as a signal would, and returns how its run ended.
    pub async fn stop(&self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.lock().unwrap().take() {
            let _ = stop.send(());
        }
        match self.task.lock().await.take() {
            Some(task) => task.await.expect("the app's task did not panic"),
            None => Ok(()),
        }
    }
}

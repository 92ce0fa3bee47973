//! A Redis that stops answering: a proxy between the server and Redis that can stall.

use super::*;

/// A TCP relay in front of Redis that a test can stall: while stalled it carries nothing either
/// way, so Redis is unreachable while connections stay open, the hardest outage for a client to
/// notice. Resumed, it carries on where it stopped.
pub struct StallableProxy {
    /// The Redis URL to give the server instead of the real one.
    pub url: String,
    stalled: Arc<tokio::sync::watch::Sender<bool>>,
}

impl StallableProxy {
    pub async fn start(redis_url: &str) -> StallableProxy {
        let target = redis_url
            .trim_start_matches("redis://")
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port for the proxy");
        let port = listener.local_addr().expect("a bound port").port();
        let stalled = Arc::new(tokio::sync::watch::channel(false).0);
        let gate = stalled.clone();
        actix_web::rt::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let Ok(outbound) = tokio::net::TcpStream::connect(&target).await else {
                    continue;
                };
                let (from_client, to_client) = inbound.into_split();
                let (from_redis, to_redis) = outbound.into_split();
                actix_web::rt::spawn(carry(from_client, to_redis, gate.subscribe()));
                actix_web::rt::spawn(carry(from_redis, to_client, gate.subscribe()));
            }
        });
        StallableProxy {
            url: format!("redis://127.0.0.1:{port}"),
            stalled,
        }
    }

    pub fn stall(&self) {
        self.stalled.send_replace(true);
    }

    pub fn resume(&self) {
        self.stalled.send_replace(false);
    }
}

/// Copies one direction of a connection, holding each chunk while the proxy is stalled.
async fn carry(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut stalled: tokio::sync::watch::Receiver<bool>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        if stalled.wait_for(|stalled| !*stalled).await.is_err() {
            return;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}

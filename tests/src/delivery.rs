//! A reference client's delivery, as tests wait for it: the socket open and ready, the next
//! frame of a kind, the first queued message.

use quietline_protocol::client::{Client, Socket};
use quietline_protocol::relay::ServerFrame;

/// How long a frame may take to arrive: generous, for a machine with both cores busy.
const PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);

/// Opens the delivery socket and waits until the server says it is ready: from then on, every
/// event for the client reaches the socket (an event published before would not).
pub async fn connected(client: &Client) -> Socket {
    let mut socket = client.connect().await.expect("the socket opens");
    frame_matching(&mut socket, |frame| {
        (frame == ServerFrame::Ready).then_some(())
    })
    .await;
    socket
}

/// Waits (at most 10 s) for the first frame that `wanted` picks out, skipping others.
pub async fn frame_matching<T>(
    socket: &mut Socket,
    wanted: impl Fn(ServerFrame) -> Option<T>,
) -> T {
    actix_web::rt::time::timeout(PATIENCE, async {
        loop {
            let frame = socket
                .next_frame()
                .await
                .expect("the socket reads")
                .expect("the socket stays open");
            if let Some(found) = wanted(frame) {
                return found;
            }
        }
    })
    .await
    .expect("the event arrives within 10 s")
}

/// Fetches the client's queue, decrypts the first message and acknowledges it: its sender and
/// text.
pub async fn receive(client: &mut Client) -> (String, String) {
    let page = client.fetch().await.expect("the queue is read");
    let envelope = page.envelopes.first().expect("a message is queued").clone();
    let received = client.open(&envelope).await.expect("the message opens");
    client
        .acknowledge(vec![envelope.id])
        .await
        .expect("the message is acknowledged");
    (
        received.from_account,
        String::from_utf8(received.plaintext).expect("the message is text"),
    )
}

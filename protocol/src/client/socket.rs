//! The delivery WebSocket: authenticated, reconnecting, acknowledging.

use super::*;

/// The delivery WebSocket of one device.
pub struct Socket {
    framed: actix_codec::Framed<awc::BoxedSocket, ws::Codec>,
}

impl Socket {
    /// The next frame from the server; `None` once the server closed the socket.
    pub async fn next_frame(&mut self) -> Result<Option<ServerFrame>> {
        while let Some(frame) = self.framed.next().await {
            match frame.map_err(transport)? {
                ws::Frame::Text(bytes) => {
                    return serde_json::from_slice(&bytes).map(Some).map_err(transport);
                }
                ws::Frame::Ping(bytes) => self
                    .framed
                    .send(ws::Message::Pong(bytes))
                    .await
                    .map_err(transport)?,
                ws::Frame::Close(_) => return Ok(None),
                _ => {}
            }
        }
        Ok(None)
    }

    /// Acknowledges delivered envelopes over the socket.
    pub async fn acknowledge(&mut self, ids: Vec<i64>) -> Result<()> {
        let bytes = padding::to_padded_json(&ClientFrame::Ack { ids }).map_err(transport)?;
        let text = String::from_utf8(bytes).map_err(transport)?;
        self.framed
            .send(ws::Message::Text(text.into()))
            .await
            .map_err(transport)
    }

    /// Closes the socket and waits for the server's closing frame (the closing handshake), so
    /// that the server has let go of the connection when this returns.
    pub async fn close(mut self) -> Result<()> {
        self.framed
            .send(ws::Message::Close(None))
            .await
            .map_err(transport)?;
        while let Some(frame) = self.framed.next().await {
            if matches!(frame.map_err(transport)?, ws::Frame::Close(_)) {
                break;
            }
        }
        Ok(())
    }
}

impl Client {
    /// Opens the delivery WebSocket, authenticated by header.
    pub async fn connect(&self) -> Result<Socket> {
        let url = format!("{}/v1/websocket", self.base.replacen("http", "ws", 1));
        let (_, framed) = self
            .http
            .ws(url)
            .bearer_auth(self.session.access_token.expose())
            .max_frame_size(1024 * 1024)
            .connect()
            .await
            .map_err(transport)?;
        Ok(Socket { framed })
    }
}

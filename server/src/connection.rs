//! The byte stream beneath each HTTP connection.
//!
//! actix-http answers three kinds of request itself, before any of the application runs: one it
//! cannot parse (a bad `Content-Length`, a broken request line: `400`), one whose head is too
//! large (`431`) and one whose head does not arrive in time (`408`). It writes those with an empty
//! body and none of the service's headers, so they would stand out from every other answer the
//! service gives. [`Shaped`] rewrites them, as they are written, into the padded JSON error that
//! every other refusal is, with the listener's headers.
//!
//! Such an answer is the last thing actix-http writes on a connection before it closes it, and its
//! head holds nothing but the status line, `content-length: 0`, perhaps `connection`, and `date`.
//! The application never writes such a head: each of its answers carries the security headers and
//! a body. Nor can a body end in one, since every body ends in JSON or markup, and once a `101`
//! has switched the connection to a WebSocket (whose frames are JSON text) the stream is passed on
//! untouched. So a write that ends with such a head is rewritten, and nothing else is.

use quietline_protocol::{ErrorBody, ErrorCode, ErrorDetail};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The headers a listener puts on every answer, in the order written.
pub type ListenerHeaders = Arc<[(&'static str, String)]>;

/// A connection's stream whose actix-http-made answers are shaped like the service's own.
pub struct Shaped<T> {
    inner: T,
    headers: ListenerHeaders,
    /// A WebSocket now: nothing more is looked at.
    upgraded: bool,
    /// A rewritten answer being written, in place of the `reported` bytes the caller handed over.
    rewriting: Option<Rewrite>,
}

struct Rewrite {
    bytes: Vec<u8>,
    written: usize,
    reported: usize,
}

impl<T> Shaped<T> {
    pub fn new(inner: T, headers: ListenerHeaders) -> Shaped<T> {
        Shaped {
            inner,
            headers,
            upgraded: false,
            rewriting: None,
        }
    }
}

/// The error an actix-http-made answer stands for, by its status.
fn error_for(status: u16) -> Option<(&'static str, ErrorCode, &'static str)> {
    match status {
        400 => Some((
            "400 Bad Request",
            ErrorCode::MalformedRequest,
            "The request could not be read.",
        )),
        408 => Some((
            "408 Request Timeout",
            ErrorCode::RequestTimeout,
            "The request did not arrive in time.",
        )),
        431 => Some((
            "431 Request Header Fields Too Large",
            ErrorCode::HeadersTooLarge,
            "The request's headers are too large.",
        )),
        _ => None,
    }
}

/// Where in `written` an actix-http-made answer starts, its status and its `date`, if `written`
/// ends with one.
fn made_by_http_layer(written: &[u8]) -> Option<(usize, u16, &[u8])> {
    const STATUS_LINE: &[u8] = b"HTTP/1.1 ";
    let start = written
        .windows(STATUS_LINE.len())
        .rposition(|window| window == STATUS_LINE)?;
    let mut headers = [httparse::EMPTY_HEADER; 4];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(&written[start..]) {
        Ok(httparse::Status::Complete(length)) if start + length == written.len() => {}
        _ => return None,
    }
    let status = response.code?;
    error_for(status)?;
    let mut empty = false;
    let mut date = None;
    for header in response.headers.iter() {
        match header.name.to_ascii_lowercase().as_str() {
            "content-length" if header.value == b"0" => empty = true,
            "connection" => {}
            "date" => date = Some(header.value),
            _ => return None,
        }
    }
    Some((start, status, date?)).filter(|_| empty)
}

/// `written` with its actix-http-made answer (from `start`) replaced by the padded JSON error.
fn rewritten(
    written: &[u8],
    start: usize,
    status: u16,
    date: &[u8],
    headers: &[(&'static str, String)],
) -> Option<Vec<u8>> {
    let (status_line, code, message) = error_for(status)?;
    let body = quietline_protocol::padding::to_padded_json(&ErrorBody {
        error: ErrorDetail {
            code,
            message: message.to_string(),
            devices: None,
            problems: None,
        },
    })
    .ok()?;
    let mut bytes = Vec::with_capacity(start + 512 + body.len());
    bytes.extend_from_slice(&written[..start]);
    bytes.extend_from_slice(b"HTTP/1.1 ");
    bytes.extend_from_slice(status_line.as_bytes());
    bytes.extend_from_slice(b"\r\ncontent-length: ");
    bytes.extend_from_slice(body.len().to_string().as_bytes());
    bytes.extend_from_slice(b"\r\nconnection: close\r\ncontent-type: application/json");
    for (name, value) in headers {
        bytes.extend_from_slice(b"\r\n");
        bytes.extend_from_slice(name.as_bytes());
        bytes.extend_from_slice(b": ");
        bytes.extend_from_slice(value.as_bytes());
    }
    bytes.extend_from_slice(b"\r\ndate: ");
    bytes.extend_from_slice(date);
    bytes.extend_from_slice(b"\r\n\r\n");
    bytes.extend_from_slice(&body);
    Some(bytes)
}

fn switches_protocols(written: &[u8]) -> bool {
    const SWITCHING: &[u8] = b"HTTP/1.1 101 ";
    written
        .windows(SWITCHING.len())
        .any(|window| window == SWITCHING)
}

impl<T: AsyncWrite + Unpin> Shaped<T> {
    /// Writes what is left of a rewritten answer; ready once all of it is written.
    fn poll_rewrite(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<usize>>> {
        let Some(rewrite) = self.rewriting.as_mut() else {
            return Poll::Ready(Ok(None));
        };
        while rewrite.written < rewrite.bytes.len() {
            match Pin::new(&mut self.inner).poll_write(cx, &rewrite.bytes[rewrite.written..]) {
                Poll::Ready(Ok(0)) => {
                    self.rewriting = None;
                    return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                }
                Poll::Ready(Ok(n)) => rewrite.written += n,
                Poll::Ready(Err(error)) => {
                    self.rewriting = None;
                    return Poll::Ready(Err(error));
                }
                Poll::Pending => return Poll::Pending,
            }
        }
        let reported = rewrite.reported;
        self.rewriting = None;
        Poll::Ready(Ok(Some(reported)))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Shaped<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Shaped<T> {
    /// While a rewritten answer is being written, the caller (which was told `Pending`) hands the
    /// same bytes again; they are answered for once the rewritten ones are all written.
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.rewriting.is_none() && !this.upgraded {
            if let Some(bytes) = made_by_http_layer(buf).and_then(|(start, status, date)| {
                rewritten(buf, start, status, date, &this.headers)
            }) {
                this.rewriting = Some(Rewrite {
                    bytes,
                    written: 0,
                    reported: buf.len(),
                });
            } else if switches_protocols(buf) {
                this.upgraded = true;
            }
        }
        match this.poll_rewrite(cx) {
            Poll::Ready(Ok(Some(reported))) => Poll::Ready(Ok(reported)),
            Poll::Ready(Ok(None)) => Pin::new(&mut this.inner).poll_write(cx, buf),
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match this.poll_rewrite(cx) {
            Poll::Ready(Ok(_)) => Pin::new(&mut this.inner).poll_flush(cx),
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match this.poll_rewrite(cx) {
            Poll::Ready(Ok(_)) => Pin::new(&mut this.inner).poll_shutdown(cx),
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    fn headers() -> ListenerHeaders {
        Arc::from(vec![("cache-control", "no-store".to_string())])
    }

    async fn through_shaped(chunks: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut shaped = Shaped::new(&mut out, headers());
            for chunk in chunks {
                shaped.write_all(chunk).await.unwrap();
            }
            shaped.shutdown().await.unwrap();
        }
        out
    }

    fn split_answer(bytes: &[u8]) -> (String, serde_json::Value, usize) {
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        (
            head.to_string(),
            serde_json::from_str(body.trim_end()).unwrap(),
            body.len(),
        )
    }

    const DATE: &str = "date: Fri, 04 Dec 2026 18:02:00 GMT";

    #[tokio::test]
    async fn an_empty_bad_request_becomes_the_padded_json_error() {
        let written = format!(
            "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n{DATE}\r\n\r\n"
        );
        let out = through_shaped(&[written.as_bytes()]).await;
        let (head, body, length) = split_answer(&out);
        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{head}");
        assert!(head.contains("content-type: application/json"), "{head}");
        assert!(head.contains("cache-control: no-store"), "{head}");
        assert!(head.contains(DATE), "{head}");
        assert!(
            head.contains(&format!("content-length: {length}")),
            "{head}"
        );
        assert_eq!(body["error"]["code"], "malformed_request");
        assert_eq!(
            length,
            quietline_protocol::padding::padded_len(length),
            "padded to a bucket"
        );
    }

    #[tokio::test]
    async fn timeouts_and_large_heads_are_shaped_after_earlier_answers() {
        let earlier = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncache-control: no-store\r\n\r\n{}";
        for (status, code) in [
            ("408 Request Timeout", "request_timeout"),
            ("431 Request Header Fields Too Large", "headers_too_large"),
        ] {
            let written = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\n{DATE}\r\n\r\n");
            let mut both = earlier.to_vec();
            both.extend_from_slice(written.as_bytes());
            let out = through_shaped(&[&both]).await;
            assert!(out.starts_with(earlier), "the earlier answer is untouched");
            let (head, body, _) = split_answer(&out[earlier.len()..]);
            assert!(head.starts_with(&format!("HTTP/1.1 {status}")), "{head}");
            assert_eq!(body["error"]["code"], code);
        }
    }

    #[tokio::test]
    async fn the_applications_answers_pass_unchanged() {
        let answers: [&[u8]; 4] = [
            // One of the application's refusals: it has a body and the listener's headers.
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 2\r\ncache-control: no-store\r\n\r\n{}",
            // A head with the listener's headers, even empty, is the application's.
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ncache-control: no-store\r\n\r\n",
            b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n",
        ];
        for answer in answers {
            assert_eq!(through_shaped(&[answer]).await, answer);
        }
    }

    #[tokio::test]
    async fn after_a_websocket_upgrade_nothing_is_rewritten() {
        let upgrade = b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n";
        let later = format!("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n{DATE}\r\n\r\n");
        let out = through_shaped(&[upgrade, later.as_bytes()]).await;
        assert_eq!(out, [upgrade.as_slice(), later.as_bytes()].concat());
    }
}

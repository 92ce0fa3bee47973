//! HTTP: one exchange with the server, padded both ways, its errors mapped; the access token
//! refreshed.

use super::*;

/// The server answers a client that asks for JSON as an API; without `Accept: application/json`
/// its public address may answer as the website it passes for.
pub(super) fn new_http() -> awc::Client {
    awc::Client::builder()
        .add_default_header(("Accept", "application/json"))
        .timeout(Duration::from_secs(30))
        .finish()
}

pub(super) async fn exchange<B: Serialize, R: DeserializeOwned>(
    http: &awc::Client,
    method: awc::http::Method,
    url: String,
    token: Option<&str>,
    body: Option<&B>,
) -> Result<R> {
    let mut request = http.request(method, url);
    if let Some(token) = token {
        request = request.insert_header(("Authorization", format!("Bearer {token}")));
    }
    let bytes = body
        .map(|body| padding::to_padded_json(body).map_err(transport))
        .transpose()?;
    if bytes.is_some() {
        request = request.insert_header(("Content-Type", "application/json"));
    }
    let request = request.freeze().map_err(transport)?;
    let mut attempt = 0;
    let mut response = loop {
        let sent = match &bytes {
            Some(bytes) => request.send_body(bytes.clone()).await,
            None => request.send().await,
        };
        match sent {
            // Nothing reached the server when the connection could not be made: trying again
            // cannot repeat a request, and rides out a busy or restarting server.
            Err(awc::error::SendRequestError::Connect(_)) if attempt < CONNECT_ATTEMPTS => {
                attempt += 1;
                connect_backoff(attempt).await;
            }
            other => break other.map_err(transport)?,
        }
    };
    let bytes = response
        .body()
        .limit(16 * 1024 * 1024)
        .await
        .map_err(transport)?;
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        let code = body["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        return Err(ClientError::Http { status, code, body });
    }
    // No content (`204`) reads as JSON `null`: the unit answer.
    let bytes: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
    serde_json::from_slice(bytes).map_err(transport)
}

/// Percent-encodes a query value (everything but unreserved characters).
pub(super) fn query_encoded(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl Client {
    pub(super) async fn call<B: Serialize, R: DeserializeOwned>(
        &self,
        method: awc::http::Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<R> {
        exchange(
            &self.http,
            method,
            format!("{}{path}", self.base),
            Some(self.session.access_token.expose()),
            body,
        )
        .await
    }

    /// Exchanges the refresh token when the access token expires within `ahead` seconds, so a
    /// long-running client never meets a 401. Answers whether it did: the new refresh token is
    /// good once, and the caller saves it.
    pub async fn refresh_if_expiring(&mut self, ahead: i64) -> Result<bool> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or_default();
        if self.session.access_expires_at - now >= ahead {
            return Ok(false);
        }
        self.refresh().await?;
        Ok(true)
    }

    /// Exchanges the refresh token for a new token pair (before the access token expires).
    pub async fn refresh(&mut self) -> Result<()> {
        let body = crate::api::Refresh {
            refresh_token: self.session.refresh_token.clone(),
        };
        self.session = exchange(
            &self.http,
            awc::http::Method::POST,
            format!("{}/v1/sessions/refresh", self.base),
            None,
            Some(&body),
        )
        .await?;
        Ok(())
    }
}

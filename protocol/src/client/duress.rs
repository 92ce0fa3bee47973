//! Quick exit and the duress code: wipe the account on the server and the state on the device.

use super::*;

fn duress_file(state_file: &std::path::Path) -> std::path::PathBuf {
    let mut name = state_file.as_os_str().to_owned();
    name.push(".d");
    std::path::PathBuf::from(name)
}

#[derive(serde::Serialize, serde::Deserialize)]
struct DuressState {
    base: String,
    access_token: crate::Secret,
    refresh_token: crate::Secret,
}

impl Client {
    /// Quick exit: wipes this seeker's account on the server, then the local state file. Sent
    /// exactly like a sync, so the traffic does not show it.
    pub async fn quick_exit(&self, state_file: Option<&std::path::Path>) -> Result<()> {
        let _: EnvelopePage = self
            .call(
                awc::http::Method::POST,
                "/v1/quick-exit",
                Some(&crate::relay::Sync {}),
            )
            .await?;
        if let Some(path) = state_file {
            let _ = std::fs::remove_file(path);
        }
        Ok(())
    }

    /// Ties the quick exit to a duress code: writes, next to the state file, a small file sealed
    /// under the code holding only what the wipe needs (the server address and this device's
    /// tokens). Entering the code instead of the passphrase then wipes everything
    /// ([`Client::exit_under_duress`]).
    pub fn arm_duress_code(&self, state_file: &std::path::Path, duress_code: &str) -> Result<()> {
        let armed = DuressState {
            base: self.base.clone(),
            access_token: self.session.access_token.clone(),
            refresh_token: self.session.refresh_token.clone(),
        };
        let json = serde_json::to_vec(&armed).map_err(transport)?;
        write_private(
            &duress_file(state_file),
            &vault::seal(&json, duress_code).map_err(transport)?,
        )
    }

    /// If `code` is the duress code, wipes the account on the server and both local files, and
    /// returns true: the app can then show an empty start screen. Returns false for any other code.
    pub async fn exit_under_duress(state_file: &std::path::Path, code: &str) -> Result<bool> {
        let Ok(sealed) = std::fs::read(duress_file(state_file)) else {
            return Ok(false);
        };
        let Ok(json) = vault::open(&sealed, code) else {
            return Ok(false);
        };
        // The files go first: whatever happens on the network, nothing is left to find here.
        let _ = std::fs::remove_file(state_file);
        let _ = std::fs::remove_file(duress_file(state_file));
        let armed: DuressState = serde_json::from_slice(&json).map_err(transport)?;
        let http = new_http();
        let url = format!("{}/v1/quick-exit", armed.base);
        let body = crate::relay::Sync {};
        let exited: Result<EnvelopePage> = exchange(
            &http,
            awc::http::Method::POST,
            url.clone(),
            Some(armed.access_token.expose()),
            Some(&body),
        )
        .await;
        if exited.is_err() {
            // The access token may have expired since it was armed: refresh, then wipe.
            let refresh = crate::api::Refresh {
                refresh_token: armed.refresh_token,
            };
            let session: SessionGrant = exchange(
                &http,
                awc::http::Method::POST,
                format!("{}/v1/sessions/refresh", armed.base),
                None,
                Some(&refresh),
            )
            .await?;
            let _: EnvelopePage = exchange(
                &http,
                awc::http::Method::POST,
                url,
                Some(session.access_token.expose()),
                Some(&body),
            )
            .await?;
        }
        Ok(true)
    }
}

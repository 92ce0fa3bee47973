//! The state file: identity, sessions and keys, encrypted with the passphrase, written readable
//! by its owner only.

use super::*;

/// Readable by its owner only; written whole to a temporary file, then renamed, so a crash never
/// leaves half a file.
pub(super) fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let temporary = path.with_extension("tmp");
    {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temporary)
            .map_err(transport)?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(transport)?;
    }
    std::fs::rename(&temporary, path).map_err(transport)
}

#[derive(serde::Serialize, serde::Deserialize)]
struct SavedState {
    base: String,
    session: SessionGrant,
    peers: Vec<(String, Vec<u32>)>,
    signal: String,
}

impl Client {
    /// Writes this client's whole state (tokens, Signal identity, prekeys, sessions) to `path`,
    /// encrypted under `passphrase`.
    pub async fn save(&self, path: &std::path::Path, passphrase: &str) -> Result<()> {
        let peers: Vec<(String, u32)> = self
            .peers
            .iter()
            .flat_map(|(account, devices)| devices.iter().map(move |d| (account.clone(), *d)))
            .collect();
        let state = SavedState {
            base: self.base.clone(),
            session: self.session.clone(),
            peers: self
                .peers
                .iter()
                .map(|(a, d)| (a.clone(), d.iter().copied().collect()))
                .collect(),
            signal: URL_SAFE_NO_PAD.encode(self.signal.export(&peers).await?),
        };
        let json = serde_json::to_vec(&state).map_err(transport)?;
        let sealed = vault::seal(&json, passphrase).map_err(transport)?;
        write_private(path, &sealed)
    }

    /// Restores a client saved with [`Client::save`].
    pub async fn load(path: &std::path::Path, passphrase: &str) -> Result<Client> {
        let sealed = std::fs::read(path).map_err(transport)?;
        let json = vault::open(&sealed, passphrase).map_err(transport)?;
        let state: SavedState = serde_json::from_slice(&json).map_err(transport)?;
        let snapshot = URL_SAFE_NO_PAD.decode(&state.signal).map_err(transport)?;
        Ok(Client {
            base: state.base,
            http: new_http(),
            session: state.session,
            signal: SignalDevice::import(&snapshot).await?,
            peers: state
                .peers
                .into_iter()
                .map(|(a, d)| (a, d.into_iter().collect()))
                .collect(),
            sealed_peers: HashMap::new(),
            sealed_senders: Default::default(),
        })
    }
}

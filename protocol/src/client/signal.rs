//! The seam over libsignal: every call into Signal's protocol library is in this file, so that a
//! later libsignal version is one change. A [`SignalDevice`] holds one device's identity, prekeys
//! and sessions, and encrypts and decrypts with the Double Ratchet after a PQXDH handshake.

use crate::relay::{DeviceBundle, DeviceKeys, EcPreKey, EnvelopeType, PreKeyUpload, SignedPreKey};
use libsignal_protocol::{
    DeviceId, GenericSignedPreKey, IdentityKey, IdentityKeyPair, IdentityKeyStore,
    InMemSignalProtocolStore, KeyPair, KyberPreKeyId, KyberPreKeyRecord, KyberPreKeyStore,
    PreKeyBundle, PreKeyId, PreKeyRecord, PreKeySignalMessage, PreKeyStore, ProtocolAddress,
    PublicKey, SessionStore, SignalMessage, SignedPreKeyId, SignedPreKeyRecord, SignedPreKeyStore,
    Timestamp, kem, message_decrypt_prekey, message_decrypt_signal, message_encrypt,
    process_prekey_bundle,
};
use std::time::SystemTime;

/// Plaintexts are padded to a multiple of this many bytes before encryption (as Signal's apps
/// do), so ciphertext sizes do not reveal message lengths.
const PLAINTEXT_BLOCK: usize = 160;

#[derive(Debug)]
pub struct SignalError(pub String);

impl std::fmt::Display for SignalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "signal protocol: {}", self.0)
    }
}

impl std::error::Error for SignalError {}

fn err(e: impl std::fmt::Display) -> SignalError {
    SignalError(e.to_string())
}

type Result<T> = std::result::Result<T, SignalError>;

fn address(account_id: &str, device_id: u32) -> Result<ProtocolAddress> {
    Ok(ProtocolAddress::new(
        account_id.to_string(),
        DeviceId::try_from(device_id).map_err(err)?,
    ))
}

fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

pub fn pad_plaintext(plaintext: &[u8]) -> Vec<u8> {
    let mut padded = plaintext.to_vec();
    padded.push(0x80);
    let target = padded.len().div_ceil(PLAINTEXT_BLOCK) * PLAINTEXT_BLOCK;
    padded.resize(target, 0);
    padded
}

pub fn unpad_plaintext(padded: &[u8]) -> Result<Vec<u8>> {
    let end = padded
        .iter()
        .rposition(|b| *b != 0)
        .filter(|i| padded[*i] == 0x80)
        .ok_or_else(|| SignalError("plaintext padding is malformed".into()))?;
    Ok(padded[..end].to_vec())
}

/// A device's Signal state as bytes (for the encrypted state file). Records are libsignal's own
/// serialisations, base64url-encoded.
#[derive(serde::Serialize, serde::Deserialize)]
struct Snapshot {
    identity: String,
    registration_id: u32,
    next_pre_key_id: u32,
    next_signed_id: u32,
    pre_keys: Vec<(u32, String)>,
    signed_pre_keys: Vec<(u32, String)>,
    kyber_pre_keys: Vec<(u32, String)>,
    sessions: Vec<(String, u32, String)>,
    identities: Vec<(String, u32, String)>,
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str) -> Result<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .map_err(err)
}

/// Ids of last-resort Kyber prekeys, kept apart from one-time ones.
const LAST_RESORT_BASE: u32 = 1_000_000;

/// One device's Signal state, held in memory.
pub struct SignalDevice {
    store: InMemSignalProtocolStore,
    identity: IdentityKeyPair,
    registration_id: u32,
    next_pre_key_id: u32,
    next_signed_id: u32,
}

impl SignalDevice {
    /// A new identity key pair and registration id.
    pub fn generate() -> Result<SignalDevice> {
        let mut rng = rand::rng();
        let identity = IdentityKeyPair::generate(&mut rng);
        let registration_id = rand::random_range(1..16_380);
        Ok(SignalDevice {
            store: InMemSignalProtocolStore::new(identity, registration_id).map_err(err)?,
            identity,
            registration_id,
            next_pre_key_id: 1,
            next_signed_id: 1,
        })
    }

    pub fn registration_id(&self) -> u32 {
        self.registration_id
    }

    pub fn identity_key(&self) -> Vec<u8> {
        self.identity.identity_key().serialize().to_vec()
    }

    async fn new_signed_pre_key(&mut self) -> Result<SignedPreKey> {
        let mut rng = rand::rng();
        let id = self.next_signed_id;
        self.next_signed_id += 1;
        let pair = KeyPair::generate(&mut rng);
        let public = pair.public_key.serialize();
        let signature = self
            .identity
            .private_key()
            .calculate_signature(&public, &mut rng)
            .map_err(err)?;
        let record = SignedPreKeyRecord::new(
            SignedPreKeyId::from(id),
            Timestamp::from_epoch_millis(now_millis()),
            &pair,
            &signature,
        );
        // Earlier signed prekeys stay in the store: a PreKey message built on one before a
        // rotation must still decrypt.
        self.store
            .save_signed_pre_key(SignedPreKeyId::from(id), &record)
            .await
            .map_err(err)?;
        Ok(SignedPreKey {
            key_id: id,
            public_key: public.to_vec(),
            signature: signature.to_vec(),
        })
    }

    async fn new_kyber_pre_key(&mut self, id: u32) -> Result<SignedPreKey> {
        let record = KyberPreKeyRecord::generate(
            kem::KeyType::Kyber1024,
            KyberPreKeyId::from(id),
            self.identity.private_key(),
        )
        .map_err(err)?;
        self.store
            .save_kyber_pre_key(KyberPreKeyId::from(id), &record)
            .await
            .map_err(err)?;
        Ok(SignedPreKey {
            key_id: id,
            public_key: record.public_key().map_err(err)?.serialize().to_vec(),
            signature: record.signature().map_err(err)?.to_vec(),
        })
    }

    async fn one_time_keys(&mut self, count: u32) -> Result<(Vec<EcPreKey>, Vec<SignedPreKey>)> {
        let mut rng = rand::rng();
        let mut ec = Vec::new();
        let mut pq = Vec::new();
        for _ in 0..count {
            let id = self.next_pre_key_id;
            self.next_pre_key_id += 1;
            let pair = KeyPair::generate(&mut rng);
            self.store
                .save_pre_key(
                    PreKeyId::from(id),
                    &PreKeyRecord::new(PreKeyId::from(id), &pair),
                )
                .await
                .map_err(err)?;
            ec.push(EcPreKey {
                key_id: id,
                public_key: pair.public_key.serialize().to_vec(),
            });
            pq.push(self.new_kyber_pre_key(id).await?);
        }
        Ok((ec, pq))
    }

    /// Everything to publish at registration, with `count` one-time prekeys of each kind.
    pub async fn device_keys(&mut self, count: u32) -> Result<DeviceKeys> {
        let signed_pre_key = self.new_signed_pre_key().await?;
        // Last-resort Kyber ids are kept apart from one-time ids.
        let pq_last_resort_pre_key = self
            .new_kyber_pre_key(LAST_RESORT_BASE + self.next_signed_id)
            .await?;
        let (pre_keys, pq_pre_keys) = self.one_time_keys(count).await?;
        Ok(DeviceKeys {
            identity_key: self.identity_key(),
            registration_id: self.registration_id,
            signed_pre_key,
            pq_last_resort_pre_key,
            pre_keys,
            pq_pre_keys,
            intake_key: Some(self.intake_key()?),
        })
    }

    /// More one-time prekeys and a rotated signed prekey.
    pub async fn replenish(&mut self, count: u32) -> Result<PreKeyUpload> {
        let (pre_keys, pq_pre_keys) = self.one_time_keys(count).await?;
        Ok(PreKeyUpload {
            pre_keys,
            pq_pre_keys,
            signed_pre_key: Some(self.new_signed_pre_key().await?),
            pq_last_resort_pre_key: None,
        })
    }

    /// Whether the bundle's identity key differs from the one trusted for that device before
    /// (the peer re-registered: their safety number changed).
    pub async fn identity_changed(&self, account_id: &str, bundle: &DeviceBundle) -> Result<bool> {
        let known = self.peer_identity(account_id, bundle.device_id.0).await?;
        Ok(known.is_some_and(|known| known != bundle.identity_key))
    }

    /// Trusts the bundle's identity key for that device from now on (after the person accepted
    /// the changed safety number).
    pub async fn trust_identity(&mut self, account_id: &str, bundle: &DeviceBundle) -> Result<()> {
        let remote = address(account_id, bundle.device_id.0)?;
        let identity = IdentityKey::decode(&bundle.identity_key).map_err(err)?;
        self.store
            .save_identity(&remote, &identity)
            .await
            .map_err(err)?;
        Ok(())
    }

    /// Starts a session with one device of a peer from its bundle (PQXDH).
    pub async fn start_session(&mut self, account_id: &str, bundle: &DeviceBundle) -> Result<()> {
        let pre_key = match &bundle.pre_key {
            Some(key) => Some((
                PreKeyId::from(key.key_id),
                PublicKey::deserialize(&key.public_key).map_err(err)?,
            )),
            None => None,
        };
        let bundle_record = PreKeyBundle::new(
            bundle.registration_id,
            DeviceId::try_from(bundle.device_id.0).map_err(err)?,
            pre_key,
            SignedPreKeyId::from(bundle.signed_pre_key.key_id),
            PublicKey::deserialize(&bundle.signed_pre_key.public_key).map_err(err)?,
            bundle.signed_pre_key.signature.clone(),
            KyberPreKeyId::from(bundle.pq_pre_key.key_id),
            kem::PublicKey::deserialize(&bundle.pq_pre_key.public_key).map_err(err)?,
            bundle.pq_pre_key.signature.clone(),
            IdentityKey::decode(&bundle.identity_key).map_err(err)?,
        )
        .map_err(err)?;
        let remote = address(account_id, bundle.device_id.0)?;
        process_prekey_bundle(
            &remote,
            &mut self.store.session_store,
            &mut self.store.identity_store,
            &bundle_record,
            SystemTime::now(),
            &mut rand::rng(),
        )
        .await
        .map_err(err)
    }

    /// Whether a session with that device exists.
    pub async fn has_session(&self, account_id: &str, device_id: u32) -> Result<bool> {
        let remote = address(account_id, device_id)?;
        Ok(self
            .store
            .load_session(&remote)
            .await
            .map_err(err)?
            .is_some())
    }

    /// Forgets the session with a device (it was removed or re-registered).
    pub async fn forget_session(&mut self, account_id: &str, device_id: u32) -> Result<()> {
        let remote = address(account_id, device_id)?;
        if let Some(mut record) = self.store.load_session(&remote).await.map_err(err)? {
            record.archive_current_state().map_err(err)?;
            self.store
                .store_session(&remote, &record)
                .await
                .map_err(err)?;
        }
        Ok(())
    }

    /// Encrypts for one device: the envelope type, ciphertext and the registration id the
    /// session was built with.
    pub async fn encrypt(
        &mut self,
        account_id: &str,
        device_id: u32,
        plaintext: &[u8],
    ) -> Result<(EnvelopeType, Vec<u8>, u32)> {
        let remote = address(account_id, device_id)?;
        let message = message_encrypt(
            &pad_plaintext(plaintext),
            &remote,
            &mut self.store.session_store,
            &mut self.store.identity_store,
            SystemTime::now(),
            &mut rand::rng(),
        )
        .await
        .map_err(err)?;
        let kind = match message {
            libsignal_protocol::CiphertextMessage::PreKeySignalMessage(_) => EnvelopeType::Prekey,
            _ => EnvelopeType::Message,
        };
        let registration_id = self
            .store
            .load_session(&remote)
            .await
            .map_err(err)?
            .ok_or_else(|| SignalError("no session".into()))?
            .remote_registration_id()
            .map_err(err)?;
        Ok((kind, message.serialize().to_vec(), registration_id))
    }

    /// Whether a PreKey message comes from an identity other than the one trusted for its sender
    /// device (the sender re-registered).
    pub async fn prekey_identity_changed(
        &self,
        account_id: &str,
        device_id: u32,
        content: &[u8],
    ) -> Result<bool> {
        let message = PreKeySignalMessage::try_from(content).map_err(err)?;
        let known = self.peer_identity(account_id, device_id).await?;
        Ok(known.is_some_and(|known| known != message.identity_key().serialize().to_vec()))
    }

    /// Decrypts an envelope from `account_id`/`device_id`.
    pub async fn decrypt(
        &mut self,
        account_id: &str,
        device_id: u32,
        kind: EnvelopeType,
        content: &[u8],
    ) -> Result<Vec<u8>> {
        let remote = address(account_id, device_id)?;
        let mut rng = rand::rng();
        let padded = match kind {
            EnvelopeType::Prekey => {
                let message = PreKeySignalMessage::try_from(content).map_err(err)?;
                message_decrypt_prekey(
                    &message,
                    &remote,
                    &mut self.store.session_store,
                    &mut self.store.identity_store,
                    &mut self.store.pre_key_store,
                    &self.store.signed_pre_key_store,
                    &mut self.store.kyber_pre_key_store,
                    &mut rng,
                )
                .await
            }
            EnvelopeType::Message | EnvelopeType::Control => {
                let message = SignalMessage::try_from(content).map_err(err)?;
                message_decrypt_signal(
                    &message,
                    &remote,
                    &mut self.store.session_store,
                    &mut self.store.identity_store,
                    &mut rng,
                )
                .await
            }
            EnvelopeType::Sealed => {
                return Err(SignalError(
                    "a sealed message is opened with the intake key".into(),
                ));
            }
            EnvelopeType::Summary => {
                return Err(SignalError("a summary is opened by its inner type".into()));
            }
        }
        .map_err(err)?;
        unpad_plaintext(&padded)
    }

    /// Everything needed to resume this device later, including sessions and trusted identities
    /// of the listed peer devices.
    pub async fn export(&self, peers: &[(String, u32)]) -> Result<Vec<u8>> {
        let mut snapshot = Snapshot {
            identity: b64(&self.identity.serialize()),
            registration_id: self.registration_id,
            next_pre_key_id: self.next_pre_key_id,
            next_signed_id: self.next_signed_id,
            pre_keys: Vec::new(),
            signed_pre_keys: Vec::new(),
            kyber_pre_keys: Vec::new(),
            sessions: Vec::new(),
            identities: Vec::new(),
        };
        for id in 1..self.next_pre_key_id {
            // Used one-time prekeys are gone from the store; only live ones are kept.
            if let Ok(record) = self.store.get_pre_key(PreKeyId::from(id)).await {
                snapshot
                    .pre_keys
                    .push((id, b64(&record.serialize().map_err(err)?)));
            }
        }
        let kyber_ids = (1..self.next_pre_key_id)
            .chain(LAST_RESORT_BASE..=LAST_RESORT_BASE + self.next_signed_id);
        for id in kyber_ids {
            if let Ok(record) = self.store.get_kyber_pre_key(KyberPreKeyId::from(id)).await {
                snapshot
                    .kyber_pre_keys
                    .push((id, b64(&record.serialize().map_err(err)?)));
            }
        }
        for id in 1..self.next_signed_id {
            if let Ok(record) = self
                .store
                .get_signed_pre_key(SignedPreKeyId::from(id))
                .await
            {
                snapshot
                    .signed_pre_keys
                    .push((id, b64(&record.serialize().map_err(err)?)));
            }
        }
        for (account_id, device_id) in peers {
            let remote = address(account_id, *device_id)?;
            if let Some(session) = self.store.load_session(&remote).await.map_err(err)? {
                snapshot.sessions.push((
                    account_id.clone(),
                    *device_id,
                    b64(&session.serialize().map_err(err)?),
                ));
            }
            if let Some(identity) = self.store.get_identity(&remote).await.map_err(err)? {
                snapshot.identities.push((
                    account_id.clone(),
                    *device_id,
                    b64(&identity.serialize()),
                ));
            }
        }
        serde_json::to_vec(&snapshot).map_err(err)
    }

    /// Restores a device exported with [`SignalDevice::export`].
    pub async fn import(bytes: &[u8]) -> Result<SignalDevice> {
        let snapshot: Snapshot = serde_json::from_slice(bytes).map_err(err)?;
        let identity =
            IdentityKeyPair::try_from(unb64(&snapshot.identity)?.as_slice()).map_err(err)?;
        let mut store =
            InMemSignalProtocolStore::new(identity, snapshot.registration_id).map_err(err)?;
        for (id, record) in &snapshot.pre_keys {
            let record = PreKeyRecord::deserialize(&unb64(record)?).map_err(err)?;
            store
                .save_pre_key(PreKeyId::from(*id), &record)
                .await
                .map_err(err)?;
        }
        for (id, record) in &snapshot.signed_pre_keys {
            let record = SignedPreKeyRecord::deserialize(&unb64(record)?).map_err(err)?;
            store
                .save_signed_pre_key(SignedPreKeyId::from(*id), &record)
                .await
                .map_err(err)?;
        }
        for (id, record) in &snapshot.kyber_pre_keys {
            let record = KyberPreKeyRecord::deserialize(&unb64(record)?).map_err(err)?;
            store
                .save_kyber_pre_key(KyberPreKeyId::from(*id), &record)
                .await
                .map_err(err)?;
        }
        for (account_id, device_id, identity) in &snapshot.identities {
            let identity = IdentityKey::decode(&unb64(identity)?).map_err(err)?;
            store
                .save_identity(&address(account_id, *device_id)?, &identity)
                .await
                .map_err(err)?;
        }
        for (account_id, device_id, session) in &snapshot.sessions {
            let session =
                libsignal_protocol::SessionRecord::deserialize(&unb64(session)?).map_err(err)?;
            store
                .store_session(&address(account_id, *device_id)?, &session)
                .await
                .map_err(err)?;
        }
        Ok(SignalDevice {
            store,
            identity,
            registration_id: snapshot.registration_id,
            next_pre_key_id: snapshot.next_pre_key_id,
            next_signed_id: snapshot.next_signed_id,
        })
    }

    /// The identity key this device trusts for a peer device, if any.
    pub async fn peer_identity(&self, account_id: &str, device_id: u32) -> Result<Option<Vec<u8>>> {
        let remote = address(account_id, device_id)?;
        Ok(self
            .store
            .get_identity(&remote)
            .await
            .map_err(err)?
            .map(|key| key.serialize().to_vec()))
    }
}

/// What case notes are sealed with: HPKE (RFC 9180) in its authenticated mode, X25519 on the
/// devices' identity keys, HKDF-SHA256 and ChaCha20-Poly1305. Only the recipient device can open
/// a copy, and opening it proves which device sealed it.
type NoteKem = hpke::kem::X25519HkdfSha256;
type NoteKdf = hpke::kdf::HkdfSha256;
type NoteAead = hpke::aead::ChaCha20Poly1305;
/// Binds every sealed note to its purpose.
const NOTE_INFO: &[u8] = b"quietline case note v1";

fn note_public(identity_key: &[u8]) -> Result<<NoteKem as hpke::Kem>::PublicKey> {
    use hpke::Deserializable;
    let key = IdentityKey::decode(identity_key).map_err(err)?;
    <NoteKem as hpke::Kem>::PublicKey::from_bytes(key.public_key().public_key_bytes()).map_err(err)
}

impl SignalDevice {
    /// This device's key for sealed messages (the web entry), derived from its identity key, so
    /// the state file needs nothing more.
    pub fn intake_pair(&self) -> super::sealed::SealedKeyPair {
        let seed = [
            b"quietline intake key v1".as_slice(),
            &self.identity.private_key().serialize(),
        ]
        .concat();
        super::sealed::SealedKeyPair::derive(&seed)
    }

    /// The intake key as published: signed by the identity key, as prekeys are.
    pub fn intake_key(&self) -> Result<crate::relay::IntakeKey> {
        let public_key = self.intake_pair().public_key();
        let signature = self
            .identity
            .private_key()
            .calculate_signature(&public_key, &mut rand::rng())
            .map_err(err)?
            .to_vec();
        Ok(crate::relay::IntakeKey {
            public_key,
            signature,
        })
    }

    fn note_pair(
        &self,
    ) -> Result<(
        <NoteKem as hpke::Kem>::PrivateKey,
        <NoteKem as hpke::Kem>::PublicKey,
    )> {
        use hpke::Deserializable;
        let secret = <NoteKem as hpke::Kem>::PrivateKey::from_bytes(
            &self.identity.private_key().serialize(),
        )
        .map_err(err)?;
        Ok((secret, note_public(&self.identity_key())?))
    }

    /// Seals a case note (padded, like messages) to the device with `recipient_identity`;
    /// `context` names the note, its writer and its reader, and must be given again to open it.
    pub fn seal_note(
        &self,
        recipient_identity: &[u8],
        context: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>> {
        use hpke::Serializable;
        let recipient = note_public(recipient_identity)?;
        let mode = hpke::OpModeS::Auth(self.note_pair()?);
        let (encapped, ciphertext) = hpke::single_shot_seal::<NoteAead, NoteKdf, NoteKem, _>(
            &mode,
            &recipient,
            NOTE_INFO,
            &pad_plaintext(plaintext),
            context,
            &mut rand::rng(),
        )
        .map_err(err)?;
        Ok([encapped.to_bytes().as_slice(), &ciphertext].concat())
    }

    /// Opens a case note sealed to this device by the device with `sender_identity`.
    pub fn open_note(
        &self,
        sender_identity: &[u8],
        context: &[u8],
        sealed: &[u8],
    ) -> Result<Vec<u8>> {
        use hpke::Deserializable;
        let size = <<NoteKem as hpke::Kem>::EncappedKey as hpke::Serializable>::size();
        if sealed.len() < size {
            return Err(SignalError("the note is cut short".into()));
        }
        let (encapped, ciphertext) = sealed.split_at(size);
        let encapped = <NoteKem as hpke::Kem>::EncappedKey::from_bytes(encapped).map_err(err)?;
        let (secret, _) = self.note_pair()?;
        let mode = hpke::OpModeR::Auth(note_public(sender_identity)?);
        let padded = hpke::single_shot_open::<NoteAead, NoteKdf, NoteKem>(
            &mode, &secret, &encapped, NOTE_INFO, ciphertext, context,
        )
        .map_err(err)?;
        unpad_plaintext(&padded)
    }

    /// The safety number of this device's account and a peer's identity key, as Signal's apps
    /// show it (twelve groups of five digits), for the two people to compare.
    pub fn safety_number(
        &self,
        own_account: &str,
        peer_account: &str,
        peer_identity: &[u8],
    ) -> Result<String> {
        let peer = IdentityKey::decode(peer_identity).map_err(err)?;
        let fingerprint = libsignal_protocol::Fingerprint::new(
            2,
            5200,
            own_account.as_bytes(),
            self.identity.identity_key(),
            peer_account.as_bytes(),
            &peer,
        )
        .map_err(err)?;
        fingerprint.display_string().map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_note_opens_only_for_its_reader_and_names_its_writer() -> Result<()> {
        let writer = SignalDevice::generate()?;
        let reader = SignalDevice::generate()?;
        let other = SignalDevice::generate()?;
        let sealed = writer.seal_note(&reader.identity_key(), b"ctx", b"she needs a lawyer")?;
        assert!(!sealed.windows(6).any(|w| w == b"lawyer"));
        assert_eq!(
            reader.open_note(&writer.identity_key(), b"ctx", &sealed)?,
            b"she needs a lawyer"
        );
        assert!(
            other
                .open_note(&writer.identity_key(), b"ctx", &sealed)
                .is_err()
        );
        assert!(
            reader
                .open_note(&other.identity_key(), b"ctx", &sealed)
                .is_err()
        );
        assert!(
            reader
                .open_note(&writer.identity_key(), b"other", &sealed)
                .is_err()
        );
        Ok(())
    }

    #[test]
    fn both_sides_see_the_same_safety_number() -> Result<()> {
        let a = SignalDevice::generate()?;
        let b = SignalDevice::generate()?;
        let seen_by_a = a.safety_number("alice", "bob", &b.identity_key())?;
        let seen_by_b = b.safety_number("bob", "alice", &a.identity_key())?;
        assert_eq!(seen_by_a, seen_by_b);
        assert_eq!(seen_by_a.len(), 60);
        let c = SignalDevice::generate()?;
        assert_ne!(
            seen_by_a,
            a.safety_number("alice", "bob", &c.identity_key())?
        );
        Ok(())
    }

    #[test]
    fn plaintext_padding_round_trips_and_hides_length() {
        for text in [&b""[..], b"hi", &[0u8; 159], &[7u8; 160]] {
            let padded = pad_plaintext(text);
            assert_eq!(padded.len() % PLAINTEXT_BLOCK, 0);
            assert_eq!(unpad_plaintext(&padded).ok().as_deref(), Some(text));
        }
        assert_eq!(
            pad_plaintext(b"a").len(),
            pad_plaintext(b"a longer message").len()
        );
    }
}

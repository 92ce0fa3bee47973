//! Messaging: prekeys, sessions from bundles, encrypting to every device of a peer (retrying on
//! a device mismatch), the queue, decryption; conversations and referrals.

use super::*;

impl Client {
    /// Publishes this device's identity, signed prekeys and a batch of one-time prekeys.
    pub async fn publish_keys(&mut self) -> Result<PreKeyCount> {
        let keys = self.signal.device_keys(PRE_KEY_BATCH).await?;
        self.call(awc::http::Method::PUT, "/v1/keys", Some(&keys))
            .await
    }

    /// Uploads more one-time prekeys and rotates the signed prekey.
    pub async fn replenish(&mut self) -> Result<PreKeyCount> {
        let upload = self.signal.replenish(PRE_KEY_BATCH).await?;
        self.call(awc::http::Method::POST, "/v1/keys/prekeys", Some(&upload))
            .await
    }

    pub async fn pre_key_count(&self) -> Result<PreKeyCount> {
        self.call::<(), _>(awc::http::Method::GET, "/v1/keys/count", None)
            .await
    }

    pub async fn fetch_bundles(&self, account_id: &str) -> Result<PreKeyBundles> {
        self.call::<(), _>(
            awc::http::Method::GET,
            &format!("/v1/keys/{account_id}"),
            None,
        )
        .await
    }

    /// Starts sessions with the listed devices of a peer (all of them when `only` is empty).
    /// A device whose identity key changed is not trusted silently: the send stops with
    /// [`ClientError::IdentityChanged`].
    async fn start_sessions(&mut self, account_id: &str, only: &BTreeSet<u32>) -> Result<()> {
        let bundles = self.fetch_bundles(account_id).await?;
        if bundles.sealed_devices.is_empty() {
            self.sealed_peers.remove(account_id);
        } else {
            self.sealed_peers
                .insert(account_id.to_string(), bundles.sealed_devices);
        }
        let mut changed = Vec::new();
        for bundle in bundles.devices {
            if only.is_empty() || only.contains(&bundle.device_id.0) {
                if self.signal.identity_changed(account_id, &bundle).await? {
                    changed.push(bundle.device_id.0);
                    continue;
                }
                self.signal.start_session(account_id, &bundle).await?;
                self.peers
                    .entry(account_id.to_string())
                    .or_default()
                    .insert(bundle.device_id.0);
            }
        }
        if changed.is_empty() {
            Ok(())
        } else {
            Err(ClientError::IdentityChanged {
                account_id: account_id.to_string(),
                devices: changed,
            })
        }
    }

    /// After the person accepted a changed safety number: trusts the peer's new identity keys
    /// and starts fresh sessions with those devices.
    pub async fn accept_new_identity(&mut self, account_id: &str) -> Result<()> {
        let bundles = self.fetch_bundles(account_id).await?;
        for bundle in bundles.devices {
            if self.signal.identity_changed(account_id, &bundle).await? {
                self.signal.trust_identity(account_id, &bundle).await?;
                self.signal.start_session(account_id, &bundle).await?;
                self.peers
                    .entry(account_id.to_string())
                    .or_default()
                    .insert(bundle.device_id.0);
            }
        }
        Ok(())
    }

    /// Replaces this device's Signal identity and keys, as a reinstall does. Peers see a changed
    /// safety number on their next send.
    pub async fn reregister(&mut self) -> Result<PreKeyCount> {
        self.signal = SignalDevice::generate()?;
        self.peers.clear();
        self.publish_keys().await
    }

    /// Encrypts `plaintext` to every device of `recipient` and sends it under a new message id.
    pub async fn send_text(&mut self, recipient: &str, plaintext: &[u8]) -> Result<SendReceipt> {
        let id = uuid::Uuid::new_v4().to_string();
        self.send_with_id(recipient, &id, plaintext).await
    }

    /// Sends under a chosen message id (a retry reuses it, and is accepted once). On a device
    /// mismatch, fetches bundles for new and re-registered devices, drops removed ones, retries.
    pub async fn send_with_id(
        &mut self,
        recipient: &str,
        id: &str,
        plaintext: &[u8],
    ) -> Result<SendReceipt> {
        self.send_as(recipient, id, plaintext, false).await
    }

    /// (Workers) Sends a hand-off summary to the colleague who took a conversation over; the
    /// server accepts one only after the seeker said yes
    /// ([`Client::ask_handoff`], [`Client::answer_handoff`]).
    pub async fn send_summary(
        &mut self,
        recipient: &str,
        summary: &crate::relay::HandoffSummary,
    ) -> Result<SendReceipt> {
        let id = uuid::Uuid::new_v4().to_string();
        let plaintext = serde_json::to_vec(summary).map_err(transport)?;
        self.send_as(recipient, &id, &plaintext, true).await
    }

    async fn send_as(
        &mut self,
        recipient: &str,
        id: &str,
        plaintext: &[u8],
        summary: bool,
    ) -> Result<SendReceipt> {
        if !self.peers.contains_key(recipient) && !self.sealed_peers.contains_key(recipient) {
            self.start_sessions(recipient, &BTreeSet::new()).await?;
        }
        let mut last = None;
        for _ in 0..SEND_ATTEMPTS {
            let devices = self.peers.get(recipient).cloned().unwrap_or_default();
            let mut messages = Vec::with_capacity(devices.len());
            // A seeker in a browser has no Signal session: its devices get sealed copies.
            for device in self.sealed_peers.get(recipient).into_iter().flatten() {
                messages.push(OutgoingCiphertext {
                    device_id: device.device_id,
                    registration_id: 0,
                    kind: crate::relay::EnvelopeType::Sealed,
                    content: super::sealed::seal(&device.public_key, id, plaintext)?,
                });
            }
            for device in devices {
                let (kind, content, registration_id) =
                    self.signal.encrypt(recipient, device, plaintext).await?;
                // A summary carries its Signal type in its first byte.
                let (kind, content) = match summary {
                    true => (
                        crate::relay::EnvelopeType::Summary,
                        [
                            &[u8::try_from(kind.code()).unwrap_or_default()],
                            content.as_slice(),
                        ]
                        .concat(),
                    ),
                    false => (kind, content),
                };
                messages.push(OutgoingCiphertext {
                    device_id: DeviceId(device),
                    registration_id,
                    kind,
                    content,
                });
            }
            let message = SendMessage {
                id: id.to_string(),
                messages,
            };
            match self
                .call(
                    awc::http::Method::POST,
                    &format!("/v1/messages/{recipient}"),
                    Some(&message),
                )
                .await
            {
                Err(ClientError::Http {
                    status: 409,
                    body,
                    code,
                }) => {
                    let mismatch: DeviceMismatch =
                        serde_json::from_value(body["error"]["devices"].clone())
                            .unwrap_or_default();
                    self.apply_mismatch(recipient, &mismatch).await?;
                    last = Some(ClientError::Http {
                        status: 409,
                        body,
                        code,
                    });
                }
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| transport("send failed")))
    }

    async fn apply_mismatch(&mut self, recipient: &str, mismatch: &DeviceMismatch) -> Result<()> {
        if self.sealed_peers.remove(recipient).is_some() {
            // Sealed devices have no sessions to mend: read their keys again.
            self.peers.remove(recipient);
            return self.start_sessions(recipient, &BTreeSet::new()).await;
        }
        let known = self.peers.entry(recipient.to_string()).or_default();
        for device in &mismatch.extra_devices {
            known.remove(&device.0);
        }
        for device in mismatch.extra_devices.iter().chain(&mismatch.stale_devices) {
            self.signal.forget_session(recipient, device.0).await?;
        }
        let refresh: BTreeSet<u32> = mismatch
            .missing_devices
            .iter()
            .chain(&mismatch.stale_devices)
            .map(|d| d.0)
            .collect();
        if refresh.is_empty() && mismatch.extra_devices.is_empty() {
            // The server named nothing (a device vanished mid-send): start over from bundles.
            self.peers.remove(recipient);
            return self.start_sessions(recipient, &BTreeSet::new()).await;
        }
        if !refresh.is_empty() {
            self.start_sessions(recipient, &refresh).await?;
        }
        Ok(())
    }

    /// The first page of this device's queue, over HTTP.
    pub async fn fetch(&self) -> Result<EnvelopePage> {
        self.call::<(), _>(awc::http::Method::GET, "/v1/messages", None)
            .await
    }

    pub async fn acknowledge(&self, ids: Vec<i64>) -> Result<AckReceipt> {
        self.call(
            awc::http::Method::POST,
            "/v1/messages/ack",
            Some(&Acknowledge { ids }),
        )
        .await
    }

    /// The conversations this account takes part in that are not closed. A seeker's client
    /// encrypts to the `workers` listed here; after a `workers_changed` event it reads them again.
    pub async fn conversations(&self) -> Result<Vec<crate::api::Conversation>> {
        self.call::<(), _>(awc::http::Method::GET, "/v1/conversations", None)
            .await
    }

    /// The safety number of each device of a peer this client has a session with, for the two
    /// people to compare (by device id).
    pub async fn safety_numbers(&self, account_id: &str) -> Result<Vec<(u32, String)>> {
        let mut numbers = Vec::new();
        for device in self.peers.get(account_id).into_iter().flatten() {
            if let Some(key) = self.signal.peer_identity(account_id, *device).await? {
                numbers.push((
                    *device,
                    self.signal
                        .safety_number(self.account_id(), account_id, &key)?,
                ));
            }
        }
        Ok(numbers)
    }

    /// (Seekers) Answers a referral offered in a conversation: the conversation moves to the
    /// partner organisation only when `accept` is true.
    pub async fn answer_referral(
        &self,
        conversation_id: &str,
        accept: bool,
    ) -> Result<crate::api::Conversation> {
        let answer = if accept { "accept" } else { "decline" };
        self.call::<(), _>(
            awc::http::Method::POST,
            &format!("/v1/conversations/{conversation_id}/referral/{answer}"),
            None,
        )
        .await
    }

    /// Decrypts an envelope whose sender may present a new identity (a new phone, or someone
    /// else): the new identity is trusted so that the message can be read, and the answer says
    /// it changed, for the person to be told (and, at the desk, to accept before replying).
    pub async fn open_noting_new_identity(
        &mut self,
        envelope: &Envelope,
    ) -> Result<(Received, bool)> {
        match self.open(envelope).await {
            Err(ClientError::IdentityChanged { account_id, .. }) => {
                self.accept_new_identity(&account_id).await?;
                Ok((self.open(envelope).await?, true))
            }
            other => other.map(|received| (received, false)),
        }
    }

    /// Decrypts an envelope. A message from a device not yet known becomes a known peer device.
    pub async fn open(&mut self, envelope: &Envelope) -> Result<Received> {
        let from_account = envelope
            .source_account
            .as_ref()
            .map(|a| a.0.clone())
            .ok_or_else(|| transport("envelope without sender"))?;
        let from_device = envelope
            .source_device
            .map(|d| d.0)
            .ok_or_else(|| transport("envelope without sender device"))?;
        if envelope.kind == crate::relay::EnvelopeType::Sealed {
            // From a browser: sealed to this device's intake key, under the message id.
            let plaintext = self
                .signal
                .intake_pair()
                .open(&envelope.guid, &envelope.content)?;
            // An app's callback request comes sealed too; anything else sealed is from a page.
            if serde_json::from_slice::<crate::relay::CallbackRequest>(&plaintext).is_err() {
                self.sealed_senders.insert(from_account.clone());
            }
            return Ok(Received {
                envelope_id: envelope.id,
                from_account,
                from_device,
                plaintext,
                summary: false,
            });
        }
        let summary = envelope.kind == crate::relay::EnvelopeType::Summary;
        let (kind, content) = match summary {
            true => {
                let (&code, rest) = envelope
                    .content
                    .split_first()
                    .ok_or_else(|| transport("an empty summary"))?;
                let kind = crate::relay::EnvelopeType::from_code(i16::from(code))
                    .filter(|k| {
                        matches!(
                            k,
                            crate::relay::EnvelopeType::Prekey
                                | crate::relay::EnvelopeType::Message
                        )
                    })
                    .ok_or_else(|| transport("a summary of no Signal type"))?;
                (kind, rest)
            }
            false => (envelope.kind, envelope.content.as_slice()),
        };
        if kind == crate::relay::EnvelopeType::Prekey
            && self
                .signal
                .prekey_identity_changed(&from_account, from_device, content)
                .await?
        {
            return Err(ClientError::IdentityChanged {
                account_id: from_account,
                devices: vec![from_device],
            });
        }
        let plaintext = self
            .signal
            .decrypt(&from_account, from_device, kind, content)
            .await?;
        self.peers
            .entry(from_account.clone())
            .or_default()
            .insert(from_device);
        Ok(Received {
            envelope_id: envelope.id,
            from_account,
            from_device,
            plaintext,
            summary,
        })
    }
}

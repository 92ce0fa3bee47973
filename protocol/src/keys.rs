//! Checks of published keys, shared by server and clients. Signatures are verified with
//! libsignal's own XEdDSA implementation (Signal keeps a sign bit inside its signatures, which
//! generic verifiers reject).

use crate::relay::{DeviceKeys, EcPreKey, PreKeyUpload, SignedPreKey};
use libsignal_core::curve::PublicKey;
use std::collections::HashSet;

/// Curve25519 public key with its type byte.
pub const EC_KEY_LEN: usize = 33;
/// Kyber1024 public key with its type byte (0x08).
pub const KYBER1024_KEY_LEN: usize = 1569;
const KYBER1024_TYPE: u8 = 0x08;
/// One-time prekeys of each kind in one upload, and held per device.
pub const MAX_PRE_KEYS_PER_UPLOAD: usize = 100;
pub const MAX_PRE_KEYS_PER_DEVICE: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// A key is malformed or a signature does not verify.
    Signature(&'static str),
    /// The upload is malformed: duplicates, too many keys.
    Shape(&'static str),
}

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyError::Signature(what) | KeyError::Shape(what) => f.write_str(what),
        }
    }
}

impl std::error::Error for KeyError {}

pub fn ec_public_key(bytes: &[u8]) -> Result<PublicKey, KeyError> {
    if bytes.len() != EC_KEY_LEN {
        return Err(KeyError::Signature("an EC public key has 33 bytes"));
    }
    PublicKey::deserialize(bytes).map_err(|_| KeyError::Signature("an EC public key is malformed"))
}

fn check_ec_pre_key(key: &EcPreKey) -> Result<(), KeyError> {
    ec_public_key(&key.public_key).map(|_| ())
}

fn check_signed_ec(identity: &PublicKey, key: &SignedPreKey) -> Result<(), KeyError> {
    ec_public_key(&key.public_key)?;
    identity
        .verify_signature(&key.public_key, &key.signature)
        .then_some(())
        .ok_or(KeyError::Signature(
            "the signed prekey's signature does not verify",
        ))
}

fn check_signed_kyber(identity: &PublicKey, key: &SignedPreKey) -> Result<(), KeyError> {
    if key.public_key.len() != KYBER1024_KEY_LEN || key.public_key[0] != KYBER1024_TYPE {
        return Err(KeyError::Signature(
            "a Kyber prekey must be a Kyber1024 public key",
        ));
    }
    identity
        .verify_signature(&key.public_key, &key.signature)
        .then_some(())
        .ok_or(KeyError::Signature(
            "a Kyber prekey's signature does not verify",
        ))
}

fn unique_ids(ids: impl Iterator<Item = u32>) -> Result<(), KeyError> {
    let mut seen = HashSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(KeyError::Shape("prekey ids must be unique"));
        }
    }
    Ok(())
}

/// Checks an upload of more prekeys against the device's identity key.
pub fn check_upload(identity_key: &[u8], upload: &PreKeyUpload) -> Result<(), KeyError> {
    let identity = ec_public_key(identity_key)?;
    if upload.pre_keys.len() > MAX_PRE_KEYS_PER_UPLOAD
        || upload.pq_pre_keys.len() > MAX_PRE_KEYS_PER_UPLOAD
    {
        return Err(KeyError::Shape(
            "at most 100 prekeys of each kind per upload",
        ));
    }
    unique_ids(upload.pre_keys.iter().map(|k| k.key_id))?;
    unique_ids(upload.pq_pre_keys.iter().map(|k| k.key_id))?;
    upload.pre_keys.iter().try_for_each(check_ec_pre_key)?;
    upload
        .pq_pre_keys
        .iter()
        .try_for_each(|k| check_signed_kyber(&identity, k))?;
    if let Some(signed) = &upload.signed_pre_key {
        check_signed_ec(&identity, signed)?;
    }
    if let Some(last_resort) = &upload.pq_last_resort_pre_key {
        check_signed_kyber(&identity, last_resort)?;
    }
    Ok(())
}

/// Checks a device's full key set: identity, signed prekeys, one-time prekeys and intake key.
pub fn check_device_keys(keys: &DeviceKeys) -> Result<(), KeyError> {
    let identity = ec_public_key(&keys.identity_key)?;
    check_signed_ec(&identity, &keys.signed_pre_key)?;
    if let Some(intake) = &keys.intake_key {
        ec_public_key(&intake.public_key)?;
        if !identity.verify_signature(&intake.public_key, &intake.signature) {
            return Err(KeyError::Signature(
                "the intake key's signature does not verify",
            ));
        }
    }
    check_signed_kyber(&identity, &keys.pq_last_resort_pre_key)?;
    check_upload(
        &keys.identity_key,
        &PreKeyUpload {
            pre_keys: keys.pre_keys.clone(),
            pq_pre_keys: keys.pq_pre_keys.clone(),
            signed_pre_key: None,
            pq_last_resort_pre_key: None,
        },
    )
}
